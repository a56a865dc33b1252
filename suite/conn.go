package suite

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"time"

	h "github.com/netconform/netconform/harness/script"
)

// connCases: what every stream conn must do whatever else it supports —
// addresses, full-duplex transfer, and concurrent use (CATALOGUE.md §11).
var connCases = []h.Case{
	{
		ID:    "conn.addr.non-nil",
		Spec:  "net.Conn.LocalAddr and RemoteAddr: both are known on a connected stream and the remote address is the other end's local address",
		Level: h.Convention,
		Needs: h.CapConn,
		Setup: h.SetupConn,
		Script: h.Script(
			h.Addrs(iut),
		),
	},
	{
		ID:    "conn.transfer.full-duplex",
		Spec:  "net.Conn: a connection is full duplex; 4 MiB each way at the same time arrive intact without either side reading first",
		Level: h.Contract,
		Needs: h.CapStream,
		Setup: h.SetupConn,
		Script: h.Script(
			h.Go("a", h.WriteN(iut, 4<<20)),
			h.Go("b", h.WriteN(peer, 4<<20).At(7)),
			h.Go("ra", h.ReadFull(peer, 4<<20).WantPattern(0)),
			h.ReadFull(iut, 4<<20).WantPattern(7),
			h.Await("ra"),
			h.Await("a"),
			h.Await("b"),
		),
	},
	{
		ID:    "conn.transfer.ping-pong",
		Spec:  "net.Conn: 200 alternating 8-byte exchanges keep their order and content (nettest PingPong)",
		Level: h.Contract,
		Needs: h.CapConn,
		Setup: h.SetupConn,
		Script: h.Script(h.Func("200 ping-pongs", func(x *h.X) error {
			return pingPong(x, 200)
		})),
	},
	{
		ID:    "conn.write.while-read-blocked",
		Spec:  "net.Conn: multiple goroutines may invoke methods on a Conn simultaneously; a Write completes while a Read on the same conn is blocked, as a request goes out while the reply is awaited (nettest BasicIO)",
		Level: h.Contract,
		Needs: h.CapConn,
		Setup: h.SetupConn,
		Script: h.Script(
			h.Go("r", h.Read(iut, 8).Want("reply")),
			h.StillBlocked("r"),
			h.Go("w", h.Write(iut, "req")),
			h.ReadFull(peer, 3).Want("req"),
			h.Await("w"),
			h.Go("reply", h.Write(peer, "reply")),
			h.Await("r"),
			h.Await("reply"),
		),
	},
	{
		ID:        "conn.read.concurrent-readers",
		Spec:      "net.Conn: multiple goroutines may invoke methods simultaneously; four concurrent Readers on one conn receive every byte of a 1 MiB stream exactly once",
		Catalogue: "Q2",
		Level:     h.Contract,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script:    h.Script(h.Func("4 readers, 1 MiB", concurrentReaders)),
	},
	{
		ID:        "conn.write.concurrent-no-interleave",
		Spec:      "internal/poll.FD.Write: Go holds the write lock for a whole Write, so eight concurrent 1 MiB Writes, blocked side by side on full buffers, arrive as eight contiguous runs",
		Catalogue: "Q3",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapBounded,
		Setup:     h.SetupConn,
		Script:    h.Script(h.Func("8 writers × 1 MiB", concurrentWriters)),
	},
	{
		ID:        "conn.copy.from-reader",
		Spec:      "io.Copy into a conn (through its ReadFrom where it has one, as *net.TCPConn does) delivers every byte: 1 MiB arrives intact and Copy returns 1 MiB, nil",
		Catalogue: "C14",
		Level:     h.Contract,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Go("r", h.ReadFull(peer, 1<<20).WantPattern(0)),
			h.CopyFrom(iut, 1<<20),
			h.Await("r"),
		),
	},
	{
		ID:        "conn.copy.to-writer",
		Spec:      "io.Copy out of a conn (through its WriteTo where it has one, as *net.TCPConn does) copies everything until the peer closes and returns nil, not io.EOF: a successful Copy returns err == nil",
		Catalogue: "C14",
		Level:     h.Contract,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Go("c", h.CopyTo(iut).WantPattern(0).WantN(1<<20)),
			h.WriteN(peer, 1<<20),
			h.Close(peer),
			h.Await("c"),
		),
	},
	{
		ID:        "conn.write.buffer-not-retained",
		Spec:      "io.Writer: implementations must not retain p, so overwriting the buffer as soon as each Write returns does not change what the peer reads (64 Writes of 16 KiB through one buffer)",
		Catalogue: "Q5",
		Level:     h.Contract,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script:    h.Script(h.Func("64 Writes through one buffer, overwritten after each", writeBufferNotRetained)),
	},
	{
		ID:        "conn.read.buffer-not-retained",
		Spec:      "io.Reader: implementations must not retain p, so once Read has returned, data arriving later never lands in its buffer",
		Catalogue: "Q5",
		Level:     h.Contract,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script:    h.Script(h.Func("read, overwrite the buffer, receive 64 KiB more", readBufferNotRetained(false))),
	},
	{
		ID:        "conn.read.buffer-not-retained-after-timeout",
		Spec:      "io.Reader: implementations must not retain p, also when Read returns by its deadline: data arriving after the timeout never lands in the timed-out Read's buffer, and none is lost",
		Catalogue: "Q5",
		Level:     h.Contract,
		Needs:     h.CapStream | h.CapDeadline,
		Setup:     h.SetupConn,
		Script:    h.Script(h.Func("time a Read out, overwrite its buffer, receive 64 KiB", readBufferNotRetained(true))),
	},
	{
		ID:    "conn.read.returns-available",
		Spec:  "io.Reader: if some data is available but not len(p) bytes, Read conventionally returns what is available instead of waiting for more: Read(64 KiB) with 10 bytes queued returns them",
		Level: h.Convention,
		Needs: h.CapStream,
		Setup: h.SetupConn,
		Script: h.Script(
			h.Go("w", h.Write(peer, "0123456789")),
			h.Read(iut, 64<<10).WantPrefix("0").Within(time.Second),
			h.Await("w"),
		),
	},
	{
		ID:     "conn.transfer.odd-sizes",
		Spec:   "net.Conn: a stream carries bytes, not messages: Writes of 30 sizes from 1 B to 256 KiB, on either side of common frame and buffer boundaries, read back intact through 10 different buffer sizes, both ways",
		Level:  h.Contract,
		Needs:  h.CapStream,
		Setup:  h.SetupConn,
		Script: h.Script(h.Func("30 Write sizes one way, 10 Read sizes the other, then back", oddSizes)),
	},
	{
		ID:        "conn.methods.concurrent",
		Spec:      "net.Conn: multiple goroutines may invoke methods simultaneously; 50 rounds of concurrent Read, Write, deadline and address calls leave a working conn (nettest ConcurrentMethods)",
		Catalogue: "Q1 Q6",
		Level:     h.Contract,
		Needs:     h.CapConn | h.CapDeadline,
		Setup:     h.SetupConn,
		Script:    h.Script(h.Func("50 rounds of concurrent methods, then a round trip", concurrentMethods)),
	},
}

// pingPong passes a counter back and forth n times.
func pingPong(x *h.X, n int) error {
	a, b := x.Conn(iut), x.Conn(peer)
	errc := make(chan error, 1)
	x.Go(func() {
		buf := make([]byte, 8)
		for range n {
			if _, err := io.ReadFull(b, buf); err != nil {
				errc <- fmt.Errorf("peer read: %w", err)
				return
			}
			v := binary.LittleEndian.Uint64(buf)
			binary.LittleEndian.PutUint64(buf, v+1)
			if _, err := b.Write(buf); err != nil {
				errc <- fmt.Errorf("peer write: %w", err)
				return
			}
		}
		errc <- nil
	})
	buf := make([]byte, 8)
	for i := range n {
		binary.LittleEndian.PutUint64(buf, uint64(2*i))
		if _, err := a.Write(buf); err != nil {
			x.Errorf(fmt.Sprintf("iut.Write(counter %d)", 2*i), err.Error(), "8, nil")
			return nil
		}
		if _, err := io.ReadFull(a, buf); err != nil {
			x.Errorf(fmt.Sprintf("iut.ReadFull(8) for counter %d", 2*i+1), err.Error(), "8, nil")
			return nil
		}
		if v := binary.LittleEndian.Uint64(buf); v != uint64(2*i+1) {
			x.Errorf("iut.ReadFull(8)", fmt.Sprintf("counter %d", v), fmt.Sprintf("counter %d", 2*i+1))
			return nil
		}
	}
	return <-errc
}

// records makes a stream of 8-byte big-endian record indexes, so any chunk
// of it can be placed.
func records(n int) []byte {
	b := make([]byte, 8*n)
	for i := range n {
		binary.BigEndian.PutUint64(b[8*i:], uint64(i))
	}
	return b
}

// placeChunk finds where chunk sits in stream, using the record index of
// its first whole record; -1 if it does not fit anywhere.
func placeChunk(stream, chunk []byte) int {
	for k := 0; k < 8 && k+8 <= len(chunk); k++ {
		v := binary.BigEndian.Uint64(chunk[k:])
		start := int(v)*8 - k
		if start >= 0 && start+len(chunk) <= len(stream) && bytes.Equal(stream[start:start+len(chunk)], chunk) {
			return start
		}
	}
	return -1
}

// concurrentReaders checks that four readers sharing a conn see every byte
// of the stream exactly once.
func concurrentReaders(x *h.X) error {
	stream := records(128 << 10) // 1 MiB
	a, b := x.Conn(iut), x.Conn(peer)
	type chunk []byte
	var mu sync.Mutex
	var chunks []chunk
	total := 0
	var wg, ready sync.WaitGroup
	a.SetReadDeadline(time.Now().Add(x.Scaled(10 * time.Second)))
	for range 4 {
		wg.Add(1)
		ready.Add(1)
		x.Go(func() {
			defer wg.Done()
			buf := make([]byte, 16<<10)
			first := true
			for {
				mu.Lock()
				done := total >= len(stream)
				mu.Unlock()
				if done {
					return
				}
				if first {
					ready.Done() // about to block in Read: nothing is sent yet
					first = false
				}
				n, err := a.Read(buf)
				mu.Lock()
				if n > 0 {
					chunks = append(chunks, chunk(bytes.Clone(buf[:n])))
					total += n
				}
				done = total >= len(stream)
				mu.Unlock()
				if done {
					a.SetReadDeadline(time.Now()) // release the other readers
					return
				}
				if err != nil {
					return
				}
			}
		})
	}
	// The readers block in Read together before the first byte is sent, so
	// their calls overlap.
	ready.Wait()
	go b.Write(stream)
	wg.Wait()
	a.SetReadDeadline(time.Time{})
	if !x.Overlapped(iut) {
		x.Inconclusive("the 4 readers' Reads never overlapped, so their concurrency was not tested")
		return nil
	}
	// Chunks holding a whole record are placed exactly; shorter ones (a
	// Read may legally return a few bytes) are checked as a multiset
	// against the bytes no placed chunk covers.
	covered := make([]uint8, len(stream))
	var short [256]int
	for _, c := range chunks {
		start := placeChunk(stream, c)
		if start < 0 && len(c) >= 16 {
			x.Errorf("iut.Read by one of 4 concurrent readers", fmt.Sprintf("a %d-byte chunk that is not part of the stream", len(c)), "a piece of the stream")
			return nil
		}
		if start < 0 {
			for _, v := range c {
				short[v]++
			}
			continue
		}
		for i := start; i < start+len(c); i++ {
			covered[i]++
		}
	}
	if total != len(stream) {
		x.Errorf("iut.Read × 4 concurrent readers", fmt.Sprintf("%d bytes in all", total), fmt.Sprintf("%d bytes", len(stream)))
		return nil
	}
	var rest [256]int
	for i, n := range covered {
		if n > 1 {
			x.Errorf("iut.Read × 4 concurrent readers", fmt.Sprintf("the byte at %d read %d times", i, n), "every byte exactly once")
			return nil
		}
		if n == 0 {
			rest[stream[i]]++
		}
	}
	if short != rest {
		x.Errorf("iut.Read × 4 concurrent readers", "short chunks whose bytes are not the bytes left uncovered", "every byte exactly once")
	}
	return nil
}

// concurrentWriters checks that concurrent Writes are not interleaved.
func concurrentWriters(x *h.X) error {
	const writers, size = 8, 1 << 20
	a, b := x.Conn(iut), x.Conn(peer)
	got := make(chan []byte, 1)
	x.Go(func() {
		// The peer reads only once two Writes are in flight together (or
		// after 2 s): 8 MiB fill the buffers, so the Writes block side by
		// side and their concurrency is tested.
		for end := time.Now().Add(x.Scaled(2 * time.Second)); !x.Overlapped(iut) && time.Now().Before(end); {
			time.Sleep(time.Millisecond)
		}
		buf := make([]byte, writers*size)
		n, _ := io.ReadFull(b, buf)
		got <- buf[:n]
	})
	var wg sync.WaitGroup
	start := make(chan struct{}) // the writers start together
	for w := range writers {
		wg.Add(1)
		x.Go(func() {
			defer wg.Done()
			run := bytes.Repeat([]byte{byte('A' + w)}, size)
			<-start
			if n, err := a.Write(run); err != nil || n != size {
				x.Errorf(fmt.Sprintf("iut.Write(<1 MiB of %c>) concurrently", 'A'+w), fmt.Sprintf("%d, %v", n, err), fmt.Sprintf("%d, nil", size))
			}
		})
	}
	close(start)
	wg.Wait()
	if !x.Overlapped(iut) {
		x.Inconclusive("the 8 Writes never overlapped, so whether they interleave was not tested")
		return nil
	}
	var data []byte
	select {
	case data = <-got:
	case <-time.After(x.Scaled(10 * time.Second)):
		return fmt.Errorf("peer did not receive %d bytes within 10s", writers*size)
	}
	runs := 0
	for i := 0; i < len(data); {
		j := runEnd(data, i)
		if (j-i)%size != 0 {
			x.Errorf("peer.ReadFull(8 MiB) after 8 concurrent Writes", fmt.Sprintf("a run of %d bytes of %c at offset %d", j-i, data[i], i), "8 runs of 1 MiB")
			return nil
		}
		runs += (j - i) / size
		i = j
	}
	if runs != writers {
		x.Errorf("peer.ReadFull(8 MiB) after 8 concurrent Writes", fmt.Sprintf("%d runs", runs), "8 runs of 1 MiB")
	}
	return nil
}

// runEnd returns where the run of the byte data[i] that starts at i ends:
// whole 4 KiB blocks are checked at once (bytes.Count of one byte is
// vectorised), the rest byte by byte.
func runEnd(data []byte, i int) int {
	const block = 4 << 10
	j := i
	for j+block <= len(data) && bytes.Count(data[j:j+block], data[i:i+1]) == block {
		j += block
	}
	for j < len(data) && data[j] == data[i] {
		j++
	}
	return j
}

// concurrentMethods hammers the conn like nettest's ConcurrentMethods, then
// checks that it still carries data.
func concurrentMethods(x *h.X) error {
	a, b := x.Conn(iut), x.Conn(peer)
	stop := make(chan struct{})
	var drain sync.WaitGroup
	drain.Add(1)
	x.Go(func() { // the peer discards, so writes never block for long
		defer drain.Done()
		buf := make([]byte, 1024)
		for {
			b.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
			b.Read(buf)
			select {
			case <-stop:
				return
			default:
			}
		}
	})
	for range 50 {
		var wg sync.WaitGroup
		wg.Add(7)
		x.Go(func() { defer wg.Done(); a.Read(make([]byte, 64)) })
		x.Go(func() { defer wg.Done(); a.Write(make([]byte, 64)) })
		x.Go(func() { defer wg.Done(); a.SetDeadline(time.Now().Add(10 * time.Millisecond)) })
		x.Go(func() { defer wg.Done(); a.SetReadDeadline(time.Unix(1, 0)) })
		x.Go(func() { defer wg.Done(); a.SetWriteDeadline(time.Unix(1, 0)) })
		x.Go(func() { defer wg.Done(); _ = a.LocalAddr() })
		x.Go(func() { defer wg.Done(); _ = a.RemoteAddr() })
		wg.Wait()
	}
	close(stop)
	drain.Wait()
	b.SetReadDeadline(time.Time{})
	a.SetDeadline(time.Time{})
	// Resynchronise: the peer drained an unknown number of bytes.
	werr := make(chan error, 1)
	x.Go(func() { _, err := a.Write([]byte("SYNC")); werr <- err })
	rerr := make(chan error, 1)
	x.Go(func() { rerr <- readUntil(b, []byte("SYNC"), x.Scaled(5*time.Second)) })
	var err error
	select {
	case err = <-rerr:
	case e := <-werr:
		if e == nil {
			err = <-rerr
			break
		}
		// The root cause, unless "SYNC" arrived all the same: the conn
		// no longer writes, and the peer need not wait out its 5 s.
		select {
		case err = <-rerr:
		case <-time.After(x.Scaled(100 * time.Millisecond)):
			err = cutRead(b, rerr)
		}
		if err != nil {
			x.Errorf("iut.Write(\"SYNC\") after 50 rounds of concurrent methods", e.Error(), "4, nil")
			return nil
		}
	}
	if err != nil {
		select {
		case e := <-werr:
			if e != nil { // the root cause: the conn no longer writes
				x.Errorf("iut.Write(\"SYNC\") after 50 rounds of concurrent methods", e.Error(), "4, nil")
				return nil
			}
		default:
		}
		x.Errorf("peer reading iut's \"SYNC\" after 50 rounds of concurrent methods", err.Error(), "\"SYNC\" arrives")
	}
	return nil
}

// cutRead ends a readUntil on c that reports to done, by past read
// deadlines (readUntil sets its own when it starts), and returns its
// error.
func cutRead(c interface{ SetReadDeadline(time.Time) error }, done chan error) error {
	for {
		c.SetReadDeadline(time.Unix(1, 0))
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// readUntil reads c until marker has been seen.
func readUntil(c interface {
	Read([]byte) (int, error)
	SetReadDeadline(time.Time) error
}, marker []byte, d time.Duration) error {
	c.SetReadDeadline(time.Now().Add(d))
	defer c.SetReadDeadline(time.Time{})
	var seen []byte
	buf := make([]byte, 1024)
	for {
		n, err := c.Read(buf)
		seen = append(seen, buf[:n]...)
		if bytes.Contains(seen, marker) {
			return nil
		}
		if len(seen) > 1<<20 {
			seen = seen[len(seen)-len(marker):]
		}
		if err != nil {
			return err
		}
	}
}
