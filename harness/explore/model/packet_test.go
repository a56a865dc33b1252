package model

import (
	"strings"
	"testing"
	"time"
)

func sendTo(from int, data string, to int) tstep {
	return tstep{pcall: PacketCall{Op: OpWriteTo, Sock: from, Data: []byte(data), To: to}, res: Result{N: len(data)}}
}

func recvFrom(sock, n int) tstep {
	return tstep{pcall: PacketCall{Op: OpReadFrom, Sock: sock, N: n}}
}

func (s tstep) from(i int) tstep { s.res.From = i; return s }

func pclose(sock int) tstep { return tstep{pcall: PacketCall{Op: OpClose, Sock: sock}} }

func psetDL(sock int, at time.Time) tstep {
	return tstep{pcall: PacketCall{Op: OpSetDeadline, Sock: sock, Which: ReadDeadline, Deadline: Expiry{At: at}}}
}

var udp = PacketSpec{Clients: 3, Transport: UDP}

var packetCases = []struct {
	name  string
	spec  PacketSpec
	steps []tstep
}{
	{"whole: corrupted", udp, []tstep{sendTo(1, "hello", 0), recvFrom(0, 64).got("hellx").from(1).want("packet.whole")}},
	{"whole: merged", udp, []tstep{sendTo(1, "ab", 0), sendTo(1, "cd", 0), recvFrom(0, 64).got("abcd").from(1).want("packet.whole")}},
	{"whole: twice", udp, []tstep{sendTo(1, "ab", 0), recvFrom(0, 64).got("ab").from(1), recvFrom(0, 64).status(Blocked).got("ab").from(1).want("packet.whole")}},
	{"whole: boundaries kept", udp, []tstep{sendTo(1, "ab", 0), sendTo(2, "cd", 0), recvFrom(0, 64).got("ab").from(1), recvFrom(0, 64).got("cd").from(2)}},
	{"whole: empty datagram", udp, []tstep{sendTo(1, "", 0), recvFrom(0, 64).status(Released).got("").from(1)}},
	{"source", udp, []tstep{sendTo(1, "hello", 0), recvFrom(0, 64).got("hello").from(2).want("packet.source")}},
	{"routing", udp, []tstep{sendTo(0, "x", 1), recvFrom(2, 64).got("x").from(0).want("packet.routing")}},
	{"routing: the reply reaches its client", udp, []tstep{sendTo(1, "q", 0), recvFrom(0, 64).got("q").from(1), sendTo(0, "r", 1), recvFrom(1, 64).got("r").from(0)}},
	{"no loss: hang", udp, []tstep{sendTo(1, "a", 0), recvFrom(0, 64).status(Released).hangs().want("packet.no-loss")}},
	{"no loss: loss is allowed by the contract", PacketSpec{Clients: 1, Transport: UDP, ContractOnly: true}, []tstep{
		sendTo(1, "a", 0), recvFrom(0, 64).hangs()}},
	{"order", udp, []tstep{sendTo(1, "a", 0), sendTo(1, "b", 0), recvFrom(0, 64).got("b").from(1).want("packet.order")}},
	{"truncate: silent", udp, []tstep{sendTo(1, "0123456789", 0), recvFrom(0, 4).got("0123").from(1), sendTo(1, "next", 0), recvFrom(0, 64).got("next").from(1)}},
	{"truncate: with an error", udp, []tstep{sendTo(1, "0123456789", 0), recvFrom(0, 4).got("0123", MsgSize).from(1).want("packet.truncate")}},
	{"truncate: n is the buffer", udp, []tstep{sendTo(1, "0123456789", 0), recvFrom(0, 4).got("012").from(1).want("packet.whole")}},
	{"write whole", udp, []tstep{sendTo(1, "abc", 0).gotN(2).want("packet.write-whole")}},
	{"oversize", udp, []tstep{sendTo(1, strings.Repeat("x", 70000), 0).gotN(70000).want("packet.oversize")}},
	{"oversize: msg-size", udp, []tstep{sendTo(1, strings.Repeat("x", 70000), 0).gotN(0, MsgSize), sendTo(1, "y", 0), recvFrom(0, 64).got("y").from(1)}},
	{"to a closed socket: sent, lost", udp, []tstep{pclose(0), sendTo(1, "x", 0), recvFrom(1, 64).bgr().status(Blocked)}},
	{"read after close", udp, []tstep{pclose(0), recvFrom(0, 64).got("").want("closed.read-fails")}},
	{"read after close: class", udp, []tstep{pclose(0), recvFrom(0, 64).got("", EOF).want("closed.read-class")}},
	{"write after close", udp, []tstep{pclose(1), sendTo(1, "x", 0).want("closed.write-fails")}},
	{"write after close: class", udp, []tstep{pclose(1), sendTo(1, "x", 0).gotN(0, Other).want("closed.write-class")}},
	{"close unblocks", udp, []tstep{recvFrom(0, 64).bgr().status(Blocked), pclose(0), await(1).status(Released).hangs().want("closed.unblocks")}},
	{"close unblocks: two readers", udp, []tstep{recvFrom(0, 64).bgr(), recvFrom(0, 64).bgr(), pclose(0), await(1).got("", Closed), await(2).got("", Closed)}},
	{"deadline: past", udp, []tstep{sendTo(1, "a", 0), psetDL(0, past), recvFrom(0, 64).got("a").from(1).want("deadline.exceeded")}},
	{"deadline: early", udp, []tstep{psetDL(0, t0.Add(time.Second)).after(0), recvFrom(0, 64).took(20*time.Millisecond).got("", Deadline).want("deadline.not-early")}},
	{"deadline: a write just after its deadline may fail", udp, []tstep{
		{pcall: PacketCall{Op: OpSetDeadline, Sock: 0, Which: WriteDeadline, Deadline: Expiry{At: t0.Add(20 * time.Millisecond)}}, at: 1},
		sendTo(0, "d", 1).after(30*time.Millisecond).gotN(0, Deadline)}},
	{"deadline: a write before its deadline does not fail with it", udp, []tstep{
		{pcall: PacketCall{Op: OpSetDeadline, Sock: 0, Which: WriteDeadline, Deadline: Expiry{At: t0.Add(time.Second)}}, at: 1},
		sendTo(0, "d", 1).after(30*time.Millisecond).gotN(0, Deadline).want("deadline.not-early")}},
	{"deadline: an oversized write just after its deadline", udp, []tstep{
		{pcall: PacketCall{Op: OpSetDeadline, Sock: 0, Which: WriteDeadline, Deadline: Expiry{At: t0.Add(20 * time.Millisecond)}}, at: 1},
		sendTo(0, strings.Repeat("x", 70000), 1).after(30*time.Millisecond).gotN(0, Deadline)}},
	{"deadline: unblocks", udp, []tstep{recvFrom(0, 64).bgr(), psetDL(0, past), await(1).status(Released).hangs().want("deadline.unblocks")}},
	{"deadline: a datagram was queued", udp, []tstep{sendTo(1, "a", 0).after(0), psetDL(0, t0.Add(500*time.Millisecond)), recvFrom(0, 64).took(500*time.Millisecond).got("", Deadline).want("packet.no-loss")}},
	{"two readers: one datagram releases one of them", udp, []tstep{
		recvFrom(0, 64).bgr().status(Blocked), recvFrom(0, 64).bgr(), sendTo(1, "a", 0), await(1).bgr().status(Maybe), await(2).bgr().status(Maybe), sendTo(2, "b", 0), await(1).bgr().status(Released)}},
	{"two readers: each gets one", udp, []tstep{
		recvFrom(0, 64).bgr(), recvFrom(0, 64).bgr(), sendTo(1, "a", 0), sendTo(2, "b", 0),
		await(1).status(Released).got("b").from(2), await(2).status(Released).got("a").from(1)}},
	{"two readers: not the same one twice", udp, []tstep{
		recvFrom(0, 64).bgr(), recvFrom(0, 64).bgr(), sendTo(1, "a", 0), sendTo(2, "b", 0),
		await(1).got("a").from(1), await(2).got("a").from(1).want("packet.whole")}},
	{"no cause", udp, []tstep{recvFrom(0, 64).got("", Reset).want("stream.no-cause")}},
	{"ctl returns", udp, []tstep{pclose(0).hangs().want("conn.ctl-returns")}},
	{"setdeadline nil", udp, []tstep{psetDL(0, past).gotN(0, Other).want("deadline.set-nil")}},
	{"setdeadline that failed sets nothing", udp, []tstep{psetDL(0, past).gotN(0, Other).want("deadline.set-nil"), recvFrom(0, 64).bgr().status(Blocked)}},
	{"close nil", udp, []tstep{pclose(0).gotN(0, Other).want("closed.close-nil")}},
	{"close twice", udp, []tstep{pclose(0), pclose(0).gotN(0, Closed), pclose(1), pclose(1).want("closed.close-twice")}},
	{"setdeadline after close", udp, []tstep{pclose(0), psetDL(0, past).gotN(0, Closed), pclose(1), tstep{pcall: PacketCall{Op: OpSetDeadline, Sock: 1, Which: ReadDeadline}}.want("closed.ctl-class")}},
}

func TestPacket(t *testing.T) {
	for _, c := range packetCases {
		t.Run(c.name, func(t *testing.T) { runPacket(t, c.spec, c.steps) })
	}
}

func runPacket(t *testing.T, spec PacketSpec, steps []tstep) {
	t.Helper()
	m := NewPacket(spec)
	ids := map[int]int{}
	now := t0
	for i, s := range steps {
		if s.at > 0 {
			now = t0.Add(s.at)
		} else {
			now = now.Add(10 * time.Millisecond)
		}
		dur := s.dur
		if dur == 0 {
			dur = time.Millisecond
		}
		id := 0
		var st Status
		if s.await > 0 {
			id = ids[s.await]
			st = m.Status(id, now)
		} else {
			id, st = m.Begin(s.pcall, now)
			ids[i+1] = id
		}
		if s.block != nil && st.Block != *s.block {
			t.Fatalf("step %d: status %v, want %v", i+1, st.Block, *s.block)
		}
		if s.bg { // begin only, or (await) look only
			continue
		}
		r := s.res
		if s.pcall.Op == OpReadFrom && r.From == 0 && r.N == 0 && r.Class != "" {
			r.From = -1
		}
		r.Start, r.End, r.Hung = now, now.Add(dur), s.hung
		now = r.End
		v := m.Finish(id, r)
		switch {
		case v == nil && s.rule != "":
			t.Fatalf("step %d: no violation, want %s", i+1, s.rule)
		case v != nil && v.Rule.ID != s.rule:
			t.Fatalf("step %d: violation %s (%v), want %q", i+1, v.Rule.ID, v, s.rule)
		}
	}
}

// TestEveryRulePinned fails when a rule has no scenario that expects its
// violation: a rule nothing can break is not checked.
func TestEveryRulePinned(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range streamCases {
		for _, s := range c.steps {
			seen["stream "+s.rule] = true
		}
	}
	for _, c := range packetCases {
		for _, s := range c.steps {
			seen["packet "+s.rule] = true
		}
	}
	for _, r := range StreamRules {
		if !seen["stream "+r.ID] {
			t.Errorf("stream rule %s has no scenario", r.ID)
		}
	}
	for _, r := range PacketRules {
		if !seen["packet "+r.ID] {
			t.Errorf("packet rule %s has no scenario", r.ID)
		}
	}
}
