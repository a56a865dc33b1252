package driver

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"time"

	"github.com/netconform/netconform/harness"
)

// Driver is a driver program and what it declared in hello.
type Driver struct {
	Argv  []string
	Dir   string // working directory; "" is the current one
	Hello Hello

	pool         pool          // processes that ended a case cleanly
	closeTimeout time.Duration // bounds the answers to close; 0 is the default, closeTimeout
}

// New starts argv once to learn what it declares, then returns the
// implementation that runs each case against a process of it: a new one,
// or one that ended an earlier case cleanly (PROTOCOL.md, "Life cycle").
func New(argv ...string) (harness.Impl, error) {
	return NewIn("", argv...)
}

// NewIn is New with the driver started in dir.
func NewIn(dir string, argv ...string) (harness.Impl, error) {
	return newWithin(helloTimeout, dir, argv...)
}

// newWithin is NewIn waiting up to within (stretched by the watchdog) for
// the first hello.
func newWithin(within time.Duration, dir string, argv ...string) (harness.Impl, error) {
	d, err := newDriver(within, dir, argv...)
	if err != nil {
		return harness.Impl{}, err
	}
	return d.Impl()
}

// newDriver starts argv once for its hello, waiting up to within.
func newDriver(within time.Duration, dir string, argv ...string) (*Driver, error) {
	d := &Driver{Argv: argv, Dir: dir}
	p, err := startProc(argv, dir)
	if err != nil {
		return nil, err
	}
	h, err := p.helloWithin(within)
	p.stop()
	if err != nil {
		if ev := p.evidence(); ev != "" {
			err = fmt.Errorf("%w\n%s", err, ev)
		}
		return nil, err
	}
	d.Hello = *h
	return d, nil
}

// hello opens the session and checks the driver's declaration.
func (p *proc) hello() (*Hello, error) { return p.helloWithin(helloTimeout) }

// helloWithin is hello waiting up to within, stretched by the watchdog.
func (p *proc) helloWithin(within time.Duration) (*Hello, error) {
	ctx, cancel := context.WithTimeout(context.Background(), watchdog(within))
	defer cancel()
	type answer struct {
		r   *Reply
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		r, err := p.call(Request{"op": "hello", "protocol": Version})
		ch <- answer{r, err}
	}()
	var a answer
	select {
	case a = <-ch:
	case <-ctx.Done():
		p.broken(fmt.Errorf("no answer to hello within %v", watchdog(within)))
		return nil, p.deadErr()
	}
	if a.err != nil {
		return nil, a.err
	}
	switch {
	case a.r.Error != nil:
		return nil, fmt.Errorf("driver %s: hello failed: %s: %s", p.argv[0], a.r.Error.Kind, a.r.Error.Text)
	case a.r.Result == nil:
		return nil, fmt.Errorf("driver %s: hello was not answered with a result", p.argv[0])
	}
	var h Hello
	if err := json.Unmarshal(a.r.Result, &h); err != nil {
		return nil, fmt.Errorf("driver %s: hello result: %v", p.argv[0], err)
	}
	if h.Protocol != Version {
		return nil, fmt.Errorf("driver %s speaks protocol %d; this netconform speaks %d", p.argv[0], h.Protocol, Version)
	}
	return &h, nil
}

// Impl is the implementation under test the driver declares.
func (d *Driver) Impl() (harness.Impl, error) {
	h := d.Hello
	caps, err := harness.ParseCaps(strings.Join(h.Caps, ","))
	if err != nil {
		return harness.Impl{}, fmt.Errorf("driver %s: %w", h.Name, err)
	}
	im := harness.Impl{
		Name:        h.Name,
		Description: strings.TrimSpace(h.Description + " (" + h.Language + ", driver protocol " + fmt.Sprint(Version) + ")"),
		Version:     h.Version,
		Caps:        caps,
		CloseMode:   harness.CloseMode(h.CloseMode),
		Network:     "tcp4",
		PacketNet:   "udp4",
		// A case may start a process: a few per core keep start-up
		// from starving the cases already running.
		Parallel: 4 * runtime.NumCPU(),
		Prepare: func(ctx context.Context) error {
			_, err := d.session(ctx)
			return err
		},
		Close: d.pool.drain,
	}
	if h.Reuse {
		d.pool.setMax(im.Parallel)
	}
	for _, k := range h.Known {
		im.Known = append(im.Known, harness.Known{Case: k.Case, Role: harness.Role(k.Role), Reason: k.Reason, Link: k.Link})
	}
	if caps.Has(harness.CapStream) {
		im.Dial = d.dial
	}
	if caps.Has(harness.CapListener) {
		im.Listen = d.listen
	}
	if caps.Has(harness.CapPacket) {
		im.ListenPacket = d.listenPacket
	}
	if caps.Has(harness.CapPacketDial) {
		im.DialPacket = func(ctx context.Context, network, address string) (net.Conn, error) {
			return d.dial(ctx, network, address, harness.DialOptions{})
		}
	}
	return im, im.Validate()
}

// sessionKey names a driver's per-case process in the case's scope.
type sessionKey struct{ d *Driver }

// session returns the case's driver process on first use: an idle one that
// ended an earlier case cleanly, or a new one. When the case ends it goes
// back to the pool if it is still clean, and is killed otherwise; what it
// wrote to stderr during the case becomes evidence.
func (d *Driver) session(ctx context.Context) (*proc, error) {
	return harness.CaseValue(ctx, sessionKey{d}, func() (*proc, error) {
		p := d.pool.get()
		if p == nil {
			var err error
			if p, err = startProc(d.Argv, d.Dir); err != nil {
				return nil, err
			}
			p.closeTimeout = cmp.Or(d.closeTimeout, p.closeTimeout)
		}
		u := &use{p: p, before: p.uses, mark: p.stderr.Mark()}
		p.uses++
		harness.CaseCleanup(ctx, func() { u.end(&d.pool) })
		harness.CaseEvidence(ctx, u.evidence)
		if u.before == 0 {
			if _, err := p.hello(); err != nil {
				return nil, err
			}
			p.ready()
		}
		return p, nil
	})
}

func (d *Driver) dial(ctx context.Context, network, address string, o harness.DialOptions) (net.Conn, error) {
	p, err := d.session(ctx)
	if err != nil {
		return nil, err
	}
	req := Request{"op": "dial", "network": network, "addr": address}
	if o.Timeout != 0 {
		req["timeout_ms"] = timeoutMS(o.Timeout)
	}
	if dl, ok := ctx.Deadline(); ok {
		req["deadline_unix_ns"] = dl.UnixNano()
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		req["canceled"] = true
	}
	keepAliveArgs(req, o.KeepAlive, o.KeepAliveConfig)
	r, err := p.callCtx(ctx, req)
	if err != nil {
		return nil, err
	}
	res, err := p.decode(r, req, "dial", network, nil, nil)
	if err != nil {
		return nil, err
	}
	return p.newConn(res, network)
}

// timeoutMS keeps the sign of a dial timeout: negative is already expired.
func timeoutMS(d time.Duration) int64 {
	if d < 0 {
		return min(-1, d.Milliseconds())
	}
	return max(1, d.Milliseconds())
}

// keepAliveArgs adds the dial or listen keep-alive options, as net.Dialer
// and net.ListenConfig read them.
func keepAliveArgs(req Request, ka time.Duration, cfg net.KeepAliveConfig) {
	if cfg.Enable {
		req["keepalive_config"] = keepAliveConfig(cfg)
	}
	if ka != 0 {
		req["keepalive"] = durMS(ka)
	}
}

func (d *Driver) listen(ctx context.Context, network, address string, o harness.ListenOptions) (net.Listener, error) {
	req := Request{"op": "listen", "network": network, "addr": address}
	keepAliveArgs(req, o.KeepAlive, o.KeepAliveConfig)
	h, err := d.bound(ctx, req, network)
	if err != nil {
		return nil, err
	}
	return &listener{*h}, nil
}

func (d *Driver) listenPacket(ctx context.Context, network, address string) (net.PacketConn, error) {
	h, err := d.bound(ctx, Request{"op": "listen_packet", "network": network, "addr": address}, network)
	if err != nil {
		return nil, err
	}
	return &dgramConn{*h}, nil
}

// bound sends a listen or listen_packet request and returns the handle of
// the socket it bound.
func (d *Driver) bound(ctx context.Context, req Request, network string) (*handle, error) {
	p, err := d.session(ctx)
	if err != nil {
		return nil, err
	}
	res, err := p.result(req, "listen", network, nil, nil)
	if err != nil {
		return nil, err
	}
	return p.newHandle(res, network, res.Addr, "")
}

// newConn wraps the result of dial or accept.
func (p *proc) newConn(res *Result, network string) (net.Conn, error) {
	h, err := p.newHandle(res, network, res.Local, res.Remote)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(network, "udp") {
		return &dgramConn{*h}, nil
	}
	return &streamConn{*h}, nil
}

// newHandle checks what the driver said about a new socket.
func (p *proc) newHandle(res *Result, network, local, remote string) (*handle, error) {
	h := &handle{p: p, h: res.H, network: network, fd: -1}
	if res.H <= 0 {
		return nil, p.violation(fmt.Errorf("a new socket came with handle %d", res.H))
	}
	if res.FD != nil {
		h.fd = *res.FD
	}
	var err error
	if h.local, err = parseAddr(network, local); err != nil {
		return nil, p.violation(fmt.Errorf("local address: %v", err))
	}
	if remote != "" {
		if h.remote, err = parseAddr(network, remote); err != nil {
			return nil, p.violation(fmt.Errorf("remote address: %v", err))
		}
	}
	return h, nil
}
