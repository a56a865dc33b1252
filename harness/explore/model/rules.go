package model

// The stream rules.
var (
	RuleReadPrefix = Rule{"read.prefix", Contract,
		"io.Reader and net.Conn.Read: a Read returns a non-empty prefix, at most len(p) bytes, of the bytes the peer wrote and nobody has read yet — never bytes not written, out of order, or twice"}
	RuleReadZeroWithData = Rule{"read.zero-with-data", Contract,
		"io.Reader: a Read with data queued returns some of it; 0, nil means nothing happened"}
	RuleReadDelivers = Rule{"read.delivers", Contract,
		"net.Conn.Read: data the peer wrote and nobody has read is returned to the next Read, which does not block (io.Reader returns what is available)"}
	RuleEOFAfterFIN = Rule{"read.eof-after-fin", Contract,
		"net.TCPConn.CloseWrite and io.Reader: io.EOF comes only after the writer's CloseWrite or Close, and only once every byte written before it was read"}
	RuleEOFAtFIN = Rule{"read.eof-at-fin", Contract,
		"net.TCPConn.CloseWrite: once the writer shut down its side and every byte was read, Read returns io.EOF instead of blocking"}
	RuleEOFSticky = Rule{"read.eof-sticky", Convention,
		"io.Reader as std net implements it: once a Read returned io.EOF, every later Read returns 0, io.EOF (TestCloseWrite)"}
	RuleEOFBare = Rule{"read.eof-bare", Contract,
		"io.EOF: Read must return EOF itself, not an error wrapping EOF, because callers will test for EOF using =="}
	RuleReadZeroLen = Rule{"read.zero-length", Convention,
		"internal/poll.FD.Read: a Read with an empty buffer on an open conn returns 0, nil at once, before looking at deadlines, queued data or the stream's end (TestZeroByteRead)"}
	RuleEOFWithData = Rule{"read.eof-with-data", Convention,
		"std net: a Read that returns data returns a nil error; io.EOF comes on the next Read"}
	RuleReadZeroNil = Rule{"read.zero-nil", Convention,
		"io.Reader: implementations are discouraged from returning 0, nil; std net's Read blocks until data, EOF, an error or a deadline"}
	RuleReadAfterClose = Rule{"closed.read-fails", Contract,
		"net.Conn.Close: after Close, Read returns an error"}
	RuleReadZeroAfterClose = Rule{"closed.read-zero-fails", Convention,
		"internal/poll.FD.Read: the closed check comes before the zero-length shortcut, so a Read with an empty buffer after Close fails too (net.ErrClosed)"}
	RuleReadAfterCloseClass = Rule{"closed.read-class", Convention,
		"net.ErrClosed: Read after the conn's own Close fails with an error wrapping net.ErrClosed (net.Pipe: io.ErrClosedPipe)"}
	RuleWriteAfterClose = Rule{"closed.write-fails", Contract,
		"net.Conn.Close: after Close, Write returns an error"}
	RuleWriteAfterCloseClass = Rule{"closed.write-class", Convention,
		"net.ErrClosed: Write after the conn's own Close fails with an error wrapping net.ErrClosed (net.Pipe: io.ErrClosedPipe)"}
	RuleCloseUnblocks = Rule{"closed.unblocks", Contract,
		"net.Conn.Close: any blocked Read or Write operations will be unblocked and return errors"}
	RuleCloseNil = Rule{"closed.close-nil", Convention,
		"std net: the first Close of an open conn returns nil"}
	RuleCloseTwice = Rule{"closed.close-twice", Convention,
		"net.ErrClosed: a second Close fails with an error wrapping net.ErrClosed (TestCloseError; net.Pipe's Close is idempotent and returns nil)"}
	RuleCtlAfterCloseClass = Rule{"closed.ctl-class", Convention,
		"net.ErrClosed: SetDeadline, CloseWrite and CloseRead on a closed conn fail with an error wrapping net.ErrClosed (net.Pipe: io.ErrClosedPipe)"}
	RuleWriteAfterCloseWrite = Rule{"halfclose.write-fails", Contract,
		"net.TCPConn.CloseWrite shuts down the writing side: a later Write fails"}
	RuleWriteAfterCloseWriteClass = Rule{"halfclose.write-epipe", Convention,
		"Linux write(2): a Write on a socket shut down for writing fails with EPIPE"}
	RuleHalfCloseNil = Rule{"halfclose.returns-nil", Contract,
		"net.TCPConn.CloseWrite and CloseRead: on an established conn whose peer is open they succeed"}
	RuleCloseReadReads = Rule{"halfclose.closeread-reads", Convention,
		"Linux shutdown(2) SHUT_RD: a Read after CloseRead returns what is queued, then 0, io.EOF, without blocking"}
	RuleDeadlineExceeded = Rule{"deadline.exceeded", Contract,
		"net.Conn.SetDeadline: once a deadline is exceeded, Read and Write fail with an error that wraps os.ErrDeadlineExceeded"}
	RuleDeadlineEarly = Rule{"deadline.not-early", Contract,
		"net.Conn.SetDeadline: a deadline is an absolute time; a call never fails with it before that time"}
	RuleDeadlineUnblocks = Rule{"deadline.unblocks", Contract,
		"net.Conn.SetReadDeadline and SetWriteDeadline apply to future calls and to any currently-blocked call"}
	RuleSetDeadlineNil = Rule{"deadline.set-nil", Convention,
		"std net: SetDeadline on an open conn returns nil"}
	RuleWriteShort = Rule{"write.short", Contract,
		"io.Writer: Write returns 0 <= n <= len(p), and a non-nil error if n < len(p)"}
	RuleWriteAccepted = Rule{"write.accepted", Contract,
		"io.Writer: n is the number of bytes written — the peer never reads more of a Write than it reported"}
	RuleWriteNilErr = Rule{"write.nil-error", Convention,
		"std net: a Write that wrote every byte returns a nil error"}
	RuleWriteCompletes = Rule{"write.completes", Contract,
		"net.Conn.Write: a Write whose bytes the transport buffers, or the peer read, returns"}
	RuleWritePeerClosed = Rule{"write.peer-closed", Convention,
		"std net on Linux: a Write to a peer that fully closed fails with EPIPE or ECONNRESET — at once on a unix socket, once the peer's RST arrived on TCP (net.Pipe: io.ErrClosedPipe)"}
	RuleNoCause = Rule{"stream.no-cause", Contract,
		"net.Conn: a call fails only for a cause — its own Close or CloseWrite/CloseRead, a deadline, the peer's close or reset"}
)

// The datagram rules.
var (
	RulePacketWhole = Rule{"packet.whole", Contract,
		"net.PacketConn.ReadFrom reads one packet: the payload of one datagram sent to this socket, whole or cut to len(p), never merged, split, corrupted or delivered twice"}
	RulePacketSource = Rule{"packet.source", Contract,
		"net.PacketConn.ReadFrom returns the address the packet came from: the sending socket's LocalAddr"}
	RulePacketRouting = Rule{"packet.routing", Contract,
		"net.PacketConn.WriteTo sends to addr: the datagram reaches that socket and no other"}
	RulePacketNoLoss = Rule{"packet.no-loss", Convention,
		"Linux loopback: a datagram sent to an open socket is not lost; its ReadFrom returns it without blocking"}
	RulePacketOrder = Rule{"packet.order", Convention,
		"Linux loopback: datagrams are read in the order they were sent"}
	RulePacketTruncate = Rule{"packet.truncate", Convention,
		"Linux udp(7): a datagram larger than the buffer is cut to len(p) silently: ReadFrom returns len(p), nil"}
	RulePacketWriteWhole = Rule{"packet.write-whole", Contract,
		"net.PacketConn.WriteTo writes a packet: it returns len(p), nil or an error"}
	RulePacketOversize = Rule{"packet.oversize", Convention,
		"Linux udp(7): a datagram larger than 65507 bytes fails with EMSGSIZE"}
)

// StreamRules and PacketRules list every rule, for documentation and tests.
var (
	StreamRules = []Rule{
		RuleReadPrefix, RuleReadZeroWithData, RuleReadDelivers, RuleEOFAfterFIN, RuleEOFAtFIN,
		RuleEOFSticky, RuleEOFWithData, RuleEOFBare, RuleReadZeroNil, RuleReadZeroLen, RuleReadAfterClose, RuleReadZeroAfterClose, RuleReadAfterCloseClass,
		RuleWriteAfterClose, RuleWriteAfterCloseClass, RuleCloseUnblocks, RuleCloseNil, RuleCloseTwice, RuleCtlAfterCloseClass,
		RuleWriteAfterCloseWrite, RuleWriteAfterCloseWriteClass, RuleHalfCloseNil, RuleCloseReadReads,
		RuleDeadlineExceeded, RuleDeadlineEarly, RuleDeadlineUnblocks, RuleSetDeadlineNil,
		RuleWriteShort, RuleWriteAccepted, RuleWriteNilErr, RuleWriteCompletes, RuleWritePeerClosed, RuleNoCause,
	}
	PacketRules = []Rule{
		RulePacketWhole, RulePacketSource, RulePacketRouting, RulePacketNoLoss, RulePacketOrder,
		RulePacketTruncate, RulePacketWriteWhole, RulePacketOversize,
		RuleReadAfterClose, RuleReadAfterCloseClass, RuleWriteAfterClose, RuleWriteAfterCloseClass,
		RuleCloseUnblocks, RuleCloseNil, RuleCloseTwice, RuleCtlAfterCloseClass, RuleSetDeadlineNil, RuleDeadlineExceeded, RuleDeadlineEarly, RuleDeadlineUnblocks, RuleNoCause,
	}
)

// Rules that only some transports have.
var (
	RuleResetReads = Rule{"reset.reads", Convention,
		"Linux TCP and unix sockets: once a reset can have arrived (the peer closed with unread data, or a Write reached a closed peer), Read returns the queued data, ECONNRESET or EOF instead of blocking"}
	RulePipeSync = Rule{"pipe.sync", Convention,
		"net.Pipe: reads on one end are matched with writes on the other; there is no internal buffering, so a Write returns only once the other end read all of it"}
	RuleCtlReturns = Rule{"conn.ctl-returns", Convention,
		"std net: Close, CloseWrite, CloseRead and SetDeadline return at once; they do not wait for the peer"}
)

// The listener rules.
var (
	RuleDialConnects = Rule{"dial.connects", Convention,
		"net.Dial: a dial to the address of an open listener connects (Linux: the kernel completes the handshake into the accept queue)"}
	RuleDialRefused = Rule{"dial.refused", Convention,
		"Linux connect(2): a dial to the address of a closed listener fails with ECONNREFUSED"}
	RuleDialNilConn = Rule{"dial.nil-conn", Convention,
		"net.Dialer.Dial: a dial that fails returns a nil conn with its error (Go's net never returns both)"}
	RuleDialContext = Rule{"dial.context-after", Contract,
		"net.Dialer.DialContext: once successfully connected, any expiration of the context will not affect the connection"}
	RuleAcceptReturns = Rule{"listener.accept-returns", Convention,
		"net.Listener.Accept waits for and returns the next connection: one whose handshake completed is returned without waiting for data or for other conns to close (Linux: the accept queue)"}
	RuleAcceptAfterClose = Rule{"listener.accept-after-close", Contract,
		"net.Listener.Close closes the listener: blocked Accepts are unblocked and return errors, and later Accepts fail"}
	RuleAcceptClosedClass = Rule{"listener.accept-closed-class", Convention,
		"net.ErrClosed: Accept on a closed listener fails with an error wrapping net.ErrClosed"}
	RuleAcceptPairs = Rule{"listener.accept-pairs", Convention,
		"net.Listener.Accept returns the other end of a dialed conn: its RemoteAddr is that conn's LocalAddr, and nothing else is accepted"}
	RuleAcceptOrder = Rule{"listener.accept-order", Convention,
		"Linux listen(2): the accept queue is FIFO: Accept returns conns in the order their handshakes completed"}
	RuleListenerResets = Rule{"listener.close-resets", Convention,
		"Linux: closing a listener resets the conns still in its accept queue: their Reads return ECONNRESET instead of blocking"}
	RuleListenerKeepsConns = Rule{"listener.close-keeps-conns", Convention,
		"std net: closing a listener leaves the conns it accepted open"}
	RuleListenInUse = Rule{"listener.addr-in-use", Convention,
		"Linux bind(2): a second Listen on the address of an open listener fails with EADDRINUSE (Go sets SO_REUSEADDR on listeners, never SO_REUSEPORT)"}
	RuleListenerAddr = Rule{"listener.addr", Convention,
		"net.Listener.Addr returns the listener's network address: the address its accepted conns have as LocalAddr"}
	ListenRules = []Rule{
		RuleDialConnects, RuleDialRefused, RuleDialNilConn, RuleDialContext, RuleAcceptReturns, RuleAcceptAfterClose,
		RuleAcceptClosedClass, RuleAcceptPairs, RuleAcceptOrder, RuleListenerResets, RuleListenerKeepsConns, RuleListenInUse,
		RuleCloseNil, RuleCloseTwice, RuleCtlAfterCloseClass, RuleSetDeadlineNil, RuleDeadlineExceeded, RuleDeadlineEarly,
		RuleDeadlineUnblocks, RuleCloseUnblocks, RuleReadPrefix, RuleReadDelivers, RuleReadZeroWithData, RuleWriteCompletes,
		RuleWriteShort, RuleNoCause, RuleCtlReturns,
	}
)

// Rules the explorer checks itself, outside the models: what conns and
// listeners say of their addresses.
var (
	RuleAddrs = Rule{"conn.addrs", Convention,
		"net.Conn.LocalAddr and RemoteAddr: both are known on a connected stream, do not change, and mirror the other end's when it is a kernel socket"}
	RuleMethods = Rule{"conn.methods", Convention,
		"harness.Caps: a conn has the methods of the capabilities in effect — a wrapper of a kernel TCP socket keeps *net.TCPConn's CloseWrite and CloseRead — or the implementation does not declare them"}
	WorldRules = []Rule{RuleAddrs, RuleListenerAddr, RuleMethods}
)

// All returns every rule, once each.
func All() []Rule {
	seen := map[string]bool{}
	var out []Rule
	for _, list := range [][]Rule{StreamRules, PacketRules, ListenRules, WorldRules} {
		for _, r := range list {
			if !seen[r.ID] {
				seen[r.ID] = true
				out = append(out, r)
			}
		}
	}
	return out
}

func init() {
	StreamRules = append(StreamRules, RuleResetReads, RulePipeSync, RuleCtlReturns)
	PacketRules = append(PacketRules, RuleCtlReturns)
}
