package result_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/netconform/netconform/harness/errclass"
	"github.com/netconform/netconform/harness/result"
)

// failed is a failed result whose step 1 (call) observed err where the
// classes want were expected.
func failed(impl, id, role, call string, err error, want ...errclass.Class) result.Result {
	o := result.Obs{Step: 1, Call: call, Err: errclass.Describe(err), WantErr: want, Verdict: "fail", Note: "error is " + string(errclass.Classify(err))}
	return result.Result{Impl: impl, Case: id, Role: "client", Outcome: result.Fail, Needs: []string{"stream"},
		Findings:   []result.Finding{{Step: 1, Call: call, Got: o.Got(), Want: "…"}},
		Transcript: []result.Obs{{Step: 0, Call: "iut.Close()", Verdict: "ok"}, o}}
}

// timeoutErr is a private timeout error without os.ErrDeadlineExceeded.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestCausesGroupTextCopiesAcrossClassesAndSteps(t *testing.T) {
	v := func(err error) error { return fmt.Errorf("wrap: %v", err) }
	closed := &net.OpError{Op: "read", Net: "tcp", Err: net.ErrClosed}
	rs := []result.Result{
		failed("a", "eof.read", "client", "iut.Read(8)", v(io.EOF), errclass.EOF),
		failed("a", "eof.read", "server", "iut.Read(8)", v(io.EOF), errclass.EOF),
		failed("a", "closed.write", "client", "await w: iut.Write(\"x\")", v(closed), errclass.Closed),
		failed("a", "closed.read", "client", "iut.Read(8)", v(closed), errclass.Closed),
		failed("a", "deadline.read", "client", "iut.Read(8)", v(os.ErrDeadlineExceeded), errclass.Deadline),
		failed("a", "closed.close", "client", "iut.Close()", nil, errclass.Closed),
		failed("a", "closed.read-eof", "client", "iut.Read(8)", io.EOF, errclass.Closed),
		{Impl: "a", Case: "passes", Outcome: result.Pass},
		{Impl: "a", Case: "known", Outcome: result.KnownFailure},
		{Impl: "a", Case: "could-not-run", Outcome: result.Error, Reason: "setup failed"},
	}
	cs := result.Causes(rs)
	if len(cs) != 3 {
		t.Fatalf("Causes = %d causes, want 3 (text copies, no error, wrong class):\n%v", len(cs), cs)
	}
	top := cs[0]
	if top.Results != 5 || top.Cases != 4 || !strings.HasPrefix(top.Signature, "text-copy ") {
		t.Errorf("top cause = %d results, %d cases, %q; want 5 results, 4 cases, text-copy", top.Results, top.Cases, top.Signature)
	}
	for _, want := range []string{"text copies of net.ErrClosed / io.EOF / os.ErrDeadlineExceeded", "errors.Is fails", "*errors.errorString", "in Read, Write", "wrap with %w"} {
		if !strings.Contains(top.Diagnosis, want) {
			t.Errorf("top diagnosis %q does not say %q", top.Diagnosis, want)
		}
	}
	if got := top.String(); !strings.HasPrefix(got, "4 cases (5 results): errors are text copies") {
		t.Errorf("top cause renders as %q", got)
	}
	if d := cs[1].Diagnosis + " | " + cs[2].Diagnosis; !strings.Contains(d, "Close returns no error where closed (net.ErrClosed) is expected") ||
		!strings.Contains(d, "Read returns eof (io.EOF) where closed (net.ErrClosed) is expected") {
		t.Errorf("other causes = %q", d)
	}
}

func TestCausesNameChainShapesAndTimeouts(t *testing.T) {
	opCopy := &net.OpError{Op: "read", Net: "tcp", Err: errors.New(net.ErrClosed.Error())}
	rs := []result.Result{
		failed("a", "c1", "client", "iut.Read(8)", opCopy, errclass.Closed),
		failed("a", "c2", "client", "iut.Read(8)", timeoutErr{}, errclass.Deadline),
		failed("a", "c3", "client", "iut.Write(\"x\")", errors.New("write: mux: session shutdown"), errclass.None),
		failed("a", "c4", "client", "iut.Write(\"x\")", errors.New("mux: private"), errclass.Closed),
	}
	var got []string
	for _, c := range result.Causes(rs) {
		got = append(got, c.Diagnosis)
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"the error is a text copy of net.ErrClosed (errors.Is fails on it; chain *net.OpError → *errors.errorString; in Read)",
		"timeout errors (Timeout() true; chain result_test.timeoutErr; in Read) do not wrap os.ErrDeadlineExceeded",
		"Write fails with an unclassified error (chain *errors.errorString, without the expected identity) where no error is expected",
		"Write returns an unclassified error (chain *errors.errorString, without the expected identity) where closed (net.ErrClosed) is expected",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no cause says %q; causes:\n%s", want, all)
		}
	}
}

func TestCausesOfDeviationsHangsAndStaleDeclarations(t *testing.T) {
	late := func(id, took string) result.Result {
		return result.Result{Impl: "a", Case: id, Role: "client", Outcome: result.Fail, Transcript: []result.Obs{
			{Step: 1, Call: "iut.Read(8)", Err: errclass.Describe(os.ErrDeadlineExceeded), WantErr: []errclass.Class{errclass.Deadline}, Verdict: "fail", Note: "returned " + took + " after its deadline"}}}
	}
	rs := []result.Result{
		late("d1", "260ms"), late("d2", "1.2s"),
		{Impl: "a", Case: "h", Role: "server", Outcome: result.Timeout, Transcript: []result.Obs{{Step: 1, Call: "s1 = ln.Accept()", Verdict: "hung"}}},
		{Impl: "a", Case: "k", Role: "client", Outcome: result.UnexpectedPass},
	}
	cs := result.Causes(rs)
	if len(cs) != 3 || cs[0].Results != 2 || cs[0].Diagnosis != "Read: returned … after its deadline" {
		t.Fatalf("causes = %v; want the two late Reads first, as one", cs)
	}
	if d := result.Diagnose(&rs[0]); d != "" {
		t.Errorf("Diagnose(a late Read) = %q; the finding says it already, want \"\"", d)
	}
	if d := result.Diagnose(&rs[2]); d != "Accept never returns (blocked past its watchdog)" {
		t.Errorf("Diagnose(a hung Accept) = %q", d)
	}
	if d := result.Diagnose(&rs[3]); !strings.Contains(d, "remove them from Known") {
		t.Errorf("Diagnose(an unexpected pass) = %q", d)
	}
}

func TestFailurePrintsEachFindingOnceWithItsRootCause(t *testing.T) {
	r := failed("a", "eof.read", "client", "iut.Read(8)", fmt.Errorf("wrap: %v", io.EOF), errclass.EOF)
	r.Level = result.Contract
	out := r.Failure()
	first, _, _ := strings.Cut(out, "\n")
	if !strings.HasPrefix(first, "fail (contract): iut.Read(8) = 0") && !strings.HasPrefix(first, "fail (contract): iut.Read(8) = other") {
		t.Errorf("first line = %q; want the outcome and the finding", first)
	}
	if n := strings.Count(out, r.Findings[0].String()); n != 1 {
		t.Errorf("the finding is printed %d times, want once:\n%s", n, out)
	}
	if !strings.Contains(out, "\nroot cause: the error is a text copy of io.EOF") || !strings.Contains(out, "wrap with %w") {
		t.Errorf("no root cause line:\n%s", out)
	}
}

func TestStepKind(t *testing.T) {
	for call, want := range map[string]string{
		"iut.Read(8)":                 "Read",
		"await r: iut.ReadFull(8)":    "Read",
		"go w: c1.Write(\"x\")":       "Write",
		"server.WriteTo(64, c1)":      "Write",
		"iut.SetReadDeadline(-1s)":    "deadline",
		"s1 = ln.Accept()":            "Accept",
		"c1 = Dial(dead-port)":        "Dial",
		"iut.CloseWrite()":            "CloseWrite",
		"fill(iut)":                   "fill",
		"r still blocked":             "",
		"1 MiB each way while…":       "",
		"await r1 = 0, other":         "",
		"50 rounds of concurrent ops": "",
	} {
		if got := result.StepKind(call); got != want {
			t.Errorf("StepKind(%q) = %q, want %q", call, got, want)
		}
	}
}
