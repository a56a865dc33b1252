package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/reports/render"
)

// The -from probes: streams as go test -json writes them, built event by
// event.

const pkg = "example.com/x"

func ev(action, test string, extra map[string]any) string {
	m := map[string]any{"Time": time.Unix(0, 0).UTC(), "Action": action, "Package": pkg}
	if test != "" {
		m["Test"] = test
	}
	for k, v := range extra {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func out(test, text string) string { return ev("output", test, map[string]any{"Output": text}) }

func attrs(test, key string, v any) []string {
	b, _ := json.Marshal(v)
	var lines []string
	for _, p := range result.Pieces(string(b)) {
		lines = append(lines, ev("attr", test, map[string]any{"Key": key, "Value": p}))
	}
	return lines
}

// conformance is a passing TestConformance of impl "x" with n cases.
func conformance(n int, outcome result.Outcome) []string {
	var planned []string
	var lines []string
	lines = append(lines, ev("start", "", nil), ev("run", "TestConformance", nil), ev("run", "TestConformance/x", nil))
	for i := range n {
		planned = append(planned, caseID(i)+"/client")
	}
	lines = append(lines, attrs("TestConformance/x", result.KeyImpl, render.ImplInfo{Name: "x", Topology: "pair", CloseMode: "full", Planned: planned})...)
	for i := range n {
		test := "TestConformance/x/" + caseID(i)
		lines = append(lines, ev("run", test, nil))
		lines = append(lines, attrs(test, result.KeyResult, result.Result{Impl: "x", Case: caseID(i), Role: harness.RoleClient, Area: "eof",
			Level: result.Contract, Spec: "io.Reader: spec", Outcome: outcome})...)
		action := "pass"
		if outcome.Failed() {
			action = "fail"
		}
		lines = append(lines, ev(action, test, nil))
	}
	action := "pass"
	if outcome.Failed() {
		action = "fail"
	}
	return append(lines, ev(action, "TestConformance/x", nil), ev(action, "TestConformance", nil))
}

func caseID(i int) string {
	return "eof.read.case-" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
}

func streamFile(t *testing.T, lines ...[]string) string {
	t.Helper()
	var all []string
	for _, l := range lines {
		all = append(all, l...)
	}
	return writeFile(t, "run.jsonl", strings.Join(all, "\n")+"\n")
}

func readReport(t *testing.T, dir string) *render.Report {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "report.json"))
	require.NoError(t, err)
	defer f.Close()
	rep, err := render.ReadJSON(f)
	require.NoError(t, err)
	return rep
}

// TestFromPackageFailureIsAnError: TestConformance passes, then another
// test of the package panics; go test exits 1, and so must the report,
// with the panic in an error row (probe: "15 pass", exit 0).
func TestFromPackageFailureIsAnError(t *testing.T) {
	in := streamFile(t, conformance(15, result.Pass), []string{
		ev("run", "TestOther", nil),
		out("TestOther", "panic: boom [recovered]\n"),
		out("TestOther", "\tgoroutine 7 [running]:\n"),
		ev("fail", "TestOther", nil),
		out("", "FAIL\texample.com/x\t0.1s\n"),
		ev("fail", "", nil),
	})
	dir := t.TempDir()
	code, msg, err := runCmd(t, "-from", in, "-out", dir)
	require.NoError(t, err, msg)
	require.Equal(t, 2, code, msg)
	rep := readReport(t, dir)
	var errs []result.Result
	for _, r := range rep.Results {
		if r.Outcome == result.Error {
			errs = append(errs, r)
		}
	}
	require.Len(t, errs, 1, "one error row for the failed package")
	require.Contains(t, errs[0].Reason+errs[0].Evidence, "TestOther")
	require.Contains(t, errs[0].Evidence, "panic: boom")
	require.Equal(t, 15, rep.Footer.ByOutcome[result.Pass])
}

// TestFromBuildFailureIsAnError: a package that did not build fails the
// report too.
func TestFromBuildFailureIsAnError(t *testing.T) {
	in := streamFile(t, conformance(2, result.Pass), []string{
		`{"ImportPath":"example.com/y [example.com/y.test]","Action":"build-output","Output":"y.go:1:1: expected 'package'\n"}`,
		`{"ImportPath":"example.com/y [example.com/y.test]","Action":"build-fail"}`,
		`{"Time":"2026-01-01T00:00:00Z","Action":"start","Package":"example.com/y"}`,
		`{"Time":"2026-01-01T00:00:00Z","Action":"output","Package":"example.com/y","Output":"FAIL\texample.com/y [build failed]\n"}`,
		`{"Time":"2026-01-01T00:00:00Z","Action":"fail","Package":"example.com/y","Elapsed":0,"FailedBuild":"example.com/y [example.com/y.test]"}`,
	})
	dir := t.TempDir()
	code, msg, err := runCmd(t, "-from", in, "-out", dir)
	require.NoError(t, err, msg)
	require.Equal(t, 2, code, msg)
	require.Contains(t, string(mustRead(t, filepath.Join(dir, "report.json"))), "example.com/y")
}

// TestFromUnknownOutcomeIsAnError (probe: "FAILED-hard" was counted as
// nothing and the command exited 0).
func TestFromUnknownOutcomeIsAnError(t *testing.T) {
	in := streamFile(t, conformance(3, "FAILED-hard"), []string{ev("fail", "", nil)})
	dir := t.TempDir()
	code, msg, _ := runCmd(t, "-from", in, "-out", dir)
	require.Equal(t, 2, code, msg)
}

// TestFromDuplicatesAreDetected (probe: the same file given twice counted
// every result twice).
func TestFromDuplicatesAreDetected(t *testing.T) {
	in := streamFile(t, conformance(3, result.Pass), []string{ev("pass", "", nil)})
	code, msg, err := runCmd(t, "-from", in, "-from", in, "-out", t.TempDir())
	require.Equal(t, 2, code, msg)
	require.ErrorContains(t, err, "eof.read.case-a/client")
	require.ErrorContains(t, err, "twice")
}

// TestFromColouredStream: a stream whose lines carry ANSI colours, or a
// prefix (a CI timestamp), is read as the events it holds (probe: such a
// line was dropped).
func TestFromColouredStream(t *testing.T) {
	lines := append(conformance(4, result.Pass), ev("pass", "", nil))
	for name, wrap := range map[string]func(string) string{
		"colour": func(l string) string { return "\x1b[32m" + l + "\x1b[0m" },
		"prefix": func(l string) string { return "2026-01-01T00:00:00.000Z " + l },
	} {
		t.Run(name, func(t *testing.T) {
			var w []string
			for _, l := range lines {
				w = append(w, wrap(l))
			}
			dir := t.TempDir()
			code, msg, err := runCmd(t, "-from", streamFile(t, w), "-out", dir)
			require.NoError(t, err, msg)
			require.Equal(t, 0, code, msg)
			require.Equal(t, 4, readReport(t, dir).Footer.ByOutcome[result.Pass])
		})
	}
	// What is not an event, coloured or not, is refused by line.
	code, msg, err := runCmd(t, "-from", streamFile(t, lines[:3], []string{"\x1b[31mFAIL something\x1b[0m"}, lines[3:]), "-out", t.TempDir())
	require.Equal(t, 2, code, msg)
	require.ErrorContains(t, err, "run.jsonl:4:")
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}
