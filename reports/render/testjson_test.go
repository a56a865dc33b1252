package render_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/reports/render"
)

// event renders one go test -json output event.
func event(test, output string) string {
	b, _ := json.Marshal(map[string]any{"Time": time.Unix(0, 0).UTC(), "Action": "output", "Package": "example.com/x", "Test": test, "Output": output})
	return string(b)
}

// split cuts a long output line the way test2json does (events of at most
// 1024 bytes; only the last ends with a newline).
func split(test, line string) []string {
	var evs []string
	for len(line) > 1024 {
		evs = append(evs, event(test, line[:1024]))
		line = line[1024:]
	}
	return append(evs, event(test, line+"\n"))
}

func resultLine(impl, c string, role harness.Role, o harness.Outcome) string {
	res := harness.Result{Impl: impl, Case: c, Role: role, Area: strings.Split(c, ".")[0], Outcome: o,
		Spec: strings.Repeat("a long spec sentence ", 120)}
	b, _ := json.Marshal(res)
	return render.ResultPrefix + string(b)
}

func implLine(name string, planned ...string) string {
	b, _ := json.Marshal(render.ImplInfo{Name: name, Topology: "pair", CloseMode: "full", Planned: planned})
	return render.ImplPrefix + string(b)
}

func stream(lines ...[]string) string {
	var all []string
	for _, l := range lines {
		all = append(all, l...)
	}
	return strings.Join(all, "\n") + "\n"
}

func TestReadTestJSONJoinsSplitLines(t *testing.T) {
	in := stream(
		[]string{`{"Action":"start","Package":"example.com/x"}`},
		split("TestX/impl", implLine("impl", "eof.read.after-peer-close/client", "eof.read.after-peer-close/server")),
		[]string{event("TestX/impl", "=== RUN   TestX/impl/eof\n")},
		split("TestX/impl/eof/client", resultLine("impl", "eof.read.after-peer-close", harness.RoleClient, harness.Pass)),
		split("TestX/impl/eof/server", resultLine("impl", "eof.read.after-peer-close", harness.RoleServer, harness.Fail)),
		[]string{`{"Action":"fail","Package":"example.com/x"}`},
	)
	require.Greater(t, len(resultLine("impl", "eof.read.after-peer-close", harness.RoleClient, harness.Pass)), 2048, "the test needs lines test2json splits")
	c, err := render.ReadTestJSON(strings.NewReader(in), "run.jsonl")
	require.NoError(t, err)
	require.Len(t, c.Impls, 1)
	require.Len(t, c.Results, 2)
	require.True(t, c.Failed)
	require.Equal(t, harness.Fail, c.Results[1].Outcome)
}

func TestReadTestJSONNamesTheBadLine(t *testing.T) {
	in := stream([]string{
		`{"Action":"start","Package":"example.com/x"}`,
		event("TestX", "hello\n"),
		`{"Action":"output","Output":"not closed`,
	})
	_, err := render.ReadTestJSON(strings.NewReader(in), "run.jsonl")
	require.ErrorContains(t, err, "run.jsonl:3:")
}

func TestReadTestJSONRejectsNonJSON(t *testing.T) {
	_, err := render.ReadTestJSON(strings.NewReader("=== RUN   TestX\n--- PASS: TestX\n"), "plain.txt")
	require.ErrorContains(t, err, "plain.txt:1: not a go test -json event")
}

func TestReadTestJSONTruncatedResult(t *testing.T) {
	evs := split("TestX/impl", resultLine("impl", "eof.read.after-peer-close", harness.RoleClient, harness.Pass))
	// The stream stops in the middle of the split line.
	in := stream([]string{`{"Action":"start"}`}, evs[:len(evs)-1])
	_, err := render.ReadTestJSON(strings.NewReader(in), "cut.jsonl")
	require.ErrorContains(t, err, "cut.jsonl:2:")
	require.ErrorContains(t, err, "truncated")
}

func TestReadTestJSONBrokenResult(t *testing.T) {
	in := stream([]string{event("TestX", render.ResultPrefix+`{"impl":"x","case":`+"\n")})
	_, err := render.ReadTestJSON(strings.NewReader(in), "bad.jsonl")
	require.ErrorContains(t, err, "bad.jsonl:1: a netconform result line that does not parse")
}

func TestCompleteReportsMissingResults(t *testing.T) {
	in := stream(
		split("TestX/impl", implLine("impl", "eof.read.after-peer-close/client", "eof.read.after-peer-close/server")),
		split("TestX/impl/eof/client", resultLine("impl", "eof.read.after-peer-close", harness.RoleClient, harness.Pass)),
	)
	c, err := render.ReadTestJSON(strings.NewReader(in), "run.jsonl")
	require.NoError(t, err)
	c.Complete("the process died", func(id string) (render.CaseInfo, bool) {
		return render.CaseInfo{ID: id, Level: harness.Contract, Spec: "io.Reader: spec"}, true
	})
	require.Len(t, c.Results, 2)
	missing := c.Results[1]
	require.Equal(t, harness.Error, missing.Outcome)
	require.Equal(t, harness.RoleServer, missing.Role)
	require.Equal(t, "the process died", missing.Evidence)
	require.Equal(t, harness.Contract, missing.Level)
	require.Equal(t, 2, render.New(render.Header{}, c.Impls, c.Results).ExitCode())
}

func TestNormalizeStabilisesEvidence(t *testing.T) {
	mk := func(p1, p2 int, seq uint32, took time.Duration) *render.Report {
		addr := fmt.Sprintf("127.0.0.1:%d->127.0.0.1:%d", p1, p2)
		res := harness.Result{Impl: "x", Case: "a.b.c", Role: harness.RoleClient, Outcome: harness.Fail, Duration: took,
			Findings:   []harness.Finding{{Call: "iut.Read(8)", Got: "0, eof (read tcp4 " + addr + ": EOF), after " + took.String(), Want: "0, closed"}},
			Transcript: []harness.Obs{{Step: 1, Call: "iut.Read(8)", Took: took, Err: &harness.ErrInfo{Class: harness.EOF, Text: "read " + addr + " /tmp/netconform-123/s"}}},
			Wire: []harness.Segment{
				{From: "a", To: "b", Flags: "S", Seq: seq},
				{From: "b", To: "a", Flags: "S.", Seq: seq * 3, Ack: seq + 1},
				{From: "a", To: "b", Flags: ".", Seq: seq + 1, Ack: seq*3 + 1},
			},
		}
		r := render.New(render.Header{}, nil, []harness.Result{res})
		r.Normalize()
		return r
	}
	a, b := mk(41000, 42000, 1000, 101*time.Millisecond), mk(51234, 35000, 777777, 99*time.Millisecond)
	ja, _ := json.Marshal(a.Results)
	jb, _ := json.Marshal(b.Results)
	require.Equal(t, string(ja), string(jb), "two runs of the same behaviour must normalise to the same bytes")
	require.Contains(t, a.Results[0].Findings[0].Got, "127.0.0.1:p1->127.0.0.1:p2")
	require.Contains(t, a.Results[0].Transcript[0].Err.Text, "/tmp/netconform-*/s")
	require.Equal(t, uint32(1), a.Results[0].Wire[2].Seq, "sequence numbers are relative, as tcpdump prints them")
	require.Equal(t, uint32(1), a.Results[0].Wire[2].Ack)
}
