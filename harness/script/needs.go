package script

import (
	"fmt"
	"slices"
	"strings"

	"github.com/netconform/netconform/harness"
)

// What a case needs of an implementation: what it declares (Needs: the
// kind of thing it checks — streams, a listener, TCP semantics, bounded
// buffers) and what its steps need of the endpoints they act on, where
// those endpoints are the implementation's. The reference peer is Go's
// std net on kernel sockets: it has every method, so it never gates a
// case. Whose each endpoint is follows from the topology (pair or
// reference peer), the role and the steps that make endpoints.

// A need is what one step needs of one endpoint.
type need struct {
	ep   string
	caps harness.Caps
	// observe: the endpoint's TCP socket must be observable in the kernel
	// (its state, its segments).
	observe bool
	// far: the socket at the other end of ep's 4-tuple must be observable
	// too.
	far bool
}

// A needer is a family whose steps need something of their endpoint.
type needer interface {
	needs(s Step) []need
}

// An implGap is a family whose steps need a function of the
// implementation (Listen to listen on a given address): gap says why im
// cannot run the step, or "".
type implGap interface {
	implGap(im *harness.Impl, role Role) string
}

// A maker is a family whose steps make endpoints.
type maker interface {
	makes(w *whose)
}

// whose says, for one run of a case, which endpoints are the
// implementation's, and which are listeners.
type whose struct {
	im       *harness.Impl
	role     Role
	iut, ln  map[string]bool
	pairwise bool // the implementation's own pair listener (its Dial reaches it)
}

// newWhose starts from the endpoints the setup makes.
func newWhose(c *Case, im *harness.Impl, role Role) *whose {
	w := &whose{im: im, role: role, iut: map[string]bool{}, ln: map[string]bool{}}
	pair := im.Pairwise()
	switch c.Setup {
	case SetupConn:
		// A userspace datagram stack's peer is a socket of its own.
		own := pair || im.DatagramConns() && !im.Caps.Has(harness.CapKernel)
		w.set(Client, own || role == RoleClient)
		w.set(Server, own || role == RoleServer)
		if !pair {
			w.set(Ln, role == RoleServer)
			w.ln[Ln] = true
		}
	case SetupListener:
		w.set(Ln, true)
		w.ln[Ln] = true
		w.pairwise = im.NewListener != nil && (pair || im.Listen == nil)
	case SetupDialer:
		w.set(Ln, dialsItsOwn(im))
		w.ln[Ln] = true
	case SetupPacket:
		virtual := !im.Caps.Has(harness.CapKernel)
		w.set(Server, role == RoleServer || virtual)
		for i := 1; i <= max(c.Clients, 1); i++ {
			w.set(fmt.Sprintf("c%d", i), role == RoleClient || virtual)
		}
	}
	switch {
	case c.Setup == SetupPacket && role == RoleServer, c.Setup == SetupConn && role == RoleServer:
		w.alias(IUT, Server)
		w.alias(Peer, first(c.Setup))
	case c.Setup == SetupPacket, c.Setup == SetupConn:
		w.alias(IUT, first(c.Setup))
		w.alias(Peer, Server)
	}
	return w
}

// first is the setup's first client.
func first(s Setup) string {
	if s == SetupPacket {
		return "c1"
	}
	return Client
}

func (w *whose) set(ep string, iut bool) { w.iut[ep] = iut }
func (w *whose) alias(name, to string)   { w.iut[name], w.ln[name] = w.iut[to], w.ln[to] }

// gap says why the implementation cannot meet need n, or "".
func (w *whose) gap(s Step, n need) string {
	iut := w.iut[n.ep]
	eff := w.im.EffectiveCaps()
	caps := n.caps
	if w.ln[n.ep] && caps.Has(harness.CapDeadline) {
		caps = caps&^harness.CapDeadline | harness.CapListenerDeadline
	}
	if n.observe && (iut || n.far) {
		caps |= harness.CapKernel | harness.CapTCP
	}
	tcpRef := strings.HasPrefix(w.im.StreamNetwork(), "tcp")
	switch {
	case (iut || n.far) && !eff.Has(caps):
		return fmt.Sprintf("lacks %s, which %s needs of %s", caps&^eff, s.Call(), w.describe(n.ep, iut))
	case n.observe && (!iut || n.far) && !tcpRef:
		return fmt.Sprintf("%s observes TCP sockets, and the reference peer's are %s sockets", s.Call(), w.im.StreamNetwork())
	case !iut && !refCaps(w.im).Has(n.caps):
		return fmt.Sprintf("%s needs %s of %s, which Go's %s sockets lack", s.Call(), n.caps&^refCaps(w.im), w.describe(n.ep, iut), w.im.StreamNetwork())
	}
	return ""
}

// refCaps is what the reference peer's conns have: std net's sockets of
// the implementation's network.
func refCaps(im *harness.Impl) harness.Caps {
	ref := harness.Impl{Caps: harness.CapStream | harness.CapKernel | harness.CapDeadline | harness.CapListenerDeadline, Network: im.StreamNetwork()}
	return ref.EffectiveCaps()
}

// describe names an endpoint for a gap: "iut (the IUT's conn)".
func (w *whose) describe(ep string, iut bool) string {
	side := "the reference peer's"
	if iut {
		side = "the IUT's"
	}
	kind := "conn"
	if w.ln[ep] {
		kind = "listener"
	}
	return fmt.Sprintf("%s (%s %s)", ep, side, kind)
}

// Gap says why im cannot run c in role: a capability the case needs that
// im lacks, a capability a step needs of one of im's endpoints, or a role
// it cannot play. "" means it can run.
func (c *Case) Gap(im *harness.Impl, role Role) string {
	if missing := c.Needs &^ im.EffectiveCaps(); missing != 0 {
		return fmt.Sprintf("%s does not declare %s, which the case needs of %s", im.Name, missing, whereNeeded(missing))
	}
	if gap := c.RoleGap(im, role); gap != "" {
		return fmt.Sprintf("%s: %s", im.Name, gap)
	}
	w := newWhose(c, im, role)
	for _, s := range c.Script {
		if gap := w.stepGap(s); gap != "" {
			return fmt.Sprintf("%s %s", im.Name, gap)
		}
	}
	return ""
}

// NotApplicable says why c asks nothing im could answer in role, or "":
// a byte-stream case of an implementation whose conns are not byte
// streams, a datagram case of one without datagram sockets, or a case
// about TCP itself (its states, segments, keepalive) of a stream that is
// not TCP. Such a result is reported as not applicable, apart from the
// unsupported ones, which an implementation of that kind could support.
func (c *Case) NotApplicable(im *harness.Impl, role Role) string {
	caps := im.EffectiveCaps()
	const packets = harness.CapPacket | harness.CapPacketDial
	switch needs := c.Needs | c.StepNeeds(im, role); {
	case needs.Has(harness.CapStream) && !caps.Has(harness.CapStream):
		return fmt.Sprintf("a byte-stream case; %s's conns are not byte streams", im.Name)
	case needs&packets != 0 && !needs.Has(harness.CapStream) && caps&packets == 0:
		return fmt.Sprintf("a datagram case; %s has no datagram sockets", im.Name)
	case needs&(harness.CapTCP|harness.CapKeepAliveOptions) != 0 && !caps.Has(harness.CapTCP):
		return fmt.Sprintf("a case about TCP itself; %s is not TCP", im.Name)
	case needs.Has(harness.CapListener) && caps&(harness.CapStream|harness.CapListener) == 0:
		return fmt.Sprintf("a listener case; %s has datagram sockets, which have no listener", im.Name)
	case needs.Has(harness.CapDial) && caps&(harness.CapStream|harness.CapDial) == 0:
		return fmt.Sprintf("a case of dialing streams; %s dials datagram sockets (DialPacket)", im.Name)
	}
	return ""
}

// whereNeeded names the endpoints of the IUT a case's own needs concern.
func whereNeeded(c harness.Caps) string {
	var where []string
	add := func(w string) {
		if !slices.Contains(where, w) {
			where = append(where, w)
		}
	}
	for _, one := range []harness.Caps{harness.CapDial, harness.CapListener, harness.CapListenerDeadline, harness.CapPacket,
		harness.CapPacketDial, harness.CapKeepAliveOptions, harness.CapKernel, harness.CapTCP} {
		if !c.Has(one) {
			continue
		}
		c &^= one
		switch one {
		case harness.CapDial:
			add("its dialer (the IUT dials)")
		case harness.CapListener, harness.CapListenerDeadline:
			add("its listener (ln)")
		case harness.CapPacket:
			add("its server socket")
		case harness.CapPacketDial:
			add("its client sockets")
		case harness.CapKeepAliveOptions:
			add("its Dial and Listen (their keep-alive options)")
		case harness.CapKernel:
			add("its sockets (observed in the kernel)")
		case harness.CapTCP:
			add("its streams (TCP end to end)")
		}
	}
	if c != 0 {
		add("its conns (iut)")
	}
	return strings.Join(where, " and ")
}

// stepGap makes what the step makes and checks what it needs.
func (w *whose) stepGap(s Step) string {
	if g, ok := s.f.(implGap); ok {
		if gap := g.implGap(w.im, w.role); gap != "" {
			return gap
		}
	}
	if n, ok := s.f.(needer); ok {
		for _, need := range n.needs(s) {
			if gap := w.gap(s, need); gap != "" {
				return gap
			}
		}
	}
	if m, ok := s.f.(maker); ok {
		m.makes(w)
	}
	return ""
}

// StepNeeds is what c's steps need of im's endpoints in role, beyond the
// case's own Needs: the capabilities a result lists.
func (c *Case) StepNeeds(im *harness.Impl, role Role) harness.Caps {
	w := newWhose(c, im, role)
	var all harness.Caps
	for _, s := range c.Script {
		if n, ok := s.f.(needer); ok {
			for _, need := range n.needs(s) {
				if w.iut[need.ep] || need.far {
					all |= need.caps
					if need.observe {
						all |= harness.CapKernel | harness.CapTCP
					}
				}
			}
		}
		if m, ok := s.f.(maker); ok {
			m.makes(w)
		}
	}
	return all
}
