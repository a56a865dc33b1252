package explore

import (
	"context"
	"errors"
	"net"

	"github.com/netconform/netconform/harness/explore/model"
)

// Peer says what the other end (B, "peer") of a stream pair is.
type Peer int

// The kinds of other end.
const (
	PeerOwn  Peer = iota // the implementation's own other end (a pipe, a multiplexer)
	PeerTCP              // a kernel TCP socket (Go's std net)
	PeerUnix             // a kernel unix stream socket (Go's std net)
)

// Caps says what the explorer may generate for the implementation's ends.
// It never generates an operation the subject did not declare.
type Caps uint32

// The capabilities.
const (
	CapCloseWrite Caps = 1 << iota // conns have CloseWrite() error
	CapCloseRead                   // conns have CloseRead() error
	CapDeadline                    // SetDeadline, SetReadDeadline, SetWriteDeadline work
	CapConcurrent                  // calls may run in background goroutines while others run
	CapCopy                        // io.Copy into and out of the conn (its ReadFrom/WriteTo when it has them)
	CapBuffered                    // a Write of up to 64 KiB returns without the peer reading
)

// kernelCaps is what a kernel socket end supports.
const kernelCaps = CapCloseWrite | CapCloseRead | CapDeadline | CapConcurrent | CapCopy | CapBuffered

// CloseMode says what Close means.
type CloseMode int

// The close modes.
const (
	CloseFull CloseMode = iota // Close releases both directions (net.Conn's contract)
	CloseHalf                  // Close closes the write side only (hashicorp/yamux, quic-go)
)

// Subject is what to explore: an implementation, declared by its caller.
type Subject struct {
	Name string
	// NewPair returns a connected stream pair: a is the implementation
	// under test ("iut"), b the other end ("peer"), as Peer says. stop, if
	// not nil, tears down what lies beneath; it is called after both ends
	// were closed and must not block forever. Nil when the implementation
	// has no streams.
	NewPair func(ctx context.Context) (a, b net.Conn, stop func(), err error)
	Peer    Peer
	// NewPacket returns an unconnected datagram server socket and clients
	// separate sockets, all the implementation's. Nil when it has none.
	// Sequences run in parallel and send to sockets they closed, so each
	// call's sockets must not be reachable at another call's addresses (a
	// loopback address of their own, say).
	NewPacket func(ctx context.Context, clients int) (server net.PacketConn, cs []net.PacketConn, stop func(), err error)
	// NewListening returns a listener and the way to connect to it, for
	// sequences of dials, accepts and closes; nil when there is none.
	NewListening func(ctx context.Context) (*Listening, error)
	// Clients is how many datagram clients a sequence uses (default 3).
	Clients int
	Caps    Caps
	Close   CloseMode
	// Transport names the conventions checked beyond the contract: "tcp",
	// "unix", "pipe" (net.Pipe), "udp", or "" for none. A kernel peer
	// implies "tcp" or "unix".
	Transport string
	// PacketTransport is Transport for the datagram sockets ("udp" for
	// Linux's loopback conventions); "" means Transport.
	PacketTransport string
	// ClosedClass is the class of calls after the implementation's own
	// Close: "closed" (net.ErrClosed, the default) or "closed-pipe".
	ClosedClass string
	// Classify names an error's class ("eof", "closed", "deadline", …, see
	// package model); it must return "none" for nil.
	Classify func(error) string
	// Role is the role the implementation plays, in the case language's
	// words ("client": it dialed, or owns the datagram clients; "server"),
	// for the cases GoCase prints; "" for none.
	Role string
}

// Validate reports a subject the explorer cannot use.
func (s *Subject) Validate() error {
	switch {
	case s.Name == "":
		return errors.New("explore: subject has no name")
	case s.NewPair == nil && s.NewPacket == nil && s.NewListening == nil:
		return errors.New("explore: subject " + s.Name + " has none of NewPair, NewPacket and NewListening")
	case s.Classify == nil:
		return errors.New("explore: subject " + s.Name + " has no Classify")
	}
	return nil
}

// endCaps is what may be generated on end x of a stream pair.
func (s *Subject) endCaps(x model.End) Caps {
	if x == model.B && s.Peer != PeerOwn {
		return kernelCaps
	}
	return s.Caps
}

func (s *Subject) closedClass() string {
	if s.ClosedClass == "" {
		return model.Closed
	}
	return s.ClosedClass
}

// streamSpec declares the pair to the model.
func (s *Subject) streamSpec(o *Options) model.StreamSpec {
	tr := model.Transport(s.Transport)
	switch {
	case s.Peer == PeerTCP:
		tr = model.TCP
	case s.Peer == PeerUnix:
		tr = model.Unix
	case tr == "":
		tr = model.Plain
	}
	spec := model.StreamSpec{Transport: tr, ResetSettle: o.settle(), Tolerance: o.tolerance(), ContractOnly: o.ContractOnly}
	for _, x := range []model.End{model.A, model.B} {
		e := &spec.Ends[x]
		e.Buffered = s.endCaps(x)&CapBuffered != 0
		if x == model.A || s.Peer == PeerOwn {
			e.CloseHalf = s.Close == CloseHalf
			e.ClosedClass = s.closedClass()
		}
	}
	return spec
}

func (s *Subject) packetSpec(o *Options) model.PacketSpec {
	tr := model.Transport(s.Transport)
	if s.PacketTransport != "" {
		tr = model.Transport(s.PacketTransport)
	}
	if tr == "" {
		tr = model.Plain
	}
	return model.PacketSpec{Clients: s.clients(), Transport: tr, ClosedClass: s.closedClass(), Tolerance: o.tolerance(), ContractOnly: o.ContractOnly}
}

func (s *Subject) clients() int {
	if s.Clients <= 0 {
		return 3
	}
	return s.Clients
}

func (s *Subject) classify(err error) string {
	if err == nil {
		return model.None
	}
	c := s.Classify(err)
	if c == "" || c == model.None {
		return model.Other // an error is never "none"
	}
	return c
}
