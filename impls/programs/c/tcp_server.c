/*
 * tcp_server.c - a well-behaved "hello" TCP server in C (POSIX sockets,
 * one process, poll(2) event loop).
 *
 * Same role as seed/tcpserver, written correctly:
 *   - port from the PORT environment variable or argv[1] (argv[1] wins),
 *     default 8080; listens on every address (an IPv6 socket that accepts
 *     IPv4 too, or IPv4 only where IPv6 is unavailable), SO_REUSEADDR on,
 *     so it restarts at once on a port that has TIME_WAIT sockets;
 *   - serves many clients at once, each connection a small state machine:
 *       READ   wait for the request: the first chunk (up to 64 KiB), or EOF
 *              if the client half-closes without sending; 30 s limit;
 *       WRITE  send "Hello, client!" (partial writes handled, 10 s limit);
 *       DRAIN  shutdown(SHUT_WR) -- FIN -- then read and discard until the
 *              client's FIN (5 s of silence, 60 s in all at most);
 *     and only then close(2). It never closes a socket with unread data in
 *     it, so its close is a FIN, not a RST, whatever the request size, and
 *     no socket stays in CLOSE_WAIT once the client has gone;
 *   - a client that resets, or any per-connection error, closes that
 *     connection only; accept errors (EMFILE...) pause accepting for
 *     100 ms instead of spinning; SIGPIPE is ignored (MSG_NOSIGNAL);
 *   - SIGINT/SIGTERM stop it cleanly (exit status 0).
 *
 * Build: cc -O2 -Wall -Wextra -o tcp_server tcp_server.c
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXCONN 1024
#define CHUNK 65536
#define REQUEST_MS 30000
#define WRITE_MS 10000
#define DRAIN_IDLE_MS 5000
#define DRAIN_TOTAL_MS 60000

static const char REPLY[] = "Hello, client!";

enum state { ST_READ, ST_WRITE, ST_DRAIN };

struct conn {
	int fd;
	enum state st;
	size_t sent;
	long long deadline;  /* ms, CLOCK_MONOTONIC */
	long long drain_end; /* ms */
	char peer[64];
};

static volatile sig_atomic_t stopping;
static struct conn conns[MAXCONN];
static int nconns;
static char scratch[CHUNK];

static void on_signal(int sig) { (void)sig; stopping = 1; }

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void format_peer(const struct sockaddr_storage *ss, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
		port = ntohs(a->sin6_port);
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
		port = ntohs(a->sin_port);
	}
	snprintf(out, len, "[%s]:%u", host, port);
}

static int listen_on(int port)
{
	int one = 1, zero = 0, fd;
	struct sockaddr_in6 a6;
	struct sockaddr_in a4;

	fd = socket(AF_INET6, SOCK_STREAM, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
		memset(&a6, 0, sizeof a6);
		a6.sin6_family = AF_INET6;
		a6.sin6_addr = in6addr_any;
		a6.sin6_port = htons((unsigned short)port);
		if (bind(fd, (struct sockaddr *)&a6, sizeof a6) == 0)
			goto bound;
		if (errno == EADDRINUSE || errno == EACCES) {
			perror("bind");
			close(fd);
			return -1;
		}
		close(fd);
	}
	/* No IPv6: IPv4 only. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&a4, 0, sizeof a4);
	a4.sin_family = AF_INET;
	a4.sin_addr.s_addr = htonl(INADDR_ANY);
	a4.sin_port = htons((unsigned short)port);
	if (bind(fd, (struct sockaddr *)&a4, sizeof a4) < 0) {
		perror("bind");
		close(fd);
		return -1;
	}
bound:
	if (listen(fd, 128) < 0 || set_nonblock(fd) < 0) {
		perror("listen");
		close(fd);
		return -1;
	}
	return fd;
}

static void drop(int i, const char *why)
{
	if (why)
		fprintf(stderr, "tcp_server: %s: %s\n", conns[i].peer, why);
	close(conns[i].fd);
	conns[i] = conns[--nconns];
}

/* Try to finish the reply; on completion half-close and start draining.
 * Returns 0 to keep the connection, -1 when it was dropped. */
static int do_write(int i)
{
	struct conn *c = &conns[i];
	while (c->sent < sizeof REPLY - 1) {
		ssize_t n = send(c->fd, REPLY + c->sent, sizeof REPLY - 1 - c->sent, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			drop(i, strerror(errno));
			return -1;
		}
		c->sent += (size_t)n;
	}
	if (shutdown(c->fd, SHUT_WR) < 0) {
		drop(i, strerror(errno));
		return -1;
	}
	c->st = ST_DRAIN;
	c->drain_end = now_ms() + DRAIN_TOTAL_MS;
	c->deadline = now_ms() + DRAIN_IDLE_MS;
	return 0;
}

/* Readable connection. Returns 0 to keep it, -1 when dropped. */
static int do_read(int i)
{
	struct conn *c = &conns[i];
	for (;;) {
		ssize_t n = recv(c->fd, scratch, sizeof scratch, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			drop(i, strerror(errno));
			return -1;
		}
		if (c->st == ST_READ) {
			fprintf(stderr, "tcp_server: %s: request of %zd bytes%s\n", c->peer, n,
				n == 0 ? " (EOF)" : "");
			c->st = ST_WRITE;
			c->deadline = now_ms() + WRITE_MS;
			if (do_write(i) < 0)
				return -1;
			if (c->st != ST_DRAIN)
				return 0; /* wait for POLLOUT; read the rest later */
			if (n == 0) { /* the client had already sent its FIN */
				drop(i, NULL);
				return -1;
			}
			continue;
		}
		if (c->st == ST_DRAIN) {
			if (n == 0) {
				drop(i, NULL); /* the client's FIN: clean close */
				return -1;
			}
			c->deadline = now_ms() + DRAIN_IDLE_MS;
			if (c->deadline > c->drain_end)
				c->deadline = c->drain_end;
			continue;
		}
		return 0; /* ST_WRITE: not polled for input */
	}
}

static void accept_all(int lfd, long long *accept_pause)
{
	while (nconns < MAXCONN) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int fd = accept(lfd, (struct sockaddr *)&ss, &sl);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			perror("accept");
			*accept_pause = now_ms() + 100;
			return;
		}
		if (set_nonblock(fd) < 0) {
			close(fd);
			continue;
		}
		struct conn *c = &conns[nconns++];
		memset(c, 0, sizeof *c);
		c->fd = fd;
		c->st = ST_READ;
		c->deadline = now_ms() + REQUEST_MS;
		format_peer(&ss, c->peer, sizeof c->peer);
	}
}

int main(int argc, char **argv)
{
	const char *p = argc > 1 ? argv[1] : getenv("PORT");
	int port = p && *p ? atoi(p) : 8080;
	struct sigaction sa;
	static struct pollfd pfd[MAXCONN + 1];
	long long accept_pause = 0;

	if (port <= 0 || port > 65535) {
		fprintf(stderr, "tcp_server: bad port %s\n", p);
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: poll returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int lfd = listen_on(port);
	if (lfd < 0)
		return 1;
	fprintf(stderr, "tcp_server: listening on port %d\n", port);

	while (!stopping) {
		long long now = now_ms(), next = now + 60000;
		int np = 0, listening = nconns < MAXCONN && now >= accept_pause;

		/* Expire connections whose time is up. */
		for (int i = 0; i < nconns;) {
			if (conns[i].deadline <= now) {
				drop(i, conns[i].st == ST_READ ? "no request in time" :
					conns[i].st == ST_WRITE ? "reply not sent in time" :
					"client did not close in time");
				continue;
			}
			if (conns[i].deadline < next)
				next = conns[i].deadline;
			i++;
		}
		if (!listening && accept_pause > now && accept_pause < next)
			next = accept_pause;

		for (int i = 0; i < nconns; i++) {
			pfd[np].fd = conns[i].fd;
			pfd[np].events = conns[i].st == ST_WRITE ? POLLOUT : POLLIN;
			pfd[np].revents = 0;
			np++;
		}
		pfd[np].fd = listening ? lfd : -1;
		pfd[np].events = POLLIN;
		pfd[np].revents = 0;

		int r = poll(pfd, (nfds_t)np + 1, (int)(next - now));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			break;
		}
		/* Walk backwards: drop() moves the last connection into slot i. */
		for (int i = np - 1; i >= 0; i--) {
			if (!pfd[i].revents)
				continue;
			if (conns[i].st == ST_WRITE) {
				if (pfd[i].revents & (POLLOUT | POLLERR | POLLHUP))
					do_write(i);
			} else {
				do_read(i);
			}
		}
		if (pfd[np].revents & POLLIN)
			accept_all(lfd, &accept_pause);
	}
	for (int i = nconns - 1; i >= 0; i--)
		drop(i, NULL);
	close(lfd);
	fprintf(stderr, "tcp_server: stopped\n");
	return 0;
}
