/*
 * loop_transport.c - transports and protocols on the loop, as asyncio's
 * _SelectorSocketTransport and _SelectorDatagramTransport; see loop.h.
 *
 * Servers, which make a transport for each connection they accept, are
 * in loop_server.c.
 *
 * A transport owns one non-blocking socket and turns readiness into
 * protocol calls.  Reading: the reader recv(2)s into the loop's shared
 * buffer and hands the bytes to data_received, so reading costs no
 * allocation (and it reads again at once while the buffer comes back
 * full; see read_stream).  Writing: write() sends at once what the socket
 * takes and keeps only the rest, in a per-transport buffer that grows
 * once and is reused; a writer drains it.  TCP sockets have Nagle's
 * algorithm off (see set_nodelay).  Flow control is the protocol's part:
 * above the high-water mark it is told to pause_writing, and at the low
 * one to resume_writing.
 *
 * connection_lost runs from the ready queue (unless memory for the queue
 * runs out), never from inside another callback of the same transport,
 * so a protocol may close or abort its transport anywhere, and the
 * transport is freed only after connection_lost returns.
 *
 * The same code serves one end of a pipe (asyncio's _UnixReadPipeTransport
 * and _UnixWritePipeTransport), for subprocesses: read(2) and write(2)
 * instead of recv(2) and send(2), end of file on a read end always closes
 * (a pipe has no half-close), and write_eof on a write end is close (the
 * reader sees end of file when the last write end goes).  A write end
 * also keeps a reader registered while open: poll(2) reports POLLERR on
 * it once nobody can read any more (see pipe(7)), and select(2) counts
 * that as readable, so a child that closed its stdin is noticed even
 * when there is nothing to write.
 */
#include "loop_impl.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sys.h"

/* Datagrams one wake-up may take before other fds get a turn. */
#define BATCH	64
/* Full reads of a stream one wake-up may take (libuv's uv__read: 32). */
#define READS	32

/* What the transport's fd is; see the top of this file for pipes. */
enum t_kind {
	T_SOCKET,
	T_PIPE_R,	/* the read end of a pipe */
	T_PIPE_W,	/* the write end of a pipe */
};

enum t_state {
	T_CONNECTING,	/* connect(2) in flight; the writer waits for it */
	T_OPEN,
	T_CLOSING,	/* close() asked: flushing the buffer, then closed */
	T_CLOSED,	/* fd closed; connection_lost is on the ready queue */
};

struct loop_transport {
	struct loop *loop;
	int fd;
	int dgram;
	enum t_kind kind;
	const struct loop_protocol *p;
	void *ctx;
	enum t_state state;
	int made;		/* connection_made has run */
	int reading;		/* the reader is registered */
	int writing;		/* the writer is (for connect, or the buffer) */
	int read_paused;	/* pause_reading() was asked */
	int eof_pending;	/* write_eof() asked: shut down once drained */
	int write_paused;	/* pause_writing() was called */
	int err;		/* for connection_lost */
	char *wbuf;		/* bytes [woff, woff + wlen) wait to be sent */
	size_t woff, wlen, wcap;
	size_t high, low;
	struct loop_transport *prev, *next;	/* the loop's list */
};

static void on_readable(struct loop *l, int fd, void *arg);
static void on_writable(struct loop *l, int fd, void *arg);

/* ---- life and death ---- */

struct loop_transport *
transport_alloc(struct loop *l, int fd, const struct loop_protocol *p,
		void *ctx)
{
	struct loop_transport *t;

	if (l->rbuf == NULL && (l->rbuf = malloc(LOOP_READ)) == NULL)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->loop = l;
	t->fd = fd;
	t->p = p;
	t->ctx = ctx;
	t->high = LOOP_HIGH_WATER;
	t->low = LOOP_LOW_WATER;
	t->next = l->transports;
	if (l->transports != NULL)
		l->transports->prev = t;
	l->transports = t;
	return t;
}

void
transport_free(struct loop_transport *t)
{
	struct loop *l = t->loop;

	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		l->transports = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	free(t->wbuf);
	free(t);
}

/* From the ready queue: the protocol's last call, then the free. */
static void
lost(struct loop *l, void *arg)
{
	struct loop_transport *t = arg;

	if (t->p->connection_lost != NULL)
		t->p->connection_lost(t, t->err, t->ctx);
	transport_free(t);
}

/*
 * Close the socket now and queue connection_lost(err).  If even the
 * handle cannot be had, the protocol is told at once: memory is gone,
 * but it must still hear of the end.
 */
static void
teardown(struct loop_transport *t, int err)
{
	struct loop *l = t->loop;

	if (t->state == T_CLOSED)
		return;
	if (t->reading)
		loop_remove_reader(l, t->fd);
	if (t->writing)
		loop_remove_writer(l, t->fd);
	t->reading = t->writing = 0;
	sys_close(t->fd);
	t->fd = -1;
	t->wlen = 0;
	t->state = T_CLOSED;
	t->err = err;
	if (loop_call_soon(l, "connection_lost", lost, t) == NULL)
		lost(l, t);
}

static void
start_reading(struct loop_transport *t)
{
	if (t->state != T_OPEN || t->reading || t->read_paused)
		return;
	if (loop_add_reader(t->loop, t->fd, t->dgram ? "datagram_received" :
			    t->kind == T_PIPE_W ? "pipe closed?" :
			    "data_received", on_readable, t) < 0)
		teardown(t, errno);
	else
		t->reading = 1;
}

/* From the ready queue: connection_made, then reading begins. */
static void
made(struct loop *l, void *arg)
{
	struct loop_transport *t = arg;

	if (t->state == T_CLOSED)
		return;
	t->made = 1;
	if (t->p->connection_made != NULL)
		t->p->connection_made(t, t->ctx);
	start_reading(t);
}

void
transport_set_ctx(struct loop_transport *t, void *ctx)
{
	t->ctx = ctx;
}

/*
 * Nagle's algorithm off on a TCP stream, as asyncio does for every TCP
 * transport (base_events._set_nodelay) and libuv's servers are usually
 * told to.  With it on, a write's last segment, if it is not full, waits
 * until the peer has acknowledged everything before it (see tcp(7)).  A
 * 64 KiB write on loopback, whose MSS is a little under 64 KiB, always
 * ends with such a tail: each echo then waits for an ACK, and the tail
 * goes out later from the ACK's processing, a second trip through the
 * TCP stack per write.  The loop writes whole messages, so it has no
 * use for the small writes Nagle exists to merge.  Only for TCP: a Unix
 * stream has no such option, and the socket says which it is
 * (SO_PROTOCOL, see socket(7)).  Failure costs nothing but speed, so it
 * is ignored.
 */
static void
set_nodelay(struct loop_transport *t)
{
	int proto = 0, one = 1;
	socklen_t len = sizeof(proto);

	if (t->kind != T_SOCKET || t->dgram)
		return;
	if (sys_getsockopt(t->fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == 0 &&
	    proto == IPPROTO_TCP)
		(void)sys_setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one,
				     sizeof(one));
}

int
transport_start(struct loop_transport *t)
{
	set_nodelay(t);
	t->state = T_OPEN;
	return loop_call_soon(t->loop, "connection_made", made, t) == NULL ?
	       -1 : 0;
}

struct loop_transport *
loop_transport_new(struct loop *l, int fd, const struct loop_protocol *p,
		   void *ctx)
{
	struct loop_transport *t = transport_alloc(l, fd, p, ctx);

	if (t != NULL && transport_start(t) < 0) {
		transport_free(t);
		return NULL;
	}
	return t;
}

struct loop_transport *
loop_datagram_new(struct loop *l, int fd, const struct loop_protocol *p,
		  void *ctx)
{
	struct loop_transport *t = transport_alloc(l, fd, p, ctx);

	if (t == NULL)
		return NULL;
	t->dgram = 1;
	if (transport_start(t) < 0) {
		transport_free(t);
		return NULL;
	}
	return t;
}

struct loop_transport *
loop_pipe_transport_new(struct loop *l, int fd, int writing,
			const struct loop_protocol *p, void *ctx)
{
	struct loop_transport *t = transport_alloc(l, fd, p, ctx);

	if (t == NULL)
		return NULL;
	t->kind = writing ? T_PIPE_W : T_PIPE_R;
	if (transport_start(t) < 0) {
		transport_free(t);
		return NULL;
	}
	return t;
}

/* The connect finished, one way or the other: see connect(2), EINPROGRESS. */
static void
on_connected(struct loop *l, int fd, void *arg)
{
	struct loop_transport *t = arg;
	socklen_t len = sizeof(int);
	int err = 0;

	if (sys_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		teardown(t, err);
		return;
	}
	loop_remove_writer(l, fd);
	t->writing = 0;
	if (transport_start(t) < 0)
		teardown(t, errno);
}

struct loop_transport *
loop_transport_connect(struct loop *l, const struct sockaddr *sa,
		       socklen_t len, const struct loop_protocol *p,
		       void *ctx)
{
	struct loop_transport *t;
	int fd, err;

	fd = sys_socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK |
			SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if ((t = transport_alloc(l, fd, p, ctx)) == NULL)
		goto fail;
	if (sys_connect(fd, sa, len) == 0) {
		if (transport_start(t) == 0)
			return t;
	} else if (errno == EINPROGRESS) {
		t->state = T_CONNECTING;
		if (loop_add_writer(l, fd, "connect", on_connected, t) == 0) {
			t->writing = 1;
			return t;
		}
	}
fail:
	err = errno;
	if (t != NULL)
		transport_free(t);
	sys_close(fd);
	errno = err;
	return NULL;
}

/* ---- reading ---- */

/*
 * Read, and read again while each read fills the whole buffer: a full
 * read says more is probably waiting, and taking it now saves a trip
 * through epoll_wait(2) per buffer, often with a sleep and a wake-up,
 * which is most of what a bulk transfer costs the server (libuv's
 * uv__read does the same).  A short read says the socket is drained, so
 * another read would only be EAGAIN: stop there.  Stop too when the
 * protocol stopped reading (pause_reading, close) from data_received,
 * and after READS reads, so that one fast peer cannot starve the others.
 */
static void
read_stream(struct loop_transport *t)
{
	ssize_t n = LOOP_READ;
	int i;

	for (i = 0; i < READS && n == LOOP_READ && t->reading; i++) {
		if (t->kind == T_PIPE_R)
			n = sys_read(t->fd, t->loop->rbuf, LOOP_READ);
		else
			n = sys_recv(t->fd, t->loop->rbuf, LOOP_READ, 0);
		if (n > 0 && t->p->data_received != NULL)
			t->p->data_received(t, t->loop->rbuf, (size_t)n,
					    t->ctx);
	}
	if (n > 0)
		return;
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			teardown(t, errno);
		return;
	}
	/* End of file: the peer will send no more (see recv(2)). */
	loop_remove_reader(t->loop, t->fd);
	t->reading = 0;
	if (t->p->eof_received == NULL || !t->p->eof_received(t, t->ctx) ||
	    t->kind == T_PIPE_R)
		loop_transport_close(t);
}

/*
 * The write end of a pipe turned "readable": every reader has gone (see
 * the top of this file).  What is still buffered will never arrive:
 * EPIPE, as write(2) would say; with nothing buffered, a clean end.
 */
static void
pipe_closed(struct loop_transport *t)
{
	teardown(t, t->wlen > 0 ? EPIPE : 0);
}

static void
read_datagrams(struct loop_transport *t)
{
	struct sockaddr_storage from;
	socklen_t len;
	ssize_t n;
	int i;

	for (i = 0; i < BATCH && t->state == T_OPEN && t->reading; i++) {
		len = sizeof(from);
		n = sys_recvfrom(t->fd, t->loop->rbuf, LOOP_READ, 0,
				 (struct sockaddr *)&from, &len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			/* An ICMP error for an earlier datagram; see udp(7). */
			if (t->p->error_received != NULL)
				t->p->error_received(t, errno, t->ctx);
			continue;
		}
		if (t->p->datagram_received != NULL)
			t->p->datagram_received(t, t->loop->rbuf, (size_t)n,
						(struct sockaddr *)&from, len,
						t->ctx);
	}
}

static void
on_readable(struct loop *l, int fd, void *arg)
{
	struct loop_transport *t = arg;

	if (t->dgram)
		read_datagrams(t);
	else if (t->kind == T_PIPE_W)
		pipe_closed(t);
	else
		read_stream(t);
}

void
loop_transport_pause_reading(struct loop_transport *t)
{
	t->read_paused = 1;
	if (t->reading) {
		loop_remove_reader(t->loop, t->fd);
		t->reading = 0;
	}
}

void
loop_transport_resume_reading(struct loop_transport *t)
{
	t->read_paused = 0;
	if (t->made)
		start_reading(t);
}

/* ---- writing ---- */

static void
maybe_pause(struct loop_transport *t)
{
	if (!t->write_paused && t->wlen > t->high) {
		t->write_paused = 1;
		if (t->p->pause_writing != NULL)
			t->p->pause_writing(t, t->ctx);
	}
}

static void
maybe_resume(struct loop_transport *t)
{
	if (t->write_paused && t->wlen <= t->low) {
		t->write_paused = 0;
		if (t->p->resume_writing != NULL)
			t->p->resume_writing(t, t->ctx);
	}
}

/*
 * Send from buf until the socket is full.  Returns how much went, or -1
 * with errno for an error that ends the connection.
 */
static ssize_t
send_some(struct loop_transport *t, const char *buf, size_t n)
{
	size_t done = 0;
	ssize_t k;

	while (done < n) {
		/*
		 * MSG_NOSIGNAL: a closed peer is EPIPE here, not SIGPIPE.
		 * write(2) has no such flag: on a pipe, EPIPE comes only
		 * with SIGPIPE ignored (see loop_pipe_transport_new()).
		 */
		if (t->kind == T_PIPE_W)
			k = sys_write(t->fd, buf + done, n - done);
		else
			k = sys_send(t->fd, buf + done, n - done,
				     MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN)
			break;
		if (k < 0)
			return -1;
		done += (size_t)k;
	}
	return (ssize_t)done;
}

/*
 * Keep n bytes at the end of the buffer.  Returns 0, or -1 ENOBUFS/ENOMEM.
 * The buffer is read from woff and appended to at woff + wlen, so a
 * partial send moves nothing: it only advances woff.  The waiting bytes
 * slide back to the start only when the tail has no room for what comes
 * in, and drained() rewinds woff for free once everything has gone.
 */
static int
buffer(struct loop_transport *t, const char *buf, size_t n)
{
	size_t need = t->wlen + n, cap;
	char *w;

	if (need > LOOP_WRITE_MAX)
		return errno = ENOBUFS, -1;
	if (t->woff + need > t->wcap && t->woff > 0) {
		memmove(t->wbuf, t->wbuf + t->woff, t->wlen);
		t->woff = 0;
	}
	if (need > t->wcap) {
		cap = t->wcap ? t->wcap : 4096;
		while (cap < need)
			cap *= 2;
		if ((w = realloc(t->wbuf, cap)) == NULL)
			return -1;
		t->wbuf = w;
		t->wcap = cap;
	}
	memcpy(t->wbuf + t->woff + t->wlen, buf, n);
	t->wlen += n;
	return 0;
}

int
loop_transport_write(struct loop_transport *t, const void *buf, size_t n)
{
	int was_empty = t->wlen == 0;
	ssize_t sent = 0;

	if (t->kind == T_PIPE_R)
		return errno = EBADF, -1;
	if (t->state != T_OPEN || t->eof_pending || t->dgram)
		return errno = EPIPE, -1;
	if (n == 0)
		return 0;
	if (was_empty) {
		if ((sent = send_some(t, buf, n)) < 0) {
			teardown(t, errno);
			return 0;
		}
		if ((size_t)sent == n)
			return 0;
	}
	if (buffer(t, (const char *)buf + sent, n - (size_t)sent) < 0)
		return -1;
	if (!t->writing) {
		if (loop_add_writer(t->loop, t->fd, "write", on_writable,
				    t) < 0) {
			teardown(t, errno);
			return 0;
		}
		t->writing = 1;
	}
	maybe_pause(t);
	return 0;
}

/* The buffer is empty: what was waiting for that can happen now. */
static void
drained(struct loop_transport *t)
{
	loop_remove_writer(t->loop, t->fd);
	t->writing = 0;
	t->woff = 0;
	if (t->state == T_CLOSING) {
		teardown(t, 0);
		return;
	}
	if (t->eof_pending && sys_shutdown(t->fd, SHUT_WR) < 0)
		teardown(t, errno);
}

/*
 * The socket takes more.  resume_writing comes before the writer is
 * removed, as in asyncio's _write_ready: a protocol that resumes may
 * write again, refilling the buffer, and then the writer must stay.  The
 * order also spares epoll work: an echo server resumes by reading again,
 * so its fd goes from OUT to IN|OUT to IN (two EPOLL_CTL_MODs), where
 * removing the writer first would leave no interest at all, and the fd
 * would leave the epoll set (EPOLL_CTL_DEL) only to come back (ADD).
 */
static void
on_writable(struct loop *l, int fd, void *arg)
{
	struct loop_transport *t = arg;
	ssize_t sent = send_some(t, t->wbuf + t->woff, t->wlen);

	if (sent < 0) {
		teardown(t, errno);
		return;
	}
	t->woff += (size_t)sent;
	t->wlen -= (size_t)sent;
	maybe_resume(t);
	if (t->state != T_CLOSED && t->wlen == 0)
		drained(t);
}

int
loop_transport_sendto(struct loop_transport *t, const void *buf, size_t n,
		      const struct sockaddr *to, socklen_t tolen)
{
	if (t->state != T_OPEN)
		return errno = EPIPE, -1;
	return sys_sendto(t->fd, buf, n, MSG_NOSIGNAL, to, tolen) < 0 ? -1 : 0;
}

void
loop_transport_write_eof(struct loop_transport *t)
{
	if (t->state != T_OPEN || t->eof_pending || t->dgram)
		return;
	if (t->kind != T_SOCKET) {
		/* No shutdown(2) for a pipe: closing it is its end of file. */
		loop_transport_close(t);
		return;
	}
	t->eof_pending = 1;
	/* With the writer still set (resume_writing), drained() shuts down. */
	if (t->wlen == 0 && !t->writing && sys_shutdown(t->fd, SHUT_WR) < 0)
		teardown(t, errno);
}

void
loop_transport_close(struct loop_transport *t)
{
	if (t->state == T_CLOSED || t->state == T_CLOSING)
		return;
	if (t->reading) {
		loop_remove_reader(t->loop, t->fd);
		t->reading = 0;
	}
	if (t->wlen > 0 && t->state == T_OPEN)
		t->state = T_CLOSING;
	else
		teardown(t, 0);
}

void
loop_transport_abort(struct loop_transport *t, int err)
{
	teardown(t, err);
}

void
loop_transport_set_limits(struct loop_transport *t, size_t high, size_t low)
{
	t->high = high ? high : LOOP_HIGH_WATER;
	t->low = low ? low : t->high / 4;
	if (t->low > t->high)
		t->low = t->high;
	maybe_pause(t);
	maybe_resume(t);
}

size_t
loop_transport_buffered(const struct loop_transport *t)
{
	return t->wlen;
}

int
loop_transport_fd(const struct loop_transport *t)
{
	return t->fd;
}

void
loop_transports_clear(struct loop *l)
{
	while (l->transports != NULL) {
		struct loop_transport *t = l->transports;

		if (t->fd >= 0) {
			if (t->reading)
				loop_remove_reader(l, t->fd);
			if (t->writing)
				loop_remove_writer(l, t->fd);
			sys_close(t->fd);
		}
		transport_free(t);
	}
}
