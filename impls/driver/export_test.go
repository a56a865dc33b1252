package driver

import (
	"time"

	"github.com/netconform/netconform/harness"
)

// SetTrace lets tests see every request line with its reply line.
func SetTrace(f func(op string, request, reply []byte)) { traceHook.Store(&f) }

var Watchdog = watchdog

// NewWithin is New waiting up to within for the driver's hello: a test
// of a driver that never answers need not wait out the real timeout.
func NewWithin(within time.Duration, argv ...string) (harness.Impl, error) {
	return newWithin(within, "", argv...)
}
