package result

import "github.com/netconform/netconform/harness"

// Conclude applies the case's level and the implementation's known
// divergences to a result whose outcome the run decided: an informational
// case that ran is recorded as Info, whatever it observed (its findings
// say what differed) — never a pass, since it cannot fail; a declared case
// that failed is a KnownFailure with the declared reason; a declared case
// that passed is an UnexpectedPass (unless the divergence is
// intermittent), so a Known list cannot rot.
func Conclude(res *Result, im *harness.Impl) {
	if res.Level == Informational && (res.Outcome == Pass || res.Outcome == Fail || res.Outcome == Timeout) {
		res.Outcome = Info
	}
	k, ok := im.KnownFor(res.Case, res.Role)
	if !ok {
		return
	}
	res.Known = &k
	switch res.Outcome {
	case Fail, Timeout:
		res.Outcome = KnownFailure
		res.Reason = k.Reason
	case Pass, Info:
		if k.Intermittent {
			return
		}
		res.Outcome = UnexpectedPass
		res.Findings = append(res.Findings, Finding{
			Call: "known divergence " + res.Case,
			Got:  "pass",
			Want: "fail (" + k.Reason + "); delete the entry from " + im.Name + "'s Known list",
		})
	}
}
