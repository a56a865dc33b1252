package engine

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness/result"
)

// TestVerdictRule pins the one rule that turns what an attempt found into
// an outcome and into a reason to retry: skipped before broken (or still
// inconclusive) before hung (or overdue) before any finding; only
// lateness (an overdue call's included) and inconclusive attempts are
// retried.
func TestVerdictRule(t *testing.T) {
	f := result.Finding{Step: 1, Call: "iut.Read(8)", Got: "0, eof", Want: "0, closed"}
	for _, tc := range []struct {
		name    string
		do      func(v *Verdict)
		outcome result.Outcome
		retry   bool
		stopped bool
	}{
		{"nothing found", func(v *Verdict) {}, result.Pass, false, false},
		{"allowed only", func(v *Verdict) { v.Allowed(f) }, result.Pass, false, false},
		{"failed check", func(v *Verdict) { v.Fail(f) }, result.Fail, false, true},
		{"late", func(v *Verdict) { v.Late(f) }, result.Fail, true, true},
		{"late then failed", func(v *Verdict) { v.Late(f); v.Fail(f) }, result.Fail, false, true},
		{"inconclusive", func(v *Verdict) { v.Inconclusive("too slow") }, result.Error, true, true},
		{"hung", func(v *Verdict) { v.Hung(f) }, result.Timeout, false, true},
		{"overdue is retried, then a hang", func(v *Verdict) { v.Overdue(f) }, result.Timeout, true, true},
		{"overdue then failed", func(v *Verdict) { v.Overdue(f); v.Fail(f) }, result.Timeout, false, true},
		{"broken", func(v *Verdict) { v.Broken(f) }, result.Error, false, true},
		{"crashed", func(v *Verdict) { v.Crashed(f) }, result.Error, false, true},
		{"skipped", func(v *Verdict) { v.Skipped("no capture") }, result.Skip, false, true},
		{"unsupported", func(v *Verdict) { v.Unsupported("not a net.Conn") }, result.Unsupported, false, true},
		{"skipped wins over a finding", func(v *Verdict) { v.Fail(f); v.Skipped("no capture") }, result.Skip, false, true},
		{"broken wins over hung", func(v *Verdict) { v.Hung(f); v.Broken(f) }, result.Error, false, true},
		{"stuck after a pass is a timeout", func(v *Verdict) { v.Stuck(f) }, result.Timeout, false, true},
		{"stuck after a failure stays a failure", func(v *Verdict) { v.Fail(f); v.Stuck(f) }, result.Fail, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := &result.Result{}
			v := NewVerdict(res)
			tc.do(v)
			require.Equal(t, tc.stopped, v.Stopped())
			require.Equal(t, tc.retry, v.Retry() != "", "Retry() = %q", v.Retry())
			v.Conclude(3)
			require.Equal(t, tc.outcome, res.Outcome)
		})
	}
}

// TestVerdictReasons: the reason a result carries comes from the first
// broken finding, a skip, or the last inconclusive attempt.
func TestVerdictReasons(t *testing.T) {
	res := &result.Result{}
	v := NewVerdict(res)
	v.Broken(result.Finding{Call: "setup", Got: "IUT Dial: refused"})
	v.Broken(result.Finding{Call: "later", Got: "other"})
	v.Conclude(1)
	require.Equal(t, "setup: IUT Dial: refused", res.Reason)

	res = &result.Result{}
	v = NewVerdict(res)
	v.Inconclusive("first")
	v.Inconclusive("the deadline change came %s", "late")
	v.Conclude(3)
	require.Equal(t, "inconclusive after 3 attempts: the deadline change came late", res.Reason)

	res = &result.Result{}
	v = NewVerdict(res)
	v.Fail(result.Finding{Call: "x"})
	v.Skipped("wire expectations need packet capture")
	v.Conclude(1)
	require.Empty(t, res.Findings, "a skip keeps no findings")
	require.Equal(t, "wire expectations need packet capture", res.Reason)
}
