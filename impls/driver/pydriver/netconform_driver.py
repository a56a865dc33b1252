#!/usr/bin/env python3
"""netconform reference driver: CPython's socket module behind the driver
protocol (../PROTOCOL.md), standard library only.

One thread runs a selectors loop over stdin and every socket. Each request
is tried at once on a non-blocking socket; one that would block waits in
its handle's queue until the socket is ready, its deadline passes or the
handle is closed. Deadlines are the loop's own timers (Python sockets have
only per-call timeouts), checked before any data moves, as Go does.
Everything else is what the socket module does: its defaults, its errors.
"""

import base64
import collections
import errno
import fcntl
import json
import os
import platform
import selectors
import socket
import struct
import sys
import time

PROTOCOL = 1

KINDS = {
    errno.ECONNRESET: "reset",
    errno.EPIPE: "broken-pipe",
    errno.ECONNREFUSED: "refused",
    errno.ENOTCONN: "not-connected",
    errno.EHOSTUNREACH: "unreachable",
    errno.ENETUNREACH: "unreachable",
    errno.ETIMEDOUT: "timed-out",
    errno.EADDRINUSE: "addr-in-use",
    errno.EADDRNOTAVAIL: "addr-not-avail",
    errno.EMSGSIZE: "msg-size",
    errno.EDESTADDRREQ: "dest-addr-required",
    errno.ECONNABORTED: "aborted",
    errno.ENOENT: "not-found",
    errno.EBADF: "closed",
    errno.EOPNOTSUPP: "not-implemented",
}

CAPS = ["stream", "half-close", "close-read", "deadline", "listener", "listener-deadline",
        "dial", "packet", "packet-dial", "keepalive", "linger", "nodelay", "fd", "kernel",
        "tcp", "buffered"]

# Cases where CPython's socket module differs from Go's net on purpose or
# by design. Each was observed by running the suite, and each reason says
# what CPython does instead.
KNOWN = [
    {"case": "closed.close.twice",
     "reason": "socket.close() is idempotent: a second close returns None instead of failing"},
    {"case": "listener.close.twice",
     "reason": "socket.close() is idempotent: a second close returns None instead of failing"},
    {"case": "udp.close.twice",
     "reason": "socket.close() is idempotent: a second close returns None instead of failing"},
    {"case": "explore.closed.close-twice",
     "reason": "socket.close() is idempotent: a second close returns None instead of failing"},
    {"case": "keepalive.default.enabled",
     "reason": "CPython enables no TCP keep-alive unless the program sets SO_KEEPALIVE"},
    {"case": "sockopt.nodelay.default-on",
     "reason": "CPython leaves Nagle's algorithm on: TCP_NODELAY is 0 unless set"},
    {"case": "udp.writeto.connected-errors",
     "reason": "sendto() with an address on a connected UDP socket succeeds on Linux; only Go refuses it (ErrWriteToConnected)"},
    {"case": "sockopt.udp.broadcast-default",
     "reason": "a UDP socket gets SO_BROADCAST only if the program sets it"},
    {"case": "keepalive.period.sets-idle-only",
     "reason": "a positive keep-alive sets TCP_KEEPIDLE only: the interval stays the kernel's 75 s, not Go's 15 s"},
    {"case": "keepalive.config.zero-fields-default",
     "reason": "CPython has no keep-alive defaults: zero fields leave the kernel's 7200 s, 75 s and 9, not Go's 15 s, 15 s and 9"},
    {"case": "closed.read.zero-length-after-close",
     "reason": "recv(0) returns b'' before looking at the socket, even after close()"},
    {"case": "explore.closed.read-zero-fails",
     "reason": "recv(0) returns b'' before looking at the socket, even after close()"},
]


class Failure(Exception):
    """An error to report with a kind, as the protocol names them."""

    def __init__(self, kind, text, err=None):
        super().__init__(text)
        self.kind, self.text, self.errno = kind, text, err


class Unsupported(Exception):
    pass


def wire_error(exc):
    if isinstance(exc, Failure):
        e = {"kind": exc.kind, "text": exc.text}
        if exc.errno:
            e["errno"] = errno.errorcode.get(exc.errno, "")
        return e
    if isinstance(exc, OSError) and exc.errno:
        return {"kind": KINDS.get(exc.errno, "other"), "errno": errno.errorcode.get(exc.errno, ""),
                "text": str(exc)}
    return {"kind": "other", "text": "%s: %s" % (type(exc).__name__, exc)}


def now_ns():
    return time.time_ns()


def fmt_addr(addr):
    if isinstance(addr, tuple):
        host, port = addr[0], addr[1]
        return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)
    return addr


def parse_addr(network, addr):
    """Returns (family, sockaddr) for a Go-style network and address."""
    if network not in ("tcp", "tcp4", "tcp6", "udp", "udp4", "udp6"):
        raise Failure("unknown-network", "unknown network " + network)
    host, sep, port = addr.rpartition(":")
    if not sep:
        raise Failure("addr-error", "missing port in address " + addr)
    if host.startswith("[") != host.endswith("]"):
        raise Failure("addr-error", "malformed address " + addr)
    host = host.strip("[]")
    try:
        port = int(port)
    except ValueError:
        raise Failure("addr-error", "invalid port in " + addr)
    if not 0 <= port <= 65535:
        raise Failure("addr-error", "invalid port in " + addr)
    family = socket.AF_INET6 if (network.endswith("6") or ":" in host) else socket.AF_INET
    if host == "":
        host = "::" if family == socket.AF_INET6 else "0.0.0.0"
    return family, (host, port)


def sock_type(network):
    return socket.SOCK_DGRAM if network.startswith("udp") else socket.SOCK_STREAM


class Handle:
    def __init__(self, hid, sock, kind):
        self.id, self.sock, self.kind = hid, sock, kind  # kind: listener, stream, dgram
        self.closed = False
        self.rdl = None  # read deadline, ns since the epoch
        self.wdl = None
        self.readers = collections.deque()  # pending read, read_from, accept
        self.writers = collections.deque()  # pending write, write_to
        self.keepalive = None  # listen options applied to accepted conns


class Pending:
    def __init__(self, rid, op, args, handle=None):
        self.id, self.op, self.args, self.handle = rid, op, args, handle
        self.buf = None  # bytes left to write
        self.sent = 0
        self.deadline = None  # for dials


class Driver:
    def __init__(self):
        self.sel = selectors.DefaultSelector()
        self.handles = {}
        self.next_handle = 0
        self.dials = {}  # request id -> Pending
        self.inbuf = bytearray()
        self.out = sys.stdout.buffer
        os.set_blocking(0, False)
        self.sel.register(0, selectors.EVENT_READ, None)
        self.registered = {}  # fd -> events

    # ---- replies -----------------------------------------------------

    def reply(self, rid, result=None, error=None, unsupported=None):
        msg = {"id": rid}
        if unsupported is not None:
            msg["unsupported"] = unsupported
        else:
            if result is not None:
                msg["result"] = result
            if error is not None:
                msg["error"] = error
            if result is None and error is None:
                msg["result"] = {}
        self.out.write(json.dumps(msg, separators=(",", ":")).encode() + b"\n")
        self.out.flush()

    def fail(self, p, exc, result=None):
        self.reply(p.id, result=result, error=wire_error(exc))

    # ---- the loop ----------------------------------------------------

    def run(self):
        while True:
            self.expire()
            self.update_interest()
            events = self.sel.select(self.timeout())
            for key, mask in events:
                if key.data is None:
                    if not self.read_stdin():
                        return
                elif isinstance(key.data, Pending):
                    self.progress_dial(key.data)
                else:
                    self.progress(key.data, mask)

    def read_stdin(self):
        try:
            chunk = os.read(0, 1 << 20)
        except BlockingIOError:
            return True
        if not chunk:
            return False
        self.inbuf += chunk
        while True:
            i = self.inbuf.find(b"\n")
            if i < 0:
                return True
            line = bytes(self.inbuf[:i])
            del self.inbuf[:i + 1]
            if line.strip():
                self.request(line)

    def timeout(self):
        soonest = None
        for h in self.handles.values():
            if h.readers and h.rdl is not None:
                soonest = h.rdl if soonest is None else min(soonest, h.rdl)
            if h.writers and h.wdl is not None:
                soonest = h.wdl if soonest is None else min(soonest, h.wdl)
        for p in self.dials.values():
            if p.deadline is not None:
                soonest = p.deadline if soonest is None else min(soonest, p.deadline)
        if soonest is None:
            return None
        return max(0, (soonest - now_ns()) / 1e9)

    def expire(self):
        t = now_ns()
        for h in list(self.handles.values()):
            if h.rdl is not None and h.rdl <= t:
                while h.readers:
                    self.fail(h.readers.popleft(), Failure("deadline", "i/o timeout"))
            if h.wdl is not None and h.wdl <= t:
                while h.writers:
                    p = h.writers.popleft()
                    self.fail(p, Failure("deadline", "i/o timeout"), {"n": p.sent} if p.sent else None)
        for p in list(self.dials.values()):
            if p.deadline is not None and p.deadline <= t:
                self.end_dial(p)
                self.fail(p, Failure("context-deadline", "dial timed out"))

    def update_interest(self):
        want = {}
        for h in self.handles.values():
            if h.closed:
                continue
            ev = 0
            if h.readers:
                ev |= selectors.EVENT_READ
            if h.writers:
                ev |= selectors.EVENT_WRITE
            if ev:
                want[h.sock.fileno()] = (ev, h)
        for p in self.dials.values():
            want[p.sock.fileno()] = (selectors.EVENT_WRITE, p)
        for fd in list(self.registered):
            if fd not in want:
                self.sel.unregister(fd)
                del self.registered[fd]
        for fd, (ev, data) in want.items():
            if fd not in self.registered:
                self.sel.register(fd, ev, data)
            elif self.registered[fd] != (ev, data):
                self.sel.modify(fd, ev, data)
            self.registered[fd] = (ev, data)

    def forget(self, sock):
        fd = sock.fileno()
        if fd in self.registered:
            self.sel.unregister(fd)
            del self.registered[fd]

    # ---- requests ----------------------------------------------------

    def request(self, line):
        try:
            req = json.loads(line)
        except ValueError as e:
            self.reply(0, error={"kind": "invalid", "text": "not JSON: %s" % e})
            return
        rid = req.get("id") if isinstance(req, dict) else None
        if not isinstance(rid, int) or rid < 1 or not isinstance(req.get("op"), str):
            self.reply(rid if isinstance(rid, int) and rid > 0 else 0,
                       error={"kind": "invalid", "text": "a request needs an id >= 1 and an op"})
            return
        op = req["op"]
        handler = getattr(self, "op_" + op, None)
        if handler is None:
            self.reply(rid, unsupported="unknown op " + op)
            return
        try:
            result = handler(rid, req)
        except Unsupported as e:
            self.reply(rid, unsupported=str(e))
        except (Failure, OSError) as e:
            self.reply(rid, error=wire_error(e))
        except (KeyError, TypeError, ValueError) as e:
            self.reply(rid, error={"kind": "invalid", "text": "bad arguments: %r" % (e,)})
        else:
            if result is not PENDING:
                self.reply(rid, result=result)

    def handle(self, req, *kinds):
        """Returns the request's handle. A closed one is returned too: its
        socket object is closed, and calling it gives CPython's own answer
        (OSError EBADF, or nothing at all for close() and recv(0))."""
        hid = req["h"]
        h = self.handles.get(hid)
        if h is None:
            raise Failure("invalid", "no handle %r" % (hid,))
        if kinds and h.kind not in kinds:
            raise Unsupported("%s on a %s" % (req["op"], h.kind))
        return h

    def add(self, sock, kind):
        sock.setblocking(False)
        self.next_handle += 1
        h = Handle(self.next_handle, sock, kind)
        self.handles[h.id] = h
        return h

    def op_hello(self, rid, req):
        return {"protocol": PROTOCOL, "name": "driver-python", "version": "1.0.0",
                "language": "Python %s (%s)" % (platform.python_version(), platform.python_implementation()),
                "description": "CPython's socket module and selectors behind the driver protocol",
                "caps": CAPS, "close_mode": "full", "reuse": True, "known": KNOWN}

    def op_bye(self, rid, req):
        self.reply(rid, result={})
        sys.exit(0)

    def op_listen(self, rid, req):
        family, addr = parse_addr(req["network"], req["addr"])
        if sock_type(req["network"]) != socket.SOCK_STREAM:
            raise Failure("unknown-network", "listen needs a stream network")
        s = socket.create_server(addr, family=family)
        h = self.add(s, "listener")
        h.keepalive = (req.get("keepalive"), req.get("keepalive_config"))
        return {"h": h.id, "addr": fmt_addr(s.getsockname()), "fd": s.fileno()}

    def op_listen_packet(self, rid, req):
        family, addr = parse_addr(req["network"], req["addr"])
        s = socket.socket(family, socket.SOCK_DGRAM)
        try:
            s.bind(addr)
        except OSError:
            s.close()
            raise
        h = self.add(s, "dgram")
        return {"h": h.id, "addr": fmt_addr(s.getsockname()), "fd": s.fileno()}

    def conn_result(self, h, peer=None):
        """Describes a new conn; peer is the address accept() returned."""
        s = h.sock
        try:
            remote = fmt_addr(peer if peer is not None else s.getpeername())
        except OSError:
            remote = ""
        return {"h": h.id, "local": fmt_addr(s.getsockname()), "remote": remote, "fd": s.fileno()}

    def op_dial(self, rid, req):
        network = req["network"]
        family, addr = parse_addr(network, req["addr"])
        deadline = None
        if "timeout_ms" in req:
            deadline = now_ns() + req["timeout_ms"] * 1_000_000
        if "deadline_unix_ns" in req:
            dl = req["deadline_unix_ns"]
            deadline = dl if deadline is None else min(deadline, dl)
        if req.get("canceled"):
            raise Failure("canceled", "operation was canceled")
        if deadline is not None and deadline <= now_ns():
            raise Failure("context-deadline", "dial timed out")
        s = socket.socket(family, sock_type(network))
        s.setblocking(False)
        if sock_type(network) == socket.SOCK_STREAM:
            apply_keepalive_options(s, req.get("keepalive"), req.get("keepalive_config"))
        err = s.connect_ex(addr)
        if err == 0:
            return self.conn_result(self.add(s, kind_of(network)))
        if err != errno.EINPROGRESS:
            s.close()
            raise OSError(err, os.strerror(err))
        p = Pending(rid, "dial", req)
        p.sock, p.network, p.deadline = s, network, deadline
        self.dials[rid] = p
        return PENDING

    def progress_dial(self, p):
        err = p.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        self.end_dial(p, close=err != 0)
        if err:
            self.fail(p, OSError(err, os.strerror(err)))
            return
        self.reply(p.id, result=self.conn_result(self.add(p.sock, kind_of(p.network))))

    def end_dial(self, p, close=True):
        self.dials.pop(p.id, None)
        self.forget(p.sock)
        if close:
            p.sock.close()

    def op_cancel(self, rid, req):
        p = self.dials.get(req["target"])
        if p is not None:
            self.end_dial(p)
            self.fail(p, Failure("canceled", "operation was canceled"))
        return {}

    def op_accept(self, rid, req):
        return self.start(rid, req, self.handle(req, "listener"), reader=True)

    def op_read(self, rid, req):
        return self.start(rid, req, self.handle(req, "stream", "dgram"), reader=True)

    def op_read_from(self, rid, req):
        return self.start(rid, req, self.handle(req, "dgram"), reader=True)

    def op_write(self, rid, req):
        return self.start(rid, req, self.handle(req, "stream", "dgram"), reader=False)

    def op_write_to(self, rid, req):
        return self.start(rid, req, self.handle(req, "dgram"), reader=False)

    def start(self, rid, req, h, reader):
        """Tries an I/O request at once, or queues it behind its handle's
        earlier ones. An expired deadline fails it before anything moves."""
        p = Pending(rid, req["op"], req, h)
        if not reader:
            p.buf = memoryview(payload(req))
        # A closed socket answers at once, and recv(0) returns b"" without
        # a system call or a look at the timeout: both are CPython's.
        if h.closed or (req["op"] == "read" and req["n"] == 0):
            (self.try_read if reader else self.try_write)(h, p)
            return PENDING
        dl = h.rdl if reader else h.wdl
        if dl is not None and dl <= now_ns():
            raise Failure("deadline", "i/o timeout")
        queue = h.readers if reader else h.writers
        queue.append(p)
        if len(queue) == 1:
            self.progress(h, selectors.EVENT_READ if reader else selectors.EVENT_WRITE)
        return PENDING

    def progress(self, h, mask):
        """Runs the queued requests of h that the socket's readiness allows."""
        if mask & selectors.EVENT_READ:
            while h.readers and not h.closed:
                if not self.try_read(h, h.readers[0]):
                    break
                h.readers.popleft()
        if mask & selectors.EVENT_WRITE:
            while h.writers and not h.closed:
                if not self.try_write(h, h.writers[0]):
                    break
                h.writers.popleft()

    def try_read(self, h, p):
        """Returns True when p is done (answered), False when it would block."""
        try:
            if p.op == "accept":
                s, peer = h.sock.accept()
                c = self.add(s, "stream")
                apply_keepalive_options(s, *h.keepalive)
                self.reply(p.id, result=self.conn_result(c, peer))
            elif p.op == "read_from":
                data, addr = h.sock.recvfrom(p.args["n"])
                self.reply(p.id, result={"data": b64(data), "from": fmt_addr(addr)})
            else:
                n = p.args["n"]
                data = h.sock.recv(n)
                if not data and n > 0 and h.kind == "stream":
                    self.fail(p, Failure("eof", "EOF"))
                else:
                    self.reply(p.id, result={"data": b64(data)})
        except (BlockingIOError, InterruptedError):
            return False
        except OSError as e:
            self.fail(p, e)
        return True

    def try_write(self, h, p):
        try:
            while True:
                if p.op == "write_to":
                    to = p.args["to"]
                    if to == "":
                        n = h.sock.send(p.buf)  # sendto() needs an address; send() lets the kernel decide
                    else:
                        _, addr = parse_addr("udp6" if h.sock.family == socket.AF_INET6 else "udp4", to)
                        n = h.sock.sendto(p.buf, addr)
                else:
                    n = h.sock.send(p.buf)
                p.sent += n
                p.buf = p.buf[n:]
                if not p.buf or h.kind == "dgram":
                    self.reply(p.id, result={"n": p.sent})
                    return True
        except (BlockingIOError, InterruptedError):
            return False
        except (OSError, Failure) as e:
            self.fail(p, e, {"n": p.sent} if p.sent else None)
        return True

    def op_close(self, rid, req):
        h = self.handle(req)
        if h.closed:
            h.sock.close()  # idempotent in CPython
            return {}
        h.closed = True
        self.forget(h.sock)
        h.sock.close()
        for p in list(h.readers) + list(h.writers):
            self.fail(p, Failure("closed", "use of closed socket"), {"n": p.sent} if p.sent else None)
        h.readers.clear()
        h.writers.clear()
        return {}

    def op_close_write(self, rid, req):
        self.handle(req, "stream").sock.shutdown(socket.SHUT_WR)
        return {}

    def op_close_read(self, rid, req):
        self.handle(req, "stream").sock.shutdown(socket.SHUT_RD)
        return {}

    def deadline(self, req):
        if req.get("clear"):
            return None
        if "at_unix_ns" in req:
            return req["at_unix_ns"]
        return now_ns() + int(req["in_ms"] * 1_000_000)

    # Deadlines are the loop's timers; setting one goes through
    # setblocking(False), a no-op on the driver's sockets that fails with
    # EBADF on a closed one, as CPython's settimeout() does.
    def op_set_deadline(self, rid, req):
        h = self.handle(req)
        h.sock.setblocking(False)
        h.rdl = h.wdl = self.deadline(req)
        return {}

    def op_set_read_deadline(self, rid, req):
        h = self.handle(req, "stream", "dgram")
        h.sock.setblocking(False)
        h.rdl = self.deadline(req)
        return {}

    def op_set_write_deadline(self, rid, req):
        h = self.handle(req, "stream", "dgram")
        h.sock.setblocking(False)
        h.wdl = self.deadline(req)
        return {}

    def op_set_keepalive(self, rid, req):
        s = self.handle(req, "stream").sock
        if req.get("config"):
            set_keepalive_config(s, req)
            return {}
        if "enable" in req:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, int(req["enable"]))
        if "idle_ms" in req:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, secs(req["idle_ms"]))
        return {}

    def op_set_linger(self, rid, req):
        sec = req["sec"]
        onoff = struct.pack("ii", 1 if sec >= 0 else 0, max(sec, 0))
        self.handle(req, "stream").sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, onoff)
        return {}

    def op_set_nodelay(self, rid, req):
        self.handle(req, "stream").sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, int(req["on"]))
        return {}

    def op_get_sockopt(self, rid, req):
        s = self.handle(req).sock
        name = req["name"]
        if name == "O_NONBLOCK":
            return {"value": int(bool(fcntl.fcntl(s.fileno(), fcntl.F_GETFL) & os.O_NONBLOCK))}
        if name == "FD_CLOEXEC":
            return {"value": int(bool(fcntl.fcntl(s.fileno(), fcntl.F_GETFD) & fcntl.FD_CLOEXEC))}
        if name == "SO_LINGER":
            onoff, sec = struct.unpack("ii", s.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 8))
            return {"value": sec if onoff else -1}
        levels = {"SO_KEEPALIVE": socket.SOL_SOCKET, "SO_REUSEADDR": socket.SOL_SOCKET,
                  "SO_BROADCAST": socket.SOL_SOCKET, "TCP_KEEPIDLE": socket.IPPROTO_TCP,
                  "TCP_KEEPINTVL": socket.IPPROTO_TCP, "TCP_KEEPCNT": socket.IPPROTO_TCP,
                  "TCP_NODELAY": socket.IPPROTO_TCP}
        if name not in levels:
            raise Unsupported("get_sockopt " + name)
        return {"value": s.getsockopt(levels[name], getattr(socket, name))}

    def op_local_addr(self, rid, req):
        return {"addr": fmt_addr(self.handle(req).sock.getsockname())}

    def op_remote_addr(self, rid, req):
        return {"addr": fmt_addr(self.handle(req).sock.getpeername())}


PENDING = object()


def kind_of(network):
    return "dgram" if network.startswith("udp") else "stream"


def b64(data):
    return base64.b64encode(data).decode()


def payload(req):
    if "fill" in req:
        f = req["fill"]
        run = bytes((f["offset"] + i) % 251 for i in range(251))
        reps = f["len"] // 251 + 1
        # A view, not a slice: the slice would copy the 16 MiB again, and
        # the building counts in the write's timing.
        return memoryview(run * reps)[:f["len"]]
    return base64.b64decode(req["data"], validate=True)


def secs(ms):
    return max(1, -(-ms // 1000))


def set_keepalive_config(s, cfg):
    """Go's KeepAliveConfig: CPython has no defaults, so 0 and -1 both
    leave the kernel's value."""
    enable = bool(cfg.get("enable"))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, int(enable))
    if not enable:
        return
    for field, opt in (("idle_ms", socket.TCP_KEEPIDLE), ("interval_ms", socket.TCP_KEEPINTVL)):
        if cfg.get(field, 0) > 0:
            s.setsockopt(socket.IPPROTO_TCP, opt, secs(cfg[field]))
    if cfg.get("count", 0) > 0:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, cfg["count"])


def apply_keepalive_options(s, keepalive, config):
    """Dial and listen options: Go's Dialer.KeepAlive and KeepAliveConfig."""
    if config and config.get("enable"):
        set_keepalive_config(s, config)
    elif keepalive is not None and keepalive > 0:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, secs(keepalive))


if __name__ == "__main__":
    try:
        Driver().run()
    except KeyboardInterrupt:
        pass
