package mutants_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/nettest"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/impls/mutants"
	"github.com/netconform/netconform/impls/pipe"
	"github.com/netconform/netconform/impls/rawsock"
	"github.com/netconform/netconform/impls/stdnet"
	"github.com/netconform/netconform/impls/tlsconn"
)

const envNettest = "NETCONFORM_NETTEST_IMPL"

// envNettestDir names the folder, made and removed by the parent, under
// which a child makes its unix sockets: a child killed on a hang cannot
// leave them behind.
const envNettestDir = "NETCONFORM_NETTEST_DIR"

// streamImpls are the built-in stream implementations nettest also runs on.
func streamImpls() []harness.Impl {
	return []harness.Impl{stdnet.TCP, stdnet.Unix, pipe.Impl, rawsock.TCP, tlsconn.Impl}
}

// nettestTargets are the implementations golang.org/x/net/nettest.TestConn
// runs on: every mutant and the built-in stream implementations.
func nettestTargets() map[string]harness.Impl {
	m := map[string]harness.Impl{}
	for _, mu := range append(mutants.All(), mutants.Control()) {
		m[mu.Impl.Name] = mu.Impl
	}
	for _, im := range streamImpls() {
		m[im.Name] = im
	}
	return m
}

// TestNettestChild runs nettest.TestConn on the implementation named by
// NETCONFORM_NETTEST_IMPL; TestNettestComparison runs it in a child
// process because nettest fails the test that runs it, and a broken
// implementation can hang it.
func TestNettestChild(t *testing.T) {
	name := os.Getenv(envNettest)
	if name == "" {
		t.Skip("runs as a child of TestNettestComparison")
	}
	im, ok := nettestTargets()[name]
	if !ok {
		t.Fatalf("no implementation %s", name)
	}
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) { return makePipe(&im) })
}

// makePipe connects two ends of im: a pair, or one of its dials and the
// conn its listener accepts.
func makePipe(im *harness.Impl) (c1, c2 net.Conn, stop func(), err error) {
	ctx := context.Background()
	if im.NewPair != nil {
		p, err := im.NewPair(ctx)
		if err != nil {
			return nil, nil, nil, err
		}
		return p.Client, p.Server, func() {
			p.Client.Close()
			p.Server.Close()
			if p.Stop != nil {
				p.Stop()
			}
		}, nil
	}
	network, addr := im.StreamNetwork(), "127.0.0.1:0"
	if network == "unix" {
		dir, err := os.MkdirTemp(os.Getenv(envNettestDir), "netconform-nettest-")
		if err != nil {
			return nil, nil, nil, err
		}
		addr = dir + "/s"
		defer func() {
			if err != nil {
				os.RemoveAll(dir)
			} else {
				stop0 := stop
				stop = func() { stop0(); os.RemoveAll(dir) }
			}
		}()
	}
	var ln net.Listener
	if im.Listen != nil {
		ln, err = im.Listen(ctx, network, addr, harness.ListenOptions{})
	} else {
		ln, err = net.Listen(network, addr)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c1, err = im.Dial(ctx, network, ln.Addr().String(), harness.DialOptions{})
	if err != nil {
		return nil, nil, nil, err
	}
	c2 = <-accepted
	if c2 == nil {
		c1.Close()
		return nil, nil, nil, fmt.Errorf("accept failed")
	}
	return c1, c2, func() { c1.Close(); c2.Close() }, nil
}

// nettestCaught runs nettest.TestConn on im in a child process: true when
// it failed or hung.
func nettestCaught(name string) (caught bool, detail string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir, err := os.MkdirTemp("", "netconform-nettest-")
	if err != nil {
		return false, err.Error()
	}
	defer os.RemoveAll(dir)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestNettestChild$", "-test.count=1", "-test.timeout=20s")
	cmd.Env = append(os.Environ(), envNettest+"="+name, envNettestDir+"="+dir)
	out, err := cmd.CombinedOutput()
	if err == nil {
		return false, ""
	}
	var failed []string
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "--- FAIL: TestNettestChild/") {
			failed = append(failed, strings.Fields(strings.TrimPrefix(l, "--- FAIL: TestNettestChild/"))[0])
		}
		if strings.HasPrefix(l, "panic: test timed out") {
			failed = append(failed, "(hung)")
		}
	}
	return true, strings.Join(failed, ", ")
}

// A nettestVerdict is whether nettest.TestConn caught an implementation.
type nettestVerdict struct {
	caught bool
	detail string // the subtests that failed
}

// nettestVerdicts runs nettest on every target, four at a time, once; the
// test binary starts it early (TestMain) so that it overlaps the matrix.
var nettestVerdicts = sync.OnceValue(func() map[string]nettestVerdict {
	targets := nettestTargets()
	verdicts := map[string]nettestVerdict{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for n := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			c, d := nettestCaught(n)
			mu.Lock()
			verdicts[n] = nettestVerdict{c, d}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return verdicts
})

// TestNettestComparison: golang.org/x/net/nettest.TestConn is the checker
// netconform supersedes. On every mutant, whatever nettest catches
// netconform must catch too; the mutants only netconform catches are
// counted (the README's headline number). nettest's verdict on the
// built-in stream implementations is logged.
func TestNettestComparison(t *testing.T) {
	skipInChild(t)
	if os.Getenv(envNettest) != "" {
		t.Skip("a nettest child")
	}
	verdicts := nettestVerdicts()
	m := matrix()
	var b strings.Builder
	onlyNetconform, both, neither := 0, 0, 0
	fmt.Fprintf(&b, "%-36s %-10s %s\n", "mutant", "nettest", "netconform")
	for _, mu := range mutants.All() {
		ours := 0
		for _, v := range m[mu.Impl.Name] {
			if v.killed {
				ours++
			}
		}
		nv := verdicts[mu.Impl.Name]
		theirs := "passes"
		if nv.caught {
			theirs = "catches"
		}
		fmt.Fprintf(&b, "%-36s %-10s %d cases  %s\n", mu.Impl.Name, theirs, ours, nv.detail)
		switch {
		case nv.caught && ours == 0 && !explorerVerdicts()[mu.Impl.Name].caught():
			t.Errorf("%s: nettest catches it (%s) and netconform does not, cases or explorer", mu.Impl.Name, nv.detail)
		case nv.caught && ours == 0:
			both++ // netconform's explorer catches it (TestEveryMutantIsCaught logs how)
		case nv.caught:
			both++
		case ours > 0:
			onlyNetconform++
		default:
			neither++
		}
	}
	if v := verdicts[mutants.Control().Impl.Name]; v.caught {
		t.Errorf("nettest fails the bug-free wrapper: %s", v.detail)
	}
	fmt.Fprintf(&b, "\nbuilt-in stream implementations under nettest:\n")
	for _, im := range streamImpls() {
		v := verdicts[im.Name]
		fmt.Fprintf(&b, "  %-14s %v %s\n", im.Name, map[bool]string{true: "fails", false: "passes"}[v.caught], v.detail)
	}
	t.Log("\n" + b.String())
	t.Logf("of %d mutants: netconform catches %d, nettest catches %d; %d are caught by netconform only, %d by neither",
		len(mutants.All()), both+onlyNetconform, both, onlyNetconform, neither)
}
