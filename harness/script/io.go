package script

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/netconform/netconform/harness/internal/engine"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/sysobs"
)

// ioStep is the I/O family: Write, Read, ReadFull and ReadAll on a conn.
type ioStep struct {
	acts
	op   ioOp
	ep   string
	data []byte // what Write writes; nil with a pattern expectation: the pattern
	n    int    // bytes to write from the pattern, or the read buffer size
}

type ioOp string

const (
	opWrite    ioOp = "Write"
	opRead     ioOp = "Read"
	opReadFull ioOp = "ReadFull"
	opReadAll  ioOp = "ReadAll"
)

// Write writes data on ep; it expects n == len(data) and no error.
func Write(ep, data string) Step { return Step{f: ioStep{op: opWrite, ep: ep, data: []byte(data)}} }

// WriteN writes n bytes of the case language's byte pattern on ep (see
// Pattern); At sets where in the pattern they start.
func WriteN(ep string, n int) Step {
	return Step{f: ioStep{op: opWrite, ep: ep, n: n}, want: expect{bytes: bytesWant{pattern: true}}}
}

// Read makes one Read call on ep with an n-byte buffer. With Want it
// expects exactly that data from this one call.
func Read(ep string, n int) Step { return Step{f: ioStep{op: opRead, ep: ep, n: n}} }

// ReadFull reads until n bytes arrived or an error (like io.ReadFull).
func ReadFull(ep string, n int) Step { return Step{f: ioStep{op: opReadFull, ep: ep, n: n}} }

// ReadAll reads until an error; it expects that error to be io.EOF.
func ReadAll(ep string) Step {
	return Step{f: ioStep{op: opReadAll, ep: ep}, want: expect{err: errWant{classes: []Class{EOF}}}}
}

func (f ioStep) call(s Step) string {
	args := ""
	switch {
	case f.op == opWrite && sendsPattern(f.data, s):
		args = fmt.Sprintf("<%s>", sizeStr(f.n))
	case f.op == opWrite:
		args = quoteData(f.data)
	case f.op != opReadAll:
		args = strconv.Itoa(f.n)
	}
	return fmt.Sprintf("%s.%s(%s)", f.ep, f.op, args)
}

func (f ioStep) after(s Step) string { return f.call(s) }

func (f ioStep) reads(Step) bool { return f.op != opWrite }

func (f ioStep) direction(Step) dir {
	if f.op == opWrite {
		return dirWrite
	}
	return dirRead
}

func (f ioStep) accumulates(Step) bool { return f.op == opReadFull || f.op == opReadAll }

func (f ioStep) payload(s Step) []byte { return sent(f.data, f.n, s) }

func (f ioStep) writeLen(s Step) int { return sentLen(f.data, f.n, s) }

// sendsPattern reports whether a write of data sends the test pattern: it
// has no data of its own and the step expects the pattern (Pattern).
func sendsPattern(data []byte, s Step) bool { return data == nil && s.want.bytes.pattern }

// sent is what a write of data or, when it sends the pattern, of n bytes
// of it, sends.
func sent(data []byte, n int, s Step) []byte {
	if sendsPattern(data, s) {
		return patternBytes(s.want.bytes.off, n)
	}
	return data
}

// sentLen is len(sent(data, n, s)), without making the pattern.
func sentLen(data []byte, n int, s Step) int {
	if sendsPattern(data, s) {
		return n
	}
	return len(data)
}

func (f ioStep) readLen(s Step) int {
	if f.op == opReadAll {
		return s.want.bytes.n
	}
	return f.n
}

func (f ioStep) exec(a *engine.Attempt, s Step, i int) { runCaller(a, s, i, f) }

func (f ioStep) prepare(a *engine.Attempt, s Step, i int) (callSpec, bool) {
	e, ok := endpoint(a, s, i, f.ep)
	p := new(engine.Progress)
	return callSpec{e: e, dl: deadlineOf(e, s), do: f.do(s, e, p), progress: p}, ok
}

// do returns the call.
// ReadFull and ReadAll record progress after each Read that moved bytes.
// The payload and the buffer are made here, before the call starts: made
// in it, MiB of them delay the implementation's call behind the harness's
// own work (a Write started in the background would not have reached the
// implementation by the time a step checks that it is blocked).
func (f ioStep) do(s Step, e *engine.Endpoint, p *engine.Progress) func() engine.Ret {
	var payload, buf []byte
	switch f.op {
	case opWrite:
		payload = f.payload(s)
	case opRead, opReadFull:
		buf = make([]byte, f.n)
	}
	return func() engine.Ret {
		c, err := connOf(e)
		if err != nil {
			return engine.Ret{Err: err}
		}
		switch f.op {
		case opWrite:
			n, err := c.Write(payload)
			return engine.Ret{N: n, Err: err}
		case opRead:
			n, err := c.Read(buf)
			return engine.Ret{N: n, Data: clip(buf, n), Err: err}
		case opReadFull:
			n, err := io.ReadFull(progressReader{c, p}, buf)
			return engine.Ret{N: n, Data: clip(buf, n), Err: err}
		}
		return readAll(c, p, f.readLen(s))
	}
}

// progressReader records progress whenever a Read moves bytes.
type progressReader struct {
	r io.Reader
	p *engine.Progress
}

func (r progressReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	if n > 0 {
		r.p.Moved()
	}
	return n, err
}

// readAll reads until an error, and gives up after 256 MiB. Each Read gets
// a 64 KiB buffer, the tail of the data read so far: what arrives is not
// copied again, and the data grows by doubling from expect, the bytes the
// step expects (0 when it does not say).
func readAll(c net.Conn, p *engine.Progress, expect int) engine.Ret {
	const window = 64 << 10
	all := make([]byte, 0, max(expect, 0)+window)
	for {
		if cap(all)-len(all) < window {
			all = slices.Grow(all, max(len(all), window))
		}
		n, err := c.Read(all[len(all) : len(all)+window])
		if n > 0 {
			p.Moved()
		}
		if n > 0 && n <= window {
			all = all[:len(all)+n]
		}
		if err != nil {
			return engine.Ret{N: len(all), Data: all, Err: err}
		}
		if len(all) > 256<<20 {
			return engine.Ret{N: len(all), Data: all, Err: errors.New("netconform: ReadAll stopped after 256 MiB")}
		}
	}
}

// connOf returns the net.Conn of e: a conn, or a packet conn that is also
// a net.Conn (an unconnected *net.UDPConn has Read and Write too).
func connOf(e *engine.Endpoint) (net.Conn, error) {
	if e.Conn != nil {
		return e.Conn, nil
	}
	if c, ok := e.Object().(net.Conn); ok && e.PC != nil {
		return c, nil
	}
	return nil, fmt.Errorf("netconform: %s (%T) is not a net.Conn", e.Name, e.Object())
}

func clip(buf []byte, n int) []byte {
	if n < 0 || n > len(buf) {
		return nil
	}
	return buf[:n]
}

// fillStep fills a conn's send queue and the peer's receive window.
type fillStep struct {
	acts
	ep string
}

// Fill writes on ep until its send buffer and the peer's receive window are
// full: Writes with a short write deadline repeat until one makes no
// progress at all. The peer must not be reading. The write deadline is
// cleared afterwards. It needs CapDeadline.
func Fill(ep string) Step { return Step{f: fillStep{ep: ep}} }

func (f fillStep) call(Step) string { return "fill(" + f.ep + ")" }

func (f fillStep) after(s Step) string { return f.call(s) }

func (f fillStep) needs(Step) []need {
	return []need{{ep: f.ep, caps: CapDeadline | CapBounded}}
}

func (f fillStep) exec(a *engine.Attempt, s Step, i int) { runCaller(a, s, i, f) }

func (f fillStep) prepare(a *engine.Attempt, s Step, i int) (callSpec, bool) {
	e, ok := endpoint(a, s, i, f.ep)
	return callSpec{e: e, do: func() engine.Ret { return fill(a, e) }, settled: func(ret engine.Ret, start time.Time) bool {
		if !errors.Is(ret.Err, errFillStalled) {
			return true
		}
		a.V.Inconclusive("%v", ret.Err)
		a.V.Record(result.Obs{Step: i + 1, Call: s.Call(), At: a.Clock.Since(start), Took: time.Since(start), Verdict: "inconclusive"})
		return false
	}}, ok
}

// fill writes until the peer's window is shut: a write makes no progress
// before its deadline and, where the kernel socket is observable, data
// waits in its send queue (a slow implementation can time out a write
// before it has really tried).
func fill(a *engine.Attempt, e *engine.Endpoint) engine.Ret {
	c := e.Conn
	if c == nil {
		return engine.Ret{Err: fmt.Errorf("netconform: %s is not a conn", e.Name)}
	}
	chunk := patternBytes(0, 256<<10)
	total, stalls := 0, 0
	wait := a.Clock.Scaled(50 * time.Millisecond)
	defer c.SetWriteDeadline(time.Time{})
	for total < 256<<20 {
		if err := c.SetWriteDeadline(time.Now().Add(wait)); err != nil {
			return engine.Ret{N: total, Err: err}
		}
		n, err := c.Write(chunk)
		total += n
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return engine.Ret{N: total, Err: err}
		}
		if n > 0 || err == nil {
			stalls = 0
			continue
		}
		if sendQueued(e) {
			return engine.Ret{N: total, Value: fmt.Sprintf("%d bytes queued, window shut", total)}
		}
		// Writes time out without writing while the kernel queue is
		// empty: a conn that refuses writes after a timeout (crypto/tls)
		// whose first timeout came from a slow machine, not a full window.
		if stalls++; stalls == 3 {
			return engine.Ret{N: total, Err: fmt.Errorf("%w (a conn that refuses writes after a timeout, on a machine too slow for a %v write deadline)", errFillStalled, wait)}
		}
	}
	return engine.Ret{N: total, Err: fmt.Errorf("netconform: wrote %d bytes and the peer's window never shut", total)}
}

// errFillStalled ends a Fill that could not fill the send queue.
var errFillStalled = errors.New("Fill stalled: writes time out without writing while the kernel send queue is empty")

// sendQueued reports whether e's kernel socket holds unsent data; true
// when that cannot be observed.
func sendQueued(e *engine.Endpoint) bool {
	l, rm, ok := e.Tuple()
	if !ok {
		return true
	}
	k, err := sysobs.LookupTCP(l, rm)
	return err != nil || k.WQueue > 0
}
