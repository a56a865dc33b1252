package script

import (
	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/errclass"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/sysobs"
)

// The words a case is written with that other packages define: the case
// language re-exports them, so that case files import this package only.

// Level says how binding a case's expectation is (result.Level).
type Level = result.Level

// The levels.
const (
	Contract      = result.Contract      // net.Conn, net.Listener, net.PacketConn or io documentation
	Convention    = result.Convention    // what Go's std net does on Linux
	Informational = result.Informational // recorded, never failed
)

// Class is the meaning of an error (errclass.Class).
type Class = errclass.Class

// The error classes a step can expect.
const (
	None             = errclass.None             // nil
	EOF              = errclass.EOF              // io.EOF
	Closed           = errclass.Closed           // net.ErrClosed
	ClosedPipe       = errclass.ClosedPipe       // io.ErrClosedPipe
	Deadline         = errclass.Deadline         // os.ErrDeadlineExceeded
	TimeoutOther     = errclass.TimeoutOther     // Timeout() without os.ErrDeadlineExceeded
	Reset            = errclass.Reset            // ECONNRESET
	BrokenPipe       = errclass.BrokenPipe       // EPIPE
	Refused          = errclass.Refused          // ECONNREFUSED
	NotConnected     = errclass.NotConnected     // ENOTCONN
	Unreachable      = errclass.Unreachable      // EHOSTUNREACH, ENETUNREACH
	TimedOut         = errclass.TimedOut         // ETIMEDOUT
	AddrInUse        = errclass.AddrInUse        // EADDRINUSE
	AddrNotAvail     = errclass.AddrNotAvail     // EADDRNOTAVAIL
	MsgSize          = errclass.MsgSize          // EMSGSIZE
	DestAddrRequired = errclass.DestAddrRequired // EDESTADDRREQ
	Aborted          = errclass.Aborted          // ECONNABORTED
	NotFound         = errclass.NotFound         // ENOENT
	WriteToConnected = errclass.WriteToConnected // net.ErrWriteToConnected
	Canceled         = errclass.Canceled         // context.Canceled
	ContextDeadline  = errclass.ContextDeadline  // context.DeadlineExceeded
	AddrError        = errclass.AddrError        // *net.AddrError
	DNSError         = errclass.DNSError         // *net.DNSError
	UnknownNetwork   = errclass.UnknownNetwork   // net.UnknownNetworkError
	NotImplemented   = errclass.NotImplemented   // errors.ErrUnsupported
	Other            = errclass.Other            // anything else
)

// Role is the side the implementation under test plays (harness.Role).
type Role = harness.Role

// The roles.
const (
	RoleClient = harness.RoleClient // the IUT dialed (or opened the stream)
	RoleServer = harness.RoleServer // the IUT accepted (or owns the listener or server socket)
)

// Caps is a set of capabilities a case needs (harness.Caps).
type Caps = harness.Caps

// The capabilities a case can need; harness.Caps documents each.
const (
	CapStream           = harness.CapStream
	CapHalfClose        = harness.CapHalfClose
	CapCloseRead        = harness.CapCloseRead
	CapDeadline         = harness.CapDeadline
	CapListener         = harness.CapListener
	CapListenerDeadline = harness.CapListenerDeadline
	CapDial             = harness.CapDial
	CapPacket           = harness.CapPacket
	CapPacketDial       = harness.CapPacketDial
	CapKeepAlive        = harness.CapKeepAlive
	CapLinger           = harness.CapLinger
	CapNoDelay          = harness.CapNoDelay
	CapFD               = harness.CapFD
	CapKernel           = harness.CapKernel
	CapTCP              = harness.CapTCP
	CapBuffered         = harness.CapBuffered
	CapKeepAliveOptions = harness.CapKeepAliveOptions
	CapResets           = harness.CapResets
	CapBounded          = harness.CapBounded
	CapConn             = harness.CapConn
)

// TCPState is a kernel TCP state (sysobs.TCPState).
type TCPState = sysobs.TCPState

// The TCP states ExpectState can expect; Absent means the kernel holds no
// socket for the 4-tuple.
const (
	Absent      = sysobs.Absent
	Established = sysobs.Established
	SynSent     = sysobs.SynSent
	SynRecv     = sysobs.SynRecv
	FinWait1    = sysobs.FinWait1
	FinWait2    = sysobs.FinWait2
	TimeWait    = sysobs.TimeWait
	CloseState  = sysobs.Close
	CloseWait   = sysobs.CloseWait
	LastAck     = sysobs.LastAck
	ListenState = sysobs.Listen
	Closing     = sysobs.Closing
)

// Opt names a socket option ExpectOpt reads and SetOpt writes (sysobs.Opt).
type Opt = sysobs.Opt

// The socket options.
const (
	OptKeepAlive   = sysobs.OptKeepAlive   // SO_KEEPALIVE
	OptKeepIdle    = sysobs.OptKeepIdle    // TCP_KEEPIDLE, seconds
	OptKeepIntvl   = sysobs.OptKeepIntvl   // TCP_KEEPINTVL, seconds
	OptKeepCnt     = sysobs.OptKeepCnt     // TCP_KEEPCNT
	OptNoDelay     = sysobs.OptNoDelay     // TCP_NODELAY
	OptReuseAddr   = sysobs.OptReuseAddr   // SO_REUSEADDR
	OptLinger      = sysobs.OptLinger      // SO_LINGER: -1 off, else seconds
	OptNonBlock    = sysobs.OptNonBlock    // O_NONBLOCK
	OptCloExec     = sysobs.OptCloExec     // FD_CLOEXEC
	OptBroadcast   = sysobs.OptBroadcast   // SO_BROADCAST
	OptUserTimeout = sysobs.OptUserTimeout // TCP_USER_TIMEOUT, milliseconds
	OptV6Only      = sysobs.OptV6Only      // IPV6_V6ONLY
	OptProtocol    = sysobs.OptProtocol    // SO_PROTOCOL
)

// DialOptions are the knobs a case may ask the IUT to dial with
// (harness.DialOptions).
type DialOptions = harness.DialOptions

// ListenOptions are the knobs a case may ask the IUT to listen with
// (harness.ListenOptions).
type ListenOptions = harness.ListenOptions

// Impl describes an implementation under test (harness.Impl); a case's
// Requires receives it.
type Impl = harness.Impl

// Known is a known divergence of an implementation (harness.Known).
type Known = harness.Known
