package suite_test

import (
	"testing"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/impls/pipe"
	"github.com/netconform/netconform/impls/rawsock"
	"github.com/netconform/netconform/impls/stdnet"
	"github.com/netconform/netconform/impls/tlsconn"
	"github.com/netconform/netconform/suite"
)

// builtins are the implementations the repository ships in its core module.
var builtins = []harness.Impl{stdnet.TCP, stdnet.TCP6, stdnet.Unix, stdnet.UDP, pipe.Impl, rawsock.TCP, rawsock.UDP, tlsconn.Impl}

// TestConformance runs every case against every built-in implementation.
func TestConformance(t *testing.T) {
	for _, im := range builtins {
		suite.Run(t, im)
	}
}
