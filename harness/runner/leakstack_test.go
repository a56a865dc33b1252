package runner_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/runner"
)

// deepGoroutine starts a goroutine 150 frames deep (the runtime elides
// the rest of a stack past 100 frames, which goleak cannot parse) and
// returns once it is that deep; it returns when release is called, and
// done is closed once it has.
func deepGoroutine() (release func(), done <-chan struct{}) {
	rel, deep, ended := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var down func(n int)
	down = func(n int) {
		if n == 0 {
			close(deep)
			<-rel
			return
		}
		down(n - 1)
	}
	go func() { defer close(ended); down(150) }()
	<-deep
	return func() { close(rel) }, ended
}

// TestLeakWatchSurvivesDeepStacks: a goroutine too deep for goleak to
// parse, there all along, makes the goroutine leak check skip with the
// reason; it panicked the test process before.
func TestLeakWatchSurvivesDeepStacks(t *testing.T) {
	release, _ := deepGoroutine()
	defer release()

	rn := runner.New(runner.Config{Timescale: 1, Parallel: 1})
	w := rn.WatchLeaks(&harness.Impl{Name: "deep"})
	require.Empty(t, w.Stop())
	findings, _, skip := w.Goroutines()
	require.Empty(t, findings)
	require.Contains(t, skip, "goleak could not read the goroutines' stacks")
}

// TestLeakWatchLooksAgainAtADeepStack: a goroutine too deep to parse that
// returns soon after the watch begins (a recursion through a nested
// message) delays the watch's snapshot, and the check runs.
func TestLeakWatchLooksAgainAtADeepStack(t *testing.T) {
	release, done := deepGoroutine()
	time.AfterFunc(100*time.Millisecond, release)

	rn := runner.New(runner.Config{Timescale: 1, Parallel: 1})
	w := rn.WatchLeaks(&harness.Impl{Name: "deep-then-gone"})
	<-done
	require.Empty(t, w.Stop())
	findings, _, skip := w.Goroutines()
	require.Empty(t, skip)
	require.Empty(t, findings)
}
