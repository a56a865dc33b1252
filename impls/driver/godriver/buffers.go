package main

import "sync"

// The bulk cases write and read up to tens of MiB a request. Made afresh,
// each such buffer is zeroed and faulted in page by page, which was a
// third of this driver's CPU in a report; a careful Go program keeps them.

// patternRun returns n bytes of the test pattern from offset off, a view
// of one buffer holding the pattern from 0 (byte i is i mod 251), shared
// by every write: net.Conn.Write does not modify what it writes. A write
// that needs more than the buffer holds builds one long enough for that
// many bytes from any offset, by doubling copies of whole periods; views
// of the old one stay valid.
func patternRun(off, n int) []byte {
	start := off % patternPeriod
	need := start + n
	patternMu.Lock()
	if len(pattern) < need {
		b := make([]byte, max(n+patternPeriod, 64<<10))
		first := min(len(b), patternPeriod)
		for i := range first {
			b[i] = byte(i)
		}
		for k := first; k < len(b); k *= 2 {
			copy(b[k:], b[:k]) // whole periods: the run stays the pattern
		}
		pattern = b
	}
	p := pattern
	patternMu.Unlock()
	return p[start : start+n : start+n]
}

const patternPeriod = 251

var (
	patternMu sync.Mutex
	pattern   []byte
)

// readBuf returns a buffer of n bytes for a read, kept from an earlier
// read when one as large is free; putReadBuf gives it back once the reply
// carrying what was read into it has been encoded.
func readBuf(n int) *[]byte {
	if p, ok := readBufs.Get().(*[]byte); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	b := make([]byte, n)
	return &b
}

func putReadBuf(p *[]byte) {
	if p != nil {
		readBufs.Put(p)
	}
}

var readBufs sync.Pool
