/*
 * loop_asyncore.c - Python's asyncore on the loop: dispatchers with
 * readable()/writable() predicates and handle_* methods; see loop.h.
 *
 * asyncore.loop() rebuilds its select(2) sets on every pass by asking
 * each dispatcher readable() and writable().  asyncore_poll() does the
 * same on this loop: before each iteration it asks every dispatcher,
 * turns the answers into readers and writers (adding or removing only
 * what changed, so epoll is not told twice), traces each decision as an
 * `asyncore` event, and then runs one loop_run_once().  The readers and
 * writers it installs are asyncore's handle_read_event and
 * handle_write_event: they tell a finished connect (handle_connect) and a
 * listening socket (handle_accept) from plain reads and writes.
 *
 * A closed dispatcher is unhooked from the loop at once but freed only at
 * the start of the next asyncore_poll(), so a handler may close its own
 * dispatcher (or another) and still read its fields until it returns.
 */
#include "loop_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "sys.h"
#include "trace.h"

struct asyncore_dispatcher {
	struct asyncore_map *map;
	int fd;
	const char *name;
	const struct asyncore_ops *ops;
	void *ctx;
	int connected;		/* has a peer */
	int connecting;		/* connect(2) in flight */
	int accepting;		/* listen() was called */
	int closed;
	int want_r, want_w;	/* registered with the loop now */
	struct asyncore_dispatcher *next;
};

struct asyncore_map {
	struct loop *loop;
	struct asyncore_dispatcher *live;	/* open dispatchers */
	struct asyncore_dispatcher *dead;	/* closed, to free */
	size_t count;				/* open dispatchers */
};

struct asyncore_map *
asyncore_map_new(struct loop *l)
{
	struct asyncore_map *m = calloc(1, sizeof(*m));

	if (m != NULL)
		m->loop = l;
	return m;
}

/* Free the closed dispatchers; destroy() lets each owner free its ctx. */
static void
reap_dead(struct asyncore_map *m)
{
	struct asyncore_dispatcher *d;

	while ((d = m->dead) != NULL) {
		m->dead = d->next;
		if (d->ops->destroy != NULL)
			d->ops->destroy(d, d->ctx);
		free(d);
	}
}

void
asyncore_map_free(struct asyncore_map *m)
{
	while (m->live != NULL)
		asyncore_close(m->live);
	reap_dead(m);
	free(m);
}

size_t
asyncore_map_count(const struct asyncore_map *m)
{
	return m->count;
}

struct asyncore_dispatcher *
asyncore_dispatcher_new(struct asyncore_map *m, int fd, const char *name,
			const struct asyncore_ops *ops, void *ctx)
{
	struct asyncore_dispatcher *d = calloc(1, sizeof(*d));
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (d == NULL)
		return NULL;
	*d = (struct asyncore_dispatcher){ .map = m, .fd = fd, .name = name,
					   .ops = ops, .ctx = ctx };
	/* As asyncore.dispatcher(sock): connected when it has a peer. */
	d->connected = sys_getpeername(fd, (struct sockaddr *)&ss, &len) == 0;
	d->next = m->live;
	m->live = d;
	m->count++;
	return d;
}

int
asyncore_fd(const struct asyncore_dispatcher *d)
{
	return d->fd;
}

int
asyncore_connected(const struct asyncore_dispatcher *d)
{
	return d->connected;
}

void
asyncore_close(struct asyncore_dispatcher *d)
{
	struct asyncore_map *m = d->map;
	struct asyncore_dispatcher **p;

	if (d->closed)
		return;
	d->closed = 1;
	if (d->want_r)
		loop_remove_reader(m->loop, d->fd);
	if (d->want_w)
		loop_remove_writer(m->loop, d->fd);
	d->want_r = d->want_w = 0;
	sys_close(d->fd);
	d->fd = -1;
	d->connected = d->connecting = d->accepting = 0;
	for (p = &m->live; *p != NULL; p = &(*p)->next)
		if (*p == d) {
			*p = d->next;
			break;
		}
	d->next = m->dead;
	m->dead = d;
	m->count--;
}

/* handle_close: the dispatcher's own, or asyncore's default, close(). */
static void
handle_close(struct asyncore_dispatcher *d)
{
	if (d->ops->handle_close != NULL)
		d->ops->handle_close(d, d->ctx);
	else
		asyncore_close(d);
}

void
asyncore_fail(struct asyncore_dispatcher *d, int err)
{
	if (d->closed)
		return;
	if (d->ops->handle_error != NULL)
		d->ops->handle_error(d, err, d->ctx);
	if (!d->closed)
		handle_close(d);
}

/* handle_connect_event: the connect finished well. */
static void
connect_event(struct asyncore_dispatcher *d)
{
	d->connected = 1;
	d->connecting = 0;
	if (d->ops->handle_connect != NULL)
		d->ops->handle_connect(d, d->ctx);
}

/* ---- the calls a handler makes ---- */

int
asyncore_connect(struct asyncore_dispatcher *d, const struct sockaddr *sa,
		 socklen_t len)
{
	if (sys_connect(d->fd, sa, len) == 0 || errno == EISCONN) {
		connect_event(d);
		return 0;
	}
	if (errno != EINPROGRESS && errno != EALREADY)
		return -1;
	/* The writer will see it finish; see connect(2), EINPROGRESS. */
	d->connecting = 1;
	return 0;
}

int
asyncore_listen(struct asyncore_dispatcher *d, int backlog)
{
	if (sys_listen(d->fd, backlog) < 0)
		return -1;
	d->accepting = 1;
	return 0;
}

int
asyncore_accept(struct asyncore_dispatcher *d, struct sockaddr *sa,
		socklen_t *len)
{
	int fd;

	do
		fd = sys_accept4(d->fd, sa, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	while (fd < 0 && (errno == EINTR || errno == ECONNABORTED));
	return fd;
}

/* The errors asyncore calls _DISCONNECTED: the peer is gone. */
static int
disconnected(int err)
{
	return err == ECONNRESET || err == ENOTCONN || err == ESHUTDOWN ||
	       err == ECONNABORTED || err == EPIPE || err == EBADF;
}

ssize_t
asyncore_send(struct asyncore_dispatcher *d, const void *buf, size_t n)
{
	ssize_t k;

	do	/* MSG_NOSIGNAL: a closed peer is EPIPE here, not SIGPIPE. */
		k = sys_send(d->fd, buf, n, MSG_NOSIGNAL);
	while (k < 0 && errno == EINTR);
	if (k >= 0)
		return k;
	if (errno == EAGAIN)
		return 0;
	if (disconnected(errno)) {
		handle_close(d);
		return 0;
	}
	return -1;
}

ssize_t
asyncore_recv(struct asyncore_dispatcher *d, void *buf, size_t n)
{
	ssize_t k;

	do
		k = sys_recv(d->fd, buf, n, 0);
	while (k < 0 && errno == EINTR);
	if (k > 0)
		return k;
	if (k == 0 || disconnected(errno)) {
		/* End of file, or a reset: see recv(2). */
		handle_close(d);
		return 0;
	}
	return -1;
}

/* ---- the loop's readers and writers ---- */

/*
 * The connect in flight ended: SO_ERROR says how (see connect(2),
 * EINPROGRESS).  A refused connect may wake the reader first (select and
 * poll report the error as readable), so both ask.  Returns 0 once
 * connected, or -1 after handle_error.
 */
static int
finish_connect(struct asyncore_dispatcher *d)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (sys_getsockopt(d->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		asyncore_fail(d, err);
		return -1;
	}
	connect_event(d);
	return 0;
}

/* handle_read_event: accept, finish a connect, or read. */
static void
on_read(struct loop *l, int fd, void *arg)
{
	struct asyncore_dispatcher *d = arg;

	(void)l;
	(void)fd;
	if (d->closed)
		return;
	if (d->accepting) {
		if (d->ops->handle_accept != NULL)
			d->ops->handle_accept(d, d->ctx);
		return;
	}
	if (!d->connected && d->connecting && finish_connect(d) < 0)
		return;
	if (!d->closed && d->ops->handle_read != NULL)
		d->ops->handle_read(d, d->ctx);
}

/* handle_write_event: finish a connect, or write. */
static void
on_write(struct loop *l, int fd, void *arg)
{
	struct asyncore_dispatcher *d = arg;

	(void)l;
	(void)fd;
	if (d->closed || d->accepting)
		return;
	if (!d->connected && d->connecting && finish_connect(d) < 0)
		return;
	if (!d->closed && d->ops->handle_write != NULL)
		d->ops->handle_write(d, d->ctx);
}

/* Register or drop one direction so the loop matches the answer. */
static int
sync_interest(struct asyncore_dispatcher *d, int dir, int want)
{
	struct loop *l = d->map->loop;
	int *have = dir == IO_R ? &d->want_r : &d->want_w;
	int rc;

	if (want == *have)
		return 0;
	if (dir == IO_R)
		rc = want ? loop_add_reader(l, d->fd, d->name, on_read, d) :
		     loop_remove_reader(l, d->fd);
	else
		rc = want ? loop_add_writer(l, d->fd, d->name, on_write, d) :
		     loop_remove_writer(l, d->fd);
	if (rc == 0)
		*have = want;
	return rc;
}

/* An `asyncore` trace event: what readable() and writable() answered. */
static void
decision_trace(const struct asyncore_dispatcher *d, int r, int w)
{
	struct trace_arg a[] = {
		TARG_S("name", d->name), TARG_I("fd", d->fd),
		TARG_I("readable", r), TARG_I("writable", w),
		TARG_I("accepting", d->accepting),
	};
	char note[160];

	snprintf(note, sizeof(note), "%s (fd %d): readable() %s, "
		 "writable() %s%s", d->name, d->fd, r ? "yes" : "no",
		 w ? "yes" : "no", d->accepting ? " (accepting)" : "");
	trace_event("asyncore", note, a, 5);
}

/*
 * Ask one dispatcher.  readable() defaults to yes; writable() to "while
 * connecting", not to Python's True, which with nothing to send would
 * wake the loop on every pass.  A listening socket is never asked to
 * write, as in asyncore.poll().
 */
static void
ask(struct asyncore_dispatcher *d)
{
	int r = d->ops->readable != NULL ? d->ops->readable(d, d->ctx) : 1;
	int w = d->ops->writable != NULL ? d->ops->writable(d, d->ctx) :
		d->connecting;

	if (d->closed)
		return;
	w = w && !d->accepting;
	if (trace_on)
		decision_trace(d, r, w);
	if (sync_interest(d, IO_R, r != 0) < 0 ||
	    sync_interest(d, IO_W, w != 0) < 0)
		asyncore_fail(d, errno);
}

int
asyncore_poll(struct asyncore_map *m)
{
	struct asyncore_dispatcher *d, *next;

	reap_dead(m);
	/* The predicates may close a dispatcher: keep the next one first. */
	for (d = m->live; d != NULL; d = next) {
		next = d->next;
		ask(d);
	}
	return loop_run_once(m->loop);
}

int
asyncore_loop(struct asyncore_map *m, long count)
{
	struct loop *l = m->loop;
	int rc = 0;

	l->stopping = 0;
	while (m->count > 0 && !l->stopping && count != 0 && rc == 0) {
		rc = asyncore_poll(m);
		if (count > 0)
			count--;
	}
	l->stopping = 0;
	reap_dead(m);
	return rc;
}
