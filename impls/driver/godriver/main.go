// Command godriver is the Go reference driver of the netconform driver
// protocol (../PROTOCOL.md): Go's net package behind the protocol. Its
// results must equal those of Go's net tested in process, case for case;
// a test checks it, which shows that the protocol loses nothing.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/netconform/netconform/harness/errclass"
	"github.com/netconform/netconform/harness/sysobs"
)

// request holds every argument an op may carry; pointers tell absent from
// zero where the protocol distinguishes them.
type request struct {
	ID              int64            `json:"id"`
	Op              string           `json:"op"`
	Protocol        int              `json:"protocol"`
	H               int64            `json:"h"`
	Network         string           `json:"network"`
	Addr            string           `json:"addr"`
	N               int              `json:"n"`
	Data            []byte           `json:"data"`
	Fill            *fill            `json:"fill"`
	To              string           `json:"to"`
	AtUnixNS        *int64           `json:"at_unix_ns"`
	InMS            *float64         `json:"in_ms"`
	Clear           bool             `json:"clear"`
	Enable          *bool            `json:"enable"`
	IdleMS          *int64           `json:"idle_ms"`
	IntervalMS      *int64           `json:"interval_ms"`
	Count           *int             `json:"count"`
	Config          bool             `json:"config"`
	Sec             int              `json:"sec"`
	On              bool             `json:"on"`
	Name            string           `json:"name"`
	Target          int64            `json:"target"`
	TimeoutMS       *int64           `json:"timeout_ms"`
	DeadlineUnixNS  *int64           `json:"deadline_unix_ns"`
	Canceled        bool             `json:"canceled"`
	KeepAlive       *int64           `json:"keepalive"`
	KeepAliveConfig *keepAliveConfig `json:"keepalive_config"`
}

// fill is a run of netconform's test pattern: byte i is (Offset+i) mod 251.
type fill struct {
	Offset int `json:"offset"`
	Len    int `json:"len"`
}

// payload returns the bytes a write carries: a fill is a view of the
// pattern kept built (patternRun), so that a write reaches the socket as
// soon as it arrives, whatever its size; building 16 MiB per write took
// tens of milliseconds, hundreds on a loaded machine, which counted in the
// write's timing.
func (r *request) payload() []byte {
	if r.Fill == nil {
		return r.Data
	}
	return patternRun(r.Fill.Offset, r.Fill.Len)
}

type keepAliveConfig struct {
	Enable     bool  `json:"enable"`
	IdleMS     int64 `json:"idle_ms"`
	IntervalMS int64 `json:"interval_ms"`
	Count      int   `json:"count"`
}

func (k keepAliveConfig) net() net.KeepAliveConfig {
	return net.KeepAliveConfig{Enable: k.Enable, Idle: msDur(k.IdleMS), Interval: msDur(k.IntervalMS), Count: k.Count}
}

func msDur(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }

type wireError struct {
	Kind  string `json:"kind"`
	Errno string `json:"errno,omitempty"`
	Text  string `json:"text"`
}

type reply struct {
	ID          int64      `json:"id"`
	Result      any        `json:"result,omitempty"`
	Error       *wireError `json:"error,omitempty"`
	Unsupported *string    `json:"unsupported,omitempty"`
}

// driver is the session: its handles and the dials that may be cancelled.
type driver struct {
	outMu sync.Mutex
	out   *bufio.Writer

	mu      sync.Mutex
	handles map[int64]any // net.Conn, net.Listener or net.PacketConn; kept after close
	next    int64
	dials   map[int64]context.CancelFunc
}

func main() {
	d := &driver{out: bufio.NewWriter(os.Stdout), handles: map[int64]any{}, dials: map[int64]context.CancelFunc{}}
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	for {
		line, err := in.ReadBytes('\n')
		if len(line) > 0 {
			d.dispatch(line)
		}
		if err != nil {
			if err != io.EOF {
				fmt.Fprintln(os.Stderr, "godriver: reading stdin:", err)
			}
			return
		}
	}
}

// dispatch runs each request in a goroutine of its own: a blocked read
// must not delay the close that will release it.
func (d *driver) dispatch(line []byte) {
	var req request
	if err := json.Unmarshal(line, &req); err != nil || req.ID <= 0 || req.Op == "" {
		var probe struct{ ID int64 }
		json.Unmarshal(line, &probe)
		why := "a request needs an id ≥ 1 and an op"
		if err != nil {
			why = err.Error()
		}
		d.send(reply{ID: max(probe.ID, 0), Error: &wireError{Kind: "invalid", Text: why}})
		return
	}
	switch req.Op {
	case "hello":
		d.send(reply{ID: req.ID, Result: hello()})
	case "bye":
		d.send(reply{ID: req.ID, Result: struct{}{}})
		os.Exit(0)
	default:
		go func() {
			r := d.serve(&req)
			d.send(r)
			if dr, ok := r.Result.(dataResult); ok {
				putReadBuf(dr.buf) // encoded: the buffer is free
			}
		}()
	}
}

func (d *driver) send(r reply) {
	b, err := json.Marshal(r)
	if err != nil {
		b, _ = json.Marshal(reply{ID: r.ID, Error: &wireError{Kind: "other", Text: "encoding the reply: " + err.Error()}})
	}
	d.outMu.Lock()
	defer d.outMu.Unlock()
	d.out.Write(append(b, '\n'))
	d.out.Flush()
}

func hello() any {
	return map[string]any{
		"protocol":    1,
		"name":        "driver-go",
		"version":     "1.0.0",
		"language":    "Go " + runtime.Version(),
		"description": "Go's net package behind the driver protocol",
		"caps": []string{"stream", "half-close", "close-read", "deadline", "listener", "listener-deadline",
			"dial", "packet", "packet-dial", "keepalive", "linger", "nodelay", "fd", "kernel", "tcp", "buffered"},
		"close_mode": "full",
		"reuse":      true,
	}
}

// serve performs one request.
func (d *driver) serve(req *request) reply {
	out := reply{ID: req.ID}
	result, err := d.do(req)
	var u unsupported
	switch {
	case errors.As(err, &u):
		s := string(u)
		out.Unsupported = &s
		return out
	case err != nil:
		out.Error = describe(err)
	}
	out.Result = result
	if err != nil && !partial(req.Op, result) {
		out.Result = nil
	}
	return out
}

// partial: reads and writes report bytes moved before an error.
func partial(op string, result any) bool {
	switch r := result.(type) {
	case dataResult:
		return len(r.Data) > 0
	case fromResult:
		return len(r.Data) > 0
	case nResult:
		return r.N > 0
	}
	return false
}

type unsupported string

func (u unsupported) Error() string { return string(u) }

type invalid string

func (e invalid) Error() string { return string(e) }

func describe(err error) *wireError {
	w := &wireError{Kind: string(errclass.Classify(err)), Text: err.Error()}
	var inv invalid
	if errors.As(err, &inv) {
		w.Kind = "invalid"
	}
	if e, ok := sysobs.ErrnoOf(err); ok {
		w.Errno = e.Name
	}
	return w
}

type (
	empty      struct{}
	dataResult struct {
		Data []byte  `json:"data"`
		buf  *[]byte // what Data is in, to reuse once the reply is encoded
	}
	fromResult struct {
		Data []byte `json:"data"`
		From string `json:"from"`
	}
	nResult struct {
		N int `json:"n"`
	}
	connResult struct {
		H      int64  `json:"h"`
		Local  string `json:"local"`
		Remote string `json:"remote"`
		FD     *int   `json:"fd,omitempty"`
	}
	addrResult struct {
		H    int64  `json:"h,omitempty"`
		Addr string `json:"addr"`
		FD   *int   `json:"fd,omitempty"`
	}
	valueResult struct {
		Value int `json:"value"`
	}
)

func (d *driver) do(req *request) (any, error) {
	switch req.Op {
	case "listen":
		lc := net.ListenConfig{}
		lc.SetMultipathTCP(false)
		applyKeepAlive(&lc.KeepAlive, &lc.KeepAliveConfig, req)
		ln, err := lc.Listen(context.Background(), req.Network, req.Addr)
		if err != nil {
			return nil, err
		}
		return addrResult{H: d.add(ln), Addr: ln.Addr().String(), FD: fdOf(ln)}, nil
	case "listen_packet":
		var lc net.ListenConfig
		pc, err := lc.ListenPacket(context.Background(), req.Network, req.Addr)
		if err != nil {
			return nil, err
		}
		return addrResult{H: d.add(pc), Addr: pc.LocalAddr().String(), FD: fdOf(pc)}, nil
	case "dial":
		return d.dial(req)
	case "cancel":
		d.mu.Lock()
		cancel := d.dials[req.Target]
		d.mu.Unlock()
		if cancel != nil {
			cancel()
		}
		return empty{}, nil
	}
	if !handleOps[req.Op] {
		return nil, unsupported("unknown op " + req.Op)
	}
	obj, err := d.handle(req.H)
	if err != nil {
		return nil, err
	}
	switch req.Op {
	case "accept":
		ln, ok := obj.(net.Listener)
		if !ok {
			return nil, invalid(fmt.Sprintf("handle %d is not a listener", req.H))
		}
		c, err := ln.Accept()
		if err != nil {
			return nil, err
		}
		return d.connResult(c), nil
	case "read":
		c, ok := obj.(net.Conn)
		if !ok {
			return nil, invalid(fmt.Sprintf("handle %d is not a conn", req.H))
		}
		p := readBuf(req.N)
		n, err := c.Read(*p)
		return dataResult{Data: (*p)[:n], buf: p}, err
	case "write":
		c, ok := obj.(net.Conn)
		if !ok {
			return nil, invalid(fmt.Sprintf("handle %d is not a conn", req.H))
		}
		n, err := c.Write(req.payload())
		return nResult{N: n}, err
	case "read_from":
		pc, ok := obj.(net.PacketConn)
		if !ok {
			return nil, unsupported("read_from needs a datagram socket")
		}
		buf := make([]byte, req.N)
		n, from, err := pc.ReadFrom(buf)
		r := fromResult{Data: buf[:n]}
		if from != nil {
			r.From = from.String()
		}
		return r, err
	case "write_to":
		pc, ok := obj.(net.PacketConn)
		if !ok {
			return nil, unsupported("write_to needs a datagram socket")
		}
		var to net.Addr
		if req.To != "" {
			a, err := net.ResolveUDPAddr("udp", req.To)
			if err != nil {
				return nil, err
			}
			to = a
		}
		n, err := pc.WriteTo(req.payload(), to)
		return nResult{N: n}, err
	case "close":
		return empty{}, obj.(io.Closer).Close()
	case "close_write", "close_read":
		return d.shutdown(obj, req.Op)
	case "set_deadline", "set_read_deadline", "set_write_deadline":
		return d.deadline(obj, req)
	case "set_keepalive":
		return empty{}, setKeepAlive(obj, req)
	case "set_linger":
		c, ok := obj.(interface{ SetLinger(int) error })
		if !ok {
			return nil, unsupported("set_linger needs a TCP conn")
		}
		return empty{}, c.SetLinger(req.Sec)
	case "set_nodelay":
		c, ok := obj.(interface{ SetNoDelay(bool) error })
		if !ok {
			return nil, unsupported("set_nodelay needs a TCP conn")
		}
		return empty{}, c.SetNoDelay(req.On)
	case "get_sockopt":
		o, ok := sysobs.ParseOpt(req.Name)
		sc, isSC := obj.(syscall.Conn)
		if !ok || !isSC {
			return nil, unsupported("get_sockopt " + req.Name)
		}
		v, err := sysobs.GetOpt(sc, o)
		return valueResult{Value: v}, err
	case "local_addr", "remote_addr":
		return d.addr(obj, req.Op)
	}
	return nil, unsupported("unknown op " + req.Op)
}

// handleOps are the ops that act on a handle.
var handleOps = map[string]bool{
	"accept": true, "read": true, "write": true, "read_from": true, "write_to": true,
	"close": true, "close_write": true, "close_read": true, "set_deadline": true,
	"set_read_deadline": true, "set_write_deadline": true, "set_keepalive": true,
	"set_linger": true, "set_nodelay": true, "get_sockopt": true, "local_addr": true,
	"remote_addr": true,
}

func (d *driver) dial(req *request) (any, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if req.Canceled {
		cancel()
	}
	if req.DeadlineUnixNS != nil {
		var c2 context.CancelFunc
		ctx, c2 = context.WithDeadline(ctx, time.Unix(0, *req.DeadlineUnixNS))
		defer c2()
	}
	d.mu.Lock()
	d.dials[req.ID] = cancel
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		delete(d.dials, req.ID)
		d.mu.Unlock()
	}()
	var dl net.Dialer
	if req.TimeoutMS != nil {
		dl.Timeout = msDur(*req.TimeoutMS)
	}
	applyKeepAlive(&dl.KeepAlive, &dl.KeepAliveConfig, req)
	c, err := dl.DialContext(ctx, req.Network, req.Addr)
	if err != nil {
		return nil, err
	}
	return d.connResult(c), nil
}

func applyKeepAlive(ka *time.Duration, cfg *net.KeepAliveConfig, req *request) {
	if req.KeepAlive != nil {
		*ka = msDur(*req.KeepAlive)
	}
	if req.KeepAliveConfig != nil {
		*cfg = req.KeepAliveConfig.net()
	}
}

func (d *driver) connResult(c net.Conn) connResult {
	r := connResult{H: d.add(c), Local: c.LocalAddr().String(), FD: fdOf(c)}
	if c.RemoteAddr() != nil {
		r.Remote = c.RemoteAddr().String()
	}
	return r
}

func (d *driver) add(obj any) int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.next++
	d.handles[d.next] = obj
	return d.next
}

func (d *driver) handle(h int64) (any, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	obj, ok := d.handles[h]
	if !ok {
		return nil, invalid(fmt.Sprintf("no handle %d", h))
	}
	return obj, nil
}

func (d *driver) shutdown(obj any, op string) (any, error) {
	if op == "close_write" {
		c, ok := obj.(interface{ CloseWrite() error })
		if !ok {
			return nil, unsupported("close_write needs a stream conn")
		}
		return empty{}, c.CloseWrite()
	}
	c, ok := obj.(interface{ CloseRead() error })
	if !ok {
		return nil, unsupported("close_read needs a stream conn")
	}
	return empty{}, c.CloseRead()
}

func (d *driver) deadline(obj any, req *request) (any, error) {
	var t time.Time
	switch {
	case req.AtUnixNS != nil:
		t = time.Unix(0, *req.AtUnixNS)
	case req.InMS != nil:
		t = time.Now().Add(time.Duration(*req.InMS * float64(time.Millisecond)))
	}
	switch o := obj.(type) {
	case net.Conn:
		switch req.Op {
		case "set_read_deadline":
			return empty{}, o.SetReadDeadline(t)
		case "set_write_deadline":
			return empty{}, o.SetWriteDeadline(t)
		}
		return empty{}, o.SetDeadline(t)
	case interface{ SetDeadline(time.Time) error }:
		if req.Op != "set_deadline" {
			return nil, unsupported(req.Op + " on a listener")
		}
		return empty{}, o.SetDeadline(t)
	}
	return nil, unsupported(req.Op)
}

func setKeepAlive(obj any, req *request) error {
	if req.Config {
		c, ok := obj.(interface {
			SetKeepAliveConfig(net.KeepAliveConfig) error
		})
		if !ok {
			return unsupported("set_keepalive needs a TCP conn")
		}
		cfg := net.KeepAliveConfig{Enable: req.Enable != nil && *req.Enable}
		if req.IdleMS != nil {
			cfg.Idle = msDur(*req.IdleMS)
		}
		if req.IntervalMS != nil {
			cfg.Interval = msDur(*req.IntervalMS)
		}
		if req.Count != nil {
			cfg.Count = *req.Count
		}
		return c.SetKeepAliveConfig(cfg)
	}
	c, ok := obj.(interface {
		SetKeepAlive(bool) error
		SetKeepAlivePeriod(time.Duration) error
	})
	if !ok {
		return unsupported("set_keepalive needs a TCP conn")
	}
	if req.Enable != nil {
		if err := c.SetKeepAlive(*req.Enable); err != nil {
			return err
		}
	}
	if req.IdleMS != nil {
		return c.SetKeepAlivePeriod(msDur(*req.IdleMS))
	}
	return nil
}

func (d *driver) addr(obj any, op string) (any, error) {
	var a net.Addr
	switch o := obj.(type) {
	case net.Conn:
		if op == "local_addr" {
			a = o.LocalAddr()
		} else {
			a = o.RemoteAddr()
		}
	case net.Listener:
		a = o.Addr()
	case net.PacketConn:
		a = o.LocalAddr()
	}
	if a == nil {
		return nil, errors.New("no address")
	}
	return addrResult{Addr: a.String()}, nil
}

// fdOf returns the socket's descriptor number, for netconform to observe.
func fdOf(obj any) *int {
	sc, ok := obj.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	var fd int
	if rc.Control(func(f uintptr) { fd = int(f) }) != nil {
		return nil
	}
	return &fd
}
