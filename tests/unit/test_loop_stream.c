/*
 * test_loop_stream.c - lib/loop_stream.c: readline, readuntil with its
 * terminator split across reads, a line longer than the caller's buffer
 * (ENOBUFS, and the bytes stay), readexactly's incomplete read at end of
 * file (ENODATA with the partial bytes), the bounded buffer's limit, and
 * drain waiting while the peer does not read.
 * Each reader is a task on a real socketpair, fed by timers.  Then a
 * round trip over a Unix socket bound to a path (start_server and
 * open_connection, asyncio's start_unix_server and open_unix_connection),
 * and the socket file that the server's close removes, unless it is no
 * longer the server's own.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
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

/* ---- a Unix socket: start_server, open_connection, unlink at close ---- */

struct unix_case {
	struct loop *l;
	struct sockaddr_un sun;
	socklen_t len;
	char got[16];		/* what came back to the client */
	size_t n;
	struct loop_stream *conn;	/* the server's end */
	struct loop_task *handler;
	int served;		/* the handler has closed its end */
};

/* The server's side: read a line, send it back, close. */
static void *
unix_echo(struct loop_task *t, void *arg)
{
	struct unix_case *c = arg;
	char buf[16];
	size_t n;

	assert_int_equal(loop_stream_readline(t, c->conn, buf, sizeof(buf),
					      &n), 0);
	assert_int_equal(loop_stream_write(c->conn, buf, n), 0);
	loop_stream_close(t, c->conn);
	c->served = 1;
	return NULL;
}

static void
unix_connected(struct loop_stream *s, void *arg)
{
	struct unix_case *c = arg;

	assert_null(c->handler);
	c->conn = s;
	c->handler = loop_task_new(c->l, "unix_echo", unix_echo, c, 0);
	assert_non_null(c->handler);
}

static void *
unix_client(struct loop_task *t, void *arg)
{
	struct unix_case *c = arg;
	struct loop_stream *s;

	assert_int_equal(loop_open_connection(t, (struct sockaddr *)&c->sun,
					      c->len, &s), 0);
	assert_int_equal(loop_stream_write(s, "ping\n", 5), 0);
	assert_int_equal(loop_stream_readexactly(t, s, c->got, 5, &c->n), 0);
	loop_stream_close(t, s);
	return NULL;
}

/* A listening, non-blocking socket bound to path. */
static int
unix_listener(struct unix_case *c, const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			0);

	assert_true(fd >= 0);
	memset(&c->sun, 0, sizeof(c->sun));
	c->sun.sun_family = AF_UNIX;
	snprintf(c->sun.sun_path, sizeof(c->sun.sun_path), "%s", path);
	c->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
			     strlen(path) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&c->sun, c->len), 0);
	assert_int_equal(listen(fd, 8), 0);
	return fd;
}

static void
test_stream_unix(void **state)
{
	char dir[] = "/tmp/test_loop_stream.XXXXXX", path[64];
	struct unix_case c = { .l = loop_new(NULL) };
	struct loop_stream_accept acc = { .connected = unix_connected,
					  .arg = &c };
	struct loop_server *srv;
	struct loop_task *t;
	int fd;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	fd = unix_listener(&c, path);
	srv = loop_start_server(c.l, fd, &acc);
	assert_non_null(srv);
	t = loop_task_new(c.l, "unix_client", unix_client, &c, 0);
	assert_int_equal(loop_run_until_complete(c.l, loop_task_future(t)),
			 0);
	assert_int_equal(loop_future_result(loop_task_future(t), NULL), 0);
	loop_future_release(loop_task_future(t));
	assert_int_equal(loop_run_until(c.l, &c.served), 0);
	assert_int_equal(loop_run_until_complete(c.l,
			 loop_task_future(c.handler)), 0);
	loop_future_release(loop_task_future(c.handler));
	assert_int_equal(c.n, 5);
	assert_memory_equal(c.got, "ping\n", 5);
	/* The server's close takes its socket file with it. */
	assert_int_equal(access(path, F_OK), 0);
	loop_server_close(srv);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(errno, ENOENT);

	/*
	 * A file that is no longer the server's (removed, and another
	 * socket bound there since) is left alone.
	 */
	fd = unix_listener(&c, path);
	srv = loop_start_server(c.l, fd, &acc);
	assert_non_null(srv);
	assert_int_equal(unlink(path), 0);
	fd = unix_listener(&c, path);
	loop_server_close(srv);
	assert_int_equal(access(path, F_OK), 0);
	close(fd);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(loop_close(c.l), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_reads),
		cmocka_unit_test(test_stream_limit),
		cmocka_unit_test(test_stream_drain),
		cmocka_unit_test(test_stream_unix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
