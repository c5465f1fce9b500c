/*
 * poller_poll.c - the poll(2) backend.
 *
 * The interest set is a dense array of struct pollfd that the kernel
 * reads whole on every wait and answers in place (revents), so a wait
 * costs O(n) in the number of watched fds, though without select's
 * FD_SETSIZE ceiling.  A second array, indexed by fd, says where each fd
 * sits in the dense one, so that add, modify and del are O(1): del moves
 * the last entry into the hole.
 */
#include "poller.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "sys.h"

struct poll_impl {
	struct pollfd *fds;	/* the interest set, dense */
	int n, cap;
	int *slot;		/* slot[fd]: index in fds plus 1; 0 = absent */
	int nslot;
};

static int
poll_create(struct poller *p)
{
	p->impl = calloc(1, sizeof(struct poll_impl));
	return p->impl == NULL ? -1 : 0;
}

static void
poll_destroy(struct poller *p)
{
	struct poll_impl *s = p->impl;

	if (s == NULL)
		return;
	free(s->fds);
	free(s->slot);
	free(s);
}

static short
poll_bits(unsigned mask)
{
	return (short)(((mask & POLLER_IN) ? POLLIN : 0) |
		       ((mask & POLLER_OUT) ? POLLOUT : 0));
}

/* The index of fd in s->fds, or -1 when it is not watched. */
static int
poll_index(const struct poll_impl *s, int fd)
{
	return fd >= 0 && fd < s->nslot ? s->slot[fd] - 1 : -1;
}

/* Room for fd in slot[] and one more entry in fds[]; 0 or -1 ENOMEM. */
static int
poll_reserve(struct poll_impl *s, int fd)
{
	if (fd >= s->nslot) {
		int n = s->nslot > 0 ? s->nslot : 16, *slot, i;

		while (n <= fd)
			n *= 2;
		if ((slot = realloc(s->slot, (size_t)n * sizeof(*slot))) == NULL)
			return -1;
		for (i = s->nslot; i < n; i++)
			slot[i] = 0;
		s->slot = slot;
		s->nslot = n;
	}
	if (s->n == s->cap) {
		int n = s->cap > 0 ? s->cap * 2 : 16;
		struct pollfd *fds = realloc(s->fds, (size_t)n * sizeof(*fds));

		if (fds == NULL)
			return -1;
		s->fds = fds;
		s->cap = n;
	}
	return 0;
}

static int
poll_add(struct poller *p, int fd, unsigned mask)
{
	struct poll_impl *s = p->impl;

	if (fd < 0)
		return errno = EBADF, -1;
	if (mask & POLLER_MODES)
		return errno = EOPNOTSUPP, -1;
	if ((mask & POLLER_RW) == 0)
		return errno = EINVAL, -1;
	if (poll_index(s, fd) >= 0)
		return errno = EEXIST, -1;
	if (poll_reserve(s, fd) < 0)
		return -1;
	s->fds[s->n] = (struct pollfd){ .fd = fd, .events = poll_bits(mask) };
	s->slot[fd] = ++s->n;
	return 0;
}

static int
poll_modify(struct poller *p, int fd, unsigned mask)
{
	struct poll_impl *s = p->impl;
	int i = poll_index(s, fd);

	if (i < 0)
		return errno = ENOENT, -1;
	if (mask & POLLER_MODES)
		return errno = EOPNOTSUPP, -1;
	if ((mask & POLLER_RW) == 0)
		return errno = EINVAL, -1;
	s->fds[i].events = poll_bits(mask);
	return 0;
}

static int
poll_del(struct poller *p, int fd)
{
	struct poll_impl *s = p->impl;
	int i = poll_index(s, fd);

	if (i < 0)
		return errno = ENOENT, -1;
	s->n--;
	if (i != s->n) {
		s->fds[i] = s->fds[s->n];
		s->slot[s->fds[i].fd] = i + 1;
	}
	s->slot[fd] = 0;
	return 0;
}

static int
poll_wait(struct poller *p, struct poller_event *evs, int max,
	  int timeout_ms)
{
	struct poll_impl *s = p->impl;
	int n, i, got = 0;

	n = sys_poll(s->fds, (nfds_t)s->n, timeout_ms);
	if (n <= 0)
		return n;
	/* The O(n) half: every entry is looked at for its revents. */
	for (i = 0; i < s->n && got < max; i++) {
		short r = s->fds[i].revents;
		unsigned ev = 0;

		if (r == 0)
			continue;
		if (r & POLLIN)
			ev |= POLLER_IN;
		if (r & POLLOUT)
			ev |= POLLER_OUT;
		if (r & (POLLERR | POLLNVAL))
			ev |= POLLER_ERR;
		if (r & POLLHUP)
			ev |= POLLER_HUP;
		evs[got++] = (struct poller_event){ s->fds[i].fd, ev };
	}
	return got;
}

const struct poller_ops poller_poll_ops = {
	.name = "poll",
	.create = poll_create,
	.destroy = poll_destroy,
	.add = poll_add,
	.modify = poll_modify,
	.del = poll_del,
	.wait = poll_wait,
};
