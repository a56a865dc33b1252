package model

// finishClose: the first Close of an end returns nil (convention) and
// sends FIN after the queued data — or, on a kernel socket with unread
// data, resets the peer. A second Close fails with the closed class
// (convention; net.Pipe's returns nil).
func (m *Stream) finishClose(k *call, r Result) *Violation {
	x := k.End
	y := x.Other()
	e := &m.end[x]
	if k.was.closed {
		if m.spec.Transport != Pipe && r.class() != m.closedClass(x) {
			return violation(RuleCloseTwice, r.class(), expectErr(m.closedClass(x)))
		}
		return nil
	}
	e.closed, e.closedAt = true, r.Start
	m.dir[x].fin = true
	if m.half(x) {
		e.closedWrite, e.closedWriteAt = true, r.Start
		if o := m.dir[x].offer; o != nil {
			o.finPending = true
		}
	} else if len(m.dir[y].queue) > 0 && m.kernel() {
		m.end[y].rst, m.end[y].resetSent = true, true
	}
	if r.class() != None {
		return violation(RuleCloseNil, r.class(), expectN(-1))
	}
	return nil
}

// finishHalfClose: CloseWrite and CloseRead succeed on an established conn
// whose peer is open (contract); on a closed conn they fail with the closed
// class (convention).
func (m *Stream) finishHalfClose(k *call, r Result) *Violation {
	x := k.End
	y := x.Other()
	e := &m.end[x]
	cls := r.class()
	first := (k.Op == OpCloseWrite && !e.closedWrite) || (k.Op == OpCloseRead && !e.closedRead)
	open := !m.fullyClosed(y) && !e.rst && !(m.dir[x].fin && m.dir[y].fin)
	var v *Violation
	switch {
	case k.was.closed && !m.half(x):
		if cls != m.closedClass(x) {
			v = violation(RuleCtlAfterCloseClass, cls, expectErr(m.closedClass(x)))
		}
		return v
	case first && open && cls != None:
		v = violation(RuleHalfCloseNil, cls, expectN(-1))
	}
	if k.Op == OpCloseWrite && !e.closedWrite {
		e.closedWrite, e.closedWriteAt = true, r.Start
		m.dir[x].fin = true
		if o := m.dir[x].offer; o != nil {
			o.finPending = true
		}
	} else if k.Op == OpCloseRead && !e.closedRead {
		e.closedRead, e.closedReadAt = true, r.Start
	}
	return v
}

// finishSetDeadline: SetDeadline returns nil on an open conn and the
// closed class on a closed one (convention); the deadline applies to
// later calls and to calls blocked now. A SetDeadline that failed on an
// open conn set nothing (an implementation without deadlines says so with
// an error): the deadlines stay as they were.
func (m *Stream) finishSetDeadline(k *call, r Result) *Violation {
	x := k.End
	e := &m.end[x]
	cls := r.class()
	var v *Violation
	switch {
	case k.was.closed && !m.half(x):
		if cls != m.closedClass(x) {
			v = violation(RuleCtlAfterCloseClass, cls, expectErr(m.closedClass(x)))
		}
	case !k.was.closed && cls != None && !(m.spec.Transport == Pipe && m.fullyClosed(x.Other())):
		return violation(RuleSetDeadlineNil, cls, expectN(-1))
	}
	dl := k.Deadline
	dl.Since = r.Start
	if k.Which&ReadDeadline != 0 {
		e.rdl = dl
	}
	if k.Which&WriteDeadline != 0 {
		e.wdl = dl
	}
	return v
}
