package explore

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/netconform/netconform/harness/explore/model"
)

// hClass names each error class's constant in the harness package.
var hClass = map[string]string{
	model.None: "h.None", model.EOF: "h.EOF", model.Closed: "h.Closed", model.ClosedPipe: "h.ClosedPipe",
	model.Deadline: "h.Deadline", model.TimeoutOther: "h.TimeoutOther", model.Reset: "h.Reset",
	model.BrokenPipe: "h.BrokenPipe", model.NotConnected: "h.NotConnected", model.Refused: "h.Refused",
	model.MsgSize: "h.MsgSize", model.Other: "h.Other", model.EOFWrapped: "h.EOF",
	model.AddrInUse: "h.AddrInUse", model.NotFound: "h.NotFound",
}

// anyErr lists the contract rules that require some error, whatever its
// class: their case step prefers the convention's class and accepts any.
var anyErr = map[string]bool{
	model.RuleReadAfterClose.ID: true, model.RuleWriteAfterClose.ID: true,
	model.RuleCloseUnblocks.ID: true, model.RuleWriteAfterCloseWrite.ID: true,
}

// GoCase renders a finding as a netconform case — Go source for a case
// table in a suite file, which imports the case language
// (github.com/netconform/netconform/harness/script) as h, and "time" when
// the case sets deadlines. Passing steps expect what they returned; the
// failing step expects what the model allows. Its ID is
// "explored.<rule>.s<seed>" (CaseID), so that pasted cases keep an area of
// their own.
func GoCase(s Subject, f Finding) string {
	f.role = s.Role
	var b strings.Builder
	kind := kindOf(f.Ops)
	packet := kind == PacketSeq
	level := "h.Contract"
	if f.Rule.Level == model.Convention {
		level = "h.Convention"
	}
	fmt.Fprintf(&b, "{\n\tID:    %q,\n", CaseID(f))
	fmt.Fprintf(&b, "\tSpec:  %q,\n", f.Rule.Spec+" (found by the explorer: rule "+f.Rule.ID+", seed "+fmt.Sprintf("%#x", f.Seed)+")")
	fmt.Fprintf(&b, "\tLevel: %s,\n", level)
	fmt.Fprintf(&b, "\tNeeds: %s,\n", needs(s, f, kind))
	switch {
	case packet:
		fmt.Fprintf(&b, "\tSetup: h.SetupPacket,\n\tClients: %d,\n\tUnconnected: true,\n", s.clients())
	case kind == ConnsSeq && s.Role == "client":
		b.WriteString("\tSetup: h.SetupDialer,\n")
	case kind == ConnsSeq:
		b.WriteString("\tSetup: h.SetupListener,\n")
	default:
		b.WriteString("\tSetup: h.SetupConn,\n")
	}
	switch s.Role {
	case "client":
		b.WriteString("\tRoles: []h.Role{h.RoleClient},\n")
	case "server":
		b.WriteString("\tRoles: []h.Role{h.RoleServer},\n")
	}
	b.WriteString("\tScript: h.Script(\n")
	// A background call's expectation is what its Await saw, or, when it
	// returned while it had to block, what the model allowed then.
	awaited := map[string]int{}
	for i, op := range f.Ops {
		if op.Kind == Await || (op.Kind == StillBlocked && i == f.Step) {
			awaited[op.Name] = i
		}
	}
	for i, op := range f.Ops {
		var line string
		switch op.Kind {
		case Go:
			j, ok := awaited[op.Name]
			inner := step(*op.Call, nil, false, f)
			if ok {
				inner = step(*op.Call, f.Ops[j].Got, j == f.Step, f)
			}
			line = fmt.Sprintf("h.Go(%q, %s)", op.Name, inner)
		case StillBlocked:
			line = fmt.Sprintf("h.StillBlocked(%q)", op.Name)
		case Await:
			line = fmt.Sprintf("h.Await(%q)", op.Name)
		case Addrs:
			line = step(op, op.Got, i == f.Step, f)
			if i == f.Step && f.Rule.ID == model.RuleListenerAddr.ID {
				line = listenerAddrFunc(op.End)
			}
		default:
			line = step(op, op.Got, i == f.Step, f)
		}
		comment := ""
		if i == f.Step {
			comment = " // " + f.Rule.Level.String() + ": " + f.Message
		}
		fmt.Fprintf(&b, "\t\t%s,%s\n", line, comment)
	}
	b.WriteString("\t),\n},\n")
	return b.String()
}

// CaseID is the ID GoCase gives a finding's case:
// "explored.<rule, dashed>.s<low 32 bits of the seed, hex>".
func CaseID(f Finding) string {
	return fmt.Sprintf("explored.%s.s%08x", strings.ReplaceAll(f.Rule.ID, ".", "-"), f.Seed&0xffffffff)
}

// needs is what the case needs beyond what its steps need of the
// endpoints they act on (the case language derives those: CloseWrite on
// the IUT's conn needs CapHalfClose, on the reference peer's nothing): the
// kind of check, buffered writes when the case counts on them, and TCP
// when the finding is one of TCP's conventions.
func needs(s Subject, f Finding, kind SeqKind) string {
	switch {
	case kind == PacketSeq:
		return "h.CapPacket"
	case kind == ConnsSeq && s.Role == "client":
		return "h.CapStream | h.CapDial"
	case kind == ConnsSeq:
		return "h.CapStream | h.CapListener"
	}
	caps := []string{"h.CapStream"}
	buffered := false
	for _, op := range f.Ops {
		if op.Kind == Go {
			op = *op.Call
		}
		if (op.Kind == Write || op.Kind == CopyIn) && len(op.Payload()) > 0 && s.Caps&CapBuffered != 0 {
			buffered = true
		}
	}
	if buffered {
		caps = append(caps, "h.CapBuffered")
	}
	if f.Rule.Level == model.Convention && (s.Transport == "tcp" || s.Peer == PeerTCP) {
		caps = append(caps, "h.CapTCP")
	}
	return strings.Join(caps, " | ")
}

// step renders one call with its expectation: what it returned (got), or,
// failing, what the model allows.
func step(op Op, got *Got, failing bool, f Finding) string {
	ep := strconv.Quote(op.End)
	var call, comment string
	switch op.Kind {
	case CopyIn:
		if op.Data == nil && op.N > 0 {
			call = fmt.Sprintf("h.CopyFrom(%s, %d)", ep, op.N)
			if op.Off != 0 {
				call += fmt.Sprintf(".At(%d)", op.Off)
			}
		} else {
			call = writeCall("h.Write", ep, op)
			comment = " /* explorer: io.Copy(" + op.End + ", r) */"
		}
	case Write:
		call = writeCall("h.Write", ep, op)
	case WriteTo:
		if op.Data == nil && op.N > 0 {
			call = fmt.Sprintf("h.WriteToN(%s, %d, %q)", ep, op.N, op.To)
			if op.Off != 0 {
				call += fmt.Sprintf(".At(%d)", op.Off)
			}
		} else {
			call = fmt.Sprintf("h.WriteTo(%s, %s, %q)", ep, strconv.Quote(string(op.Data)), op.To)
		}
	case Read:
		call = fmt.Sprintf("h.Read(%s, %d)", ep, op.N)
	case ReadFrom:
		call = fmt.Sprintf("h.ReadFrom(%s, %d)", ep, op.N)
	case CopyOut:
		call = fmt.Sprintf("h.CopyTo(%s)", ep)
	case Addrs:
		return fmt.Sprintf("h.Addrs(%s)", ep)
	case Dial:
		if op.Kind == Dial && f.role == "client" {
			call = fmt.Sprintf("h.Dial(%q, h.AddrOf(%s))", op.To, ep)
			if op.CtxEnds {
				call += ".CanceledAfter()"
			}
		} else {
			call = fmt.Sprintf("h.DialTo(%q, %s)", op.To, ep)
		}
	case Accept:
		call = fmt.Sprintf("h.Accept(%s, %q)", ep, op.To)
	case Listen:
		call = fmt.Sprintf("h.Listen(%q, %s)", op.To, ep)
	case SetDeadline, SetReadDeadline, SetWriteDeadline:
		call = fmt.Sprintf("h.%s(%s, %s)", op.Kind, ep, whenSource(op.When))
	default:
		call = fmt.Sprintf("h.%s(%s)", op.Kind, ep)
	}
	return call + expectation(op, got, failing, f) + comment
}

func writeCall(fn, ep string, op Op) string {
	if op.Data == nil && op.N > 0 {
		s := fmt.Sprintf("%sN(%s, %d)", fn, ep, op.N)
		if op.Off != 0 {
			s += fmt.Sprintf(".At(%d)", op.Off)
		}
		return s
	}
	return fmt.Sprintf("%s(%s, %s)", fn, ep, strconv.Quote(string(op.Data)))
}

func whenSource(w When) string {
	switch {
	case w.Past:
		return "h.Past"
	case w.In > 0:
		return "h.In(" + durSource(w.In) + ")"
	}
	return "h.NoDeadline"
}

func durSource(d time.Duration) string {
	switch {
	case d%time.Minute == 0:
		return fmt.Sprintf("%d*time.Minute", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%d*time.Second", d/time.Second)
	}
	return fmt.Sprintf("%d*time.Millisecond", d/time.Millisecond)
}

// expectation renders the refinements of a step.
func expectation(op Op, got *Got, failing bool, f Finding) string {
	var b strings.Builder
	data := func(d []byte, n int) {
		switch {
		case n > 0 && len(d) == n && failing && op.Kind == Read && f.Kind != PacketSeq:
			// What the model wants of the failing Read is the bytes queued;
			// a stream Read may return fewer of them (a loaded machine
			// delivers 64 KiB in two segments), never others.
			fmt.Fprintf(&b, ".WantPrefixOf(%s)", dataExpr(d))
		case n > 0 && len(d) == n:
			fmt.Fprintf(&b, ".Want(%s)", dataExpr(d))
		case n > 0 && (op.Kind == Read || op.Kind == ReadFrom || op.Kind == CopyOut):
			fmt.Fprintf(&b, ".WantN(%d)", n)
		case n == 0 && (op.Kind == Read || op.Kind == ReadFrom):
			b.WriteString(".WantN(0)")
		}
	}
	classes := func(cs []string, any bool) {
		if len(cs) == 0 {
			return
		}
		fmt.Fprintf(&b, ".Err(%s)", hClass[cs[0]])
		if len(cs) > 1 {
			var more []string
			for _, c := range cs[1:] {
				more = append(more, hClass[c])
			}
			fmt.Fprintf(&b, ".Allow(%s)", strings.Join(more, ", "))
		}
		if any {
			b.WriteString(".AnyErr()")
		}
	}
	switch {
	case failing:
		w := f.Want
		if w.Block {
			return ""
		}
		if isReadKind(op.Kind) && len(w.Class) == 0 {
			data(w.Data, w.N)
		}
		classes(w.Class, anyErr[f.Rule.ID] && f.Rule.Level == model.Contract)
		if len(w.Class) == 0 && (op.Kind == Close || !isReadKind(op.Kind)) && op.Kind != Write && op.Kind != WriteTo && op.Kind != CopyIn {
			b.WriteString(".Err(h.None)")
		}
		if f.Rule.ID == model.RuleEOFBare.ID {
			b.WriteString(".Bare()")
		}
		if w.AtDeadline {
			b.WriteString(".AtDeadline()")
		}
		if op.Kind == ReadFrom && w.From >= 0 {
			fmt.Fprintf(&b, ".From(%q)", model.SockName(w.From))
		}
	case got == nil || got.Hung:
	default:
		if isReadKind(op.Kind) && (got.Class == model.None || got.N > 0) {
			data(got.Data, got.N)
		}
		if got.Class != model.None && got.Class != "" {
			classes([]string{got.Class}, false)
		}
		if op.Kind == ReadFrom && got.From != "" && got.From != "?" {
			fmt.Fprintf(&b, ".From(%q)", got.From)
		}
	}
	return b.String()
}

func isReadKind(k Kind) bool { return k == Read || k == ReadFrom || k == CopyOut }

// listenerAddrFunc checks what the case language's Addrs does not: that
// an accepted conn's LocalAddr is its listener's Addr.
func listenerAddrFunc(ep string) string {
	return fmt.Sprintf(`h.Func("%[1]s's LocalAddr is the listener's Addr", func(x *h.X) error {
			if l, a := x.Conn(%[1]q).LocalAddr(), x.Listener("ln").Addr(); l.String() != a.String() {
				x.Errorf("%[1]s.LocalAddr()", l.String(), "ln.Addr(), "+a.String())
			}
			return nil
		})`, ep)
}

// dataExpr renders bytes as a Go string expression: quoted literals, and
// runs of the case language's pattern as string(h.Pattern(off, n)), so
// that a case expects every byte of a large read without a page of
// escapes.
func dataExpr(d []byte) string {
	const minRun = 32
	var parts []string
	lit := 0 // start of the literal being collected
	for i := 0; i < len(d); {
		run := 1
		for i+run < len(d) && int(d[i+run]) == (int(d[i+run-1])+1)%251 && d[i+run-1] < 251 {
			run++
		}
		if run < minRun || d[i] >= 251 {
			i++
			continue
		}
		if lit < i {
			parts = append(parts, strconv.Quote(string(d[lit:i])))
		}
		parts = append(parts, fmt.Sprintf("string(h.Pattern(%d, %d))", d[i], run))
		i += run
		lit = i
	}
	if lit < len(d) || len(parts) == 0 {
		parts = append(parts, strconv.Quote(string(d[lit:])))
	}
	return strings.Join(parts, " + ")
}
