package sysobs

import (
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestOwnListenerSeenAndRead: a listener of this process is in the socket
// table in LISTEN, among this process's socket fds, and its options read
// through pidfd_getfd are the ones Go set (SO_REUSEADDR on listeners).
func TestOwnListenerSeenAndRead(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().(*net.TCPAddr).AddrPort()
	table, err := SocketTable()
	if err != nil {
		t.Fatal(err)
	}
	var inode uint64
	for _, e := range table {
		if e.Proto == "tcp" && e.Local == addr && e.State == Listen {
			inode = e.Inode
		}
	}
	if inode == 0 {
		t.Fatalf("SocketTable() has no tcp %v LISTEN", addr)
	}
	fds, err := SocketFDs(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	fd, ok := fds[inode]
	if !ok {
		t.Fatalf("SocketFDs(self) has no fd for inode %d", inode)
	}
	opts, err := ForeignOpts(os.Getpid(), fd, OptReuseAddr)
	if err != nil {
		t.Skipf("pidfd_getfd unavailable here: %v", err)
	}
	if opts[OptReuseAddr] != 1 {
		t.Errorf("ForeignOpts(self, %d, SO_REUSEADDR) = %d, want 1", fd, opts[OptReuseAddr])
	}
	if n, err := SNMPCounter("Icmp", "OutDestUnreachs"); err != nil || n < 0 {
		t.Errorf("SNMPCounter(Icmp, OutDestUnreachs) = %d, %v", n, err)
	}
}

// TestSocketsOfAgreesWithTheTable: for this process's sockets — a
// listener, both ends of a connection, a UDP socket and a TCP socket only
// bound — SocketsOf says what SocketTable lists of them, the bound socket
// included (it lists as CLOSE on a kernel that reports such sockets, and
// is absent from both on one that does not); ListeningTCP has the
// listener and no other state.
func TestSocketsOfAgreesWithTheTable(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	c, err := net.Dial("tcp4", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	s, err := ln.Accept()
	require.NoError(t, err)
	defer s.Close()
	u, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer u.Close()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	defer unix.Close(fd)
	require.NoError(t, unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))

	inodes := map[uint64]bool{inodeOfFD(t, fd): true}
	for _, sock := range []syscall.Conn{ln.(syscall.Conn), c.(syscall.Conn), s.(syscall.Conn), u.(syscall.Conn)} {
		rc, err := sock.SyscallConn()
		require.NoError(t, err)
		require.NoError(t, rc.Control(func(fd uintptr) { inodes[inodeOfFD(t, int(fd))] = true }))
	}
	got, err := SocketsOf(inodes)
	require.NoError(t, err)
	table, err := SocketTable()
	require.NoError(t, err)
	want := map[uint64]SockEntry{}
	for _, e := range table {
		if inodes[e.Inode] {
			want[e.Inode] = e
		}
	}
	require.Equal(t, want, got)
	states := map[string]TCPState{}
	for _, e := range got {
		states[e.Proto+" "+e.Local.String()+" "+e.Remote.String()] = e.State
	}
	require.GreaterOrEqual(t, len(got), 4, "the listener, both ends, the UDP socket: %v", got)
	if len(got) == 5 {
		require.Equal(t, Close, got[inodeOfFD(t, fd)].State, "the socket only bound")
	}
	require.Equal(t, Listen, states["tcp "+ln.Addr().String()+" 0.0.0.0:0"])
	require.Equal(t, Established, states["tcp "+c.LocalAddr().String()+" "+c.RemoteAddr().String()])
	require.Contains(t, states, "udp "+u.LocalAddr().String()+" 0.0.0.0:0")

	ls, err := ListeningTCP()
	require.NoError(t, err)
	require.Contains(t, ls, want[lnInode(t, got, ln.Addr().String())])
	for _, e := range ls {
		require.Equal(t, Listen, e.State, "%v", e)
	}
}

func lnInode(t *testing.T, es map[uint64]SockEntry, addr string) uint64 {
	for n, e := range es {
		if e.Proto == "tcp" && e.Local.String() == addr && e.State == Listen {
			return n
		}
	}
	t.Fatalf("no listener on %s in %v", addr, es)
	return 0
}

func inodeOfFD(t *testing.T, fd int) uint64 {
	var st unix.Stat_t
	require.NoError(t, unix.Fstat(fd, &st))
	return st.Ino
}
