package explore

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/netconform/netconform/harness/explore/model"
)

// Listening is one sequence's listener, for the sequences of dials,
// accepts and closes ("conns" sequences): the listener, the way to connect
// a new conn to it, and whose they are.
type Listening struct {
	Listener net.Listener
	// Dial connects a new conn to Listener: the reference dialer, a pair
	// listener's own Dial, or (IUT Dialer) the implementation's Dial. The
	// context it gets ends with the sequence, or (an Op with CtxEnds) as
	// soon as Dial returned.
	Dial func(ctx context.Context) (net.Conn, error)
	// Ctx is the sequence's context, which Dial's and ListenAgain's derive
	// from (per-sequence resources hang off it); nil: the exploration's.
	Ctx context.Context
	// IUT is the side whose conns are the implementation's: model.Acceptor
	// (the listener and the conns it accepts), or model.Dialer (the conns
	// Dial makes). Both, for a pair listener (BothIUT).
	IUT     int
	BothIUT bool
	// Kernel: both sides are kernel sockets (see model.ListenSpec).
	Kernel bool
	// Unix: the sockets are unix stream sockets (see model.ListenSpec).
	Unix bool
	// Deadline: the listener has SetDeadline, and it is the
	// implementation's (CapListenerDeadline).
	Deadline bool
	// ListenAgain, when set, listens on Listener's address once more (to
	// provoke "address in use"); the explorer closes what it returns.
	ListenAgain func(ctx context.Context) (net.Listener, error)
	// Stop, if not nil, tears down what lies beneath, after the listener
	// and every conn were closed.
	Stop func()
}

// Listener endpoint names: "ln", dialed conns "c1"…, accepted ones
// "a1"… in the order Accept returned them.
const lnName = "ln"

func dialName(k int) string   { return "c" + strconv.Itoa(k+1) }
func acceptName(j int) string { return "a" + strconv.Itoa(j+1) }

// connsWorld is a listener, the conns dialed to it and their model.
type connsWorld struct {
	s        *Subject
	ctx      context.Context
	m        *model.Listen
	l        *Listening
	mu       sync.Mutex // dialed, made: calls run in goroutines of their own
	dialed   []net.Conn // by dial order; nil where Dial failed
	accepted []net.Conn // by the order Accept returned them
	made     map[int]net.Conn
	ldl      model.Expiry
	letter   [2]int
	seen     map[string][2]net.Addr
	again    int
	holds    []io.Closer // ports kept after the listener closed
	lost     bool        // a port could not be kept
}

func newConnsWorld(ctx context.Context, s *Subject, o *Options) (*connsWorld, error) {
	l, err := s.NewListening(ctx)
	if err != nil {
		return nil, fmt.Errorf("NewListening: %w", err)
	}
	spec := model.ListenSpec{Kernel: l.Kernel, Unix: l.Unix, ClosedClass: s.closedClass(), ContractOnly: o.ContractOnly, Tolerance: o.tolerance()}
	if l.Ctx != nil {
		ctx = l.Ctx
	}
	return &connsWorld{s: s, ctx: ctx, m: model.NewListen(spec), l: l, made: map[int]net.Conn{}, seen: map[string][2]net.Addr{}}, nil
}

// side resolves an endpoint name to a conn and its side.
func (w *connsWorld) side(name string) (k, side int, err error) {
	n, err := strconv.Atoi(name[min(1, len(name)):])
	switch {
	case err != nil || n < 1:
	case name[0] == 'c' && n <= w.m.Conns():
		return n - 1, model.Dialer, nil
	case name[0] == 'a' && w.m.Accepted(n-1) >= 0:
		return w.m.Accepted(n - 1), model.Acceptor, nil
	}
	return 0, 0, fmt.Errorf("no conn %q", name)
}

func (w *connsWorld) conn(k, side int) net.Conn {
	w.mu.Lock()
	defer w.mu.Unlock()
	if side == model.Dialer {
		if k < len(w.dialed) {
			return w.dialed[k]
		}
		return nil
	}
	if j := w.m.AcceptIndex(k); j >= 0 && j < len(w.accepted) {
		return w.accepted[j]
	}
	return nil
}

func (w *connsWorld) nameOf(k, side int) string {
	if side == model.Dialer {
		return dialName(k)
	}
	return acceptName(w.m.AcceptIndex(k))
}

func (w *connsWorld) begin(op Op, now time.Time) (int, model.Status, func() model.Result, error) {
	mc := model.ListenCall{Conn: -1}
	var call func() model.Result
	var cid int // the call's id, once the model gave it (before the call runs)
	ln := w.l.Listener
	switch {
	case op.End == lnName:
		switch op.Kind {
		case Dial:
			if op.To != dialName(w.m.Conns()) {
				return 0, model.Status{}, nil, fmt.Errorf("the next dial makes %s, not %s", dialName(w.m.Conns()), op.To)
			}
			mc.Op, mc.CtxEnds = model.OpDial, op.CtxEnds
			call = func() model.Result {
				ctx, cancel := w.ctx, context.CancelFunc(func() {})
				if op.CtxEnds {
					ctx, cancel = context.WithCancel(w.ctx)
				}
				start := time.Now()
				c, err := w.l.Dial(ctx)
				end := time.Now()
				cancel()
				r := model.Result{Class: w.s.classify(err), From: -1, Start: start, End: end}
				if c != nil {
					r.N = 1
					if err != nil {
						c.Close()
						c = nil
					}
				}
				w.mu.Lock()
				w.dialed = append(w.dialed, c)
				w.mu.Unlock()
				return r
			}
		case Accept:
			mc.Op = model.OpAccept
			call = func() model.Result {
				start := time.Now()
				c, err := ln.Accept()
				end := time.Now()
				r := model.Result{Class: w.s.classify(err), From: -1, Start: start, End: end}
				if c != nil {
					r.N = 1
					if err != nil {
						c.Close()
					} else {
						w.mu.Lock()
						w.made[cid] = c
						w.mu.Unlock()
					}
				}
				return r
			}
		case Listen:
			if w.l.ListenAgain == nil {
				return 0, model.Status{}, nil, fmt.Errorf("%s: the listener cannot be listened on again", op)
			}
			mc.Op = model.OpListenAgain
			call = func() model.Result {
				start := time.Now()
				l2, err := w.l.ListenAgain(w.ctx)
				r := model.Result{Class: w.s.classify(err), From: -1, Start: start, End: time.Now()}
				if l2 != nil {
					r.N = 1
					l2.Close()
				}
				return r
			}
		case Close:
			mc.Op = model.OpClose
			call = w.result(func() (int, []byte, error) {
				err := ln.Close()
				if w.l.Kernel && err == nil {
					// Keep the port from other listeners (of sequences
					// running at the same time): a dial to it must be
					// refused, not reach someone else.
					h, herr := holdPort(ln.Addr())
					w.mu.Lock()
					if herr != nil {
						w.lost = true
					} else if h != nil {
						w.holds = append(w.holds, h)
					}
					w.mu.Unlock()
				}
				return 0, nil, err
			})
		case SetDeadline, SetReadDeadline, SetWriteDeadline:
			dl, ok := ln.(interface{ SetDeadline(time.Time) error })
			if !ok {
				return 0, model.Status{}, nil, fmt.Errorf("%T has no SetDeadline", ln)
			}
			at := op.When.instant(now)
			mc.Op, mc.Which, mc.Deadline = model.OpSetDeadline, model.BothDeadlines, model.Expiry{At: at}
			w.ldl = model.Expiry{At: at, Since: now}
			call = w.result(func() (int, []byte, error) { return 0, nil, dl.SetDeadline(at) })
		default:
			return 0, model.Status{}, nil, fmt.Errorf("%s is not a listener call", op.Kind)
		}
	default:
		k, side, err := w.side(op.End)
		if err != nil {
			return 0, model.Status{}, nil, err
		}
		c := w.conn(k, side)
		if c == nil {
			return 0, model.Status{}, nil, fmt.Errorf("%s was never made", op.End)
		}
		mc.Conn, mc.Side = k, side
		switch op.Kind {
		case Write:
			data := op.Payload()
			mc.Op, mc.Data = model.OpWrite, data
			call = w.result(func() (int, []byte, error) { n, err := c.Write(data); return n, nil, err })
		case Read:
			mc.Op, mc.N = model.OpRead, op.N
			call = w.result(func() (int, []byte, error) {
				buf := make([]byte, op.N)
				n, err := c.Read(buf)
				return n, buf[:max(0, min(n, len(buf)))], err
			})
		case Close:
			mc.Op = model.OpClose
			call = w.result(func() (int, []byte, error) { return 0, nil, c.Close() })
		default:
			return 0, model.Status{}, nil, fmt.Errorf("%s is not a call the explorer makes on a listener's conns", op.Kind)
		}
	}
	id, st := w.m.Begin(mc, now)
	cid = id
	return id, st, call, nil
}

// pairOf names the dialed conn an accepted one is the other end of, by
// their addresses: -1 when addresses cannot tell (not kernel sockets), -2
// when it is the other end of none.
func (w *connsWorld) pairOf(c net.Conn) int {
	if _, ok := addrPort(c.RemoteAddr()); !w.l.Kernel || !ok {
		return -1 // unix sockets' addresses do not tell conns apart
	}
	for k, d := range w.dialed {
		if d != nil && sameAddr(c.RemoteAddr(), d.LocalAddr()) && sameAddr(c.LocalAddr(), d.RemoteAddr()) {
			return k
		}
	}
	return -2
}

func (w *connsWorld) result(f func() (int, []byte, error)) func() model.Result {
	return func() model.Result {
		start := time.Now()
		n, data, err := f()
		return model.Result{N: n, Data: data, Class: w.s.classify(err), From: -1, Start: start, End: time.Now()}
	}
}

func (w *connsWorld) cancel(id int)                             { w.m.Cancel(id) }
func (w *connsWorld) status(id int, now time.Time) model.Status { return w.m.Status(id, now) }

func (w *connsWorld) finish(id int, r model.Result) *model.Violation {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(w.accepted)
	if w.lost {
		w.m.LostAddr()
	}
	c := w.made[id]
	if c != nil && !r.Hung {
		// Paired now, once the dial that may have released it returned.
		r.From = w.pairOf(c)
	}
	v := w.m.Finish(id, r)
	if c != nil {
		delete(w.made, id)
		if w.m.Accepted(n) >= 0 {
			w.accepted = append(w.accepted, c)
		} else {
			c.Close()
		}
	}
	return v
}

func (w *connsWorld) fromName(int) string { return "" }

func (w *connsWorld) deadline(end string, _ bool) model.Expiry {
	if end == lnName {
		return w.ldl
	}
	return model.Expiry{}
}

func (w *connsWorld) concurrent(string) bool { return w.s.Caps&CapConcurrent != 0 }

func (w *connsWorld) closed(end string) bool {
	if end == lnName {
		return w.m.ListenerClosed()
	}
	k, side, err := w.side(end)
	return err != nil || !w.m.Closable(k, side)
}

// iut reports whether side is the implementation's.
func (w *connsWorld) iut(side int) bool { return w.l.BothIUT || side == w.l.IUT }

// addrs checks what a conn says of its addresses: known, unchanged,
// mirroring the other end's where that is a kernel socket, and, for a
// conn the implementation's listener accepted, the listener's address.
func (w *connsWorld) addrs(end string) (string, *model.Violation, error) {
	k, side, err := w.side(end)
	if err != nil {
		return "", nil, err
	}
	c, o := w.conn(k, side), w.conn(k, 1-side)
	if c == nil || o == nil {
		return "", nil, fmt.Errorf("%s has no other end", end)
	}
	got := [2]net.Addr{c.LocalAddr(), c.RemoteAddr()}
	desc := fmt.Sprintf("local %v, remote %v", got[0], got[1])
	var bad []string
	first, seen := w.seen[end]
	for i, name := range []string{"LocalAddr", "RemoteAddr"} {
		switch {
		case got[i] == nil:
			bad = append(bad, name+" is nil")
		case seen && first[i] != nil && !sameAddr(got[i], first[i]):
			bad = append(bad, fmt.Sprintf("%s changed from %v", name, first[i]))
		}
	}
	if !seen {
		w.seen[end] = got
	}
	if w.l.Kernel {
		if ol := o.LocalAddr(); told(got[1], ol) && !sameAddr(got[1], ol) {
			bad = append(bad, fmt.Sprintf("RemoteAddr %v is not the other end's LocalAddr %v", got[1], ol))
		}
		if or := o.RemoteAddr(); told(got[0], or) && !sameAddr(got[0], or) {
			bad = append(bad, fmt.Sprintf("LocalAddr %v is not the other end's RemoteAddr %v", got[0], or))
		}
	}
	if len(bad) > 0 {
		return desc, &model.Violation{Rule: model.RuleAddrs, Got: desc,
			Want:   "addresses known, unchanged, mirroring the other end's (" + strings.Join(bad, "; ") + ")",
			Expect: model.Expect{N: -1, From: -1, Note: strings.Join(bad, "; ")}}, nil
	}
	if side == model.Acceptor && w.iut(model.Acceptor) && w.l.Kernel {
		if la := w.l.Listener.Addr(); told(la, got[0]) && !sameAddr(la, got[0]) {
			return desc, &model.Violation{Rule: model.RuleListenerAddr, Got: fmt.Sprintf("LocalAddr %v, the listener's Addr %v", got[0], la),
				Want: "the listener's Addr to be its accepted conns' LocalAddr", Expect: model.Expect{N: -1, From: -1}}, nil
		}
	}
	return desc, nil, nil
}

// teardown closes the conns and the listener, then stops what lies
// beneath, each under the run's watch.
func (w *connsWorld) teardown(r *run) {
	by := time.Now().Add(r.o.watchdog())
	var all []net.Conn
	w.mu.Lock()
	all = append(append(all, w.dialed...), w.accepted...)
	for _, c := range w.made {
		all = append(all, c)
	}
	w.mu.Unlock()
	for i, c := range all {
		if c == nil {
			continue
		}
		ch := r.launch(fmt.Sprintf("conn %d.Close() (teardown)", i), func() model.Result { c.Close(); return model.Result{} })
		r.wait(ch, by)
	}
	ch := r.launch("ln.Close() (teardown)", func() model.Result { w.l.Listener.Close(); return model.Result{} })
	r.wait(ch, by)
	w.mu.Lock()
	for _, h := range w.holds {
		h.Close()
	}
	w.mu.Unlock()
	if w.l.Stop != nil {
		r.launch("stop() (teardown)", func() model.Result { w.l.Stop(); return model.Result{} })
	}
}

// generate turns one raw choice into a listener operation valid now and
// runs it: dials (at most 6, at most 3 waiting), accepts (one at a time),
// closes and a deadline on the listener, and small exchanges, closes and
// address checks on the conns accepted.
func (w *connsWorld) generate(r *run, x raw) {
	n := w.m.Conns()
	k, side := x.X%max(1, n), x.E%2
	open := k < n && w.m.Open(k)
	cs := []choice{
		{4, Op{Kind: Dial, End: lnName, To: dialName(n), CtxEnds: w.l.IUT == model.Dialer && !w.l.BothIUT && x.S%3 == 0}, n < 6 && w.m.Queued() < 3},
		{4, Op{Kind: Accept, End: lnName, To: acceptName(len(w.accepted))}, !w.m.Pending()},
		{1, Op{Kind: Close, End: lnName}, true},
	}
	if w.l.Deadline {
		cs = append(cs, choice{2, Op{Kind: SetDeadline, End: lnName, When: whens[x.S%len(whens)]}, true})
	}
	if w.l.ListenAgain != nil {
		cs = append(cs, choice{1, Op{Kind: Listen, End: lnName, To: "x" + strconv.Itoa(w.again+1)}, !w.m.ListenerClosed()})
	}
	var name string
	if k < n && (side == model.Dialer || w.m.AcceptIndex(k) >= 0) {
		name = w.nameOf(k, side)
	}
	reset := side == model.Dialer && k < n && w.m.ResetPending(k)
	cs = append(cs,
		choice{4, Op{Kind: Write, End: name, N: 1 + x.S%5}, open && !w.m.Writing(k)},
		choice{4, Op{Kind: Read, End: name, N: readSizes[x.S%6]}, name != "" && (len(w.m.Unread(k, side)) > 0 || reset)},
		choice{1, Op{Kind: Close, End: name}, name != "" && w.m.Closable(k, side) && !w.m.Writing(k)},
		choice{1, Op{Kind: Addrs, End: name}, open},
	)
	op, ok := pick(cs, x.K)
	if !ok {
		return
	}
	switch op.Kind {
	case Write:
		b := make([]byte, op.N)
		for i := range b {
			b[i] = letters[side][w.letter[side]%26]
			w.letter[side]++
		}
		op.Data, op.N = b, 0
	case Listen:
		w.again++
	}
	r.do(op)
}
