package suite

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/explore"
	"github.com/netconform/netconform/harness/explore/model"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/runner"
)

// TestCheckKnownExploreRules: a known divergence may name one of the
// explorer's rules, and only an existing one.
func TestCheckKnownExploreRules(t *testing.T) {
	ok := harness.Impl{Name: "x", Known: []harness.Known{{Case: "explore.closed.read-class", Reason: "r"}, {Case: "explore.listener.accept-order", Role: harness.RoleServer, Reason: "r"}}}
	if err := CheckKnown(&ok); err != nil {
		t.Errorf("explorer rules rejected: %v", err)
	}
	for _, bad := range []harness.Known{
		{Case: "explore.no.such-rule", Reason: "r"},
		{Case: explore.CleanCase, Reason: "r"},
		{Case: "explore.closed.read-class", Role: "both", Reason: "r"},
	} {
		im := harness.Impl{Name: "x", Known: []harness.Known{bad}}
		if err := CheckKnown(&im); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// TestExplorationRows: what an exploration's report becomes — the clean
// row passes only with enough conclusive sequences, each finding is a row
// in its rule's level with the case as evidence, and a declared divergence
// is known-failure when hit and a pass noted "not observed" when not.
func TestExplorationRows(t *testing.T) {
	im := &harness.Impl{Name: "x", Known: []harness.Known{
		{Case: "explore.closed.read-class", Reason: "hit"},
		{Case: "explore.closed.write-class", Reason: "missed"},
	}}
	x := explore.Exploration{Role: harness.RoleClient, Known: explore.KnownRules(im, harness.RoleClient)}
	budget := runner.ExploreBudget{Time: 10 * time.Second} // needs 50 conclusive sequences
	rows := func(rep explore.Report) map[string]*result.Result {
		m := map[string]*result.Result{}
		for _, r := range explorationRows(im, x, budget, &rep) {
			m[r.Case] = r
		}
		return m
	}
	seen := map[string]*explore.KnownSeen{"closed.read-class": {Rule: model.RuleReadAfterCloseClass, Count: 3, Message: "iut.Read(8) = 0, eof, want 0, closed"}}

	got := rows(explore.Report{Sequences: 60, Known: seen})
	if r := got[explore.CleanCase]; r.Outcome != result.Pass {
		t.Errorf("clean row with 60 sequences: %s, want pass (%s)", r.Outcome, r.Reason)
	}
	if r := got["explore.closed.read-class"]; r.Outcome != result.KnownFailure || r.Findings[0].Got != "0, eof" {
		t.Errorf("hit known divergence: %+v", r)
	}
	if r := got["explore.closed.write-class"]; r.Outcome != result.Pass || !strings.HasPrefix(r.Reason, result.NotObserved) {
		t.Errorf("missed known divergence: %s %q", r.Outcome, r.Reason)
	}

	if r := rows(explore.Report{Sequences: 60, Inconclusive: 20})[explore.CleanCase]; r.Outcome != result.Error || !strings.HasPrefix(r.Reason, "inconclusive") {
		t.Errorf("clean row with 40 conclusive sequences: %s %q, want an inconclusive error", r.Outcome, r.Reason)
	}
	if r := rows(explore.Report{Err: errors.New("no pair")})[explore.CleanCase]; r.Outcome != result.Error {
		t.Errorf("clean row of an exploration that could not run: %s", r.Outcome)
	}

	f := explore.Finding{Rule: model.RuleReadPrefix, Call: "iut.Read(8)", Got: `3 "abd"`, WantText: `3 "abc"`, Case: "{case}", Replayed: explore.Fail,
		Ops: []explore.Op{{Kind: explore.Read, End: "iut", N: 8}}}
	got = rows(explore.Report{Sequences: 60, Findings: []explore.Finding{f}})
	if r := got[explore.CleanCase]; r.Outcome != result.Fail {
		t.Errorf("clean row with a finding: %s", r.Outcome)
	}
	r := got["explore.read.prefix"]
	if r == nil || r.Outcome != result.Fail || r.Level != result.Contract || !strings.Contains(r.Evidence, "{case}") || r.Findings[0].Want != `3 "abc"` {
		t.Errorf("finding row: %+v", r)
	}
	for id := range got {
		if !validRowID(id) {
			t.Errorf("row ID %q is not a case ID", id)
		}
	}
}

// caseID is the case language's rule for IDs (script.Case.Validate).
var caseID = regexp.MustCompile(`^[a-z]+(\.[a-z0-9]+(-[a-z0-9]+)*){2}$`)

func validRowID(id string) bool { return caseID.MatchString(id) && strings.HasPrefix(id, "explore.") }

// TestExploreRuleIDsAreCaseIDs: every rule's rows have a valid case ID.
func TestExploreRuleIDsAreCaseIDs(t *testing.T) {
	for _, r := range model.All() {
		if id := explore.RuleCase(r); !validRowID(id) {
			t.Errorf("rule %s: row ID %q is not a case ID", r.ID, id)
		}
		if _, clash := Lookup(explore.RuleCase(r)); clash {
			t.Errorf("rule %s: its row ID is a case's", r.ID)
		}
	}
}

// TestMinSequences: a time budget needs 5 conclusive sequences a second
// (at least 10); a number of sequences needs 10 of them, or all when
// fewer were asked for.
func TestMinSequences(t *testing.T) {
	for _, c := range []struct {
		b    runner.ExploreBudget
		want int
	}{
		{runner.ExploreBudget{Time: time.Second}, 10},
		{runner.ExploreBudget{Time: 10 * time.Second}, 50},
		{runner.ExploreBudget{Sequences: 40}, 10},
		{runner.ExploreBudget{Sequences: 4}, 4},
	} {
		if got := minSequences(c.b); got != c.want {
			t.Errorf("minSequences(%v) = %d, want %d", c.b, got, c.want)
		}
	}
}
