/*
 * test_loop_server.c - lib/loop_server.c when memory runs out between
 * accepting a connection and starting its transport.  By then the
 * server's factory has made the protocol's ctx; the protocol must hear
 * connection_lost (ENOMEM, with no connection_made before it) and free
 * that ctx, and a stream server's stream must not leak.
 *
 * malloc and free are wrapped for this test alone (-Wl,--wrap, see the
 * Makefile): every call from the test and from libipc.a goes through
 * __wrap_malloc, which can fail the loop's next chunk of handles, the
 * one allocation that starting a transport (queueing connection_made)
 * may need, and can watch one block to see it freed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <cmocka.h>

#include "loop_impl.h"

void *__real_malloc(size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void __wrap_free(void *p);

static int fail_chunks;		/* fail the loop's chunks of handles */
static size_t watch_size;	/* watch the next block of this size ... */
static void *watched;
static int watched_freed;	/* ... and see whether it was freed */

void *
__wrap_malloc(size_t n)
{
	void *p;

	if (fail_chunks && n == sizeof(struct loop_chunk)) {
		errno = ENOMEM;
		return NULL;
	}
	p = __real_malloc(n);
	if (watch_size != 0 && n == watch_size && watched == NULL)
		watched = p;
	return p;
}

void
__wrap_free(void *p)
{
	if (p != NULL && p == watched)
		watched_freed = 1;
	__real_free(p);
}

static void
nothing(struct loop *l, void *arg)
{
}

/*
 * Take every free handle with a far timer, so that the next call_soon
 * must allocate a chunk, and make that allocation fail.
 */
static void
starve(struct loop *l)
{
	const struct loop_handle *h;
	size_t n = 0;

	for (h = l->free_handles; h != NULL; h = h->next)
		n++;
	while (n-- > 0)
		assert_non_null(loop_call_later(l, 3600, "hold", nothing,
						NULL));
	assert_null(l->free_handles);
	fail_chunks = 1;
}

/* A loopback listener on a free port, non-blocking, as servers take it. */
static int
listener(struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			0);

	assert_true(fd >= 0);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)sin, len), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)sin, &len), 0);
	return fd;
}

/* A client whose connection the server accepts; reads time out. */
static int
client(const struct sockaddr_in *sin)
{
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
				    sizeof(tv)), 0);
	assert_int_equal(connect(fd, (const struct sockaddr *)sin,
				 sizeof(*sin)), 0);
	return fd;
}

/* The server closed the connection it could not start: EOF, not data. */
static void
assert_closed(int fd)
{
	char c;

	assert_int_equal(recv(fd, &c, 1, 0), 0);
	close(fd);
}

/* ---- a protocol with a ctx of its own per connection ---- */

struct counts {
	int made, lost, lost_err;
};

struct conn {
	struct counts *counts;
};

static void *
conn_factory(void *arg)
{
	struct conn *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->counts = arg;
	return c;
}

static void
conn_made(struct loop_transport *t, void *ctx)
{
	((struct conn *)ctx)->counts->made++;
}

static void
conn_lost(struct loop_transport *t, int err, void *ctx)
{
	struct conn *c = ctx;

	c->counts->lost++;
	c->counts->lost_err = err;
	free(c);
}

static const struct loop_protocol conn_proto = {
	.connection_made = conn_made,
	.connection_lost = conn_lost,
};

static void
test_ctx_lost_without_made(void **state)
{
	struct loop *l = loop_new(NULL);
	struct counts counts = { 0 };
	struct loop_server *srv;
	struct sockaddr_in sin;
	int cfd;

	srv = loop_server_new(l, listener(&sin), &conn_proto, conn_factory,
			      &counts);
	assert_non_null(srv);
	cfd = client(&sin);
	starve(l);
	assert_int_equal(loop_run_once(l), 0);	/* accept, and fail */
	fail_chunks = 0;
	assert_int_equal(counts.lost, 1);
	assert_int_equal(counts.lost_err, ENOMEM);
	assert_int_equal(counts.made, 0);
	assert_closed(cfd);
	loop_server_close(srv);
	loop_destroy(l);		/* the far timers */
}

/* ---- a stream server: the stream is the factory's ctx ---- */

static int connected;

static void
stream_connected(struct loop_stream *s, void *arg)
{
	connected++;
}

static void
test_stream_not_leaked(void **state)
{
	struct loop *l = loop_new(NULL);
	struct loop_stream_accept acc = { .connected = stream_connected,
					  .limit = 1000 };
	struct loop_server *srv;
	struct sockaddr_in sin;
	int cfd;

	srv = loop_start_server(l, listener(&sin), &acc);
	assert_non_null(srv);
	cfd = client(&sin);
	/* The stream's buffer: limit + LOOP_READ bytes (loop_stream.c). */
	watch_size = acc.limit + LOOP_READ;
	starve(l);
	assert_int_equal(loop_run_once(l), 0);
	fail_chunks = 0;
	watch_size = 0;
	assert_non_null(watched);	/* the factory made a stream */
	assert_int_equal(watched_freed, 1);	/* ... and it was freed */
	assert_int_equal(connected, 0);
	assert_closed(cfd);
	loop_server_close(srv);
	loop_destroy(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctx_lost_without_made),
		cmocka_unit_test(test_stream_not_leaked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
