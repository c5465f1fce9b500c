/*
 * test_poller.c - lib/poller: each backend's add/modify/del, readiness on
 * a pipe, timeouts, select's FD_SETSIZE refusal, epoll's edge- and
 * level-triggered modes and ONESHOT re-arming, and the selectors layer.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/select.h>
#include <unistd.h>
#include <cmocka.h>

#include "poller.h"

static const struct poller_ops *const backends[] = {
	&poller_select_ops, &poller_poll_ops, &poller_epoll_ops,
};
#define NBACKENDS	(sizeof(backends) / sizeof(backends[0]))

static void
make_pipe(int fds[2])
{
	assert_int_equal(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
}

static void
close_pipe(int fds[2])
{
	close(fds[0]);
	close(fds[1]);
}

static void
test_registry(void **state)
{
	assert_ptr_equal(poller_find(NULL), &poller_epoll_ops);
	assert_ptr_equal(poller_find("poll"), &poller_poll_ops);
	assert_ptr_equal(poller_find("select"), &poller_select_ops);
	errno = 0;
	assert_null(poller_find("kqueue"));
	assert_int_equal(errno, ENOENT);
}

/* A pipe: nothing to read, then readable, then writable after modify. */
static void
test_pipe_readiness(void **state)
{
	struct poller_event ev[4];
	struct poller p;
	int fds[2];
	size_t b;

	for (b = 0; b < NBACKENDS; b++) {
		make_pipe(fds);
		assert_int_equal(poller_open(&p, backends[b]), 0);
		assert_int_equal(p.ops->add(&p, fds[0], POLLER_IN), 0);
		/* The timeout: nothing written yet. */
		assert_int_equal(p.ops->wait(&p, ev, 4, 10), 0);
		assert_int_equal(write(fds[1], "x", 1), 1);
		assert_int_equal(p.ops->wait(&p, ev, 4, 1000), 1);
		assert_int_equal(ev[0].fd, fds[0]);
		assert_int_equal(ev[0].events, POLLER_IN);
		/* Add twice: EEXIST. */
		errno = 0;
		assert_int_equal(p.ops->add(&p, fds[0], POLLER_IN), -1);
		assert_int_equal(errno, EEXIST);
		/* The write end is writable at once. */
		assert_int_equal(p.ops->add(&p, fds[1], POLLER_IN), 0);
		assert_int_equal(p.ops->modify(&p, fds[1], POLLER_OUT), 0);
		assert_int_equal(p.ops->del(&p, fds[0]), 0);
		assert_int_equal(p.ops->wait(&p, ev, 4, 1000), 1);
		assert_int_equal(ev[0].fd, fds[1]);
		assert_int_equal(ev[0].events, POLLER_OUT);
		assert_int_equal(p.ops->del(&p, fds[1]), 0);
		errno = 0;
		assert_int_equal(p.ops->del(&p, fds[1]), -1);
		assert_int_equal(errno, ENOENT);
		/* Hang-up: the read end sees the writer close. */
		assert_int_equal(p.ops->add(&p, fds[0], POLLER_IN), 0);
		close(fds[1]);
		assert_int_equal(p.ops->wait(&p, ev, 4, 1000), 1);
		assert_true(ev[0].events & (POLLER_IN | POLLER_HUP));
		poller_close(&p);
		close(fds[0]);
	}
}

/* select must refuse an fd its fd_set has no bit for, touching nothing. */
static void
test_select_fd_setsize(void **state)
{
	struct poller p;
	int fds[2], big;

	make_pipe(fds);
	big = fcntl(fds[0], F_DUPFD_CLOEXEC, FD_SETSIZE);
	if (big < 0)
		skip();
	assert_int_equal(poller_open(&p, &poller_select_ops), 0);
	errno = 0;
	assert_int_equal(p.ops->add(&p, big, POLLER_IN), -1);
	assert_int_equal(errno, ERANGE);
	errno = 0;
	assert_int_equal(p.ops->add(&p, fds[0], POLLER_IN | POLLER_ET), -1);
	assert_int_equal(errno, EOPNOTSUPP);
	poller_close(&p);
	/* poll and epoll have no such ceiling. */
	assert_int_equal(poller_open(&p, &poller_poll_ops), 0);
	assert_int_equal(p.ops->add(&p, big, POLLER_IN), 0);
	poller_close(&p);
	close(big);
	close_pipe(fds);
}

/* Level-triggered reports unread data every time; edge-triggered once. */
static void
test_epoll_et_lt(void **state)
{
	struct poller_event ev[2];
	struct poller lt, et;
	int fds[2];
	char c;

	make_pipe(fds);
	assert_int_equal(poller_open(&lt, &poller_epoll_ops), 0);
	assert_int_equal(poller_open(&et, &poller_epoll_ops), 0);
	assert_int_equal(lt.ops->add(&lt, fds[0], POLLER_IN), 0);
	assert_int_equal(et.ops->add(&et, fds[0], POLLER_IN | POLLER_ET), 0);
	assert_int_equal(write(fds[1], "ab", 2), 2);
	assert_int_equal(lt.ops->wait(&lt, ev, 2, 0), 1);
	assert_int_equal(et.ops->wait(&et, ev, 2, 0), 1);
	/* Read one byte of two: still readable, but no new edge. */
	assert_int_equal(read(fds[0], &c, 1), 1);
	assert_int_equal(lt.ops->wait(&lt, ev, 2, 0), 1);
	assert_int_equal(et.ops->wait(&et, ev, 2, 0), 0);
	/* New data is a new edge. */
	assert_int_equal(write(fds[1], "c", 1), 1);
	assert_int_equal(et.ops->wait(&et, ev, 2, 0), 1);
	poller_close(&lt);
	poller_close(&et);
	close_pipe(fds);
}

static void
test_epoll_oneshot(void **state)
{
	struct poller_event ev[2];
	struct poller p;
	int fds[2];

	make_pipe(fds);
	assert_int_equal(poller_open(&p, &poller_epoll_ops), 0);
	assert_int_equal(p.ops->add(&p, fds[0], POLLER_IN | POLLER_ONESHOT),
			 0);
	assert_int_equal(write(fds[1], "x", 1), 1);
	assert_int_equal(p.ops->wait(&p, ev, 2, 0), 1);
	/* Disarmed: the byte is still there, yet nothing is reported. */
	assert_int_equal(p.ops->wait(&p, ev, 2, 0), 0);
	assert_int_equal(p.ops->modify(&p, fds[0], POLLER_IN | POLLER_ONESHOT),
			 0);
	assert_int_equal(p.ops->wait(&p, ev, 2, 0), 1);
	/* EXCLUSIVE is for add only: modify of such an fd is EINVAL. */
	assert_int_equal(p.ops->del(&p, fds[0]), 0);
	assert_int_equal(p.ops->add(&p, fds[0], POLLER_IN | POLLER_EXCLUSIVE),
			 0);
	assert_int_equal(p.ops->wait(&p, ev, 2, 0), 1);
	errno = 0;
	assert_int_equal(p.ops->modify(&p, fds[0], POLLER_IN), -1);
	assert_int_equal(errno, EINVAL);
	poller_close(&p);
	close_pipe(fds);
}

static void
test_selector(void **state)
{
	struct selector_ready r[4];
	const struct selector_key *k;
	struct selector s;
	int fds[2], tag1, tag2;
	size_t b;

	for (b = 0; b < NBACKENDS; b++) {
		make_pipe(fds);
		assert_int_equal(selector_open(&s, backends[b]), 0);
		assert_int_equal(selector_register(&s, fds[0], POLLER_IN,
						   &tag1), 0);
		errno = 0;
		assert_int_equal(selector_register(&s, fds[0], POLLER_IN,
						   &tag1), -1);
		assert_int_equal(errno, EEXIST);
		errno = 0;
		assert_int_equal(selector_register(&s, fds[1], 0, NULL), -1);
		assert_int_equal(errno, EINVAL);
		k = selector_get_key(&s, fds[0]);
		assert_non_null(k);
		assert_ptr_equal(k->data, &tag1);
		assert_int_equal(selector_select(&s, 10, r, 4), 0);
		assert_int_equal(write(fds[1], "x", 1), 1);
		assert_int_equal(selector_select(&s, 1000, r, 4), 1);
		assert_ptr_equal(r[0].key->data, &tag1);
		assert_int_equal(r[0].events, POLLER_IN);
		/* Modify swaps the data; the same fd now reports tag2. */
		assert_int_equal(selector_modify(&s, fds[0], POLLER_IN, &tag2),
				 0);
		assert_int_equal(selector_select(&s, 1000, r, 4), 1);
		assert_ptr_equal(r[0].key->data, &tag2);
		assert_int_equal(selector_unregister(&s, fds[0]), 0);
		assert_null(selector_get_key(&s, fds[0]));
		errno = 0;
		assert_int_equal(selector_unregister(&s, fds[0]), -1);
		assert_int_equal(errno, ENOENT);
		/* A hang-up is reported as the events the key waits for. */
		assert_int_equal(selector_register(&s, fds[0], POLLER_IN, NULL),
				 0);
		close(fds[1]);
		assert_int_equal(selector_select(&s, 1000, r, 4), 1);
		assert_int_equal(r[0].events, POLLER_IN);
		assert_int_equal(s.count, 1);
		selector_close(&s);
		close(fds[0]);
	}
}

/* keys[] grows to reach a high fd, and never past RLIMIT_NOFILE. */
static void
test_selector_grows(void **state)
{
	struct selector s;
	int fds[2], high;

	make_pipe(fds);
	high = fcntl(fds[0], F_DUPFD_CLOEXEC, 200);
	assert_true(high >= 200);
	assert_int_equal(selector_open(&s, &poller_poll_ops), 0);
	assert_int_equal(selector_register(&s, high, POLLER_IN, NULL), 0);
	assert_true(s.nkeys > high);
	errno = 0;
	assert_int_equal(selector_register(&s, s.limit, POLLER_IN, NULL), -1);
	assert_int_equal(errno, EINVAL);
	selector_close(&s);
	close(high);
	close_pipe(fds);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_pipe_readiness),
		cmocka_unit_test(test_select_fd_setsize),
		cmocka_unit_test(test_epoll_et_lt),
		cmocka_unit_test(test_epoll_oneshot),
		cmocka_unit_test(test_selector),
		cmocka_unit_test(test_selector_grows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
