package driver_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/program"
	"github.com/netconform/netconform/impls/driver"
	"github.com/netconform/netconform/suite"
)

// envRequire makes a reference driver that cannot run here a failure
// rather than a skip; CI sets it.
const envRequire = "NETCONFORM_REQUIRE_DRIVERS"

// A reference driver and how to start it.
type reference struct {
	name string
	argv func(t testing.TB) ([]string, string) // the command, or why it cannot run
}

var references = []reference{
	{"driver-go", func(t testing.TB) ([]string, string) { return []string{mustBin(t, "godriver")}, "" }},
	{"driver-python", func(testing.TB) ([]string, string) {
		py, err := program.Python()
		if err != nil {
			return nil, "python3 is not installed: " + err.Error()
		}
		script, _ := filepath.Abs("pydriver/netconform_driver.py")
		// -S: no site module. The driver needs the standard library
		// only, and site's .pth hooks (certifi here) were 40% of the
		// interpreter's start, which every case pays.
		return []string{py, "-S", script}, ""
	}},
	{"driver-c", func(testing.TB) ([]string, string) {
		p, err := driverBin("cdriver")
		if err != nil {
			return nil, "the C driver did not build (it needs cc and libcjson-dev): " + err.Error()
		}
		return []string{p}, ""
	}},
}

// start returns the reference driver as an implementation under test.
func (r reference) start(t *testing.T) (harness.Impl, bool) {
	t.Helper()
	argv, why := r.argv(t)
	if why != "" {
		if os.Getenv(envRequire) != "" {
			t.Errorf("%s: %s", r.name, why)
		} else {
			t.Logf("skipping %s: %s", r.name, why)
		}
		return harness.Impl{}, false
	}
	im, err := driver.New(argv...)
	if err != nil {
		t.Fatalf("%s: %v", r.name, err)
	}
	if im.Name != r.name {
		t.Fatalf("%s says its name is %q", r.name, im.Name)
	}
	return im, true
}

// goDriver is the Go reference driver as an implementation under test.
func goDriver(t *testing.T) harness.Impl {
	t.Helper()
	im, _ := references[0].start(t)
	return im
}

// TestConformance runs every case against the reference drivers. Under
// the race detector only driver-go runs: the race detector sees this
// process, whose client code is the same for every driver, and three
// drivers' bulk and timing cases at once on two cores starve each other
// into late and inconclusive results. The other two run without it (go
// test ./impls/driver, and the report, which CI compares with the
// committed one). When TestGoDriverAgreesWithStd, before it in this
// process (go test ./impls/driver, with or without -race), ran every case
// of driver-go, driver-go's are not run again here: its results are under
// TestGoDriverAgreesWithStd/run/via-driver. A report's row runs this test
// alone, so every row runs its driver.
func TestConformance(t *testing.T) {
	childImpl, _, _, child := childCase()
	for _, r := range references {
		if child && r.name != childImpl || !suite.SubtestSelected(r.name) {
			continue // an isolated case's child, a report's row: one implementation
		}
		if suite.Listing() {
			// A listing needs the name only: no driver is built or started.
			suite.Run(t, harness.Impl{Name: r.name})
			continue
		}
		if r.name == references[0].name && goDriverRan.Load() {
			t.Run(r.name, func(t *testing.T) {
				t.Skipf("%s: its cases ran in this process already, by the same suite.Run: see TestGoDriverAgreesWithStd/run/via-driver/%s", r.name, r.name)
			})
			continue
		}
		if raceEnabled && r.name != references[0].name {
			t.Run(r.name, func(t *testing.T) {
				t.Skipf("%s: not under the race detector (the client code it exercises is driver-go's, which runs under it; %s runs in go test without -race and in the report)", r.name, r.name)
			})
			continue
		}
		if im, ok := r.start(t); ok {
			suite.Run(t, im)
		} else if _, why := r.argv(t); why != "" {
			// A row that says why, in go test's output and in the report.
			suite.Unavailable(t, harness.Impl{Name: r.name}, why)
		}
	}
}

// The report command's -driver flag: a driver command line, and the
// folder to start it in.
const (
	envDriverCmd = "NETCONFORM_DRIVER_CMD"
	envDriverDir = "NETCONFORM_DRIVER_DIR"
)

// TestDriverCommand runs every case on the driver the environment names
// (go run ./reports -driver 'CMD ARGS…'): a driver in any language needs
// no Go code of its author's. Without one it skips.
func TestDriverCommand(t *testing.T) {
	line := os.Getenv(envDriverCmd)
	if line == "" {
		t.Skip("no driver named: go run ./reports -driver 'CMD ARGS…'")
	}
	argv, err := program.ParseCommand(line)
	if err != nil {
		t.Fatalf("%s=%q: %v", envDriverCmd, line, err)
	}
	im, err := driver.NewIn(os.Getenv(envDriverDir), argv...)
	if err != nil {
		t.Fatalf("driver %s: %v", line, err)
	}
	suite.Run(t, im)
}
