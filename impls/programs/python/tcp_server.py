#!/usr/bin/env python3
"""A well-behaved "hello" TCP server (Python 3 asyncio, standard library only).

Same role as seed/tcpserver, written correctly:

* listens on the port given by --port or the PORT environment variable
  (default 8080), on every address (IPv4 and IPv6), with SO_REUSEADDR
  (asyncio's default on Unix), so it restarts at once on a port that has
  TIME_WAIT sockets;
* serves every client concurrently: it reads the request -- the first chunk
  the client sends (up to 64 KiB), or EOF if the client half-closes without
  sending anything -- and replies "Hello, client!";
* then it half-closes (sends FIN) and keeps reading and discarding until the
  client's FIN, so it never closes a socket with unread data in it: its close
  is a FIN, never a RST, whatever the request size, and no socket is left in
  CLOSE_WAIT once the client has gone;
* time limits: 30 s for the request, 5 s of silence (60 s in all) while
  waiting for the client's FIN after the reply; a client that resets is
  logged and forgotten, and the server keeps accepting;
* SIGINT/SIGTERM stop it cleanly (exit status 0).

Logs go to stderr.
"""

import argparse
import asyncio
import logging
import os
import signal
import sys

REPLY = b"Hello, client!"
CHUNK = 64 * 1024
REQUEST_TIMEOUT = 30.0  # seconds to wait for the request
DRAIN_IDLE = 5.0  # seconds of silence tolerated while waiting for the client's FIN
DRAIN_TOTAL = 60.0  # at most this long in all

log = logging.getLogger("tcp_server")


async def drain_until_eof(reader: asyncio.StreamReader) -> int:
    """Read and discard until EOF; return the number of bytes discarded."""
    total = 0
    loop = asyncio.get_running_loop()
    end = loop.time() + DRAIN_TOTAL
    while True:
        left = min(DRAIN_IDLE, end - loop.time())
        if left <= 0:
            raise asyncio.TimeoutError
        chunk = await asyncio.wait_for(reader.read(CHUNK), left)
        if not chunk:
            return total
        total += len(chunk)


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    peer = writer.get_extra_info("peername")
    try:
        try:
            request = await asyncio.wait_for(reader.read(CHUNK), REQUEST_TIMEOUT)
        except asyncio.TimeoutError:
            log.info("%s: no request within %.0f s, closing", peer, REQUEST_TIMEOUT)
            return
        log.info("%s: request %r", peer, request[:200])
        writer.write(REPLY)
        await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()  # FIN: the reply is complete
        try:
            extra = await drain_until_eof(reader)
            if extra:
                log.info("%s: discarded %d more bytes before EOF", peer, extra)
        except asyncio.TimeoutError:
            log.info("%s: client did not close, closing anyway", peer)
    except (ConnectionError, OSError) as exc:
        log.info("%s: %s", peer, exc)
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass


def port_from(args_port) -> int:
    if args_port is not None:
        return args_port
    return int(os.environ.get("PORT", "8080"))


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=None, help="port (default: $PORT or 8080)")
    ap.add_argument("--host", default=None, help="address to bind (default: all)")
    args = ap.parse_args()
    port = port_from(args.port)

    server = await asyncio.start_server(handle, host=args.host, port=port,
                                        reuse_address=True, backlog=128)
    addrs = ", ".join(str(s.getsockname()) for s in server.sockets)
    log.info("listening on %s", addrs)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s: %(message)s")
    sys.exit(asyncio.run(main()))
