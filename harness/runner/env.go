package runner

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
)

// The environment variables netconform reads, all of them here. The first
// group configures a run; the second is how a parent process tells the
// isolated child of one case which case it is (not for users).
const (
	// EnvTimescale stretches every upper time bound and watchdog (default 1).
	EnvTimescale = result.EnvTimescale
	// EnvParallel bounds how many cases run at once in a process (default
	// 64, 32 under the race detector: most cases wait on deadlines and
	// timers, so go test ./suite's thousands of them overlap; the report
	// command, running several processes at once, sets 24).
	EnvParallel = "NETCONFORM_PARALLEL"
	// EnvCases is a regular expression: only cases whose ID matches run.
	EnvCases = result.EnvCases
	// EnvAreas is a comma-separated list of areas: only their cases run.
	EnvAreas = result.EnvAreas
	// EnvToolVersion overrides the version a run reports (the report
	// command sets it from git).
	EnvToolVersion = result.EnvToolVersion
	// EnvExplore is the budget of each implementation's exploration in
	// suite.Run: a time (default DefaultExplore) or a number of sequences
	// per role ("100x"); 0 turns it off.
	EnvExplore = result.EnvExplore
	// EnvPerf, when true, makes the perf cases run (default: skipped,
	// unless EnvAreas names the perf area).
	EnvPerf = result.EnvPerf
	// EnvExploreSeed makes explorations start from this seed (a number;
	// default: one derived from the implementation's name, the same every
	// run).
	EnvExploreSeed = "NETCONFORM_EXPLORE_SEED"

	envChild    = "NETCONFORM_CHILD"        // impl, case and role, \x1f-separated
	envResult   = "NETCONFORM_CHILD_RESULT" // where the child writes its Result as JSON
	envParentNS = "NETCONFORM_PARENT_NETNS" // the parent's namespace, which the child must not be in
)

// Config is what the environment asks of a run.
type Config struct {
	Timescale   float64
	Parallel    int
	Cases       *regexp.Regexp // nil: every case
	Areas       []string       // nil: every area
	ToolVersion string
	// Explore is each implementation's exploration budget (zero: none).
	// ExploreSeed is 0 for a seed derived from the name.
	Explore     ExploreBudget
	ExploreSeed uint64
	// Perf makes the perf cases run; without it they are skipped.
	Perf  bool
	child *child // set in the isolated child of one case
}

// defaultParallel is how many cases run at once when EnvParallel does not
// say: 64, most of them waiting on deadlines and timers; 32 under the race
// detector, where every call costs several times more CPU and a saturated
// 2-core machine returned a timing case late at all three attempts (1 run
// of go test ./suite in 20, both cores busy beside it).
func defaultParallel() int {
	if raceEnabled {
		return 32
	}
	return 64
}

// DefaultExplore is the exploration budget of an implementation when
// NETCONFORM_EXPLORE is not set: short enough to add little to a test run.
const DefaultExplore = 2 * time.Second

// An ExploreBudget is how much of an implementation suite.Run explores:
// a time, split between its roles, or a number of sequences each role
// runs — the same sequences every run for a given seed, however loaded
// the machine. Neither set (or 0) turns exploring off.
type ExploreBudget struct {
	Time      time.Duration
	Sequences int
}

// ParseExploreBudget reads a budget: a duration ("2s"), a number of
// sequences written as go test's -benchtime writes a count ("100x"), or
// "0" for none.
func ParseExploreBudget(s string) (ExploreBudget, error) {
	if s == "0" {
		return ExploreBudget{}, nil
	}
	if n, ok := strings.CutSuffix(s, "x"); ok {
		v, err := strconv.Atoi(n)
		if err != nil || v < 0 {
			return ExploreBudget{}, fmt.Errorf("%q: want a number of sequences before the x (100x)", s)
		}
		return ExploreBudget{Sequences: v}, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return ExploreBudget{}, fmt.Errorf("%q: want a duration (2s), a number of sequences (100x) or 0 (off)", s)
	}
	return ExploreBudget{Time: d}, nil
}

// Off reports whether the budget turns exploring off.
func (b ExploreBudget) Off() bool { return b.Time <= 0 && b.Sequences <= 0 }

// String writes b as ParseExploreBudget reads it.
func (b ExploreBudget) String() string {
	switch {
	case b.Sequences > 0:
		return strconv.Itoa(b.Sequences) + "x"
	case b.Time > 0:
		return b.Time.String()
	}
	return "0"
}

// child identifies the cases an isolated child process runs: one case in
// one role, or the cases of one implementation that share a namespace.
type child struct {
	impl     string
	runs     []member
	result   string // where to write the results, a JSON line each
	parentNS string
}

// A member is one case in one role.
type member struct {
	caseID string
	role   harness.Role
}

// ConfigFromEnv reads the environment, once per process.
func ConfigFromEnv() (Config, error) {
	c := Config{Timescale: 1, Parallel: defaultParallel(), ToolVersion: os.Getenv(EnvToolVersion), Explore: ExploreBudget{Time: DefaultExplore}}
	if s := os.Getenv(EnvExplore); s != "" {
		b, err := ParseExploreBudget(s)
		if err != nil {
			return c, fmt.Errorf("%s: %w", EnvExplore, err)
		}
		c.Explore = b
	}
	if s := os.Getenv(EnvExploreSeed); s != "" {
		v, err := strconv.ParseUint(s, 0, 64)
		if err != nil || v == 0 {
			return c, fmt.Errorf("%s=%q: want a positive number", EnvExploreSeed, s)
		}
		c.ExploreSeed = v
	}
	if s := os.Getenv(EnvTimescale); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v <= 0 {
			return c, fmt.Errorf("%s=%q: want a positive number", EnvTimescale, s)
		}
		c.Timescale = v
	}
	if s := os.Getenv(EnvParallel); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return c, fmt.Errorf("%s=%q: want a positive integer", EnvParallel, s)
		}
		c.Parallel = n
	}
	if s := os.Getenv(EnvCases); s != "" {
		re, err := regexp.Compile(s)
		if err != nil {
			return c, fmt.Errorf("%s: %v", EnvCases, err)
		}
		c.Cases = re
	}
	if s := os.Getenv(EnvAreas); s != "" {
		c.Areas = strings.Split(s, ",")
	}
	if s := os.Getenv(EnvPerf); s != "" {
		v, err := strconv.ParseBool(s)
		if err != nil {
			return c, fmt.Errorf("%s=%q: want 1 or 0", EnvPerf, s)
		}
		c.Perf = v
	}
	c.Perf = c.Perf || slices.Contains(c.Areas, "perf")
	if v := os.Getenv(envChild); v != "" {
		parts := strings.Split(v, "\x1f")
		if len(parts) < 3 || len(parts)%2 != 1 {
			return c, fmt.Errorf("%s=%q: malformed", envChild, v)
		}
		c.child = &child{impl: parts[0], result: os.Getenv(envResult), parentNS: os.Getenv(envParentNS)}
		for i := 1; i < len(parts); i += 2 {
			c.child.runs = append(c.child.runs, member{caseID: parts[i], role: harness.Role(parts[i+1])})
		}
	}
	return c, nil
}

// childEnv is the environment that makes a child process run exactly one
// case, writing its result to path.
func childEnv(impl string, runs []member, path, parentNS string, timescale float64) []string {
	v := impl
	for _, m := range runs {
		v += "\x1f" + m.caseID + "\x1f" + string(m.role)
	}
	return []string{
		envChild + "=" + v,
		envResult + "=" + path,
		envParentNS + "=" + parentNS,
		fmt.Sprintf("%s=%g", EnvTimescale, timescale),
	}
}

// Watchdog stretches a time limit as the runner stretches its watchdogs:
// by the timescale and, under the race detector, by 3. Adapters whose own
// protocol has time limits (a driver's hello) use it to agree with the
// runner about what counts as hung.
func (c Config) Watchdog(d time.Duration) time.Duration {
	return time.Duration(float64(d) * c.Timescale * watchdogFactor())
}

// Child reports whether this process is an isolated child, and of which
// case: the first of them when it runs several (see ChildRuns).
func (c Config) Child() (impl, caseID string, role harness.Role, ok bool) {
	if c.child == nil {
		return "", "", "", false
	}
	return c.child.impl, c.child.runs[0].caseID, c.child.runs[0].role, true
}

// ChildRuns reports whether this process is an isolated child that runs
// case caseID of implementation impl in role, or in any role when role is
// empty.
func (c Config) ChildRuns(impl, caseID string, role harness.Role) bool {
	if c.child == nil || c.child.impl != impl {
		return false
	}
	for _, m := range c.child.runs {
		if m.caseID == caseID && (role == "" || m.role == role) {
			return true
		}
	}
	return false
}
