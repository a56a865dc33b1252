package driver_test

import (
	"flag"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/errclass"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/impls/stdnet"
	"github.com/netconform/netconform/suite"
)

// goDriverRan is set once TestGoDriverAgreesWithStd has run every case of
// driver-go in this process (go test's -run and -skip filtered none out).
var goDriverRan atomic.Bool

// inProcessStd is Go's net in this process with the Go driver's
// capabilities: std-tcp and std-udp in one implementation.
func inProcessStd() harness.Impl {
	im := stdnet.TCP
	im.Name = "std-inprocess"
	im.Caps |= stdnet.UDP.Caps
	im.PacketNet = "udp4"
	im.ListenPacket = stdnet.UDP.ListenPacket
	im.DialPacket = stdnet.UDP.DialPacket
	return im
}

// TestGoDriverAgreesWithStd runs every case against Go's net twice: in
// this process, and in the Go reference driver behind the protocol. Each
// case must end the same way, and each step must observe the same error
// class, which shows that the protocol loses nothing a case can see.
func TestGoDriverAgreesWithStd(t *testing.T) {
	// Its run of driver-go is the one TestConformance would make
	// (suite.Run of the same driver), so TestConformance, after it in
	// this process, does not make it again. The two implementations run
	// one after the other: each one's leak cases are judged only when it
	// runs alone in the process.
	goDriverRan.Store(false)
	if suite.Listing() {
		// A report's listing (go run ./reports -pkg ./impls/driver): the
		// drivers' rows are TestConformance's; this test has none.
		t.Skip("a listing: this test compares two implementations and has no report row of its own")
	}
	var viaDriver, inProcess *suite.Results
	t.Run("run", func(t *testing.T) {
		t.Run("via-driver", func(t *testing.T) { viaDriver = suite.Run(t, goDriver(t)) })
		if viaDriver != nil && len(viaDriver.List()) > 0 && everyCaseSelected() {
			goDriverRan.Store(true)
		}
		t.Run("in-process", func(t *testing.T) { inProcess = suite.Run(t, inProcessStd()) })
	})
	if _, _, _, child := childCase(); child || t.Failed() {
		return
	}
	got := byCase(viaDriver.List())
	want := byCase(inProcess.List())
	if len(want) == 0 {
		t.Fatal("no in-process results")
	}
	notCarried := 0
	for key, w := range want {
		g, ok := got[key]
		if !ok {
			t.Errorf("%s: no result through the driver; in process: %s", key, w.Outcome)
			continue
		}
		if methodNotCarried(g, w) {
			notCarried++
			continue
		}
		if diff := disagreement(g, w); diff != "" {
			t.Errorf("%s: %s", key, diff)
		}
	}
	for key := range got {
		if _, ok := want[key]; !ok {
			t.Errorf("%s: ran through the driver only", key)
		}
	}
	t.Logf("%d case/role results agree; %d need a method the protocol does not carry", len(want)-notCarried, notCarried)
}

// methodNotCarried: the protocol carries the calls of net.Conn, its
// half-close and socket options, not every optional method of Go's conns
// (ReadFrom, WriteTo, File, ReadMsgUDP). A case about such a method is
// unsupported through the driver because the driver's own conn type lacks
// it, which the reason names; that is the protocol's scope, not a loss.
func methodNotCarried(viaDriver, inProcess result.Result) bool {
	return viaDriver.Outcome == result.Unsupported && inProcess.Outcome != result.Unsupported &&
		(strings.Contains(viaDriver.Reason, "(*driver.streamConn)") || strings.Contains(viaDriver.Reason, "*driver.streamConn has no") ||
			strings.Contains(viaDriver.Reason, "(*driver.dgramConn)"))
}

func byCase(rs []result.Result) map[string]result.Result {
	m := map[string]result.Result{}
	for _, r := range rs {
		m[r.Case+"/"+string(r.Role)] = r
	}
	return m
}

// disagreement compares a result through the driver with one in process.
// Steps must observe the same error class, except where the case accepts
// either (a step whose verdict is "allowed" on one side: Go's dial timeout
// identity is racy, golang/go#31863).
func disagreement(viaDriver, inProcess result.Result) string {
	if viaDriver.Outcome != inProcess.Outcome {
		return fmt.Sprintf("through the driver %s (%s), in process %s (%s)",
			viaDriver.Outcome, viaDriver.Summary(), inProcess.Outcome, inProcess.Summary())
	}
	g, w := viaDriver.Transcript, inProcess.Transcript
	if len(g) != len(w) {
		return fmt.Sprintf("through the driver %d steps, in process %d", len(g), len(w))
	}
	for i := range g {
		gc, wc := class(g[i]), class(w[i])
		accepted := func(o result.Obs) bool { return o.Verdict == "ok" || o.Verdict == "allowed" }
		either := g[i].Verdict == "allowed" || w[i].Verdict == "allowed"
		if gc != wc && !(either && accepted(g[i]) && accepted(w[i])) {
			return fmt.Sprintf("step %d %s: through the driver %s (%s), in process %s (%s)",
				g[i].Step, w[i].Call, gc, g[i].Verdict, wc, w[i].Verdict)
		}
	}
	return ""
}

func class(o result.Obs) errclass.Class {
	if o.Err == nil {
		return errclass.None
	}
	return o.Err.Class
}

// everyCaseSelected reports whether go test's -run and -skip leave every
// subtest of the selected tests to run: no -skip, and a -run of one level
// (the compare test's cases and TestConformance's sit at different depths,
// so a deeper pattern may select a case in one and not in the other).
func everyCaseSelected() bool { return flag.Lookup("test.run") != nil && !suite.FiltersBelow(1) }
