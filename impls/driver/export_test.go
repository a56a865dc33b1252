package driver

import (
	"time"

	"github.com/netconform/netconform/harness"
)

// SetTrace lets tests see every request line with its reply line.
func SetTrace(f func(op string, request, reply []byte)) { traceHook.Store(&f) }

var Watchdog = watchdog

// NewClosingWithin is New with the answers to close awaited up to within:
// a test of a driver that never answers need not wait out the real bound.
func NewClosingWithin(within time.Duration, argv ...string) (harness.Impl, error) {
	d, err := newDriver(helloTimeout, "", argv...)
	if err != nil {
		return harness.Impl{}, err
	}
	d.closeTimeout = within
	return d.Impl()
}

// NewWithin is New waiting up to within for the driver's hello: a test
// of a driver that never answers need not wait out the real timeout.
func NewWithin(within time.Duration, argv ...string) (harness.Impl, error) {
	return newWithin(within, "", argv...)
}

// Started counts the driver processes started so far.
func Started() int64 { return started.Load() }

// A PoolProc is a driver process, for tests of when the pool keeps one.
type PoolProc struct{ p *proc }

// StartPoolProc starts argv and opens its session as a case does.
func StartPoolProc(argv ...string) (*PoolProc, error) {
	p, err := startProc(argv, "")
	if err != nil {
		return nil, err
	}
	if _, err := p.hello(); err != nil {
		p.stop()
		return nil, err
	}
	p.ready()
	return &PoolProc{p}, nil
}

// Call sends req without waiting for longer than the session lasts.
func (pp *PoolProc) Call(req Request) (*Reply, error) { return pp.p.call(req) }

// Clean is what the pool asks before it keeps the process.
func (pp *PoolProc) Clean() bool { return pp.p.clean() }

// Stop ends the process.
func (pp *PoolProc) Stop() { pp.p.stop() }
