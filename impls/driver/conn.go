package driver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/netconform/netconform/harness/sysobs"
)

// handle is what every driver endpoint shares: the session, the driver's
// handle, and what the driver said about the socket when it was made.
type handle struct {
	p       *proc
	h       int64
	network string
	local   net.Addr
	remote  net.Addr
	fd      int // the descriptor in the driver process; -1 when not reported
}

// do sends op on the handle and decodes the reply. Errors come back with
// the Go meaning of what the driver said, as *net.OpError like Go's net.
func (e *handle) do(goOp, op string, args Request) (*Result, error) {
	req := Request{"op": op, "h": e.h}
	for k, v := range args {
		req[k] = v
	}
	return e.p.result(req, goOp, e.network, e.local, e.remote)
}

// result performs req and turns its reply into a Result and a Go error.
// A result may come with an error (a partial read or write).
func (p *proc) result(req Request, goOp, network string, local, remote net.Addr) (*Result, error) {
	r, err := p.call(req)
	if err != nil {
		return nil, err
	}
	return p.decode(r, req, goOp, network, local, remote)
}

func (p *proc) decode(r *Reply, req Request, goOp, network string, local, remote net.Addr) (*Result, error) {
	op := req["op"].(string)
	var res Result
	if r.Result != nil {
		if err := json.Unmarshal(r.Result, &res); err != nil {
			return nil, p.violation(fmt.Errorf("the result of %s does not decode: %v", op, err))
		}
		if r.data != nil {
			res.Data = r.data
		}
	}
	opErr := func(inner error) error {
		return &net.OpError{Op: goOp, Net: network, Source: local, Addr: remote, Err: inner}
	}
	switch {
	case r.Unsupported != nil:
		return nil, opErr(fmt.Errorf("driver: %s unsupported: %s: %w", op, *r.Unsupported, errors.ErrUnsupported))
	case r.Error != nil:
		addr := ""
		if a, ok := req["addr"].(string); ok {
			addr = a
		}
		netw, _ := req["network"].(string)
		if netw == "" {
			netw = network
		}
		m, perr := meaning(r.Error, goOp, netw, addr)
		if perr != nil {
			return nil, p.violation(fmt.Errorf("%s: %v", op, perr))
		}
		re := &RemoteError{Kind: r.Error.Kind, Errno: r.Error.Errno, Text: r.Error.Text, Err: m}
		if m == io.EOF && (op == "read" || op == "read_from") {
			return &res, m // Go's Read returns io.EOF itself
		}
		if op == "dial" || op == "listen" || op == "listen_packet" {
			return &res, &net.OpError{Op: goOp, Net: netw, Addr: addrOf(netw, addr), Err: re}
		}
		return &res, opErr(re)
	}
	return &res, nil
}

// violation ends the session for a reply that breaks the protocol.
func (p *proc) violation(err error) error {
	p.broken(fmt.Errorf("protocol violation: %w", err))
	return p.deadErr()
}

// parseAddr reads an address the driver reported for network.
func parseAddr(network, s string) (net.Addr, error) {
	switch network {
	case "unix", "unixgram", "unixpacket":
		return &net.UnixAddr{Name: s, Net: network}, nil
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return nil, fmt.Errorf("address %q: %v", s, err)
	}
	if network[:3] == "udp" {
		return net.UDPAddrFromAddrPort(ap), nil
	}
	return net.TCPAddrFromAddrPort(ap), nil
}

// addrOf is a best-effort address for an error message.
func addrOf(network, s string) net.Addr {
	a, err := parseAddr(network, s)
	if err != nil || s == "" {
		return nil
	}
	return a
}

func (e *handle) LocalAddr() net.Addr  { return e.local }
func (e *handle) RemoteAddr() net.Addr { return e.remote }

// closeTimeout bounds the answer to close, which close(2) gives at once
// on the non-blocking sockets of an event loop: a driver that does not
// answer has stopped, and its session ends rather than every endpoint's
// teardown waiting out the harness's budget.
const closeTimeout = 2 * time.Second

func (e *handle) Close() error {
	done := make(chan error, 1)
	go func() {
		_, err := e.do("close", "close", nil)
		done <- err
	}()
	within := watchdog(e.p.closeTimeout)
	t := time.NewTimer(within)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		e.p.broken(fmt.Errorf("no answer to close within %v", within))
		return e.p.deadErr()
	}
}

func (e *handle) SetDeadline(t time.Time) error      { return e.deadline("set_deadline", t) }
func (e *handle) SetReadDeadline(t time.Time) error  { return e.deadline("set_read_deadline", t) }
func (e *handle) SetWriteDeadline(t time.Time) error { return e.deadline("set_write_deadline", t) }

// deadline sends an absolute deadline: both processes read the same wall
// clock, and an absolute time does not drift by the pipe's latency.
func (e *handle) deadline(op string, t time.Time) error {
	args := Request{"at_unix_ns": t.UnixNano()}
	if t.IsZero() {
		args = Request{"clear": true}
	}
	_, err := e.do("set", op, args)
	return err
}

// GetSockopt reads an option of the driver's socket: through a copy of its
// descriptor when the driver reported one (an observation that does not
// depend on the driver), else by asking the driver. FD_CLOEXEC belongs to
// the descriptor, not the socket, so only the driver can say.
func (e *handle) GetSockopt(name string) (int, error) {
	o, ok := sysobs.ParseOpt(name)
	if ok && o != sysobs.OptCloExec && e.fd >= 0 {
		if fd, err := e.dup(); err == nil {
			defer closeFD(fd)
			return sysobs.GetOptFD(fd, o)
		}
	}
	res, err := e.do("getsockopt", "get_sockopt", Request{"name": name})
	if err != nil {
		return 0, err
	}
	return res.Value, nil
}

// SetSockopt writes an option through a copy of the driver's descriptor.
func (e *handle) SetSockopt(name string, v int) error {
	o, ok := sysobs.ParseOpt(name)
	if !ok {
		return fmt.Errorf("unknown option %s", name)
	}
	fd, err := e.dup()
	if err != nil {
		return fmt.Errorf("setting %s: %w (%w)", name, err, errors.ErrUnsupported)
	}
	defer closeFD(fd)
	return sysobs.SetOpt(rawFD(fd), o, v)
}

// SyscallConn exposes a copy of the driver's descriptor, made for each
// Control call and closed after it, so that the harness can poll and read
// options on the driver's socket. Read and Write are not supported.
func (e *handle) SyscallConn() (syscall.RawConn, error) {
	if e.fd < 0 {
		return nil, fmt.Errorf("the driver reported no descriptor: %w", errors.ErrUnsupported)
	}
	return dupRaw{e}, nil
}

type dupRaw struct{ e *handle }

func (r dupRaw) Control(f func(fd uintptr)) error {
	fd, err := r.e.dup()
	if err != nil {
		return err
	}
	defer closeFD(fd)
	f(uintptr(fd))
	return nil
}

func (dupRaw) Read(func(fd uintptr) bool) error  { return errors.ErrUnsupported }
func (dupRaw) Write(func(fd uintptr) bool) error { return errors.ErrUnsupported }

// rawFD is a descriptor of this process seen as a syscall.Conn.
type rawFD int

func (f rawFD) SyscallConn() (syscall.RawConn, error) { return f, nil }
func (f rawFD) Control(fn func(fd uintptr)) error     { fn(uintptr(f)); return nil }
func (rawFD) Read(func(fd uintptr) bool) error        { return errors.ErrUnsupported }
func (rawFD) Write(func(fd uintptr) bool) error       { return errors.ErrUnsupported }

// dup copies the driver's descriptor and checks that it still is this
// endpoint's socket: after a close the number may name another one.
func (e *handle) dup() (int, error) {
	if e.fd < 0 {
		return -1, errors.New("the driver reported no descriptor")
	}
	fd, err := dupFD(e.p.pidfd, e.fd)
	if err != nil {
		return -1, fmt.Errorf("pidfd_getfd(%d): %w", e.fd, err)
	}
	if !sameSocket(fd, e.local) {
		closeFD(fd)
		return -1, fmt.Errorf("descriptor %d of the driver is no longer the socket at %v", e.fd, e.local)
	}
	return fd, nil
}
