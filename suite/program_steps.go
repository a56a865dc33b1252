package suite

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	h "github.com/netconform/netconform/harness/script"
)

// What the program cases' Func steps do with the reference peer's kernel
// sockets. Errors are judged by meaning (h.ClassOf), never by text.

func contextWithTimeout(x *h.X, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(x.Context(), d)
}

// programDial connects the reference peer to the server program.
func programDial(x *h.X, pc *h.ProgramCase) (net.Conn, error) {
	d := net.Dialer{Timeout: x.Scaled(programReply)}
	c, err := d.DialContext(x.Context(), "tcp", pc.Addr().String())
	if err != nil {
		return nil, fmt.Errorf("dial %v: %w (program %s)", pc.Addr(), err, pc.Current().Status())
	}
	return c, nil
}

// programExchange sends req (then half-closes when asked) and reads until
// the reply is complete, the stream ends, or the reply's time is up; the
// error is nil when the reply is complete.
func programExchange(x *h.X, pc *h.ProgramCase, c net.Conn, req []byte, halfClose bool) ([]byte, error) {
	conv := pc.Spec.Conv
	if len(req) != len(conv.Request()) && conv.Expect == nil {
		conv.Send = req // the echo of a long request is the long request
	}
	c.SetDeadline(time.Now().Add(x.Scaled(programReply)))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write(req); err != nil {
		return nil, fmt.Errorf("write the request: %w", err)
	}
	if halfClose {
		if err := c.(*net.TCPConn).CloseWrite(); err != nil {
			return nil, fmt.Errorf("CloseWrite: %w", err)
		}
	}
	var reply []byte
	buf := make([]byte, 64<<10)
	for !conv.Complete(reply) {
		n, err := c.Read(buf)
		reply = append(reply, buf[:n]...)
		if err != nil {
			if conv.Complete(reply) {
				break
			}
			return reply, err
		}
	}
	return reply, nil
}

// programReplyProblem says what is wrong with a reply, or "".
func programReplyProblem(pc *h.ProgramCase, reply []byte, err error) string {
	switch {
	case err != nil:
		return fmt.Sprintf("%d bytes %s, then %s (%v)", len(reply), h.QuoteBytes(reply), h.ClassOf(err), err)
	case pc.Spec.Conv.Check(reply) != "":
		return fmt.Sprintf("%d bytes %s", len(reply), h.QuoteBytes(reply))
	}
	return ""
}

func programCheckReply(x *h.X, pc *h.ProgramCase, reply []byte, err error) {
	if why := programReplyProblem(pc, reply, err); why != "" {
		x.Errorf("request "+h.QuoteBytes(pc.Spec.Conv.Request())+" → reply", why, pc.Spec.Conv.Want())
	}
}

// programReadEnd reads what is left of the stream until it ends or the
// reply's time is up, and says how it ended: "EOF", "reset", "deadline"…
func programReadEnd(x *h.X, c net.Conn) h.Class {
	c.SetReadDeadline(time.Now().Add(x.Scaled(programReply)))
	buf := make([]byte, 64<<10)
	for {
		if _, err := c.Read(buf); err != nil {
			return h.ClassOf(err)
		}
	}
}

// programCloseCase converses (req, or the conversation's request) and
// reads to the end of the stream: it must end with the server's FIN.
func programCloseCase(x *h.X, req []byte) error {
	pc, err := h.Program(x)
	if err != nil {
		return err
	}
	if req == nil {
		req = pc.Spec.Conv.Request()
	}
	c, err := programDial(x, pc)
	if err != nil {
		return err
	}
	defer c.Close()
	// An echo server closes after the client's FIN; a "reply then close"
	// one by itself.
	reply, rerr := programExchange(x, pc, c, req, !pc.Spec.Conv.ServerCloses)
	end := h.None
	if rerr != nil {
		end = h.ClassOf(rerr)
	} else {
		end = programReadEnd(x, c)
	}
	x.Logf("%d-byte request: %d bytes of reply, then %s", len(req), len(reply), end)
	switch end {
	case h.EOF:
	case h.Reset:
		x.Errorf(fmt.Sprintf("read after a %d-byte request until the stream ends", len(req)),
			fmt.Sprintf("%d bytes of reply, then reset (ECONNRESET): the server's close sent RST", len(reply)), "the reply, then EOF (the server's FIN)")
	case h.Deadline:
		x.Unsupported("the server did not close the connection within %v, so how it closes cannot be seen (program.closewait.after-clients-leave checks that it closes)", x.Scaled(programReply))
	default:
		x.Errorf(fmt.Sprintf("read after a %d-byte request until the stream ends", len(req)), fmt.Sprintf("%d bytes of reply, then %s", len(reply), end), "the reply, then EOF")
	}
	return nil
}

// closeWait lists the sockets in CLOSE_WAIT.
func programCloseWait(ss []h.ProgramSocket) []string {
	var out []string
	for _, s := range ss {
		if s.Proto == "tcp" && s.State == h.CloseWait {
			out = append(out, s.String())
		}
	}
	return out
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(slices.Clone(s[:n]), fmt.Sprintf("… %d more", len(s)-n))
	}
	return s
}

func addrPort(a net.Addr) netip.AddrPort {
	switch a := a.(type) {
	case *net.TCPAddr:
		ap := a.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	case *net.UDPAddr:
		ap := a.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}

// programWaitState polls the state of local→remote until it is want or
// ctx ends, and returns the last state seen.
func programWaitState(ctx context.Context, pc *h.ProgramCase, local, remote netip.AddrPort, want h.TCPState) (h.TCPState, error) {
	for {
		st, err := pc.StateOf(local, remote)
		if err != nil || st == want {
			return st, err
		}
		select {
		case <-ctx.Done():
			return st, nil
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// programRequestThenReset sends the request on c and resets it, with the
// program frozen from before the request until its socket of c has both:
// the reset reaches it before it can reply, however the scheduler runs the
// two processes (sent one after the other, the program may read and reply
// in between, and a server that dies of a reset before its reply would
// pass). The program has accepted c first: it holds the socket.
func programRequestThenReset(x *h.X, pc *h.ProgramCase, c *net.TCPConn) (held h.ProgramSocket, err error) {
	defer c.Close()
	me, srv := addrPort(c.LocalAddr()), addrPort(c.RemoteAddr())
	r := pc.Current()
	ctx, cancel := contextWithTimeout(x, x.Scaled(programReply))
	defer cancel()
	accepted := func(s h.ProgramSocket) bool { return s.Proto == "tcp" && s.Local == srv && s.Remote == me }
	ss, err := r.Poll(ctx, func(ss []h.ProgramSocket) bool { return slices.ContainsFunc(ss, accepted) })
	if err != nil {
		return held, fmt.Errorf("the program's socket of %v → %v (accepted?): %w", srv, me, err)
	}
	held = ss[slices.IndexFunc(ss, accepted)]
	thaw, err := r.Freeze(ctx)
	if err != nil {
		return held, err
	}
	defer thaw()
	req := pc.Spec.Conv.Request()
	if _, err := c.Write(req); err != nil {
		return held, fmt.Errorf("write the request: %w", err)
	}
	wait := func(what string, ok func(k h.ProgramSock) bool) error {
		for {
			k, err := pc.SockOf(srv, me)
			if err != nil {
				return err
			}
			if ok(k) {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("the program's socket %v → %v: %s: still %v with %d bytes queued", srv, me, what, k.State, k.RQueue)
			case <-time.After(time.Millisecond):
			}
		}
	}
	if err := wait("the request never arrived", func(k h.ProgramSock) bool { return int(k.RQueue) >= len(req) }); err != nil {
		return held, err
	}
	if err := c.SetLinger(0); err != nil {
		return held, fmt.Errorf("SetLinger(0): %w", err)
	}
	c.Close() // RST
	if err := wait("the reset never arrived", func(k h.ProgramSock) bool { return k.State == h.Absent || k.State == h.CloseState }); err != nil {
		return held, err
	}
	r.Note("request and reset queued on %v → %v", srv, me)
	thaw()
	return held, nil
}

// programLetGo waits until the program no longer holds socket s (it closed
// it, or ended), up to programReply; a program that keeps it is left to
// the caller's checks. The evidence says which.
func programLetGo(x *h.X, pc *h.ProgramCase, s h.ProgramSocket) {
	r := pc.Current()
	began := time.Now()
	end := began.Add(x.Scaled(programReply))
	for r.Holds(s) && time.Now().Before(end) && x.Context().Err() == nil {
		select {
		case <-r.Done():
			r.Note("ended %v after the three clients", time.Since(began).Round(time.Millisecond))
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
	if r.Holds(s) {
		r.Note("still holds %v → %v %v after the three clients", s.Local, s.Remote, time.Since(began).Round(time.Millisecond))
		return
	}
	r.Note("let go of %v → %v %v after the three clients", s.Local, s.Remote, time.Since(began).Round(time.Millisecond))
}

// programOpts connects, finds the program's accepted socket of that
// connection and reads its options until they are want or the time is up.
func programOpts(x *h.X, want map[h.Opt]int) error {
	pc, err := h.Program(x)
	if err != nil {
		return err
	}
	c, err := programDial(x, pc)
	if err != nil {
		return err
	}
	defer c.Close()
	me := addrPort(c.LocalAddr())
	r := pc.Current()
	ctx, cancel := contextWithTimeout(x, x.Scaled(programReply))
	defer cancel()
	var mine h.ProgramSocket
	if _, err := r.Poll(ctx, func(ss []h.ProgramSocket) bool {
		for _, s := range ss {
			if s.Proto == "tcp" && s.Remote == me {
				mine = s
				return true
			}
		}
		return false
	}); err != nil {
		x.Errorf("find the program's accepted socket for "+me.String(), fmt.Sprintf("%v; program %s", err, r.Status()), "the program accepts the connection")
		return nil
	}
	opts := make([]h.Opt, 0, len(want))
	for o := range want {
		opts = append(opts, o)
	}
	slices.Sort(opts)
	var got map[h.Opt]int
	for {
		got, err = r.Opts(mine, opts...)
		if err != nil {
			x.Unsupported("cannot read the program's socket options (pidfd_getfd(2) needs ptrace access to the program: root, or its user namespace): %v", err)
			return nil
		}
		same := true
		for o, v := range want {
			same = same && got[o] == v
		}
		if same || ctx.Err() != nil {
			break
		}
		time.Sleep(5 * time.Millisecond) // the program may set its options just after accept
	}
	var gs, ws []string
	for _, o := range opts {
		gs = append(gs, fmt.Sprintf("%v=%d", o, got[o]))
		ws = append(ws, fmt.Sprintf("%v=%d", o, want[o]))
	}
	x.Logf("the program's socket %v (pid %d fd %d): %s", mine.SockEntry, mine.PID, mine.FD, strings.Join(gs, " "))
	if !slices.Equal(gs, ws) {
		x.Errorf(fmt.Sprintf("getsockopt on the program's accepted socket (pid %d fd %d)", mine.PID, mine.FD), strings.Join(gs, " "), strings.Join(ws, " "))
	}
	return nil
}

// programUDPRound sends req from a socket of its own and reads one reply;
// it says what went wrong, or "".
func programUDPRound(x *h.X, pc *h.ProgramCase, req []byte) string {
	c, err := net.Dial("udp", pc.Addr().String())
	if err != nil {
		return fmt.Sprintf("dial: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(x.Scaled(programReply)))
	if _, err := c.Write(req); err != nil {
		return fmt.Sprintf("write: %s (%v)", h.ClassOf(err), err)
	}
	buf := make([]byte, 64<<10)
	n, err := c.Read(buf)
	if err != nil {
		return fmt.Sprintf("no reply: %s (%v)", h.ClassOf(err), err)
	}
	if why := pc.Spec.Conv.Check(buf[:n]); why != "" {
		return fmt.Sprintf("%d bytes %s", n, h.QuoteBytes(buf[:n]))
	}
	return ""
}

// programUDPFromDeadPort sends the request from a port no socket holds,
// through a raw socket, so the program's reply draws an ICMP port
// unreachable — deterministic, unlike a client that closes early.
func programUDPFromDeadPort(pc *h.ProgramCase) error {
	dst := pc.Addr()
	if !dst.Addr().Is4() {
		return errors.New("the program listens on IPv6 only")
	}
	l, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	src := addrPort(l.LocalAddr()).Port()
	l.Close()
	raw, err := net.ListenPacket("ip4:udp", "127.0.0.1")
	if err != nil {
		return err
	}
	defer raw.Close()
	req := pc.Spec.Conv.Request()
	pkt := make([]byte, 8, 8+len(req))
	binary.BigEndian.PutUint16(pkt[0:], src)
	binary.BigEndian.PutUint16(pkt[2:], dst.Port())
	binary.BigEndian.PutUint16(pkt[4:], uint16(8+len(req)))
	// pkt[6:8], the checksum, stays 0: none, which IPv4 allows (RFC 768).
	pkt = append(pkt, req...)
	_, err = raw.WriteTo(pkt, &net.IPAddr{IP: dst.Addr().AsSlice()})
	return err
}

// programPartialPause is the pause between the two parts of a partial reply.
const programPartialPause = 500 * time.Millisecond

// programServeClient is the reference server of a client program: it
// listens on the program's port, starts the program, serves its
// connection as mode says, and waits for the program to end by itself.
func programServeClient(x *h.X, mode string, budget time.Duration, judge func(status string) (want string, ok bool)) error {
	pc, err := h.Program(x)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", pc.Port()))
	if err != nil {
		return err
	}
	defer ln.Close()
	r, err := pc.Start()
	if err != nil {
		return err
	}
	began := time.Now()
	limit := x.Scaled(budget)
	ln.(*net.TCPListener).SetDeadline(began.Add(limit))
	c, err := ln.Accept()
	if err != nil {
		x.Errorf(fmt.Sprintf("accept the client program's connection on :%d", pc.Port()), fmt.Sprintf("%s (%v); program %s", h.ClassOf(err), err, r.Status()), "a connection")
		return nil
	}
	defer c.Close()
	buf := make([]byte, 64<<10)
	var req []byte
	if mode != "close-first" {
		c.SetReadDeadline(began.Add(limit))
		n, err := c.Read(buf)
		req = buf[:n]
		if err != nil {
			x.Logf("no request: %s", h.ClassOf(err))
		}
		c.SetReadDeadline(time.Time{})
	}
	reply := req
	if s := pc.Spec.Conv.Send; len(s) > 0 {
		reply = s
	}
	switch mode {
	case "close-first":
		c.Close()
	case "reply-close":
		c.Write(reply)
		c.Close()
	case "partial":
		half := max(1, len(reply)/2)
		c.Write(reply[:half])
		time.Sleep(programPartialPause) // the scenario: a reply in two segments
		c.Write(reply[half:])
		c.Close()
	case "partial-silent":
		c.Write(reply[:max(1, len(reply)/2)])
	case "reset":
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	case "half-close":
		c.Write(reply)
		c.(*net.TCPConn).CloseWrite()
		c.SetReadDeadline(began.Add(limit))
		_, err := c.Read(buf)
		x.Logf("after the server's FIN the client's side: %s", h.ClassOf(err))
	case "silent":
	}
	t := time.NewTimer(limit - time.Since(began))
	defer t.Stop()
	select {
	case <-r.Done():
	case <-t.C:
	case <-x.Context().Done():
	}
	status := r.Status()
	took := time.Since(began).Round(time.Millisecond)
	x.Logf("request %s; the client program: %s after %v", h.QuoteBytes(req), status, took)
	if want, ok := judge(status); !ok {
		got := status + " after " + took.String()
		if status == "running" {
			got = fmt.Sprintf("still running after %v (killed at the end of the case)", took)
		}
		x.Errorf("client program, server "+mode, got, fmt.Sprintf("%s within %v", want, limit))
	}
	return nil
}

// programSettledStatus is the program's status once a failure has been
// seen: a program that is dying of it (its connections reset as it
// exits) is given the reply's time to end, so the status says so.
func programSettledStatus(x *h.X, pc *h.ProgramCase) string {
	r := pc.Current()
	t := time.NewTimer(x.Scaled(programReply))
	defer t.Stop()
	select {
	case <-r.Done():
	case <-t.C:
	case <-x.Context().Done():
	}
	return r.Status()
}
