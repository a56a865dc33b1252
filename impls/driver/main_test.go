package driver_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/runner"
	"github.com/netconform/netconform/harness/sysobs"
	"github.com/netconform/netconform/impls/driver"
)

// binDir holds the drivers built for this test run. Isolated cases re-run
// the test binary in a child, which finds them through envBinDir instead
// of building again.
var binDir string

const envBinDir = "NETCONFORM_DRIVER_BIN"

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		return m.Run() // the fuzz targets need no driver
	}
	if dir := os.Getenv(envBinDir); dir != "" {
		binDir = dir
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "netconform-drivers-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binDir = dir
	os.Setenv(envBinDir, dir)
	before, _ := sysobs.OpenSockets()
	if !raceEnabled {
		// Under the race detector validation costs a sixth of the CPU
		// the cases need; the runs without it check every message.
		driver.SetTrace(schemaTrace.check)
	}
	code := m.Run()
	traceErr := schemaTrace.result()
	if code != 0 {
		return code
	}
	if traceErr != nil {
		fmt.Fprintln(os.Stderr, traceErr)
		return 1
	}
	if testing.Verbose() {
		fmt.Printf("schema: %d requests and their replies match protocol.schema.json, of %d shapes (not checked: %d of a shape checked %d times, %d as the validators fell behind)\n",
			schemaTrace.checked, len(schemaTrace.shapes), schemaTrace.sampled, perShape, schemaTrace.skipped)
	}
	if err := goleak.Find(); err != nil {
		fmt.Fprintln(os.Stderr, "goroutines leaked:", err)
		return 1
	}
	if after, err := sysobs.OpenSockets(); err == nil && after > before {
		fmt.Fprintf(os.Stderr, "sockets leaked: %d open before the tests, %d after\n", before, after)
		return 1
	}
	return 0
}

var buildMu sync.Mutex

// driverBin returns the path of driver program name (godriver,
// brokendriver, cdriver) in binDir, building it first if it is not there:
// a process builds only the drivers its selected tests start (a report row
// runs one driver), and the isolated cases' children find them built. A
// C driver that does not build leaves its compiler's words in
// cdriver.err, and its tests report them.
func driverBin(name string) (string, error) {
	buildMu.Lock()
	defer buildMu.Unlock()
	p := filepath.Join(binDir, name)
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	if b, err := os.ReadFile(p + ".err"); err == nil {
		return "", errors.New(string(b))
	}
	var cmd *exec.Cmd
	switch name {
	case "cdriver":
		cmd = exec.Command("cc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", p, "cdriver/driver.c", "-lcjson")
	case "brokendriver":
		cmd = exec.Command("go", "build", "-o", p, "./internal/brokendriver")
	default:
		cmd = exec.Command("go", "build", "-o", p, "./"+name)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		msg := fmt.Sprintf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
		os.WriteFile(p+".err", []byte(msg), 0o600)
		return "", errors.New(msg)
	}
	return p, nil
}

// mustBin is driverBin for a test that needs the driver.
func mustBin(t testing.TB, name string) string {
	t.Helper()
	p, err := driverBin(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// schemaTrace validates every request the tests send and every reply the
// drivers give against protocol.schema.json. Validation runs on two
// workers, off the session's read loop, so that checking a reply carrying
// megabytes does not slow the case it belongs to.
var schemaTrace = newTracer()

type tracer struct {
	v        driver.Validator
	sending  sync.RWMutex // held to send; taken to close work
	closed   bool
	work     chan traced
	wg       sync.WaitGroup
	mu       sync.Mutex
	checked  int
	skipped  int
	sampled  int            // not checked: perShape of their shape were
	shapes   map[string]int // messages seen, by shape (see fresh)
	problems []string
}

type traced struct {
	op         string
	req, reply []byte
}

func newTracer() *tracer {
	t := &tracer{work: make(chan traced, 256)}
	for range 2 {
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			for w := range t.work {
				t.validate(w)
			}
		}()
	}
	return t
}

// check is the trace hook: reply is the session's buffer, so it is copied,
// and so is the request, the data of both cut short first (a queue of
// 4 MiB messages would hold the memory and the CPU the cases need, and
// decoding and matching them cost a quarter of the CPU of driver-go's
// cases). It never blocks the session: when
// the validators fall behind (under the race detector they do), the
// message is counted as skipped.
func (t *tracer) check(op string, req, reply []byte) {
	t.sending.RLock()
	defer t.sending.RUnlock()
	if t.closed {
		return
	}
	short := shortData(reply)
	if !t.fresh(op, short) {
		return
	}
	if len(short) == len(reply) { // shortData cut nothing: short is the session's buffer
		short = bytes.Clone(reply)
	}
	select {
	case t.work <- traced{op, bytes.Clone(shortData(req)), short}:
	default:
		t.mu.Lock()
		t.skipped++
		t.mu.Unlock()
	}
}

// perShape is how many messages of one shape are validated: the
// schema checks shapes, and after the first few hundred reads that
// returned data, the next tells it nothing new.
const perShape = 64

// fresh reports whether a request of op and its reply are still to be
// validated: fewer than perShape of that shape were (the op, the reply's
// fields and those of its result, and its error's kind). It is given the
// reply with its data cut short (shortData): the shape does not depend on
// the data's length, and decoding a reply of megabytes only to learn its
// fields was a twentieth of driver-c's CPU.
func (t *tracer) fresh(op string, reply []byte) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(reply, &top) != nil {
		return true // not even JSON: the validator says so
	}
	shape := op + "|" + strings.Join(slices.Sorted(maps.Keys(top)), ",")
	var inner map[string]json.RawMessage
	if json.Unmarshal(top["result"], &inner) == nil {
		shape += "|" + strings.Join(slices.Sorted(maps.Keys(inner)), ",")
	}
	if json.Unmarshal(top["error"], &inner) == nil {
		shape += "|" + string(inner["kind"])
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.shapes == nil {
		t.shapes = map[string]int{}
	}
	t.shapes[shape]++
	if t.shapes[shape] > perShape {
		t.sampled++
		return false
	}
	return true
}

func (t *tracer) validate(w traced) {
	op, reqLine := w.op, w.req
	errReq := t.v.Check("request", reqLine)
	errRep := t.v.CheckReply(op, w.reply)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.checked++
	if len(t.problems) > 20 {
		return
	}
	if errReq != nil {
		t.problems = append(t.problems, fmt.Sprintf("request %.300s does not match the schema: %v", reqLine, errReq))
	}
	if errRep != nil {
		t.problems = append(t.problems, fmt.Sprintf("reply %.300s to %s does not match the schema: %v", w.reply, op, errRep))
	}
}

// result stops the workers and reports what did not match.
func (t *tracer) result() error {
	t.sending.Lock()
	t.closed = true
	close(t.work)
	t.sending.Unlock()
	t.wg.Wait()
	if len(t.problems) > 0 {
		return fmt.Errorf("protocol messages off the schema:\n%s", strings.Join(t.problems, "\n"))
	}
	return nil
}

func unmarshal(tb testing.TB, b []byte, v any) {
	tb.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		tb.Fatal(err)
	}
}

// shortData cuts a long "data" string of a message to its first KiB
// before validation: the shape is what the schema checks; the client
// decodes every byte of a reply's data itself (a bad byte is a protocol
// violation there), and a request's is encoding/base64's. It returns
// reply itself when there is nothing to cut, and a new, shorter buffer
// when there is.
func shortData(reply []byte) []byte {
	const keep = 1024
	i := bytes.Index(reply, []byte(`"data":"`))
	if i < 0 || len(reply) < keep {
		return reply
	}
	start := i + len(`"data":"`)
	end := bytes.IndexByte(reply[start:], '"')
	if end <= keep {
		return reply
	}
	out := append([]byte(nil), reply[:start+keep]...)
	return append(out, reply[start+end:]...)
}

// testRunner runs single cases outside suite.Run.
var testRunner = func() *runner.Runner {
	cfg, err := runner.ConfigFromEnv()
	if err != nil {
		panic(err)
	}
	return runner.New(cfg)
}()

// childCase reports whether this process is the isolated child of one case.
func childCase() (impl, caseID string, role harness.Role, ok bool) {
	cfg, err := runner.ConfigFromEnv()
	if err != nil {
		return "", "", "", false
	}
	return cfg.Child()
}
