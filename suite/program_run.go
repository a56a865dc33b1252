package suite

import (
	"slices"
	"sync"
	"testing"

	"github.com/netconform/netconform/harness/program"
	"github.com/netconform/netconform/harness/script"
)

// RunProgram runs the program cases that apply to spec's kind of program
// (a TCP server, a UDP server, a TCP client) against the program, exactly
// as it is, as subtests of t: t/<name>/<case-id>. Every case runs in a
// network namespace of its own (as root, or rootless where user
// namespaces are allowed; otherwise each case is reported skip with the
// reason), with a fresh copy of the program killed with everything it
// started when the case ends; a hard-wired port is fine there.
//
//	func TestMyServer(t *testing.T) {
//		suite.RunProgram(t, program.Spec{Name: "my-server", Kind: program.TCPServer,
//			Argv: []string{"./my-server", "--port", "{port}"}})
//	}
//
// The conversation (program.Spec.Conv) says what a client sends and what
// it expects back; the default is an echo.
func RunProgram(t *testing.T, spec program.Spec) *Results {
	t.Helper()
	return runCases(t, program.Impl(spec), programStartOrder(ProgramCases(spec.Kind)))
}

// programSlow are the program cases that wait seconds by design: they
// start first, so that the others run while they wait.
var programSlow = map[string]bool{
	"program.idle.silent-client":         true,
	"program.timewait.restart-same-port": true,
	"program.client.server-silent":       true,
	"program.client.partial-then-silent": true,
}

func programStartOrder(cs []*script.Case) []*script.Case {
	var slow, rest []*script.Case
	for _, c := range cs {
		if programSlow[c.ID] {
			slow = append(slow, c)
		} else {
			rest = append(rest, c)
		}
	}
	return append(slow, rest...)
}

var programOnce = sync.OnceValue(func() map[program.Kind][]*script.Case {
	m := map[program.Kind][]*script.Case{}
	add := func(k program.Kind, cs []script.Case) {
		for i := range cs {
			m[k] = append(m[k], &cs[i])
		}
	}
	add(program.TCPServer, programTCPServerCases)
	add(program.UDPServer, programUDPServerCases)
	add(program.TCPClient, programClientCases)
	return m
})

// ProgramCases returns the program cases for a kind of program, sorted
// by ID. They are not among Cases: the built-in implementations never run
// them.
func ProgramCases(kind program.Kind) []*script.Case {
	cs := slices.Clone(programOnce()[kind])
	slices.SortFunc(cs, func(a, b *script.Case) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return cs
}

// lookupProgramCase finds a program case by ID.
func lookupProgramCase(id string) (*script.Case, bool) {
	for _, cs := range programOnce() {
		for _, c := range cs {
			if c.ID == id {
				return c, true
			}
		}
	}
	return nil, false
}
