package explore

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netconform/netconform/harness/explore/model"
)

// TestGoCaseCompiles: the cases GoCase prints for the one-bug wrappers'
// findings (replayed from their hand-written lists) compile against the
// case language as it is now, and pass its own validation — in a module
// of their own that requires this one through a replace directive, as a
// user's suite file would.
func TestGoCaseCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a separate module")
	}
	t.Parallel()
	p, err := newPairer("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	var cases []string
	for _, b := range bugs {
		l, ok := bugLists[b.name]
		if !ok {
			continue
		}
		s := b.subject(p)
		v := Replay(context.Background(), s, l.ops)
		if v.Outcome != Fail {
			t.Errorf("%s: the hand-written list does not fail: %s", b.name, v.Outcome)
			continue
		}
		f := Finding{Seed: uint64(len(cases) + 1), Rule: v.Rule, Message: v.Message, Want: v.Want, Ops: v.Ops, Step: v.Step}
		cases = append(cases, GoCase(s, f))
	}
	// Every kind of step GoCase prints, in each setup.
	conns := []Op{goOp("acc1", Op{Kind: Accept, End: "ln", To: "a1"}), named(StillBlocked, "acc1"),
		{Kind: Dial, End: "ln", To: "c1", CtxEnds: true}, named(Await, "acc1"), write("c1", "ab"), read("a1", 8),
		{Kind: Addrs, End: "a1"}, {Kind: Listen, End: "ln", To: "x1"}, op(Close, "ln"), op(Close, "c1")}
	for _, role := range []string{"client", "server"} {
		f := Finding{Seed: 99, Rule: ruleByID(t, "listener.addr"), Ops: conns, Step: 6}
		cases = append(cases, GoCase(Subject{Role: role}, f))
	}
	stream := []Op{{Kind: CopyIn, End: "iut", N: 4096, Off: 7}, op(CopyOut, "peer"), read("iut", 0), {Kind: Addrs, End: "iut"},
		{Kind: SetReadDeadline, End: "iut", When: In(20e6)}, op(CloseWrite, "iut"), op(CloseRead, "peer")}
	cases = append(cases, GoCase(Subject{Role: "client", Caps: CapBuffered, Transport: "tcp"}, Finding{Seed: 98, Rule: ruleByID(t, "read.eof-bare"), Ops: stream, Step: 2}))
	packet := []Op{{Kind: WriteTo, End: "c1", N: 100, Off: 3, To: "server"}, recvFrom("server", 64), op(Close, "c2")}
	cases = append(cases, GoCase(Subject{Role: "server"}, Finding{Seed: 97, Rule: ruleByID(t, "packet.whole"), Ops: packet, Step: 1}))

	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod := "module example.com/explored\n\ngo 1.26.8\n\nrequire github.com/netconform/netconform v0.0.0\n\nreplace github.com/netconform/netconform => " + root + "\n"
	src := "package explored\n\nimport (\n\t\"time\"\n\n\th \"github.com/netconform/netconform/harness/script\"\n)\n\nvar _ = time.Second\n\n// Cases are the explorer's, as printed.\nvar Cases = []h.Case{\n" + strings.Join(cases, "") + "}\n"
	test := "package explored\n\nimport \"testing\"\n\nfunc TestValid(t *testing.T) {\n\tfor i := range Cases {\n\t\tif err := Cases[i].Validate(); err != nil {\n\t\t\tt.Error(err)\n\t\t}\n\t}\n}\n"
	for name, body := range map[string]string{"go.mod": gomod, "cases.go": src, "cases_test.go": test} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if b, err := os.ReadFile(filepath.Join(root, "go.sum")); err == nil {
		os.WriteFile(filepath.Join(dir, "go.sum"), b, 0o644)
	}
	cmd := exec.Command("go", "test", "-count=1", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the printed cases do not compile or validate: %v\n%s\n%s", err, out, numbered(src))
	}
	t.Logf("%d printed cases compile and validate", len(cases))
}

func ruleByID(t *testing.T, id string) model.Rule {
	r, ok := RuleOfCase("explore." + id)
	if !ok {
		t.Fatalf("no rule %s", id)
	}
	return r
}

func numbered(s string) string {
	var b strings.Builder
	for i, l := range strings.Split(s, "\n") {
		fmt.Fprintf(&b, "%4d %s\n", i+1, l)
	}
	return b.String()
}

func TestDataExpr(t *testing.T) {
	d := append([]byte("abc"), Pattern(7, 300)...)
	d = append(d, "xyz"...)
	d = append(d, Pattern(0, 40)...)
	got := dataExpr(d)
	want := `"abc" + string(h.Pattern(7, 300)) + "xyz" + string(h.Pattern(0, 40))`
	if got != want {
		t.Errorf("dataExpr = %s, want %s", got, want)
	}
	if got := dataExpr([]byte("hello")); got != `"hello"` {
		t.Errorf("dataExpr(hello) = %s", got)
	}
}

// TestGoCaseFailingReadWantsAPrefix: the failing Read of a stream finding
// is printed wanting a non-empty prefix of the bytes the model had queued,
// not all of them: a stream may deliver them in two Reads, and the case
// must still pass on a correct implementation.
func TestGoCaseFailingReadWantsAPrefix(t *testing.T) {
	ops := []Op{write("peer", "abcd"), read("iut", 8)}
	f := Finding{Seed: 1, Rule: ruleByID(t, "read.prefix"), Ops: ops, Step: 1, Want: model.Expect{Data: []byte("abcd"), N: 4}}
	src := GoCase(Subject{Role: "client", Transport: "tcp"}, f)
	if !strings.Contains(src, `.WantPrefixOf("abcd")`) {
		t.Errorf("the failing Read does not want a prefix:\n%s", src)
	}
}
