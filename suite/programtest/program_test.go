package programtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/proc"
	"github.com/netconform/netconform/harness/program"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/runner"
	"github.com/netconform/netconform/suite"
)

// envBuilt names the directory of the programs the parent test process
// built, so that the isolated child of each case reuses them.
const envBuilt = "NETCONFORM_TEST_PROGRAMS"

var (
	buildOnce sync.Once
	builtDir  string
	buildErr  error
)

// built builds the Go example programs (and compiles the C ones when cc
// is there) once per test process tree; it returns the directory.
func built(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if d := os.Getenv(envBuilt); d != "" {
			builtDir = d
			return
		}
		d, err := proc.MkdirTemp("programs")
		if err != nil {
			buildErr = err
			return
		}
		builtDir = d
		pkgs := []string{"seed/tcpserver", "seed/udpserver", "seed/tcpclient", "seed/tcpechoserver", "seed/deadlinetcpserver", "seed/deadlinetcpclient", "faulty/closewait", "faulty/noreuseaddr", "faulty/udpdies"}
		args := []string{"build", "-o", d + "/"}
		for _, p := range pkgs {
			args = append(args, "github.com/netconform/netconform/impls/programs/"+p)
		}
		args = append(args, "./testdata/optserver")
		if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
			buildErr = err
			t.Logf("go build: %s", out)
			return
		}
		if cc, err := exec.LookPath("cc"); err == nil {
			for _, src := range []string{"tcp_server", "udp_server", "tcp_client"} {
				if out, err := exec.Command(cc, "-O2", "-Wall", "-o", filepath.Join(d, "c_"+src), filepath.Join(repo(), "impls/programs/c", src+".c")).CombinedOutput(); err != nil {
					t.Logf("cc %s: %v: %s", src, err, out)
				}
			}
		}
		os.Setenv(envBuilt, d)
	})
	if buildErr != nil {
		t.Fatalf("building the example programs: %v", buildErr)
	}
	return builtDir
}

func repo() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "../..")
}

// TestMain removes the built programs at the end of the parent process.
func TestMain(m *testing.M) {
	parent := os.Getenv(envBuilt) == ""
	// Every program case is a child test process and the program (for a
	// Python program, an interpreter), and this package runs 15 programs'
	// cases at once: a few at a time leave the CPU to the packages go test
	// runs beside it, whose timing cases would starve. The report runs
	// each program alone in a process of its own, at the default.
	if os.Getenv(runner.EnvParallel) == "" {
		os.Setenv(runner.EnvParallel, strconv.Itoa(programsAtOnce))
	}
	code := m.Run()
	if parent && builtDir != "" {
		proc.Remove(builtDir)
		os.RemoveAll(builtDir)
	}
	os.Exit(code)
}

// programsAtOnce bounds the program cases running at once in go test.
const programsAtOnce = 8

// child reports whether this process is the isolated child of one case
// (the runner re-runs the test there for that case alone).
func child() bool { return os.Getenv("NETCONFORM_CHILD") != "" }

func known(cases ...string) []harness.Known {
	var out []harness.Known
	for i := 0; i+1 < len(cases); i += 2 {
		out = append(out, harness.Known{Case: cases[i], Reason: cases[i+1]})
	}
	return out
}

// TestSockoptsAreTheProgramsOwn: options read from a running program are
// its own: a program that sets other values than Go's defaults fails the
// keep-alive and no-delay cases with exactly its values.
func TestSockoptsAreTheProgramsOwn(t *testing.T) {
	d := built(t)
	var res *suite.Results
	t.Run("run", func(t *testing.T) {
		res = suite.RunProgram(t, program.Spec{Name: "optserver", Kind: program.TCPServer, Argv: []string{d + "/optserver"}, Conv: hello,
			Known: known("program.sockopt.accepted-keepalive", "sets keep-alive 40 s / 7 s / 4",
				"program.sockopt.accepted-nodelay", "turns TCP_NODELAY off",
				"program.close.fin-after-long-request", "reads 1024 bytes once, like the seed: closing with unread data sends RST")})
	})
	if child() {
		t.SkipNow()
	}
	want := map[string]string{
		"program.sockopt.accepted-keepalive": "SO_KEEPALIVE=1 TCP_KEEPIDLE=40 TCP_KEEPINTVL=7 TCP_KEEPCNT=4",
		"program.sockopt.accepted-nodelay":   "TCP_NODELAY=0",
	}
	for _, r := range res.List() {
		w, ok := want[r.Case]
		if !ok {
			continue
		}
		delete(want, r.Case)
		if r.Outcome == result.Skip || r.Outcome == result.Unsupported {
			t.Skipf("%s: %s", r.Case, r.Reason)
		}
		if len(r.Findings) != 1 || r.Findings[0].Got != w {
			t.Errorf("%s: findings %+v, want got %q", r.Case, r.Findings, w)
		}
	}
	if len(want) > 0 {
		t.Errorf("no result for %v", want)
	}
}

// TestConformance runs the program the environment names (the report
// command's -server, -udp-server and -client flags); without one it skips.
func TestConformance(t *testing.T) {
	spec, ok, err := program.FromEnv()
	switch {
	case err != nil:
		t.Fatal(err)
	case !ok:
		t.Skip("no program named: go run ./reports -server 'CMD ARGS…'")
	}
	suite.RunProgram(t, spec)
}
