package suite

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	h "github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/sysobs"
)

// The leak area: checks suite.Run makes once all of an implementation's
// cases have ended. They are attributable only when the implementation
// ran alone in its process — go run ./reports runs each in a process of
// its own; several suite.Run calls in one test share the process, and
// then the checks report skip.
var leakCases = []h.Case{
	{
		ID:    "leak.goroutines.after-cases",
		Spec:  "net.Conn.Close closes the connection: once an implementation's cases have ended and everything they made is closed, no goroutine started during them is left running (goleak)",
		Level: h.Convention,
		Setup: h.SetupAfterAll,
		Roles: []h.Role{h.RoleClient},
	},
	{
		ID:    "leak.sockets.after-cases",
		Spec:  "net.Conn.Close and net.Listener.Close release the socket: once an implementation's cases have ended, the process holds no socket it did not hold before them",
		Level: h.Convention,
		Setup: h.SetupAfterAll,
		Roles: []h.Role{h.RoleClient},
	},
}

// leakWatch records the process's goroutines and sockets before an
// implementation's cases, and whether another implementation ran beside it.
type leakWatch struct {
	im        *h.Impl
	began     time.Time
	ignore    goleak.Option
	sockets   map[uint64]bool
	overlaps  bool
	sockErr   error
	finishing sync.Once
}

var (
	watchMu sync.Mutex
	running = map[*leakWatch]bool{}
)

func startLeakWatch(im *h.Impl) *leakWatch {
	w := &leakWatch{im: im, began: time.Now(), ignore: goleak.IgnoreCurrent()}
	w.sockets, w.sockErr = sysobs.SocketInodes()
	watchMu.Lock()
	defer watchMu.Unlock()
	for o := range running {
		o.overlaps, w.overlaps = true, true
	}
	running[w] = true
	return w
}

// finish checks for leaks and returns the leak cases' results.
func (w *leakWatch) finish(cases []*h.Case) []*h.Result {
	watchMu.Lock()
	delete(running, w)
	overlaps := w.overlaps
	watchMu.Unlock()
	var out []*h.Result
	for _, c := range cases {
		if c.Setup != h.SetupAfterAll {
			continue
		}
		began := time.Now()
		skip := ""
		if overlaps {
			skip = "other implementations ran in this process at the same time, so leaks cannot be attributed: run one implementation per process (go run ./reports does)"
		}
		var findings []h.Finding
		var evidence string
		switch {
		case skip != "":
		case c.ID == "leak.goroutines.after-cases":
			findings, evidence = w.goroutines()
		case c.ID == "leak.sockets.after-cases":
			if w.sockErr != nil {
				skip = "sockets cannot be counted here: " + w.sockErr.Error()
				break
			}
			var left map[uint64]bool
			var err error
			settle(func() bool { left, err = w.newSockets(); return err != nil || len(left) == 0 })
			if err != nil {
				skip = "sockets cannot be counted here: " + err.Error()
				break
			}
			if len(left) > 0 {
				desc := sysobs.DescribeSockets(left)
				findings = append(findings, h.Finding{Call: "sockets after the cases", Got: fmt.Sprintf("%d still open: %s", len(left), strings.Join(desc, "; ")), Want: "none left"})
			}
		}
		out = append(out, h.Judge(w.im, c, findings, skip, evidence, time.Since(began)))
	}
	return out
}

// leakSettle bounds how long the leak checks wait for goroutines and
// sockets an implementation closes asynchronously (quic-go's transports,
// say) to go away; the timescale stretches it.
const leakSettle = 5 * time.Second

// settle calls done until it returns true or the settle budget is spent.
func settle(done func() bool) {
	end := time.Now().Add(time.Duration(float64(leakSettle) * h.Timescale()))
	for !done() && time.Now().Before(end) {
		time.Sleep(50 * time.Millisecond)
	}
}

// newSockets returns the sockets the process holds that it did not hold
// before the cases.
func (w *leakWatch) newSockets() (map[uint64]bool, error) {
	now, err := sysobs.SocketInodes()
	if err != nil {
		return nil, err
	}
	left := map[uint64]bool{}
	for n := range now {
		if !w.sockets[n] {
			left[n] = true
		}
	}
	return left, nil
}

// IgnoreAbandonedCalls returns goleak options that ignore the goroutines
// of calls the harness abandoned because they never returned. The cases
// that abandoned them already failed (or known-failed) for it; a test
// package that runs implementations known to hang passes these to
// goleak.VerifyTestMain so that it checks for every other leak.
func IgnoreAbandonedCalls() []goleak.Option {
	var opts []goleak.Option
	for _, fn := range h.CallFrames() {
		opts = append(opts, goleak.IgnoreAnyFunction(fn))
	}
	return opts
}

// goroutineHeader starts each goroutine in goleak's report.
var goroutineHeader = regexp.MustCompile(`Goroutine \d+ in state`)

// goroutines finds the goroutines left running. Calls the harness made
// that are still blocked were reported as hangs by the cases that
// abandoned them: they are named in the evidence, not counted again.
func (w *leakWatch) goroutines() (findings []h.Finding, evidence string) {
	opts := append([]goleak.Option{w.ignore}, IgnoreAbandonedCalls()...)
	var err error
	settle(func() bool { err = goleak.Find(opts...); return err == nil })
	var abandoned int
	if err := goleak.Find(w.ignore); err != nil {
		abandoned = len(goroutineHeader.FindAllString(err.Error(), -1))
	}
	if err == nil {
		if abandoned > 0 {
			evidence = fmt.Sprintf("%d goroutines are calls the harness abandoned, already reported as blocked by their cases; none besides", abandoned)
		}
		return nil, evidence
	}
	n := max(len(goroutineHeader.FindAllString(err.Error(), -1)), 1)
	abandoned = max(abandoned-n, 0)
	findings = append(findings, h.Finding{Call: "goroutines after the cases", Got: fmt.Sprintf("%d left running", n), Want: "none left"})
	evidence = err.Error()
	if abandoned > 0 {
		evidence = fmt.Sprintf("(besides %d goroutines that are calls the harness abandoned, already reported as blocked by their cases)\n%s", abandoned, evidence)
	}
	return findings, evidence
}

// reportAfterAll reports after-all results from the implementation's
// test, once its cases are done (from a Cleanup: no subtests are left).
func (col *collector) reportAfterAll(t *testing.T, res *h.Result) {
	col.mu.Lock()
	col.results = append(col.results, *res)
	col.mu.Unlock()
	col.emit(res)
	switch {
	case res.Outcome.Failed():
		t.Errorf("%s %s:\n%s", res.Case, res.Outcome, res.Format())
	case res.Outcome == h.KnownFailure, res.Outcome == h.Skip:
		t.Logf("%s %s: %s", res.Case, res.Outcome, res.Reason)
	}
}
