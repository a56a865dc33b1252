package script

import (
	"bytes"
	"sync"
)

// The pattern is cached: cases write tens of MiB of it.
var (
	patternOnce  sync.Once
	patternCache []byte
)

const patternCacheSize = 32 << 20

// patternBytes returns the pattern from off, sharing the cache when it can;
// the result must not be modified.
func patternBytes(off, n int) []byte {
	patternOnce.Do(func() { patternCache = Pattern(0, patternCacheSize+251) })
	if start := off % 251; start+n <= len(patternCache) {
		return patternCache[start : start+n : start+n]
	}
	return Pattern(off, n)
}

// Pattern returns n bytes of the case language's byte pattern starting at
// offset off: byte i is i mod 251, so lost, repeated or reordered runs of
// any power-of-two size are visible.
func Pattern(off, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte((off + i) % 251)
	}
	return b
}

// PatternOffset reports whether b is a run of the pattern, and from which
// offset (0 ≤ off < 251): drivers are sent such runs as a description
// rather than as bytes.
func PatternOffset(b []byte) (off int, ok bool) {
	if len(b) == 0 || b[0] >= 251 {
		return 0, false
	}
	off = int(b[0])
	return off, bytes.Equal(b, patternBytes(off, len(b)))
}
