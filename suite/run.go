package suite

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/explore"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/runner"
	"github.com/netconform/netconform/harness/script"
)

var (
	timescale = flag.Float64("netconform.timescale", 0,
		"stretch every upper time bound and watchdog by this factor (default "+runner.EnvTimescale+" or 1); lower bounds never stretch")
	perfFlag = flag.Bool("netconform.perf", false,
		"run the perf cases (default "+runner.EnvPerf+"; skipped otherwise: each measures alone and holds every other case)")
	listImpls = flag.Bool(result.FlagList, false,
		"print the implementations suite.Run is called with and the cases selected, one per line, and run nothing")
)

// process is the runner of this test process, made by the first Run: it
// owns the timescale, the limits on parallel cases, isolated children and
// leak watching for every implementation the process runs.
var process = sync.OnceValues(func() (*runner.Runner, error) {
	cfg, err := runner.ConfigFromEnv()
	if err != nil {
		return nil, err
	}
	if *timescale > 0 {
		cfg.Timescale = *timescale
	}
	cfg.Perf = cfg.Perf || *perfFlag
	rn := runner.New(cfg)
	rn.Reexec = reexec
	rn.ReexecShared = reexecShared
	return rn, rn.Prepare()
})

// Run runs every case against im as subtests of t: t/<impl>/<case-id>, plus
// /<role> where the case runs in both roles. Beside the cases it explores
// im with harness/explore for -netconform.explore or NETCONFORM_EXPLORE
// (default 2 s; "100x" for 100 sequences per role; 0 turns it off), reporting in t/<impl>/explore/… results
// of the area "explore" (see explore.go). Cases run concurrently (bounded
// by NETCONFORM_PARALLEL), each under its own watchdog, so a hanging
// implementation produces failures with evidence, never a hung test.
//
// Outcomes map to the test result: pass passes; fail, timeout,
// unexpected-pass and error fail; unsupported, skip and known-failure skip
// with their reason; informational differences pass with a log line. Under
// go test -json, each result is also an event (see package result) that
// go run ./reports -from reads.
//
// What Run cannot contain: a panic in a goroutine the implementation
// started itself, or a call to os.Exit, ends the test process (the report
// command runs each implementation in a process of its own for that
// reason); a goroutine that stays blocked after its case was torn down is
// reported, and left behind.
//
// The Results it returns fill in as the cases finish: they are complete
// once the test (or subtest) that called Run has returned from its t.Run,
// since the cases are parallel subtests of it.
func Run(t *testing.T, im harness.Impl) *Results {
	t.Helper()
	return runCases(t, im, nil)
}

// Listing reports whether this test process only lists implementations
// and cases (the report command's -netconform.list): a test should not
// prepare anything costly (build programs, start drivers) before it calls
// Run.
func Listing() bool { return *listImpls }

// runCases is Run over pool, in start order: every case of the catalogue
// and the exploration when pool is nil.
func runCases(t *testing.T, im harness.Impl, pool []*script.Case) *Results {
	t.Helper()
	return runCasesOr(t, im, pool, "")
}

// runCasesOr is runCases, or, when why is not empty, skipAll: the
// implementation cannot run here.
func runCasesOr(t *testing.T, im harness.Impl, pool []*script.Case, why string) *Results {
	t.Helper()
	col := &collector{}
	rn, err := process()
	if *listImpls {
		list(t, rn, im, pool)
		return &Results{col}
	}
	if err != nil {
		t.Fatal(err)
	}
	check := im
	if why != "" {
		check = harness.Impl{Name: im.Name} // nothing of it runs: its name must still be a valid one
	}
	if err := check.Validate(); err != nil {
		t.Fatal(err)
	}
	if scaleKnown != nil {
		im = scaleKnown(im)
	}
	if err := CheckKnown(&im); err != nil {
		t.Fatal(err)
	}
	sel, err := selected(rn.Config(), pool)
	if err != nil && (pool != nil || !exploreSelected(rn.Config())) {
		t.Fatal(err)
	}
	parents.Store(im.Name, t.Name())
	t.Run(im.Name, func(t *testing.T) {
		if why == "" {
			why = unavailable(&im)
		}
		if why != "" {
			skipAll(t, rn, &im, sel, col, why)
			return
		}
		runImpl(t, rn, &im, sel, col, pool == nil)
	})
	return &Results{col}
}

// Results are what one Run produced.
type Results struct{ col *collector }

// List returns the results gathered so far, one per case and role.
func (r *Results) List() []result.Result {
	r.col.mu.Lock()
	defer r.col.mu.Unlock()
	return append([]result.Result(nil), r.col.results...)
}

// selected returns the cases the configuration selects, in start order.
func selected(cfg runner.Config, pool []*script.Case) ([]*script.Case, error) {
	if pool == nil {
		pool = startOrder()
	}
	var out []*script.Case
	for _, c := range pool {
		if (cfg.Cases == nil || cfg.Cases.MatchString(c.ID)) && (cfg.Areas == nil || slices.Contains(cfg.Areas, c.Area())) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no case matches %s=%q %s=%q", runner.EnvCases, os.Getenv(runner.EnvCases), runner.EnvAreas, os.Getenv(runner.EnvAreas))
	}
	return out, nil
}

// unavailable says why this machine cannot run im at all: an IPv6
// implementation without IPv6 loopback.
func unavailable(im *harness.Impl) string {
	if !strings.HasSuffix(im.StreamNetwork(), "6") && !(strings.HasSuffix(im.DatagramNetwork(), "6") && im.Caps.Has(harness.CapPacket)) {
		return ""
	}
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return "no IPv6 loopback on this machine (try: sysctl -w net.ipv6.conf.lo.disable_ipv6=0)"
	}
	ln.Close()
	return ""
}

func runImpl(t *testing.T, rn *runner.Runner, im *harness.Impl, cases []*script.Case, col *collector, explores bool) {
	childImpl, _, _, child := rn.Child()
	if child && childImpl != im.Name {
		t.Skip("isolated child of another implementation")
	}
	var explorations []explore.Exploration
	col.mu.Lock()
	col.child = child
	col.mu.Unlock()
	if !child {
		t.Cleanup(func() { col.summarize(t, im.Name) }) // after the after-all results

		var planned []string
		if explores && exploreSelected(rn.Config()) {
			xs, keys, err := exploreRows(im, rn.Config().Watchdog(5*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			explorations, planned = xs, keys
		}
		col.announce(t, rn, im, cases, planned...)
		watch := rn.WatchLeaks(im)
		t.Cleanup(func() {
			for _, res := range afterAll(watch, im, cases) {
				col.reportAfterAll(t, res)
			}
		})
	}
	if im.Close != nil {
		t.Cleanup(im.Close) // before the leak checks, which run after it
	}
	share := rn.Share(im)       // the isolated cases that can share a child
	inProcess := newCountdown() // the cases started that run in this process
	startCase := func(c *script.Case) []chan *result.Result {
		roles := c.RolesFor(im)
		results := make([]chan *result.Result, len(roles))
		for i, role := range roles {
			if child && !rn.ChildRuns(im.Name, c.ID, role) {
				continue
			}
			share.Add(c, role)
			out := start(rn, im, c, role)
			if !c.Isolated && !c.Wire {
				inProcess.Add()
				out = passOn(out, inProcess.Done)
			}
			results[i] = out
		}
		return results
	}
	// When go test runs every subtest of this one, every case starts at
	// once, before the subtests: starting a subtest waits for the
	// scheduler, which the cases already running keep busy (with 200
	// cases, the last implementation started a second after the first).
	// The subtest then goes parallel, so the caller goes on to the next
	// implementation at once, not after this one's hundreds of t.Run calls.
	early := map[*script.Case][]chan *result.Result{}
	startedEarly := !child && everySubtestRuns(t)
	if startedEarly {
		for _, c := range cases {
			if c.Setup != script.SetupAfterAll {
				early[c] = startCase(c)
			}
		}
		share.Seal()
		t.Parallel()
	}
	for _, c := range cases {
		if child && !rn.ChildRuns(im.Name, c.ID, "") || c.Setup == script.SetupAfterAll {
			continue
		}
		roles := c.RolesFor(im)
		t.Run(c.ID, func(t *testing.T) {
			results, ok := early[c]
			if !ok {
				results = startCase(c)
			}
			t.Parallel()
			for i, role := range roles {
				if results[i] == nil {
					continue
				}
				if len(roles) == 1 {
					col.report(t, <-results[i])
					continue
				}
				t.Run(string(role), func(t *testing.T) { col.report(t, <-results[i]) })
			}
		})
	}
	share.Seal()
	if !startedEarly {
		t.Parallel()
	}
	inProcess.Seal()
	if explorations != nil {
		// The exploration starts once few of the implementation's cases
		// that run in this process are left (the isolated ones, in
		// children, may run for seconds more): started with them, it would
		// compete for the CPU with hundreds of cases starting at once.
		reportExplore(t, col, func() chan []*result.Result {
			return startExplore(rn, im, explorations, inProcess.Few)
		})
	}
}

// everySubtestRuns reports whether go test's -run and -skip select every
// subtest below t: -skip is empty and -run names no level below t's.
func everySubtestRuns(t *testing.T) bool {
	return flag.Lookup("test.run") != nil && !FiltersBelow(strings.Count(t.Name(), "/")+1)
}

// FiltersBelow reports whether go test's -skip is set, or its -run pattern
// (split as go test splits it) names a level deeper than level, the
// top-level tests being level 1: then some subtests below that level may
// not run. A test package uses it to judge a whole row (a program's
// cases, an implementation's) only when every case of it ran.
func FiltersBelow(level int) bool {
	if f := flag.Lookup("test.skip"); f == nil || f.Value.String() != "" {
		return true
	}
	f := flag.Lookup("test.run")
	return f != nil && len(patternLevels(f.Value.String())) > level
}

// SubtestSelected reports whether go test's -run selects the subtest
// called name of the top-level test running (its second level, the
// pattern split as go test splits it). A program's test package uses it
// to prepare only the programs a run selects, as a report row, one
// process per program, does.
func SubtestSelected(name string) bool {
	f := flag.Lookup("test.run")
	if f == nil {
		return true
	}
	levels := patternLevels(f.Value.String())
	if len(levels) < 2 {
		return true
	}
	re, err := regexp.Compile(levels[1])
	return err != nil || re.MatchString(name)
}

// patternLevels splits a -run pattern into the patterns of its levels as
// go test does: at each slash outside brackets and parentheses.
func patternLevels(pat string) []string {
	if pat == "" {
		return nil
	}
	var levels []string
	depth, from := 0, 0
	for i := 0; i < len(pat); i++ {
		switch pat[i] {
		case '\\':
			i++
		case '(', '[':
			depth++
		case ')', ']':
			depth--
		case '/':
			if depth == 0 {
				levels = append(levels, pat[from:i])
				from = i + 1
			}
		}
	}
	return append(levels, pat[from:])
}

// start begins running c in role at once, before the subtest pauses in
// t.Parallel: the runner's own limiter bounds concurrency, not -parallel,
// so cases that spend seconds waiting on deadlines overlap.
func start(rn *runner.Runner, im *harness.Impl, c *script.Case, role harness.Role) chan *result.Result {
	out := make(chan *result.Result, 1)
	go func() { out <- rn.Run(context.Background(), im, c, role) }()
	return out
}

// passOn returns a channel that receives in's result, after done is
// called.
func passOn(in chan *result.Result, done func()) chan *result.Result {
	out := make(chan *result.Result, 1)
	go func() {
		res := <-in
		done()
		out <- res
	}()
	return out
}

// startOrder puts the slow cases (isolated ones take seconds) first, so
// they overlap with everything else.
func startOrder() []*script.Case {
	var slow, rest []*script.Case
	for i := range Cases() {
		c := &allCases[i]
		if c.Isolated || c.Wire {
			slow = append(slow, c)
		} else {
			rest = append(rest, c)
		}
	}
	return append(slow, rest...)
}

// parents maps an implementation's name to the name of the test that
// called Run for it, which its subtests' names start with.
var parents sync.Map

// reexec returns the command that runs exactly one case's subtest again.
func reexec(im *harness.Impl, c *script.Case, role harness.Role) *exec.Cmd {
	parent, _ := parents.Load(im.Name)
	name := fmt.Sprintf("%s/%s/%s", parent, im.Name, c.ID)
	if len(c.RolesFor(im)) > 1 {
		name += "/" + string(role)
	}
	var pat []string
	for _, p := range strings.Split(name, "/") {
		pat = append(pat, "^"+regexp.QuoteMeta(p)+"$")
	}
	return exec.Command(os.Args[0], "-test.run="+strings.Join(pat, "/"), "-test.count=1", "-test.v", "-test.timeout=5m")
}

// reexecShared is the command that runs cases of im again, every role of
// each, in a child process of their own (the runner tells it which roles).
func reexecShared(im *harness.Impl, cases []*script.Case) *exec.Cmd {
	parent, _ := parents.Load(im.Name)
	var ids []string
	for _, c := range cases {
		ids = append(ids, regexp.QuoteMeta(c.ID))
	}
	var pat []string
	for _, p := range strings.Split(fmt.Sprintf("%s/%s", parent, im.Name), "/") {
		pat = append(pat, "^"+regexp.QuoteMeta(p)+"$")
	}
	pat = append(pat, "^("+strings.Join(ids, "|")+")$")
	return exec.Command(os.Args[0], "-test.run="+strings.Join(pat, "/"), "-test.count=1", "-test.v", "-test.timeout=5m")
}

// list prints the implementation and the cases the configuration selects
// (-netconform.list), for the report command.
func list(t *testing.T, rn *runner.Runner, im harness.Impl, pool []*script.Case) {
	top, _, _ := strings.Cut(t.Name(), "/")
	fmt.Printf("%s%s\n%s%s\n", result.ListTest, top, result.ListImpl, im.Name)
	if rn == nil {
		return
	}
	sel, _ := selected(rn.Config(), pool)
	for _, c := range sel {
		fmt.Printf("%s%s\n", result.ListCase, c.ID)
	}
	if pool == nil && exploreSelected(rn.Config()) {
		fmt.Printf("%s%s\n", result.ListCase, explore.CleanCase)
	}
}
