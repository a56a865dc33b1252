package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBinaryCache: a test binary is linked once and then copied from the
// cache while nothing it is built from changes; a change to a package it
// imports, or to the build environment, builds it again;
// NETCONFORM_BINCACHE=off turns the cache off.
func TestBinaryCache(t *testing.T) {
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	require.NoError(t, err)
	t.Setenv("GOCACHE", strings.TrimSpace(string(gocache))) // XDG_CACHE_HOME would move go's build cache too: an empty one compiles the standard library again
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	mod := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(mod, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(mod, name), []byte(text), 0o644))
	}
	write("go.mod", "module example.com/cached\n\ngo 1.24\n")
	write("dep/dep.go", "package dep\n\nconst Answer = 42\n")
	write("t/t_test.go", "package t\n\nimport (\n\t\"testing\"\n\n\t\"example.com/cached/dep\"\n)\n\nfunc TestAnswer(t *testing.T) { _ = dep.Answer }\n")
	tmp := t.TempDir()
	env, err := goEnvIn(tmp)
	require.NoError(t, err)

	run := func(env []string) bool {
		t.Helper()
		b := &testBinary{module: mod, pkg: "./t"}
		cached, err := build(b, tmp, 0, env)
		require.NoError(t, err)
		info, err := os.Stat(b.path)
		require.NoError(t, err)
		require.NotZero(t, info.Mode()&0o100, "the binary is not executable")
		return cached
	}
	require.False(t, run(env), "first build")
	require.True(t, run(env), "same sources")
	write("dep/dep.go", "package dep\n\nconst Answer = 43\n")
	require.False(t, run(env), "a dependency changed")
	require.True(t, run(env), "same sources again")
	require.False(t, run(append(env, "GOFLAGS=-ldflags=-X=main.unused=1")), "another build environment") // flags that only link: -tags would compile the standard library again
	t.Setenv(envBinCache, "off")
	require.Empty(t, binCacheDir(), "cache off")
}
