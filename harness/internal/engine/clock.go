package engine

import "time"

// Clock is the time base of one attempt. Upper bounds and watchdogs
// stretch with Scale; the scenario's own durations (deadlines set with In,
// Sleep steps) stretch with the attempt number; lower bounds never
// stretch.
type Clock struct {
	Start   time.Time
	Scale   float64 // the runner's timescale, doubled on each retry
	Attempt int     // 1 for the first attempt
	// Watchdog stretches watchdogs only (not timing tolerances): under the
	// race detector a loaded machine runs several times slower, and a slow
	// call is not a hang.
	Watchdog float64
}

// Scaled stretches an upper bound by the attempt's timescale.
func (c Clock) Scaled(d time.Duration) time.Duration { return ScaleBy(d, c.Scale) }

// Watch is a watchdog budget: scaled, and stretched for the race detector.
func (c Clock) Watch(d time.Duration) time.Duration { return ScaleBy(c.Scaled(d), c.Watchdog) }

// Stretch is how much a retry stretches the scenario's own durations: 1 on
// the first attempt, doubling on each retry, independent of the timescale.
func (c Clock) Stretch() float64 { return float64(int(1) << (c.Attempt - 1)) }

// Since is the offset of t from the attempt's start.
func (c Clock) Since(t time.Time) time.Duration { return t.Sub(c.Start) }

// ScaleBy multiplies d by f.
func ScaleBy(d time.Duration, f float64) time.Duration { return time.Duration(float64(d) * f) }
