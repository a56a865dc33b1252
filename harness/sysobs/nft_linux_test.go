package sysobs

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/nftables"
	"golang.org/x/sys/unix"
)

// Timing. failAfter only bounds a wait for something that must happen (it
// never paces a test); silence is the one real sleep: a window in which
// something must NOT happen, which no state can show.
const (
	failAfter = 10 * time.Second
	silence   = 300 * time.Millisecond
)

// hosts are the loopback addresses every fault test runs on.
var hosts = []string{"127.0.0.1", "::1"}

// inNetns moves the calling goroutine, for the rest of its life, onto an OS
// thread of its own in a new, private network namespace with lo up, so that
// nothing a test does reaches the host's namespace. The thread is never
// unlocked: when the test's goroutine ends (after its cleanups, which run on
// the same goroutine), the runtime ends the thread and the namespace goes
// with its last socket. Threads the runtime starts later are cloned from a
// clean template thread, not from this one. Every socket (and every netlink
// socket: LinkUp, LookupTCP, nftables.New without a namespace fd) must be
// created on this goroutine; other goroutines may use sockets once created.
//
// unshare of the whole process (as isolated cases do) would move every
// thread, including the test runner's; nftables.WithNetNSFd alone would put
// the rules in the namespace but not the test's sockets.
//
// The test is skipped if the namespace cannot be created (no
// CAP_SYS_ADMIN), or if the kernel has no nf_tables. Each test checks at its
// end that no table is left behind.
func inNetns(t *testing.T) {
	t.Helper()
	runtime.LockOSThread()
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread() // the thread is unchanged
		t.Skipf("cannot create a private network namespace (unshare(CLONE_NEWNET): %v; needs root or CAP_SYS_ADMIN)", err)
	}
	if err := LinkUp("lo"); err != nil {
		t.Fatalf("lo up in the private namespace: %v", err)
	}
	if _, err := listTables(); err != nil {
		if errors.Is(err, unix.EPROTONOSUPPORT) || errors.Is(err, unix.EOPNOTSUPP) {
			t.Skipf("no nf_tables in this kernel: %v", err)
		}
		t.Fatalf("list nf_tables tables: %v", err)
	}
	t.Cleanup(func() {
		names, err := listTables()
		if err != nil {
			t.Errorf("list tables at the end: %v", err)
		} else if len(names) != 0 {
			t.Errorf("tables left behind: %v", names)
		}
	})
}

// listTables names the tables of every family in the calling thread's
// namespace.
func listTables() ([]string, error) {
	c, err := nftables.New()
	if err != nil {
		return nil, err
	}
	ts, err := c.ListTables()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, tb := range ts {
		names = append(names, fmt.Sprintf("table %d %s", tb.Family, tb.Name))
	}
	return names, nil
}

// removeAtEnd removes f when the test ends, pass or fail.
func removeAtEnd(t *testing.T, f *Fault) {
	t.Cleanup(func() {
		if err := f.Remove(); err != nil {
			t.Errorf("%v: %v", f, err)
		}
	})
}

func ap(a net.Addr) netip.AddrPort {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.AddrPort()
	case *net.UDPAddr:
		return a.AddrPort()
	}
	panic(fmt.Sprintf("address %T", a))
}

func hostPort(host string) string { return net.JoinHostPort(host, "0") }

// tcpPair returns both ends of a new connection to ln.
func tcpPair(t *testing.T, ln net.Listener) (c, s net.Conn) {
	t.Helper()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return c, s
}

// flowOf is the TCP or UDP flow of c, seen from c.
func flowOf(c net.Conn) Flow {
	proto := "tcp"
	if _, ok := c.(*net.UDPConn); ok {
		proto = "udp"
	}
	return Flow{Proto: proto, Local: ap(c.LocalAddr()), Remote: ap(c.RemoteAddr())}
}

// mustWrite writes msg, which must be accepted whole.
func mustWrite(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatalf("write %q on %v: %v", msg, flowOf(c), err)
	}
}

// mustRead reads exactly msg from c within failAfter.
func mustRead(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(failAfter))
	buf := make([]byte, len(msg))
	n, err := c.Read(buf)
	if err != nil || string(buf[:n]) != msg {
		t.Fatalf("read on %v: got %q, %v; want %q", flowOf(c), buf[:n], err, msg)
	}
	c.SetReadDeadline(time.Time{})
}

// mustError waits up to failAfter for a read on c to fail with want.
func mustError(t *testing.T, c net.Conn, want syscall.Errno) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(failAfter))
	n, err := c.Read(make([]byte, 16))
	if !errors.Is(err, want) {
		t.Fatalf("read on %v: got %d bytes, %v; want %v", flowOf(c), n, err, unix.ErrnoName(want))
	}
}

// staySilent reads on every conn at once for the silence window: nothing
// may arrive and no error other than the deadline may be reported (this is
// the one sleep: the absence of data has no state to wait for).
func staySilent(t *testing.T, conns ...net.Conn) {
	t.Helper()
	end := time.Now().Add(silence)
	var wg sync.WaitGroup
	errs := make([]string, len(conns))
	for i, c := range conns {
		c.SetReadDeadline(end)
		wg.Go(func() {
			buf := make([]byte, 64)
			var n int
			var err error
			if pc, ok := c.(net.PacketConn); ok && c.RemoteAddr() == nil {
				n, _, err = pc.ReadFrom(buf)
			} else {
				n, err = c.Read(buf)
			}
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				errs[i] = fmt.Sprintf("%v (local %v) within %v: got %q, %v; want nothing", c.LocalAddr().Network(), c.LocalAddr(), silence, buf[:n], err)
			}
		})
	}
	wg.Wait()
	for _, c := range conns {
		c.SetReadDeadline(time.Time{})
	}
	for _, e := range errs {
		if e != "" {
			t.Error(e)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// sockErr reads (and clears) the socket's pending error, SO_ERROR.
func sockErr(t *testing.T, c syscall.Conn) syscall.Errno {
	t.Helper()
	var v int
	if err := control(c, func(fd int) (err error) {
		v, err = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return syscall.Errno(v)
}

// waitPollErr waits up to d for POLLERR on the socket (a pending error,
// which poll reports without consuming it) and reports whether it came.
func waitPollErr(t *testing.T, c syscall.Conn, d time.Duration) bool {
	t.Helper()
	var got bool
	if err := control(c, func(fd int) error {
		end := time.Now().Add(d)
		for {
			p := []unix.PollFd{{Fd: int32(fd)}}
			_, err := unix.Poll(p, int(max(time.Until(end), 0)/time.Millisecond))
			if errors.Is(err, unix.EINTR) {
				continue
			}
			got = p[0].Revents&unix.POLLERR != 0
			return err
		}
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// snmp reads one counter of the calling thread's namespace:
// "Icmp.InDestUnreachs" (/proc/net/snmp) or
// "Icmp6InDestUnreachs" (/proc/net/snmp6).
func snmp(t *testing.T, name string) int64 {
	t.Helper()
	file, key := "snmp6", name
	group, field, dotted := strings.Cut(name, ".")
	if dotted {
		file = "snmp"
	}
	f, err := os.Open("/proc/thread-self/net/" + file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var header []string
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		switch {
		case !dotted && len(fl) == 2 && fl[0] == key:
			v, _ := strconv.ParseInt(fl[1], 10, 64)
			return v
		case dotted && len(fl) > 0 && fl[0] == group+":":
			if header == nil {
				header = fl
				continue
			}
			for i, h := range header {
				if h == field && i < len(fl) {
					v, _ := strconv.ParseInt(fl[i], 10, 64)
					return v
				}
			}
		}
	}
	t.Fatalf("no counter %s in /proc/thread-self/net/%s", name, file)
	return 0
}

// icmpUnreach names the counter of destination-unreachable errors received
// for host's family.
func icmpUnreach(host string) string {
	if strings.Contains(host, ":") {
		return "Icmp6InDestUnreachs"
	}
	return "Icmp.InDestUnreachs"
}

// icmpOut names the counter of ICMP messages sent for host's family.
func icmpOut(host string) string {
	if strings.Contains(host, ":") {
		return "Icmp6OutMsgs"
	}
	return "Icmp.OutMsgs"
}

// waitCounter waits up to failAfter for counter name to reach want.
func waitCounter(t *testing.T, name string, want int64) {
	t.Helper()
	end := time.Now().Add(failAfter)
	for {
		got := snmp(t, name)
		if got >= want {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("%s = %d after %v, want %d", name, got, failAfter, want)
		}
		time.Sleep(time.Millisecond) // polling an observable counter
	}
}

// lookup is LookupTCP from c's side.
func lookup(t *testing.T, c net.Conn) Sock {
	t.Helper()
	s, err := LookupTCP(ap(c.LocalAddr()), ap(c.RemoteAddr()))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// waitSock waits up to failAfter for ok to hold for c's socket.
func waitSock(t *testing.T, c net.Conn, what string, ok func(Sock) bool) {
	t.Helper()
	end := time.Now().Add(failAfter)
	for {
		s := lookup(t, c)
		if ok(s) {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("%v: %s: still %+v after %v", flowOf(c), what, s, failAfter)
		}
		time.Sleep(time.Millisecond) // polling an observable state
	}
}

// TestDropFlowTCP: data written at either end of the dropped connection is
// never delivered nor acknowledged (it waits for retransmission), no reset
// and no ICMP error is sent, another connection between the same addresses
// works, and after Remove the retransmissions arrive.
func TestDropFlowTCP(t *testing.T) {
	for _, host := range hosts {
		t.Run(host, func(t *testing.T) {
			inNetns(t)
			ln, err := net.Listen("tcp", hostPort(host))
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			c1, s1 := tcpPair(t, ln)
			c2, s2 := tcpPair(t, ln)

			f, err := DropFlow(flowOf(c1))
			if err != nil {
				t.Fatal(err)
			}
			removeAtEnd(t, f)

			mustWrite(t, c1, "ping")
			mustWrite(t, s1, "pong")
			mustWrite(t, c2, "other")
			mustRead(t, s2, "other")
			mustWrite(t, s2, "reply")
			mustRead(t, c2, "reply")
			staySilent(t, c1, s1)
			for _, c := range []net.Conn{c1, s1} {
				s := lookup(t, c)
				// Unacknowledged, undelivered, waiting for retransmission.
				if s.State != Established || s.WQueue != 4 || s.RQueue != 0 || s.Timer != 1 {
					t.Errorf("%v after %v: %+v; want ESTABLISHED, 4 bytes unacknowledged, none received, retransmit timer", flowOf(c), silence, s)
				}
			}
			if n := snmp(t, icmpOut(host)); n != 0 {
				t.Errorf("%s = %d, want 0: a silent peer sends no ICMP", icmpOut(host), n)
			}

			if err := f.Remove(); err != nil {
				t.Fatal(err)
			}
			mustRead(t, s1, "ping")
			mustRead(t, c1, "pong")
			for _, c := range []net.Conn{c1, s1} {
				waitSock(t, c, "acknowledged after Remove", func(s Sock) bool { return s.WQueue == 0 })
			}
		})
	}
}

// TestDropFlowUDP: datagrams of the dropped flow are lost both ways without
// any error at the sender (no EPERM, no ICMP), another flow to the same
// address works, and after Remove new datagrams arrive.
func TestDropFlowUDP(t *testing.T) {
	for _, host := range hosts {
		t.Run(host, func(t *testing.T) {
			inNetns(t)
			srv, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(hostPort(host))))
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			dial := func() *net.UDPConn {
				c, err := net.DialUDP("udp", nil, srv.LocalAddr().(*net.UDPAddr))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { c.Close() })
				return c
			}
			a, other := dial(), dial()
			// srv answers on the connected clients' flows.
			reply := func(c *net.UDPConn, msg string) {
				t.Helper()
				if _, err := srv.WriteToUDPAddrPort([]byte(msg), ap(c.LocalAddr())); err != nil {
					t.Fatalf("srv send %q to %v: %v", msg, c.LocalAddr(), err)
				}
			}
			fromSrv := func(c *net.UDPConn, msg string) {
				t.Helper()
				srv.SetReadDeadline(time.Now().Add(failAfter))
				buf := make([]byte, 64)
				n, from, err := srv.ReadFromUDPAddrPort(buf)
				if err != nil || string(buf[:n]) != msg || from != ap(c.LocalAddr()) {
					t.Fatalf("srv read: got %q from %v, %v; want %q from %v", buf[:n], from, err, msg, c.LocalAddr())
				}
			}

			f, err := DropFlow(flowOf(a))
			if err != nil {
				t.Fatal(err)
			}
			removeAtEnd(t, f)

			mustWrite(t, a, "lost")
			reply(a, "lost too")
			mustWrite(t, other, "other")
			fromSrv(other, "other")
			reply(other, "reply")
			mustRead(t, other, "reply")
			staySilent(t, a, srv)
			if e := sockErr(t, a); e != 0 {
				t.Errorf("pending error on the dropped flow: %v, want none", unix.ErrnoName(e))
			}
			mustWrite(t, a, "lost again") // still no error at the sender
			if n := snmp(t, icmpOut(host)); n != 0 {
				t.Errorf("%s = %d, want 0", icmpOut(host), n)
			}

			if err := f.Remove(); err != nil {
				t.Fatal(err)
			}
			mustWrite(t, a, "after")
			fromSrv(a, "after")
			reply(a, "back")
			mustRead(t, a, "back")
		})
	}
}

// TestResetFlow: the end of the reset connection that sends next gets
// ECONNRESET, whichever end it is, and its socket is gone; the other end,
// which received nothing, stays ESTABLISHED; another connection between the
// same addresses works.
func TestResetFlow(t *testing.T) {
	for _, host := range hosts {
		t.Run(host, func(t *testing.T) {
			inNetns(t)
			ln, err := net.Listen("tcp", hostPort(host))
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			c1, s1 := tcpPair(t, ln) // the local end (c1) sends first
			c2, s2 := tcpPair(t, ln) // unrelated
			c3, s3 := tcpPair(t, ln) // the remote end (s3) sends first

			for _, c := range []net.Conn{c1, c3} {
				f, err := ResetFlow(flowOf(c))
				if err != nil {
					t.Fatal(err)
				}
				removeAtEnd(t, f)
			}

			for _, p := range [][2]net.Conn{{c1, s1}, {s3, c3}} {
				sender, other := p[0], p[1]
				// The write itself may already report the reset.
				if _, err := sender.Write([]byte("x")); err != nil && !errors.Is(err, syscall.ECONNRESET) {
					t.Fatalf("write on %v: %v; want success or ECONNRESET", flowOf(sender), err)
				} else if err == nil {
					mustError(t, sender, syscall.ECONNRESET)
				}
				waitSock(t, sender, "gone after the reset", func(s Sock) bool { return s.State == Absent })
				if s := lookup(t, other); s.State != Established || s.RQueue != 0 {
					t.Errorf("%v: %+v, want ESTABLISHED with nothing received", flowOf(other), s)
				}
			}
			// The fault stays: the other end's next segment is reset too.
			mustWrite(t, c3, "y")
			mustError(t, c3, syscall.ECONNRESET)

			mustWrite(t, c2, "other")
			mustRead(t, s2, "other")
			mustWrite(t, s2, "reply")
			mustRead(t, c2, "reply")
		})
	}
}

// TestUnreachablePort: datagrams to a bound port are answered with port
// unreachable; a connected sender gets ECONNREFUSED on its next read, or on
// its next write once the error is pending; an unconnected sender gets no
// error at all although the ICMP error reached the namespace; the bound
// socket receives nothing; after Remove datagrams are delivered.
func TestUnreachablePort(t *testing.T) {
	for _, host := range hosts {
		t.Run(host, func(t *testing.T) {
			inNetns(t)
			srv, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(hostPort(host))))
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			dst := ap(srv.LocalAddr())
			f, err := UnreachablePort(dst)
			if err != nil {
				t.Fatal(err)
			}
			removeAtEnd(t, f)

			cc, err := net.DialUDP("udp", nil, srv.LocalAddr().(*net.UDPAddr))
			if err != nil {
				t.Fatal(err)
			}
			defer cc.Close()
			unreach := icmpUnreach(host)

			// Connected: the next read reports the error.
			mustWrite(t, cc, "a")
			mustError(t, cc, syscall.ECONNREFUSED)
			// Connected: once the error is pending, the next write reports it.
			mustWrite(t, cc, "b")
			if !waitPollErr(t, cc, failAfter) {
				t.Fatalf("no error pending on %v after %v", flowOf(cc), failAfter)
			}
			if _, err := cc.Write([]byte("c")); !errors.Is(err, syscall.ECONNREFUSED) {
				t.Fatalf("write on %v with an error pending: %v, want ECONNREFUSED", flowOf(cc), err)
			}
			if n := snmp(t, unreach); n != 2 {
				t.Errorf("%s = %d, want 2 (one per datagram sent)", unreach, n)
			}

			// Unconnected: the ICMP error arrives (counted) but is not
			// reported to the socket.
			pc, err := net.ListenPacket("udp", hostPort(host))
			if err != nil {
				t.Fatal(err)
			}
			defer pc.Close()
			for i := range 2 {
				if _, err := pc.WriteTo([]byte("u"), net.UDPAddrFromAddrPort(dst)); err != nil {
					t.Fatalf("unconnected send %d: %v, want no error", i, err)
				}
				waitCounter(t, unreach, int64(3+i))
			}
			if waitPollErr(t, pc.(*net.UDPConn), 0) {
				t.Errorf("unconnected socket has an error pending")
			}
			staySilent(t, pc.(*net.UDPConn), srv) // no error for pc, no datagram for srv
			if e := sockErr(t, pc.(*net.UDPConn)); e != 0 {
				t.Errorf("unconnected socket: SO_ERROR %v, want none", unix.ErrnoName(e))
			}

			if err := f.Remove(); err != nil {
				t.Fatal(err)
			}
			mustWrite(t, cc, "after")
			srv.SetReadDeadline(time.Now().Add(failAfter))
			buf := make([]byte, 16)
			n, from, err := srv.ReadFromUDPAddrPort(buf)
			if err != nil || string(buf[:n]) != "after" || from != ap(cc.LocalAddr()) {
				t.Fatalf("srv after Remove: %q from %v, %v; want \"after\" from %v", buf[:n], from, err, cc.LocalAddr())
			}
		})
	}
}

// TestFaultRemove: each fault is one inet table with one input chain;
// Remove deletes exactly its table, works from another thread (one in the
// host's namespace), and is idempotent.
func TestFaultRemove(t *testing.T) {
	inNetns(t)
	if names, _ := listTables(); len(names) != 0 {
		t.Fatalf("fresh namespace has tables: %v", names)
	}
	fl := Flow{"tcp", netip.MustParseAddrPort("127.0.0.1:1000"), netip.MustParseAddrPort("127.0.0.1:2000")}
	f1, err := DropFlow(fl)
	if err != nil {
		t.Fatal(err)
	}
	removeAtEnd(t, f1)
	f2, err := UnreachablePort(netip.MustParseAddrPort("[::1]:3000"))
	if err != nil {
		t.Fatal(err)
	}
	removeAtEnd(t, f2)

	c, err := nftables.New()
	if err != nil {
		t.Fatal(err)
	}
	want := map[*Fault]int{f1: 2, f2: 1} // rules
	for f, rules := range want {
		tb, err := c.ListTableOfFamily(strings.TrimPrefix(f.String(), "table inet "), nftables.TableFamilyINet)
		if err != nil {
			t.Fatalf("%v: %v", f, err)
		}
		ch, err := c.ListChain(tb, "input")
		if err != nil {
			t.Fatalf("%v: chain input: %v", f, err)
		}
		if ch.Hooknum == nil || *ch.Hooknum != *nftables.ChainHookInput {
			t.Errorf("%v: chain input hook %v, want input", f, ch.Hooknum)
		}
		rs, err := c.GetRules(tb, ch)
		if err != nil || len(rs) != rules {
			t.Errorf("%v: %d rules, %v; want %d", f, len(rs), err, rules)
		}
	}
	if names, _ := listTables(); len(names) != 2 {
		t.Errorf("tables %v, want 2", names)
	}

	// From a goroutine that is not on this thread, hence in the host's
	// namespace: the fault's own namespace fd leads Remove here.
	done := make(chan error)
	go func() { done <- f1.Remove() }()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	names, err := listTables()
	if err != nil || len(names) != 1 || !strings.HasSuffix(names[0], " "+strings.TrimPrefix(f2.String(), "table inet ")) {
		t.Errorf("after removing %v: %v, %v; want only %v", f1, names, err, f2)
	}
	if err := f1.Remove(); err != nil {
		t.Errorf("second Remove: %v", err)
	}
	if err := f2.Remove(); err != nil {
		t.Fatal(err)
	}
	if names, err := listTables(); err != nil || len(names) != 0 {
		t.Errorf("after Remove: %v, %v; want none", names, err)
	}
}

// TestFaultArgs: malformed flows are refused before anything is installed
// (in a private namespace all the same, should one be accepted).
func TestFaultArgs(t *testing.T) {
	inNetns(t)
	v4 := netip.MustParseAddrPort("127.0.0.1:1000")
	v6 := netip.MustParseAddrPort("[::1]:2000")
	for _, fl := range []Flow{
		{"sctp", v4, v4},
		{"tcp", v4, v6},
		{"tcp", v4, netip.AddrPort{}},
		{"udp", netip.MustParseAddrPort("0.0.0.0:1"), v4},
		{"udp", v4, netip.MustParseAddrPort("127.0.0.1:0")},
	} {
		if f, err := DropFlow(fl); err == nil {
			f.Remove()
			t.Errorf("DropFlow(%v) succeeded", fl)
		}
	}
	if f, err := ResetFlow(Flow{"udp", v4, v4}); err == nil {
		f.Remove()
		t.Errorf("ResetFlow on udp succeeded")
	}
	for _, a := range []netip.AddrPort{{}, netip.MustParseAddrPort("[::]:53"), netip.MustParseAddrPort("127.0.0.1:0")} {
		if f, err := UnreachablePort(a); err == nil {
			f.Remove()
			t.Errorf("UnreachablePort(%v) succeeded", a)
		}
	}
}
