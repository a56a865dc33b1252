package program

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/sysobs"
)

// listenBudget bounds how long a server may take to listen once started
// (a Python interpreter, a JIT) before the case gives up.
const listenBudget = 10 * time.Second

// A Case is the program of one case: its spec, the processes started for
// the case (a restart adds one), and where the server listens.
type Case struct {
	Spec *Spec
	ctx  context.Context

	mu    sync.Mutex
	procs []*Running
	addr  netip.AddrPort
}

type caseKey struct{}

// Impl describes the program as an implementation: its Prepare starts a
// server program for each case (and waits until it listens) or readies a
// client program's case; the case finds it with From.
func Impl(spec Spec) harness.Impl {
	sp := spec
	return harness.Impl{
		Name:        spec.Name,
		Description: fmt.Sprintf("%s program: %s (conversation %s)", spec.Kind, strings.Join(spec.Argv, " "), spec.Conv),
		Known:       spec.Known,
		Parallel:    6, // each case starts a process, which competes for the CPU
		Prepare: func(ctx context.Context) error {
			c, err := harness.CaseValue(ctx, caseKey{}, func() (*Case, error) {
				c := &Case{Spec: &sp, ctx: ctx}
				harness.CaseCleanup(ctx, func() { c.StopAll() })
				harness.CaseEvidence(ctx, c.Evidence)
				return c, nil
			})
			if err != nil {
				return err
			}
			if sp.Kind == TCPClient {
				return nil
			}
			_, err = c.StartServer()
			return err
		},
	}
}

// From returns the program of the case ctx belongs to.
func From(ctx context.Context) (*Case, error) {
	var none *Case
	c, err := harness.CaseValue(ctx, caseKey{}, func() (*Case, error) { return none, nil })
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, errors.New("not a program case: the implementation is not a program (program.Impl)")
	}
	return c, nil
}

// Context ends with the case.
func (c *Case) Context() context.Context { return c.ctx }

// StartServer starts the server program and waits until it listens; a
// program that ends first, or takes longer than listenBudget, is an error.
func (c *Case) StartServer() (*Running, error) {
	r, err := c.Start()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(c.ctx, listenBudget)
	defer cancel()
	addr, err := r.WaitListening(ctx)
	if err != nil {
		return r, err
	}
	c.mu.Lock()
	c.addr = addr
	c.mu.Unlock()
	return r, nil
}

// Start starts the program once more (a client, or a server restarting).
func (c *Case) Start() (*Running, error) {
	r, err := Start(c.Spec)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.procs = append(c.procs, r)
	c.mu.Unlock()
	return r, nil
}

// Current is the program started last.
func (c *Case) Current() *Running {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.procs) == 0 {
		return nil
	}
	return c.procs[len(c.procs)-1]
}

// Addr is where the server listens ("127.0.0.1:8080").
func (c *Case) Addr() netip.AddrPort {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.addr
}

// Port is the port a client program is told to use ({port}, PORT).
func (c *Case) Port() int { return c.Spec.port() }

// StopAll kills every program of the case with its tree.
func (c *Case) StopAll() {
	c.mu.Lock()
	procs := append([]*Running(nil), c.procs...)
	c.mu.Unlock()
	for _, r := range procs {
		r.Stop()
	}
}

// Evidence is the evidence of every program the case started.
func (c *Case) Evidence() string {
	c.mu.Lock()
	procs := append([]*Running(nil), c.procs...)
	c.mu.Unlock()
	var parts []string
	for _, r := range procs {
		parts = append(parts, r.Evidence())
	}
	return strings.Join(parts, "\n")
}

// StateOf is the kernel's state of the TCP socket with this 4-tuple, seen
// from its own side (Absent when there is none): TIME_WAIT sockets,
// which no process holds, included.
func (c *Case) StateOf(local, remote netip.AddrPort) (sysobs.TCPState, error) {
	s, err := c.SockOf(local, remote)
	return s.State, err
}

// SockOf is the kernel's view of the TCP socket with this 4-tuple, seen
// from its own side: its state (Absent when there is none) and the bytes
// queued on it.
func (c *Case) SockOf(local, remote netip.AddrPort) (sysobs.Sock, error) {
	return sysobs.LookupTCP(local, remote)
}

// ICMPUnreachSent counts the ICMP destination-unreachable messages the
// namespace's kernel has sent (a datagram to a port nobody holds draws one).
func (c *Case) ICMPUnreachSent() (int64, error) { return sysobs.SNMPCounter("Icmp", "OutDestUnreachs") }

// Opts reads socket options from the program's own socket s.
func (r *Running) Opts(s Socket, opts ...sysobs.Opt) (map[sysobs.Opt]int, error) {
	return sysobs.ForeignOpts(s.PID, s.FD, opts...)
}
