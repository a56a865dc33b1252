package runner

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"

	"go.uber.org/goleak"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/explore"
	"github.com/netconform/netconform/harness/internal/engine"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/script"
	"github.com/netconform/netconform/harness/sysobs"
)

// A LeakWatch records the process's goroutines and sockets before an
// implementation's cases, and whether another implementation ran beside
// it; once the cases have ended it says what they left behind. Leaks are
// attributable only when the implementation ran alone in its process.
type LeakWatch struct {
	rn       *Runner
	im       *harness.Impl
	ignore   goleak.Option
	unread   string // why goleak could not read the goroutines at the start
	sockets  map[uint64]bool
	sockErr  error
	overlaps bool
}

// WatchLeaks starts watching for what im's cases leave behind. A watch
// that starts beside another can never be judged (see Stop), so it takes
// no snapshot: goleak's is a stack dump of every goroutine, thousands
// with other implementations' cases running.
func (rn *Runner) WatchLeaks(im *harness.Impl) *LeakWatch {
	w := &LeakWatch{rn: rn, im: im}
	rn.lim.mu.Lock()
	for o := range rn.lim.watching {
		o.overlaps, w.overlaps = true, true
	}
	rn.lim.watching[w] = true
	rn.lim.mu.Unlock()
	if !w.overlaps {
		// A stack too deep to parse is most often a passing one (a
		// recursion through a nested message, say; one made driver-c's
		// check skip in a report): look again for a while before giving
		// up.
		end := time.Now().Add(unreadRetry)
		for {
			w.unread = unparsed(func() { w.ignore = goleak.IgnoreCurrent() })
			if w.unread == "" || time.Now().After(end) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		w.sockets, w.sockErr = sysobs.SocketInodes()
	}
	return w
}

// unreadRetry bounds how long WatchLeaks looks again at goroutines whose
// stacks goleak cannot parse.
const unreadRetry = time.Second

// Stop ends the watch and reports why leaks cannot be judged ("" when
// they can).
func (w *LeakWatch) Stop() (skip string) {
	w.rn.lim.mu.Lock()
	delete(w.rn.lim.watching, w)
	overlaps := w.overlaps
	w.rn.lim.mu.Unlock()
	if overlaps {
		return "other implementations ran in this process at the same time, so leaks cannot be attributed: run one implementation per process (go run ./reports does)"
	}
	return ""
}

// leakSettle bounds how long the leak checks wait for goroutines and
// sockets an implementation closes asynchronously (quic-go's transports,
// say) to go away; the timescale stretches it.
const leakSettle = 5 * time.Second

// settle calls done until it returns true or the settle budget is spent.
func (w *LeakWatch) settle(done func() bool) {
	end := time.Now().Add(engine.ScaleBy(leakSettle, w.rn.Timescale))
	for !done() && time.Now().Before(end) {
		time.Sleep(50 * time.Millisecond)
	}
}

// Sockets finds the sockets the process holds that it did not hold before
// the cases; skip says why they cannot be counted.
func (w *LeakWatch) Sockets() (findings []result.Finding, skip string) {
	if w.sockErr != nil {
		return nil, "sockets cannot be counted here: " + w.sockErr.Error()
	}
	var left map[uint64]bool
	var err error
	w.settle(func() bool { left, err = w.newSockets(); return err != nil || len(left) == 0 })
	if err != nil {
		return nil, "sockets cannot be counted here: " + err.Error()
	}
	if len(left) > 0 {
		desc := sysobs.DescribeSockets(left)
		findings = append(findings, result.Finding{Call: "sockets after the cases", Got: fmt.Sprintf("%d still open: %s", len(left), strings.Join(desc, "; ")), Want: "none left"})
	}
	return findings, ""
}

func (w *LeakWatch) newSockets() (map[uint64]bool, error) {
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

// goroutineHeader starts each goroutine in goleak's report.
var goroutineHeader = regexp.MustCompile(`Goroutine \d+ in state`)

// Goroutines finds the goroutines left running. Calls the harness made
// that are still blocked were reported as hangs by the cases that
// abandoned them: they are named in the evidence, not counted again. skip
// says why they cannot be counted.
func (w *LeakWatch) Goroutines() (findings []result.Finding, evidence, skip string) {
	if w.unread != "" {
		return nil, "", w.unread
	}
	opts := append([]goleak.Option{w.ignore}, IgnoreAbandonedCalls()...)
	var err error
	var why string
	w.settle(func() bool {
		why = unparsed(func() { err = goleak.Find(opts...) })
		return why == "" && err == nil
	})
	if why != "" {
		return nil, "", why
	}
	var abandoned int
	var all error
	if unparsed(func() { all = goleak.Find(w.ignore) }) == "" && all != nil {
		abandoned = len(goroutineHeader.FindAllString(all.Error(), -1))
	}
	if err == nil {
		if abandoned > 0 {
			evidence = fmt.Sprintf("%d goroutines are calls the harness abandoned, already reported as blocked by their cases; none besides", abandoned)
		}
		return nil, evidence, ""
	}
	n := max(len(goroutineHeader.FindAllString(err.Error(), -1)), 1)
	abandoned = max(abandoned-n, 0)
	findings = append(findings, result.Finding{Call: "goroutines after the cases", Got: fmt.Sprintf("%d left running", n), Want: "none left"})
	evidence = err.Error()
	if abandoned > 0 {
		evidence = fmt.Sprintf("(besides %d goroutines that are calls the harness abandoned, already reported as blocked by their cases)\n%s", abandoned, evidence)
	}
	return findings, evidence, ""
}

// unparsed runs a goleak call and says why it failed to read the
// goroutines' stacks. goleak (v1.3.0) panics on a stack it cannot parse:
// one of more than 100 frames, which the runtime cuts with
// "...additional frames elided...", as a deep recursion in the
// implementation or the harness prints. That must not end the process.
func unparsed(f func()) (why string) {
	defer func() {
		if r := recover(); r != nil {
			msg, _, _ := strings.Cut(fmt.Sprint(r), "\n")
			why = "goleak could not read the goroutines' stacks: " + msg
		}
	}()
	f()
	return ""
}

// CallFrames returns the functions at the root of the goroutines the
// harness starts to make an implementation's calls, and to wait for them.
// Once every case has ended, such a goroutine is a call its case abandoned
// and already reported as blocked; leak checks count these apart from the
// goroutines the implementation itself left behind.
// The explorer's calls are among them (explore.CallFrames): a call an
// exploration left hung was named in its clean row.
func CallFrames() []string {
	return append(engine.CallFrames(reflect.TypeFor[script.X]().PkgPath()+".(*X).Go.func1"), explore.CallFrames()...)
}

// IgnoreAbandonedCalls returns goleak options that ignore the goroutines
// of calls the harness abandoned because they never returned. The cases
// that abandoned them already failed (or known-failed) for it; a test
// package that runs implementations known to hang passes these to
// goleak.VerifyTestMain so that it checks for every other leak.
func IgnoreAbandonedCalls() []goleak.Option {
	var opts []goleak.Option
	for _, fn := range CallFrames() {
		opts = append(opts, goleak.IgnoreAnyFunction(fn))
	}
	return opts
}
