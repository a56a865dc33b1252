package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/proc"
	"github.com/netconform/netconform/harness/result"
)

// What reading go test -json output keeps is bounded, whatever the size
// of the output: a report of many large results keeps every outcome and
// finding, and the transcripts and evidence of the first MaxDetail bytes
// of results.
const (
	MaxLine    = 1 << 20  // one line of the stream (test2json writes lines of a few KiB)
	MaxEvent   = 8 << 20  // one netconform event, its pieces joined
	MaxItems   = 50_000   // results, planned results, cases and packages, in all
	MaxDetail  = 48 << 20 // bytes of results kept whole (result.Result.Size)
	maxTails   = 16 << 20 // bytes of output kept as evidence of packages still running or failed
	outputLine = 4 << 10  // an output line kept as evidence
	outputTail = 200      // output lines kept as evidence of a run
	pkgTail    = 40       // output lines kept as evidence of a failed package
	slimNote   = "transcript, wire trace and evidence not kept: the report reached its size bound"
)

// A Budget is what the readers of one report may keep between them.
type Budget struct {
	mu     sync.Mutex
	items  int
	detail int
	tails  int
}

// tail accounts for n bytes of a package's output (n < 0 gives them
// back), and says whether they may be kept.
func (b *Budget) tail(n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > 0 && b.tails+n > maxTails {
		return false
	}
	b.tails += n
	return true
}

// NewBudget returns the budget of one report.
func NewBudget() *Budget { return &Budget{} }

// item accounts for n items; an error past MaxItems.
func (b *Budget) item(n int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.items += n
	if b.items > MaxItems {
		return fmt.Errorf("more than %d results, planned results, cases and packages: a report that large is not one to read", MaxItems)
	}
	return nil
}

// whole accounts for a result of size bytes, and says whether it may keep
// its detail.
func (b *Budget) whole(size int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.detail+size > MaxDetail {
		return false
	}
	b.detail += size
	return true
}

// testEvent is one line of go test -json (cmd/test2json).
type testEvent struct {
	Time        time.Time
	Action      string
	Package     string
	ImportPath  string // build-output and build-fail events
	Test        string
	Output      string
	Key         string // attr events
	Value       string
	FailedBuild string
	Elapsed     float64 // seconds, on pass, fail and skip events
}

// Collected is what go test -json streams held.
type Collected struct {
	Run     *result.RunInfo // the first run event
	Impls   []ImplInfo
	Cases   map[string]CaseInfo // the cases the implementations planned
	Results []result.Result
	// Output keeps the tail of the streams' plain output, for evidence.
	Output string
	// Failed is true when a stream reports a failing package.
	Failed bool
	// OnEvent, when set, sees each netconform event once complete.
	OnEvent func(key, value string)
	// Started is the time of the streams' earliest timed event (zero if
	// none has a time): when the run started.
	Started time.Time

	budget  *Budget
	events  result.Assembler
	keys    map[string]string // result key → where it was read
	impls   map[string]bool
	pkgs    []*pkgState
	byPkg   map[string]*pkgState
	tail    tailLines
	implTop map[string]string // implementation → its package and top-level test
	implRun map[string]int    // its package and subtest (where it was announced) → its index in Impls
	failTop map[string]bool   // package and top-level test → a netconform result failed there
}

// NewCollected returns an empty collection that keeps within b.
func NewCollected(b *Budget) *Collected {
	return &Collected{
		budget: b, events: result.Assembler{Max: MaxEvent}, keys: map[string]string{}, impls: map[string]bool{},
		byPkg: map[string]*pkgState{}, tail: tailLines{max: outputTail}, implTop: map[string]string{}, implRun: map[string]int{}, failTop: map[string]bool{},
	}
}

// ReadTestJSON reads one go test -json stream into a new collection (see
// Collected.Read).
func ReadTestJSON(r io.Reader, name string) (*Collected, error) {
	c := NewCollected(NewBudget())
	if err := c.Read(r, name); err != nil {
		return nil, err
	}
	return c, nil
}

// Read reads go test -json output (several packages may be mixed) and
// collects the implementations and results the suite emitted, the
// packages' outcomes, and the tail of the output. A line that is not a
// JSON event, a result that does not parse, a second result for the same
// implementation, case and role, or a stream over the bounds is an error
// naming the line: a malformed, truncated or doubled stream never yields
// a silently wrong report. A line with terminal colours or a prefix (a
// CI's timestamps) is read as the event it holds.
func (c *Collected) Read(r io.Reader, name string) error {
	lines := proc.NewLines(r, MaxLine)
	line := 0
	for lines.Scan() {
		line++
		ev, ok, err := parseEvent(lines.Bytes())
		if err != nil {
			return fmt.Errorf("%s:%d: %v", name, line, err)
		}
		if ok {
			if err := c.event(ev, name, line); err != nil {
				return err
			}
		}
	}
	if err := lines.Err(); err != nil {
		if errors.Is(err, proc.ErrLineTooLong) {
			return fmt.Errorf("%s:%d: a line longer than %d bytes: not go test -json output", name, line+1, MaxLine)
		}
		return fmt.Errorf("%s:%d: %v", name, line+1, err)
	}
	for _, p := range c.pkgs {
		p.flush(&c.tail, c.budget)
	}
	if p := c.events.Pending(); len(p) > 0 {
		return fmt.Errorf("%s:%d: the stream ends inside an event (%s): truncated?", name, line, strings.Join(p, ", "))
	}
	c.Output = c.tail.String()
	return nil
}

// ansi matches terminal escape sequences: CSI (colours), OSC, and the
// two-character ones.
var ansi = regexp.MustCompile("\x1b(\\[[0-?]*[ -/]*[@-~]|\\][^\x07\x1b]*(\x07|\x1b\\\\)|[@-Z\\\\-_])")

// parseEvent reads one line; ok is false for a blank one.
func parseEvent(raw []byte) (ev testEvent, ok bool, err error) {
	b := bytes.TrimSpace(raw)
	if len(b) == 0 {
		return ev, false, nil
	}
	err = json.Unmarshal(b, &ev)
	if err != nil {
		s := bytes.TrimSpace(ansi.ReplaceAll(b, nil))
		if i := bytes.IndexByte(s, '{'); i >= 0 {
			var inner testEvent
			if json.Unmarshal(s[i:], &inner) == nil && inner.Action != "" {
				return inner, true, nil
			}
		}
		return ev, false, fmt.Errorf("not a go test -json event (%v): %s", err, quoteStart(b))
	}
	if ev.Action == "" {
		return ev, false, fmt.Errorf("not a go test -json event (no Action): %s", quoteStart(b))
	}
	return ev, true, nil
}

func quoteStart(b []byte) string {
	if len(b) > 80 {
		return fmt.Sprintf("%q…", b[:80])
	}
	return fmt.Sprintf("%q", b)
}

// event takes one event of the stream.
func (c *Collected) event(ev testEvent, name string, line int) error {
	pkgName := ev.Package
	if pkgName == "" {
		pkgName, _, _ = strings.Cut(ev.ImportPath, " [")
	}
	p, err := c.pkg(pkgName)
	if err != nil {
		return fmt.Errorf("%s:%d: %v", name, line, err)
	}
	top, _, _ := strings.Cut(ev.Test, "/")
	if !ev.Time.IsZero() && (c.Started.IsZero() || ev.Time.Before(c.Started)) {
		c.Started = ev.Time
	}
	switch ev.Action {
	case "output", "build-output":
		p.output(ev.Output, &c.tail, c.budget)
	case "build-fail":
		p.build = true
	case "pass", "fail", "skip":
		switch {
		case ev.Test == "":
			p.ended = ev.Action
			p.build = p.build || ev.FailedBuild != ""
			c.Failed = c.Failed || ev.Action == "fail"
			if ev.Action != "fail" {
				p.forget(c.budget) // a package that passed needs no evidence
			}
		case ev.Action == "fail" && top == ev.Test:
			p.failedTops = append(p.failedTops, top)
		}
		if i, ok := c.implRun[p.name+"\x00"+ev.Test]; ok && ev.Elapsed > 0 {
			// The subtest an implementation was announced on runs all its
			// cases: its elapsed time is the implementation's wall time.
			c.Impls[i].Wall = time.Duration(ev.Elapsed * float64(time.Second)).Round(time.Millisecond)
		}
	case "attr":
		if !strings.HasPrefix(ev.Key, "netconform.") {
			return nil
		}
		value, done, err := c.events.Add(ev.Test, ev.Key, ev.Value)
		if err != nil {
			return fmt.Errorf("%s:%d: %v", name, line, err)
		}
		if done {
			if c.OnEvent != nil {
				c.OnEvent(ev.Key, value)
			}
			return c.take(ev.Key, value, p, ev.Test, fmt.Sprintf("%s:%d", name, line))
		}
	}
	return nil
}

// take handles one netconform event (see package result) of package p's
// test, read at where.
func (c *Collected) take(key, value string, p *pkgState, test, where string) error {
	top, _, _ := strings.Cut(test, "/")
	switch key {
	case result.KeyResult:
		var res result.Result
		if err := json.Unmarshal([]byte(value), &res); err != nil {
			return fmt.Errorf("%s: a netconform result event that does not parse: %v", where, err)
		}
		if res.Impl == "" || res.Case == "" || res.Outcome == "" {
			return fmt.Errorf("%s: a netconform result without impl, case or outcome", where)
		}
		if res.Role != harness.RoleClient && res.Role != harness.RoleServer {
			return fmt.Errorf("%s: a netconform result with role %q, neither client nor server", where, res.Role)
		}
		if err := c.add(res, where, p.name+"\x00"+top); err != nil {
			return err
		}
	case result.KeyImpl:
		var im ImplInfo
		if err := json.Unmarshal([]byte(value), &im); err != nil {
			return fmt.Errorf("%s: a netconform implementation event that does not parse: %v", where, err)
		}
		if im.Name == "" {
			return fmt.Errorf("%s: a netconform implementation event without a name", where)
		}
		if c.impls[im.Name] {
			return nil // announced again (the same output read twice): its results say so
		}
		if err := c.budget.item(1 + len(im.Planned)); err != nil {
			return fmt.Errorf("%s: %v", where, err)
		}
		im.Bound()
		c.impls[im.Name] = true
		c.implRun[p.name+"\x00"+test] = len(c.Impls)
		c.Impls = append(c.Impls, im)
		c.implTop[im.Name] = p.name + "\x00" + top
		p.impls = append(p.impls, im.Name)
	case result.KeyCases:
		var cs []CaseInfo
		if err := json.Unmarshal([]byte(value), &cs); err != nil {
			return fmt.Errorf("%s: a netconform cases event that does not parse: %v", where, err)
		}
		if c.Cases == nil {
			c.Cases = map[string]CaseInfo{}
		}
		for _, ci := range cs {
			if _, ok := c.Cases[ci.ID]; ok {
				continue
			}
			if err := c.budget.item(1); err != nil {
				return fmt.Errorf("%s: %v", where, err)
			}
			ci.Spec, ci.Catalogue = result.Cut(ci.Spec, result.MaxText), result.Cut(ci.Catalogue, result.MaxText)
			c.Cases[ci.ID] = ci
		}
	case result.KeyRun:
		var ri result.RunInfo
		if err := json.Unmarshal([]byte(value), &ri); err != nil {
			return fmt.Errorf("%s: a netconform run event that does not parse: %v", where, err)
		}
		if c.Run == nil {
			for _, s := range []*string{&ri.ToolVersion, &ri.CatalogueHash, &ri.GoVersion, &ri.GOOS, &ri.GOARCH, &ri.Kernel} {
				*s = result.Cut(*s, 256)
			}
			c.Run = &ri
		}
	}
	return nil
}

// add keeps one result, bounded; an outcome or level it does not know
// makes it an error. top is its package and top-level test.
func (c *Collected) add(res result.Result, where, top string) error {
	key := res.Key()
	if first, ok := c.keys[key]; ok {
		return fmt.Errorf("%s: a second result for %s (the first is at %s): the same output read twice, or go test -count above 1?", where, key, first)
	}
	if err := c.budget.item(1); err != nil {
		return fmt.Errorf("%s: %v", where, err)
	}
	c.keys[key] = where
	res.Bound()
	if !res.Outcome.Valid() {
		res.Reason = result.Cut(fmt.Sprintf("the input's outcome %q is not one of %v; %s", res.Outcome, result.Outcomes, res.Reason), result.MaxText)
		res.Outcome = result.Error
	}
	switch res.Level {
	case "", result.Contract, result.Convention, result.Informational:
	default:
		res.Reason = result.Cut(fmt.Sprintf("the input's level %q is not a level; %s", res.Level, res.Reason), result.MaxText)
		res.Level, res.Outcome = "", result.Error
	}
	if !c.budget.whole(res.Size()) {
		res.Slim(slimNote)
	}
	if res.Outcome.Failed() {
		c.failTop[top] = true
	}
	c.Results = append(c.Results, res)
	return nil
}

// Complete adds an error result for every planned case/role of an
// implementation that has no result, with the evidence given (cut to a
// few KiB: the implementation's own evidence has the rest) and the case's
// metadata from the cases events.
func (c *Collected) Complete(evidence string) {
	evidence = result.Cut(evidence, 4<<10)
	for _, im := range c.Impls {
		for _, key := range im.Planned {
			if _, ok := c.keys[im.Name+"/"+key]; ok {
				continue
			}
			caseID, role, _ := strings.Cut(key, "/")
			res := result.Result{
				Impl: im.Name, Case: caseID, Role: harness.Role(role), Area: strings.SplitN(caseID, ".", 2)[0],
				Outcome:  result.Error,
				Reason:   "no result: the test process ended before this case reported",
				Evidence: evidence,
			}
			if ci, ok := c.Cases[caseID]; ok {
				res.Level, res.Spec, res.Catalogue, res.Needs = ci.Level, ci.Spec, ci.Catalogue, ci.Needs
			}
			c.keys[res.Key()] = "planned"
			c.failTop[c.implTop[im.Name]] = true
			c.Results = append(c.Results, res)
		}
	}
}

// ProcessCase is the case of the rows the report command adds for a test
// process that did not end cleanly: it failed outside its results, did
// not build, crashed, overran its budget, or left processes behind.
const ProcessCase = "run.process.ends-cleanly"

// ProcessSpec is ProcessCase's spec.
const ProcessSpec = "the implementation's test process ends by itself within its budget, fails only through its case results, and leaves no process behind"

// ProcessRow is an error row of ProcessCase.
func ProcessRow(impl, reason, evidence string) result.Result {
	return result.Result{
		Impl: impl, Case: ProcessCase, Role: harness.RoleClient, Area: "run", Level: result.Convention, Spec: ProcessSpec,
		Outcome: result.Error, Reason: result.Cut(reason, result.MaxText), Evidence: result.Cut(evidence, result.MaxEvidence),
	}
}

// PackageRows returns an error row for each package that failed for a
// reason its netconform results do not give — a test that failed without
// a failing result, a panic, a build failure, a failure outside any test —
// or whose output ends before its end: one per implementation it ran, or
// one named after the package when it ran none.
func (c *Collected) PackageRows() []result.Result {
	var rows []result.Result
	for _, p := range c.pkgs {
		why := c.unexplained(p)
		if why == "" {
			continue
		}
		names := p.impls
		if len(names) == 0 {
			names = []string{implName(p.name)}
		}
		evidence := "go test output of " + p.name + ":\n" + p.tail.String()
		for _, n := range names {
			rows = append(rows, ProcessRow(n, why, evidence))
		}
	}
	return rows
}

// unexplained says why p failed beyond its results, or "".
func (c *Collected) unexplained(p *pkgState) string {
	switch {
	case p.name == "":
		return ""
	case p.ended == "":
		return "the go test -json output ends before package " + p.name + " ended"
	case p.ended != "fail":
		return ""
	case p.build:
		return "go test: package " + p.name + " did not build"
	}
	var tests []string
	for _, top := range p.failedTops {
		if !c.failTop[p.name+"\x00"+top] && !slices.Contains(tests, top) {
			tests = append(tests, top)
		}
	}
	why := "go test: package " + p.name + " failed"
	switch {
	case len(tests) > 0:
		why += ": " + strings.Join(tests, ", ") + " failed, and not through a netconform result"
	case len(p.failedTops) == 0:
		why += " outside its tests (TestMain, init, or the test process's exit)"
	case p.crash == "":
		return ""
	}
	if p.crash != "" {
		why += "; " + p.crash
	}
	return why
}

// implName makes a package path into a name a report accepts for an
// implementation: example.com/x → example.com-x.
func implName(pkg string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(pkg) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-.")
}

// pkg returns the state of package name, new on first sight.
func (c *Collected) pkg(name string) (*pkgState, error) {
	if p, ok := c.byPkg[name]; ok {
		return p, nil
	}
	if err := c.budget.item(1); err != nil {
		return nil, err
	}
	p := &pkgState{name: name, tail: tailLines{max: pkgTail}}
	c.byPkg[name] = p
	c.pkgs = append(c.pkgs, p)
	return p, nil
}

// pkgState is what the stream said of one package.
type pkgState struct {
	name       string
	ended      string // pass, fail, skip; "" until it ends
	build      bool   // it did not build
	crash      string // its first panic or fatal error line
	failedTops []string
	impls      []string
	partial    strings.Builder // an output line split into several events
	cut        int             // bytes of that line not kept
	tail       tailLines
	done       bool // passed or skipped: its output is not kept
}

// output takes a piece of p's output: lines are joined again, kept (cut
// when long) in p's tail, within b, and in all.
func (p *pkgState) output(s string, all *tailLines, b *Budget) {
	for s != "" {
		piece, rest, nl := strings.Cut(s, "\n")
		if room := outputLine - p.partial.Len(); len(piece) > room {
			p.cut += len(piece) - max(room, 0)
			piece = piece[:max(room, 0)]
		}
		p.partial.WriteString(piece)
		if !nl {
			return
		}
		p.flush(all, b)
		s = rest
	}
}

// forget drops p's tail, giving its bytes back to b; p keeps no more.
func (p *pkgState) forget(b *Budget) {
	b.tail(-p.tail.bytes)
	p.tail = tailLines{}
	p.done = true
}

// flush ends p's current line.
func (p *pkgState) flush(all *tailLines, b *Budget) {
	if p.partial.Len() == 0 && p.cut == 0 {
		return
	}
	line := strings.ToValidUTF8(p.partial.String(), "\uFFFD")
	if p.cut > 0 {
		line += fmt.Sprintf("… [truncated %d bytes]", p.cut)
	}
	p.partial.Reset()
	p.cut = 0
	if strings.HasPrefix(line, "=== ATTR") {
		return
	}
	if p.crash == "" && (strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ")) {
		p.crash = result.Cut(line, 512)
	}
	all.add(line)
	if !p.done && b.tail(len(line)) {
		b.tail(-p.tail.add(line))
	}
}

// tailLines keeps the last lines added.
type tailLines struct {
	max   int
	lines []string
	gone  int
	bytes int // in lines
}

// add keeps l, and returns the bytes of the lines it dropped.
func (t *tailLines) add(l string) int {
	t.lines = append(t.lines, l)
	t.bytes += len(l)
	dropped := 0
	if len(t.lines) > t.max {
		n := len(t.lines) - t.max
		for _, d := range t.lines[:n] {
			dropped += len(d)
		}
		t.gone += n
		t.bytes -= dropped
		t.lines = append(t.lines[:0], t.lines[n:]...)
	}
	return dropped
}

func (t *tailLines) String() string {
	s := strings.Join(t.lines, "\n")
	if t.gone > 0 {
		s = fmt.Sprintf("[%d earlier lines not kept]\n", t.gone) + s
	}
	return s
}
