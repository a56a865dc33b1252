package engine

import (
	"fmt"
	"sync"

	"github.com/netconform/netconform/harness/result"
)

// A Verdict is what an attempt found, one method per kind of finding, and
// the one rule that turns it into an outcome (Conclude) or into a reason to
// try again (Retry). It also keeps the attempt's transcript and metrics. It
// is safe for concurrent use (Func steps report from their goroutines).
type Verdict struct {
	mu   sync.Mutex
	res  *result.Result
	seen kinds
	why  string // the latest reason the attempt is inconclusive
}

// kinds is a set of kinds of finding.
type kinds uint8

const (
	failed       kinds = 1 << iota // a check failed: no retry can change it
	late                           // an upper-bound timing miss: retried at a larger timescale
	inconclusive                   // the harness acted too late to set the scenario up
	hung                           // a call outlived its watchdog
	broken                         // the harness or the adapter could not go on
	skipped                        // the environment cannot run the case
	unsupported                    // the implementation turned out to lack what the case needs
	overdue                        // a call with an upper time bound outlived its watchdog: retried, then a hang
)

// NewVerdict returns a verdict that writes into res.
func NewVerdict(res *result.Result) *Verdict { return &Verdict{res: res} }

func (v *Verdict) add(k kinds, f *result.Finding) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.seen |= k
	if f != nil {
		v.res.Findings = append(v.res.Findings, *f)
	}
}

// Fail records a failed check.
func (v *Verdict) Fail(f result.Finding) { v.add(failed, &f) }

// Late records a call that returned after its upper bound only: the case
// is retried at a larger timescale before the lateness counts.
func (v *Verdict) Late(f result.Finding) { v.add(late, &f) }

// Inconclusive records that the harness could not set the scenario up in
// time (the machine is loaded): the attempt proves nothing either way.
func (v *Verdict) Inconclusive(format string, args ...any) {
	v.mu.Lock()
	v.why = fmt.Sprintf(format, args...)
	v.mu.Unlock()
	v.add(inconclusive, nil)
}

// Hung records a call that outlived its watchdog.
func (v *Verdict) Hung(f result.Finding) { v.add(hung, &f) }

// Overdue records a call with an upper time bound (Within, at the
// deadline) that outlived its watchdog: on a loaded machine that may be
// lateness, so the case is retried at a larger timescale like a late
// call, and concludes as a hang if no retry is left (the runner leaves
// none after two overdue attempts in a row).
func (v *Verdict) Overdue(f result.Finding) { v.add(overdue, &f) }

// Broken records that the harness or the adapter cannot go on; the first
// such finding is the result's reason.
func (v *Verdict) Broken(f result.Finding) {
	v.add(broken, &f)
	v.mu.Lock()
	if v.res.Reason == "" {
		v.res.Reason = f.Call + ": " + f.Got
	}
	v.mu.Unlock()
}

// Crashed records a finding made as the case broke down — a panic, or an
// implementation that says it is broken (harness.ErrBroken): the case
// cannot go on (an error), and what was seen is the first finding.
func (v *Verdict) Crashed(f result.Finding) { v.add(broken|failed, &f) }

// Skipped records that the environment cannot run the case.
func (v *Verdict) Skipped(reason string) {
	v.add(skipped|broken, nil)
	v.mu.Lock()
	v.res.Reason = reason
	v.mu.Unlock()
}

// Unsupported records that the implementation, as the case found it, lacks
// what the case checks (a PacketConn that is not a net.Conn): nothing to
// pass or fail.
func (v *Verdict) Unsupported(reason string) {
	v.add(unsupported, nil)
	v.mu.Lock()
	v.res.Reason = reason
	v.mu.Unlock()
}

// Stuck records calls still blocked after teardown: a timeout, unless the
// script had already stopped for another reason.
func (v *Verdict) Stuck(f result.Finding) {
	k := kinds(0)
	if !v.Stopped() {
		k = hung
	}
	v.add(k, &f)
}

// Allowed records a non-preferred but acceptable outcome.
func (v *Verdict) Allowed(f result.Finding) {
	v.mu.Lock()
	v.res.Allowed = append(v.res.Allowed, f)
	v.mu.Unlock()
}

// Record appends an observation to the transcript.
func (v *Verdict) Record(o result.Obs) {
	v.mu.Lock()
	v.res.Transcript = append(v.res.Transcript, o)
	v.mu.Unlock()
}

// Metric records a measurement (informational).
func (v *Verdict) Metric(name string, x float64) {
	v.mu.Lock()
	if v.res.Metrics == nil {
		v.res.Metrics = map[string]float64{}
	}
	v.res.Metrics[name] = x
	v.mu.Unlock()
}

// AddEvidence appends text to the result's evidence.
func (v *Verdict) AddEvidence(s string) {
	v.mu.Lock()
	v.res.Evidence += s
	v.mu.Unlock()
}

func (v *Verdict) has(k kinds) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.seen&k != 0
}

// Stopped reports whether the script must stop: something was found.
func (v *Verdict) Stopped() bool {
	return v.has(failed | late | inconclusive | hung | overdue | broken | skipped | unsupported)
}

// Failed reports whether a check failed.
func (v *Verdict) Failed() bool { return v.has(failed) }

// IsOverdue reports whether a call with an upper time bound outlived its
// watchdog.
func (v *Verdict) IsOverdue() bool { return v.has(overdue) }

// IsInconclusive reports whether the harness acted too late to set the
// scenario up.
func (v *Verdict) IsInconclusive() bool { return v.has(inconclusive) }

// IsSkipped reports whether the environment cannot run the case.
func (v *Verdict) IsSkipped() bool { return v.has(skipped) }

// Retry says why the attempt proves nothing final — it only returned late,
// or the harness acted too late — or "" when its result stands.
func (v *Verdict) Retry() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch {
	case v.seen&(failed|broken|skipped|unsupported) != 0:
		return ""
	case v.seen&inconclusive != 0:
		return "inconclusive: " + v.why
	case v.seen&(late|overdue) != 0 && len(v.res.Findings) > 0:
		return "late: " + v.res.Findings[0].String()
	}
	return ""
}

// Conclude sets the result's outcome, after attempts attempts, by the one
// rule: skipped, then unsupported, then broken or still inconclusive
// (error), then hung or overdue (timeout), then any finding (fail), else pass.
func (v *Verdict) Conclude(attempts int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	res := v.res
	if v.seen&inconclusive != 0 {
		v.seen |= broken
		res.Reason = fmt.Sprintf("inconclusive after %d attempts: %s", attempts, v.why)
	}
	switch {
	case v.seen&skipped != 0:
		res.Outcome = result.Skip
		res.Findings = nil
	case v.seen&unsupported != 0:
		res.Outcome = result.Unsupported
		res.Findings = nil
	case v.seen&broken != 0:
		res.Outcome = result.Error
		if res.Reason == "" && len(res.Findings) > 0 {
			res.Reason = res.Findings[0].String()
		}
	case v.seen&(hung|overdue) != 0:
		res.Outcome = result.Timeout
	case len(res.Findings) > 0:
		res.Outcome = result.Fail
	default:
		res.Outcome = result.Pass
	}
}
