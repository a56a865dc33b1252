package harness

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strings"
)

// CloseMode says what Close means for an implementation's conns.
type CloseMode string

const (
	// CloseFull: Close releases both directions (net.Conn's contract).
	CloseFull CloseMode = "full"
	// CloseHalf: Close only closes the write side, as documented by
	// hashicorp/yamux and quic-go streams. That breaks net.Conn's contract
	// ("any blocked Read or Write operations will be unblocked"): the cases
	// that check it fail, and the implementation lists them as known
	// divergences with that reason.
	CloseHalf CloseMode = "half"
)

// Role says which side of a connection the implementation under test
// (IUT) plays; the other side is the reference peer, or the IUT's own other
// end in pair topology.
type Role string

// The roles.
const (
	RoleClient Role = "client" // the IUT dialed (or opened the stream)
	RoleServer Role = "server" // the IUT accepted (or owns the listener or server socket)
)

// A Known divergence: a case this implementation is known to fail, with the
// reason and the upstream issue where one exists. A listed case that fails
// is reported known-failure; one that passes is unexpected-pass, a failure
// of the run, so the list cannot rot.
type Known struct {
	Case   string `json:"case"`
	Role   Role   `json:"role,omitempty"` // empty: every role
	Reason string `json:"reason"`
	Link   string `json:"link,omitempty"`
	// Intermittent marks a divergence that shows on some runs only (a race
	// inside the implementation): a pass is then recorded as a pass, not
	// as unexpected-pass. Use it only with the race named in Reason.
	Intermittent bool `json:"intermittent,omitempty"`
}

// Impl describes an implementation under test in one value.
//
// A reference-peer implementation sets Dial and/or Listen (and
// ListenPacket/DialPacket for datagrams): its endpoints talk to Go's std net
// on kernel sockets. A pair-topology implementation, which only exists in
// pairs (net.Pipe, stream multiplexers), sets NewPair and optionally
// NewListener. Every func receives a context that ends with the case;
// CaseCleanup and CaseValue attach per-case resources to it.
type Impl struct {
	Name        string // lower-case, digits, '-' and '.': it is a subtest name and a report column
	Description string // one line
	URL         string
	Version     string
	Caps        Caps
	CloseMode   CloseMode // default CloseFull
	Network     string    // network of Dial and Listen: "tcp4" (default), "tcp6", "unix"; "udp4" or "udp6" for a listener of datagram conns
	PacketNet   string    // datagram network: "udp4" (default), "udp6"
	Known       []Known
	// Parallel, when positive, bounds how many of the implementation's
	// cases run at once (below MaxParallel): for implementations whose
	// cases each start a process (drivers), which compete for the CPU.
	Parallel int

	Dial         func(ctx context.Context, network, address string, o DialOptions) (net.Conn, error)
	Listen       func(ctx context.Context, network, address string, o ListenOptions) (net.Listener, error)
	ListenPacket func(ctx context.Context, network, address string) (net.PacketConn, error)
	DialPacket   func(ctx context.Context, network, address string) (net.Conn, error)

	NewPair     func(ctx context.Context) (*Pair, error)
	NewListener func(ctx context.Context) (*PairListener, error)

	// Prepare, when set, runs at the start of each case attempt, before
	// the topology is built: it starts per-case resources (a driver
	// process) so that their start-up is not timed as part of the first
	// call. An error ends the case as an error.
	Prepare func(ctx context.Context) error

	// Close, when set, runs when a run of the implementation's cases has
	// ended (suite.Run and suite.Explore call it after the last case, before
	// their leak checks; code that runs cases itself, through runner.Run,
	// calls it when done): it releases what the implementation keeps from
	// one case to the next, such as idle driver processes. The
	// implementation stays usable.
	Close func()

	// Preface, when set, runs on each conn the reference peer dials to the
	// IUT's listener before the case uses it: it writes what a real client
	// of the implementation sends first (a PROXY protocol header, a
	// multiplexer's matching prefix). It must not read.
	Preface func(c net.Conn) error
}

var validImplName = regexp.MustCompile(`^[a-z0-9]+([.-][a-z0-9]+)*$`)

// Validate reports a declaration error: a bad name, or a capability with no
// function to exercise it.
func (im *Impl) Validate() error {
	switch {
	case !validImplName.MatchString(im.Name):
		return fmt.Errorf("impl name %q: want lower-case words joined by '-' or '.'", im.Name)
	case im.Caps.Has(CapStream) && im.NewPair == nil && im.Dial == nil && im.Listen == nil:
		return fmt.Errorf("impl %s declares stream but sets none of NewPair, Dial, Listen", im.Name)
	case im.Caps.Has(CapListener) && im.Listen == nil && im.NewListener == nil:
		return fmt.Errorf("impl %s declares listener but sets neither Listen nor NewListener", im.Name)
	case im.Caps.Has(CapDial) && im.Dial == nil:
		return fmt.Errorf("impl %s declares dial but has no Dial", im.Name)
	case im.Caps.Has(CapPacket) && im.ListenPacket == nil:
		return fmt.Errorf("impl %s declares packet but has no ListenPacket", im.Name)
	case im.Caps.Has(CapPacketDial) && im.DialPacket == nil:
		return fmt.Errorf("impl %s declares packet-dial but has no DialPacket", im.Name)
	case im.CloseMode != "" && im.CloseMode != CloseFull && im.CloseMode != CloseHalf:
		return fmt.Errorf("impl %s: unknown close mode %q", im.Name, im.CloseMode)
	}
	for _, k := range im.Known {
		if k.Reason == "" {
			return fmt.Errorf("impl %s: known divergence %s has no reason", im.Name, k.Case)
		}
	}
	return nil
}

// EffectiveCaps is Caps plus what kernel sockets carry (see Caps).
func (im *Impl) EffectiveCaps() Caps {
	c := im.Caps
	switch n := im.StreamNetwork(); {
	case c.Has(CapKernel|CapStream) && strings.HasPrefix(n, "tcp"):
		c |= kernelTCPCaps | CapTCP
		if im.Pairwise() {
			c &^= CapKeepAliveOptions &^ im.Caps // NewPair takes no options
		}
	case c.Has(CapKernel|CapStream) && n == "unix":
		c |= kernelUnixCaps
	case c.Has(CapKernel | CapPacket):
		c |= CapFD
	}
	if c.Has(CapTCP) {
		c |= CapResets
	}
	if c.Has(CapStream) || c.Has(CapPacketDial) || im.DatagramConns() {
		c |= CapConn
	}
	return c
}

// DatagramConns reports whether the implementation's conns are connected
// datagram conns rather than byte streams: it declares no streams, and
// has DialPacket or a Listen on a datagram network (one conn per remote).
func (im *Impl) DatagramConns() bool {
	return !im.Caps.Has(CapStream) && (im.DialPacket != nil || im.Listen != nil && strings.HasPrefix(im.StreamNetwork(), "udp"))
}

// Pairwise reports whether the implementation only exists in pairs.
func (im *Impl) Pairwise() bool { return im.NewPair != nil }

// StreamNetwork is Network with its default.
func (im *Impl) StreamNetwork() string {
	if im.Network == "" {
		return "tcp4"
	}
	return im.Network
}

// DatagramNetwork is PacketNet with its default.
func (im *Impl) DatagramNetwork() string {
	if im.PacketNet == "" {
		return "udp4"
	}
	return im.PacketNet
}

// KnownFor returns the known divergence declared for a case in a role.
func (im *Impl) KnownFor(caseID string, role Role) (Known, bool) {
	for _, k := range im.Known {
		if k.Case == caseID && (k.Role == "" || k.Role == role) {
			return k, true
		}
	}
	return Known{}, false
}
