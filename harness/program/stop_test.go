package program

import (
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
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
