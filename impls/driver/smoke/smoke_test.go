package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// build compiles the Go driver, the broken-driver proxy and (when cc and
// libcjson-dev are there) the C driver into a temporary folder.
func build(t *testing.T) (dir string, haveC bool) {
	t.Helper()
	dir = t.TempDir()
	for _, pkg := range []string{"../godriver", "../internal/brokendriver"} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, filepath.Base(pkg)), pkg).CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	err := exec.Command("cc", "-O2", "-o", filepath.Join(dir, "cdriver"), "../cdriver/driver.c", "-lcjson").Run()
	if err != nil && os.Getenv("NETCONFORM_REQUIRE_DRIVERS") != "" {
		t.Fatalf("building the C driver: %v", err)
	}
	return dir, err == nil
}

func smoke(args ...string) (int, string) {
	var out bytes.Buffer
	code := run(append([]string{"--"}, args...), &out, &out)
	return code, out.String()
}

// TestReferenceDriversPass: the reference drivers pass every check.
func TestReferenceDriversPass(t *testing.T) {
	dir, haveC := build(t)
	drivers := map[string][]string{"go": {filepath.Join(dir, "godriver")}}
	if py, err := exec.LookPath("python3"); err == nil {
		drivers["python"] = []string{py, "../pydriver/netconform_driver.py"}
	}
	if haveC {
		drivers["c"] = []string{filepath.Join(dir, "cdriver")}
	}
	for name, argv := range drivers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			code, out := smoke(argv...)
			assert.Equal(t, 0, code, out)
			assert.NotContains(t, out, "FAIL")
			assert.Contains(t, out, "PASS close releases a pending accept")
			assert.Contains(t, out, "PASS reuse", "the reference drivers declare reuse")
		})
	}
}

// TestBrokenDriversFail: each way of breaking the protocol is reported
// in words a driver author can act on, with exit status 1.
func TestBrokenDriversFail(t *testing.T) {
	dir, _ := build(t)
	for _, tc := range []struct {
		mode, on, want string
	}{
		{"garbage", "read", "not a JSON reply"},
		{"wrongid", "write", "which is not a pending request"},
		{"badshape", "accept", "mixes unsupported with result or error"},
		{"badkind", "read", `error kind "reset" disagrees with errno EPIPE`},
		{"crash", "dial", "the driver closed its stdout (exited: exit status 2)"},
		{"hang", "hello", "the first line a driver reads is"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			code, out := smoke(filepath.Join(dir, "brokendriver"), "-mode="+tc.mode, "-on="+tc.on, "--", filepath.Join(dir, "godriver"))
			assert.Equal(t, 1, code, out)
			assert.Contains(t, out, tc.want)
			assert.Contains(t, out, "FAIL")
			if tc.mode == "crash" {
				assert.Contains(t, out, "driver stderr (end):", "the driver's stderr is shown")
			}
		})
	}
	t.Run("usage", func(t *testing.T) {
		var out bytes.Buffer
		assert.Equal(t, 2, run(nil, &out, &out))
		assert.True(t, strings.Contains(out.String(), "usage:"))
	})
}

// TestReuseOfALeakyDriverFails: a driver that declares reuse but keeps a
// closed handle's socket open (here the Python driver with its close
// keeping a duplicate) fails the reuse check.
func TestReuseOfALeakyDriverFails(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	src, err := os.ReadFile("../pydriver/netconform_driver.py")
	require.NoError(t, err)
	const closeSock = "        self.forget(h.sock)\n        h.sock.close()\n"
	require.Equal(t, 1, bytes.Count(src, []byte(closeSock)), "the Python driver's close, which this test changes")
	leaky := bytes.Replace(src, []byte(closeSock), []byte("        self.forget(h.sock)\n        KEPT.append(h.sock.dup())\n        h.sock.close()\n"), 1)
	leaky = append([]byte("KEPT = []\n"), leaky...)
	path := filepath.Join(t.TempDir(), "leaky_driver.py")
	require.NoError(t, os.WriteFile(path, leaky, 0o600))
	code, out := smoke(py, path)
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "FAIL reuse")
	assert.Contains(t, out, "must close a handle's socket when the handle is closed")
}
