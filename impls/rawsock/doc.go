// Package rawsock is a net.Conn, net.Listener and net.PacketConn written
// straight on Linux syscalls through golang.org/x/sys/unix — not a wrapper
// around package net — and its adapter to the conformance harness.
//
// It is the syscall walk-through of the seed documents turned into an
// implementation: socket() with SOCK_NONBLOCK|SOCK_CLOEXEC (the flags the
// strace of a Go server shows on every fd), bind() and listen() (with
// SO_REUSEADDR on listeners, as Go sets it), accept4(), connect() with
// EINPROGRESS and SO_ERROR, read()/write() and recvfrom()/sendto(), and
// shutdown() for CloseRead and CloseWrite. Where Go hides a goroutine
// behind the runtime's netpoller, rawsock has its own: one edge-triggered
// epoll instance, started with the first socket and stopped with the last,
// whose goroutine wakes the goroutines waiting on a socket. Deadlines are
// its own timers. Close wakes every waiter and waits for the syscalls in
// flight before it closes the fd, so an fd number is never reused under a
// running call.
//
// It sets what a careful from-scratch implementation would, not everything
// Go sets: no TCP_NODELAY and no keepalive unless asked, no SO_BROADCAST
// on UDP sockets, and WriteTo on a connected UDP socket is passed to the
// kernel (which sends it) instead of failing with net.ErrWriteToConnected.
// The report shows these as declared divergences from Go's conventions;
// every contract case passes.
package rawsock
