package explore

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/netconform/netconform/harness/explore/model"
)

// rapidMu guards rapid's process-wide settings (its command-line flags):
// drawing a sequence reads them, shrinking sets them.
var rapidMu sync.RWMutex

// drawRaws draws the sequence of choices seed gives. rapid.Check with the
// same seed draws the same first sequence, so a finding found here is the
// one rapid shrinks.
func drawRaws(seed uint64, maxSteps int) []raw {
	raws, _ := drawRawsTimed(seed, maxSteps)
	return raws
}

// drawRawsTimed is drawRaws, which also says how long it waited for a
// shrink to release rapid's settings.
func drawRawsTimed(seed uint64, maxSteps int) ([]raw, time.Duration) {
	begin := time.Now()
	rapidMu.RLock()
	defer rapidMu.RUnlock()
	waited := time.Since(begin)
	if waited < time.Millisecond {
		waited = 0
	}
	return rawGen(maxSteps).Example(int(seed)), waited
}

// shrink has rapid minimise the sequence seed generated while it keeps
// violating rule, and returns the smallest failing run and how many
// sequences it ran. Each runs against a fresh subject. With o.Confirm
// above 1 a sequence counts as failing only if a second run fails by rule
// too: a failure seen once may be the machine's (a stall under load), and
// a shrinker that kept it would shrink towards the artefact, away from the
// subject's divergence. ok is false when the failure did not reproduce.
func shrink(ctx context.Context, s *Subject, o *Options, kind SeqKind, seed uint64, rule model.Rule) (best Verdict, runs int, ok bool) {
	rapidMu.Lock()
	defer rapidMu.Unlock()
	ensureTesting()
	checks := "1"
	if testing.Short() {
		checks = "5" // rapid divides by 5 under -short
	}
	defer setRapidFlags(map[string]string{
		"rapid.checks":     checks,
		"rapid.seed":       strconv.FormatUint(seed, 10),
		"rapid.nofailfile": "true", // leave no files behind
		"rapid.shrinktime": o.ShrinkTime.String(),
		"rapid.v":          "false",
		"rapid.debug":      "false",
		"rapid.log":        "false",
	})()
	gen := rawGen(o.MaxSteps)
	var last, smallest *Verdict
	// rapid runs each failing candidate twice and gives up shrinking when
	// the two differ; a sequence's verdict is what it should compare, so
	// the second run is the first one's verdict. (Replay re-checks the
	// final list.)
	memo := map[string]Verdict{}
	rapid.Check(&quietTB{name: "explore-" + s.Name}, func(t *rapid.T) {
		raws := gen.Draw(t, "ops")
		key := fmt.Sprint(raws)
		v, ok := memo[key]
		if !ok {
			v = runRaw(ctx, s, o, kind, raws)
			runs++
			if o.Confirm > 1 && v.Outcome == Fail && v.Rule.ID == rule.ID {
				again, n := retried(ctx, o, func(o *Options) Verdict { return runRaw(ctx, s, o, kind, raws) })
				runs += 1 + n
				if again.Outcome != Fail || again.Rule.ID != rule.ID {
					v = again // failed once only: not a failure
				}
			}
			memo[key] = v
		}
		if v.Outcome != Fail || v.Rule.ID != rule.ID {
			return
		}
		last = &v
		if smallest == nil || len(v.Ops) < len(smallest.Ops) {
			smallest = &v
		}
		t.Fatalf("%s", v.Rule.ID) // one call site: rapid compares failures by where they fail
	})
	// rapid's last run is its minimal sequence; should that run have passed
	// (a timing-dependent bug), keep the smallest one that failed.
	switch {
	case last != nil && len(last.Ops) <= len(smallest.Ops):
		return *last, runs, true
	case smallest != nil:
		return *smallest, runs, true
	}
	return Verdict{}, runs, false
}

// setRapidFlags sets rapid's flags and returns what restores them.
func setRapidFlags(values map[string]string) func() {
	old := map[string]string{}
	for name, v := range values {
		f := flag.Lookup(name)
		if f == nil {
			continue
		}
		old[name] = f.Value.String()
		if err := f.Value.Set(v); err != nil {
			panic(fmt.Sprintf("explore: setting -%s=%s: %v", name, v, err))
		}
	}
	return func() {
		for name, v := range old {
			_ = flag.Lookup(name).Value.Set(v)
		}
	}
}

var testingOnce sync.Once

// ensureTesting makes testing.Short callable — rapid asks it — outside a
// test binary: it registers the testing flags and, if the program has not
// parsed its flags yet, marks them parsed (a later flag.Parse still
// parses os.Args).
func ensureTesting() {
	testingOnce.Do(func() {
		if testing.Testing() {
			return
		}
		testing.Init()
		if !flag.Parsed() {
			_ = flag.CommandLine.Parse(nil)
		}
	})
}

// quietTB is the testing.TB-like value rapid needs, outside go test too:
// it records failures and keeps no output. FailNow does not stop the
// goroutine: rapid calls it last, after its report.
type quietTB struct {
	name   string
	mu     sync.Mutex
	failed bool
}

func (t *quietTB) Helper()             {}
func (t *quietTB) Name() string        { return t.name }
func (t *quietTB) Logf(string, ...any) {}
func (t *quietTB) Log(...any)          {}
func (t *quietTB) Skipf(format string, args ...any) {
	panic("explore: rapid skipped: " + fmt.Sprintf(format, args...))
}
func (t *quietTB) Skip(args ...any)      { panic("explore: rapid skipped: " + fmt.Sprint(args...)) }
func (t *quietTB) SkipNow()              { panic("explore: rapid skipped") }
func (t *quietTB) Errorf(string, ...any) { t.Fail() }
func (t *quietTB) Error(...any)          { t.Fail() }
func (t *quietTB) Fatalf(string, ...any) { t.Fail() }
func (t *quietTB) Fatal(...any)          { t.Fail() }
func (t *quietTB) FailNow()              { t.Fail() }
func (t *quietTB) Fail()                 { t.mu.Lock(); t.failed = true; t.mu.Unlock() }
func (t *quietTB) Failed() bool          { t.mu.Lock(); defer t.mu.Unlock(); return t.failed }
