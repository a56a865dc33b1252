package suite

import (
	"time"

	h "github.com/netconform/netconform/harness/script"
)

// dialCases: dial errors (CATALOGUE.md §7 and D13). The IUT dials; the
// contract cases accept any error, the convention cases pin Go's identity.
var dialCases = []h.Case{
	{
		ID:    "dial.connect.succeeds",
		Spec:  "net.Dialer.DialContext: dialing a listening address returns a conn whose RemoteAddr is that address",
		Level: h.Contract,
		Needs: h.CapDial,
		Setup: h.SetupDialer,
		Script: h.Script(
			h.Dial("c1", h.AddrOf(h.Ln)),
			h.Accept(h.Ln, "s1"),
			h.Addrs("c1"),
		),
	},
	{
		ID:        "dial.connect.refused",
		Spec:      "net.Dialer.DialContext: dialing a port nothing listens on fails, returning a nil Conn",
		Catalogue: "X1 X13",
		Level:     h.Contract,
		Needs:     h.CapDial,
		Setup:     h.SetupDialer,
		Script: h.Script(
			h.Dial("c1", h.DeadPort).Err(h.Refused).AnyErr().Within(time.Second),
		),
	},
	{
		ID:        "dial.connect.refused-is-econnrefused",
		Spec:      "Linux connect(2): a loopback port nothing listens on answers RST, and Dial fails at once with ECONNREFUSED (parseDialError)",
		Catalogue: "X1",
		Level:     h.Convention,
		Needs:     h.CapDial,
		Setup:     h.SetupDialer,
		Script: h.Script(
			h.Dial("c1", h.DeadPort).Err(h.Refused).Within(time.Second),
		),
	},
	{
		ID:        "dial.address.missing-port",
		Spec:      "net.Dial: an address without a port fails with *net.AddrError \"missing port in address\" (TestDialError)",
		Catalogue: "X6",
		Level:     h.Convention,
		Needs:     h.CapDial,
		Setup:     h.SetupDialer,
		Script: h.Script(
			h.Dial("c1", h.Literal("", "127.0.0.1")).Err(h.AddrError),
		),
	},
	{
		ID:        "dial.address.bad-port",
		Spec:      "net.Dial: a port out of range fails with *net.AddrError \"invalid port\" (TestDialError)",
		Catalogue: "X3",
		Level:     h.Convention,
		Needs:     h.CapDial,
		Setup:     h.SetupDialer,
		Script: h.Script(
			h.Dial("c1", h.Literal("", "127.0.0.1:99999")).Err(h.AddrError),
		),
	},
	{
		ID:        "dial.address.malformed",
		Spec:      "net.Dialer.DialContext: a malformed address fails with an error and a nil Conn, never a conn",
		Catalogue: "X6 X13",
		Level:     h.Contract,
		Needs:     h.CapDial,
		Setup:     h.SetupDialer,
		Script: h.Script(
			h.Dial("c1", h.Literal("", "127.0.0.1")).AnyErr(),
			h.Dial("c2", h.Literal("", "127.0.0.1:99999")).AnyErr(),
			h.Dial("c3", h.Literal("", "[::1")).AnyErr(),
		),
	},
	{
		ID:        "dial.network.unknown",
		Spec:      "net.Dial: an unknown network fails with net.UnknownNetworkError (TestDialError)",
		Catalogue: "X2",
		Level:     h.Convention,
		Needs:     h.CapDial,
		Setup:     h.SetupDialer,
		Script: h.Script(
			h.Dial("c1", h.Literal("foo", "127.0.0.1:80")).Err(h.UnknownNetwork),
		),
	},
	{
		ID:        "dial.context.canceled",
		Spec:      "net.Dialer.DialContext: if the context is canceled before the connection is complete, an error is returned",
		Catalogue: "D13c",
		Level:     h.Contract,
		Needs:     h.CapDial,
		Setup:     h.SetupDialer,
		Script: h.Script(
			h.Dial("c1", h.AddrOf(h.Ln)).Canceled().Err(h.Canceled).AnyErr().Within(time.Second),
		),
	},
	{
		ID:        "dial.context.canceled-is-context-canceled",
		Spec:      "net.Dialer.DialContext: a canceled context gives an OpError matching context.Canceled, with Timeout() false (TestDialCancel)",
		Catalogue: "D13c",
		Level:     h.Convention,
		Needs:     h.CapDial,
		Setup:     h.SetupDialer,
		Script: h.Script(
			h.Dial("c1", h.AddrOf(h.Ln)).Canceled().Err(h.Canceled).NotTimeout(),
		),
	},
	{
		ID:        "dial.context.expired",
		Spec:      "net.Dialer.DialContext: if the context times out before the connection is complete, an error is returned",
		Catalogue: "D13a",
		Level:     h.Contract,
		Needs:     h.CapDial,
		Setup:     h.SetupDialer,
		Script: h.Script(
			h.Dial("c1", h.AddrOf(h.Ln)).Expired().Err(h.ContextDeadline).AnyErr().Within(time.Second),
		),
	},
	{
		ID:        "dial.context.expired-is-deadline-exceeded",
		Spec:      "net.Dialer: a dial that runs out of time matches context.DeadlineExceeded and has Timeout() true, but does not match os.ErrDeadlineExceeded (TestDialTimeout)",
		Catalogue: "D13a",
		Level:     h.Convention,
		Needs:     h.CapDial,
		Setup:     h.SetupDialer,
		Script: h.Script(
			h.Dial("c1", h.AddrOf(h.Ln)).Expired().Err(h.ContextDeadline).Timeout(),
		),
	},
	{
		ID:        "dial.unix.missing-path",
		Spec:      "Linux unix(7) connect(2): dialing a unix socket path that does not exist fails with ENOENT (TestDialError)",
		Catalogue: "X10",
		Level:     h.Convention,
		Needs:     h.CapDial,
		Setup:     h.SetupDialer,
		Script: h.Script(
			h.Dial("c1", h.MissingPath).Err(h.NotFound),
		),
	},
	{
		ID:    "dial.context.canceled-after-connect",
		Spec:  "net.Dialer.DialContext: once successfully connected, any expiration of the context will not affect the connection: a conn whose dial context is canceled right after Dial returns still carries data both ways",
		Level: h.Contract,
		Needs: h.CapDial,
		Setup: h.SetupDialer,
		Script: h.Script(
			h.Dial("c1", h.AddrOf(h.Ln)).CanceledAfter(),
			h.Accept(h.Ln, "s1"),
			h.Sleep(100*time.Millisecond, "for a conn tied to its dial context to notice the cancellation"),
			h.Go("w", h.Write("c1", "ping")),
			h.ReadFull("s1", 4).Want("ping"),
			h.Await("w"),
			h.Go("w2", h.Write("s1", "pong")),
			h.ReadFull("c1", 4).Want("pong"),
			h.Await("w2"),
		),
	},
	{
		ID:        "dial.timeout.negative",
		Spec:      "net.Dialer.Timeout: a dial whose timeout has already passed fails at once with a timeout matching context.DeadlineExceeded (TestDialTimeout)",
		Catalogue: "D13a",
		Level:     h.Convention,
		Needs:     h.CapDial,
		Setup:     h.SetupDialer,
		Script: h.Script(
			h.Dial("c1", h.AddrOf(h.Ln)).Options(h.DialOptions{Timeout: -time.Second}).Err(h.ContextDeadline).Timeout().Within(time.Second),
		),
	},
}
