package explore

import (
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// longRun reads NETCONFORM_EXPLORE_SEQS: the number of sequences each
// control runs in a long run (0: the short default).
func longRun() int {
	n, _ := strconv.Atoi(os.Getenv("NETCONFORM_EXPLORE_SEQS"))
	return n
}

// controlOptions: a short budget by default; NETCONFORM_EXPLORE_SEQS
// sequences with NETCONFORM_EXPLORE_WORKERS workers (default 16: the
// sequences mostly wait) in a long run.
func controlOptions() Options {
	if n := longRun(); n > 0 {
		w, _ := strconv.Atoi(os.Getenv("NETCONFORM_EXPLORE_WORKERS"))
		if w <= 0 {
			w = 16
		}
		return Options{Sequences: n, Seed: 1, Workers: w}
	}
	return Options{Budget: 150 * time.Millisecond}
}

func runControl(t *testing.T, s Subject) {
	t.Helper()
	rep := Explore(context.Background(), s, controlOptions())
	t.Logf("%s: %d sequences, %d steps in %v: %.0f sequences/s, %d retried, %d inconclusive, %d hung",
		s.Name, rep.Sequences, rep.Steps, rep.Elapsed.Round(time.Millisecond), rep.PerSecond(), rep.Retries, rep.Inconclusive, len(rep.Hung))
	if rep.Err != nil {
		t.Fatal(rep.Err)
	}
	for _, f := range rep.Findings {
		t.Errorf("finding on a std control:\n%v\n%s", f.String(), f.Case)
	}
	if rep.Sequences == 0 {
		t.Error("no sequence ran")
	}
}

func TestControlTCP4(t *testing.T) {
	t.Parallel()
	p, err := newPairer("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	runControl(t, tcpSubject(p, "std-tcp4"))
}

func TestControlTCP6(t *testing.T) {
	t.Parallel()
	p, err := newPairer("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer p.Close()
	runControl(t, tcpSubject(p, "std-tcp6"))
}

func TestControlUnix(t *testing.T) { t.Parallel(); runControl(t, unixSubject) }
func TestControlUDP(t *testing.T)  { t.Parallel(); runControl(t, udpSubject) }
func TestControlPipe(t *testing.T) { t.Parallel(); runControl(t, pipeSubject) }

// TestMinSequences: a subject whose every sequence is slow still runs
// MinSequences sequences, past its budget (at most four times it); without
// MinSequences the budget alone ends it.
func TestMinSequences(t *testing.T) {
	t.Parallel()
	slow := pipeSubject
	slow.NewPair = func(ctx context.Context) (net.Conn, net.Conn, func(), error) {
		time.Sleep(40 * time.Millisecond) // a transport slow to set up, not synchronisation
		return pipePair(ctx)
	}
	o := Options{Seed: 1, Budget: 100 * time.Millisecond, Workers: 1, MaxSteps: 2}
	if rep := Explore(context.Background(), slow, o); rep.Sequences >= 5 {
		t.Fatalf("without MinSequences: %d sequences in a %v budget of 40 ms sequences, want fewer than 5", rep.Sequences, o.Budget)
	}
	// Five sequences take 200 ms of set-up: past the budget, within its
	// cap of four times it, unless a loaded machine (the race detector, a
	// busy CI) stretches each past 80 ms; then the cap must have ended it.
	o.MinSequences = 5
	rep := Explore(context.Background(), slow, o)
	if len(rep.Findings) > 0 {
		t.Fatalf("with MinSequences 5: findings %v", rep.Findings)
	}
	if rep.Sequences < 5 && rep.Elapsed < 4*o.Budget {
		t.Fatalf("with MinSequences 5: %d sequences in %v, want 5, or fewer only at the cap of %v", rep.Sequences, rep.Elapsed, 4*o.Budget)
	}
}

// closeHangsOnce: the first Close of the exploration blocks until the
// pair is closed again (the teardown's Close), as a call held up by load
// would; every later Close returns at once.
type closeHangsOnce struct {
	net.Conn
	armed   *atomic.Bool
	release chan struct{}
	once    *sync.Once
}

func (c closeHangsOnce) Close() error {
	if c.armed.CompareAndSwap(true, false) {
		<-c.release
	} else {
		c.once.Do(func() { close(c.release) })
	}
	return c.Conn.Close()
}

// TestUnconfirmedHang: a call that hung once, in a sequence that returns
// when run again, makes the exploration inconclusive, never a finding.
func TestUnconfirmedHang(t *testing.T) {
	t.Parallel()
	var armed atomic.Bool
	armed.Store(true)
	s := pipeSubject
	s.NewPair = func(ctx context.Context) (net.Conn, net.Conn, func(), error) {
		a, b := net.Pipe()
		rel, once := make(chan struct{}), &sync.Once{}
		return closeHangsOnce{a, &armed, rel, once}, closeHangsOnce{b, &armed, rel, once}, nil, nil
	}
	rep := Explore(context.Background(), s, Options{Seed: 1, Sequences: 40, Workers: 1, Watchdog: 300 * time.Millisecond})
	if armed.Load() {
		t.Skip("no sequence closed a conn before its teardown")
	}
	if len(rep.Findings) > 0 || rep.Inconclusive == 0 || !strings.Contains(strings.Join(rep.Unconfirmed, "\n"), "unconfirmed hang") {
		t.Fatalf("findings %v, %d inconclusive, unconfirmed %q: want no finding and an unconfirmed hang, inconclusive", rep.Findings, rep.Inconclusive, rep.Unconfirmed)
	}
	if s := rep.String(); strings.Count(s, "unconfirmed hang") != 1 {
		t.Errorf("the unconfirmed hang is not named once in the report:\n%s", s)
	}
}
