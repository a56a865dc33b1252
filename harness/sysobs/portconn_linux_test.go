package sysobs_test

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness/sysobs"
)

// TestConnsOnPort: a connection holding a local port is found by that
// port; the listener on its own port is not.
func TestConnsOnPort(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	c, err := net.Dial("tcp4", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	s, err := ln.Accept()
	require.NoError(t, err)
	defer s.Close()

	local := c.LocalAddr().(*net.TCPAddr).AddrPort()
	got := sysobs.ConnsOnPort(local.Port())
	require.Len(t, got, 1, "%v", got)
	require.Equal(t, local, got[0].Local)
	require.Equal(t, ln.Addr().(*net.TCPAddr).AddrPort(), got[0].Remote)
	require.Equal(t, sysobs.Established, got[0].State)

	// On the listener's port: the accepted conn, not the listener.
	got = sysobs.ConnsOnPort(ln.Addr().(*net.TCPAddr).AddrPort().Port())
	require.Len(t, got, 1, "%v", got)
	require.Equal(t, sysobs.Established, got[0].State)
	require.Equal(t, local, got[0].Remote)
}
