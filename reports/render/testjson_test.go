package render_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/errclass"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/reports/render"
)

// event renders one go test -json output event.
func event(test, output string) string {
	b, _ := json.Marshal(map[string]any{"Time": time.Unix(0, 0).UTC(), "Action": "output", "Package": "example.com/x", "Test": test, "Output": output})
	return string(b)
}

// attr renders the go test -json attr events of one event value, as
// test2json makes of the suite's t.Attr calls.
func attr(test, key, value string) string {
	var evs []string
	for _, p := range result.Pieces(value) {
		b, _ := json.Marshal(map[string]any{"Time": time.Unix(0, 0).UTC(), "Action": "attr", "Package": "example.com/x", "Test": test, "Key": key, "Value": p})
		evs = append(evs, string(b))
	}
	return strings.Join(evs, "\n")
}

func resultEvent(test, impl, c string, role harness.Role, o result.Outcome) string {
	res := result.Result{Impl: impl, Case: c, Role: role, Area: strings.Split(c, ".")[0], Outcome: o,
		Spec: strings.Repeat("a long spec sentence ", 120)}
	b, _ := json.Marshal(res)
	return attr(test, result.KeyResult, string(b))
}

func implEvent(test, name string, planned ...string) string {
	b, _ := json.Marshal(render.ImplInfo{Name: name, Topology: "pair", CloseMode: "full", Planned: planned})
	return attr(test, result.KeyImpl, string(b))
}

func stream(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

func TestReadTestJSONReadsEvents(t *testing.T) {
	in := stream(
		`{"Action":"start","Package":"example.com/x"}`,
		implEvent("TestX/impl", "impl", "eof.read.after-peer-close/client", "eof.read.after-peer-close/server"),
		attr("TestX/impl", result.KeyRun, `{"toolVersion":"v9","catalogueHash":"abc"}`),
		event("TestX/impl", "=== RUN   TestX/impl/eof\n"),
		resultEvent("TestX/impl/eof/client", "impl", "eof.read.after-peer-close", harness.RoleClient, result.Pass),
		resultEvent("TestX/impl/eof/server", "impl", "eof.read.after-peer-close", harness.RoleServer, result.Fail),
		attr("TestX/impl", "someone.else", "ignored"),
		`{"Action":"fail","Package":"example.com/x"}`,
	)
	c, err := render.ReadTestJSON(strings.NewReader(in), "run.jsonl")
	require.NoError(t, err)
	require.Len(t, c.Impls, 1)
	require.Len(t, c.Results, 2)
	require.True(t, c.Failed)
	require.Equal(t, result.Fail, c.Results[1].Outcome)
	require.Equal(t, "v9", c.Run.ToolVersion)
}

func TestReadTestJSONNamesTheBadLine(t *testing.T) {
	in := stream(
		`{"Action":"start","Package":"example.com/x"}`,
		event("TestX", "hello\n"),
		`{"Action":"output","Output":"not closed`,
	)
	_, err := render.ReadTestJSON(strings.NewReader(in), "run.jsonl")
	require.ErrorContains(t, err, "run.jsonl:3:")
}

func TestReadTestJSONRejectsNonJSON(t *testing.T) {
	_, err := render.ReadTestJSON(strings.NewReader("=== RUN   TestX\n--- PASS: TestX\n"), "plain.txt")
	require.ErrorContains(t, err, "plain.txt:1: not a go test -json event")
}

func TestReadTestJSONTruncatedResult(t *testing.T) {
	ev := resultEvent("TestX/impl", "impl", "eof.read.after-peer-close", harness.RoleClient, result.Pass)
	require.Greater(t, strings.Count(ev, "\n"), 0, "the test needs an event in several pieces")
	// The stream stops in the middle of a line, then between pieces.
	_, err := render.ReadTestJSON(strings.NewReader(stream(`{"Action":"start"}`, ev[:len(ev)/2])), "cut.jsonl")
	require.ErrorContains(t, err, "cut.jsonl:")
	_, err = render.ReadTestJSON(strings.NewReader(stream(`{"Action":"start"}`, ev[:strings.Index(ev, "\n")])), "cut.jsonl")
	require.ErrorContains(t, err, "truncated")
}

func TestReadTestJSONBrokenResult(t *testing.T) {
	in := stream(attr("TestX", result.KeyResult, `{"impl":"x","case":`))
	require.Contains(t, in, `"1/1 {`)
	_, err := render.ReadTestJSON(strings.NewReader(in), "bad.jsonl")
	require.ErrorContains(t, err, "bad.jsonl:1: a netconform result event that does not parse")
}

func TestCompleteReportsMissingResults(t *testing.T) {
	in := stream(
		implEvent("TestX/impl", "impl", "eof.read.after-peer-close/client", "eof.read.after-peer-close/server"),
		attr("TestX/impl", result.KeyCases, `[{"id":"eof.read.after-peer-close","area":"eof","level":"contract","spec":"io.Reader: spec"}]`),
		resultEvent("TestX/impl/eof/client", "impl", "eof.read.after-peer-close", harness.RoleClient, result.Pass),
	)
	c, err := render.ReadTestJSON(strings.NewReader(in), "run.jsonl")
	require.NoError(t, err)
	c.Complete("the process died")
	require.Len(t, c.Results, 2)
	missing := c.Results[1]
	require.Equal(t, result.Error, missing.Outcome)
	require.Equal(t, harness.RoleServer, missing.Role)
	require.Equal(t, "the process died", missing.Evidence)
	require.Equal(t, result.Contract, missing.Level)
	require.Equal(t, 2, render.New(render.Header{}, c.Impls, c.Results).ExitCode())
}

func TestNormalizeStabilisesEvidence(t *testing.T) {
	mk := func(p1, p2 int, seq uint32, took time.Duration, sock string) *render.Report {
		addr := fmt.Sprintf("127.0.0.1:%d->127.0.0.1:%d", p1, p2)
		res := result.Result{Impl: "x", Case: "a.b.c", Role: harness.RoleClient, Outcome: result.Fail, Duration: took,
			Findings:   []result.Finding{{Call: "iut.Read(8)", Got: "0, eof (read tcp4 " + addr + ": EOF), after " + took.String(), Want: "0, closed"}},
			Transcript: []result.Obs{{Step: 1, Call: "iut.Read(8)", Took: took, Err: &errclass.Info{Class: errclass.EOF, Text: "read " + addr + " " + sock}}},
			Wire: []result.Segment{
				{From: "a", To: "b", Flags: "S", Seq: seq},
				{From: "b", To: "a", Flags: "S.", Seq: seq * 3, Ack: seq + 1},
				{From: "a", To: "b", Flags: ".", Seq: seq + 1, Ack: seq*3 + 1},
			},
		}
		r := render.New(render.Header{}, nil, []result.Result{res})
		r.Normalize()
		return r
	}
	// socket directories as harness/script names them, and as it did
	a, b := mk(41000, 42000, 1000, 101*time.Millisecond, "/tmp/netconform-sock-p4242-98765/s"), mk(51234, 35000, 777777, 99*time.Millisecond, "/tmp/netconform-123/s")
	ja, _ := json.Marshal(a.Results)
	jb, _ := json.Marshal(b.Results)
	require.Equal(t, string(ja), string(jb), "two runs of the same behaviour must normalise to the same bytes")
	require.Contains(t, a.Results[0].Findings[0].Got, "127.0.0.1:p1->127.0.0.1:p2")
	require.Contains(t, a.Results[0].Transcript[0].Err.Text, "/tmp/netconform-*/s")
	require.Equal(t, uint32(1), a.Results[0].Wire[2].Seq, "sequence numbers are relative, as tcpdump prints them")
	require.Equal(t, uint32(1), a.Results[0].Wire[2].Ack)
}

// An implementation's wall time is the elapsed time of the subtest it was
// announced on (its cases are parallel subtests of it), not of its cases;
// the run started at the earliest event.
func TestReadTestJSONTakesTheWallTimeOfTheImplementationsTest(t *testing.T) {
	in := strings.ReplaceAll(stream(
		`{"Time":"2026-12-01T10:00:05Z","Action":"start","Package":"example.com/x"}`,
		`{"Time":"2026-12-01T10:00:04Z","Action":"run","Package":"example.com/x","Test":"TestX"}`,
		implEvent("TestX/impl", "impl", "eof.read.after-peer-close/client"),
		resultEvent("TestX/impl/eof.read.after-peer-close", "impl", "eof.read.after-peer-close", harness.RoleClient, result.Pass),
		`{"Action":"pass","Package":"example.com/x","Test":"TestX/impl/eof.read.after-peer-close","Elapsed":9.5}`,
		`{"Action":"pass","Package":"example.com/x","Test":"TestX/impl","Elapsed":2.25}`,
		`{"Action":"pass","Package":"example.com/x","Test":"TestX","Elapsed":3}`,
		`{"Action":"pass","Package":"example.com/x","Elapsed":3.1}`,
	), `"Time":"1970-01-01T00:00:00Z"`, `"Time":"2026-12-01T10:00:06Z"`)
	c, err := render.ReadTestJSON(strings.NewReader(in), "run.jsonl")
	require.NoError(t, err)
	require.Len(t, c.Impls, 1)
	require.Equal(t, 2250*time.Millisecond, c.Impls[0].Wall, "the wall time of impl, from TestX/impl's elapsed")
	require.Equal(t, time.Date(2026, 12, 1, 10, 0, 4, 0, time.UTC), c.Started.UTC(), "the run's start, the earliest event")
}
