//go:build !linux

package sysobs

import (
	"errors"
	"time"
)

// A Capture receives the IP packets that cross one interface. It is
// Linux-only.
type Capture struct{}

// ErrNoPacket is returned by Read when no packet arrived in time.
var ErrNoPacket = errors.New("no packet")

// OpenCapture starts capturing on the named interface. It is Linux-only.
func OpenCapture(ifname string) (*Capture, error) { return nil, errUnsupported("OpenCapture") }

// Read copies the next packet into buf.
func (c *Capture) Read(buf []byte) (int, time.Time, uint16, error) {
	return 0, time.Time{}, 0, errUnsupported("Capture.Read")
}

// Close stops the capture.
func (c *Capture) Close() error { return nil }
