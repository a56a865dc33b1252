package proc_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness/proc"
	"github.com/netconform/netconform/harness/sysobs"
)

// A helper process: this test binary run again with envHelper set, to
// test what a process does on a signal.
const envHelper = "NETCONFORM_PROC_TEST_HELPER"

func TestMain(m *testing.M) {
	if mark := os.Getenv(envHelper); mark != "" {
		helper(mark)
		return
	}
	if helped() {
		return
	}
	os.Exit(m.Run())
}

// helper makes two temporary files and a tree with an escaped member,
// says "ready", and waits to be interrupted.
func helper(mark string) {
	for _, what := range []string{"result", "run"} {
		f, err := proc.CreateTemp(what, ".json")
		if err != nil {
			panic(err)
		}
		f.Close()
	}
	if _, err := proc.MkdirTemp("build"); err != nil {
		panic(err)
	}
	if _, err := proc.Start(exec.Command("sh", "-c", "setsid sleep "+mark+" & sleep "+mark)); err != nil {
		panic(err)
	}
	time.Sleep(200 * time.Millisecond)
	fmt.Println("ready")
	time.Sleep(time.Minute)
}

func marker() string { return fmt.Sprintf("300.%06d", rand.IntN(1000000)) }

// alive lists the live processes whose command line contains s.
func alive(s string) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pr, err := sysobs.ReadProcess(pid); err == nil && pr.State != 'Z' && strings.HasPrefix(sysobs.Cmdline(pid), s) {
			out = append(out, pid)
		}
	}
	return out
}

func killAll(s string) {
	for _, pid := range alive(s) {
		sysobs.Kill(pid)
	}
}

// zombieChildren lists this process's children that are zombies.
func zombieChildren(t *testing.T) []sysobs.Process {
	t.Helper()
	procs, err := sysobs.Descendants(os.Getpid())
	require.NoError(t, err)
	var out []sysobs.Process
	for _, p := range procs {
		if p.PPID == os.Getpid() && p.State == 'Z' {
			out = append(out, p)
		}
	}
	return out
}

func linuxOnly(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("process trees are followed on Linux")
	}
}

// TestKillReachesEscapedDescendants: members that left the process group
// (setsid) and their parent (a double fork) are killed with the tree, and
// reaped once they are this process's children.
func TestKillReachesEscapedDescendants(t *testing.T) {
	linuxOnly(t)
	mark := marker()
	defer killAll("sleep " + mark)
	script := fmt.Sprintf(`setsid sleep %[1]s & (setsid sh -c "sleep %[1]s & exit 0" &) ; sleep %[1]s`, mark)
	p, err := proc.Start(exec.Command("sh", "-c", script))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(alive("sleep "+mark)) == 3 }, 5*time.Second, 10*time.Millisecond)
	members, _ := p.Members()
	require.Len(t, members, 3, "the tree's members, escaped or not")
	killed := p.Kill()
	require.GreaterOrEqual(t, len(killed), 2, "at least the two that left the group: %v", killed)
	for _, k := range killed {
		require.Equal(t, "sleep "+mark, k.Cmd)
	}
	require.Empty(t, alive("sleep "+mark))
	for _, z := range zombieChildren(t) {
		for _, k := range killed {
			require.NotEqual(t, k.PID, z.PID, "the orphans it killed are reaped")
		}
	}
	require.Error(t, p.Wait(), "the root was killed")
}

// TestPipeHoldersAreNamed: once the process a pipe was given to has
// exited, the process that still holds it is named.
func TestPipeHoldersAreNamed(t *testing.T) {
	linuxOnly(t)
	mark := marker()
	defer killAll("sleep " + mark)
	pipe, err := proc.NewPipe()
	require.NoError(t, err)
	defer pipe.R.Close()
	cmd := exec.Command("sh", "-c", "setsid sleep "+mark+" & exit 0")
	cmd.Stdout = pipe.W
	p, err := proc.Start(cmd)
	require.NoError(t, err)
	pipe.W.Close()
	require.NoError(t, p.Wait(), "the root exits at once")
	var holders []proc.Process
	require.Eventually(t, func() bool {
		holders = pipe.Holders()
		return len(holders) == 1 && holders[0].Cmd == "sleep "+mark
	}, 5*time.Second, 10*time.Millisecond)
	require.Equal(t, "sleep "+mark, holders[0].Cmd)
	require.Regexp(t, `^pid \d+ \(sleep `+strings.ReplaceAll(mark, ".", `\.`)+`\)$`, holders[0].String())
	killed := p.Kill(proc.PIDs(holders)...)
	require.Len(t, killed, 1)
	n, err := pipe.R.Read(make([]byte, 1))
	require.Equal(t, 0, n)
	require.Error(t, err, "the pipe ends once its holder is gone")
}

// TestStartSetsWaitDelay: exec's copying goroutines cannot make Wait wait
// for a helper that keeps the pipe.
func TestStartSetsWaitDelay(t *testing.T) {
	linuxOnly(t)
	mark := marker()
	defer killAll("sleep " + mark)
	var out strings.Builder
	cmd := exec.Command("sh", "-c", "setsid sleep "+mark+" & echo hi")
	cmd.Stdout = &out
	p, err := proc.Start(cmd)
	require.NoError(t, err)
	began := time.Now()
	err = p.Wait()
	require.ErrorIs(t, err, exec.ErrWaitDelay)
	require.Less(t, time.Since(began), proc.WaitDelay+time.Second)
	require.Equal(t, "hi\n", out.String())
	p.Kill()
}

// TestInterruptCleansUp: SIGINT to a process with temporary files and a
// tree removes the files, kills the tree (escaped members too), and ends
// the process by SIGINT.
func TestInterruptCleansUp(t *testing.T) {
	linuxOnly(t)
	mark := marker()
	defer killAll("sleep " + mark)
	tmp := t.TempDir()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envHelper+"="+mark, "TMPDIR="+tmp)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "ready\n", line)
	require.Len(t, alive("sleep "+mark), 2)
	require.Len(t, entries(t, tmp), 3)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	err = cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	require.Equal(t, syscall.SIGINT, ee.Sys().(syscall.WaitStatus).Signal(), "it ends by the signal")
	require.Empty(t, entries(t, tmp))
	require.Eventually(t, func() bool { return len(alive("sleep "+mark)) == 0 }, 2*time.Second, 10*time.Millisecond)
}

// TestTempsOfDeadProcessesAreSwept: the files of a process that was
// killed carry its PID, and the next process to make one removes them.
func TestTempsOfDeadProcessesAreSwept(t *testing.T) {
	linuxOnly(t)
	mark := marker()
	tmp := t.TempDir()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envHelper+"="+mark, "TMPDIR="+tmp)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	_, err = bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	require.NoError(t, cmd.Process.Kill())
	cmd.Wait()
	t.Logf("first helper %d: %v", cmd.Process.Pid, describe(alive("sleep "+mark)))
	killAll("sleep " + mark)
	left := entries(t, tmp)
	require.Len(t, left, 3)
	for _, name := range left {
		require.Contains(t, name, fmt.Sprintf("-p%d-", cmd.Process.Pid))
	}
	os.WriteFile(filepath.Join(tmp, "unrelated"), nil, 0o600)

	next := exec.Command(os.Args[0])
	next.Env = append(os.Environ(), envHelper+"="+mark, "TMPDIR="+tmp)
	stdout, err = next.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, next.Start())
	_, err = bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	for _, name := range entries(t, tmp) {
		require.NotContains(t, name, fmt.Sprintf("-p%d-", cmd.Process.Pid))
	}
	require.Contains(t, entries(t, tmp), "unrelated")
	t.Logf("next helper %d: %v", next.Process.Pid, describe(alive("sleep "+mark)))
	next.Process.Signal(syscall.SIGTERM)
	next.Wait()
	require.Equal(t, []string{"unrelated"}, entries(t, tmp))
	assert.Eventually(t, func() bool { return len(alive("sleep "+mark)) == 0 }, 2*time.Second, 10*time.Millisecond, "%v", describe(alive("sleep "+mark)))
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func TestTailMarksWhatItDrops(t *testing.T) {
	tl := proc.NewTail(8)
	tl.Write([]byte("0123"))
	require.Equal(t, "0123", tl.String())
	tl.Write([]byte("456789abcdef"))
	require.Equal(t, "[truncated 8 bytes]\n89abcdef", tl.String())
	n, err := tl.Write([]byte(strings.Repeat("x", 100)))
	require.NoError(t, err)
	require.Equal(t, 100, n)
	require.Equal(t, "[truncated 108 bytes]\nxxxxxxxx", tl.String())
}

// TestTailSinceAMark: what was written after a mark, whether the mark is
// still kept, partly dropped, or not written to since.
func TestTailSinceAMark(t *testing.T) {
	tl := proc.NewTail(8)
	tl.Write([]byte("0123"))
	m := tl.Mark()
	require.Equal(t, int64(4), m)
	require.Equal(t, "", tl.Since(m))
	tl.Write([]byte("45"))
	require.Equal(t, "45", tl.Since(m))
	tl.Write([]byte("6789ab"))
	require.Equal(t, "456789ab", tl.Since(m), "everything after the mark is still kept")
	tl.Write([]byte("cd"))
	require.Equal(t, "[truncated 2 bytes]\n6789abcd", tl.Since(m))
	require.Equal(t, "[truncated 6 bytes]\n6789abcd", tl.Since(0))
	require.Equal(t, "cd", tl.Since(tl.Mark()-2))
}

// TestLinesLikeAScanner: lines, CR-LF, a last line without a newline, and
// a line over the limit refused without reading the rest.
func TestLinesLikeAScanner(t *testing.T) {
	l := proc.NewLines(strings.NewReader("a\nbb\r\n\nccc"), 8)
	var got []string
	for l.Scan() {
		got = append(got, string(l.Bytes()))
	}
	require.NoError(t, l.Err())
	require.Equal(t, []string{"a", "bb", "", "ccc"}, got)

	l = proc.NewLines(strings.NewReader("12345678\n123456789\nnext\n"), 8)
	require.True(t, l.Scan())
	require.Equal(t, "12345678", string(l.Bytes()))
	require.False(t, l.Scan())
	require.ErrorIs(t, l.Err(), proc.ErrLineTooLong)
}

func describe(pids []int) []string {
	var out []string
	for _, pid := range pids {
		p, _ := sysobs.ReadProcess(pid)
		out = append(out, fmt.Sprintf("%+v %s", p, sysobs.Cmdline(pid)))
	}
	return out
}

// TestLinesRefusesAFlood: a line over the 64 MiB limit, arriving through
// a pipe in 1 MiB writes as a flooding driver's does, is refused. (Read
// through a pipe, a bufio.Scanner took 2.7 s to refuse it, searching its
// whole buffer again after each 64 KiB read; Lines takes 0.3 s.)
func TestLinesRefusesAFlood(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	go func() {
		defer w.Close()
		chunk := []byte(strings.Repeat("x", 1<<20))
		for range 80 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}()
	l := proc.NewLines(r, 64<<20)
	require.False(t, l.Scan())
	require.ErrorIs(t, l.Err(), proc.ErrLineTooLong)
}

// TestAloneSeesMembersNearby: a tree is not alone while its root has a
// child, or while a member that left it still runs — in a session of its
// own, its parent ended, so it moved to this process, their child
// subreaper; it is alone again once they have ended. The look Alone makes
// first (below the root, and this process's children that root no tree)
// finds both by itself.
func TestAloneSeesMembersNearby(t *testing.T) {
	linuxOnly(t)
	mark := marker()
	defer killAll("sleep " + mark)
	p, err := proc.Start(exec.Command("sh", "-c", fmt.Sprintf(`(setsid sleep %[1]s &) ; sleep %[1]s & exec sleep 60`, mark)))
	require.NoError(t, err)
	defer p.Kill()
	var orphan, child int
	require.Eventually(t, func() bool {
		orphan, child = 0, 0
		for _, pid := range alive("sleep " + mark) {
			switch pr, _ := sysobs.ReadProcess(pid); pr.PPID {
			case os.Getpid():
				orphan = pid
			case p.Pid():
				child = pid
			}
		}
		return orphan != 0 && child != 0
	}, 5*time.Second, 10*time.Millisecond, "a child of the root, and an orphan moved to this process")

	near, err := p.OthersNearby()
	require.NoError(t, err)
	var found []int
	for _, pr := range near {
		found = append(found, pr.PID)
	}
	require.ElementsMatch(t, []int{orphan, child}, found, "the members found nearby")
	alone, err := p.Alone()
	require.NoError(t, err)
	require.False(t, alone, "with a child and an orphan")

	sysobs.Kill(child)
	require.Eventually(t, func() bool { return !slices.Contains(alive("sleep "+mark), child) }, 5*time.Second, 10*time.Millisecond)
	alone, err = p.Alone()
	require.NoError(t, err)
	require.False(t, alone, "with the orphan still running")

	sysobs.Kill(orphan)
	require.Eventually(t, func() bool { alone, err = p.Alone(); return err == nil && alone }, 5*time.Second, 10*time.Millisecond, "alone once both have ended")
}

// TestAloneSeesAMemberMovingHere: a member of the tree that is already
// this process's child (a daemon's first fork, in a session of its own)
// forks and ends while Alone looks: its child moves to this process, into
// a list Alone may already have read, behind sixty other children of this
// process that belong to no tree. Alone never says alone while that child
// lives (probe: the look nearby said so in 114 of 1 651 calls, before it
// read this process's children again).
func TestAloneSeesAMemberMovingHere(t *testing.T) {
	linuxOnly(t)
	pad, mark := marker(), marker()
	defer killAll("sleep " + pad)
	defer killAll("sleep " + mark)
	cmd := exec.Command("sh", "-c", fmt.Sprintf(`i=0; while [ $i -lt 60 ]; do (env -i setsid sleep %s &); i=$((i+1)); done
while read d; do (setsid sh -c "sleep %s & sleep $d; exit 0" &); done`, pad, mark))
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	p, err := proc.Start(cmd)
	require.NoError(t, err)
	defer p.Kill()
	require.Eventually(t, func() bool { return len(alive("sleep "+pad)) == 60 }, 10*time.Second, 10*time.Millisecond)
	calls, wrong := 0, 0
	for trial, end := 0, time.Now().Add(3*time.Second); time.Now().Before(end); trial++ {
		fmt.Fprintf(in, "0.0%02d\n", 10+trial%40) // the first fork ends after 10 to 49 ms
		require.Eventually(t, func() bool { return len(alive("sleep "+mark)) == 1 }, 5*time.Second, time.Millisecond)
		m := alive("sleep " + mark)[0]
		for until := time.Now().Add(60 * time.Millisecond); time.Now().Before(until); calls++ {
			if alone, err := p.Alone(); err == nil && alone {
				wrong++
			}
		}
		require.True(t, sysobs.Alive(m), "the member was to outlive the trial")
		sysobs.Kill(m)
		require.Eventually(t, func() bool { return len(alive("sleep "+mark)) == 0 }, 5*time.Second, time.Millisecond)
	}
	require.Zero(t, wrong, "Alone said alone %d times in %d calls with a member alive", wrong, calls)
}
