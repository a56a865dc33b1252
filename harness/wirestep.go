package harness

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/netconform/netconform/harness/wire"
)

// startWire starts capturing on the loopback of the case's own namespace.
func (r *run) startWire() {
	t, err := wire.Start("lo")
	if err != nil {
		r.res.WireNote = "capture unavailable: " + err.Error()
		return
	}
	r.trace = t
	r.wireMark = time.Now()
}

// stopWire ends the capture and puts the trace in the result, with
// addresses named after the case's endpoints.
func (r *run) stopWire() {
	pkts, err := r.trace.Stop()
	if err != nil {
		r.res.WireNote = "capture ended early: " + err.Error()
	}
	names := r.addrNames()
	for _, p := range pkts {
		r.res.Wire = append(r.res.Wire, Segment{
			At: p.At.Sub(r.start), From: nameOf(names, p.Src), To: nameOf(names, p.Dst),
			Flags: p.Flags, Seq: p.Seq, Ack: p.Ack, Len: p.Len,
		})
	}
}

// addrNames maps the local address of every conn and listener to its name,
// marked with its side ("client(iut)").
func (r *run) addrNames() map[netip.AddrPort]string {
	names := map[netip.AddrPort]string{}
	for _, e := range r.order {
		if ap, ok := addrPort(e.local); ok && (e.conn != nil || e.ln != nil) {
			side := "ref"
			if e.iut {
				side = "iut"
			}
			if _, dup := names[ap]; !dup || e.conn != nil {
				names[unmap(ap)] = fmt.Sprintf("%s(%s)", e.name, side)
			}
		}
	}
	return names
}

func unmap(ap netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()) }

func nameOf(names map[netip.AddrPort]string, ap netip.AddrPort) string {
	if n, ok := names[unmap(ap)]; ok {
		return n
	}
	return ap.String()
}

// A segment is a captured packet and whether it is a keep-alive probe.
type segment struct {
	wire.Packet
	probe bool
}

// sentBy returns the segments e sent since the mark.
func (r *run) sentBy(e *endpoint) []segment {
	l, rm, ok := e.tuple()
	if !ok {
		return nil
	}
	return segmentsFrom(r.trace.Packets(), l, rm, r.wireMark)
}

// segmentsFrom returns the packets from l to rm captured at or after
// mark. A zero- or one-byte ACK whose sequence number lies before what the
// sender had already sent is a keep-alive probe (RFC 1122 §4.2.3.6:
// SEG.SEQ = SND.NXT-1); packets before the mark count for what was sent,
// so probes are told from plain ACKs whenever the capture stamped them.
func segmentsFrom(pkts []wire.Packet, l, rm netip.AddrPort, mark time.Time) []segment {
	var out []segment
	var nxt uint32
	seen := false
	for _, p := range pkts {
		if unmap(p.Src) != unmap(l) || unmap(p.Dst) != unmap(rm) {
			continue
		}
		probe := seen && p.Flags == "." && p.Len <= 1 && int32(p.Seq-nxt) < 0
		end := p.Seq + uint32(p.Len)
		if strings.ContainsAny(p.Flags, "SF") {
			end++
		}
		if !seen || int32(end-nxt) > 0 {
			nxt, seen = end, true
		}
		if !p.At.Before(mark) {
			out = append(out, segment{p, probe})
		}
	}
	return out
}

// execWire runs a wire-trace step.
func (r *run) execWire(i int, s Step) {
	start := time.Now()
	obs := Obs{Step: i + 1, Call: s.call(), At: r.since(start), Endpoint: s.ep, Verdict: "ok"}
	defer func() { obs.Took = time.Since(start); r.record(obs) }()
	if r.trace == nil {
		obs.Verdict = "skipped"
		r.skip("wire expectations need packet capture: " + r.res.WireNote)
		return
	}
	if s.op == opWireMark {
		r.wireMark = start
		return
	}
	e, err := r.kernelTuple(s.ep)
	if err != nil {
		obs.Verdict = "error"
		r.brokenf(i+1, s.call(), "%v", err)
		return
	}
	var got, want string
	switch s.op {
	case opExpectSent:
		want = strings.Join(bracket(s.flags), " ") + s.wantTiming(r.scale)
		end := time.Now().Add(r.scaled(stateBudget))
		if s.want.within > 0 {
			end = r.wireMark.Add(r.scaled(s.want.within + stateBudget))
		}
		for {
			pkts := r.sentBy(e)
			if at, ok := matchFlags(pkts, s.flags); ok {
				from := r.wireMark
				if s.want.since != "" {
					from = r.labelStart(s.want.since)
				}
				got = s.judgeSentTiming(at, from, r.scale)
				obs.Value = flagsOf(pkts)
				if got != "" {
					got = flagsOf(pkts) + ", " + got
				}
				break
			}
			if time.Now().After(end) {
				got = "sent " + flagsOf(pkts)
				break
			}
			time.Sleep(time.Millisecond)
		}
	case opExpectNotSent:
		want = "no segment with " + s.flags[0]
		// Absence needs a window: a segment caused by what came before
		// arrives within microseconds on loopback; allow a few
		// milliseconds, stretched by the timescale on a slow machine.
		time.Sleep(r.scaled(5 * time.Millisecond))
		pkts := r.sentBy(e)
		obs.Value = flagsOf(pkts)
		for _, p := range pkts {
			if strings.Contains(p.Flags, s.flags[0]) {
				got = "sent " + flagsOf(pkts)
			}
		}
	case opExpectQuiet:
		want = "nothing sent"
		r.sleep(s.d)
		pkts := r.sentBy(e)
		obs.Value = flagsOf(pkts)
		if len(pkts) > 0 {
			got = "sent " + flagsOf(pkts)
		}
	}
	obs.Want = want
	if got != "" {
		obs.Verdict = "fail"
		r.finding(Finding{Step: i + 1, Call: r.describe(i, s), Got: got, Want: want})
	}
}

// matchFlags finds flags as a subsequence of the segments' flags and
// returns when each matched. The pseudo-flag KeepAliveProbe matches probes
// only.
func matchFlags(segs []segment, flags []string) ([]time.Time, bool) {
	var at []time.Time
	j := 0
	for _, p := range segs {
		if j >= len(flags) {
			break
		}
		if flags[j] == KeepAliveProbe && p.probe || flags[j] != KeepAliveProbe && !p.probe && p.Flags == flags[j] {
			at = append(at, p.At)
			j++
		}
	}
	return at, j == len(flags)
}

func flagsOf(segs []segment) string {
	if len(segs) == 0 {
		return "nothing"
	}
	var out []string
	for _, p := range segs {
		if p.probe {
			out = append(out, "["+KeepAliveProbe+"]")
			continue
		}
		out = append(out, "["+p.Flags+"]")
	}
	return strings.Join(out, " ")
}

func (s Step) wantTiming(scale float64) string {
	var out string
	if s.want.notBefore > 0 {
		out += ", first not before +" + s.want.notBefore.String()
	}
	if s.want.within > 0 {
		out += ", last within +" + scaleBy(s.want.within, scale).String()
	}
	return out
}

// judgeSentTiming checks the matched segments' times against NotBefore
// (the first) and Within (the last), measured from the mark.
func (s Step) judgeSentTiming(at []time.Time, mark time.Time, scale float64) string {
	var bad []string
	if s.want.notBefore > 0 && at[0].Sub(mark) < s.want.notBefore-time.Duration(s.want.ticks)*kernelTick() {
		bad = append(bad, fmt.Sprintf("first at +%v", at[0].Sub(mark).Round(time.Millisecond)))
	}
	if s.want.within > 0 && at[len(at)-1].Sub(mark) > scaleBy(s.want.within, scale) {
		bad = append(bad, fmt.Sprintf("last at +%v", at[len(at)-1].Sub(mark).Round(time.Millisecond)))
	}
	return strings.Join(bad, ", ")
}
