package model

import (
	"fmt"
	"time"
)

// End names one end of a connected pair: A is the implementation under
// test, B the other end.
type End int

// The two ends.
const (
	A End = 0
	B End = 1
)

// Other is the opposite end.
func (e End) Other() End { return 1 - e }

func (e End) String() string {
	if e == A {
		return "A"
	}
	return "B"
}

// Transport says which conventions apply beyond the contract.
type Transport string

// The transports the model knows conventions for.
const (
	TCP   Transport = "tcp"   // kernel TCP (or a stack with TCP's FIN and RST semantics)
	Unix  Transport = "unix"  // kernel unix stream sockets
	Pipe  Transport = "pipe"  // net.Pipe: synchronous, unbuffered, in memory
	Plain Transport = "other" // anything else: contract checks, and the declared closed class
)

// EndSpec declares what one end does.
type EndSpec struct {
	// Buffered: a Write returns without the peer reading as long as the
	// direction holds at most Buffer unread bytes.
	Buffered bool
	// CloseHalf: Close only closes the write side (hashicorp/yamux and
	// quic-go streams document this); Reads go on.
	CloseHalf bool
	// ClosedClass is the class of calls on this end after its own Close:
	// Closed (the default) or ClosedPipe.
	ClosedClass string
}

// StreamSpec declares a connected pair.
type StreamSpec struct {
	Transport Transport
	Ends      [2]EndSpec
	// Buffer is how many unread bytes a buffered direction holds without
	// blocking its writer (default 64 KiB on kernel sockets, 32 KiB on
	// other transports: a flow-controlled stream advertises the space its
	// reader freed in steps — smux and yamux once half their 64 KiB window
	// was read — so a writer may wait with half the window unread).
	Buffer int
	// ResetSettle is how long after a successful Write to a fully closed
	// TCP peer its RST has surely arrived (default 30 ms).
	ResetSettle time.Duration
	// ContractOnly: convention rules are not checked.
	ContractOnly bool
	// Tolerance: a call that begins less than this after its deadline may
	// still see the deadline as not yet passed (the implementation's timer
	// fires late, the call reaches it late); after it, the call fails
	// (default 250 ms).
	Tolerance time.Duration
}

// Op is a stream call.
type Op int

// The stream calls.
const (
	OpRead        Op = iota // one Read(p) with len(p) == N
	OpWrite                 // one Write(Data)
	OpCopyOut               // io.Copy(w, conn): reads until EOF or an error
	OpCopyIn                // io.Copy(conn, r) with r holding Data
	OpClose                 // Close()
	OpCloseWrite            // CloseWrite()
	OpCloseRead             // CloseRead()
	OpSetDeadline           // SetDeadline / SetReadDeadline / SetWriteDeadline
)

// Call is one call on one end.
type Call struct {
	Op       Op
	End      End
	N        int    // OpRead: buffer size
	Data     []byte // OpWrite, OpCopyIn: payload
	Which    Which  // OpSetDeadline
	Deadline Expiry // OpSetDeadline: At is the instant passed (zero: none)
}

func (c Call) isRead() bool  { return c.Op == OpRead || c.Op == OpCopyOut }
func (c Call) isWrite() bool { return c.Op == OpWrite || c.Op == OpCopyIn }

// direction is what one end wrote to the other.
type direction struct {
	queue  []byte    // written (or offered by a pending write) and not yet read
	fin    bool      // the writer shut down its side: EOF after queue
	eof    bool      // the reader has seen EOF
	offer  *offer    // the pending write whose bytes end queue
	goneOK time.Time // TCP: end of the first Write that succeeded after the reader's end closed
}

// offer is a write in flight: its bytes are readable, and it completes
// once they are read (unbuffered) or fit the buffer.
type offer struct {
	size  int
	left  int  // bytes of the write not read yet: the last left bytes of queue
	empty bool // an unbuffered zero-length write not consumed yet
	// finPending: the writer shut down its side while the write was in
	// flight, so the FIN may come before the rest of it: the reader may
	// see EOF after any part, and the write then reports what it read.
	finPending bool
	cut        bool
	cutAt      int // bytes of the write read before that EOF
}

type endState struct {
	closed, closedWrite, closedRead bool
	// When each began: a call that returned before cannot have seen it.
	closedAt, closedWriteAt, closedReadAt time.Time
	rst                                   bool // a reset can have reached this end
	resetSent                             bool // a reset was surely sent to this end
	rdl, wdl                              Expiry
}

// by returns the state a call that returned at t may have seen: the closes
// that began after t did not happen for it.
func (e endState) by(t time.Time) endState {
	if e.closed && t.Before(e.closedAt) {
		e.closed = false
	}
	if e.closedWrite && t.Before(e.closedWriteAt) {
		e.closedWrite = false
	}
	if e.closedRead && t.Before(e.closedReadAt) {
		e.closedRead = false
	}
	return e
}

// before is what held when a call began.
type before struct {
	closed, closedWrite, peerGone bool
	deadline                      bool // the direction's deadline had passed
	queued                        int  // bytes queued for a Read
}

type call struct {
	Call
	id    int
	offer *offer
	was   before
}

// Stream is the model of a connected pair.
type Stream struct {
	spec  StreamSpec
	dir   [2]direction // dir[x]: what x wrote to x.Other()
	end   [2]endState
	calls map[int]*call
	next  int
}

// NewStream returns the model of a fresh, connected pair.
func NewStream(spec StreamSpec) *Stream {
	if spec.Buffer <= 0 {
		spec.Buffer = 64 << 10
		if spec.Transport != TCP && spec.Transport != Unix {
			spec.Buffer = 32 << 10
		}
	}
	if spec.ResetSettle <= 0 {
		spec.ResetSettle = 30 * time.Millisecond
	}
	if spec.Tolerance <= 0 {
		spec.Tolerance = 250 * time.Millisecond
	}
	for i := range spec.Ends {
		if spec.Ends[i].ClosedClass == "" {
			spec.Ends[i].ClosedClass = Closed
		}
	}
	return &Stream{spec: spec, calls: map[int]*call{}}
}

// Spec returns the pair's declaration, with defaults filled in.
func (m *Stream) Spec() StreamSpec { return m.spec }

// Queued returns the bytes x.Other() can read from x: written, not yet read.
func (m *Stream) Queued(x End) []byte { return m.dir[x].queue }

// Pending reports whether a call of this kind (read or write side) is in
// flight on x: the model allows one reader and one writer per end.
func (m *Stream) Pending(x End, read bool) bool {
	for _, c := range m.calls {
		if c.End == x && c.isRead() == read && (c.isRead() || c.isWrite()) {
			return true
		}
	}
	return false
}

// Closed reports whether x was closed (Close called).
func (m *Stream) Closed(x End) bool { return m.end[x].closed }

// Begin registers a call starting at now and says whether it may block.
// It fails when the call would make a second reader or writer on an end,
// which the model cannot predict.
func (m *Stream) Begin(c Call, now time.Time) (int, Status, error) {
	if (c.isRead() || c.isWrite()) && m.Pending(c.End, c.isRead()) {
		return 0, Status{}, fmt.Errorf("a %s call is already in flight on %s", map[bool]string{true: "read", false: "write"}[c.isRead()], c.End)
	}
	m.next++
	k := &call{Call: c, id: m.next}
	x := c.End
	e := &m.end[x]
	k.was = before{closed: e.closed, closedWrite: e.closedWrite, peerGone: m.peerGone(x)}
	if c.isRead() {
		k.was.deadline = e.rdl.Passed(now.Add(-m.spec.Tolerance))
		k.was.queued = len(m.dir[x.Other()].queue)
	}
	if c.isWrite() {
		k.was.deadline = e.wdl.Passed(now.Add(-m.spec.Tolerance))
		m.offer(k)
	}
	m.calls[k.id] = k
	return k.id, m.Status(k.id, now), nil
}

// offer makes a write's bytes readable, unless the write must fail or
// goes nowhere.
func (m *Stream) offer(k *call) {
	x := k.End
	d := &m.dir[x]
	if k.was.closed || k.was.closedWrite || k.was.deadline || k.was.peerGone {
		return
	}
	size := len(k.Data)
	if size == 0 && (m.buffered(x) || k.Op == OpCopyIn) {
		return // nothing is sent
	}
	k.offer = &offer{size: size, left: size, empty: size == 0}
	d.offer = k.offer
	d.queue = append(d.queue[:len(d.queue):len(d.queue)], k.Data...)
}

func (m *Stream) buffered(x End) bool { return m.spec.Ends[x].Buffered }

func (m *Stream) half(x End) bool { return m.spec.Ends[x].CloseHalf }

// fullyClosed reports whether x's Close closed both directions.
func (m *Stream) fullyClosed(x End) bool { return m.end[x].closed && !m.half(x) }

// peerGone reports whether nothing will read what x writes from now on:
// the other end fully closed, a reset reached x, or the other end shut
// down reading — on unix at once, on TCP once it also sent its FIN (Linux
// answers data arriving at such a socket with a reset).
func (m *Stream) peerGone(x End) bool {
	y := x.Other()
	ye := &m.end[y]
	return m.peerLost(x) || (ye.closedRead && (m.spec.Transport == Unix || (m.spec.Transport == TCP && m.dir[y].fin)))
}

// peerLost reports whether a Write blocked on x is released by the peer
// going away: it closed, or reset x. (A unix peer's CloseRead fails later
// Writes but leaves a blocked one blocked.)
func (m *Stream) peerLost(x End) bool { return m.fullyClosed(x.Other()) || m.end[x].resetSent }

// shutResets: Linux answers data arriving at a TCP socket that shut down
// both its directions with a reset, which both ends then see — if the
// data arrives: a closed window keeps it out.
func (m *Stream) shutResets() {
	for _, y := range []End{A, B} {
		if m.spec.Transport == TCP && m.end[y].closedRead && m.dir[y].fin && len(m.dir[y.Other()].queue) > 0 {
			m.end[y].rst, m.end[y.Other()].rst = true, true
		}
	}
}

func (m *Stream) pendingOn(x End, ops ...Op) bool {
	for _, c := range m.calls {
		if c.End == x {
			for _, o := range ops {
				if c.Op == o {
					return true
				}
			}
		}
	}
	return false
}

// Status says whether call id must, may or must not have returned at now.
func (m *Stream) Status(id int, now time.Time) Status {
	k, ok := m.calls[id]
	switch {
	case !ok:
		return Status{Block: Released}
	case k.isRead():
		return m.readStatus(k, now)
	case k.isWrite():
		return m.writeStatus(k, now)
	}
	return Status{Block: Released, Because: RuleCtlReturns}
}

// Calls returns the ids of the calls in flight.
func (m *Stream) Calls() []int {
	var ids []int
	for id := range m.calls {
		ids = append(ids, id)
	}
	return ids
}

// Finish checks what call id returned and advances the model by it. A
// Result with Hung set reports a call that did not return: a violation when
// the model says it had to.
func (m *Stream) Finish(id int, r Result) *Violation {
	k, ok := m.calls[id]
	if !ok {
		return nil
	}
	if r.Hung {
		st := m.Status(id, r.End)
		w := m.want(k, r.End)
		delete(m.calls, id)
		if st.Block != Released || (st.Because.Level == Convention && m.spec.ContractOnly) {
			return nil
		}
		return violation(st.Because, "no return (hung)", w)
	}
	delete(m.calls, id)
	v := m.finish(k, r)
	m.shutResets()
	if v != nil && v.Rule.Level == Convention && m.spec.ContractOnly {
		return nil
	}
	return v
}

func (m *Stream) finish(k *call, r Result) *Violation {
	switch {
	case k.isRead():
		return m.finishRead(k, r)
	case k.isWrite():
		return m.finishWrite(k, r)
	case k.Op == OpClose:
		return m.finishClose(k, r)
	case k.Op == OpCloseWrite, k.Op == OpCloseRead:
		return m.finishHalfClose(k, r)
	case k.Op == OpSetDeadline:
		return m.finishSetDeadline(k, r)
	}
	return nil
}

// Want says what the model expects of call id if it returned at t.
func (m *Stream) Want(id int, t time.Time) Expect {
	k, ok := m.calls[id]
	if !ok {
		return Expect{N: -1, From: -1, Note: "?"}
	}
	return m.want(k, t)
}

func (m *Stream) want(k *call, t time.Time) Expect {
	switch {
	case k.isRead():
		return m.wantRead(k, t)
	case k.isWrite():
		return m.wantWrite(k)
	}
	return Expect{N: -1, From: -1}
}

func (m *Stream) closedClass(x End) string { return m.spec.Ends[x].ClosedClass }

// kernel reports whether Linux socket conventions apply.
func (m *Stream) kernel() bool { return m.spec.Transport == TCP || m.spec.Transport == Unix }

// Cancel forgets a call that began but was never made: its offered bytes
// are withdrawn.
func (m *Stream) Cancel(id int) {
	k, ok := m.calls[id]
	if !ok {
		return
	}
	delete(m.calls, id)
	if k.offer != nil {
		d := &m.dir[k.End]
		d.queue = d.queue[:len(d.queue)-k.offer.left]
		if d.offer == k.offer {
			d.offer = nil
		}
	}
}
