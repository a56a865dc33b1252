package harness

import "errors"

// ErrBroken is what an implementation wraps in the error of a call when it
// can no longer answer at all — a driver process that died or broke its
// protocol — as opposed to a call that failed. A step that gets it ends
// the case as an error, not as a conformance failure.
var ErrBroken = errors.New("the implementation under test is broken")
