// Package model is a pure, deterministic model of what net.Conn's contract
// — and, one level down, Go's std net on Linux — allows a connected byte
// stream pair and a set of datagram sockets to do.
//
// The model never performs I/O and never reads a clock: the caller tells it
// when each call started and ended. It is asked three things about a call:
// Begin (the call starts; may it block?), Status (given what happened since,
// must it have returned, must it still be blocked, or may it either way?)
// and Finish (the call returned this: is that allowed, and what is the
// state now?). Every check is tagged with its level: Contract for what the
// net.Conn, net.PacketConn, io.Reader and io.Writer documentation requires,
// Convention for what Go's std net does on Linux (net.Pipe's own behaviour
// for a pipe). Errors are given to the model as class names (the caller
// classifies them); the model never looks at error text.
//
// When several outcomes are legitimate — a Read may return any non-empty
// prefix of the queued bytes, a reset may or may not have arrived — the
// model accepts each of them and advances by what was observed: a Read that
// returned 3 of 10 queued bytes leaves 7.
package model

import (
	"fmt"
	"strconv"
	"time"
)

// Level says how binding a rule is.
type Level string

const (
	// Contract: the net.Conn / net.PacketConn / io.Reader / io.Writer
	// documentation requires it.
	Contract Level = "contract"
	// Convention: what Go's std net does on Linux (net.Pipe's behaviour for
	// a pipe); other implementations may legitimately differ.
	Convention Level = "convention"
)

// Error class names, as the caller's classifier returns them.
const (
	None         = "none"          // nil error
	EOF          = "eof"           // io.EOF
	EOFWrapped   = "eof-wrapped"   // an error that wraps io.EOF without being it
	Closed       = "closed"        // net.ErrClosed
	ClosedPipe   = "closed-pipe"   // io.ErrClosedPipe
	Deadline     = "deadline"      // os.ErrDeadlineExceeded
	TimeoutOther = "timeout-other" // Timeout() true without os.ErrDeadlineExceeded
	Reset        = "reset"         // ECONNRESET
	BrokenPipe   = "broken-pipe"   // EPIPE
	NotConnected = "not-connected" // ENOTCONN
	Refused      = "refused"       // ECONNREFUSED
	MsgSize      = "msg-size"      // EMSGSIZE
	AddrInUse    = "addr-in-use"   // EADDRINUSE
	NotFound     = "not-found"     // ENOENT
	Other        = "other"         // anything else
)

// A Rule is one checked sentence of a contract or a convention.
type Rule struct {
	ID    string // stable: "read.prefix"
	Level Level
	Spec  string // one sentence naming its source
}

// A Violation is an observed outcome a rule forbids. Got and Want read like
// the call's results: Got "0, eof", Want `3 "abc"`.
type Violation struct {
	Rule   Rule
	Got    string
	Want   string
	Expect Expect // Want, as data
}

func (v *Violation) Error() string {
	return fmt.Sprintf("%s, want %s [%s %s]", v.Got, v.Want, v.Rule.Level, v.Rule.ID)
}

// Result is what a call returned.
type Result struct {
	N     int    // bytes read or written
	Data  []byte // bytes read
	Class string // error class; "" is None
	From  int    // ReadFrom: the index of the socket the source address names, -1 if none
	Start time.Time
	End   time.Time
	// Hung says the call did not return within its watchdog; the other
	// fields are then meaningless.
	Hung bool
}

func (r Result) class() string {
	if r.Class == "" {
		return None
	}
	return r.Class
}

// Block says whether a call may or must still be blocked.
type Block int

const (
	// Blocked: nothing can release the call yet; it must not return.
	Blocked Block = iota
	// Maybe: the call may return or stay blocked (a large write into a
	// kernel buffer of unknown size, a datagram shared by two readers).
	Maybe
	// Released: the call must return, now or (with a deadline) at At.
	Released
)

func (b Block) String() string {
	switch b {
	case Blocked:
		return "blocked"
	case Maybe:
		return "maybe"
	}
	return "released"
}

// Status is what the model says about a call in flight.
type Status struct {
	Block Block
	// At is when a Released call is due: its deadline; zero means now.
	// A call released by a deadline must not fail with it before At.
	At time.Time
	// Because is the rule that requires the call to return; a call that
	// hangs past its watchdog violates it.
	Because Rule
}

// Expiry is a deadline as the model sees it: none, or an instant. Since is
// when it was set, so that a deadline set in the past while a call was
// blocked is due when it was set.
type Expiry struct {
	At    time.Time // zero: no deadline
	Since time.Time
}

// Passed reports whether the deadline has passed at t.
func (d Expiry) Passed(t time.Time) bool { return !d.At.IsZero() && !t.Before(d.At) }

// Due is when a call blocked on d is released: the deadline, or when it
// was set if that was later.
func (d Expiry) Due() time.Time {
	if d.Since.After(d.At) {
		return d.Since
	}
	return d.At
}

// Set reports whether there is a deadline.
func (d Expiry) Set() bool { return !d.At.IsZero() }

// Which deadline a SetDeadline call sets.
type Which int

const (
	ReadDeadline Which = 1 << iota
	WriteDeadline
	BothDeadlines = ReadDeadline | WriteDeadline
)

// quote renders data for messages: short data quoted, long data by size.
func quote(b []byte) string {
	if len(b) > 24 {
		return fmt.Sprintf("%q…(%d B)", b[:16], len(b))
	}
	return strconv.Quote(string(b))
}

// gotString renders a result like the call's return values: `3 "abc"`,
// `0, eof`, `3 "abc", eof`.
func gotString(r Result, withData bool) string {
	if r.Hung {
		return "no return (hung)"
	}
	s := strconv.Itoa(r.N)
	if withData && r.N > 0 {
		s += " " + quote(r.Data)
	}
	if r.class() != None {
		s += ", " + r.class()
	}
	return s
}

func violation(rule Rule, got string, want Expect) *Violation {
	return &Violation{Rule: rule, Got: got, Want: want.String(), Expect: want}
}

func (l Level) String() string { return string(l) }
