package mutants_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/impls/mutants"
	"github.com/netconform/netconform/suite"
)

// envWrapVSuite makes TestWrapsWithVSuite run the suite on the %v wrapper
// as a user's test would: its output is what that user reads.
const envWrapVSuite = "NETCONFORM_WRAPV_SUITE"

// TestWrapsWithVSuite is a user's conformance test of the %v wrapper: it
// runs only when envWrapVSuite is set, and then fails.
func TestWrapsWithVSuite(t *testing.T) {
	if os.Getenv(envWrapVSuite) == "" {
		t.Skipf("set %s=1: runs the suite on the wrapper that wraps with %%v, and fails", envWrapVSuite)
	}
	suite.Run(t, mutants.WrapsWithV().Impl)
}

// TestWrapsWithVHasOneDominantCause: one bug behind many failures is one
// root cause. Every case runs on the %v wrapper; the failed results group
// into one cause that covers most of them and says to wrap with %w.
func TestWrapsWithVHasOneDominantCause(t *testing.T) {
	skipInChild(t)
	im := mutants.WrapsWithV().Impl
	var mu sync.Mutex
	var results []result.Result
	var wg sync.WaitGroup
	for _, c := range suite.Cases() {
		for _, role := range c.RolesFor(&im) {
			wg.Go(func() {
				res := testRunner.Run(context.Background(), &im, &c, role)
				mu.Lock()
				defer mu.Unlock()
				results = append(results, *res)
			})
		}
	}
	wg.Wait()
	causes := result.Causes(results)
	if len(causes) == 0 {
		t.Fatalf("the wrapper that wraps with %%v fails nothing")
	}
	failed := 0
	for _, c := range causes {
		failed += c.Results
	}
	top := causes[0]
	t.Logf("%d failed results, %d causes; the top one: %s", failed, len(causes), top)
	if !strings.HasPrefix(top.Signature, "text-copy ") || !strings.Contains(top.Diagnosis, "wrap with %w") {
		t.Errorf("the top cause is %q: %s; want the text copies, and to wrap with %%w", top.Signature, top.Diagnosis)
	}
	if top.Results*4 < failed*3 {
		t.Errorf("the top cause covers %d of %d failed results, want three quarters at least; the others:\n%s", top.Results, failed, causeLines(causes[1:]))
	}
	if len(causes) > 1 && causes[1].Results*5 > top.Results {
		t.Errorf("the second cause (%s) is not far behind the first (%s)", causes[1], top)
	}
}

// TestWrapsWithVOutputNamesTheRootCauseFirst runs TestWrapsWithVSuite as a
// user would (go test, not verbose) and reads its output: the root cause,
// naming %w, is in the first 10 lines; each failure is printed once, with
// no location of the harness's and no isolated child's output in it.
func TestWrapsWithVOutputNamesTheRootCauseFirst(t *testing.T) {
	skipInChild(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestWrapsWithVSuite$", "-test.count=1", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), envWrapVSuite+"=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the suite passes the %%v wrapper:\n%s", out)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	first := -1
	for i, l := range lines {
		if strings.Contains(l, "root cause") && strings.Contains(l, "wrap with %w") {
			first = i + 1
			break
		}
	}
	t.Logf("%d lines of output; the root cause is first named on line %d", len(lines), first)
	if first < 1 || first > 10 {
		t.Errorf("the root cause is first named on line %d, want within the first 10:\n%s", first, strings.Join(lines[:min(len(lines), 20)], "\n"))
	}
	var results, failures int
	for _, l := range lines {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "fail ("), strings.HasPrefix(l, "timeout ("), strings.HasPrefix(l, "unexpected-pass ("), strings.HasPrefix(l, "error ("):
			failures++
		case strings.HasPrefix(l, "=== RUN"), strings.Contains(l, "run.go:"), strings.Contains(l, "events.go:"):
			t.Errorf("the output has a line of the harness's or of an isolated child's: %q", l)
		case strings.HasPrefix(l, "root causes of the "):
			results++
		}
	}
	if results != 1 {
		t.Errorf("%d root-cause summaries, want one (the implementation's)", results)
	}
	leaves := 0
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "--- FAIL") && i+1 < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i+1]), "--- FAIL") && !strings.HasPrefix(strings.TrimSpace(lines[i+1]), "root causes of") {
			leaves++
		}
	}
	if failures != leaves {
		t.Errorf("%d failure lines for %d failed subtests: each failure is printed once", failures, leaves)
	}
}

func causeLines(cs []result.Cause) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString("  " + c.String() + "\n")
	}
	return b.String()
}
