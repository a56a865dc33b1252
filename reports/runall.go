package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/netconform/netconform/harness/proc"
	"github.com/netconform/netconform/harness/program"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/reports/render"
)

// A testBinary is a package whose tests call suite.Run on built-in
// implementations: the core module's suite, the reference drivers of the
// driver protocol, and the nested modules that keep heavy third-party
// adapters out of the core module's dependencies.
type testBinary struct {
	module     string // module directory, relative to the repository root
	pkg        string // package, relative to the module
	path       string // the built test binary
	dir        string // the package's directory: the binary's working directory
	importPath string
	modulePath string // the module's path; "" for netconform's own
	tests      string // the top-level tests to look in for suite.Run calls (a -test.run pattern)
}

// pkgBinary is the test binary of the package in dir (the -pkg flag):
// its module is the nearest folder above with a go.mod.
func pkgBinary(dir string) (testBinary, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return testBinary{}, err
	}
	for mod := abs; ; mod = filepath.Dir(mod) {
		if _, err := os.Stat(filepath.Join(mod, "go.mod")); err == nil {
			rel, err := filepath.Rel(mod, abs)
			if err != nil {
				return testBinary{}, err
			}
			return testBinary{module: mod, pkg: "./" + filepath.ToSlash(rel), tests: "."}, nil
		}
		if filepath.Dir(mod) == mod {
			return testBinary{}, usageError{fmt.Errorf("-pkg %s: no go.mod in it or above it", dir)}
		}
	}
}

var testBinaries = []testBinary{
	{module: ".", pkg: "./suite", tests: "^TestConformance$"},
	{module: ".", pkg: "./impls/driver", tests: "^TestConformance$"},
	{module: "impls/thirdparty", pkg: ".", tests: "^TestConformance$"},
	{module: ".", pkg: "./suite/programtest", tests: "^TestExamplePrograms$"},
}

// job is one implementation to run: test is the top-level test that
// runs it (suite.Run's t), name the implementation's.
type job struct {
	bin        *testBinary
	test, name string
	cases      []string // the case IDs the filters select for it, as listed
	listed     bool     // its test binary lists cases (it names its test): no case listed is none selected
	exact      bool     // its process is given cases as the exact list of IDs (phases.go)
	perf       bool     // it runs the perf phase: its perf cases only
}

// runAll builds the test binaries, lists their implementations and runs
// each in a process of its own. broken lists what could not run.
func runAll(o *options, stderr io.Writer) ([]render.ImplInfo, []result.Result, *result.RunInfo, []string, error) {
	tmp, err := proc.MkdirTemp("reports")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	defer proc.Remove(tmp)
	implRE := regexp.MustCompile(o.impls)
	binaries := testBinaries
	if len(o.pkgs) > 0 {
		binaries = nil
		for _, d := range o.pkgs {
			b, err := pkgBinary(d)
			if err != nil {
				return nil, nil, nil, nil, err
			}
			if o.pkgTests != "" {
				b.tests = o.pkgTests
			}
			binaries = append(binaries, b)
		}
	}
	goEnv, err := goEnvIn(tmp)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	// The rows that start Python (drivers, example programs) find the
	// interpreter behind python3 once for the whole report, while the
	// binaries build: program.Python sets it in the environment every row
	// inherits. Behind a version manager's shim, each row looked it up
	// again, a dozen processes each time.
	pythonFound := make(chan struct{})
	go func() { defer close(pythonFound); program.Python() }()
	defer func() { <-pythonFound }() // no goroutine outlives the run
	version := gitVersion()
	var jobs []job
	anyCase, matched := false, 0
	for i := range binaries {
		b := &binaries[i]
		if _, err := os.Stat(filepath.Join(b.module, "go.mod")); err != nil {
			continue
		}
		fmt.Fprintf(stderr, "building %s (module %s)…\n", b.pkg, b.module)
		cached, err := build(b, tmp, i, goEnv)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		if cached {
			fmt.Fprintf(stderr, "  %s: the test binary of the same sources, from the cache (%s=off rebuilds)\n", b.pkg, envBinCache)
		}
		found, cases, err := listImpls(o, b, version)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		if len(found) == 0 && len(o.pkgs) > 0 {
			return nil, nil, nil, nil, usageError{fmt.Errorf("-pkg %s: no test in it calls suite.Run (or suite.RunProgram)", b.pkg)}
		}
		anyCase = anyCase || cases > 0
		sel, n := selectJobs(found, implRE)
		jobs, matched = append(jobs, sel...), matched+n
	}
	if matched == 0 {
		return nil, nil, nil, nil, usageError{fmt.Errorf("no implementation matches -impl=%q", o.impls)}
	}
	if !anyCase || len(jobs) == 0 {
		// A run that checks nothing must not look like success.
		return nil, nil, nil, nil, usageError{fmt.Errorf("no case matches -run=%q -area=%q", o.cases, o.areas)}
	}
	if jobs, err = shardJobs(o, jobs); err != nil {
		return nil, nil, nil, nil, err
	}
	<-pythonFound
	mainJobs, perfJobs := longestFirst(o, jobs), []job(nil)
	if !o.noPerf {
		mainJobs, perfJobs = phases(mainJobs)
	}
	prog := newProgress(stderr, append(slices.Clone(mainJobs), perfJobs...))
	defer prog.stop()
	var mu sync.Mutex
	var impls []render.ImplInfo
	var results []result.Result
	var info *result.RunInfo
	var broken []string
	budget := render.NewBudget()
	schedule(mainJobs, perfJobs, newAdmission(o.jobs), func(i int, j job) {
		r := runner{o: o, j: j, row: prog.rows[i], budget: budget, tmp: filepath.Join(tmp, fmt.Sprintf("run%d", i)), version: version, goEnv: goEnv}
		im, res, ri, why := r.run()
		mu.Lock()
		defer mu.Unlock()
		impls = append(impls, im...)
		results = append(results, res...)
		if info == nil {
			info = ri
		}
		if why != "" {
			broken = append(broken, j.label()+": "+why)
		}
	})
	impls, results = joinPhases(impls, results)
	return impls, results, info, broken, nil
}

// selectJobs keeps the jobs of the implementations implRE matches that
// have cases to run: one whose binary lists its cases and lists none (the
// example programs under -area perf) has nothing to run. matched counts
// the implementations implRE matches.
func selectJobs(found []job, implRE *regexp.Regexp) (jobs []job, matched int) {
	for _, j := range found {
		if !implRE.MatchString(j.name) {
			continue
		}
		matched++
		if !j.listed || len(j.cases) > 0 {
			jobs = append(jobs, j)
		}
	}
	return jobs, matched
}

// goEnvIn is the environment of the go commands the report runs: their
// temporary files in dir, removed with it.
func goEnvIn(dir string) ([]string, error) {
	gotmp := filepath.Join(dir, "go")
	if err := os.Mkdir(gotmp, 0o700); err != nil {
		return nil, err
	}
	return append(os.Environ(), "GOTMPDIR="+gotmp), nil
}

// build compiles b's test binary.
func build(b *testBinary, tmp string, i int, env []string) (cached bool, err error) {
	b.path = filepath.Join(tmp, fmt.Sprintf("suite%d.test", i))
	cache := binCacheDir()
	key, _ := binaryKey(b, env) // without a key, it is built
	if cached = fromCache(cache, key, b.path); !cached {
		cmd := exec.Command("go", "test", "-c", "-o", b.path, b.pkg)
		cmd.Dir, cmd.Env = b.module, env
		if out, err := output(cmd, true); err != nil {
			return false, fmt.Errorf("go test -c %s in %s: %v\n%s", b.pkg, b.module, err, out)
		}
		toCache(cache, key, b.path)
	}
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}\t{{.Dir}}\t{{.Module.Path}}", b.pkg)
	cmd.Dir, cmd.Env = b.module, env
	out, err := output(cmd, false)
	if err != nil {
		return cached, fmt.Errorf("go list %s in %s: %v", b.pkg, b.module, err)
	}
	f := strings.Split(strings.TrimSpace(string(out)), "\t")
	if len(f) != 3 {
		return cached, fmt.Errorf("go list %s: unexpected %q", b.pkg, out)
	}
	b.importPath, b.dir, b.modulePath = f[0], f[1], f[2]
	if b.modulePath == "github.com/netconform/netconform" {
		b.modulePath = ""
	}
	return cached, nil
}

// output runs cmd as a process tree (killed whole once it ends), and
// returns what it printed on stdout, and on stderr too when combined,
// keeping the last MiB.
func output(cmd *exec.Cmd, combined bool) ([]byte, error) {
	out, errs := proc.NewTail(1<<20), proc.NewTail(16<<10)
	cmd.Stdout, cmd.Stderr = out, errs
	if combined {
		cmd.Stderr = out
	}
	p, err := proc.Start(cmd)
	if err != nil {
		return nil, err
	}
	err = p.Wait()
	p.Kill()
	if err != nil && !combined {
		err = fmt.Errorf("%v: %s", err, errs.String())
	}
	return []byte(out.String()), err
}

// listImpls asks the test binary which implementations it runs, and how
// many cases the filters select.
func listImpls(o *options, b *testBinary, version string) (jobs []job, cases int, err error) {
	cmd := exec.Command(b.path, "-test.run="+b.tests, "-"+result.FlagList)
	cmd.Dir = b.dir
	cmd.Env = childEnv(o, version)
	out, err := output(cmd, true)
	test := ""
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimSpace(l)
		if t, ok := strings.CutPrefix(l, result.ListTest); ok {
			test = t
		}
		if n, ok := strings.CutPrefix(l, result.ListImpl); ok {
			listed := test != ""
			if !listed {
				test = "TestConformance" // a test binary of a netconform without ListTest
			}
			jobs = append(jobs, job{bin: b, test: test, name: n, listed: listed})
			test = ""
		}
		if id, ok := strings.CutPrefix(l, result.ListCase); ok {
			cases++
			if len(jobs) > 0 {
				jobs[len(jobs)-1].cases = append(jobs[len(jobs)-1].cases, id)
			}
		}
	}
	// In a package of the user's (-pkg), tests that do not call suite.Run
	// run for real while the others list: one of them failing does not
	// hide the implementations found.
	if err != nil && !(isTestFailure(err) && len(jobs) > 0 && len(o.pkgs) > 0) {
		return nil, 0, fmt.Errorf("%s -%s: %v\n%s", b.pkg, result.FlagList, err, out)
	}
	return jobs, cases, nil
}

// envParallel bounds the cases a test process runs at once; the report
// gives each of its -jobs processes reportParallel unless the user set it
// (a lone go test process takes more).
const (
	envParallel    = "NETCONFORM_PARALLEL"
	reportParallel = "24"
)

// perfEnv is EnvPerf's value: the perf cases measure unless -perf=false.
func perfEnv(o *options) string {
	if o.noPerf {
		return "0"
	}
	return "1"
}

// childEnv is the environment of a test process: the filters, the
// timescale, the version to report, the cases a process runs at once, and
// the perf cases on (go test alone skips them).
func childEnv(o *options, version string) []string {
	env := append(os.Environ(), result.EnvCases+"="+o.cases, result.EnvAreas+"="+o.areas, result.EnvToolVersion+"="+version, exploreEnv(o), result.EnvPerf+"="+perfEnv(o))
	if o.timescale > 0 {
		env = append(env, fmt.Sprintf("%s=%g", result.EnvTimescale, o.timescale))
	}
	if os.Getenv(envParallel) == "" {
		env = append(env, envParallel+"="+reportParallel)
	}
	return env
}

// isTestFailure reports whether err is the ordinary "some test failed"
// exit status of a test binary.
func isTestFailure(err error) bool {
	ee, ok := err.(*exec.ExitError)
	return ok && ee.ExitCode() == 1
}

func moduleOf(b *testBinary) string { return b.modulePath }
