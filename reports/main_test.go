package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/reports/render"
)

func runCmd(t *testing.T, args ...string) (int, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	code, err := run(args, &out, &errb)
	return code, out.String() + errb.String(), err
}

func TestExitTwoWhenTheHarnessCannotRun(t *testing.T) {
	for name, args := range map[string][]string{
		"bad flag":             {"-no-such-flag"},
		"stray argument":       {"extra"},
		"filter matches none":  {"-run", "^no\\.such\\.case$"},
		"area matches none":    {"-area", "nosuch"},
		"bad regexp":           {"-impl", "("},
		"missing -from file":   {"-from", filepath.Join(t.TempDir(), "missing.jsonl")},
		"no implementation":    {"-impl", "^no-such-impl$", "-area", "closed", "-out", t.TempDir()},
		"non-json -from input": {"-from", writeFile(t, "plain.txt", "=== RUN TestX\n"), "-out", t.TempDir()},
	} {
		t.Run(name, func(t *testing.T) {
			code, _, err := runCmd(t, args...)
			require.Equal(t, 2, code, "%v", err)
			require.Error(t, err)
		})
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

// goTestJSON runs the suite under go test -json, as a user would, for the
// pipe implementation's closed cases.
func goTestJSON(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("go", "test", "-json", "-count=1", "-run", "^TestConformance$/^pipe$", "./suite")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "NETCONFORM_AREAS=closed")
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() != 1 {
		t.Fatalf("go test -json: %v\n%s", err, ee.Stderr)
	}
	return writeFile(t, "run.jsonl", string(out))
}

func TestFromGoTestJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test")
	}
	in := goTestJSON(t)
	out := t.TempDir()
	code, msg, err := runCmd(t, "-from", in, "-out", out)
	require.NoError(t, err, msg)
	require.Equal(t, 0, code, msg)
	f, err := os.Open(filepath.Join(out, "report.json"))
	require.NoError(t, err)
	defer f.Close()
	rep, err := render.ReadJSON(f)
	require.NoError(t, err)
	require.Len(t, rep.Impls, 1)
	require.Equal(t, "pipe", rep.Impls[0].Name)
	require.Equal(t, len(rep.Impls[0].Planned), len(rep.Results), "every planned result is there")
	require.Positive(t, rep.Footer.ByOutcome[result.KnownFailure], "net.Pipe's declared divergences show as known failures")
	for _, name := range []string{"README.md", "index.html", "junit.xml", "report.schema.json"} {
		_, err := os.Stat(filepath.Join(out, name))
		require.NoError(t, err, name)
	}

	// The same stream cut short: the generator names the line, or reports
	// the missing results as errors — never a silently partial report.
	data, err := os.ReadFile(in)
	require.NoError(t, err)
	lines := strings.SplitAfter(string(data), "\n")
	cut := writeFile(t, "cut.jsonl", strings.Join(lines[:len(lines)/2], "")+lines[len(lines)/2][:20])
	code, msg, err = runCmd(t, "-from", cut, "-out", t.TempDir())
	require.Equal(t, 2, code, msg)
	require.ErrorContains(t, err, "cut.jsonl:")

	half := writeFile(t, "half.jsonl", strings.Join(lines[:len(lines)/2], ""))
	code, msg, _ = runCmd(t, "-from", half, "-out", t.TempDir())
	require.Equal(t, 2, code, "missing results are error rows: %s", msg)
}

// TestRunsImplementationsInChildProcesses runs the command end to end on
// one implementation and area.
func TestRunsImplementationsInChildProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the suite's test binary")
	}
	t.Chdir("..")
	out := t.TempDir()
	code, msg, err := runCmd(t, "-impl", "^std-tcp$", "-area", "halfclose", "-out", out)
	require.NoError(t, err, msg)
	require.Equal(t, 0, code, msg)
	require.Contains(t, msg, "std-tcp")
	require.Contains(t, msg, "done")
	md, err := os.ReadFile(filepath.Join(out, "README.md"))
	require.NoError(t, err)
	require.Contains(t, string(md), "| [std-tcp](#std-tcp) |")
	require.Contains(t, string(md), "halfclose.closewrite.peer-reads-eof")
}

// erroredResults lists the reasons of the results in dir's report.json
// that ended in error, for a failure message.
func erroredResults(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		return err.Error()
	}
	var rep struct {
		Results []struct{ Case, Role, Outcome, Reason, Evidence string }
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return err.Error()
	}
	var out []string
	for _, r := range rep.Results {
		if r.Outcome == string(result.Error) && len(out) < 5 {
			out = append(out, fmt.Sprintf("%s/%s: %s %s", r.Case, r.Role, r.Reason, r.Evidence))
		}
	}
	return strings.Join(out, "\n")
}
