package harness

import (
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netconform/netconform/harness/sysobs"
)

// Timing defaults, before scaling. Lower bounds are never scaled.
const (
	// Tolerance is how late a call may return after its deadline or its
	// trigger. Measured on this kind of machine with both cores busy the
	// tail was ~134 ms (../shared/FEASIBILITY.md §3); the timescale
	// stretches it for slower CI.
	Tolerance = 250 * time.Millisecond
	// defaultStepBudget bounds a blocking call that states no timing.
	defaultStepBudget = 3 * time.Second
	// defaultCaseBudget bounds a whole case.
	defaultCaseBudget = 15 * time.Second
	// settleTime is how long StillBlocked watches an operation before
	// calling it blocked.
	settleTime = 30 * time.Millisecond
	// teardownGrace is how long teardown waits for calls to return after
	// everything was closed; Closes themselves get closeBudget.
	teardownGrace = 2 * time.Second
)

var timescale atomic.Value // float64

func init() {
	f := 1.0
	if s := os.Getenv("NETCONFORM_TIMESCALE"); s != "" {
		if v, err := strconv.ParseFloat(s, 64); err == nil && v > 0 {
			f = v
		}
	}
	timescale.Store(f)
}

// Timescale is the factor that stretches every upper bound and watchdog
// budget (NETCONFORM_TIMESCALE, or SetTimescale). Lower bounds — "never
// before the deadline" — are never stretched.
func Timescale() float64 { return timescale.Load().(float64) }

// SetTimescale sets the timescale; f must be positive.
func SetTimescale(f float64) {
	if f > 0 {
		timescale.Store(f)
	}
}

// Scaled stretches an upper bound by the timescale.
func Scaled(d time.Duration) time.Duration { return scaleBy(d, Timescale()) }

// watchdogFactor stretches watchdogs — how long a call may take before it
// counts as hung — but not timing tolerances: under the race detector a
// loaded machine runs several times slower, and a slow call is not a hang.
func watchdogFactor() float64 {
	if raceEnabled {
		return 3
	}
	return 1
}

// Watchdog is the budget after which a call of nominal length d counts as
// hung: d stretched by the timescale (and under the race detector by 3).
func Watchdog(d time.Duration) time.Duration { return scaleBy(Scaled(d), watchdogFactor()) }

func scaleBy(d time.Duration, f float64) time.Duration { return time.Duration(float64(d) * f) }

// maxAttempts bounds the retries of a case that returned late: at 1×, 2×
// and 4× the timescale, like the net tests' adaptive timeouts. Early
// returns are never retried.
const maxAttempts = 3

var tickOnce = sync.OnceValue(sysobs.KernelTick)

// kernelTick is the kernel's timer tick, read once.
func kernelTick() time.Duration { return tickOnce() }

// The limiter bounds how many cases run at once in this process, across
// every implementation. Exclusive cases (measurements) run alone.
var (
	limitOnce sync.Once
	slots     chan struct{}
	exclusive sync.RWMutex
)

// MaxParallel is the number of cases that may run at once
// (NETCONFORM_PARALLEL, default 24). Most cases spend their time blocked
// on deadlines, so this is well above the number of cores.
func MaxParallel() int {
	if n, err := strconv.Atoi(os.Getenv("NETCONFORM_PARALLEL")); err == nil && n > 0 {
		return n
	}
	return 24
}

// implSlots bound the cases of an implementation that sets Parallel.
var (
	implMu    sync.Mutex
	implSlots = map[string]chan struct{}{}
)

// acquireImpl takes one of im's slots, when it limits its parallelism.
func acquireImpl(im *Impl) func() {
	if im.Parallel <= 0 {
		return func() {}
	}
	implMu.Lock()
	ch, ok := implSlots[im.Name]
	if !ok {
		ch = make(chan struct{}, im.Parallel)
		implSlots[im.Name] = ch
	}
	implMu.Unlock()
	ch <- struct{}{}
	return func() { <-ch }
}

func acquire(excl bool) func() {
	limitOnce.Do(func() { slots = make(chan struct{}, MaxParallel()) })
	if excl {
		exclusive.Lock()
		return exclusive.Unlock
	}
	exclusive.RLock()
	slots <- struct{}{}
	return func() { <-slots; exclusive.RUnlock() }
}

// scaled stretches an upper bound by the run's timescale, which grows when
// a case is retried after returning late.
func (r *run) scaled(d time.Duration) time.Duration { return time.Duration(float64(d) * r.scale) }

// stretch is how much a retry stretches the scenario's own durations
// (deadlines set with In, Sleep steps): 1 on the first attempt, doubling
// on each retry, independent of the timescale.
func (r *run) stretch() float64 { return float64(int(1) << (r.attempt - 1)) }

// watch is a watchdog budget: scaled, and stretched under the race detector.
func (r *run) watch(d time.Duration) time.Duration { return scaleBy(r.scaled(d), watchdogFactor()) }
