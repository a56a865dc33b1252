package runner_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/runner"
)

// TestLeakWatchSurvivesDeepStacks: a goroutine more than 100 frames deep
// (the runtime elides the rest of its stack, which goleak cannot parse)
// makes the goroutine leak check skip with the reason; it panicked the
// test process before.
func TestLeakWatchSurvivesDeepStacks(t *testing.T) {
	release, deep := make(chan struct{}), make(chan struct{})
	var down func(n int)
	down = func(n int) {
		if n == 0 {
			close(deep)
			<-release
			return
		}
		down(n - 1)
	}
	go down(150)
	<-deep
	defer close(release)

	rn := runner.New(runner.Config{Timescale: 1, Parallel: 1})
	w := rn.WatchLeaks(&harness.Impl{Name: "deep"})
	require.Empty(t, w.Stop())
	findings, _, skip := w.Goroutines()
	require.Empty(t, findings)
	require.Contains(t, skip, "goleak could not read the goroutines' stacks")
}

// TestLeakWatchLooksAgainAtADeepStack: a goroutine too deep to parse that
// returns soon after the watch begins (a validator recursing through a
// message) delays the watch's snapshot, and the check runs.
func TestLeakWatchLooksAgainAtADeepStack(t *testing.T) {
	release, deep, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var down func(n int)
	down = func(n int) {
		if n == 0 {
			close(deep)
			<-release
			return
		}
		down(n - 1)
	}
	go func() { defer close(done); down(150) }()
	<-deep
	time.AfterFunc(100*time.Millisecond, func() { close(release) })

	rn := runner.New(runner.Config{Timescale: 1, Parallel: 1})
	w := rn.WatchLeaks(&harness.Impl{Name: "deep-then-gone"})
	<-done
	require.Empty(t, w.Stop())
	findings, _, skip := w.Goroutines()
	require.Empty(t, skip)
	require.Empty(t, findings)
}
