package harness

import (
	"net"
	"time"
)

// DialOptions are the knobs a case may ask the IUT to dial with. Their
// meaning is net.Dialer's.
type DialOptions struct {
	KeepAlive       time.Duration       // 0: enabled with defaults; negative: disabled
	KeepAliveConfig net.KeepAliveConfig // wins over KeepAlive when Enable is true
	Timeout         time.Duration       // 0: none; negative: already expired
}

// Dialer returns the net.Dialer these options describe.
func (o DialOptions) Dialer() *net.Dialer {
	return &net.Dialer{KeepAlive: o.KeepAlive, KeepAliveConfig: o.KeepAliveConfig, Timeout: o.Timeout}
}

// ListenOptions are the knobs a case may ask the IUT to listen with. Their
// meaning is net.ListenConfig's.
type ListenOptions struct {
	KeepAlive       time.Duration
	KeepAliveConfig net.KeepAliveConfig
}

// ListenConfig returns the net.ListenConfig these options describe.
func (o ListenOptions) ListenConfig() *net.ListenConfig {
	return &net.ListenConfig{KeepAlive: o.KeepAlive, KeepAliveConfig: o.KeepAliveConfig}
}
