package explore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// glitchyWrite: Write fails with an error nothing explains while left is
// above zero, each failure taking one off (left is shared by all the pairs
// of a subject): a transient fault, as a stall of a loaded machine makes a
// correct implementation look wrong once. always: every Write fails, a
// deterministic bug.
type glitchyWrite struct {
	*net.TCPConn
	left   *atomic.Int64
	always bool
}

var errGlitch = errors.New("glitch")

func (c glitchyWrite) Write(p []byte) (int, error) {
	if c.always || c.left.Add(-1) >= 0 {
		return 0, errGlitch
	}
	return c.TCPConn.Write(p)
}

func glitchSubject(p *pairer, left *atomic.Int64, always bool) Subject {
	return wrapA("glitchy-write", func(c *net.TCPConn) net.Conn { return glitchyWrite{c, left, always} })(p)
}

// TestTransientGlitch: a violation the subject shows on its first one,
// two or three Writes only — whether the glitch is spent in the sequence
// that found it, in the shrinker's first run, or only in its second — is
// no finding: it does not reproduce, so it is inconclusive and named in
// Report.Unconfirmed. The same bug every time is a finding, confirmed by
// its replays.
func TestTransientGlitch(t *testing.T) {
	t.Parallel()
	p, err := newPairer("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	// A glitch the shrinker saw twice has it spend its whole time on
	// sequences that pass: keep that short.
	o := Options{Seed: 1, Sequences: 30, Workers: 1, ShrinkTime: time.Second}
	for _, n := range []int64{1, 2, 3} {
		t.Run(fmt.Sprintf("glitches=%d", n), func(t *testing.T) {
			t.Parallel()
			var left atomic.Int64
			left.Store(n)
			rep := Explore(context.Background(), glitchSubject(p, &left, false), o)
			if rep.Err != nil {
				t.Fatal(rep.Err)
			}
			for _, f := range rep.Findings {
				t.Errorf("a glitch of %d Writes reported as a finding:\n%s", n, f.String())
			}
			if len(rep.Unconfirmed) == 0 || rep.Inconclusive == 0 {
				t.Fatalf("%d inconclusive, unconfirmed %q (%d glitches left): want the glitch named unconfirmed, inconclusive", rep.Inconclusive, rep.Unconfirmed, left.Load())
			}
			if u := rep.Unconfirmed[0]; !strings.Contains(u, "unconfirmed finding (") || !strings.Contains(u, "= 0, other") {
				t.Errorf("unconfirmed: %q, want the glitch named", u)
			}
		})
	}
	t.Run("always", func(t *testing.T) {
		t.Parallel()
		o := o
		o.ShrinkTime = 10 * time.Second
		rep := Explore(context.Background(), glitchSubject(p, new(atomic.Int64), true), o)
		if len(rep.Findings) != 1 || len(rep.Unconfirmed) > 0 {
			t.Fatalf("findings %d, unconfirmed %q: want the bug found", len(rep.Findings), rep.Unconfirmed)
		}
		f := rep.Findings[0]
		if f.Replayed != Fail || f.Reproduced != 2 || f.Replays != 2 {
			t.Errorf("replayed %s, %d of %d failed by it: want fail, 2 of 2 (the third replay is not needed)", f.Replayed, f.Reproduced, f.Replays)
		}
		if len(f.Ops) > 3 {
			t.Errorf("shrunk to %d steps:\n%s", len(f.Ops), Transcript(f.Ops))
		}
	})
}

// TestShrinkNeedsTwoFailures: the shrinker does not take a sequence that
// failed once, and its second run did not, as failing.
func TestShrinkNeedsTwoFailures(t *testing.T) {
	t.Parallel()
	p, err := newPairer("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	o := Options{ShrinkTime: 2 * time.Second}.withDefaults()
	always := glitchSubject(p, new(atomic.Int64), true)
	var seed uint64
	var v Verdict
	for seed = 1; seed < 20; seed++ {
		if v = RunSeed(context.Background(), always, seed, o, StreamSeq); v.Outcome == Fail {
			break
		}
	}
	if v.Outcome != Fail {
		t.Fatal("no seed below 20 fails on the bug")
	}
	var left atomic.Int64
	left.Store(1)
	once := glitchSubject(p, &left, false)
	if _, runs, ok := shrink(context.Background(), &once, &o, StreamSeq, seed, v.Rule); ok {
		t.Errorf("a failure of the first run only shrank as failing (%d runs)", runs)
	}
	if left.Load() > 0 {
		t.Errorf("the glitch was not spent: the shrinker's first run did not reach a Write")
	}
	if _, _, ok := shrink(context.Background(), &always, &o, StreamSeq, seed, v.Rule); !ok {
		t.Error("the deterministic bug did not shrink")
	}
}

// shrinking reports whether a shrink is running in this process (it holds
// rapid's settings). It sees every test's shrinks: a test that uses it
// must not run in parallel with others.
func shrinking() bool {
	if rapidMu.TryRLock() {
		rapidMu.RUnlock()
		return false
	}
	return true
}

// badWrite: Write fails, with an error nothing explains, when bad says so
// of its payload.
type badWrite struct {
	*net.TCPConn
	bad func(p []byte) bool
}

func (c badWrite) Write(p []byte) (int, error) {
	if c.bad(p) {
		return 0, errGlitch
	}
	return c.TCPConn.Write(p)
}

func badWriteSubject(p *pairer, bad func([]byte) bool) Subject {
	return wrapA("bad-write", func(c *net.TCPConn) net.Conn { return badWrite{c, bad} })(p)
}

// TestGlitchThenBug: the first sequence that breaks a rule does so by a
// glitch (the exploration's first Write fails, once), a later one by a bug
// (every Write of 100 bytes or more fails), the same rule. The glitch neither ends the
// exploration (MaxFindings 1) nor hides the bug: it is unconfirmed, and
// the rule's next failing sequence is the finding.
func TestGlitchThenBug(t *testing.T) {
	t.Parallel()
	p, err := newPairer("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	var glitches atomic.Int64
	glitches.Store(1)
	s := badWriteSubject(p, func(b []byte) bool { return len(b) > 0 && glitches.Add(-1) >= 0 || len(b) >= 100 })
	// One step a sequence, on a fresh pair: the rule a failing Write breaks
	// is the same in every sequence.
	rep := Explore(context.Background(), s, Options{Seed: 1, Sequences: 200, Workers: 1, MaxSteps: 1, ShrinkTime: 5 * time.Second})
	if rep.Err != nil {
		t.Fatal(rep.Err)
	}
	if len(rep.Unconfirmed) != 1 || !strings.Contains(rep.Unconfirmed[0], "unconfirmed finding (") {
		t.Errorf("unconfirmed %q: want the glitch named", rep.Unconfirmed)
	}
	if len(rep.Findings) != 1 {
		t.Fatalf("%d findings (%d sequences, %d inconclusive): want the bug found past the glitch\n%s", len(rep.Findings), rep.Sequences, rep.Inconclusive, rep.String())
	}
	f := rep.Findings[0]
	if f.Replayed != Fail || len(f.Ops[f.Step].Payload()) < 100 {
		t.Errorf("finding replayed %s, failing at %v: want the bug's large Write", f.Replayed, f.Ops[f.Step])
	}
	if u := rep.Unconfirmed; len(u) > 0 && (strings.Contains(u[0], fmt.Sprintf("%#x", f.Seed)) || !strings.Contains(u[0], "("+f.Rule.ID+":")) {
		t.Errorf("unconfirmed %q: want the glitch, another sequence of the finding's rule %s (sequence %#x)", u, f.Rule.ID, f.Seed)
	}
	if f.Sequences < 3 {
		t.Errorf("found after %d sequences: want the bug found past the glitch's", f.Sequences)
	}
}

// TestUnshrunkFallback: a bug the shrinker sees in smaller values than the
// subject shows outside it (a Write of one byte fails only while
// shrinking; of two bytes or more, always) shrinks to a list of as many
// steps that does not reproduce: the original, which does, is the
// finding.
//
// Not parallel: shrinking sees other tests' shrinks.
func TestUnshrunkFallback(t *testing.T) {
	p, err := newPairer("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	s := badWriteSubject(p, func(b []byte) bool { return len(b) >= 2 || len(b) >= 1 && shrinking() })
	rep := Explore(context.Background(), s, Options{Seed: 1, Sequences: 50, Workers: 1, MaxSteps: 1, ShrinkTime: 5 * time.Second})
	if rep.Err != nil {
		t.Fatal(rep.Err)
	}
	if len(rep.Findings) != 1 {
		t.Fatalf("%d findings, unconfirmed %q: want the unshrunk original found", len(rep.Findings), rep.Unconfirmed)
	}
	f := rep.Findings[0]
	if f.Replayed != Fail || len(f.Ops) != f.Original || f.Attempts == 0 || len(f.Ops[f.Step].Payload()) < 2 {
		t.Errorf("replayed %s, %d steps of %d, %d shrink runs, failing at %v: want the unshrunk original, replayed as fail:\n%s",
			f.Replayed, len(f.Ops), f.Original, f.Attempts, f.Ops[f.Step], Transcript(f.Ops))
	}
}

// TestCancelledConfirm: a context that ends while a finding is shrunk and
// replayed leaves it unconfirmed, and says so.
//
// Not parallel: shrinking sees other tests' shrinks.
func TestCancelledConfirm(t *testing.T) {
	p, err := newPairer("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := badWriteSubject(p, func([]byte) bool {
		if shrinking() {
			cancel()
		}
		return true
	})
	rep := Explore(ctx, s, Options{Seed: 1, Sequences: 30, Workers: 1, ShrinkTime: 5 * time.Second})
	if len(rep.Findings) != 0 || len(rep.Unconfirmed) != 1 || !strings.Contains(rep.Unconfirmed[0], "cancelled") {
		t.Fatalf("%d findings, unconfirmed %q: want the bug named unconfirmed, cancelled", len(rep.Findings), rep.Unconfirmed)
	}
}
