package model

import (
	"bytes"
	"time"
)

// The listener calls, beside OpClose and OpSetDeadline on the listener
// and OpRead, OpWrite and OpClose on the conns it connects.
const (
	OpDial        Op = iota + 200 // a new conn to the listener (the reference's or the implementation's Dial)
	OpAccept                      // Accept on the listener
	OpListenAgain                 // a second Listen on the listener's address
)

// The two sides of a connection a listener made.
const (
	Dialer   = 0 // the conn Dial returned
	Acceptor = 1 // the conn Accept returned
)

// ListenSpec declares a listener and the conns dialed to it.
type ListenSpec struct {
	// Kernel: both sides are kernel sockets (TCP or unix stream): the
	// accept queue is FIFO, a listener closed with conns in its queue
	// resets them, a dial to a closed listener is refused, and a second
	// listen on the address is refused.
	Kernel bool
	// ClosedClass is the class of calls on the closed listener (Closed).
	ClosedClass string
	// Unix: the sockets are unix stream sockets, whose closed listener's
	// path is gone (Go unlinks it): a dial to it fails with ENOENT or
	// ECONNREFUSED.
	Unix         bool
	ContractOnly bool
	// Tolerance is as in StreamSpec.
	Tolerance time.Duration
}

// ListenCall is one call on the listener (Conn -1) or on a side of one
// of the conns dialed to it (Conn, in dial order from 0).
type ListenCall struct {
	Op       Op
	Conn     int
	Side     int    // Dialer or Acceptor
	Data     []byte // OpWrite
	N        int    // OpRead: buffer size
	Which    Which  // OpSetDeadline
	Deadline Expiry // OpSetDeadline
	// CtxEnds: OpDial's context ends once Dial returned.
	CtxEnds bool
}

// An lconn is one conn dialed to the listener.
type lconn struct {
	dialed   bool // Dial returned it
	accepted bool
	reset    bool      // the listener closed while it waited in the accept queue
	ctxEnded bool      // its Dial's context ended once Dial returned
	closed   [2]bool   // by side
	queue    [2][]byte // queue[s]: what side s wrote and the other side has not read
	written  [2]int    // bytes side s offered in all
	read     [2]int    // of which the other side read
}

type lcall struct {
	ListenCall
	id       int
	lnClosed bool // the listener was closed when the call began
	deadline bool // its deadline had passed
	end      int  // OpWrite: the side's written count once its bytes are offered
}

// Listen is the model of a listener and the conns dialed to it.
type Listen struct {
	spec       ListenSpec
	lnClosed   bool
	lnClosedAt time.Time
	dl         Expiry
	conns      []*lconn
	queue      []int // the accept queue: dialed conns not accepted yet, in order
	acc        []int // acc[j]: the conn the j-th Accept returned
	calls      map[int]*lcall
	next       int
	addrLost   bool // the closed listener's address may belong to another listener now
}

// LostAddr says that the closed listener's address could not be kept
// from other listeners: dials to it are no longer checked.
func (m *Listen) LostAddr() { m.addrLost = true }

// NewListen returns the model of a fresh listener.
func NewListen(spec ListenSpec) *Listen {
	if spec.ClosedClass == "" {
		spec.ClosedClass = Closed
	}
	if spec.Tolerance <= 0 {
		spec.Tolerance = 250 * time.Millisecond
	}
	return &Listen{spec: spec, calls: map[int]*lcall{}}
}

// Spec returns the declaration, with defaults filled in.
func (m *Listen) Spec() ListenSpec { return m.spec }

// Conns is how many conns were dialed (or are being dialed).
func (m *Listen) Conns() int { return len(m.conns) }

// Queued is how many dialed conns wait in the accept queue.
func (m *Listen) Queued() int { return len(m.queue) }

// ListenerClosed reports whether the listener was closed.
func (m *Listen) ListenerClosed() bool { return m.lnClosed }

// Accepted returns the conn the j-th successful Accept returned, or -1.
func (m *Listen) Accepted(j int) int {
	if j < 0 || j >= len(m.acc) {
		return -1
	}
	return m.acc[j]
}

// AcceptIndex returns which successful Accept returned conn k, or -1.
func (m *Listen) AcceptIndex(k int) int {
	for j, c := range m.acc {
		if c == k {
			return j
		}
	}
	return -1
}

// Open reports whether conn k was dialed, accepted and neither side was
// closed: both sides can write and read.
func (m *Listen) Open(k int) bool {
	c := m.conn(k)
	return c != nil && c.dialed && c.accepted && !c.closed[Dialer] && !c.closed[Acceptor]
}

// Unread returns the bytes side s of conn k can read.
func (m *Listen) Unread(k, s int) []byte {
	if c := m.conn(k); c != nil {
		return c.queue[1-s]
	}
	return nil
}

// ResetPending reports whether conn k waited in the accept queue when
// the listener closed, and its dialer side is still open: a kernel
// socket reset it.
func (m *Listen) ResetPending(k int) bool {
	c := m.conn(k)
	return c != nil && c.reset && !c.closed[Dialer] && m.spec.Kernel
}

// Closable reports whether side s of conn k exists and is open.
func (m *Listen) Closable(k, s int) bool {
	c := m.conn(k)
	return c != nil && c.dialed && (s == Dialer || c.accepted) && !c.closed[s]
}

// Writing reports whether a Write is in flight on conn k (either side).
func (m *Listen) Writing(k int) bool {
	for _, c := range m.calls {
		if c.Op == OpWrite && c.Conn == k {
			return true
		}
	}
	return false
}

// Pending reports whether an Accept is in flight.
func (m *Listen) Pending() bool {
	for _, c := range m.calls {
		if c.Op == OpAccept {
			return true
		}
	}
	return false
}

func (m *Listen) conn(k int) *lconn {
	if k < 0 || k >= len(m.conns) {
		return nil
	}
	return m.conns[k]
}

// Begin registers a call starting at now and says whether it may block.
func (m *Listen) Begin(c ListenCall, now time.Time) (int, Status) {
	m.next++
	k := &lcall{ListenCall: c, id: m.next, lnClosed: m.lnClosed}
	switch c.Op {
	case OpDial:
		k.Conn = len(m.conns)
		m.conns = append(m.conns, &lconn{})
	case OpAccept:
		k.deadline = m.dl.Passed(now.Add(-m.spec.Tolerance))
	case OpWrite:
		if cn := m.conn(c.Conn); cn != nil && !cn.closed[0] && !cn.closed[1] {
			cn.queue[c.Side] = append(cn.queue[c.Side], c.Data...)
			cn.written[c.Side] += len(c.Data)
			k.end = cn.written[c.Side]
		}
	}
	m.calls[k.id] = k
	return k.id, m.Status(k.id, now)
}

// DialConn returns the conn index the dial call id makes.
func (m *Listen) DialConn(id int) int {
	if k, ok := m.calls[id]; ok && k.Op == OpDial {
		return k.Conn
	}
	return -1
}

// Status says whether call id must, may or must not have returned at now.
func (m *Listen) Status(id int, now time.Time) Status {
	k, ok := m.calls[id]
	switch {
	case !ok:
		return Status{Block: Released}
	case k.Op == OpDial && k.lnClosed:
		return Status{Block: Released, Because: RuleDialRefused}
	case k.Op == OpDial:
		return Status{Block: Released, Because: RuleDialConnects}
	case k.Op == OpAccept:
		return m.acceptStatus(k, now)
	case k.Op == OpWrite:
		// A Write may wait for the other side to read (a TLS handshake
		// runs on the first one): it must return once its bytes were read.
		c := m.conn(k.Conn)
		switch {
		case c == nil:
			return Status{Block: Released, Because: RuleCtlReturns}
		case c.closed[k.Side]:
			return Status{Block: Released, Because: RuleCloseUnblocks}
		case c.read[k.Side] >= k.end:
			return Status{Block: Released, Because: RuleWriteCompletes}
		}
		return Status{Block: Maybe}
	case k.Op == OpRead:
		c := m.conn(k.Conn)
		switch {
		case c != nil && len(c.queue[1-k.Side]) > 0:
			return Status{Block: Released, Because: RuleReadDelivers}
		case c != nil && c.reset && k.Side == Dialer && m.spec.Kernel:
			return Status{Block: Released, Because: RuleListenerResets}
		}
		return Status{Block: Blocked}
	}
	return Status{Block: Released, Because: RuleCtlReturns}
}

func (m *Listen) acceptStatus(k *lcall, now time.Time) Status {
	switch {
	case m.lnClosed && k.lnClosed:
		return Status{Block: Released, Because: RuleAcceptAfterClose}
	case m.lnClosed:
		return Status{Block: Released, Because: RuleCloseUnblocks}
	case m.dl.Passed(now) && k.deadline:
		return Status{Block: Released, At: m.dl.Due(), Because: RuleDeadlineExceeded}
	case m.dl.Passed(now):
		return Status{Block: Released, At: m.dl.Due(), Because: RuleDeadlineUnblocks}
	case len(m.queue) > 0:
		return Status{Block: Released, Because: RuleAcceptReturns}
	case m.dl.Set():
		return Status{Block: Released, At: m.dl.At, Because: RuleDeadlineUnblocks}
	}
	return Status{Block: Blocked}
}

// Finish checks what call id returned and advances the model. For OpDial
// r.N is 1 when Dial returned a conn (with or without an error); for
// OpAccept r.From is the conn the accepted one is the other end of, by its
// addresses: -1 when they cannot tell (not kernel sockets), -2 when it is
// the other end of none; for OpListenAgain r.N is 1 when it returned a
// listener.
func (m *Listen) Finish(id int, r Result) *Violation {
	k, ok := m.calls[id]
	if !ok {
		return nil
	}
	delete(m.calls, id)
	if r.Hung {
		st := m.statusOf(k, r.End)
		if st.Block != Released || (st.Because.Level == Convention && m.spec.ContractOnly) {
			return nil
		}
		return violation(st.Because, "no return (hung)", m.want(k, r.End))
	}
	v := m.finish(k, r)
	if v != nil && v.Rule.Level == Convention && m.spec.ContractOnly {
		return nil
	}
	return v
}

func (m *Listen) statusOf(k *lcall, t time.Time) Status {
	m.calls[k.id] = k
	defer delete(m.calls, k.id)
	return m.Status(k.id, t)
}

func (m *Listen) finish(k *lcall, r Result) *Violation {
	cls := r.class()
	want := m.want(k, r.End)
	got := gotString(r, k.Op == OpRead)
	if k.Op == OpDial || k.Op == OpAccept || k.Op == OpListenAgain {
		got = MadeString(r, k.Op == OpListenAgain)
	}
	fail := func(rule Rule) *Violation { return violation(rule, got, want) }
	switch k.Op {
	case OpDial:
		c := m.conns[k.Conn]
		switch {
		case cls != None && r.N == 1:
			return fail(RuleDialNilConn)
		case k.lnClosed && m.spec.Kernel && !m.addrLost && cls != Refused && !(m.spec.Unix && cls == NotFound):
			return fail(RuleDialRefused)
		case k.lnClosed || cls != None && m.lnClosed && r.End.After(m.lnClosedAt):
			return nil
		case cls != None:
			return fail(RuleDialConnects)
		}
		c.dialed, c.ctxEnded = true, k.CtxEnds
		m.queue = append(m.queue, k.Conn)
	case OpAccept:
		return m.finishAccept(k, r, fail)
	case OpListenAgain:
		if m.spec.Kernel && !k.lnClosed && cls != AddrInUse {
			return fail(RuleListenInUse)
		}
	case OpSetDeadline:
		var v *Violation
		switch {
		case k.lnClosed && cls != m.spec.ClosedClass:
			v = fail(RuleCtlAfterCloseClass)
		case !k.lnClosed && cls != None:
			// A SetDeadline that failed on an open listener set nothing.
			return fail(RuleSetDeadlineNil)
		}
		dl := k.Deadline
		dl.Since = r.Start
		m.dl = dl
		return v
	case OpClose:
		if k.Conn >= 0 {
			c := m.conns[k.Conn]
			was := c.closed[k.Side]
			c.closed[k.Side] = true
			if !was && cls != None {
				return fail(RuleCloseNil)
			}
			return nil
		}
		if k.lnClosed {
			if cls != m.spec.ClosedClass {
				return fail(RuleCloseTwice)
			}
			return nil
		}
		m.lnClosed, m.lnClosedAt = true, r.Start
		for _, q := range m.queue {
			m.conns[q].reset = true
		}
		m.queue = nil
		if cls != None {
			return fail(RuleCloseNil)
		}
	case OpWrite:
		if cls == None && r.N == len(k.Data) {
			return nil
		}
		if c := m.conn(k.Conn); c != nil && c.closed[k.Side] && cls != None {
			return nil // released by its own side's Close
		}
		if c := m.conn(k.Conn); c != nil && r.N >= 0 && r.N <= len(k.Data) {
			q := c.queue[k.Side]
			drop := min(len(k.Data)-r.N, len(q))
			c.queue[k.Side] = q[:len(q)-drop]
			c.written[k.Side] -= drop
		}
		if cls == None {
			return fail(RuleWriteShort)
		}
		return fail(m.lost(k))
	case OpRead:
		return m.finishRead(k, r, fail)
	}
	return nil
}

func (m *Listen) finishAccept(k *lcall, r Result, fail func(Rule) *Violation) *Violation {
	cls := r.class()
	if cls != None {
		switch {
		case m.lnClosed && r.End.After(m.lnClosedAt):
			if cls != m.spec.ClosedClass && !(cls == Deadline && m.dl.Passed(r.End)) {
				return fail(RuleAcceptClosedClass)
			}
		case cls == Deadline && !m.dl.Set():
			return fail(RuleNoCause)
		case cls == Deadline && r.End.Before(m.dl.At):
			return fail(RuleDeadlineEarly)
		case cls == Deadline:
		case cls == TimeoutOther && m.dl.Passed(r.End):
			return fail(RuleDeadlineExceeded)
		default:
			return fail(RuleNoCause)
		}
		return nil
	}
	switch {
	case k.lnClosed:
		return fail(RuleAcceptAfterClose)
	case k.deadline:
		return fail(RuleDeadlineExceeded)
	case len(m.queue) == 0 || r.From == -2:
		return fail(RuleAcceptPairs)
	}
	i := 0
	if r.From >= 0 {
		i = -1
		for j, q := range m.queue {
			if q == r.From {
				i = j
			}
		}
		if i < 0 {
			return fail(RuleAcceptPairs)
		}
	}
	c := m.queue[i]
	m.queue = append(m.queue[:i:i], m.queue[i+1:]...)
	m.conns[c].accepted = true
	m.acc = append(m.acc, c)
	if i > 0 && m.spec.Kernel {
		return fail(RuleAcceptOrder)
	}
	return nil
}

func (m *Listen) finishRead(k *lcall, r Result, fail func(Rule) *Violation) *Violation {
	c := m.conn(k.Conn)
	cls := r.class()
	if c == nil {
		return nil
	}
	q := c.queue[1-k.Side]
	if c.reset && k.Side == Dialer && !c.accepted && len(q) == 0 {
		if m.spec.Kernel && cls != Reset && cls != EOF {
			return fail(RuleListenerResets)
		}
		return nil
	}
	if r.N < 0 || r.N > k.N || r.N > len(q) || r.N > len(r.Data) || !bytes.Equal(r.Data[:r.N], q[:r.N]) {
		return fail(RuleReadPrefix)
	}
	c.queue[1-k.Side] = q[r.N:]
	c.read[1-k.Side] += r.N
	switch {
	case cls == None && r.N == 0 && len(q) > 0:
		return fail(RuleReadZeroWithData)
	case cls != None:
		return fail(m.lost(k))
	}
	return nil
}

// lost names the rule a conn that fails with no cause of its own breaks:
// its Dial's context ended, the listener closed, or nothing.
func (m *Listen) lost(k *lcall) Rule {
	switch c := m.conn(k.Conn); {
	case c != nil && c.ctxEnded:
		return RuleDialContext
	case m.lnClosed:
		return RuleListenerKeepsConns
	}
	return RuleNoCause
}

// want says what the model expects of call k if it returned at t.
func (m *Listen) want(k *lcall, t time.Time) Expect {
	switch k.Op {
	case OpDial:
		if k.lnClosed {
			if m.spec.Kernel && m.spec.Unix {
				return expectErr(Refused, NotFound)
			}
			if m.spec.Kernel {
				return expectErr(Refused)
			}
			w := expectErr()
			w.Note = "an error"
			return w
		}
		return expectN(-1)
	case OpAccept:
		switch {
		case m.lnClosed:
			return expectErr(m.spec.ClosedClass)
		case m.dl.Passed(t):
			return expectErr(Deadline)
		case len(m.queue) > 0:
			w := expectN(-1)
			w.Note = "a conn"
			return w
		case m.dl.Set():
			w := expectErr(Deadline)
			w.AtDeadline = true
			return w
		}
		return expectBlock
	case OpListenAgain:
		if m.spec.Kernel && !k.lnClosed {
			return expectErr(AddrInUse)
		}
		return expectN(-1)
	case OpWrite:
		return expectN(len(k.Data))
	case OpRead:
		c := m.conn(k.Conn)
		if c == nil {
			return expectN(-1)
		}
		if q := c.queue[1-k.Side]; len(q) > 0 {
			return expectData(q[:min(k.N, len(q))])
		}
		if c.reset && k.Side == Dialer && m.spec.Kernel {
			return expectErr(Reset, EOF)
		}
		return expectBlock
	case OpSetDeadline:
		if k.lnClosed {
			return expectErr(m.spec.ClosedClass)
		}
	case OpClose:
		if k.Conn < 0 && k.lnClosed {
			return expectErr(m.spec.ClosedClass)
		}
	}
	return expectN(-1)
}

// Cancel forgets a call that began but was never made.
func (m *Listen) Cancel(id int) {
	k, ok := m.calls[id]
	if !ok {
		return
	}
	delete(m.calls, id)
	switch k.Op {
	case OpDial:
		if k.Conn == len(m.conns)-1 {
			m.conns = m.conns[:k.Conn]
		}
	case OpWrite:
		if c := m.conn(k.Conn); c != nil {
			q := c.queue[k.Side]
			if len(q) >= len(k.Data) {
				c.queue[k.Side] = q[:len(q)-len(k.Data)]
			}
		}
	}
}

// MadeString renders what a call that makes a conn (or a listener)
// returned, r.N being 1 when it returned one: "a conn", "nil, refused",
// "a conn, refused".
func MadeString(r Result, listener bool) string {
	made := "a conn"
	if listener {
		made = "a listener"
	}
	if r.N == 0 {
		made = "nil"
	}
	if r.class() == None {
		return made
	}
	return made + ", " + r.class()
}
