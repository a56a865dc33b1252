package runner

import (
	"cmp"
	"context"
	"runtime/pprof"
	"slices"
	"sync"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/script"
	"github.com/netconform/netconform/harness/sysobs"
)

// Isolated cases that set ShareNamespace run together: those of one
// implementation, in every role they run in, are one child process in one
// network namespace — one process start and one namespace instead of one
// per case and role. Each implementation has one such child for the cases
// without a capture, which run at once; one for the wire cases, which run
// one at a time (a capture sees the whole namespace); and one or more for
// the cases that take turns (script.Case.TakesTurns: they change links,
// and put them back), one at a time, divided so that no child of them
// takes longer than their longest case (splitTurns). A caller gathers the
// groups (Share, then Add for each case and role it is about to run, then
// Seal); Run of a member waits for the seal, and the first member of a
// group to ask starts its child. A case not added, or alone in its group,
// runs alone, as without sharing.

// sharedChildren are the groups of this runner, by implementation.
type sharedChildren struct {
	mu     sync.Mutex
	groups map[string]*Shared
}

// Shared gathers an implementation's cases that share a child. Its
// methods do nothing on a nil *Shared.
type Shared struct {
	rn     *Runner
	im     *harness.Impl
	mu     sync.Mutex
	sealed chan struct{}
	kinds  [3]*group // [0] without a capture, [1] wire cases, [2] cases taking turns
	turns  []*group  // kinds[2] divided among children by Seal (see splitTurns)
}

// A group is the cases of one shared child.
type group struct {
	serial bool // wire cases, cases taking turns: one at a time
	cases  []*script.Case
	runs   []member
	once   sync.Once
	done   chan struct{}
	run    *childRun
}

// Share starts gathering im's groups, replacing any earlier ones of the
// same name. It returns nil (no sharing) in an isolated child, or when
// the runner has no ReexecShared.
func (rn *Runner) Share(im *harness.Impl) *Shared {
	if rn.ReexecShared == nil || rn.cfg.child != nil {
		return nil
	}
	g := &Shared{rn: rn, im: im, sealed: make(chan struct{})}
	for i := range g.kinds {
		g.kinds[i] = &group{serial: i > 0, done: make(chan struct{})}
	}
	rn.shared.mu.Lock()
	defer rn.shared.mu.Unlock()
	if rn.shared.groups == nil {
		rn.shared.groups = map[string]*Shared{}
	}
	rn.shared.groups[im.Name] = g
	return g
}

// kind is the group c belongs to.
func (g *Shared) kind(c *script.Case) *group {
	switch {
	case c.Wire:
		return g.kinds[1]
	case c.TakesTurns():
		return g.kinds[2]
	}
	return g.kinds[0]
}

// Add puts c in role into its group when it shares a namespace or takes
// turns in one, and will run (nothing in gate stops it). A case of a
// serial group that the implementation declares it fails runs alone all
// the same: it often waits out its windows, which would hold up the cases
// queued behind it. Call Add before Run of that case.
func (g *Shared) Add(c *script.Case, role harness.Role) {
	if g == nil || !c.ShareNamespace && !c.TakesTurns() {
		return
	}
	if out, _ := g.rn.gate(g.im, c, role); out != "" {
		return
	}
	if _, declared := g.im.KnownFor(c.ID, role); declared && g.kind(c).serial {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.sealed:
		return // too late: it runs alone
	default:
	}
	k := g.kind(c)
	if !slices.Contains(k.cases, c) {
		k.cases = append(k.cases, c)
	}
	k.runs = append(k.runs, member{c.ID, role})
}

// Seal ends the gathering: the groups' members may start.
func (g *Shared) Seal() {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.sealed:
	default:
		g.turns = splitTurns(g.kinds[2])
		close(g.sealed)
	}
}

// splitTurns divides the cases taking turns among as few children as keep
// each child's time (the sum of its cases' Lasts, once per role) within the
// longest single case's: taking turns saves process starts, and must not
// make the run longer. Longest case first, each into the least loaded child
// it fits in, so a case that says nothing of its time (Lasts 0) goes with
// the shortest, not behind the longest.
func splitTurns(k *group) []*group {
	cases := slices.Clone(k.cases)
	lasts := func(c *script.Case) time.Duration {
		n := 0
		for _, m := range k.runs {
			if m.caseID == c.ID {
				n++
			}
		}
		return c.Lasts() * time.Duration(n)
	}
	slices.SortStableFunc(cases, func(a, b *script.Case) int { return cmp.Compare(lasts(b), lasts(a)) })
	var groups []*group
	var took []time.Duration
	for _, c := range cases {
		i := -1 // the least loaded child it fits in
		for j, d := range took {
			if d+lasts(c) <= lasts(cases[0]) && (i < 0 || d < took[i]) {
				i = j
			}
		}
		if i < 0 {
			groups = append(groups, &group{serial: true, done: make(chan struct{})})
			took = append(took, 0)
			i = len(groups) - 1
		}
		groups[i].cases = append(groups[i].cases, c)
		took[i] += lasts(c)
		for _, m := range k.runs {
			if m.caseID == c.ID {
				groups[i].runs = append(groups[i].runs, m)
			}
		}
	}
	return groups
}

// placed is the group that runs c in role, once sealed: k, or for a case
// taking turns the child splitTurns gave it.
func (g *Shared) placed(k *group, c *script.Case, role harness.Role) *group {
	if k != g.kinds[2] {
		return k
	}
	for _, t := range g.turns {
		if slices.Contains(t.runs, member{c.ID, role}) {
			return t
		}
	}
	return k
}

// sharedGroupOf returns im's sharing and the group c in role was added
// to, or nil.
func (rn *Runner) sharedGroupOf(im *harness.Impl, c *script.Case, role harness.Role) (*Shared, *group) {
	rn.shared.mu.Lock()
	g := rn.shared.groups[im.Name]
	rn.shared.mu.Unlock()
	if g == nil {
		return nil, nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	k := g.kind(c)
	if !slices.Contains(k.runs, member{c.ID, role}) {
		return nil, nil
	}
	return g, k
}

// runShared waits for the groups to be sealed, runs k's child once (for
// the first member to ask) and fills res with what the child said of c in
// role. A group of one runs as an ordinary isolated case.
func (g *Shared) runShared(ctx context.Context, k *group, c *script.Case, role harness.Role, res *result.Result) {
	<-g.sealed
	k = g.placed(k, c, role)
	rn := g.rn
	if len(k.runs) < 2 {
		defer rn.lim.acquireImpl(g.im)()
		defer rn.lim.acquireChild()()
		defer rn.lim.acquire(false, priority(g.im, c, role))()
		rn.runIsolated(ctx, g.im, c, role, res)
		return
	}
	k.once.Do(func() {
		// Profiled as the group's, not as this first member's.
		pprof.Do(context.Background(), pprof.Labels("impl", g.im.Name, "case", "(shared child)"), func(context.Context) { go g.start(ctx, k) })
	})
	<-k.done
	k.run.fill(res, member{c.ID, role})
}

// sharedPriority puts a shared child before every other waiting case: it
// runs the longest.
const sharedPriority = 3

// start runs k's child and records what it left.
func (g *Shared) start(ctx context.Context, k *group) {
	defer close(k.done)
	rn := g.rn
	defer rn.lim.acquireImpl(g.im)()
	defer rn.lim.acquireChild()()
	defer rn.lim.acquire(false, sharedPriority)()
	var budget time.Duration
	for _, c := range k.cases {
		if k.serial {
			budget += caseBudget(c) * time.Duration(len(c.RolesFor(g.im)))
		} else {
			budget = max(budget, caseBudget(c))
		}
	}
	k.run = rn.runChild(ctx, g.im, k.runs, rn.ReexecShared(g.im, k.cases), budget)
}

// quietFor bounds how long a wire case waits for the connections of the
// cases before it to end.
const quietFor = 2 * time.Second

// serialWire lets one wire case at a time run in this process, and only
// once no TCP connection that could still send is left in its namespace
// (another case's FIN or RST would be in this case's trace). It returns
// the function that lets the next one run.
func (rn *Runner) serialWire() func() {
	rn.wire.Lock()
	pause := 500 * time.Microsecond // doubling to 20ms: the last case's FINs usually end within a few
	for end := time.Now().Add(rn.watch(quietFor)); len(sysobs.Conns()) > 0 && time.Now().Before(end); pause = min(2*pause, 20*time.Millisecond) {
		time.Sleep(pause)
	}
	return rn.wire.Unlock
}
