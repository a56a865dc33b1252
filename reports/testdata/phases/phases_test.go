// Package phases is a test package for the report command's phase test
// (reports/phases_test.go): two implementations, "plain" and the perf
// baseline "std-tcp" (both Go's TCP), whose test processes append to the
// file PHASES_LOG a line when they start and one when they end: the
// process's -test.run, its NETCONFORM_CASES and the time, in Unix
// nanoseconds.
package phases_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/impls/stdnet"
	"github.com/netconform/netconform/suite"
)

func TestConformance(t *testing.T) {
	path := os.Getenv("PHASES_LOG")
	if path == "" {
		t.Skip("run by reports/phases_test.go, through the report command")
	}
	if !suite.Listing() {
		logLine(t, path, "start")
		t.Cleanup(func() { logLine(t, path, "end") })
	}
	for _, name := range []string{"plain", "std-tcp"} {
		im := stdnet.TCP
		im.Name = name
		suite.Run(t, im)
	}
}

// logLine appends "event\trun\tcases\tnanoseconds" to the log.
func logLine(t *testing.T, path, event string) {
	run := ""
	for _, a := range os.Args[1:] {
		if s, ok := strings.CutPrefix(a, "-test.run="); ok {
			run = s
		}
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fmt.Fprintf(f, "%s\t%s\t%s\t%d\n", event, run, os.Getenv(result.EnvCases), time.Now().UnixNano())
}
