package explore

import (
	"context"
	"net"
	"testing"

	"github.com/netconform/netconform/harness/explore/model"
)

// TestConnsStd: std net's listener, in the conns world, breaks no rule;
// a hand-written list shows the names and pairing.
func TestConnsStd(t *testing.T) {
	t.Parallel()
	s := Subject{Name: "x", Classify: classify, Caps: CapConcurrent, Role: "server",
		NewListening: func(ctx context.Context) (*Listening, error) {
			ln, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				return nil, err
			}
			return &Listening{Listener: ln, IUT: model.Acceptor, Kernel: true,
				Dial: func(ctx context.Context) (net.Conn, error) {
					var d net.Dialer
					return d.DialContext(ctx, "tcp4", ln.Addr().String())
				}}, nil
		}}
	ops := []Op{
		goOp("acc1", Op{Kind: Accept, End: "ln", To: "a1"}), named(StillBlocked, "acc1"),
		{Kind: Dial, End: "ln", To: "c1"}, named(Await, "acc1"),
		{Kind: Dial, End: "ln", To: "c2"}, {Kind: Accept, End: "ln", To: "a2"}, {Kind: Addrs, End: "c1"}, {Kind: Addrs, End: "a2"}, {Kind: Addrs, End: "c2"},
	}
	if v := Replay(context.Background(), s, ops); v.Outcome != Pass {
		t.Fatalf("%s %s\n%s", v.Outcome, v.Message, Transcript(v.Ops))
	}
	for seed := uint64(1); seed < 200; seed++ {
		v := RunSeed(context.Background(), s, seed, Options{}, ConnsSeq)
		if v.Outcome != Pass {
			t.Fatalf("seed %d: %s %s\n%s", seed, v.Outcome, v.Message, Transcript(v.Ops))
		}
	}
}
