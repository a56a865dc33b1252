#!/usr/bin/env python3
"""A well-behaved UDP echo server (Python 3 asyncio, standard library only).

Same role as seed/udpserver (one socket, many clients), written correctly:

* binds one UDP socket to the port given by --port or the PORT environment
  variable (default 8080), on every address: an IPv6 socket accepting IPv4
  too (IPV6_V6ONLY off), or an IPv4 socket where IPv6 is unavailable;
* answers every datagram with b"echo:" + payload, sent to the datagram's
  source address: many clients on separate sockets each get their own
  replies; an empty datagram is answered with b"echo:";
* the socket is never connected, and every error the socket reports (ICMP
  port unreachable from a client that has gone, a reply too big to send --
  a payload over 65502 bytes makes "echo:"+payload exceed the 65507-byte
  UDP limit, EMSGSIZE --, a full buffer) is logged and ignored: the server
  keeps serving;
* datagrams up to the UDP maximum are received whole (256 KiB buffer);
* SIGINT/SIGTERM stop it cleanly (exit status 0).

Logs go to stderr.
"""

import argparse
import asyncio
import logging
import os
import signal
import socket
import sys

log = logging.getLogger("udp_server")


class Echo(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        log.info("%s: %d bytes", addr[:2], len(data))
        self.transport.sendto(b"echo:" + data, addr)

    def error_received(self, exc: Exception) -> None:
        # ICMP errors, EMSGSIZE, ENOBUFS...: one client's trouble is not the
        # server's. Log and keep serving.
        log.warning("socket error (ignored): %s", exc)

    def connection_lost(self, exc) -> None:
        if exc is not None:
            log.error("socket closed: %s", exc)


def make_socket(host, port: int) -> socket.socket:
    if host is None:
        try:
            s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            s.bind(("::", port))
            return s
        except OSError:
            s.close()
        host = "0.0.0.0"
    fam, _, _, _, sa = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM,
                                          flags=socket.AI_PASSIVE)[0]
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind(sa)
    return s


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=None, help="port (default: $PORT or 8080)")
    ap.add_argument("--host", default=None, help="address to bind (default: all)")
    args = ap.parse_args()
    port = args.port if args.port is not None else int(os.environ.get("PORT", "8080"))

    sock = make_socket(args.host, port)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(Echo, sock=sock)
    log.info("serving on %s", sock.getsockname()[:2])

    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    transport.close()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s: %(message)s")
    sys.exit(asyncio.run(main()))
