package harness

import (
	"fmt"
	"runtime/debug"
)

// PanicError is what a call returns when the implementation panicked in it.
// The harness recovers such panics so that one case cannot take the run
// down; a panic in a goroutine the implementation started itself cannot
// be recovered and ends the process (the report command runs each
// implementation in its own process for that reason).
type PanicError struct {
	Value any
	Stack string
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// protect runs fn, turning a panic into a PanicError result.
func protect(fn func() callResult) (res callResult) {
	defer func() {
		if p := recover(); p != nil {
			res = callResult{err: &PanicError{Value: p, Stack: string(debug.Stack())}}
		}
	}()
	return fn()
}
