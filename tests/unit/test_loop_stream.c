/*
 * test_loop_stream.c - lib/loop_stream.c: readline, readuntil with its
 * terminator split across reads, a line longer than the caller's buffer
 * (ENOBUFS, and the bytes stay), readexactly's incomplete read at end of
 * file (ENODATA with the partial bytes), the bounded buffer's limit, and
 * drain waiting while the peer does not read.
 * Each reader is a task on a real socketpair, fed by timers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "loop.h"

/* The writing end of the socketpair, and what each step sends. */
struct feed {
	int fd;
	const char *chunks[5];	/* NULL-terminated */
	int next;
};

/* Send the next chunk (or shut down writing after the last), later. */
static void
feed_next(struct loop *l, void *arg)
{
	struct feed *f = arg;
	const char *c = f->chunks[f->next];

	if (c == NULL) {
		shutdown(f->fd, SHUT_WR);
		return;
	}
	assert_int_equal(send(f->fd, c, strlen(c), MSG_NOSIGNAL),
			 (ssize_t)strlen(c));
	f->next++;
	assert_non_null(loop_call_later(l, 0.002, "feed", feed_next, f));
}

struct reads {
	struct loop_stream *s;
	char line1[16], line2[16], exact[16], until[32], rest[16];
	size_t n1, n2, nexact, nuntil, nrest;
	int rc_exact, err_exact, rc_long, err_long;
};

/*
 * The terminator "\r\n\r\n" arrives split across sends; a line longer
 * than the caller's buffer is ENOBUFS and stays in the stream; the last
 * bytes before EOF are ENODATA for readexactly.
 */
static void *
reader(struct loop_task *t, void *arg)
{
	struct reads *r = arg;
	char small[4];
	size_t n;

	assert_int_equal(loop_stream_readline(t, r->s, r->line1,
					      sizeof(r->line1), &r->n1), 0);
	r->rc_long = loop_stream_readline(t, r->s, small, sizeof(small), &n);
	r->err_long = errno;
	assert_int_equal(loop_stream_readline(t, r->s, r->line2,
					      sizeof(r->line2), &r->n2), 0);
	assert_int_equal(loop_stream_readuntil(t, r->s, "\r\n\r\n", 4,
					       r->until, sizeof(r->until),
					       &r->nuntil), 0);
	r->rc_exact = loop_stream_readexactly(t, r->s, r->exact, 10,
					      &r->nexact);
	r->err_exact = errno;
	assert_int_equal(loop_stream_read(t, r->s, r->rest, sizeof(r->rest)),
			 0);
	loop_stream_close(t, r->s);
	return NULL;
}

static void
test_stream_reads(void **state)
{
	struct loop *l = loop_new(NULL);
	struct feed f = { .chunks = { "one\nlongline", "\nGET / HTTP/1.0\r\n",
				      "\r", "\nabc" } };
	struct reads r = { .rc_exact = 0 };
	struct loop_task *t;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
				    SOCK_CLOEXEC, 0, sv), 0);
	f.fd = sv[1];
	r.s = loop_stream_new(l, sv[0], 0);
	assert_non_null(r.s);
	assert_non_null(loop_call_soon(l, "feed", feed_next, &f));
	t = loop_task_new(l, "reader", reader, &r, 0);
	assert_int_equal(loop_run_until_complete(l, loop_task_future(t)), 0);
	assert_int_equal(loop_future_result(loop_task_future(t), NULL), 0);
	assert_int_equal(r.n1, 4);
	assert_memory_equal(r.line1, "one\n", 4);
	assert_int_equal(r.rc_long, -1);
	assert_int_equal(r.err_long, ENOBUFS);
	assert_int_equal(r.n2, 9);
	assert_memory_equal(r.line2, "longline\n", 9);
	assert_int_equal(r.nuntil, 18);
	assert_memory_equal(r.until, "GET / HTTP/1.0\r\n\r\n", 18);
	assert_int_equal(r.rc_exact, -1);
	assert_int_equal(r.err_exact, ENODATA);
	assert_int_equal(r.nexact, 3);
	assert_memory_equal(r.exact, "abc", 3);
	loop_future_release(loop_task_future(t));
	close(sv[1]);
	assert_int_equal(loop_close(l), 0);
}

/* The buffer is bounded: past the limit, readuntil fails, nothing grows. */
static void *
overrun(struct loop_task *t, void *arg)
{
	struct reads *r = arg;
	char buf[64];
	size_t n;

	r->rc_long = loop_stream_readuntil(t, r->s, "\n", 1, buf, sizeof(buf),
					   &n);
	r->err_long = errno;
	loop_stream_close(t, r->s);
	return NULL;
}

static void
test_stream_limit(void **state)
{
	struct loop *l = loop_new(NULL);
	struct reads r = { .rc_long = 0 };
	char junk[200];
	struct loop_task *t;
	int sv[2];

	memset(junk, 'x', sizeof(junk));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
				    SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(send(sv[1], junk, sizeof(junk), 0), sizeof(junk));
	r.s = loop_stream_new(l, sv[0], 32);
	t = loop_task_new(l, "overrun", overrun, &r, 0);
	assert_int_equal(loop_run_until_complete(l, loop_task_future(t)), 0);
	assert_int_equal(r.rc_long, -1);
	assert_int_equal(r.err_long, ENOBUFS);
	loop_future_release(loop_task_future(t));
	close(sv[1]);
	assert_int_equal(loop_close(l), 0);
}

/* drain: the writer waits while the peer is not reading, then goes on. */
struct drain_case {
	struct loop_stream *s;
	int peer;
	size_t got;
	int rc, was_waiting, eof;
};

static void
peer_reads(struct loop *l, int fd, void *arg)
{
	struct drain_case *c = arg;
	char buf[65536];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		c->got += (size_t)n;
	if (n == 0) {
		c->eof = 1;
		loop_remove_reader(l, fd);
	}
}

/* The peer starts reading only now, well after the writer has paused. */
static void
start_peer(struct loop *l, void *arg)
{
	struct drain_case *c = arg;

	c->was_waiting = c->rc == 1;
	assert_int_equal(loop_add_reader(l, c->peer, "peer", peer_reads, c),
			 0);
}

static void *
writer(struct loop_task *t, void *arg)
{
	struct drain_case *c = arg;
	static char big[1024 * 1024];	/* far above the high-water mark */

	assert_int_equal(loop_stream_write(c->s, big, sizeof(big)), 0);
	c->rc = 1;		/* in drain now */
	c->rc = loop_stream_drain(t, c->s);
	loop_stream_close(t, c->s);
	return NULL;
}

static void
test_stream_drain(void **state)
{
	struct loop *l = loop_new(NULL);
	struct drain_case c = { .rc = 0 };
	struct loop_task *t;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
				    SOCK_CLOEXEC, 0, sv), 0);
	c.peer = sv[1];
	c.s = loop_stream_new(l, sv[0], 0);
	assert_non_null(loop_call_later(l, 0.02, "start_peer", start_peer,
					&c));
	t = loop_task_new(l, "writer", writer, &c, 0);
	assert_int_equal(loop_run_until_complete(l, loop_task_future(t)), 0);
	assert_int_equal(loop_future_result(loop_task_future(t), NULL), 0);
	assert_int_equal(c.was_waiting, 1);
	assert_int_equal(c.rc, 0);
	loop_future_release(loop_task_future(t));
	/* The close sent the rest: the peer reads all of it, then EOF. */
	while (!c.eof)
		assert_int_equal(loop_run_once(l), 0);
	assert_int_equal(c.got, 1024 * 1024);
	close(sv[1]);
	assert_int_equal(loop_close(l), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_reads),
		cmocka_unit_test(test_stream_limit),
		cmocka_unit_test(test_stream_drain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
