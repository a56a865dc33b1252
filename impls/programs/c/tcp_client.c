/*
 * tcp_client.c - a well-behaved TCP client in C (POSIX sockets, poll(2)
 * timeouts).
 *
 * Same role as the seed's TCP client, written correctly: it connects, sends
 * one request, half-closes its side (shutdown SHUT_WR: "the request is
 * complete"), and reads the reply until EOF -- all under one overall
 * deadline, so a silent server, a stalled reply or an unreachable address
 * end in a timeout instead of a hang.
 *
 *   usage: tcp_client [port [message]]
 *   port:    argv[1], else the PORT environment variable, else 8080
 *   host:    the HOST environment variable, else 127.0.0.1 (every address
 *            getaddrinfo returns is tried in turn)
 *   message: argv[2], else "hello world\r\n"
 *   TIMEOUT: environment, overall seconds (default 5)
 *   EXPECT:  environment, optional: the exact reply expected (empty = unset)
 *
 * The reply goes to stdout as received; diagnostics go to stderr.
 * Exit status: 0 reply ended by a clean EOF (FIN); 1 error (refused, reset
 * -- also after part or all of a reply --, other socket errors);
 * 2 timeout (no EOF in time); 3 EXPECT is set and the reply differs.
 *
 * Build: cc -O2 -Wall -Wextra -o tcp_client tcp_client.c
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long deadline;
static size_t received;
static char *reply;
static size_t reply_cap;

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until the overall deadline.
 * Returns revents, 0 on timeout, -1 on error. */
static int wait_for(int fd, short events)
{
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = {.fd = fd, .events = events};
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r;
		return p.revents;
	}
}

static int timeout_exit(const char *what)
{
	fprintf(stderr, "tcp_client: timeout %s, %zu bytes received, no EOF\n", what, received);
	return 2;
}

static int error_exit(const char *what, int e)
{
	fprintf(stderr, "tcp_client: %s: %s (%zu bytes received)\n", what, strerror(e), received);
	return 1;
}

/* Non-blocking connect bounded by the deadline. Returns fd, -1 error, -2 timeout. */
static int dial(const struct addrinfo *ai, int *err)
{
	int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		*err = errno;
		close(fd);
		return -1;
	}
	int r = wait_for(fd, POLLOUT);
	if (r == 0) {
		close(fd);
		return -2;
	}
	int soerr = 0;
	socklen_t sl = sizeof soerr;
	if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
		*err = r < 0 ? errno : soerr ? soerr : errno;
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	const char *port = argc > 1 ? argv[1] : getenv("PORT");
	const char *host = getenv("HOST");
	const char *msg = argc > 2 ? argv[2] : "hello world\r\n";
	const char *t = getenv("TIMEOUT");
	double secs = t && *t ? atof(t) : 5.0;
	struct addrinfo hints, *res, *ai;
	int fd = -1, err = 0, timed_out = 0;
	char buf[65536];

	if (!port || !*port)
		port = "8080";
	if (!host || !*host)
		host = "127.0.0.1";
	signal(SIGPIPE, SIG_IGN);
	deadline = now_ms() + (long long)(secs * 1000);

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	int g = getaddrinfo(host, port, &hints, &res);
	if (g != 0) {
		fprintf(stderr, "tcp_client: %s:%s: %s\n", host, port, gai_strerror(g));
		return 1;
	}
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = dial(ai, &err);
		if (fd == -2) {
			timed_out = 1;
			fd = -1;
			break;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		return timed_out ? timeout_exit("connecting") : error_exit("connect", err);

	size_t len = strlen(msg), off = 0;
	while (off < len) {
		ssize_t n = send(fd, msg + off, len - off, MSG_NOSIGNAL);
		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return error_exit("send", errno);
		int r = wait_for(fd, POLLOUT);
		if (r == 0)
			return timeout_exit("sending");
		if (r < 0)
			return error_exit("poll", errno);
	}
	if (shutdown(fd, SHUT_WR) < 0)
		return error_exit("shutdown", errno);

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n > 0) {
			fwrite(buf, 1, (size_t)n, stdout);
			fflush(stdout);
			if (received + (size_t)n > reply_cap) {
				reply_cap = (received + (size_t)n) * 2;
				char *r = realloc(reply, reply_cap);
				if (!r)
					return error_exit("realloc", ENOMEM);
				reply = r;
			}
			memcpy(reply + received, buf, (size_t)n);
			received += (size_t)n;
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return error_exit("recv", errno);
		int r = wait_for(fd, POLLIN);
		if (r == 0)
			return timeout_exit("reading");
		if (r < 0)
			return error_exit("poll", errno);
	}
	close(fd);
	const char *expect = getenv("EXPECT");
	if (expect && *expect && (strlen(expect) != received || memcmp(expect, reply, received) != 0)) {
		fprintf(stderr, "tcp_client: %zu-byte reply differs from EXPECT\n", received);
		return 3;
	}
	fprintf(stderr, "tcp_client: %zu bytes, then EOF\n", received);
	return 0;
}
