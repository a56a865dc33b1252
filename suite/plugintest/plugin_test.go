package plugintest_test

import (
	"encoding/json"
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
// another module: it makes a temporary module outside the repository (an
// implementation, example.com/myconn) with its conformance test in a
// nested module of its own that requires netconform through a replace
// directive, drops the plug-in snippet in, and runs go test there; then
// the report command's -pkg on that package (the test is TestMyConn, not
// TestConformance); then a downstream module that depends on myconn runs
// go mod tidy without any module lookup: it never inherits netconform.
func TestPluginInExternalModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds separate modules and runs the report command (about 30 s)")
	}
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	dir := t.TempDir()
	write := func(name, text string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	write("myconn/go.mod", "module example.com/myconn\n\ngo 1.26.0\n")
	write("myconn/myconn.go", "// Package myconn is an implementation under test.\npackage myconn\n\n// Version is what users import.\nconst Version = \"1\"\n")
	write("myconn/conformance/go.mod", "module example.com/myconn/conformance\n\ngo 1.26.0\n\nrequire github.com/netconform/netconform v0.1.0\n\nreplace github.com/netconform/netconform => "+root+"\n")
	snippet, err := os.ReadFile(snippetFile)
	require.NoError(t, err)
	write("myconn/conformance/myconn_test.go", string(snippet))
	write("app/go.mod", "module example.com/app\n\ngo 1.26.0\n\nrequire example.com/myconn v0.0.0\n\nreplace example.com/myconn => ../myconn\n")
	write("app/main.go", "package main\n\nimport \"example.com/myconn\"\n\nfunc main() { println(myconn.Version) }\n")
	run := func(in string, env []string, args ...string) string {
		cmd := exec.Command("go", args...)
		cmd.Dir = in
		cmd.Env = append(append(os.Environ(), "GOFLAGS=-mod=mod"), env...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "go %s in %s:\n%s", strings.Join(args, " "), in, out)
		return string(out)
	}
	conf := filepath.Join(dir, "myconn/conformance")
	run(conf, nil, "mod", "tidy")
	out := run(conf, nil, "test", "-count=1", "-v", ".")
	require.Contains(t, out, "--- PASS: TestMyConn/myconn/deadline.read.future-fires")
	require.Contains(t, out, "--- PASS: TestMyConn/myconn/halfclose.closewrite.peer-reads-eof", "a kernel TCP conn has CloseWrite, and the wrapper keeps it")
	require.NotContains(t, out, "--- FAIL")
	t.Logf("external module:\n%s", lastLines(out, 3))

	// The report command finds the implementation of a test that is not
	// named TestConformance.
	rep := filepath.Join(dir, "report")
	out = run(root, nil, "run", "./reports", "-pkg", conf, "-area", "deadline", "-out", rep)
	t.Logf("go run ./reports -pkg:\n%s", lastLines(out, 2))
	js, err := os.ReadFile(filepath.Join(rep, "report.json"))
	require.NoError(t, err)
	var report struct {
		Impls []struct{ Name string }
	}
	require.NoError(t, json.Unmarshal(js, &report))
	require.Len(t, report.Impls, 1)
	require.Equal(t, "myconn", report.Impls[0].Name, "the report has myconn's results")

	// A user of myconn resolves its dependencies with no module lookup at
	// all (GOPROXY=off): netconform is not among them.
	app := filepath.Join(dir, "app")
	run(app, []string{"GOPROXY=off"}, "mod", "tidy")
	run(app, []string{"GOPROXY=off"}, "build", "-o", os.DevNull, ".")
	for _, f := range []string{"go.mod", "go.sum"} {
		b, _ := os.ReadFile(filepath.Join(app, f))
		require.NotContains(t, string(b), "netconform", "the downstream %s names netconform", f)
	}
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}
