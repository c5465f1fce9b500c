/*
 * echo_min.c - the floor: the smallest correct epoll echo server.
 *
 * One thread, level-triggered epoll(7), one fixed buffer per connection.
 * What a read brings in is written straight back; whatever the socket will
 * not take yet stays in the buffer, and the connection then waits for
 * EPOLLOUT instead of reading more (flow control by construction: a peer
 * that does not read costs one buffer and no CPU).  bench/run measures the
 * other servers against this one.
 *
 * Usage: echo_min [PORT]  (default 0: the kernel picks; the ready line
 * "listening 127.0.0.1:PORT" goes to stderr).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE	(64 * 1024)
#define MAX_EVENTS	256

struct conn {
	int fd;
	size_t off, len;	/* bytes buf[off..len) still to be written */
	char buf[BUF_SIZE];
};

static int min_epfd;

/* Close a connection; close(2) also removes it from the epoll set. */
static void
min_close(struct conn *c)
{
	close(c->fd);
	free(c);
}

/* Write what is pending; return 0 when done, 1 to wait for EPOLLOUT, -1 on error. */
static int
min_flush(struct conn *c)
{
	while (c->off < c->len) {
		ssize_t n = write(c->fd, c->buf + c->off, c->len - c->off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 1;
		if (n < 0)
			return -1;
		c->off += (size_t)n;
	}
	c->off = c->len = 0;
	return 0;
}

/* Switch the connection's interest between reading and writing; see epoll_ctl(2). */
static int
min_want(struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	return epoll_ctl(min_epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void
min_on_conn(struct conn *c)
{
	int r;

	if (c->len > 0) {	/* Waiting for EPOLLOUT. */
		r = min_flush(c);
		if (r < 0 || (r == 0 && min_want(c, EPOLLIN) < 0))
			min_close(c);
		return;
	}
	for (;;) {
		ssize_t n = read(c->fd, c->buf, BUF_SIZE);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {	/* EOF or reset. */
			min_close(c);
			return;
		}
		c->len = (size_t)n;
		r = min_flush(c);
		if (r < 0 || (r == 1 && min_want(c, EPOLLOUT) < 0)) {
			min_close(c);
			return;
		}
		if (r == 1 || (size_t)n < BUF_SIZE)
			return;
	}
}

static void
min_on_accept(int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int one = 1;
		struct conn *c;
		struct epoll_event ev = { .events = EPOLLIN };

		if (fd < 0)	/* EAGAIN, or EMFILE: try again on the next event. */
			return;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = malloc(sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->off = c->len = 0;
		ev.data.ptr = c;
		if (epoll_ctl(min_epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
			min_close(c);
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	struct epoll_event evs[MAX_EVENTS];
	int lfd, one = 1;

	signal(SIGPIPE, SIG_IGN);	/* A write to a reset peer is EPIPE, not death. */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(argc > 1 ? (uint16_t)atoi(argv[1]) : 0);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, SOMAXCONN) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) < 0) {
		perror("echo_min: listen");
		return 1;
	}
	min_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (min_epfd < 0 || epoll_ctl(min_epfd, EPOLL_CTL_ADD, lfd, &ev) < 0) {
		perror("echo_min: epoll");
		return 1;
	}
	fprintf(stderr, "listening 127.0.0.1:%u\n", ntohs(sa.sin_port));
	for (;;) {
		int n = epoll_wait(min_epfd, evs, MAX_EVENTS, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("echo_min: epoll_wait");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr)
				min_on_conn(evs[i].data.ptr);
			else
				min_on_accept(lfd);
		}
	}
}
