// Package daemon is a test package for the report command's process
// tests (reports/procs_test.go): its implementation's first Dial starts a
// helper that escapes its process group (Setsid) and keeps the test
// process's stderr (or stdout) — what a careless implementation that
// spawns a server does. DAEMON_SLEEP is how long the helper lives (a
// marker the test finds it by); DAEMON_HOLDS is "stderr" or "stdout".
package daemon_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/impls/stdnet"
	"github.com/netconform/netconform/suite"
)

var once sync.Once

func TestConformance(t *testing.T) {
	if os.Getenv("DAEMON_SLEEP") == "" {
		t.Skip("run by reports/procs_test.go, through the report command")
	}
	im := stdnet.TCP
	im.Name = "daemon-setsid"
	im.Dial = func(ctx context.Context, network, address string, o harness.DialOptions) (net.Conn, error) {
		once.Do(func() {
			cmd := exec.Command("sleep", os.Getenv("DAEMON_SLEEP"))
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
			if os.Getenv("DAEMON_HOLDS") == "stdout" {
				cmd.Stdout = os.Stdout
			} else {
				cmd.Stderr = os.Stderr
			}
			if err := cmd.Start(); err != nil {
				panic(err)
			}
		})
		return stdnet.TCP.Dial(ctx, network, address, o)
	}
	suite.Run(t, im)
}
