package explore

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// SeqKind is the kind of a sequence: the endpoints it runs on.
type SeqKind int

// The kinds of sequence.
const (
	StreamSeq SeqKind = iota // a connected stream pair (Subject.NewPair)
	PacketSeq                // datagram sockets (Subject.NewPacket)
	ConnsSeq                 // a listener and the conns dialed to it (Subject.NewListening)
)

func (k SeqKind) String() string { return [...]string{"stream", "packet", "conns"}[k] }

// kinds lists the kinds of sequence s has, in the order sequences take turns.
func (s *Subject) kinds() []SeqKind {
	var ks []SeqKind
	if s.NewPair != nil {
		ks = append(ks, StreamSeq)
	}
	if s.NewPacket != nil {
		ks = append(ks, PacketSeq)
	}
	if s.NewListening != nil {
		ks = append(ks, ConnsSeq)
	}
	return ks
}

// newWorld builds the endpoints for one sequence of kind k.
func newWorld(ctx context.Context, s *Subject, o *Options, k SeqKind) (world, error) {
	switch k {
	case PacketSeq:
		return newPacketWorld(ctx, s, o)
	case ConnsSeq:
		return newConnsWorld(ctx, s, o)
	}
	return newStreamWorld(ctx, s, o)
}

// runRaw runs the sequence raws describe and returns its verdict.
func runRaw(ctx context.Context, s *Subject, o *Options, k SeqKind, raws []raw) Verdict {
	w, err := newWorld(ctx, s, o, k)
	if err != nil {
		return Verdict{Outcome: Error, Message: err.Error()}
	}
	r := newRun(ctx, s, o, true)
	r.w = w
	for _, x := range raws {
		if r.done || ctx.Err() != nil {
			break
		}
		w.generate(r, x)
		r.forced()
	}
	r.epilogue()
	return r.finishRun()
}

// RunSeed runs the sequence the seed generates, once, and returns its
// verdict: the same seed gives the same sequence of kind k.
func RunSeed(ctx context.Context, s Subject, seed uint64, o Options, k SeqKind) Verdict {
	o = o.withDefaults()
	if err := s.Validate(); err != nil {
		return Verdict{Outcome: Error, Message: err.Error()}
	}
	if !slices.Contains(s.kinds(), k) {
		return Verdict{Outcome: Error, Message: fmt.Sprintf("subject %s has no %s sequences", s.Name, k)}
	}
	return runRaw(ctx, &s, &o, k, drawRaws(seed, o.MaxSteps))
}

// Replay runs ops as written — the list a Finding carries, or any list in
// the same form — against a fresh subject, checking every step against the
// model, and returns the verdict. Steps that block are in the list (Go,
// StillBlocked, Await); Replay adds none.
func Replay(ctx context.Context, s Subject, ops []Op) Verdict {
	return ReplayWith(ctx, s, ops, Options{})
}

// ReplayWith is Replay with options (timescale, tolerances, ContractOnly).
func ReplayWith(ctx context.Context, s Subject, ops []Op, o Options) Verdict {
	o = o.withDefaults()
	if err := s.Validate(); err != nil {
		return Verdict{Outcome: Error, Message: err.Error()}
	}
	w, err := newWorld(ctx, &s, &o, kindOf(ops))
	if err != nil {
		return Verdict{Outcome: Error, Message: err.Error()}
	}
	r := newRun(ctx, &s, &o, false)
	r.w = w
	for _, op := range ops {
		if r.done {
			break
		}
		op.Got = nil
		switch op.Kind {
		case Go:
			r.replayGo(op)
		case StillBlocked, Await:
			b := r.byName[op.Name]
			if b == nil {
				continue // already checked (a poll saw it return)
			}
			if op.Kind == StillBlocked {
				r.stillBlocked(b)
			} else {
				r.await(b)
			}
		default:
			r.do(op)
		}
	}
	return r.finishRun()
}

func (r *run) replayGo(op Op) {
	if r.poll(); r.done || op.Call == nil {
		return
	}
	id, _, call, err := r.w.begin(*op.Call, time.Now())
	if err != nil {
		r.inconclusive(len(r.ops), fmt.Sprintf("%v: %v", op, err))
		return
	}
	r.background(op.Name, *op.Call, id, call)
}

// kindOf tells the kind of sequence an op list is by its endpoints.
func kindOf(ops []Op) SeqKind {
	for _, op := range ops {
		if op.Kind == Go && op.Call != nil {
			op = *op.Call
		}
		switch op.Kind {
		case WriteTo, ReadFrom:
			return PacketSeq
		case Dial, Accept, Listen:
			return ConnsSeq
		case CopyIn, CopyOut, CloseWrite, CloseRead:
			return StreamSeq
		}
		switch {
		case op.End == "server" || (len(op.End) > 1 && op.End[0] == 'c' && op.End[1] >= '0' && op.End[1] <= '9'):
			// datagram clients and dialed conns share names: a dial comes
			// first in a conns list
			return PacketSeq
		case op.End == iut || op.End == peer:
			return StreamSeq
		case op.End == lnName || (len(op.End) > 1 && op.End[0] == 'a'):
			return ConnsSeq
		}
	}
	return StreamSeq
}
