package harness

import "sync"

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
