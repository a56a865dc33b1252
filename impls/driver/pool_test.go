package driver_test

import (
	"context"
	"encoding/json"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/sysobs"
	"github.com/netconform/netconform/impls/driver"
	"github.com/netconform/netconform/suite"
)

// TestPoolKeepsOnlyCleanProcesses: a driver process serves another case
// only while it holds no socket a case opened, has no request pending and
// has started no process of its own.
func TestPoolKeepsOnlyCleanProcesses(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the pool reads the driver's sockets from /proc: Linux only")
	}
	t.Parallel()
	pp, err := driver.StartPoolProc(mustBin(t, "godriver"))
	require.NoError(t, err)
	defer pp.Stop()
	require.True(t, pp.Clean(), "a driver that has only answered hello")

	call := func(req driver.Request) driver.Result {
		t.Helper()
		r, err := pp.Call(req)
		require.NoError(t, err)
		require.Nil(t, r.Error, "%v", req)
		var res driver.Result
		require.NoError(t, json.Unmarshal(r.Result, &res))
		return res
	}
	ln := call(driver.Request{"op": "listen", "network": "tcp4", "addr": "127.0.0.1:0"})
	assert.False(t, pp.Clean(), "a listener is open")
	c := call(driver.Request{"op": "dial", "network": "tcp4", "addr": ln.Addr})
	s := call(driver.Request{"op": "accept", "h": ln.H})
	read := make(chan error, 1)
	go func() {
		_, err := pp.Call(driver.Request{"op": "read", "h": s.H, "n": 8})
		read <- err
	}()
	call(driver.Request{"op": "close", "h": c.H})
	call(driver.Request{"op": "close", "h": ln.H})
	require.NoError(t, <-read) // answered: end of stream
	assert.False(t, pp.Clean(), "an accepted conn is still open")
	call(driver.Request{"op": "close", "h": s.H})
	assert.True(t, pp.Clean(), "every socket the case opened is closed")

	// A driver behind a wrapper process (the proxy in front of the Go
	// driver) is never kept: the pool cannot see the wrapped process's
	// sockets, and nothing a driver starts may outlive its case.
	wrapped, err := driver.StartPoolProc(mustBin(t, "brokendriver"), "--", mustBin(t, "godriver"))
	require.NoError(t, err)
	defer wrapped.Stop()
	assert.False(t, wrapped.Clean(), "a driver with a process of its own")
}

// TestProcessesServeManyCases: cases that end cleanly share driver
// processes, and Close (which suite.Run calls after the last case) stops
// the idle ones.
func TestProcessesServeManyCases(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the pool reads the driver's sockets from /proc: Linux only")
	}
	im := goDriver(t)
	var cases []string
	for _, id := range []string{"eof.read.after-peer-close", "closed.read.after-close", "halfclose.closewrite.peer-reads-eof"} {
		if _, ok := suite.Lookup(id); ok {
			cases = append(cases, id)
		}
	}
	require.Len(t, cases, 3, "the cases this test runs")
	before := driver.Started()
	const rounds = 3
	for range rounds {
		for _, id := range cases {
			c, _ := suite.Lookup(id)
			for _, role := range c.RolesFor(&im) {
				res := testRunner.Run(context.Background(), &im, c, role)
				require.Equal(t, result.Pass, res.Outcome, res.Format())
			}
		}
	}
	n := driver.Started() - before
	assert.LessOrEqual(t, n, int64(2), "driver processes started for %d rounds of %d cases", rounds, len(cases))
	assert.NotZero(t, godrivers(t), "an idle process is kept for the next case")
	im.Close()
	assert.Zero(t, godrivers(t), "Close stops the idle processes")

	// The same driver without "reuse": true in its hello: a process per case.
	plain, err := (&driver.Driver{Argv: []string{mustBin(t, "godriver")}, Hello: driver.Hello{
		Protocol: driver.Version, Name: "driver-go", Version: "test", Language: "Go",
		Caps: im.Caps.List(), CloseMode: string(im.CloseMode),
	}}).Impl()
	require.NoError(t, err)
	c, _ := suite.Lookup(cases[0])
	before = driver.Started()
	for range 3 {
		res := testRunner.Run(context.Background(), &plain, c, harness.RoleClient)
		require.Equal(t, result.Pass, res.Outcome, res.Format())
	}
	assert.Equal(t, int64(3), driver.Started()-before, "a driver that does not declare reuse starts a process per case")
	assert.Zero(t, godrivers(t), "and none is kept")
	plain.Close()
}

// godrivers counts the Go driver processes running below this one.
func godrivers(t *testing.T) int {
	t.Helper()
	procs, err := sysobs.Descendants(os.Getpid())
	require.NoError(t, err)
	n := 0
	for _, p := range procs {
		if p.State != 'Z' && strings.HasSuffix(strings.Fields(sysobs.Cmdline(p.PID) + " x")[0], "/godriver") {
			n++
		}
	}
	return n
}

// TestWritingToStderrEndsReuse: a driver process that wrote to stderr
// during a case serves no other (what it wrote is that case's evidence,
// and may say something went wrong): the Python reference driver, which
// declares reuse, behind a wrapper that writes a line to stderr for every
// request it reads, starts a process per case; without the wrapper, the
// same driver's process serves them all.
func TestWritingToStderrEndsReuse(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the pool reads the driver's sockets from /proc: Linux only")
	}
	argv, why := references[1].argv(t)
	if why != "" {
		t.Skip(why)
	}
	py, script := argv[0], argv[len(argv)-1]
	// os.read is how the driver reads its requests (fd 0); its sockets use
	// recv.
	wrapper := `import os, runpy, sys
_read = os.read
def read(fd, n):
    b = _read(fd, n)
    if fd == 0 and b:
        os.write(2, b"request\n")
    return b
os.read = read
sys.argv = [sys.argv[1]]
runpy.run_path(sys.argv[0], run_name="__main__")`
	c, ok := suite.Lookup("eof.read.after-peer-close")
	require.True(t, ok)
	started := func(argv ...string) int64 {
		im, err := driver.New(argv...)
		require.NoError(t, err)
		defer im.Close()
		before := driver.Started()
		for range 3 {
			res := testRunner.Run(context.Background(), &im, c, harness.RoleClient)
			require.Equal(t, result.Pass, res.Outcome, res.Format())
		}
		return driver.Started() - before
	}
	assert.Equal(t, int64(3), started(py, "-S", "-c", wrapper, script), "a process that wrote to stderr during its case is not reused")
	assert.LessOrEqual(t, started(py, "-S", script), int64(1), "the same driver, silent, is reused")
}
