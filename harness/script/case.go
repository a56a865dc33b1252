package script

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/internal/engine"
)

// Setup is the topology a case starts from.
type Setup string

const (
	// SetupConn: a connected stream, endpoints "client" and "server", with
	// "iut" and "peer" naming them by role. In reference-peer topology the
	// IUT dialed a std listener (role client) or accepted a std dial (role
	// server); in pair topology both ends are the IUT's. The IUT's listener,
	// when there is one, is "ln".
	SetupConn Setup = "conn"
	// SetupListener: the IUT's listener "ln" (role server). DialTo reaches
	// it with the reference dialer, or with the pair listener's own Dial.
	SetupListener Setup = "listener"
	// SetupDialer: the IUT dials (role client); a std listener "ln" is up.
	SetupDialer Setup = "dialer"
	// SetupPacket: a datagram server socket "server" and clients "c1"…"cN",
	// connected to it; "iut" is the server in role server and c1 in role
	// client, "peer" the other. For a datagram implementation that is not a
	// kernel socket, both sides are the implementation's.
	SetupPacket Setup = "packet"
	// SetupNone: nothing; the script builds what it needs.
	SetupNone Setup = "none"
	// SetupAfterAll: no script; a check the runner (suite.Run) makes once
	// all of an implementation's other cases have ended, such as leaked
	// goroutines. harness.Run reports it skipped.
	SetupAfterAll Setup = "after-all"
)

// A Case is one scripted behaviour check. Cases are data: the fields say
// what is checked and where the expectation comes from; Script says how.
type Case struct {
	// ID is stable and never reused: <area>.<operation>.<condition>.
	ID string
	// Spec is one sentence naming its source: a Go doc sentence
	// (net.Conn.Close), an RFC 9293 section, a Linux man page.
	Spec string
	// Catalogue lists the rows of the behaviour catalogue this case pins
	// (for example "H1b"), when it pins any.
	Catalogue string
	Level     Level
	Needs     Caps
	Setup     Setup
	// Roles the case runs in; nil means every role the setup allows
	// (conn and packet: client and server; listener: server; dialer: client).
	Roles []Role
	// Clients is the number of datagram clients for SetupPacket (default 1).
	Clients int
	// Unconnected makes SetupPacket clients unconnected PacketConns.
	Unconnected bool
	// Dial and Listen are the options the IUT dials and listens with in setup.
	Dial   DialOptions
	Listen ListenOptions
	// Isolated runs the case in a fresh network namespace of its own, in a
	// child process: fault cases that take links down, and wire cases.
	Isolated bool
	// Wire captures the case's packets (implies Isolated).
	Wire bool
	// ShareNamespace lets an isolated case share its child process and
	// network namespace with the implementation's other ShareNamespace
	// cases of its kind: one process start instead of one per case and
	// role. Cases without a capture run at once, so each must touch
	// nothing of the namespace but its own connections (per-flow faults,
	// its own sockets; no link changes); Wire cases share another child,
	// where they run one at a time, each once the namespace has no
	// connection left that could still send.
	ShareNamespace bool
	// Budget bounds the whole case (default 15 s, scaled).
	Budget time.Duration
	// Requires, if set, says why the case cannot run on im in this
	// environment ("" when it can); the case is then reported skip with
	// that reason, never pass.
	Requires func(im *harness.Impl) string
	Script   []Step
}

var validCaseID = regexp.MustCompile(`^[a-z]+(\.[a-z0-9]+(-[a-z0-9]+)*){2}$`)

// Area is the first part of the ID: "halfclose" in "halfclose.closewrite.peer-reads-eof".
func (c *Case) Area() string { area, _, _ := strings.Cut(c.ID, "."); return area }

// Validate reports a malformed case: a bad ID, no spec, no level, or a
// script that refers to an async operation it never started.
func (c *Case) Validate() error {
	switch {
	case !validCaseID.MatchString(c.ID):
		return fmt.Errorf("case ID %q does not match <area>.<operation>.<condition>", c.ID)
	case c.Spec == "":
		return fmt.Errorf("case %s has no Spec; say which contract sentence it checks", c.ID)
	case c.Level != Contract && c.Level != Convention && c.Level != Informational:
		return fmt.Errorf("case %s has level %q", c.ID, c.Level)
	case c.Setup == "":
		return fmt.Errorf("case %s has no Setup", c.ID)
	case len(c.Script) == 0 && c.Setup != SetupAfterAll:
		return fmt.Errorf("case %s has an empty script", c.ID)
	case c.ShareNamespace && !c.Isolated && !c.Wire:
		return fmt.Errorf("case %s shares a namespace but is not isolated", c.ID)
	}
	return c.validateScript()
}

// TakesTurns reports whether c, an isolated case that does not share its
// namespace, may take turns with the implementation's other such cases in
// one child process and namespace, one at a time: what it changes of the
// namespace is links the engine puts back when each attempt ends (AddVeth,
// LinkDown), so the next case finds the namespace as a fresh one but for
// the sockets other cases left (as in a shared namespace, a case observes
// only its own).
func (c *Case) TakesTurns() bool {
	if !c.Isolated || c.Wire || c.ShareNamespace {
		return false
	}
	undone := false
	for _, s := range c.Script {
		if l, ok := s.f.(linkStep); ok {
			if l.op == opLinkUp {
				return false // not put back
			}
			undone = true
		}
	}
	return undone
}

// RolesFor returns the roles c runs in for im: the case's roles that im
// can play. When im can play none of them, it returns the first, so the case
// still has a row, reported unsupported.
func (c *Case) RolesFor(im *harness.Impl) []Role {
	roles := c.Roles
	if roles == nil {
		switch c.Setup {
		case SetupListener:
			roles = []Role{RoleServer}
		case SetupDialer:
			roles = []Role{RoleClient}
		default:
			roles = []Role{RoleClient, RoleServer}
		}
	}
	var out []Role
	for _, r := range roles {
		if c.RoleGap(im, r) == "" {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		out = roles[:1]
	}
	return out
}

// RoleGap says why im cannot play r in c's setup, or "" when it can.
func (c *Case) RoleGap(im *harness.Impl, r Role) string {
	switch c.Setup {
	case SetupNone:
		return ""
	case SetupPacket:
		switch {
		case r == RoleServer && im.ListenPacket == nil:
			return "no ListenPacket, so it cannot own the server socket"
		case r == RoleClient && c.Unconnected && im.ListenPacket == nil:
			return "no ListenPacket, so it cannot be an unconnected client"
		case r == RoleClient && !c.Unconnected && im.DialPacket == nil:
			return "no DialPacket, so it cannot be a datagram client"
		}
		return ""
	case SetupListener:
		if im.Listen == nil && im.NewListener == nil {
			return "no listener"
		}
		return ""
	case SetupDialer:
		if im.Dial == nil {
			return "no Dial, so it cannot dial arbitrary addresses"
		}
		return ""
	}
	switch {
	case im.Pairwise():
		return ""
	case im.DatagramConns():
		return datagramRoleGap(im, r)
	case r == RoleClient && im.Dial == nil:
		return "no Dial, so it cannot be the client"
	case r == RoleServer && im.Listen == nil:
		return "no Listen, so it cannot be the server"
	}
	return ""
}

// Fingerprint renders everything that defines the case's expectation, so
// that a catalogue hash changes when any case's meaning changes.
func (c *Case) Fingerprint() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|%s|%s|%v|%d|%v|%v|%+v|%+v|%v|%v|%q\n", c.ID, c.Level, c.Needs, c.Setup, c.Roles, c.Clients, c.Unconnected, c.Isolated || c.Wire, c.Dial, c.Listen, c.Wire, c.Budget, c.Spec)
	for _, s := range c.Script {
		b.WriteString(s.String() + "\n")
	}
	return b.String()
}

// scriptCheck is what validation has seen of a script so far.
type scriptCheck struct {
	started map[string]bool // background calls started
	labels  map[string]bool
}

// A validator is a family with rules of its own about where its steps may
// appear; validate returns what is wrong, or "".
type validator interface {
	validate(c *Case, sc *scriptCheck) string
}

// validateScript checks labels and each family's rules.
func (c *Case) validateScript() error {
	sc := &scriptCheck{started: map[string]bool{}, labels: map[string]bool{}}
	for i, s := range c.Script {
		if s.label != "" {
			sc.labels[s.label] = true
		}
		if since := s.want.timing.since; since != "" && !sc.labels[since] {
			return fmt.Errorf("case %s step %d: Since(%q) names no earlier step", c.ID, i+1, since)
		}
		if v, ok := s.f.(validator); ok {
			if msg := v.validate(c, sc); msg != "" {
				return fmt.Errorf("case %s step %d: %s", c.ID, i+1, msg)
			}
		}
	}
	return nil
}

// Program is what the engine runs for the case: its setup, its steps, and
// whether it captures the wire. It is for the runner.
func (c *Case) Program() engine.Program {
	return engine.Program{Setup: c.setupStep(), Steps: steps(c.Script), Wire: c.Wire}
}

// Lasts estimates how long one run of c takes, to schedule it (never to
// judge it): the sum over its top-level steps of the longest each is
// expected to take, its Within bound or, without one, its NotBefore, or
// the length of a Sleep. Steps without a timing expectation count as
// nothing, so it is a floor for cases that wait on unbounded events.
func (c *Case) Lasts() time.Duration {
	var d time.Duration
	for _, s := range c.Script {
		t := s.want.timing
		switch {
		case t.within > 0:
			d += t.within
		case t.notBefore > 0:
			d += t.notBefore
		default:
			if sl, ok := s.f.(sleepStep); ok {
				d += sl.d
			}
		}
	}
	return d
}
