package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestServerFlag runs the seed's "hello" server, as it is, through the
// close cases from the command line: its long-request close is a RST, a
// failing row with the wire trace in the report.
func TestServerFlag(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program and the programtest binary")
	}
	for _, k := range []string{"CMD", "KIND", "CONV", "PORT", "NAME", "DIR"} {
		t.Setenv("NETCONFORM_PROGRAM_"+k, "") // what -server sets is undone after the test
	}
	bin := filepath.Join(t.TempDir(), "tcpserver")
	out, err := exec.Command("go", "build", "-o", bin, "../impls/programs/seed/tcpserver").CombinedOutput()
	require.NoError(t, err, string(out))
	t.Chdir("..")
	dir := t.TempDir()
	code, msg, err := runCmd(t, "-server", bin, "-conv", "hello", "-name", "seed-tcpserver", "-run", `^program\.close\.`, "-out", dir)
	require.NoError(t, err, msg)
	require.Equal(t, 1, code, msg)
	md, err := os.ReadFile(filepath.Join(dir, "README.md"))
	require.NoError(t, err)
	require.Contains(t, string(md), "seed-tcpserver")
	require.Contains(t, string(md), "program.close.fin-after-long-request")
	js, err := os.ReadFile(filepath.Join(dir, "report.json"))
	require.NoError(t, err)
	require.Contains(t, string(js), `"flags": "R."`)

	code, msg, err = runCmd(t, "-server", bin, "-client", bin)
	require.Error(t, err, msg)
	require.Equal(t, 2, code)
}
