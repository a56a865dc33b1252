package main

import (
	"runtime"
	"time"
)

// Rows wait more than they work: most of a row's time is its cases'
// windows and timers (a keep-alive probe, a 3 s hang, a client program's
// own timeout), so a row per core leaves the cores idle much of the run.
// By default (-jobs 0) the report starts a row per core at once and more,
// up to autoJobsPerCore a core, one at a time while the machine has CPU to
// spare: a row's cases have timing bounds, which a saturated machine
// would make them miss. An explicit -jobs N runs N at a time, as before.
const (
	autoJobsPerCore = 3
	// admitBelow is the share of all cores busy (over admitWindow) under
	// which another row may start.
	admitBelow = 0.85
	// admitWindow is how long the CPU is watched before a row beyond one
	// a core starts, and between two such starts: a row's own start (its
	// test process, its cases all starting at once) is its busiest time,
	// so the window after a start is mostly too busy to start another.
	// Rows end about once a second or so: at 750 ms, two windows a start,
	// the report ran 3 or 4 rows with the cores 30 % idle. Full reports of
	// the same tree, runs alternated, 2026-12-03: 55 s at 400 ms (median
	// of 6) against 63 s at 750 ms (median of 5), the same CPU time and
	// outcomes; 53 s at 250 ms (3 runs), with the cores busier still:
	// 400 ms keeps a margin for the rows' timing bounds.
	admitWindow = 400 * time.Millisecond
)

// An admission decides when the next row may start.
type admission struct {
	jobs  int            // rows at once at most
	free  int            // rows that start without looking at the CPU
	busy  func() float64 // the share of all cores busy since the last call; <0 unknown
	sleep func(time.Duration)
}

// newAdmission is the admission of -jobs n: n at once, or the automatic
// one for 0.
func newAdmission(n int) admission {
	if n > 0 {
		return admission{jobs: n, free: n}
	}
	cores := runtime.NumCPU()
	return admission{jobs: autoJobsPerCore * cores, free: cores, busy: cpuBusy(), sleep: time.Sleep}
}

// wait returns once a row may start beside the others running (which it
// asks again after each window: a row that ends makes room whatever the
// CPU, so that a machine kept busy by others still runs a row a core).
func (a admission) wait(running func() int) {
	if a.busy == nil {
		return
	}
	for running() >= a.free {
		a.busy() // the window starts now
		a.sleep(admitWindow)
		if b := a.busy(); b < admitBelow {
			return // b < 0: unknown here, which holds no row back
		}
	}
}
