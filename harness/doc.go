// Package harness is what an implementation author touches to have an
// implementation of net.Conn, net.Listener or net.PacketConn tested by
// netconform: one Impl value describes it — its name, its capabilities,
// how to dial, listen or make a connected pair, and the divergences it is
// known for — and suite.Run runs every case against it:
//
//	func TestMyConn(t *testing.T) {
//		suite.Run(t, harness.Impl{Name: "myconn", Caps: harness.CapStream | …, Dial: …})
//	}
//
// The case language lives in harness/script, results in harness/result,
// the runner in harness/runner; an implementation needs none of them.
package harness
