package model

import (
	"strings"
	"testing"
	"time"
)

// t0 is the model tests' clock origin; steps are 10 ms apart unless told.
var t0 = time.Unix(1000, 0)

// A tstep is one call of a table scenario: what is called, what it
// returned, and what the model must say.
type tstep struct {
	call  Call
	pcall PacketCall
	res   Result
	at    time.Duration // start, from t0; 0: 10 ms after the previous step
	dur   time.Duration // default 1 ms
	bg    bool          // begin only: a background call, finished by a later await
	await int           // finish the background call begun at this step (1-based)
	hung  bool
	block *Block // the status the model must report (after Begin, or at the await)
	rule  string // the violation the model must report; "" for none
}

func (s tstep) want(rule string) tstep      { s.rule = rule; return s }
func (s tstep) status(b Block) tstep        { s.block = &b; return s }
func (s tstep) after(d time.Duration) tstep { s.at = d; return s }
func (s tstep) took(d time.Duration) tstep  { s.dur = d; return s }
func (s tstep) hangs() tstep                { s.hung = true; return s }
func (s tstep) bgr() tstep                  { s.bg = true; return s }

// got sets the result: data (for reads), then an optional class.
func (s tstep) got(data string, class ...string) tstep {
	s.res.Data, s.res.N = []byte(data), len(data)
	if len(class) > 0 {
		s.res.Class = class[0]
	}
	return s
}

// gotN sets a write's result.
func (s tstep) gotN(n int, class ...string) tstep {
	s.res.N = n
	if len(class) > 0 {
		s.res.Class = class[0]
	}
	return s
}

func rd(x End, n int) tstep { return tstep{call: Call{Op: OpRead, End: x, N: n}} }
func wr(x End, data string) tstep {
	return tstep{call: Call{Op: OpWrite, End: x, Data: []byte(data)}, res: Result{N: len(data)}}
}
func copyOut(x End) tstep    { return tstep{call: Call{Op: OpCopyOut, End: x}} }
func closeEnd(x End) tstep   { return tstep{call: Call{Op: OpClose, End: x}} }
func closeWrite(x End) tstep { return tstep{call: Call{Op: OpCloseWrite, End: x}} }
func closeRead(x End) tstep  { return tstep{call: Call{Op: OpCloseRead, End: x}} }
func await(i int) tstep      { return tstep{await: i} }

var past = time.Unix(1, 0)

func setDL(x End, w Which, at time.Time) tstep {
	return tstep{call: Call{Op: OpSetDeadline, End: x, Which: w, Deadline: Expiry{At: at}}}
}

var (
	tcp  = StreamSpec{Transport: TCP, Ends: [2]EndSpec{{Buffered: true}, {Buffered: true}}}
	unix = StreamSpec{Transport: Unix, Ends: [2]EndSpec{{Buffered: true}, {Buffered: true}}}
	pipe = StreamSpec{Transport: Pipe, Ends: [2]EndSpec{{ClosedClass: ClosedPipe}, {ClosedClass: ClosedPipe}}}
	half = StreamSpec{Transport: Plain, Ends: [2]EndSpec{{Buffered: true, CloseHalf: true}, {Buffered: true, CloseHalf: true}}}
)

type streamCase struct {
	name  string
	spec  StreamSpec
	steps []tstep
}

// The scenarios pin the model's answer for every rule: each ends with the
// violation its rule must report, and most also show the neighbouring
// outcome the model must accept.
var streamCases = []streamCase{
	{"prefix: wrong bytes", tcp, []tstep{wr(A, "abc"), rd(B, 8).got("abd").want("read.prefix")}},
	{"prefix: more than the buffer", tcp, []tstep{wr(A, "abc"), rd(B, 2).got("abc").want("read.prefix")}},
	{"prefix: not from the front", tcp, []tstep{wr(A, "abc"), rd(B, 8).got("bc").want("read.prefix")}},
	{"prefix: a partial read leaves the rest", tcp, []tstep{
		wr(A, "abcdef"), rd(B, 8).got("abc"), rd(B, 8).got("def"), rd(B, 8).got("abc").status(Blocked).want("read.prefix")}},
	{"prefix: two writes read as one", tcp, []tstep{wr(A, "ab"), wr(A, "cd"), rd(B, 8).got("abcd")}},
	{"prefix: directions are separate", tcp, []tstep{wr(A, "ab"), wr(B, "XY"), rd(A, 8).got("XY"), rd(B, 8).got("ab")}},
	{"zero with data", tcp, []tstep{wr(A, "a"), rd(B, 8).got("").want("read.zero-with-data")}},
	{"delivers: hang with data queued", tcp, []tstep{wr(A, "a"), rd(B, 8).status(Released).hangs().want("read.delivers")}},
	{"delivers: deadline error while data was queued", tcp, []tstep{
		wr(A, "abc"), setDL(B, ReadDeadline, t0.Add(500*time.Millisecond)),
		rd(B, 8).after(30*time.Millisecond).took(480*time.Millisecond).got("", Deadline).want("read.delivers")}},
	{"delivers: too close to the deadline to tell", tcp, []tstep{
		wr(A, "abc"), setDL(B, ReadDeadline, t0.Add(50*time.Millisecond)),
		rd(B, 8).after(30*time.Millisecond).took(40*time.Millisecond).got("", Deadline)}},
	{"eof: before any fin", tcp, []tstep{rd(B, 8).got("", EOF).want("read.eof-after-fin")}},
	{"eof: before the data", tcp, []tstep{wr(A, "abc"), closeWrite(A), rd(B, 2).got("ab"), rd(B, 8).got("", EOF).want("read.eof-after-fin")}},
	{"eof: after the data", tcp, []tstep{wr(A, "abc"), closeWrite(A), rd(B, 2).got("ab"), rd(B, 8).got("c"), rd(B, 8).got("", EOF), rd(B, 8).got("", EOF)}},
	{"eof: after the writer's Close", tcp, []tstep{wr(A, "abc"), closeEnd(A), rd(B, 8).got("abc"), rd(B, 8).got("", EOF)}},
	{"eof at fin: hang", tcp, []tstep{closeWrite(A), rd(B, 8).status(Released).hangs().want("read.eof-at-fin")}},
	{"eof sticky", tcp, []tstep{closeWrite(A), rd(B, 8).got("", EOF), rd(B, 8).got("").want("read.eof-sticky")}},
	{"eof sticky: a past deadline may win", tcp, []tstep{closeWrite(A), rd(B, 8).got("", EOF), setDL(B, ReadDeadline, past), rd(B, 8).got("", Deadline)}},
	{"eof with data", tcp, []tstep{wr(A, "abc"), closeWrite(A), rd(B, 8).got("abc", EOF).want("read.eof-with-data")}},
	{"eof with data: allowed by the contract", StreamSpec{Transport: Plain, Ends: tcp.Ends, ContractOnly: true}, []tstep{
		wr(A, "abc"), closeWrite(A), rd(B, 8).got("abc", EOF), rd(B, 8).got("", EOF)}},
	{"zero nil: nothing queued", tcp, []tstep{rd(B, 8).status(Blocked).got("").want("read.zero-nil")}},
	{"read after close: bytes written after the close are no read.prefix violation", tcp, []tstep{closeEnd(B), wr(A, "abc").gotN(3), rd(B, 8).status(Released).got("abc").want("closed.read-fails")}},
	{"read after close: nil", tcp, []tstep{closeEnd(B), rd(B, 8).status(Released).got("").want("closed.read-fails")}},
	{"copy after close: bytes written after the close", tcp, []tstep{closeEnd(B), wr(A, "A").gotN(1), copyOut(B).got("A").want("closed.read-fails")}},
	{"read after close: queued data", tcp, []tstep{wr(A, "x"), closeEnd(B), rd(B, 8).got("x").want("closed.read-fails")}},
	{"read after close: zero-length nil", tcp, []tstep{closeEnd(B), rd(B, 0).status(Released).got("").want("closed.read-zero-fails")}},
	{"read after close: zero-length closed", tcp, []tstep{closeEnd(B), rd(B, 0).got("", Closed)}},
	{"read after close: eof", tcp, []tstep{closeEnd(B), rd(B, 8).got("", EOF).want("closed.read-class")}},
	{"read after close: closed", tcp, []tstep{closeEnd(B), rd(B, 8).got("", Closed)}},
	{"read after close: pipe wants closed-pipe", pipe, []tstep{closeEnd(B), rd(B, 8).got("", ClosedPipe), rd(B, 8).got("", Closed).want("closed.read-class")}},
	{"write after close: nil", tcp, []tstep{closeEnd(A), wr(A, "x").gotN(1).want("closed.write-fails")}},
	{"write in flight at close: released just before by a shutdown", unix, []tstep{
		wr(A, strings.Repeat("x", 1<<20)).bgr(), closeWrite(A), closeEnd(A), await(1).gotN(200<<10, BrokenPipe)}},
	{"write in flight at close: no cause but the close", tcp, []tstep{
		wr(A, strings.Repeat("x", 1<<20)).bgr(), closeEnd(A), await(1).gotN(200<<10, BrokenPipe).want("closed.write-class")}},
	{"write after close: class", tcp, []tstep{closeEnd(A), wr(A, "x").gotN(0, BrokenPipe).want("closed.write-class")}},
	{"close unblocks: io.Copy's nil is a Read's io.EOF, an error of the wrong class", tcp, []tstep{copyOut(B).bgr().status(Blocked), closeEnd(B), await(1).status(Released).got("").want("closed.read-class")}},
	{"read after close: io.Copy's nil is a Read's io.EOF, an error of the wrong class", tcp, []tstep{closeEnd(B), copyOut(B).status(Released).got("").want("closed.read-class")}},
	{"close unblocks: hang", tcp, []tstep{rd(B, 8).bgr().status(Blocked), closeEnd(B), await(1).status(Released).hangs().want("closed.unblocks")}},
	{"close unblocks: 0, nil", tcp, []tstep{rd(B, 8).bgr(), closeEnd(B), await(1).got("").want("closed.unblocks")}},
	{"close unblocks: closed", tcp, []tstep{rd(B, 8).bgr(), closeEnd(B), await(1).got("", Closed)}},
	{"close returns nil", tcp, []tstep{closeEnd(A).gotN(0, Other).want("closed.close-nil")}},
	{"close twice: closed", tcp, []tstep{closeEnd(A), closeEnd(A).gotN(0, Closed)}},
	{"close twice: nil", tcp, []tstep{closeEnd(A), closeEnd(A).want("closed.close-twice")}},
	{"close twice: net.Pipe's returns nil", pipe, []tstep{closeEnd(A), closeEnd(A)}},
	{"eof bare: a wrapped io.EOF at the end", tcp, []tstep{wr(A, "ab"), closeWrite(A), rd(B, 8).got("ab"), rd(B, 8).got("", EOFWrapped).want("read.eof-bare")}},
	{"eof bare: a wrapped io.EOF before the end is judged as io.EOF", tcp, []tstep{rd(B, 8).got("", EOFWrapped).want("read.eof-after-fin")}},
	{"zero-length read: at once, whatever is queued or due", tcp, []tstep{
		rd(B, 0).status(Released).got(""), wr(A, "abc"), rd(B, 0).got(""), setDL(B, ReadDeadline, past), rd(B, 0).got(""),
		setDL(B, ReadDeadline, time.Time{}), rd(B, 8).got("abc"), closeWrite(A), rd(B, 0).got(""), closeEnd(B), rd(B, 0).got("", Closed)}},
	{"zero-length read: a deadline error", tcp, []tstep{setDL(B, ReadDeadline, past), rd(B, 0).got("", Deadline).want("read.zero-length")}},
	{"zero-length read: hang", unix, []tstep{rd(B, 0).hangs().want("read.zero-length")}},
	{"closewrite after close", tcp, []tstep{closeEnd(A), closeWrite(A).want("closed.ctl-class")}},
	{"setdeadline after close", tcp, []tstep{closeEnd(A), setDL(A, BothDeadlines, time.Time{}).want("closed.ctl-class")}},
	{"write after closewrite: nil", tcp, []tstep{closeWrite(A), wr(A, "x").gotN(1).want("halfclose.write-fails")}},
	{"write after closewrite: class", tcp, []tstep{closeWrite(A), wr(A, "x").gotN(0, Other).want("halfclose.write-epipe")}},
	{"write after closewrite: a past deadline wins", tcp, []tstep{closeWrite(A), setDL(A, WriteDeadline, past), wr(A, "a").gotN(0, Deadline)}},
	{"write after closewrite: a reset wins", tcp, []tstep{wr(B, "A"), closeEnd(A), closeWrite(B).gotN(0, NotConnected), wr(B, "B").gotN(0, Reset)}},
	{"write after closewrite: epipe", tcp, []tstep{closeWrite(A), wr(A, "x").gotN(0, BrokenPipe), closeWrite(A)}},
	{"closewrite returns nil", tcp, []tstep{closeWrite(A).gotN(0, NotConnected).want("halfclose.returns-nil")}},
	{"closewrite after peer close may fail", tcp, []tstep{closeEnd(B), closeWrite(A).gotN(0, NotConnected)}},
	{"closeread: eof while bytes may be in flight", tcp, []tstep{wr(A, "abc"), closeRead(B), rd(B, 8).got("", EOF)}},
	{"closeread: no other error", tcp, []tstep{wr(A, "abc"), closeRead(B), rd(B, 8).got("", NotConnected).want("halfclose.closeread-reads")}},
	{"closeread: must not block", tcp, []tstep{closeRead(B), rd(B, 8).status(Released).hangs().want("halfclose.closeread-reads")}},
	{"closeread: data, eof, later data", tcp, []tstep{
		wr(A, "abc"), closeRead(B), rd(B, 8).got("abc"), rd(B, 8).got("", EOF), wr(A, "def"), rd(B, 8).got("def")}},
	{"closeread: unix leaves a blocked write blocked", unix, []tstep{wr(A, strings.Repeat("x", 100<<10)).bgr(), closeRead(B), await(1).bgr().status(Maybe)}},
	{"closeread: tcp resets data after both shutdowns", tcp, []tstep{closeRead(B), closeWrite(B), wr(A, "x").gotN(1), wr(A, strings.Repeat("x", 100<<10)).gotN(50<<10, BrokenPipe)}},
	{"closeread: tcp data after both shutdowns resets both ends", tcp, []tstep{wr(A, "abc"), wr(A, strings.Repeat("x", 1<<20)).bgr(), closeRead(B), closeWrite(B), await(2).status(Maybe).bgr(), wr(B, "D").gotN(0, Reset)}},
	{"closewrite: tcp releases a blocked write", tcp, []tstep{wr(A, strings.Repeat("x", 1<<20)).bgr(), closeWrite(A), await(1).status(Released).gotN(300<<10, BrokenPipe)}},
	{"closewrite: unix leaves a blocked write blocked", unix, []tstep{wr(A, strings.Repeat("x", 1<<20)).bgr(), closeWrite(A), await(1).bgr().status(Maybe)}},
	{"closewrite: eof before the rest of a write in flight", unix, []tstep{
		wr(B, strings.Repeat("x", 64<<10)), wr(B, "A").bgr().status(Maybe), closeWrite(B), copyOut(A).got(strings.Repeat("x", 64<<10)), await(2).status(Released).gotN(0, BrokenPipe)}},
	{"closewrite: the cut write must not report more", unix, []tstep{
		wr(B, strings.Repeat("x", 64<<10)), wr(B, "A").bgr(), closeWrite(B), copyOut(A).got(strings.Repeat("x", 64<<10)), await(2).gotN(1).want("write.accepted")}},
	{"closeread: tcp data to both-shut peer fails later writes with reset", tcp, []tstep{
		closeRead(A), closeWrite(A), wr(B, strings.Repeat("x", 1<<20)).gotN(512<<10, BrokenPipe), wr(A, "b").gotN(0, Reset)}},
	{"closeread: unix peer writes fail", unix, []tstep{closeRead(B), wr(A, "x").gotN(1).want("write.peer-closed")}},
	{"deadline: timeout without os.ErrDeadlineExceeded", tcp, []tstep{setDL(B, ReadDeadline, past), rd(B, 8).got("", TimeoutOther).want("deadline.exceeded")}},
	{"deadline: past deadline with data queued", tcp, []tstep{wr(A, "abc"), setDL(B, ReadDeadline, past), rd(B, 8).got("abc").want("deadline.exceeded")}},
	{"deadline: past deadline, data queued, deadline error", tcp, []tstep{wr(A, "abc"), setDL(B, ReadDeadline, past), rd(B, 8).got("", Deadline), setDL(B, ReadDeadline, time.Time{}), rd(B, 8).got("abc")}},
	{"deadline: write with a past deadline", tcp, []tstep{setDL(A, WriteDeadline, past), wr(A, "x").gotN(1).want("deadline.exceeded")}},
	{"deadline: early", tcp, []tstep{setDL(B, ReadDeadline, t0.Add(100*time.Millisecond)).after(0),
		rd(B, 8).status(Released).after(10*time.Millisecond).took(40*time.Millisecond).got("", Deadline).want("deadline.not-early")}},
	{"deadline: on time", tcp, []tstep{setDL(B, ReadDeadline, t0.Add(100*time.Millisecond)).after(0),
		rd(B, 8).after(10*time.Millisecond).took(95*time.Millisecond).got("", Deadline)}},
	{"deadline: just passed, the timer may not have fired", tcp, []tstep{wr(A, "abc").after(0), setDL(B, ReadDeadline, t0.Add(50*time.Millisecond)), rd(B, 8).after(60 * time.Millisecond).got("abc")}},
	{"deadline: long passed", tcp, []tstep{wr(A, "abc").after(0), setDL(B, ReadDeadline, t0.Add(50*time.Millisecond)), rd(B, 8).after(400 * time.Millisecond).got("abc").want("deadline.exceeded")}},
	{"deadline: no deadline set", tcp, []tstep{rd(B, 8).got("", Deadline).want("stream.no-cause")}},
	{"deadline unblocks: hang", tcp, []tstep{rd(B, 8).bgr().status(Blocked), setDL(B, ReadDeadline, past), await(1).status(Released).hangs().want("deadline.unblocks")}},
	{"deadline unblocks: a cleared deadline does not", tcp, []tstep{rd(B, 8).bgr(), setDL(B, ReadDeadline, time.Time{}), await(1).status(Blocked).got("", Deadline).want("stream.no-cause")}},
	{"setdeadline returns nil", tcp, []tstep{setDL(A, BothDeadlines, past).gotN(0, Other).want("deadline.set-nil")}},
	{"setdeadline that failed sets nothing", tcp, []tstep{setDL(B, ReadDeadline, past).gotN(0, Other).want("deadline.set-nil"),
		rd(B, 8).bgr().status(Blocked), wr(A, "abc"), await(2).status(Released).got("abc")}},
	{"write short without error", tcp, []tstep{wr(A, "abc").gotN(2).want("write.short")}},
	{"write longer than its buffer", tcp, []tstep{wr(A, "abc").gotN(4).want("write.short")}},
	{"write accepted: the peer read more than it reported", pipe, []tstep{
		wr(A, "abcdef").bgr().status(Blocked), rd(B, 3).got("abc"), closeEnd(A), await(1).gotN(2, ClosedPipe).want("write.accepted")}},
	{"write accepted: what the pipe reports", pipe, []tstep{
		wr(A, "abcdef").bgr(), rd(B, 3).got("abc"), closeEnd(A), await(1).gotN(3, ClosedPipe), rd(B, 8).got("", EOF)}},
	{"write nil error", tcp, []tstep{closeEnd(B), wr(A, "abc").gotN(3, BrokenPipe).want("write.nil-error")}},
	{"write completes: hang", tcp, []tstep{wr(A, "abc").status(Released).hangs().want("write.completes")}},
	{"write: a large write may block", tcp, []tstep{wr(A, strings.Repeat("x", 100<<10)).bgr().status(Maybe)}},
	{"write: a large write completes once read", tcp, []tstep{
		wr(A, strings.Repeat("x", 100<<10)).bgr(), rd(B, 40<<10).got(strings.Repeat("x", 40<<10)), await(1).status(Released).gotN(100 << 10)}},
	{"peer closed: unix fails at once", unix, []tstep{closeEnd(B), wr(A, "x").gotN(1).want("write.peer-closed")}},
	{"peer closed: tcp's first write may succeed", tcp, []tstep{closeEnd(B), wr(A, "x").gotN(1), wr(A, "y").gotN(0, BrokenPipe)}},
	{"peer closed: a zero-length write sends nothing, so no reset", tcp, []tstep{closeEnd(B), wr(A, "").gotN(0), wr(A, "y").after(200 * time.Millisecond).gotN(1)}},
	{"peer closed: tcp fails once the reset arrived", tcp, []tstep{closeEnd(B), wr(A, "x").gotN(1), wr(A, "y").after(200 * time.Millisecond).gotN(1).want("write.peer-closed")}},
	{"peer closed: a write in flight may have completed", unix, []tstep{wr(A, strings.Repeat("x", 64<<10)), wr(A, "a").bgr().status(Maybe), closeEnd(B), await(2).status(Released).gotN(1)}},
	{"peer closed: pipe", pipe, []tstep{closeEnd(B), wr(A, "x").gotN(0, BrokenPipe).want("write.peer-closed")}},
	{"no cause: read reset", tcp, []tstep{rd(B, 8).got("", Reset).want("stream.no-cause")}},
	{"no cause: write broken pipe", tcp, []tstep{wr(A, "x").gotN(0, BrokenPipe).want("stream.no-cause")}},
	{"reset: close with unread data", tcp, []tstep{wr(B, "abc"), closeEnd(A), rd(B, 8).got("", Reset), rd(B, 8).got("", EOF), wr(B, "x").gotN(0, BrokenPipe)}},
	{"reset: a write that met the reset may end the stream early", tcp, []tstep{
		wr(B, strings.Repeat("x", 1<<20)), closeEnd(B), rd(A, 16).got(strings.Repeat("x", 16)),
		wr(A, strings.Repeat("y", 1<<20)).gotN(512<<10, Reset), copyOut(A).got(strings.Repeat("x", 1000))}},
	{"reset: reads report reset or eof", tcp, []tstep{wr(B, "abc"), closeEnd(A), rd(B, 8).got("", Other).want("reset.reads")}},
	{"pipe sync: write returned before the read", pipe, []tstep{wr(A, "abc").bgr().status(Blocked), await(1).gotN(3).want("pipe.sync")}},
	{"pipe: an empty write taken by a read in flight", pipe, []tstep{rd(B, 64).bgr(), wr(A, "").status(Maybe), await(1).status(Released).got("")}},
	{"unix: a write that failed before its Close", unix, []tstep{
		wr(A, strings.Repeat("x", 100<<10)).bgr(), closeRead(B), closeEnd(A).after(time.Second), await(1).after(time.Second+10*time.Millisecond).gotN(50<<10, BrokenPipe).took(-900 * time.Millisecond)}},
	{"pipe: a write taken by a read in flight", pipe, []tstep{rd(B, 64).bgr(), wr(A, "abc"), await(1).got("abc")}},
	{"pipe: a zero-length write is a message", pipe, []tstep{wr(A, "").bgr().status(Blocked), rd(B, 8).status(Released).got(""), await(1).status(Released).gotN(0)}},
	{"pipe: a read takes part of a write", pipe, []tstep{
		wr(A, "abcdef").bgr(), rd(B, 4).got("abcd"), await(1).status(Blocked).hangs(), rd(B, 4).got("ef")}},
	{"ctl returns: hang", tcp, []tstep{closeWrite(A).hangs().want("conn.ctl-returns")}},
	{"copy out: returns everything at eof", tcp, []tstep{
		copyOut(B).bgr().status(Blocked), wr(A, "abc"), wr(A, "def"), closeWrite(A), await(1).status(Released).got("abcdef")}},
	{"copy out: nil means eof", tcp, []tstep{
		copyOut(B).bgr(), wr(A, "abc"), setDL(B, ReadDeadline, past), await(1).got("ab").want("read.eof-after-fin")}},
	{"copy out: a closed end reports what it copied", tcp, []tstep{
		copyOut(B).bgr(), wr(A, "abc"), closeEnd(B), await(1).got("abc", Closed)}},
	{"pipe: eof may win over a past deadline", pipe, []tstep{closeEnd(B), setDL(A, ReadDeadline, past).gotN(0, ClosedPipe), rd(A, 8).got("", EOF), rd(A, 8).got("", Deadline)}},
	{"half close mode: reads go on after Close", half, []tstep{
		closeEnd(A), rd(A, 8).bgr().status(Blocked), wr(B, "x"), await(2).status(Released).got("x"), rd(B, 8).got("", EOF)}},
	{"half close mode: writes after Close fail with any error", half, []tstep{closeEnd(A), wr(A, "x").gotN(0, Other)}},
}

func TestStream(t *testing.T) {
	for _, c := range streamCases {
		t.Run(c.name, func(t *testing.T) { runStream(t, c.spec, c.steps) })
	}
}

func runStream(t *testing.T, spec StreamSpec, steps []tstep) {
	t.Helper()
	m := NewStream(spec)
	ids := map[int]int{}
	now := t0
	for i, s := range steps {
		if s.at > 0 {
			now = t0.Add(s.at)
		} else {
			now = now.Add(10 * time.Millisecond)
		}
		dur := s.dur
		if dur == 0 {
			dur = time.Millisecond
		}
		id := 0
		var st Status
		if s.await > 0 {
			id = ids[s.await]
			st = m.Status(id, now)
		} else {
			var err error
			id, st, err = m.Begin(s.call, now)
			if err != nil {
				t.Fatalf("step %d: %v", i+1, err)
			}
			ids[i+1] = id
		}
		if s.block != nil && st.Block != *s.block {
			t.Fatalf("step %d: status %v, want %v", i+1, st.Block, *s.block)
		}
		if s.bg { // begin only, or (await) look only
			continue
		}
		r := s.res
		r.Start, r.End, r.Hung = now, now.Add(dur), s.hung
		now = r.End
		v := m.Finish(id, r)
		switch {
		case v == nil && s.rule != "":
			t.Fatalf("step %d: no violation, want %s", i+1, s.rule)
		case v != nil && v.Rule.ID != s.rule:
			t.Fatalf("step %d: violation %s (%v), want %q", i+1, v.Rule.ID, v, s.rule)
		}
	}
}
