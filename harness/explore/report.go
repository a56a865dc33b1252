package explore

import (
	"fmt"
	"strings"
	"time"

	"github.com/netconform/netconform/harness/explore/model"
)

// Outcome is a sequence's verdict.
type Outcome string

// The outcomes. Inconclusive means a call returned later than its deadline
// plus the tolerance, twice: neither a pass nor a failure.
const (
	Pass         Outcome = "pass"
	Fail         Outcome = "fail"
	Inconclusive Outcome = "inconclusive"
	Error        Outcome = "error" // the subject could not be set up
	// Known: the sequence ended at a violation of a contract rule the
	// subject is known to break (Options.Known): the model's state means
	// nothing past it. A known convention is noted and the sequence goes on.
	Known Outcome = "known"
)

// A KnownHit is one violation of a rule the subject is known to break.
type KnownHit struct {
	Rule    model.Rule
	Step    int
	Message string
}

// Verdict is what one run of a sequence showed.
type Verdict struct {
	Outcome Outcome
	Rule    model.Rule // Fail: the rule violated
	Step    int        // Fail or Inconclusive: the index in Ops of the step
	// Message reads like the call: `iut.Read(8) = 0, eof, want 3 "abc"`;
	// on a failure, Call, Got and WantText are its parts.
	Message             string
	Call, Got, WantText string
	Want                model.Expect // Fail: what the model expected of the failing step
	Ops                 []Op         // the steps run, with what each returned
	Hung                []string     // calls that never returned, left behind
	Known               []KnownHit   // violations of the rules in Options.Known
}

// Finding is a violation, shrunk to a short sequence.
type Finding struct {
	Seed      uint64  // the sequence's seed: RunSeed(ctx, s, Seed, o, Kind) runs it again
	Kind      SeqKind // the kind of sequence
	Rule      model.Rule
	Message   string
	Call      string       // the failing call, as Message begins
	Got       string       // what it returned
	WantText  string       // what the model allows, as Message ends
	Want      model.Expect // what the model expected of the failing step
	Ops       []Op         // the shrunk sequence, with what each step returned
	Step      int          // the failing step in Ops
	Original  int          // steps before shrinking
	Sequences int          // sequences run until it was found
	Attempts  int          // sequences run to shrink it (a failing one twice: Options.Confirm)
	// Replayed is Fail when the finding reproduces from the op list alone:
	// Ops, replayed up to Options.Confirm times, failed by Rule in more
	// than half of them (Reproduced of Replays). Otherwise it is the
	// outcome of the last replay that did not fail by Rule (a Fail then
	// broke another rule), and Explore reports no finding but an
	// inconclusive sequence (Report.Unconfirmed).
	Replayed            Outcome
	Reproduced, Replays int
	Case                string // the shrunk sequence as a netconform case (Go source)
	role                string // GoCase's subject's role
}

// Report is the result of an exploration.
type Report struct {
	Subject   string
	Seed      uint64
	Sequences int // sequences run to a verdict (retries not counted)
	Steps     int
	Retries   int // sequences rerun at double timescale after a late call
	// Inconclusive counts the sequences still late on their last retry and
	// the failing sequences whose violation was not confirmed, each named
	// in Unconfirmed: Inconclusive - len(Unconfirmed) were late.
	Inconclusive int
	Findings     []Finding
	// Known lists, by rule, the violations of the rules the subject is
	// known to break (Options.Known): they are no findings.
	Known map[string]*KnownSeen
	Hung  []string // calls left blocked, named
	// Unconfirmed names the violations (a hang among them) that did not
	// reproduce when their shrunk op list was replayed (Options.Confirm),
	// or whose replays the context's end cut short: each is counted as an
	// inconclusive sequence, not reported as a finding.
	Unconfirmed []string
	Elapsed     time.Duration
	Stalled     time.Duration // time the budget was extended by, while shrinking elsewhere held the generator
	Err         error         // the exploration could not run
}

// KnownSeen is what an exploration saw of a rule the subject is known to
// break: how often, and the first sequence that showed it.
type KnownSeen struct {
	Rule       model.Rule
	Count      int
	Seed       uint64
	Kind       SeqKind
	Message    string
	Transcript string
}

// Conclusive is the number of sequences that ran to a verdict that counts:
// passed, failed or stopped at a known divergence.
func (r *Report) Conclusive() int { return r.Sequences - r.Inconclusive }

// PerSecond is the throughput in sequences per second.
func (r *Report) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Sequences) / r.Elapsed.Seconds()
}

func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d sequences, %d steps in %v (%.0f/s), seed %#x, %d inconclusive, %d findings",
		r.Subject, r.Sequences, r.Steps, r.Elapsed.Round(time.Millisecond), r.PerSecond(), r.Seed, r.Inconclusive, len(r.Findings))
	if r.Err != nil {
		fmt.Fprintf(&b, "\nerror: %v", r.Err)
	}
	for _, f := range r.Findings {
		b.WriteString("\n" + f.String())
	}
	if len(r.Hung) > 0 {
		fmt.Fprintf(&b, "\nhung calls left behind: %s", strings.Join(r.Hung, "; "))
	}
	if len(r.Unconfirmed) > 0 {
		fmt.Fprintf(&b, "\nunconfirmed, inconclusive: %s", strings.Join(r.Unconfirmed, "; "))
	}
	return b.String()
}

func (f *Finding) String() string {
	return fmt.Sprintf("%s (%s: %s), seed %#x, found after %d sequences, %d steps (from %d, %d shrink runs), replay %s (%d of %d failed by it):\n    %s\n%s",
		f.Rule.ID, f.Rule.Level, f.Rule.Spec, f.Seed, f.Sequences, len(f.Ops), f.Original, f.Attempts, f.Replayed, f.Reproduced, f.Replays, f.Message,
		indent(Transcript(f.Ops), "    "))
}

func indent(s, pre string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return pre + strings.Join(lines, "\n"+pre)
}
