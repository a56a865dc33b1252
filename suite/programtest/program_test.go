package programtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/proc"
	"github.com/netconform/netconform/harness/program"
	"github.com/netconform/netconform/harness/result"
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
		pkgs := []string{"seed/tcpserver", "seed/udpserver", "seed/tcpclient", "faulty/closewait", "faulty/noreuseaddr", "faulty/udpdies"}
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
	code := m.Run()
	if parent && builtDir != "" {
		proc.Remove(builtDir)
		os.RemoveAll(builtDir)
	}
	os.Exit(code)
}

var hello = program.Conversation{Send: []byte("Hello, server!"), Expect: regexp.MustCompile(`^Hello, client!$`), ServerCloses: true}

func known(cases ...string) []harness.Known {
	var out []harness.Known
	for i := 0; i+1 < len(cases); i += 2 {
		out = append(out, harness.Known{Case: cases[i], Reason: cases[i+1]})
	}
	return out
}

// outcomes runs spec and returns each case's outcome, and checks that the
// whole run took at most 30 s.
func outcomes(t *testing.T, spec program.Spec) map[string]result.Outcome {
	var res *suite.Results
	began := time.Now()
	t.Run("run", func(t *testing.T) { res = suite.RunProgram(t, spec) })
	took := time.Since(began)
	got := map[string]result.Outcome{}
	var lines []string
	for _, r := range res.List() {
		got[r.Case] = r.Outcome
		lines = append(lines, r.Case+" "+string(r.Outcome)+" "+r.Reason)
	}
	sort.Strings(lines)
	t.Logf("%s: %d cases in %v\n%s", spec.Name, len(got), took.Round(time.Millisecond), strings.Join(lines, "\n"))
	if os.Getenv("NETCONFORM_CHILD") == "" && took > 30*time.Second {
		t.Errorf("%s: the whole black-box run took %v, want ≤ 30s", spec.Name, took)
	}
	return got
}

func TestSeedTCPServer(t *testing.T) {
	d := built(t)
	outcomes(t, program.Spec{
		Name: "seed-tcpserver", Kind: program.TCPServer, Argv: []string{d + "/tcpserver"}, Conv: hello,
		Known: known(
			"program.close.fin-after-long-request", "reads 1024 bytes once and closes: the unread rest of a longer request turns its close into a RST",
			"program.closewait.after-clients-leave", "a client that closes before sending makes the first Read fail, and the handler returns without Close",
		),
	})
}
