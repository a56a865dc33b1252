// Package thirdparty holds the adapters of third-party implementations, in
// a module of its own so that users of the core module (harness, suite)
// never download them. Its test runs the suite on each.
package thirdparty_test

import (
	"testing"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/impls/thirdparty/bufconn"
	"github.com/netconform/netconform/impls/thirdparty/cmux"
	"github.com/netconform/netconform/impls/thirdparty/goyamux"
	"github.com/netconform/netconform/impls/thirdparty/gvisor"
	"github.com/netconform/netconform/impls/thirdparty/limitlistener"
	"github.com/netconform/netconform/impls/thirdparty/pion"
	"github.com/netconform/netconform/impls/thirdparty/proxyproto"
	"github.com/netconform/netconform/impls/thirdparty/quic"
	"github.com/netconform/netconform/impls/thirdparty/smux"
	"github.com/netconform/netconform/impls/thirdparty/sshconn"
	"github.com/netconform/netconform/impls/thirdparty/websocket"
	"github.com/netconform/netconform/impls/thirdparty/yamux"
	"github.com/netconform/netconform/suite"
)

// Impls are the third-party adapters, in the order of IMPLS.md's ranking.
var Impls = []harness.Impl{
	yamux.Impl, sshconn.Impl, smux.Impl, smux.ImplV2, websocket.Impl, quic.Impl, quic.ImplCancelRead,
	gvisor.TCP, gvisor.UDP, bufconn.Impl, goyamux.Impl, cmux.Impl, limitlistener.Impl, proxyproto.Impl,
	pion.Impl,
}

// TestConformance runs every case against every third-party adapter.
func TestConformance(t *testing.T) {
	for _, im := range Impls {
		suite.Run(t, im)
	}
}
