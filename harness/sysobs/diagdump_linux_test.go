package sysobs

import (
	"fmt"
	"net"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDumpAgreesWithProcNet: the netlink dump lists this process's sockets
// as /proc/net does (protocol, addresses, state, inode), both families.
func TestDumpAgreesWithProcNet(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	c, err := net.Dial("tcp4", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	u, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer u.Close()
	if ln6, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		defer ln6.Close()
	}
	if u6, err := net.ListenPacket("udp6", "[::1]:0"); err == nil {
		defer u6.Close()
	}
	mine, err := SocketInodes()
	require.NoError(t, err)

	dumped, err := SocketTable()
	require.NoError(t, err)
	var proc []SockEntry
	for _, p := range []string{"tcp", "tcp6", "udp", "udp6"} {
		es, err := readProcNet(p)
		require.NoError(t, err)
		proc = append(proc, es...)
	}
	pick := func(es []SockEntry) []string {
		var out []string
		for _, e := range es {
			if mine[e.Inode] {
				out = append(out, fmt.Sprintf("%v inode %d", e, e.Inode))
			}
		}
		slices.Sort(out)
		return out
	}
	require.GreaterOrEqual(t, len(pick(dumped)), 4, "listener, both ends of the conn, the UDP socket")
	require.Equal(t, pick(proc), pick(dumped))
}
