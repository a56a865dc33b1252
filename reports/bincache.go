package main

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/netconform/netconform/harness/proc"
)

// Test binaries are kept between runs, by a hash of what they are built
// from: every file of every package the test binary links that is not
// the standard library's (a module in the module cache counts by its path
// and version, which it never changes under; anything else by its
// content), the Go version and the build environment (GOFLAGS,
// CGO_ENABLED, CC, GOOS, GOARCH, …). A binary whose hash is in the cache
// is copied from it instead of being linked again, which costs seconds
// for a large module. NETCONFORM_BINCACHE=off turns the cache off; it
// lives in the user's cache directory and keeps the newest binCacheKeep.
const (
	envBinCache  = "NETCONFORM_BINCACHE"
	binCacheKeep = 12
)

// binCacheDir is the cache's directory, or "" when it is off or there is
// no user cache directory.
func binCacheDir() string {
	if os.Getenv(envBinCache) == "off" {
		return ""
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "netconform", "testbin")
}

// listedPkg is what the hash reads of a package (go list -json).
type listedPkg struct {
	ImportPath string
	Dir        string
	Standard   bool
	Module     *struct {
		Path, Version string
		Replace       *struct{ Path, Version string }
	}
	GoFiles, CgoFiles, CFiles, HFiles, SFiles, CXXFiles, EmbedFiles []string
	TestGoFiles, XTestGoFiles, IgnoredGoFiles                       []string
}

// binaryKey hashes what b's test binary is built from, in env.
func binaryKey(b *testBinary, env []string) (string, error) {
	h := sha256.New()
	cmd := exec.Command("go", "env", "GOVERSION", "GOFLAGS", "GOOS", "GOARCH", "GOAMD64", "CGO_ENABLED", "CC", "CGO_CFLAGS", "CGO_LDFLAGS", "GOEXPERIMENT", "GOMOD", "GOWORK")
	cmd.Dir, cmd.Env = b.module, env
	out, err := output(cmd, false)
	if err != nil {
		return "", fmt.Errorf("go env: %v", err)
	}
	fmt.Fprintf(h, "go env\n%s\npkg %s\n", out, b.pkg)
	for _, f := range []string{"go.mod", "go.sum", "go.work", "go.work.sum"} {
		hashFile(h, filepath.Join(b.module, f))
	}
	cmd = exec.Command("go", "list", "-deps", "-test", "-json=ImportPath,Dir,Standard,Module,GoFiles,CgoFiles,CFiles,HFiles,SFiles,CXXFiles,EmbedFiles,TestGoFiles,XTestGoFiles,IgnoredGoFiles", b.pkg)
	cmd.Dir, cmd.Env = b.module, env
	if out, err = output(cmd, false); err != nil {
		return "", fmt.Errorf("go list -deps -test %s: %v", b.pkg, err)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return "", fmt.Errorf("go list -deps -test %s: %v", b.pkg, err)
		}
		if p.Standard {
			continue // the Go version says what it is
		}
		fmt.Fprintf(h, "package %s\n", p.ImportPath)
		if m := p.Module; m != nil && m.Replace == nil && m.Version != "" {
			fmt.Fprintf(h, "module %s@%s\n", m.Path, m.Version)
			continue
		}
		files := slices.Concat(p.GoFiles, p.CgoFiles, p.CFiles, p.HFiles, p.SFiles, p.CXXFiles, p.EmbedFiles, p.TestGoFiles, p.XTestGoFiles, p.IgnoredGoFiles)
		slices.Sort(files)
		for _, f := range slices.Compact(files) {
			fmt.Fprintf(h, "file %s\n", f)
			hashFile(h, filepath.Join(p.Dir, f))
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashFile adds the content of the file at path to h ("absent" if it
// cannot be read).
func hashFile(h io.Writer, path string) {
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(h, "absent %s\n", filepath.Base(path))
		return
	}
	defer f.Close()
	fmt.Fprintf(h, "content %s\n", filepath.Base(path))
	io.Copy(h, f)
}

// fromCache copies the binary of key to path; false when it is not there.
func fromCache(dir, key, path string) bool {
	if dir == "" || key == "" {
		return false
	}
	src := filepath.Join(dir, key+".test")
	if err := proc.CopyExecutable(src, path); err != nil {
		return false
	}
	now := time.Now()
	os.Chtimes(src, now, now) // the newest are kept
	return true
}

// toCache keeps the binary at path under key, and drops the oldest
// binaries beyond binCacheKeep.
func toCache(dir, key, path string) {
	if dir == "" || key == "" || os.MkdirAll(dir, 0o755) != nil {
		return
	}
	tmp := filepath.Join(dir, fmt.Sprintf(".%s.%d", key, os.Getpid()))
	if err := proc.CopyExecutable(path, tmp); err != nil {
		os.Remove(tmp)
		return
	}
	if os.Rename(tmp, filepath.Join(dir, key+".test")) != nil {
		os.Remove(tmp)
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type kept struct {
		name string
		mod  int64
	}
	var bins []kept
	for _, e := range entries {
		if info, err := e.Info(); err == nil && strings.HasSuffix(e.Name(), ".test") {
			bins = append(bins, kept{e.Name(), info.ModTime().UnixNano()})
		}
	}
	slices.SortFunc(bins, func(a, b kept) int { return cmp.Compare(b.mod, a.mod) })
	for _, old := range bins[min(len(bins), binCacheKeep):] {
		os.Remove(filepath.Join(dir, old.name))
	}
}
