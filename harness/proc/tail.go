// Package proc controls the processes netconform starts — isolated children
// of cases, driver processes, test binaries, the go command — and keeps
// what they print and what they leave bounded: a process tree nothing
// escapes (Start, Proc.Kill), pipes whose holders can be named (Pipe),
// temporary files removed on SIGINT and SIGTERM or by the next run
// (CreateTemp, MkdirTemp), and output kept within bounds (Tail, Lines).
package proc

import (
	"bytes"
	"fmt"
	"sync"
)

// A Tail is an io.Writer that keeps the last bytes written to it: a
// child's stderr or output kept as evidence without growing without bound.
// It is safe for concurrent use.
type Tail struct {
	mu      sync.Mutex
	max     int
	buf     bytes.Buffer
	dropped int64
}

// NewTail returns a Tail that keeps the last max bytes.
func NewTail(max int) *Tail { return &Tail{max: max} }

// Write keeps the last bytes of p; it never fails.
func (t *Tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	if len(p) > t.max {
		t.dropped += int64(len(p) - t.max)
		p = p[len(p)-t.max:]
	}
	t.buf.Write(p)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
		t.dropped += int64(over)
	}
	return n, nil
}

// String returns the bytes kept, after a line saying how many were not
// when some were not.
func (t *Tail) String() string { return t.Since(0) }

// Mark returns how many bytes have been written so far, for Since.
func (t *Tail) Mark() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.dropped + int64(t.buf.Len())
}

// Since returns the bytes kept that were written after mark (a Mark), after
// a line saying how many of those were not kept when some were not: what
// one user of a long-lived process wrote, without what earlier ones did.
func (t *Tail) Since(mark int64) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	kept := t.buf.Bytes()
	if skip := mark - t.dropped; skip > 0 {
		kept = kept[min(skip, int64(len(kept))):]
	} else if lost := t.dropped - max(mark, 0); lost > 0 {
		return fmt.Sprintf("[truncated %d bytes]\n%s", lost, kept)
	}
	return string(kept)
}
