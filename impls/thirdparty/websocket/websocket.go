// Package websocket adapts coder/websocket's NetConn — the maintained
// WebSocket-to-net.Conn bridge — to the harness.
//
// Topology: pair — an HTTP server on loopback accepts the WebSocket, a
// client dials it, and both are wrapped with websocket.NetConn (binary
// messages; each Write is one message, Reads span messages). The read
// limit is lifted, as users moving streams do. Close mode: full (Close
// runs the WebSocket close handshake). No CloseWrite, no SyscallConn.
package websocket

import (
	"context"
	"net"
	"net/http"
	"sync"

	"github.com/coder/websocket"

	"github.com/netconform/netconform/harness"
)

// NewPair accepts one WebSocket and wraps both ends.
func NewPair(ctx context.Context) (*harness.Pair, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	accepted := make(chan net.Conn, 1)
	done := make(chan struct{})
	var handlers sync.WaitGroup
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlers.Add(1)
		defer handlers.Done()
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		c.SetReadLimit(-1)
		accepted <- websocket.NetConn(context.Background(), c, websocket.MessageBinary)
		<-done // the handler lives as long as the case
	})}
	go srv.Serve(ln)
	stop := func() {
		close(done)
		srv.Close()
		handlers.Wait()
	}
	c, _, err := websocket.Dial(ctx, "ws://"+ln.Addr().String(), nil)
	if err != nil {
		stop()
		return nil, err
	}
	c.SetReadLimit(-1)
	client := websocket.NetConn(context.Background(), c, websocket.MessageBinary)
	select {
	case server := <-accepted:
		return &harness.Pair{Client: client, Server: server, Stop: stop}, nil
	case <-ctx.Done():
		client.Close()
		stop()
		return nil, ctx.Err()
	}
}

// Impl is coder/websocket NetConn.
var Impl = harness.Impl{
	Name:        "coder-websocket",
	Description: "coder/websocket NetConn (binary messages) over a loopback HTTP server",
	URL:         "https://github.com/coder/websocket",
	Version:     "v1.8.15",
	Caps:        harness.CapStream | harness.CapDeadline | harness.CapBuffered | harness.CapBounded,
	NewPair:     NewPair,
	Known:       known,
}
