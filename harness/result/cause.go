package result

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/netconform/netconform/harness/errclass"
)

// A Cause is a root cause shared by failed results (fail, timeout,
// unexpected-pass): results whose first deviation has the same signature.
// The signature is what the classifier tells of that deviation: the class
// and chain shape of the error observed against the classes expected (a
// text copy of a sentinel, a timeout without os.ErrDeadlineExceeded, no
// error where one was expected, another class), or else the kind of
// deviation and the step kind.
type Cause struct {
	Signature string   `json:"signature"` // groups the results; stable across runs
	Diagnosis string   `json:"diagnosis"` // one line, in plain words, with the fix where the signature tells it
	Results   int      `json:"results"`
	Cases     int      `json:"cases"`           // distinct implementation × case
	Impls     []string `json:"impls"`           // sorted
	Steps     []string `json:"steps,omitempty"` // step kinds (Read, Write, Close, Accept, Dial, deadline, state…), sorted
	Needs     []string `json:"needs,omitempty"` // capabilities the results' cases need, sorted
	Keys      []string `json:"keys"`            // the results, impl/case/role, sorted; at most MaxCauseKeys
}

// MaxCauseKeys bounds the result keys a Cause lists.
const MaxCauseKeys = 20

// String is the cause in one line: "35 cases (66 results): errors are …".
func (c Cause) String() string {
	return fmt.Sprintf("%s (%s): %s", plural(c.Cases, "case"), plural(c.Results, "result"), c.Diagnosis)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// Causes groups the failed results by the signature of their first
// deviation, most results first. Results that did not fail are ignored;
// an error outcome (the case could not run) is not a cause.
func Causes(results []Result) []Cause {
	type group struct {
		sig   sign
		cause Cause
		cases map[string]bool
		impls map[string]bool
		steps map[string]int
		needs map[string]bool
		seen  map[errclass.Class]int // the classes the diagnosis names, with their results
	}
	groups := map[string]*group{}
	for i := range results {
		r := &results[i]
		s, ok := signOf(r)
		if !ok {
			continue
		}
		g := groups[s.key]
		if g == nil {
			g = &group{sig: s, cause: Cause{Signature: s.key}, cases: map[string]bool{}, impls: map[string]bool{}, steps: map[string]int{}, needs: map[string]bool{}, seen: map[errclass.Class]int{}}
			groups[s.key] = g
		}
		g.cause.Results++
		g.cases[r.Impl+"/"+r.Case] = true
		g.impls[r.Impl] = true
		if s.step != "" {
			g.steps[s.step]++
		}
		for _, n := range r.Needs {
			g.needs[n] = true
		}
		for _, c := range s.classes {
			g.seen[c]++
		}
		g.cause.Keys = append(g.cause.Keys, r.Key())
	}
	var out []Cause
	for _, g := range groups {
		c := g.cause
		c.Cases = len(g.cases)
		c.Impls = sortedKeys(g.impls)
		c.Steps = byCount(g.steps)
		c.Needs = sortedKeys(g.needs)
		slices.Sort(c.Keys)
		if len(c.Keys) > MaxCauseKeys {
			c.Keys = c.Keys[:MaxCauseKeys]
		}
		s := g.sig
		s.classes = s.classes[:0:0]
		for cl := range g.seen {
			s.classes = append(s.classes, cl)
		}
		slices.SortFunc(s.classes, func(a, b errclass.Class) int {
			return cmp.Or(cmp.Compare(g.seen[b], g.seen[a]), cmp.Compare(a, b))
		})
		c.Diagnosis = s.diagnosis(c.Steps, c.Results == 1)
		slices.Sort(c.Steps)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Cause) int {
		return cmp.Or(cmp.Compare(b.Results, a.Results), cmp.Compare(b.Cases, a.Cases), cmp.Compare(a.Signature, b.Signature))
	})
	return out
}

// Diagnose names the root cause of one failed result when the classifier
// can tell it ("the error is a text copy of io.EOF…: wrap with %w"), and
// returns "" when its first deviation is not about an error's identity
// (a late return, wrong data: the finding says it already).
func Diagnose(r *Result) string {
	s, ok := signOf(r)
	if !ok || s.kind == kindDeviation || s.kind == kindOther {
		return ""
	}
	var steps []string
	if s.step != "" {
		steps = []string{s.step}
	}
	return s.diagnosis(steps, true)
}

// byCount lists m's keys, most counted first.
func byCount(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b)) })
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// The kinds of signature, most telling first.
const (
	kindTextCopy   = "text-copy"            // an error carrying a sentinel's text, not the sentinel
	kindTimeout    = "timeout-not-deadline" // Timeout() true, os.ErrDeadlineExceeded not in the chain
	kindMissing    = "no-error"             // nil where an error was expected
	kindUnexpected = "unexpected-error"     // an error where none was expected
	kindClass      = "wrong-class"          // another class than expected
	kindDeviation  = "deviation"            // the error is right; timing, data or a flag is not
	kindHung       = "hung"                 // the call never returned
	kindStaleKnown = "stale-known"          // declared known, passed
	kindOther      = "other"                // a finding without a judged step
)

// A sign is the signature of one failed result.
type sign struct {
	key     string
	kind    string
	step    string           // step kind, when part of the signature
	classes []errclass.Class // the classes the diagnosis names: copied, observed or expected
	want    string           // the expected classes, rendered
	chain   string           // the observed error's chain shape
	copyOf  errclass.Class   // the class an unclassified error is a text copy of, if any
	note    string           // a deviation's first reason, numbers elided
}

// signOf computes the signature of r's first deviation; false when r did
// not fail, or failed as an error (it could not run).
func signOf(r *Result) (sign, bool) {
	switch r.Outcome {
	case UnexpectedPass:
		return sign{key: kindStaleKnown, kind: kindStaleKnown}, true
	case Fail, Timeout:
	default:
		return sign{}, false
	}
	o, ok := firstDeviation(r)
	if !ok {
		note, step := r.Reason, ""
		if len(r.Findings) > 0 {
			note, step = r.Findings[0].Got, StepKind(r.Findings[0].Call)
		}
		if r.Outcome == Timeout {
			return sign{key: kindHung + " " + step, kind: kindHung, step: step}, true
		}
		note = elide(note)
		return sign{key: kindOther + " " + r.Area + " " + step + " " + note, kind: kindOther, step: step, note: "in area " + r.Area + ": " + note}, true
	}
	s := sign{step: StepKind(o.Call)}
	e, want := o.Err, o.WantErr
	if o.Verdict == "hung" {
		s.kind, s.key = kindHung, kindHung+" "+s.step
		return s, true
	}
	expectsNone := slices.Contains(want, errclass.None)
	if e != nil {
		s.chain = strings.Join(e.Chain, " → ")
	}
	switch {
	case e != nil && !expectsNone && e.Class == errclass.TimeoutOther && !slices.Contains(want, e.Class) && slices.Contains(want, errclass.Deadline):
		s.kind = kindTimeout
		s.key = kindTimeout + " " + s.chain
	case e != nil && len(want) > 0 && !expectsNone && !slices.Contains(want, e.Class) && (e.Class == errclass.Other || e.Class == errclass.TimeoutOther):
		if c, ok := e.Lookalike(); ok {
			s.kind, s.classes = kindTextCopy, []errclass.Class{c}
			s.key = kindTextCopy + " " + s.chain
			break
		}
		fallthrough
	case e != nil && len(want) > 0 && !slices.Contains(want, e.Class):
		s.want = describeClasses(want)
		if c, ok := e.Lookalike(); ok && e.Class == errclass.Other {
			s.copyOf = c
		}
		if expectsNone {
			s.kind, s.classes = kindUnexpected, []errclass.Class{e.Class}
			s.key = kindUnexpected + " " + string(e.Class) + " " + string(s.copyOf) + " " + s.step
			break
		}
		s.kind, s.classes = kindClass, []errclass.Class{e.Class}
		s.key = kindClass + " " + string(e.Class) + " " + s.want + " " + s.step
		if e.Class == errclass.Other {
			s.key += " " + s.chain + " " + string(s.copyOf)
		}
	case e == nil && len(want) > 0 && !expectsNone:
		s.want = describeClasses(want)
		s.kind = kindMissing
		s.key = kindMissing + " " + s.want + " " + s.step
	default:
		s.kind = kindDeviation
		s.note = elide(firstReason(o, r))
		s.key = kindDeviation + " " + s.step + " " + s.note
	}
	return s, true
}

// firstDeviation is the first step of r's transcript that failed or hung,
// or the step of its first finding.
func firstDeviation(r *Result) (Obs, bool) {
	for _, o := range r.Transcript {
		if o.Verdict == "fail" || o.Verdict == "hung" {
			return o, true
		}
	}
	if len(r.Findings) > 0 && r.Findings[0].Step > 0 {
		for _, o := range r.Transcript {
			if o.Step == r.Findings[0].Step {
				return o, true
			}
		}
	}
	return Obs{}, false
}

// firstReason is the first reason a step failed: its note's first clause,
// else the first finding's expectation.
func firstReason(o Obs, r *Result) string {
	if o.Note != "" {
		first, _, _ := strings.Cut(o.Note, "; ")
		return first
	}
	if len(r.Findings) > 0 {
		return "want " + r.Findings[0].Want
	}
	return "differs"
}

var numbers = regexp.MustCompile(`[0-9]+(\.[0-9]+)?(ns|µs|us|ms|s|m|h)?\b`)

// elide replaces numbers and durations (counts, ports) by "…", so that the
// same deviation has one signature whatever it measured.
func elide(s string) string {
	if len(s) > 160 {
		s = s[:160]
	}
	return numbers.ReplaceAllString(s, "…")
}

func describeClasses(cs []errclass.Class) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Describe())
	}
	return strings.Join(out, " or ")
}

// sentinels names classes by their Go identity: io.EOF, net.ErrClosed.
func sentinels(cs []errclass.Class) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Sentinel())
	}
	return out
}

// diagnosis renders the signature in plain words; steps are the step
// kinds the results failed in; one says it is about one result.
func (s sign) diagnosis(steps []string, one bool) string {
	in := list(steps, ", ", 4, "more")
	switch s.kind {
	case kindTextCopy:
		what := "errors are text copies of %s (errors.Is fails on them; chain %s%s)"
		if one {
			what = "the error is a text copy of %s (errors.Is fails on it; chain %s%s)"
		}
		return fmt.Sprintf(what+": wrap with %%w (fmt.Errorf(\"…: %%w\", err)) or return the error itself",
			list(sentinels(s.classes), " / ", 3, "more"), s.chain, inSteps(in))
	case kindTimeout:
		return fmt.Sprintf("timeout errors (Timeout() true; chain %s%s) do not wrap os.ErrDeadlineExceeded: wrap it with %%w, so that errors.Is(err, os.ErrDeadlineExceeded) holds", s.chain, inSteps(in))
	case kindMissing:
		return fmt.Sprintf("%s returns no error where %s is expected", orStep(in), s.want)
	case kindUnexpected:
		return fmt.Sprintf("%s fails with %s where no error is expected", orStep(in), s.got())
	case kindClass:
		return fmt.Sprintf("%s returns %s where %s is expected", orStep(in), s.got(), s.want)
	case kindDeviation:
		return fmt.Sprintf("%s: %s", orStep(in), s.note)
	case kindHung:
		return fmt.Sprintf("%s never returns (blocked past its watchdog)", orStep(in))
	case kindOther:
		return fmt.Sprintf("%s %s", orStep(in), s.note)
	case kindStaleKnown:
		return "declared known failures pass: remove them from Known (or mark a race Intermittent)"
	}
	return s.note
}

// got renders the observed class; an unclassified error by its chain,
// and by the identity whose text it copies.
func (s sign) got() string {
	if len(s.classes) != 1 || s.classes[0] != errclass.Other {
		return classesDescribed(s.classes)
	}
	if s.copyOf != "" {
		return "a text copy of " + s.copyOf.Sentinel() + " (chain " + s.chain + "; errors.Is fails on it: wrap with %w)"
	}
	return "an unclassified error (chain " + s.chain + ", without the expected identity)"
}

// list joins at most max items, then says how many more.
func list(items []string, sep string, max int, more string) string {
	if len(items) <= max {
		return strings.Join(items, sep)
	}
	return fmt.Sprintf("%s and %d %s", strings.Join(items[:max], sep), len(items)-max, more)
}

func inSteps(in string) string {
	if in == "" {
		return ""
	}
	return "; in " + in
}

func orStep(in string) string {
	if in == "" {
		return "a step"
	}
	return in
}

func classesDescribed(cs []errclass.Class) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Describe())
	}
	return strings.Join(out, " / ")
}

// StepKind names the kind of a transcript step from its call: Read,
// Write, Close, CloseWrite, Accept, Dial, deadline, state…; "" for a
// scenario step that is not one call.
func StepKind(call string) string {
	for _, p := range []string{"go ", "await "} {
		if rest, ok := strings.CutPrefix(call, p); ok {
			if _, after, ok := strings.Cut(rest, ": "); ok {
				call = after
			}
		}
	}
	if _, after, ok := strings.Cut(call, " = "); ok {
		call = after
	}
	name, _, _ := strings.Cut(call, "(")
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	switch {
	case name == "" || strings.ContainsAny(name, " 0123456789"):
		return ""
	case strings.HasPrefix(name, "Set") && strings.HasSuffix(name, "Deadline"):
		return "deadline"
	case strings.HasPrefix(name, "Read"):
		return "Read"
	case strings.HasPrefix(name, "Write"):
		return "Write"
	}
	return name
}
