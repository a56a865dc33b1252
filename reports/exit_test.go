package main

import (
	"errors"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGoToolKeepsTheExitStatus: go run turns a status of 2 into 1; the
// module declares the command as a tool, and go tool reports keeps it,
// with the reason on stderr.
func TestGoToolKeepsTheExitStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command through go tool")
	}
	cmd := exec.Command("go", "tool", "reports", "-no-such-flag")
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "go tool reports -no-such-flag: %v\n%s", err, out)
	require.Equal(t, 2, ee.ExitCode(), "go tool reports -no-such-flag: exit status\n%s", out)
	require.Contains(t, string(out), exitReason(2))
}
