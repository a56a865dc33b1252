package driver_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/netconform/netconform/harness/script"
	"github.com/netconform/netconform/impls/driver"
)

// fillSession starts reference driver r with a connected pair of its
// stream sockets: from (dialled) and to (accepted). It skips when the
// driver cannot run here.
func fillSession(t *testing.T, r reference) (s *driver.Session, call func(driver.Request) *driver.Result, from, to int64) {
	t.Helper()
	argv, why := r.argv(t)
	if why != "" {
		t.Skipf("%s: %s", r.name, why)
	}
	s, err := driver.Start("", argv...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	call = func(req driver.Request) *driver.Result {
		t.Helper()
		rep, raw, err := s.Call(req, driver.Watchdog(10*time.Second))
		if err != nil || rep.Result == nil {
			t.Fatalf("%v: %v %s\nstderr: %s", req, err, raw, s.Stderr())
		}
		var res driver.Result
		unmarshal(t, rep.Result, &res)
		return &res
	}
	call(driver.Request{"op": "hello", "protocol": driver.Version})
	ln := call(driver.Request{"op": "listen", "network": "tcp4", "addr": "127.0.0.1:0"})
	from = call(driver.Request{"op": "dial", "network": "tcp4", "addr": ln.Addr}).H
	to = call(driver.Request{"op": "accept", "h": ln.H}).H
	return s, call, from, to
}

// TestFillIsThePattern: a fill written on a stream arrives as the test
// pattern from its offset, also across the C driver's chunks (it sends a
// fill from a buffer of 251×4096 bytes, one send at a time).
func TestFillIsThePattern(t *testing.T) {
	const off, n = 250, 2*251*4096 + 1000
	for _, r := range references {
		t.Run(r.name, func(t *testing.T) {
			s, call, from, to := fillSession(t, r)
			wrote := make(chan []byte, 1)
			go func() { // not call: t.Fatal belongs to the test's goroutine
				_, raw, err := s.Call(driver.Request{"op": "write", "h": from, "fill": map[string]int{"offset": off, "len": n}}, driver.Watchdog(10*time.Second))
				if err != nil {
					raw = []byte(err.Error())
				}
				wrote <- raw
			}()
			var got []byte
			for len(got) < n {
				got = append(got, call(driver.Request{"op": "read", "h": to, "n": n - len(got)}).Data...)
			}
			w := <-wrote
			var rep struct{ Result struct{ N int } }
			if json.Unmarshal(w, &rep) != nil || rep.Result.N != n {
				t.Errorf("write: %s, want n = %d", w, n)
			}
			if want := script.Pattern(off, n); !bytes.Equal(got, want) {
				i := 0
				for got[i] == want[i] {
					i++
				}
				t.Errorf("byte %d is %d, want %d", i, got[i], want[i])
			}
		})
	}
}

// TestCloseDuringHugeFill: a close sent right after a write of a fill
// releases the write at once, however long the fill. The C driver runs
// every request on one thread, so the time it spends setting a write up
// delays the close behind it, and the harness counts that time in the
// write's: it once built a fill byte by byte, which for the 16 MiB writes
// of the deadline and close cases took it hundreds of milliseconds on a
// loaded machine (they failed late). A GiB makes that cost seconds on any
// machine; a driver that sends the pattern from a buffer of its own pays
// nothing. The Go and Python drivers build the bytes (a Go Write takes
// them in one slice) and a GiB would cost them too, so only the C driver
// runs this.
func TestCloseDuringHugeFill(t *testing.T) {
	s, call, from, _ := fillSession(t, referenceNamed(t, "driver-c"))
	type answer struct {
		rep *driver.Reply
		raw []byte
		err error
		at  time.Time
	}
	wrote := make(chan answer, 1)
	go func() {
		rep, raw, err := s.Call(driver.Request{"op": "write", "h": from, "fill": map[string]int{"offset": 0, "len": 1 << 30}}, driver.Watchdog(30*time.Second))
		wrote <- answer{rep, raw, err, time.Now()}
	}()
	time.Sleep(50 * time.Millisecond) // the write is sent first
	start := time.Now()
	call(driver.Request{"op": "close", "h": from})
	w := <-wrote
	if w.err != nil {
		t.Fatalf("write: %v", w.err)
	}
	if w.rep.Error == nil || w.rep.Error.Kind != "closed" {
		t.Errorf("write: %s, want an error of kind closed", w.raw)
	}
	if took, bound := w.at.Sub(start), driver.Watchdog(time.Second); took > bound {
		t.Errorf("the write was released %v after the close was sent, want within %v: the driver sets a fill up at a cost growing with its length", took.Round(time.Millisecond), bound)
	}
}

// referenceNamed returns the reference driver called name.
func referenceNamed(t *testing.T, name string) reference {
	for _, r := range references {
		if r.name == name {
			return r
		}
	}
	t.Fatalf("no reference driver %q", name)
	return reference{}
}
