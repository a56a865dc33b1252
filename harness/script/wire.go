package script

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/netconform/netconform/harness/internal/engine"
	"github.com/netconform/netconform/harness/internal/wire"
	"github.com/netconform/netconform/harness/result"
)

// wireStep is the wire family: expectations on the TCP segments an
// endpoint sent, in the trace of a case that captures the wire.
type wireStep struct {
	op    wireOp
	ep    string
	flags []string
	d     time.Duration
}

type wireOp string

const (
	opWireMark      wireOp = "mark"
	opExpectSent    wireOp = "sent"
	opExpectNotSent wireOp = "notsent"
	opExpectQuiet   wireOp = "quiet"
)

// KeepAliveProbe is ExpectSent's pseudo-flag for a keep-alive probe.
const KeepAliveProbe = "probe"

// WireMark starts a new window of the wire trace: later ExpectSent and
// ExpectQuiet steps look at segments captured after it.
func WireMark() Step { return Step{f: wireStep{op: opWireMark}} }

// ExpectSent waits until ep has sent segments with these tcpdump flags, in
// order, since the last WireMark ("S", "S.", ".", "P.", "F.", "R.", "R").
// KeepAliveProbe, given to ExpectSent, matches a keep-alive probe: an ACK
// of at most one byte with a sequence number before what the sender had
// already sent. A plain "." does not match probes.
func ExpectSent(ep string, flags ...string) Step {
	return Step{f: wireStep{op: opExpectSent, ep: ep, flags: flags}}
}

// ExpectNotSent expects ep to have sent no segment whose flags contain
// flag (for example "F") since the last WireMark.
func ExpectNotSent(ep, flag string) Step {
	return Step{f: wireStep{op: opExpectNotSent, ep: ep, flags: []string{flag}}}
}

// ExpectQuiet waits d and expects ep to have sent nothing since the last
// WireMark (absence can only be seen by waiting).
func ExpectQuiet(ep string, d time.Duration) Step {
	return Step{f: wireStep{op: opExpectQuiet, ep: ep, d: d}}
}

func (f wireStep) call(Step) string {
	switch f.op {
	case opWireMark:
		return "wire mark"
	case opExpectSent:
		return fmt.Sprintf("wire(%s sent %s)", f.ep, strings.Join(bracket(f.flags), " "))
	case opExpectQuiet:
		return fmt.Sprintf("wire(%s quiet %v)", f.ep, f.d)
	}
	return fmt.Sprintf("wire(%s sent no %s)", f.ep, f.flags[0])
}

// after and trigger: a mark is passed over; expectations read as causes.
func (f wireStep) after(s Step) string {
	if f.op == opWireMark {
		return ""
	}
	return f.call(s)
}

func (f wireStep) trigger() bool { return f.op != opWireMark }

func (f wireStep) needs(Step) []need {
	if f.op == opWireMark {
		return nil
	}
	return []need{{ep: f.ep, observe: true}}
}

func (f wireStep) validate(c *Case, _ *scriptCheck) string {
	if !c.Wire {
		return "wire expectations need Wire"
	}
	return ""
}

func (f wireStep) exec(a *engine.Attempt, s Step, i int) {
	start := time.Now()
	obs := result.Obs{Step: i + 1, Call: s.Call(), At: a.Clock.Since(start), Endpoint: f.ep, Verdict: "ok"}
	defer func() { obs.Took = time.Since(start); a.V.Record(obs) }()
	if a.Net.Trace == nil {
		obs.Verdict = "skipped"
		a.V.Skipped("wire expectations need packet capture: " + a.WireNote())
		return
	}
	if f.op == opWireMark {
		a.Net.Mark = start
		return
	}
	e, err := kernelTuple(a, f.ep)
	if err != nil {
		obs.Verdict = "error"
		broken(a, i, s.Call(), "%v", err)
		return
	}
	var got, want string
	switch f.op {
	case opExpectSent:
		got, want = f.expectSent(a, s, e, start, &obs)
	case opExpectNotSent:
		want = "no segment with " + f.flags[0]
		// Absence needs a window: a segment caused by what came before
		// arrives within microseconds on loopback; allow a few
		// milliseconds, stretched by the timescale on a slow machine.
		time.Sleep(a.Clock.Scaled(5 * time.Millisecond))
		pkts, _ := sentBy(a, e)
		obs.Value = flagsOf(pkts)
		for _, p := range pkts {
			if strings.Contains(p.Flags, f.flags[0]) {
				got = "sent " + flagsOf(pkts)
			}
		}
	case opExpectQuiet:
		want = "nothing sent"
		a.Sleep(f.d)
		pkts, _ := sentBy(a, e)
		obs.Value = flagsOf(pkts)
		if len(pkts) > 0 {
			got = "sent " + flagsOf(pkts)
		}
	}
	obs.Want = want
	if got != "" {
		obs.Verdict = "fail"
		a.V.Fail(result.Finding{Step: i + 1, Call: describe(a, i, s), Got: got, Want: want})
	}
}

// expectSent waits until e sent the step's flags, then judges their times.
// A step that starts after its first segment was due, counted from an
// earlier step (Since), finds the scenario set up too late (the peer
// silenced after the first keep-alive probe, say): the attempt is
// inconclusive, not the implementation late.
func (f wireStep) expectSent(a *engine.Attempt, s Step, e *engine.Endpoint, began time.Time, obs *result.Obs) (got, want string) {
	w := s.want.timing
	want = strings.Join(bracket(f.flags), " ") + wantSentTiming(w, a.Clock.Scale)
	from := a.Net.Mark
	if w.since != "" {
		from = a.LabelStart(w.since)
		if setUpLate(w, from, began) {
			obs.Verdict = "inconclusive"
			a.V.Inconclusive("%s began %v after %s, past the %v after which its first segment was due: the machine was too loaded to set the scenario up in time",
				s.Call(), began.Sub(from).Round(time.Millisecond), w.since, w.notBefore)
			return "", want
		}
	}
	end := time.Now().Add(a.Clock.Scaled(stateBudget))
	if w.within > 0 {
		end = a.Net.Mark.Add(a.Clock.Scaled(w.within + stateBudget))
	}
	for {
		pkts, more := sentBy(a, e)
		if at, ok := matchFlags(pkts, f.flags); ok {
			obs.Value = flagsOf(pkts)
			if got = judgeSentTiming(w, at, from, a.Clock.Scale); got != "" {
				got = flagsOf(pkts) + ", " + got
			}
			return got, want
		}
		if time.Now().After(end) {
			return "sent " + flagsOf(pkts), want
		}
		wait := time.NewTimer(time.Until(end))
		select {
		case <-more:
		case <-wait.C:
		}
		wait.Stop()
	}
}

func bracket(flags []string) []string {
	out := make([]string, len(flags))
	for i, f := range flags {
		out[i] = "[" + f + "]"
	}
	return out
}

// A segment is a captured packet and whether it is a keep-alive probe.
type segment struct {
	wire.Packet
	probe bool
}

// sentBy returns the segments e sent since the mark, and a channel closed
// when the capture holds one more packet.
func sentBy(a *engine.Attempt, e *engine.Endpoint) ([]segment, <-chan struct{}) {
	pkts, more := a.Net.Trace.Watch()
	l, rm, ok := e.Tuple()
	if !ok {
		return nil, more
	}
	return segmentsFrom(pkts, l, rm, a.Net.Mark), more
}

// segmentsFrom returns the packets from l to rm captured at or after
// mark. A zero- or one-byte ACK whose sequence number lies before what the
// sender had already sent is a keep-alive probe (RFC 1122 §4.2.3.6:
// SEG.SEQ = SND.NXT-1); packets before the mark count for what was sent,
// so probes are told from plain ACKs whenever the capture stamped them.
//
// The ACK that completes an active open belongs to the SYN before it: a
// kernel wakes the connecting caller when the SYN-ACK arrives and may send
// that ACK microseconds later, after a mark set as soon as Dial returned.
// So the first segment after a SYN sent before the mark, when it is a bare
// ACK, counts as sent before the mark too.
func segmentsFrom(pkts []wire.Packet, l, rm netip.AddrPort, mark time.Time) []segment {
	var out []segment
	var nxt uint32
	seen, synBeforeMark := false, false
	for _, p := range pkts {
		if engine.Unmap(p.Src) != engine.Unmap(l) || engine.Unmap(p.Dst) != engine.Unmap(rm) {
			continue
		}
		completesOpen := synBeforeMark && p.Flags == "." && p.Len == 0 && p.Seq == nxt
		synBeforeMark = p.Flags == "S" && p.At.Before(mark)
		probe := seen && p.Flags == "." && p.Len <= 1 && int32(p.Seq-nxt) < 0
		end := p.Seq + uint32(p.Len)
		if strings.ContainsAny(p.Flags, "SF") {
			end++
		}
		if !seen || int32(end-nxt) > 0 {
			nxt, seen = end, true
		}
		if !p.At.Before(mark) && !completesOpen {
			out = append(out, segment{p, probe})
		}
	}
	return out
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

func wantSentTiming(w timingWant, scale float64) string {
	var out string
	if w.notBefore > 0 {
		out += ", first not before +" + w.notBefore.String()
	}
	if w.within > 0 {
		out += ", last within +" + engine.ScaleBy(w.within, scale).String()
	}
	return out
}

// setUpLate reports whether a step that began at began, expecting its
// first segment no sooner than w.notBefore after from, began after that
// segment was due: what the steps before it set up may have come too late
// to shape it.
func setUpLate(w timingWant, from, began time.Time) bool {
	return w.notBefore > 0 && began.Sub(from) > w.notBefore-time.Duration(w.ticks)*kernelTick()
}

// judgeSentTiming checks the matched segments' times against NotBefore
// (the first) and Within (the last), measured from the mark.
func judgeSentTiming(w timingWant, at []time.Time, mark time.Time, scale float64) string {
	var bad []string
	if w.notBefore > 0 && at[0].Sub(mark) < w.notBefore-time.Duration(w.ticks)*kernelTick() {
		bad = append(bad, fmt.Sprintf("first at +%v", at[0].Sub(mark).Round(time.Millisecond)))
	}
	if w.within > 0 && at[len(at)-1].Sub(mark) > engine.ScaleBy(w.within, scale) {
		bad = append(bad, fmt.Sprintf("last at +%v", at[len(at)-1].Sub(mark).Round(time.Millisecond)))
	}
	return strings.Join(bad, ", ")
}
