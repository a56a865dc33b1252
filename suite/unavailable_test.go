package suite_test

import (
	"testing"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/suite"
)

// TestUnavailableIsARowOfSkips: an implementation that cannot run here
// is reported, case by case, as skipped with the reason — never absent.
func TestUnavailableIsARowOfSkips(t *testing.T) {
	if suite.Listing() {
		t.Skip("the report command is listing implementations")
	}
	const why = "needs libexample, which is not installed"
	var res *suite.Results
	t.Run("run", func(t *testing.T) {
		res = suite.Unavailable(t, harness.Impl{Name: "unavailable-example", Caps: harness.CapStream | harness.CapListener}, why)
	})
	if t.Skipped() || len(res.List()) == 0 {
		t.Fatalf("Unavailable reported %d results, want one per case", len(res.List()))
	}
	n := 0
	for _, r := range res.List() {
		if r.Outcome != result.Skip || r.Reason != why {
			t.Errorf("%s = %s %q, want skip %q", r.Key(), r.Outcome, r.Reason, why)
		}
		n++
	}
	if want := len(suite.Cases()); n < want {
		t.Errorf("%d results, want at least one per case (%d)", n, want)
	}
}
