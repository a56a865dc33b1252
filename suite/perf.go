package suite

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"time"

	h "github.com/netconform/netconform/harness/script"
)

// The perf area measures; it never fails. Its cases run alone in their
// process (the harness holds every other case while one runs), so they
// run only when asked: by -netconform.perf, NETCONFORM_PERF=1 or an area
// filter naming perf; otherwise they are skipped with that reason. The
// report command runs them in a phase of their own, after every other
// case, one implementation at a time (std-tcp first), and sets each
// figure beside std-tcp's from that window.
//
// Each case measures in rounds until the median across rounds is settled
// (its 95% confidence interval within ±5%, at least a minimum of rounds)
// or perfCap has passed (perfstats.go), and records the spread across
// rounds (their coefficient of variation) and how many there were.
var perfCases = []h.Case{
	{
		ID: "perf.roundtrip.latency",
		Spec: "Go's net: the round-trip time of an 8-byte ping-pong over one connection, p50 and p99 of every timed exchange " +
			"(none trimmed), after 50 untimed to warm up; timed in rounds of at least 100 exchanges and 0.1 s until the median of the " +
			"rounds' medians is settled (95% interval within ±5%, at least 10 rounds) or 3 s have passed, for comparison between implementations",
		Level:  h.Informational,
		Needs:  h.CapStream,
		Setup:  h.SetupConn,
		Roles:  []h.Role{h.RoleClient},
		Budget: 20 * time.Second,
		Script: h.Script(h.Func("timed ping-pongs, in rounds", roundTrips).Budget(15 * time.Second)),
	},
	{
		ID: "perf.bulk.throughput",
		Spec: "Go's net: the throughput of one connection writing 1 MiB Writes to a peer that discards them, the median over rounds " +
			"of at least 0.1 s, after one such round untimed to warm up, until it is settled (95% interval within ±5%, at least " +
			"5 rounds) or 3 s have passed, for comparison between implementations",
		Level:  h.Informational,
		Needs:  h.CapStream,
		Setup:  h.SetupConn,
		Roles:  []h.Role{h.RoleClient},
		Budget: 20 * time.Second,
		Script: h.Script(h.Func("bulk write, in rounds", throughput).Budget(15 * time.Second)),
	},
}

// Metric names of the perf cases: the figures, then the spread across
// rounds (a coefficient of variation, a fraction) and the rounds taken.
const (
	MetricRTTp50           = "rtt_p50_us"
	MetricRTTp99           = "rtt_p99_us"
	MetricRTTcv            = "rtt_cv"
	MetricRTTrounds        = "rtt_rounds"
	MetricThroughput       = "throughput_mb_s"
	MetricThroughputCV     = "throughput_cv"
	MetricThroughputRounds = "throughput_rounds"
)

// The rounds of each measurement: each at least rttRound exchanges and
// rttRoundTime, or bulkRound of writes. A round lasts long enough to span
// the regimes a ping-pong goes through (on a small VM the round trip
// switches, every few tens of milliseconds, between two levels some 40%
// apart, as the kernel places the two threads on one CPU or two), so that
// the rounds' spread, and the interval of their median, is that of what
// a report sees.
const (
	rttWarm, rttRound, rttMinRounds = 50, 100, 10
	rttRoundTime                    = 100 * time.Millisecond
	bulkRound, bulkMinRounds        = 100 * time.Millisecond, 5
)

// stopMarker ends the ping-pong: no exchange's counter reaches it.
const stopMarker = math.MaxUint64

func roundTrips(x *h.X) error {
	a, b := x.Conn(iut), x.Conn(peer)
	errc := make(chan error, 1)
	x.Go(func() {
		buf := make([]byte, 8)
		for {
			if _, err := io.ReadFull(b, buf); err != nil {
				errc <- fmt.Errorf("peer read: %w", err)
				return
			}
			if binary.LittleEndian.Uint64(buf) == stopMarker {
				errc <- nil
				return
			}
			if _, err := b.Write(buf); err != nil {
				errc <- fmt.Errorf("peer write: %w", err)
				return
			}
		}
	})
	buf := make([]byte, 8)
	exchange := func(i uint64) (time.Duration, error) {
		binary.LittleEndian.PutUint64(buf, i)
		start := time.Now()
		if _, err := a.Write(buf); err != nil {
			return 0, fmt.Errorf("iut.Write: %w", err)
		}
		if _, err := io.ReadFull(a, buf); err != nil {
			return 0, fmt.Errorf("iut.ReadFull: %w", err)
		}
		return time.Since(start), nil
	}
	var i uint64
	for ; i < rttWarm; i++ {
		if _, err := exchange(i); err != nil {
			return err
		}
	}
	var all, medians []float64 // µs
	began := time.Now()
	for len(medians) < rttMinRounds || !settled(medians) {
		if time.Since(began) >= perfCap {
			break
		}
		var round []float64
		for start := time.Now(); len(round) < rttRound || time.Since(start) < rttRoundTime; {
			d, err := exchange(i)
			i++
			if err != nil {
				return err
			}
			round = append(round, float64(d.Nanoseconds())/1e3)
		}
		all = append(all, round...)
		medians = append(medians, quantile(sorted(round), 0.5))
	}
	binary.LittleEndian.PutUint64(buf, stopMarker)
	if _, err := a.Write(buf); err != nil {
		return fmt.Errorf("iut.Write: %w", err)
	}
	if err := <-errc; err != nil {
		return err
	}
	s := sorted(all)
	p50, p99 := quantile(s, 0.5), quantile(s, 0.99)
	x.Metric(MetricRTTp50, p50)
	x.Metric(MetricRTTp99, p99)
	x.Metric(MetricRTTcv, cv(medians))
	x.Metric(MetricRTTrounds, float64(len(medians)))
	x.Logf("p50 %.1fµs, p99 %.1fµs of %d exchanges; %d rounds, their medians' CV %.1f%%%s",
		p50, p99, len(all), len(medians), 100*cv(medians), unsettled(medians))
	return nil
}

func throughput(x *h.X) error {
	const chunk = 1 << 20
	a, b := x.Conn(iut), x.Conn(peer)
	drained := make(chan int64, 1)
	x.Go(func() {
		n, _ := io.Copy(io.Discard, b)
		drained <- n
	})
	payload := h.Pattern(0, chunk)
	sent := 0
	// round writes for at least bulkRound and returns its rate in MB/s.
	round := func() (float64, error) {
		start, n := time.Now(), 0
		for n == 0 || time.Since(start) < bulkRound {
			w, err := a.Write(payload)
			n += w
			sent += w
			if err != nil {
				return 0, fmt.Errorf("iut.Write after %d bytes: %w", sent, err)
			}
		}
		return float64(n) / time.Since(start).Seconds() / 1e6, nil
	}
	if _, err := round(); err != nil { // warm-up: buffers fill, the window opens
		return err
	}
	var rates []float64
	began := time.Now()
	for len(rates) < bulkMinRounds || !settled(rates) {
		if time.Since(began) >= perfCap {
			break
		}
		r, err := round()
		if err != nil {
			return err
		}
		rates = append(rates, r)
	}
	if err := a.Close(); err != nil {
		x.Logf("iut.Close: %v", err)
	}
	if got := <-drained; got != int64(sent) {
		return fmt.Errorf("the peer read %d bytes of the %d written", got, sent)
	}
	mbs := quantile(sorted(rates), 0.5)
	x.Metric(MetricThroughput, mbs)
	x.Metric(MetricThroughputCV, cv(rates))
	x.Metric(MetricThroughputRounds, float64(len(rates)))
	x.Logf("%.0f MB/s, the median of %d rounds (CV %.1f%%%s); %d MiB in all",
		mbs, len(rates), 100*cv(rates), unsettled(rates), sent>>20)
	return nil
}

// unsettled notes, for the log, a measurement stopped by the time cap.
func unsettled(rounds []float64) string {
	if settled(rounds) {
		return ""
	}
	return fmt.Sprintf(", not settled within %v", perfCap)
}
