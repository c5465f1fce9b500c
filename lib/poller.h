/*
 * poller.h - one interface over select(2), poll(2) and epoll(7), and a
 * selectors-style layer on top of it (Python's `selectors` module).
 *
 * A backend is a `struct poller_ops`: create, add, modify, del, wait and
 * destroy, and its name.  The three backends differ in what the kernel
 * keeps between calls: select and poll hand the whole interest set to
 * the kernel on every wait (O(n) per call), epoll keeps it in the kernel
 * and hands back only what is ready (O(ready)).
 *
 * The selector keeps per-fd state in an array indexed by fd, as redis'
 * ae.c does: registering fd 7 touches keys[7] and nothing else.  The
 * array grows on demand and never past RLIMIT_NOFILE.  The event loop
 * (lib/loop*) sits on the same ops.
 *
 * Every function returns 0 (or a count) on success, and -1 with errno set
 * on failure; none prints.  Every wait goes through the traced wrappers
 * (sys_select, sys_poll, sys_epoll_wait), so --trace shows it.
 */
#ifndef IPC_POLLER_H
#define IPC_POLLER_H

#include <stddef.h>

/* Events of interest, and events reported.  The values match selectors. */
enum {
	POLLER_IN = 1 << 0,		/* readable: EVENT_READ */
	POLLER_OUT = 1 << 1,		/* writable: EVENT_WRITE */
	POLLER_ERR = 1 << 2,		/* reported only: an error is pending */
	POLLER_HUP = 1 << 3,		/* reported only: the peer hung up */
	/* Modes, epoll only (others fail with EOPNOTSUPP); see epoll(7). */
	POLLER_ET = 1 << 8,		/* edge-triggered: EPOLLET */
	POLLER_ONESHOT = 1 << 9,	/* disarm after one report: EPOLLONESHOT */
	POLLER_EXCLUSIVE = 1 << 10,	/* wake one waiter: EPOLLEXCLUSIVE */
};
#define POLLER_RW	(POLLER_IN | POLLER_OUT)
#define POLLER_MODES	(POLLER_ET | POLLER_ONESHOT | POLLER_EXCLUSIVE)

/* One ready descriptor, as a wait reports it. */
struct poller_event {
	int fd;
	unsigned events;	/* POLLER_IN|POLLER_OUT|POLLER_ERR|POLLER_HUP */
};

struct poller;

struct poller_ops {
	const char *name;	/* "select", "poll", "epoll" */
	/* Set up p->impl.  Returns 0, or -1 with errno. */
	int (*create)(struct poller *p);
	/* Free p->impl (and close the epoll fd).  Never fails. */
	void (*destroy)(struct poller *p);
	/* Watch fd for mask.  Returns 0, or -1 with errno (EEXIST, ERANGE). */
	int (*add)(struct poller *p, int fd, unsigned mask);
	/* Change what fd is watched for.  Returns 0, or -1 with errno. */
	int (*modify)(struct poller *p, int fd, unsigned mask);
	/* Stop watching fd.  Returns 0, or -1 with errno (ENOENT). */
	int (*del)(struct poller *p, int fd);
	/*
	 * Wait up to timeout_ms (-1: forever, 0: just look) and store at
	 * most max ready descriptors in evs.  Returns how many, 0 on
	 * timeout, or -1 with errno (EINTR when a signal came first).
	 */
	int (*wait)(struct poller *p, struct poller_event *evs, int max,
		    int timeout_ms);
};

struct poller {
	const struct poller_ops *ops;
	void *impl;		/* the backend's own state */
};

extern const struct poller_ops poller_select_ops, poller_poll_ops,
	poller_epoll_ops;

/* Every backend, best first, NULL-terminated. */
extern const struct poller_ops *const poller_backends[];

/*
 * The backend called name ("select", "poll", "epoll"), or the best one
 * for NULL.  Returns NULL with errno ENOENT for an unknown name.
 */
const struct poller_ops *poller_find(const char *name);

/* Make p a poller of ops.  Returns 0, or -1 with errno. */
int poller_open(struct poller *p, const struct poller_ops *ops);
/* Free p.  Safe on a poller that failed to open. */
void poller_close(struct poller *p);

/* "IN|OUT|HUP": the names of mask's bits, in buf.  Returns buf. */
const char *poller_mask_str(unsigned mask, char *buf, size_t size);

/* ---- the selectors layer: see selectors in the Python library ---- */

/* One registered descriptor; keys[fd].  events 0 means unregistered. */
struct selector_key {
	int fd;
	unsigned events;	/* POLLER_IN|POLLER_OUT, and any modes */
	void *data;		/* the caller's, handed back on every report */
};

/* One ready key, as selector_select() reports it. */
struct selector_ready {
	const struct selector_key *key;
	unsigned events;	/* the ready subset of key->events */
	unsigned raw;		/* what the backend said, ERR and HUP too */
};

struct selector {
	struct poller poller;
	struct selector_key *keys;	/* indexed by fd */
	int nkeys;			/* slots in keys */
	int count;			/* registered descriptors */
	int limit;			/* RLIMIT_NOFILE: keys never grows past */
	struct poller_event *evs;	/* wait buffer, nkeys long */
};

/* Open s on ops (NULL: the best backend).  Returns 0, or -1 with errno. */
int selector_open(struct selector *s, const struct poller_ops *ops);
/* Close s; registered fds are forgotten, not closed. */
void selector_close(struct selector *s);

/*
 * Register fd for events (POLLER_IN and/or POLLER_OUT, and modes the
 * backend accepts) with data.  Returns 0, or -1 with errno: EINVAL (no
 * events, or fd < 0 or beyond RLIMIT_NOFILE), EEXIST (already
 * registered), or the backend's error (ERANGE: select and FD_SETSIZE).
 */
int selector_register(struct selector *s, int fd, unsigned events,
		      void *data);
/* Change events and data.  Returns 0, or -1 with errno (ENOENT). */
int selector_modify(struct selector *s, int fd, unsigned events, void *data);
/* Forget fd.  Returns 0, or -1 with errno ENOENT when not registered. */
int selector_unregister(struct selector *s, int fd);
/* The key of fd, or NULL with errno ENOENT. */
const struct selector_key *selector_get_key(const struct selector *s,
					    int fd);

/*
 * Wait up to timeout_ms (-1: forever) and store at most max ready keys
 * in out.  An error or hang-up is reported as the key's registered
 * events, as selectors does, so a reader sees it by reading.  Returns
 * how many, 0 on timeout, or -1 with errno.
 */
int selector_select(struct selector *s, int timeout_ms,
		    struct selector_ready *out, int max);

#endif
