package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/explore"
	"github.com/netconform/netconform/harness/script"
	"github.com/netconform/netconform/harness/sysobs"
	"github.com/netconform/netconform/impls/driver"
	"github.com/netconform/netconform/suite"
)

// replyTimeout bounds every reply the checker waits for.
const replyTimeout = 5 * time.Second

// checker runs the checks against one driver and prints the verdicts.
type checker struct {
	argv    []string
	dir     string
	out     io.Writer
	verbose bool

	s      *driver.Session
	v      driver.Validator
	caps   harness.Caps
	reuse  bool           // hello declared reuse
	opened []int64        // the handles the checks opened
	socks  map[uint64]int // the driver's sockets after hello, when readable
	passed int
	failed int
	dead   bool // the session broke: later checks cannot run
}

func (c *checker) pass(name, detail string) {
	c.passed++
	fmt.Fprintf(c.out, "  PASS %s%s\n", name, suffix(detail))
}

func (c *checker) fail(name, why string) {
	c.failed++
	fmt.Fprintf(c.out, "  FAIL %s\n       %s\n", name, strings.ReplaceAll(why, "\n", "\n       "))
}

func (c *checker) skip(name, why string) { fmt.Fprintf(c.out, "  SKIP %s: %s\n", name, why) }

func suffix(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}

func (c *checker) summary() int {
	fmt.Fprintf(c.out, "%d passed, %d failed\n", c.passed, c.failed)
	if c.failed > 0 {
		if tail := strings.TrimSpace(c.stderr()); tail != "" {
			fmt.Fprintf(c.out, "driver stderr (end):\n%s\n", indent(tail))
		}
		return 1
	}
	return 0
}

func (c *checker) stderr() string {
	if c.s == nil {
		return ""
	}
	return c.s.Stderr()
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }

// call sends op with args and checks the reply's shape: the schema of the
// op's reply, and the meaning of any error. It returns nil when the check
// named name has failed (and said why).
func (c *checker) call(name, op string, args driver.Request) *driver.Reply {
	if c.dead {
		return nil
	}
	req := driver.Request{"op": op}
	for k, v := range args {
		req[k] = v
	}
	r, raw, err := c.s.Call(req, replyTimeout)
	if c.verbose {
		b, _ := json.Marshal(req)
		fmt.Fprintf(c.out, "       → %s\n       ← %s\n", b, raw)
	}
	if err != nil {
		if c.s.Broken() != nil {
			c.dead = true
		}
		c.fail(name, fmt.Sprintf("%s: %v", op, err))
		return nil
	}
	if err := c.v.CheckReply(op, raw); err != nil {
		c.fail(name, fmt.Sprintf("the reply to %s does not match protocol.schema.json#/$defs/%s_reply:\n%s\n%v", op, op, raw, err))
		return nil
	}
	if r.Error != nil {
		if err := driver.CheckError(r.Error); err != nil {
			c.fail(name, fmt.Sprintf("the error in %s: %v", raw, err))
			return nil
		}
	}
	if r.Result != nil && slices.Contains([]string{"listen", "dial", "accept", "listen_packet"}, op) {
		var res struct{ H int64 }
		if json.Unmarshal(r.Result, &res) == nil && res.H > 0 {
			c.opened = append(c.opened, res.H)
		}
	}
	return r
}

// ok checks that r is a result and decodes it.
func (c *checker) ok(name string, r *driver.Reply) (*driver.Result, bool) {
	if r == nil {
		return nil, false
	}
	if r.Unsupported != nil {
		c.fail(name, fmt.Sprintf("answered unsupported (%q), but the driver declares the capabilities this needs; drop them from hello's caps or implement the op", *r.Unsupported))
		return nil, false
	}
	if r.Error != nil {
		c.fail(name, fmt.Sprintf("failed with %s (%s %s)", r.Error.Kind, r.Error.Errno, r.Error.Text))
		return nil, false
	}
	var res driver.Result
	json.Unmarshal(r.Result, &res)
	return &res, true
}

// wantErr checks that r is an error of kind want.
func (c *checker) wantErr(name string, r *driver.Reply, want, why string) bool {
	if r == nil {
		return false
	}
	switch {
	case r.Unsupported != nil:
		c.fail(name, fmt.Sprintf("answered unsupported (%q); want an error of kind %q: %s", *r.Unsupported, want, why))
	case r.Error == nil:
		c.fail(name, fmt.Sprintf("succeeded with %s; want an error of kind %q: %s", r.Result, want, why))
	case r.Error.Kind != want:
		c.fail(name, fmt.Sprintf("failed with kind %q (%s %s); want kind %q: %s", r.Error.Kind, r.Error.Errno, r.Error.Text, want, why))
	default:
		c.pass(name, fmt.Sprintf("%s (%s)", want, strings.TrimSpace(r.Error.Errno+" "+r.Error.Text)))
		return true
	}
	return false
}

func (c *checker) run() {
	fmt.Fprintf(c.out, "netconform driver smoke check (protocol %d): %s\n", driver.Version, strings.Join(c.argv, " "))
	s, err := driver.Start(c.dir, c.argv...)
	if err != nil {
		c.fail("start", err.Error())
		return
	}
	c.s = s
	defer s.Stop()
	if !c.hello() {
		return
	}
	c.robustness()
	if c.caps.Has(harness.CapStream | harness.CapListener | harness.CapDial) {
		c.stream()
	} else {
		c.skip("stream operations", "the driver does not declare all three of stream, listener and dial, which this check needs (see PROTOCOL.md, Capabilities and the ops they need)")
	}
	c.ops()
	if c.reuse {
		c.reused()
	}
	c.bye()
}

// ops checks the stream and datagram operations the capabilities promise.
func (c *checker) ops() {
	if c.caps.Has(harness.CapStream | harness.CapListener | harness.CapDial) {
		c.stream()
	} else {
		c.skip("stream operations", "the driver does not declare all three of stream, listener and dial, which this check needs (see PROTOCOL.md, Capabilities and the ops they need)")
	}
	if c.caps.Has(harness.CapPacket) {
		c.packet()
	} else {
		c.skip("datagram operations", "the driver declares no packet")
	}
}

// reused checks what "reuse": true promises (PROTOCOL.md, Life cycle): once
// every handle the checks opened is closed, the driver holds the sockets it
// held after hello and no more, and it serves the checks again as well.
func (c *checker) reused() {
	if c.dead {
		return
	}
	// As netconform does at the end of a case: close what is still open
	// (a handle already closed answers kind closed).
	for _, h := range c.opened {
		c.s.Call(driver.Request{"op": "close", "h": h}, replyTimeout)
	}
	c.opened = nil
	if c.socks == nil {
		c.skip("reuse", "the driver's sockets cannot be read here (/proc/<pid>/fd, Linux)")
	} else if now, err := sysobs.SocketFDs(c.s.Pid()); err != nil {
		c.skip("reuse", err.Error())
	} else if len(now) > len(c.socks) {
		c.fail("reuse", fmt.Sprintf("every handle the checks opened is closed, and the driver holds %d socket(s), %d after hello: a driver that declares reuse must close a handle's socket when the handle is closed, or the next case finds it", len(now), len(c.socks)))
		return
	} else {
		c.pass("reuse", "every socket the checks opened is closed")
	}
	fmt.Fprintln(c.out, "the same checks again in the same process, as the next case would run (hello declared reuse):")
	c.ops()
}

func (c *checker) hello() bool {
	r, raw, err := c.s.Call(driver.Request{"op": "hello", "protocol": driver.Version}, 10*time.Second)
	if err != nil {
		c.fail("hello", fmt.Sprintf("%v; the first line a driver reads is {\"id\":1,\"op\":\"hello\",\"protocol\":1} and it must answer at once", err))
		return false
	}
	if err := c.v.CheckReply("hello", raw); err != nil {
		c.fail("hello", fmt.Sprintf("the reply does not match protocol.schema.json#/$defs/hello_reply:\n%s\n%v", raw, err))
		return false
	}
	if r.Result == nil {
		c.fail("hello", fmt.Sprintf("hello must succeed; got %s", raw))
		return false
	}
	var h driver.Hello
	json.Unmarshal(r.Result, &h)
	im, err := (&driver.Driver{Argv: c.argv, Hello: h}).Impl()
	if err != nil {
		c.fail("hello", "the declaration is not usable: "+err.Error())
		return false
	}
	c.caps, c.reuse = im.Caps, h.Reuse
	if socks, err := sysobs.SocketFDs(c.s.Pid()); err == nil {
		c.socks = socks
	}
	c.pass("hello", fmt.Sprintf("%s %s, %s, capabilities %s", h.Name, h.Version, h.Language, im.Caps))
	bad := []string{}
	for _, k := range h.Known {
		_, isCase := suite.Lookup(k.Case)
		_, isRule := explore.RuleOfCase(k.Case) // explore.<rule>: a rule of the explorer
		if !isCase && !isRule {
			bad = append(bad, k.Case)
		}
	}
	if len(bad) > 0 {
		c.fail("hello known", fmt.Sprintf("no such case: %s (go run ./suite/list prints the case IDs; explore.<rule> names a rule of harness/explore)", strings.Join(bad, ", ")))
	} else if len(h.Known) > 0 {
		c.pass("hello known", fmt.Sprintf("%d known divergences, all naming existing cases", len(h.Known)))
	}
	return true
}

// robustness checks the answers to requests a driver must refuse.
func (c *checker) robustness() {
	if r := c.call("unknown op", "frobnicate", driver.Request{"h": 1}); r != nil {
		if r.Unsupported != nil {
			c.pass("unknown op", "answered unsupported")
		} else {
			c.fail("unknown op", "an op the driver does not know must be answered {\"id\":N,\"unsupported\":\"why\"}")
		}
	}
	if c.dead {
		return
	}
	r, raw, err := c.s.CallRaw([]byte("this is not JSON"), 0, replyTimeout)
	switch {
	case err != nil:
		if c.s.Broken() != nil {
			c.dead = true
		}
		c.fail("malformed line", fmt.Sprintf("a line that is not JSON must be answered with id 0 and kind \"invalid\", and the driver must go on: %v", err))
	case r.Error == nil || r.Error.Kind != "invalid":
		c.fail("malformed line", fmt.Sprintf("got %s; want {\"id\":0,\"error\":{\"kind\":\"invalid\",…}}", raw))
	default:
		c.pass("malformed line", "answered invalid with id 0")
	}
	if c.dead {
		return
	}
	id := c.s.NextID()
	r, raw, err = c.s.CallRaw(fmt.Appendf(nil, `{"id":%d}`, id), id, replyTimeout)
	switch {
	case err != nil:
		if c.s.Broken() != nil {
			c.dead = true
		}
		c.fail("request without op", fmt.Sprintf("must be answered with its id and kind \"invalid\": %v", err))
	case r.Error == nil || r.Error.Kind != "invalid":
		c.fail("request without op", fmt.Sprintf("got %s; want an error of kind \"invalid\" with id %d", raw, id))
	default:
		c.pass("request without op", "answered invalid with its id")
	}
}

// stream runs a connection through every stream operation.
func (c *checker) stream() {
	ln, ok := c.ok("listen", c.call("listen", "listen", driver.Request{"network": "tcp4", "addr": "127.0.0.1:0"}))
	if !ok {
		return
	}
	if _, err := net.ResolveTCPAddr("tcp4", ln.Addr); err != nil || strings.HasSuffix(ln.Addr, ":0") {
		c.fail("listen", fmt.Sprintf("addr %q must be the bound address, with the port the kernel chose", ln.Addr))
		return
	}
	c.pass("listen", ln.Addr+fdNote(ln.FD))
	d, ok := c.ok("dial", c.call("dial", "dial", driver.Request{"network": "tcp4", "addr": ln.Addr}))
	if !ok {
		return
	}
	if d.Remote != ln.Addr {
		c.fail("dial", fmt.Sprintf("remote %q, want the listener's address %q", d.Remote, ln.Addr))
	} else {
		c.pass("dial", d.Local+" → "+d.Remote)
	}
	a, ok := c.ok("accept", c.call("accept", "accept", driver.Request{"h": ln.H}))
	if !ok {
		return
	}
	if a.Remote != d.Local || a.Local != d.Remote {
		c.fail("accept", fmt.Sprintf("accepted %s → %s, want %s → %s", a.Local, a.Remote, d.Remote, d.Local))
	} else {
		c.pass("accept", a.Local+" ← "+a.Remote)
	}
	c.transfer(d.H, a.H)
	c.deadlines(a.H)
	c.options(d.H)
	c.addresses(d.H, d.Local, d.Remote)
	c.halfClose(d.H, a.H)
	c.closeCases(ln.H, a.H)
	c.dialErrors()
}

func fdNote(fd *int) string {
	if fd == nil {
		return " (no fd reported: netconform will ask the driver for socket options)"
	}
	return fmt.Sprintf(" (fd %d)", *fd)
}

func (c *checker) transfer(from, to int64) {
	if r := c.call("write data", "write", driver.Request{"h": from, "data": []byte("hello")}); r != nil {
		if res, ok := c.ok("write data", r); ok {
			if res.N != 5 {
				c.fail("write data", fmt.Sprintf("n = %d, want 5", res.N))
			} else {
				c.pass("write data", "5 bytes")
			}
		}
	}
	got := c.readN("read", to, 5)
	if got != nil {
		if string(got) == "hello" {
			c.pass("read", `"hello"`)
		} else {
			c.fail("read", fmt.Sprintf("read %q, want \"hello\"", got))
		}
	}
	const n = 100000
	if res, ok := c.ok("write fill", c.call("write fill", "write", driver.Request{"h": from, "fill": map[string]int{"offset": 7, "len": n}})); ok {
		if res.N != n {
			c.fail("write fill", fmt.Sprintf("n = %d, want %d", res.N, n))
		} else {
			c.pass("write fill", fmt.Sprintf("%d bytes of the pattern", n))
		}
		if got := c.readN("read fill", to, n); got != nil {
			want := script.Pattern(7, n)
			if i := firstDiff(got, want); i >= 0 {
				c.fail("read fill", fmt.Sprintf("byte %d is %d, want %d: fill is byte i = (offset+i) mod 251", i, got[i], want[i]))
			} else {
				c.pass("read fill", "the pattern arrived intact")
			}
		}
	}
}

// readN reads until n bytes arrived, or fails the check.
func (c *checker) readN(name string, h int64, n int) []byte {
	var got []byte
	for len(got) < n {
		res, ok := c.ok(name, c.call(name, "read", driver.Request{"h": h, "n": n - len(got)}))
		if !ok {
			return nil
		}
		if len(res.Data) == 0 {
			c.fail(name, "read returned no data and no error; at end of stream a read fails with kind \"eof\"")
			return nil
		}
		got = append(got, res.Data...)
	}
	return got
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

func (c *checker) deadlines(h int64) {
	if !c.caps.Has(harness.CapDeadline) {
		c.skip("deadlines", "the driver declares no deadline")
		return
	}
	if _, ok := c.ok("set_read_deadline", c.call("set_read_deadline", "set_read_deadline", driver.Request{"h": h, "in_ms": 50})); !ok {
		return
	}
	start := time.Now()
	r := c.call("read times out", "read", driver.Request{"h": h, "n": 8})
	took := time.Since(start)
	if c.wantErr("read times out", r, "deadline", "a read still waiting when its deadline passes fails with kind \"deadline\"") && took > 2*time.Second {
		c.fail("read times out", fmt.Sprintf("the read returned after %v for a 50 ms deadline", took.Round(time.Millisecond)))
	}
	past := time.Now().Add(-time.Second).UnixNano()
	c.call("set_deadline past", "set_deadline", driver.Request{"h": h, "at_unix_ns": past})
	c.wantErr("read after a past deadline", c.call("read after a past deadline", "read", driver.Request{"h": h, "n": 8}),
		"deadline", "with an expired deadline a read fails at once")
	c.wantErr("write after a past deadline", c.call("write after a past deadline", "write", driver.Request{"h": h, "data": []byte("x")}),
		"deadline", "with an expired deadline a write fails at once")
	if _, ok := c.ok("clear deadlines", c.call("clear deadlines", "set_deadline", driver.Request{"h": h, "clear": true})); ok {
		c.pass("clear deadlines", "")
	}
	for _, op := range []string{"set_write_deadline"} {
		if _, ok := c.ok(op, c.call(op, op, driver.Request{"h": h, "clear": true})); ok {
			c.pass(op, "")
		}
	}
}

func (c *checker) options(h int64) {
	type opt struct {
		cap  harness.Caps
		op   string
		args driver.Request
	}
	for _, o := range []opt{
		{harness.CapNoDelay, "set_nodelay", driver.Request{"on": true}},
		{harness.CapLinger, "set_linger", driver.Request{"sec": -1}},
		{harness.CapKeepAlive, "set_keepalive", driver.Request{"enable": true, "idle_ms": 2000}},
		{harness.CapKeepAlive, "set_keepalive", driver.Request{"config": true, "enable": true, "idle_ms": 3000, "interval_ms": 4000, "count": 5}},
	} {
		if !c.caps.Has(o.cap) {
			c.skip(o.op, "not declared")
			continue
		}
		o.args["h"] = h
		if _, ok := c.ok(o.op, c.call(o.op, o.op, o.args)); ok {
			c.pass(o.op, "")
		}
	}
	if !c.caps.Has(harness.CapFD) {
		return
	}
	want := map[string]int{"TCP_NODELAY": 1, "SO_KEEPALIVE": 1, "TCP_KEEPIDLE": 3, "TCP_KEEPINTVL": 4, "TCP_KEEPCNT": 5}
	if !c.caps.Has(harness.CapKeepAlive) {
		want = map[string]int{}
	}
	if !c.caps.Has(harness.CapNoDelay) {
		delete(want, "TCP_NODELAY")
	}
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		r := c.call("get_sockopt "+name, "get_sockopt", driver.Request{"h": h, "name": name})
		if r != nil && r.Unsupported != nil {
			c.skip("get_sockopt "+name, "unsupported: netconform reads options through the reported fd")
			continue
		}
		if res, ok := c.ok("get_sockopt "+name, r); ok {
			if res.Value != want[name] {
				c.fail("get_sockopt "+name, fmt.Sprintf("%d, want %d after the set_* calls above", res.Value, want[name]))
			} else {
				c.pass("get_sockopt "+name, fmt.Sprint(res.Value))
			}
		}
	}
}

func (c *checker) addresses(h int64, local, remote string) {
	for op, want := range map[string]string{"local_addr": local, "remote_addr": remote} {
		if res, ok := c.ok(op, c.call(op, op, driver.Request{"h": h})); ok {
			if res.Addr != want {
				c.fail(op, fmt.Sprintf("%q, want %q", res.Addr, want))
			} else {
				c.pass(op, res.Addr)
			}
		}
	}
}

func (c *checker) halfClose(d, a int64) {
	if !c.caps.Has(harness.CapHalfClose) {
		c.skip("close_write", "not declared")
		return
	}
	if _, ok := c.ok("close_write", c.call("close_write", "close_write", driver.Request{"h": d})); !ok {
		return
	}
	c.pass("close_write", "")
	c.wantErr("read at end of stream", c.call("read at end of stream", "read", driver.Request{"h": a, "n": 8}),
		"eof", "after the peer's close_write, a read fails with kind \"eof\" (not an empty result)")
	if c.caps.Has(harness.CapCloseRead) {
		if _, ok := c.ok("close_read", c.call("close_read", "close_read", driver.Request{"h": a})); ok {
			c.pass("close_read", "")
		}
	}
}

// closeCases checks close: it releases a pending request and closes the
// handle for later ones.
func (c *checker) closeCases(ln, a int64) {
	// A pending accept, released by closing the listener.
	type answer struct {
		r   *driver.Reply
		raw []byte
		err error
	}
	pending := make(chan answer, 1)
	go func() {
		r, raw, err := c.s.Call(driver.Request{"op": "accept", "h": ln}, replyTimeout)
		pending <- answer{r, raw, err}
	}()
	time.Sleep(100 * time.Millisecond)
	select {
	case got := <-pending:
		c.fail("close releases a pending accept", fmt.Sprintf("accept returned before the close: %s %v", got.raw, got.err))
		return
	default:
	}
	if _, ok := c.ok("close", c.call("close", "close", driver.Request{"h": ln})); !ok {
		return
	}
	c.pass("close", "")
	got := <-pending
	switch {
	case got.err != nil:
		c.fail("close releases a pending accept", fmt.Sprintf("the pending accept was not answered: %v; requests must run concurrently, and close fails the handle's pending ones with kind \"closed\"", got.err))
	case got.r.Error == nil || got.r.Error.Kind != "closed":
		c.fail("close releases a pending accept", fmt.Sprintf("got %s; want kind \"closed\"", got.raw))
	default:
		c.pass("close releases a pending accept", "closed")
	}
	c.call("close conn", "close", driver.Request{"h": a})
	c.wantErr("read after close", c.call("read after close", "read", driver.Request{"h": a, "n": 8}),
		"closed", "a request on a closed handle fails with kind \"closed\"")
}

func (c *checker) dialErrors() {
	ln, ok := c.ok("dial refused", c.call("dial refused", "listen", driver.Request{"network": "tcp4", "addr": "127.0.0.1:0"}))
	if !ok {
		return
	}
	c.call("dial refused", "close", driver.Request{"h": ln.H})
	c.wantErr("dial refused", c.call("dial refused", "dial", driver.Request{"network": "tcp4", "addr": ln.Addr}),
		"refused", "a dial to a closed port fails with ECONNREFUSED")
	c.wantErr("dial bad address", c.call("dial bad address", "dial", driver.Request{"network": "tcp4", "addr": "127.0.0.1"}),
		"addr-error", "an address without a port is refused before any system call")
	c.wantErr("dial unknown network", c.call("dial unknown network", "dial", driver.Request{"network": "foo", "addr": "127.0.0.1:80"}),
		"unknown-network", "networks are Go's names: tcp4, tcp6, udp4, udp6")
	if res, ok := c.ok("cancel", c.call("cancel", "cancel", driver.Request{"target": 999999})); ok && res != nil {
		c.pass("cancel", "a cancel for no pending dial is answered {}")
	}
}

func (c *checker) packet() {
	a, ok := c.ok("listen_packet", c.call("listen_packet", "listen_packet", driver.Request{"network": "udp4", "addr": "127.0.0.1:0"}))
	if !ok {
		return
	}
	b, ok := c.ok("listen_packet", c.call("listen_packet", "listen_packet", driver.Request{"network": "udp4", "addr": "127.0.0.1:0"}))
	if !ok {
		return
	}
	c.pass("listen_packet", a.Addr+", "+b.Addr)
	if res, ok := c.ok("write_to", c.call("write_to", "write_to", driver.Request{"h": a.H, "data": []byte("ping"), "to": b.Addr})); ok {
		c.pass("write_to", fmt.Sprintf("%d bytes", res.N))
	}
	if res, ok := c.ok("read_from", c.call("read_from", "read_from", driver.Request{"h": b.H, "n": 64})); ok {
		if string(res.Data) != "ping" || res.From != a.Addr {
			c.fail("read_from", fmt.Sprintf("%q from %s, want \"ping\" from %s", res.Data, res.From, a.Addr))
		} else {
			c.pass("read_from", `"ping" from `+res.From)
		}
	}
	if c.caps.Has(harness.CapPacketDial) {
		d, ok := c.ok("dial udp", c.call("dial udp", "dial", driver.Request{"network": "udp4", "addr": b.Addr}))
		if ok {
			c.call("dial udp", "write", driver.Request{"h": d.H, "data": []byte("pong")})
			if res, ok := c.ok("dial udp", c.call("dial udp", "read_from", driver.Request{"h": b.H, "n": 64})); ok {
				if string(res.Data) != "pong" || res.From != d.Local {
					c.fail("dial udp", fmt.Sprintf("%q from %s, want \"pong\" from %s", res.Data, res.From, d.Local))
				} else {
					c.pass("dial udp", "a connected socket's write arrives from its local address")
				}
			}
		}
	}
	for _, h := range []int64{a.H, b.H} {
		c.call("close packet", "close", driver.Request{"h": h})
	}
}

func (c *checker) bye() {
	if c.dead {
		return
	}
	if _, ok := c.ok("bye", c.call("bye", "bye", nil)); ok {
		c.pass("bye", "")
	}
}
