package explore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/netconform/netconform/harness/explore/model"
)

// The stream endpoints, as the case language names them.
const (
	iut  = "iut"
	peer = "peer"
)

func endOf(name string) (model.End, error) {
	switch name {
	case iut:
		return model.A, nil
	case peer:
		return model.B, nil
	}
	return 0, fmt.Errorf("no stream endpoint %q", name)
}

func endName(x model.End) string {
	if x == model.A {
		return iut
	}
	return peer
}

// streamWorld is a connected pair and its model.
type streamWorld struct {
	s     *Subject
	m     *model.Stream
	conns [2]net.Conn
	stop  func()
	dl    [2][2]model.Expiry // [end][0 read, 1 write]
	// What the generator writes next on each direction: letters for small
	// writes, the pattern for large ones.
	letter [2]int
	pat    [2]int
	// The addresses each end first reported: [end][0 local, 1 remote].
	seen [2][2]net.Addr
}

func newStreamWorld(ctx context.Context, s *Subject, o *Options) (*streamWorld, error) {
	a, b, stop, err := s.NewPair(ctx)
	if err != nil {
		return nil, fmt.Errorf("NewPair: %w", err)
	}
	return &streamWorld{s: s, m: model.NewStream(s.streamSpec(o)), conns: [2]net.Conn{a, b}, stop: stop}, nil
}

func (w *streamWorld) begin(op Op, now time.Time) (int, model.Status, func() model.Result, error) {
	x, err := endOf(op.End)
	if err != nil {
		return 0, model.Status{}, nil, err
	}
	c := w.conns[x]
	mc := model.Call{End: x}
	var call func() model.Result
	switch op.Kind {
	case Write:
		data := op.Payload()
		mc.Op, mc.Data = model.OpWrite, data
		call = w.result(func() (int, []byte, error) { n, err := c.Write(data); return n, nil, err })
	case CopyIn:
		data := op.Payload()
		mc.Op, mc.Data = model.OpCopyIn, data
		call = w.result(func() (int, []byte, error) {
			// The reader hides its WriteTo, so io.Copy calls the conn's
			// ReadFrom when it has one.
			n, err := io.Copy(c, struct{ io.Reader }{bytes.NewReader(data)})
			return int(n), nil, err
		})
	case Read:
		mc.Op, mc.N = model.OpRead, op.N
		call = w.result(func() (int, []byte, error) {
			buf := make([]byte, op.N)
			n, err := c.Read(buf)
			return n, buf[:max(0, min(n, len(buf)))], err
		})
	case CopyOut:
		mc.Op = model.OpCopyOut
		call = w.result(func() (int, []byte, error) {
			// The writer hides its ReadFrom; io.Copy calls the conn's
			// WriteTo when it has one.
			var buf bytes.Buffer
			n, err := io.Copy(struct{ io.Writer }{&buf}, c)
			return int(n), buf.Bytes(), err
		})
	case Close:
		mc.Op = model.OpClose
		call = w.result(func() (int, []byte, error) { return 0, nil, c.Close() })
	case CloseWrite:
		mc.Op = model.OpCloseWrite
		call = w.result(func() (int, []byte, error) {
			if cw, ok := c.(interface{ CloseWrite() error }); ok {
				return 0, nil, cw.CloseWrite()
			}
			return 0, nil, errNoMethod
		})
	case CloseRead:
		mc.Op = model.OpCloseRead
		call = w.result(func() (int, []byte, error) {
			if cr, ok := c.(interface{ CloseRead() error }); ok {
				return 0, nil, cr.CloseRead()
			}
			return 0, nil, errNoMethod
		})
	case SetDeadline, SetReadDeadline, SetWriteDeadline:
		at := op.When.instant(now)
		mc.Op, mc.Deadline = model.OpSetDeadline, model.Expiry{At: at}
		mc.Which = whichOf(op.Kind)
		set := map[Kind]func(time.Time) error{SetDeadline: c.SetDeadline, SetReadDeadline: c.SetReadDeadline, SetWriteDeadline: c.SetWriteDeadline}[op.Kind]
		call = w.result(func() (int, []byte, error) { return 0, nil, set(at) })
		for _, i := range dirs(mc.Which) {
			w.dl[x][i] = model.Expiry{At: at, Since: now}
		}
	default:
		return 0, model.Status{}, nil, fmt.Errorf("%s is not a stream call", op.Kind)
	}
	id, st, err := w.m.Begin(mc, now)
	return id, st, call, err
}

// errNoMethod is what a declared CloseWrite or CloseRead returns when the
// conn has no such method.
var errNoMethod = errors.New("explore: the conn has no such method")

func whichOf(k Kind) model.Which {
	switch k {
	case SetReadDeadline:
		return model.ReadDeadline
	case SetWriteDeadline:
		return model.WriteDeadline
	}
	return model.BothDeadlines
}

func dirs(w model.Which) []int {
	var out []int
	if w&model.ReadDeadline != 0 {
		out = append(out, 0)
	}
	if w&model.WriteDeadline != 0 {
		out = append(out, 1)
	}
	return out
}

// result wraps a call so that it measures itself and classifies its error.
func (w *streamWorld) result(f func() (int, []byte, error)) func() model.Result {
	return func() model.Result {
		start := time.Now()
		n, data, err := f()
		end := time.Now()
		return model.Result{N: n, Data: data, Class: w.s.classify(err), From: -1, Start: start, End: end}
	}
}

func (w *streamWorld) cancel(id int)                                  { w.m.Cancel(id) }
func (w *streamWorld) status(id int, now time.Time) model.Status      { return w.m.Status(id, now) }
func (w *streamWorld) finish(id int, r model.Result) *model.Violation { return w.m.Finish(id, r) }
func (w *streamWorld) fromName(int) string                            { return "" }

func (w *streamWorld) deadline(end string, read bool) model.Expiry {
	x, _ := endOf(end)
	if read {
		return w.dl[x][0]
	}
	return w.dl[x][1]
}

func (w *streamWorld) concurrent(end string) bool {
	x, _ := endOf(end)
	return w.s.endCaps(x)&CapConcurrent != 0
}

func (w *streamWorld) closed(end string) bool {
	x, _ := endOf(end)
	return w.m.Closed(x)
}

// teardown closes both ends and stops what lies beneath, each under the
// run's watch so that a Close that hangs is named.
func (w *streamWorld) teardown(r *run) {
	by := time.Now().Add(r.o.watchdog())
	for x, c := range w.conns {
		ch := r.launch(endName(model.End(x))+".Close() (teardown)", func() model.Result { c.Close(); return model.Result{} })
		r.wait(ch, by)
	}
	if w.stop != nil {
		r.launch("stop() (teardown)", func() model.Result { w.stop(); return model.Result{} })
	}
}

// addrs checks what end says of its addresses: both known, the same as
// when first asked, and, where the other end is a kernel socket, its
// addresses mirrored — when the end reports addresses of the same kind
// (net.Conn.LocalAddr: "if known"), as the case language's Addrs does.
func (w *streamWorld) addrs(end string) (string, *model.Violation, error) {
	x, err := endOf(end)
	if err != nil {
		return "", nil, err
	}
	got := [2]net.Addr{w.conns[x].LocalAddr(), w.conns[x].RemoteAddr()}
	desc := fmt.Sprintf("local %v, remote %v", got[0], got[1])
	var bad []string
	for i, name := range []string{"LocalAddr", "RemoteAddr"} {
		switch first := w.seen[x][i]; {
		case got[i] == nil:
			bad = append(bad, name+" is nil")
		case first == nil:
			w.seen[x][i] = got[i]
		case !sameAddr(got[i], first):
			bad = append(bad, fmt.Sprintf("%s changed from %v", name, first))
		}
	}
	if x == model.A && w.s.Peer != PeerOwn {
		o := w.conns[model.B]
		if ol := o.LocalAddr(); told(got[1], ol) && !sameAddr(got[1], ol) {
			bad = append(bad, fmt.Sprintf("RemoteAddr %v is not the other end's LocalAddr %v", got[1], ol))
		}
		if or := o.RemoteAddr(); told(got[0], or) && !sameAddr(got[0], or) {
			bad = append(bad, fmt.Sprintf("LocalAddr %v is not the other end's RemoteAddr %v", got[0], or))
		}
	}
	if len(bad) == 0 {
		return desc, nil, nil
	}
	return desc, &model.Violation{Rule: model.RuleAddrs, Got: desc,
		Want:   "addresses known, unchanged, mirroring the other end's (" + strings.Join(bad, "; ") + ")",
		Expect: model.Expect{N: -1, From: -1, Note: strings.Join(bad, "; ")}}, nil
}

// sameAddr compares two addresses: IP addresses by address and port
// (IPv4-mapped IPv6 as IPv4), others by network and text.
func sameAddr(a, b net.Addr) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	pa, oka := addrPort(a)
	pb, okb := addrPort(b)
	if oka && okb {
		return pa.Addr().Unmap() == pb.Addr().Unmap() && pa.Port() == pb.Port()
	}
	return a.Network() == b.Network() && a.String() == b.String()
}

func addrPort(a net.Addr) (netip.AddrPort, bool) {
	switch v := a.(type) {
	case *net.TCPAddr:
		return v.AddrPort(), true
	case *net.UDPAddr:
		return v.AddrPort(), true
	}
	return netip.AddrPort{}, false
}

// told reports whether an address a conn reported can be compared with
// b: of the same kind, and not the unspecified address with port 0 (a
// conn's way of saying it does not know).
func told(a, b net.Addr) bool {
	if a == nil || b == nil || fmt.Sprintf("%T", a) != fmt.Sprintf("%T", b) {
		return false
	}
	ap, ok := addrPort(a)
	return !ok || !(ap.Addr().Unmap().IsUnspecified() && ap.Port() == 0)
}

// missing: an end whose conn lacks CloseWrite or CloseRead, which the
// subject declared (on the implementation's end) or a kernel socket has.
func (w *streamWorld) missing(op Op) string {
	x, err := endOf(op.End)
	if err != nil {
		return ""
	}
	c := w.conns[x]
	switch op.Kind {
	case CloseWrite:
		if _, ok := c.(interface{ CloseWrite() error }); !ok {
			return fmt.Sprintf("%T has no CloseWrite() error", c)
		}
	case CloseRead:
		if _, ok := c.(interface{ CloseRead() error }); !ok {
			return fmt.Sprintf("%T has no CloseRead() error", c)
		}
	}
	return ""
}
