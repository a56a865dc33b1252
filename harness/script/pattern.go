package script

import (
	"bytes"
	"sync"
)

// The pattern is cached: cases write tens of MiB of it. The cache grows
// to what the cases of this process ask for (an isolated child writing
// little allocates little), up to maxPatternCache; a slice handed out is
// never written again, so a larger cache replaces it rather than grows it.
var (
	patternMu    sync.Mutex
	patternCache []byte
)

const maxPatternCache = 32<<20 + patternPeriod

// patternPeriod is the pattern's period: byte i is i mod patternPeriod.
const patternPeriod = 251

// patternBytes returns the pattern from off, sharing the cache when it can;
// the result must not be modified.
func patternBytes(off, n int) []byte {
	start := off % patternPeriod
	need := start + n
	if need > maxPatternCache {
		return Pattern(off, n)
	}
	patternMu.Lock()
	if len(patternCache) < need {
		patternCache = Pattern(0, min(max(need, 2*len(patternCache), 64<<10), maxPatternCache))
	}
	c := patternCache
	patternMu.Unlock()
	return c[start : start+n : start+n]
}

// PatternView returns the same bytes as Pattern(off, n), shared with every
// other caller: neither the caller nor what it hands them to may modify
// them (io.Writer's contract). Cases that write or compare MiB of the
// pattern use it instead of allocating and faulting in a copy each time.
func PatternView(off, n int) []byte { return patternBytes(off, n) }

// Pattern returns n bytes of the case language's byte pattern starting at
// offset off: byte i is i mod 251, so lost, repeated or reordered runs of
// any power-of-two size are visible.
func Pattern(off, n int) []byte {
	b := make([]byte, n)
	first := min(n, patternPeriod)
	for i := range first {
		b[i] = byte((off + i) % patternPeriod)
	}
	// One period is right; each copy doubles the run, still whole periods.
	for k := first; k < n; k *= 2 {
		copy(b[k:], b[:k])
	}
	return b
}

// PatternOffset reports whether b is a run of the pattern, and from which
// offset (0 ≤ off < 251): drivers are sent such runs as a description
// rather than as bytes.
func PatternOffset(b []byte) (off int, ok bool) {
	if len(b) == 0 || b[0] >= patternPeriod {
		return 0, false
	}
	off = int(b[0])
	return off, bytes.Equal(b, patternBytes(off, len(b)))
}
