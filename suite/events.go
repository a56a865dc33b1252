package suite

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/runner"
	"github.com/netconform/netconform/harness/script"
	"github.com/netconform/netconform/harness/sysobs"
)

// CatalogueHash identifies the case catalogue: it changes when any case's
// ID, level, needs, setup, spec or script changes.
func CatalogueHash() string { return catalogueHash() }

// catalogueHash is computed once: the catalogue is fixed for the life of
// the process (see Cases), and every implementation's run reports it.
var catalogueHash = sync.OnceValue(func() string {
	h := sha256.New()
	for _, c := range Cases() {
		h.Write([]byte(c.Fingerprint()))
	}
	return hex.EncodeToString(h.Sum(nil))
})

// runInfo describes this run: the tool and catalogue, the toolchain and
// kernel, the timescale.
func runInfo(rn *runner.Runner) result.RunInfo {
	version := rn.Config().ToolVersion
	if version == "" {
		version = buildVersion()
	}
	return result.RunInfo{
		ToolVersion: version, CatalogueHash: CatalogueHash(),
		GoVersion: runtime.Version(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH,
		Kernel: sysobs.KernelRelease(), Timescale: rn.Timescale,
	}
}

// buildVersion is netconform's module version (and VCS revision) as built
// into this binary, or "devel".
func buildVersion() string {
	version := "devel"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version
	}
	for _, m := range append([]*debug.Module{&bi.Main}, bi.Deps...) {
		if m.Path == "github.com/netconform/netconform" && m.Version != "" {
			version = m.Version
		}
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			version += "+" + s.Value[:12]
		}
	}
	return version
}

// collector gathers an implementation's results, and emits them as events.
type collector struct {
	mu      sync.Mutex
	results []result.Result
	child   bool // this process is an isolated child: the parent reports
}

// announce emits the run and the implementation, with the results it
// plans: the cases' and the explorer's (explored, case/role keys).
func (col *collector) announce(t *testing.T, rn *runner.Runner, im *harness.Impl, cases []*script.Case, explored ...string) {
	info := result.Describe(im)
	for _, c := range cases {
		for _, role := range c.RolesFor(im) {
			info.Planned = append(info.Planned, c.ID+"/"+string(role))
		}
	}
	info.Planned = append(info.Planned, explored...)
	var infos []result.CaseInfo
	for _, c := range cases {
		infos = append(infos, result.CaseInfo{ID: c.ID, Area: c.Area(), Level: c.Level, Spec: c.Spec, Catalogue: c.Catalogue, Needs: c.Needs.List()})
	}
	seen := map[string]bool{}
	for _, k := range explored {
		id, _, _ := strings.Cut(k, "/")
		if !seen[id] {
			seen[id] = true
			infos = append(infos, exploreCaseInfo(id))
		}
	}
	emit(t, result.KeyRun, runInfo(rn))
	emit(t, result.KeyImpl, info)
	emit(t, result.KeyCases, infos)
}

// emit attaches an event to t (see package result).
func emit(t *testing.T, key string, v any) {
	s, err := result.Encode(v)
	if err != nil {
		t.Errorf("netconform: encoding the %s event: %v", key, err)
		return
	}
	for _, p := range result.Pieces(s) {
		t.Attr(key, p)
	}
}

// report turns a result into the subtest's verdict, output and event;
// the result is bounded first (result.Result.Bound): evidence an
// implementation produced never makes an event of unbounded size. A
// failure is printed once, its root cause beside its first finding
// (result.Result.Failure); in an isolated child nothing is printed or
// emitted: the parent reports the result the child hands it.
func (col *collector) report(t *testing.T, res *result.Result) {
	t.Helper()
	res.Bound()
	col.mu.Lock()
	col.results = append(col.results, *res)
	quiet := col.child
	col.mu.Unlock()
	if quiet {
		return
	}
	emit(t, result.KeyResult, res)
	if res.Outcome.Failed() {
		t.Fail()
		fmt.Fprint(t.Output(), res.Failure())
		return
	}
	if testing.Verbose() {
		fmt.Fprint(t.Output(), res.Format())
	}
	switch res.Outcome {
	case result.Info:
		t.Logf("informational: %s", res.Summary())
	case result.KnownFailure:
		link := ""
		if res.Known != nil && res.Known.Link != "" {
			link = " " + res.Known.Link
		}
		t.Skipf("known failure: %s%s", res.Reason, link)
	case result.Unsupported:
		t.Skipf("unsupported: %s", res.Reason)
	case result.NotApplicable:
		t.Skipf("not applicable: %s", res.Reason)
	case result.Skip:
		t.Skipf("skip: %s", res.Reason)
	}
}

// reportAfterAll reports after-all results from the implementation's
// test, once its cases are done (from a Cleanup: no subtests are left).
func (col *collector) reportAfterAll(t *testing.T, res *result.Result) {
	res.Bound()
	col.mu.Lock()
	col.results = append(col.results, *res)
	col.mu.Unlock()
	emit(t, result.KeyResult, res)
	switch {
	case res.Outcome.Failed():
		t.Fail()
		fmt.Fprintf(t.Output(), "%s: %s", res.Case, res.Failure())
	case res.Outcome == result.KnownFailure, res.Outcome == result.Skip:
		t.Logf("%s %s: %s", res.Case, res.Outcome, res.Reason)
	}
}

// summarize prints the root causes of the implementation's failed
// results (result.Causes), most results first, at the end of its test.
func (col *collector) summarize(t *testing.T, im string) {
	col.mu.Lock()
	causes := result.Causes(col.results)
	col.mu.Unlock()
	if len(causes) == 0 {
		return
	}
	n := 0
	for _, c := range causes {
		n += c.Results
	}
	var b strings.Builder
	fmt.Fprintf(&b, "root causes of the %d failed results of %s:\n", n, im)
	for i, c := range causes {
		if i == maxCauses {
			fmt.Fprintf(&b, "  … and %d more\n", len(causes)-i)
			break
		}
		fmt.Fprintf(&b, "  %s\n", c)
	}
	fmt.Fprint(t.Output(), b.String())
}

// maxCauses bounds the root causes a summary lists.
const maxCauses = 5
