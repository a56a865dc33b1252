package script

import (
	"fmt"
	"net"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/internal/engine"
	"github.com/netconform/netconform/harness/result"
)

// packetStep is the datagram family: DialPacket, ListenPacket, WriteTo and
// ReadFrom.
type packetStep struct {
	acts
	op     packetOp
	ep     string // acted on; or whose address ListenPacket takes
	as     string // the endpoint DialPacket or ListenPacket makes
	to     string // WriteTo's destination endpoint
	data   []byte
	n      int // WriteToN's size, or ReadFrom's buffer
	target Target
}

type packetOp string

const (
	opDialPacket   packetOp = "DialPacket"
	opListenPacket packetOp = "ListenPacket"
	opWriteTo      packetOp = "WriteTo"
	opReadFrom     packetOp = "ReadFrom"
)

// DialPacket makes a connected datagram conn named as, to t, from the side
// the role gives the clients (the IUT in role client).
func DialPacket(as string, t Target) Step {
	return Step{f: packetStep{op: opDialPacket, as: as, target: t}}
}

// ListenPacket makes an unconnected datagram socket named as on the address
// of endpoint of (to provoke "address in use"), on the IUT's side.
func ListenPacket(as, of string) Step { return Step{f: packetStep{op: opListenPacket, as: as, ep: of}} }

// WriteTo sends data from packet endpoint ep to endpoint to's local address.
func WriteTo(ep, data, to string) Step {
	return Step{f: packetIO{packetStep{op: opWriteTo, ep: ep, data: []byte(data), to: to}}}
}

// WriteToN sends an n-byte pattern datagram from ep to endpoint to.
func WriteToN(ep string, n int, to string) Step {
	return Step{f: packetIO{packetStep{op: opWriteTo, ep: ep, n: n, to: to}}, want: expect{bytes: bytesWant{pattern: true}}}
}

// ReadFrom makes one ReadFrom call on packet endpoint ep with an n-byte buffer.
func ReadFrom(ep string, n int) Step {
	return Step{f: packetIO{packetStep{op: opReadFrom, ep: ep, n: n}}}
}

func (f packetStep) call(Step) string {
	switch f.op {
	case opDialPacket:
		return fmt.Sprintf("%s = Dial(%s)", f.as, f.target)
	case opListenPacket:
		return fmt.Sprintf("%s = ListenPacket(addr(%s))", f.as, f.ep)
	case opWriteTo:
		d := quoteData(f.data)
		if f.data == nil && f.n > 0 {
			d = fmt.Sprintf("<%s>", sizeStr(f.n))
		}
		return fmt.Sprintf("%s.WriteTo(%s, %s)", f.ep, d, f.to)
	}
	return fmt.Sprintf("%s.ReadFrom(%d)", f.ep, f.n)
}

func (f packetStep) after(s Step) string { return f.call(s) }

func (f packetStep) implGap(im *harness.Impl, role Role) string {
	switch {
	case f.op == opListenPacket && im.ListenPacket == nil:
		return "has no ListenPacket, so " + f.call(Step{}) + " cannot run"
	case f.op == opDialPacket && role == RoleClient && im.DialPacket == nil:
		return "has no DialPacket, so " + f.call(Step{}) + " cannot run"
	}
	return ""
}

func (f packetStep) makes(w *whose) {
	switch f.op {
	case opDialPacket:
		w.set(f.as, w.role == RoleClient)
	case opListenPacket:
		w.set(f.as, true)
	}
}

func (f packetStep) direction(Step) dir {
	switch f.op {
	case opReadFrom:
		return dirRead
	case opWriteTo:
		return dirWrite
	}
	return dirNone
}

// packetIO is a WriteTo or a ReadFrom: a call that moves bytes.
type packetIO struct{ packetStep }

func (f packetIO) reads(Step) bool       { return f.op == opReadFrom }
func (f packetIO) accumulates(Step) bool { return false }
func (f packetIO) readLen(Step) int      { return f.n }
func (f packetIO) payload(s Step) []byte { return sent(f.data, f.n, s) }
func (f packetIO) writeLen(s Step) int   { return sentLen(f.data, f.n, s) }

func (f packetStep) exec(a *engine.Attempt, s Step, i int) { runCaller(a, s, i, f) }

func (f packetStep) prepare(a *engine.Attempt, s Step, i int) (callSpec, bool) {
	var e *engine.Endpoint
	if f.op != opDialPacket {
		var ok bool
		if e, ok = endpoint(a, s, i, f.ep); !ok {
			return callSpec{}, false
		}
	}
	var m made
	return callSpec{
		e: e, dl: deadlineOf(e, s),
		do:     func() engine.Ret { return f.do(a, s, e, &m) },
		effect: func(ret engine.Ret) { f.keep(a, m, ret) },
		extra: func(ret engine.Ret) []string {
			bad := m.withErr(ret)
			if f.op == opReadFrom && ret.Err == nil && ret.Addr == nil {
				bad = append(bad, "ReadFrom returned a nil address with a nil error")
			}
			return bad
		},
	}, true
}

func (f packetStep) do(a *engine.Attempt, s Step, e *engine.Endpoint, m *made) engine.Ret {
	im := a.Env.Impl
	var err error
	switch f.op {
	case opDialPacket:
		var network, address string
		if network, address, err = resolveTarget(a, f.target, im.DatagramNetwork()); err != nil {
			return engine.Ret{Err: err}
		}
		if a.Env.Role == harness.RoleClient {
			m.conn, err = im.DialPacket(a.Ctx(), network, address)
		} else {
			m.conn, err = net.Dial(network, address)
		}
	case opListenPacket:
		m.pc, err = im.ListenPacket(a.Ctx(), im.DatagramNetwork(), engine.AddrString(e.Local()))
	case opWriteTo:
		return f.writeTo(a, s, e)
	default:
		return f.readFrom(e)
	}
	return engine.Ret{Err: err}
}

func (f packetStep) writeTo(a *engine.Attempt, s Step, e *engine.Endpoint) engine.Ret {
	pc, ok := e.Object().(net.PacketConn)
	if !ok {
		return engine.Ret{Err: fmt.Errorf("netconform: %s (%T) is not a net.PacketConn", e.Name, e.Object())}
	}
	to := a.Eps.Get(f.to)
	if to == nil {
		return engine.Ret{Err: fmt.Errorf("netconform: no endpoint %q", f.to)}
	}
	n, err := pc.WriteTo(packetIO{f}.payload(s), to.Local())
	return engine.Ret{N: n, Err: err}
}

func (f packetStep) readFrom(e *engine.Endpoint) engine.Ret {
	pc, ok := e.Object().(net.PacketConn)
	if !ok {
		return engine.Ret{Err: fmt.Errorf("netconform: %s (%T) is not a net.PacketConn", e.Name, e.Object())}
	}
	buf := make([]byte, f.n)
	n, addr, err := pc.ReadFrom(buf)
	return engine.Ret{N: n, Data: clip(buf, n), Addr: addr, Err: err}
}

// keep adds what DialPacket or ListenPacket made to the endpoints.
func (f packetStep) keep(a *engine.Attempt, m made, ret engine.Ret) {
	if ret.Err != nil {
		return
	}
	kernel := a.Env.Caps.Has(harness.CapKernel)
	switch {
	case f.op == opDialPacket && m.conn != nil:
		iut := a.Env.Role == harness.RoleClient
		a.Eps.Add(&engine.Endpoint{Name: f.as, IUT: iut, Conn: m.conn, Kernel: !iut || kernel})
	case f.op == opListenPacket && m.pc != nil:
		a.Eps.Add(&engine.Endpoint{Name: f.as, IUT: true, PC: m.pc, Kernel: kernel})
	}
}

// echoStep makes a packet endpoint serve datagrams.
type echoStep struct {
	acts
	ep    string
	count int
}

// Echo makes packet endpoint ep serve count datagrams: each is answered
// with "echo:" + payload, sent with WriteTo to the address ReadFrom returned.
func Echo(ep string, count int) Step { return Step{f: echoStep{ep: ep, count: count}} }

func (f echoStep) call(Step) string { return fmt.Sprintf("%s.Echo(%d)", f.ep, f.count) }

func (f echoStep) after(s Step) string { return f.call(s) }

func (f echoStep) exec(a *engine.Attempt, s Step, i int) {
	start := time.Now()
	obs := result.Obs{Step: i + 1, Call: s.Call(), At: a.Clock.Since(start), Endpoint: f.ep, Verdict: "ok"}
	defer func() { obs.Took = time.Since(start); a.V.Record(obs) }()
	e := a.Eps.Get(f.ep)
	var pc net.PacketConn
	if e != nil {
		pc, _ = e.Object().(net.PacketConn)
	}
	if pc == nil {
		obs.Verdict = "error"
		broken(a, i, s.Call(), "%s is not a net.PacketConn", f.ep)
		return
	}
	sources := map[string]int{}
	for k := 1; k <= f.count; k++ {
		from, ok := f.serve(a, s, i, pc, k, start)
		if !ok {
			obs.Verdict = "fail"
			return
		}
		sources[from]++
	}
	obs.Value = fmt.Sprintf("served %d datagrams from %d sources", f.count, len(sources))
}

// serve reads datagram k and answers it; false when that failed (the
// finding is recorded).
func (f echoStep) serve(a *engine.Attempt, s Step, i int, pc net.PacketConn, k int, start time.Time) (string, bool) {
	budget := a.Clock.Watch(defaultStepBudget)
	res, ok := a.Calls.Call(fmt.Sprintf("%s.ReadFrom (echo %d)", f.ep, k), budget, func() engine.Ret {
		buf := make([]byte, 2048)
		n, addr, err := pc.ReadFrom(buf)
		return engine.Ret{N: n, Data: clip(buf, n), Addr: addr, Err: err}
	}, nil)
	if !ok {
		hang(a, s.Says(fmt.Sprintf("%s.ReadFrom, datagram %d of %d", f.ep, k, f.count)), i, start, budget)
		return "", false
	}
	if res.Err != nil || res.Addr == nil {
		a.V.Fail(result.Finding{Step: i + 1, Call: fmt.Sprintf("%s.ReadFrom(2048), datagram %d of %d", f.ep, k, f.count),
			Got: fmt.Sprintf("%d, from %v, %s", res.N, res.Addr, describeErr(res.Err).Short()), Want: "a datagram and its source"})
		return "", false
	}
	from := res.Addr
	reply := append([]byte("echo:"), res.Data...)
	wres, ok := a.Calls.Call(fmt.Sprintf("%s.WriteTo (echo %d)", f.ep, k), budget, func() engine.Ret {
		n, err := pc.WriteTo(reply, from)
		return engine.Ret{N: n, Err: err}
	}, nil)
	if !ok {
		hang(a, s.Says(fmt.Sprintf("%s.WriteTo(%s), datagram %d", f.ep, from, k)), i, start, budget)
		return "", false
	}
	if wres.Err != nil || wres.N != len(reply) {
		a.V.Fail(result.Finding{Step: i + 1, Call: fmt.Sprintf("%s.WriteTo(%q, %v)", f.ep, reply, from),
			Got: fmt.Sprintf("%d, %s", wres.N, describeErr(wres.Err).Short()), Want: fmt.Sprintf("%d, nil", len(reply))})
		return "", false
	}
	return from.String(), true
}
