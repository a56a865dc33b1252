package runner_test

import (
	"testing"
	"time"

	"github.com/netconform/netconform/harness/runner"
)

// TestParseExploreBudget: a duration, a number of sequences written as go
// test's -benchtime writes counts, or 0; String writes what Parse reads.
func TestParseExploreBudget(t *testing.T) {
	for _, c := range []struct {
		in   string
		want runner.ExploreBudget
		off  bool
	}{
		{"2s", runner.ExploreBudget{Time: 2 * time.Second}, false},
		{"100x", runner.ExploreBudget{Sequences: 100}, false},
		{"0", runner.ExploreBudget{}, true},
		{"0s", runner.ExploreBudget{}, true},
		{"0x", runner.ExploreBudget{}, true},
	} {
		got, err := runner.ParseExploreBudget(c.in)
		if err != nil || got != c.want || got.Off() != c.off {
			t.Errorf("ParseExploreBudget(%q) = %+v (off %v), %v; want %+v (off %v)", c.in, got, got.Off(), err, c.want, c.off)
			continue
		}
		if back, err := runner.ParseExploreBudget(got.String()); err != nil || back != got {
			t.Errorf("ParseExploreBudget(%q.String() = %q) = %+v, %v", c.in, got.String(), back, err)
		}
	}
	for _, bad := range []string{"", "x", "-1x", "ten", "-2s", "2"} {
		if got, err := runner.ParseExploreBudget(bad); err == nil {
			t.Errorf("ParseExploreBudget(%q) = %+v, want an error", bad, got)
		}
	}
}
