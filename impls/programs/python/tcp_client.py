#!/usr/bin/env python3
"""A well-behaved TCP client (Python 3 asyncio, standard library only).

Same role as the seed's TCP client, written correctly: it connects, sends one
request, half-closes its side (FIN: "the request is complete"; --keep-open
to skip that), and reads the reply until EOF, everything under one overall
timeout (--timeout, default 5 s).

* address: --host / HOST (default 127.0.0.1), --port / PORT (default 8080);
* request: --message (default "hello world\\r\\n"), repeated or cut to
  --size bytes if given;
* the reply is written to stdout as received; diagnostics go to stderr.

Exit status:
  0  the reply ended with a clean EOF (the server closed with FIN);
  1  error: connection refused, reset (RST) -- also after part or all of a
     reply --, or another socket error;
  2  timeout: no EOF within --timeout (a silent or stalled server);
  3  --expect was given and the reply differs from it.
"""

import argparse
import asyncio
import os
import sys


def parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    ap.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    ap.add_argument("--message", default="hello world\r\n")
    ap.add_argument("--size", type=int, default=None,
                    help="send exactly this many bytes (the message repeated)")
    ap.add_argument("--timeout", type=float, default=5.0, help="overall seconds")
    ap.add_argument("--keep-open", action="store_true",
                    help="do not half-close after the request")
    ap.add_argument("--expect", default=None, help="exit 3 unless the reply is exactly this")
    return ap.parse_args()


def request_bytes(args) -> bytes:
    msg = args.message.encode()
    if args.size is None:
        return msg
    if not msg:
        msg = b"x"
    return (msg * (args.size // len(msg) + 1))[: args.size]


async def exchange(args, got: bytearray) -> None:
    reader, writer = await asyncio.open_connection(args.host, args.port)
    try:
        writer.write(request_bytes(args))
        await writer.drain()
        if not args.keep_open and writer.can_write_eof():
            try:
                writer.write_eof()
            except OSError:
                # Already reset or closed by the server: the reads below
                # return what arrived and then report what happened.
                pass
        while True:
            chunk = await reader.read(64 * 1024)
            if not chunk:
                return
            got += chunk
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass


async def main() -> int:
    args = parse()
    got = bytearray()
    problem, status = None, 0
    try:
        await asyncio.wait_for(exchange(args, got), args.timeout)
    except asyncio.TimeoutError:
        problem, status = f"timeout after {args.timeout:g} s", 2
    except (ConnectionError, OSError) as exc:
        problem, status = f"{exc.__class__.__name__}: {exc}", 1
    sys.stdout.buffer.write(bytes(got))
    sys.stdout.flush()
    if status == 2:
        print(f"tcp_client: {problem}, {len(got)} bytes received, no EOF", file=sys.stderr)
    elif status == 1:
        print(f"tcp_client: {problem} ({len(got)} bytes received)", file=sys.stderr)
    elif args.expect is not None and bytes(got) != args.expect.encode():
        print(f"tcp_client: reply {bytes(got)!r} differs from expected {args.expect!r}",
              file=sys.stderr)
        status = 3
    else:
        print(f"tcp_client: {len(got)} bytes, then EOF", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
