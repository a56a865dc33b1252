// Package proc controls the processes netconform starts — isolated children
// of cases, driver processes, test binaries — and keeps what they print,
// bounded.
package proc

import (
	"bytes"
	"sync"
)

// A Tail is an io.Writer that keeps the last bytes written to it: a
// child's stderr or output kept as evidence without growing without bound.
// It is safe for concurrent use.
type Tail struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

// NewTail returns a Tail that keeps the last max bytes.
func NewTail(max int) *Tail { return &Tail{max: max} }

// Write keeps the last bytes of p; it never fails.
func (t *Tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(p), nil
}

// String returns the bytes kept.
func (t *Tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
