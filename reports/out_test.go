package main

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFreshOutNeverOverwrites: without -out, each run gets a folder that
// did not exist.
func TestFreshOutNeverOverwrites(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, want := range []string{"netconform-report", "netconform-report-2", "netconform-report-3"} {
		got, err := freshOut()
		require.NoError(t, err)
		require.Equal(t, want, got)
		require.NoError(t, os.Mkdir(got, 0o755))
	}
}
