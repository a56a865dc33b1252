package explore

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/netconform/netconform/harness/explore/model"
)

// packetWorld is a datagram server socket, its clients and their model.
type packetWorld struct {
	s     *Subject
	m     *model.Packet
	socks []net.PacketConn
	addrs []net.Addr
	stop  func()
	dl    [][2]model.Expiry
	sent  int // datagrams generated: each one's bytes differ
}

func newPacketWorld(ctx context.Context, s *Subject, o *Options) (*packetWorld, error) {
	server, clients, stop, err := s.NewPacket(ctx, s.clients())
	if err != nil {
		return nil, fmt.Errorf("NewPacket: %w", err)
	}
	if len(clients) != s.clients() {
		return nil, fmt.Errorf("NewPacket returned %d clients, want %d", len(clients), s.clients())
	}
	w := &packetWorld{s: s, m: model.NewPacket(s.packetSpec(o)), socks: append([]net.PacketConn{server}, clients...), stop: stop}
	for _, pc := range w.socks {
		w.addrs = append(w.addrs, pc.LocalAddr())
	}
	w.dl = make([][2]model.Expiry, len(w.socks))
	return w, nil
}

func sockOf(name string, n int) (int, error) {
	if name == "server" {
		return 0, nil
	}
	if i, err := strconv.Atoi(strings.TrimPrefix(name, "c")); err == nil && strings.HasPrefix(name, "c") && i >= 1 && i <= n {
		return i, nil
	}
	return 0, fmt.Errorf("no datagram endpoint %q", name)
}

// addrIndex names the socket whose LocalAddr a ReadFrom returned.
func (w *packetWorld) addrIndex(a net.Addr) int {
	if a == nil {
		return -1
	}
	for i, b := range w.addrs {
		if b != nil && a.String() == b.String() {
			return i
		}
	}
	return -1
}

func (w *packetWorld) begin(op Op, now time.Time) (int, model.Status, func() model.Result, error) {
	i, err := sockOf(op.End, len(w.socks)-1)
	if err != nil {
		return 0, model.Status{}, nil, err
	}
	pc := w.socks[i]
	mc := model.PacketCall{Sock: i}
	var call func() model.Result
	switch op.Kind {
	case WriteTo:
		to, err := sockOf(op.To, len(w.socks)-1)
		if err != nil {
			return 0, model.Status{}, nil, err
		}
		data, addr := op.Payload(), w.addrs[to]
		mc.Op, mc.Data, mc.To = model.OpWriteTo, data, to
		call = w.result(func() (int, []byte, net.Addr, error) { n, err := pc.WriteTo(data, addr); return n, nil, nil, err })
	case ReadFrom:
		mc.Op, mc.N = model.OpReadFrom, op.N
		call = w.result(func() (int, []byte, net.Addr, error) {
			buf := make([]byte, op.N)
			n, from, err := pc.ReadFrom(buf)
			return n, buf[:max(0, min(n, len(buf)))], from, err
		})
	case Close:
		mc.Op = model.OpClose
		call = w.result(func() (int, []byte, net.Addr, error) { return 0, nil, nil, pc.Close() })
	case SetDeadline, SetReadDeadline, SetWriteDeadline:
		at := op.When.instant(now)
		mc.Op, mc.Deadline, mc.Which = model.OpSetDeadline, model.Expiry{At: at}, whichOf(op.Kind)
		set := map[Kind]func(time.Time) error{SetDeadline: pc.SetDeadline, SetReadDeadline: pc.SetReadDeadline, SetWriteDeadline: pc.SetWriteDeadline}[op.Kind]
		call = w.result(func() (int, []byte, net.Addr, error) { return 0, nil, nil, set(at) })
		for _, d := range dirs(mc.Which) {
			w.dl[i][d] = model.Expiry{At: at, Since: now}
		}
	default:
		return 0, model.Status{}, nil, fmt.Errorf("%s is not a datagram call", op.Kind)
	}
	id, st := w.m.Begin(mc, now)
	return id, st, call, nil
}

func (w *packetWorld) result(f func() (int, []byte, net.Addr, error)) func() model.Result {
	return func() model.Result {
		start := time.Now()
		n, data, from, err := f()
		end := time.Now()
		return model.Result{N: n, Data: data, Class: w.s.classify(err), From: w.addrIndex(from), Start: start, End: end}
	}
}

func (w *packetWorld) cancel(id int)                                  { w.m.Cancel(id) }
func (w *packetWorld) status(id int, now time.Time) model.Status      { return w.m.Status(id, now) }
func (w *packetWorld) finish(id int, r model.Result) *model.Violation { return w.m.Finish(id, r) }
func (w *packetWorld) fromName(i int) string {
	if i < 0 {
		return "?"
	}
	return model.SockName(i)
}

func (w *packetWorld) deadline(end string, read bool) model.Expiry {
	i, _ := sockOf(end, len(w.socks)-1)
	if read {
		return w.dl[i][0]
	}
	return w.dl[i][1]
}

func (w *packetWorld) concurrent(string) bool { return w.s.Caps&CapConcurrent != 0 }

func (w *packetWorld) closed(end string) bool {
	i, _ := sockOf(end, len(w.socks)-1)
	return w.m.Closed(i)
}

func (w *packetWorld) teardown(r *run) {
	by := time.Now().Add(r.o.watchdog())
	for i, pc := range w.socks {
		ch := r.launch(model.SockName(i)+".Close() (teardown)", func() model.Result { pc.Close(); return model.Result{} })
		r.wait(ch, by)
	}
	if w.stop != nil {
		r.launch("stop() (teardown)", func() model.Result { w.stop(); return model.Result{} })
	}
}

// Limits that keep generated datagrams within a loopback socket's receive
// buffer, where the convention is that nothing is lost.
const (
	maxQueued      = 16
	maxQueuedBytes = 100 << 10
	bigDatagram    = 16 << 10
)

// generate turns one raw choice into a datagram operation valid now and
// runs it: sends between the server and its clients, reads on any socket
// (two readers at once on the server), closes and deadlines.
func (w *packetWorld) generate(r *run, x raw) {
	n := len(w.socks) - 1
	sock := x.E % (n + 2) // 0 and 1: the server
	if sock > 0 {
		sock--
	}
	name := model.SockName(sock)
	readers, pooled := w.m.Waiting(sock)
	ambiguous := pooled > 0 && pooled < readers
	to := 0
	if sock == 0 {
		to = x.X%n + 1
	}
	size := dgramSizes[x.S%len(dgramSizes)]
	q, qb := w.m.Queued(to)
	limit := 1
	if sock == 0 {
		limit = 2
	}
	cs := []choice{
		{6, Op{Kind: WriteTo, End: name, To: model.SockName(to), N: size},
			q < maxQueued && qb+size <= maxQueuedBytes && (size < bigDatagram || q == 0)},
		{6, Op{Kind: ReadFrom, End: name, N: dgramReads[x.X%len(dgramReads)]}, readers < limit && !ambiguous},
		{1, Op{Kind: Close, End: name}, true},
	}
	if w.s.Caps&CapDeadline != 0 {
		kind := []Kind{SetReadDeadline, SetReadDeadline, SetDeadline, SetWriteDeadline}[x.X%4]
		cs = append(cs, choice{2, Op{Kind: kind, End: name, When: whens[x.S%len(whens)]}, !ambiguous})
	}
	op, ok := pick(cs, x.K)
	if !ok {
		return
	}
	if op.Kind == WriteTo {
		w.sent++
		if op.N >= 32 {
			op.Off = (w.sent * 37) % 251
		} else {
			op.Data, op.N = dgramPayload(sock, op.N, w.sent), 0
		}
	}
	r.do(op)
}

// dgramPayload makes the bytes of the seq'th small datagram: lower case
// from the server, upper case from clients.
func dgramPayload(sock, n, seq int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[min(sock, 1)][(seq*3+i)%26]
	}
	return b
}
