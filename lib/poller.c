/*
 * poller.c - the backend registry and the selectors-style layer; see
 * poller.h.  The backends live in poller_select.c, poller_poll.c and
 * poller_epoll.c.
 */
#include "poller.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "sys.h"
#include "sys_impl.h"

/* The first slots of the per-fd array: stdin..stderr and a few more. */
#define SELECTOR_MIN_KEYS	16

/* Best first: epoll scales with what is ready, the others with the set. */
const struct poller_ops *const poller_backends[] = {
	&poller_epoll_ops, &poller_poll_ops, &poller_select_ops, NULL
};

const struct poller_ops *
poller_find(const char *name)
{
	const struct poller_ops *const *b;

	if (name == NULL)
		return poller_backends[0];
	for (b = poller_backends; *b != NULL; b++)
		if (strcmp((*b)->name, name) == 0)
			return *b;
	errno = ENOENT;
	return NULL;
}

int
poller_open(struct poller *p, const struct poller_ops *ops)
{
	p->ops = ops;
	p->impl = NULL;
	if (ops->create(p) < 0) {
		p->ops = NULL;
		return -1;
	}
	return 0;
}

void
poller_close(struct poller *p)
{
	if (p->ops != NULL)
		p->ops->destroy(p);
	p->ops = NULL;
	p->impl = NULL;
}

const char *
poller_mask_str(unsigned mask, char *buf, size_t size)
{
	static const struct sym names[] = {
		{ POLLER_IN, "IN" }, { POLLER_OUT, "OUT" },
		{ POLLER_ERR, "ERR" }, { POLLER_HUP, "HUP" },
		{ POLLER_ET, "ET" }, { POLLER_ONESHOT, "ONESHOT" },
		{ POLLER_EXCLUSIVE, "EXCLUSIVE" }, SYM_END
	};

	if (mask == 0) {
		snprintf(buf, size, "-");
		return buf;
	}
	return flag_names(names, mask, buf, size);
}

/* ---- the selectors layer ---- */

int
selector_open(struct selector *s, const struct poller_ops *ops)
{
	struct rlimit rl;

	memset(s, 0, sizeof(*s));
	/* See getrlimit(2): no fd can be at or beyond the soft limit. */
	if (sys_getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	s->limit = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1 << 24
		   ? 1 << 24 : (int)rl.rlim_cur;
	if (ops == NULL)
		ops = poller_find(NULL);
	return poller_open(&s->poller, ops);
}

void
selector_close(struct selector *s)
{
	poller_close(&s->poller);
	free(s->keys);
	free(s->evs);
	s->keys = NULL;
	s->evs = NULL;
	s->nkeys = s->count = 0;
}

/*
 * Make keys[fd] exist: double the array until it does, as ae.c's
 * aeResizeSetSize does, but never past the fd limit.  The wait buffer
 * grows with it, since no more fds than slots can be ready.  Returns 0,
 * or -1 with errno EINVAL (fd beyond the limit) or ENOMEM.
 */
static int
selector_grow(struct selector *s, int fd)
{
	struct selector_key *keys;
	struct poller_event *evs;
	int n = s->nkeys > 0 ? s->nkeys : SELECTOR_MIN_KEYS, i;

	if (fd < 0 || fd >= s->limit)
		return errno = EINVAL, -1;
	if (fd < s->nkeys)
		return 0;
	while (n <= fd)
		n = n > s->limit / 2 ? s->limit : n * 2;
	keys = realloc(s->keys, (size_t)n * sizeof(*keys));
	if (keys == NULL)
		return -1;
	s->keys = keys;
	for (i = s->nkeys; i < n; i++)
		keys[i] = (struct selector_key){ .fd = i };
	evs = realloc(s->evs, (size_t)n * sizeof(*evs));
	if (evs == NULL)
		return -1;
	s->evs = evs;
	s->nkeys = n;
	return 0;
}

int
selector_register(struct selector *s, int fd, unsigned events, void *data)
{
	if ((events & POLLER_RW) == 0)
		return errno = EINVAL, -1;
	if (selector_grow(s, fd) < 0)
		return -1;
	if (s->keys[fd].events != 0)
		return errno = EEXIST, -1;
	if (s->poller.ops->add(&s->poller, fd, events) < 0)
		return -1;
	s->keys[fd].events = events;
	s->keys[fd].data = data;
	s->count++;
	return 0;
}

int
selector_modify(struct selector *s, int fd, unsigned events, void *data)
{
	if ((events & POLLER_RW) == 0)
		return errno = EINVAL, -1;
	if (selector_get_key(s, fd) == NULL)
		return -1;
	if (s->poller.ops->modify(&s->poller, fd, events) < 0)
		return -1;
	s->keys[fd].events = events;
	s->keys[fd].data = data;
	return 0;
}

int
selector_unregister(struct selector *s, int fd)
{
	if (selector_get_key(s, fd) == NULL)
		return -1;
	if (s->poller.ops->del(&s->poller, fd) < 0)
		return -1;
	s->keys[fd].events = 0;
	s->keys[fd].data = NULL;
	s->count--;
	return 0;
}

const struct selector_key *
selector_get_key(const struct selector *s, int fd)
{
	if (fd < 0 || fd >= s->nkeys || s->keys[fd].events == 0)
		return errno = ENOENT, NULL;
	return &s->keys[fd];
}

int
selector_select(struct selector *s, int timeout_ms,
		struct selector_ready *out, int max)
{
	int n, i, got = 0;

	/* An empty selector still waits, as selectors does: give it a buffer. */
	if (s->nkeys == 0 && selector_grow(s, 0) < 0)
		return -1;
	if (max > s->nkeys)
		max = s->nkeys;
	n = s->poller.ops->wait(&s->poller, s->evs, max, timeout_ms);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const struct selector_key *k = &s->keys[s->evs[i].fd];
		unsigned ev = s->evs[i].events;

		/* An error or hang-up wakes whatever the key waits for. */
		if (ev & (POLLER_ERR | POLLER_HUP))
			ev |= k->events & POLLER_RW;
		ev &= k->events & POLLER_RW;
		if (k->events == 0 || ev == 0)
			continue;
		out[got].key = k;
		out[got].events = ev;
		out[got].raw = s->evs[i].events;
		got++;
	}
	return got;
}
