package mutants

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/netconform/netconform/harness"
)

// bugs are the mutants, one realistic bug each.
var bugs = []bug{
	{
		name: "closed-is-eof",
		what: "after Close, Read, Write and Accept fail with io.EOF instead of an error wrapping net.ErrClosed",
		seen: "xtaci/smux, gVisor gonet, x/crypto/ssh, pion (IMPLS.md §3)",
		errs: func(err error) error {
			if errors.Is(err, net.ErrClosed) {
				return io.EOF
			}
			return err
		},
	},
	{
		name: "accept-closed-custom",
		what: "Accept on a closed listener fails with a private error (\"mux: server closed\"), not one wrapping net.ErrClosed",
		seen: "soheilhy/cmux ErrServerClosed (cmux #39), hashicorp/yamux \"session shutdown\"",
		accept: func(l *listener) (net.Conn, error) {
			c, err := l.Listener.Accept()
			if errors.Is(err, net.ErrClosed) {
				return nil, errServerClosed
			}
			if err != nil {
				return nil, err
			}
			return l.wrap(c), nil
		},
	},
	{
		name: "deadline-not-sentinel",
		what: "an expired deadline fails with a private net.Error whose Timeout() is true but which does not wrap os.ErrDeadlineExceeded",
		seen: "hashicorp/yamux #156, xtaci/smux, grpc bufconn, gVisor gonet",
		errs: func(err error) error {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return timeoutError{}
			}
			return err
		},
	},
	{
		name:            "deadlines-ignored",
		what:            "SetDeadline, SetReadDeadline and SetWriteDeadline, on conns and listeners, return nil and change nothing",
		seen:            "x/crypto/ssh channels (golang/go#65930) ignore deadlines",
		setDeadline:     func(*conn, int, time.Time) error { return nil },
		ignoreDeadlines: true,
	},
	{
		name: "past-deadline-returns-data",
		what: "a Read whose deadline has passed still returns data that is already buffered",
		seen: "hashicorp/yamux, xtaci/smux, grpc bufconn, libp2p/go-yamux",
		read: func(c *conn, p []byte) (int, error) {
			rdl, _ := c.deadlines()
			if rdl.IsZero() || time.Now().Before(rdl) {
				return c.Conn.Read(p)
			}
			c.Conn.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
			defer c.Conn.SetReadDeadline(rdl)
			return c.Conn.Read(p)
		},
	},
	{
		name:  "close-leaves-read-blocked",
		what:  "Close does not release a blocked Read: the socket is closed only once the Reads in progress have returned",
		seen:  "hashicorp/yamux and quic-go streams; net.Pipe before golang/go#18401",
		close: closeAfterReads,
		read:  failIfClosed,
	},
	{
		name:  "close-is-half",
		what:  "Close only shuts the write side: the peer reads EOF, and this end's Reads go on returning data",
		seen:  "hashicorp/yamux and quic-go streams (documented), quic-go #3558",
		close: halfClose,
	},
	{
		name:    "close-twice-nil",
		what:    "a second Close, of a conn or a listener, returns nil instead of an error wrapping net.ErrClosed",
		seen:    "net.Pipe, hashicorp/yamux, grpc bufconn, pion (IMPLS.md §3)",
		close:   closeTwiceNil,
		lnClose: lnCloseTwiceNil,
	},
	{
		name:       "closewrite-noop",
		what:       "CloseWrite returns nil and sends nothing, so the peer never reads EOF",
		seen:       "adapters that stub CloseWrite",
		closeWrite: func(*conn) error { return nil },
	},
	{
		name:          "closewrite-hidden",
		what:          "conns have net.Conn's methods only: the wrapper hides CloseWrite, CloseRead and the TCP setters of the socket underneath",
		seen:          "soheilhy/cmux MuxConn, x/net netutil.LimitListener (golang/go#64830), pires/go-proxyproto",
		hideHalfClose: true,
	},
	{
		name:       "closewrite-drops-buffered",
		what:       "Write buffers and a goroutine flushes every 20 ms; CloseWrite shuts the socket down without flushing, so data written just before is lost",
		seen:       "write-behind wrappers that do not flush before CloseWrite",
		fresh:      startWriteBehind,
		write:      writeBehind,
		closeWrite: shutdownUnflushed,
	},
	{
		name:      "closeread-closes",
		what:      "CloseRead closes the whole socket",
		seen:      "wrappers that map CloseRead onto Close",
		closeRead: func(c *conn) error { c.closed.Store(true); return c.Conn.Close() },
	},
	{
		name: "eof-with-data",
		what: "a short Read waits 2 ms for more and returns its last bytes together with io.EOF",
		seen: "quic-go streams and grpc bufconn return n > 0 with io.EOF",
		read: readWithEOF,
	},
	{
		name: "eof-wrapped",
		what: "the end of stream is returned wrapped in a *net.OpError instead of as io.EOF itself",
		seen: "adapters that add context with fmt.Errorf(\"read: %w\", err)",
		read: func(c *conn, p []byte) (int, error) {
			n, err := c.Conn.Read(p)
			if err == io.EOF {
				err = &net.OpError{Op: "read", Net: "tcp", Err: io.EOF}
			}
			return n, err
		},
	},
	{
		name: "read-overcounts",
		what: "Read reports 16 bytes more than it copied, a frame header counted as payload",
		seen: "framing layers that return the length on the wire",
		read: func(c *conn, p []byte) (int, error) {
			n, err := c.Conn.Read(p)
			if n > 0 {
				n += 16
			}
			return n, err
		},
	},
	{
		name:  "read-one-short",
		what:  "Read returns at most len(p)-1 bytes, even when more are queued, which io.Reader allows",
		seen:  "decoders that hold back a byte (a delimiter or an escape)",
		legal: true,
		read: func(c *conn, p []byte) (int, error) {
			if len(p) > 1 && !isDatagram(c) {
				p = p[:len(p)-1] // a stream may return less; a datagram read may not
			}
			return c.Conn.Read(p)
		},
	},
	{
		name:  "write-interleaves",
		what:  "Write sends 1 KiB pieces without holding a lock across them, so concurrent Writes interleave",
		seen:  "frame-by-frame writers in stream multiplexers",
		write: writePieces,
	},
	{
		name:            "keepalive-ignored",
		what:            "keep-alive is never set: the dial and listen options and SetKeepAlive, SetKeepAlivePeriod and SetKeepAliveConfig do nothing",
		seen:            "userspace stacks and wrappers that drop socket options",
		ignoreKeepAlive: true,
	},
	{
		name:       "c-defaults",
		what:       "sockets keep the C defaults instead of Go's: no TCP_NODELAY, no keep-alive, no SO_REUSEADDR on listeners, no SO_BROADCAST on UDP",
		seen:       "programs and stacks that do not apply Go's socket defaults (the C and Python drivers)",
		control:    cDefaults,
		fresh:      func(c *conn) { c.tcp().SetNoDelay(false) },
		dialOpts:   func(o *harness.DialOptions) { noDefaultKeepAlive(&o.KeepAlive, &o.KeepAliveConfig) },
		listenOpts: func(o *harness.ListenOptions) { noDefaultKeepAlive(&o.KeepAlive, &o.KeepAliveConfig) },
	},
	{
		name:  "fd-inheritable",
		what:  "sockets lose FD_CLOEXEC, so every child process the program starts inherits them",
		seen:  "descriptors duplicated without O_CLOEXEC for fd passing",
		fresh: func(c *conn) { setFDFlags(c, 0) },
	},
	{
		name:      "linger-ignored",
		what:      "SetLinger returns nil and changes nothing, so a zero linger never aborts with RST",
		seen:      "adapters that drop socket options",
		setLinger: func(*conn, int) error { return nil },
	},
	{
		name:  "linger-on-by-default",
		what:  "every conn gets SO_LINGER of 5 s so that Close \"waits for the data to be sent\"",
		seen:  "graceful-close wrappers",
		fresh: func(c *conn) { c.tcp().SetLinger(5) },
	},
	{
		name:    "reuseport",
		what:    "every socket gets SO_REUSEADDR and SO_REUSEPORT, so a second Listen on a port in use succeeds",
		seen:    "load-balancing wrappers that set SO_REUSEPORT by default",
		control: reusePort,
	},
	{
		name:    "udp-reply-to-last-sender",
		what:    "WriteTo ignores its address and sends to the source of the last datagram read",
		seen:    "UDP servers that keep one \"current peer\"",
		writeTo: replyToLast,
	},
	{
		name:     "udp-merges-datagrams",
		what:     "a datagram read appends the next queued datagram from the same sender when it fits the buffer",
		seen:     "stream-minded buffering over UDP",
		readFrom: mergeDatagrams,
		read:     datagramsOnly(mergeDatagrams),
	},
	{
		name:    "udp-splits-datagrams",
		what:    "Write and WriteTo send a datagram larger than 1200 bytes as several datagrams",
		seen:    "MTU-chunking layers",
		write:   splitWrite,
		writeTo: splitWriteTo,
	},
	{
		name:     "udp-short-buffer-error",
		what:     "a datagram larger than the buffer fails the read with an error instead of being truncated silently",
		seen:     "pion vnet (\"short buffer\")",
		readFrom: shortBufferError,
		read:     datagramsOnly(shortBufferError),
	},
	{
		name: "udp-writeto-connected",
		what: "WriteTo on a connected datagram conn writes to the connected peer instead of failing with ErrWriteToConnected",
		seen: "C and CPython on Linux (sendto on a connected UDP socket)",
		writeTo: func(c *conn, p []byte, a net.Addr) (int, error) {
			if c.Conn.RemoteAddr() != nil {
				return c.Conn.Write(p)
			}
			return c.Conn.(udpConn).WriteTo(p, a)
		},
	},
	{
		name:       "udp-connect-emulated",
		what:       "a connected datagram conn is an unconnected socket that remembers its peer: it takes datagrams from anyone and never sees ICMP errors",
		seen:       "userspace UDP emulating connect (pion, gVisor-style)",
		dialPacket: emulatedConnect,
	},
	{
		name:  "addrs-nil",
		what:  "LocalAddr and RemoteAddr return nil",
		seen:  "stub adapters",
		addrs: func(*conn) (net.Addr, net.Addr) { return nil, nil },
	},
	{
		name:  "addrs-swapped",
		what:  "LocalAddr returns the remote address and RemoteAddr the local one",
		seen:  "adapters that confuse the two ends",
		addrs: func(c *conn) (net.Addr, net.Addr) { return c.Conn.RemoteAddr(), c.Conn.LocalAddr() },
	},
	{
		name: "write-after-close-succeeds",
		what: "Write and WriteTo after Close return len(p), nil",
		seen: "pion udp.Listener conns, akutz/memconn memb, gVisor gonet (#10023)",
		write: func(c *conn, p []byte) (int, error) {
			if c.closed.Load() {
				return len(p), nil
			}
			return c.Conn.Write(p)
		},
		writeTo: func(c *conn, p []byte, a net.Addr) (int, error) {
			if c.closed.Load() {
				return len(p), nil
			}
			return c.Conn.(udpConn).WriteTo(p, a)
		},
	},
	{
		name:   "accept-after-close-blocks",
		what:   "Accept on a closed listener blocks instead of failing",
		seen:   "x/net netutil.LimitListener at its limit (golang/go#24458)",
		accept: acceptBlocksAfterClose,
	},
	{
		name:  "timeout-poisons",
		what:  "after a Read or Write times out, every later Read and Write fails with that timeout, even once the deadline is cleared",
		seen:  "crypto/tls after a write timeout (golang/go#46977), coder/websocket, x/net/websocket",
		read:  poisonRead,
		write: poisonWrite,
	},
	{
		name: "errors-flattened",
		what: "every error is re-made from its text (fmt.Errorf with %v): none matches net.ErrClosed, os.ErrDeadlineExceeded, io.EOF or an errno",
		seen: "adapters that wrap errors with %v instead of %w",
		errs: func(err error) error { return errors.New(err.Error()) },
	},
	{
		name:          "accept-in-background",
		what:          "the listener accepts every conn as it arrives, in a goroutine of its own, and queues it in a channel: the kernel's backlog stays empty",
		seen:          "soheilhy/cmux, accept loops that feed workers",
		startListener: acceptLoop,
		accept:        acceptQueued,
	},
	{
		name: "read-zero-waits",
		what: "a zero-length Read waits for data instead of returning 0, nil at once",
		seen: "libp2p/go-yamux, coder/websocket, C's recv(fd, buf, 0)",
		read: readZeroWaits,
	},
	{
		name: "write-zero-shortcut",
		what: "a zero-length Write returns 0, nil before looking at the deadline or whether the conn is closed",
		seen: "libp2p/go-yamux, gVisor gonet (#10023)",
		write: func(c *conn, p []byte) (int, error) {
			if len(p) == 0 {
				return 0, nil
			}
			return c.Conn.Write(p)
		},
	},
	{
		name: "reset-is-eof",
		what: "a reset reads as a clean end of stream: ECONNRESET, EPIPE and ECONNREFUSED become io.EOF",
		seen: "wrappers that treat every read error as the end of the stream",
		errs: func(err error) error {
			if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNREFUSED) {
				return io.EOF
			}
			return err
		},
	},
	{
		name:    "close-leaks-socket",
		what:    "Close marks the conn or listener closed but never closes the socket: no FIN is sent, the listener keeps listening, and the descriptor leaks",
		seen:    "reference-counted wrappers that miss a decrement",
		close:   func(c *conn) error { c.closed.Store(true); return nil },
		lnClose: func(l *listener) error { l.closed.Store(true); return nil },
		accept: func(l *listener) (net.Conn, error) {
			if l.closed.Load() {
				return nil, errClosedConn
			}
			c, err := l.Listener.Accept()
			if err != nil {
				return nil, err
			}
			return l.wrap(c), nil
		},
		read: failIfClosed,
		write: func(c *conn, p []byte) (int, error) {
			if c.closed.Load() {
				return 0, errClosedConn
			}
			return c.Conn.Write(p)
		},
	},
	{
		name: "close-on-eof",
		what: "a Read that reaches end of stream closes the conn, so this end can no longer write",
		seen: "relays that tear down both directions on the first EOF",
		read: func(c *conn, p []byte) (int, error) {
			n, err := c.Conn.Read(p)
			if err == io.EOF {
				c.closed.Store(true)
				c.Conn.Close()
			}
			return n, err
		},
	},
	{
		name:  "close-drains-unread",
		what:  "Close first reads and discards unread data, so a conn closed with unread data ends with FIN, not RST",
		seen:  "graceful-close helpers that drain the socket to avoid a reset",
		close: drainThenClose,
	},
	{
		name:    "listener-close-closes-conns",
		what:    "closing the listener also closes every conn it accepted",
		seen:    "hashicorp/yamux and libp2p/go-yamux sessions used as listeners",
		lnClose: closeListenerAndConns,
	},
	{
		name:   "accept-limit-one",
		what:   "the listener serves one conn at a time: a conn accepted while another is open is closed at once, and Accept waits for the next",
		seen:   "connection limiters that reject instead of queueing",
		accept: acceptOneAtATime,
	},
	{
		name:    "close-closes-twice",
		what:    "Close closes the socket twice internally and returns the second error, so even the first Close of a conn or a listener fails",
		seen:    "wrappers that close both themselves and the conn they wrap",
		close:   func(c *conn) error { c.closed.Store(true); c.Conn.Close(); return c.Conn.Close() },
		lnClose: func(l *listener) error { l.closed.Store(true); l.Listener.Close(); return l.Listener.Close() },
	},
	{
		name: "deadlines-shared",
		what: "SetReadDeadline and SetWriteDeadline both set the one deadline of the conn",
		seen: "adapters over transports with a single deadline (SetDeadline only)",
		setDeadline: func(c *conn, _ int, t time.Time) error {
			return c.Conn.SetDeadline(t)
		},
	},
	{
		name:        "dial-returns-conn-with-error",
		what:        "a failed Dial returns a non-nil conn together with the error",
		seen:        "\"return c, err\" where \"return nil, err\" was meant",
		dialConnErr: true,
	},
	{
		name: "write-zero-fails",
		what: "a zero-length Write fails with io.ErrShortWrite",
		seen: "framing layers that refuse empty frames",
		write: func(c *conn, p []byte) (int, error) {
			if len(p) == 0 {
				return 0, io.ErrShortWrite
			}
			return c.Conn.Write(p)
		},
	},
	{
		name:    "defer-accept",
		what:    "listeners set TCP_DEFER_ACCEPT: the kernel completes a handshake into the accept queue only once the client has sent data",
		seen:    "servers tuned with deferred accept (nginx \"listen … deferred\")",
		control: deferAccept,
	},
	{
		name:    "copy-reports-eof",
		what:    "io.Copy through the conn's ReadFrom and WriteTo reports the io.EOF that ended the copy as an error, where a successful Copy returns nil",
		seen:    "xtaci/smux: Stream.WriteTo returns waitRead's io.EOF at the end of the stream (stream.go writeToV1)",
		copyIn:  func(c *conn, r io.Reader) (int64, error) { return eofAtEnd(c.Conn.(io.ReaderFrom).ReadFrom(r)) },
		copyOut: func(c *conn, w io.Writer) (int64, error) { return eofAtEnd(c.Conn.(io.WriterTo).WriteTo(w)) },
	},
	{
		name:  "write-retains-buffer",
		what:  "Write queues the caller's slice without copying it and returns len(p) at once; a goroutine sends it later, so a caller that reuses its buffer sends what it wrote next",
		seen:  "asynchronous send queues in userspace stacks and multiplexers (io.Writer: implementations must not retain p)",
		write: retainingWrite,
	},
	{
		name:   "dial-context-bound",
		what:   "a dialed conn is closed when the context given to Dial ends, even after Dial returned",
		seen:   "adapters that pass the Dial context on to the conn: coder/websocket's NetConn(ctx, …) closes the conn when ctx is done",
		dialed: func(ctx context.Context, c *conn) { context.AfterFunc(ctx, func() { c.Conn.Close() }) },
	},
	{
		name:     "udp-zero-payload-eof",
		what:     "a zero-length datagram reads as io.EOF, as if the socket were a stream at its end",
		seen:     "Go's net itself before TestUDPZeroBytePayload pinned it: a read of zero bytes meant end of stream on every socket",
		readFrom: zeroPayloadEOF,
		read:     datagramsOnly(zeroPayloadEOF),
	},
	{
		name:         "udp-remoteaddr-last-sender",
		what:         "an unconnected datagram socket's RemoteAddr is the source of the last datagram read, not nil",
		seen:         "wrappers that give an unconnected socket a net.Conn face by remembering its last peer",
		packetRemote: lastSender,
	},
	{
		name:    "udp-truncation-hidden",
		what:    "ReadMsgUDP reads through a 64 KiB buffer of its own and copies out what fits, so a truncated datagram never reports MSG_TRUNC",
		seen:    "pion/transport's udp.Conn, which reads every datagram through a buffer of its own",
		readMsg: readMsgBuffered,
	},
	{
		name:    "errors-flattened-unix",
		what:    "on unix sockets, every error is re-made from its text (fmt.Errorf with %v): none matches net.ErrClosed, os.ErrDeadlineExceeded, io.EOF or an errno",
		seen:    "adapters that wrap errors with %v instead of %w",
		errs:    func(err error) error { return errors.New(err.Error()) },
		network: "unix",
	},
	{
		name:    "dial-through-relay",
		what:    "Dial connects through a local relay that connects to the address and copies both ways, and the conn reports the address as its RemoteAddr: its socket is the relay's peer, not the address's",
		seen:    "proxy clients (SOCKS, HTTP CONNECT, sidecars) whose conns report the target as RemoteAddr",
		dialVia: relayDial,
	},
	{
		name: "read-fills-buffer",
		what: "Read waits until len(p) bytes have arrived (or the stream ends) instead of returning what is available",
		seen: "adapters that implement Read with io.ReadFull, as framing layers that read fixed-size blocks do",
		read: func(c *conn, p []byte) (int, error) {
			if isDatagram(c) {
				return c.Conn.Read(p)
			}
			n, err := io.ReadFull(c.Conn, p)
			if err == io.ErrUnexpectedEOF {
				err = nil // the next Read reports the end
			}
			return n, err
		},
	},
	{
		name:  "eof-closes-in-background",
		what:  "a goroutine of the conn's own watches the socket and closes the conn as soon as the peer's FIN arrives, whether or not anyone reads",
		seen:  "conns with a read loop of their own that end on the first EOF (multiplexer sessions' recvLoop, read-ahead wrappers)",
		fresh: watchFIN,
	},
	{
		name:    "dial-probes-first",
		what:    "Dial connects once to check the address is reachable and closes that connection, then connects again and returns the second one: the listener accepts the closed probe first",
		seen:    "clients that test reachability with a throwaway connection before the real one",
		dialVia: probeThenDial,
	},
	{
		name: "listener-addr-unspecified",
		what: "the listener's Addr reports the unspecified address with the port (0.0.0.0:port) instead of the address it is bound to",
		seen: "wrappers that report the configured address rather than the bound one",
		lnAddr: func(l *listener) net.Addr {
			a := l.Listener.Addr().(*net.TCPAddr)
			return &net.TCPAddr{IP: net.IPv4zero, Port: a.Port}
		},
	},
}

// isDatagram reports whether c is a datagram conn.
func isDatagram(c *conn) bool { _, ok := c.Conn.(udpConn); return ok }

// datagramsOnly applies a datagram read hook to datagram conns only.
func datagramsOnly(f func(c *conn, p []byte) (int, net.Addr, error)) func(c *conn, p []byte) (int, error) {
	return func(c *conn, p []byte) (int, error) {
		if !isDatagram(c) {
			return c.Conn.Read(p)
		}
		n, _, err := f(c, p)
		return n, err
	}
}

var (
	errServerClosed = errors.New("mux: server closed")
	errClosedConn   = &net.OpError{Op: "use", Net: "tcp", Err: net.ErrClosed}
)

// timeoutError is a timeout that is not os.ErrDeadlineExceeded.
type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout (private)" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

func failIfClosed(c *conn, p []byte) (int, error) {
	if c.closed.Load() {
		return 0, errClosedConn
	}
	return c.Conn.Read(p)
}

// closeAfterReads closes the socket once no Read is in progress.
func closeAfterReads(c *conn) error {
	if c.closed.Swap(true) {
		return errClosedConn
	}
	if c.pending.Load() == 0 {
		return c.Conn.Close()
	}
	stop := make(chan struct{})
	c.state = stopper(func() { close(stop) })
	go func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for c.pending.Load() > 0 {
			select {
			case <-t.C:
			case <-stop:
				return
			}
		}
		c.Conn.Close()
	}()
	return nil
}

// stopper is per-conn state that forceClose stops.
type stopper func()

func (s stopper) stop() { s() }

func halfClose(c *conn) error {
	if c.closed.Swap(true) {
		return errClosedConn
	}
	if t, ok := c.Conn.(*net.TCPConn); ok {
		return t.CloseWrite()
	}
	return c.Conn.Close()
}

func closeTwiceNil(c *conn) error {
	if c.closed.Swap(true) {
		return nil
	}
	return c.Conn.Close()
}

func lnCloseTwiceNil(l *listener) error {
	if l.closed.Swap(true) {
		return nil
	}
	return l.Listener.Close()
}

// writeBehindState is the buffer a goroutine flushes every 20 ms.
type writeBehindState struct {
	mu   sync.Mutex
	buf  []byte
	shut bool
	done chan struct{}
	once sync.Once
}

func (w *writeBehindState) stop() { w.once.Do(func() { close(w.done) }) }

func startWriteBehind(c *conn) {
	if isDatagram(c) {
		return
	}
	w := &writeBehindState{done: make(chan struct{})}
	c.state = w
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-w.done:
				return
			case <-t.C:
			}
			w.mu.Lock()
			data, shut := w.buf, w.shut
			w.buf = nil
			w.mu.Unlock()
			if len(data) > 0 && !shut {
				c.Conn.Write(data)
			}
		}
	}()
}

func writeBehind(c *conn, p []byte) (int, error) {
	w, ok := c.state.(*writeBehindState)
	if !ok || len(p) == 0 || c.closed.Load() {
		return c.Conn.Write(p)
	}
	w.mu.Lock()
	w.buf = append(w.buf, p...)
	w.mu.Unlock()
	return len(p), nil
}

func shutdownUnflushed(c *conn) error {
	w, ok := c.state.(*writeBehindState)
	if !ok {
		return c.Conn.(*net.TCPConn).CloseWrite()
	}
	w.mu.Lock()
	w.shut, w.buf = true, nil
	w.mu.Unlock()
	return c.Conn.(*net.TCPConn).CloseWrite()
}

// readWithEOF tops up a short read for 2 ms and reports an end of stream
// met meanwhile together with the data.
func readWithEOF(c *conn, p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil || n == len(p) || n == 0 || isDatagram(c) {
		return n, err
	}
	rdl, _ := c.deadlines()
	c.Conn.SetReadDeadline(time.Now().Add(2 * time.Millisecond))
	m, err2 := c.Conn.Read(p[n:])
	c.Conn.SetReadDeadline(rdl)
	if err2 == io.EOF {
		return n + m, io.EOF
	}
	return n + m, nil
}

func writePieces(c *conn, p []byte) (int, error) {
	if len(p) == 0 || isDatagram(c) {
		return c.Conn.Write(p)
	}
	n := 0
	for n < len(p) {
		k, err := c.Conn.Write(p[n:min(n+1024, len(p))])
		n += k
		if err != nil {
			return n, err
		}
		runtime.Gosched()
	}
	return n, nil
}

// noDefaultKeepAlive turns Go's default keep-alive off, leaving explicit
// settings alone.
func noDefaultKeepAlive(ka *time.Duration, cfg *net.KeepAliveConfig) {
	if *ka == 0 && *cfg == (net.KeepAliveConfig{}) {
		*ka = -1
	}
}

func cDefaults(network, _ string, rc syscall.RawConn) error {
	return rc.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 0)
		syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_BROADCAST, 0)
	})
}

func reusePort(_, _ string, rc syscall.RawConn) error {
	return rc.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
		syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, soReusePort, 1)
	})
}

func setFDFlags(c *conn, flags int) {
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_SETFD, uintptr(flags))
	})
}

func replyToLast(c *conn, p []byte, a net.Addr) (int, error) {
	c.mu.Lock()
	if c.lastFrom != nil {
		a = c.lastFrom
	}
	c.mu.Unlock()
	return c.Conn.(udpConn).WriteTo(p, a)
}

// mergeDatagrams reads one datagram, then the next one queued from the
// same sender if it arrives within 2 ms and fits.
func mergeDatagrams(c *conn, p []byte) (int, net.Addr, error) {
	u := c.Conn.(udpConn)
	n, from, err := u.ReadFrom(p)
	if err != nil || n == len(p) {
		return n, from, err
	}
	rdl, _ := c.deadlines()
	c.Conn.SetReadDeadline(time.Now().Add(2 * time.Millisecond))
	defer c.Conn.SetReadDeadline(rdl)
	buf := make([]byte, 64<<10)
	m, from2, err2 := u.ReadFrom(buf)
	if err2 == nil && from2.String() == from.String() && n+m <= len(p) {
		n += copy(p[n:], buf[:m])
	}
	return n, from, nil
}

func splitWrite(c *conn, p []byte) (int, error) {
	if len(p) <= 1200 || !isDatagram(c) {
		return c.Conn.Write(p)
	}
	n := 0
	for n < len(p) {
		k, err := c.Conn.Write(p[n:min(n+1200, len(p))])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func splitWriteTo(c *conn, p []byte, a net.Addr) (int, error) {
	u := c.Conn.(udpConn)
	if len(p) <= 1200 {
		return u.WriteTo(p, a)
	}
	n := 0
	for n < len(p) {
		k, err := u.WriteTo(p[n:min(n+1200, len(p))], a)
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func shortBufferError(c *conn, p []byte) (int, net.Addr, error) {
	buf := make([]byte, 64<<10)
	n, from, err := c.Conn.(udpConn).ReadFrom(buf)
	if err != nil {
		return 0, from, err
	}
	if n > len(p) {
		return copy(p, buf), from, io.ErrShortBuffer
	}
	return copy(p, buf[:n]), from, nil
}

// emuConn is an unconnected UDP socket that plays a connected one.
type emuConn struct {
	*net.UDPConn
	remote net.Addr
}

func (e *emuConn) RemoteAddr() net.Addr        { return e.remote }
func (e *emuConn) Write(p []byte) (int, error) { return e.UDPConn.WriteTo(p, e.remote) }
func (e *emuConn) Read(p []byte) (int, error)  { n, _, err := e.UDPConn.ReadFrom(p); return n, err }
func (e *emuConn) WriteTo(p []byte, a net.Addr) (int, error) {
	return 0, &net.OpError{Op: "write", Net: "udp", Addr: a, Err: net.ErrWriteToConnected}
}

func emulatedConnect(ctx context.Context, b *bug, network, address string) (net.Conn, error) {
	ra, err := net.ResolveUDPAddr(network, address)
	if err != nil {
		return nil, err
	}
	local := "127.0.0.1:0"
	if ra.IP.To4() == nil {
		local = "[::1]:0"
	}
	var lc net.ListenConfig
	pc, err := lc.ListenPacket(ctx, network, local)
	if err != nil {
		return nil, err
	}
	_, out := b.wrapConn(ctx, &emuConn{UDPConn: pc.(*net.UDPConn), remote: ra})
	return out, nil
}

func acceptBlocksAfterClose(l *listener) (net.Conn, error) {
	if l.closed.Load() {
		<-l.release
		return nil, errClosedConn
	}
	c, err := l.Listener.Accept()
	if err != nil {
		if l.closed.Load() {
			<-l.release
		}
		return nil, err
	}
	return l.wrap(c), nil
}

func poisonRead(c *conn, p []byte) (int, error) {
	if err := c.poisoned(); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(p)
	c.maybePoison(err)
	return n, err
}

func poisonWrite(c *conn, p []byte) (int, error) {
	if err := c.poisoned(); err != nil {
		return 0, err
	}
	n, err := c.Conn.Write(p)
	c.maybePoison(err)
	return n, err
}

func (c *conn) poisoned() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.poison
}

func (c *conn) maybePoison(err error) {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		c.mu.Lock()
		c.poison = err
		c.mu.Unlock()
	}
}

// acceptLoop accepts in the background into a queue.
type acceptQueue struct {
	conns chan net.Conn
	err   chan error
}

func acceptLoop(l *listener) {
	q := &acceptQueue{conns: make(chan net.Conn, 128), err: make(chan error, 1)}
	l.state = q
	go func() {
		for {
			c, err := l.Listener.Accept()
			if err != nil {
				q.err <- err
				return
			}
			select {
			case q.conns <- c:
			case <-l.release:
				c.Close()
				return
			}
		}
	}()
}

// stop closes the conns still queued when the case ends.
func (q *acceptQueue) stop() {
	for {
		select {
		case c := <-q.conns:
			c.Close()
		default:
			return
		}
	}
}

func acceptQueued(l *listener) (net.Conn, error) {
	q := l.state.(*acceptQueue)
	select {
	case c := <-q.conns:
		return l.wrap(c), nil
	case err := <-q.err:
		q.err <- err
		return nil, err
	}
}

// readZeroWaits makes a zero-length Read wait until the socket is
// readable, peeking without consuming.
func readZeroWaits(c *conn, p []byte) (int, error) {
	if len(p) > 0 {
		return c.Conn.Read(p)
	}
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var one [1]byte
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		_, _, e := syscall.Recvfrom(int(fd), one[:], syscall.MSG_PEEK)
		if e == syscall.EAGAIN {
			return false
		}
		rerr = e
		return true
	})
	if err != nil {
		return 0, err
	}
	return 0, rerr
}

// drainThenClose reads and discards for up to 20 ms before closing.
func drainThenClose(c *conn) error {
	if c.closed.Swap(true) {
		return errClosedConn
	}
	c.Conn.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	io.Copy(io.Discard, c.Conn)
	return c.Conn.Close()
}

func closeListenerAndConns(l *listener) error {
	if l.closed.Swap(true) {
		return l.Listener.Close()
	}
	err := l.Listener.Close()
	l.mu.Lock()
	conns := l.accepted
	l.mu.Unlock()
	for _, c := range conns {
		c.closed.Store(true)
		c.Conn.Close()
	}
	return err
}

// acceptOneAtATime closes a conn accepted while an earlier one is open.
func acceptOneAtATime(l *listener) (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		busy := false
		for _, a := range l.accepted {
			if !a.closed.Load() {
				busy = true
			}
		}
		l.mu.Unlock()
		if !busy {
			return l.wrap(c), nil
		}
		c.Close()
	}
}

// deferAccept sets TCP_DEFER_ACCEPT (5 s) on stream sockets; on a
// dialed socket it has no effect.
func deferAccept(network, _ string, rc syscall.RawConn) error {
	if network[:3] != "tcp" {
		return nil
	}
	return rc.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_DEFER_ACCEPT, 5)
	})
}

// soReusePort is SO_REUSEPORT on Linux, which package syscall lacks.
const soReusePort = 0xf
