package explore

import (
	"fmt"
	"strconv"
	"time"
)

// Kind is what an Op does.
type Kind string

// The operations. Stream ends are "iut" and "peer"; datagram sockets are
// "server" and "c1"…"cN".
const (
	Write            Kind = "Write"            // End.Write(payload)
	Read             Kind = "Read"             // End.Read(p), len(p) == N
	CopyOut          Kind = "CopyOut"          // io.Copy(w, End): until EOF or an error
	CopyIn           Kind = "CopyIn"           // io.Copy(End, r), r holding the payload
	Close            Kind = "Close"            // End.Close()
	CloseWrite       Kind = "CloseWrite"       // End.CloseWrite()
	CloseRead        Kind = "CloseRead"        // End.CloseRead()
	SetDeadline      Kind = "SetDeadline"      // End.SetDeadline(When)
	SetReadDeadline  Kind = "SetReadDeadline"  // End.SetReadDeadline(When)
	SetWriteDeadline Kind = "SetWriteDeadline" // End.SetWriteDeadline(When)
	WriteTo          Kind = "WriteTo"          // End.WriteTo(payload, To's LocalAddr)
	ReadFrom         Kind = "ReadFrom"         // End.ReadFrom(p), len(p) == N
	Go               Kind = "Go"               // start Call in the background as Name
	StillBlocked     Kind = "StillBlocked"     // Name has not returned after a settle window
	Await            Kind = "Await"            // wait for Name and check its result
	Addrs            Kind = "Addrs"            // End.LocalAddr() and End.RemoteAddr(): known, unchanged, mirroring the other end
	Dial             Kind = "Dial"             // a new conn, named To, to the listener End
	Accept           Kind = "Accept"           // End.Accept(), the conn named To
	Listen           Kind = "Listen"           // a listener named To on listener End's address
)

// When is a deadline: Past, an instant In after the step runs, or none.
type When struct {
	Past bool
	In   time.Duration
}

// The deadlines the explorer sets.
var (
	Past       = When{Past: true}
	NoDeadline = When{}
)

// In is a deadline d after the step runs.
func In(d time.Duration) When { return When{In: d} }

// far is a deadline that never fires during a sequence.
const far = time.Minute

func (w When) String() string {
	switch {
	case w.Past:
		return "past"
	case w.In > 0:
		return "+" + w.In.String()
	}
	return "none"
}

// instant is the time to pass for w at now.
func (w When) instant(now time.Time) time.Time {
	switch {
	case w.Past:
		return time.Unix(1, 0)
	case w.In > 0:
		return now.Add(w.In)
	}
	return time.Time{}
}

// Op is one step of a sequence, in a structured form the harness can turn
// into a case. Got is what the step observed when the sequence ran.
type Op struct {
	Kind Kind
	End  string
	Data []byte // literal payload; nil with N > 0 means N bytes of the pattern from Off
	N    int    // read buffer size, or payload size
	Off  int    // pattern offset
	To   string // WriteTo: the destination endpoint; Dial, Accept, Listen: the endpoint made
	// CtxEnds: Dial's context ends as soon as Dial returned.
	CtxEnds bool   `json:",omitempty"`
	When    When   // deadline steps
	Name    string // Go, StillBlocked, Await
	Call    *Op    // Go: the background call
	Got     *Got   `json:",omitempty"`
}

// Got is what a call returned.
type Got struct {
	N     int
	Data  []byte `json:",omitempty"`
	Class string
	From  string        `json:",omitempty"` // ReadFrom: the endpoint the address names
	Took  time.Duration // from the call's start (an Await: from the Go) to its return
	Hung  bool          `json:",omitempty"`
	Value string        `json:",omitempty"` // Addrs: the addresses
	Fail  string        `json:",omitempty"` // the violation, on the failing step
}

// Pattern returns n bytes of the pattern from off: byte i is (off+i) mod
// 251, the harness's pattern, so lost, repeated or reordered runs show.
func Pattern(off, n int) []byte {
	b := make([]byte, n)
	first := min(n, 251)
	for i := range first {
		b[i] = byte((off + i) % 251)
	}
	// One period is right; each copy doubles the run, still whole periods.
	for k := first; k < n; k *= 2 {
		copy(b[k:], b[:k])
	}
	return b
}

// Payload is the bytes a Write, CopyIn or WriteTo sends.
func (o Op) Payload() []byte {
	if o.Data == nil && o.N > 0 {
		return Pattern(o.Off, o.N)
	}
	return o.Data
}

func (o Op) payloadString() string {
	if o.Data == nil && o.N > 0 {
		return fmt.Sprintf("<%s@%d>", size(o.N), o.Off)
	}
	if len(o.Data) > 24 {
		return fmt.Sprintf("%q…(%s)", o.Data[:16], size(len(o.Data)))
	}
	return strconv.Quote(string(o.Data))
}

func size(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// String renders the call: `iut.Read(8)`, `go r1: peer.Read(8)`.
func (o Op) String() string {
	switch o.Kind {
	case Write:
		return fmt.Sprintf("%s.Write(%s)", o.End, o.payloadString())
	case Read, ReadFrom:
		return fmt.Sprintf("%s.%s(%d)", o.End, o.Kind, o.N)
	case CopyOut:
		return fmt.Sprintf("io.Copy(w, %s)", o.End)
	case CopyIn:
		return fmt.Sprintf("io.Copy(%s, r%s)", o.End, o.payloadString())
	case WriteTo:
		return fmt.Sprintf("%s.WriteTo(%s, %s)", o.End, o.payloadString(), o.To)
	case SetDeadline, SetReadDeadline, SetWriteDeadline:
		return fmt.Sprintf("%s.%s(%v)", o.End, o.Kind, o.When)
	case Go:
		return fmt.Sprintf("go %s: %v", o.Name, *o.Call)
	case StillBlocked:
		return o.Name + " still blocked"
	case Await:
		return "await " + o.Name
	case Addrs:
		return o.End + ".LocalAddr(), " + o.End + ".RemoteAddr()"
	case Dial:
		if o.CtxEnds {
			return o.To + " = Dial(addr(" + o.End + "), ctx canceled once it returns)"
		}
		return o.To + " = Dial(addr(" + o.End + "))"
	case Accept:
		return o.To + " = " + o.End + ".Accept()"
	case Listen:
		return o.To + " = Listen(addr(" + o.End + "))"
	}
	return fmt.Sprintf("%s.%s()", o.End, o.Kind)
}

// String renders what a call returned: `3 "abc"`, `0, eof`.
func (g *Got) String() string {
	if g == nil {
		return ""
	}
	if g.Hung {
		return "no return (hung)"
	}
	if g.Value != "" {
		return g.Value
	}
	s := strconv.Itoa(g.N)
	if len(g.Data) > 0 {
		if len(g.Data) > 24 {
			s += fmt.Sprintf(" %q…(%s)", g.Data[:16], size(len(g.Data)))
		} else {
			s += " " + strconv.Quote(string(g.Data))
		}
	}
	if g.From != "" {
		s += " from " + g.From
	}
	if g.Class != "" && g.Class != "none" {
		s += ", " + g.Class
	}
	return s
}

// Transcript renders ops one per line, with what each returned.
func Transcript(ops []Op) string {
	var s string
	for i, o := range ops {
		line := fmt.Sprintf("#%-3d %v", i+1, o)
		if o.Got != nil && o.Kind != Go {
			if o.Got.Hung || o.Kind != StillBlocked {
				line += " = " + o.Got.String()
			}
			if o.Got.Fail != "" {
				line += "  [fail] " + o.Got.Fail
			}
		}
		s += line + "\n"
	}
	return s
}
