/*
 * udp_server.c - a well-behaved UDP echo server in C (POSIX sockets).
 *
 * Same role as seed/udpserver (one socket, many clients), written correctly:
 *   - port from the PORT environment variable or argv[1] (argv[1] wins),
 *     default 8080; one socket bound to every address (IPv6 accepting IPv4
 *     too, or IPv4 only where IPv6 is unavailable);
 *   - answers every datagram with "echo:" + payload, sent with sendto(2) to
 *     the datagram's source: many clients on separate sockets each get their
 *     own replies; an empty datagram is answered with "echo:";
 *   - datagrams are received whole (64 KiB buffer, the UDP maximum); a
 *     reply that cannot be sent (a payload over 65502 bytes makes the reply
 *     exceed the 65507-byte limit: EMSGSIZE) is logged and skipped;
 *   - the socket is never connected, and errors of recvfrom/sendto (ICMP
 *     port unreachable from a client that has gone, ENOBUFS, EMSGSIZE...)
 *     are logged and the server keeps serving; only errors that mean the
 *     socket itself is broken (EBADF, ENOTSOCK, EFAULT, EINVAL) end it;
 *   - SIGINT/SIGTERM stop it cleanly (exit status 0).
 *
 * Build: cc -O2 -Wall -Wextra -o udp_server udp_server.c
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PREFIX "echo:"
#define PREFIX_LEN (sizeof PREFIX - 1)
#define MAXDGRAM 65536

static volatile sig_atomic_t stopping;
static char buf[PREFIX_LEN + MAXDGRAM];

static void on_signal(int sig) { (void)sig; stopping = 1; }

static int fatal_errno(int e)
{
	return e == EBADF || e == ENOTSOCK || e == EFAULT || e == EINVAL;
}

static int bind_any(int port)
{
	int zero = 0, fd;
	struct sockaddr_in6 a6;
	struct sockaddr_in a4;

	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (fd >= 0) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
		memset(&a6, 0, sizeof a6);
		a6.sin6_family = AF_INET6;
		a6.sin6_addr = in6addr_any;
		a6.sin6_port = htons((unsigned short)port);
		if (bind(fd, (struct sockaddr *)&a6, sizeof a6) == 0)
			return fd;
		if (errno == EADDRINUSE || errno == EACCES) {
			perror("bind");
			close(fd);
			return -1;
		}
		close(fd);
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return -1;
	}
	memset(&a4, 0, sizeof a4);
	a4.sin_family = AF_INET;
	a4.sin_addr.s_addr = htonl(INADDR_ANY);
	a4.sin_port = htons((unsigned short)port);
	if (bind(fd, (struct sockaddr *)&a4, sizeof a4) < 0) {
		perror("bind");
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	const char *p = argc > 1 ? argv[1] : getenv("PORT");
	int port = p && *p ? atoi(p) : 8080;
	struct sigaction sa;

	if (port <= 0 || port > 65535) {
		fprintf(stderr, "udp_server: bad port %s\n", p);
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: recvfrom returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	int fd = bind_any(port);
	if (fd < 0)
		return 1;
	int rcvbuf = 1 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	fprintf(stderr, "udp_server: serving on port %d\n", port);
	memcpy(buf, PREFIX, PREFIX_LEN);

	while (!stopping) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(fd, buf + PREFIX_LEN, MAXDGRAM, 0, (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "udp_server: recvfrom: %s (ignored)\n", strerror(errno));
			if (fatal_errno(errno))
				return 1;
			continue;
		}
		if (sendto(fd, buf, PREFIX_LEN + (size_t)n, 0, (struct sockaddr *)&from, fl) < 0) {
			fprintf(stderr, "udp_server: sendto (%zd-byte payload): %s (ignored)\n", n,
				strerror(errno));
			if (fatal_errno(errno))
				return 1;
		}
	}
	close(fd);
	fprintf(stderr, "udp_server: stopped\n");
	return 0;
}
