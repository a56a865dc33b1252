package runner

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	h "github.com/netconform/netconform/harness/script"
)

// TestSplitTurns: the cases taking turns are divided among as few children
// as keep each within the longest case's time (Lasts, once per role), so a
// long case does not hold the short ones back: 5 s, 0.75 s and 0.75 s make
// two children, {5 s} and {0.75 s, 0.75 s}, in every role they run.
func TestSplitTurns(t *testing.T) {
	timed := func(id string, d time.Duration) *h.Case {
		return &h.Case{ID: id, Isolated: true, Script: h.Script(h.LinkDown("lo"), h.Sleep(d, "a timer"))}
	}
	long, short1, short2 := timed("test.turns.long", 5*time.Second), timed("test.turns.short", 750*time.Millisecond), timed("test.turns.other", 750*time.Millisecond)
	for _, roles := range [][]harness.Role{{harness.RoleClient}, {harness.RoleClient, harness.RoleServer}} {
		k := &group{serial: true}
		for _, c := range []*h.Case{short1, long, short2} {
			k.cases = append(k.cases, c)
			for _, r := range roles {
				k.runs = append(k.runs, member{c.ID, r})
			}
		}
		var got [][]string
		for _, g := range splitTurns(k) {
			var ids []string
			for _, c := range g.cases {
				ids = append(ids, c.ID)
			}
			require.Len(t, g.runs, len(ids)*len(roles), "every role of each case goes with it")
			require.True(t, g.serial)
			got = append(got, ids)
		}
		require.Equal(t, [][]string{{"test.turns.long"}, {"test.turns.short", "test.turns.other"}}, got, "roles %v", roles)
	}
	a, b := timed("test.turns.a", 0), timed("test.turns.b", 0)
	k := &group{serial: true, cases: []*h.Case{a, b}, runs: []member{{a.ID, harness.RoleClient}, {b.ID, harness.RoleClient}}}
	require.Len(t, splitTurns(k), 1, "cases that say nothing of their time take turns in one child")
	k = &group{serial: true, cases: []*h.Case{long, short1, a}, runs: []member{{long.ID, harness.RoleClient}, {short1.ID, harness.RoleClient}, {a.ID, harness.RoleClient}}}
	groups := splitTurns(k)
	require.Len(t, groups, 2)
	require.Equal(t, []*h.Case{short1, a}, groups[1].cases, "a case that says nothing of its time goes with the shortest child, not behind the longest case")
}
