package sysobs

import (
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseStat(t *testing.T) {
	p, err := parseStat([]byte("1234 (a (b) c) S 1 1234 1230 0 -1 4194560 …\n"))
	require.NoError(t, err)
	require.Equal(t, Process{PID: 1234, PPID: 1, PGID: 1234, SID: 1230, State: 'S', Comm: "a (b) c"}, p)
	for _, bad := range []string{"", "1234", "1234 (x", "1234 (x) S", "x (y) S 1 2 3", "1 (y) SS 1 2 3"} {
		_, err := parseStat([]byte(bad))
		require.Error(t, err, "%q", bad)
	}
}

func TestDescendantsAndPipes(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	cmd := exec.Command("sh", "-c", "sleep 30 & sleep 30")
	cmd.Stdout = w
	cmd.SysProcAttr = TreeProcAttr(nil)
	require.NoError(t, cmd.Start())
	w.Close()
	defer cmd.Wait()
	defer KillGroup(cmd.Process.Pid)
	ino, err := PipeInode(r)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		procs, err := Descendants(os.Getpid())
		require.NoError(t, err)
		n := 0
		for _, p := range procs {
			if p.Comm == "sleep" && HoldsPipeForWriting(p.PID, ino) {
				n++
			}
		}
		return n == 2
	}, 5*time.Second, 10*time.Millisecond, "both sleeps, the child's child too, hold the pipe")
	require.False(t, HoldsPipeForWriting(os.Getpid(), ino), "this process holds the read end only")
	require.True(t, Alive(cmd.Process.Pid))
	require.False(t, Dying(cmd.Process.Pid))
}

// TestDescendantsTwoWays: the walk through the children files and the
// walk through every process's parent find the same tree, a child's
// child included; once the tree holds a zombie (exited, not yet waited
// for: its children were moving to a reaper), DescendantsQuick gives way
// from the first to the second, which lists the zombie.
func TestDescendantsTwoWays(t *testing.T) {
	tree := exec.Command("sh", "-c", "sleep 30 & exec sleep 30")
	tree.SysProcAttr = TreeProcAttr(nil)
	require.NoError(t, tree.Start())
	defer tree.Wait()
	defer KillGroup(tree.Process.Pid)
	pids := func(ps []Process) []int {
		var out []int
		for _, p := range ps {
			out = append(out, p.PID)
		}
		slices.Sort(out)
		return out
	}
	require.Eventually(t, func() bool {
		byChildren, err := descendantsByChildren(os.Getpid())
		require.NoError(t, err)
		byParent, err := descendantsByParent(os.Getpid())
		require.NoError(t, err)
		return len(byChildren) == 2 && slices.Equal(pids(byChildren), pids(byParent))
	}, 5*time.Second, 10*time.Millisecond, "the two walks agree on the tree")

	zombie := exec.Command("true")
	require.NoError(t, zombie.Start())
	defer zombie.Wait()
	require.Eventually(t, func() bool {
		z, err := ReadProcess(zombie.Process.Pid)
		return err == nil && z.State == 'Z'
	}, 5*time.Second, 10*time.Millisecond)
	_, err := descendantsByChildren(os.Getpid())
	require.ErrorIs(t, err, errTreeChanging)
	all, err := DescendantsQuick(os.Getpid())
	require.NoError(t, err)
	require.Contains(t, pids(all), zombie.Process.Pid)
	require.Len(t, all, 3)
}

// TestExitingIsRead: stat's flags say whether a process is exiting.
func TestExitingIsRead(t *testing.T) {
	p, err := parseStat([]byte("7 (x) R 1 7 7 0 -1 4194564 0 0\n"))
	require.NoError(t, err)
	require.True(t, p.Exiting, "PF_EXITING (0x4) is set in 4194564")
	p, err = parseStat([]byte("7 (x) R 1 7 7 0 -1 4194560 0 0\n"))
	require.NoError(t, err)
	require.False(t, p.Exiting)
}

// TestEnding: a running process is not ending; once it exits it is, while
// it is a zombie its parent has not reaped (its descriptors already
// closed) and after.
func TestEnding(t *testing.T) {
	cmd := exec.Command("sh", "-c", "read x")
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	pid := cmd.Process.Pid
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	require.False(t, Ending(pid), "a process blocked in read")
	in.Close() // read gets EOF: the shell exits, and is not reaped until Wait
	require.Eventually(t, func() bool {
		p, err := ReadProcess(pid)
		return err == nil && p.State == 'Z'
	}, 10*time.Second, time.Millisecond, "the shell never became a zombie")
	require.True(t, Ending(pid), "a zombie not yet reaped")
	cmd.Wait() // exit status 1: read met EOF
	require.True(t, Ending(pid), "a reaped process")
}
