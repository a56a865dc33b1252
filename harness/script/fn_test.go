package script

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness/internal/engine"
	"github.com/netconform/netconform/harness/result"
)

// TestFuncStepHangsOnlyWithoutProgress: a Func step that keeps moving
// bytes outlives its budget; one that stops moving them is hung one
// budget after its last progress; the case's context bounds both.
func TestFuncStepHangsOnlyWithoutProgress(t *testing.T) {
	// The budget is generous and progress frequent so that a loaded
	// machine's late wake-ups (tens of milliseconds) never look like a
	// pause in progress.
	const budget = 400 * time.Millisecond
	var idle time.Duration // from the last progress to the verdict
	step := func(ctx context.Context, work func(x *X)) (bool, time.Duration) {
		a := engine.NewAttempt(ctx, engine.Env{}, engine.Clock{Scale: 1, Attempt: 1, Watchdog: 1}, &result.Result{}, time.Hour)
		x := &X{a: a}
		ch := make(chan engine.Ret, 1)
		go func() { work(x); ch <- engine.Ret{} }()
		start := time.Now()
		_, ok := x.await(ch, start, budget)
		idle = time.Since(x.lastProgress(start))
		return ok, time.Since(start)
	}
	progressFor := func(d time.Duration) func(*X) {
		return func(x *X) {
			for end := time.Now().Add(d); time.Now().Before(end); {
				x.progressed()
				time.Sleep(budget / 40)
			}
		}
	}
	bg := context.Background()

	ok, took := step(bg, progressFor(3*budget))
	require.True(t, ok, "a step still moving bytes after %v was called hung", took)
	require.GreaterOrEqual(t, took, 3*budget)

	block := make(chan struct{})
	defer close(block)
	ok, took = step(bg, func(x *X) { progressFor(2 * budget)(x); <-block })
	require.False(t, ok)
	require.GreaterOrEqual(t, took, 2*budget)
	require.GreaterOrEqual(t, idle, budget, "hung before a whole budget without progress")

	ctx, cancel := context.WithTimeout(bg, 2*budget)
	defer cancel()
	ok, took = step(ctx, progressFor(time.Hour))
	require.False(t, ok)
	require.Less(t, took, 2*budget+budget, "the case's context did not bound a step that keeps progressing")
}
