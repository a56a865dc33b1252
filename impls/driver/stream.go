package driver

import (
	"fmt"
	"net"
	"time"

	"github.com/netconform/netconform/harness/script"
)

// streamConn is a driver's connected stream socket.
type streamConn struct{ handle }

func (c *streamConn) Read(b []byte) (int, error) { return c.read(b) }
func (c *streamConn) Write(b []byte) (int, error) {
	return c.write("write", payload(b), len(b))
}

// read performs a read of up to len(b) bytes.
func (e *handle) read(b []byte) (int, error) {
	res, err := e.do("read", "read", Request{"n": len(b)})
	if res == nil {
		return 0, err
	}
	if len(res.Data) > len(b) {
		return 0, e.p.violation(errTooMuch("read", len(res.Data), len(b)))
	}
	return copy(b, res.Data), err
}

// write performs a write-like op and checks the count against len(b).
func (e *handle) write(op string, args Request, size int) (int, error) {
	res, err := e.do("write", op, args)
	if res == nil {
		return 0, err
	}
	if res.N > size {
		return 0, e.p.violation(errTooMuch(op, res.N, size))
	}
	return res.N, err
}

func (c *streamConn) CloseWrite() error {
	_, err := c.do("close", "close_write", nil)
	return err
}

func (c *streamConn) CloseRead() error {
	_, err := c.do("close", "close_read", nil)
	return err
}

func (c *streamConn) SetLinger(sec int) error {
	_, err := c.do("set", "set_linger", Request{"sec": sec})
	return err
}

func (c *streamConn) SetNoDelay(on bool) error {
	_, err := c.do("set", "set_nodelay", Request{"on": on})
	return err
}

func (c *streamConn) SetKeepAlive(on bool) error {
	_, err := c.do("set", "set_keepalive", Request{"enable": on})
	return err
}

func (c *streamConn) SetKeepAlivePeriod(d time.Duration) error {
	_, err := c.do("set", "set_keepalive", Request{"idle_ms": durMS(d)})
	return err
}

func (c *streamConn) SetKeepAliveConfig(cfg net.KeepAliveConfig) error {
	args := keepAliveConfig(cfg)
	args["config"] = true
	_, err := c.do("set", "set_keepalive", args)
	return err
}

// keepAliveConfig is cfg in the protocol's form: 0 is the language's
// default, -1 leaves the value as it is.
func keepAliveConfig(cfg net.KeepAliveConfig) Request {
	count := cfg.Count
	if count < 0 {
		count = -1
	}
	return Request{"enable": cfg.Enable, "idle_ms": durMS(cfg.Idle), "interval_ms": durMS(cfg.Interval), "count": count}
}

// durMS is d in milliseconds, keeping 0 and mapping negatives to -1.
func durMS(d time.Duration) int64 {
	switch {
	case d < 0:
		return -1
	case d == 0:
		return 0
	}
	return max(1, d.Milliseconds())
}

func errTooMuch(op string, got, max int) error {
	return fmt.Errorf("%s returned %d bytes for a buffer of %d", op, got, max)
}

// fillMin is the size from which runs of the test pattern travel as fill.
const fillMin = 4 << 10

// payload is the data argument of a write: a run of the harness's test
// pattern is described (fill) rather than sent, so that a 16 MiB write
// reaches the driver at once; anything else travels as base64.
func payload(b []byte) Request {
	if len(b) >= fillMin {
		if off, ok := script.PatternOffset(b); ok {
			return Request{"fill": map[string]int{"offset": off, "len": len(b)}}
		}
	}
	if b == nil {
		b = []byte{} // "" rather than null
	}
	return Request{"data": b}
}
