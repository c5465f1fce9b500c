/*
 * poller_select.c - the select(2) backend.
 *
 * The interest set is two bitmaps, fd_set for reading and for writing,
 * and the kernel overwrites them with the ready set; so each wait copies
 * them, hands over every fd up to the highest, and scans them all again
 * afterwards.  The cost of one wait grows with the highest fd, not with
 * how many are ready.
 *
 * An fd_set has room for FD_SETSIZE bits (1024 on Linux), and FD_SET with
 * a larger fd writes past its end (see select(2), BUGS).  So add() refuses
 * such an fd with ERANGE before touching a set.
 */
#include "poller.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/select.h>

#include "sys.h"

struct select_impl {
	fd_set rfds, wfds;	/* the interest set */
	int maxfd;		/* the highest fd in either, or -1 */
};

static int
select_create(struct poller *p)
{
	struct select_impl *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return -1;
	FD_ZERO(&s->rfds);
	FD_ZERO(&s->wfds);
	s->maxfd = -1;
	p->impl = s;
	return 0;
}

static void
select_destroy(struct poller *p)
{
	free(p->impl);
}

/* Non-zero when fd is in the interest set. */
static int
select_has(const struct select_impl *s, int fd)
{
	return fd <= s->maxfd &&
	       (FD_ISSET(fd, &s->rfds) || FD_ISSET(fd, &s->wfds));
}

/*
 * Check fd and mask before any FD_SET: EBADF for a negative fd, ERANGE
 * for one at or beyond FD_SETSIZE, EOPNOTSUPP for epoll's modes, EINVAL
 * for neither reading nor writing.  Returns 0 or -1.
 */
static int
select_check(int fd, unsigned mask)
{
	if (fd < 0)
		return errno = EBADF, -1;
	if (fd >= FD_SETSIZE)
		return errno = ERANGE, -1;
	if (mask & POLLER_MODES)
		return errno = EOPNOTSUPP, -1;
	if ((mask & POLLER_RW) == 0)
		return errno = EINVAL, -1;
	return 0;
}

/* Put fd into the sets mask asks for, and out of the others. */
static void
select_set(struct select_impl *s, int fd, unsigned mask)
{
	FD_CLR(fd, &s->rfds);
	FD_CLR(fd, &s->wfds);
	if (mask & POLLER_IN)
		FD_SET(fd, &s->rfds);
	if (mask & POLLER_OUT)
		FD_SET(fd, &s->wfds);
}

static int
select_add(struct poller *p, int fd, unsigned mask)
{
	struct select_impl *s = p->impl;

	if (select_check(fd, mask) < 0)
		return -1;
	if (select_has(s, fd))
		return errno = EEXIST, -1;
	select_set(s, fd, mask);
	if (fd > s->maxfd)
		s->maxfd = fd;
	return 0;
}

static int
select_modify(struct poller *p, int fd, unsigned mask)
{
	struct select_impl *s = p->impl;

	if (select_check(fd, mask) < 0)
		return -1;
	if (!select_has(s, fd))
		return errno = ENOENT, -1;
	select_set(s, fd, mask);
	return 0;
}

static int
select_del(struct poller *p, int fd)
{
	struct select_impl *s = p->impl;

	if (fd < 0 || fd >= FD_SETSIZE || !select_has(s, fd))
		return errno = ENOENT, -1;
	FD_CLR(fd, &s->rfds);
	FD_CLR(fd, &s->wfds);
	while (s->maxfd >= 0 && !select_has(s, s->maxfd))
		s->maxfd--;
	return 0;
}

static int
select_wait(struct poller *p, struct poller_event *evs, int max,
	    int timeout_ms)
{
	struct select_impl *s = p->impl;
	struct timeval tv, *tvp = NULL;
	fd_set r = s->rfds, w = s->wfds;
	int n, fd, got = 0;

	if (timeout_ms >= 0) {
		tv.tv_sec = timeout_ms / 1000;
		tv.tv_usec = (timeout_ms % 1000) * 1000;
		tvp = &tv;
	}
	n = sys_select(s->maxfd + 1, &r, &w, NULL, tvp);
	if (n <= 0)
		return n;
	/* The O(n) half: every fd up to the highest is looked at. */
	for (fd = 0; fd <= s->maxfd && got < max; fd++) {
		unsigned ev = (FD_ISSET(fd, &r) ? POLLER_IN : 0) |
			      (FD_ISSET(fd, &w) ? POLLER_OUT : 0);

		if (ev != 0)
			evs[got++] = (struct poller_event){ fd, ev };
	}
	return got;
}

const struct poller_ops poller_select_ops = {
	.name = "select",
	.create = select_create,
	.destroy = select_destroy,
	.add = select_add,
	.modify = select_modify,
	.del = select_del,
	.wait = select_wait,
};
