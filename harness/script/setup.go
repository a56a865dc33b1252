package script

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/internal/engine"
	"github.com/netconform/netconform/harness/proc"
	"github.com/netconform/netconform/harness/result"
)

// Endpoint names every setup knows. Packet setups add "c1"…"cN"; listener
// and dialer setups name the conns their scripts create.
const (
	IUT    = "iut"    // the IUT's endpoint in this role
	Peer   = "peer"   // the other end: the reference peer, or the IUT's other end in pair topology
	Client = "client" // the dialing end
	Server = "server" // the accepting end, or the datagram server socket
	Ln     = "ln"     // the listener
)

// setupStep builds a case's starting topology; it runs before the script.
type setupStep struct {
	kind        Setup
	clients     int
	unconnected bool
}

func (f setupStep) call(Step) string   { return "setup" }
func (f setupStep) after(Step) string  { return "" }
func (f setupStep) trigger() bool      { return false }
func (c *Case) setupStep() engine.Step { return Step{f: setupStep{c.Setup, c.Clients, c.Unconnected}} }

func (f setupStep) exec(a *engine.Attempt, _ Step, _ int) {
	if im := a.Env.Impl; im.Prepare != nil {
		if _, err := setupCallBudget(a, "Prepare", prepareBudget, func() engine.Ret { return engine.Ret{Err: im.Prepare(a.Ctx())} }); err != nil {
			setupFailed(a, err)
			return
		}
	}
	var err error
	switch f.kind {
	case SetupConn:
		err = setupConn(a)
	case SetupListener:
		err = setupListener(a)
	case SetupDialer:
		err = setupDialer(a)
	case SetupPacket:
		err = setupPacket(a, f.clients, f.unconnected)
	case SetupNone:
	default:
		err = fmt.Errorf("unknown setup %q", f.kind)
	}
	setupFailed(a, err)
}

// setupFailed records a setup error, unless a hang was already recorded.
func setupFailed(a *engine.Attempt, err error) {
	if err != nil && !a.V.Stopped() {
		a.V.Broken(result.Finding{Call: "setup", Got: err.Error(), Want: "a runnable case"})
	}
}

// setupCall runs one setup call under the watchdog.
func setupCall(a *engine.Attempt, desc string, fn func() engine.Ret) (engine.Ret, error) {
	return setupCallBudget(a, desc, setupBudget, fn)
}

func setupCallBudget(a *engine.Attempt, desc string, budget time.Duration, fn func() engine.Ret) (engine.Ret, error) {
	res, ok := a.Calls.Call(desc, a.Clock.Watch(budget), fn, nil)
	if !ok {
		a.V.Hung(result.Finding{Call: "setup: " + desc, Got: fmt.Sprintf("blocked for %v", a.Clock.Watch(budget)), Want: "return"})
		return res, fmt.Errorf("%s hung", desc)
	}
	if res.Err != nil {
		return res, fmt.Errorf("%s: %w", desc, res.Err)
	}
	return res, nil
}

// iutKernel reports whether the IUT's endpoints are observable kernel sockets.
func iutKernel(a *engine.Attempt) bool { return a.Env.Caps.Has(harness.CapKernel) }

func setupConn(a *engine.Attempt) error {
	var client, server *engine.Endpoint
	var err error
	switch im := a.Env.Impl; {
	case im.Pairwise():
		client, server, err = setupPair(a)
	case im.DatagramConns() && a.Env.Role == harness.RoleClient:
		client, server, err = setupDatagramConn(a)
	case a.Env.Role == harness.RoleClient:
		client, server, err = setupIUTDials(a)
	default:
		client, server, err = setupIUTAccepts(a)
	}
	if err != nil {
		return err
	}
	client.Other, server.Other = server, client
	if a.Env.Role == harness.RoleClient {
		a.Eps.Alias(IUT, Client)
		a.Eps.Alias(Peer, Server)
	} else {
		a.Eps.Alias(IUT, Server)
		a.Eps.Alias(Peer, Client)
	}
	return nil
}

// setupPair makes a connected pair of the implementation's own.
func setupPair(a *engine.Attempt) (client, server *engine.Endpoint, err error) {
	var p *harness.Pair
	_, err = setupCall(a, "NewPair", func() engine.Ret {
		var err error
		if p, err = a.Env.Impl.NewPair(a.Ctx()); err == nil && (p == nil || p.Client == nil || p.Server == nil) {
			err = fmt.Errorf("NewPair returned a pair with a nil end")
		}
		return engine.Ret{Err: err}
	})
	if p != nil && p.Stop != nil {
		a.Undo(p.Stop)
	}
	if err != nil {
		return nil, nil, err
	}
	client = a.Eps.Add(&engine.Endpoint{Name: Client, IUT: true, Conn: p.Client, Kernel: iutKernel(a)})
	server = a.Eps.Add(&engine.Endpoint{Name: Server, IUT: true, Conn: p.Server, Kernel: iutKernel(a)})
	return client, server, nil
}

// setupIUTDials makes the IUT dial a reference listener.
func setupIUTDials(a *engine.Attempt) (client, server *engine.Endpoint, err error) {
	network := a.Env.Impl.StreamNetwork()
	ln, err := refListen(a, network)
	if err != nil {
		return nil, nil, err
	}
	lnEp := a.Eps.Add(&engine.Endpoint{Name: Ln, Ln: ln, Kernel: true})
	addr := ln.Addr().String()
	var c net.Conn
	if _, err := setupCall(a, "IUT Dial", func() engine.Ret {
		var err error
		c, err = a.Env.Impl.Dial(a.Ctx(), network, addr, a.Env.Dial)
		return engine.Ret{Err: err}
	}); err != nil {
		return nil, nil, err
	}
	client = a.Eps.Add(&engine.Endpoint{Name: Client, IUT: true, Conn: c, Kernel: iutKernel(a)})
	var acc net.Conn
	if _, err := setupCall(a, "reference Accept", func() engine.Ret {
		var err error
		acc, err = lnEp.Ln.Accept()
		return engine.Ret{Err: err}
	}); err != nil {
		return nil, nil, err
	}
	server = a.Eps.Add(&engine.Endpoint{Name: Server, Conn: acc, Kernel: true})
	return client, server, nil
}

// setupIUTAccepts makes the reference peer dial the IUT's listener.
func setupIUTAccepts(a *engine.Attempt) (client, server *engine.Endpoint, err error) {
	network := a.Env.Impl.StreamNetwork()
	var ln net.Listener
	if _, err := setupCall(a, "IUT Listen", func() engine.Ret {
		var err error
		ln, err = a.Env.Impl.Listen(a.Ctx(), network, loopback(a, network), a.Env.Listen)
		return engine.Ret{Err: err}
	}); err != nil {
		return nil, nil, err
	}
	lnEp := a.Eps.Add(&engine.Endpoint{Name: Ln, IUT: true, Ln: ln, Kernel: iutKernel(a)})
	addr := engine.AddrString(lnEp.Local())
	var c net.Conn
	if _, err := setupCall(a, "reference Dial", func() engine.Ret {
		var err error
		c, err = refDialIUT(a, a.Ctx(), addr)
		return engine.Ret{Err: err}
	}); err != nil {
		return nil, nil, err
	}
	client = a.Eps.Add(&engine.Endpoint{Name: Client, Conn: c, Kernel: true})
	var acc net.Conn
	if _, err := setupCall(a, "IUT Accept", func() engine.Ret {
		var err error
		acc, err = lnEp.Ln.Accept()
		return engine.Ret{Err: err}
	}); err != nil {
		return nil, nil, err
	}
	server = a.Eps.Add(&engine.Endpoint{Name: Server, IUT: true, Conn: acc, Kernel: iutKernel(a)})
	if a.Env.Impl.DatagramConns() && a.Env.Impl.Preface != nil {
		if _, err := setupCall(a, "IUT Read of the Preface's datagram", func() engine.Ret { return engine.Ret{Err: readPreface(acc)} }); err != nil {
			return nil, nil, err
		}
	}
	return client, server, nil
}

// dialsItsOwn reports whether the IUT's Dial reaches its own listener in
// SetupDialer: a pair implementation with a listener of its own.
func dialsItsOwn(im *harness.Impl) bool {
	return im.Pairwise() && im.Dial != nil && (im.NewListener != nil || im.Listen != nil)
}

func setupListener(a *engine.Attempt) error {
	im := a.Env.Impl
	if im.NewListener != nil && (im.Pairwise() || im.Listen == nil) {
		var pl *harness.PairListener
		_, err := setupCall(a, "NewListener", func() engine.Ret {
			var err error
			if pl, err = im.NewListener(a.Ctx()); err == nil && (pl == nil || pl.Listener == nil || pl.Dial == nil) {
				err = fmt.Errorf("NewListener returned no listener or no Dial")
			}
			return engine.Ret{Err: err}
		})
		if pl != nil && pl.Stop != nil {
			a.Undo(pl.Stop)
		}
		if err != nil {
			return err
		}
		a.Eps.Add(&engine.Endpoint{Name: Ln, IUT: true, Ln: pl.Listener, LnDial: pl.Dial, Kernel: iutKernel(a)})
		return nil
	}
	network := im.StreamNetwork()
	var ln net.Listener
	if _, err := setupCall(a, "IUT Listen", func() engine.Ret {
		var err error
		ln, err = im.Listen(a.Ctx(), network, loopback(a, network), a.Env.Listen)
		return engine.Ret{Err: err}
	}); err != nil {
		return err
	}
	a.Eps.Add(&engine.Endpoint{Name: Ln, IUT: true, Ln: ln, Kernel: iutKernel(a)})
	return nil
}

// setupDialer puts up the listener the IUT's Dial reaches: the reference
// listener, or for a pair implementation (a protocol over TCP, which a
// plain listener would not speak) its own listener.
func setupDialer(a *engine.Attempt) error {
	if dialsItsOwn(a.Env.Impl) {
		return setupListener(a)
	}
	ln, err := refListen(a, a.Env.Impl.StreamNetwork())
	if err != nil {
		return err
	}
	a.Eps.Add(&engine.Endpoint{Name: Ln, Ln: ln, Kernel: true})
	return nil
}

func setupPacket(a *engine.Attempt, clients int, unconnected bool) error {
	pnet := a.Env.Impl.DatagramNetwork()
	if clients == 0 {
		clients = 1
	}
	// A datagram implementation that is not a kernel socket (a userspace
	// stack) cannot reach a std socket: both sides are then the IUT's.
	virtual := !iutKernel(a)
	var srv *engine.Endpoint
	if a.Env.Role == harness.RoleServer || virtual {
		var pc net.PacketConn
		if _, err := setupCall(a, "IUT ListenPacket", func() engine.Ret {
			var err error
			pc, err = a.Env.Impl.ListenPacket(a.Ctx(), pnet, loopback(a, pnet))
			return engine.Ret{Err: err}
		}); err != nil {
			return err
		}
		srv = a.Eps.Add(&engine.Endpoint{Name: Server, IUT: true, PC: pc, Kernel: iutKernel(a)})
	} else {
		pc, err := net.ListenPacket(pnet, loopback(a, pnet))
		if err != nil {
			return fmt.Errorf("reference ListenPacket: %w", err)
		}
		srv = a.Eps.Add(&engine.Endpoint{Name: Server, PC: pc, Kernel: true})
	}
	for i := 1; i <= clients; i++ {
		if err := newPacketClient(a, fmt.Sprintf("c%d", i), engine.AddrString(srv.Local()), unconnected); err != nil {
			return err
		}
	}
	if a.Env.Role == harness.RoleServer {
		a.Eps.Alias(IUT, Server)
		a.Eps.Alias(Peer, "c1")
	} else {
		a.Eps.Alias(IUT, "c1")
		a.Eps.Alias(Peer, Server)
	}
	return nil
}

// newPacketClient makes a datagram client on the clients' side of the
// role: the IUT in role client (or always, for a userspace datagram stack),
// the reference otherwise.
func newPacketClient(a *engine.Attempt, name, addr string, unconnected bool) error {
	im := a.Env.Impl
	pnet := im.DatagramNetwork()
	iut := a.Env.Role == harness.RoleClient || !iutKernel(a)
	var m made
	var err error
	switch {
	case iut && unconnected:
		_, err = setupCall(a, "IUT ListenPacket", func() engine.Ret {
			var err error
			m.pc, err = im.ListenPacket(a.Ctx(), pnet, loopback(a, pnet))
			return engine.Ret{Err: err}
		})
	case iut:
		_, err = setupCall(a, "IUT DialPacket", func() engine.Ret {
			var err error
			m.conn, err = im.DialPacket(a.Ctx(), pnet, addr)
			return engine.Ret{Err: err}
		})
	case unconnected:
		m.pc, err = net.ListenPacket(pnet, loopback(a, pnet))
	default:
		m.conn, err = net.Dial(pnet, addr)
	}
	if err != nil {
		return fmt.Errorf("datagram client %s: %w", name, err)
	}
	a.Eps.Add(&engine.Endpoint{Name: name, IUT: iut, Conn: m.conn, PC: m.pc, Kernel: !iut || iutKernel(a)})
	return nil
}

// refDialer is the reference peer's dialer: Go's defaults.
func refDialer() *net.Dialer { return &net.Dialer{} }

// refListen makes the reference peer's listener. MPTCP is pinned off so
// that kernel state lookups by 4-tuple see plain TCP sockets.
func refListen(a *engine.Attempt, network string) (net.Listener, error) {
	lc := net.ListenConfig{}
	lc.SetMultipathTCP(false)
	ln, err := lc.Listen(a.Ctx(), network, loopback(a, network))
	if err != nil {
		return nil, fmt.Errorf("reference Listen(%s): %w", network, err)
	}
	return ln, nil
}

// loopback returns a fresh local address on network: port 0 on loopback,
// or a new path in a private directory for unix sockets, removed at
// teardown.
func loopback(a *engine.Attempt, network string) string {
	switch network {
	case "tcp6", "udp6":
		return "[::1]:0"
	case "unix", "unixpacket", "unixgram":
		// Named after this process, removed on SIGINT and SIGTERM, and by
		// the next run after a SIGKILL (harness/proc).
		dir, err := proc.MkdirTemp("sock")
		if err != nil {
			return filepath.Join(os.TempDir(), fmt.Sprintf("netconform-%d.sock", time.Now().UnixNano()))
		}
		a.Undo(func() { proc.Remove(dir) })
		return filepath.Join(dir, "s")
	}
	return "127.0.0.1:0"
}

// refDialIUT connects the reference peer to the IUT's listener at address
// and sends the implementation's Preface.
func refDialIUT(a *engine.Attempt, ctx context.Context, address string) (net.Conn, error) {
	c, err := refDialer().DialContext(ctx, a.Env.Impl.StreamNetwork(), address)
	if err != nil || a.Env.Impl.Preface == nil {
		return c, err
	}
	if err := a.Env.Impl.Preface(c); err != nil {
		c.Close()
		return nil, fmt.Errorf("calling Preface: %w", err)
	}
	return c, nil
}
