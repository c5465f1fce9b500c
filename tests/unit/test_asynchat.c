/*
 * test_asynchat.c - lib/loop_asynchat.c's framing: a request's "\r\n\r\n"
 * found at every split point across two reads and one byte at a time,
 * a false start of the terminator kept as data, count terminators, the
 * input limit (EMSGSIZE) and the push bound (ENOBUFS); and, through a
 * socketpair and asyncore_poll(), a request read from a real socket.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "loop.h"

#define REQUEST	"POST /x HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello"
#define HEADERS	"POST /x HTTP/1.0\r\nContent-Length: 5"

/* What found_terminator saw, and the channel under test. */
struct rig {
	struct loop *l;
	struct asyncore_map *m;
	struct asynchat *c;
	int peer;			/* the other end of the socketpair */
	int found;
	char got[4][256];		/* each found_terminator's data */
	size_t gotlen[4];
	int http;			/* after the headers, count 5 */
};

static void
on_found(struct asynchat *c, const void *data, size_t n, void *ctx)
{
	struct rig *r = ctx;

	assert_true(r->found < 4);
	assert_true(n < sizeof(r->got[0]));
	memcpy(r->got[r->found], data, n);
	r->gotlen[r->found] = n;
	if (r->http && r->found == 0)
		asynchat_set_terminator_count(c, 5);
	r->found++;
}

static const struct asynchat_ops ops = { .found_terminator = on_found };

static void
rig_open(struct rig *r)
{
	int sv[2];

	memset(r, 0, sizeof(*r));
	assert_non_null(r->l = loop_new(NULL));
	assert_non_null(r->m = asyncore_map_new(r->l));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
				    SOCK_CLOEXEC, 0, sv), 0);
	r->peer = sv[1];
	assert_non_null(r->c = asynchat_new(r->m, sv[0], "test", &ops, r));
}

static void
rig_close(struct rig *r)
{
	asyncore_map_free(r->m);
	close(r->peer);
	assert_int_equal(loop_close(r->l), 0);
}

/* The request's headers, then its 5-byte body by count. */
static void
check_request(const struct rig *r)
{
	assert_int_equal(r->found, 2);
	assert_int_equal(r->gotlen[0], strlen(HEADERS));
	assert_memory_equal(r->got[0], HEADERS, strlen(HEADERS));
	assert_int_equal(r->gotlen[1], 5);
	assert_memory_equal(r->got[1], "hello", 5);
}

static void
test_split_everywhere(void **state)
{
	const char *req = REQUEST;
	size_t len = strlen(req), i;
	struct rig r;

	(void)state;
	for (i = 0; i <= len; i++) {
		rig_open(&r);
		r.http = 1;
		assert_int_equal(asynchat_set_terminator(r.c, "\r\n\r\n", 4), 0);
		assert_int_equal(asynchat_feed(r.c, req, i), 0);
		assert_int_equal(asynchat_feed(r.c, req + i, len - i), 0);
		check_request(&r);
		rig_close(&r);
	}
}

static void
test_one_byte_at_a_time(void **state)
{
	const char *req = REQUEST;
	size_t i;
	struct rig r;

	(void)state;
	rig_open(&r);
	r.http = 1;
	assert_int_equal(asynchat_set_terminator(r.c, "\r\n\r\n", 4), 0);
	for (i = 0; i < strlen(req); i++)
		assert_int_equal(asynchat_feed(r.c, req + i, 1), 0);
	check_request(&r);
	rig_close(&r);
}

/* "\r\n\r" then "x": the kept tail was not the terminator after all. */
static void
test_false_start(void **state)
{
	struct rig r;

	(void)state;
	rig_open(&r);
	assert_int_equal(asynchat_set_terminator(r.c, "\r\n\r\n", 4), 0);
	assert_int_equal(asynchat_feed(r.c, "a\r\n\r", 4), 0);
	assert_int_equal(r.found, 0);
	assert_int_equal(asynchat_feed(r.c, "x\r\n\r\nb\r\n", 8), 0);
	assert_int_equal(r.found, 1);
	assert_int_equal(r.gotlen[0], 5);
	assert_memory_equal(r.got[0], "a\r\n\rx", 5);
	rig_close(&r);
}

/* A count, then none: found after 3 bytes, the rest collected. */
static void
test_count(void **state)
{
	const void *rest;
	size_t n;
	struct rig r;

	(void)state;
	rig_open(&r);
	asynchat_set_terminator_count(r.c, 3);
	assert_int_equal(asynchat_feed(r.c, "ab", 2), 0);
	assert_int_equal(r.found, 0);
	assert_int_equal(asynchat_feed(r.c, "cdefg", 5), 0);
	assert_int_equal(r.found, 1);
	assert_int_equal(r.gotlen[0], 3);
	assert_memory_equal(r.got[0], "abc", 3);
	rest = asynchat_collected(r.c, &n);
	assert_int_equal(n, 4);
	assert_memory_equal(rest, "defg", 4);
	rig_close(&r);
}

/* Bad terminators are refused. */
static void
test_bad_terminator(void **state)
{
	char big[ASYNCHAT_TERM_MAX + 1] = { 0 };
	struct rig r;

	(void)state;
	rig_open(&r);
	errno = 0;
	assert_int_equal(asynchat_set_terminator(r.c, "", 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(asynchat_set_terminator(r.c, big, sizeof(big)), -1);
	assert_int_equal(errno, EINVAL);
	rig_close(&r);
}

/* The limit: exactly limit bytes pass, one more is EMSGSIZE. */
static void
test_limit(void **state)
{
	char buf[1000];
	struct rig r;

	(void)state;
	memset(buf, 'a', sizeof(buf));
	rig_open(&r);
	asynchat_set_limit(r.c, 100);
	assert_int_equal(asynchat_set_terminator(r.c, "\r\n\r\n", 4), 0);
	assert_int_equal(asynchat_feed(r.c, buf, 100), 0);
	assert_int_equal(asynchat_feed(r.c, "\r\n\r\n", 4), 0);
	assert_int_equal(r.found, 1);
	assert_int_equal(r.gotlen[0], 100);
	errno = 0;
	assert_int_equal(asynchat_feed(r.c, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EMSGSIZE);
	rig_close(&r);
}

/* With no terminator, input is bounded too: the default 64 KiB. */
static void
test_limit_default(void **state)
{
	static char buf[ASYNCHAT_LIMIT + 1];
	struct rig r;

	(void)state;
	rig_open(&r);
	assert_int_equal(asynchat_feed(r.c, buf, ASYNCHAT_LIMIT), 0);
	errno = 0;
	assert_int_equal(asynchat_feed(r.c, buf, 1), -1);
	assert_int_equal(errno, EMSGSIZE);
	rig_close(&r);
}

/* push: what the socket does not take is queued, up to the bound. */
static void
test_push_bound(void **state)
{
	size_t big = ASYNCHAT_PUSH_MAX + 1;
	char *buf = calloc(1, big);
	struct rig r;

	(void)state;
	assert_non_null(buf);
	rig_open(&r);
	errno = 0;
	assert_int_equal(asynchat_push(r.c, buf, big), -1);
	assert_int_equal(errno, ENOBUFS);
	assert_int_equal(asynchat_push(r.c, buf, ASYNCHAT_PUSH_MAX), 0);
	assert_true(asynchat_queued(r.c) > 0);
	assert_int_equal(asynchat_push(r.c, buf, ASYNCHAT_PUSH_MAX), -1);
	assert_int_equal(errno, ENOBUFS);
	free(buf);
	rig_close(&r);
}

/* The request through the socket and the loop, one byte per poll. */
static void
test_socket(void **state)
{
	const char *req = REQUEST;
	size_t i;
	struct rig r;

	(void)state;
	rig_open(&r);
	r.http = 1;
	assert_int_equal(asynchat_set_terminator(r.c, "\r\n\r\n", 4), 0);
	for (i = 0; i < strlen(req); i++) {
		assert_int_equal(write(r.peer, req + i, 1), 1);
		assert_int_equal(asyncore_poll(r.m), 0);
	}
	check_request(&r);
	rig_close(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_everywhere),
		cmocka_unit_test(test_one_byte_at_a_time),
		cmocka_unit_test(test_false_start),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_bad_terminator),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_limit_default),
		cmocka_unit_test(test_push_bound),
		cmocka_unit_test(test_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
