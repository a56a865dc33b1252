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

// child reports whether this process is the isolated child of one case
// (the runner re-runs the test there for that case alone).
func child() bool { return os.Getenv("NETCONFORM_CHILD") != "" }

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
	if child() {
		t.SkipNow() // the isolated child of one case: the parent judges
	}
	t.Logf("%s: %d cases in %v\n%s", spec.Name, len(got), took.Round(time.Millisecond), strings.Join(lines, "\n"))
	if took > 30*time.Second {
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

// wantOutcomes checks the outcome of every case named in want.
func wantOutcomes(t *testing.T, got map[string]result.Outcome, want map[string]result.Outcome) {
	t.Helper()
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: outcome %q, want %q", id, got[id], w)
		}
	}
}

// contractPass checks that every contract case of a kind passed.
func contractPass(t *testing.T, kind program.Kind, got map[string]result.Outcome) {
	t.Helper()
	for _, c := range suite.ProgramCases(kind) {
		if c.Level == result.Contract && got[c.ID] != result.Pass {
			t.Errorf("contract case %s: %q, want pass", c.ID, got[c.ID])
		}
	}
}

func TestFaultyCloseWait(t *testing.T) {
	d := built(t)
	got := outcomes(t, program.Spec{Name: "faulty-closewait", Kind: program.TCPServer, Argv: []string{d + "/closewait"}, Conv: hello,
		Known: known("program.closewait.after-clients-leave", "never closes a connection: every client leaves a CLOSE_WAIT socket")})
	contractPass(t, program.TCPServer, got)
	wantOutcomes(t, got, map[string]result.Outcome{
		"program.closewait.after-clients-leave": result.KnownFailure,
		"program.timewait.restart-same-port":    result.Pass,
		"program.reset.keeps-accepting":         result.Pass,
		"program.sockopt.accepted-keepalive":    result.Pass,
	})
}

func TestFaultyNoReuseAddr(t *testing.T) {
	d := built(t)
	got := outcomes(t, program.Spec{Name: "faulty-noreuseaddr", Kind: program.TCPServer, Argv: []string{d + "/noreuseaddr"}, Conv: hello,
		Known: known("program.timewait.restart-same-port", "turns SO_REUSEADDR off on its listener: bind fails while a TIME_WAIT socket holds the port")})
	contractPass(t, program.TCPServer, got)
	for id, o := range got {
		if id != "program.timewait.restart-same-port" && o != result.Pass && o != result.Info {
			t.Errorf("%s: %q, want pass: only the restart names its fault", id, o)
		}
	}
	wantOutcomes(t, got, map[string]result.Outcome{"program.timewait.restart-same-port": result.KnownFailure})
}

var echoColon = program.Conversation{Send: []byte("hello"), Expect: regexp.MustCompile(`^echo:hello$`)}

func TestFaultyUDPDies(t *testing.T) {
	d := built(t)
	got := outcomes(t, program.Spec{Name: "faulty-udpdies", Kind: program.UDPServer, Argv: []string{d + "/udpdies"}, Conv: echoColon,
		Known: known("program.udp.survives-port-unreachable", "treats every socket error as fatal: the ICMP port unreachable of one client's closed port ends it")})
	contractPass(t, program.UDPServer, got)
	for id, o := range got {
		if id != "program.udp.survives-port-unreachable" && o != result.Pass && o != result.Info {
			t.Errorf("%s: %q, want pass: only the port-unreachable case names its fault", id, o)
		}
	}
	wantOutcomes(t, got, map[string]result.Outcome{"program.udp.survives-port-unreachable": result.KnownFailure})
}

func TestCorrectServers(t *testing.T) {
	d := built(t)
	py, err := exec.LookPath("python3")
	specs := []program.Spec{}
	if err == nil {
		specs = append(specs,
			program.Spec{Name: "python-tcp-server", Kind: program.TCPServer, Argv: []string{py, filepath.Join(repo(), "impls/programs/python/tcp_server.py"), "--port", "{port}"}, Conv: hello,
				Known: known("program.sockopt.accepted-keepalive", "asyncio sets TCP_NODELAY only: no keep-alive")},
			program.Spec{Name: "python-udp-server", Kind: program.UDPServer, Argv: []string{py, filepath.Join(repo(), "impls/programs/python/udp_server.py"), "--port", "{port}"}, Conv: echoColon},
		)
	} else {
		t.Log("no python3: the Python servers are not run")
	}
	if _, err := os.Stat(d + "/c_tcp_server"); err == nil {
		specs = append(specs,
			program.Spec{Name: "c-tcp-server", Kind: program.TCPServer, Argv: []string{d + "/c_tcp_server", "{port}"}, Conv: hello,
				Known: known("program.sockopt.accepted-keepalive", "POSIX sockets: no keep-alive unless set",
					"program.sockopt.accepted-nodelay", "POSIX sockets: Nagle on unless TCP_NODELAY is set")},
			program.Spec{Name: "c-udp-server", Kind: program.UDPServer, Argv: []string{d + "/c_udp_server", "{port}"}, Conv: echoColon},
		)
	} else {
		t.Log("no cc (or it failed): the C servers are not run")
	}
	for _, spec := range specs {
		t.Run(spec.Name, func(t *testing.T) {
			got := outcomes(t, spec)
			contractPass(t, spec.Kind, got)
		})
	}
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

func TestClients(t *testing.T) {
	d := built(t)
	specs := []program.Spec{
		{Name: "seed-tcpclient", Kind: program.TCPClient, Argv: []string{d + "/tcpclient"}, Port: 8000,
			Known: known("program.client.reply-then-close", "exits 1 through log.Fatalf when the server's EOF ends its read loop: even success is an error exit",
				"program.client.server-half-closes", "exits 1 on the server's EOF",
				"program.client.partial-reply", "exits 1 on the server's EOF, after logging the two parts as two reads")},
	}
	if py, err := exec.LookPath("python3"); err == nil {
		specs = append(specs, program.Spec{Name: "python-tcp-client", Kind: program.TCPClient, Argv: []string{py, filepath.Join(repo(), "impls/programs/python/tcp_client.py")}})
	}
	if _, err := os.Stat(d + "/c_tcp_client"); err == nil {
		specs = append(specs, program.Spec{Name: "c-tcp-client", Kind: program.TCPClient, Argv: []string{d + "/c_tcp_client", "{port}"}})
	}
	for _, spec := range specs {
		t.Run(spec.Name, func(t *testing.T) { outcomes(t, spec) })
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
