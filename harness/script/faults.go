package script

import (
	"errors"
	"fmt"

	"github.com/netconform/netconform/harness/internal/engine"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/sysobs"
)

// linkStep is the links family: it changes the links of the case's own
// network namespace (isolated cases only).
type linkStep struct {
	acts
	op   linkOp
	name string
	cidr string
}

type linkOp string

const (
	opLinkDown linkOp = "LinkDown"
	opLinkUp   linkOp = "LinkUp"
	opAddVeth  linkOp = "AddVeth"
)

// LinkDown takes an interface of the case's own namespace down, which makes
// every peer behind it silent (isolated cases only).
func LinkDown(name string) Step { return Step{f: linkStep{op: opLinkDown, name: name}} }

// LinkUp brings an interface of the case's own namespace up.
func LinkUp(name string) Step { return Step{f: linkStep{op: opLinkUp, name: name}} }

// AddVeth creates a veth pair named name and name+"p" with address cidr on
// name, in the case's own namespace; nothing answers on the subnet.
func AddVeth(name, cidr string) Step { return Step{f: linkStep{op: opAddVeth, name: name, cidr: cidr}} }

func (f linkStep) call(Step) string {
	if f.op == opAddVeth {
		return fmt.Sprintf("AddVeth(%s, %s)", f.name, f.cidr)
	}
	return fmt.Sprintf("%s(%s)", f.op, f.name)
}

func (f linkStep) after(s Step) string { return f.call(s) }

func (f linkStep) validate(c *Case, _ *scriptCheck) string {
	switch {
	case !c.Isolated && !c.Wire:
		return "link changes need an isolated case"
	case c.ShareNamespace:
		return "link changes reach every case of a shared namespace: the case cannot set ShareNamespace"
	}
	return ""
}

func (f linkStep) exec(a *engine.Attempt, s Step, i int) {
	observe(a, s, i, "", func(*result.Obs) (string, string, error) { return "", "", f.change(a) })
}

// change changes a link of the case's own namespace. It refuses to run
// anywhere else: taking the host's loopback down would break the machine.
// What it changes is undone when the attempt ends, so that a retry in the
// same namespace starts from the same links.
func (f linkStep) change(a *engine.Attempt) error {
	if !a.Env.Isolated {
		return errors.New("refusing to change links outside the case's own network namespace")
	}
	switch f.op {
	case opLinkDown:
		a.Undo(func() { sysobs.LinkUp(f.name) })
		return sysobs.LinkDown(f.name)
	case opLinkUp:
		return sysobs.LinkUp(f.name)
	}
	a.Undo(func() { sysobs.DelLink(f.name) })
	return sysobs.AddVeth(f.name, f.name+"p", f.cidr)
}

// flowStep is the flow-fault family: it drops or answers the packets of
// one connection or port in the case's own namespace, with nf_tables, so
// that one peer goes silent while the rest of the machine (IPv6 loopback
// included) keeps working. Isolated cases only; teardown removes every
// fault.
type flowStep struct {
	acts
	op flowOp
	ep string
}

type flowOp string

const (
	opSilence     flowOp = "Silence"
	opRestore     flowOp = "Restore"
	opUnreachable flowOp = "PortUnreachable"
)

// Silence drops every packet of ep's connection, both ways: the peer
// goes silent, as behind a cut cable — no FIN, no RST, no ICMP.
func Silence(ep string) Step { return Step{f: flowStep{op: opSilence, ep: ep}} }

// Restore lets ep's connection through again after Silence.
func Restore(ep string) Step { return Step{f: flowStep{op: opRestore, ep: ep}} }

// PortUnreachable answers every datagram sent to ep's port with ICMP port
// unreachable, as when nothing listens there.
func PortUnreachable(ep string) Step { return Step{f: flowStep{op: opUnreachable, ep: ep}} }

func (f flowStep) call(Step) string    { return fmt.Sprintf("%s(%s)", f.op, f.ep) }
func (f flowStep) after(s Step) string { return f.call(s) }

func (f flowStep) needs(Step) []need {
	if f.op == opUnreachable {
		return nil
	}
	return []need{{ep: f.ep, observe: true}}
}

func (f flowStep) validate(c *Case, _ *scriptCheck) string {
	if !c.Isolated && !c.Wire {
		return "flow faults need an isolated case"
	}
	return ""
}

func (f flowStep) exec(a *engine.Attempt, s Step, i int) {
	observe(a, s, i, f.ep, func(*result.Obs) (string, string, error) { return "", "", f.inject(a) })
}

// inject changes the flow, refusing outside the case's own namespace.
func (f flowStep) inject(a *engine.Attempt) error {
	if !a.Env.Isolated {
		return errors.New("refusing to inject faults outside the case's own network namespace")
	}
	e := a.Eps.Get(f.ep)
	if e == nil {
		return fmt.Errorf("no endpoint %q", f.ep)
	}
	key := "silence " + f.ep
	switch f.op {
	case opRestore:
		remove, ok := a.Net.Faults[key]
		if !ok {
			return fmt.Errorf("%s was not silenced", f.ep)
		}
		delete(a.Net.Faults, key)
		return remove()
	case opUnreachable:
		ap, ok := engine.AddrPort(e.Local())
		if !ok {
			return fmt.Errorf("%s has no IP address", f.ep)
		}
		fault, err := sysobs.UnreachablePort(ap)
		if err != nil {
			return err
		}
		a.Net.Faults["unreachable "+f.ep] = fault.Remove
		return nil
	}
	l, rm, ok := e.Tuple()
	if !ok {
		return fmt.Errorf("%s (%s) is not an observable kernel TCP socket", f.ep, e.Side())
	}
	fault, err := sysobs.DropFlow(sysobs.Flow{Proto: "tcp", Local: l, Remote: rm})
	if err != nil {
		return err
	}
	a.Net.Faults[key] = fault.Remove
	return nil
}
