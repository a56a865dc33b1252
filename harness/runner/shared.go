package runner

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/script"
)

// Isolated cases that set ShareNamespace run together: those of one
// implementation, in every role they run in, are one child process in one
// network namespace, running at once — one process start and one
// namespace instead of one per case and role. A caller gathers the group
// (Share, then Add for each case and role it is about to run, then Seal);
// Run of a member waits for the seal, and the first member to ask starts
// the child for all of them. A case not added runs alone, as without
// sharing.

// sharedChildren are the groups of this runner, by implementation.
type sharedChildren struct {
	mu     sync.Mutex
	groups map[string]*Shared
}

// Shared is the group of an implementation's cases that share a child.
// Its methods do nothing on a nil *Shared.
type Shared struct {
	rn     *Runner
	im     *harness.Impl
	mu     sync.Mutex
	cases  []*script.Case
	runs   []member
	sealed chan struct{}
	once   sync.Once
	done   chan struct{}
	run    *childRun
}

// Share starts gathering im's group, replacing any earlier one of the
// same name. It returns nil (no sharing) in an isolated child, or when
// the runner has no ReexecShared.
func (rn *Runner) Share(im *harness.Impl) *Shared {
	if rn.ReexecShared == nil || rn.cfg.child != nil {
		return nil
	}
	g := &Shared{rn: rn, im: im, sealed: make(chan struct{}), done: make(chan struct{})}
	rn.shared.mu.Lock()
	defer rn.shared.mu.Unlock()
	if rn.shared.groups == nil {
		rn.shared.groups = map[string]*Shared{}
	}
	rn.shared.groups[im.Name] = g
	return g
}

// Add puts c in role into the group when it shares a namespace and will
// run (nothing in gate stops it). Call it before Run of that case.
func (g *Shared) Add(c *script.Case, role harness.Role) {
	if g == nil || !c.ShareNamespace {
		return
	}
	if out, _ := g.rn.gate(g.im, c, role); out != "" {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.sealed:
		return // too late: it runs alone
	default:
	}
	if !slices.Contains(g.cases, c) {
		g.cases = append(g.cases, c)
	}
	g.runs = append(g.runs, member{c.ID, role})
}

// Seal ends the gathering: the group's members may start.
func (g *Shared) Seal() {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.sealed:
	default:
		close(g.sealed)
	}
}

// sharedGroupOf returns the group c in role was added to, or nil.
func (rn *Runner) sharedGroupOf(im *harness.Impl, c *script.Case, role harness.Role) *Shared {
	rn.shared.mu.Lock()
	g := rn.shared.groups[im.Name]
	rn.shared.mu.Unlock()
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if !slices.Contains(g.runs, member{c.ID, role}) {
		return nil
	}
	return g
}

// runShared waits for the group to be sealed, runs its child once (for the
// first member to ask) and fills res with what the child said of c in
// role. A group of one runs as an ordinary isolated case.
func (g *Shared) runShared(ctx context.Context, c *script.Case, role harness.Role, res *result.Result) {
	<-g.sealed
	if len(g.runs) < 2 {
		rn := g.rn
		defer rn.lim.acquireImpl(g.im)()
		defer rn.lim.acquireChild()()
		defer rn.lim.acquire(false, priority(g.im, c, role))()
		rn.runIsolated(ctx, g.im, c, role, res)
		return
	}
	g.once.Do(func() { go g.start(ctx) })
	<-g.done
	g.run.fill(res, member{c.ID, role})
}

// sharedPriority puts a shared child before every other waiting case: it
// runs the longest.
const sharedPriority = 3

// start runs the group's child and records what it left.
func (g *Shared) start(ctx context.Context) {
	defer close(g.done)
	rn := g.rn
	defer rn.lim.acquireImpl(g.im)()
	defer rn.lim.acquireChild()()
	defer rn.lim.acquire(false, sharedPriority)()
	var budget time.Duration
	for _, c := range g.cases {
		budget = max(budget, caseBudget(c))
	}
	g.run = rn.runChild(ctx, g.im, g.runs, rn.ReexecShared(g.im, g.cases), budget)
}
