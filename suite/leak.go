package suite

import (
	"fmt"
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
			if err := goleak.Find(w.ignore); err != nil {
				n := strings.Count(err.Error(), "\nGoroutine ")
				findings = append(findings, h.Finding{Call: "goroutines after the cases", Got: fmt.Sprintf("%d left running", max(n, 1)), Want: "none left"})
				evidence = err.Error()
			}
		case c.ID == "leak.sockets.after-cases":
			if w.sockErr != nil {
				skip = "sockets cannot be counted here: " + w.sockErr.Error()
				break
			}
			now, err := sysobs.SocketInodes()
			if err != nil {
				skip = "sockets cannot be counted here: " + err.Error()
				break
			}
			left := map[uint64]bool{}
			for n := range now {
				if !w.sockets[n] {
					left[n] = true
				}
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
