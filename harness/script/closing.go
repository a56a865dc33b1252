package script

import (
	"github.com/netconform/netconform/harness/internal/engine"
)

// closeStep is the close family: Close, CloseWrite, CloseRead, and Close
// timed for the record (MeasureClose).
type closeStep struct {
	acts
	op      closeOp
	ep      string
	measure bool
}

type closeOp string

const (
	opClose      closeOp = "Close"
	opCloseWrite closeOp = "CloseWrite"
	opCloseRead  closeOp = "CloseRead"
)

// Close closes ep (a conn, a listener or a packet conn). Its result is
// recorded, not checked, unless the step says what to expect (Err): most
// scripts close as a precondition of what they check, and net.Conn.Close
// may legitimately fail (a WebSocket whose peer never answers the close
// handshake).
func Close(ep string) Step {
	return Step{f: closeStep{op: opClose, ep: ep}, want: expect{record: true}}
}

// MeasureClose closes ep and records how long Close took (informational);
// it expects Close to succeed.
func MeasureClose(ep string) Step { return Step{f: closeStep{op: opClose, ep: ep, measure: true}} }

// CloseWrite half-closes ep's write side.
func CloseWrite(ep string) Step { return Step{f: closeStep{op: opCloseWrite, ep: ep}} }

// CloseRead half-closes ep's read side.
func CloseRead(ep string) Step { return Step{f: closeStep{op: opCloseRead, ep: ep}} }

func (f closeStep) call(Step) string { return f.ep + "." + string(f.op) + "()" }

func (f closeStep) after(s Step) string { return f.call(s) }

func (f closeStep) needs(Step) []need { return []need{{ep: f.ep, caps: f.capability()}} }

// capability is what the step's method needs: CapHalfClose for
// CloseWrite, CapCloseRead for CloseRead, nothing for Close.
func (f closeStep) capability() Caps {
	switch f.op {
	case opCloseWrite:
		return CapHalfClose
	case opCloseRead:
		return CapCloseRead
	}
	return 0
}

func (f closeStep) exec(a *engine.Attempt, s Step, i int) { runCaller(a, s, i, f) }

func (f closeStep) prepare(a *engine.Attempt, s Step, i int) (callSpec, bool) {
	e, ok := endpoint(a, s, i, f.ep)
	if !ok {
		return callSpec{}, false
	}
	c := callSpec{e: e, do: f.do(a, e)}
	if f.op == opClose {
		// net.Conn.Close "may or may not block until any buffered data is
		// sent" (a WebSocket close handshake waits 5 s for an idle peer).
		c.budget = engine.CloseBudget
		c.effect = func(ret engine.Ret) {
			e.Closed = true
			if f.measure {
				a.V.Metric("close_seconds", ret.End.Sub(a.StepStart(i)).Seconds())
			}
		}
	}
	return c, true
}

func (f closeStep) do(a *engine.Attempt, e *engine.Endpoint) func() engine.Ret {
	switch f.op {
	case opCloseWrite:
		return optional(a, e, CapHalfClose, "CloseWrite() error", func(c interface{ CloseWrite() error }) error { return c.CloseWrite() })
	case opCloseRead:
		return optional(a, e, CapCloseRead, "CloseRead() error", func(c interface{ CloseRead() error }) error { return c.CloseRead() })
	}
	return func() engine.Ret { return engine.Ret{Err: e.Close()} }
}
