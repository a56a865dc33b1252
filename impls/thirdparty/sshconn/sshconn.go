// Package sshconn adapts golang.org/x/crypto/ssh's direct-tcpip channels —
// ssh.Client.Dial, the port forwarding that tunnels database and HTTP
// clients — to the harness.
//
// Topology: reference peer. Each case gets an in-process SSH server (no
// authentication, an ed25519 host key) and a client connected to it over
// loopback; the IUT's Dial asks the client to open a direct-tcpip channel,
// and the server dials the target — the std reference listener. So the
// IUT's conn is an SSH channel and the peer is a kernel socket: the peer's
// states show what travelled through the tunnel. The server propagates
// half-close both ways (channel EOF ↔ TCP CloseWrite) and, like OpenSSH's
// sshd, stops reading the target once the channel is closed, and closes
// the channel and the target socket once both directions have ended, by
// EOF or by a failed write. Close mode: full.
// Optional interfaces: CloseWrite (channel EOF); SetDeadline exists but
// returns an error (golang/go#65930).
package sshconn

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"

	"golang.org/x/crypto/ssh"

	"github.com/netconform/netconform/harness"
)

// tunnel is one SSH server and one client connected to it.
type tunnel struct {
	ln     net.Listener
	client *ssh.Client
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  []io.Closer
}

func (t *tunnel) track(c io.Closer) {
	t.mu.Lock()
	t.conns = append(t.conns, c)
	t.mu.Unlock()
}

func (t *tunnel) close() {
	t.client.Close()
	t.ln.Close()
	t.mu.Lock()
	for _, c := range t.conns {
		c.Close()
	}
	t.mu.Unlock()
	t.wg.Wait()
}

func newTunnel(ctx context.Context) (*tunnel, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		return nil, err
	}
	cfg := &ssh.ServerConfig{NoClientAuth: true}
	cfg.AddHostKey(signer)
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t := &tunnel{ln: ln}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		c, err := ln.Accept()
		if err != nil {
			return
		}
		t.track(c)
		t.serve(c, cfg)
	}()
	client, err := ssh.Dial("tcp4", ln.Addr().String(), &ssh.ClientConfig{
		User: "netconform", HostKeyCallback: ssh.FixedHostKey(signer.PublicKey()),
	})
	if err != nil {
		ln.Close()
		t.wg.Wait()
		return nil, err
	}
	t.client = client
	return t, nil
}

// serve runs one SSH server connection, forwarding direct-tcpip channels.
func (t *tunnel) serve(c net.Conn, cfg *ssh.ServerConfig) {
	sc, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		return
	}
	t.track(sc)
	t.wg.Add(1)
	go func() { defer t.wg.Done(); ssh.DiscardRequests(reqs) }()
	for nc := range chans {
		if nc.ChannelType() != "direct-tcpip" {
			nc.Reject(ssh.UnknownChannelType, "only direct-tcpip")
			continue
		}
		var req struct {
			Host     string
			Port     uint32
			OrigHost string
			OrigPort uint32
		}
		if err := ssh.Unmarshal(nc.ExtraData(), &req); err != nil {
			nc.Reject(ssh.ConnectionFailed, "bad direct-tcpip request")
			continue
		}
		target, err := net.Dial("tcp", net.JoinHostPort(req.Host, strconv.Itoa(int(req.Port))))
		if err != nil {
			nc.Reject(ssh.ConnectionFailed, err.Error())
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			target.Close()
			continue
		}
		t.track(ch)
		t.track(target)
		t.wg.Add(4)
		go func() {
			defer t.wg.Done()
			ssh.DiscardRequests(creqs)
			// The requests end when the channel is closed. sshd then stops
			// reading the socket (nchan.c chan_rcvd_close2: shutdown
			// SHUT_RD), which ends the target-to-channel direction.
			target.(*net.TCPConn).CloseRead()
		}()
		// Half-close travels both ways: EOF from the client becomes a TCP
		// FIN to the target, and the target's FIN becomes channel EOF. A
		// write to the target that fails ends that direction too, as in
		// sshd (nchan.c chan_write_failed: the output side closes).
		var dirs sync.WaitGroup
		dirs.Add(2)
		go func() {
			defer t.wg.Done()
			defer dirs.Done()
			io.Copy(target, ch)
			target.(*net.TCPConn).CloseWrite()
		}()
		go func() {
			defer t.wg.Done()
			defer dirs.Done()
			io.Copy(ch, target)
			ch.CloseWrite()
		}()
		// Once both directions have ended, by EOF or by a failed write,
		// sshd sends CHANNEL_CLOSE and closes the socket (nchan.c
		// chan_is_dead), so the client's later Writes fail instead of
		// filling the channel window with data no one will read.
		go func() {
			defer t.wg.Done()
			dirs.Wait()
			ch.Close()
			target.Close()
		}()
	}
}

var tunnelKey struct{}

// Dial opens a direct-tcpip channel to address through the case's tunnel,
// within o.Timeout when it is set.
func Dial(ctx context.Context, network, address string, o harness.DialOptions) (net.Conn, error) {
	t, err := harness.CaseValue(ctx, &tunnelKey, func() (*tunnel, error) {
		t, err := newTunnel(ctx)
		if err == nil && !harness.CaseCleanup(ctx, t.close) {
			return nil, fmt.Errorf("sshconn: Dial outside a case would leak its tunnel")
		}
		return t, err
	})
	if err != nil {
		return nil, err
	}
	if o.Timeout != 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	return t.client.DialContext(ctx, network, address)
}

// Impl is x/crypto/ssh direct-tcpip.
var Impl = harness.Impl{
	Name:        "x-crypto-ssh",
	Description: "golang.org/x/crypto/ssh Client.Dial (direct-tcpip channel) through an in-process SSH server",
	URL:         "https://pkg.go.dev/golang.org/x/crypto/ssh#Client.Dial",
	Version:     "v0.58.0",
	Caps:        harness.CapStream | harness.CapHalfClose | harness.CapDeadline | harness.CapDial | harness.CapBuffered | harness.CapBounded,
	Network:     "tcp4",
	Dial:        Dial,
	Known:       known,
}
