package driver_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/impls/driver"
	"github.com/netconform/netconform/suite"
)

// alive lists the processes whose command line contains s.
func alive(s string) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !strings.HasPrefix(strings.ReplaceAll(string(b), "\x00", " "), s) {
			continue
		}
		st, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if i := strings.LastIndexByte(string(st), ')'); err == nil && i > 0 && i+2 < len(st) && st[i+2] != 'Z' {
			out = append(out, pid)
		}
	}
	return out
}

func killAll(s string) {
	for _, pid := range alive(s) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// TestDriverDescendantsDieWithTheCase: a driver that starts a helper in a
// session of its own (out of its process group), holding its stdout and
// stderr: when the case ends, the helper is gone too (probe: it outlived
// the test process).
func TestDriverDescendantsDieWithTheCase(t *testing.T) {
	c, ok := suite.Lookup("eof.read.after-peer-close")
	require.True(t, ok)
	mark := fmt.Sprintf("300.%06d", rand.IntN(1000000))
	defer killAll("sleep " + mark)
	im, err := driver.New(mustBin(t, "brokendriver"), "-mode=daemon", "-on=read", "-daemon="+mark, "--", mustBin(t, "godriver"))
	require.NoError(t, err)
	began := time.Now()
	res := testRunner.Run(context.Background(), &im, c, harness.RoleClient)
	t.Logf("%s in %v", res.Outcome, time.Since(began).Round(time.Millisecond))
	assert.Less(t, time.Since(began), driver.Watchdog(15*time.Second))
	assert.Empty(t, alive("sleep "+mark), "the helper outlived the case")
	assert.NotEqual(t, result.Timeout, res.Outcome, res.Format())
}

// TestDriverOutputMustBeUTF8: a reply whose strings are not UTF-8 breaks
// the protocol (PROTOCOL.md: NDJSON, UTF-8) (probe: accepted silently).
func TestDriverOutputMustBeUTF8(t *testing.T) {
	c, ok := suite.Lookup("eof.read.after-peer-close")
	require.True(t, ok)
	im, err := driver.New(mustBin(t, "brokendriver"), "-mode=badutf8", "-on=read", "--", mustBin(t, "godriver"))
	require.NoError(t, err)
	res := testRunner.Run(context.Background(), &im, c, harness.RoleClient)
	assert.Equal(t, result.Error, res.Outcome, res.Format())
	assert.Contains(t, res.Evidence, "not UTF-8", res.Format())
}

// TestDriverHelperHoldingItsOutput: a driver that starts a helper in a
// session of its own, holding its stderr (or its stdout and stderr), then
// serves. driver.New and each case end in bounded time, whatever the
// helper holds, and the helper dies with the driver (probe: a helper
// inheriting stderr blocked driver.New for 40 s).
func TestDriverHelperHoldingItsOutput(t *testing.T) {
	c, ok := suite.Lookup("eof.read.after-peer-close")
	require.True(t, ok)
	for name, redirect := range map[string]string{"stderr": ">/dev/null", "stdout-and-stderr": ""} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			mark := fmt.Sprintf("40.%06d", rand.IntN(1000000))
			defer killAll("sleep " + mark)
			began := time.Now()
			im, err := driver.New("/bin/sh", "-c", "setsid sleep "+mark+" "+redirect+" </dev/null & exec "+mustBin(t, "godriver"))
			require.NoError(t, err)
			t.Logf("driver.New in %v", time.Since(began).Round(time.Millisecond))
			assert.Less(t, time.Since(began), driver.Watchdog(5*time.Second))
			assert.Empty(t, alive("sleep "+mark), "the helper outlived driver.New")

			began = time.Now()
			res := testRunner.Run(context.Background(), &im, c, harness.RoleClient)
			t.Logf("%s in %v", res.Outcome, time.Since(began).Round(time.Millisecond))
			assert.Equal(t, result.Pass, res.Outcome, res.Format())
			assert.Less(t, time.Since(began), driver.Watchdog(5*time.Second))
			assert.Empty(t, alive("sleep "+mark), "the helper outlived the case")
		})
	}
}

// TestDriverExitsWhileItsHelperHoldsStdout: a driver that exits at once,
// leaving a helper in a session of its own that holds its stdout. The
// session is broken because the driver exited with a request pending,
// naming the helper, not a timeout; and the helper is killed (probe:
// reported as a timeout, the helper left running; PROTOCOL.md promises
// "exited while requests were pending").
func TestDriverExitsWhileItsHelperHoldsStdout(t *testing.T) {
	t.Parallel() // it waits out the settle time (12 s under the race detector in CI), beside the other tests that wait
	mark := fmt.Sprintf("30.%06d", rand.IntN(1000000))
	defer killAll("sleep " + mark)
	began := time.Now()
	_, err := driver.New("/bin/sh", "-c", "setsid sleep "+mark+" & exit 3")
	require.Error(t, err)
	t.Logf("%v in %v", err, time.Since(began).Round(time.Millisecond))
	assert.Contains(t, err.Error(), "exited: exit status 3 while 1 request(s) were pending")
	assert.Regexp(t, `pid \d+ \(sleep `+regexp.QuoteMeta(mark)+`\) still holds its stdout open`, err.Error())
	assert.Less(t, time.Since(began), driver.Watchdog(8*time.Second))
	assert.Empty(t, alive("sleep "+mark), "the helper outlived the session")
}
