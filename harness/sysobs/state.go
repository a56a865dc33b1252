package sysobs

import (
	"fmt"
	"strings"
)

// TCPState is a kernel TCP state (include/net/tcp_states.h), or Absent when
// the kernel holds no socket for a 4-tuple. Absent is a legitimate expected
// state: after an RST both ends vanish, and a passive closer leaves no
// TIME_WAIT.
type TCPState uint8

// The kernel's TCP states, numbered as in tcp_states.h.
const (
	Absent TCPState = iota
	Established
	SynSent
	SynRecv
	FinWait1
	FinWait2
	TimeWait
	Close
	CloseWait
	LastAck
	Listen
	Closing
)

var stateNames = [...]string{
	Absent:      "absent",
	Established: "ESTABLISHED",
	SynSent:     "SYN_SENT",
	SynRecv:     "SYN_RECV",
	FinWait1:    "FIN_WAIT1",
	FinWait2:    "FIN_WAIT2",
	TimeWait:    "TIME_WAIT",
	Close:       "CLOSE",
	CloseWait:   "CLOSE_WAIT",
	LastAck:     "LAST_ACK",
	Listen:      "LISTEN",
	Closing:     "CLOSING",
}

// String is the state's name as ss prints it: "TIME_WAIT".
func (s TCPState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("TCPState(%d)", uint8(s))
}

// ParseTCPState parses a state name as printed by String (case-insensitive).
func ParseTCPState(name string) (TCPState, error) {
	for i, n := range stateNames {
		if strings.EqualFold(n, name) {
			return TCPState(i), nil
		}
	}
	return 0, fmt.Errorf("unknown TCP state %q", name)
}

// MarshalText implements encoding.TextMarshaler.
func (s TCPState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *TCPState) UnmarshalText(b []byte) error {
	v, err := ParseTCPState(string(b))
	*s = v
	return err
}

// Sock is what the kernel reports about one TCP socket.
type Sock struct {
	State   TCPState
	Timer   uint8  // 0 none, 1 retransmit, 2 keepalive, 3 TIME_WAIT/FIN_WAIT2, 4 zero-window probe
	Expires uint32 // milliseconds until the timer fires
	RQueue  uint32 // bytes queued for reading (LISTEN: accept backlog length)
	WQueue  uint32 // bytes queued for sending
}
