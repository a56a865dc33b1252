package explore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/errclass"
	"github.com/netconform/netconform/harness/explore/model"
	"github.com/netconform/netconform/harness/internal/scope"
)

// An Exploration is one subject Explorations makes of an implementation:
// the implementation in one role.
type Exploration struct {
	Role    harness.Role
	Subject Subject
	// Known is the rules the implementation declares it breaks in this
	// role (harness.Known entries "explore.<rule>"): Options.Known.
	Known map[string]bool
}

// CleanCase is the case ID of an exploration's summary row: it passes
// when enough sequences ran without a finding.
const CleanCase = "explore.sequences.clean"

// RuleCase is the case ID of a rule's rows and known divergences:
// "explore.<rule>", as "explore.read.zero-with-data".
func RuleCase(r model.Rule) string { return "explore." + r.ID }

// RuleOfCase returns the rule whose case ID id is (RuleCase).
func RuleOfCase(id string) (model.Rule, bool) {
	rid, ok := strings.CutPrefix(id, "explore.")
	if !ok {
		return model.Rule{}, false
	}
	r, ok := rulesByID()[rid]
	return r, ok
}

// rulesByID indexes model.All once: RuleOfCase is asked of every known
// divergence of every implementation run, and model.All builds its list
// afresh each time.
var rulesByID = sync.OnceValue(func() map[string]model.Rule {
	m := map[string]model.Rule{}
	for _, r := range model.All() {
		m[r.ID] = r
	}
	return m
})

// Explorations returns the subjects that explore im, one per role it
// plays, each built as the case language builds the topology of a case
// (harness/script: SetupConn, SetupPacket), afresh for each sequence:
//
//   - pair topology (NewPair): role client; both ends are im's (PeerOwn);
//   - reference peer: role client when im has Dial (im dials a reference
//     listener made for the sequence), role server when it has Listen (a
//     listener of im's made for the sequence, which the reference peer
//     dials, sending im's Preface); the other end is a kernel socket of
//     Go's std net (PeerTCP, or PeerUnix on "unix");
//   - datagrams (ListenPacket), in each role: unconnected sockets, the
//     server socket im's and the clients the reference's in role server,
//     the other way round in role client, all im's when its sockets are
//     not kernel sockets (as SetupPacket with Unconnected).
//
// What the explorer generates follows im's effective capabilities
// (harness.Impl.EffectiveCaps); its other end's are a kernel socket's.
// Each sequence runs in a case scope of its own — Prepare, CaseValue,
// CaseCleanup and a context that ends with the sequence — and setup (a
// dial, an accept) that takes longer than setup is an error of the
// exploration. Errors are classified by harness/errclass.
func Explorations(im *harness.Impl, setup time.Duration) ([]Exploration, error) {
	if err := im.Validate(); err != nil {
		return nil, err
	}
	if setup <= 0 {
		setup = 5 * time.Second
	}
	eff := im.EffectiveCaps()
	var roles []harness.Role
	streams := map[harness.Role]bool{}
	packets := map[harness.Role]bool{}
	if eff.Has(harness.CapStream) {
		switch {
		case im.Pairwise():
			streams[harness.RoleClient] = true
		default:
			streams[harness.RoleClient] = im.Dial != nil
			streams[harness.RoleServer] = im.Listen != nil
		}
	}
	if eff.Has(harness.CapPacket) && im.ListenPacket != nil {
		packets[harness.RoleClient], packets[harness.RoleServer] = true, true
	}
	conns := map[harness.Role]bool{
		harness.RoleServer: eff.Has(harness.CapStream|harness.CapListener) && (im.Listen != nil && !im.Pairwise() || im.NewListener != nil),
		harness.RoleClient: eff.Has(harness.CapStream|harness.CapDial) && im.Dial != nil && !im.Pairwise(),
	}
	for _, r := range []harness.Role{harness.RoleClient, harness.RoleServer} {
		if streams[r] || packets[r] || conns[r] {
			roles = append(roles, r)
		}
	}
	var out []Exploration
	for _, role := range roles {
		b := &builder{im: im, role: role, setup: setup, kernel: eff.Has(harness.CapKernel)}
		s := Subject{
			Name:            im.Name,
			Role:            string(role),
			Caps:            CapConcurrent | CapCopy,
			ClosedClass:     model.Closed,
			PacketTransport: string(model.UDP),
			Classify:        classifyHarness,
		}
		for _, c := range []struct {
			h harness.Caps
			e Caps
		}{{harness.CapDeadline, CapDeadline}, {harness.CapHalfClose, CapCloseWrite}, {harness.CapCloseRead, CapCloseRead}, {harness.CapBuffered, CapBuffered}} {
			if eff.Has(c.h) {
				s.Caps |= c.e
			}
		}
		if im.CloseMode == harness.CloseHalf {
			s.Close = CloseHalf
		}
		if streams[role] {
			s.NewPair = b.pair
			switch {
			case im.Pairwise():
				s.Peer = PeerOwn
				if eff.Has(harness.CapTCP) {
					s.Transport = string(model.TCP)
				}
			case im.StreamNetwork() == "unix":
				s.Peer, s.Transport = PeerUnix, string(model.Unix)
			default:
				s.Peer, s.Transport = PeerTCP, string(model.TCP)
			}
		}
		if packets[role] {
			s.NewPacket = b.packet
		}
		if conns[role] {
			s.NewListening = b.listening
		}
		out = append(out, Exploration{Role: role, Subject: s, Known: KnownRules(im, role)})
	}
	return out, nil
}

// KnownRules returns the rules im declares it breaks in role: its Known
// entries whose case is a rule's (RuleCase).
func KnownRules(im *harness.Impl, role harness.Role) map[string]bool {
	m := map[string]bool{}
	for _, k := range im.Known {
		if r, ok := RuleOfCase(k.Case); ok && (k.Role == "" || k.Role == role) {
			m[r.ID] = true
		}
	}
	return m
}

// classifyHarness is errclass's classification, in the model's words: an
// io.EOF that is wrapped is told apart (io.EOF's documentation asks Read
// to return it bare).
func classifyHarness(err error) string {
	c := errclass.Classify(err)
	if c == errclass.EOF && err != io.EOF {
		return model.EOFWrapped
	}
	return string(c)
}

// builder makes one role's endpoints for each sequence.
type builder struct {
	im     *harness.Impl
	role   harness.Role
	setup  time.Duration
	kernel bool
}

// seq is one sequence's case scope and what tears it down.
type seq struct {
	b      *builder
	ctx    context.Context
	cancel context.CancelFunc
	scope  *scope.Scope
	undo   []func()
}

func (b *builder) begin(ctx context.Context) (*seq, error) {
	sc := &scope.Scope{}
	s := &seq{b: b, scope: sc}
	s.ctx, s.cancel = context.WithCancel(scope.With(ctx, sc))
	if p := b.im.Prepare; p != nil {
		if err := s.call("Prepare", 3*b.setup, func() error { return p(s.ctx) }); err != nil {
			s.stop()
			return nil, err
		}
	}
	return s, nil
}

// stop tears the sequence down as a case attempt's teardown does: what
// setup made (last first), then the implementation's case cleanups, then
// the context.
func (s *seq) stop() {
	for i := len(s.undo) - 1; i >= 0; i-- {
		s.undo[i]()
	}
	s.scope.Close()
	s.cancel()
}

// call runs f under the setup budget.
func (s *seq) call(desc string, budget time.Duration, f func() error) error {
	ch := make(chan error, 1)
	go func() { ch <- f() }()
	t := time.NewTimer(budget)
	defer t.Stop()
	select {
	case err := <-ch:
		if err != nil {
			return fmt.Errorf("%s: %w", desc, err)
		}
		return nil
	case <-t.C:
		return fmt.Errorf("%s did not return within %v", desc, budget)
	}
}

// hostSeq numbers the loopback addresses of datagram sequences.
var hostSeq atomic.Uint32

// address returns a fresh local address on network for one sequence: on
// kernel UDP over IPv4 a loopback address of its own (127.1.x.y), so that
// a datagram a sequence sends to a socket it closed never reaches another
// sequence's; a new path in a private directory for unix sockets.
func (s *seq) address(network string, datagram bool) (string, error) {
	switch {
	case network == "tcp6" || network == "udp6":
		return "[::1]:0", nil
	case network == "unix":
		dir, err := os.MkdirTemp("", "netconform-explore-")
		if err != nil {
			return "", err
		}
		s.undo = append(s.undo, func() { os.RemoveAll(dir) })
		return filepath.Join(dir, "s"), nil
	case datagram && s.b.kernel:
		h := hostSeq.Add(1) % (1 << 16)
		return fmt.Sprintf("127.1.%d.%d:0", h>>8, h&0xff), nil
	}
	return "127.0.0.1:0", nil
}

// pair makes one sequence's stream pair: iut is the implementation's end.
func (b *builder) pair(ctx context.Context) (iut, peer net.Conn, stop func(), err error) {
	s, err := b.begin(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	defer func() {
		if err != nil {
			if iut != nil {
				iut.Close()
			}
			if peer != nil {
				peer.Close()
			}
			s.stop()
		}
	}()
	switch {
	case b.im.Pairwise():
		iut, peer, err = s.ownPair()
	case b.role == harness.RoleClient:
		iut, peer, err = s.iutDials()
	default:
		iut, peer, err = s.iutAccepts()
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return iut, peer, s.stop, nil
}

func (s *seq) ownPair() (net.Conn, net.Conn, error) {
	var p *harness.Pair
	err := s.call("NewPair", s.b.setup, func() error {
		var err error
		if p, err = s.b.im.NewPair(s.ctx); err == nil && (p == nil || p.Client == nil || p.Server == nil) {
			err = errors.New("NewPair returned a pair with a nil end")
		}
		return err
	})
	if p != nil && p.Stop != nil {
		s.undo = append(s.undo, p.Stop)
	}
	if err != nil {
		return nil, nil, err
	}
	return p.Client, p.Server, nil
}

// iutDials: the implementation dials a reference listener.
func (s *seq) iutDials() (iut, peer net.Conn, err error) {
	network := s.b.im.StreamNetwork()
	addr, err := s.address(network, false)
	if err != nil {
		return nil, nil, err
	}
	lc := net.ListenConfig{}
	lc.SetMultipathTCP(false)
	ln, err := lc.Listen(s.ctx, network, addr)
	if err != nil {
		return nil, nil, fmt.Errorf("reference Listen(%s): %w", network, err)
	}
	s.undo = append(s.undo, func() { ln.Close() })
	if err := s.call("IUT Dial", s.b.setup, func() error {
		var err error
		iut, err = s.b.im.Dial(s.ctx, network, ln.Addr().String(), harness.DialOptions{})
		return err
	}); err != nil {
		return nil, nil, err
	}
	ln.(interface{ SetDeadline(time.Time) error }).SetDeadline(time.Now().Add(s.b.setup))
	if peer, err = ln.Accept(); err != nil {
		return iut, nil, fmt.Errorf("reference Accept: %w", err)
	}
	return iut, peer, nil
}

// iutAccepts: the reference peer dials a listener of the implementation's.
func (s *seq) iutAccepts() (iut, peer net.Conn, err error) {
	network := s.b.im.StreamNetwork()
	addr, err := s.address(network, false)
	if err != nil {
		return nil, nil, err
	}
	var ln net.Listener
	if err := s.call("IUT Listen", s.b.setup, func() error {
		var err error
		ln, err = s.b.im.Listen(s.ctx, network, addr, harness.ListenOptions{})
		return err
	}); err != nil {
		return nil, nil, err
	}
	s.undo = append(s.undo, func() { ln.Close() })
	d := net.Dialer{Timeout: s.b.setup}
	if peer, err = d.DialContext(s.ctx, network, ln.Addr().String()); err != nil {
		return nil, nil, fmt.Errorf("reference Dial: %w", err)
	}
	if pf := s.b.im.Preface; pf != nil {
		if err := pf(peer); err != nil {
			return nil, peer, fmt.Errorf("calling Preface: %w", err)
		}
	}
	if err := s.call("IUT Accept", s.b.setup, func() error {
		var err error
		iut, err = ln.Accept()
		return err
	}); err != nil {
		ln.Close() // releases an Accept that hangs
		return nil, peer, err
	}
	return iut, peer, nil
}

// packet makes one sequence's datagram sockets: the server socket and n
// clients, each the implementation's or the reference's by the role.
func (b *builder) packet(ctx context.Context, n int) (server net.PacketConn, clients []net.PacketConn, stop func(), err error) {
	s, err := b.begin(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	var all []net.PacketConn
	defer func() {
		if err != nil {
			for _, pc := range all {
				pc.Close()
			}
			s.stop()
		}
	}()
	network := b.im.DatagramNetwork()
	addr, err := s.address(network, true)
	if err != nil {
		return nil, nil, nil, err
	}
	for i := range n + 1 {
		iut := !b.kernel || (i == 0) == (b.role == harness.RoleServer)
		var pc net.PacketConn
		if iut {
			err = s.call("IUT ListenPacket", b.setup, func() error {
				var err error
				pc, err = b.im.ListenPacket(s.ctx, network, addr)
				return err
			})
		} else {
			var lc net.ListenConfig
			if pc, err = lc.ListenPacket(s.ctx, network, addr); err != nil {
				err = fmt.Errorf("reference ListenPacket: %w", err)
			}
		}
		if err != nil {
			return nil, nil, nil, err
		}
		all = append(all, pc)
	}
	return all[0], all[1:], s.stop, nil
}

// listening makes one sequence's listener: in role server the
// implementation's (its Listen, or a pair implementation's NewListener),
// which the reference peer dials (or the pair listener's own Dial); in role
// client the reference's, which the implementation dials.
func (b *builder) listening(ctx context.Context) (l *Listening, err error) {
	s, err := b.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.stop()
		}
	}()
	im := b.im
	eff := im.EffectiveCaps()
	network := im.StreamNetwork()
	addr, err := s.address(network, false)
	if err != nil {
		return nil, err
	}
	switch {
	case b.role == harness.RoleClient:
		lc := net.ListenConfig{}
		lc.SetMultipathTCP(false)
		ln, err := lc.Listen(s.ctx, network, addr)
		if err != nil {
			return nil, fmt.Errorf("reference Listen(%s): %w", network, err)
		}
		target := ln.Addr().String()
		l = &Listening{Listener: ln, IUT: model.Dialer, Kernel: b.kernel, Unix: network == "unix", Stop: s.stop, Ctx: s.ctx,
			Dial: func(ctx context.Context) (net.Conn, error) {
				return im.Dial(ctx, network, target, harness.DialOptions{})
			}}
	case im.NewListener != nil && (im.Pairwise() || im.Listen == nil):
		var pl *harness.PairListener
		err := s.call("NewListener", b.setup, func() error {
			var err error
			if pl, err = im.NewListener(s.ctx); err == nil && (pl == nil || pl.Listener == nil || pl.Dial == nil) {
				err = errors.New("NewListener returned no listener or no Dial")
			}
			return err
		})
		if pl != nil && pl.Stop != nil {
			s.undo = append(s.undo, pl.Stop)
		}
		if err != nil {
			return nil, err
		}
		l = &Listening{Listener: pl.Listener, Dial: pl.Dial, IUT: model.Acceptor, BothIUT: true, Ctx: s.ctx,
			Deadline: eff.Has(harness.CapListenerDeadline), Stop: s.stop}
	default:
		var ln net.Listener
		if err := s.call("IUT Listen", b.setup, func() error {
			var err error
			ln, err = im.Listen(s.ctx, network, addr, harness.ListenOptions{})
			return err
		}); err != nil {
			return nil, err
		}
		l = &Listening{Listener: ln, IUT: model.Acceptor, Kernel: b.kernel, Unix: network == "unix", Deadline: eff.Has(harness.CapListenerDeadline), Stop: s.stop, Ctx: s.ctx,
			Dial: func(ctx context.Context) (net.Conn, error) {
				d := net.Dialer{Timeout: b.setup}
				c, err := d.DialContext(ctx, network, ln.Addr().String())
				if err != nil || im.Preface == nil {
					return c, err
				}
				if err := im.Preface(c); err != nil {
					c.Close()
					return nil, fmt.Errorf("calling Preface: %w", err)
				}
				return c, nil
			}}
		if b.kernel {
			l.ListenAgain = func(ctx context.Context) (net.Listener, error) {
				return im.Listen(ctx, network, ln.Addr().String(), harness.ListenOptions{})
			}
		}
	}
	return l, nil
}
