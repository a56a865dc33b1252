package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/netconform/netconform/harness/sysobs"
)

// exec runs step i.
func (r *run) exec(i int, s Step) {
	switch s.op {
	case opGo:
		r.execGo(i, s)
		return
	case opStillBlocked:
		r.execStillBlocked(i, s)
		return
	case opAwait:
		r.execAwait(i, s)
		return
	case opSleep:
		d := scaleBy(s.d, r.stretch())
		o := Obs{Step: i + 1, Call: s.call(), At: r.since(r.stepStart[i]), Verdict: "ok"}
		if d != s.d {
			o.Value = fmt.Sprintf("stretched to %v for attempt %d", d, r.attempt)
		}
		r.record(o)
		r.sleep(d)
		return
	case opFunc:
		r.execFunc(i, s)
		return
	case opExpectState, opWaitReadable, opExpectOpt, opSetOpt, opWaitSettled, opWaitAcceptQueue,
		opLinkDown, opLinkUp, opAddVeth:
		r.execKernel(i, s)
		return
	case opWireMark, opExpectSent, opExpectQuiet, opExpectNotSent:
		r.execWire(i, s)
		return
	case opEcho:
		r.execEcho(i, s)
		return
	}
	e, ok := r.endpointFor(i, s)
	if !ok {
		return
	}
	start := time.Now()
	changed := r.pendingDeadline(s, e)
	if r.deadlineChangeTooLate(i, s, changed, start, start) {
		return
	}
	dl := r.deadlineFor(e, s.op)
	res, ok := r.calls.call(r.describe(i, s), r.budget(s, start, dl), r.operation(s, e))
	if !ok {
		r.hang(i, s, start, r.budget(s, start, dl))
		return
	}
	if r.deadlineChangeTooLate(i, s, changed, start, time.Now()) {
		return
	}
	if errors.Is(res.err, errFillStalled) {
		r.inconclusivef("%v", res.err)
		r.record(Obs{Step: i + 1, Call: s.call(), At: r.since(start), Took: time.Since(start), Verdict: "inconclusive"})
		return
	}
	r.afterCall(i, s, e, res)
	// A call made in sequence answers for its own duration: a slow step
	// before it is that step's finding, not this one's.
	r.check(i, s, e, start, dl, res, start)
}

// pendingDeadline returns the earliest deadline that deadline-setting
// step s changes for an operation still blocked on e, or zero.
func (r *run) pendingDeadline(s Step, e *endpoint) time.Time {
	if s.op != opSetDeadline && s.op != opSetReadDL && s.op != opSetWriteDL {
		return time.Time{}
	}
	var first time.Time
	for _, a := range r.async {
		if a.ep != e || a.poll() {
			continue
		}
		reading := isRead(a.step.op) || a.step.op == opAccept
		if (reading && s.op == opSetWriteDL) || (!reading && s.op == opSetReadDL) {
			continue
		}
		dl := r.deadlineFor(e, a.step.op)
		if !dl.IsZero() && (first.IsZero() || dl.Before(first)) {
			first = dl
		}
	}
	return first
}

// deadlineChangeTooLate reports (and records as inconclusive) a script
// that changes a deadline a blocked operation is waiting on, dl, when the
// change started or finished (at) after dl had passed: the machine was too
// slow for the scenario, and the blocked operation may rightly have timed
// out under the old deadline.
func (r *run) deadlineChangeTooLate(i int, s Step, dl, start, at time.Time) bool {
	if dl.IsZero() || at.Before(dl) {
		return false
	}
	r.inconclusivef("%s ran until %v after the deadline it was to change had passed", s.call(), at.Sub(dl).Round(time.Millisecond))
	r.record(Obs{Step: i + 1, Call: s.call(), At: r.since(start), Took: time.Since(start), Verdict: "inconclusive"})
	return true
}

// endpointFor resolves the endpoint a step acts on. Dial and DialPacket
// steps make a new endpoint and have none.
func (r *run) endpointFor(i int, s Step) (*endpoint, bool) {
	switch s.op {
	case opDial, opDialPacket:
		return nil, true
	}
	e := r.eps[s.ep]
	if e == nil {
		r.brokenf(i+1, s.call(), "no endpoint %q in this setup", s.ep)
		return nil, false
	}
	return e, true
}

// operation returns the blocking call of s on e.
func (r *run) operation(s Step, e *endpoint) func() callResult {
	switch s.op {
	case opWrite:
		data := s.data
		if data == nil && s.want.pattern {
			data = patternBytes(s.off, s.n)
		}
		return func() callResult {
			c, err := r.connOf(e)
			if err != nil {
				return callResult{err: err}
			}
			n, err := c.Write(data)
			return callResult{n: n, err: err}
		}
	case opRead:
		return func() callResult {
			c, err := r.connOf(e)
			if err != nil {
				return callResult{err: err}
			}
			buf := make([]byte, s.n)
			n, err := c.Read(buf)
			return callResult{n: n, data: clip(buf, n), err: err}
		}
	case opReadFull:
		return func() callResult {
			c, err := r.connOf(e)
			if err != nil {
				return callResult{err: err}
			}
			buf := make([]byte, s.n)
			n, err := io.ReadFull(c, buf)
			return callResult{n: n, data: clip(buf, n), err: err}
		}
	case opReadAll:
		return func() callResult {
			c, err := r.connOf(e)
			if err != nil {
				return callResult{err: err}
			}
			var all []byte
			buf := make([]byte, 64<<10)
			for {
				n, err := c.Read(buf)
				all = append(all, clip(buf, n)...)
				if err != nil {
					return callResult{n: len(all), data: all, err: err}
				}
				if len(all) > 256<<20 {
					return callResult{n: len(all), data: all, err: errors.New("netconform: ReadAll stopped after 256 MiB")}
				}
			}
		}
	case opSetDeadline, opSetReadDL, opSetWriteDL:
		return func() callResult {
			// The instant is computed here and recorded as passed, so the
			// strict "never before the deadline" check uses exactly it.
			at := s.when.stretched(r.stretch()).abs(time.Now())
			return callResult{err: r.setDeadline(e, s.op, at), value: r.deadlineValue(s.when, at), extra: at}
		}
	case opClose, opMeasureClose:
		return func() callResult { return callResult{err: e.close()} }
	case opCloseWrite:
		return optional[closeWriter](e, "CloseWrite() error", func(c closeWriter) error { return c.CloseWrite() })
	case opCloseRead:
		return optional[closeReader](e, "CloseRead() error", func(c closeReader) error { return c.CloseRead() })
	case opSetLinger:
		return optional[lingerer](e, "SetLinger(int) error", func(c lingerer) error { return c.SetLinger(s.v) })
	case opSetNoDelay:
		return optional[noDelayer](e, "SetNoDelay(bool) error", func(c noDelayer) error { return c.SetNoDelay(s.b) })
	case opSetKeepAlive:
		return optional[keepAliver](e, "SetKeepAlive(bool) error", func(c keepAliver) error { return c.SetKeepAlive(s.b) })
	case opSetKAPeriod:
		return optional[kaPerioder](e, "SetKeepAlivePeriod(time.Duration) error", func(c kaPerioder) error { return c.SetKeepAlivePeriod(s.d) })
	case opSetKAConfig:
		return optional[kaConfigurer](e, "SetKeepAliveConfig(net.KeepAliveConfig) error", func(c kaConfigurer) error { return c.SetKeepAliveConfig(s.kcfg) })
	case opAddrs:
		return func() callResult { return r.addrs(e) }
	case opFill:
		return func() callResult { return r.fill(e) }
	case opAccept:
		return func() callResult {
			if e.ln == nil {
				return callResult{err: fmt.Errorf("netconform: %s is not a listener", e.name)}
			}
			c, err := e.ln.Accept()
			return callResult{conn: c, err: err}
		}
	case opDialTo:
		return func() callResult {
			if e.lnDial != nil {
				c, err := e.lnDial(r.ctx)
				return callResult{conn: c, err: err}
			}
			if !e.iut {
				c, err := refDialer().DialContext(r.ctx, refNetwork(r.im.StreamNetwork()), addrString(e.local))
				return callResult{conn: c, err: err}
			}
			c, err := r.refDialIUT(r.ctx, addrString(e.local))
			return callResult{conn: c, err: err}
		}
	case opDial:
		return r.dialOperation(s)
	case opListen:
		return func() callResult {
			ln, err := r.im.Listen(r.ctx, r.im.StreamNetwork(), addrString(e.local), r.c.Listen)
			return callResult{ln: ln, err: err}
		}
	case opDialPacket:
		return r.dialPacketOperation(s)
	case opListenPacket:
		return func() callResult {
			pc, err := r.im.ListenPacket(r.ctx, r.im.DatagramNetwork(), addrString(e.local))
			return callResult{pc: pc, err: err}
		}
	case opWriteTo:
		data := s.data
		if data == nil && s.want.pattern {
			data = patternBytes(s.off, s.n)
		}
		to := r.eps[s.name]
		return func() callResult {
			pc, ok := e.object().(net.PacketConn)
			if !ok {
				return callResult{err: fmt.Errorf("netconform: %s (%T) is not a net.PacketConn", e.name, e.object())}
			}
			if to == nil {
				return callResult{err: fmt.Errorf("netconform: no endpoint %q", s.name)}
			}
			n, err := pc.WriteTo(data, to.local)
			return callResult{n: n, err: err}
		}
	case opReadFrom:
		return func() callResult {
			pc, ok := e.object().(net.PacketConn)
			if !ok {
				return callResult{err: fmt.Errorf("netconform: %s (%T) is not a net.PacketConn", e.name, e.object())}
			}
			buf := make([]byte, s.n)
			n, addr, err := pc.ReadFrom(buf)
			return callResult{n: n, data: clip(buf, n), addr: addr, err: err}
		}
	}
	return func() callResult { return callResult{err: fmt.Errorf("netconform: step %s cannot run here", s.op)} }
}

// fill writes until a Write with a short deadline makes no progress.
// fill writes until the peer's window is shut: a write makes no progress
// before its deadline and, where the kernel socket is observable, data
// waits in its send queue (a slow implementation can time out a write
// before it has really tried).
func (r *run) fill(e *endpoint) callResult {
	c := e.conn
	if c == nil {
		return callResult{err: fmt.Errorf("netconform: %s is not a conn", e.name)}
	}
	chunk := patternBytes(0, 256<<10)
	total, stalls := 0, 0
	wait := r.scaled(50 * time.Millisecond)
	defer c.SetWriteDeadline(time.Time{})
	for total < 256<<20 {
		if err := c.SetWriteDeadline(time.Now().Add(wait)); err != nil {
			return callResult{n: total, err: err}
		}
		n, err := c.Write(chunk)
		total += n
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return callResult{n: total, err: err}
		}
		if n > 0 || err == nil {
			stalls = 0
			continue
		}
		if sendQueued(e) {
			return callResult{n: total, value: fmt.Sprintf("%d bytes queued, window shut", total)}
		}
		// Writes time out without writing while the kernel queue is
		// empty: a conn that refuses writes after a timeout (crypto/tls)
		// whose first timeout came from a slow machine, not a full window.
		if stalls++; stalls == 3 {
			return callResult{n: total, err: fmt.Errorf("%w (a conn that refuses writes after a timeout, on a machine too slow for a %v write deadline)", errFillStalled, wait)}
		}
	}
	return callResult{n: total, err: fmt.Errorf("netconform: wrote %d bytes and the peer's window never shut", total)}
}

// errFillStalled ends a Fill that could not fill the send queue.
var errFillStalled = errors.New("Fill stalled: writes time out without writing while the kernel send queue is empty")

// sendQueued reports whether e's kernel socket holds unsent data; true
// when that cannot be observed.
func sendQueued(e *endpoint) bool {
	l, rm, ok := e.tuple()
	if !ok {
		return true
	}
	k, err := sysobs.LookupTCP(l, rm)
	return err != nil || k.WQueue > 0
}

// errMissingMethod is returned when a declared capability's method is absent.
type errMissingMethod struct {
	typ, method string
}

func (e errMissingMethod) Error() string {
	return fmt.Sprintf("%s has no method %s although the implementation declares the capability", e.typ, e.method)
}

// optional calls f on e's object when it implements I.
func optional[I any](e *endpoint, method string, f func(I) error) func() callResult {
	return func() callResult {
		c, ok := e.object().(I)
		if !ok {
			return callResult{err: errMissingMethod{typ: fmt.Sprintf("%T", e.object()), method: method}}
		}
		return callResult{err: f(c)}
	}
}

// connOf returns the net.Conn of e: a conn, or a packet conn that is also
// a net.Conn (an unconnected *net.UDPConn has Read and Write too).
func (r *run) connOf(e *endpoint) (net.Conn, error) {
	if e.conn != nil {
		return e.conn, nil
	}
	if c, ok := e.object().(net.Conn); ok && e.pc != nil {
		return c, nil
	}
	return nil, fmt.Errorf("netconform: %s (%T) is not a net.Conn", e.name, e.object())
}

func clip(buf []byte, n int) []byte {
	if n < 0 || n > len(buf) {
		return nil
	}
	return buf[:n]
}

func (r *run) setDeadline(e *endpoint, o op, at time.Time) error {
	switch {
	case e.conn != nil:
		switch o {
		case opSetReadDL:
			return e.conn.SetReadDeadline(at)
		case opSetWriteDL:
			return e.conn.SetWriteDeadline(at)
		}
		return e.conn.SetDeadline(at)
	case e.pc != nil:
		switch o {
		case opSetReadDL:
			return e.pc.SetReadDeadline(at)
		case opSetWriteDL:
			return e.pc.SetWriteDeadline(at)
		}
		return e.pc.SetDeadline(at)
	case e.ln != nil:
		d, ok := e.ln.(lnDeadliner)
		if !ok {
			return errMissingMethod{typ: fmt.Sprintf("%T", e.ln), method: "SetDeadline(time.Time) error"}
		}
		return d.SetDeadline(at)
	}
	return fmt.Errorf("netconform: %s has nothing to set a deadline on", e.name)
}

func (r *run) deadlineValue(w When, at time.Time) string {
	switch {
	case at.IsZero():
		return "deadline cleared"
	case r.stretch() > 1 && w.d > 0:
		return fmt.Sprintf("deadline stretched to +%v for attempt %d", w.stretched(r.stretch()).d, r.attempt)
	}
	return ""
}

// afterCall updates the run's state with what a call made or changed.
func (r *run) afterCall(i int, s Step, e *endpoint, res callResult) {
	switch s.op {
	case opSetDeadline, opSetReadDL, opSetWriteDL:
		if res.err == nil {
			at, _ := res.extra.(time.Time)
			if s.op != opSetWriteDL {
				r.dlChanges = append(r.dlChanges, dlChange{ep: e, read: true, prev: e.readDL, next: at, done: res.end})
				e.readDL = at
			}
			if s.op != opSetReadDL {
				r.dlChanges = append(r.dlChanges, dlChange{ep: e, read: false, prev: e.writeDL, next: at, done: res.end})
				e.writeDL = at
			}
		}
	case opClose, opMeasureClose:
		e.closed = true
		if s.op == opMeasureClose {
			r.metric("close_seconds", res.end.Sub(r.stepStart[i]).Seconds())
		}
	case opAccept, opDialTo:
		if res.err == nil && res.conn != nil {
			iut := e.iut
			if s.op == opDialTo {
				iut = e.lnDial != nil
			}
			n := r.add(&endpoint{name: s.name, iut: iut, conn: res.conn, kernel: !iut || r.iutKernel()})
			r.pairUp(n)
		}
	case opDial:
		if res.err == nil && res.conn != nil {
			n := r.add(&endpoint{name: s.name, iut: true, conn: res.conn, kernel: r.iutKernel()})
			r.pairUp(n)
		}
	case opDialPacket:
		if res.err == nil && res.conn != nil {
			iut := r.role == RoleClient
			r.add(&endpoint{name: s.name, iut: iut, conn: res.conn, kernel: !iut || r.iutKernel()})
		}
	case opListen:
		if res.err == nil && res.ln != nil {
			r.add(&endpoint{name: s.name, iut: true, ln: res.ln, kernel: r.iutKernel()})
		}
	case opListenPacket:
		if res.err == nil && res.pc != nil {
			r.add(&endpoint{name: s.name, iut: true, pc: res.pc, kernel: r.iutKernel()})
		}
	}
}

// pairUp links a new conn with the conn at the other end, when one of the
// existing endpoints has the mirrored addresses.
func (r *run) pairUp(n *endpoint) {
	for _, e := range r.order {
		if e != n && e.conn != nil && sameAddr(e.local, n.remote) && sameAddr(e.remote, n.local) {
			e.other, n.other = n, e
		}
	}
}

// deadlineFor is the endpoint's deadline that applies to op.
func (r *run) deadlineFor(e *endpoint, o op) time.Time {
	if e == nil {
		return time.Time{}
	}
	switch o {
	case opRead, opReadFull, opReadAll, opReadFrom, opAccept:
		return e.readDL
	case opWrite, opWriteTo:
		return e.writeDL
	}
	return time.Time{}
}

// budget is the watchdog budget of a call of s started at start; it is
// stretched under the race detector (watchdogFactor), never shortened.
func (r *run) budget(s Step, start, dl time.Time) time.Duration {
	return scaleBy(r.nominalBudget(s, start, dl), watchdogFactor())
}

func (r *run) nominalBudget(s Step, start, dl time.Time) time.Duration {
	if s.budget > 0 {
		return r.scaled(s.budget)
	}
	b := r.scaled(defaultStepBudget + perMiB*time.Duration(s.volume()>>20))
	if s.op == opClose || s.op == opMeasureClose {
		// net.Conn.Close "may or may not block until any buffered data is
		// sent" (a WebSocket close handshake waits 5 s for an idle peer).
		b = r.scaled(closeBudget)
	}
	if s.want.atDeadline && !dl.IsZero() {
		if until := dl.Sub(start); until > 0 {
			b = until + r.scaled(Tolerance+time.Second)
		}
	}
	if s.want.within > 0 {
		b = r.scaled(s.want.within + time.Second)
	}
	if s.want.notBefore > 0 && s.want.notBefore+r.scaled(2*time.Second) > b {
		b = s.want.notBefore + r.scaled(2*time.Second)
	}
	return b
}

// closeBudget bounds a Close, which net.Conn allows to block while it
// finishes sending.
const closeBudget = 8 * time.Second

// perMiB is the watchdog budget added per MiB a step moves: bulk steps
// under the race detector on a loaded 2-core machine need seconds.
const perMiB = time.Second

// volume is how many bytes a step moves (for its watchdog budget).
func (s Step) volume() int {
	switch s.op {
	case opWrite, opWriteTo:
		return len(s.payload())
	case opRead, opReadFull, opReadFrom:
		return s.n
	case opReadAll:
		return s.want.n
	}
	return 0
}

// hang records that a call outlived its watchdog and tears the case down.
func (r *run) hang(i int, s Step, start time.Time, budget time.Duration) {
	want := "return"
	switch {
	case s.want.within > 0:
		want = fmt.Sprintf("return within %v", r.scaled(s.want.within))
	case s.want.atDeadline:
		want = "return at the deadline"
	}
	r.hung = true
	r.res.Findings = append(r.res.Findings, Finding{
		Step: i + 1,
		Call: r.describe(i, s),
		Got:  fmt.Sprintf("blocked %v", budget.Round(time.Millisecond)),
		Want: want,
	})
	r.record(Obs{Step: i + 1, Call: s.call(), At: r.since(start), Took: time.Since(start), Verdict: "hung", Want: want})
}

// sleep waits d or until the case ends.
func (r *run) sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.ctx.Done():
	}
}

// describe names step i for messages: its call, then what came before it
// ("iut.Read(10) after iut.Close()"), or what the script says.
func (r *run) describe(i int, s Step) string {
	if s.says != "" {
		return s.says
	}
	call := s.call()
	for j := i - 1; j >= 0; j-- {
		p := r.c.Script[j]
		switch p.op {
		case opStillBlocked, opSleep, opWaitReadable, opWaitSettled, opWireMark, opExpectState, opWaitAcceptQueue, opExpectOpt:
			continue
		case opGo:
			return call + " after " + p.inner.call()
		}
		return call + " after " + p.call()
	}
	return call
}

// triggerStart is the start of the last acting step before i: the moment
// an Await's "within" is measured from.
func (r *run) triggerStart(i int) time.Time {
	for j := i - 1; j >= 0; j-- {
		switch r.c.Script[j].op {
		case opStillBlocked, opSleep, opWaitReadable, opAwait, opWireMark:
			continue
		}
		return r.stepStart[j]
	}
	return r.start
}

// dialOperation makes the IUT dial the step's target.
func (r *run) dialOperation(s Step) func() callResult {
	return func() callResult {
		network, address, err := r.resolveTarget(s.target, r.im.StreamNetwork())
		if err != nil {
			return callResult{err: err}
		}
		ctx, cancel := r.dialContext(s.ctx)
		defer cancel()
		o := r.c.Dial
		if s.dopts != nil {
			o = *s.dopts
		}
		c, err := r.im.Dial(ctx, network, address, o)
		return callResult{conn: c, err: err}
	}
}

// dialPacketOperation makes a connected datagram conn on the clients' side.
func (r *run) dialPacketOperation(s Step) func() callResult {
	return func() callResult {
		network, address, err := r.resolveTarget(s.target, r.im.DatagramNetwork())
		if err != nil {
			return callResult{err: err}
		}
		if r.role == RoleClient {
			c, err := r.im.DialPacket(r.ctx, network, address)
			return callResult{conn: c, err: err}
		}
		c, err := net.Dial(network, address)
		return callResult{conn: c, err: err}
	}
}

func (r *run) dialContext(k dialCtx) (context.Context, context.CancelFunc) {
	switch k {
	case ctxCanceled:
		ctx, cancel := context.WithCancel(r.ctx)
		cancel()
		return ctx, func() {}
	case ctxExpired:
		return context.WithDeadline(r.ctx, time.Now().Add(-time.Second))
	}
	return r.ctx, func() {}
}

func (r *run) resolveTarget(t Target, network string) (string, string, error) {
	switch {
	case t.ep != "":
		e := r.eps[t.ep]
		if e == nil || e.local == nil {
			return "", "", fmt.Errorf("netconform: no endpoint %q to dial", t.ep)
		}
		return network, addrString(e.local), nil
	case t.dead:
		a, err := deadPort(network)
		return network, a, err
	case t.network != "":
		return t.network, t.address, nil
	}
	return network, t.address, nil
}

// addrs checks LocalAddr and RemoteAddr of a conn.
func (r *run) addrs(e *endpoint) callResult {
	if e.conn == nil {
		return callResult{err: fmt.Errorf("netconform: %s is not a conn", e.name)}
	}
	l, rm := e.conn.LocalAddr(), e.conn.RemoteAddr()
	return callResult{value: fmt.Sprintf("local %v, remote %v", l, rm), extra: [2]net.Addr{l, rm}}
}
