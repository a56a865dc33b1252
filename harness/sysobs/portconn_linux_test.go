package sysobs_test

import (
	"net"
	"testing"
	"time"

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

// TestConnsStates: Conns sees both families and leaves out listeners and
// TIME_WAIT, which send nothing more.
func TestConnsStates(t *testing.T) {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp6", ln.Addr().String())
	require.NoError(t, err)
	s, err := ln.Accept()
	require.NoError(t, err)
	local := c.LocalAddr().(*net.TCPAddr).AddrPort()
	require.Len(t, sysobs.ConnsOnPort(local.Port()), 1, "an IPv6 connection")

	c.Close() // c closes first: TIME_WAIT, once s has closed too
	_, err = s.Read(make([]byte, 1))
	require.Error(t, err)
	s.Close()
	require.Eventually(t, func() bool { return len(sysobs.ConnsOnPort(local.Port())) == 0 }, 5*time.Second, time.Millisecond,
		"a TIME_WAIT socket is not a connection that may still send: %v", sysobs.ConnsOnPort(local.Port()))
	for _, k := range sysobs.Conns() {
		require.NotEqual(t, sysobs.Listen, k.State, "%v", k)
		require.NotEqual(t, sysobs.TimeWait, k.State, "%v", k)
	}
}
