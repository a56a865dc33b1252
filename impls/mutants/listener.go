package mutants

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/netconform/netconform/harness"
)

// listener wraps a *net.TCPListener or *net.UnixListener; the conns it
// accepts are wrapped too.
type listener struct {
	net.Listener
	b      *bug
	ctx    context.Context // the case's: accepted conns are released with it
	closed atomic.Bool

	mu       sync.Mutex
	accepted []*conn
	release  chan struct{} // closed when the case ends
	relOnce  sync.Once
	state    any
}

func (l *listener) Accept() (net.Conn, error) {
	if l.b.accept != nil {
		c, err := l.b.accept(l)
		return c, l.err(err)
	}
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, l.err(err)
	}
	return l.wrap(c), nil
}

// wrap wraps an accepted conn and remembers it.
func (l *listener) wrap(c net.Conn) net.Conn {
	w, out := l.b.wrapConn(l.ctx, c)
	l.mu.Lock()
	l.accepted = append(l.accepted, w)
	l.mu.Unlock()
	return out
}

func (l *listener) Addr() net.Addr {
	if l.b.lnAddr != nil {
		return l.b.lnAddr(l)
	}
	return l.Listener.Addr()
}

func (l *listener) err(err error) error {
	if err == nil || l.b.errs == nil {
		return err
	}
	return l.b.errs(err)
}

func (l *listener) Close() error {
	if l.b.lnClose != nil {
		return l.err(l.b.lnClose(l))
	}
	l.closed.Store(true)
	return l.err(l.Listener.Close())
}

func (l *listener) SetDeadline(t time.Time) error {
	if l.b.ignoreDeadlines {
		return nil
	}
	return l.err(l.Listener.(interface{ SetDeadline(time.Time) error }).SetDeadline(t))
}

// SyscallConn exposes the socket, so that the harness observes options.
func (l *listener) SyscallConn() (syscall.RawConn, error) {
	return l.Listener.(syscall.Conn).SyscallConn()
}

// forceClose ends the listener with the case, releasing anything a bug
// keeps blocked.
func (l *listener) forceClose() {
	l.relOnce.Do(func() {
		close(l.release)
		l.Listener.Close()
		if s, ok := l.state.(interface{ stop() }); ok {
			s.stop()
		}
	})
}

// newListener wraps ln for the case of ctx.
func (b *bug) newListener(ctx context.Context, ln net.Listener) *listener {
	l := &listener{Listener: ln, b: b, ctx: ctx, release: make(chan struct{})}
	harness.CaseCleanup(ctx, l.forceClose)
	if b.startListener != nil {
		b.startListener(l)
	}
	return l
}
