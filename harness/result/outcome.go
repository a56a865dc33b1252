package result

// Outcome is the verdict of one case on one implementation in one role.
type Outcome string

// The outcomes. Fail, Timeout, UnexpectedPass and Error fail a run; the
// others do not.
const (
	Pass           Outcome = "pass"
	Fail           Outcome = "fail"
	Timeout        Outcome = "timeout"         // a step hung past its watchdog
	Unsupported    Outcome = "unsupported"     // a needed capability is not declared
	NotApplicable  Outcome = "not-applicable"  // the case asks about a kind of transport the implementation is not
	KnownFailure   Outcome = "known-failure"   // failed as the implementation declares
	UnexpectedPass Outcome = "unexpected-pass" // declared known, but passed: the list is stale
	Error          Outcome = "error"           // the harness or the adapter could not run the case
	Skip           Outcome = "skip"            // the environment cannot run it (reason says why)
	Info           Outcome = "info"            // an informational case ran: recorded, neither pass nor fail
)

// Outcomes lists every outcome, in report order.
var Outcomes = []Outcome{Pass, Fail, Timeout, UnexpectedPass, Error, KnownFailure, Unsupported, NotApplicable, Skip, Info}

// Failed reports whether o fails a run.
func (o Outcome) Failed() bool {
	return o == Fail || o == Timeout || o == UnexpectedPass || o == Error
}

// Valid reports whether o is one of the outcomes.
func (o Outcome) Valid() bool {
	for _, x := range Outcomes {
		if o == x {
			return true
		}
	}
	return false
}

// Level says how binding a case's expectation is.
type Level string

const (
	// Contract: the net.Conn, net.Listener, net.PacketConn, io.Reader or
	// io.Writer documentation requires it (or a documented method of an
	// optional interface such as TCPConn.CloseWrite, once declared).
	Contract Level = "contract"
	// Convention: what Go's std net does on Linux; other implementations
	// may legitimately differ, and declare it as a known divergence.
	Convention Level = "convention"
	// Informational: recorded and reported, never failed.
	Informational Level = "informational"
)

// NotObserved starts the reason of a pass of a case an implementation
// declares to fail intermittently, run several times without failing:
// the declaration may be stale.
const NotObserved = "not observed"
