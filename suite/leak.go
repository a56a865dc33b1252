package suite

import (
	"time"

	"go.uber.org/goleak"

	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/runner"
	h "github.com/netconform/netconform/harness/script"
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

// afterAll makes the leak cases' results once im's cases have ended.
func afterAll(w *runner.LeakWatch, im *h.Impl, cases []*h.Case) []*result.Result {
	skip := w.Stop()
	var out []*result.Result
	for _, c := range cases {
		if c.Setup != h.SetupAfterAll {
			continue
		}
		began := time.Now()
		var findings []result.Finding
		var evidence string
		why := skip
		switch {
		case why != "":
		case c.ID == "leak.goroutines.after-cases":
			findings, evidence, why = w.Goroutines()
		case c.ID == "leak.sockets.after-cases":
			findings, why = w.Sockets()
		}
		out = append(out, runner.Judge(im, c, findings, why, evidence, time.Since(began)))
	}
	return out
}

// IgnoreAbandonedCalls returns goleak options that ignore the goroutines
// of calls the harness abandoned because they never returned. The cases
// that abandoned them already failed (or known-failed) for it; a test
// package that runs implementations known to hang passes these to
// goleak.VerifyTestMain so that it checks for every other leak.
func IgnoreAbandonedCalls() []goleak.Option { return runner.IgnoreAbandonedCalls() }
