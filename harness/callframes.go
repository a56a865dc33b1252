package harness

import "reflect"

// CallFrames returns the functions at the root of the goroutines the
// harness starts to make an implementation's calls, and to wait for them.
// Once every case has ended, such a goroutine is a call its case abandoned
// and already reported as blocked; leak checks count these apart from the
// goroutines the implementation itself left behind.
func CallFrames() []string {
	pkg := reflect.TypeFor[inflight]().PkgPath()
	return []string{
		pkg + ".(*inflight).start.func1",
		pkg + ".(*inflight).wait.func1",
		pkg + ".(*X).Go.func1",
	}
}
