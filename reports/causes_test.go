package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/errclass"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/reports/render"
)

// TestConsoleNamesTheTopRootCauses: under the summary line the console
// names the root causes, most results first, at most render.TopCauses.
func TestConsoleNamesTheTopRootCauses(t *testing.T) {
	copied := errclass.Describe(fmt.Errorf("wrap: %v", io.EOF))
	var rs []result.Result
	for i := range 9 {
		rs = append(rs, result.Result{Impl: "myconn", Case: fmt.Sprintf("eof.read.c%d", i), Role: harness.RoleClient, Outcome: result.Fail,
			Transcript: []result.Obs{{Step: 1, Call: "iut.Read(8)", Err: copied, WantErr: []errclass.Class{errclass.EOF}, Verdict: "fail"}}})
	}
	for i := range 7 { // seven more causes, of one result each (distinct steps)
		rs = append(rs, result.Result{Impl: "myconn", Case: fmt.Sprintf("deadline.x.c%d", i), Role: harness.RoleServer, Outcome: result.Fail,
			Transcript: []result.Obs{{Step: 1, Call: fmt.Sprintf("iut.Op%c()", 'A'+i), Verdict: "fail", Note: "took too long"}}})
	}
	var b bytes.Buffer
	writeCauses(&b, render.New(render.Header{}, nil, rs))
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 1+render.TopCauses+1 {
		t.Fatalf("%d lines, want a title, %d causes and a line for the rest:\n%s", len(lines), render.TopCauses, b.String())
	}
	if want := "  9 cases (9 results): errors are text copies of io.EOF"; !strings.HasPrefix(lines[1], want) || !strings.Contains(lines[1], "wrap with %w") {
		t.Errorf("first cause = %q, want it to start %q and say to wrap with %%w", lines[1], want)
	}
	if !strings.Contains(lines[len(lines)-1], "and 3 more") {
		t.Errorf("last line = %q, want the count of the causes not listed", lines[len(lines)-1])
	}
	b.Reset()
	writeCauses(&b, render.New(render.Header{}, nil, []result.Result{{Impl: "myconn", Case: "a.b.c", Role: harness.RoleClient, Outcome: result.Pass}}))
	if b.Len() != 0 {
		t.Errorf("a run without failures prints causes: %q", b.String())
	}
}
