package driver

import (
	"fmt"
	"maps"
	"sync"

	"github.com/netconform/netconform/harness/sysobs"
)

// maxUses bounds the cases one driver process serves before a new one
// replaces it, so that nothing a driver accumulates (memory, the closed
// handles it keeps answering for) grows without bound over a run.
const maxUses = 64

// A pool keeps the driver processes that ended a case cleanly, for the next
// cases, when the driver declared reuse (PROTOCOL.md, "Life cycle"):
// starting the process is most of the CPU a driver's case costs (python3
// alone takes a quarter of a second).
type pool struct {
	mu     sync.Mutex
	idle   []*proc
	max    int  // idle processes kept at most; 0 keeps none
	closed bool // drained, and no case started since: keep nothing
}

// setMax sets how many idle processes the pool keeps.
func (pl *pool) setMax(n int) {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	pl.max = n
}

// get returns an idle process that is still running, or nil.
func (pl *pool) get() *proc {
	for {
		pl.mu.Lock()
		pl.closed = false
		n := len(pl.idle)
		if n == 0 {
			pl.mu.Unlock()
			return nil
		}
		p := pl.idle[n-1]
		pl.idle = pl.idle[:n-1]
		pl.mu.Unlock()
		if p.running() {
			return p
		}
		p.stop()
	}
}

// put keeps p for a later case when it is clean and there is room; it
// reports whether it did.
func (pl *pool) put(p *proc) bool {
	pl.mu.Lock()
	room := !pl.closed && len(pl.idle) < pl.max
	pl.mu.Unlock()
	if !room || p.uses >= maxUses || !p.clean() {
		return false
	}
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if pl.closed || len(pl.idle) >= pl.max {
		return false
	}
	pl.idle = append(pl.idle, p)
	return true
}

// drain stops every idle process; a process a case still running gives
// back later is stopped too, until the next case starts.
func (pl *pool) drain() {
	pl.mu.Lock()
	idle := pl.idle
	pl.idle, pl.closed = nil, true
	pl.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range idle {
		wg.Go(p.stop)
	}
	wg.Wait()
}

// running reports whether the session is open and the process has not
// exited (a driver that exits with nothing pending ends no session until
// the next request).
func (p *proc) running() bool {
	select {
	case <-p.dead:
		return false
	case <-p.exited:
		return false
	default:
		return true
	}
}

// ready records, once hello has been answered, the sockets the driver
// holds between cases (a language runtime's own, if any).
func (p *proc) ready() {
	if socks, err := sysobs.SocketFDs(p.tree.Pid()); err == nil {
		p.mu.Lock()
		p.baseline = socks
		p.mu.Unlock()
	}
}

// clean reports whether p can serve another case: it answered hello, is
// still running, has no request pending, holds the same sockets as after
// hello (every one a case opened is closed, none leaked), and has no
// process of its own still alive. What cannot be read counts as unclean.
func (p *proc) clean() bool {
	if !p.running() {
		return false
	}
	p.mu.Lock()
	pending, bye, baseline := len(p.waiting), p.bye, p.baseline
	p.mu.Unlock()
	if baseline == nil || pending > 0 || bye {
		return false
	}
	socks, err := sysobs.SocketFDs(p.tree.Pid())
	if err != nil || !maps.EqualFunc(socks, baseline, func(int, int) bool { return true }) {
		return false
	}
	alone, err := p.tree.Alone()
	return err == nil && alone
}

// A use is one case's share of a driver process: what it wrote to stderr
// during the case is that case's evidence.
type use struct {
	p      *proc
	before int   // cases the process served before this one
	mark   int64 // the stderr written before the case

	mu   sync.Mutex
	kept bool // the process went back to the pool
}

// end returns the process to pl when it is clean and wrote nothing to
// stderr during the case (a driver that complains may be in a state the
// next case should not inherit), and stops it otherwise. What the driver
// wrote before its last reply is in the tail or still in the pipe (the
// copying goroutine may not have moved it yet): either keeps it out of the
// pool, and stop then waits for the copy, so the case's evidence has it.
func (u *use) end(pl *pool) {
	quiet := u.p.stderr.Since(u.mark) == "" && pipeUnread(u.p.stderrR) == 0
	if quiet && pl.put(u.p) {
		u.mu.Lock()
		u.kept = true
		u.mu.Unlock()
		return
	}
	u.p.stop()
}

// evidence describes the session as this case saw it.
func (u *use) evidence() string {
	u.mu.Lock()
	kept := u.kept
	u.mu.Unlock()
	ev := ""
	if !kept { // a kept process wrote nothing to stderr and did not break
		ev = u.p.evidenceSince(u.mark)
	}
	if ev != "" && u.before > 0 {
		ev = fmt.Sprintf("(this driver process had served %d case(s) before this one)\n%s", u.before, ev)
	}
	return ev
}
