/*
 * netconform reference driver in C: POSIX sockets and poll(2) behind the
 * driver protocol (../PROTOCOL.md). JSON through cJSON (Debian:
 * libcjson-dev). Build: cc -O2 -Wall -o cdriver driver.c -lcjson
 *
 * One thread runs a poll loop over stdin and every socket. Each request is
 * tried at once on a non-blocking socket; one that would block waits in its
 * handle's queue until the socket is ready, its deadline passes or the
 * handle is closed. Deadlines are the loop's own timers, checked before any
 * data moves (Go's order). Everything else is what the kernel does for a
 * plain C program: no socket option is set that the request did not ask for.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

enum { K_LISTENER, K_STREAM, K_DGRAM };
enum { OP_ACCEPT, OP_READ, OP_READ_FROM, OP_WRITE, OP_WRITE_TO };

struct pending {
	long long id;
	int op;
	size_t n;              /* read size */
	unsigned char *buf;    /* write payload; NULL for a fill on a stream */
	size_t len, sent;
	size_t fill_off;       /* with buf NULL: the pattern's offset, 0..250 */
	int has_to;
	struct sockaddr_storage to;
	socklen_t tolen;
	struct pending *next;
};

struct handle {
	int fd, kind, family, closed;
	long long rdl, wdl; /* deadlines, ns since the epoch; 0: none */
	struct pending *readers, *writers;
	long long ka_ms;    /* listen options, applied to accepted conns */
	cJSON *ka_config;
};

struct dial {
	long long id, deadline;
	int fd, kind;
	struct dial *next;
};

static struct handle *handles; /* index: handle id; 0 unused */
static int nhandles = 1, caphandles;
static struct dial *dials;

/* ---- replies ---------------------------------------------------------- */

static void emit(cJSON *msg)
{
	char *s = cJSON_PrintUnformatted(msg);
	fputs(s, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	free(s);
	cJSON_Delete(msg);
}

static cJSON *msg_for(long long id)
{
	cJSON *m = cJSON_CreateObject();
	cJSON_AddNumberToObject(m, "id", (double)id);
	return m;
}

static void reply(long long id, cJSON *result)
{
	cJSON *m = msg_for(id);
	cJSON_AddItemToObject(m, "result", result ? result : cJSON_CreateObject());
	emit(m);
}

static const char *kind_of_errno(int e)
{
	switch (e) {
	case ECONNRESET: return "reset";
	case EPIPE: return "broken-pipe";
	case ECONNREFUSED: return "refused";
	case ENOTCONN: return "not-connected";
	case EHOSTUNREACH: case ENETUNREACH: return "unreachable";
	case ETIMEDOUT: return "timed-out";
	case EADDRINUSE: return "addr-in-use";
	case EADDRNOTAVAIL: return "addr-not-avail";
	case EMSGSIZE: return "msg-size";
	case EDESTADDRREQ: return "dest-addr-required";
	case ECONNABORTED: return "aborted";
	case ENOENT: return "not-found";
	case EBADF: return "closed";
	case EOPNOTSUPP: return "not-implemented";
	}
	return "other";
}

/* fail answers id with an error; e is an errno or 0; partial, when
 * non-negative, is the count of bytes moved before the error. */
static void fail(long long id, const char *kind, int e, const char *text, long long partial)
{
	cJSON *m = msg_for(id), *err = cJSON_CreateObject();
	if (partial > 0) {
		cJSON *r = cJSON_AddObjectToObject(m, "result");
		cJSON_AddNumberToObject(r, "n", (double)partial);
	}
	cJSON_AddStringToObject(err, "kind", kind ? kind : kind_of_errno(e));
	if (e) {
		const char *name = strerrorname_np(e);
		if (name)
			cJSON_AddStringToObject(err, "errno", name);
	}
	cJSON_AddStringToObject(err, "text", text ? text : strerror(e));
	cJSON_AddItemToObject(m, "error", err);
	emit(m);
}

static void fail_errno(long long id, int e, long long partial) { fail(id, NULL, e, NULL, partial); }

static void unsupported(long long id, const char *why)
{
	cJSON *m = msg_for(id);
	cJSON_AddStringToObject(m, "unsupported", why);
	emit(m);
}

/* ---- helpers ---------------------------------------------------------- */

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64encode(const unsigned char *p, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1), *o = out;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = p[i] << 16 | (i + 1 < n ? p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
		*o++ = b64chars[v >> 18 & 63];
		*o++ = b64chars[v >> 12 & 63];
		*o++ = i + 1 < n ? b64chars[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? b64chars[v & 63] : '=';
	}
	*o = 0;
	return out;
}

/* b64decode returns a malloc'd buffer and its length, or NULL. */
static unsigned char *b64decode(const char *s, size_t *n)
{
	size_t len = strlen(s);
	if (len % 4)
		return NULL;
	unsigned char *out = malloc(len / 4 * 3 + 1);
	size_t o = 0;
	for (size_t i = 0; i < len; i += 4) {
		unsigned v = 0;
		int pad = 0;
		for (int j = 0; j < 4; j++) {
			const char *c = strchr(b64chars, s[i + j]);
			if (s[i + j] == '=' && i + 4 == len && j >= 2) {
				pad++;
				v <<= 6;
			} else if (c && s[i + j] && !pad) {
				v = v << 6 | (unsigned)(c - b64chars);
			} else {
				free(out);
				return NULL;
			}
		}
		out[o++] = v >> 16;
		if (pad < 2)
			out[o++] = v >> 8;
		if (pad < 1)
			out[o++] = v;
	}
	*n = o;
	return out;
}

static void fmt_addr(const struct sockaddr_storage *ss, char *out, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "";
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
		snprintf(out, size, "[%s]:%d", host, ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const void *)ss;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
		snprintf(out, size, "%s:%d", host, ntohs(a->sin_port));
	}
}

/* parse_addr fills ss from a Go-style address for network; on failure it
 * returns the error kind and sets *why. */
static const char *parse_addr(const char *network, const char *addr, struct sockaddr_storage *ss,
			      socklen_t *len, int *type, const char **why)
{
	int v6only = 0, v4only = 0;
	if (!strcmp(network, "tcp") || !strcmp(network, "tcp4") || !strcmp(network, "tcp6"))
		*type = SOCK_STREAM;
	else if (!strcmp(network, "udp") || !strcmp(network, "udp4") || !strcmp(network, "udp6"))
		*type = SOCK_DGRAM;
	else {
		*why = "unknown network";
		return "unknown-network";
	}
	v6only = network[3] == '6';
	v4only = network[3] == '4';
	const char *colon = strrchr(addr, ':');
	if (!colon) {
		*why = "missing port in address";
		return "addr-error";
	}
	char host[128];
	size_t hl = (size_t)(colon - addr);
	if (hl >= sizeof host) {
		*why = "address too long";
		return "addr-error";
	}
	memcpy(host, addr, hl);
	host[hl] = 0;
	if ((host[0] == '[') != (hl > 0 && host[hl - 1] == ']')) {
		*why = "malformed address";
		return "addr-error";
	}
	if (host[0] == '[') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = 0;
	}
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 0 || port > 65535) {
		*why = "invalid port";
		return "addr-error";
	}
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *a4 = (void *)ss;
	struct sockaddr_in6 *a6 = (void *)ss;
	if (!v6only && (host[0] ? inet_pton(AF_INET, host, &a4->sin_addr) == 1 : !v6only)) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((unsigned short)port);
		*len = sizeof *a4;
		return NULL;
	}
	if (!v4only && (host[0] ? inet_pton(AF_INET6, host, &a6->sin6_addr) == 1 : 1)) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((unsigned short)port);
		*len = sizeof *a6;
		return NULL;
	}
	*why = "not an IP address of the network (this driver resolves no names)";
	return "addr-error";
}

static long long num(cJSON *req, const char *key, long long def)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);
	return cJSON_IsNumber(v) ? (long long)v->valuedouble : def;
}

static const char *str(cJSON *req, const char *key)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int has(cJSON *req, const char *key) { return cJSON_GetObjectItemCaseSensitive(req, key) != NULL; }

static int truth(cJSON *req, const char *key) { return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, key)); }

static int add_handle(int fd, int kind, int family)
{
	if (nhandles >= caphandles) {
		caphandles = caphandles ? 2 * caphandles : 64;
		handles = realloc(handles, caphandles * sizeof *handles);
	}
	struct handle *h = &handles[nhandles];
	memset(h, 0, sizeof *h);
	h->fd = fd, h->kind = kind, h->family = family;
	return nhandles++;
}

static void free_pending(struct pending *p)
{
	free(p->buf);
	free(p);
}

static int secs(long long ms) { return (int)((ms + 999) / 1000); }

static void setint(int fd, int level, int opt, int v) { setsockopt(fd, level, opt, &v, sizeof v); }

/* keepalive_config applies Go's KeepAliveConfig; C has no defaults, so 0
 * and -1 both leave the kernel's value. */
static int keepalive_config(int fd, cJSON *cfg)
{
	int enable = truth(cfg, "enable");
	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &enable, sizeof enable) < 0)
		return -1;
	if (!enable)
		return 0;
	long long idle = num(cfg, "idle_ms", 0), intvl = num(cfg, "interval_ms", 0), count = num(cfg, "count", 0);
	if (idle > 0)
		setint(fd, IPPROTO_TCP, TCP_KEEPIDLE, secs(idle));
	if (intvl > 0)
		setint(fd, IPPROTO_TCP, TCP_KEEPINTVL, secs(intvl));
	if (count > 0)
		setint(fd, IPPROTO_TCP, TCP_KEEPCNT, (int)count);
	return 0;
}

/* keepalive_options applies dial and listen options (Go's Dialer.KeepAlive
 * and KeepAliveConfig). */
static void keepalive_options(int fd, long long ka_ms, cJSON *cfg)
{
	if (cfg && truth(cfg, "enable"))
		keepalive_config(fd, cfg);
	else if (ka_ms > 0) {
		setint(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
		setint(fd, IPPROTO_TCP, TCP_KEEPIDLE, secs(ka_ms));
	}
}

/* conn_result describes a new conn; peer is the address accept(2)
 * returned, or NULL to ask getpeername(2). */
static cJSON *conn_result(int h, const struct sockaddr_storage *peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char buf[80];
	cJSON *r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "h", h);
	getsockname(handles[h].fd, (void *)&ss, &len);
	fmt_addr(&ss, buf, sizeof buf);
	cJSON_AddStringToObject(r, "local", buf);
	len = sizeof ss;
	if (peer)
		fmt_addr(peer, buf, sizeof buf);
	else if (getpeername(handles[h].fd, (void *)&ss, &len) == 0)
		fmt_addr(&ss, buf, sizeof buf);
	else
		buf[0] = 0;
	cJSON_AddStringToObject(r, "remote", buf);
	cJSON_AddNumberToObject(r, "fd", handles[h].fd);
	return r;
}

/* pattern is netconform's test pattern from offset 0 (byte i is
 * i mod 251), one period longer than PATTERN_SPAN, so that a run of up to
 * PATTERN_SPAN bytes from any offset is a slice of it. A fill written on a
 * stream is sent from it, PATTERN_SPAN bytes at most per send(), and never
 * built: building 16 MiB byte by byte takes this single thread tens of
 * milliseconds (hundreds on a loaded machine), during which it reads no
 * request, so a close sent meanwhile would be answered late, and the
 * harness would count the building as the write's. */
#define PATTERN_SPAN (251 * 4096)
static unsigned char pattern[PATTERN_SPAN + 251];

static void init_pattern(void)
{
	if (pattern[1])
		return;
	for (size_t i = 0; i < sizeof pattern; i++)
		pattern[i] = (unsigned char)(i % 251);
}

/* fill_offset is a fill's offset reduced to 0..250. */
static size_t fill_offset(cJSON *fill) { return (size_t)((num(fill, "offset", 0) % 251 + 251) % 251); }

/* ---- pending I/O ------------------------------------------------------ */

static void enqueue(struct pending **q, struct pending *p)
{
	while (*q)
		q = &(*q)->next;
	*q = p;
}

/* try_read returns 1 when p has been answered, 0 when it would block. */
static int try_read(int hid, struct pending *p)
{
	struct handle *h = &handles[hid];
	if (p->op == OP_ACCEPT) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		int fd = accept4(h->fd, (void *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			fail_errno(p->id, errno, -1);
			return 1;
		}
		keepalive_options(fd, h->ka_ms, h->ka_config);
		int c = add_handle(fd, K_STREAM, ss.ss_family);
		reply(p->id, conn_result(c, &ss));
		return 1;
	}
	unsigned char *buf = malloc(p->n ? p->n : 1);
	struct sockaddr_storage from;
	socklen_t flen = sizeof from;
	ssize_t n = p->op == OP_READ_FROM ? recvfrom(h->fd, buf, p->n, 0, (void *)&from, &flen)
					  : recv(h->fd, buf, p->n, 0);
	if (n < 0) {
		free(buf);
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		fail_errno(p->id, errno, -1);
		return 1;
	}
	if (n == 0 && p->n > 0 && h->kind == K_STREAM) {
		free(buf);
		fail(p->id, "eof", 0, "EOF", -1);
		return 1;
	}
	cJSON *r = cJSON_CreateObject();
	char *enc = b64encode(buf, (size_t)n);
	cJSON_AddStringToObject(r, "data", enc);
	free(enc);
	free(buf);
	if (p->op == OP_READ_FROM) {
		char a[80];
		fmt_addr(&from, a, sizeof a);
		cJSON_AddStringToObject(r, "from", a);
	}
	reply(p->id, r);
	return 1;
}

static int try_write(int hid, struct pending *p)
{
	struct handle *h = &handles[hid];
	for (;;) {
		ssize_t n;
		const unsigned char *b;
		size_t len = p->len - p->sent;
		if (p->buf)
			b = p->buf + p->sent;
		else {
			b = pattern + (p->fill_off + p->sent) % 251;
			if (len > PATTERN_SPAN)
				len = PATTERN_SPAN;
		}
		if (p->op == OP_WRITE_TO)
			n = sendto(h->fd, b, len, MSG_NOSIGNAL,
				   p->has_to ? (void *)&p->to : NULL, p->has_to ? p->tolen : 0);
		else
			n = send(h->fd, b, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			fail_errno(p->id, errno, (long long)p->sent);
			return 1;
		}
		p->sent += (size_t)n;
		if (p->sent == p->len || h->kind == K_DGRAM) {
			cJSON *r = cJSON_CreateObject();
			cJSON_AddNumberToObject(r, "n", (double)p->sent);
			reply(p->id, r);
			return 1;
		}
	}
}

/* progress runs the queued requests of a handle that readiness allows. */
static void progress(int hid, int readable, int writable)
{
	while (readable && !handles[hid].closed && handles[hid].readers) {
		struct pending *p = handles[hid].readers;
		if (!try_read(hid, p))
			break;
		handles[hid].readers = p->next; /* handles may have moved: index again */
		free_pending(p);
	}
	while (writable && !handles[hid].closed && handles[hid].writers) {
		struct pending *p = handles[hid].writers;
		if (!try_write(hid, p))
			break;
		handles[hid].writers = p->next;
		free_pending(p);
	}
}

static void fail_queue(struct pending **q, const char *kind, const char *text)
{
	while (*q) {
		struct pending *p = *q;
		*q = p->next;
		fail(p->id, kind, 0, text, (long long)p->sent);
		free_pending(p);
	}
}

static void end_dial(struct dial *d, int close_fd)
{
	struct dial **pp = &dials;
	while (*pp != d)
		pp = &(*pp)->next;
	*pp = d->next;
	if (close_fd)
		close(d->fd);
	free(d);
}

static void expire(void)
{
	long long t = now_ns();
	for (int i = 1; i < nhandles; i++) {
		if (handles[i].rdl && handles[i].rdl <= t)
			fail_queue(&handles[i].readers, "deadline", "i/o timeout");
		if (handles[i].wdl && handles[i].wdl <= t)
			fail_queue(&handles[i].writers, "deadline", "i/o timeout");
	}
	for (struct dial *d = dials, *next; d; d = next) {
		next = d->next;
		if (d->deadline && d->deadline <= t) {
			long long id = d->id;
			end_dial(d, 1);
			fail(id, "context-deadline", 0, "dial timed out", -1);
		}
	}
}

/* ---- requests --------------------------------------------------------- */

/* handle returns the request's handle of one of the kinds in mask, or
 * answers the request and returns 0. */
static int handle_of(long long id, cJSON *req, int mask)
{
	long long h = num(req, "h", 0);
	if (h <= 0 || h >= nhandles) {
		fail(id, "invalid", 0, "no such handle", -1);
		return 0;
	}
	if (!(mask & 1 << handles[h].kind)) {
		unsupported(id, "operation not available on this kind of socket");
		return 0;
	}
	if (handles[h].closed) {
		/* close(2) freed the number, which may name another socket by
		 * now: answer as the kernel did for the closed descriptor. */
		fail(id, "closed", EBADF, NULL, -1);
		return 0;
	}
	return (int)h;
}

#define ANY (1 << K_LISTENER | 1 << K_STREAM | 1 << K_DGRAM)
#define CONN (1 << K_STREAM | 1 << K_DGRAM)

/* payload returns the bytes a write carries, built (a datagram is sent
 * whole, in one call, so a fill is built for it too). */
static unsigned char *payload(cJSON *req, size_t *len)
{
	cJSON *fill = cJSON_GetObjectItemCaseSensitive(req, "fill");
	if (fill) {
		long long off = num(fill, "offset", 0), n = num(fill, "len", 0);
		unsigned char *b = malloc(n ? (size_t)n : 1);
		for (long long i = 0; i < n; i++)
			b[i] = (unsigned char)((off + i) % 251);
		*len = (size_t)n;
		return b;
	}
	const char *data = str(req, "data");
	return data ? b64decode(data, len) : NULL;
}

static void start_io(long long id, cJSON *req, int op)
{
	int mask = op == OP_ACCEPT ? 1 << K_LISTENER
		   : (op == OP_READ_FROM || op == OP_WRITE_TO) ? 1 << K_DGRAM : CONN;
	int h = handle_of(id, req, mask);
	if (!h)
		return;
	int reader = op == OP_ACCEPT || op == OP_READ || op == OP_READ_FROM;
	cJSON *fill = cJSON_GetObjectItemCaseSensitive(req, "fill");
	if (!reader && fill && num(fill, "len", 0) < 0) {
		fail(id, "invalid", 0, "fill.len is negative", -1);
		return;
	}
	struct pending *p = calloc(1, sizeof *p);
	p->id = id, p->op = op, p->n = (size_t)num(req, "n", 0);
	if (!reader && fill && handles[h].kind == K_STREAM) {
		init_pattern();
		p->fill_off = fill_offset(fill), p->len = (size_t)num(fill, "len", 0);
	} else if (!reader) {
		p->buf = payload(req, &p->len);
		if (!p->buf) {
			fail(id, "invalid", 0, "data is not base64", -1);
			free(p);
			return;
		}
		const char *to = str(req, "to");
		if (op == OP_WRITE_TO && to && to[0]) {
			int type;
			const char *why, *kind = parse_addr(handles[h].family == AF_INET6 ? "udp6" : "udp4", to, &p->to, &p->tolen, &type, &why);
			if (kind) {
				fail(id, kind, 0, why, -1);
				free_pending(p);
				return;
			}
			p->has_to = 1;
		}
	}
	long long dl = reader ? handles[h].rdl : handles[h].wdl;
	if (dl && dl <= now_ns()) {
		fail(id, "deadline", 0, "i/o timeout", -1);
		free_pending(p);
		return;
	}
	struct pending **q = reader ? &handles[h].readers : &handles[h].writers;
	int first = *q == NULL;
	enqueue(q, p);
	if (first)
		progress(h, reader, !reader);
}

/* request_addr parses a request's network and addr; on failure it has
 * replied with the error and returns 0. */
static int request_addr(long long id, cJSON *req, struct sockaddr_storage *ss, socklen_t *len, int *type)
{
	const char *why, *kind = parse_addr(str(req, "network") ? str(req, "network") : "", str(req, "addr") ? str(req, "addr") : "", ss, len, type, &why);
	if (kind) {
		fail(id, kind, 0, why, -1);
		return 0;
	}
	return 1;
}

static void op_listen(long long id, cJSON *req, int packet)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int type;
	if (!request_addr(id, req, &ss, &len, &type))
		return;
	if ((type == SOCK_DGRAM) != packet) {
		fail(id, "unknown-network", 0, "wrong kind of network for this op", -1);
		return;
	}
	int fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (void *)&ss, len) < 0 || (!packet && listen(fd, SOMAXCONN) < 0)) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		fail_errno(id, e, -1);
		return;
	}
	int h = add_handle(fd, packet ? K_DGRAM : K_LISTENER, ss.ss_family);
	if (!packet) {
		handles[h].ka_ms = num(req, "keepalive", 0);
		cJSON *cfg = cJSON_GetObjectItemCaseSensitive(req, "keepalive_config");
		handles[h].ka_config = cfg ? cJSON_Duplicate(cfg, 1) : NULL;
	}
	len = sizeof ss;
	getsockname(fd, (void *)&ss, &len);
	char a[80];
	fmt_addr(&ss, a, sizeof a);
	cJSON *r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "h", h);
	cJSON_AddStringToObject(r, "addr", a);
	cJSON_AddNumberToObject(r, "fd", fd);
	reply(id, r);
}

static void op_dial(long long id, cJSON *req)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int type;
	if (!request_addr(id, req, &ss, &len, &type))
		return;
	long long deadline = 0;
	if (has(req, "timeout_ms"))
		deadline = now_ns() + num(req, "timeout_ms", 0) * 1000000LL;
	if (has(req, "deadline_unix_ns")) {
		long long d = num(req, "deadline_unix_ns", 0);
		deadline = deadline && deadline < d ? deadline : d;
	}
	if (truth(req, "canceled")) {
		fail(id, "canceled", 0, "operation was canceled", -1);
		return;
	}
	if (deadline && deadline <= now_ns()) {
		fail(id, "context-deadline", 0, "dial timed out", -1);
		return;
	}
	int fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fail_errno(id, errno, -1);
		return;
	}
	if (type == SOCK_STREAM)
		keepalive_options(fd, num(req, "keepalive", 0), cJSON_GetObjectItemCaseSensitive(req, "keepalive_config"));
	int k = type == SOCK_DGRAM ? K_DGRAM : K_STREAM;
	if (connect(fd, (void *)&ss, len) == 0) {
		reply(id, conn_result(add_handle(fd, k, ss.ss_family), NULL));
		return;
	}
	if (errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		fail_errno(id, e, -1);
		return;
	}
	struct dial *d = calloc(1, sizeof *d);
	d->id = id, d->deadline = deadline, d->fd = fd, d->kind = k;
	d->next = dials;
	dials = d;
}

static void dial_ready(struct dial *d)
{
	int e = 0;
	socklen_t l = sizeof e;
	getsockopt(d->fd, SOL_SOCKET, SO_ERROR, &e, &l);
	long long id = d->id;
	if (e) {
		end_dial(d, 1);
		fail_errno(id, e, -1);
		return;
	}
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	getsockname(d->fd, (void *)&ss, &len);
	int fd = d->fd, k = d->kind;
	end_dial(d, 0);
	reply(id, conn_result(add_handle(fd, k, ss.ss_family), NULL));
}

static void op_close(long long id, cJSON *req)
{
	int h = handle_of(id, req, ANY);
	if (!h)
		return;
	handles[h].closed = 1;
	close(handles[h].fd);
	fail_queue(&handles[h].readers, "closed", "use of closed socket");
	fail_queue(&handles[h].writers, "closed", "use of closed socket");
	cJSON_Delete(handles[h].ka_config);
	handles[h].ka_config = NULL;
	reply(id, NULL);
}

static long long deadline_of(cJSON *req)
{
	if (truth(req, "clear"))
		return 0;
	if (has(req, "at_unix_ns"))
		return num(req, "at_unix_ns", 0);
	cJSON *in = cJSON_GetObjectItemCaseSensitive(req, "in_ms");
	return now_ns() + (long long)((cJSON_IsNumber(in) ? in->valuedouble : 0) * 1e6);
}

static void op_deadline(long long id, cJSON *req, int r, int w)
{
	int h = handle_of(id, req, r && w ? ANY : CONN);
	if (!h)
		return;
	long long t = deadline_of(req);
	if (r)
		handles[h].rdl = t;
	if (w)
		handles[h].wdl = t;
	reply(id, NULL);
}

static void op_setopt(long long id, cJSON *req, const char *op)
{
	int h = handle_of(id, req, 1 << K_STREAM);
	if (!h)
		return;
	int fd = handles[h].fd, rc = 0;
	if (!strcmp(op, "set_linger")) {
		long long sec = num(req, "sec", -1);
		struct linger l = {sec >= 0, sec >= 0 ? (int)sec : 0};
		rc = setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	} else if (!strcmp(op, "set_nodelay")) {
		int on = truth(req, "on");
		rc = setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	} else if (truth(req, "config")) {
		rc = keepalive_config(fd, req);
	} else {
		if (has(req, "enable")) {
			int on = truth(req, "enable");
			rc = setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
		}
		if (!rc && has(req, "idle_ms")) {
			int s = secs(num(req, "idle_ms", 0));
			rc = setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &s, sizeof s);
		}
	}
	if (rc < 0)
		fail_errno(id, errno, -1);
	else
		reply(id, NULL);
}

static void op_get_sockopt(long long id, cJSON *req)
{
	int h = handle_of(id, req, ANY);
	if (!h)
		return;
	int fd = handles[h].fd, v = 0;
	const char *name = str(req, "name");
	socklen_t l = sizeof v;
	static const struct { const char *name; int level, opt; } opts[] = {
		{"SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE}, {"SO_REUSEADDR", SOL_SOCKET, SO_REUSEADDR},
		{"SO_BROADCAST", SOL_SOCKET, SO_BROADCAST}, {"TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE},
		{"TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL}, {"TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT},
		{"TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY},
	};
	int rc = -1;
	if (!name) {
		fail(id, "invalid", 0, "get_sockopt needs a name", -1);
		return;
	} else if (!strcmp(name, "O_NONBLOCK")) {
		v = !!(fcntl(fd, F_GETFL) & O_NONBLOCK), rc = 0;
	} else if (!strcmp(name, "FD_CLOEXEC")) {
		v = !!(fcntl(fd, F_GETFD) & FD_CLOEXEC), rc = 0;
	} else if (!strcmp(name, "SO_LINGER")) {
		struct linger lg;
		socklen_t ll = sizeof lg;
		rc = getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &ll);
		v = lg.l_onoff ? lg.l_linger : -1;
	} else {
		size_t i = 0;
		while (i < sizeof opts / sizeof opts[0] && strcmp(name, opts[i].name))
			i++;
		if (i == sizeof opts / sizeof opts[0]) {
			unsupported(id, "unknown option");
			return;
		}
		rc = getsockopt(fd, opts[i].level, opts[i].opt, &v, &l);
	}
	if (rc < 0) {
		fail_errno(id, errno, -1);
		return;
	}
	cJSON *r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "value", v);
	reply(id, r);
}

static void op_addr(long long id, cJSON *req, int local)
{
	int h = handle_of(id, req, ANY);
	if (!h)
		return;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if ((local ? getsockname : getpeername)(handles[h].fd, (void *)&ss, &len) < 0) {
		fail_errno(id, errno, -1);
		return;
	}
	char a[80];
	fmt_addr(&ss, a, sizeof a);
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "addr", a);
	reply(id, r);
}

static void op_hello(long long id)
{
	static const char *caps[] = {"stream", "half-close", "close-read", "deadline", "listener",
				     "listener-deadline", "dial", "packet", "packet-dial", "keepalive",
				     "linger", "nodelay", "fd", "kernel", "tcp", "buffered"};
	/* Observed by running the suite; each reason says what C does. */
	static const char *known[][2] = {
		{"keepalive.default.enabled", "a C socket has no TCP keep-alive unless the program sets SO_KEEPALIVE"},
		{"sockopt.nodelay.default-on", "Nagle's algorithm stays on: TCP_NODELAY is 0 unless set"},
		{"sockopt.listener.reuseaddr", "a listener gets SO_REUSEADDR only if the program sets it"},
		{"udp.writeto.connected-errors", "sendto() with an address on a connected UDP socket succeeds on Linux; only Go refuses it (ErrWriteToConnected)"},
		{"sockopt.udp.broadcast-default", "a UDP socket gets SO_BROADCAST only if the program sets it"},
		{"listener.listen.rebind-after-close", "without SO_REUSEADDR, listening again on the port of a closed listener fails with EADDRINUSE while its conns are in TIME_WAIT"},
		{"keepalive.period.sets-idle-only", "a positive keep-alive sets TCP_KEEPIDLE only: the interval stays the kernel's 75 s, not Go's 15 s"},
		{"keepalive.config.zero-fields-default", "C has no keep-alive defaults of its own: zero fields leave the kernel's 7200 s, 75 s and 9, not Go's 15 s, 15 s and 9"},
		{"eof.read.zero-length", "recv() with a zero-length buffer is not special: on a TCP socket with nothing queued it waits like any read (EAGAIN, then poll)"},
		{"deadline.read.zero-length-past", "a zero-length read is not special: with an expired deadline it fails like any read"},
		{"explore.read.zero-length", "a zero-length read is not special: it waits for data, the end of the stream or the deadline like any read"},
		{"udp.read.zero-length-keeps-datagram", "recv() with a zero-length buffer on a UDP socket consumes the next datagram, truncated to nothing"},
	};
	cJSON *r = cJSON_CreateObject(), *c = cJSON_AddArrayToObject(r, "caps"), *k;
	struct utsname u;
	char lang[256];
	uname(&u);
	snprintf(lang, sizeof lang, "C (%s, POSIX sockets, %s %s)",
#ifdef __GNUC__
		 "gcc " __VERSION__,
#else
		 "cc",
#endif
		 u.sysname, u.release);
	cJSON_AddNumberToObject(r, "protocol", 1);
	cJSON_AddStringToObject(r, "name", "driver-c");
	cJSON_AddStringToObject(r, "version", "1.0.0");
	cJSON_AddStringToObject(r, "language", lang);
	cJSON_AddStringToObject(r, "description", "POSIX sockets and poll(2) behind the driver protocol");
	cJSON_AddStringToObject(r, "close_mode", "full");
	cJSON_AddBoolToObject(r, "reuse", 1);
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
		cJSON_AddItemToArray(c, cJSON_CreateString(caps[i]));
	k = cJSON_AddArrayToObject(r, "known");
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "case", known[i][0]);
		cJSON_AddStringToObject(e, "reason", known[i][1]);
		cJSON_AddItemToArray(k, e);
	}
	reply(id, r);
}

static void request(const char *line)
{
	cJSON *req = cJSON_Parse(line);
	cJSON *idv = req ? cJSON_GetObjectItemCaseSensitive(req, "id") : NULL;
	const char *op = req ? str(req, "op") : NULL;
	long long id = cJSON_IsNumber(idv) && idv->valuedouble >= 1 ? (long long)idv->valuedouble : 0;
	if (!req || !id || !op) {
		fail(id, "invalid", 0, req ? "a request needs an id >= 1 and an op" : "not JSON", -1);
		cJSON_Delete(req);
		return;
	}
	if (!strcmp(op, "hello"))
		op_hello(id);
	else if (!strcmp(op, "bye")) {
		reply(id, NULL);
		exit(0);
	} else if (!strcmp(op, "listen"))
		op_listen(id, req, 0);
	else if (!strcmp(op, "listen_packet"))
		op_listen(id, req, 1);
	else if (!strcmp(op, "dial"))
		op_dial(id, req);
	else if (!strcmp(op, "accept"))
		start_io(id, req, OP_ACCEPT);
	else if (!strcmp(op, "read"))
		start_io(id, req, OP_READ);
	else if (!strcmp(op, "read_from"))
		start_io(id, req, OP_READ_FROM);
	else if (!strcmp(op, "write"))
		start_io(id, req, OP_WRITE);
	else if (!strcmp(op, "write_to"))
		start_io(id, req, OP_WRITE_TO);
	else if (!strcmp(op, "close"))
		op_close(id, req);
	else if (!strcmp(op, "close_write") || !strcmp(op, "close_read")) {
		int h = handle_of(id, req, 1 << K_STREAM);
		if (h && shutdown(handles[h].fd, op[6] == 'w' ? SHUT_WR : SHUT_RD) < 0)
			fail_errno(id, errno, -1);
		else if (h)
			reply(id, NULL);
	} else if (!strcmp(op, "set_deadline"))
		op_deadline(id, req, 1, 1);
	else if (!strcmp(op, "set_read_deadline"))
		op_deadline(id, req, 1, 0);
	else if (!strcmp(op, "set_write_deadline"))
		op_deadline(id, req, 0, 1);
	else if (!strcmp(op, "set_keepalive") || !strcmp(op, "set_linger") || !strcmp(op, "set_nodelay"))
		op_setopt(id, req, op);
	else if (!strcmp(op, "get_sockopt"))
		op_get_sockopt(id, req);
	else if (!strcmp(op, "local_addr") || !strcmp(op, "remote_addr"))
		op_addr(id, req, op[0] == 'l');
	else if (!strcmp(op, "cancel")) {
		long long target = num(req, "target", 0);
		for (struct dial *d = dials; d; d = d->next)
			if (d->id == target) {
				end_dial(d, 1);
				fail(target, "canceled", 0, "operation was canceled", -1);
				break;
			}
		reply(id, NULL);
	} else
		unsupported(id, "unknown op");
	cJSON_Delete(req);
}

/* ---- the loop --------------------------------------------------------- */

int main(void)
{
	static char *in;
	size_t inlen = 0, incap = 1 << 20;
	in = malloc(incap);
	signal(SIGPIPE, SIG_IGN);
	fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
	for (;;) {
		expire();
		/* poll set: stdin, handles with queued I/O, dials in progress */
		int cap = 1 + nhandles, n = 0;
		for (struct dial *d = dials; d; d = d->next)
			cap++;
		struct pollfd *pfd = calloc((size_t)cap, sizeof *pfd);
		long long *who = calloc((size_t)cap, sizeof *who); /* >0 handle, <0 dial id */
		pfd[n].fd = 0, pfd[n++].events = POLLIN;
		long long soonest = 0;
		for (int i = 1; i < nhandles; i++) {
			struct handle *h = &handles[i];
			short ev = (h->readers ? POLLIN : 0) | (h->writers ? POLLOUT : 0);
			if (h->closed || !ev)
				continue;
			if (h->readers && h->rdl && (!soonest || h->rdl < soonest))
				soonest = h->rdl;
			if (h->writers && h->wdl && (!soonest || h->wdl < soonest))
				soonest = h->wdl;
			who[n] = i, pfd[n].fd = h->fd, pfd[n++].events = ev;
		}
		for (struct dial *d = dials; d; d = d->next) {
			if (d->deadline && (!soonest || d->deadline < soonest))
				soonest = d->deadline;
			who[n] = -d->id, pfd[n].fd = d->fd, pfd[n++].events = POLLOUT;
		}
		int timeout = -1;
		if (soonest) {
			long long ms = (soonest - now_ns() + 999999) / 1000000;
			timeout = ms < 0 ? 0 : ms > 3600000 ? 3600000 : (int)ms;
		}
		if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR) {
			perror("poll");
			return 1;
		}
		for (int i = 1; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (who[i] > 0) {
				int err = pfd[i].revents & (POLLERR | POLLHUP);
				progress((int)who[i], (pfd[i].revents & POLLIN) || err, (pfd[i].revents & POLLOUT) || err);
			} else {
				for (struct dial *d = dials; d; d = d->next)
					if (d->id == -who[i]) {
						dial_ready(d);
						break;
					}
			}
		}
		short stdin_ev = pfd[0].revents;
		free(pfd);
		free(who);
		if (stdin_ev) {
			if (incap - inlen < (1 << 16))
				in = realloc(in, incap *= 2);
			ssize_t r = read(0, in + inlen, incap - inlen - 1);
			if (r == 0)
				return 0;
			if (r < 0 && errno != EAGAIN && errno != EINTR) {
				perror("read stdin");
				return 1;
			}
			if (r > 0)
				inlen += (size_t)r;
			char *start = in, *nl;
			while ((nl = memchr(start, '\n', inlen - (size_t)(start - in)))) {
				*nl = 0;
				if (nl > start)
					request(start);
				start = nl + 1;
			}
			inlen -= (size_t)(start - in);
			memmove(in, start, inlen);
		}
	}
}
