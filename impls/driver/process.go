package driver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/netconform/netconform/harness"
	procs "github.com/netconform/netconform/harness/proc"
	"github.com/netconform/netconform/harness/sysobs"
)

// Limits on what a driver may do before it is declared broken.
const (
	maxLine      = 64 << 20 // longest reply line
	helloTimeout = 10 * time.Second
	byeGrace     = 300 * time.Millisecond
	stderrTail   = 8 << 10
)

// A waiter is a call waiting for its reply.
type waiter struct {
	ch   chan *Reply
	op   string
	line []byte      // the request as sent
	raw  chan []byte // the reply line, for sessions that want it
}

// traceHook, when set (by tests), sees every request line with its reply
// line; it must not keep reply, which the read loop reuses.
var traceHook atomic.Pointer[func(op string, request, reply []byte)]

// A proc is one running driver process and its session.
type proc struct {
	argv []string
	tree *procs.Proc // the driver and everything it starts

	wmu   sync.Mutex
	stdin *os.File

	mu      sync.Mutex
	next    int64
	waiting map[int64]waiter
	bye     bool

	dead     chan struct{} // closed when the session is over
	deadOnce sync.Once
	why      error // why it is over, set before dead closes

	exited     <-chan struct{} // closed when the process has been waited for
	readDone   chan struct{}   // closed when the read loop has seen the end of stdout
	stdout     *procs.Pipe     // to name who holds it
	stderr     *procs.Tail
	stderrR    *os.File      // read end of the driver's stderr
	stderrDone chan struct{} // closed when stderr has been read to its end
	pidfd      int           // -1 when the process cannot be observed

	emu     sync.Mutex
	escaped []procs.Process // processes of the driver's tree still alive when it was killed, outside its group

	uses         int            // cases served (pool.go); changed only by the case that holds the process
	closeTimeout time.Duration  // bounds the answers to close (conn.go); set before the process serves a case
	baseline     map[uint64]int // the sockets held after hello; nil until hello was answered
}

// started counts the driver processes started, for tests of their reuse.
var started atomic.Int64

// startProc starts argv in dir as the root of a process tree (see
// harness/proc): in a process group of its own that dies with this
// process, and whose descendants are found and killed with it even when
// they leave the group.
func startProc(argv []string, dir string) (*proc, error) {
	if len(argv) == 0 {
		return nil, errors.New("driver: empty command")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	p := &proc{argv: argv, waiting: map[int64]waiter{}, dead: make(chan struct{}),
		readDone: make(chan struct{}), stderr: procs.NewTail(stderrTail), pidfd: -1, closeTimeout: closeTimeout}
	// stderr through a pipe of our own as well: exec's copying goroutine
	// would make Wait wait for every process holding the pipe (a helper
	// the driver left behind), so the driver's exit would go unseen.
	stderr, stderrW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = stderrW
	p.stderrR, p.stderrDone = stderr, make(chan struct{})
	goAsDriverProcess(func() {
		defer close(p.stderrDone)
		io.Copy(p.stderr, stderr)
	})
	defer stderrW.Close()
	// Not StdinPipe either: Wait closes that pipe when the process exits,
	// so a write would fail with "file already closed" or EPIPE depending
	// on who was quicker.
	stdinR, stdin, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdin, p.stdin = stdinR, stdin
	defer stdinR.Close()
	// Not StdoutPipe: Wait closes that pipe as soon as the process exits,
	// which would cut off its last replies. This read end is closed only
	// when every writer is gone.
	if p.stdout, err = procs.NewPipe(); err != nil {
		return nil, err
	}
	cmd.Stdout = p.stdout.W
	p.tree, err = procs.Start(cmd)
	p.stdout.W.Close()
	if err != nil {
		p.stdout.R.Close()
		stdin.Close()
		return nil, fmt.Errorf("driver: starting %s: %w", strings.Join(argv, " "), err)
	}
	started.Add(1)
	p.exited = p.tree.Exited()
	p.pidfd = openPidfd(p.tree.Pid())
	goAsDriverProcess(func() { p.readLoop(p.stdout.R) })
	goAsDriverProcess(p.watchExit)
	return p, nil
}

// goAsDriverProcess runs f in a goroutine profiled as "(driver process)", not
// as the case that happened to start the process (the runner labels each
// case's goroutines): a pooled driver serves many cases.
func goAsDriverProcess(f func()) {
	pprof.Do(context.Background(), pprof.Labels("case", "(driver process)"), func(context.Context) { go f() })
}

// settle is how long the client waits, once the driver has closed its
// stdin or exited, for the rest of its stdout: what the driver printed last
// says more about why it stopped than the failed write does, and reading
// it first makes the error the same whichever side noticed first.
var settle = watchdog(2 * time.Second)

// exitGrace is how long a driver that printed a line breaking the protocol
// is given to end by itself (as a program that is not a driver does: it
// prints and exits) before it is killed.
var exitGrace = watchdog(500 * time.Millisecond)

// watchExit ends the session when the process exits before bye, even
// when something else (a helper the driver started) holds its stdout
// open, so that no request waits for a reply that cannot come and no
// helper goes on answering for a driver that is gone.
func (p *proc) watchExit() {
	<-p.exited
	p.stopped(nil)
}

// stopped ends the session once the driver stopped listening: it exited,
// or a write to its stdin failed (cause). What it printed last is read
// first (the read loop, to the end of stdout) and is the better reason;
// then its exit; so the reason does not depend on which side noticed first.
func (p *proc) stopped(cause error) {
	select {
	case <-p.readDone:
	case <-p.dead:
	case <-time.After(settle):
	}
	select {
	case <-p.dead:
		return // the read loop said why
	default:
	}
	select {
	case <-p.exited:
	case <-time.After(settle):
	}
	select {
	case <-p.exited:
		p.mu.Lock()
		pending, bye := len(p.waiting), p.bye
		p.mu.Unlock()
		held := false
		select {
		case <-p.readDone:
		default:
			held = true
		}
		if bye || (pending == 0 && cause == nil && !held) {
			return // a finished session, or nothing to answer: the next send will see it
		}
		why := fmt.Sprintf("the driver %s while %d request(s) were pending", p.describeExit(), pending)
		if pending == 0 {
			why = fmt.Sprintf("the driver %s before bye", p.describeExit())
		}
		if held {
			if h := p.stdout.Holders(); len(h) > 0 {
				why += "; " + procs.Join(h) + " still holds its stdout open"
			} else {
				why += "; another process still holds its stdout open"
			}
		}
		p.broken(errors.New(why))
	default:
		p.broken(fmt.Errorf("%w (the driver is still running)", cause))
	}
}

// readLoop dispatches reply lines to the calls waiting for them.
func (p *proc) readLoop(stdout io.ReadCloser) {
	defer close(p.readDone)
	defer stdout.Close()
	sc := procs.NewLines(stdout, maxLine)
	for sc.Scan() {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		r, err := parseReply(line)
		if err != nil {
			p.badLine(sc, err)
			return
		}
		p.mu.Lock()
		w, ok := p.waiting[r.ID]
		delete(p.waiting, r.ID)
		p.mu.Unlock()
		if !ok {
			p.badLine(sc, fmt.Errorf("the driver answered id %d, which is not a pending request: %s", r.ID, quote(line)))
			return
		}
		if hook := traceHook.Load(); hook != nil && w.op != "" {
			(*hook)(w.op, w.line, line)
		}
		if w.raw != nil {
			if r.data != nil {
				r, _ = parseWhole(line) // a session's caller reads Result itself
			}
			w.raw <- append([]byte(nil), line...)
		}
		w.ch <- r
	}
	err := sc.Err()
	switch {
	case errors.Is(err, procs.ErrLineTooLong):
		p.broken(fmt.Errorf("the driver wrote a line longer than %d MiB", maxLine>>20))
	case err != nil:
		p.broken(fmt.Errorf("reading the driver's stdout: %w", err))
	default:
		p.mu.Lock()
		bye := p.bye
		p.mu.Unlock()
		if !bye {
			p.broken(fmt.Errorf("the driver closed its stdout (%s)", p.exitStatus()))
		}
		p.broken(errors.New("the session ended"))
	}
}

// parseReply reads one line of a driver's stdout: UTF-8 (PROTOCOL.md:
// NDJSON, UTF-8 — JSON decoding would turn a bad byte into U+FFFD without
// a word), one JSON reply, of a reply's shape.
func parseReply(line []byte) (*Reply, error) {
	if r, ok := parseBulk(line, bulkMin); ok {
		return r, nil
	}
	return parseWhole(line)
}

// parseWhole is parseReply without the fast path for bulk data.
func parseWhole(line []byte) (*Reply, error) {
	if !utf8.Valid(line) {
		return nil, fmt.Errorf("the driver wrote a line that is not UTF-8 (PROTOCOL.md: NDJSON, UTF-8): %s", quote(line))
	}
	var r Reply
	if err := json.Unmarshal(line, &r); err != nil {
		return nil, fmt.Errorf("the driver wrote a line that is not a JSON reply (%v): %s", err, quote(line))
	}
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("%v: %s", err, quote(line))
	}
	return &r, nil
}

// badLine ends the session on a protocol violation seen on stdout. A
// driver that stops by itself right after (it printed its last line and
// exited) is described as such: the rest of its stdout is read (bounded)
// and its exit awaited for up to settle, so the message does not depend on
// whether the client or the driver was quicker.
func (p *proc) badLine(sc *procs.Lines, why error) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for n := 0; n < 1000 && sc.Scan(); n++ {
		}
	}()
	select {
	case <-done:
		select {
		case <-p.exited:
			why = fmt.Errorf("%w; then it %s", why, p.describeExit())
		case <-time.After(exitGrace):
			why = fmt.Errorf("%w; it closed its stdout but was still running", why)
		}
	case <-time.After(exitGrace):
		why = fmt.Errorf("%w; it was still running", why)
	}
	p.broken(why) // the read loop then closes stdout, which ends the drain
}

// exitStatus waits briefly for the process and describes how it ended.
func (p *proc) exitStatus() string {
	select {
	case <-p.exited:
		return p.describeExit()
	case <-time.After(settle):
		return "still running"
	}
}

// describeExit says how the process ended; it must have been waited for.
func (p *proc) describeExit() string {
	if err := p.tree.Wait(); err != nil {
		return "exited: " + err.Error()
	}
	return "exited with status 0"
}

// broken ends the session for good: the driver's process tree is killed
// (its process group, and what left it) and every pending call fails with
// why.
func (p *proc) broken(why error) {
	p.deadOnce.Do(func() {
		p.why = why
		close(p.dead)
		p.kill()
		p.stdin.Close()
	})
}

// kill kills the driver's tree, and keeps the processes that had left its
// process group for the evidence.
func (p *proc) kill() {
	var out []procs.Process
	for _, k := range p.tree.Kill() {
		if pr, err := sysobs.ReadProcess(k.PID); err != nil || pr.PGID != p.tree.Pid() {
			out = append(out, k)
		}
	}
	p.emu.Lock()
	p.escaped = append(p.escaped, out...)
	p.emu.Unlock()
}

// call sends req and waits for its reply.
func (p *proc) call(req Request) (*Reply, error) {
	return p.callCtx(context.Background(), req)
}

// callCtx sends req and waits for its reply; when ctx ends first it asks
// the driver to cancel the request (a dial) and goes on waiting for the
// reply, which then says canceled.
func (p *proc) callCtx(ctx context.Context, req Request) (*Reply, error) {
	ch := make(chan *Reply, 1)
	op, _ := req["op"].(string)
	p.mu.Lock()
	p.next++
	id := p.next
	req["id"] = id
	b, err := json.Marshal(req)
	if err != nil {
		p.mu.Unlock()
		return nil, fmt.Errorf("driver: encoding %v: %w", op, err)
	}
	p.waiting[id] = waiter{ch: ch, op: op, line: b}
	if op == "bye" {
		p.bye = true
	}
	p.mu.Unlock()
	if err := p.send(b); err != nil {
		return nil, err
	}
	done := ctx.Done()
	for {
		select {
		case r := <-ch:
			return r, nil
		case <-p.dead:
			select {
			case r := <-ch: // the reply came before the end
				return r, nil
			default:
			}
			return nil, p.deadErr()
		case <-done:
			done = nil
			go p.call(Request{"op": "cancel", "target": id})
		}
	}
}

// send writes one request line.
func (p *proc) send(b []byte) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	select {
	case <-p.dead:
		return p.deadErr()
	default:
	}
	if _, err := p.stdin.Write(append(b, '\n')); err != nil {
		p.stopped(fmt.Errorf("writing to the driver's stdin: %w", err))
		return p.deadErr()
	}
	return nil
}

func (p *proc) deadErr() error {
	return fmt.Errorf("%w: driver %s: %v", harness.ErrBroken, p.argv[0], p.why)
}

// stop says bye, then kills the process group whatever the driver does.
func (p *proc) stop() {
	select {
	case <-p.dead:
	default:
		done := make(chan struct{})
		go func() { p.call(Request{"op": "bye"}); close(done) }()
		select {
		case <-done:
		case <-time.After(byeGrace):
		}
	}
	p.broken(errors.New("the case ended"))
	<-p.exited
	closePidfd(p.pidfd)
	// A helper the driver left behind may hold stderr open: what it has
	// written so far is kept, the rest is not waited for.
	select {
	case <-p.stderrDone:
	case <-time.After(100 * time.Millisecond):
	}
	p.stderrR.Close()
}

// evidence describes the session for a result that did not pass.
func (p *proc) evidence() string { return p.evidenceSince(0) }

// evidenceSince is evidence with only the stderr written after mark (a
// Tail mark): a process that served earlier cases keeps their output too.
func (p *proc) evidenceSince(mark int64) string {
	var b strings.Builder
	select {
	case <-p.dead:
		fmt.Fprintf(&b, "driver %s: %v\n", strings.Join(p.argv, " "), p.why)
	default:
	}
	p.emu.Lock()
	if len(p.escaped) > 0 {
		fmt.Fprintf(&b, "killed with the driver, outside its process group: %s\n", procs.Join(p.escaped))
	}
	p.emu.Unlock()
	if s := p.stderr.Since(mark); s != "" {
		fmt.Fprintf(&b, "driver stderr (last %d KiB):\n%s", stderrTail>>10, s)
	}
	return b.String()
}

// quote shows the start of a bad line.
func quote(b []byte) string {
	if len(b) > 200 {
		return fmt.Sprintf("%q… (%d bytes)", b[:200], len(b))
	}
	return fmt.Sprintf("%q", b)
}
