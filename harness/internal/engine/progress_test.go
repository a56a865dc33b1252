package engine

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestWatchdogCountsFromLastProgress: a call that keeps moving bytes
// outlives its budget; one that stops is hung a whole budget after its
// last progress; without progress the budget counts from the start.
func TestWatchdogCountsFromLastProgress(t *testing.T) {
	const budget = 300 * time.Millisecond
	var calls Calls
	moving := func(p *Progress, d time.Duration) func() Ret {
		return func() Ret {
			for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(budget / 30) {
				p.Moved()
			}
			return Ret{N: 1}
		}
	}
	p := new(Progress)
	start := time.Now()
	res, ok := calls.Call("moving", budget, moving(p, 3*budget), p)
	require.True(t, ok, "a call still moving bytes was called hung after %v", time.Since(start))
	require.Equal(t, 1, res.N)

	block := make(chan struct{})
	defer close(block)
	p = new(Progress)
	start = time.Now()
	_, ok = calls.Call("stops", budget, func() Ret { moving(p, budget)(); <-block; return Ret{} }, p)
	require.False(t, ok)
	require.GreaterOrEqual(t, time.Since(start), budget+budget*9/10, "hung before a whole budget without progress")

	start = time.Now()
	_, ok = calls.Call("silent", budget, func() Ret { <-block; return Ret{} }, nil)
	require.False(t, ok)
	require.Less(t, time.Since(start), 2*budget)
}
