package harness

import (
	"fmt"
	"net"
	"time"
)

// execEcho serves s.n datagrams on a packet endpoint: each is answered with
// "echo:" + payload, sent to the address ReadFrom returned.
func (r *run) execEcho(i int, s Step) {
	start := time.Now()
	obs := Obs{Step: i + 1, Call: s.call(), At: r.since(start), Endpoint: s.ep, Verdict: "ok"}
	defer func() { obs.Took = time.Since(start); r.record(obs) }()
	e := r.eps[s.ep]
	pc, ok := endpointPacketConn(e)
	if !ok {
		obs.Verdict = "error"
		r.brokenf(i+1, s.call(), "%s is not a net.PacketConn", s.ep)
		return
	}
	sources := map[string]int{}
	for k := 0; k < s.n; k++ {
		var from net.Addr
		var payload []byte
		res, ok := r.calls.call(fmt.Sprintf("%s.ReadFrom (echo %d)", s.ep, k+1), r.watch(defaultStepBudget), func() callResult {
			buf := make([]byte, 2048)
			n, a, err := pc.ReadFrom(buf)
			return callResult{n: n, data: clip(buf, n), addr: a, err: err}
		})
		if !ok {
			r.hang(i, s.Says(fmt.Sprintf("%s.ReadFrom, datagram %d of %d", s.ep, k+1, s.n)), start, r.watch(defaultStepBudget))
			return
		}
		if res.err != nil || res.addr == nil {
			obs.Verdict = "fail"
			r.finding(Finding{Step: i + 1, Call: fmt.Sprintf("%s.ReadFrom(2048), datagram %d of %d", s.ep, k+1, s.n),
				Got: fmt.Sprintf("%d, from %v, %s", res.n, res.addr, Describe(res.err).Short()), Want: "a datagram and its source"})
			return
		}
		from, payload = res.addr, res.data
		sources[from.String()]++
		reply := append([]byte("echo:"), payload...)
		wres, ok := r.calls.call(fmt.Sprintf("%s.WriteTo (echo %d)", s.ep, k+1), r.watch(defaultStepBudget), func() callResult {
			n, err := pc.WriteTo(reply, from)
			return callResult{n: n, err: err}
		})
		if !ok {
			r.hang(i, s.Says(fmt.Sprintf("%s.WriteTo(%s), datagram %d", s.ep, from, k+1)), start, r.watch(defaultStepBudget))
			return
		}
		if wres.err != nil || wres.n != len(reply) {
			obs.Verdict = "fail"
			r.finding(Finding{Step: i + 1, Call: fmt.Sprintf("%s.WriteTo(%q, %v)", s.ep, reply, from),
				Got: fmt.Sprintf("%d, %s", wres.n, Describe(wres.err).Short()), Want: fmt.Sprintf("%d, nil", len(reply))})
			return
		}
	}
	obs.Value = fmt.Sprintf("served %d datagrams from %d sources", s.n, len(sources))
}

func endpointPacketConn(e *endpoint) (net.PacketConn, bool) {
	if e == nil {
		return nil, false
	}
	pc, ok := e.object().(net.PacketConn)
	return pc, ok
}
