package script

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/netconform/netconform/harness/internal/engine"
)

// copyStep is the io.Copy family: the paths a conn's ReadFrom and WriteTo
// methods take (splice and sendfile for *net.TCPConn).
type copyStep struct {
	acts
	op  copyOp
	ep  string
	n   int  // CopyFrom: bytes to send
	own bool // the endpoint must have ReadFrom or WriteTo of its own
}

type copyOp string

const (
	opCopyFrom copyOp = "CopyFrom"
	opCopyTo   copyOp = "CopyTo"
)

// CopyFrom sends n bytes of the pattern with io.Copy(ep, r) from a plain
// reader, which uses ep's ReadFrom when it has one (sendfile or splice
// for a *net.TCPConn); it expects n and no error.
func CopyFrom(ep string, n int) Step {
	return Step{f: copyStep{op: opCopyFrom, ep: ep, n: n}, want: expect{bytes: bytesWant{pattern: true}}}
}

// CopyTo reads ep to its end with io.Copy(w, ep) into a plain writer,
// which uses ep's WriteTo when it has one (splice for a *net.TCPConn); it
// expects io.Copy's nil error at io.EOF, and the pattern (WantPattern) or
// a count (WantN).
func CopyTo(ep string) Step { return Step{f: copyStep{op: opCopyTo, ep: ep}} }

// ViaMethod makes a copy step check the conn's own ReadFrom (CopyFrom) or
// WriteTo (CopyTo): a conn without one is unsupported for the case, since
// io.Copy then only calls its Write or Read, which other cases check.
func (s Step) ViaMethod() Step {
	if f, ok := s.f.(copyStep); ok {
		f.own = true
		s.f = f
	}
	return s
}

func (f copyStep) call(Step) string {
	if f.op == opCopyFrom {
		return fmt.Sprintf("io.Copy(%s, <%s>)", f.ep, sizeStr(f.n))
	}
	return fmt.Sprintf("io.Copy(w, %s)", f.ep)
}

func (f copyStep) after(s Step) string { return f.call(s) }

func (f copyStep) reads(Step) bool       { return f.op == opCopyTo }
func (f copyStep) accumulates(Step) bool { return true }
func (f copyStep) readLen(s Step) int    { return s.want.bytes.n }
func (f copyStep) payload(s Step) []byte {
	if f.op == opCopyFrom {
		return patternBytes(s.want.bytes.off, f.n)
	}
	return nil
}

func (f copyStep) writeLen(Step) int {
	if f.op == opCopyFrom {
		return f.n
	}
	return 0
}

func (f copyStep) direction(Step) dir {
	if f.op == opCopyTo {
		return dirRead
	}
	return dirWrite
}

func (f copyStep) exec(a *engine.Attempt, s Step, i int) { runCaller(a, s, i, f) }

func (f copyStep) prepare(a *engine.Attempt, s Step, i int) (callSpec, bool) {
	e, ok := endpoint(a, s, i, f.ep)
	if !ok {
		return callSpec{}, false
	}
	if f.own {
		_, from := e.Object().(io.ReaderFrom)
		_, to := e.Object().(io.WriterTo)
		switch {
		case f.op == opCopyFrom && !from:
			a.V.Unsupported(fmt.Sprintf("%T has no ReadFrom: io.Copy into it calls its Write, which the write cases check", e.Object()))
			return callSpec{}, false
		case f.op == opCopyTo && !to:
			a.V.Unsupported(fmt.Sprintf("%T has no WriteTo: io.Copy out of it calls its Read, which the read cases check", e.Object()))
			return callSpec{}, false
		}
	}
	p := new(engine.Progress)
	payload := f.payload(s) // made before the call starts, as a Write's (see ioStep.do)
	return callSpec{e: e, dl: deadlineOf(e, s), do: func() engine.Ret { return f.do(e, p, payload) }, progress: p}, true
}

// do records progress whenever bytes reach the other side of the copy.
func (f copyStep) do(e *engine.Endpoint, p *engine.Progress, payload []byte) engine.Ret {
	c, err := connOf(e)
	if err != nil {
		return engine.Ret{Err: err}
	}
	switch f.op {
	case opCopyFrom:
		// A plain reader: io.Copy must go through c's ReadFrom, not WriteTo.
		n, err := io.Copy(c, struct{ io.Reader }{progressReader{bytes.NewReader(payload), p}})
		return engine.Ret{N: int(n), Err: err}
	}
	var b bytes.Buffer
	n, err := io.Copy(progressWriter{&b, p}, c)
	return engine.Ret{N: int(n), Data: b.Bytes(), Err: err}
}

// persistStep writes until the conn refuses: a conn whose peer is gone
// must refuse sooner or later.
type persistStep struct {
	acts
	ep     string
	within time.Duration
}

// WriteUntilFails writes one byte at a time on ep, a millisecond apart,
// until a Write fails or d has passed (scaled). It expects an error (Err
// says which); the value says how many Writes succeeded first.
func WriteUntilFails(ep string, d time.Duration) Step {
	return Step{f: persistStep{ep: ep, within: d}, want: expect{err: errWant{anyErr: true}}}
}

func (f persistStep) call(Step) string {
	return fmt.Sprintf("%s.Write(\"x\") until it fails, for %v", f.ep, f.within)
}

func (f persistStep) after(s Step) string                   { return f.call(s) }
func (f persistStep) direction(Step) dir                    { return dirWrite }
func (f persistStep) exec(a *engine.Attempt, s Step, i int) { runCaller(a, s, i, f) }

func (f persistStep) prepare(a *engine.Attempt, s Step, i int) (callSpec, bool) {
	e, ok := endpoint(a, s, i, f.ep)
	if !ok {
		return callSpec{}, false
	}
	d := a.Clock.Scaled(f.within)
	return callSpec{e: e, dl: deadlineOf(e, s), budget: f.within + defaultStepBudget, do: func() engine.Ret {
		c, err := connOf(e)
		if err != nil {
			return engine.Ret{Err: err}
		}
		end := time.Now().Add(d)
		count := 0
		for time.Now().Before(end) {
			if _, err := c.Write([]byte("x")); err != nil {
				return engine.Ret{Err: err, Value: fmt.Sprintf("after %d writes that succeeded", count)}
			}
			count++
			time.Sleep(time.Millisecond)
		}
		return engine.Ret{Value: fmt.Sprintf("%d writes succeeded in %v", count, d)}
	}}, true
}

// progressWriter records progress whenever a Write is handed bytes; it has
// no ReadFrom, so io.Copy goes through the source's WriteTo or Read.
type progressWriter struct {
	w io.Writer
	p *engine.Progress
}

func (w progressWriter) Write(b []byte) (int, error) {
	if len(b) > 0 {
		w.p.Moved()
	}
	return w.w.Write(b)
}
