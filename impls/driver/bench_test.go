package driver_test

import (
	"testing"
	"time"

	"github.com/netconform/netconform/impls/driver"
)

// BenchmarkRoundTrip measures the protocol's cost per operation for each
// reference driver: one request and its reply over the pipes (local_addr,
// which does no I/O), and one byte through a loopback TCP conn (write on
// one end, read on the other: two round trips).
//
//	go test -run '^$' -bench RoundTrip ./impls/driver
func BenchmarkRoundTrip(b *testing.B) {
	for _, r := range references {
		argv, why := r.argv(b)
		if why != "" {
			b.Logf("skipping %s: %s", r.name, why)
			continue
		}
		b.Run(r.name, func(b *testing.B) {
			s, err := driver.Start("", argv...)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Stop()
			call := func(req driver.Request) *driver.Result {
				rep, _, err := s.Call(req, 5*time.Second)
				if err != nil || rep.Result == nil {
					b.Fatalf("%v: %v %+v", req, err, rep)
				}
				var res driver.Result
				unmarshal(b, rep.Result, &res)
				return &res
			}
			call(driver.Request{"op": "hello", "protocol": 1})
			ln := call(driver.Request{"op": "listen", "network": "tcp4", "addr": "127.0.0.1:0"})
			d := call(driver.Request{"op": "dial", "network": "tcp4", "addr": ln.Addr})
			a := call(driver.Request{"op": "accept", "h": ln.H})
			b.Run("local_addr", func(b *testing.B) {
				for b.Loop() {
					call(driver.Request{"op": "local_addr", "h": d.H})
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
			})
			b.Run("write-read-1B", func(b *testing.B) {
				one := []byte{1}
				for b.Loop() {
					call(driver.Request{"op": "write", "h": d.H, "data": one})
					call(driver.Request{"op": "read", "h": a.H, "n": 1})
				}
			})
		})
	}
}
