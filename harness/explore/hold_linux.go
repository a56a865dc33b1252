package explore

import (
	"io"
	"net"
	"os"
	"syscall"
)

// holdPort binds a TCP socket to addr, without listening on it: a dial to
// addr is then refused (RST), and no listener made with port 0 can take
// the port. Addresses that are not TCP are not held (nil, nil).
func holdPort(addr net.Addr) (io.Closer, error) {
	ta, ok := addr.(*net.TCPAddr)
	if !ok {
		return nil, nil
	}
	var sa syscall.Sockaddr
	family := syscall.AF_INET
	if ip4 := ta.IP.To4(); ip4 != nil {
		s4 := &syscall.SockaddrInet4{Port: ta.Port}
		copy(s4.Addr[:], ip4)
		sa = s4
	} else {
		family = syscall.AF_INET6
		s6 := &syscall.SockaddrInet6{Port: ta.Port}
		copy(s6.Addr[:], ta.IP.To16())
		sa = s6
	}
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	if err := syscall.Bind(fd, sa); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), "held port"), nil
}
