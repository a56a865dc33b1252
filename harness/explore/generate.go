package explore

import (
	"time"

	"pgregory.net/rapid"

	"github.com/netconform/netconform/harness/explore/model"
)

// raw is one generated choice, before the state gives it meaning: K picks
// the kind of operation among those valid now, E the endpoint, S a size or
// a deadline, X anything else. Small values are the simple choices, so
// rapid's shrinking towards zero simplifies operations as well as dropping
// them.
type raw struct{ K, E, S, X int }

// rawGen draws a sequence of up to maxSteps choices: chunks of choices,
// so that rapid can drop single operations and whole runs of them.
func rawGen(maxSteps int) *rapid.Generator[[]raw] {
	one := rapid.Custom(func(t *rapid.T) raw {
		return raw{
			K: rapid.IntRange(0, 63).Draw(t, "k"),
			E: rapid.IntRange(0, 15).Draw(t, "e"),
			S: rapid.IntRange(0, 15).Draw(t, "s"),
			X: rapid.IntRange(0, 15).Draw(t, "x"),
		}
	})
	chunks := rapid.SliceOfN(rapid.SliceOfN(one, 1, 8), 1, max(1, (maxSteps+3)/4))
	return rapid.Custom(func(t *rapid.T) []raw {
		var out []raw
		for _, c := range chunks.Draw(t, "chunks") {
			out = append(out, c...)
		}
		return out[:min(len(out), maxSteps)]
	})
}

// choice is a candidate operation with its weight. The candidates depend
// only on what the subject declared, never on the state, so that dropping
// an earlier step while shrinking does not change what later choices
// pick; a candidate not valid now (valid false) makes the choice a no-op.
type choice struct {
	weight int
	op     Op
	valid  bool
}

func pick(cs []choice, k int) (Op, bool) {
	total := 0
	for _, c := range cs {
		total += c.weight
	}
	if total == 0 {
		return Op{}, false
	}
	k %= total
	for _, c := range cs {
		if k < c.weight {
			return c.op, c.valid
		}
		k -= c.weight
	}
	return Op{}, false
}

// The sizes the generator writes and reads with: small ones first.
var (
	writeSizes = []int{1, 3, 2, 5, 8, 0, 13, 1, 100, 1000, 4095, 4096, 4097, 16 << 10, 64 << 10, 1 << 20}
	readSizes  = []int{8, 1, 2, 3, 4, 5, 16, 64, 100, 1024, 4096, 8192, 32 << 10, 64 << 10, 70000, 1 << 20}
	whens      = []When{Past, In(20 * time.Millisecond), NoDeadline, In(5 * time.Millisecond), In(far), In(50 * time.Millisecond)}
	dgramSizes = []int{1, 3, 0, 8, 2, 5, 100, 1400, 1, 4, 9000, 16, 60000, 70000, 3, 512}
	dgramReads = []int{64, 1, 4, 2048, 16, 65536, 8, 3}
)

// letters are the bytes of small writes: lower case from iut, upper case
// from peer, each direction going on where it stopped.
var letters = [2]string{"abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}

// payload makes the next n bytes end x writes.
func (w *streamWorld) payload(x model.End, n int) Op {
	op := Op{End: endName(x)}
	if n >= 32 {
		op.N, op.Off = n, w.pat[x]%251
		w.pat[x] += n
		return op
	}
	b := make([]byte, n) // never nil: a literal, possibly empty
	for i := range b {
		b[i] = letters[x][w.letter[x]%26]
		w.letter[x]++
	}
	op.Data = b
	return op
}

// generate turns one raw choice into a stream operation valid now — one
// the subject declared, on an end with no call of the same direction in
// flight — and runs it.
func (w *streamWorld) generate(r *run, x raw) {
	end := model.End(x.E % 2)
	name := endName(end)
	caps := w.s.endCaps(end)
	noWriter, noReader := !w.m.Pending(end, false), !w.m.Pending(end, true)
	size := writeSizes[x.S%len(writeSizes)]
	cs := []choice{
		{6, Op{Kind: Write, End: name, N: size}, noWriter},
		{6, Op{Kind: Read, End: name, N: readSizes[x.S%len(readSizes)]}, noReader},
		{1, Op{Kind: Close, End: name}, true},
	}
	if caps&CapCloseWrite != 0 {
		cs = append(cs, choice{1, Op{Kind: CloseWrite, End: name}, true})
	}
	if caps&CapCloseRead != 0 {
		cs = append(cs, choice{1, Op{Kind: CloseRead, End: name}, true})
	}
	if caps&CapDeadline != 0 {
		kind := []Kind{SetReadDeadline, SetReadDeadline, SetWriteDeadline, SetDeadline}[x.X%4]
		cs = append(cs, choice{3, Op{Kind: kind, End: name, When: whens[x.S%len(whens)]}, true})
	}
	if caps&CapCopy != 0 {
		cs = append(cs, choice{1, Op{Kind: CopyOut, End: name}, noReader}, choice{1, Op{Kind: CopyIn, End: name, N: size}, noWriter && size > 0})
	}
	cs = append(cs, choice{1, Op{Kind: Addrs, End: name}, !w.m.Closed(end)})
	if tr := w.m.Spec().Transport; tr == model.TCP || tr == model.Unix {
		// A Read with an empty buffer: kernel sockets return at once.
		cs = append(cs, choice{1, Op{Kind: Read, End: name, N: 0}, noReader})
	}
	op, ok := pick(cs, x.K)
	if !ok {
		return
	}
	if op.Kind == Write || op.Kind == CopyIn {
		p := w.payload(end, op.N)
		op.Data, op.N, op.Off = p.Data, p.N, p.Off
	}
	r.do(op)
}
