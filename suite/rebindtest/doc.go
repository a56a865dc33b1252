// Package rebindtest checks, in a test of its own so that go test ./suite
// stays fast, how the harness judges the close and rebind cases when the
// kernel or a forked child, not the implementation, gets in the way: a
// child holding a socket until it execs, a delayed ACK overtaken on
// loopback. Each test builds the situation on purpose and runs the case
// through the runner.
package rebindtest
