// Command reports runs every built-in implementation through the suite and
// writes the conformance report: report.json (the canonical, versioned
// result; schema report.schema.json), README.md (renders on GitHub),
// index.html (a self-contained matrix with every transcript) and junit.xml.
//
//	go run ./reports                          # everything, into ./reports
//	go run ./reports -impl 'std-' -area deadline
//	go run ./reports -from run.jsonl -out out  # from your own go test -json output
//
// Each implementation runs in a child process of its own (the suite's test
// binary, through go tool test2json), with a time budget: one that panics,
// exits or hangs yields error rows with its output as evidence, and the
// report still completes. Each child roots a process tree that is killed
// whole when its run ends — what it started too, even in a session of its
// own — and a child that leaves a process behind, or whose output a
// process still holds, gets an error row naming it (render.ProcessCase).
// What the command keeps is bounded whatever it reads (render.MaxDetail);
// on SIGINT or SIGTERM it kills what it started and removes its temporary
// files (harness/proc). The perf cases run last, in a phase of their own,
// one implementation at a time (phases.go).
//
// With -from, a package that failed beyond its results (a panic, another
// test, a build failure) is an error row, an unknown outcome is an error,
// and the same result twice is refused.
//
// Exit status: 0 when every result is a pass or declared (unsupported,
// known-failure, skip, informational); 1 when a result fails (fail,
// timeout, unexpected-pass); 2 when the harness could not run (bad flags, a
// filter that matches nothing, a broken adapter or test binary).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/netconform/netconform/harness/proc"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/reports/render"
)

// usageError is a problem with how the command was called: exit status 2.
type usageError struct{ error }

// memoryLimit is the report command's soft memory limit: what it keeps is
// bounded (render.MaxDetail, render.MaxItems), and the garbage collector
// keeps the rest near it.
const memoryLimit = 200 << 20

func main() {
	debug.SetMemoryLimit(memoryLimit)
	code, err := run(os.Args[1:], os.Stdout, os.Stderr)
	proc.KillDescendants() // nothing the run started outlives it
	if err != nil {
		fmt.Fprintln(os.Stderr, "reports:", err)
		var ue usageError
		if errors.As(err, &ue) || code == 0 {
			code = 2
		}
	}
	if code != 0 {
		fmt.Fprintln(os.Stderr, exitReason(code))
	}
	os.Exit(code)
}

// options are the command's flags.
type options struct {
	out       string
	cases     string
	areas     string
	impls     string
	timescale float64
	budget    time.Duration
	explore   time.Duration
	noPerf    bool
	jobs      int
	from      multi
	pkgs      multi
	pkgTests  string // the tests of -pkg that may call suite.Run (default: all)
	driver    string
	stable    bool
	compare   string
	args      []string
	program   programOptions
	shard     shardOptions
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

func parse(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("reports", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.out, "out", "", "folder to write the report into (default: a new folder here, netconform-report or netconform-report-N; -out reports/latest -stable refreshes the committed report)")
	fs.StringVar(&o.cases, "run", "", "regular expression selecting case IDs")
	fs.StringVar(&o.areas, "area", "", "comma-separated areas to run (halfclose, eof, deadline, …)")
	fs.StringVar(&o.impls, "impl", "", "regular expression selecting implementations")
	fs.Float64Var(&o.timescale, "timescale", 0, "stretch every upper time bound by this factor")
	fs.DurationVar(&o.budget, "budget", 4*time.Minute, "time budget of each implementation's process")
	fs.IntVar(&o.jobs, "jobs", 0, "implementations run at the same time (the perf cases then run one implementation at a time); 0: one a core, and up to 3 a core while the CPU has time to spare")
	fs.BoolFunc("perf", "measure the perf cases in a phase of their own after the rest (default true; -perf=false reports them skipped, as go test does)", func(v string) error {
		on, err := strconv.ParseBool(v)
		o.noPerf = !on
		return err
	})
	fs.DurationVar(&o.explore, "explore", 0, "also explore each implementation (harness/explore) for this long: findings are rows of the report, area explore")
	fs.Var(&o.from, "from", "build the report from this go test -json output instead of running (repeatable; - is stdin)")
	fs.Var(&o.pkgs, "pkg", "run the implementations of the test package in this folder (those its tests pass to suite.Run; listing them runs its other tests once) instead of the built-in ones (repeatable)")
	fs.BoolVar(&o.stable, "stable", false, "normalise ports, sequence numbers and timings (durations rounded) so reports diff by behaviour only, as the committed report does")
	fs.StringVar(&o.compare, "compare", "", "compare every outcome with this earlier report.json, show what this run observed of those that differ, and exit 1 if any differs")
	fs.StringVar(&o.driver, "driver", "", "run every case on the driver this command line starts (impls/driver/PROTOCOL.md), instead of the built-in implementations")
	addProgramFlags(fs, &o.program)
	addShardFlags(fs, &o.shard)
	if err := fs.Parse(args); err != nil {
		return nil, usageError{err}
	}
	if err := setupProgram(o); err != nil {
		return nil, err
	}
	if err := setupDriver(o); err != nil {
		return nil, err
	}
	if err := parseShard(fs, o); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usageError{fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	for _, re := range []string{o.cases, o.impls} {
		if _, err := regexp.Compile(re); err != nil {
			return nil, usageError{fmt.Errorf("bad filter %q: %v", re, err)}
		}
	}
	if o.jobs < 0 {
		return nil, usageError{errors.New("-jobs must be 0 (automatic) or more")}
	}
	withExplore(o)
	fs.Visit(func(f *flag.Flag) {
		if f.Name != "out" {
			o.args = append(o.args, "-"+f.Name+"="+f.Value.String())
		}
	})
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) (int, error) {
	o, err := parse(args, stderr)
	if err != nil {
		return 2, err
	}
	var impls []render.ImplInfo
	var results []result.Result
	var broken []string
	var info *result.RunInfo
	started := time.Now()
	if o.shard.merge {
		impls, results, info, started, o.args, err = merge(o.shard.files, stderr)
		if err != nil {
			return 2, err
		}
	} else if len(o.from) > 0 {
		impls, results, info, started, err = fromFiles(o.from, os.Stdin)
		if err != nil {
			return 2, err
		}
	} else {
		impls, results, info, broken, err = runAll(o, stderr)
		if err != nil {
			return 2, err
		}
		if err := unique(results); err != nil {
			return 2, err
		}
	}
	if o.out == "" {
		if o.out, err = freshOut(); err != nil {
			return 2, err
		}
	}
	rep := render.New(header(info, o.args, started), impls, results)
	if o.stable {
		rep.Normalize()
	}
	if err := render.WriteDir(o.out, rep); err != nil {
		return 2, err
	}
	fmt.Fprintf(stdout, "wrote %s/{report.json,README.md,index.html,junit.xml}: %d results — %s\n",
		o.out, rep.Footer.Total, summary(rep.Footer.ByOutcome))
	writeCauses(stdout, rep)
	sayUnavailable(stderr, results)
	code := rep.ExitCode()
	if o.compare != "" {
		diffs, warnings, seen, err := compare(o.compare, rep)
		if err != nil {
			return 2, err
		}
		if reportDiffs(stdout, o.compare, diffs, warnings, seen) && code == 0 {
			code = 1
		}
	}
	if len(broken) > 0 {
		fmt.Fprintf(stderr, "reports: could not run: %s\n", strings.Join(broken, "; "))
		code = 2
	}
	return code, nil
}

func summary(m map[result.Outcome]int) string {
	var parts []string
	for _, o := range result.Outcomes {
		if m[o] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", m[o], o))
		}
	}
	return strings.Join(parts, ", ")
}

// header describes the run for the report, from the first run event; the
// run started at started (zero: unknown).
func header(info *result.RunInfo, options []string, started time.Time) render.Header {
	if options == nil {
		options = []string{}
	}
	h := render.Header{Tool: "netconform", Options: options, Generated: time.Now().UTC().Truncate(time.Second)}
	if !started.IsZero() {
		h.Started = started.UTC().Truncate(time.Second)
	}
	if info != nil {
		h.ToolVersion, h.CatalogueHash, h.GoVersion = info.ToolVersion, info.CatalogueHash, info.GoVersion
		h.GOOS, h.GOARCH, h.Kernel, h.Timescale = info.GOOS, info.GOARCH, info.Kernel, info.Timescale
	}
	return h
}

// fromFiles collects results from go test -json output files (- is
// stdin): the same result twice is an error; a package that failed beyond
// its results, or whose output ends early, is an error row. started is
// the time of the earliest event (zero when none has one).
func fromFiles(names []string, stdin io.Reader) (_ []render.ImplInfo, _ []result.Result, _ *result.RunInfo, started time.Time, _ error) {
	c := render.NewCollected(render.NewBudget())
	for _, name := range names {
		rd := stdin
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				return nil, nil, nil, started, err
			}
			defer f.Close()
			rd = f
		}
		n := len(c.Results) + len(c.Impls)
		if err := c.Read(rd, name); err != nil {
			return nil, nil, nil, started, err
		}
		if len(c.Results)+len(c.Impls) == n {
			return nil, nil, nil, started, fmt.Errorf("%s: no netconform results (was it produced by go test -json on a package calling suite.Run?)", name)
		}
	}
	c.Complete("the go test -json output ends before this case's result")
	return c.Impls, append(c.Results, c.PackageRows()...), c.Run, c.Started, nil
}

// unique checks that no two results have the same implementation, case
// and role (an implementation run by two packages, or twice).
func unique(results []result.Result) error {
	seen := make(map[string]bool, len(results))
	for i := range results {
		k := results[i].Key()
		if seen[k] {
			return fmt.Errorf("two results for %s: is an implementation of that name run twice, or by two packages?", k)
		}
		seen[k] = true
	}
	return nil
}

// gitVersion describes the checkout, for the report header.
func gitVersion() string {
	out, err := output(exec.Command("git", "describe", "--always", "--dirty", "--tags"), false)
	if err != nil {
		return "devel"
	}
	return strings.TrimSpace(string(out))
}

// writeCauses prints the report's top root causes under its summary line:
// what a failed run's reader fixes first.
func writeCauses(w io.Writer, rep *render.Report) {
	if len(rep.Causes) == 0 {
		return
	}
	fmt.Fprintln(w, "root causes of the failed results, most results first:")
	for i, c := range rep.Causes {
		if i == render.TopCauses {
			fmt.Fprintf(w, "  …and %d more (report.json: causes)\n", len(rep.Causes)-i)
			break
		}
		fmt.Fprintf(w, "  %s\n", rep.CauseLine(c))
	}
}
