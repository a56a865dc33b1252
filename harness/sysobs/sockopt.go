package sysobs

import "fmt"

// Opt names a socket property that GetOpt reads and SetOpt writes.
type Opt int

// The socket properties the harness checks. Values are ints: booleans are
// 0 or 1, durations are in the unit the kernel uses (seconds for keepalive,
// milliseconds for TCP_USER_TIMEOUT), and OptLinger is -1 when SO_LINGER is
// off, otherwise its timeout in seconds.
const (
	OptKeepAlive   Opt = iota + 1 // SO_KEEPALIVE
	OptKeepIdle                   // TCP_KEEPIDLE, seconds
	OptKeepIntvl                  // TCP_KEEPINTVL, seconds
	OptKeepCnt                    // TCP_KEEPCNT
	OptNoDelay                    // TCP_NODELAY
	OptReuseAddr                  // SO_REUSEADDR
	OptLinger                     // SO_LINGER: -1 off, else seconds
	OptNonBlock                   // O_NONBLOCK on the fd (fcntl)
	OptCloExec                    // FD_CLOEXEC on the fd (fcntl)
	OptBroadcast                  // SO_BROADCAST
	OptUserTimeout                // TCP_USER_TIMEOUT, milliseconds
	OptV6Only                     // IPV6_V6ONLY
	OptProtocol                   // SO_PROTOCOL (6 TCP, 262 MPTCP, 17 UDP)
)

var optNames = map[Opt]string{
	OptKeepAlive:   "SO_KEEPALIVE",
	OptKeepIdle:    "TCP_KEEPIDLE",
	OptKeepIntvl:   "TCP_KEEPINTVL",
	OptKeepCnt:     "TCP_KEEPCNT",
	OptNoDelay:     "TCP_NODELAY",
	OptReuseAddr:   "SO_REUSEADDR",
	OptLinger:      "SO_LINGER",
	OptNonBlock:    "O_NONBLOCK",
	OptCloExec:     "FD_CLOEXEC",
	OptBroadcast:   "SO_BROADCAST",
	OptUserTimeout: "TCP_USER_TIMEOUT",
	OptV6Only:      "IPV6_V6ONLY",
	OptProtocol:    "SO_PROTOCOL",
}

// String is the option's name: "TCP_NODELAY".
func (o Opt) String() string {
	if s, ok := optNames[o]; ok {
		return s
	}
	return fmt.Sprintf("Opt(%d)", int(o))
}

// ParseOpt returns the Opt whose String is name.
func ParseOpt(name string) (Opt, bool) {
	for o, s := range optNames {
		if s == name {
			return o, true
		}
	}
	return 0, false
}
