// Package pipe adapts net.Pipe, the in-memory conn countless tests use as
// a stand-in for TCP, to the conformance harness.
//
// Topology: pair (both ends are net.Pipe's). Close mode: full. It buffers
// nothing — a Write blocks until the other end reads it — has no
// CloseWrite or CloseRead, and no listener. Its divergences from Go's TCP
// conventions are declared below, each with its reason.
package pipe

import (
	"context"
	"net"

	"github.com/netconform/netconform/harness"
)

const errClosedPipe = "net.Pipe reports use of a closed pipe as the bare io.ErrClosedPipe, not net.ErrClosed (TestPipeCloseError pins this)"

// Impl is net.Pipe.
var Impl = harness.Impl{
	Name:        "pipe",
	Description: "net.Pipe: synchronous, unbuffered, in-memory full-duplex conn",
	URL:         "https://pkg.go.dev/net#Pipe",
	Caps:        harness.CapStream | harness.CapDeadline | harness.CapBounded,
	NewPair: func(ctx context.Context) (*harness.Pair, error) {
		c1, c2 := net.Pipe()
		return &harness.Pair{Client: c1, Server: c2}, nil
	},
	Known: []harness.Known{
		{Case: "closed.read.after-close-is-errclosed", Reason: errClosedPipe, Link: "https://go.dev/src/net/pipe_test.go"},
		{Case: "closed.write.after-close-is-errclosed", Reason: errClosedPipe, Link: "https://go.dev/src/net/pipe_test.go"},
		{Case: "closed.read.close-unblocks-is-errclosed", Reason: errClosedPipe},
		{Case: "closed.write.close-unblocks-is-errclosed", Reason: errClosedPipe},
		{Case: "closed.setdeadline.after-close", Reason: errClosedPipe},
		{Case: "closed.close.twice", Reason: "net.Pipe's Close is idempotent: a second Close returns nil (TestPipeCloseError)", Link: "https://go.dev/src/net/pipe_test.go"},
		{Case: "closed.read.zero-length-after-close", Reason: errClosedPipe},
		{Case: "deadline.read.zero-length-past", Reason: "net.Pipe checks the read deadline before anything else, so Read(nil) with an expired deadline times out instead of returning 0, nil"},
		{Case: "eof.read.zero-length", Reason: "net.Pipe has no zero-length shortcut: Read(nil) waits for the other end's next Write (a zero-length Write is delivered as a message)"},
		// The explorer's rules (harness/explore), checked against Go's
		// net/pipe.go: read, write, SetDeadline and Close.
		{Case: "explore.closed.read-class", Reason: errClosedPipe, Link: "https://go.dev/src/net/pipe.go"},
		{Case: "explore.closed.write-class", Reason: errClosedPipe, Link: "https://go.dev/src/net/pipe.go"},
		{Case: "explore.closed.ctl-class", Reason: "SetDeadline on a closed net.Pipe fails with the bare io.ErrClosedPipe, not net.ErrClosed", Link: "https://go.dev/src/net/pipe.go"},
		{Case: "explore.closed.close-twice", Reason: "net.Pipe's Close is idempotent: a second Close returns nil (TestPipeCloseError)", Link: "https://go.dev/src/net/pipe_test.go"},
		{Case: "explore.deadline.set-nil", Reason: "net.Pipe's SetDeadline, SetReadDeadline and SetWriteDeadline fail with io.ErrClosedPipe once the other end is closed (they check remoteDone as well as localDone), where a socket's succeed", Link: "https://go.dev/src/net/pipe.go"},
	},
}
