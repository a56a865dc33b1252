package harness

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/netconform/netconform/harness/sysobs"
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

type op string

const (
	opWrite           op = "Write"
	opRead            op = "Read"
	opReadFull        op = "ReadFull"
	opReadAll         op = "ReadAll"
	opSetDeadline     op = "SetDeadline"
	opSetReadDL       op = "SetReadDeadline"
	opSetWriteDL      op = "SetWriteDeadline"
	opClose           op = "Close"
	opCloseWrite      op = "CloseWrite"
	opCloseRead       op = "CloseRead"
	opSetLinger       op = "SetLinger"
	opSetNoDelay      op = "SetNoDelay"
	opSetKeepAlive    op = "SetKeepAlive"
	opSetKAPeriod     op = "SetKeepAlivePeriod"
	opSetKAConfig     op = "SetKeepAliveConfig"
	opSetOpt          op = "setsockopt"
	opAddrs           op = "Addrs"
	opAccept          op = "Accept"
	opDialTo          op = "DialTo"
	opDial            op = "Dial"
	opListen          op = "Listen"
	opDialPacket      op = "DialPacket"
	opListenPacket    op = "ListenPacket"
	opWriteTo         op = "WriteTo"
	opReadFrom        op = "ReadFrom"
	opEcho            op = "Echo"
	opExpectState     op = "state"
	opWaitReadable    op = "readable"
	opExpectOpt       op = "getsockopt"
	opLinkDown        op = "LinkDown"
	opLinkUp          op = "LinkUp"
	opAddVeth         op = "AddVeth"
	opWireMark        op = "WireMark"
	opExpectSent      op = "sent"
	opExpectQuiet     op = "quiet"
	opExpectNotSent   op = "notsent"
	opGo              op = "go"
	opStillBlocked    op = "blocked"
	opAwait           op = "await"
	opSleep           op = "sleep"
	opFunc            op = "func"
	opMeasureClose    op = "measure"
	opWaitSettled     op = "settle"
	opWaitAcceptQueue op = "acceptq"
	opFill            op = "Fill"
)

// When is a deadline in a script: Past, NoDeadline, or In(d).
type When struct {
	past bool
	d    time.Duration // > 0: relative to the moment the step runs
}

// Past is a deadline long gone (a fixed instant, independent of clock skew).
var Past = When{past: true}

// NoDeadline is the zero time: no deadline.
var NoDeadline = When{}

// In is a deadline d after the step runs. Deadlines are part of the
// scenario: the timescale never stretches them, only the tolerances. A
// retry after an inconclusive or late attempt stretches the whole
// scenario (these deadlines and Sleep steps alike) by 2 per attempt.
func In(d time.Duration) When { return When{d: d} }

// stretched returns w with its relative duration multiplied by f.
func (w When) stretched(f float64) When {
	w.d = scaleBy(w.d, f)
	return w
}

// longAgo is the "past" deadline.
var longAgo = time.Unix(1, 0)

func (w When) abs(now time.Time) time.Time {
	switch {
	case w.past:
		return longAgo
	case w.d > 0:
		return now.Add(w.d)
	}
	return time.Time{}
}

func (w When) String() string {
	switch {
	case w.past:
		return "past"
	case w.d > 0:
		return "+" + w.d.String()
	}
	return "zero"
}

// A Target is what a Dial step dials.
type Target struct {
	ep      string // an endpoint's local address
	dead    bool   // a loopback port nothing listens on
	network string // overrides the implementation's network
	address string // a literal address
}

// AddrOf dials the local address of endpoint ep (usually a listener).
func AddrOf(ep string) Target { return Target{ep: ep} }

// DeadPort dials a loopback port nothing listens on, chosen below the
// ephemeral range so that it can never be our own dialer's port.
var DeadPort = Target{dead: true}

// Literal dials address on network ("" keeps the implementation's network).
func Literal(network, address string) Target { return Target{network: network, address: address} }

func (t Target) String() string {
	switch {
	case t.ep != "":
		return "addr(" + t.ep + ")"
	case t.dead:
		return "dead-port"
	case t.network != "":
		return strconv.Quote(t.network) + ", " + strconv.Quote(t.address)
	}
	return strconv.Quote(t.address)
}

// dialCtx says what context a Dial step passes.
type dialCtx int

const (
	ctxLive dialCtx = iota
	ctxCanceled
	ctxExpired
)

// A Step is one operation on one endpoint with its expectation. Steps are
// built by the functions below and refined with methods (Want, Err, Within…)
// that return a modified copy, so scripts read as data:
//
//	harness.Read(harness.Peer, 8).Err(harness.EOF)
//
// Unless told otherwise a step expects no error.
type Step struct {
	op     op
	ep     string
	data   []byte
	n      int
	off    int
	when   When
	d      time.Duration
	b      bool
	v      int
	opt    sysobs.Opt
	target Target
	ctx    dialCtx
	dopts  *DialOptions
	kcfg   net.KeepAliveConfig
	states []sysobs.TCPState
	flags  []string
	name   string
	inner  *Step
	fn     func(*X) error
	budget time.Duration
	says   string
	sysctl string // ExpectOpt: the expected value is this sysctl's
	label  string
	want   expect
}

// expect is what a step must observe.
type expect struct {
	classes    []Class // preferred; nil means None
	allowed    []Class // also acceptable, reported as allowed
	anyErr     bool    // any non-nil error
	data       []byte
	hasData    bool
	pattern    bool // data equals the pattern from offset off
	n          int
	hasN       bool
	partial    bool // an error with 0 <= n < len
	timeout    bool // a net.Error in the chain says Timeout()
	notTimeout bool
	bare       bool // the error is the sentinel itself, unwrapped
	atDeadline bool // returns at the endpoint's deadline, within tolerance
	within     time.Duration
	notBefore  time.Duration
	from       string
	record     bool   // observe only
	nilAddr    bool   // ReadFrom's address is nil
	eq         int    // ExpectOpt value
	since      string // Within and NotBefore count from the start of the step with this label
	ticks      int    // NotBefore is relaxed by this many kernel ticks
}

// Script is a readability helper: Script(a, b, c) is []Step{a, b, c}.
func Script(steps ...Step) []Step { return steps }

// Write writes data on ep; it expects n == len(data) and no error.
func Write(ep, data string) Step { return Step{op: opWrite, ep: ep, data: []byte(data)} }

// WriteN writes n bytes of the harness's byte pattern on ep (see Pattern).
func WriteN(ep string, n int) Step {
	return Step{op: opWrite, ep: ep, n: n, want: expect{pattern: true}}
}

// Read makes one Read call on ep with an n-byte buffer. With Want it expects
// exactly that data from this one call.
func Read(ep string, n int) Step { return Step{op: opRead, ep: ep, n: n} }

// ReadFull reads until n bytes arrived or an error (like io.ReadFull).
func ReadFull(ep string, n int) Step { return Step{op: opReadFull, ep: ep, n: n} }

// ReadAll reads until an error; it expects that error to be io.EOF.
func ReadAll(ep string) Step { return Step{op: opReadAll, ep: ep, want: expect{classes: []Class{EOF}}} }

// Fill writes on ep until its send buffer and the peer's receive window are
// full: Writes with a short write deadline repeat until one makes no
// progress at all. The peer must not be reading. The write deadline is
// cleared afterwards. It needs CapDeadline.
func Fill(ep string) Step { return Step{op: opFill, ep: ep} }

// SetDeadline sets both deadlines of ep (a conn, a listener or a packet conn).
func SetDeadline(ep string, w When) Step { return Step{op: opSetDeadline, ep: ep, when: w} }

// SetReadDeadline sets ep's read deadline.
func SetReadDeadline(ep string, w When) Step { return Step{op: opSetReadDL, ep: ep, when: w} }

// SetWriteDeadline sets ep's write deadline.
func SetWriteDeadline(ep string, w When) Step { return Step{op: opSetWriteDL, ep: ep, when: w} }

// Close closes ep (a conn, a listener or a packet conn). Its result is
// recorded, not checked, unless the step says what to expect (Err): most
// scripts close as a precondition of what they check, and net.Conn.Close
// may legitimately fail (a WebSocket whose peer never answers the close
// handshake).
func Close(ep string) Step { return Step{op: opClose, ep: ep, want: expect{record: true}} }

// CloseWrite half-closes ep's write side.
func CloseWrite(ep string) Step { return Step{op: opCloseWrite, ep: ep} }

// CloseRead half-closes ep's read side.
func CloseRead(ep string) Step { return Step{op: opCloseRead, ep: ep} }

// SetLinger calls SetLinger(sec) on ep.
func SetLinger(ep string, sec int) Step { return Step{op: opSetLinger, ep: ep, v: sec} }

// SetNoDelay calls SetNoDelay(b) on ep.
func SetNoDelay(ep string, b bool) Step { return Step{op: opSetNoDelay, ep: ep, b: b} }

// SetKeepAlive calls SetKeepAlive(b) on ep.
func SetKeepAlive(ep string, b bool) Step { return Step{op: opSetKeepAlive, ep: ep, b: b} }

// SetKeepAlivePeriod calls SetKeepAlivePeriod(d) on ep.
func SetKeepAlivePeriod(ep string, d time.Duration) Step {
	return Step{op: opSetKAPeriod, ep: ep, d: d}
}

// SetKeepAliveConfig calls SetKeepAliveConfig(cfg) on ep.
func SetKeepAliveConfig(ep string, cfg net.KeepAliveConfig) Step {
	return Step{op: opSetKAConfig, ep: ep, kcfg: cfg}
}

// SetOpt sets a raw socket option on ep's kernel socket (needs CapFD).
func SetOpt(ep string, o sysobs.Opt, v int) Step { return Step{op: opSetOpt, ep: ep, opt: o, v: v} }

// Addrs checks ep's LocalAddr and RemoteAddr: not nil, unchanged since the
// endpoint was made, and RemoteAddr equal to the other end's LocalAddr when
// both are known.
func Addrs(ep string) Step { return Step{op: opAddrs, ep: ep} }

// Accept accepts a conn on listener ln and names it as.
func Accept(ln, as string) Step { return Step{op: opAccept, ep: ln, name: as} }

// DialTo connects a new conn, named as, to listener ln from the other side:
// the reference dialer in reference-peer topology, the pair listener's own
// Dial in pair topology.
func DialTo(as, ln string) Step { return Step{op: opDialTo, ep: ln, name: as} }

// Dial makes the IUT dial t and names the conn as (SetupDialer).
func Dial(as string, t Target) Step { return Step{op: opDial, name: as, target: t} }

// Listen makes the IUT listen on the address of endpoint of (to provoke
// "address in use"), naming the listener as.
func Listen(as, of string) Step { return Step{op: opListen, name: as, ep: of} }

// DialPacket makes a connected datagram conn named as, to t, from the side
// the role gives the clients (the IUT in role client).
func DialPacket(as string, t Target) Step { return Step{op: opDialPacket, name: as, target: t} }

// ListenPacket makes an unconnected datagram socket named as on the address
// of endpoint of (to provoke "address in use"), on the IUT's side.
func ListenPacket(as, of string) Step { return Step{op: opListenPacket, name: as, ep: of} }

// WriteTo sends data from packet endpoint ep to endpoint to's local address.
func WriteTo(ep, data, to string) Step {
	return Step{op: opWriteTo, ep: ep, data: []byte(data), name: to}
}

// WriteToN sends an n-byte pattern datagram from ep to endpoint to.
func WriteToN(ep string, n int, to string) Step {
	return Step{op: opWriteTo, ep: ep, n: n, name: to, want: expect{pattern: true}}
}

// ReadFrom makes one ReadFrom call on packet endpoint ep with an n-byte buffer.
func ReadFrom(ep string, n int) Step { return Step{op: opReadFrom, ep: ep, n: n} }

// Echo makes packet endpoint ep serve count datagrams: each is answered with
// "echo:" + payload, sent with WriteTo to the address ReadFrom returned.
func Echo(ep string, count int) Step { return Step{op: opEcho, ep: ep, n: count} }

// ExpectState polls the kernel TCP state of ep's socket (found by its
// 4-tuple, so it works after Close) until it is one of states, for a short
// budget, and reports the states it saw.
func ExpectState(ep string, states ...sysobs.TCPState) Step {
	return Step{op: opExpectState, ep: ep, states: states}
}

// ExpectFarState is ExpectState for the kernel socket at the other end of
// ep's 4-tuple, which the script may not hold: a conn queued in a
// listener's backlog, or the socket of an implementation in another
// process.
func ExpectFarState(ep string, states ...sysobs.TCPState) Step {
	return Step{op: opExpectState, ep: ep, states: states, b: true}
}

// WaitReadable waits until a Read on ep would not block (data, EOF or an
// error is queued), without consuming anything. It synchronises on kernel
// state when ep is observable; otherwise it settles for a short while and
// says so in the transcript.
func WaitReadable(ep string) Step { return Step{op: opWaitReadable, ep: ep} }

// WaitReset waits until ep's connection was reset by its peer: its kernel
// socket is gone (absent or CLOSE). Data that arrived before the RST (a
// TLS close_notify, say) does not end the wait, as it would WaitReadable's.
// When ep has no observable 4-tuple it behaves as WaitReadable.
func WaitReset(ep string) Step { return Step{op: opWaitReadable, ep: ep, b: true} }

// WaitSettled waits until ep's kernel socket has nothing left unacknowledged
// in flight, so what the script sent has reached the other end's kernel.
func WaitSettled(ep string) Step { return Step{op: opWaitSettled, ep: ep} }

// WaitAcceptQueue waits until listener ln has n connections queued.
func WaitAcceptQueue(ln string, n int) Step { return Step{op: opWaitAcceptQueue, ep: ln, n: n} }

// ExpectOpt reads socket option o of ep's kernel socket and expects v.
func ExpectOpt(ep string, o sysobs.Opt, v int) Step {
	return Step{op: opExpectOpt, ep: ep, opt: o, want: expect{eq: v}}
}

// ExpectOptSysctl reads option o of ep's kernel socket and expects the
// value of the sysctl (for example "net/ipv4/tcp_keepalive_intvl"): what a
// socket has when nobody set the option.
func ExpectOptSysctl(ep string, o sysobs.Opt, sysctl string) Step {
	return Step{op: opExpectOpt, ep: ep, opt: o, sysctl: sysctl}
}

// LinkDown takes an interface of the case's own namespace down, which makes
// every peer behind it silent (isolated cases only).
func LinkDown(name string) Step { return Step{op: opLinkDown, name: name} }

// LinkUp brings an interface of the case's own namespace up.
func LinkUp(name string) Step { return Step{op: opLinkUp, name: name} }

// AddVeth creates a veth pair named name and name+"p" with address cidr on
// name, in the case's own namespace; nothing answers on the subnet.
func AddVeth(name, cidr string) Step {
	return Step{op: opAddVeth, name: name, data: []byte(cidr)}
}

// WireMark starts a new window of the wire trace: later ExpectSent and
// ExpectQuiet steps look at segments captured after it.
func WireMark() Step { return Step{op: opWireMark} }

// ExpectSent waits until ep has sent segments with these tcpdump flags, in
// order, since the last WireMark ("S", "S.", ".", "P.", "F.", "R.", "R").
// KeepAliveProbe, given to ExpectSent, matches a keep-alive probe: an ACK
// of at most one byte with a sequence number before what the sender had
// already sent. A plain "." does not match probes.
func ExpectSent(ep string, flags ...string) Step { return Step{op: opExpectSent, ep: ep, flags: flags} }

// KeepAliveProbe is ExpectSent's pseudo-flag for a keep-alive probe.
const KeepAliveProbe = "probe"

// ExpectNotSent expects ep to have sent no segment whose flags contain
// flag (for example "F") since the last WireMark.
func ExpectNotSent(ep, flag string) Step {
	return Step{op: opExpectNotSent, ep: ep, flags: []string{flag}}
}

// ExpectQuiet waits d and expects ep to have sent nothing since the last
// WireMark (absence can only be seen by waiting).
func ExpectQuiet(ep string, d time.Duration) Step { return Step{op: opExpectQuiet, ep: ep, d: d} }

// Go starts s in the background under name; Await collects it.
func Go(name string, s Step) Step { return Step{op: opGo, name: name, inner: &s} }

// StillBlocked waits a short settle time and expects the background
// operation name not to have returned: on kernel sockets "is blocked" is not
// observable, so this is the one sanctioned wait, and it fails loudly when
// the operation returned early instead of passing vacuously.
func StillBlocked(name string) Step { return Step{op: opStillBlocked, name: name} }

// Await waits for the background operation name and checks its result
// against the expectation given to Go. Within bounds the time from the
// start of the step before Await (the trigger) to its return.
func Await(name string) Step { return Step{op: opAwait, name: name} }

// Sleep waits d. Scripts use it only where the scenario itself is about the
// passage of time (keepalive probes), never to synchronise.
func Sleep(d time.Duration, why string) Step { return Step{op: opSleep, d: d, says: why} }

// MeasureClose closes ep and records how long Close took (informational).
func MeasureClose(ep string) Step { return Step{op: opMeasureClose, ep: ep} }

// Func is the escape hatch for what a script cannot say (concurrency
// stress, measurements). fn reports deviations with x.Errorf; a returned
// error is a finding too.
func Func(name string, fn func(x *X) error) Step { return Step{op: opFunc, name: name, fn: fn} }

// Want expects exactly data (for Read: from this one call; for ReadFull and
// ReadAll: in total).
func (s Step) Want(data string) Step {
	s.want.data, s.want.hasData = []byte(data), true
	return s
}

// WantPattern expects the bytes of the pattern starting at offset off.
func (s Step) WantPattern(off int) Step { s.want.pattern, s.off = true, off; return s }

// At sets the pattern offset of a WriteN.
func (s Step) At(off int) Step { s.off = off; return s }

// WantN expects n bytes.
func (s Step) WantN(n int) Step { s.want.n, s.want.hasN = n, true; return s }

// Err expects one of classes (the preferred outcomes); Err(None) expects
// success.
func (s Step) Err(classes ...Class) Step { s.want.classes, s.want.record = classes, false; return s }

// Allow also accepts classes, reported as an allowed, non-preferred outcome.
func (s Step) Allow(classes ...Class) Step {
	s.want.allowed = append(s.want.allowed, classes...)
	return s
}

// AnyErr expects some error, whatever its class.
func (s Step) AnyErr() Step { s.want.anyErr = true; return s }

// Partial expects an error with 0 <= n < len (a partial write).
func (s Step) Partial() Step { s.want.partial = true; return s }

// Timeout also expects a net.Error whose Timeout() is true.
func (s Step) Timeout() Step { s.want.timeout = true; return s }

// NotTimeout expects Timeout() to be false (or no net.Error at all).
func (s Step) NotTimeout() Step { s.want.notTimeout = true; return s }

// Bare expects the error to be the sentinel itself (err == io.EOF), as
// io.EOF's documentation asks: callers compare it with ==.
func (s Step) Bare() Step { s.want.bare = true; return s }

// AtDeadline expects the call to return no earlier than the endpoint's
// deadline for this direction, and within the tolerance after it.
func (s Step) AtDeadline() Step { s.want.atDeadline = true; return s }

// Within expects the call (or, for Await, the background operation) to
// return within d, scaled by the timescale.
func (s Step) Within(d time.Duration) Step { s.want.within = d; return s }

// NotBefore expects the call not to return before d has passed.
func (s Step) NotBefore(d time.Duration) Step { s.want.notBefore = d; return s }

// From expects ReadFrom's address to be endpoint ep's local address.
func (s Step) From(ep string) Step { s.want.from = ep; return s }

// NilAddr expects ReadFrom's address to be nil.
func (s Step) NilAddr() Step { s.want.nilAddr = true; return s }

// Label names the step, so that a later expectation can count time from
// its start (Since).
func (s Step) Label(name string) Step { s.label = name; return s }

// Since makes Within and NotBefore count from the start of the step
// labelled name instead of this call's start (or an Await's trigger): a
// keepalive timer runs from the last segment received, which an earlier
// step caused.
func (s Step) Since(label string) Step { s.want.since = label; return s }

// KernelTimer says the NotBefore bound is enforced by a kernel timer that
// fires n times (keepalive: idle, then each probe interval). Kernel timers
// run on jiffies and may fire up to a tick early each, so the bound is
// relaxed by n ticks (4 ms each at HZ=250) — never more.
func (s Step) KernelTimer(n int) Step { s.want.ticks = n; return s }

// Record observes without checking.
func (s Step) Record() Step { s.want.record = true; return s }

// Budget overrides the step's watchdog budget (before scaling).
func (s Step) Budget(d time.Duration) Step { s.budget = d; return s }

// Says overrides how the step is named in messages ("Read after Close").
func (s Step) Says(desc string) Step { s.says = desc; return s }

// Canceled makes a Dial step pass an already canceled context.
func (s Step) Canceled() Step { s.ctx = ctxCanceled; return s }

// Expired makes a Dial step pass a context whose deadline has passed.
func (s Step) Expired() Step { s.ctx = ctxExpired; return s }

// Options makes a Dial step dial with o.
func (s Step) Options(o DialOptions) Step { s.dopts = &o; return s }

// Flags reports which async name a Go step starts (used by Validate).
func (s Step) call() string {
	args := ""
	switch s.op {
	case opWrite:
		if s.want.pattern && s.data == nil {
			args = fmt.Sprintf("<%s>", sizeStr(s.n))
		} else {
			args = quoteData(s.data)
		}
	case opRead, opReadFull, opReadFrom:
		args = strconv.Itoa(s.n)
	case opSetDeadline, opSetReadDL, opSetWriteDL:
		args = s.when.String()
	case opSetLinger:
		args = strconv.Itoa(s.v)
	case opSetNoDelay, opSetKeepAlive:
		args = strconv.FormatBool(s.b)
	case opSetKAPeriod:
		args = s.d.String()
	case opSetKAConfig:
		args = fmt.Sprintf("{Enable:%v Idle:%v Interval:%v Count:%d}", s.kcfg.Enable, s.kcfg.Idle, s.kcfg.Interval, s.kcfg.Count)
	case opWriteTo:
		d := quoteData(s.data)
		if s.data == nil && s.n > 0 {
			d = fmt.Sprintf("<%s>", sizeStr(s.n))
		}
		args = d + ", " + s.name
	case opEcho:
		args = strconv.Itoa(s.n)
	case opDial, opDialPacket:
		args = s.target.String()
		switch s.ctx {
		case ctxCanceled:
			args += ", canceled ctx"
		case ctxExpired:
			args += ", expired ctx"
		}
		if s.dopts != nil && s.dopts.Timeout != 0 {
			args += ", timeout " + s.dopts.Timeout.String()
		}
		return fmt.Sprintf("%s = Dial(%s)", s.name, args)
	case opListen, opListenPacket:
		return fmt.Sprintf("%s = %s(addr(%s))", s.name, s.op, s.ep)
	case opAccept:
		return fmt.Sprintf("%s = %s.Accept()", s.name, s.ep)
	case opDialTo:
		return fmt.Sprintf("%s = Dial(addr(%s))", s.name, s.ep)
	case opExpectState:
		if s.b {
			return fmt.Sprintf("state(far end of %s)", s.ep)
		}
		return fmt.Sprintf("state(%s)", s.ep)
	case opExpectOpt:
		return fmt.Sprintf("getsockopt(%s, %v)", s.ep, s.opt)
	case opSetOpt:
		return fmt.Sprintf("setsockopt(%s, %v, %d)", s.ep, s.opt, s.v)
	case opWaitReadable:
		if s.b {
			return fmt.Sprintf("reset(%s)", s.ep)
		}
		return fmt.Sprintf("readable(%s)", s.ep)
	case opWaitSettled:
		return fmt.Sprintf("settled(%s)", s.ep)
	case opWaitAcceptQueue:
		return fmt.Sprintf("queued(%s, %d)", s.ep, s.n)
	case opLinkDown, opLinkUp:
		return fmt.Sprintf("%s(%s)", s.op, s.name)
	case opAddVeth:
		return fmt.Sprintf("AddVeth(%s, %s)", s.name, s.data)
	case opWireMark:
		return "wire mark"
	case opExpectSent:
		return fmt.Sprintf("wire(%s sent %s)", s.ep, strings.Join(bracket(s.flags), " "))
	case opExpectQuiet:
		return fmt.Sprintf("wire(%s quiet %v)", s.ep, s.d)
	case opExpectNotSent:
		return fmt.Sprintf("wire(%s sent no %s)", s.ep, s.flags[0])
	case opGo:
		return "go " + s.name + ": " + s.inner.call()
	case opStillBlocked:
		return s.name + " still blocked"
	case opAwait:
		return "await " + s.name
	case opSleep:
		return fmt.Sprintf("sleep %v (%s)", s.d, s.says)
	case opFunc:
		return s.name
	case opMeasureClose:
		return s.ep + ".Close()"
	case opFill:
		return "fill(" + s.ep + ")"
	}
	return fmt.Sprintf("%s.%s(%s)", s.ep, s.op, args)
}

func bracket(flags []string) []string {
	out := make([]string, len(flags))
	for i, f := range flags {
		out[i] = "[" + f + "]"
	}
	return out
}

func quoteData(b []byte) string {
	if len(b) > 24 {
		return fmt.Sprintf("%q…(%s)", b[:16], sizeStr(len(b)))
	}
	return strconv.Quote(string(b))
}

func sizeStr(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// String renders the step and its expectation: "iut.Read(8) = 0, closed (net.ErrClosed)".
func (s Step) String() string {
	if w := s.wantString(1); w != "" {
		return s.call() + " = " + w
	}
	return s.call()
}
