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
// socket to leave the port.
const heldFor = 100 * time.Millisecond

// portHeld says why listening again on e's address failed with "address
// in use" when the port was only held for a moment: once no socket
// listens on it (waiting up to heldFor), the implementation's Listen,
// called again, succeeds. Whatever held the port let it go by itself, a
// moment after e's Close returned: a child process the test binary forked
// as e closed holds e's socket, still listening, until it execs (O_CLOEXEC
// acts only at exec), and is gone by the time the socket table is read.
// The attempt is inconclusive. A listener left open, or a conn in
// TIME_WAIT that a listener without SO_REUSEADDR cannot share the port
// with, still holds the port: the second Listen fails too, and the first
// failure stands unless portTaken finds another case's socket on the port.
// An implementation whose Close returns before its socket is closed shows
// the same on every attempt: its case ends in error after the retries,
// with this reason, and never passes.
func portHeld(a *engine.Attempt, e *engine.Endpoint, err error, desc string) string {
	ta, ok := e.Local().(*net.TCPAddr)
	if !ok || err == nil || errclass.Classify(err) != errclass.AddrInUse {
		return ""
	}
	port := uint16(ta.Port)
	for end := time.Now().Add(a.Clock.Scaled(heldFor)); len(listenersOn(port)) > 0 && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
	}
	im, addr := a.Env.Impl, engine.AddrString(ta)
	ret, ok := a.Calls.Call(desc, a.Clock.Watch(defaultStepBudget), func() engine.Ret {
		ln, err := im.Listen(a.Ctx(), im.StreamNetwork(), addr, a.Env.Listen)
		if err == nil {
			err = ln.Close()
		}
		return engine.Ret{Err: err}
	}, nil)
	if !ok || ret.Err != nil {
		return ""
	}
	return fmt.Sprintf("Listen(addr(%s)) again succeeded: port %d was held only a moment after %s closed (a child process forked then holds the socket until it execs)", e.Name, port, e.Name)
}

// listenersOn lists the TCP sockets that listen on port.
func listenersOn(port uint16) []string {
	var out []string
	table, _ := sysobs.SocketTable()
	for _, k := range table {
		if k.Proto == "tcp" && k.State == sysobs.Listen && k.Local.Port() == port {
			out = append(out, k.String())
		}
	}
	return out
}
