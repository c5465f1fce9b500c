/*
 * loop.c - the event loop's core: handles and their freelist, the ready
 * queue, readers and writers, one iteration, and its trace; see loop.h.
 * The timer heap lives in loop_timer.c, signals in loop_signal.c, child
 * watchers in loop_child.c.
 *
 * The shape is redis' ae.c (aeProcessEvents: wait for the nearest timer,
 * dispatch fired fds, then timers) with asyncio's ready queue in front
 * (BaseEventLoop._run_once runs exactly the callbacks ready when it
 * starts).
 */
#include "loop_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "trace.h"

/* Room for a trace's interest or ready set: "3:IN 5:IN|OUT ...". */
#define SET_STRLEN	512

static const char *const why_names[] = {
	[WHY_SOON] = "soon", [WHY_TIMER] = "timer", [WHY_READER] = "reader",
	[WHY_WRITER] = "writer", [WHY_SIGNAL] = "signal",
	[WHY_CHILD] = "child",
};

long long
loop_time(void)
{
	return clock_now_ns();
}

struct loop *
loop_new(const char *backend)
{
	const struct poller_ops *ops = poller_find(backend);
	struct loop *l;

	if (ops == NULL)
		return NULL;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	if (selector_open(&l->sel, ops) < 0) {
		free(l);
		return NULL;
	}
	return l;
}

const char *
loop_backend(const struct loop *l)
{
	return l->sel.poller.ops->name;
}

void
loop_set_debug(struct loop *l, loop_warn_fn warn, void *ctx)
{
	l->warn = warn;
	l->warn_ctx = ctx;
}

void
loop_warnf(struct loop *l, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (l->warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	l->warn(l->warn_ctx, msg);
}

/* ---- handles ---- */

/*
 * Handles are carved from chunks of LOOP_CHUNK and recycled through a
 * freelist, so scheduling a callback allocates only while the loop warms
 * up to its largest number of pending callbacks.
 */
struct loop_handle *
loop_handle_get(struct loop *l)
{
	struct loop_handle *h;

	if (l->free_handles == NULL) {
		struct loop_chunk *c = malloc(sizeof(*c));
		int i;

		if (c == NULL)
			return NULL;
		c->next = l->chunks;
		l->chunks = c;
		for (i = LOOP_CHUNK - 1; i >= 0; i--) {
			c->h[i].state = H_FREE;
			c->h[i].next = l->free_handles;
			l->free_handles = &c->h[i];
		}
	}
	h = l->free_handles;
	l->free_handles = h->next;
	memset(h, 0, sizeof(*h));
	return h;
}

void
loop_handle_put(struct loop *l, struct loop_handle *h)
{
	h->state = H_FREE;
	h->cb = NULL;
	h->next = l->free_handles;
	l->free_handles = h;
}

void
loop_ready_push(struct loop *l, struct loop_handle *h)
{
	h->state = H_READY;
	h->next = NULL;
	if (l->ready_tail != NULL)
		l->ready_tail->next = h;
	else
		l->ready = h;
	l->ready_tail = h;
	l->nready++;
}

static struct loop_handle *
ready_pop(struct loop *l)
{
	struct loop_handle *h = l->ready;

	if (h == NULL)
		return NULL;
	l->ready = h->next;
	if (l->ready == NULL)
		l->ready_tail = NULL;
	l->nready--;
	return h;
}

struct loop_handle *
loop_call_soon(struct loop *l, const char *name, loop_cb cb, void *arg)
{
	struct loop_handle *h = loop_handle_get(l);

	if (h == NULL)
		return NULL;
	h->cb = cb;
	h->arg = arg;
	h->name = name;
	h->why = WHY_SOON;
	loop_ready_push(l, h);
	return h;
}

struct loop_handle *
loop_call_at(struct loop *l, long long when, const char *name, loop_cb cb,
	     void *arg)
{
	struct loop_handle *h = loop_handle_get(l);

	if (h == NULL)
		return NULL;
	h->cb = cb;
	h->arg = arg;
	h->name = name;
	h->why = WHY_TIMER;
	h->when = when;
	h->seq = l->timer_seq++;
	if (timer_push(l, h) < 0) {
		loop_handle_put(l, h);
		return NULL;
	}
	if (trace_want())
		timer_trace(h, "add");
	return h;
}

struct loop_handle *
loop_call_later(struct loop *l, double delay, const char *name, loop_cb cb,
		void *arg)
{
	return loop_call_at(l, loop_time() +
			    (delay > 0 ? (long long)(delay * 1e9) : 0),
			    name, cb, arg);
}

/*
 * A timer leaves the heap at once; a ready callback is only marked,
 * since unlinking it from the middle of a singly linked queue would cost
 * O(n): the iteration that reaches it skips it (asyncio does the same).
 */
void
loop_cancel(struct loop *l, struct loop_handle *h)
{
	if (h->state == H_TIMER) {
		if (trace_want())
			timer_trace(h, "cancel");
		timer_remove(l, h);
		loop_handle_put(l, h);
	} else if (h->state == H_READY) {
		h->cancelled = 1;
	}
}

/* ---- callbacks: timing, trace and debug ---- */

long long
loop_cb_begin(const struct loop *l)
{
	return trace_on || l->warn != NULL ? loop_time() : 0;
}

void
loop_cb_end(struct loop *l, const char *name, enum loop_why why,
	    long long t0)
{
	long long ns;

	if (t0 == 0)
		return;
	ns = loop_time() - t0;
	if (trace_want()) {
		struct trace_arg a[] = {
			TARG_S("name", name), TARG_S("why", why_names[why]),
			TARG_I("ns", ns),
		};
		char note[160];

		snprintf(note, sizeof(note), "%s ran (%s) for %lld us",
			 name, why_names[why], ns / 1000);
		trace_event("callback", note, a, 3);
	}
	if (ns > LOOP_SLOW_NS)
		loop_warnf(l, "callback %s (%s) took %.3f s: it blocked the "
			   "loop, and every other callback waited",
			   name, why_names[why], (double)ns / 1e9);
}

/* Run one handle from the ready queue, then recycle it. */
static void
run_handle(struct loop *l, struct loop_handle *h)
{
	long long t0;

	if (h->cancelled) {
		loop_handle_put(l, h);
		return;
	}
	h->state = H_RUNNING;
	t0 = loop_cb_begin(l);
	h->cb(l, h->arg);
	loop_cb_end(l, h->name, h->why, t0);
	loop_handle_put(l, h);
}

/* ---- readers and writers ---- */

/* An `fd` trace event: what happened to fd's interest. */
static void
fd_trace(int fd, const char *what, unsigned mask, const char *name)
{
	char m[32], note[160];
	struct trace_arg a[] = {
		TARG_S("what", what), TARG_I("fd", fd),
		TARG_S("interest", poller_mask_str(mask, m, sizeof(m))),
		TARG_S("name", name),
	};

	snprintf(note, sizeof(note), "fd %d: %s interest, now %s (%s)", fd,
		 what, m, name);
	trace_event("fd", note, a, 4);
}

static unsigned
io_mask(const struct loop_io *io)
{
	return (io->cb[IO_R] != NULL ? POLLER_IN : 0) |
	       (io->cb[IO_W] != NULL ? POLLER_OUT : 0);
}

/* Set fd's reader or writer (dir), registering fd on first use. */
static int
io_add(struct loop *l, int fd, int dir, const char *name, loop_io_cb cb,
       void *arg)
{
	const struct selector_key *k = selector_get_key(&l->sel, fd);
	struct loop_io *io;
	unsigned mask;

	if (k != NULL) {
		io = k->data;
		mask = io_mask(io) | (dir == IO_R ? POLLER_IN : POLLER_OUT);
		if (mask != k->events &&
		    selector_modify(&l->sel, fd, mask, io) < 0)
			return -1;
	} else {
		if ((io = l->free_ios) != NULL)
			l->free_ios = io->next;
		else if ((io = malloc(sizeof(*io))) == NULL)
			return -1;
		memset(io, 0, sizeof(*io));
		mask = dir == IO_R ? POLLER_IN : POLLER_OUT;
		if (selector_register(&l->sel, fd, mask, io) < 0) {
			io->next = l->free_ios;
			l->free_ios = io;
			return -1;
		}
	}
	io->cb[dir] = cb;
	io->arg[dir] = arg;
	io->name[dir] = name;
	if (trace_want())
		fd_trace(fd, k != NULL ? "modify" : "add", mask, name);
	return 0;
}

/* Clear fd's reader or writer; unregister fd when neither is left. */
static int
io_remove(struct loop *l, int fd, int dir)
{
	const struct selector_key *k = selector_get_key(&l->sel, fd);
	struct loop_io *io;
	const char *name;
	unsigned mask;

	if (k == NULL || ((struct loop_io *)k->data)->cb[dir] == NULL)
		return errno = ENOENT, -1;
	io = k->data;
	name = io->name[dir];
	io->cb[dir] = NULL;
	mask = io_mask(io);
	if (mask != 0) {
		if (selector_modify(&l->sel, fd, mask, io) < 0)
			return -1;
	} else {
		if (selector_unregister(&l->sel, fd) < 0)
			return -1;
		io->next = l->free_ios;
		l->free_ios = io;
	}
	if (trace_want())
		fd_trace(fd, mask != 0 ? "modify" : "remove", mask, name);
	return 0;
}

int
loop_add_reader(struct loop *l, int fd, const char *name, loop_io_cb cb,
		void *arg)
{
	return io_add(l, fd, IO_R, name, cb, arg);
}

int
loop_add_writer(struct loop *l, int fd, const char *name, loop_io_cb cb,
		void *arg)
{
	return io_add(l, fd, IO_W, name, cb, arg);
}

int
loop_remove_reader(struct loop *l, int fd)
{
	return io_remove(l, fd, IO_R);
}

int
loop_remove_writer(struct loop *l, int fd)
{
	return io_remove(l, fd, IO_W);
}

/*
 * Call fd's reader or writer if it is still set: an earlier callback of
 * the same wait may have removed it (ae.c re-reads the fd's mask for the
 * same reason).  A callback may also have closed fd and a later one
 * reused the number; the new owner then sees one spurious wake-up, which
 * a non-blocking reader answers with EAGAIN.
 */
static void
io_dispatch(struct loop *l, int fd, int dir)
{
	const struct selector_key *k = selector_get_key(&l->sel, fd);
	struct loop_io *io;
	long long t0;
	const char *name;

	if (k == NULL || (io = k->data)->cb[dir] == NULL)
		return;
	name = io->name[dir];
	t0 = loop_cb_begin(l);
	io->cb[dir](l, fd, io->arg[dir]);
	loop_cb_end(l, name, dir == IO_R ? WHY_READER : WHY_WRITER, t0);
}

/* ---- one iteration ---- */

/* fd:MASK for each watched fd (or each ready one), for the trace. */
static const char *
set_str(const struct loop *l, const struct poller_event *evs, int n,
	char *buf, size_t size)
{
	size_t len = 0;
	char m[32];
	int i;

	buf[0] = '\0';
	if (evs == NULL) {
		for (i = 0; i < l->sel.nkeys && len < size; i++)
			if (l->sel.keys[i].events != 0)
				len += (size_t)snprintf(buf + len, size - len,
					"%s%d:%s", len ? " " : "", i,
					poller_mask_str(l->sel.keys[i].events,
							m, sizeof(m)));
	} else {
		for (i = 0; i < n && len < size; i++)
			len += (size_t)snprintf(buf + len, size - len,
				"%s%d:%s", len ? " " : "", evs[i].fd,
				poller_mask_str(evs[i].events, m, sizeof(m)));
	}
	if (len >= size && size > 4)
		memcpy(buf + size - 4, "...", 4);
	return buf;
}

static void
iter_trace(const struct loop *l, size_t ran, int timeout_ms)
{
	struct trace_arg a[] = {
		TARG_I("iter", l->iterations), TARG_I("ran", ran),
		TARG_I("ready", l->nready),
		TARG_I("timers", l->ntimers), TARG_I("timeout_ms", timeout_ms),
	};
	char note[160], wait[32];

	if (timeout_ms < 0)
		snprintf(wait, sizeof(wait), "forever");
	else
		snprintf(wait, sizeof(wait), "%d ms", timeout_ms);
	snprintf(note, sizeof(note), "iteration %llu: ran %zu, %zu ready, "
		 "%zu timers, wait %s", l->iterations, ran, l->nready,
		 l->ntimers, wait);
	trace_event("iter", note, a, 5);
}

static void
poll_trace(const struct loop *l, int n)
{
	char interest[SET_STRLEN], ready[SET_STRLEN], note[64];
	struct trace_arg a[] = {
		TARG_S("backend", loop_backend(l)),
		TARG_S("interest", set_str(l, NULL, 0, interest,
					   sizeof(interest))),
		TARG_S("ready", set_str(l, l->io, n, ready, sizeof(ready))),
		TARG_I("n", n),
	};

	snprintf(note, sizeof(note), "%s: %d of %d fds ready",
		 loop_backend(l), n, l->sel.count);
	trace_event("poll", note, a, 4);
}

/* Milliseconds to wait: 0 with work ready, to the nearest timer, or -1. */
static int
compute_timeout(const struct loop *l)
{
	const struct loop_handle *t = timer_first(l);

	/* A callback that set run_until's flag must not be followed by a wait. */
	if (l->nready > 0 || l->stopping || (l->until != NULL && *l->until))
		return 0;
	if (t == NULL)
		return -1;
	return clock_ms_until(t->when);
}

int
loop_run_once(struct loop *l)
{
	size_t ran = l->nready, todo = ran;
	int timeout, n, i;

	if (trace_on)
		trace_gate(STEP_ITER);
	/* 1. Only what was ready at the start; the rest waits a turn. */
	while (todo-- > 0)
		run_handle(l, ready_pop(l));
	/* 2. */
	timeout = compute_timeout(l);
	if (trace_on) {
		if (!trace_skip())
			iter_trace(l, ran, timeout);
		/* The wait may block: a reader sees the iteration first. */
		if (timeout != 0)
			trace_flush();
	}
	/* 3. Copy the results: a callback may grow the selector's keys. */
	n = selector_select(&l->sel, timeout, l->got, LOOP_MAX_EVENTS);
	if (n < 0) {
		if (errno != EINTR)
			return -1;
		n = 0;		/* a signal came first: only timers are due */
	}
	for (i = 0; i < n; i++) {
		l->io[i].fd = l->got[i].key->fd;
		l->io[i].events = l->got[i].events;
	}
	if (trace_want())
		poll_trace(l, n);
	for (i = 0; i < n; i++) {
		if (l->io[i].events & POLLER_IN)
			io_dispatch(l, l->io[i].fd, IO_R);
		if (l->io[i].events & POLLER_OUT)
			io_dispatch(l, l->io[i].fd, IO_W);
	}
	/* 4. */
	timer_run_due(l, loop_time());
	l->iterations++;
	return 0;
}

int
loop_run_until(struct loop *l, const int *done)
{
	int rc = 0;

	l->stopping = 0;
	l->until = done;
	/* One write(2) an iteration for the trace, not one an event. */
	trace_batch_begin();
	while (!l->stopping && (done == NULL || !*done) && rc == 0)
		rc = loop_run_once(l);
	trace_batch_end();
	l->stopping = 0;
	l->until = NULL;
	return rc;
}

int
loop_run_forever(struct loop *l)
{
	return loop_run_until(l, NULL);
}

void
loop_stop(struct loop *l)
{
	l->stopping = 1;
}

/* ---- closing ---- */

/* Drop the cancelled handles at the head of and inside the queue. */
static void
purge_cancelled(struct loop *l)
{
	size_t n = l->nready;
	struct loop_handle *h;

	while (n-- > 0) {
		h = ready_pop(l);
		if (h->cancelled)
			loop_handle_put(l, h);
		else
			loop_ready_push(l, h);
	}
}

static void
free_all(struct loop *l)
{
	struct loop_chunk *c;
	struct loop_io *io;
	int fd;

	for (fd = 0; fd < l->sel.nkeys; fd++)
		if (l->sel.keys[fd].events != 0)
			free(l->sel.keys[fd].data);
	selector_close(&l->sel);
	while ((io = l->free_ios) != NULL) {
		l->free_ios = io->next;
		free(io);
	}
	while ((c = l->chunks) != NULL) {
		l->chunks = c->next;
		free(c);
	}
	free(l->heap);
	free(l->rbuf);
	free(l);
}

int
loop_close(struct loop *l)
{
	int fd;

	purge_cancelled(l);
	if (l->nready == 0 && l->ntimers == 0 && l->sel.count == 0 &&
	    l->sig == NULL && l->children == NULL) {
		loop_executor_clear(l);	/* idle: joins its workers */
		free_all(l);
		return 0;
	}
	for (fd = 0; fd < l->sel.nkeys; fd++)
		if (l->sel.keys[fd].events != 0) {
			const struct loop_io *io = l->sel.keys[fd].data;

			loop_warnf(l, "fd %d is still registered at close "
				   "(%s): remove it, then close it",
				   fd, io->name[io->cb[IO_R] ? IO_R : IO_W]);
		}
	return errno = EBUSY, -1;
}

void
loop_destroy(struct loop *l)
{
	struct loop_handle *h;

	loop_tasks_clear(l);
	loop_subprocs_clear(l);		/* first: it uses the child watchers */
	loop_signals_clear(l);
	loop_children_clear(l);
	loop_servers_clear(l);
	loop_transports_clear(l);
	/* Dropped, not run; a future's done-callback holds a reference. */
	while ((h = ready_pop(l)) != NULL) {
		if (!h->cancelled)
			future_cb_drop(h);
		loop_handle_put(l, h);
	}
	loop_executor_clear(l);		/* waits for jobs that run */
	free_all(l);
}
