package result

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/netconform/netconform/harness"
)

// Events carry a run's results from the test process to the report
// command as test attributes (testing.T.Attr), which go test -json turns
// into {"Action":"attr","Key":…,"Value":…} events. Each event is one line
// of JSON, sent in pieces: test2json recognises an attribute only on a
// line of at most 4 KiB, so the JSON is cut (on character boundaries)
// into values of at most PieceSize bytes, each prefixed "i/n " (i counts
// from 1). A reader joins the pieces of a key on a test, in order
// (Assembler). A test process emits, on each implementation's subtest, a
// RunInfo (KeyRun), an ImplInfo (KeyImpl) and the []CaseInfo of the cases
// it plans (KeyCases), and on each case's subtest its Result (KeyResult).
// The report command reads nothing else.
const (
	KeyRun    = "netconform.run"
	KeyImpl   = "netconform.impl"
	KeyCases  = "netconform.cases"
	KeyResult = "netconform.result"
)

// CaseInfo describes a case: what a report shows of it, and what a result
// that never arrived is given.
type CaseInfo struct {
	ID        string   `json:"id"`
	Area      string   `json:"area"`
	Level     Level    `json:"level"`
	Spec      string   `json:"spec"`
	Catalogue string   `json:"catalogue,omitempty"`
	Needs     []string `json:"needs,omitempty"`
}

// What a report command tells a test process, through its environment
// and flags, and what the process answers when asked to list.
const (
	// EnvTimescale stretches every upper time bound and watchdog (default 1).
	EnvTimescale = "NETCONFORM_TIMESCALE"
	// EnvCases is a regular expression: only cases whose ID matches run.
	EnvCases = "NETCONFORM_CASES"
	// EnvAreas is a comma-separated list of areas: only their cases run.
	EnvAreas = "NETCONFORM_AREAS"
	// EnvExplore is the budget of each implementation's exploration
	// (harness/explore) in suite.Run: a Go duration, or a number of
	// sequences per role written "100x"; 0 turns it off.
	EnvExplore = "NETCONFORM_EXPLORE"
	// EnvPerf, when true ("1"), makes suite.Run measure the perf cases;
	// without it they are skipped (each measures alone in its process and
	// would hold every other case). The report command sets it.
	EnvPerf = "NETCONFORM_PERF"
	// EnvToolVersion overrides the version a run reports.
	EnvToolVersion = "NETCONFORM_TOOL_VERSION"
	// FlagList makes a test process print, instead of running anything,
	// per implementation a line ListTest+test (the top-level test that
	// runs it) then a line ListImpl+name, and ListCase+id per case the
	// environment selects.
	FlagList = "netconform.list"
	ListTest = "netconform-impl-test: "
	ListImpl = "netconform-impl-name: "
	ListCase = "netconform-case: "
)

// RunInfo says what produced a run and where.
type RunInfo struct {
	ToolVersion   string  `json:"toolVersion"`
	CatalogueHash string  `json:"catalogueHash"`
	GoVersion     string  `json:"goVersion"`
	GOOS          string  `json:"goos"`
	GOARCH        string  `json:"goarch"`
	Kernel        string  `json:"kernel"`
	Timescale     float64 `json:"timescale"`
}

// ImplInfo describes an implementation in a report.
type ImplInfo struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	URL         string          `json:"url,omitempty"`
	Version     string          `json:"version,omitempty"`
	Topology    string          `json:"topology"` // "reference-peer" or "pair"
	Network     string          `json:"network,omitempty"`
	CloseMode   string          `json:"closeMode"`
	Caps        []string        `json:"caps"`
	Known       []harness.Known `json:"known,omitempty"`
	// Module is the Go module the implementation's adapter lives in, when
	// it is not the core module.
	Module string `json:"module,omitempty"`
	// Planned lists the case/role keys the run meant to produce; a key
	// without a result is reported as an error, never silently dropped.
	Planned []string `json:"planned,omitempty"`
	// Evidence of a run that ended badly (the child process's output tail).
	Evidence string `json:"evidence,omitempty"`
	// Leaks found after the implementation's cases (goroutines, sockets).
	Leaks []string `json:"leaks,omitempty"`
	// Wall is the wall time of the implementation's run, from its start to
	// its end (its cases run in parallel: not the sum of their durations);
	// 0 when unknown. A merged report's is the sum of its shards'.
	Wall time.Duration `json:"wall,omitempty"`
}

// Describe returns im's ImplInfo, with no results planned yet.
func Describe(im *harness.Impl) ImplInfo {
	topo := "reference-peer"
	if im.Pairwise() {
		topo = "pair"
	}
	mode := string(im.CloseMode)
	if mode == "" {
		mode = string(harness.CloseFull)
	}
	net := im.Network
	if im.Caps.Has(harness.CapPacket) && !im.Caps.Has(harness.CapStream) {
		net = im.DatagramNetwork()
	}
	return ImplInfo{
		Name: im.Name, Description: im.Description, URL: im.URL, Version: im.Version,
		Topology: topo, Network: net, CloseMode: mode, Caps: im.EffectiveCaps().List(), Known: im.Known,
	}
}

// PieceSize bounds one attribute value, leaving room on a 4 KiB line for
// the test's name and the key.
const PieceSize = 2048

// Pieces cuts an event value into attribute values (see Events).
func Pieces(s string) []string {
	var parts []string
	for len(s) > 0 {
		n := min(PieceSize, len(s))
		for n < len(s) && n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		parts = append(parts, s[:n])
		s = s[n:]
	}
	if len(parts) == 0 {
		parts = []string{""}
	}
	for i := range parts {
		parts[i] = fmt.Sprintf("%d/%d %s", i+1, len(parts), parts[i])
	}
	return parts
}

// An Assembler joins the pieces of events (see Events). An event longer
// than Max bytes (when Max > 0) is an error as soon as its pieces say so.
type Assembler struct {
	Max     int
	partial map[[2]string]*strings.Builder
}

// Add takes one attribute of a test; when it completes an event, it
// returns the event's value and true.
func (a *Assembler) Add(test, key, value string) (string, bool, error) {
	head, body, ok := strings.Cut(value, " ")
	i, n, ok2 := strings.Cut(head, "/")
	pi, err1 := strconv.Atoi(i)
	pn, err2 := strconv.Atoi(n)
	if !ok || !ok2 || err1 != nil || err2 != nil || pi < 1 || pi > pn {
		return "", false, fmt.Errorf("attribute %s of %s: %q is not a piece of an event", key, test, head)
	}
	if a.partial == nil {
		a.partial = map[[2]string]*strings.Builder{}
	}
	k := [2]string{test, key}
	b := a.partial[k]
	switch {
	case b == nil && pi != 1:
		return "", false, fmt.Errorf("attribute %s of %s: piece %d/%d without the pieces before it", key, test, pi, pn)
	case b == nil:
		b = &strings.Builder{}
		a.partial[k] = b
	}
	if a.Max > 0 && b.Len()+len(body) > a.Max {
		delete(a.partial, k)
		return "", false, fmt.Errorf("attribute %s of %s: an event longer than %d bytes", key, test, a.Max)
	}
	b.WriteString(body)
	if pi < pn {
		return "", false, nil
	}
	delete(a.partial, k)
	return b.String(), true, nil
}

// Pending reports the events whose last piece never came.
func (a *Assembler) Pending() []string {
	var out []string
	for k := range a.partial {
		out = append(out, k[1]+" of "+k[0])
	}
	return out
}

// Encode renders an event value as one line of JSON.
func Encode(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	if strings.ContainsAny(string(b), "\r\n") {
		return "", fmt.Errorf("result: event encodes to more than one line")
	}
	return string(b), nil
}
