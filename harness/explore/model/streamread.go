package model

import (
	"bytes"
	"time"
)

// readStatus: a Read (or io.Copy out of the conn) is released by its own
// Close, CloseRead, an expired deadline, a reset, queued data (a Read; a
// copy drains data and goes on), or the writer's FIN once everything
// before it is read.
func (m *Stream) readStatus(k *call, now time.Time) Status {
	x := k.End
	e := &m.end[x]
	d := &m.dir[x.Other()]
	switch {
	case m.fullyClosed(x):
		if k.was.closed {
			return Status{Block: Released, Because: RuleReadAfterClose}
		}
		return Status{Block: Released, Because: RuleCloseUnblocks}
	case e.closedRead:
		return Status{Block: Released, Because: RuleCloseReadReads}
	case e.rdl.Passed(now):
		if k.was.deadline {
			return Status{Block: Released, At: e.rdl.Due(), Because: RuleDeadlineExceeded}
		}
		return Status{Block: Released, At: e.rdl.Due(), Because: RuleDeadlineUnblocks}
	case e.resetSent:
		return Status{Block: Released, Because: RuleResetReads}
	case m.zeroRead(k):
		return Status{Block: Released, Because: RuleReadZeroLen}
	case k.Op == OpRead && (len(d.queue) > 0 || (d.offer != nil && d.offer.empty)):
		return Status{Block: Released, Because: RuleReadDelivers}
	case d.fin && (k.Op == OpCopyOut || len(d.queue) == 0):
		return Status{Block: Released, Because: RuleEOFAtFIN}
	case e.rdl.Set():
		return Status{Block: Released, At: e.rdl.At, Because: RuleDeadlineUnblocks}
	}
	return Status{Block: Blocked}
}

// zeroRead reports a Read with an empty buffer on a kernel socket, which
// returns at once (the only zero-length Reads the explorer makes).
func (m *Stream) zeroRead(k *call) bool { return k.Op == OpRead && k.N == 0 && m.kernel() }

// finishRead checks a Read's (or a copy's) result and consumes what it read.
// An io.EOF that is wrapped is judged as io.EOF, then as not bare.
func (m *Stream) finishRead(k *call, r Result) *Violation {
	wrapped := r.Class == EOFWrapped
	if wrapped {
		r.Class = EOF
	}
	v := m.checkRead(k, r)
	if v != nil && v.Rule.Level == Contract {
		return v // the state no longer means anything
	}
	if v == nil && wrapped {
		r.Class = EOFWrapped
		v = violation(RuleEOFBare, gotString(r, true), expectErr(EOF))
		r.Class = EOF
	}
	d := &m.dir[k.End.Other()]
	cls := r.class()
	if cls == None && r.N == 0 && d.offer != nil && d.offer.empty {
		d.offer.empty = false // a zero-length Write, delivered as 0, nil
	}
	m.consume(d, r.N, cls)
	if k.Op == OpCopyOut && cls == None {
		d.eof = true
	}
	if o := d.offer; d.eof && d.fin && o != nil && o.finPending && len(d.queue) > 0 && len(d.queue) <= o.left {
		// EOF came before the rest of a write in flight: that rest was
		// never sent, and the write must report what was read.
		o.cut, o.cutAt = true, o.size-o.left
		o.left -= len(d.queue)
		d.queue = d.queue[:0]
	}
	return v
}

// checkRead checks a Read's (or a copy's) result: its bytes first, then
// its error against what can explain it, then the conventions.
func (m *Stream) checkRead(k *call, r Result) *Violation {
	x := k.End
	e := m.end[x].by(r.End)
	d := &m.dir[x.Other()]
	cls := r.class()
	want := m.wantRead(k, r.End)
	fail := func(rule Rule) *Violation { return violation(rule, gotString(r, true), want) }

	if e.closed && !m.half(x) && r.N > 0 && (k.Op == OpRead || k.was.closed) {
		// Bytes after the conn's own Close break closed.read-fails (or
		// closed.unblocks) whatever they are: the model keeps no queue
		// for a closed end to compare them with.
		if k.was.closed {
			return fail(RuleReadAfterClose)
		}
		return fail(RuleCloseUnblocks)
	}
	if r.N < 0 || (k.Op == OpRead && r.N > k.N) || r.N > len(d.queue) || r.N > len(r.Data) ||
		!bytes.Equal(r.Data[:r.N], d.queue[:r.N]) {
		return fail(RuleReadPrefix)
	}
	if e.closed && !m.half(x) {
		switch {
		case cls == None && k.Op == OpCopyOut:
			// io.Copy's nil means its Read returned io.EOF: an error, as
			// the contract asks, but not the closed class.
			return fail(RuleReadAfterCloseClass)
		case cls == None && k.was.closed && k.Op == OpRead && k.N == 0 && r.N == 0:
			// An empty buffer is a convention of its own (poll.FD.Read
			// checks for a closed fd first); io.Reader allows 0, nil.
			return fail(RuleReadZeroAfterClose)
		case cls == None && k.was.closed:
			return fail(RuleReadAfterClose)
		case cls == None:
			return fail(RuleCloseUnblocks)
		case cls != m.closedClass(x):
			return fail(RuleReadAfterCloseClass)
		}
		return nil
	}
	if m.zeroRead(k) {
		if cls != None || r.N != 0 {
			return fail(RuleReadZeroLen)
		}
		return nil
	}
	rest := len(d.queue) - r.N
	cut := d.offer != nil && d.offer.finPending && rest <= d.offer.left
	eofOK := (d.fin && (rest == 0 || cut)) || e.rst || e.closedRead
	// A Read that began after its deadline passed fails with it — unless
	// the stream had already ended (net.Pipe reports EOF first) or was reset.
	endOK := (cls == EOF || cls == None && k.Op == OpCopyOut && r.N == 0) && eofOK // io.Copy reports io.EOF as nil
	if k.was.deadline && cls != Deadline && !endOK && !(e.rst && cls != None) {
		return fail(RuleDeadlineExceeded)
	}
	switch cls {
	case None:
		switch {
		case k.Op == OpCopyOut && !eofOK:
			return fail(RuleEOFAfterFIN) // io.Copy's nil means it read EOF
		case k.Op == OpCopyOut || r.N > 0:
		case d.offer != nil && d.offer.empty:
		case len(d.queue) > 0:
			return fail(RuleReadZeroWithData)
		case d.eof:
			return fail(RuleEOFSticky)
		default:
			return fail(RuleReadZeroNil)
		}
	case EOF:
		if !eofOK {
			return fail(RuleEOFAfterFIN)
		}
	case Deadline:
		switch {
		case !e.rdl.Set():
			return fail(RuleNoCause)
		case r.End.Before(e.rdl.At):
			return fail(RuleDeadlineEarly)
		case k.Op == OpRead && k.was.queued > 0 && r.Start.Add(m.spec.Tolerance).Before(e.rdl.At):
			// It blocked with data queued. (Closer to the deadline, the
			// call may have reached the implementation after it.)
			return fail(RuleReadDelivers)
		}
	case TimeoutOther:
		if e.rdl.Passed(r.End) {
			return fail(RuleDeadlineExceeded)
		}
		return fail(RuleNoCause)
	default:
		if !e.rst && !e.closedRead {
			return fail(RuleNoCause)
		}
	}
	// Conventions.
	switch {
	case cls == EOF && r.N > 0 && k.Op == OpRead:
		return fail(RuleEOFWithData)
	case e.closedRead && m.kernel() && !e.rst && cls != Deadline && cls != EOF && !(cls == None && r.N > 0) && !(k.Op == OpCopyOut && cls == None):
		return fail(RuleCloseReadReads)
	case e.rst && m.kernel() && cls != None && cls != EOF && cls != Reset && cls != Deadline:
		return fail(RuleResetReads)
	case d.eof && !e.closedRead && !e.rst && cls != EOF && cls != Deadline && k.Op == OpRead:
		return fail(RuleEOFSticky)
	}
	return nil
}

// consume removes n read bytes from d.
func (m *Stream) consume(d *direction, n int, cls string) {
	d.queue = d.queue[n:]
	if d.offer != nil && d.offer.left > len(d.queue) {
		d.offer.left = len(d.queue)
	}
	if cls == EOF {
		d.eof = true
	}
}

// wantRead says what a Read (or copy) should return at t.
func (m *Stream) wantRead(k *call, t time.Time) Expect {
	x := k.End
	e := &m.end[x]
	d := &m.dir[x.Other()]
	switch {
	case m.fullyClosed(x):
		return expectErr(m.closedClass(x))
	case m.zeroRead(k):
		return expectN(0)
	case k.was.deadline:
		return expectErr(Deadline)
	case e.resetSent:
		w := expectErr(Reset, EOF)
		w.Note = " (or the queued data)"
		return w
	case k.Op == OpRead && len(d.queue) > 0:
		return expectData(d.queue[:min(k.N, len(d.queue))])
	case k.Op == OpRead && d.offer != nil && d.offer.empty:
		return expectN(0)
	case e.closedRead:
		return expectErr(EOF)
	case d.fin && k.Op == OpCopyOut:
		return expectData(d.queue)
	case d.fin:
		return expectErr(EOF)
	case e.rdl.Passed(t):
		return expectErr(Deadline)
	case e.rdl.Set():
		w := expectErr(Deadline)
		w.AtDeadline = true
		return w
	}
	return expectBlock
}
