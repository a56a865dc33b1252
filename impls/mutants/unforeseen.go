package mutants

import (
	"errors"
	"net"
	"os"
	"sync"
	"time"
)

// unforeseen are mutants written after the explorer (harness/explore) was
// built and before it was run on them, with bugs of kinds the hand-written
// cases were not designed around: bugs that show only after a history of
// calls (a deadline that fired, a write that timed out part way, a buffer
// that wrapped) rather than in one scenario. Each is one realistic bug,
// like the others.
var unforeseen = []bug{
	{
		name:        "read-deadline-closes-idle",
		what:        "a read deadline that passes while no Read is in progress closes the conn, as an idle timeout would",
		seen:        "idle-timeout wrappers that reuse the read deadline as the connection's idle timer",
		setDeadline: idleDeadline,
	},
	{
		name:        "abandoned-read-drops",
		what:        "the read deadline is emulated: Read runs the socket read in a goroutine and stops waiting at the deadline, and the abandoned read goes on and drops what it reads next",
		seen:        "conns that emulate deadlines by abandoning a blocking read in a goroutine",
		read:        emulatedRead,
		setDeadline: emulatedReadDeadline(false),
	},
	{
		name:        "udp-abandoned-read-drops",
		what:        "on datagram sockets, the read deadline is emulated: ReadFrom runs the socket read in a goroutine and stops waiting at the deadline, and the abandoned read goes on and drops the next datagram",
		seen:        "userspace datagram sockets that emulate deadlines by abandoning a blocking read in a goroutine",
		readFrom:    emulatedReadFrom,
		read:        datagramsOnly(emulatedReadFrom),
		setDeadline: emulatedReadDeadline(true),
	},
	{
		name:        "read-deadline-per-call",
		what:        "the read deadline becomes a timeout relative to each Read's start (as SO_RCVTIMEO works): a Read that starts after the deadline passed waits the whole interval again and returns data that arrives meanwhile",
		seen:        "adapters that map SetReadDeadline onto a per-call receive timeout (SO_RCVTIMEO, a read timeout option)",
		setDeadline: relativeDeadline,
		read:        relativeRead,
	},
	{
		name:        "read-deadline-clear-clears-write",
		what:        "SetReadDeadline(time.Time{}) clears the write deadline too",
		seen:        "conns that keep both deadlines in one struct and reset it whole when one is cleared",
		setDeadline: clearBoth,
	},
	{
		name:  "zero-write-is-fin",
		what:  "a zero-length Write shuts the write side down: the empty write is taken as the end-of-stream marker",
		seen:  "framing layers in which an empty frame means the end of the stream",
		write: zeroWriteFIN,
	},
	{
		name: "read-ring-wrap",
		what: "Read goes through a 4 KiB ring buffer whose wrap-around copy is off by one: the first byte after each wrap is the last byte before it again",
		seen: "ring-buffered readers with an off-by-one in the copy across the wrap",
		read: ringRead,
	},
	{
		name:  "read-holds-write-lock",
		what:  "one mutex is held across the blocking Read and taken by Write, so a Write waits until a pending Read returns",
		seen:  "wrappers that guard the conn's state with one mutex held during I/O",
		read:  lockedRead,
		write: lockedWrite,
	},
	{
		name:  "write-timeout-resends-tail",
		what:  "Write goes through a send buffer: when a write deadline interrupts it, the unwritten tail stays buffered and is sent before the next Write's bytes, though the Write reported it unwritten",
		seen:  "buffered writers that keep unflushed bytes after a timeout (a bufio.Writer under the conn)",
		write: tailWrite,
	},
	{
		name:        "deadline-set-once",
		what:        "a deadline is armed only when none is pending: a deadline set, extended or cleared while an earlier one has not passed yet changes nothing",
		seen:        "deadline timers created with time.AfterFunc and never Reset",
		setDeadline: setOnce,
	},
	{
		name:  "write-short-no-error",
		what:  "when the send buffer is full, Write returns the short count of what it managed to send within 10 ms, with a nil error",
		seen:  "adapters over non-blocking sockets that return write(2)'s short count without looping",
		write: shortWrite,
	},
	{
		name:     "udp-remainder-kept",
		what:     "a datagram larger than the ReadFrom buffer is not cut: the rest is kept and returned by the next ReadFroms, as a stream would",
		seen:     "userspace datagram sockets that buffer what did not fit the caller's buffer",
		readFrom: remainderReadFrom,
		read:     datagramsOnly(remainderReadFrom),
	},
}

// Unforeseen returns the unforeseen mutants alone (All includes them).
func Unforeseen() []Mutant {
	var out []Mutant
	for i := range unforeseen {
		b := &unforeseen[i]
		out = append(out, Mutant{Impl: b.impl(), Bug: b.what, Seen: b.seen, Legal: b.legal})
	}
	return out
}

// stateOf returns c's per-conn state of type T, made by mk on first use.
func stateOf[T any](c *conn, mk func() *T) *T {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.state.(*T); ok {
		return s
	}
	s := mk()
	c.state = s
	return s
}

// timeoutErr is the error Go's net returns for an expired deadline.
func timeoutErr(c *conn, op string) error {
	return &net.OpError{Op: op, Net: c.Conn.LocalAddr().Network(), Source: c.Conn.LocalAddr(), Addr: c.Conn.RemoteAddr(), Err: os.ErrDeadlineExceeded}
}

// idleTimer closes an idle conn when its read deadline passes.
type idleTimer struct {
	mu      sync.Mutex
	t       *time.Timer
	stopped bool
}

func (s *idleTimer) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	if s.t != nil {
		s.t.Stop()
	}
}

func idleDeadline(c *conn, kind int, t time.Time) error {
	if err := stdDeadline(c.Conn, kind, t); err != nil || kind&readDeadline == 0 || isDatagram(c) {
		return err
	}
	s := stateOf(c, func() *idleTimer { return &idleTimer{} })
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.t != nil {
		s.t.Stop()
		s.t = nil
	}
	if t.IsZero() || s.stopped {
		return nil
	}
	s.t = time.AfterFunc(time.Until(t), func() {
		if rdl, _ := c.deadlines(); rdl.Equal(t) && c.pending.Load() == 0 && !c.closed.Swap(true) {
			c.Conn.Close()
		}
	})
	return nil
}

// emuDeadline is an emulated read deadline: the socket's own read deadline
// stays clear, and waiting Reads hear of changes.
type emuDeadline struct {
	mu      sync.Mutex
	at      time.Time
	changed chan struct{}
}

func emuOf(c *conn) *emuDeadline {
	return stateOf(c, func() *emuDeadline { return &emuDeadline{changed: make(chan struct{})} })
}

func (e *emuDeadline) get() (time.Time, chan struct{}) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.at, e.changed
}

// emulatedReadDeadline keeps the read deadline of streams (datagrams
// false) or datagram sockets (true) off the socket.
func emulatedReadDeadline(datagrams bool) func(c *conn, kind int, t time.Time) error {
	return func(c *conn, kind int, t time.Time) error {
		if isDatagram(c) != datagrams {
			return stdDeadline(c.Conn, kind, t)
		}
		if kind&writeDeadline != 0 {
			if err := c.Conn.SetWriteDeadline(t); err != nil {
				return err
			}
		}
		if kind&readDeadline == 0 {
			return nil
		}
		if err := c.Conn.SetReadDeadline(time.Time{}); err != nil {
			return err // closed
		}
		e := emuOf(c)
		e.mu.Lock()
		e.at = t
		close(e.changed)
		e.changed = make(chan struct{})
		e.mu.Unlock()
		return nil
	}
}

type readResult struct {
	n    int
	from net.Addr
	err  error
}

// abandoning waits for read, run in a goroutine of its own, until the
// emulated deadline; at the deadline it gives up on it, and what it reads
// afterwards is lost.
func abandoning(c *conn, op string, read func() readResult) readResult {
	e := emuOf(c)
	if at, _ := e.get(); !at.IsZero() && !time.Now().Before(at) {
		return readResult{err: timeoutErr(c, op)}
	}
	ch := make(chan readResult, 1)
	go func() { ch <- read() }()
	for {
		at, changed := e.get()
		var fire <-chan time.Time
		if !at.IsZero() {
			t := time.NewTimer(time.Until(at))
			defer t.Stop()
			fire = t.C
		}
		select {
		case r := <-ch:
			return r
		case <-fire:
			return readResult{err: timeoutErr(c, op)}
		case <-changed:
		}
	}
}

func emulatedRead(c *conn, p []byte) (int, error) {
	if isDatagram(c) {
		return c.Conn.Read(p)
	}
	buf := make([]byte, len(p))
	r := abandoning(c, "read", func() readResult { n, err := c.Conn.Read(buf); return readResult{n: n, err: err} })
	return copy(p, buf[:max(0, r.n)]), r.err
}

func emulatedReadFrom(c *conn, p []byte) (int, net.Addr, error) {
	buf := make([]byte, len(p))
	r := abandoning(c, "read", func() readResult {
		n, from, err := c.Conn.(udpConn).ReadFrom(buf)
		return readResult{n: n, from: from, err: err}
	})
	return copy(p, buf[:max(0, r.n)]), r.from, r.err
}

// relative is read-deadline-per-call's: the interval the last read
// deadline stood for when it was set.
type relative struct {
	mu  sync.Mutex
	set bool
	d   time.Duration
}

func relativeDeadline(c *conn, kind int, t time.Time) error {
	if kind&readDeadline != 0 && !isDatagram(c) {
		r := stateOf(c, func() *relative { return &relative{} })
		r.mu.Lock()
		r.set, r.d = !t.IsZero(), time.Until(t)
		r.mu.Unlock()
	}
	return stdDeadline(c.Conn, kind, t)
}

func relativeRead(c *conn, p []byte) (int, error) {
	if !isDatagram(c) {
		r := stateOf(c, func() *relative { return &relative{} })
		r.mu.Lock()
		set, d := r.set, r.d
		r.mu.Unlock()
		if set {
			c.Conn.SetReadDeadline(time.Now().Add(d))
		}
	}
	return c.Conn.Read(p)
}

func clearBoth(c *conn, kind int, t time.Time) error {
	if kind == readDeadline && t.IsZero() {
		return c.Conn.SetDeadline(time.Time{})
	}
	return stdDeadline(c.Conn, kind, t)
}

func zeroWriteFIN(c *conn, p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if len(p) == 0 && err == nil && !isDatagram(c) {
		c.halves().CloseWrite()
	}
	return n, err
}

// ring is read-ring-wrap's: the stream offset of the next byte read.
type ring struct {
	mu  sync.Mutex
	off int
}

func ringRead(c *conn, p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n <= 0 || isDatagram(c) {
		return n, err
	}
	r := stateOf(c, func() *ring { return &ring{} })
	r.mu.Lock()
	off := r.off
	r.off += n
	r.mu.Unlock()
	const size = 4 << 10
	for b := (off/size + 1) * size; b < off+n; b += size {
		p[b-off] = p[b-off-1]
	}
	return n, err
}

// ioLock is read-holds-write-lock's one mutex.
type ioLock struct{ sync.Mutex }

func lockedRead(c *conn, p []byte) (int, error) {
	if isDatagram(c) {
		return c.Conn.Read(p)
	}
	l := stateOf(c, func() *ioLock { return &ioLock{} })
	l.Lock()
	defer l.Unlock()
	return c.Conn.Read(p)
}

func lockedWrite(c *conn, p []byte) (int, error) {
	if isDatagram(c) {
		return c.Conn.Write(p)
	}
	l := stateOf(c, func() *ioLock { return &ioLock{} })
	l.Lock()
	defer l.Unlock()
	return c.Conn.Write(p)
}

// sendTail is write-timeout-resends-tail's buffer.
type sendTail struct {
	mu   sync.Mutex
	tail []byte
}

func tailWrite(c *conn, p []byte) (int, error) {
	if isDatagram(c) {
		return c.Conn.Write(p)
	}
	s := stateOf(c, func() *sendTail { return &sendTail{} })
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.tail) > 0 {
		n, err := c.Conn.Write(s.tail)
		s.tail = s.tail[n:]
		if err != nil {
			return 0, err
		}
	}
	n, err := c.Conn.Write(p)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) && n < len(p) {
		s.tail = append([]byte(nil), p[n:]...)
	}
	return n, err
}

// armed is deadline-set-once's: the deadline each direction's timer was
// armed with.
type armed struct {
	mu sync.Mutex
	at [2]time.Time
}

func setOnce(c *conn, kind int, t time.Time) error {
	if c.closed.Load() {
		return stdDeadline(c.Conn, kind, t)
	}
	a := stateOf(c, func() *armed { return &armed{} })
	a.mu.Lock()
	defer a.mu.Unlock()
	var err error
	for i, k := range []int{readDeadline, writeDeadline} {
		if kind&k == 0 {
			continue
		}
		if at := a.at[i]; !at.IsZero() && time.Now().Before(at) {
			continue // a timer is pending: it is not re-armed
		}
		a.at[i] = t
		if e := stdDeadline(c.Conn, k, t); e != nil {
			err = e
		}
	}
	return err
}

func shortWrite(c *conn, p []byte) (int, error) {
	if isDatagram(c) || len(p) == 0 {
		return c.Conn.Write(p)
	}
	for {
		_, wdl := c.deadlines()
		step := time.Now().Add(10 * time.Millisecond)
		if !wdl.IsZero() && wdl.Before(step) {
			step = wdl
		}
		c.Conn.SetWriteDeadline(step)
		n, err := c.Conn.Write(p)
		_, wdl = c.deadlines()
		c.Conn.SetWriteDeadline(wdl)
		if err != nil && errors.Is(err, os.ErrDeadlineExceeded) && (wdl.IsZero() || time.Now().Before(wdl)) {
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

// remainder is udp-remainder-kept's: the rest of the last datagram.
type remainder struct {
	mu   sync.Mutex
	rest []byte
	from net.Addr
}

func remainderReadFrom(c *conn, p []byte) (int, net.Addr, error) {
	r := stateOf(c, func() *remainder { return &remainder{} })
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.rest) > 0 {
		if c.closed.Load() {
			return 0, nil, errClosedConn
		}
		if rdl, _ := c.deadlines(); !rdl.IsZero() && !time.Now().Before(rdl) {
			return 0, nil, timeoutErr(c, "read")
		}
		n := copy(p, r.rest)
		r.rest = r.rest[n:]
		return n, r.from, nil
	}
	buf := make([]byte, 64<<10)
	n, from, err := c.Conn.(udpConn).ReadFrom(buf)
	if err != nil {
		return 0, from, err
	}
	k := copy(p, buf[:n])
	if k < n {
		r.rest, r.from = append([]byte(nil), buf[k:n]...), from
	}
	return k, from, nil
}
