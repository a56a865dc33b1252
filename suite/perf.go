package suite

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"time"

	h "github.com/netconform/netconform/harness/script"
)

// The perf area measures; it never fails. Its cases run alone in their
// process (the harness holds every other case while one runs), so they
// run only when asked: by -netconform.perf, NETCONFORM_PERF=1 (the report
// command sets it) or an area filter naming perf; otherwise they are
// skipped with that reason. The report sets each figure beside std-tcp's
// from the same run.
var perfCases = []h.Case{
	{
		ID:     "perf.roundtrip.latency",
		Spec:   "Go's net: the round-trip time of an 8-byte ping-pong over one connection, p50 and p99 of 500 exchanges after 50 to warm up, for comparison between implementations",
		Level:  h.Informational,
		Needs:  h.CapStream,
		Setup:  h.SetupConn,
		Roles:  []h.Role{h.RoleClient},
		Budget: 20 * time.Second,
		Script: h.Script(h.Func("500 timed ping-pongs", roundTrips).Budget(15 * time.Second)),
	},
	{
		ID:     "perf.bulk.throughput",
		Spec:   "Go's net: the throughput of one connection writing 1 MiB Writes to a peer that discards them, for 64 MiB or 2 s, for comparison between implementations",
		Level:  h.Informational,
		Needs:  h.CapStream,
		Setup:  h.SetupConn,
		Roles:  []h.Role{h.RoleClient},
		Budget: 20 * time.Second,
		Script: h.Script(h.Func("bulk write", throughput).Budget(15 * time.Second)),
	},
}

// Metric names of the perf cases.
const (
	MetricRTTp50     = "rtt_p50_us"
	MetricRTTp99     = "rtt_p99_us"
	MetricThroughput = "throughput_mb_s"
)

func roundTrips(x *h.X) error {
	const warm, n = 50, 500
	a, b := x.Conn(iut), x.Conn(peer)
	errc := make(chan error, 1)
	x.Go(func() {
		buf := make([]byte, 8)
		for range warm + n {
			if _, err := io.ReadFull(b, buf); err != nil {
				errc <- fmt.Errorf("peer read: %w", err)
				return
			}
			if _, err := b.Write(buf); err != nil {
				errc <- fmt.Errorf("peer write: %w", err)
				return
			}
		}
		errc <- nil
	})
	buf := make([]byte, 8)
	rtts := make([]time.Duration, 0, n)
	for i := range warm + n {
		binary.LittleEndian.PutUint64(buf, uint64(i))
		start := time.Now()
		if _, err := a.Write(buf); err != nil {
			return fmt.Errorf("iut.Write: %w", err)
		}
		if _, err := io.ReadFull(a, buf); err != nil {
			return fmt.Errorf("iut.ReadFull: %w", err)
		}
		if i >= warm {
			rtts = append(rtts, time.Since(start))
		}
	}
	if err := <-errc; err != nil {
		return err
	}
	slices.Sort(rtts)
	p50, p99 := rtts[len(rtts)/2], rtts[len(rtts)*99/100]
	x.Metric(MetricRTTp50, float64(p50.Nanoseconds())/1e3)
	x.Metric(MetricRTTp99, float64(p99.Nanoseconds())/1e3)
	x.Logf("p50 %v, p99 %v", p50, p99)
	return nil
}

func throughput(x *h.X) error {
	const limit, chunk = 64 << 20, 1 << 20
	a, b := x.Conn(iut), x.Conn(peer)
	drained := make(chan int64, 1)
	x.Go(func() {
		n, _ := io.Copy(io.Discard, b)
		drained <- n
	})
	payload := h.Pattern(0, chunk)
	start := time.Now()
	sent := 0
	for sent < limit && time.Since(start) < 2*time.Second {
		n, err := a.Write(payload)
		sent += n
		if err != nil {
			return fmt.Errorf("iut.Write after %d bytes: %w", sent, err)
		}
	}
	if err := a.Close(); err != nil {
		x.Logf("iut.Close: %v", err)
	}
	got := <-drained
	took := time.Since(start)
	if got != int64(sent) {
		return fmt.Errorf("the peer read %d bytes of the %d written", got, sent)
	}
	mbs := float64(sent) / took.Seconds() / 1e6
	x.Metric(MetricThroughput, mbs)
	x.Logf("%d MiB in %v: %.0f MB/s", sent>>20, took.Round(time.Millisecond), mbs)
	return nil
}
