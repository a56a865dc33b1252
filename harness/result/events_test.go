package result

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// TestPiecesJoin: an event cut into pieces, on character boundaries, is
// joined back whole; pieces out of order are an error.
func TestPiecesJoin(t *testing.T) {
	for _, s := range []string{"", "{}", strings.Repeat("é→µ", 3000), strings.Repeat("x", PieceSize), strings.Repeat("y", 3*PieceSize+1)} {
		var a Assembler
		ps := Pieces(s)
		var got string
		for i, p := range ps {
			body := p[strings.Index(p, " ")+1:]
			require.True(t, utf8.ValidString(body), "piece %d cuts a character", i)
			require.LessOrEqual(t, len(body), PieceSize)
			v, done, err := a.Add("T/x", KeyResult, p)
			require.NoError(t, err)
			require.Equal(t, i == len(ps)-1, done)
			got = v
		}
		require.Equal(t, s, got)
		require.Empty(t, a.Pending())
	}
	var a Assembler
	_, _, err := a.Add("T/x", KeyResult, "2/2 tail")
	require.ErrorContains(t, err, "without the pieces before it")
	_, _, err = a.Add("T/x", KeyResult, "whole value without a piece number")
	require.Error(t, err)
	_, done, err := a.Add("T/y", KeyResult, "1/2 {")
	require.NoError(t, err)
	require.False(t, done)
	require.Equal(t, []string{KeyResult + " of T/y"}, a.Pending())
}
