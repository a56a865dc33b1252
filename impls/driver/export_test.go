package driver

// SetTrace lets tests see every request line with its reply line.
func SetTrace(f func(op string, request, reply []byte)) { traceHook.Store(&f) }

var Watchdog = watchdog
