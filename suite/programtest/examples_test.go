package programtest

import (
	"flag"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/netconform/netconform/harness/program"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/suite"
)

// An example is one of impls/programs as the report runs it: its spec,
// why this machine cannot run it (no python3, no cc), and what its run
// must show (each faulty program fails the case that names its fault and
// passes the others; each correct program passes every contract case).
type example struct {
	spec  program.Spec
	why   string
	check func(got map[string]result.Outcome) []string // what is wrong with got
}

var (
	hello     = program.Conversation{Send: []byte("Hello, server!"), Expect: regexp.MustCompile(`^Hello, client!$`), ServerCloses: true}
	echoColon = program.Conversation{Send: []byte("hello"), Expect: regexp.MustCompile(`^echo:hello$`)}
	jsonSum   = program.Conversation{Send: []byte(`{"A":7,"B":4}`), Expect: regexp.MustCompile(`^\{"Sum":11\}\n?$`)}
)

// padded is the seed echo server's quirk: it writes back the whole
// 100-byte buffer it read into, not the n bytes read.
const padded = "writes back its whole 100-byte buffer, NUL padding included, not the bytes it read: every echo is 100 bytes"

// examples are the example programs, built into d (by built). Argument
// paths are only used when the examples run: listing needs names only.
func examples(d string) []example {
	return withPython(d, programs(d))
}

// pythonPlaceholder stands for the Python interpreter in a program's
// Argv until withPython finds it. The Python examples run with -S (no
// site module): they need the standard library only, and site's .pth
// hooks were two thirds of the interpreter's start here (93 ms of CPU
// against 27), paid at every start of every case.
const pythonPlaceholder = "python3"

// withPython puts the interpreter in the Python examples' Argv, or says
// why they cannot run. It looks for it only when a Python example is
// listed (d is empty) or selected: behind a version manager's shim,
// finding it costs ~0.2 s of CPU, which every report row would pay.
func withPython(d string, exs []example) []example {
	for i := range exs {
		ex := &exs[i]
		if ex.spec.Argv[0] != pythonPlaceholder || d != "" && !suite.SubtestSelected(ex.spec.Name) {
			continue
		}
		py, err := program.Python()
		if err != nil {
			ex.why = "python3 is not installed: " + err.Error()
			continue
		}
		ex.spec.Argv[0] = py
	}
	return exs
}

// programs are the example programs, Python's interpreter a placeholder.
func programs(d string) []example {
	noCC := ""
	if _, err := exec.LookPath("cc"); err != nil && d != "" {
		noCC = "the C program cannot build here (it needs cc): " + err.Error()
	}
	pyProg := func(f string) string { return filepath.Join(repo(), "impls/programs/python", f) }
	onlyFault := func(fault string) func(map[string]result.Outcome) []string {
		return func(got map[string]result.Outcome) []string {
			var bad []string
			for id, o := range got {
				want := o == result.Pass || o == result.Info
				if id == fault {
					want = o == result.KnownFailure
				}
				if !want {
					bad = append(bad, fmt.Sprintf("%s: %q: only %s names this program's fault", id, o, fault))
				}
			}
			if _, ok := got[fault]; !ok {
				bad = append(bad, "no result for "+fault+", the case that names this program's fault")
			}
			return bad
		}
	}
	return []example{
		{spec: program.Spec{Name: "seed-tcpserver", Kind: program.TCPServer, Argv: []string{d + "/tcpserver"}, Conv: hello,
			Known: known(
				"program.close.fin-after-long-request", "reads 1024 bytes once and closes: the unread rest of a longer request turns its close into a RST",
				"program.closewait.after-clients-leave", "a client that closes before sending makes the first Read fail, and the handler returns without Close",
			)},
			check: contractPass(program.TCPServer, "program.close.fin-after-long-request", "program.closewait.after-clients-leave")},
		{spec: program.Spec{Name: "seed-tcpechoserver", Kind: program.TCPServer, Argv: []string{d + "/tcpechoserver"},
			Known: known(
				"program.serve.one-client", padded,
				"program.serve.concurrent-clients", padded,
				"program.halfclose.reply-after-client-fin", padded,
				"program.reset.keeps-accepting", padded,
			)}},
		{spec: program.Spec{Name: "seed-deadlinetcpserver", Kind: program.TCPServer, Argv: []string{d + "/deadlinetcpserver"}, Conv: jsonSum,
			Known: known("program.reset.keeps-accepting", "a failed Write reaches CheckError, which exits 1: a client's reset that arrives before the reply (write: connection reset by peer) ends the server for every client")},
			check: contractPass(program.TCPServer, "program.reset.keeps-accepting")},
		{spec: program.Spec{Name: "seed-udpserver", Kind: program.UDPServer, Argv: []string{d + "/udpserver"}, Conv: jsonSum},
			check: contractPass(program.UDPServer)},
		{spec: program.Spec{Name: "seed-deadlinetcpclient", Kind: program.TCPClient, Argv: []string{d + "/deadlinetcpclient"}, Port: 5656,
			Known: known(
				"program.client.reply-then-close", "never ends by itself: it sends a request every second, and the server's EOF reaches CheckError (exit 1)",
				"program.client.server-half-closes", "exits 1 on the server's EOF (CheckError)",
				"program.client.partial-reply", "exits 1 on the server's EOF (CheckError)",
				"program.client.server-silent", "sets no read deadline: a server that accepts and never answers holds it forever",
				"program.client.partial-then-silent", "sets no read deadline: a server that sends half a reply and stops holds it forever",
			)}},
		{spec: program.Spec{Name: "seed-tcpclient", Kind: program.TCPClient, Argv: []string{d + "/tcpclient"}, Port: 8000,
			Known: known("program.client.reply-then-close", "exits 1 through log.Fatalf when the server's EOF ends its read loop: even success is an error exit",
				"program.client.server-half-closes", "exits 1 on the server's EOF",
				"program.client.partial-reply", "exits 1 on the server's EOF, after logging the two parts as two reads")}},
		{spec: program.Spec{Name: "faulty-closewait", Kind: program.TCPServer, Argv: []string{d + "/closewait"}, Conv: hello,
			Known: known("program.closewait.after-clients-leave", "never closes a connection: every client leaves a CLOSE_WAIT socket")},
			check: func(got map[string]result.Outcome) []string {
				return append(contractPass(program.TCPServer, "program.closewait.after-clients-leave")(got), wantOutcomes(got, map[string]result.Outcome{
					"program.closewait.after-clients-leave": result.KnownFailure,
					"program.timewait.restart-same-port":    result.Pass,
					"program.reset.keeps-accepting":         result.Pass,
					"program.sockopt.accepted-keepalive":    result.Pass,
				})...)
			}},
		{spec: program.Spec{Name: "faulty-noreuseaddr", Kind: program.TCPServer, Argv: []string{d + "/noreuseaddr"}, Conv: hello,
			Known: known("program.timewait.restart-same-port", "turns SO_REUSEADDR off on its listener: bind fails while a TIME_WAIT socket holds the port")},
			check: onlyFault("program.timewait.restart-same-port")},
		{spec: program.Spec{Name: "faulty-udpdies", Kind: program.UDPServer, Argv: []string{d + "/udpdies"}, Conv: echoColon,
			Known: known("program.udp.survives-port-unreachable", "treats every socket error as fatal: the ICMP port unreachable of one client's closed port ends it")},
			check: onlyFault("program.udp.survives-port-unreachable")},
		{spec: program.Spec{Name: "python-tcp-server", Kind: program.TCPServer, Argv: []string{pythonPlaceholder, "-S", pyProg("tcp_server.py"), "--port", "{port}"}, Conv: hello,
			Known: known("program.sockopt.accepted-keepalive", "asyncio sets TCP_NODELAY only: no keep-alive")},
			check: contractPass(program.TCPServer)},
		{spec: program.Spec{Name: "python-udp-server", Kind: program.UDPServer, Argv: []string{pythonPlaceholder, "-S", pyProg("udp_server.py"), "--port", "{port}"}, Conv: echoColon},
			check: contractPass(program.UDPServer)},
		{spec: program.Spec{Name: "python-tcp-client", Kind: program.TCPClient, Argv: []string{pythonPlaceholder, "-S", pyProg("tcp_client.py")}}},
		{spec: program.Spec{Name: "c-tcp-server", Kind: program.TCPServer, Argv: []string{d + "/c_tcp_server", "{port}"}, Conv: hello,
			Known: known("program.sockopt.accepted-keepalive", "POSIX sockets: no keep-alive unless set",
				"program.sockopt.accepted-nodelay", "POSIX sockets: Nagle on unless TCP_NODELAY is set")},
			why: noCC, check: contractPass(program.TCPServer)},
		{spec: program.Spec{Name: "c-udp-server", Kind: program.UDPServer, Argv: []string{d + "/c_udp_server", "{port}"}, Conv: echoColon},
			why: noCC, check: contractPass(program.UDPServer)},
		{spec: program.Spec{Name: "c-tcp-client", Kind: program.TCPClient, Argv: []string{d + "/c_tcp_client", "{port}"}},
			why: noCC},
	}
}

// TestExamplePrograms runs the example programs of impls/programs through
// the program cases: these are the program rows of the report (each runs
// alone there: -test.run=^TestExamplePrograms$/^NAME$), and each row's
// check says what its outcomes must be.
func TestExamplePrograms(t *testing.T) {
	d := ""
	if !suite.Listing() {
		d = built(t)
	}
	for _, ex := range examples(d) {
		if ex.why == "" && d != "" && suite.SubtestSelected(ex.spec.Name) && filepath.Dir(ex.spec.Argv[0]) == d {
			if _, err := buildProgram(d, filepath.Base(ex.spec.Argv[0])); err != nil {
				ex.why = err.Error()
			}
		}
		if ex.why != "" {
			suite.UnavailableProgram(t, ex.spec, ex.why)
			continue
		}
		res := suite.RunProgram(t, ex.spec)
		if ex.check == nil || suite.Listing() || child() {
			continue
		}
		// The program's cases are parallel subtests: its results are all
		// in once the test's function has returned and they have ended.
		t.Cleanup(func() {
			got := map[string]result.Outcome{}
			for _, r := range res.List() {
				got[r.Case] = r.Outcome
			}
			if len(got) == 0 {
				if f := flag.Lookup("test.run"); (f == nil || f.Value.String() == "") && !suite.FiltersBelow(2) {
					t.Errorf("%s: no result, though every program runs", ex.spec.Name)
				}
				return // not selected (-test.run, or the report's one row)
			}
			if len(got) < len(suite.ProgramCases(ex.spec.Kind)) && suite.FiltersBelow(2) {
				t.Logf("%s: %d of its cases ran (-test.run or -test.skip chose them): its outcomes are checked when all run", ex.spec.Name, len(got))
				return
			}
			for _, bad := range ex.check(got) {
				t.Errorf("%s: %s", ex.spec.Name, bad)
			}
		})
	}
}

// contractPass returns a check that every contract case of kind passed,
// except the cases named (a program's known faults).
func contractPass(kind program.Kind, except ...string) func(map[string]result.Outcome) []string {
	return func(got map[string]result.Outcome) []string {
		var bad []string
		for _, c := range suite.ProgramCases(kind) {
			if c.Level == result.Contract && got[c.ID] != result.Pass && !slices.Contains(except, c.ID) {
				bad = append(bad, fmt.Sprintf("contract case %s: %q, want pass", c.ID, got[c.ID]))
			}
		}
		return bad
	}
}

// wantOutcomes says which case of want has another outcome in got.
func wantOutcomes(got, want map[string]result.Outcome) []string {
	var bad []string
	for id, w := range want {
		if got[id] != w {
			bad = append(bad, fmt.Sprintf("%s: outcome %q, want %q", id, got[id], w))
		}
	}
	return bad
}
