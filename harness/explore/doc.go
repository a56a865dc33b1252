// Package explore is a stateful, property-based explorer for net.Conn and
// net.PacketConn implementations. Where the suite's cases are scenarios
// their authors wrote, the explorer generates sequences of operations —
// writes of varied sizes, reads with varied buffers, CloseWrite, CloseRead,
// Close on either end at any point, deadlines in the past, in the future
// and cleared, calls left blocked in background goroutines and released
// later, io.Copy into and out of the conn, datagrams between a server and
// several clients — and checks every step against a model of what the
// contract (and, one level down, Go's std net on Linux) allows: package
// model, never a recorded run. The first violation ends a sequence; rapid
// shrinks it to a minimal one, which is replayed (Replay) and printed as a
// netconform case (GoCase) ready to paste into a suite file.
//
// # Why rapid, not native fuzzing
//
// The sequences are generated with pgregory.net/rapid (v1.3.0) rather than
// Go's native fuzzing, for four reasons. Native fuzzing only runs under
// `go test -fuzz`, one target per process, with no time or sequence budget
// a caller can set, while Explore must run anywhere (the report command, a
// test with a fixed budget). Its corpus is bytes that mutate blindly, so
// most inputs would decode to operations the state does not allow; the
// explorer instead draws choices that the current model state turns into
// valid operations. Its minimisation works on bytes and knows nothing of
// steps, whereas rapid shrinks the structure it drew: it drops single
// operations and runs of them and lowers each choice towards its simplest
// value, so a 20-step failure comes back as the 2 to 6 steps that matter.
// And rapid replays a sequence from a 64-bit seed, which a Finding carries.
//
// How rapid is used: each sequence is a list of choices drawn from a rapid
// generator (chunks of choices, so that shrinking can drop one operation
// or a run); the world the sequence runs in interprets each choice against
// the model's state (only operations the subject declared, on ends where
// they are valid). Searching draws sequences with Generator.Example(seed),
// which needs no testing.T and no global state, so sequences run in
// parallel workers. A failing seed is then given to rapid.Check, whose
// first draw for that seed is the same sequence, and rapid shrinks it
// while the same rule stays violated. rapid keeps its settings in its
// command-line flags, so shrinking sets them (one check, the seed, no fail
// files, the shrink time) under a process-wide lock and restores them; it
// needs a testing.TB-like value, which quietTB is; and it calls
// testing.Short, which outside a test binary needs testing.Init and parsed
// flags (ensureTesting provides both, leaving a later flag.Parse working).
//
// # Blocking and timing
//
// Blocking is an outcome like any other. Every call runs in its own
// goroutine under a watchdog. A call the model says must block is started
// in the background (Go), checked still blocked after a settle window
// (StillBlocked), and awaited (Await) right after the step that releases
// it; before every step the explorer also checks that no call the model
// says is blocked has returned. A call the model says must return and that
// does not within the watchdog is a finding ("hung"); its goroutine is left
// behind and named in the report. A call returning before its deadline is
// always a violation; one returning later than the deadline plus the
// tolerance makes the sequence inconclusive: it is run again at twice,
// then four times the timescale (Options.Retries), as the harness retries
// a late case, and if late every time counted as inconclusive — never a
// pass, never a failure. A report row passes only when enough sequences
// were conclusive. A violation must also reproduce: the shrinker takes a
// sequence as failing only when a second run fails by the same rule, and
// the shrunk op list is a finding only when a majority of its replays
// (Options.Confirm, default 3) fail by that rule; one the subject does not
// show again — the machine's stall, a timer fired late under load — is
// inconclusive and named (Report.Unconfirmed), never a finding, and the
// rule's next failing sequence (of its first three) is tried instead.
//
// # Implementations, the suite and the report
//
// Explorations builds the subjects of a harness.Impl, one per role, as the
// case language builds a case's topology: a fresh pair, datagram sockets
// or listener for each sequence, in a case scope of its own (Prepare,
// CaseValue, CaseCleanup), the other end Go's std net where the
// implementation has a reference peer; what it generates follows the
// implementation's effective capabilities, and errors are classified by
// harness/errclass. Besides streams and datagrams it explores listeners
// ("conns" sequences: dials, accepts, closes, a deadline and a second
// Listen on the listener, small exchanges and address checks on the conns
// accepted; model.Listen).
//
// suite.Run explores each implementation beside its cases (the budget is
// -netconform.explore or NETCONFORM_EXPLORE, default 2 s; 0 turns it off)
// and reports what it found as results of the area "explore": one row
// explore.sequences.clean per role, a row explore.<rule> per rule broken
// with the seed and the case GoCase prints as evidence, and a row per
// divergence the implementation declares, harness.Known{Case:
// "explore.<rule>"} (RuleCase, RuleOfCase): a declared rule's violations
// are no findings (Options.Known). The report command explores with
// -explore. harness/explore imports the plug-in package, errclass and the
// scope behind CaseValue, never the suite.
package explore
