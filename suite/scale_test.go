//go:build netconform_scale

package suite

import (
	"testing"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/program"
	"github.com/netconform/netconform/harness/script"
)

// TestScaleTable checks the netconform_scale build's copies (scale.go):
// valid, distinct IDs, no copy of an after-all case, and Known entries
// that follow their cases' copies.
func TestScaleTable(t *testing.T) {
	base := scaleTable(nil, 1)
	for _, a := range areas {
		base = append(base, a...)
	}
	after := 0
	for _, c := range base {
		if c.Setup == script.SetupAfterAll {
			after++
		}
	}
	got := scaleTable(append([]script.Case(nil), base...), 3)
	if want := len(base) + 2*(len(base)-after); len(got) != want {
		t.Fatalf("%d cases, want %d", len(got), want)
	}
	seen := map[string]bool{}
	for _, c := range got {
		if err := c.Validate(); err != nil {
			t.Error(err)
		}
		if seen[c.ID] {
			t.Errorf("%s twice", c.ID)
		}
		seen[c.ID] = true
	}
	if !seen["halfclose.closewrite.peer-reads-eof-x3"] || seen["leak.sockets.after-cases-x2"] {
		t.Errorf("copies: %v", seen)
	}

	// A table case's entry is copied; an explore rule's, a program case's
	// and an after-all case's are not.
	id := base[0].ID
	prog := ProgramCases(program.TCPServer)[0].ID
	im := harness.Impl{Name: "x", Known: []harness.Known{
		{Case: id, Reason: "r", Role: harness.RoleClient}, {Case: "explore.some-rule", Reason: "r"},
		{Case: prog, Reason: "r"}, {Case: "leak.sockets.after-cases", Reason: "r"},
	}}
	out := scaleKnownList(im, 3)
	if len(im.Known) != 4 || len(out.Known) != 6 || out.Known[4].Case != id+"-x2" || out.Known[5].Case != id+"-x3" || out.Known[5].Role != harness.RoleClient {
		t.Errorf("known: %+v", out.Known)
	}
}
