// Package sysobs observes and adjusts kernel sockets and processes for the
// harness.
//
// It is the only package of netconform that imports golang.org/x/sys/unix.
// Every function has a Linux implementation (files ending in _linux.go) and a
// stub elsewhere that returns an error wrapping errors.ErrUnsupported, so
// callers can report SKIP with a reason instead of guessing.
//
// What it offers:
//   - errno names and their meaning (ErrnoOf);
//   - TCP states of any socket by 4-tuple through NETLINK_SOCK_DIAG, so a
//     socket stays observable after its fd is closed (LookupTCP);
//   - socket options read and written through syscall.Conn (GetOpt, SetOpt);
//   - readiness without consuming data (Readable);
//   - the number of socket fds the process holds (OpenSockets);
//   - network namespaces, links and packet capture for isolated cases;
//   - process trees: child subreaping, descendants, who holds a pipe,
//     killing and reaping (SetChildSubreaper, Descendants, HoldsPipeForWriting).
package sysobs
