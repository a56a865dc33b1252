package suite_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness/program"
	"github.com/netconform/netconform/suite"
)

// TestCatalogueCoverage keeps the cases and the behaviour catalogue in
// step: every catalogue ID a case cites exists, every behaviour is cited
// by a case or listed in suite.Uncased with its reason, and no listed one
// has a case after all. It logs the behaviours without a case.
func TestCatalogueCoverage(t *testing.T) {
	behaviours := suite.Catalogue()
	require.GreaterOrEqual(t, len(behaviours), 130, "the catalogue did not parse")
	ids := map[string]bool{}
	for _, b := range behaviours {
		require.NotEmpty(t, b.Title, b.ID)
		require.Contains(t, []string{"contract", "convention", "informational"}, b.Level, "%s has no Level line", b.ID)
		require.False(t, ids[b.ID], "catalogue ID %s appears twice", b.ID)
		ids[b.ID] = true
	}
	cited := map[string][]string{}
	all := suite.Cases()
	for _, k := range []program.Kind{program.TCPServer, program.UDPServer, program.TCPClient} {
		for _, c := range suite.ProgramCases(k) {
			all = append(all, *c)
		}
	}
	for _, c := range all {
		for _, id := range strings.Fields(c.Catalogue) {
			if !ids[id] {
				t.Errorf("case %s cites %s, which the catalogue does not have", c.ID, id)
			}
			cited[id] = append(cited[id], c.ID)
		}
	}
	uncased := suite.Uncased()
	var gaps []string
	for _, b := range behaviours {
		why, listed := uncased[b.ID]
		switch {
		case len(cited[b.ID]) > 0 && listed:
			t.Errorf("%s is listed as uncased (%s) but %v cite it: remove it from suite.Uncased", b.ID, why, cited[b.ID])
		case len(cited[b.ID]) == 0 && !listed:
			t.Errorf("%s (%s) has no case: write one, or list it in suite.Uncased with the reason", b.ID, b.Title)
		case listed:
			gaps = append(gaps, b.ID)
		}
	}
	for id := range uncased {
		if !ids[id] {
			t.Errorf("suite.Uncased lists %s, which the catalogue does not have", id)
		}
	}
	slices.Sort(gaps)
	t.Logf("%d of %d catalogue behaviours have a case; without one: %s", len(behaviours)-len(gaps), len(behaviours), strings.Join(gaps, " "))
}
