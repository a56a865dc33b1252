package suite

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/reports/render"
)

var (
	timescale = flag.Float64("netconform.timescale", 0,
		"stretch every upper time bound and watchdog by this factor (default NETCONFORM_TIMESCALE or 1); lower bounds never stretch")
	listImpls = flag.Bool("netconform.list", false,
		"print the names of the implementations suite.Run is called with, one per line, and run nothing")
)

// Environment variables that select what runs and where results go.
const (
	// EnvCases is a regular expression; only cases whose ID matches run.
	EnvCases = "NETCONFORM_CASES"
	// EnvAreas is a comma-separated list of areas; only their cases run.
	EnvAreas = "NETCONFORM_AREAS"
	// EnvReportDir names a folder where Run writes the conformance report
	// (report.json, README.md, index.html, junit.xml) of the
	// implementations it ran, merged with results already there.
	EnvReportDir = "NETCONFORM_REPORT_DIR"
)

// ResultLinePrefix starts the line that carries a result as JSON in the
// output of go test -json; ImplLinePrefix the line describing an
// implementation and the results it plans. The report generator reads both.
const (
	ResultLinePrefix = render.ResultPrefix
	ImplLinePrefix   = render.ImplPrefix
	// ImplNamePrefix starts the lines -netconform.list prints.
	ImplNamePrefix = "netconform-impl-name: "
)

// Run runs every case against im as subtests of t: t/<impl>/<case-id>, plus
// /<role> where the case runs in both roles. Cases run concurrently (bounded
// by harness.MaxParallel), each under its own watchdog, so a hanging
// implementation produces failures with evidence, never a hung test.
//
// Outcomes map to the test result: pass passes; fail, timeout,
// unexpected-pass and error fail; unsupported, skip and known-failure skip
// with their reason; informational differences pass with a log line.
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
	col := &collector{}
	if *timescale > 0 {
		harness.SetTimescale(*timescale)
	}
	if *listImpls {
		fmt.Printf("%s%s\n", ImplNamePrefix, im.Name)
		return &Results{col}
	}
	if err := im.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := CheckKnown(&im); err != nil {
		t.Fatal(err)
	}
	sel, err := selected()
	if err != nil {
		t.Fatal(err)
	}
	t.Run(im.Name, func(t *testing.T) {
		t.Parallel()
		runImpl(t, &im, sel, col)
	})
	return &Results{col}
}

// Results are what one Run produced.
type Results struct{ col *collector }

// List returns the results gathered so far, one per case and role.
func (r *Results) List() []harness.Result {
	r.col.mu.Lock()
	defer r.col.mu.Unlock()
	return append([]harness.Result(nil), r.col.results...)
}

// selected returns the cases the environment selects, in start order.
func selected() ([]*harness.Case, error) {
	var re *regexp.Regexp
	if s := os.Getenv(EnvCases); s != "" {
		var err error
		if re, err = regexp.Compile(s); err != nil {
			return nil, fmt.Errorf("%s: %v", EnvCases, err)
		}
	}
	var areas []string
	if s := os.Getenv(EnvAreas); s != "" {
		areas = strings.Split(s, ",")
	}
	var out []*harness.Case
	for _, c := range startOrder() {
		if (re == nil || re.MatchString(c.ID)) && (areas == nil || slices.Contains(areas, c.Area())) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no case matches %s=%q %s=%q", EnvCases, os.Getenv(EnvCases), EnvAreas, os.Getenv(EnvAreas))
	}
	return out, nil
}

func runImpl(t *testing.T, im *harness.Impl, cases []*harness.Case, col *collector) {
	childImpl, childCase, childRole, child := harness.ChildCase()
	if child && childImpl != im.Name {
		t.Skip("isolated child of another implementation")
	}
	if !child {
		info := render.Info(im)
		for _, c := range cases {
			for _, role := range c.RolesFor(im) {
				info.Planned = append(info.Planned, c.ID+"/"+string(role))
			}
		}
		col.info = info
		if json2test() {
			if b, err := json.Marshal(info); err == nil {
				fmt.Fprintf(os.Stdout, "%s%s\n", ImplLinePrefix, b)
			}
		}
		if dir := os.Getenv(EnvReportDir); dir != "" {
			t.Cleanup(func() {
				if err := col.write(dir); err != nil {
					t.Errorf("writing the report to %s: %v", dir, err)
				}
			})
		}
	}
	if !child {
		watch := startLeakWatch(im)
		t.Cleanup(func() {
			for _, res := range watch.finish(cases) {
				col.reportAfterAll(t, res)
			}
		})
	}
	for _, c := range cases {
		if child && c.ID != childCase || c.Setup == harness.SetupAfterAll {
			continue
		}
		roles := c.RolesFor(im)
		t.Run(c.ID, func(t *testing.T) {
			results := make([]chan *harness.Result, len(roles))
			for i, role := range roles {
				if child && role != childRole {
					continue
				}
				results[i] = start(t, im, c, role, len(roles) > 1)
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
}

// start begins running c in role at once, before the subtest pauses in
// t.Parallel: the harness's own limiter bounds concurrency, not -parallel,
// so cases that spend seconds waiting on deadlines overlap.
func start(t *testing.T, im *harness.Impl, c *harness.Case, role harness.Role, nested bool) chan *harness.Result {
	name := t.Name()
	if nested {
		name += "/" + string(role)
	}
	out := make(chan *harness.Result, 1)
	go func() {
		out <- harness.Run(context.Background(), im, c, role, harness.RunOptions{Reexec: reexec(name)})
	}()
	return out
}

// startOrder puts the slow cases (isolated ones take seconds) first, so
// they overlap with everything else.
func startOrder() []*harness.Case {
	var slow, rest []*harness.Case
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

// reexec returns the command that runs exactly the subtest name again.
func reexec(name string) func() *exec.Cmd {
	return func() *exec.Cmd {
		var pat []string
		for _, p := range strings.Split(name, "/") {
			pat = append(pat, "^"+regexp.QuoteMeta(p)+"$")
		}
		return exec.Command(os.Args[0], "-test.run="+strings.Join(pat, "/"), "-test.count=1", "-test.v", "-test.timeout=5m")
	}
}

// collector gathers an implementation's results for the report folder.
type collector struct {
	info    render.ImplInfo
	mu      sync.Mutex
	results []harness.Result
}

// report turns a result into the subtest's verdict and output.
func (col *collector) report(t *testing.T, res *harness.Result) {
	t.Helper()
	col.mu.Lock()
	col.results = append(col.results, *res)
	col.mu.Unlock()
	t.Attr("netconform.case", res.Case)
	t.Attr("netconform.outcome", string(res.Outcome))
	col.emit(res)
	if testing.Verbose() || res.Outcome.Failed() {
		t.Log("\n" + res.Format())
	}
	switch res.Outcome {
	case harness.Pass:
	case harness.Info:
		t.Logf("informational: %s", res.Summary())
	case harness.KnownFailure:
		link := ""
		if res.Known != nil && res.Known.Link != "" {
			link = " " + res.Known.Link
		}
		t.Skipf("known failure: %s%s", res.Reason, link)
	case harness.Unsupported:
		t.Skipf("unsupported: %s", res.Reason)
	case harness.Skip:
		t.Skipf("skip: %s", res.Reason)
	default:
		var b strings.Builder
		fmt.Fprintf(&b, "%s (%s):", res.Outcome, res.Level)
		for _, f := range res.Findings {
			b.WriteString("\n\t" + f.String())
		}
		if res.Reason != "" && len(res.Findings) == 0 {
			b.WriteString("\n\t" + res.Reason)
		}
		t.Error(b.String())
	}
}

// emit prints the result line the report generator reads.
func (col *collector) emit(res *harness.Result) {
	if json2test() {
		if b, err := json.Marshal(res); err == nil {
			fmt.Fprintf(os.Stdout, "%s%s\n", ResultLinePrefix, b)
		}
	}
}

// json2test reports whether the test binary runs under go test -json.
func json2test() bool {
	f := flag.Lookup("test.v")
	return f != nil && f.Value.String() == "test2json"
}
