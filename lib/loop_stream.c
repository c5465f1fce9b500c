/*
 * loop_stream.c - streams, as asyncio's StreamReader and StreamWriter:
 * a protocol that buffers what arrives on a stream transport, and read
 * helpers that tasks await (read, readexactly, readuntil, readline),
 * with write and drain; see loop.h.
 *
 * The protocol side (stream_made, stream_data, ...) runs as ordinary
 * loop callbacks: it fills the buffer and ends whichever future a task
 * waits on.  The task side loops: take what the buffer holds, and if
 * that is not enough, await more.  This is asyncio's StreamReader with
 * its _wait_for_data().
 *
 * The buffer is bounded.  Once `limit` bytes wait unread, reading from
 * the socket pauses (the peer then waits on TCP flow control), and a
 * readuntil whose separator is not within the limit fails with ENOBUFS
 * instead of growing memory.  One recv(2) brings at most LOOP_READ
 * bytes, so limit + LOOP_READ bytes always suffice.
 */
#include "loop_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct loop_stream {
	struct loop *loop;
	struct loop_transport *t;	/* NULL once the connection is gone */
	char *buf;			/* limit + LOOP_READ bytes */
	size_t off, len, limit;		/* unread: [off, off + len) */
	int eof;			/* the peer will send no more */
	int lost, err;			/* connection_lost came, with err */
	int closing;			/* loop_stream_close() was called */
	int read_paused, write_paused;
	struct loop_future *waiter;	/* a read waits for data */
	struct loop_future *drainer;	/* drain waits for resume_writing */
	struct loop_future *connecting;	/* open_connection waits */
	struct loop_future *closed;	/* close waits for connection_lost */
	const struct loop_stream_accept *acc;	/* a server's stream */
};

static void
stream_free(struct loop_stream *s)
{
	free(s->buf);
	free(s);
}

/* End f (if there is one and it is pending): the awaiting task wakes. */
static void
wake(struct loop_future *f)
{
	if (f != NULL && !loop_future_done(f))
		loop_future_set_result(f, NULL);
}

static struct loop_stream *
stream_alloc(struct loop *l, size_t limit)
{
	struct loop_stream *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->loop = l;
	s->limit = limit ? limit : LOOP_STREAM_LIMIT;
	if ((s->buf = malloc(s->limit + LOOP_READ)) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

/* ---- the protocol: the loop calls these ---- */

static void
stream_made(struct loop_transport *t, void *ctx)
{
	struct loop_stream *s = ctx;

	s->t = t;
	wake(s->connecting);
	if (s->acc != NULL)
		s->acc->connected(s, s->acc->arg);
}

static void
stream_data(struct loop_transport *t, const void *buf, size_t n, void *ctx)
{
	struct loop_stream *s = ctx;

	/*
	 * Reading pauses at the limit, so one recv's worth always fits
	 * once the bytes already read are dropped from the front.
	 */
	if (s->off + s->len + n > s->limit + LOOP_READ) {
		memmove(s->buf, s->buf + s->off, s->len);
		s->off = 0;
	}
	memcpy(s->buf + s->off + s->len, buf, n);
	s->len += n;
	if (s->len >= s->limit && !s->read_paused) {
		s->read_paused = 1;
		loop_transport_pause_reading(t);
	}
	wake(s->waiter);
}

/* Keep the transport open: the task may still write (half-close). */
static int
stream_eof(struct loop_transport *t, void *ctx)
{
	struct loop_stream *s = ctx;

	s->eof = 1;
	wake(s->waiter);
	return 1;
}

static void
stream_lost(struct loop_transport *t, int err, void *ctx)
{
	struct loop_stream *s = ctx;
	/*
	 * A server's stream lost before connection_made (the server ran
	 * out of memory starting its transport) was never handed to
	 * acc->connected: nobody else knows it, so it is freed here.
	 */
	int unclaimed = s->acc != NULL && s->t == NULL;

	s->t = NULL;
	s->lost = 1;
	s->eof = 1;
	s->err = err;
	if (s->connecting != NULL && !loop_future_done(s->connecting))
		loop_future_set_exception(s->connecting, err ? err :
					  ECONNRESET, "connect failed");
	wake(s->waiter);
	wake(s->drainer);
	if (s->closed != NULL)
		wake(s->closed);	/* the closing task frees s */
	else if (s->closing || unclaimed)
		stream_free(s);
}

static void
stream_pause_writing(struct loop_transport *t, void *ctx)
{
	((struct loop_stream *)ctx)->write_paused = 1;
}

static void
stream_resume_writing(struct loop_transport *t, void *ctx)
{
	struct loop_stream *s = ctx;

	s->write_paused = 0;
	wake(s->drainer);
}

static const struct loop_protocol stream_protocol = {
	.connection_made = stream_made,
	.data_received = stream_data,
	.eof_received = stream_eof,
	.connection_lost = stream_lost,
	.pause_writing = stream_pause_writing,
	.resume_writing = stream_resume_writing,
};

/* ---- opening ---- */

struct loop_stream *
loop_stream_new(struct loop *l, int fd, size_t limit)
{
	struct loop_stream *s = stream_alloc(l, limit);

	if (s == NULL)
		return NULL;
	if ((s->t = loop_transport_new(l, fd, &stream_protocol, s)) == NULL) {
		stream_free(s);
		return NULL;
	}
	return s;
}

struct loop_stream *
loop_stream_pipe_new(struct loop *l, int fd, int writing, size_t limit)
{
	struct loop_stream *s = stream_alloc(l, limit);

	if (s == NULL)
		return NULL;
	if ((s->t = loop_pipe_transport_new(l, fd, writing, &stream_protocol,
					    s)) == NULL) {
		stream_free(s);
		return NULL;
	}
	return s;
}

int
loop_open_connection(struct loop_task *t, const struct sockaddr *sa,
		     socklen_t len, struct loop_stream **sp)
{
	struct loop_stream *s = stream_alloc(loop_task_loop(t), 0);
	int rc, err;

	if (s == NULL)
		return -1;
	s->connecting = loop_future_new(s->loop, "open_connection");
	if (s->connecting == NULL ||
	    (s->t = loop_transport_connect(s->loop, sa, len, &stream_protocol,
					   s)) == NULL) {
		err = errno;
		if (s->connecting != NULL)
			loop_future_release(s->connecting);
		stream_free(s);
		return errno = err, -1;
	}
	rc = loop_await(t, s->connecting, NULL);
	err = errno;
	loop_future_release(s->connecting);
	s->connecting = NULL;
	if (rc < 0) {
		loop_stream_close(err == ECANCELED ? NULL : t, s);
		return errno = err, -1;
	}
	*sp = s;
	return 0;
}

/* A new connection on a stream server: its stream, as the factory. */
static void *
accept_stream(void *arg)
{
	const struct loop_stream_accept *acc = arg;
	struct loop_stream *s;

	if ((s = stream_alloc(acc->loop, acc->limit)) == NULL)
		return NULL;
	s->acc = acc;
	return s;
}

struct loop_server *
loop_start_server(struct loop *l, int fd, struct loop_stream_accept *acc)
{
	acc->loop = l;
	return loop_server_new(l, fd, &stream_protocol, accept_stream, acc);
}

/* ---- reading ---- */

/*
 * Wait until the protocol has something new: data, end of file, or the
 * end of the connection.  Returns 0, or -1 with errno: EBUSY when another
 * task already waits on s (asyncio raises RuntimeError), ENOMEM or
 * ECANCELED.
 */
static int
wait_data(struct loop_task *t, struct loop_stream *s)
{
	int rc, err;

	if (s->waiter != NULL)
		return errno = EBUSY, -1;
	if ((s->waiter = loop_future_new(loop_task_loop(t), "stream data")) ==
	    NULL)
		return -1;
	rc = loop_await(t, s->waiter, NULL);
	err = errno;
	loop_future_release(s->waiter);
	s->waiter = NULL;
	errno = err;
	return rc;
}

/*
 * Take n bytes off the front; reading resumes below the limit.  The
 * front only moves (off): sliding the rest down for every line taken
 * would cost a buffer's worth of copying per readline.
 */
static void
consume(struct loop_stream *s, void *out, size_t n)
{
	if (out != NULL)
		memcpy(out, s->buf + s->off, n);
	s->off += n;
	s->len -= n;
	if (s->len == 0)
		s->off = 0;
	if (s->read_paused && s->len < s->limit && s->t != NULL) {
		s->read_paused = 0;
		loop_transport_resume_reading(s->t);
	}
}

/* Nothing buffered and nothing more to come: 0 at a clean end, or -1. */
static int
at_end(const struct loop_stream *s)
{
	if (s->err != 0)
		return errno = s->err, -1;
	return 0;
}

ssize_t
loop_stream_read(struct loop_task *t, struct loop_stream *s, void *buf,
		 size_t n)
{
	for (;;) {
		if (n == 0)
			return 0;
		if (s->len > 0) {
			n = n < s->len ? n : s->len;
			consume(s, buf, n);
			return (ssize_t)n;
		}
		if (s->eof)
			return at_end(s);
		if (wait_data(t, s) < 0)
			return -1;
	}
}

int
loop_stream_readexactly(struct loop_task *t, struct loop_stream *s,
			void *buf, size_t n, size_t *got)
{
	size_t take;

	*got = 0;
	for (;;) {
		take = n - *got < s->len ? n - *got : s->len;
		consume(s, (char *)buf + *got, take);
		*got += take;
		if (*got == n)
			return 0;
		if (s->eof)
			return at_end(s) < 0 ? -1 : (errno = ENODATA, -1);
		if (wait_data(t, s) < 0)
			return -1;
	}
}

int
loop_stream_readuntil(struct loop_task *t, struct loop_stream *s,
		      const void *sep, size_t seplen, void *buf, size_t size,
		      size_t *got)
{
	size_t max = size < s->limit ? size : s->limit;
	const char *hit;

	*got = 0;
	if (seplen == 0)
		return errno = EINVAL, -1;
	for (;;) {
		hit = memmem(s->buf + s->off, s->len, sep, seplen);
		if (hit != NULL) {
			size_t need = (size_t)(hit - (s->buf + s->off)) + seplen;

			if (need > max)
				return errno = ENOBUFS, -1;
			consume(s, buf, need);
			*got = need;
			return 0;
		}
		if (s->len >= max)
			return errno = ENOBUFS, -1;	/* the bytes stay */
		if (s->eof) {
			if (at_end(s) < 0)
				return -1;
			*got = s->len;
			consume(s, buf, s->len);
			return errno = ENODATA, -1;
		}
		if (wait_data(t, s) < 0)
			return -1;
	}
}

int
loop_stream_readline(struct loop_task *t, struct loop_stream *s, char *buf,
		     size_t size, size_t *got)
{
	if (loop_stream_readuntil(t, s, "\n", 1, buf, size, got) == 0)
		return 0;
	return errno == ENODATA ? 0 : -1;
}

/* ---- writing and closing ---- */

int
loop_stream_write(struct loop_stream *s, const void *buf, size_t n)
{
	if (s->t == NULL)
		return errno = s->err ? s->err : EPIPE, -1;
	return loop_transport_write(s->t, buf, n);
}

int
loop_stream_drain(struct loop_task *t, struct loop_stream *s)
{
	int rc, err;

	while (s->write_paused && s->t != NULL) {
		if (s->drainer != NULL)
			return errno = EBUSY, -1;
		s->drainer = loop_future_new(loop_task_loop(t), "drain");
		if (s->drainer == NULL)
			return -1;
		rc = loop_await(t, s->drainer, NULL);
		err = errno;
		loop_future_release(s->drainer);
		s->drainer = NULL;
		if (rc < 0)
			return errno = err, -1;
	}
	if (s->t == NULL)
		return errno = s->err ? s->err : EPIPE, -1;
	return 0;
}

void
loop_stream_write_eof(struct loop_stream *s)
{
	if (s->t != NULL)
		loop_transport_write_eof(s->t);
}

size_t
loop_stream_buffered(const struct loop_stream *s)
{
	return s->t != NULL ? loop_transport_buffered(s->t) : 0;
}

void
loop_stream_close(struct loop_task *t, struct loop_stream *s)
{
	struct loop_future *f;
	int rc;

	if (!s->lost) {
		s->closing = 1;
		loop_transport_close(s->t);
		/* Without a task to wait in, connection_lost frees s. */
		if (t == NULL ||
		    (f = loop_future_new(s->loop, "wait_closed")) == NULL)
			return;
		s->closed = f;
		rc = loop_await(t, f, NULL);
		s->closed = NULL;
		loop_future_release(f);
		if (rc < 0 && !s->lost)
			return;		/* cancelled: connection_lost frees s */
	}
	stream_free(s);
}

int
loop_stream_fd(const struct loop_stream *s)
{
	return s->t != NULL ? loop_transport_fd(s->t) : -1;
}
