package driver

import "net"

// listener is a driver's listening socket.
type listener struct{ handle }

func (l *listener) Addr() net.Addr { return l.local }

func (l *listener) Accept() (net.Conn, error) {
	res, err := l.do("accept", "accept", nil)
	if err != nil {
		return nil, err
	}
	return l.p.newConn(res, l.network)
}
