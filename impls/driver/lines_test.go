package driver

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLinesLikeAScanner: lines, CR-LF, a last line without a newline, and
// a line over the limit refused without reading the rest.
func TestLinesLikeAScanner(t *testing.T) {
	l := newLines(strings.NewReader("a\nbb\r\n\nccc"), 8)
	var got []string
	for l.Scan() {
		got = append(got, string(l.Bytes()))
	}
	require.NoError(t, l.Err())
	require.Equal(t, []string{"a", "bb", "", "ccc"}, got)

	l = newLines(strings.NewReader("12345678\n123456789\nnext\n"), 8)
	require.True(t, l.Scan())
	require.Equal(t, "12345678", string(l.Bytes()))
	require.False(t, l.Scan())
	require.ErrorIs(t, l.Err(), errLineTooLong)
}

// TestLinesRefusesAFlood: a line over the 64 MiB limit, arriving through
// a pipe in 1 MiB writes as a flooding driver's does, is refused. (Read
// through a pipe, a bufio.Scanner took 2.7 s to refuse it, searching its
// whole buffer again after each 64 KiB read; lines takes 0.3 s.)
func TestLinesRefusesAFlood(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	go func() {
		defer w.Close()
		chunk := []byte(strings.Repeat("x", 1<<20))
		for range 80 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}()
	l := newLines(r, maxLine)
	require.False(t, l.Scan())
	require.ErrorIs(t, l.Err(), errLineTooLong)
}
