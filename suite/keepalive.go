package suite

import (
	"net"
	"time"

	h "github.com/netconform/netconform/harness/script"
)

// Kernel defaults a socket keeps when nobody sets its keepalive options.
const (
	sysIdle  = "net/ipv4/tcp_keepalive_time"
	sysIntvl = "net/ipv4/tcp_keepalive_intvl"
	sysCnt   = "net/ipv4/tcp_keepalive_probes"
)

const kaNeeds = h.CapStream | h.CapKeepAliveOptions | h.CapTCP

// keepalive makes a keepalive case: the IUT dials (role client) or listens
// (role server) with the same options, and the script reads the socket
// options back through the fd.
func keepalive(id, spec, cat string, ka time.Duration, cfg net.KeepAliveConfig, script ...h.Step) h.Case {
	return h.Case{
		ID: id, Spec: spec, Catalogue: cat, Level: h.Convention, Needs: kaNeeds, Setup: h.SetupConn,
		Dial:   h.DialOptions{KeepAlive: ka, KeepAliveConfig: cfg},
		Listen: h.ListenOptions{KeepAlive: ka, KeepAliveConfig: cfg},
		Script: script,
	}
}

func expectKA(on, idle, intvl, cnt int) []h.Step {
	return h.Script(
		h.ExpectOpt(iut, h.OptKeepAlive, on),
		h.ExpectOpt(iut, h.OptKeepIdle, idle),
		h.ExpectOpt(iut, h.OptKeepIntvl, intvl),
		h.ExpectOpt(iut, h.OptKeepCnt, cnt),
	)
}

// keepaliveCases: TCP keepalive configuration (CATALOGUE.md §9), checked on
// dialed (role client) and accepted (role server) conns. Dead-peer
// detection is in the fault area.
var keepaliveCases = []h.Case{
	keepalive("keepalive.default.enabled",
		"net.Dialer.KeepAlive and ListenConfig.KeepAlive: zero enables keepalive with Go's defaults, idle 15 s, interval 15 s, 9 probes (TestDialTCPDefaultKeepAlive)",
		"K1 K2", 0, net.KeepAliveConfig{},
		expectKA(1, 15, 15, 9)...),
	keepalive("keepalive.disabled.negative",
		"net.Dialer.KeepAlive: a negative value disables keepalive, and the kernel's idle, interval and count are left alone (TestDialerKeepAlive)",
		"K3 K8", -1, net.KeepAliveConfig{},
		h.ExpectOpt(iut, h.OptKeepAlive, 0),
		h.ExpectOptSysctl(iut, h.OptKeepIdle, sysIdle),
		h.ExpectOptSysctl(iut, h.OptKeepIntvl, sysIntvl),
		h.ExpectOptSysctl(iut, h.OptKeepCnt, sysCnt)),
	keepalive("keepalive.period.sets-idle-only",
		"net.Dialer.KeepAlive: a positive value sets only the idle time; interval and count keep Go's defaults (golang/go#73386)",
		"K4", 5*time.Second, net.KeepAliveConfig{},
		expectKA(1, 5, 15, 9)...),
	keepalive("keepalive.config.explicit",
		"net.KeepAliveConfig: Idle, Interval and Count are applied as given when Enable is true",
		"", 0, net.KeepAliveConfig{Enable: true, Idle: time.Second, Interval: 2 * time.Second, Count: 3},
		expectKA(1, 1, 2, 3)...),
	keepalive("keepalive.config.rounds-up",
		"net.KeepAliveConfig: sub-second durations round up to whole seconds and a negative field leaves the kernel value (tcpconn_keepalive_conf_posix_test.go)",
		"K5", 0, net.KeepAliveConfig{Enable: true, Idle: 1500 * time.Millisecond, Interval: -1, Count: 3},
		h.ExpectOpt(iut, h.OptKeepAlive, 1),
		h.ExpectOpt(iut, h.OptKeepIdle, 2),
		h.ExpectOptSysctl(iut, h.OptKeepIntvl, sysIntvl),
		h.ExpectOpt(iut, h.OptKeepCnt, 3)),
	keepalive("keepalive.config.zero-fields-default",
		"net.KeepAliveConfig: a zero field means Go's default (15 s, 15 s, 9)",
		"", 0, net.KeepAliveConfig{Enable: true},
		expectKA(1, 15, 15, 9)...),
	keepalive("keepalive.config.negative-leaves-kernel",
		"net.KeepAliveConfig: a negative field leaves the operating system's value",
		"", 0, net.KeepAliveConfig{Enable: true, Idle: -1, Interval: -1, Count: -1},
		h.ExpectOpt(iut, h.OptKeepAlive, 1),
		h.ExpectOptSysctl(iut, h.OptKeepIdle, sysIdle),
		h.ExpectOptSysctl(iut, h.OptKeepIntvl, sysIntvl),
		h.ExpectOptSysctl(iut, h.OptKeepCnt, sysCnt)),
	keepalive("keepalive.config.disabled-is-ignored",
		"net.Dialer.KeepAliveConfig: a config with Enable false is ignored, so KeepAlive −1 still disables keepalive",
		"K5b", -1, net.KeepAliveConfig{Enable: false, Idle: 3 * time.Second},
		h.ExpectOpt(iut, h.OptKeepAlive, 0)),
	keepalive("keepalive.config.wins-over-keepalive",
		"net.Dialer.KeepAliveConfig: when Enable is true the config wins and KeepAlive is ignored (TestTCPConnKeepAliveConfigDialer)",
		"K6", -1, net.KeepAliveConfig{Enable: true, Idle: time.Second, Interval: 2 * time.Second, Count: 3},
		expectKA(1, 1, 2, 3)...),
	keepalive("keepalive.setperiod.does-not-enable",
		"net.TCPConn.SetKeepAlivePeriod: sets the idle time only; on a conn with keepalive off it does not turn SO_KEEPALIVE on",
		"K7", -1, net.KeepAliveConfig{},
		h.SetKeepAlivePeriod(iut, 7*time.Second),
		h.ExpectOpt(iut, h.OptKeepAlive, 0),
		h.ExpectOpt(iut, h.OptKeepIdle, 7)),
	keepalive("keepalive.setkeepalive.enables",
		"net.TCPConn.SetKeepAlive: true turns keepalive on, with whatever idle, interval and count the socket had",
		"", -1, net.KeepAliveConfig{},
		h.SetKeepAlive(iut, true),
		h.ExpectOpt(iut, h.OptKeepAlive, 1),
		h.ExpectOptSysctl(iut, h.OptKeepIdle, sysIdle)),
	keepalive("keepalive.setkeepalive.disables",
		"net.TCPConn.SetKeepAlive: false turns keepalive off",
		"", 0, net.KeepAliveConfig{},
		h.SetKeepAlive(iut, false),
		h.ExpectOpt(iut, h.OptKeepAlive, 0)),
	keepalive("keepalive.setconfig.applies",
		"net.TCPConn.SetKeepAliveConfig: configures keepalive on a live conn",
		"", 0, net.KeepAliveConfig{},
		h.SetKeepAliveConfig(iut, net.KeepAliveConfig{Enable: true, Idle: 2 * time.Second, Interval: 3 * time.Second, Count: 4}),
		h.ExpectOpt(iut, h.OptKeepAlive, 1),
		h.ExpectOpt(iut, h.OptKeepIdle, 2),
		h.ExpectOpt(iut, h.OptKeepIntvl, 3),
		h.ExpectOpt(iut, h.OptKeepCnt, 4)),
}
