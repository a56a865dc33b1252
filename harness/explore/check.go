package explore

import (
	"context"
	"testing"
)

// Check explores s within o from a test and fails t with each finding —
// its message, the shrunk transcript and the case to paste — and with an
// error when the exploration could not run. Inconclusive sequences, hung
// calls and violations not confirmed by replays are logged, not failed.
// It returns the report.
//
//	func TestExploreMyConn(t *testing.T) {
//		explore.Check(t, explore.Subject{Name: "myconn", NewPair: newPair, Peer: explore.PeerTCP,
//			Caps: explore.CapDeadline | explore.CapConcurrent | explore.CapBuffered, Classify: classify},
//			explore.Options{Budget: 2 * time.Second})
//	}
func Check(t testing.TB, s Subject, o Options) Report {
	t.Helper()
	ctx := context.Background()
	if c, ok := t.(interface{ Context() context.Context }); ok {
		ctx = c.Context()
	}
	rep := Explore(ctx, s, o)
	t.Logf("%s: %d sequences, %d steps in %v (%.0f/s), seed %#x, %d retried, %d inconclusive (%d of them not confirmed by replays)",
		rep.Subject, rep.Sequences, rep.Steps, rep.Elapsed, rep.PerSecond(), rep.Seed, rep.Retries, rep.Inconclusive, len(rep.Unconfirmed))
	if rep.Err != nil {
		t.Errorf("explore %s: %v", s.Name, rep.Err)
	}
	for _, f := range rep.Findings {
		t.Errorf("explore %s found:\n%s\n%s", s.Name, f.String(), f.Case)
	}
	for _, h := range rep.Hung {
		t.Logf("hung call left behind: %s", h)
	}
	for _, u := range rep.Unconfirmed {
		t.Logf("not confirmed by replays: %s", u)
	}
	return rep
}
