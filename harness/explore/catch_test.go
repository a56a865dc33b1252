package explore

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestCatch runs the explorer on each one-bug wrapper: it must find the
// bug, shrink it, and the shrunk op list must fail on the wrapper when
// replayed and not fail on the std control. It is a long run
// (NETCONFORM_EXPLORE_LONG=1); the default test replays hand-written
// sequences instead (TestReplayBugs).
func TestCatch(t *testing.T) {
	if os.Getenv("NETCONFORM_EXPLORE_LONG") == "" {
		t.Skip("long run: set NETCONFORM_EXPLORE_LONG=1")
	}
	p, err := newPairer("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	var mu sync.Mutex
	rows := []string{fmt.Sprintf("%-26s %-6s %-28s %-10s %9s %8s %6s %7s %7s %s", "bug", "found", "rule", "level", "sequences", "original", "shrunk", "runs", "replay", "control")}
	t.Cleanup(func() { t.Log("catch table:\n" + strings.Join(rows, "\n")) })
	for _, b := range bugs {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := b.subject(p)
			start := time.Now()
			rep := Explore(context.Background(), s, Options{Seed: 1, Sequences: 5000, Workers: 8, ShrinkTime: 15 * time.Second})
			row := fmt.Sprintf("%-26s %-6s", b.name, "no")
			defer func() { mu.Lock(); rows = append(rows, row); mu.Unlock() }()
			if len(rep.Findings) == 0 {
				t.Errorf("not found in %d sequences (%v)", rep.Sequences, time.Since(start))
				return
			}
			f := rep.Findings[0]
			ctl := Replay(context.Background(), b.control(p), f.Ops)
			row = fmt.Sprintf("%-26s %-6s %-28s %-10s %9d %8d %6d %7d %7s %s", b.name, "yes", f.Rule.ID, f.Rule.Level,
				f.Sequences, f.Original, len(f.Ops), f.Attempts, f.Replayed, ctl.Outcome)
			t.Logf("%s in %v:\n%v\n%s", b.name, time.Since(start).Round(time.Millisecond), f.String(), f.Case)
			if f.Replayed != Fail {
				t.Errorf("the shrunk sequence does not fail on replay: %s", f.Replayed)
			}
			if ctl.Outcome == Fail {
				t.Errorf("the shrunk sequence fails the std control too: %s", ctl.Message)
			}
		})
	}
}
