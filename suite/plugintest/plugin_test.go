package plugintest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const snippetFile = "../testdata/plugin/plugin_test.go"

// TestREADMEShowsThePluginSnippet keeps README's plug-in example identical
// to the file TestPluginInExternalModule compiles and runs.
func TestREADMEShowsThePluginSnippet(t *testing.T) {
	snippet, err := os.ReadFile(snippetFile)
	require.NoError(t, err)
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	require.Contains(t, string(readme), "```go\n"+string(snippet)+"```",
		"README.md must show %s verbatim in a go code block", snippetFile)
	lines := strings.Count(funcBody(string(snippet)), "\n")
	require.LessOrEqual(t, lines, 15, "the plug-in (the test function) must fit in 15 lines")
}

func funcBody(s string) string {
	i := strings.Index(s, "func Test")
	return s[i:]
}

// TestPluginInExternalModule proves the README's instructions work from
// another module: it makes a temporary module outside the repository that
// requires netconform through a replace directive, drops the plug-in
// snippet in, and runs go test there.
func TestPluginInExternalModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a separate module (about 10 s)")
	}
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	dir := t.TempDir()
	gomod := "module example.com/myconn\n\ngo 1.26.0\n\nrequire github.com/netconform/netconform v0.1.0\n\nreplace github.com/netconform/netconform => " + root + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644))
	snippet, err := os.ReadFile(snippetFile)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "myconn_test.go"), snippet, 0o644))
	run := func(args ...string) string {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "go %s in the external module:\n%s", strings.Join(args, " "), out)
		return string(out)
	}
	run("mod", "tidy")
	out := run("test", "-count=1", "-v", ".")
	require.Contains(t, out, "--- PASS: TestMyConn/myconn/deadline.read.future-fires")
	require.Contains(t, out, "--- PASS: TestMyConn/myconn/halfclose.closewrite.peer-reads-eof", "a kernel TCP conn has CloseWrite, and the wrapper keeps it")
	require.NotContains(t, out, "--- FAIL")
	t.Logf("external module:\n%s", lastLines(out, 3))
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}
