package program

import (
	"net"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/netconform/netconform/harness/sysobs"
)

// TestMayListenSeesWhatCouldListen: in a network namespace of its own,
// the cheap look WaitListening makes before the full one says no while
// nothing there could be a server's listener — a UDP socket that is
// connected, a TCP socket that is not listening — and yes once a TCP
// socket listens (for a TCP program) or a UDP socket is bound and
// unconnected (for a UDP server).
//
// The namespace is this test's locked thread's (unshare(CLONE_NEWNET) of
// the thread, never unlocked: the thread ends with the test's goroutine),
// so every socket is made on this goroutine and nothing reaches the host's.
func TestMayListenSeesWhatCouldListen(t *testing.T) {
	runtime.LockOSThread()
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread() // the thread is unchanged
		t.Skipf("cannot create a private network namespace (unshare(CLONE_NEWNET): %v; needs root or CAP_SYS_ADMIN)", err)
	}
	require.NoError(t, sysobs.LinkUp("lo"))
	tcp := &Running{Spec: &Spec{Name: "tcp", Kind: TCPServer}}
	udp := &Running{Spec: &Spec{Name: "udp", Kind: UDPServer}}
	require.False(t, tcp.mayListen(), "TCP server, empty namespace")
	require.False(t, udp.mayListen(), "UDP server, empty namespace")

	conn, err := net.Dial("udp", "127.0.0.1:9") // bound and connected
	require.NoError(t, err)
	defer conn.Close()
	require.False(t, udp.mayListen(), "UDP server, only a connected UDP socket")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer client.Close()
	require.True(t, tcp.mayListen(), "TCP server, a listener")
	require.False(t, udp.mayListen(), "UDP server, TCP sockets only")
	ln.Close()
	require.False(t, tcp.mayListen(), "TCP server, connections but no listener")

	pc, err := net.ListenPacket("udp6", "[::1]:0")
	require.NoError(t, err)
	defer pc.Close()
	require.True(t, udp.mayListen(), "UDP server, a bound unconnected IPv6 socket")
}
