/*
 * loop_asynchat.c - Python's asynchat on asyncore (loop_asyncore.c):
 * input framed by a terminator, output from a FIFO of pushed bytes; see
 * loop.h.
 *
 * Input.  Each read lands in `in`, behind the few bytes kept from the
 * read before; process() then walks it as async_chat.handle_read does:
 * with no terminator everything is collected; with a count, that many
 * bytes are collected and found_terminator runs; with a byte string, the
 * bytes before it are collected and found_terminator runs.  When the
 * string is not there, the tail that could be the start of it (what
 * asynchat's find_prefix_at_end measures) is kept for the next read and
 * the rest collected, so "\r\n\r\n" is found even when it arrives as
 * "\r\n\r" and "\n".  What is kept is shorter than the terminator, and
 * what is collected is bounded by the limit: a peer that never sends the
 * terminator is cut off (EMSGSIZE) instead of growing memory.
 *
 * Output.  push() queues a copy of the bytes (the producer FIFO, bounded
 * by ASYNCHAT_PUSH_MAX) and sends what the socket takes at once; the
 * writer sends the rest as the socket drains, and close_when_done()
 * closes once the FIFO is empty.
 */
#include "loop_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One read: what async_chat calls ac_in_buffer_size. */
#define ASYNCHAT_READ	(16 * 1024)

/* One pushed buffer in the producer FIFO. */
struct chunk {
	struct chunk *next;
	size_t off, len;	/* bytes [off, len) are still to send */
	char data[];
};

enum term_mode { TERM_NONE, TERM_BYTES, TERM_COUNT };

struct asynchat {
	struct asyncore_dispatcher *d;
	const struct asynchat_ops *ops;
	void *ctx;
	enum term_mode mode;
	char term[ASYNCHAT_TERM_MAX];
	size_t tlen;
	size_t count;		/* TERM_COUNT: bytes still to collect */
	char *in;		/* kept tail, then the new read */
	size_t inlen;
	char *data;		/* collected since the last terminator */
	size_t dlen, dcap, limit;
	struct chunk *head, *tail;	/* the producer FIFO */
	size_t queued;
	int close_when_done;
};

/* ---- input ---- */

/*
 * The longest tail of buf that is a proper prefix of the terminator:
 * asynchat's find_prefix_at_end.  Only tlen - 1 lengths are tried.
 */
static size_t
prefix_at_end(const char *buf, size_t n, const char *term, size_t tlen)
{
	size_t k = tlen - 1 < n ? tlen - 1 : n;

	for (; k > 0; k--)
		if (memcmp(buf + n - k, term, k) == 0)
			return k;
	return 0;
}

/* The default collect_incoming_data: append, within the limit. */
static int
keep(struct asynchat *c, const char *buf, size_t n)
{
	size_t cap;
	char *p;

	if (n > c->limit - c->dlen)
		return errno = EMSGSIZE, -1;
	if (c->dlen + n > c->dcap) {
		cap = c->dcap ? c->dcap : 1024;
		while (cap < c->dlen + n)
			cap *= 2;
		if (cap > c->limit)
			cap = c->limit;
		if ((p = realloc(c->data, cap)) == NULL)
			return -1;
		c->data = p;
		c->dcap = cap;
	}
	memcpy(c->data + c->dlen, buf, n);
	c->dlen += n;
	return 0;
}

static int
collect(struct asynchat *c, const char *buf, size_t n)
{
	if (n == 0)
		return 0;
	if (c->ops->collect_incoming_data != NULL)
		return c->ops->collect_incoming_data(c, buf, n, c->ctx);
	return keep(c, buf, n);
}

/* found_terminator, with what was collected; then start afresh. */
static void
found(struct asynchat *c)
{
	if (c->ops->found_terminator != NULL)
		c->ops->found_terminator(c, c->data, c->dlen, c->ctx);
	c->dlen = 0;
}

/*
 * Frame in[0, inlen) as described at the top, keeping in `in` only the
 * tail that may start a terminator.  Returns 0, or -1 with errno from
 * collecting (EMSGSIZE: the limit).
 */
static int
process(struct asynchat *c)
{
	size_t pos = 0, lb, k;
	const char *p, *hit;

	while (pos < c->inlen && !asynchat_closed(c)) {
		p = c->in + pos;
		lb = c->inlen - pos;
		if (c->mode == TERM_NONE) {
			if (collect(c, p, lb) < 0)
				return -1;
			pos += lb;
		} else if (c->mode == TERM_COUNT) {
			k = lb < c->count ? lb : c->count;
			if (collect(c, p, k) < 0)
				return -1;
			pos += k;
			c->count -= k;
			if (c->count == 0) {
				/* As asynchat: a spent count means none. */
				c->mode = TERM_NONE;
				found(c);
			}
		} else if ((hit = memmem(p, lb, c->term, c->tlen)) != NULL) {
			if (collect(c, p, (size_t)(hit - p)) < 0)
				return -1;
			pos += (size_t)(hit - p) + c->tlen;
			found(c);
		} else {
			k = prefix_at_end(p, lb, c->term, c->tlen);
			if (collect(c, p, lb - k) < 0)
				return -1;
			pos += lb - k;
			break;
		}
	}
	if (asynchat_closed(c))
		pos = c->inlen;
	memmove(c->in, c->in + pos, c->inlen - pos);
	c->inlen -= pos;
	return 0;
}

int
asynchat_feed(struct asynchat *c, const void *buf, size_t n)
{
	const char *p = buf;
	size_t k;

	while (n > 0 && !asynchat_closed(c)) {
		/* process() leaves less than ASYNCHAT_TERM_MAX behind. */
		k = n < ASYNCHAT_READ ? n : ASYNCHAT_READ;
		memcpy(c->in + c->inlen, p, k);
		c->inlen += k;
		p += k;
		n -= k;
		if (process(c) < 0)
			return -1;
	}
	return 0;
}

int
asynchat_set_terminator(struct asynchat *c, const void *term, size_t n)
{
	if (n == 0 || n > ASYNCHAT_TERM_MAX)
		return errno = EINVAL, -1;
	memcpy(c->term, term, n);
	c->tlen = n;
	c->mode = TERM_BYTES;
	return 0;
}

void
asynchat_set_terminator_count(struct asynchat *c, size_t count)
{
	c->count = count;
	c->mode = count > 0 ? TERM_COUNT : TERM_NONE;
}

void
asynchat_set_terminator_none(struct asynchat *c)
{
	c->mode = TERM_NONE;
}

void
asynchat_set_limit(struct asynchat *c, size_t limit)
{
	c->limit = limit > 0 ? limit : ASYNCHAT_LIMIT;
}

const void *
asynchat_collected(const struct asynchat *c, size_t *n)
{
	*n = c->dlen;
	return c->data;
}

/* ---- output ---- */

/* Send from the FIFO until the socket is full; see async_chat.initiate_send. */
static void
initiate_send(struct asynchat *c)
{
	struct chunk *h;
	ssize_t k;

	while ((h = c->head) != NULL && !asynchat_closed(c)) {
		k = asyncore_send(c->d, h->data + h->off, h->len - h->off);
		if (k < 0) {
			asyncore_fail(c->d, errno);
			return;
		}
		if (k == 0)
			return;		/* full, or closed by the send */
		h->off += (size_t)k;
		c->queued -= (size_t)k;
		if (h->off < h->len)
			continue;
		c->head = h->next;
		if (c->head == NULL)
			c->tail = NULL;
		free(h);
	}
	if (c->head == NULL && c->close_when_done && !asynchat_closed(c))
		asynchat_close(c);
}

int
asynchat_push(struct asynchat *c, const void *buf, size_t n)
{
	struct chunk *h;

	if (asynchat_closed(c) || c->close_when_done)
		return errno = EPIPE, -1;
	if (n == 0)
		return 0;
	if (n > ASYNCHAT_PUSH_MAX - c->queued)
		return errno = ENOBUFS, -1;
	if ((h = malloc(sizeof(*h) + n)) == NULL)
		return -1;
	h->next = NULL;
	h->off = 0;
	h->len = n;
	memcpy(h->data, buf, n);
	if (c->tail != NULL)
		c->tail->next = h;
	else
		c->head = h;
	c->tail = h;
	c->queued += n;
	if (asyncore_connected(c->d))
		initiate_send(c);
	return 0;
}

void
asynchat_close_when_done(struct asynchat *c)
{
	c->close_when_done = 1;
	if (c->head == NULL && asyncore_connected(c->d))
		asynchat_close(c);
}

size_t
asynchat_queued(const struct asynchat *c)
{
	return c->queued;
}

/* ---- the dispatcher underneath ---- */

static int
chat_writable(struct asyncore_dispatcher *d, void *ctx)
{
	struct asynchat *c = ctx;

	return c->head != NULL || !asyncore_connected(d);
}

static void
chat_read(struct asyncore_dispatcher *d, void *ctx)
{
	struct asynchat *c = ctx;
	ssize_t n = asyncore_recv(d, c->in + c->inlen, ASYNCHAT_READ);

	if (n < 0 && errno != EAGAIN) {
		asyncore_fail(d, errno);
	} else if (n > 0) {
		c->inlen += (size_t)n;
		if (process(c) < 0)
			asyncore_fail(d, errno);
	}
}

static void
chat_write(struct asyncore_dispatcher *d, void *ctx)
{
	(void)d;
	initiate_send(ctx);
}

static void
chat_connect(struct asyncore_dispatcher *d, void *ctx)
{
	struct asynchat *c = ctx;

	(void)d;
	if (c->ops->handle_connect != NULL)
		c->ops->handle_connect(c, c->ctx);
	if (!asynchat_closed(c) && c->head != NULL)
		initiate_send(c);
}

static void
chat_close(struct asyncore_dispatcher *d, void *ctx)
{
	struct asynchat *c = ctx;

	if (c->ops->handle_close != NULL)
		c->ops->handle_close(c, c->ctx);
	else
		asyncore_close(d);
}

static void
chat_error(struct asyncore_dispatcher *d, int err, void *ctx)
{
	struct asynchat *c = ctx;

	(void)d;
	if (c->ops->handle_error != NULL)
		c->ops->handle_error(c, err, c->ctx);
}

static void
chat_destroy(struct asyncore_dispatcher *d, void *ctx)
{
	struct asynchat *c = ctx;
	struct chunk *h;

	(void)d;
	if (c->ops->destroy != NULL)
		c->ops->destroy(c, c->ctx);
	while ((h = c->head) != NULL) {
		c->head = h->next;
		free(h);
	}
	free(c->in);
	free(c->data);
	free(c);
}

static const struct asyncore_ops chat_ops = {
	.writable = chat_writable,
	.handle_read = chat_read,
	.handle_write = chat_write,
	.handle_connect = chat_connect,
	.handle_close = chat_close,
	.handle_error = chat_error,
	.destroy = chat_destroy,
};

struct asynchat *
asynchat_new(struct asyncore_map *m, int fd, const char *name,
	     const struct asynchat_ops *ops, void *ctx)
{
	struct asynchat *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->ops = ops;
	c->ctx = ctx;
	c->limit = ASYNCHAT_LIMIT;
	if ((c->in = malloc(ASYNCHAT_TERM_MAX + ASYNCHAT_READ)) == NULL ||
	    (c->d = asyncore_dispatcher_new(m, fd, name, &chat_ops,
					    c)) == NULL) {
		free(c->in);
		free(c);
		return NULL;
	}
	return c;
}

struct asyncore_dispatcher *
asynchat_dispatcher(struct asynchat *c)
{
	return c->d;
}

int
asynchat_closed(const struct asynchat *c)
{
	return asyncore_fd(c->d) < 0;
}

void
asynchat_close(struct asynchat *c)
{
	asyncore_close(c->d);
}
