package runner

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRaceExitEnv: a race-built child is told not to sleep a second at
// exit, keeping the parent's other GORACE options and its own
// atexit_sleep_ms if it set one; a child built without the race detector
// gets no GORACE from the runner.
func TestRaceExitEnv(t *testing.T) {
	for _, tc := range []struct{ parent, want string }{
		{"", "GORACE=atexit_sleep_ms=0"},
		{"halt_on_error=1", "GORACE=halt_on_error=1 atexit_sleep_ms=0"},
		{"my_atexit_sleep_ms=3", "GORACE=my_atexit_sleep_ms=3 atexit_sleep_ms=0"},
		{"atexit_sleep_ms=250 halt_on_error=1", ""},
		{"halt_on_error=1 atexit_sleep_ms=250", ""},
	} {
		require.Nil(t, raceExitOpts(false, tc.parent), "GORACE=%q, not race-built", tc.parent)
		got := raceExitOpts(true, tc.parent)
		if tc.want == "" {
			require.Nil(t, got, "GORACE=%q", tc.parent)
		} else {
			require.Equal(t, []string{tc.want}, got, "GORACE=%q", tc.parent)
		}
	}
	t.Setenv("GORACE", "halt_on_error=1")
	require.Equal(t, raceExitOpts(raceEnabled, "halt_on_error=1"), raceExitEnv(), "raceExitEnv reads this binary's build and GORACE")
}
