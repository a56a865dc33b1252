package suite

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	h "github.com/netconform/netconform/harness/script"
)

// Program cases: a server or client program run exactly as it is, in the
// case's own network namespace (every program case is isolated), talked to
// by the reference peer (Go's net on kernel sockets in that namespace), so
// the program's socket states and options and the wire are observable.
// They run only through RunProgram, never against the built-in
// implementations. Their Func steps reach the program with h.Program.

// programReply bounds how long a reply may take to arrive.
const programReply = 2 * time.Second

// icmpSettle is how long a datagram server is given to act on the error an
// ICMP port unreachable left on its socket (and die of it, if it does)
// before the next clients: a must-not-die window.
const icmpSettle = 100 * time.Millisecond

// programLongRequest is the size of the long request: more than the 1024
// bytes the seed's "hello" server reads once before it closes.
const programLongRequest = 4096

// programMaxDatagram is the largest UDP payload over IPv4: 65535 − 20 − 8.
const programMaxDatagram = 65507

// programIdle is how long the idle case waits for the server to close.
const programIdle = 5 * time.Second

// programClients is how many clients the concurrency cases run at once.
const programClients = 20

var programTCPServerCases = []h.Case{
	{
		ID:    "program.serve.one-client",
		Spec:  "A server answers a client's request with the reply its protocol states (the conversation given with the program; RFC 9293 §3.8: a connection carries data both ways).",
		Level: h.Contract, Setup: h.SetupNone, Roles: serverRole, Isolated: true,
		Script: h.Script(h.Func("dial, send the request, read the reply", func(x *h.X) error {
			pc, err := h.Program(x)
			if err != nil {
				return err
			}
			c, err := programDial(x, pc)
			if err != nil {
				return err
			}
			defer c.Close()
			reply, rerr := programExchange(x, pc, c, pc.Spec.Conv.Request(), false)
			programCheckReply(x, pc, reply, rerr)
			return nil
		})),
	},
	{
		ID:    "program.serve.concurrent-clients",
		Spec:  "A server serves 20 clients connected at once, each with its own reply (net.Listener.Accept: \"Accept waits for and returns the next connection\"; a server that serves one at a time leaves the others waiting).",
		Level: h.Contract, Setup: h.SetupNone, Roles: serverRole, Isolated: true,
		Script: h.Script(h.Func(fmt.Sprintf("%d clients dial, all send, all read", programClients), func(x *h.X) error {
			pc, err := h.Program(x)
			if err != nil {
				return err
			}
			conns := make([]net.Conn, 0, programClients)
			defer func() {
				for _, c := range conns {
					c.Close()
				}
			}()
			for range programClients {
				c, err := programDial(x, pc)
				if err != nil {
					return err
				}
				conns = append(conns, c)
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			var bad []string
			for i, c := range conns {
				wg.Go(func() {
					reply, rerr := programExchange(x, pc, c, pc.Spec.Conv.Request(), false)
					if why := programReplyProblem(pc, reply, rerr); why != "" {
						mu.Lock()
						bad = append(bad, fmt.Sprintf("client %d: %s", i+1, why))
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if len(bad) > 0 {
				x.Errorf(fmt.Sprintf("%d clients at once: request → reply", programClients),
					fmt.Sprintf("%d of %d without their reply: %s", len(bad), programClients, strings.Join(firstN(bad, 3), "; ")),
					fmt.Sprintf("every client gets %s", pc.Spec.Conv.Want()))
			}
			return nil
		})),
	},
	{
		ID:        "program.halfclose.reply-after-client-fin",
		Spec:      "A client that half-closes after its request still gets the reply (RFC 9293 §3.6: after a FIN the other direction stays open; the shape of a client that signals the end of its request with shutdown(SHUT_WR)).",
		Catalogue: "H3",
		Level:     h.Contract, Setup: h.SetupNone, Roles: serverRole, Isolated: true,
		Script: h.Script(h.Func("send the request, CloseWrite, read the reply", func(x *h.X) error {
			pc, err := h.Program(x)
			if err != nil {
				return err
			}
			c, err := programDial(x, pc)
			if err != nil {
				return err
			}
			defer c.Close()
			reply, rerr := programExchange(x, pc, c, pc.Spec.Conv.Request(), true)
			programCheckReply(x, pc, reply, rerr)
			return nil
		})),
	},
	{
		ID:    "program.close.fin-not-rst",
		Spec:  "A server ends a connection with FIN, not RST, once the conversation is over (RFC 9293 §3.6: CLOSE is an orderly release; a reset loses data in flight — RFC 2525 §2.17).",
		Level: h.Convention, Setup: h.SetupNone, Roles: serverRole, Isolated: true, Wire: true,
		Script: h.Script(h.Func("converse, then read to the end of the stream", func(x *h.X) error {
			return programCloseCase(x, nil)
		})),
	},
	{
		ID:        "program.close.fin-after-long-request",
		Spec:      fmt.Sprintf("A server that reads less than the client sent (a %d-byte request, more than one 1024-byte read) still ends with FIN, not RST: Linux resets a connection closed with unread data (RFC 2525 §2.17, tcp_close), and the client may lose the reply.", programLongRequest),
		Catalogue: "H9a",
		Level:     h.Convention, Setup: h.SetupNone, Roles: serverRole, Isolated: true, Wire: true,
		Script: h.Script(h.Func(fmt.Sprintf("send a %d-byte request, read the reply and the end of the stream", programLongRequest), func(x *h.X) error {
			pc, err := h.Program(x)
			if err != nil {
				return err
			}
			long := pc.Spec.Conv.Request()
			if len(long) < programLongRequest {
				long = append(bytes.Clone(long), bytes.Repeat([]byte("x"), programLongRequest-len(long))...)
			}
			return programCloseCase(x, long)
		})),
	},
	{
		ID:        "program.closewait.after-clients-leave",
		Spec:      "A server closes its side once a client has closed: no socket stays in CLOSE_WAIT (RFC 9293 §3.6: CLOSE-WAIT lasts until the application closes; the classic server leak).",
		Catalogue: "C16a",
		Level:     h.Convention, Setup: h.SetupNone, Roles: serverRole, Isolated: true,
		Script: h.Script(h.Func("3 clients close without a request, 3 after their reply; count the program's CLOSE_WAIT sockets", func(x *h.X) error {
			pc, err := h.Program(x)
			if err != nil {
				return err
			}
			for range 3 {
				c, err := programDial(x, pc)
				if err != nil {
					return err
				}
				c.Close()
			}
			for range 3 {
				c, err := programDial(x, pc)
				if err != nil {
					return err
				}
				programExchange(x, pc, c, pc.Spec.Conv.Request(), false)
				c.Close()
			}
			r := pc.Current()
			r.NoteSockets("after the 6 clients closed")
			ctx, cancel := contextWithTimeout(x, x.Scaled(programReply))
			defer cancel()
			ss, err := r.Poll(ctx, func(ss []h.ProgramSocket) bool { return len(programCloseWait(ss)) == 0 })
			r.NoteSockets("at the end")
			if err != nil && !errors.Is(err, ctx.Err()) {
				return err
			}
			if cw := programCloseWait(ss); len(cw) > 0 {
				x.Errorf("program's sockets in CLOSE_WAIT, "+x.Scaled(programReply).String()+" after its 6 clients closed",
					fmt.Sprintf("%d: %s", len(cw), strings.Join(firstN(cw, 3), "; ")), "0: each closed after its client's FIN")
			}
			return nil
		})),
	},
	{
		ID:        "program.reset.keeps-accepting",
		Spec:      "A server survives a client that resets right after its request, and serves the next client (RFC 9293 §3.10.7: a reset ends that connection only; net.Conn errors are per connection).",
		Catalogue: "H9b",
		Level:     h.Convention, Setup: h.SetupNone, Roles: serverRole, Isolated: true,
		Script: h.Script(h.Func("send the request and reset, both there before the server runs again; then a new client converses", func(x *h.X) error {
			pc, err := h.Program(x)
			if err != nil {
				return err
			}
			c, err := programDial(x, pc)
			if err != nil {
				return err
			}
			held, err := programRequestThenReset(x, pc, c.(*net.TCPConn))
			if err != nil {
				return err
			}
			for i := range 3 {
				n, err := programDial(x, pc)
				if err != nil {
					x.Errorf(fmt.Sprintf("dial after the reset (client %d)", i+1), fmt.Sprintf("%v (%s); program %s", err, h.ClassOf(err), programSettledStatus(x, pc)), "a connection")
					return nil
				}
				reply, rerr := programExchange(x, pc, n, pc.Spec.Conv.Request(), false)
				n.Close()
				if why := programReplyProblem(pc, reply, rerr); why != "" {
					x.Errorf(fmt.Sprintf("request → reply after the reset (client %d)", i+1), why+"; program "+programSettledStatus(x, pc), pc.Spec.Conv.Want())
					return nil
				}
			}
			// The program acts on the reset when its handler of that
			// connection runs, which a loaded machine can delay past the
			// three clients: a program that exits on it exits then. Judge
			// it once it has let go of that connection (closed it, or
			// ended), or after programReply if it keeps it.
			programLetGo(x, pc, held)
			// Judged by the listener, not by the root's exit status: see
			// Running.Serving.
			serving, err := pc.Current().Serving(pc.Addr())
			if err != nil {
				return fmt.Errorf("the program's sockets after the reset: %w", err)
			}
			if !serving {
				x.Errorf("program after a client's reset", fmt.Sprintf("no process of it that is not exiting listens on %v; program %s", pc.Addr(), programSettledStatus(x, pc)), "still listening")
			}
			return nil
		})),
	},
	{
		ID:        "program.timewait.restart-same-port",
		Spec:      "A server restarted at once listens again on its port while its previous connections are in TIME_WAIT (socket(7) SO_REUSEADDR, which Go's net sets on every listener; without it bind fails with EADDRINUSE for up to 60 s).",
		Catalogue: "L5",
		Level:     h.Convention, Setup: h.SetupNone, Roles: serverRole, Isolated: true,
		Script: h.Script(h.Func("converse, stop the program, close; restart it while TIME_WAIT lasts", func(x *h.X) error {
			pc, err := h.Program(x)
			if err != nil {
				return err
			}
			c, err := programDial(x, pc)
			if err != nil {
				return err
			}
			defer c.Close()
			programExchange(x, pc, c, pc.Spec.Conv.Request(), false)
			server, client := pc.Addr(), addrPort(c.LocalAddr())
			if escaped := pc.Current().Stop(); len(escaped) > 0 {
				x.Errorf("kill the program's process tree", fmt.Sprint(escaped), "nothing left")
			}
			programReadEnd(x, c)
			c.Close()
			ctx, cancel := contextWithTimeout(x, x.Scaled(programReply))
			defer cancel()
			st, err := programWaitState(ctx, pc, server, client, h.TimeWait)
			if err != nil {
				return err
			}
			if st != h.TimeWait {
				x.Unsupported("the program's side of the connection is %v, not TIME_WAIT, after it was stopped and the client closed: nothing to restart against", st)
				return nil
			}
			x.Logf("the stopped server's side %v → %v is in TIME_WAIT", server, client)
			if _, err := pc.StartServer(); err != nil {
				x.Errorf("restart the program on "+server.String()+" while its connection is in TIME_WAIT",
					fmt.Sprintf("%v; program %s", err, pc.Current().Status()), "it listens again")
			}
			return nil
		}).Budget(20 * time.Second)),
	},
	{
		ID:        "program.timewait.holder",
		Spec:      "Which side holds TIME_WAIT after a conversation: the side that closes first (RFC 9293 §3.6); a busy server that closes first accumulates TIME_WAIT sockets, one that lets its clients close first does not.",
		Catalogue: "S3",
		Level:     h.Informational, Setup: h.SetupNone, Roles: serverRole, Isolated: true,
		Script: h.Script(h.Func("converse to the end, close; look up both sides", func(x *h.X) error {
			pc, err := h.Program(x)
			if err != nil {
				return err
			}
			c, err := programDial(x, pc)
			if err != nil {
				return err
			}
			defer c.Close()
			programExchange(x, pc, c, pc.Spec.Conv.Request(), !pc.Spec.Conv.ServerCloses)
			end := programReadEnd(x, c)
			c.Close()
			server, client := pc.Addr(), addrPort(c.LocalAddr())
			ctx, cancel := contextWithTimeout(x, x.Scaled(programReply))
			defer cancel()
			ss, _ := programWaitState(ctx, pc, server, client, h.TimeWait)
			cs, _ := pc.StateOf(client, server)
			x.Logf("stream ended with %s; server side %v, client side %v", end, ss, cs)
			switch {
			case ss == h.TimeWait:
				x.Metric("server_holds_time_wait", 1)
			case cs == h.TimeWait:
				x.Metric("server_holds_time_wait", 0)
			}
			return nil
		})),
	},
	{
		ID:        "program.sockopt.accepted-nodelay",
		Spec:      "The server's accepted sockets have TCP_NODELAY set, as Go's net does on every TCP connection (net.TCPConn.SetNoDelay: \"The default is true\"); read from the program's own socket with pidfd_getfd(2).",
		Catalogue: "S7",
		Level:     h.Convention, Setup: h.SetupNone, Roles: serverRole, Isolated: true,
		Script: h.Script(h.Func("dial; read TCP_NODELAY of the program's accepted socket", func(x *h.X) error {
			return programOpts(x, map[h.Opt]int{h.OptNoDelay: 1})
		})),
	},
	{
		ID:        "program.sockopt.accepted-keepalive",
		Spec:      "The server's accepted sockets have keep-alive on with Go's defaults on Linux — TCP_KEEPIDLE 15 s, TCP_KEEPINTVL 15 s, TCP_KEEPCNT 9 (net.ListenConfig.KeepAlive, net.KeepAliveConfig); read from the program's own socket with pidfd_getfd(2).",
		Catalogue: "K2",
		Level:     h.Convention, Setup: h.SetupNone, Roles: serverRole, Isolated: true,
		Script: h.Script(h.Func("dial; read the keep-alive options of the program's accepted socket", func(x *h.X) error {
			return programOpts(x, map[h.Opt]int{h.OptKeepAlive: 1, h.OptKeepIdle: 15, h.OptKeepIntvl: 15, h.OptKeepCnt: 9})
		})),
	},
	{
		ID:    "program.idle.silent-client",
		Spec:  fmt.Sprintf("What a client that connects and sends nothing meets: how long until the server closes, if within %v (a server without a read deadline holds such clients forever; net.Conn.SetReadDeadline).", programIdle),
		Level: h.Informational, Setup: h.SetupNone, Roles: serverRole, Isolated: true,
		Script: h.Script(h.Func("dial, send nothing, read until the stream ends", func(x *h.X) error {
			pc, err := h.Program(x)
			if err != nil {
				return err
			}
			c, err := programDial(x, pc)
			if err != nil {
				return err
			}
			defer c.Close()
			began := time.Now()
			c.SetReadDeadline(began.Add(programIdle))
			n, err := c.Read(make([]byte, 1024))
			switch cls := h.ClassOf(err); cls {
			case h.Deadline:
				x.Logf("still open after %v", programIdle)
			default:
				x.Logf("after %v: %d bytes, %s", time.Since(began).Round(time.Millisecond), n, cls)
				x.Metric("idle_close_seconds", time.Since(began).Seconds())
			}
			return nil
		})),
	},
}

var programUDPServerCases = []h.Case{
	{
		ID:    "program.udp.one-datagram",
		Spec:  "A datagram server answers a request datagram with the reply its protocol states, sent to the request's source (net.PacketConn.WriteTo to the address ReadFrom returned).",
		Level: h.Contract, Setup: h.SetupNone, Roles: serverRole, Isolated: true,
		Script: h.Script(h.Func("send the request datagram, read the reply", func(x *h.X) error {
			pc, err := h.Program(x)
			if err != nil {
				return err
			}
			if why := programUDPRound(x, pc, pc.Spec.Conv.Request()); why != "" {
				x.Errorf("request datagram → reply", why, pc.Spec.Conv.Want())
			}
			return nil
		})),
	},
	{
		ID:    "program.udp.concurrent-clients",
		Spec:  "A datagram server answers 20 clients on separate sockets at once, each at its own address (net.PacketConn: one socket serves every remote).",
		Level: h.Contract, Setup: h.SetupNone, Roles: serverRole, Isolated: true,
		Script: h.Script(h.Func(fmt.Sprintf("%d sockets send at once, each reads its reply", programClients), func(x *h.X) error {
			pc, err := h.Program(x)
			if err != nil {
				return err
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			var bad []string
			for i := range programClients {
				wg.Go(func() {
					if why := programUDPRound(x, pc, pc.Spec.Conv.Request()); why != "" {
						mu.Lock()
						bad = append(bad, fmt.Sprintf("client %d: %s", i+1, why))
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if len(bad) > 0 {
				x.Errorf(fmt.Sprintf("%d clients at once: request → reply", programClients),
					fmt.Sprintf("%d of %d without their reply: %s", len(bad), programClients, strings.Join(firstN(bad, 3), "; ")),
					"every client gets "+pc.Spec.Conv.Want())
			}
			return nil
		})),
	},
	{
		ID:        "program.udp.survives-port-unreachable",
		Spec:      "A datagram server whose reply draws an ICMP port unreachable (the client's port closed) keeps serving the others (udp(7): ECONNREFUSED is reported on connected sockets only; a multiplexing server must not die of one client).",
		Catalogue: "U8",
		Level:     h.Convention, Setup: h.SetupNone, Roles: serverRole, Isolated: true,
		Script: h.Script(h.Func("a request from a port nobody holds; then 3 clients", func(x *h.X) error {
			pc, err := h.Program(x)
			if err != nil {
				return err
			}
			before, err := pc.ICMPUnreachSent()
			if err != nil {
				x.Unsupported("cannot count ICMP messages: %v", err)
				return nil
			}
			if err := programUDPFromDeadPort(pc); err != nil {
				x.Unsupported("cannot send from a port nobody holds (a raw socket needs CAP_NET_RAW in the case's namespace): %v", err)
				return nil
			}
			ctx, cancel := contextWithTimeout(x, x.Scaled(programReply))
			defer cancel()
			for {
				n, err := pc.ICMPUnreachSent()
				if err == nil && n > before {
					break
				}
				select {
				case <-ctx.Done():
					x.Logf("the program did not reply to the request from the dead port: no ICMP port unreachable was sent")
					return nil
				case <-time.After(5 * time.Millisecond):
				}
			}
			x.Logf("the program's reply drew an ICMP port unreachable")
			// The error reaches the program's socket with the ICMP; a
			// program that dies of it needs a moment to read it and exit,
			// which the next client's datagram, sent at once, could beat.
			select {
			case <-pc.Current().Done():
			case <-time.After(x.Scaled(icmpSettle)):
			}
			for i := range 3 {
				if why := programUDPRound(x, pc, pc.Spec.Conv.Request()); why != "" {
					x.Errorf(fmt.Sprintf("request → reply after the ICMP port unreachable (client %d)", i+1), why+"; program "+pc.Current().Status(), pc.Spec.Conv.Want())
					return nil
				}
			}
			return nil
		})),
	},
	{
		ID:        "program.udp.empty-datagram",
		Spec:      "A datagram server survives an empty datagram and serves the next client (udp(7): a zero-length datagram is a datagram; recvfrom returns 0).",
		Catalogue: "U3",
		Level:     h.Convention, Setup: h.SetupNone, Roles: serverRole, Isolated: true,
		Script: h.Script(h.Func("send an empty datagram; then a client", func(x *h.X) error {
			pc, err := h.Program(x)
			if err != nil {
				return err
			}
			c, err := net.Dial("udp", pc.Addr().String())
			if err != nil {
				return err
			}
			defer c.Close()
			if _, err := c.Write(nil); err != nil {
				return err
			}
			c.SetReadDeadline(time.Now().Add(x.Scaled(programReply / 4)))
			buf := make([]byte, 64<<10)
			if n, err := c.Read(buf); err == nil {
				x.Logf("the empty datagram got a %d-byte reply %s", n, h.QuoteBytes(buf[:n]))
			} else {
				x.Logf("the empty datagram got no reply (%s)", h.ClassOf(err))
			}
			if why := programUDPRound(x, pc, pc.Spec.Conv.Request()); why != "" {
				x.Errorf("request → reply after an empty datagram", why+"; program "+pc.Current().Status(), pc.Spec.Conv.Want())
			}
			return nil
		})),
	},
	{
		ID:        "program.udp.oversized-datagram",
		Spec:      fmt.Sprintf("What a datagram server does with a %d-byte request, the largest IPv4 UDP payload (udp(7); a reply that adds bytes cannot be sent: EMSGSIZE), and whether it serves the next client.", programMaxDatagram),
		Catalogue: "U1",
		Level:     h.Informational, Setup: h.SetupNone, Roles: serverRole, Isolated: true,
		Script: h.Script(h.Func(fmt.Sprintf("send a %d-byte datagram; then a client", programMaxDatagram), func(x *h.X) error {
			pc, err := h.Program(x)
			if err != nil {
				return err
			}
			c, err := net.Dial("udp", pc.Addr().String())
			if err != nil {
				return err
			}
			defer c.Close()
			big := append(bytes.Clone(pc.Spec.Conv.Request()), bytes.Repeat([]byte(" "), programMaxDatagram)...)[:programMaxDatagram]
			if _, err := c.Write(big); err != nil {
				x.Logf("the %d-byte request could not be sent: %s", len(big), h.ClassOf(err))
				return nil
			}
			c.SetReadDeadline(time.Now().Add(x.Scaled(programReply / 4)))
			buf := make([]byte, 64<<10)
			if n, err := c.Read(buf); err == nil {
				x.Logf("reply of %d bytes", n)
			} else {
				x.Logf("no reply (%s)", h.ClassOf(err))
			}
			if why := programUDPRound(x, pc, pc.Spec.Conv.Request()); why != "" {
				x.Logf("the next client: %s; program %s", why, programSettledStatus(x, pc))
			} else {
				x.Logf("the next client is served")
			}
			return nil
		})),
	},
}

// programClientBudget bounds how long a client program may take to end
// by itself; programSilentBudget how long one may wait on a silent server.
const (
	programClientBudget = 10 * time.Second
	programSilentBudget = 15 * time.Second
)

var programClientCases = []h.Case{
	{
		ID:    "program.client.reply-then-close",
		Spec:  "A client whose server replies and closes ends by itself with exit status 0 (the reply then a FIN is a complete exchange: RFC 9293 §3.6; exit status 0 is success, POSIX exit(3)).",
		Level: h.Convention, Setup: h.SetupNone, Roles: clientRole, Isolated: true, Budget: 30 * time.Second,
		Script: h.Script(h.Func("serve the client program: read, reply, close", func(x *h.X) error {
			return programServeClient(x, "reply-close", programClientBudget, func(st string) (string, bool) {
				return "exit status 0", st == "exit status 0"
			})
		}).Budget(programClientBudget + 5*time.Second)),
	},
	{
		ID:        "program.client.server-resets",
		Spec:      "A client whose server resets the connection after its request ends by itself with a non-zero exit status: the error is reported, not taken for success (RFC 9293 §3.10.7.4: a reset aborts; ECONNRESET).",
		Catalogue: "H9b",
		Level:     h.Convention, Setup: h.SetupNone, Roles: clientRole, Isolated: true, Budget: 30 * time.Second,
		Script: h.Script(h.Func("serve the client program: read, reset", func(x *h.X) error {
			return programServeClient(x, "reset", programClientBudget, func(st string) (string, bool) {
				return "a non-zero exit status", strings.HasPrefix(st, "exit status ") && st != "exit status 0"
			})
		}).Budget(programClientBudget + 5*time.Second)),
	},
	programGivesUpCase("program.client.server-silent",
		fmt.Sprintf("A client whose server accepts and never answers gives up by itself within %v instead of hanging forever (net.Conn.SetReadDeadline; RFC 9293 §3.8.3: TCP alone never times out an idle connection).", programSilentBudget),
		"serve the client program: read, then nothing", "silent"),
	programGivesUpCase("program.client.partial-then-silent",
		fmt.Sprintf("A client whose server sends the first half of its reply and then nothing gives up by itself within %v instead of hanging forever on the rest (net.Conn.SetReadDeadline bounds every Read; RFC 9293 §3.8.3: TCP alone never times out an idle connection).", programSilentBudget),
		"serve the client program: read, half a reply, then nothing", "partial-silent"),
	{
		ID:        "program.client.server-half-closes",
		Spec:      "A client whose server replies and half-closes (FIN, its read side still open) reads the reply, closes its side and ends with exit status 0 (RFC 9293 §3.6: a FIN ends one direction only).",
		Catalogue: "H3",
		Level:     h.Convention, Setup: h.SetupNone, Roles: clientRole, Isolated: true, Budget: 30 * time.Second,
		Script: h.Script(h.Func("serve the client program: read, reply, CloseWrite, wait for its FIN", func(x *h.X) error {
			return programServeClient(x, "half-close", programClientBudget, func(st string) (string, bool) {
				return "exit status 0", st == "exit status 0"
			})
		}).Budget(programClientBudget + 5*time.Second)),
	},
	{
		ID:    "program.client.partial-reply",
		Spec:  "A client whose server sends its reply in two parts 0.5 s apart, then closes, reads the whole reply and ends with exit status 0 (a byte stream has no message boundaries: RFC 9293 §3.8; io.Reader: Read returns what is available).",
		Level: h.Convention, Setup: h.SetupNone, Roles: clientRole, Isolated: true, Budget: 30 * time.Second,
		Script: h.Script(h.Func("serve the client program: read, reply in two parts, close", func(x *h.X) error {
			return programServeClient(x, "partial", programClientBudget, func(st string) (string, bool) {
				return "exit status 0", st == "exit status 0"
			})
		}).Budget(programClientBudget + 5*time.Second)),
	},
	{
		ID:    "program.client.server-closes-first",
		Spec:  "What a client does when its server accepts and closes at once, before any reply (its exit status and how long it took; RFC 9293 §3.6).",
		Level: h.Informational, Setup: h.SetupNone, Roles: clientRole, Isolated: true, Budget: 30 * time.Second,
		Script: h.Script(h.Func("serve the client program: accept, close", func(x *h.X) error {
			return programServeClient(x, "close-first", programClientBudget, func(st string) (string, bool) { return st, true })
		}).Budget(programClientBudget + 5*time.Second)),
	},
}

// programGivesUpCase is a client case whose server stops answering as
// mode says (programServeClient): the client must end by itself, with
// any exit status, within programSilentBudget.
func programGivesUpCase(id, spec, call, mode string) h.Case {
	return h.Case{
		ID: id, Spec: spec,
		Level: h.Convention, Setup: h.SetupNone, Roles: clientRole, Isolated: true, Budget: 40 * time.Second,
		Script: h.Script(h.Func(call, func(x *h.X) error {
			return programServeClient(x, mode, programSilentBudget, func(st string) (string, bool) {
				return "an exit", st != "running"
			})
		}).Budget(programSilentBudget + 5*time.Second)),
	}
}

var (
	serverRole = []h.Role{h.RoleServer}
	clientRole = []h.Role{h.RoleClient}
)
