package program

import (
	"context"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/netconform/netconform/harness/sysobs"
)

// TestStopKillsTheTree: a program that starts children, one of them in a
// session of its own, is killed whole; its output tail and how it ended
// are the evidence.
func TestStopKillsTheTree(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("process trees are found through /proc")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	setsid, _ := exec.LookPath("setsid")
	script := `echo started on $PORT; sleep 60 & sleep 60`
	if setsid != "" {
		script = `echo started on $PORT; ` + setsid + ` sleep 61 & sleep 60 & sleep 60`
	}
	r, err := Start(&Spec{Name: "tree", Kind: TCPClient, Argv: []string{sh, "-c", script}, Port: 9})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(r.Output(), "started on 9") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if escaped := r.Stop(); len(escaped) > 0 {
		t.Errorf("Stop() left %v alive", escaped)
	}
	if done, _ := r.Exited(); !done {
		t.Error("the root is still running after Stop")
	}
	ev := r.Evidence()
	for _, want := range []string{"signal: killed", "started on 9"} {
		if !strings.Contains(ev, want) {
			t.Errorf("Evidence() = %q, want it to contain %q", ev, want)
		}
	}
	if escaped := r.Stop(); len(escaped) > 0 {
		t.Errorf("second Stop() = %v", escaped)
	}
}

// TestFreezeHoldsTheProgram: every process of a frozen program is stopped
// (each of its threads) until thaw, and then runs on.
func TestFreezeHoldsTheProgram(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("processes are stopped through signals and /proc")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	r, err := Start(&Spec{Name: "ticker", Kind: TCPClient, Argv: []string{sh, "-c", `sleep 60 & while :; do echo tick; sleep 0.01; done`}, Port: 9})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	ticks := func() int { return strings.Count(r.Output(), "tick") }
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 10 s", what)
			}
		}
	}
	waitFor("the program ticks, its child started", func() bool { return ticks() > 0 && len(r.pids()) >= 2 })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	thaw, err := r.Freeze(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pids := r.pids()
	for _, pid := range pids {
		if !sysobs.Frozen(pid) {
			t.Errorf("pid %d runs after Freeze", pid)
		}
	}
	frozenAt := ticks()
	thaw()
	thaw() // twice is once
	waitFor("the root thawed", func() bool { return !sysobs.Frozen(r.Pid()) })
	waitFor("ticks again", func() bool { return ticks() > frozenAt })
	if !strings.Contains(r.Evidence(), "frozen (SIGSTOP): ") {
		t.Errorf("Evidence() = %q, want the freeze noted", r.Evidence())
	}
}
