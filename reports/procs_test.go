package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness/result"
)

// runReports runs the built report command with args and extra
// environment, for at most limit; it returns the exit status (-1 when it
// had to be killed), its output and how long it took.
func runReports(t *testing.T, limit time.Duration, env []string, args ...string) (int, string, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, reportsBin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = time.Second
	began := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(began)
	if ctx.Err() != nil {
		return -1, string(out), took
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out), took
	}
	require.NoError(t, err)
	return 0, string(out), took
}

// marker is a sleep duration no other process uses, to find the helpers
// a test started.
func marker(secs int) string { return fmt.Sprintf("%d.%06d", secs, rand.IntN(1000000)) }

// alive lists the processes whose command line contains s.
func alive(s string) []string {
	ents, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		cmdline := strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " ")
		if strings.HasPrefix(cmdline, s) && !zombie(pid) {
			out = append(out, fmt.Sprintf("%d %s", pid, cmdline))
		}
	}
	return out
}

func zombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] == 'Z'
}

// killAll kills what a failed test left behind.
func killAll(s string) {
	for _, p := range alive(s) {
		pid, _ := strconv.Atoi(strings.Fields(p)[0])
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// rowsOf returns the report's results for impl.
func rowsOf(t *testing.T, dir, impl string) []result.Result {
	t.Helper()
	var out []result.Result
	for _, r := range readReport(t, dir).Results {
		if r.Impl == impl {
			out = append(out, r)
		}
	}
	return out
}

const fewCases = `^(eof\.read\.after-peer-close|closed\.close\.returns-nil)$`

// TestEscapedProcessDoesNotHoldTheRun: an implementation whose Dial
// starts a helper in a session of its own that keeps the test process's
// stderr or stdout. The report ends within its budget (+5 s), says which
// process held the run with an error row, and nothing the run started is
// left alive (probe: 46 s for a 15 s budget and a pass; with a helper
// that never exits, no end at all).
func TestEscapedProcessDoesNotHoldTheRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a test package through the report command")
	}
	for _, tc := range []struct {
		name, holds string
		secs        int
	}{
		{"stderr-45s", "stderr", 45},
		{"stdout-forever", "stdout", 3600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mark := marker(tc.secs)
			defer killAll("sleep " + mark)
			dir := t.TempDir()
			code, out, took := runReports(t, 70*time.Second, []string{"DAEMON_SLEEP=" + mark, "DAEMON_HOLDS=" + tc.holds},
				"-pkg", "testdata/daemon", "-run", fewCases, "-budget", "15s", "-out", dir)
			t.Logf("took %v", took.Round(time.Millisecond))
			require.NotEqual(t, -1, code, "the report never ended:\n%s", out)
			assert.Less(t, took, 20*time.Second, "the budget (15s) holds:\n%s", out)
			assert.Equal(t, 2, code, out)
			assert.Empty(t, alive("sleep "+mark), "a process of the run is still alive")
			var named bool
			for _, r := range rowsOf(t, dir, "daemon-setsid") {
				if r.Outcome == result.Error && namesProcess(r.Reason+r.Evidence, "sleep "+mark) {
					named = true
				}
			}
			assert.True(t, named, "an error row names the helper:\n%s", out)
		})
	}
}

// TestDaemonizingDriver: a driver whose process leaves a child in a
// session of its own holding its stdin and stdout, and exits. Each case
// is an error naming the child, the report ends within its budget, and no
// child is left (probe: the children outlived the test process).
func TestDaemonizingDriver(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a test package through the report command")
	}
	mark := marker(300)
	defer killAll("sleep " + mark)
	dir := t.TempDir()
	code, out, took := runReports(t, 70*time.Second, []string{"DAEMON_SLEEP=" + mark},
		"-pkg", "testdata/daemondriver", "-run", fewCases, "-budget", "15s", "-out", dir)
	t.Logf("took %v", took.Round(time.Millisecond))
	require.NotEqual(t, -1, code, "the report never ended:\n%s", out)
	assert.Less(t, took, 20*time.Second, out)
	assert.Equal(t, 2, code, out)
	assert.Empty(t, alive("sleep "+mark), "a process of the run is still alive")
	rows := rowsOf(t, dir, "daemon-driver")
	require.NotEmpty(t, rows, out)
	for _, r := range rows {
		assert.Equal(t, result.Error, r.Outcome, r.Format())
		assert.True(t, namesProcess(r.Evidence, "sleep "+mark), "the evidence names the process: %s", r.Format())
	}
}

// namesProcess reports whether text names a process running cmdline as
// evidence does: "pid 1234 (sleep 45)".
func namesProcess(text, cmdline string) bool {
	return regexp.MustCompile(`pid \d+ \(` + regexp.QuoteMeta(cmdline) + `\)`).MatchString(text)
}
