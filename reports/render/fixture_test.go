package render_test

import (
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/errclass"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/reports/render"
)

func n(v int) *int { return &v }

// fixture is a fixed report that exercises every outcome and every kind of
// evidence: findings, allowed outcomes, retries, transcripts with errors,
// a wire trace, metrics, a known divergence, an unsupported case, one not
// applicable.
func fixture() *render.Report {
	h := render.Header{
		Tool: "netconform", ToolVersion: "v0.0.0-test", CatalogueHash: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		GoVersion: "go1.26.8", GOOS: "linux", GOARCH: "amd64", Kernel: "6.18.44", Timescale: 1,
		Options: []string{"-impl=alpha|beta|gamma"}, Generated: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC),
		Started: time.Date(2026, 11, 21, 11, 59, 20, 0, time.UTC),
	}
	impls := []render.ImplInfo{
		{Name: "alpha", Description: "a reference-peer implementation", Topology: "reference-peer", Network: "tcp4", CloseMode: "full", Caps: []string{"stream", "half-close", "deadline"},
			Planned: []string{"closed.read.after-close-is-errclosed/client", "closed.read.after-close-is-errclosed/server"}, Wall: 1234 * time.Millisecond},
		{Name: "beta", Description: "a multiplexer", Topology: "pair", CloseMode: "half", Caps: []string{"stream", "deadline"},
			Known: []harness.Known{{Case: "closed.read.after-close-is-errclosed", Reason: "Read after Close returns io.EOF", Link: "https://example.com/issues/1"}}},
		{Name: "gamma", Topology: "reference-peer", CloseMode: "full", Caps: []string{"packet"}, Leaks: []string{"1 goroutine left after its cases"}},
	}
	eofErr := &errclass.Info{Class: errclass.EOF, Text: "EOF", Chain: []string{"*errors.errorString"}, Bare: true}
	closedErr := &errclass.Info{Class: errclass.Closed, Text: "read tcp4 127.0.0.1:41000->127.0.0.1:42000: use of closed network connection",
		Chain: []string{"*net.OpError", "*errors.errorString"}, Op: "read", Net: "tcp4", NetError: true}
	base := result.Result{Area: "closed", Level: result.Convention, Spec: "net.ErrClosed: returned by an I/O call on a network connection that has already been closed", Catalogue: "C1", Needs: []string{"stream", "full-close"}}
	r := func(impl, c string, role harness.Role, o result.Outcome, f func(*result.Result)) result.Result {
		res := base
		res.Impl, res.Case, res.Role, res.Outcome, res.Duration = impl, c, role, o, 3*time.Millisecond
		if f != nil {
			f(&res)
		}
		return res
	}
	results := []result.Result{
		r("alpha", "closed.read.after-close-is-errclosed", harness.RoleClient, result.Pass, func(x *result.Result) {
			x.Transcript = []result.Obs{
				{Step: 1, Call: "iut.Close()", At: 300 * time.Microsecond, Took: 20 * time.Microsecond, Verdict: "ok"},
				{Step: 2, Call: "iut.Read(8)", At: 350 * time.Microsecond, Took: 5 * time.Microsecond, N: n(0), Err: closedErr, Want: "0, closed (net.ErrClosed)", Verdict: "ok"},
			}
		}),
		r("alpha", "closed.read.after-close-is-errclosed", harness.RoleServer, result.Fail, func(x *result.Result) {
			x.Findings = []result.Finding{{Step: 2, Call: "iut.Read(8) after iut.Close()", Got: "0, eof (EOF)", Want: "0, closed (net.ErrClosed) (error is eof)"}}
			x.Transcript = []result.Obs{
				{Step: 1, Call: "iut.Close()", Verdict: "ok"},
				{Step: 2, Call: "iut.Read(8)", N: n(0), Err: eofErr, Want: "0, closed (net.ErrClosed)", WantErr: []errclass.Class{errclass.Closed}, Verdict: "fail", Note: "error is eof"},
			}
		}),
		r("beta", "closed.read.after-close-is-errclosed", harness.RoleClient, result.KnownFailure, func(x *result.Result) {
			x.Reason = "Read after Close returns io.EOF"
			x.Known = &impls[1].Known[0]
			x.Findings = []result.Finding{{Step: 2, Call: "iut.Read(8) after iut.Close()", Got: "0, eof (EOF)", Want: "0, closed (net.ErrClosed)"}}
		}),
		r("beta", "closed.read.after-close-is-errclosed", harness.RoleServer, result.UnexpectedPass, func(x *result.Result) {
			x.Findings = []result.Finding{{Call: "known divergence closed.read.after-close-is-errclosed", Got: "pass", Want: "fail (Read after Close returns io.EOF); delete the entry from beta's Known list"}}
		}),
		r("gamma", "closed.read.after-close-is-errclosed", harness.RoleClient, result.Unsupported, func(x *result.Result) {
			x.Reason = "gamma lacks half-close, which iut.CloseWrite() needs of iut (the IUT's conn)"
		}),
		r("gamma", "closed.read.after-close-is-errclosed", harness.RoleServer, result.NotApplicable, func(x *result.Result) {
			x.Reason = "a byte-stream case; gamma's conns are not byte streams"
		}),
		r("alpha", "deadline.read.future-fires", harness.RoleClient, result.Timeout, func(x *result.Result) {
			x.Area, x.Level, x.Catalogue = "deadline", result.Contract, "D4"
			x.Spec = "net.Conn.SetDeadline: a Read blocked past a future deadline returns at the deadline, never before"
			x.Findings = []result.Finding{{Step: 2, Call: "iut.Read(8) after iut.SetReadDeadline(+100ms)", Got: "blocked 1.35s", Want: "return at the deadline"}}
			x.Retries = []string{"attempt 1 at timescale 1: late: iut.Read(8) returned 300ms after its deadline"}
			x.Transcript = []result.Obs{
				{Step: 1, Call: "iut.SetReadDeadline(+100ms)", At: time.Millisecond, Verdict: "ok"},
				{Step: 2, Call: "iut.Read(8)", At: 2 * time.Millisecond, Took: 1350 * time.Millisecond, Verdict: "fail", Late: dp(1250 * time.Millisecond), Tolerance: 250 * time.Millisecond},
			}
			x.Attempts = 2
			x.Evidence = "goroutine 12 [IO wait]:\ninternal/poll.runtime_pollWait(...)"
		}),
		r("beta", "deadline.read.future-fires", harness.RoleClient, result.Pass, func(x *result.Result) {
			x.Area, x.Level, x.Spec = "deadline", result.Contract, "net.Conn.SetDeadline: a Read blocked past a future deadline returns at the deadline, never before"
			x.Allowed = []result.Finding{{Step: 2, Call: "iut.Read(8)", Got: "0, timeout-other", Want: "0, deadline (os.ErrDeadlineExceeded)"}}
			x.Transcript = []result.Obs{
				{Step: 1, Call: "iut.SetReadDeadline(+100ms)", At: time.Millisecond, Verdict: "ok"},
				{Step: 2, Call: "iut.Read(8)", At: 2 * time.Millisecond, Took: 112 * time.Millisecond, Verdict: "allowed", Late: dp(12 * time.Millisecond), Tolerance: 250 * time.Millisecond},
			}
		}),
		r("alpha", "wire.closewrite.sends-fin", harness.RoleClient, result.Pass, func(x *result.Result) {
			x.Area, x.Level, x.Spec = "wire", result.Contract, "RFC 9293 §3.6: CloseWrite sends FIN ([F.]) and the peer acknowledges it"
			x.Wire = []result.Segment{
				{At: time.Millisecond, From: "client(iut)", To: "server(ref)", Flags: "S", Seq: 0, Ack: 0},
				{At: time.Millisecond, From: "server(ref)", To: "client(iut)", Flags: "S.", Seq: 0, Ack: 1},
				{At: time.Millisecond, From: "client(iut)", To: "server(ref)", Flags: ".", Seq: 1, Ack: 1},
				{At: 2 * time.Millisecond, From: "client(iut)", To: "server(ref)", Flags: "F.", Seq: 1, Ack: 1},
			}
			x.Transcript = []result.Obs{
				{Step: 1, Call: "iut.CloseWrite()", At: 1500 * time.Microsecond, Verdict: "ok"},
				{Step: 2, Call: "wire: client(iut) sends [F.]", At: 2500 * time.Microsecond, Verdict: "ok"},
			}
		}),
		r("gamma", "udp.multiplex.replies-reach-sender", harness.RoleServer, result.Error, func(x *result.Result) {
			x.Area, x.Level, x.Spec = "udp", result.Contract, "net.PacketConn.ReadFrom returns the sender's address and WriteTo sends to one"
			x.Reason = "no result: the test process ended before this case reported"
			x.Evidence = "panic: boom\n\ngoroutine 7 [running]:"
		}),
		r("gamma", "perf.roundtrip.latency", harness.RoleServer, result.Info, func(x *result.Result) {
			x.Area, x.Level, x.Spec = "perf", result.Informational, "Go's net: round-trip latency of a 1-byte ping-pong, for comparison"
			x.Metrics = map[string]float64{"rtt_p50_us": 23, "rtt_p99_us": 61, "rtt_cv": 0.042, "rtt_rounds": 100}
			x.Findings = []result.Finding{{Call: "p99", Got: "61µs", Want: "≤ 2× std-tcp"}}
		}),
	}
	return render.New(h, impls, results)
}

// dp is a pointer to d.
func dp(d time.Duration) *time.Duration { return &d }
