package programtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/netconform/netconform/harness/proc"
)

// nobody is the unprivileged user the rootless run uses.
const nobody = 65534

// TestRootless runs one example program's cases as an unprivileged user:
// each case's network namespace then comes with a user namespace of its
// own (harness/sysobs), and the program's outcomes must be the same as
// root's (its check: only the case that names its fault fails). It needs
// root to switch users; an unprivileged go test is the rootless run
// already.
func TestRootless(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("not root: every run here is the rootless one")
	}
	if child() {
		t.Skip("isolated child")
	}
	if testing.Short() {
		t.Skip("runs a program's cases in a second test process (about 15 s)")
	}
	d := built(t)
	// Everything the unprivileged process runs or writes must be its to
	// reach: a copy of this test binary and of the programs, a temp dir.
	dir := t.TempDir()
	for _, p := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "programtest.test")
	mustCopy(t, os.Args[0], bin)
	progs := filepath.Join(dir, "programs")
	if err := os.Mkdir(progs, 0o755); err != nil {
		t.Fatal(err)
	}
	mustCopy(t, needProgram(t, d, "noreuseaddr"), filepath.Join(progs, "noreuseaddr"))
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(tmp, 0o777); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestExamplePrograms$/^faulty-noreuseaddr$", "-test.v", "-test.count=1", "-test.timeout=2m")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), envBuilt+"="+progs, "TMPDIR="+tmp, "HOME="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	text := string(out)
	if err != nil {
		t.Fatalf("faulty-noreuseaddr as uid %d: %v\n%s", nobody, err, tail(text, 60))
	}
	for _, want := range []string{
		"--- PASS: TestExamplePrograms/faulty-noreuseaddr/program.serve.one-client",
		"--- SKIP: TestExamplePrograms/faulty-noreuseaddr/program.timewait.restart-same-port",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("as uid %d, the output lacks %q:\n%s", nobody, want, tail(text, 60))
		}
	}
}

func mustCopy(t *testing.T, from, to string) {
	t.Helper()
	if err := proc.CopyExecutable(from, to); err != nil {
		t.Fatal(err)
	}
}

func tail(s string, n int) string {
	l := strings.Split(s, "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}
