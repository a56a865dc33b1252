package script

import (
	"fmt"
	"net"
	"time"

	"github.com/netconform/netconform/harness/errclass"
	"github.com/netconform/netconform/harness/internal/engine"
	"github.com/netconform/netconform/harness/sysobs"
)

// heldFor is how long, before scaling, portHeld waits for a listening
// socket a forked child holds to leave the port.
const heldFor = 100 * time.Millisecond

// execGrace is how long, before scaling, portHeld waits for a listening
// socket no forked child was seen holding to leave the port: a child seen
// an instant after its exec may not have closed it yet.
const execGrace = 20 * time.Millisecond

// portHeld says why listening again on the address of e, a listener the
// case closed, failed with "address in use" when the port was only held
// for a moment after e's Close, by something other than the
// implementation: the attempt is then inconclusive. close(2) drops one
// reference to a socket; a child the test binary forks at that moment
// holds e's socket, still listening, until it execs (O_CLOEXEC acts only
// at exec).
//
// It looks at once, then calls the implementation's Listen again (closing
// what that returns) once no socket listens on the port, or after heldFor:
//   - a listening socket on the port that a forked, not yet exec'd child
//     holds (sysobs.ForkHolders), and the second Listen succeeds: the fork
//     held it;
//   - no listening socket on the port any more, at the first look or
//     within execGrace of it, and the second Listen succeeds: it was
//     freed too fast to see by whom (a forked child that exec'd, or a
//     Close that returns a moment before its socket is freed); said so;
//   - anything else (a socket of this process or another still listening,
//     a second Listen that fails: a listener left open, a TIME_WAIT that a
//     listener without SO_REUSEADDR cannot share the port with): the first
//     failure stands, unless portTaken finds another case's socket.
//
// So an implementation whose Close frees its socket only later fails,
// unless it does so within the instant before the look, on every attempt;
// its case then ends in error after the retries, never in a pass.
func portHeld(a *engine.Attempt, e *engine.Endpoint, err error, desc string) string {
	ta, ok := e.Local().(*net.TCPAddr)
	if !ok || !e.Closed || err == nil || errclass.Classify(err) != errclass.AddrInUse {
		return ""
	}
	port := uint16(ta.Port)
	listening := listenersOn(port)
	forked := false
	if len(listening) > 0 {
		inodes := map[uint64]bool{}
		for _, k := range listening {
			inodes[k.Inode] = true
		}
		// No holder found: the child may have exec'd between the
		// looks (or is inside its execve, which closes the descriptors
		// last); a socket the implementation still holds stays.
		if forked = len(sysobs.ForkHolders(inodes)) > 0; !forked && !freedWithin(port, a.Clock.Scaled(execGrace)) {
			return ""
		}
	}
	freedWithin(port, a.Clock.Scaled(heldFor))
	im, addr := a.Env.Impl, engine.AddrString(ta)
	ret, ok := a.Calls.Call(desc, a.Clock.Watch(defaultStepBudget), func() engine.Ret {
		ln, err := im.Listen(a.Ctx(), im.StreamNetwork(), addr, a.Env.Listen)
		if err == nil {
			err = ln.Close() // failing, it says nothing more; the first failure stands
		}
		return engine.Ret{Err: err}
	}, nil)
	if !ok || ret.Err != nil {
		return ""
	}
	if forked {
		return fmt.Sprintf("Listen(addr(%s)) again succeeded: port %d was held, still listening, by a child process forked as %s closed, until it exec'd", e.Name, port, e.Name)
	}
	return fmt.Sprintf("Listen(addr(%s)) again succeeded: port %d was freed an instant after the failed Listen, too fast to see by whom (a child process forked as %s closed, or a Close that returns a moment before its socket is freed)", e.Name, port, e.Name)
}

// freedWithin waits up to d for no TCP socket to listen on port, and
// reports whether none does.
func freedWithin(port uint16, d time.Duration) bool {
	var pause pollPause
	for end := time.Now().Add(d); ; pause.sleep() {
		if len(listenersOn(port)) == 0 {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

// listenersOn lists the TCP sockets that listen on port.
func listenersOn(port uint16) []sysobs.SockEntry {
	var out []sysobs.SockEntry
	table, _ := sysobs.ListeningTCP()
	for _, k := range table {
		if k.Local.Port() == port {
			out = append(out, k)
		}
	}
	return out
}
