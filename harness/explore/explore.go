package explore

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Explore generates sequences of operations on s, runs each against fresh
// endpoints (a pair, datagram sockets or a listener, in turn), checks
// every step against the model, and shrinks the first violation of each
// rule (up to MaxFindings rules) to a minimal sequence. A shrunk sequence
// is a finding only if it fails by that rule again in a majority of
// Options.Confirm replays; otherwise it is inconclusive, named in
// Report.Unconfirmed, and the rule's next failing sequence (of its first
// three) is tried. With Confirm above 1, a rule counts towards
// MaxFindings, which ends the exploration, only once a sequence failed by
// it twice in a row: failures seen once (a loaded machine's) do not end
// it. A sequence that returned late (after a deadline plus the tolerance)
// is run again at twice the timescale, Retries times; late every time, it
// counts as inconclusive — never as a pass or a failure. Violations of the
// rules in Options.Known are counted in Report.Known, not reported as
// findings.
func Explore(ctx context.Context, s Subject, o Options) Report {
	o = o.withDefaults()
	rep := Report{Subject: s.Name, Seed: o.Seed, Known: map[string]*KnownSeen{}}
	if err := s.Validate(); err != nil {
		rep.Err = err
		return rep
	}
	kinds := s.kinds()
	start := time.Now()
	type result struct {
		i       int
		seed    uint64
		kind    SeqKind
		v       Verdict
		retried int
		twice   bool // failed, and failed by the same rule when run again
	}
	byIndex := func(a, b result) int { return a.i - b.i }
	var (
		mu      sync.Mutex
		next    int
		stopped bool
		stalled atomic.Int64        // ns the workers together waited for the generator
		counted = map[string]bool{} // the rules that count towards MaxFindings
	)
	// The budget does not count the time the generator was held by a
	// shrink (of another exploration in this process): a worker waiting
	// for it runs no sequence.
	used := func() time.Duration {
		return time.Since(start) - time.Duration(stalled.Load()/int64(o.Workers))
	}
	claim := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		over := o.Budget > 0 && used() >= o.Budget && (next >= o.MinSequences || used() >= 4*o.Budget)
		if stopped || ctx.Err() != nil || (o.Sequences > 0 && next >= o.Sequences) || over {
			return 0, false
		}
		next++
		return next - 1, true
	}
	results := make(chan result)
	var wg sync.WaitGroup
	for range o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, ok := claim(); ok; i, ok = claim() {
				res := result{i: i, seed: seedFor(o.Seed, i), kind: kinds[i%len(kinds)]}
				raws, waited := drawRawsTimed(res.seed, o.MaxSteps)
				stalled.Add(int64(waited))
				res.v, res.retried = retried(ctx, &o, func(o *Options) Verdict { return runRaw(ctx, &s, o, res.kind, raws) })
				mu.Lock()
				again := res.v.Outcome == Fail && o.Confirm > 1 && !counted[res.v.Rule.ID]
				mu.Unlock()
				if again {
					// Does it fail again? Only then does its rule count
					// towards MaxFindings (a rule already counted needs no
					// more reruns: a deterministic bug costs one).
					w, _ := retried(ctx, &o, func(o *Options) Verdict { return runRaw(ctx, &s, o, res.kind, raws) })
					res.twice = w.Outcome == Fail && w.Rule.ID == res.v.Rule.ID
					res.v.Hung = append(res.v.Hung, w.Hung...)
				}
				results <- res
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()
	cands := map[string][]result{} // the lowest-numbered failures of each rule, in order
	for res := range results {
		rep.Sequences++
		rep.Steps += len(res.v.Ops)
		if res.retried > 0 {
			rep.Retries++
		}
		for _, h := range res.v.Hung {
			rep.Hung = append(rep.Hung, fmt.Sprintf("sequence %#x: %s", res.seed, h))
		}
		for _, k := range res.v.Known {
			ks := rep.Known[k.Rule.ID]
			if ks == nil {
				ks = &KnownSeen{Rule: k.Rule, Seed: res.seed, Kind: res.kind, Message: k.Message, Transcript: Transcript(res.v.Ops)}
				rep.Known[k.Rule.ID] = ks
			}
			ks.Count++
		}
		switch res.v.Outcome {
		case Error:
			rep.Sequences--
			mu.Lock()
			if rep.Err == nil {
				rep.Err = fmt.Errorf("sequence %#x: %s", res.seed, res.v.Message)
			}
			stopped = true
			mu.Unlock()
		case Inconclusive:
			rep.Inconclusive++
		case Fail:
			id := res.v.Rule.ID
			c := append(cands[id], res)
			slices.SortFunc(c, byIndex)
			cands[id] = c[:min(len(c), candidates)]
			mu.Lock()
			if res.twice || o.Confirm <= 1 {
				counted[id] = true
			}
			if len(counted) >= o.MaxFindings {
				stopped = true
			}
			mu.Unlock()
		}
	}
	rep.Elapsed = time.Since(start)
	rep.Stalled = time.Duration(stalled.Load() / int64(o.Workers))
	// Each rule's lowest-numbered failure, rules in the order they were
	// first hit: every sequence before them ran, so the same seed and
	// options find the same ones. Should one not be confirmed, the rule's
	// next failing sequence is tried (of its first candidates); the
	// unconfirmed take no place among MaxFindings.
	var rules [][]result
	for _, c := range cands {
		rules = append(rules, c)
	}
	slices.SortFunc(rules, func(a, b []result) int { return byIndex(a[0], b[0]) })
	for _, c := range rules {
		if len(rep.Findings) >= o.MaxFindings {
			break
		}
		for _, res := range c {
			f := finding(ctx, &s, &o, res.kind, res.seed, res.i+1, res.v)
			if f.Replayed == Fail {
				rep.Findings = append(rep.Findings, f)
				break
			}
			// A divergence the subject does not show again: the load,
			// not the subject, may have made it (a call held past its
			// watchdog, a stall past a tolerance, a deadline's timer fired
			// late). Inconclusive, never a finding (as a late deadline) —
			// and named, never dropped.
			rep.Inconclusive++
			rep.Unconfirmed = append(rep.Unconfirmed, f.unconfirmed(ctx))
			if ctx.Err() != nil {
				break
			}
		}
	}
	return rep
}

// retried runs a sequence by run at o's timescale and, while its verdict
// is inconclusive (a call returned late), again at twice the timescale, up
// to o.Retries times. It returns the last verdict and how many reruns it
// took.
func retried(ctx context.Context, o *Options, run func(*Options) Verdict) (Verdict, int) {
	v := run(o)
	slow, n := *o, 0
	for v.Outcome == Inconclusive && n < o.Retries && ctx.Err() == nil {
		slow.Timescale *= 2
		v = run(&slow)
		n++
	}
	return v, n
}

// candidates is how many failing sequences of a rule are kept, the
// lowest-numbered: should the first not be confirmed, the next is tried.
const candidates = 3

// unconfirmed names a violation that was not confirmed, and why.
func (f *Finding) unconfirmed(ctx context.Context) string {
	what := "finding"
	if f.hang() {
		what = "hang"
	}
	why := fmt.Sprintf("%d of %d replays failed by it, last replayed as %s", f.Reproduced, f.Replays, f.Replayed)
	if ctx.Err() != nil {
		why = fmt.Sprintf("cancelled before its replays decided (%v): %d of %d failed by it", ctx.Err(), f.Reproduced, f.Replays)
	}
	return fmt.Sprintf("sequence %#x: unconfirmed %s (%s: %s; %s): inconclusive", f.Seed, what, f.Rule.ID, f.Message, why)
}

// hang reports whether the finding is a call that did not return.
func (f *Finding) hang() bool {
	return f.Step >= 0 && f.Step < len(f.Ops) && f.Ops[f.Step].Got != nil && f.Ops[f.Step].Got.Hung
}

// finding shrinks a failing sequence, confirms the shrunk op list
// (confirm) and renders it as a case. Should the shrunk list not
// reproduce while the original does, the original is the finding,
// unshrunk: a real divergence is never lost to a shrink that went astray.
// f.Replayed is Fail only when the returned list reproduced.
func finding(ctx context.Context, s *Subject, o *Options, kind SeqKind, seed uint64, seqs int, orig Verdict) Finding {
	v, runs, shrunk := orig, 0, false
	if !o.NoShrink {
		sv, n, ok := shrink(ctx, s, o, kind, seed, orig.Rule)
		if runs = n; ok && len(sv.Ops) <= len(orig.Ops) {
			v, shrunk = sv, true
		}
	}
	f := Finding{
		Seed: seed, Rule: v.Rule, Message: v.Message, Call: v.Call, Got: v.Got, WantText: v.WantText, Want: v.Want, Ops: v.Ops, Step: v.Step,
		Original: len(orig.Ops), Sequences: seqs, Attempts: runs, Kind: kind,
	}
	f.confirm(ctx, s, o)
	// Fewer steps or smaller values (a deadline shrunk towards 0, where
	// timing is marginal): either may be what does not reproduce.
	if f.Replayed != Fail && shrunk && ctx.Err() == nil {
		u := f
		u.Message, u.Call, u.Got, u.WantText, u.Want, u.Ops, u.Step = orig.Message, orig.Call, orig.Got, orig.WantText, orig.Want, orig.Ops, orig.Step
		if u.confirm(ctx, s, o); u.Replayed == Fail {
			f = u
		}
	}
	f.Case = GoCase(*s, f)
	return f
}

// confirm replays f.Ops on fresh endpoints of s, up to o.Confirm times,
// and sets f.Replays, f.Reproduced (the replays that failed by f.Rule) and
// f.Replayed: Fail if more than half of o.Confirm did, else the outcome of
// the last replay that did not. It stops as soon as the count is decided,
// so a deterministic divergence costs two replays of the default three.
func (f *Finding) confirm(ctx context.Context, s *Subject, o *Options) {
	need := o.Confirm/2 + 1
	f.Replays, f.Reproduced, f.Replayed = 0, 0, Inconclusive
	for f.Reproduced < need && f.Replays-f.Reproduced <= o.Confirm-need && ctx.Err() == nil {
		v, _ := retried(ctx, o, func(o *Options) Verdict { return ReplayWith(ctx, *s, f.Ops, *o) })
		f.Replays++
		if v.Outcome == Fail && v.Rule.ID == f.Rule.ID {
			f.Reproduced++
		} else {
			f.Replayed = v.Outcome
		}
	}
	if f.Reproduced >= need {
		f.Replayed = Fail
	}
}

// seedFor derives sequence i's seed from the run's (splitmix64).
func seedFor(base uint64, i int) uint64 {
	z := base + uint64(i+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return (z ^ (z >> 31)) & (1<<63 - 1) // an int too: rapid takes it as one
}
