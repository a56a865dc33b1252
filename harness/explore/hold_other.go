//go:build !linux

package explore

import (
	"errors"
	"io"
	"net"
)

// holdPort cannot keep ports here: dials to a closed listener are not
// checked.
func holdPort(net.Addr) (io.Closer, error) {
	return nil, errors.New("explore: ports are not held on this system")
}
