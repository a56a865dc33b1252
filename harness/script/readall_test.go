package script

import (
	"bytes"
	"io"
	"net"
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
