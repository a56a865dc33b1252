package engine

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/netconform/netconform/harness/internal/wire"
	"github.com/netconform/netconform/harness/result"
)

// Network is what an attempt does to and sees of the network of the
// case's own namespace: the wire trace of the segments crossing its
// loopback (nil unless the case captures), the mark that starts the
// window later expectations look at, and the faults injected, by name,
// each with the function that removes it (teardown removes them all).
type Network struct {
	Trace  *wire.Trace
	Mark   time.Time
	Faults map[string]func() error
}

// startWire starts capturing on the loopback of the case's own namespace;
// when it cannot, the result says why and wire steps skip.
func (a *Attempt) startWire() {
	t, err := wire.Start("lo")
	if err != nil {
		a.V.res.WireNote = "capture unavailable: " + err.Error()
		return
	}
	a.Net.Trace, a.Net.Mark = t, time.Now()
}

// WireNote says why the wire could not be captured, or "".
func (a *Attempt) WireNote() string { return a.V.res.WireNote }

// stopWire ends the capture and puts the trace in the result, with
// addresses named after the case's endpoints.
func (a *Attempt) stopWire() {
	pkts, err := a.Net.Trace.Stop()
	if err != nil {
		a.V.res.WireNote = "capture ended early: " + err.Error()
	}
	names := a.addrNames()
	for _, p := range pkts {
		a.V.res.Wire = append(a.V.res.Wire, result.Segment{
			At: p.At.Sub(a.Clock.Start), From: nameOf(names, p.Src), To: nameOf(names, p.Dst),
			Flags: p.Flags, Seq: p.Seq, Ack: p.Ack, Len: p.Len, Raw: p.Raw,
		})
	}
}

// addrNames maps the local address of every conn and listener to its
// name, marked with its side ("client(iut)").
func (a *Attempt) addrNames() map[netip.AddrPort]string {
	names := map[netip.AddrPort]string{}
	for _, e := range a.Eps.All() {
		if ap, ok := AddrPort(e.Local()); ok && (e.Conn != nil || e.Ln != nil) {
			side := "ref"
			if e.IUT {
				side = "iut"
			}
			if _, dup := names[ap]; !dup || e.Conn != nil {
				names[Unmap(ap)] = fmt.Sprintf("%s(%s)", e.Name, side)
			}
		}
	}
	return names
}

// Unmap turns a v4-mapped v6 address into its v4 form.
func Unmap(ap netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()) }

func nameOf(names map[netip.AddrPort]string, ap netip.AddrPort) string {
	if n, ok := names[Unmap(ap)]; ok {
		return n
	}
	return ap.String()
}
