package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/netconform/netconform/harness/proc"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/reports/render"
)

// How long the report waits, once a test process has exited, for its
// output to end (a process it left behind may hold its stdout or stderr),
// and then for the output to end once those holders are killed.
const (
	drainGrace = 1500 * time.Millisecond
	killGrace  = time.Second
)

// A runner runs one implementation's cases in a test process of its own:
// the test binary, its output converted by go tool test2json in a process
// of its own (so the binary's own exit status is seen; test2json would
// turn a crash into a plain failure), each the root of a process tree
// that is killed whole once the run ends. Its temporary files go to a
// directory of its own, removed with the report's.
type runner struct {
	o       *options
	j       job
	row     *progressRow
	budget  *render.Budget
	tmp     string
	version string
	goEnv   []string
}

// pipes are the test process's: stdout into test2json, test2json's
// events to the report, stderr (both processes') to the report.
type pipes struct{ out, events, errs *proc.Pipe }

// run collects the implementation's results; why says why it could not
// run, if it could not.
func (r *runner) run() ([]render.ImplInfo, []result.Result, *result.RunInfo, string) {
	r.row.begin()
	fail := func(err error) ([]render.ImplInfo, []result.Result, *result.RunInfo, string) {
		r.row.end("could not start")
		return []render.ImplInfo{{Name: r.j.name, Evidence: err.Error()}}, nil, nil, err.Error()
	}
	if err := os.Mkdir(r.tmp, 0o700); err != nil {
		return fail(err)
	}
	var p pipes
	var err error
	for _, pp := range []**proc.Pipe{&p.out, &p.events, &p.errs} {
		if *pp, err = proc.NewPipe(); err != nil {
			return fail(err)
		}
		defer (*pp).R.Close()
		defer (*pp).W.Close()
	}
	t2j := test2json()
	conv := exec.Command(t2j[0], append(t2j[1:], "-t", "-p", r.j.bin.importPath)...)
	conv.Env, conv.Stdin, conv.Stdout, conv.Stderr = r.goEnv, p.out.R, p.events.W, p.errs.W
	cmd := exec.Command(r.j.bin.path,
		"-test.run=^"+regexp.QuoteMeta(r.j.test)+"$/^"+regexp.QuoteMeta(r.j.name)+"$",
		"-test.v=test2json", "-test.timeout="+(r.o.budget+time.Minute).String())
	cmd.Dir = r.j.bin.dir
	cmd.Env = slices.Concat(childEnv(r.o, r.version), []string{"TMPDIR=" + r.tmp}, r.o.shard.env(r.j.name), r.j.env()) // the last of a name wins
	cmd.Stdout, cmd.Stderr = p.out.W, p.errs.W

	stderr := proc.NewTail(16 << 10) // a crash's stack: its tail is the evidence
	errsDone := make(chan struct{})
	go func() { defer close(errsDone); io.Copy(stderr, p.errs.R) }()
	c := render.NewCollected(r.budget)
	c.OnEvent = r.row.event
	var readErr error
	eventsDone := make(chan struct{})
	go func() {
		defer close(eventsDone)
		readErr = c.Read(p.events.R, r.j.name+" output")
		io.Copy(io.Discard, p.events.R) // what follows a bad line: the converter must not block
	}()

	convP, err := proc.Start(conv)
	if err != nil {
		return fail(err)
	}
	defer convP.Kill()
	began := time.Now()
	bin, err := proc.Start(cmd)
	if err != nil {
		p.out.W.Close()
		p.events.W.Close()
		p.errs.W.Close()
		return fail(err)
	}
	// Only the processes hold the write ends now: the output ends when
	// they (and whatever they left holding them) are gone.
	p.out.W.Close()
	p.events.W.Close()
	p.errs.W.Close()
	p.out.R.Close()

	why := r.wait(bin, convP, &p, began, eventsDone, errsDone)
	took := time.Since(began).Round(time.Millisecond)
	if readErr != nil {
		r.row.end("unreadable output")
		return []render.ImplInfo{{Name: r.j.name, Evidence: readErr.Error() + "\n" + stderr.String()}}, nil, nil, readErr.Error()
	}
	var evidence string
	if why != "" {
		evidence = fmt.Sprintf("%s (after %v)\nstderr tail:\n%s\noutput tail:\n%s", why, took, stderr.String(), c.Output)
	}
	if len(c.Impls) == 0 {
		r.row.end("no results")
		if why == "" {
			why = "the test process reported no implementation"
			evidence = why + "\n" + c.Output + "\n" + stderr.String()
		}
		return []render.ImplInfo{{Name: r.j.name, Module: moduleOf(r.j.bin), Evidence: evidence}}, nil, c.Run, why
	}
	for i := range c.Impls {
		c.Impls[i].Module = moduleOf(r.j.bin)
		c.Impls[i].Evidence = result.Cut(evidence, result.MaxEvidence)
		c.Impls[i].Wall = took // the test process's, from its start to its end
	}
	c.Complete(evidence)
	if why != "" {
		// A test process that did not end cleanly is reported as an error
		// row (with evidence), not as a harness failure: the report
		// completes, and its exit status says 2 through it.
		c.Results = append(c.Results, render.ProcessRow(r.j.name, why, evidence))
	}
	r.row.end("")
	return c.Impls, c.Results, c.Run, ""
}

// wait waits for the test process (within the budget), then for its
// output to end; it kills what is left, and says what went wrong, or "".
func (r *runner) wait(bin, conv *proc.Proc, p *pipes, began time.Time, eventsDone, errsDone <-chan struct{}) string {
	var whys []string
	budget := time.NewTimer(time.Until(began.Add(r.o.budget)))
	defer budget.Stop()
	select {
	case <-bin.Exited():
	case <-budget.C:
		killed := bin.Kill()
		why := fmt.Sprintf("still running after its %v budget; killed with its process tree", r.o.budget)
		if len(killed) > 0 {
			why += " (and " + proc.Join(killed) + ")"
		}
		whys = append(whys, why)
	}
	if err := bin.Wait(); err != nil && !isTestFailure(err) && len(whys) == 0 {
		whys = append(whys, fmt.Sprintf("the test process ended abnormally (%v)", err))
	}
	drained := func(d time.Duration) bool {
		t := time.NewTimer(d)
		defer t.Stop()
		for _, ch := range []<-chan struct{}{eventsDone, errsDone} {
			select {
			case <-ch:
			case <-t.C:
				return false
			}
		}
		return true
	}
	var holders []proc.Process
	if !drained(drainGrace) {
		var held []string
		for _, h := range []struct {
			pipe *proc.Pipe
			name string
		}{{p.out, "stdout"}, {p.errs, "stderr"}} {
			for _, pr := range h.pipe.Holders() {
				if !conv.Has(pr.PID) {
					holders = append(holders, pr)
					held = append(held, pr.String()+" held its "+h.name)
				}
			}
		}
		if len(held) > 0 {
			whys = append(whys, "after the test process exited, "+strings.Join(held, ", ")+"; killed")
		}
	}
	left, _ := bin.Members()
	killed := bin.Kill(proc.PIDs(holders)...)
	var stayed []proc.Process
	for _, k := range killed {
		if slices.ContainsFunc(left, func(l proc.Process) bool { return l.PID == k.PID }) &&
			!slices.ContainsFunc(holders, func(h proc.Process) bool { return h.PID == k.PID }) {
			stayed = append(stayed, k)
		}
	}
	if len(stayed) > 0 {
		whys = append(whys, "processes it started were still running after it exited: "+proc.Join(stayed)+"; killed")
	}
	if !drained(killGrace) {
		whys = append(whys, "its output never ended; stopped reading it")
		p.events.R.Close()
		p.errs.R.Close()
		<-eventsDone
		<-errsDone
	}
	select {
	case <-conv.Exited():
	case <-time.After(killGrace):
		conv.Kill()
	}
	return strings.Join(whys, "; ")
}

// test2json is the converter's own binary (go tool -n test2json), found
// once: through go tool, every row started the go command again to find
// it, 0.15 s of CPU each. Where it cannot be found, the go command runs it.
var test2json = sync.OnceValue(func() []string {
	out, err := exec.Command("go", "tool", "-n", "test2json").Output()
	if p := strings.TrimSpace(string(out)); err == nil && p != "" {
		if _, err := os.Stat(p); err == nil {
			return []string{p}
		}
	}
	return []string{"go", "tool", "test2json"}
})
