package explore

import (
	"time"
)

// Options bound and tune an exploration.
type Options struct {
	// Budget bounds the time spent generating and running sequences
	// (default 2 s when Sequences is 0); Sequences bounds their number.
	// Shrinking a finding is not counted against either.
	Budget    time.Duration
	Sequences int
	// MinSequences stretches the budget for a slow subject: sequences go
	// on being started past Budget until this many were, for at most four
	// times the budget, so that a verdict that needs a number of sequences
	// (suite's clean row) does not fail for want of them where each takes
	// long (a transport whose setup or teardown is slow under load).
	MinSequences int
	// Seed makes the run reproducible: sequence i runs from a seed derived
	// from Seed and i. Zero picks one from the clock.
	Seed uint64
	// MaxSteps bounds the generated operations of a sequence (default 20);
	// the blocking checks and awaits the model requires come on top.
	MaxSteps int
	// Timescale stretches every tolerance, settle window and watchdog
	// (default 1). Deadlines themselves and "never before the deadline"
	// are never stretched.
	Timescale float64
	// Tolerance is how late a call may return after its deadline before
	// the sequence is inconclusive (default 250 ms); Settle is the window
	// in which a blocked call must stay blocked (default 30 ms); Watchdog
	// is how long a call that must return may take (default 3 s).
	Tolerance, Settle, Watchdog time.Duration
	// Workers is how many sequences run at once (default 4).
	Workers int
	// ShrinkTime bounds the shrinking of one finding (default 20 s).
	ShrinkTime time.Duration
	// MaxFindings ends the exploration once this many rules were broken
	// (default 1) — with Confirm above 1, each by a sequence that failed
	// twice in a row — and bounds the findings reported.
	MaxFindings int
	// ContractOnly checks contract rules only.
	ContractOnly bool
	// NoShrink reports findings as found.
	NoShrink bool
	// Retries is how many times a sequence that returned late is run again,
	// each time at twice the timescale, before it counts as inconclusive
	// (default 2: three attempts, at 1×, 2× and 4×, as the harness does).
	// Negative: none.
	Retries int
	// Confirm is how many times a finding's shrunk op list is replayed
	// before it is reported (default 3). It is a finding only if more than
	// half of those replays fail by its rule (they stop once that is
	// decided; a replay that returned late is rerun at a larger timescale,
	// as a sequence is, per Retries); otherwise it is inconclusive and
	// named in Report.Unconfirmed, never a finding: a divergence the
	// subject does not show again may be the machine's (a stall past a
	// tolerance, a timer fired late under load), not the subject's. With
	// Confirm above 1 the shrinker, too, takes a sequence as failing only
	// if a second run of it fails by the same rule, so that it does not
	// shrink towards a failure that happened once. 1: one replay must
	// fail, and the shrinker runs each sequence once.
	Confirm int
	// Known names the rules (by ID) the subject is known to break: their
	// violations are counted in Report.Known, not reported as findings. A
	// known convention is noted and the sequence goes on (the model keeps
	// a meaningful state past a convention); a known contract violation
	// ends the sequence.
	Known map[string]bool
}

func (o Options) withDefaults() Options {
	if o.Budget <= 0 && o.Sequences <= 0 {
		o.Budget = 2 * time.Second
	}
	if o.MaxSteps <= 0 {
		o.MaxSteps = 20
	}
	if o.Timescale <= 0 {
		o.Timescale = 1
	}
	if o.Tolerance <= 0 {
		o.Tolerance = 250 * time.Millisecond
	}
	if o.Settle <= 0 {
		o.Settle = 30 * time.Millisecond
	}
	if o.Watchdog <= 0 {
		o.Watchdog = 3 * time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.ShrinkTime <= 0 {
		o.ShrinkTime = 20 * time.Second
	}
	if o.MaxFindings <= 0 {
		o.MaxFindings = 1
	}
	switch {
	case o.Retries == 0:
		o.Retries = 2
	case o.Retries < 0:
		o.Retries = 0
	}
	if o.Confirm <= 0 {
		o.Confirm = 3
	}
	if o.Seed == 0 {
		o.Seed = uint64(time.Now().UnixNano())
	}
	return o
}

func (o *Options) scale(d time.Duration) time.Duration {
	return time.Duration(float64(d) * o.Timescale)
}

func (o *Options) tolerance() time.Duration { return o.scale(o.Tolerance) }
func (o *Options) settle() time.Duration    { return o.scale(o.Settle) }
func (o *Options) watchdog() time.Duration  { return o.scale(o.Watchdog) }

// near is how far ahead a deadline may be for the explorer to wait for it;
// a later one counts as "not during this sequence".
func (o *Options) near() time.Duration { return 200 * time.Millisecond }
