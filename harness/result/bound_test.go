package result_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness/errclass"
	"github.com/netconform/netconform/harness/result"
)

func TestCutMarksWhatItCuts(t *testing.T) {
	require.Equal(t, "short", result.Cut("short", 10))
	s := result.Cut(strings.Repeat("a", 100)+strings.Repeat("é", 100), 40)
	require.Contains(t, s, "[truncated 260 bytes]")
	require.True(t, strings.HasPrefix(s, "aaaaaaaaaa\n"))
	require.True(t, strings.HasSuffix(s, strings.Repeat("é", 15)))
	require.True(t, strings.ToValidUTF8(s, "?") == s, "cut on character boundaries")
}

func TestBoundKeepsAResultSmall(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	r := result.Result{Impl: "x", Case: "a.b.c", Spec: big, Reason: big, Evidence: big}
	for i := range 5000 {
		r.Transcript = append(r.Transcript, result.Obs{Step: i + 1, Call: big[:3000], Note: big[:3000], Err: &errclass.Info{Text: big, Chain: make([]string, 100)}})
		r.Findings = append(r.Findings, result.Finding{Call: big, Got: big, Want: big})
		r.Wire = append(r.Wire, result.Segment{From: "a", To: "b"})
	}
	r.Bound()
	require.LessOrEqual(t, r.Size(), result.MaxResult)
	require.Len(t, r.Findings, 10)
	require.Contains(t, r.Findings[5].Call, "findings not kept")
	require.Contains(t, r.Evidence, "truncated")
	var gap bool
	for _, o := range r.Transcript {
		gap = gap || strings.Contains(o.Call, "steps not kept")
	}
	require.True(t, gap, "the transcript says what it left out")
	require.Equal(t, 5000, r.Transcript[len(r.Transcript)-1].Step, "the end of the transcript is kept")

	r.Slim("the report reached its size bound")
	require.Nil(t, r.Transcript)
	require.Contains(t, r.Evidence, "[the report reached its size bound]")
	require.Len(t, r.Findings, 10, "findings stay")
}
