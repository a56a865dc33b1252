package suite

import (
	"bytes"
	"testing"
)

// TestRunEnd: the end of a run of one byte, across and within blocks.
func TestRunEnd(t *testing.T) {
	data := append(bytes.Repeat([]byte{'A'}, 3<<20+5), bytes.Repeat([]byte{'B'}, 7)...)
	data[1<<20+17] = 'C'
	for _, c := range []struct{ i, want int }{
		{0, 1<<20 + 17},
		{1<<20 + 17, 1<<20 + 18},
		{1<<20 + 18, 3<<20 + 5},
		{3<<20 + 5, len(data)},
		{len(data) - 1, len(data)},
	} {
		if got := runEnd(data, c.i); got != c.want {
			t.Errorf("runEnd(data, %d) = %d, want %d", c.i, got, c.want)
		}
	}
}
