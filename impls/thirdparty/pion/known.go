package pion

import "github.com/netconform/netconform/harness"

// Divergences verified against pion/transport v5.1.5's udp/conn.go.
// Accept selects on three channels: acceptCh (a new remote's conn),
// readDoneCh (closed when the read loop ends, with its error in errRead)
// and doneCh (closed by Close, giving ErrClosedListener =
// errors.New("udp: listener closed"), a sentinel of its own that callers
// are meant to match — pion/udp#37 exported it for that — and that does
// not wrap net.ErrClosed).
const (
	closeOnce = "listener.Close runs its body inside doneOnce.Do and returns the error that body set: a second Close skips it and returns nil, not an error wrapping net.ErrClosed (udp/conn.go, listener.Close)"
	blocked   = "Close closes doneCh first; an Accept blocked in its select is woken by that case and returns udp.ErrClosedListener (errors.New(\"udp: listener closed\")), which does not wrap net.ErrClosed (udp/conn.go, listener.Accept and listener.Close)"
	afterRace = "with no conn left, Close also waits for the read loop, which ends once the socket is closed and closes readDoneCh; an Accept made after Close then finds both doneCh and readDoneCh ready and Go's select picks one at random: readDoneCh returns the read loop's error, a *net.OpError wrapping net.ErrClosed (pass), doneCh returns udp.ErrClosedListener, which does not wrap it (fail) — about half the time (997 of 2000 in a direct loop) (udp/conn.go, listener.Accept)"
)

// The accepted *udp.Conn (udp/conn.go): Read goes to a packetio.Buffer,
// Write straight to the listener's socket, deadlines to the buffer and to a
// pion deadline.Deadline.
const (
	writeAfterClose = "Write never looks at the conn's state: after Close it still sends the datagram on the listener's shared socket and returns len(p), nil (udp/conn.go, Conn.Write), so a closed conn keeps talking to its remote"
	readEOF         = "Read goes to the conn's packetio.Buffer, which returns io.EOF once Close has closed it, not an error wrapping net.ErrClosed (udp/conn.go, Conn.Read)"
	readTimeout     = "a read deadline is the packetio.Buffer's, whose timeout error says Timeout() but does not wrap os.ErrDeadlineExceeded (udp/conn.go, Conn.SetReadDeadline)"
	writeTimeout    = "an expired write deadline makes Write return context.DeadlineExceeded (pion's deadline.Deadline), not an error wrapping os.ErrDeadlineExceeded (udp/conn.go, Conn.Write)"
)

var known = []harness.Known{
	{Case: "closed.write.after-close", Reason: writeAfterClose},
	{Case: "closed.write.after-close-is-errclosed", Reason: writeAfterClose},
	{Case: "closed.read.after-close-is-errclosed", Reason: readEOF},
	{Case: "closed.read.close-unblocks-is-errclosed", Reason: readEOF},
	{Case: "closed.read.zero-length-after-close", Reason: readEOF},
	{Case: "closed.close.twice", Reason: "Conn.Close does its work inside doneOnce.Do: a second Close returns nil, not an error wrapping net.ErrClosed (udp/conn.go)"},
	{Case: "closed.setdeadline.after-close", Reason: "SetDeadline sets the buffer's and the write deadline without looking at the conn's state, so it returns nil after Close (udp/conn.go)"},
	{Case: "deadline.read.future-fires", Reason: readTimeout},
	{Case: "deadline.read.one-deadline-many-readers", Reason: readTimeout},
	{Case: "deadline.read.past", Reason: readTimeout},
	{Case: "deadline.read.past-unblocks-blocked", Reason: readTimeout},
	{Case: "deadline.read.reusable-after-timeout", Reason: readTimeout},
	{Case: "deadline.setdeadline.both-directions", Reason: readTimeout},
	{Case: "deadline.write.past", Reason: writeTimeout},
	{Case: "deadline.write.zero-length-past", Reason: writeTimeout},
	{Case: "listener.close.twice", Reason: closeOnce},
	{Case: "listener.close.unblocks-accept-is-errclosed", Reason: blocked},
	{Case: "listener.accept.after-close-is-errclosed", Reason: afterRace, Intermittent: true},
}
