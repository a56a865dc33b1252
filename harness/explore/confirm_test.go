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
