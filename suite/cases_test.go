package suite_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/script"
	"github.com/netconform/netconform/suite"
)

// specSources are the ways a spec sentence may name its source.
var specSources = regexp.MustCompile(`^(net\.|io\.|os\.|internal/poll|Go's net|Linux |RFC \d+)`)

var knownAreas = map[string]bool{
	"halfclose": true, "eof": true, "deadline": true, "closed": true, "listener": true,
	"dial": true, "udp": true, "keepalive": true, "conn": true, "sockopt": true,
	"state": true, "fault": true, "wire": true, "perf": true, "leak": true,
}

// TestCaseTable checks the catalogue itself: IDs well formed and unique,
// one-sentence specs that name their source, a level, a known area, and a
// script the harness accepts.
func TestCaseTable(t *testing.T) {
	cases := suite.Cases()
	require.GreaterOrEqual(t, len(cases), 80, "the catalogue shrank")
	seen := map[string]bool{}
	for _, c := range cases {
		if err := c.Validate(); err != nil {
			t.Error(err)
		}
		if seen[c.ID] {
			t.Errorf("case ID %q is declared twice", c.ID)
		}
		seen[c.ID] = true
		if !knownAreas[c.Area()] {
			t.Errorf("case %s: area %q is not one of the suite's areas", c.ID, c.Area())
		}
		if !specSources.MatchString(c.Spec) {
			t.Errorf("case %s: spec %q does not start with its source (a Go doc name, Linux, an RFC)", c.ID, c.Spec)
		}
		if strings.ContainsAny(c.Spec, "\r\n") || strings.Count(c.Spec, ". ") > 0 {
			t.Errorf("case %s: spec is not one sentence: %q", c.ID, c.Spec)
		}
		if c.Needs == 0 && c.Setup != script.SetupAfterAll {
			t.Errorf("case %s needs no capability; every case needs at least the surface it exercises", c.ID)
		}
	}
}

// TestLookup checks that every ID resolves to its case.
func TestLookup(t *testing.T) {
	for _, c := range suite.Cases() {
		got, ok := suite.Lookup(c.ID)
		require.True(t, ok, c.ID)
		require.Equal(t, c.ID, got.ID)
	}
	_, ok := suite.Lookup("no.such.case")
	require.False(t, ok)
}

// TestKnownListsNameRealCases checks that a known-divergence entry for an
// unknown case is refused: the list must not rot silently.
func TestKnownListsNameRealCases(t *testing.T) {
	im := harness.Impl{Name: "x", Known: []harness.Known{{Case: "no.such.case", Reason: "r"}}}
	require.ErrorContains(t, suite.CheckKnown(&im), "unknown case")
	for _, b := range builtins {
		require.NoError(t, suite.CheckKnown(&b), b.Name)
	}
}
