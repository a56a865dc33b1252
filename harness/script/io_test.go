package script

import (
	"bytes"
	"io"
	"net"
	"runtime"
	"testing"

	"github.com/netconform/netconform/harness/internal/engine"
)

// TestReadAllKeepsEveryByte: readAll returns every byte in order, with the
// error that ended it, whatever it was told to expect and however the
// writer splits the stream across its 64 KiB windows and growth.
func TestReadAllKeepsEveryByte(t *testing.T) {
	for _, tc := range []struct{ size, expect int }{
		{0, 0}, {1, 0}, {64 << 10, 0}, {300<<10 + 7, 0}, {300<<10 + 7, 300<<10 + 7}, {300<<10 + 7, 1 << 20}, {1 << 20, 64 << 10},
	} {
		a, b := net.Pipe()
		data := Pattern(3, tc.size)
		go func() {
			for rest := data; len(rest) > 0; {
				n := min(len(rest), 12345)
				b.Write(rest[:n])
				rest = rest[n:]
			}
			b.Close()
		}()
		ret := readAll(a, new(engine.Progress), tc.expect)
		a.Close()
		if ret.Err != io.EOF || ret.N != tc.size || !bytes.Equal(ret.Data, data) {
			t.Errorf("readAll(%d bytes, expect %d) = %d, %v, same bytes %v; want %d, EOF, true", tc.size, tc.expect, ret.N, ret.Err, bytes.Equal(ret.Data, data), tc.size)
		}
	}
}

// nopConn is a conn whose Read and Write return at once.
type nopConn struct{ net.Conn }

func (nopConn) Write(b []byte) (int, error) { return len(b), nil }
func (nopConn) Read(b []byte) (int, error)  { return len(b), nil }

// TestCallsMakeNoData: a Write's payload and a Read's buffer are made
// before the call starts, not in it, so a call started in the background
// reaches the implementation at once, however many MiB it moves (a 16 MiB
// Write that first made its payload was still short of the
// implementation's Write when the next step checked that it was blocked).
func TestCallsMakeNoData(t *testing.T) {
	e := &engine.Endpoint{Name: "iut", Conn: nopConn{}}
	for _, s := range []Step{WriteN("iut", 16<<20).At(3), Write("iut", "hello"), Read("iut", 1<<20), ReadFull("iut", 4<<20)} {
		call := s.f.(ioStep).do(s, e, new(engine.Progress))
		// The least of a few calls: other tests' goroutines allocate too.
		least := ^uint64(0)
		for range 5 {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			call()
			runtime.ReadMemStats(&after)
			least = min(least, after.TotalAlloc-before.TotalAlloc)
		}
		if least > 64<<10 {
			t.Errorf("%s: the call allocates %d bytes, want a few at most", s, least)
		}
	}
}
