package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// leftIn lists what is in dir.
func leftIn(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// suiteBinary builds the suite's test binary into dir.
func suiteBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "suite.test")
	cmd := exec.Command("go", "test", "-c", "-o", bin, "./suite")
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// startSuite runs the suite's isolated cases (each writes its result to a
// temporary file) with TMPDIR set to tmp.
func startSuite(t *testing.T, bin, tmp string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "-test.run=^TestConformance$")
	cmd.Dir = "../suite"
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "NETCONFORM_AREAS=fault,wire")
	require.NoError(t, cmd.Start())
	return cmd
}

// waitForEntries waits until dir holds something (a case's temporary
// file), for at most a minute.
func waitForEntries(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for len(leftIn(t, dir)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no temporary file appeared in a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestInterruptedTestProcessLeavesNoFiles: SIGINT to a test process in
// the middle of isolated cases removes their temporary files; after a
// SIGKILL, the files carry the dead process's PID and the next run
// removes them (probes: 11 netconform-result-*.json left by SIGINT at
// 3 s, 21 by SIGKILL). The signals come once the first file exists (and,
// with NETCONFORM_LONG_PROBES, 3 s later, as in the probes).
func TestInterruptedTestProcessLeavesNoFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the suite")
	}
	bin := suiteBinary(t, t.TempDir())
	tmp := t.TempDir()
	settle := func() {
		waitForEntries(t, tmp)
		if longProbes {
			time.Sleep(3 * time.Second)
		}
	}

	cmd := startSuite(t, bin, tmp)
	settle()
	t.Logf("SIGINT with %d entries in TMPDIR", len(leftIn(t, tmp)))
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	cmd.Wait()
	assert.Empty(t, leftIn(t, tmp), "after SIGINT")

	cmd = startSuite(t, bin, tmp)
	settle()
	require.NoError(t, cmd.Process.Kill())
	cmd.Wait()
	left := leftIn(t, tmp)
	t.Logf("after SIGKILL: %d entries left: %v", len(left), left)
	require.NotEmpty(t, left, "a SIGKILL leaves the files of the cases running")

	again := exec.Command(bin, "-test.run=^TestConformance$/^std-tcp$/^fault")
	again.Dir = "../suite"
	again.Env = append(os.Environ(), "TMPDIR="+tmp, "NETCONFORM_CASES=^fault\\.dial\\.timeout-contract$", "NETCONFORM_AREAS=fault")
	out, err := again.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Empty(t, leftIn(t, tmp), "the next run removes what the killed one left")
}

// TestInterruptedReportLeavesNoFiles: SIGINT to the report command while
// it runs implementations removes its build and run directories, and kills
// every process it started (probe: 50–80 MB of directories left).
func TestInterruptedReportLeavesNoFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the suite through the report command")
	}
	tmp := t.TempDir()
	cmd := exec.Command(reportsBin, "-pkg", "suite", "-impl", "^(std-tcp|pipe)$", "-area", "deadline,fault", "-out", t.TempDir())
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	running := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		once := false
		for sc.Scan() {
			if strings.Contains(sc.Text(), "running") && !once {
				once = true
				close(running)
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case <-running:
	case <-time.After(2 * time.Minute):
		t.Fatal("the report command never started running an implementation")
	}
	time.Sleep(2 * time.Second)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	began := time.Now()
	err = cmd.Wait()
	t.Logf("ended %v after SIGINT: %v", time.Since(began).Round(time.Millisecond), err)
	assert.Less(t, time.Since(began), 10*time.Second)
	assert.Empty(t, leftIn(t, tmp), "after SIGINT")
	time.Sleep(500 * time.Millisecond)
	assert.Empty(t, alive(tmp), "processes the report command started are still running")
	killAll(tmp)
}
