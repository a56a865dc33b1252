// Package quic adapts quic-go streams — the main QUIC stack in Go — to the
// harness, in two close modes.
//
// Topology: pair — a QUIC listener and a client on loopback UDP with a
// self-signed certificate; the client opens a stream and the server
// accepts it. A QUIC stream only reaches the peer with its first frame, so
// the adapter sends one byte the server reads before the case starts.
// *quic.Stream has no LocalAddr/RemoteAddr; the adapter adds the
// connection's. quic-go documents Stream.Close as closing the send side
// only: Impl declares close mode half. ImplCancelRead is the variant users
// reach for (quic-go #3558): its Close also calls CancelRead, a full close.
// No CloseWrite, no SyscallConn.
package quic

import (
	"context"
	"io"
	"net"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/impls/internal/selfsigned"
)

// stream is a quic-go stream with addresses, closed as the variant says.
type stream struct {
	*quic.Stream
	conn       *quic.Conn
	cancelRead bool
}

func (s *stream) LocalAddr() net.Addr  { return s.conn.LocalAddr() }
func (s *stream) RemoteAddr() net.Addr { return s.conn.RemoteAddr() }

// Close closes the send side; with cancelRead it also stops reading.
func (s *stream) Close() error {
	if s.cancelRead {
		s.Stream.CancelRead(0)
	}
	return s.Stream.Close()
}

func newPair(ctx context.Context, cancelRead bool) (*harness.Pair, error) {
	srvTLS, err := selfsigned.Server("netconform")
	if err != nil {
		return nil, err
	}
	cliTLS, err := selfsigned.Client("netconform")
	if err != nil {
		return nil, err
	}
	cfg := &quic.Config{MaxIdleTimeout: time.Minute}
	// One Transport (UDP socket) per side, closed by stop: quic.ListenAddr's
	// own Transport would keep listening until the closed connection's IDs
	// expire (3 PTO, quic-go transport.go ReplaceWithClosed), so a case's
	// goroutines could outlive it.
	var trs []*quic.Transport
	closeTransports := func() {
		for _, tr := range trs {
			tr.Close()
			tr.Conn.Close()
		}
	}
	for range 2 {
		uc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			closeTransports()
			return nil, err
		}
		trs = append(trs, &quic.Transport{Conn: uc})
	}
	ln, err := trs[0].Listen(srvTLS, cfg)
	if err != nil {
		closeTransports()
		return nil, err
	}
	cc, err := trs[1].Dial(ctx, ln.Addr(), cliTLS, cfg)
	if err != nil {
		ln.Close()
		closeTransports()
		return nil, err
	}
	sc, err := ln.Accept(ctx)
	if err != nil {
		cc.CloseWithError(0, "")
		ln.Close()
		closeTransports()
		return nil, err
	}
	stop := func() {
		cc.CloseWithError(0, "")
		sc.CloseWithError(0, "")
		ln.Close()
		closeTransports()
	}
	cs, err := cc.OpenStreamSync(ctx)
	if err == nil {
		_, err = cs.Write([]byte{0}) // the stream exists for the peer once a frame arrives
	}
	if err != nil {
		stop()
		return nil, err
	}
	ss, err := sc.AcceptStream(ctx)
	if err == nil {
		_, err = io.ReadFull(ss, make([]byte, 1))
	}
	if err != nil {
		stop()
		return nil, err
	}
	return &harness.Pair{
		Client: &stream{Stream: cs, conn: cc, cancelRead: cancelRead},
		Server: &stream{Stream: ss, conn: sc, cancelRead: cancelRead},
		Stop:   stop,
	}, nil
}

// Impl is quic-go streams with Close as quic-go defines it (send side only).
var Impl = harness.Impl{
	Name:        "quic-go",
	Description: "quic-go streams on loopback UDP; Close closes the send side, as documented",
	URL:         "https://github.com/quic-go/quic-go",
	Version:     "v0.65.0",
	Caps:        harness.CapStream | harness.CapDeadline | harness.CapBuffered | harness.CapBounded,
	CloseMode:   harness.CloseHalf,
	NewPair:     func(ctx context.Context) (*harness.Pair, error) { return newPair(ctx, false) },
	Known:       known,
}

// ImplCancelRead is quic-go streams whose Close also cancels reading.
var ImplCancelRead = harness.Impl{
	Name:        "quic-go-cancelread",
	Description: "quic-go streams on loopback UDP; Close calls CancelRead, then Close (a full close)",
	URL:         "https://github.com/quic-go/quic-go/issues/3558",
	Version:     "v0.65.0",
	Caps:        harness.CapStream | harness.CapDeadline | harness.CapBuffered | harness.CapBounded,
	NewPair:     func(ctx context.Context) (*harness.Pair, error) { return newPair(ctx, true) },
	Known:       knownCancelRead,
}
