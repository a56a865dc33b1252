package main

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestAdmission: the rows up to one a core start at once; a further row
// waits until a window of the CPU was less than admitBelow busy; an
// explicit -jobs never looks at the CPU.
func TestAdmission(t *testing.T) {
	loads := []float64{0.99, 0.95, 0.86, 0.40}
	var calls, windows int
	a := admission{jobs: 6, free: 2, sleep: func(time.Duration) { windows++ }, busy: func() float64 {
		calls++
		if calls%2 == 1 {
			return 0 // the call that starts a window
		}
		return loads[calls/2-1]
	}}
	a.wait(func() int { return 0 })
	a.wait(func() int { return 1 })
	require.Zero(t, windows, "a row a core starts at once")
	a.wait(func() int { return 2 })
	require.Equal(t, 4, windows, "the third row waits for the fourth window, the first under %.0f%% busy", admitBelow*100)

	unknown := admission{jobs: 6, free: 2, sleep: func(time.Duration) { windows++ }, busy: func() float64 { return -1 }}
	windows = 0
	unknown.wait(func() int { return 5 })
	require.Equal(t, 1, windows, "a CPU that cannot be read holds no row back")

	fixed := newAdmission(4)
	require.Equal(t, admission{jobs: 4, free: 4}, fixed)
	fixed.wait(func() int { return 3 }) // never looks at the CPU: busy is nil

	// A machine kept busy by others: once the rows running end, the next
	// starts all the same.
	running := 4
	busy := admission{jobs: 6, free: 2, sleep: func(time.Duration) { running-- }, busy: func() float64 { return 1 }}
	busy.wait(func() int { return running })
	require.Equal(t, 1, running, "the row waited until fewer than a row a core were running")
}

// TestCPUBusySeesWork: a core kept busy shows in the share of busy CPU.
func TestCPUBusySeesWork(t *testing.T) {
	busy := cpuBusy()
	if busy == nil {
		t.Skip("no CPU accounting here")
	}
	busy()
	end := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(end) {
	}
	b := busy()
	require.Greater(t, b, 0.9/float64(runtime.NumCPU()), "one core spinning for 300 ms")
	require.LessOrEqual(t, b, 1.0)
}
