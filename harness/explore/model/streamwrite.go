package model

import (
	"time"
)

// writeStatus: a Write (or io.Copy into the conn) is released by its own
// Close or CloseWrite, an expired deadline, the peer going away, or its
// bytes being read (unbuffered) or fitting the buffer.
func (m *Stream) writeStatus(k *call, now time.Time) Status {
	x := k.End
	e := &m.end[x]
	d := &m.dir[x]
	y := x.Other()
	switch {
	case e.closed:
		if k.was.closed {
			return Status{Block: Released, Because: RuleWriteAfterClose}
		}
		return Status{Block: Released, Because: RuleCloseUnblocks}
	case e.closedWrite && k.was.closedWrite:
		return Status{Block: Released, Because: RuleWriteAfterCloseWrite}
	case e.closedWrite && m.spec.Transport == TCP:
		// TCP wakes a blocked writer on shutdown; a unix socket does not.
		return Status{Block: Released, Because: RuleWriteAfterCloseWriteClass}
	case e.wdl.Passed(now):
		if k.was.deadline {
			return Status{Block: Released, At: e.wdl.Due(), Because: RuleDeadlineExceeded}
		}
		return Status{Block: Released, At: e.wdl.Due(), Because: RuleDeadlineUnblocks}
	case k.was.peerGone || m.peerLost(x):
		return Status{Block: Released, Because: RuleWritePeerClosed}
	case k.offer == nil || (k.offer.left == 0 && !k.offer.empty):
		return Status{Block: Released, Because: RuleWriteCompletes}
	case m.buffered(x) && len(d.queue) <= m.spec.Buffer:
		return Status{Block: Released, Because: RuleWriteCompletes}
	case m.pendingOn(y, OpCopyOut):
		return Status{Block: Released, Because: RuleWriteCompletes}
	case e.wdl.Set():
		return Status{Block: Released, At: e.wdl.At, Because: RuleDeadlineUnblocks}
	case m.spec.Transport == Pipe && !m.pendingOn(y, OpRead):
		return Status{Block: Blocked}
	}
	return Status{Block: Maybe}
}

// finishWrite checks a Write's (or a copy's) result and keeps the bytes
// it reports written.
func (m *Stream) finishWrite(k *call, r Result) *Violation {
	v := m.checkWrite(k, r)
	if v != nil && v.Rule.Level == Contract {
		return v
	}
	x := k.End
	d := &m.dir[x]
	if k.offer != nil {
		drop := min(k.offer.size-r.N, k.offer.left)
		d.queue = d.queue[:len(d.queue)-drop]
		// A zero-length write that completed on a pipe was taken by the
		// Read in flight on the other end, which returns 0, nil.
		taken := k.offer.empty && r.class() == None && m.pendingOn(x.Other(), OpRead)
		if d.offer == k.offer && !taken {
			d.offer = nil
		}
	}
	if k.was.peerGone && len(k.Data) > 0 && m.spec.Transport == TCP && !m.fullyClosed(x.Other()) {
		// Data reaching a peer that shut down both sides resets both.
		m.end[x].rst, m.end[x.Other()].rst = true, true
	}
	if r.class() == Reset && m.kernel() {
		// A reset reached this end: what the peer had sent and this end
		// not received yet may be lost with it.
		m.end[x].rst = true
	}
	if k.was.peerGone && r.class() == None && r.N > 0 && m.spec.Transport == TCP {
		if d.goneOK.IsZero() {
			d.goneOK = r.End
		}
		// The closed (or shut down) peer answers with a reset.
		m.end[x].rst, m.end[x].resetSent = true, true
		if !m.fullyClosed(x.Other()) {
			m.end[x.Other()].rst = true
		}
	}
	return v
}

// checkWrite checks a Write's result: its count, then its error.
func (m *Stream) checkWrite(k *call, r Result) *Violation {
	size := len(k.Data)
	cls := r.class()
	want := m.wantWrite(k)
	fail := func(rule Rule) *Violation { return violation(rule, gotString(r, false), want) }
	consumed := 0
	if k.offer != nil {
		consumed = k.offer.size - k.offer.left
		if k.offer.cut {
			consumed = k.offer.cutAt
		}
	}
	switch {
	case r.N < 0 || r.N > size || (r.N < size && cls == None):
		return fail(RuleWriteShort)
	case r.N < consumed, k.offer != nil && k.offer.cut && r.N > k.offer.cutAt:
		return fail(RuleWriteAccepted)
	}
	if v := m.checkWriteClass(k, r, fail); v != nil {
		return v
	}
	if r.N == size && size > 0 && cls != None {
		return fail(RuleWriteNilErr)
	}
	return nil
}

// checkWriteClass checks a Write's error against what can explain it.
func (m *Stream) checkWriteClass(k *call, r Result, fail func(Rule) *Violation) *Violation {
	x := k.End
	e := m.end[x].by(r.End)
	cls := r.class()
	switch {
	case e.closed && (k.was.closed || cls == None || cls == m.closedClass(x) || m.half(x)):
		if cls == None && k.was.closed {
			return fail(RuleWriteAfterClose)
		}
		if cls != None && !m.half(x) && cls != m.closedClass(x) {
			return fail(RuleWriteAfterCloseClass)
		}
		return nil
	case e.closed && !m.explained(k, r):
		// A write in flight at its own Close: the closed class, or what
		// released it just before.
		return fail(RuleWriteAfterCloseClass)
	case e.closed:
		return nil
	case e.closedWrite:
		// std checks the deadline before the socket: a past deadline wins;
		// a reset that arrived is reported before the shutdown.
		dl := cls == Deadline && e.wdl.Passed(r.End)
		rst := cls == Reset && e.rst
		switch {
		case cls == None && k.was.closedWrite:
			return fail(RuleWriteAfterCloseWrite)
		case cls != None && m.kernel() && cls != BrokenPipe && !dl && !rst:
			return fail(RuleWriteAfterCloseWriteClass)
		}
		return nil
	case k.was.deadline:
		if cls != Deadline && !(k.was.peerGone && cls != None) {
			return fail(RuleDeadlineExceeded)
		}
		return nil
	}
	switch cls {
	case None:
		// A Read in flight on the other end may have taken the bytes; the
		// model learns how many when it returns.
		if m.spec.Transport == Pipe && k.offer != nil && (k.offer.left > 0 || k.offer.empty) && !m.pendingOn(x.Other(), OpRead, OpCopyOut) {
			return fail(RulePipeSync)
		}
	case Deadline:
		switch {
		case !e.wdl.Set():
			return fail(RuleNoCause)
		case r.End.Before(e.wdl.At):
			return fail(RuleDeadlineEarly)
		}
		return nil
	case TimeoutOther:
		if e.wdl.Passed(r.End) {
			return fail(RuleDeadlineExceeded)
		}
		return fail(RuleNoCause)
	default:
		if !m.peerGone(x) && !e.rst {
			return fail(RuleNoCause)
		}
	}
	if m.peerGone(x) && !m.peerClassOK(k, r) {
		return fail(RuleWritePeerClosed)
	}
	return nil
}

// explained reports whether a Write's error has a cause other than its
// own Close: a shutdown, the peer, a reset or a deadline.
func (m *Stream) explained(k *call, r Result) bool {
	e := &m.end[k.End]
	switch r.class() {
	case BrokenPipe, Reset, ClosedPipe:
		return e.closedWrite || m.peerGone(k.End) || e.rst
	case Deadline:
		return e.wdl.Passed(r.End)
	}
	return false
}

// peerClassOK: the conventions for a Write to a peer that went away.
func (m *Stream) peerClassOK(k *call, r Result) bool {
	cls := r.class()
	if cls == None && !k.was.peerGone {
		return true // it completed before the peer went away
	}
	switch m.spec.Transport {
	case Unix:
		return cls == BrokenPipe || cls == Reset
	case Pipe:
		return cls == ClosedPipe
	case TCP:
		if cls == BrokenPipe || cls == Reset {
			return true
		}
		// The first Write after the peer closed may succeed; once its RST
		// had time to arrive, Writes fail.
		gone := m.dir[k.End].goneOK
		return cls == None && (!k.was.peerGone || gone.IsZero() || r.Start.Sub(gone) < m.spec.ResetSettle)
	}
	return true
}

// wantWrite says what a Write should return.
func (m *Stream) wantWrite(k *call) Expect {
	x := k.End
	e := &m.end[x]
	switch {
	case e.closed && m.half(x):
		w := expectErr()
		w.Note = "an error"
		return w
	case e.closed:
		return expectErr(m.closedClass(x))
	case e.closedWrite && m.kernel():
		return expectErr(BrokenPipe)
	case e.closedWrite:
		w := expectErr()
		w.Note = "an error"
		return w
	case k.was.deadline:
		return expectErr(Deadline)
	case m.peerGone(x):
		switch m.spec.Transport {
		case Unix:
			return expectErr(BrokenPipe, Reset)
		case Pipe:
			return expectErr(ClosedPipe)
		case TCP:
			w := expectErr(BrokenPipe, Reset)
			w.Note = " (the peer closed; the first Write may succeed)"
			return w
		}
		w := expectN(len(k.Data))
		w.Note = " or an error (the peer closed)"
		return w
	}
	return expectN(len(k.Data))
}
