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
	if !c.Isolated && !c.Wire {
		return "link changes need an isolated case"
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
