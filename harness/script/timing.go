package script

import (
	"sync"
	"time"

	"github.com/netconform/netconform/harness/sysobs"
)

// Timing defaults, before scaling. Lower bounds are never scaled.
const (
	// Tolerance is how late a call may return after its deadline or its
	// trigger. Measured on a 2-core machine with both cores busy, the tail
	// of deadline lateness was about 134 ms; the timescale stretches it for
	// slower machines.
	Tolerance = 250 * time.Millisecond
	// defaultStepBudget bounds a blocking call that states no timing.
	defaultStepBudget = 3 * time.Second
	// perMiB is the watchdog budget added per MiB a step moves: bulk steps
	// under the race detector on a loaded 2-core machine need seconds.
	perMiB = time.Second
	// settleTime is how long StillBlocked watches an operation before
	// calling it blocked.
	settleTime = 30 * time.Millisecond
	// stateBudget bounds how long kernel observations poll: transitions
	// take microseconds to a few milliseconds on loopback.
	stateBudget = time.Second
	// goneAfter is how long a state wait must find no socket at all to
	// end before its budget: a socket gone never comes back.
	goneAfter = 20 * time.Millisecond
	// setupBudget bounds each setup call (listen, dial, accept, pair);
	// prepareBudget the start of per-case resources (a driver process,
	// which a loaded machine can take seconds to start).
	setupBudget   = 5 * time.Second
	prepareBudget = 15 * time.Second
	// funcBudget bounds a Func step that makes no progress.
	funcBudget = 10 * time.Second
)

var tickOnce = sync.OnceValue(sysobs.KernelTick)

// kernelTick is the kernel's timer tick, read once.
func kernelTick() time.Duration { return tickOnce() }

// A pollPause is the pause between two looks at kernel state. It starts at
// 200 µs and doubles up to 5 ms: a transition that comes at once is seen
// at once, and one that never comes costs a few hundred looks in a
// stateBudget instead of thousands (a known failure waits out the whole
// budget).
type pollPause time.Duration

func (p *pollPause) sleep() {
	*p = max(*p, pollPause(200*time.Microsecond))
	time.Sleep(time.Duration(*p))
	*p = min(2**p, pollPause(5*time.Millisecond))
}
