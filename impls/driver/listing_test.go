package driver_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness/result"
)

// TestListingStartsNoDriver: the report lists every test binary's rows
// before it runs any; listing the reference drivers names them without
// building or starting one (a Go build, a C compile and three driver
// starts, at the start of every report, for names known in advance).
func TestListingStartsNoDriver(t *testing.T) {
	bin := t.TempDir() // where driverBin would build them
	cmd := exec.Command(os.Args[0], "-test.run=^TestConformance$", "-netconform.list")
	cmd.Env = append(os.Environ(), envBinDir+"="+bin)
	out, err := cmd.Output()
	require.NoError(t, err, "%s", out)
	var names []string
	for _, l := range strings.Split(string(out), "\n") {
		if name, ok := strings.CutPrefix(l, result.ListImpl); ok {
			names = append(names, name)
		}
	}
	require.Equal(t, []string{"driver-go", "driver-python", "driver-c"}, names)
	built, err := os.ReadDir(bin)
	require.NoError(t, err)
	require.Empty(t, built, "listing built drivers")
}
