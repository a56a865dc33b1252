package runner_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	h "github.com/netconform/netconform/harness/script"
	"github.com/netconform/netconform/harness/sysobs"
)

const sharedDirEnv = "NETCONFORM_TEST_SHARED_DIR"

// sharedCase records, in the directory sharedDirEnv names, the process and
// namespace it ran in, and fails when fail is set: a case of the
// implementation's shared child.
func sharedCase(id string, fail bool) *h.Case {
	return &h.Case{
		ID: id, Spec: "Linux: an isolated case sharing its namespace", Level: h.Contract,
		Needs: h.CapStream, Setup: h.SetupNone, Isolated: true, ShareNamespace: true,
		Script: h.Script(h.Func("record pid and namespace", func(x *h.X) error {
			ns, err := sysobs.NetnsID()
			if err != nil {
				return err
			}
			name := filepath.Join(os.Getenv(sharedDirEnv), id)
			if err := os.WriteFile(name, []byte(fmt.Sprintf("%d %s", os.Getpid(), ns)), 0o600); err != nil {
				return err
			}
			if fail {
				return fmt.Errorf("deliberate failure")
			}
			return nil
		})),
	}
}

// sharedWireCase records when it ran, in the directory sharedDirEnv
// names: a wire case of the implementation's shared child.
func sharedWireCase(id string) *h.Case {
	return &h.Case{
		ID: id, Spec: "Linux: a wire case sharing its namespace", Level: h.Contract,
		Needs: h.CapStream, Setup: h.SetupNone, Isolated: true, Wire: true, ShareNamespace: true,
		Script: h.Script(h.Func("record pid and time, 100 ms apart", func(x *h.X) error {
			return recordSpan(id, time.Now())
		})),
	}
}

// recordSpan stays 100 ms in the case, so that two cases running at once
// overlap, and records the process and the span from began, in the
// directory sharedDirEnv names.
func recordSpan(id string, began time.Time) error {
	time.Sleep(100 * time.Millisecond)
	name := filepath.Join(os.Getenv(sharedDirEnv), id)
	return os.WriteFile(name, []byte(fmt.Sprintf("%d %d %d", os.Getpid(), began.UnixNano(), time.Now().UnixNano())), 0o600)
}

var sharedWireCases = []*h.Case{sharedWireCase("test.wire.one"), sharedWireCase("test.wire.two"), sharedWireCase("test.wire.three")}

// turnsCase adds a link of its own, checks that no other turnsCase's link
// is left in the namespace, and records when it ran, in the directory
// sharedDirEnv names: a case taking turns in the implementation's child.
func turnsCase(id string, n int) *h.Case {
	return &h.Case{
		ID: id, Spec: "Linux: an isolated case taking turns in a namespace", Level: h.Contract,
		Needs: h.CapStream, Setup: h.SetupNone, Isolated: true,
		Script: h.Script(
			h.AddVeth(fmt.Sprintf("nt%d", n), fmt.Sprintf("10.9%d.0.1/24", n)),
			h.Func("no other case's link left; record pid and time, 100 ms apart", func(x *h.X) error {
				began := time.Now()
				for i := range numTurns {
					if _, err := net.InterfaceByName(fmt.Sprintf("nt%d", i)); (err == nil) != (i == n) {
						return fmt.Errorf("link nt%d: %v, while case %s runs", i, err, id)
					}
				}
				return recordSpan(id, began)
			})),
	}
}

const numTurns = 3

var turnsCases = []*h.Case{turnsCase("test.turns.one", 0), turnsCase("test.turns.two", 1), turnsCase("test.turns.three", 2)}

var sharedCases = []*h.Case{
	sharedCase("test.shared.one", false),
	sharedCase("test.shared.two", false),
	sharedCase("test.shared.fails", true),
}

// TestHelperSharedChild is the shared child of TestSharedChildRunsTheGroup:
// it runs the cases the parent named, all at once.
func TestHelperSharedChild(t *testing.T) {
	rn := newRunner(t, false)
	im, _, _, ok := rn.Child()
	if !ok {
		t.Skip("helper: runs only as an isolated child")
	}
	var wg sync.WaitGroup
	for _, c := range slices.Concat(sharedCases, sharedWireCases, turnsCases) {
		if rn.ChildRuns(im, c.ID, harness.RoleClient) {
			wg.Go(func() { rn.Run(context.Background(), &pipeImpl, c, harness.RoleClient) })
		}
	}
	wg.Wait()
}

// TestSharedChildRunsTheGroup: the cases of a group run in one child
// process, in one namespace that is not the parent's, and each gets its
// own result; a case not added to the group runs in a child of its own.
func TestSharedChildRunsTheGroup(t *testing.T) {
	requireIsolation(t)
	dir := t.TempDir()
	t.Setenv(sharedDirEnv, dir)
	rn := newRunner(t, false)
	var starts atomic.Int32
	rn.Reexec = func(*harness.Impl, *h.Case, harness.Role) *exec.Cmd {
		starts.Add(1)
		return exec.Command(os.Args[0], "-test.run=^TestHelperSharedChild$", "-test.v")
	}
	rn.ReexecShared = func(_ *harness.Impl, cases []*h.Case) *exec.Cmd {
		starts.Add(1)
		require.Len(t, cases, 3)
		return exec.Command(os.Args[0], "-test.run=^TestHelperSharedChild$", "-test.v")
	}
	alone := sharedCase("test.shared.alone", false)
	g := rn.Share(&pipeImpl)
	for _, c := range sharedCases {
		g.Add(c, harness.RoleClient)
	}
	g.Seal()
	g.Add(alone, harness.RoleClient) // too late: it runs alone

	results := map[string]*result.Result{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range append(sharedCases, alone) {
		wg.Go(func() {
			res := rn.Run(context.Background(), &pipeImpl, c, harness.RoleClient)
			mu.Lock()
			results[c.ID] = res
			mu.Unlock()
		})
	}
	wg.Wait()

	require.Equal(t, result.Pass, results["test.shared.one"].Outcome, "%+v", results["test.shared.one"])
	require.Equal(t, result.Pass, results["test.shared.two"].Outcome, "%+v", results["test.shared.two"])
	require.Equal(t, result.Fail, results["test.shared.fails"].Outcome, "%+v", results["test.shared.fails"])
	// The lone case's child runs only the cases named for it: the shared
	// helper runs none of the group for it, so it has no result.
	require.Equal(t, result.Error, results["test.shared.alone"].Outcome)
	require.EqualValues(t, 2, starts.Load(), "child processes started: one for the group, one for the case added too late")

	host, err := sysobs.NetnsID()
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, c := range sharedCases {
		b, err := os.ReadFile(filepath.Join(dir, c.ID))
		require.NoError(t, err, "case %s did not run", c.ID)
		_, ns, _ := strings.Cut(string(b), " ")
		require.NotEqual(t, host, ns, "a shared case ran in the parent's namespace")
		seen[string(b)] = true
	}
	require.Len(t, seen, 1, "the group's cases ran in different processes or namespaces: %v", seen)
}

// TestSharedNeedsNoLinkChanges: a case that changes links cannot share
// its namespace, nor can one that is not isolated; a wire case can.
func TestSharedNeedsNoLinkChanges(t *testing.T) {
	c := h.Case{ID: "test.shared.veth", Spec: "a shared case adding a link", Level: h.Contract,
		Needs: h.CapStream, Setup: h.SetupNone, Isolated: true, ShareNamespace: true,
		Script: h.Script(h.AddVeth("nc0", "10.77.0.1/24"))}
	require.ErrorContains(t, c.Validate(), "ShareNamespace")
	c.Script = h.Script(h.Sleep(time.Millisecond, "nothing"))
	require.NoError(t, c.Validate())
	c.Wire = true
	require.NoError(t, c.Validate())
	c.Wire, c.Isolated = false, false
	require.Error(t, c.Validate())
}

// TestCasesTakingTurnsRunOneAtATime: isolated cases that only change
// links (and have them put back) share one child, apart from the others,
// and run there one after another, each in a namespace without the links
// of the one before (each case checks that).
func TestCasesTakingTurnsRunOneAtATime(t *testing.T) {
	for _, c := range turnsCases {
		require.True(t, c.TakesTurns(), c.ID)
	}
	requireOneAtATime(t, turnsCases, "cases taking turns")
}

// TestTakesTurns: only an isolated case of its own whose link changes are
// all put back takes turns.
func TestTakesTurns(t *testing.T) {
	c := *turnsCases[0]
	require.True(t, c.TakesTurns())
	c.Script = h.Script(h.LinkDown("lo"), h.Sleep(time.Millisecond, "nothing"))
	require.True(t, c.TakesTurns(), "LinkDown is put back")
	c.Script = h.Script(h.LinkDown("lo"), h.LinkUp("lo"))
	require.False(t, c.TakesTurns(), "LinkUp is not put back")
	c.Script = h.Script(h.Sleep(time.Millisecond, "nothing"))
	require.False(t, c.TakesTurns(), "no link change: no reason to be alone")
	c = *turnsCases[0]
	c.Wire = true
	require.False(t, c.TakesTurns(), "a wire case queues with the wire cases")
	c = *turnsCases[0]
	c.Isolated = false
	require.False(t, c.TakesTurns())
}

// TestSharedWireCasesRunOneAtATime: the wire cases of a group share one
// child, apart from the others, and run there one after another.
func TestSharedWireCasesRunOneAtATime(t *testing.T) {
	requireOneAtATime(t, sharedWireCases, "wire cases")
}

// requireOneAtATime runs serial (cases that record their span) with two
// cases that run at once, all added to one group, and requires that serial
// ran in one child of their own, apart from the others, one after another.
func requireOneAtATime(t *testing.T, serial []*h.Case, what string) {
	requireIsolation(t)
	dir := t.TempDir()
	t.Setenv(sharedDirEnv, dir)
	rn := newRunner(t, false)
	var starts atomic.Int32
	rn.ReexecShared = func(_ *harness.Impl, cases []*h.Case) *exec.Cmd {
		starts.Add(1)
		return exec.Command(os.Args[0], "-test.run=^TestHelperSharedChild$", "-test.v")
	}
	all := append(slices.Clone(serial), sharedCases[0], sharedCases[1])
	g := rn.Share(&pipeImpl)
	for _, c := range all {
		g.Add(c, harness.RoleClient)
	}
	g.Seal()
	var wg sync.WaitGroup
	for _, c := range all {
		wg.Go(func() {
			res := rn.Run(context.Background(), &pipeImpl, c, harness.RoleClient)
			assert.Equal(t, result.Pass, res.Outcome, "%s: %+v", c.ID, res)
		})
	}
	wg.Wait()
	require.EqualValues(t, 2, starts.Load(), "one child for the %s, one for the others", what)
	type span struct{ from, to int64 }
	var spans []span
	pids := map[int]bool{}
	for _, c := range serial {
		b, err := os.ReadFile(filepath.Join(dir, c.ID))
		require.NoError(t, err)
		var pid int
		var sp span
		_, err = fmt.Sscan(string(b), &pid, &sp.from, &sp.to)
		require.NoError(t, err)
		pids[pid] = true
		spans = append(spans, sp)
	}
	require.Len(t, pids, 1, "the %s ran in different processes", what)
	slices.SortFunc(spans, func(a, b span) int { return int(a.from - b.from) })
	for i := 1; i < len(spans); i++ {
		require.GreaterOrEqual(t, spans[i].from, spans[i-1].to, "two %s of one child ran at once", what)
	}
}
