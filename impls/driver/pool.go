package driver

import (
	"fmt"
	"maps"
	"sync"

	"github.com/netconform/netconform/harness/sysobs"
)

// maxUses bounds the cases one driver process serves before a new one
// replaces it, so that nothing a driver accumulates (memory, threads that
// have not ended) grows without bound over a run.
const maxUses = 64

// A pool keeps the driver processes that ended a case cleanly, for the next
// cases (PROTOCOL.md, "Life cycle"): starting the process is most of the
// CPU a driver's case costs (python3 alone takes a quarter of a second).
type pool struct {
	mu   sync.Mutex
	idle []*proc
	max  int // idle processes kept at most
}

// get returns an idle process that is still running, or nil.
func (pl *pool) get() *proc {
	for {
		pl.mu.Lock()
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
	if p.uses >= maxUses || !p.clean() {
		return false
	}
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if len(pl.idle) >= pl.max {
		return false
	}
	pl.idle = append(pl.idle, p)
	return true
}

// drain stops every idle process.
func (pl *pool) drain() {
	pl.mu.Lock()
	idle := pl.idle
	pl.idle = nil
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
		p.baseline = socks
	}
}

// clean reports whether p can serve another case: it answered hello, is
// still running, has no request pending, holds the same sockets as after
// hello (every one a case opened is closed, none leaked), and has no
// process of its own still alive.
func (p *proc) clean() bool {
	if p.baseline == nil || !p.running() {
		return false
	}
	p.mu.Lock()
	pending, bye := len(p.waiting), p.bye
	p.mu.Unlock()
	if pending > 0 || bye {
		return false
	}
	socks, err := sysobs.SocketFDs(p.tree.Pid())
	if err != nil || !maps.EqualFunc(socks, p.baseline, func(int, int) bool { return true }) {
		return false
	}
	alive, dying := p.tree.Members()
	return len(alive)+len(dying) == 0
}

// A use is one case's share of a driver process: what it wrote to stderr
// during the case is that case's evidence.
type use struct {
	p      *proc
	before int    // cases the process served before this one
	mark   int64  // the stderr written before the case
	stderr string // set when the process went back to the pool
	kept   bool
}

// end returns the process to pl when it is clean, and stops it otherwise.
func (u *use) end(pl *pool) {
	// What the case made the driver write, taken before a later case can
	// add to it.
	stderr := u.p.stderr.Since(u.mark)
	if pl.put(u.p) {
		u.stderr, u.kept = stderr, true
		return
	}
	u.p.stop()
}

// evidence describes the session as this case saw it.
func (u *use) evidence() string {
	ev := ""
	if u.kept {
		ev = stderrEvidence(u.stderr)
	} else {
		ev = u.p.evidenceSince(u.mark)
	}
	if ev != "" && u.before > 0 {
		ev = fmt.Sprintf("(this driver process had served %d case(s) before this one)\n%s", u.before, ev)
	}
	return ev
}
