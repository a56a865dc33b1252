package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/netconform/netconform/harness/proc"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/sysobs"
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
			return testBinary{module: mod, pkg: "./" + filepath.ToSlash(rel)}, nil
		}
		if filepath.Dir(mod) == mod {
			return testBinary{}, usageError{fmt.Errorf("-pkg %s: no go.mod in it or above it", dir)}
		}
	}
}

var testBinaries = []testBinary{
	{module: ".", pkg: "./suite"},
	{module: ".", pkg: "./impls/driver"},
	{module: "impls/thirdparty", pkg: "."},
}

// job is one implementation to run.
type job struct {
	bin  *testBinary
	name string
}

// runAll builds the test binaries, lists their implementations and runs
// each in a process of its own. broken lists what could not run.
func runAll(o *options, stderr io.Writer) ([]render.ImplInfo, []result.Result, *result.RunInfo, []string, error) {
	tmp, err := os.MkdirTemp("", "netconform-reports-")
	if err != nil {
		return nil, nil, nil, nil, err
	}
	defer os.RemoveAll(tmp)
	implRE := regexp.MustCompile(o.impls)
	binaries := testBinaries
	if len(o.pkgs) > 0 {
		binaries = nil
		for _, d := range o.pkgs {
			b, err := pkgBinary(d)
			if err != nil {
				return nil, nil, nil, nil, err
			}
			binaries = append(binaries, b)
		}
	}
	var jobs []job
	anyCase := false
	for i := range binaries {
		b := &binaries[i]
		if _, err := os.Stat(filepath.Join(b.module, "go.mod")); err != nil {
			continue
		}
		fmt.Fprintf(stderr, "building %s (module %s)…\n", b.pkg, b.module)
		if err := build(b, tmp, i); err != nil {
			return nil, nil, nil, nil, err
		}
		names, cases, err := listImpls(o, b)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		anyCase = anyCase || cases > 0
		for _, n := range names {
			if implRE.MatchString(n) {
				jobs = append(jobs, job{bin: b, name: n})
			}
		}
	}
	if len(jobs) == 0 {
		return nil, nil, nil, nil, usageError{fmt.Errorf("no implementation matches -impl=%q", o.impls)}
	}
	if !anyCase {
		// A run that checks nothing must not look like success.
		return nil, nil, nil, nil, usageError{fmt.Errorf("no case matches -run=%q -area=%q", o.cases, o.areas)}
	}
	prog := newProgress(stderr, jobs)
	defer prog.stop()
	var mu sync.Mutex
	var impls []render.ImplInfo
	var results []result.Result
	var info *result.RunInfo
	var broken []string
	sem := make(chan struct{}, o.jobs)
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			im, res, ri, why := runOne(o, j, prog.rows[i])
			mu.Lock()
			impls = append(impls, im...)
			results = append(results, res...)
			if info == nil {
				info = ri
			}
			if why != "" {
				broken = append(broken, j.name+": "+why)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return impls, results, info, broken, nil
}

// build compiles b's test binary.
func build(b *testBinary, tmp string, i int) error {
	b.path = filepath.Join(tmp, fmt.Sprintf("suite%d.test", i))
	cmd := exec.Command("go", "test", "-c", "-o", b.path, b.pkg)
	cmd.Dir = b.module
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go test -c %s in %s: %v\n%s", b.pkg, b.module, err, out)
	}
	out, err := goList(b, "{{.ImportPath}}\t{{.Dir}}\t{{.Module.Path}}")
	if err != nil {
		return err
	}
	f := strings.Split(out, "\t")
	if len(f) != 3 {
		return fmt.Errorf("go list %s: unexpected %q", b.pkg, out)
	}
	b.importPath, b.dir, b.modulePath = f[0], f[1], f[2]
	if b.modulePath == "github.com/netconform/netconform" {
		b.modulePath = ""
	}
	return nil
}

func goList(b *testBinary, format string) (string, error) {
	cmd := exec.Command("go", "list", "-f", format, b.pkg)
	cmd.Dir = b.module
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list %s in %s: %v", b.pkg, b.module, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// listImpls asks the test binary which implementations it runs, and how
// many cases the filters select.
func listImpls(o *options, b *testBinary) (names []string, cases int, err error) {
	cmd := exec.Command(b.path, "-test.run=^TestConformance$", "-"+result.FlagList)
	cmd.Dir = b.dir
	cmd.Env = childEnv(o)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, 0, fmt.Errorf("%s -%s: %v\n%s", b.pkg, result.FlagList, err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimSpace(l)
		if n, ok := strings.CutPrefix(l, result.ListImpl); ok {
			names = append(names, n)
		}
		if strings.HasPrefix(l, result.ListCase) {
			cases++
		}
	}
	return names, cases, nil
}

// childEnv is the environment of a test process: the filters, the
// timescale, and the version to report.
func childEnv(o *options) []string {
	env := append(os.Environ(), result.EnvCases+"="+o.cases, result.EnvAreas+"="+o.areas, result.EnvToolVersion+"="+gitVersion())
	if o.timescale > 0 {
		env = append(env, fmt.Sprintf("%s=%g", result.EnvTimescale, o.timescale))
	}
	return env
}

// runOne runs one implementation's cases in a child process and collects
// its results; why says why it could not run, if it could not.
func runOne(o *options, j job, row *progressRow) ([]render.ImplInfo, []result.Result, *result.RunInfo, string) {
	row.begin()
	// The test binary runs in its own process group, its output converted
	// by test2json in a filter process of its own: so the binary's own exit
	// status is seen (test2json would turn a crash into a plain failure).
	cmd := exec.Command(j.bin.path,
		"-test.run=^TestConformance$/^"+regexp.QuoteMeta(j.name)+"$",
		"-test.v=test2json", "-test.timeout="+(o.budget+time.Minute).String())
	cmd.Dir = j.bin.dir
	cmd.Env = childEnv(o)
	cmd.SysProcAttr = sysobs.GroupProcAttr()
	var stdout bytes.Buffer
	pr, pw := io.Pipe()
	conv := exec.Command("go", "tool", "test2json", "-t", "-p", j.bin.importPath)
	conv.Stdout = pw
	binOut, err := conv.StdinPipe()
	if err != nil {
		return []render.ImplInfo{{Name: j.name, Evidence: err.Error()}}, nil, nil, err.Error()
	}
	cmd.Stdout = binOut
	stderr := proc.NewTail(16 << 10)
	cmd.Stderr = stderr // a crash's stack: its tail is the evidence
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(io.TeeReader(pr, &stdout))
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			row.observe(sc.Bytes())
		}
		io.Copy(io.Discard, pr)
	}()
	began := time.Now()
	if err := conv.Start(); err != nil {
		pw.Close()
		<-scanned
		row.end("could not start")
		return []render.ImplInfo{{Name: j.name, Evidence: err.Error()}}, nil, nil, err.Error()
	}
	err = cmd.Start()
	if err != nil {
		binOut.Close()
		conv.Wait()
		pw.Close()
		<-scanned
		row.end("could not start")
		return []render.ImplInfo{{Name: j.name, Evidence: err.Error()}}, nil, nil, err.Error()
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timedOut := false
	select {
	case err = <-done:
	case <-time.After(o.budget):
		timedOut = true
		sysobs.KillGroup(cmd.Process.Pid)
		err = <-done
	}
	binOut.Close()
	conv.Wait()
	pw.Close()
	<-scanned
	took := time.Since(began).Round(time.Millisecond)

	c, perr := render.ReadTestJSON(bytes.NewReader(stdout.Bytes()), j.name+" output")
	if perr != nil {
		row.end("unreadable output")
		return []render.ImplInfo{{Name: j.name, Evidence: perr.Error() + "\n" + stderr.String()}}, nil, nil, perr.Error()
	}
	var evidence, why string
	switch {
	case timedOut:
		why = fmt.Sprintf("still running after its %v budget; killed with its process group", o.budget)
	case err != nil && !isTestFailure(err):
		why = fmt.Sprintf("the test process ended abnormally after %v (%v)", took, err)
	}
	if why != "" {
		evidence = why + "\nstderr tail:\n" + stderr.String() + "\noutput tail:\n" + c.Output
	}
	if len(c.Impls) == 0 {
		row.end("no results")
		if why == "" {
			why = "the test process reported no implementation"
			evidence = why + "\n" + c.Output + "\n" + stderr.String()
		}
		return []render.ImplInfo{{Name: j.name, Module: moduleOf(j.bin), Evidence: evidence}}, nil, c.Run, why
	}
	for i := range c.Impls {
		c.Impls[i].Module = moduleOf(j.bin)
		c.Impls[i].Evidence = evidence
	}
	c.Complete(evidence)
	row.end("")
	// A crash is reported as error rows (with evidence), not as a harness
	// failure: the report completes, and its exit status says 2 through them.
	return c.Impls, c.Results, c.Run, ""
}

// isTestFailure reports whether err is the ordinary "some test failed"
// exit status of a test binary.
func isTestFailure(err error) bool {
	ee, ok := err.(*exec.ExitError)
	return ok && ee.ExitCode() == 1
}

func moduleOf(b *testBinary) string { return b.modulePath }

// attrOf extracts the Test, Key and Value of a test2json attr event of
// netconform's, cheaply.
func attrOf(line []byte) (test, key, value string) {
	if !bytes.Contains(line, []byte(`"Action":"attr"`)) {
		return "", "", ""
	}
	var ev struct{ Test, Key, Value string }
	if json.Unmarshal(line, &ev) != nil || !strings.HasPrefix(ev.Key, "netconform.") {
		return "", "", ""
	}
	return ev.Test, ev.Key, ev.Value
}
