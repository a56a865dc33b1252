package programtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
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

// built returns the directory of the example programs: the one the
// parent test process made (envBuilt), or a new one. Programs are built
// into it when first needed (buildProgram).
func built(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if d := os.Getenv(envBuilt); d != "" {
			builtDir = d
			return
		}
		builtDir, buildErr = proc.MkdirTemp("programs")
		if buildErr == nil {
			os.Setenv(envBuilt, builtDir) // the case children find the programs built
		}
	})
	if buildErr != nil {
		t.Fatalf("a directory for the example programs: %v", buildErr)
	}
	return builtDir
}

// programSources maps each example program's file name to what builds it:
// a Go package, or a C source file of the repository.
var programSources = map[string]string{
	"tcpserver":         "github.com/netconform/netconform/impls/programs/seed/tcpserver",
	"udpserver":         "github.com/netconform/netconform/impls/programs/seed/udpserver",
	"tcpclient":         "github.com/netconform/netconform/impls/programs/seed/tcpclient",
	"tcpechoserver":     "github.com/netconform/netconform/impls/programs/seed/tcpechoserver",
	"deadlinetcpserver": "github.com/netconform/netconform/impls/programs/seed/deadlinetcpserver",
	"deadlinetcpclient": "github.com/netconform/netconform/impls/programs/seed/deadlinetcpclient",
	"closewait":         "github.com/netconform/netconform/impls/programs/faulty/closewait",
	"noreuseaddr":       "github.com/netconform/netconform/impls/programs/faulty/noreuseaddr",
	"udpdies":           "github.com/netconform/netconform/impls/programs/faulty/udpdies",
	"optserver":         "./testdata/optserver",
	"resetexitlate":     "./testdata/resetexitlate",
	"c_tcp_server":      "impls/programs/c/tcp_server.c",
	"c_udp_server":      "impls/programs/c/udp_server.c",
	"c_tcp_client":      "impls/programs/c/tcp_client.c",
}

var buildMu sync.Mutex

// buildProgram returns the path of example program name in d, building it
// first if it is not there. Only what a process's selected tests run is
// built: a report row, one process of its own, builds its one program.
func buildProgram(d, name string) (string, error) {
	buildMu.Lock()
	defer buildMu.Unlock()
	p := filepath.Join(d, name)
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	src, ok := programSources[name]
	if !ok {
		return "", fmt.Errorf("no example program %q", name)
	}
	var err error
	if strings.HasSuffix(src, ".c") {
		cc, lerr := exec.LookPath("cc")
		if lerr != nil {
			return "", fmt.Errorf("the C program cannot build here (it needs cc): %w", lerr)
		}
		file := filepath.Join(repo(), src)
		flags := []string{"-O2", "-Wall"}
		key, kerr := cBuildKey(cc, flags, file)
		if kerr != nil {
			return "", fmt.Errorf("%s did not build: %v", name, kerr)
		}
		err = cachedBuild(p, name, key, func(out string) error {
			if _, serr := os.Stat(out); serr == nil && out != p {
				return nil // built from this very source before
			}
			tmp := out + ".new"
			if err := run(exec.Command(cc, append(flags, "-o", tmp, file)...)); err != nil {
				os.Remove(tmp)
				return err
			}
			return os.Rename(tmp, out)
		})
	} else {
		// No symbol table or DWARF: most of a link's time, and no
		// case reads them.
		err = cachedBuild(p, name, goBuildKey(src), func(out string) error {
			return run(exec.Command("go", "build", "-ldflags=-s -w", "-o", out, src))
		})
	}
	if err != nil {
		os.Remove(p)
		return "", fmt.Errorf("%s did not build: %v", name, err)
	}
	return p, nil
}

// needProgram is buildProgram for a test that cannot go on without it.
func needProgram(t *testing.T, d, name string) string {
	t.Helper()
	p, err := buildProgram(d, name)
	if err != nil {
		t.Fatal(err)
	}
	return p
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
	needProgram(t, d, "optserver")
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

// TestResetJudgedByTheListener: program.reset.keeps-accepting fails a
// server that exits on a client's reset even when the exit comes after
// the next clients were served, and its parent learns of it late (a child
// holds its output open): the server's listener is gone at once, its exit
// status says "running" for two seconds more. Judged by that status, the
// case passed such a server.
func TestResetJudgedByTheListener(t *testing.T) {
	d := built(t)
	needProgram(t, d, "resetexitlate")
	const id = "program.reset.keeps-accepting"
	ks := known(id, "exits half a second after a failed Write")
	for _, c := range suite.ProgramCases(program.TCPServer) {
		if c.ID != id && c.Level != result.Informational {
			ks = append(ks, harness.Known{Case: c.ID, Reason: "not what this test checks", Intermittent: true})
		}
	}
	var res *suite.Results
	t.Run("run", func(t *testing.T) {
		res = suite.RunProgram(t, program.Spec{Name: "resetexitlate", Kind: program.TCPServer, Argv: []string{d + "/resetexitlate"}, Conv: hello, Known: ks})
	})
	if child() {
		t.SkipNow()
	}
	for _, r := range res.List() {
		if r.Case != id {
			continue
		}
		if r.Outcome == result.Skip || r.Outcome == result.Unsupported {
			t.Skipf("%s: %s", r.Case, r.Reason)
		}
		if r.Outcome != result.KnownFailure {
			t.Errorf("%s = %s, want known-failure (the server exits): %s\n%s", id, r.Outcome, r.Summary(), r.Evidence)
		}
		return
	}
	t.Errorf("no result for %s", id)
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
