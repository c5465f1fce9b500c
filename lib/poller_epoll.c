/*
 * poller_epoll.c - the epoll(7) backend.
 *
 * The interest set lives in the kernel: epoll_ctl(2) changes it one fd
 * at a time, and epoll_wait(2) copies out only the fds that are ready,
 * so a wait costs O(ready), not O(watched).  Each event carries the fd in
 * data.fd, which is how the traced wrapper names it.
 *
 * The modes are epoll's own (see epoll(7) and epoll_ctl(2)):
 *   POLLER_ET         EPOLLET: report a change of state once; the reader
 *                     must then read until EAGAIN, or wait forever.
 *   POLLER_ONESHOT    EPOLLONESHOT: report once, then stay disarmed until
 *                     modify() re-arms the fd.
 *   POLLER_EXCLUSIVE  EPOLLEXCLUSIVE: of several epoll instances watching
 *                     one fd, wake only one.  Only at add; modify of such
 *                     an fd fails with EINVAL.
 */
#include "poller.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "sys.h"

struct epoll_impl {
	int epfd;
	struct epoll_event *evs;	/* the buffer epoll_wait fills */
	int cap;
};

static int
epoll_create_impl(struct poller *p)
{
	struct epoll_impl *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return -1;
	s->epfd = sys_epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0) {
		free(s);
		return -1;
	}
	p->impl = s;
	return 0;
}

static void
epoll_destroy(struct poller *p)
{
	struct epoll_impl *s = p->impl;

	if (s == NULL)
		return;
	sys_close(s->epfd);
	free(s->evs);
	free(s);
}

static uint32_t
epoll_bits(unsigned mask)
{
	return ((mask & POLLER_IN) ? EPOLLIN : 0) |
	       ((mask & POLLER_OUT) ? EPOLLOUT : 0) |
	       ((mask & POLLER_ET) ? EPOLLET : 0) |
	       ((mask & POLLER_ONESHOT) ? EPOLLONESHOT : 0) |
	       ((mask & POLLER_EXCLUSIVE) ? EPOLLEXCLUSIVE : 0);
}

/* EPOLL_CTL_ADD or EPOLL_CTL_MOD for fd with mask.  Returns 0 or -1. */
static int
epoll_set(struct poller *p, int op, int fd, unsigned mask)
{
	struct epoll_impl *s = p->impl;
	struct epoll_event ev = { .events = epoll_bits(mask) };

	if ((mask & POLLER_RW) == 0)
		return errno = EINVAL, -1;
	ev.data.fd = fd;
	return sys_epoll_ctl(s->epfd, op, fd, &ev);
}

static int
epoll_add(struct poller *p, int fd, unsigned mask)
{
	return epoll_set(p, EPOLL_CTL_ADD, fd, mask);
}

static int
epoll_modify(struct poller *p, int fd, unsigned mask)
{
	return epoll_set(p, EPOLL_CTL_MOD, fd, mask);
}

static int
epoll_del(struct poller *p, int fd)
{
	struct epoll_impl *s = p->impl;

	/* See epoll_ctl(2), BUGS: kernels before 2.6.9 wanted an event. */
	return sys_epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, NULL);
}

static int
epoll_wait_impl(struct poller *p, struct poller_event *evs, int max,
		int timeout_ms)
{
	struct epoll_impl *s = p->impl;
	int n, i;

	if (max <= 0)
		return errno = EINVAL, -1;
	if (max > s->cap) {
		struct epoll_event *e = realloc(s->evs,
						(size_t)max * sizeof(*e));

		if (e == NULL)
			return -1;
		s->evs = e;
		s->cap = max;
	}
	n = sys_epoll_wait(s->epfd, s->evs, max, timeout_ms);
	/* The O(1) half: only what is ready was copied out. */
	for (i = 0; i < n; i++) {
		uint32_t r = s->evs[i].events;

		evs[i].fd = s->evs[i].data.fd;
		evs[i].events = ((r & EPOLLIN) ? POLLER_IN : 0) |
				((r & EPOLLOUT) ? POLLER_OUT : 0) |
				((r & EPOLLERR) ? POLLER_ERR : 0) |
				((r & EPOLLHUP) ? POLLER_HUP : 0);
	}
	return n;
}

const struct poller_ops poller_epoll_ops = {
	.name = "epoll",
	.create = epoll_create_impl,
	.destroy = epoll_destroy,
	.add = epoll_add,
	.modify = epoll_modify,
	.del = epoll_del,
	.wait = epoll_wait_impl,
};
