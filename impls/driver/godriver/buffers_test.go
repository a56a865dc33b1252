package main

import (
	"bytes"
	"testing"

	"github.com/netconform/netconform/harness/script"
)

// TestPatternRun checks the shared pattern against the harness's, from
// offsets inside and across periods, as it grows, and that a view taken
// before it grew still holds the pattern.
func TestPatternRun(t *testing.T) {
	first := patternRun(3, 1000)
	for _, n := range []int{0, 1, 250, 251, 70_000, 1 << 20, 3<<20 + 7} {
		for _, off := range []int{0, 1, 250, 251, 252, 1 << 20} {
			if got := patternRun(off, n); !bytes.Equal(got, script.Pattern(off, n)) {
				t.Fatalf("patternRun(%d, %d) differs from script.Pattern", off, n)
			}
		}
	}
	if !bytes.Equal(first, script.Pattern(3, 1000)) {
		t.Fatal("a view taken before the pattern grew changed")
	}
	if v := patternRun(5, 10); cap(v) != 10 {
		t.Fatalf("cap(patternRun(5, 10)) = %d, want 10: an append must not write into the shared pattern", cap(v))
	}
}

// TestReadBufReuse checks that a buffer given back serves a read as large
// or smaller, sized to the read, and that a larger read gets a new one.
func TestReadBufReuse(t *testing.T) {
	p := readBuf(1 << 16)
	if len(*p) != 1<<16 {
		t.Fatalf("len(readBuf(64 KiB)) = %d", len(*p))
	}
	putReadBuf(p)
	q := readBuf(100)
	if len(*q) != 100 {
		t.Fatalf("len(readBuf(100)) = %d, want 100", len(*q))
	}
	putReadBuf(q)
	if r := readBuf(1 << 17); len(*r) != 1<<17 {
		t.Fatalf("len(readBuf(128 KiB)) = %d, want 128 KiB", len(*r))
	}
}
