// Package daemondriver is a test package for the report command's process
// tests (reports/procs_test.go): a driver that daemonizes — the process
// netconform starts leaves a child in a session of its own holding its
// stdin and stdout, and exits. DAEMON_SLEEP is how long the child lives (a
// marker the test finds it by).
package daemondriver_test

import (
	"os"
	"testing"

	"github.com/netconform/netconform/impls/driver"
	"github.com/netconform/netconform/suite"
)

func TestConformance(t *testing.T) {
	sleep := os.Getenv("DAEMON_SLEEP")
	if sleep == "" {
		t.Skip("run by reports/procs_test.go, through the report command")
	}
	d := &driver.Driver{
		Argv:  []string{"/bin/sh", "-c", "setsid sleep " + sleep + " & exit 0"},
		Hello: driver.Hello{Protocol: driver.Version, Name: "daemon-driver", Language: "sh", Caps: []string{"stream", "listener", "deadline"}, CloseMode: "full"},
	}
	im, err := d.Impl()
	if err != nil {
		t.Fatal(err)
	}
	suite.Run(t, im)
}
