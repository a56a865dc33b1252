package sysobs

import (
	"os"
	"os/exec"
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
