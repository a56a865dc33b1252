package harness

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

// setupBudget bounds each setup call (listen, dial, accept, pair);
// prepareBudget the start of per-case resources (a driver process, which
// a loaded machine can take seconds to start).
const (
	setupBudget   = 5 * time.Second
	prepareBudget = 15 * time.Second
)

// setup builds the case's starting topology. It reports false, with the
// run marked broken, when it cannot.
func (r *run) setup() bool {
	var err error
	if r.im.Prepare != nil {
		if _, err := r.setupCallBudget("Prepare", prepareBudget, func() callResult { return callResult{err: r.im.Prepare(r.ctx)} }); err != nil {
			if !r.broken && !r.hung {
				r.brokenf(0, "setup", "%v", err)
			}
			return false
		}
	}
	switch r.c.Setup {
	case SetupConn:
		err = r.setupConn()
	case SetupListener:
		err = r.setupListener()
	case SetupDialer:
		err = r.setupDialer()
	case SetupPacket:
		err = r.setupPacket()
	case SetupNone:
	default:
		err = fmt.Errorf("unknown setup %q", r.c.Setup)
	}
	if err != nil {
		if !r.broken && !r.hung {
			r.brokenf(0, "setup", "%v", err)
		}
		return false
	}
	return true
}

func (r *run) add(e *endpoint) *endpoint {
	if e.conn != nil {
		e.local, e.remote = e.conn.LocalAddr(), e.conn.RemoteAddr()
	} else if e.ln != nil {
		e.local = e.ln.Addr()
	} else if e.pc != nil {
		e.local = e.pc.LocalAddr()
	}
	r.eps[e.name] = e
	r.order = append(r.order, e)
	return e
}

func (r *run) alias(name, to string) { r.eps[name] = r.eps[to] }

// setupCall runs one setup call under the watchdog.
func (r *run) setupCall(desc string, fn func() callResult) (callResult, error) {
	return r.setupCallBudget(desc, setupBudget, fn)
}

func (r *run) setupCallBudget(desc string, budget time.Duration, fn func() callResult) (callResult, error) {
	res, ok := r.calls.call(desc, r.watch(budget), fn)
	if !ok {
		r.hung = true
		r.finding(Finding{Call: "setup: " + desc, Got: fmt.Sprintf("blocked for %v", r.watch(budget)), Want: "return"})
		return res, fmt.Errorf("%s hung", desc)
	}
	if res.err != nil {
		return res, fmt.Errorf("%s: %w", desc, res.err)
	}
	return res, nil
}

// iutKernel reports whether the IUT's endpoints are observable kernel sockets.
func (r *run) iutKernel() bool { return r.caps.Has(CapKernel) }

func (r *run) setupConn() error {
	network := r.im.StreamNetwork()
	var client, server *endpoint
	switch {
	case r.im.Pairwise():
		res, err := r.setupCall("NewPair", func() callResult {
			p, err := r.im.NewPair(r.ctx)
			if err == nil {
				err = pairCheck(p)
			}
			return callResult{err: err, extra: p}
		})
		if p, ok := res.extra.(*Pair); ok && p != nil && p.Stop != nil {
			r.stops = append(r.stops, p.Stop)
		}
		if err != nil {
			return err
		}
		p := res.extra.(*Pair)
		client = r.add(&endpoint{name: Client, iut: true, conn: p.Client, kernel: r.iutKernel()})
		server = r.add(&endpoint{name: Server, iut: true, conn: p.Server, kernel: r.iutKernel()})
	case r.role == RoleClient:
		ln, err := r.refListen(network)
		if err != nil {
			return err
		}
		lnEp := r.add(&endpoint{name: Ln, ln: ln, kernel: true})
		addr := ln.Addr().String()
		dial, err := r.setupCall("IUT Dial", func() callResult {
			c, err := r.im.Dial(r.ctx, network, addr, r.c.Dial)
			return callResult{conn: c, err: err}
		})
		if err != nil {
			return err
		}
		client = r.add(&endpoint{name: Client, iut: true, conn: dial.conn, kernel: r.iutKernel()})
		acc, err := r.setupCall("reference Accept", func() callResult {
			c, err := lnEp.ln.Accept()
			return callResult{conn: c, err: err}
		})
		if err != nil {
			return err
		}
		server = r.add(&endpoint{name: Server, conn: acc.conn, kernel: true})
	default:
		lres, err := r.setupCall("IUT Listen", func() callResult {
			ln, err := r.im.Listen(r.ctx, network, r.loopback(network), r.c.Listen)
			return callResult{ln: ln, err: err}
		})
		if err != nil {
			return err
		}
		lnEp := r.add(&endpoint{name: Ln, iut: true, ln: lres.ln, kernel: r.iutKernel()})
		addr := addrString(lnEp.local)
		dial, err := r.setupCall("reference Dial", func() callResult {
			c, err := r.refDialIUT(r.ctx, addr)
			return callResult{conn: c, err: err}
		})
		if err != nil {
			return err
		}
		client = r.add(&endpoint{name: Client, conn: dial.conn, kernel: true})
		acc, err := r.setupCall("IUT Accept", func() callResult {
			c, err := lnEp.ln.Accept()
			return callResult{conn: c, err: err}
		})
		if err != nil {
			return err
		}
		server = r.add(&endpoint{name: Server, iut: true, conn: acc.conn, kernel: r.iutKernel()})
	}
	client.other, server.other = server, client
	if r.role == RoleClient {
		r.alias(IUT, Client)
		r.alias(Peer, Server)
	} else {
		r.alias(IUT, Server)
		r.alias(Peer, Client)
	}
	return nil
}

// pairCheck rejects a pair with a missing end.
func pairCheck(p *Pair) error {
	if p == nil || p.Client == nil || p.Server == nil {
		return fmt.Errorf("NewPair returned a pair with a nil end")
	}
	return nil
}

func (r *run) setupListener() error {
	if r.im.NewListener != nil && (r.im.Pairwise() || r.im.Listen == nil) {
		res, err := r.setupCall("NewListener", func() callResult {
			pl, err := r.im.NewListener(r.ctx)
			if err == nil && (pl == nil || pl.Listener == nil || pl.Dial == nil) {
				err = fmt.Errorf("NewListener returned no listener or no Dial")
			}
			return callResult{err: err, extra: pl}
		})
		if pl, ok := res.extra.(*PairListener); ok && pl != nil && pl.Stop != nil {
			r.stops = append(r.stops, pl.Stop)
		}
		if err != nil {
			return err
		}
		pl := res.extra.(*PairListener)
		r.add(&endpoint{name: Ln, iut: true, ln: pl.Listener, lnDial: pl.Dial, kernel: r.iutKernel()})
		return nil
	}
	network := r.im.StreamNetwork()
	res, err := r.setupCall("IUT Listen", func() callResult {
		ln, err := r.im.Listen(r.ctx, network, r.loopback(network), r.c.Listen)
		return callResult{ln: ln, err: err}
	})
	if err != nil {
		return err
	}
	r.add(&endpoint{name: Ln, iut: true, ln: res.ln, kernel: r.iutKernel()})
	return nil
}

func (r *run) setupDialer() error {
	ln, err := r.refListen(r.im.StreamNetwork())
	if err != nil {
		return err
	}
	r.add(&endpoint{name: Ln, ln: ln, kernel: true})
	return nil
}

func (r *run) setupPacket() error {
	pnet := r.im.DatagramNetwork()
	n := r.c.Clients
	if n == 0 {
		n = 1
	}
	// A datagram implementation that is not a kernel socket (a userspace
	// stack) cannot reach a std socket: both sides are then the IUT's.
	virtual := !r.iutKernel()
	var srv *endpoint
	if r.role == RoleServer || virtual {
		res, err := r.setupCall("IUT ListenPacket", func() callResult {
			pc, err := r.im.ListenPacket(r.ctx, pnet, r.loopback(pnet))
			return callResult{pc: pc, err: err}
		})
		if err != nil {
			return err
		}
		srv = r.add(&endpoint{name: Server, iut: true, pc: res.pc, kernel: r.iutKernel()})
	} else {
		pc, err := net.ListenPacket(pnet, r.loopback(pnet))
		if err != nil {
			return fmt.Errorf("reference ListenPacket: %w", err)
		}
		srv = r.add(&endpoint{name: Server, pc: pc, kernel: true})
	}
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("c%d", i)
		if err := r.newPacketClient(name, addrString(srv.local), r.c.Unconnected); err != nil {
			return err
		}
	}
	if r.role == RoleServer {
		r.alias(IUT, Server)
		r.alias(Peer, "c1")
	} else {
		r.alias(IUT, "c1")
		r.alias(Peer, Server)
	}
	return nil
}

// newPacketClient makes a datagram client on the clients' side of the role:
// the IUT in role client (or always, for a userspace datagram stack), the
// reference otherwise.
func (r *run) newPacketClient(name, addr string, unconnected bool) error {
	pnet := r.im.DatagramNetwork()
	iut := r.role == RoleClient || !r.iutKernel()
	var res callResult
	var err error
	switch {
	case iut && unconnected:
		res, err = r.setupCall("IUT ListenPacket", func() callResult {
			pc, err := r.im.ListenPacket(r.ctx, pnet, r.loopback(pnet))
			return callResult{pc: pc, err: err}
		})
	case iut:
		res, err = r.setupCall("IUT DialPacket", func() callResult {
			c, err := r.im.DialPacket(r.ctx, pnet, addr)
			return callResult{conn: c, err: err}
		})
	case unconnected:
		pc, lerr := net.ListenPacket(pnet, r.loopback(pnet))
		res, err = callResult{pc: pc}, lerr
	default:
		c, derr := net.Dial(pnet, addr)
		res, err = callResult{conn: c}, derr
	}
	if err != nil {
		return fmt.Errorf("datagram client %s: %w", name, err)
	}
	kernel := !iut || r.iutKernel()
	if res.conn != nil {
		r.add(&endpoint{name: name, iut: iut, conn: res.conn, kernel: kernel})
	} else {
		r.add(&endpoint{name: name, iut: iut, pc: res.pc, kernel: kernel})
	}
	return nil
}

// refNetwork is the network the reference peer uses to reach an IUT of
// network n.
func refNetwork(n string) string { return n }

// refDialer is the reference peer's dialer: Go's defaults.
func refDialer() *net.Dialer { return &net.Dialer{} }

// refListen makes the reference peer's listener. MPTCP is pinned off so
// that kernel state lookups by 4-tuple see plain TCP sockets.
func (r *run) refListen(network string) (net.Listener, error) {
	lc := net.ListenConfig{}
	lc.SetMultipathTCP(false)
	ln, err := lc.Listen(r.ctx, network, r.loopback(network))
	if err != nil {
		return nil, fmt.Errorf("reference Listen(%s): %w", network, err)
	}
	return ln, nil
}

// loopback returns a fresh local address on network: port 0 on loopback,
// or a new path in a private directory for unix sockets.
func (r *run) loopback(network string) string {
	switch network {
	case "tcp6", "udp6":
		return "[::1]:0"
	case "unix", "unixpacket", "unixgram":
		dir, err := os.MkdirTemp("", "netconform-")
		if err != nil {
			return filepath.Join(os.TempDir(), fmt.Sprintf("netconform-%d.sock", time.Now().UnixNano()))
		}
		r.tmpdirs = append(r.tmpdirs, dir)
		return filepath.Join(dir, "s")
	}
	return "127.0.0.1:0"
}

// refDialIUT connects the reference peer to the IUT's listener at address
// and sends the implementation's Preface.
func (r *run) refDialIUT(ctx context.Context, address string) (net.Conn, error) {
	c, err := refDialer().DialContext(ctx, refNetwork(r.im.StreamNetwork()), address)
	if err != nil || r.im.Preface == nil {
		return c, err
	}
	if err := r.im.Preface(c); err != nil {
		c.Close()
		return nil, fmt.Errorf("Preface: %w", err)
	}
	return c, nil
}
