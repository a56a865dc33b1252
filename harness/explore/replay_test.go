package explore

import (
	"context"
	"fmt"
	"go/parser"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netconform/netconform/harness/explore/model"
)

func op(k Kind, end string) Op { return Op{Kind: k, End: end} }

func write(end, data string) Op { return Op{Kind: Write, End: end, Data: []byte(data)} }

func read(end string, n int) Op { return Op{Kind: Read, End: end, N: n} }

func goOp(name string, o Op) Op { return Op{Kind: Go, Name: name, Call: &o} }

func named(k Kind, name string) Op { return Op{Kind: k, Name: name} }

func sendTo(from, data, to string) Op {
	return Op{Kind: WriteTo, End: from, Data: []byte(data), To: to}
}

func recvFrom(end string, n int) Op { return Op{Kind: ReadFrom, End: end, N: n} }

// bugLists are hand-written sequences that show each bug: they must fail
// on the wrapper with the rule named, and pass on the std control. The
// explorer finds such sequences itself (TestCatch); these keep the
// default test fast.
var bugLists = map[string]struct {
	rule string
	ops  []Op
}{
	"zero-read-once":        {"read.zero-with-data", []Op{write("peer", "A"), read("iut", 8)}},
	"write-drops-last-byte": {"read.eof-after-fin", []Op{{Kind: Write, End: "iut", N: 4096}, op(CloseWrite, "iut"), op(CopyOut, "peer")}},
	"stale-data-after-eof":  {"read.prefix", []Op{write("peer", "ab"), op(CloseWrite, "peer"), read("iut", 8), read("iut", 8), read("iut", 8)}},
	"closewrite-closes":     {"stream.no-cause", []Op{op(CloseWrite, "iut"), write("peer", "x"), read("iut", 8)}},
	"deadline-20ms-early": {"deadline.not-early", []Op{
		goOp("r1", read("iut", 8)), named(StillBlocked, "r1"), {Kind: SetReadDeadline, End: "iut", When: In(50 * time.Millisecond)}, named(Await, "r1")}},
	"close-keeps-read-blocked": {"closed.unblocks", []Op{goOp("r1", read("iut", 8)), named(StillBlocked, "r1"), op(Close, "iut"), named(Await, "r1")}},
	"eof-after-close":          {"closed.read-class", []Op{op(Close, "iut"), read("iut", 8)}},
	"udp-wrong-source": {"packet.source", []Op{
		sendTo("c1", "a", "server"), recvFrom("server", 64), sendTo("c1", "b", "server"), recvFrom("server", 64),
		sendTo("c2", "c", "server"), recvFrom("server", 64)}},
	"udp-reply-to-latest": {"packet.routing", []Op{
		sendTo("c1", "a", "server"), recvFrom("server", 64), sendTo("c2", "b", "server"), recvFrom("server", 64),
		goOp("r1", recvFrom("c2", 64)), named(StillBlocked, "r1"), sendTo("server", "r", "c1"), named(StillBlocked, "r1"), recvFrom("c1", 64)}},
}

func TestReplayBugs(t *testing.T) {
	t.Parallel()
	p, err := newPairer("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	for _, b := range bugs {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			var o Options
			if b.name == "close-keeps-read-blocked" {
				o.Watchdog = 500 * time.Millisecond // the hang is the finding: keep it short
			}
			l, ok := bugLists[b.name]
			if !ok {
				t.Fatal("no hand-written list")
			}
			// A deadline that fires 20 ms early shows only when the
			// machine answers within 20 ms: under load, give it tries.
			var v Verdict
			for try := 0; try < 5; try++ {
				if v = ReplayWith(context.Background(), b.subject(p), l.ops, o); v.Outcome == Fail {
					break
				}
			}
			if v.Outcome != Fail || v.Rule.ID != l.rule {
				t.Errorf("on the bug: %s %s %s, want fail %s\n%s", v.Outcome, v.Rule.ID, v.Message, l.rule, Transcript(v.Ops))
			}
			// Late under load is inconclusive, never a failure.
			if c := Replay(context.Background(), b.control(p), l.ops); c.Outcome == Fail || c.Outcome == Error {
				t.Errorf("on the control: %s %s\n%s", c.Outcome, c.Message, Transcript(c.Ops))
			}
		})
	}
}

// TestDeterministic: the same seed gives the same sequence and verdict.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	p, err := newPairer("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	shape := func(v Verdict) string {
		var b strings.Builder
		for _, o := range v.Ops {
			b.WriteString(o.String() + "\n")
		}
		return string(v.Outcome) + " " + v.Rule.ID + "\n" + b.String()
	}
	subjects := []Subject{tcpSubject(p, "std-tcp4"), bugs[0].subject(p), udpSubject}
	for _, s := range subjects {
		for seed := uint64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("%s/%d", s.Name, seed), func(t *testing.T) {
				t.Parallel()
				k := StreamSeq
				if s.NewPair == nil {
					k = PacketSeq
				}
				a := RunSeed(context.Background(), s, seed, Options{}, k)
				b := RunSeed(context.Background(), s, seed, Options{}, k)
				if shape(a) != shape(b) {
					t.Errorf("two runs differ:\n%s\n---\n%s", shape(a), shape(b))
				}
			})
		}
	}
}

// TestNeverUndeclared: nothing the subject did not declare is generated.
func TestNeverUndeclared(t *testing.T) {
	t.Parallel()
	p, err := newPairer("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	s := tcpSubject(p, "bare")
	s.Peer, s.Caps, s.Transport = PeerOwn, CapBuffered, ""
	allowed := []Kind{Write, Read, Close, Addrs} // every net.Conn has LocalAddr and RemoteAddr
	for seed := uint64(1); seed <= 60; seed++ {
		v := RunSeed(context.Background(), s, seed, Options{}, StreamSeq)
		for _, o := range v.Ops {
			if !slices.Contains(allowed, o.Kind) {
				t.Fatalf("seed %d: generated %v, which the subject did not declare", seed, o)
			}
		}
	}
}

// TestGoCase: a finding prints as a case that parses as Go, with its
// failing step expecting what the model allows.
func TestGoCase(t *testing.T) {
	t.Parallel()
	p, err := newPairer("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	var s Subject
	for _, b := range bugs {
		if b.name == "eof-after-close" {
			s = b.subject(p)
		}
	}
	v := Replay(context.Background(), s, bugLists["eof-after-close"].ops)
	f := Finding{Seed: 0xabc, Rule: v.Rule, Message: v.Message, Want: v.Want, Ops: v.Ops, Step: v.Step}
	src := GoCase(s, f)
	if _, err := parser.ParseExpr("[]h.Case{\n" + src + "}"); err != nil {
		t.Fatalf("the case does not parse: %v\n%s", err, src)
	}
	for _, want := range []string{`ID:    "explored.closed-read-class.s00000abc"`, `Level: h.Convention`, `Setup: h.SetupConn`,
		`h.Close("iut")`, `h.Read("iut", 8).Err(h.Closed)`} {
		if !strings.Contains(src, want) {
			t.Errorf("the case lacks %s:\n%s", want, src)
		}
	}
}

// TestKnownHangWaitsBriefly: a call the model requires to return only by a
// rule the subject declares broken is waited for the tolerance, not the
// watchdog, and its hang is a known divergence; any other rule still gets
// the watchdog and is a finding.
func TestKnownHangWaitsBriefly(t *testing.T) {
	t.Parallel()
	p, err := newPairer("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	var b bug
	for _, x := range bugs {
		if x.name == "close-keeps-read-blocked" {
			b = x
		}
	}
	ops := bugLists[b.name].ops
	const watchdog = 3 * time.Second
	o := Options{Watchdog: watchdog, Known: map[string]bool{"closed.unblocks": true}}
	start := time.Now()
	v := ReplayWith(context.Background(), b.subject(p), ops, o)
	if took := time.Since(start); v.Outcome != Known || took >= watchdog {
		t.Errorf("declared: %s %s in %v, want known before the %v watchdog\n%s", v.Outcome, v.Message, took, watchdog, Transcript(v.Ops))
	}
	o.Known = map[string]bool{"closed.read-class": true}
	start = time.Now()
	v = ReplayWith(context.Background(), b.subject(p), ops, o)
	if took := time.Since(start); v.Outcome != Fail || v.Rule.ID != "closed.unblocks" || took < watchdog {
		t.Errorf("not declared: %s %s %s in %v, want fail closed.unblocks after the %v watchdog\n%s", v.Outcome, v.Rule.ID, v.Message, took, watchdog, Transcript(v.Ops))
	}
}

// TestCallFrames: the goroutine of a call the explorer left blocked has
// CallFrames' function at its root, which is what leak checks look for.
func TestCallFrames(t *testing.T) {
	t.Parallel()
	r := newRun(context.Background(), &Subject{}, &Options{}, true)
	release := make(chan struct{})
	done := r.launch("blocked", func() model.Result { <-release; return model.Result{} })
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	close(release)
	<-done
	for _, fn := range CallFrames() {
		if !strings.Contains(stacks, "\n"+fn+"(") && !strings.Contains(stacks, "\n"+fn+"()") {
			t.Errorf("no goroutine has %s in its stack", fn)
		}
	}
}
