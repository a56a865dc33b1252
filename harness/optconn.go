package harness

// OptionConn is implemented by conns whose socket options live in another
// process (driver proxies): the harness reads and sets options through it
// instead of through syscall.Conn. Names are those of the socket options:
// "SO_KEEPALIVE", "TCP_KEEPIDLE", "TCP_NODELAY", "SO_LINGER"…
type OptionConn interface {
	GetSockopt(name string) (int, error)
	SetSockopt(name string, v int) error
}
