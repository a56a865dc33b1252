package result

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/errclass"
)

// A Finding is one observed deviation from a case's expectation. It reads
// like the call: "iut.Read(10) after iut.Close() = 0, EOF, want 0, closed (net.ErrClosed)".
type Finding struct {
	Step int    `json:"step"` // 1-based; 0 for the case as a whole
	Call string `json:"call"`
	Got  string `json:"got"`
	Want string `json:"want"`
}

// String renders the finding like the call: "call = got, want want".
func (f Finding) String() string { return f.Call + " = " + f.Got + ", want " + f.Want }

// Obs is what one step observed.
type Obs struct {
	Step  int            `json:"step"`
	Call  string         `json:"call"`
	Async string         `json:"async,omitempty"`
	At    time.Duration  `json:"at"`   // start, from the case's start
	Took  time.Duration  `json:"took"` // how long the call took
	N     *int           `json:"n,omitempty"`
	Data  string         `json:"data,omitempty"` // quoted preview of bytes read
	Err   *errclass.Info `json:"err,omitempty"`
	Value string         `json:"value,omitempty"` // states, options, addresses
	Want  string         `json:"want,omitempty"`
	// WantErr are the error classes the step expected, preferred first
	// ([none]: no error), when it judged the error by class.
	WantErr  []errclass.Class `json:"wantErr,omitempty"`
	Verdict  string           `json:"verdict"` // ok, allowed, fail, info, started, skipped
	Note     string           `json:"note,omitempty"`
	Endpoint string           `json:"endpoint,omitempty"`
	// Late, for a call expected to return at its deadline, is when it
	// returned minus the deadline (negative: early); Tolerance is how late
	// it may be, at the run's timescale.
	Late      *time.Duration `json:"late,omitempty"`
	Tolerance time.Duration  `json:"tolerance,omitempty"`
}

// A Segment is one TCP segment of a wire trace, tcpdump style.
type Segment struct {
	At    time.Duration `json:"at"`
	From  string        `json:"from"` // endpoint name, or address
	To    string        `json:"to"`
	Flags string        `json:"flags"` // "S", "S.", ".", "P.", "F.", "R."
	Seq   uint32        `json:"seq"`
	Ack   uint32        `json:"ack"`
	Len   int           `json:"len"`
	// Raw is the captured IP packet, cut to its first 128 bytes (headers
	// and the start of the payload), for a pcap of the case; absent in
	// normalised reports.
	Raw []byte `json:"raw,omitempty"`
}

// String renders the segment tcpdump style.
func (s Segment) String() string {
	return fmt.Sprintf("+%-9s %s > %s: [%s] seq %d ack %d len %d", fmtDur(s.At), s.From, s.To, s.Flags, s.Seq, s.Ack, s.Len)
}

// Result is the outcome of one case on one implementation in one role,
// with its evidence. Results are data, independent of testing.T: the suite
// turns them into subtests and the report renders them.
type Result struct {
	Impl       string             `json:"impl"`
	Case       string             `json:"case"`
	Role       harness.Role       `json:"role"`
	Area       string             `json:"area"`
	Level      Level              `json:"level"`
	Spec       string             `json:"spec"`
	Catalogue  string             `json:"catalogue,omitempty"`
	Needs      []string           `json:"needs,omitempty"`
	Outcome    Outcome            `json:"outcome"`
	Reason     string             `json:"reason,omitempty"` // unsupported, skip, known, error
	Known      *harness.Known     `json:"known,omitempty"`
	Findings   []Finding          `json:"findings,omitempty"`
	Allowed    []Finding          `json:"allowed,omitempty"` // non-preferred but accepted outcomes
	Transcript []Obs              `json:"transcript,omitempty"`
	Wire       []Segment          `json:"wire,omitempty"`
	WireNote   string             `json:"wireNote,omitempty"`
	Metrics    map[string]float64 `json:"metrics,omitempty"`
	Evidence   string             `json:"evidence,omitempty"` // stderr or stacks of a crashed or hung run
	Attempts   int                `json:"attempts,omitempty"` // > 1 when late attempts were retried at a larger timescale
	Retries    []string           `json:"retries,omitempty"`  // why each earlier attempt was retried
	Duration   time.Duration      `json:"duration"`
}

// Key identifies the result in a report: impl/case/role.
func (r *Result) Key() string { return r.Impl + "/" + r.Case + "/" + string(r.Role) }

// Summary is one line: the outcome and the first finding or the reason.
func (r *Result) Summary() string {
	switch {
	case len(r.Findings) > 0:
		s := r.Findings[0].String()
		if len(r.Findings) > 1 {
			s += fmt.Sprintf(" (and %d more)", len(r.Findings)-1)
		}
		return s
	case r.Reason != "":
		return r.Reason
	}
	return string(r.Outcome)
}

// Format renders the result for a human: findings first, then the
// transcript and the wire trace.
func (r *Result) Format() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s (%s, role %s): %s", r.Impl, r.Case, r.Level, r.Role, r.Outcome)
	if r.Reason != "" {
		fmt.Fprintf(&b, ": %s", r.Reason)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "spec: %s\n", r.Spec)
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "FINDING %s\n", f)
	}
	b.WriteString(r.Details())
	return b.String()
}

// Failure renders a failed result for a test's output, each part once:
// the outcome with the first finding (or the reason), the other findings,
// the root cause where Diagnose can tell it, then the details.
func (r *Result) Failure() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): ", r.Outcome, r.Level)
	switch {
	case len(r.Findings) > 0:
		b.WriteString(r.Findings[0].String())
		for _, f := range r.Findings[1:] {
			b.WriteString("\n    " + f.String())
		}
		if r.Reason != "" {
			b.WriteString("\n    " + r.Reason)
		}
	case r.Reason != "":
		b.WriteString(r.Reason)
	default:
		b.WriteString(r.Case)
	}
	b.WriteString("\n")
	if d := Diagnose(r); d != "" {
		b.WriteString("root cause: " + d + "\n")
	}
	fmt.Fprintf(&b, "spec: %s\n", r.Spec)
	b.WriteString(r.Details())
	return b.String()
}

// Details renders what follows the spec and the findings: the allowed
// outcomes, the transcript, the wire trace, the retries, the metrics and
// the evidence.
func (r *Result) Details() string {
	var b strings.Builder
	for _, f := range r.Allowed {
		fmt.Fprintf(&b, "allowed %s\n", f)
	}
	if len(r.Transcript) > 0 {
		b.WriteString("transcript:\n")
		for _, o := range r.Transcript {
			b.WriteString("  " + o.Line() + "\n")
		}
	}
	if len(r.Wire) > 0 || r.WireNote != "" {
		b.WriteString("wire:\n")
		if r.WireNote != "" {
			b.WriteString("  " + r.WireNote + "\n")
		}
		for _, s := range r.Wire {
			b.WriteString("  " + s.String() + "\n")
		}
	}
	for _, why := range r.Retries {
		fmt.Fprintf(&b, "retried: %s\n", why)
	}
	for _, k := range slices.Sorted(maps.Keys(r.Metrics)) {
		fmt.Fprintf(&b, "metric %s = %g\n", k, r.Metrics[k])
	}
	if r.Evidence != "" {
		b.WriteString("evidence:\n" + indent(r.Evidence, "  ") + "\n")
	}
	return b.String()
}

// Line renders one observation: "#3 +1.2ms iut.Read(10) = 0, EOF [ok] (12µs)".
func (o Obs) Line() string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%-2d +%-8s %s", o.Step, fmtDur(o.At), o.Call)
	if got := o.Got(); got != "" {
		b.WriteString(" = " + got)
	}
	if o.Verdict != "" && o.Verdict != "ok" {
		b.WriteString("  [" + o.Verdict + "]")
	}
	if o.Want != "" && o.Verdict != "ok" {
		b.WriteString("  want " + o.Want)
	}
	if o.Took > 0 {
		fmt.Fprintf(&b, "  (%s)", fmtDur(o.Took))
	}
	if o.Note != "" {
		b.WriteString("  — " + o.Note)
	}
	return b.String()
}

// Got renders the observed values: "0, EOF" or "5 \"hello\", nil".
func (o Obs) Got() string {
	var parts []string
	if o.N != nil {
		s := fmt.Sprint(*o.N)
		if o.Data != "" {
			s += " " + o.Data
		}
		parts = append(parts, s)
	}
	if o.Value != "" {
		parts = append(parts, o.Value)
	}
	if o.Err != nil {
		parts = append(parts, o.Err.Short())
	} else if o.N != nil || o.Verdict == "ok" || o.Verdict == "fail" {
		if o.Value == "" {
			parts = append(parts, "nil")
		}
	}
	return strings.Join(parts, ", ")
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%dµs", d.Microseconds())
}

func indent(s, pre string) string {
	return pre + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pre)
}
