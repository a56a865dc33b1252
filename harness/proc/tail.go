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
func (t *Tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.dropped > 0 {
		return fmt.Sprintf("[truncated %d bytes]\n%s", t.dropped, t.buf.String())
	}
	return t.buf.String()
}
