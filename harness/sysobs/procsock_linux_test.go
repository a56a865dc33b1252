package sysobs

import (
	"net"
	"os"
	"testing"
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
