package suite

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	h "github.com/netconform/netconform/harness/script"
)

// The data-integrity steps: bytes written are the bytes read, whatever the
// sizes of the calls, the deadlines changing under them, or what the
// caller does with its buffers once a call has returned.

// isTimeout reports whether err is a deadline's: it wraps
// os.ErrDeadlineExceeded or says Timeout().
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// churnBytes is how much deadlineChurn moves each way.
const churnBytes = 1 << 20

// churnFor is how long deadlineChurn changes deadlines (scaled); the
// transfer then finishes with none set.
const churnFor = time.Second

// churnPause is how long a call of deadlineChurn's that timed out having
// moved nothing waits before it is retried.
const churnPause = 20 * time.Microsecond

// pauseIfIdle pauses after a call that timed out having moved nothing.
// Retried at once, such calls spun for as long as the deadline stayed
// past: two goroutines per implementation that never blocked, which
// starved the rest of the test process (hundreds of milliseconds before a
// woken goroutine ran, under the race detector) and were a tenth of go
// test ./suite's CPU. The deadline still changes every 100–500 µs, and the
// calls still race it.
func pauseIfIdle(n int, err error) {
	if n == 0 && err != nil {
		time.Sleep(churnPause)
	}
}

// deadlineChurn moves the pattern both ways between iut and peer while a
// third goroutine keeps changing iut's deadlines (past, a few hundred
// microseconds ahead, cleared), then clears them. Every error iut returns
// must be a timeout, and none once the deadlines are cleared; each
// direction must carry the pattern unbroken: a timed-out Write reports
// what it wrote, a timed-out Read loses nothing.
func deadlineChurn(x *h.X) error {
	a, b := x.Conn(iut), x.Conn(peer)
	var wg sync.WaitGroup
	var cleared atomic.Bool // set once the churn has stopped and cleared the deadlines
	var once sync.Once
	failed := make(chan struct{})
	fail := func(call, got, want string) {
		once.Do(func() { x.Errorf(call, got, want); close(failed) })
	}
	// check judges an error iut returned from call (at offset off) that
	// began when after was the state of cleared. Timed-out calls retry
	// thousands of times: the call is named only when it fails.
	check := func(call string, off int, err error, after bool) bool {
		switch {
		case err == nil:
			return true
		case !isTimeout(err):
			fail(fmt.Sprintf("%s at offset %d while deadlines change", call, off), err.Error(), "n, nil or a timeout")
		case after:
			fail(fmt.Sprintf("%s at offset %d after the deadlines were cleared", call, off), err.Error(), "n, nil: no deadline is set")
		default:
			return true
		}
		return false
	}
	// Each Write is a fresh copy of its part of the pattern (timed-out
	// Writes retry thousands of times; one Pattern call each was most of
	// the case's CPU): a Write that changed its buffer sends wrong bytes.
	pattern := h.PatternView(0, churnBytes)
	wg.Add(4)
	x.Go(func() { // iut writes, retrying after timeouts
		defer wg.Done()
		chunk := make([]byte, 16<<10)
		for off := 0; off < churnBytes; {
			after := cleared.Load()
			p := chunk[:copy(chunk, pattern[off:min(off+len(chunk), churnBytes)])]
			n, err := a.Write(p)
			off += n
			if !check("iut.Write", off, err, after) {
				return
			}
			pauseIfIdle(n, err)
		}
	})
	x.Go(func() { // the peer checks what iut wrote
		defer wg.Done()
		if err := readPattern(b, churnBytes); err != nil {
			fail("peer reading what iut wrote while its deadlines changed", err.Error(), fmt.Sprintf("the pattern's %d bytes in order", churnBytes))
		}
	})
	x.Go(func() { // the peer writes
		defer wg.Done()
		b.Write(h.PatternView(0, churnBytes))
	})
	x.Go(func() { // iut reads, retrying after timeouts
		defer wg.Done()
		buf := make([]byte, 7000)
		for off := 0; off < churnBytes; {
			after := cleared.Load()
			n, err := a.Read(buf)
			if off+n > churnBytes || !bytes.Equal(buf[:n], pattern[off:off+n]) {
				fail(fmt.Sprintf("iut.Read at offset %d while deadlines change", off), fmt.Sprintf("%d bytes that are not the pattern's next", n), "the next bytes of the stream")
				return
			}
			off += n
			if !check("iut.Read", off, err, after) {
				return
			}
			pauseIfIdle(n, err)
		}
	})
	// The churn, on this goroutine: until the transfer ends or churnFor.
	// A conn that refuses deadlines fails at once, and the transfer then
	// ends without them.
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	r := rand.New(rand.NewPCG(1, 2))
	stop := time.After(x.Scaled(churnFor))
churn:
	for {
		select {
		case <-finished:
			break churn
		case <-stop:
			break churn
		case <-failed:
			break churn
		default:
		}
		var t time.Time
		switch r.IntN(4) {
		case 0:
			t = time.Unix(1, 0)
		case 1, 2:
			t = time.Now().Add(time.Duration(50+r.IntN(500)) * time.Microsecond)
		}
		var err error
		switch r.IntN(3) {
		case 0:
			err = a.SetReadDeadline(t)
		case 1:
			err = a.SetWriteDeadline(t)
		default:
			err = a.SetDeadline(t)
		}
		if err != nil {
			fail("iut.SetDeadline while Reads and Writes run", err.Error(), "nil")
			break
		}
		time.Sleep(time.Duration(100+r.IntN(400)) * time.Microsecond)
	}
	a.SetDeadline(time.Time{})
	cleared.Store(true)
	select {
	case <-finished:
	case <-failed:
		// A side that failed stopped: closing both ends releases the
		// others (the conns are of no further use to the case).
		a.Close()
		b.Close()
		<-finished
	}
	a.SetDeadline(time.Time{})
	return nil
}

// readPattern reads n bytes from c and checks they are the pattern.
func readPattern(c io.Reader, n int) error { return readPatternAt(c, 0, n) }

// readPatternAt reads n bytes from c and checks they are the pattern from
// offset start.
func readPatternAt(c io.Reader, start, n int) error {
	buf := make([]byte, 32<<10)
	for off := start; off < start+n; {
		k, err := c.Read(buf[:min(len(buf), start+n-off)])
		if !bytes.Equal(buf[:k], h.PatternView(off, k)) {
			return fmt.Errorf("%d bytes at offset %d are not the pattern", k, off)
		}
		off += k
		if err != nil {
			return fmt.Errorf("after %d bytes: %w", off, err)
		}
	}
	return nil
}

// writeSizes are Write sizes on either side of the boundaries frames,
// windows and buffers are commonly cut at.
var writeSizes = []int{1, 2, 3, 7, 100, 1023, 1024, 1025, 1459, 1460, 1461, 4095, 4096, 4097,
	8191, 8192, 8193, 16383, 16384, 16385, 32767, 32768, 32769, 65535, 65536, 65537,
	131071, 131072, 131073, 262145}

// readSizes are the buffers the reading side cycles through.
var readSizes = []int{1, 3, 17, 512, 4096, 65536, 7, 100000, 1460, 16384}

// oddSizes writes the pattern in writeSizes from one end while the other
// reads it with readSizes, then the other way round.
func oddSizes(x *h.X) error {
	total := 0
	for _, n := range writeSizes {
		total += n
	}
	for _, dir := range []struct{ from, to string }{{iut, peer}, {peer, iut}} {
		w, r := x.Conn(dir.from), x.Conn(dir.to)
		errc := make(chan error, 1)
		x.Go(func() {
			off := 0
			for _, n := range writeSizes {
				k, err := w.Write(h.PatternView(off, n))
				off += k
				if err != nil || k != n {
					errc <- fmt.Errorf("%s.Write(%d bytes) at offset %d = %d, %v", dir.from, n, off-k, k, err)
					return
				}
			}
			errc <- nil
		})
		buf := make([]byte, 100000)
		for off, i := 0, 0; off < total; i++ {
			size := min(readSizes[i%len(readSizes)], total-off)
			k, err := r.Read(buf[:size])
			if !bytes.Equal(buf[:k], h.PatternView(off, k)) {
				x.Errorf(fmt.Sprintf("%s.Read(%d) at offset %d", dir.to, size, off), fmt.Sprintf("%d bytes that are not the pattern's next", k), "the next bytes of the stream")
				return <-errc
			}
			off += k
			if err != nil {
				x.Errorf(fmt.Sprintf("%s.Read(%d) at offset %d of %d", dir.to, size, off, total), err.Error(), "more data")
				return <-errc
			}
		}
		if err := <-errc; err != nil {
			x.Errorf(fmt.Sprintf("%s writing %d sizes from 1 B to 256 KiB", dir.from, len(writeSizes)), err.Error(), "each Write returns len(p), nil")
		}
	}
	return nil
}

// scribble overwrites b, as a caller reusing its buffer does.
func scribble(b []byte) {
	for i := range b {
		b[i] = 0xEE
	}
}

// writeBufferNotRetained writes 64 chunks of the pattern through one
// buffer, scribbling over it as soon as each Write returns: the peer must
// still read the pattern (io.Writer: implementations must not retain p).
func writeBufferNotRetained(x *h.X) error {
	const chunk, chunks = 16 << 10, 64
	a, b := x.Conn(iut), x.Conn(peer)
	errc := make(chan error, 1)
	x.Go(func() { errc <- readPattern(b, chunk*chunks) })
	buf := make([]byte, chunk)
	for i := range chunks {
		copy(buf, h.PatternView(i*chunk, chunk))
		if n, err := a.Write(buf); err != nil || n != chunk {
			x.Errorf(fmt.Sprintf("iut.Write(chunk %d of %d)", i+1, chunks), fmt.Sprintf("%d, %v", n, err), fmt.Sprintf("%d, nil", chunk))
			return nil
		}
		scribble(buf)
	}
	if err := <-errc; err != nil {
		x.Errorf(fmt.Sprintf("peer reading %d chunks iut wrote from one buffer, overwritten after each Write returned", chunks), err.Error(), "the pattern: Write must not retain its buffer")
	}
	return nil
}

// readBufferNotRetained reads into a buffer, scribbles over it once Read
// has returned, lets more data arrive and be read through another buffer,
// and checks the first buffer was left alone (io.Reader: implementations
// must not retain p). With timedOut, the first Read ends by its deadline
// instead, which is where a pending read is most easily left behind.
func readBufferNotRetained(timedOut bool) func(x *h.X) error {
	return func(x *h.X) error {
		a, b := x.Conn(iut), x.Conn(peer)
		first := make([]byte, 4096)
		call := "iut.Read(4096)"
		if timedOut {
			call = "iut.Read(4096) at its deadline"
			if err := a.SetReadDeadline(time.Now().Add(shortDeadline)); err != nil {
				x.Errorf("iut.SetReadDeadline(+100ms)", err.Error(), "nil")
				return nil
			}
			if n, err := a.Read(first); n != 0 || !isTimeout(err) {
				x.Errorf(call, fmt.Sprintf("%d, %v", n, err), "0 and a timeout")
				return nil
			}
			a.SetReadDeadline(time.Time{})
		} else {
			x.Go(func() { b.Write(h.PatternView(0, 100)) })
			if n, err := io.ReadFull(a, first[:100]); err != nil {
				x.Errorf("iut.ReadFull(100)", fmt.Sprintf("%d, %v", n, err), "100, nil")
				return nil
			}
		}
		scribble(first)
		off := 0
		if !timedOut {
			off = 100
		}
		const more = 64 << 10
		x.Go(func() { b.Write(h.PatternView(off, more)) })
		if err := readPatternAt(a, off, more); err != nil {
			x.Errorf(fmt.Sprintf("iut reading %d more bytes through another buffer after %s", more, call), err.Error(), "the pattern, nothing lost")
			return nil
		}
		for i, c := range first {
			if c != 0xEE {
				x.Errorf(fmt.Sprintf("the buffer of %s, overwritten once it returned, after %d more bytes arrived", call, more),
					fmt.Sprintf("changed at byte %d", i), "left alone: Read must not retain its buffer")
				break
			}
		}
		return nil
	}
}
