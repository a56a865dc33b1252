package programtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/netconform/netconform/harness/proc"
)

// Built example programs are kept between runs in the user's cache
// directory, as the report keeps test binaries (NETCONFORM_BINCACHE=off
// turns both off): a report row, a process of its own, builds its one
// program, and linking it again costs ~0.3 s of CPU each time. A Go
// program is built in place there, so that go build's own check finds it
// up to date and does not link; a C program is kept under a hash of its
// source and compiler. A run hard-links (or copies) the cached binary
// into its own directory, so that a later build replacing the cached file
// never touches a program running.

// programCache is the cache's directory, "" when it is off or there is no
// user cache directory.
func programCache() string {
	if os.Getenv("NETCONFORM_BINCACHE") == "off" {
		return ""
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "netconform", "programs")
}

// cachedBuild builds name into p through the cache: build makes the
// binary at the path it is given. Without a cache it builds into p.
func cachedBuild(p, name, key string, build func(out string) error) error {
	dir := programCache()
	if dir == "" || os.MkdirAll(dir, 0o755) != nil {
		return build(p)
	}
	sum := sha256.Sum256([]byte(key))
	cached := filepath.Join(dir, name+"-"+hex.EncodeToString(sum[:8]))
	unlock, err := lockFile(cached + ".lock")
	if err != nil {
		return build(p)
	}
	defer unlock()
	if err := build(cached); err != nil {
		os.Remove(cached)
		return err
	}
	if os.Link(cached, p) == nil {
		return nil
	}
	return proc.CopyExecutable(cached, p)
}

// goBuildKey is what a Go program's cached path depends on: the package,
// and the directory a relative package is resolved from. What it is
// built from, go build checks itself.
func goBuildKey(src string) string {
	wd, _ := os.Getwd()
	return "go\x00" + src + "\x00" + wd
}

// cBuildKey is what a C program's cached binary depends on: the compiler,
// its flags, and the source's content (the programs include only system
// headers).
func cBuildKey(cc string, flags []string, src string) (string, error) {
	b, err := os.ReadFile(src)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("cc\x00%s\x00%s\x00%s", cc, strings.Join(flags, "\x00"), b), nil
}

// lockFile takes an exclusive lock on path, created if need be, for the
// processes building the same program at once.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// run runs cmd, its output the error's text when it fails.
func run(cmd *exec.Cmd) error {
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}

// TestProgramCache: a program built a second time, into another run's
// directory, comes from the cache unchanged (not linked or compiled
// again), and each run's copy is its own directory entry.
func TestProgramCache(t *testing.T) {
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	require.NoError(t, err)
	t.Setenv("GOCACHE", strings.TrimSpace(string(gocache))) // the go command's cache stays where it is
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("NETCONFORM_BINCACHE", "")
	names := []string{"tcpserver"}
	if _, err := exec.LookPath("cc"); err == nil {
		names = append(names, "c_tcp_server")
	}
	for _, name := range names {
		first, err := buildProgram(t.TempDir(), name)
		require.NoError(t, err)
		cached := cachedFiles(t)
		require.Len(t, cached, len(names[:slices.Index(names, name)+1]), "one cached binary a program: %v", cached)
		before := fileIDs(t, cached)
		second, err := buildProgram(t.TempDir(), name)
		require.NoError(t, err)
		require.NotEqual(t, first, second)
		require.Equal(t, before, fileIDs(t, cachedFiles(t)), "%s was built again (a new file replaced the cached one)", name)
		for _, p := range []string{first, second} {
			fi, err := os.Stat(p)
			require.NoError(t, err)
			require.NotZero(t, fi.Mode()&0o100, "%s is not executable", p)
		}
	}
}

// cachedFiles lists the cache's binaries (not its lock files).
func cachedFiles(t *testing.T) []string {
	ents, err := os.ReadDir(programCache())
	require.NoError(t, err)
	var out []string
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".lock") {
			out = append(out, filepath.Join(programCache(), e.Name()))
		}
	}
	return out
}

// fileIDs are the inodes of paths: a build replaces a file, which go
// build's up-to-date check only touches.
func fileIDs(t *testing.T, paths []string) map[string]uint64 {
	out := map[string]uint64{}
	for _, p := range paths {
		var st unix.Stat_t
		require.NoError(t, unix.Stat(p, &st))
		out[p] = st.Ino
	}
	return out
}
