package model

import (
	"bytes"
	"strconv"
	"time"
)

// UDP is the datagram transport with Linux's loopback conventions.
const UDP Transport = "udp"

// The datagram calls, beside OpClose and OpSetDeadline.
const (
	OpReadFrom Op = iota + 100 // one ReadFrom(p) with len(p) == N
	OpWriteTo                  // one WriteTo(Data, the address of socket To)
)

// MaxUDP is the largest UDP payload over IPv4.
const MaxUDP = 65507

// PacketSpec declares a datagram server socket (socket 0) and its clients
// (sockets 1…Clients), each a separate unconnected socket.
type PacketSpec struct {
	Clients     int
	Transport   Transport // UDP: Linux loopback conventions
	ClosedClass string    // default Closed
	// ContractOnly: convention rules are not checked.
	ContractOnly bool
	// Tolerance is as in StreamSpec.
	Tolerance time.Duration
}

// SockName names socket i as the case language does: "server", "c1"…
func SockName(i int) string {
	if i == 0 {
		return "server"
	}
	if i < 0 {
		return "an unknown address"
	}
	return "c" + strconv.Itoa(i)
}

// PacketCall is one call on one socket.
type PacketCall struct {
	Op       Op
	Sock     int
	N        int    // OpReadFrom: buffer size
	Data     []byte // OpWriteTo: payload
	To       int    // OpWriteTo: destination socket
	Which    Which  // OpSetDeadline
	Deadline Expiry // OpSetDeadline
}

type dgram struct {
	data []byte
	from int
}

type psock struct {
	queue   []dgram // arrived, not read, no reader waiting for them
	pool    []dgram // arrived while readers waited: each goes to one of them
	waiting []int   // ReadFroms that began with nothing queued, oldest first
	closed  bool
	rdl     Expiry
	wdl     Expiry
}

type pcall struct {
	PacketCall
	id        int
	closed    bool // the socket was closed when the call began
	deadline  bool // the call's deadline had passed when it began
	queued    bool // a datagram was queued when a ReadFrom began
	delivered *dgram
}

// Packet is the model of a datagram server socket and its clients.
type Packet struct {
	spec  PacketSpec
	socks []psock
	calls map[int]*pcall
	next  int
}

// NewPacket returns the model of fresh sockets.
func NewPacket(spec PacketSpec) *Packet {
	if spec.ClosedClass == "" {
		spec.ClosedClass = Closed
	}
	if spec.Tolerance <= 0 {
		spec.Tolerance = 250 * time.Millisecond
	}
	return &Packet{spec: spec, socks: make([]psock, spec.Clients+1), calls: map[int]*pcall{}}
}

// Queued returns how many datagrams and bytes wait at socket i.
func (m *Packet) Queued(i int) (n, bytes int) {
	s := &m.socks[i]
	for _, d := range append(s.queue[:len(s.queue):len(s.queue)], s.pool...) {
		n++
		bytes += len(d.data)
	}
	return n, bytes
}

// Waiting returns how many ReadFroms wait at socket i, and how many
// datagrams were handed to them.
func (m *Packet) Waiting(i int) (readers, pooled int) {
	return len(m.socks[i].waiting), len(m.socks[i].pool)
}

// Closed reports whether socket i was closed.
func (m *Packet) Closed(i int) bool { return m.socks[i].closed }

// Begin registers a call starting at now and says whether it may block.
func (m *Packet) Begin(c PacketCall, now time.Time) (int, Status) {
	m.next++
	k := &pcall{PacketCall: c, id: m.next}
	s := &m.socks[c.Sock]
	k.closed = s.closed
	switch c.Op {
	case OpReadFrom:
		k.deadline = s.rdl.Passed(now.Add(-m.spec.Tolerance))
		k.queued = len(s.queue) > 0
		if !k.closed && !k.deadline && !k.queued {
			s.waiting = append(s.waiting, k.id)
		}
	case OpWriteTo:
		k.deadline = s.wdl.Passed(now.Add(-m.spec.Tolerance))
		if !k.closed && !k.deadline {
			d := dgram{data: c.Data, from: c.Sock}
			k.delivered = &d
			m.arrive(c.To, d)
		}
	}
	m.calls[k.id] = k
	return k.id, m.Status(k.id, now)
}

// arrive queues d at socket i, or hands it to a waiting reader.
func (m *Packet) arrive(i int, d dgram) {
	s := &m.socks[i]
	switch {
	case s.closed:
	case len(s.pool) < len(s.waiting):
		s.pool = append(s.pool, d)
	default:
		s.queue = append(s.queue, d)
	}
}

func (s *psock) isWaiting(id int) bool {
	for _, w := range s.waiting {
		if w == id {
			return true
		}
	}
	return false
}

// Status says whether call id must, may or must not have returned at now.
// Two readers waiting at one socket and one datagram: one of them returns,
// which one is not known (Maybe for both).
func (m *Packet) Status(id int, now time.Time) Status {
	k, ok := m.calls[id]
	switch {
	case !ok:
		return Status{Block: Released}
	case k.Op == OpWriteTo:
		return Status{Block: Released, Because: RulePacketWriteWhole}
	case k.Op != OpReadFrom:
		return Status{Block: Released, Because: RuleCtlReturns}
	}
	s := &m.socks[k.Sock]
	switch {
	case s.closed && k.closed:
		return Status{Block: Released, Because: RuleReadAfterClose}
	case s.closed:
		return Status{Block: Released, Because: RuleCloseUnblocks}
	case s.rdl.Passed(now) && k.deadline:
		return Status{Block: Released, At: s.rdl.Due(), Because: RuleDeadlineExceeded}
	case s.rdl.Passed(now):
		return Status{Block: Released, At: s.rdl.Due(), Because: RuleDeadlineUnblocks}
	case !s.isWaiting(id):
		return Status{Block: Released, Because: RulePacketNoLoss}
	case len(s.pool) >= len(s.waiting):
		return Status{Block: Released, Because: RulePacketNoLoss}
	case len(s.pool) > 0:
		return Status{Block: Maybe}
	case s.rdl.Set():
		return Status{Block: Released, At: s.rdl.At, Because: RuleDeadlineUnblocks}
	}
	return Status{Block: Blocked}
}

// Calls returns the ids of the calls in flight.
func (m *Packet) Calls() []int {
	var ids []int
	for id := range m.calls {
		ids = append(ids, id)
	}
	return ids
}

// Finish checks what call id returned and advances the model by it.
func (m *Packet) Finish(id int, r Result) *Violation {
	k, ok := m.calls[id]
	if !ok {
		return nil
	}
	if r.Hung {
		st := m.Status(id, r.End)
		w := m.want(k, r.End)
		m.drop(k)
		if st.Block != Released || (st.Because.Level == Convention && m.spec.ContractOnly) {
			return nil
		}
		return violation(st.Because, "no return (hung)", w)
	}
	defer m.drop(k)
	v := m.finish(k, r)
	if v != nil && v.Rule.Level == Convention && m.spec.ContractOnly {
		return nil
	}
	return v
}

func (m *Packet) finish(k *pcall, r Result) *Violation {
	switch k.Op {
	case OpReadFrom:
		return m.finishReadFrom(k, r)
	case OpWriteTo:
		return m.finishWriteTo(k, r)
	case OpClose:
		return m.finishClose(k, r)
	case OpSetDeadline:
		return m.finishSetDeadline(k, r)
	}
	return nil
}

// drop forgets a finished call; once no reader waits, datagrams handed to
// readers of a closed socket are gone.
func (m *Packet) drop(k *pcall) {
	delete(m.calls, k.id)
	s := &m.socks[k.Sock]
	for i, w := range s.waiting {
		if w == k.id {
			s.waiting = append(s.waiting[:i:i], s.waiting[i+1:]...)
			break
		}
	}
	if len(s.waiting) == 0 && len(s.pool) > 0 {
		if !s.closed {
			s.queue = append(s.pool, s.queue...)
		}
		s.pool = nil
	}
}

// Want says what the model expects of call id if it returned at t.
func (m *Packet) Want(id int, t time.Time) Expect {
	k, ok := m.calls[id]
	if !ok {
		return Expect{N: -1, From: -1, Note: "?"}
	}
	return m.want(k, t)
}

func (m *Packet) want(k *pcall, t time.Time) Expect {
	s := &m.socks[k.Sock]
	switch {
	case k.Op != OpReadFrom && k.closed:
		return expectErr(m.spec.ClosedClass)
	case k.Op == OpWriteTo && k.deadline:
		return expectErr(Deadline)
	case k.Op == OpWriteTo && m.spec.Transport == UDP && len(k.Data) > MaxUDP:
		return expectErr(MsgSize)
	case k.Op == OpWriteTo:
		return expectN(len(k.Data))
	case k.Op != OpReadFrom:
		return expectN(-1)
	case s.closed:
		return expectErr(m.spec.ClosedClass)
	case k.deadline:
		return expectErr(Deadline)
	}
	cand := s.queue
	if s.isWaiting(k.id) {
		cand = s.pool
	}
	if len(cand) > 0 {
		d := cand[0]
		w := expectData(d.data[:min(k.N, len(d.data))])
		w.From = d.from
		if len(cand) > 1 && s.isWaiting(k.id) {
			w.Note = " (or another datagram handed to the waiting readers)"
		}
		return w
	}
	switch {
	case s.rdl.Passed(t):
		return expectErr(Deadline)
	case s.rdl.Set():
		w := expectErr(Deadline)
		w.AtDeadline = true
		return w
	}
	return expectBlock
}

func gotFrom(r Result) string {
	g := gotString(r, true)
	if r.class() == None || r.N > 0 {
		g += " from " + SockName(r.From)
	}
	return g
}

// finishReadFrom checks a ReadFrom and removes the datagram it read.
func (m *Packet) finishReadFrom(k *pcall, r Result) *Violation {
	s := &m.socks[k.Sock]
	cand := &s.queue
	if s.isWaiting(k.id) {
		cand = &s.pool
	}
	i := m.match(*cand, k, r)
	v := m.checkReadFrom(k, r, i)
	if i >= 0 && (v == nil || v.Rule.Level == Convention) {
		*cand = append((*cand)[:i:i], (*cand)[i+1:]...)
	}
	return v
}

// checkReadFrom checks a ReadFrom: one whole datagram (cut to the buffer)
// sent to this socket, with its sender's address; i is the datagram it
// matches, -1 for none.
func (m *Packet) checkReadFrom(k *pcall, r Result, i int) *Violation {
	s := &m.socks[k.Sock]
	cls := r.class()
	want := m.want(k, r.End)
	fail := func(rule Rule) *Violation { return violation(rule, gotFrom(r), want) }
	waiting := s.isWaiting(k.id)
	cand := s.queue
	if waiting {
		cand = s.pool
	}
	data := cls == None || (r.N > 0 && cls != Deadline && cls != TimeoutOther)
	if s.closed && !(data && waiting && i >= 0) {
		switch {
		case cls == None && k.closed:
			return fail(RuleReadAfterClose)
		case cls == None:
			return fail(RuleCloseUnblocks)
		case cls != m.spec.ClosedClass:
			return fail(RuleReadAfterCloseClass)
		}
		return nil
	}
	if k.deadline && cls != Deadline {
		return fail(RuleDeadlineExceeded)
	}
	switch {
	case cls == Deadline:
		switch {
		case !s.rdl.Set():
			return fail(RuleNoCause)
		case r.End.Before(s.rdl.At):
			return fail(RuleDeadlineEarly)
		case k.queued && r.Start.Add(m.spec.Tolerance).Before(s.rdl.At):
			return fail(RulePacketNoLoss)
		}
		return nil
	case cls == TimeoutOther && s.rdl.Passed(r.End):
		return fail(RuleDeadlineExceeded)
	case !data:
		return fail(RuleNoCause)
	case i < 0:
		return fail(m.diagnose(k, r))
	}
	d := cand[i]
	switch {
	case cls != None && len(d.data) <= k.N:
		return fail(RuleNoCause)
	case cls != None && m.spec.Transport == UDP:
		return fail(RulePacketTruncate)
	case !waiting && i > 0 && m.spec.Transport == UDP:
		return fail(RulePacketOrder)
	}
	return nil
}

// match finds the datagram of list r is: same bytes, cut to the buffer,
// from the same sender.
func (m *Packet) match(list []dgram, k *pcall, r Result) int {
	for i, d := range list {
		n := min(k.N, len(d.data))
		if d.from == r.From && r.N == n && len(r.Data) >= n && bytes.Equal(r.Data[:n], d.data[:n]) {
			return i
		}
	}
	return -1
}

// diagnose says which rule a datagram no queue explains breaks: the right
// bytes from the wrong address, bytes sent to another socket, or bytes
// never sent whole.
func (m *Packet) diagnose(k *pcall, r Result) Rule {
	same := func(d dgram) bool {
		n := min(k.N, len(d.data))
		return r.N == n && len(r.Data) >= n && bytes.Equal(r.Data[:n], d.data[:n])
	}
	s := &m.socks[k.Sock]
	for _, d := range append(s.queue[:len(s.queue):len(s.queue)], s.pool...) {
		if same(d) {
			return RulePacketSource
		}
	}
	for i := range m.socks {
		o := &m.socks[i]
		for _, d := range append(o.queue[:len(o.queue):len(o.queue)], o.pool...) {
			if i != k.Sock && same(d) {
				return RulePacketRouting
			}
		}
	}
	return RulePacketWhole
}

// finishWriteTo checks a WriteTo: a whole datagram is sent, or an error
// says why not (its own Close, a deadline, an oversized datagram).
func (m *Packet) finishWriteTo(k *pcall, r Result) *Violation {
	s := &m.socks[k.Sock]
	cls := r.class()
	want := m.want(k, r.End)
	fail := func(rule Rule) *Violation { return violation(rule, gotString(r, false), want) }
	if cls != None && k.delivered != nil {
		m.retract(k.To, *k.delivered)
	}
	switch {
	case k.closed && cls == None:
		return fail(RuleWriteAfterClose)
	case k.closed && cls != m.spec.ClosedClass:
		return fail(RuleWriteAfterCloseClass)
	case k.closed:
		return nil
	case k.deadline && cls != Deadline:
		return fail(RuleDeadlineExceeded)
	case k.deadline:
		return nil
	case cls == Deadline && !s.wdl.Set():
		return fail(RuleNoCause)
	case cls == Deadline && r.End.Before(s.wdl.At):
		return fail(RuleDeadlineEarly)
	case cls == Deadline:
		return nil // the deadline had just passed
	case cls == TimeoutOther && s.wdl.Passed(r.End):
		return fail(RuleDeadlineExceeded)
	case m.spec.Transport == UDP && len(k.Data) > MaxUDP && cls != MsgSize:
		return fail(RulePacketOversize)
	case len(k.Data) > MaxUDP:
		return nil
	case cls == None && r.N != len(k.Data):
		return fail(RulePacketWriteWhole)
	case cls != None && !m.socks[k.To].closed:
		return fail(RuleNoCause)
	}
	return nil
}

// retract removes a datagram whose WriteTo failed.
func (m *Packet) retract(i int, d dgram) {
	s := &m.socks[i]
	for _, list := range []*[]dgram{&s.pool, &s.queue} {
		for j := len(*list) - 1; j >= 0; j-- {
			if (*list)[j].from == d.from && bytes.Equal((*list)[j].data, d.data) {
				*list = append((*list)[:j:j], (*list)[j+1:]...)
				return
			}
		}
	}
}

func (m *Packet) finishClose(k *pcall, r Result) *Violation {
	s := &m.socks[k.Sock]
	if k.closed {
		if r.class() != m.spec.ClosedClass {
			return violation(RuleCloseTwice, r.class(), expectErr(m.spec.ClosedClass))
		}
		return nil
	}
	s.closed = true
	s.queue = nil
	if r.class() != None {
		return violation(RuleCloseNil, r.class(), expectN(-1))
	}
	return nil
}

func (m *Packet) finishSetDeadline(k *pcall, r Result) *Violation {
	s := &m.socks[k.Sock]
	cls := r.class()
	var v *Violation
	switch {
	case k.closed && cls != m.spec.ClosedClass:
		v = violation(RuleCtlAfterCloseClass, cls, expectErr(m.spec.ClosedClass))
	case !k.closed && cls != None:
		// A SetDeadline that failed on an open socket set nothing.
		return violation(RuleSetDeadlineNil, cls, expectN(-1))
	}
	dl := k.Deadline
	dl.Since = r.Start
	if k.Which&ReadDeadline != 0 {
		s.rdl = dl
	}
	if k.Which&WriteDeadline != 0 {
		s.wdl = dl
	}
	return v
}

// Cancel forgets a call that began but was never made.
func (m *Packet) Cancel(id int) {
	k, ok := m.calls[id]
	if !ok {
		return
	}
	if k.delivered != nil {
		m.retract(k.To, *k.delivered)
	}
	m.drop(k)
}
