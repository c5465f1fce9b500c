/*
 * test_loop_task.c - lib/loop's futures and tasks: done-callbacks run
 * through call_soon in the order added, cancel, run_until_complete, the
 * debug warning about an outcome never retrieved, a task sleeping, a task
 * cancelled mid-await that unwinds its own resources, gather with an
 * exception (the others are not cancelled), gather cancelled, wait_for
 * timing out, the guard page under a task's stack, and loop_destroy()
 * with tasks that have not ended (run it under ASan: nothing may leak).
 * Streams are in test_loop_stream.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "loop.h"

/* What the callbacks saw, in order. */
static char seen[64];
static size_t nseen;

static void
reset(void)
{
	memset(seen, 0, sizeof(seen));
	nseen = 0;
}

/* A done-callback recording the one-letter tag in arg. */
static void
mark(struct loop_future *f, void *arg)
{
	seen[nseen++] = *(const char *)arg;
}

/* A plain callback recording its tag, to interleave with done-callbacks. */
static void
mark_soon(struct loop *l, void *arg)
{
	seen[nseen++] = *(const char *)arg;
}

static void
stop(struct loop *l, void *arg)
{
	loop_stop(l);
}

/* Run what is queued now, then return (run_once alone would then wait). */
static void
drain(struct loop *l)
{
	assert_non_null(loop_call_soon(l, "stop", stop, NULL));
	assert_int_equal(loop_run_forever(l), 0);
}

/*
 * Done-callbacks run on a later iteration, in the order added, after
 * what call_soon queued before the future ended; one added after the
 * end is scheduled at once; a removed one never runs.
 */
static void
test_future_callbacks(void **state)
{
	struct loop *l = loop_new(NULL);
	struct loop_future *f;
	void *res = NULL;

	reset();
	assert_non_null(l);
	f = loop_future_new(l, "f");
	assert_non_null(f);
	assert_int_equal(loop_future_add_done_callback(f, mark, "a"), 0);
	assert_int_equal(loop_future_add_done_callback(f, mark, "x"), 0);
	assert_int_equal(loop_future_add_done_callback(f, mark, "b"), 0);
	assert_int_equal(loop_future_remove_done_callback(f, mark, "x"), 1);
	assert_non_null(loop_call_soon(l, "s", mark_soon, "s"));
	assert_int_equal(loop_future_result(f, &res), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(loop_future_set_result(f, "r"), 0);
	assert_string_equal(seen, "");		/* never inside set_result */
	assert_int_equal(loop_future_set_result(f, "r"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(loop_future_add_done_callback(f, mark, "c"), 0);
	loop_future_release(f);		/* the callbacks hold it */
	drain(l);
	assert_string_equal(seen, "sabc");
	assert_int_equal(loop_close(l), 0);
}

/* Cancel: once, callbacks see it, result says ECANCELED. */
static void
test_future_cancel(void **state)
{
	struct loop *l = loop_new(NULL);
	struct loop_future *f = loop_future_new(l, "f");

	reset();
	assert_int_equal(loop_future_add_done_callback(f, mark, "c"), 0);
	assert_int_equal(loop_future_cancel(f), 1);
	assert_int_equal(loop_future_cancel(f), 0);
	assert_true(loop_future_done(f));
	assert_true(loop_future_cancelled(f));
	assert_int_equal(loop_future_set_exception(f, EIO, "late"), -1);
	assert_int_equal(loop_future_result(f, NULL), -1);
	assert_int_equal(errno, ECANCELED);
	drain(l);
	assert_string_equal(seen, "c");
	loop_future_release(f);
	assert_int_equal(loop_close(l), 0);
}

static int warnings;
static char last_warning[256];

static void
count_warning(void *ctx, const char *msg)
{
	warnings++;
	snprintf(last_warning, sizeof(last_warning), "%s", msg);
}

/* Debug mode: an exception nobody retrieved is warned about at the end. */
static void
test_future_never_retrieved(void **state)
{
	struct loop *l = loop_new(NULL);
	struct loop_future *f = loop_future_new(l, "lost");
	struct loop_future *g = loop_future_new(l, "seen");

	warnings = 0;
	loop_set_debug(l, count_warning, NULL);
	assert_int_equal(loop_future_set_exception(f, EIO, "disk"), 0);
	assert_int_equal(loop_future_set_exception(g, EIO, "disk"), 0);
	assert_int_equal(loop_future_exception(g), EIO);
	assert_string_equal(loop_future_message(g), "disk");
	loop_future_release(g);
	assert_int_equal(warnings, 0);
	loop_future_release(f);
	assert_int_equal(warnings, 1);
	assert_non_null(strstr(last_warning, "lost"));
	assert_non_null(strstr(last_warning, "EIO: disk"));
	assert_int_equal(loop_close(l), 0);
}

/* run_until_complete returns once a timer ends the future. */
static void
finish_later(struct loop *l, void *arg)
{
	loop_future_set_result(arg, "done");
}

static void
test_run_until_complete(void **state)
{
	struct loop *l = loop_new(NULL);
	struct loop_future *f = loop_future_new(l, "f");
	void *res = NULL;

	assert_non_null(loop_call_later(l, 0.01, "finish", finish_later, f));
	assert_int_equal(loop_run_until_complete(l, f), 0);
	assert_int_equal(loop_future_result(f, &res), 0);
	assert_string_equal(res, "done");
	loop_future_release(f);
	assert_int_equal(loop_close(l), 0);
}

/* A task that sleeps twice and returns its argument. */
static void *
sleeper(struct loop_task *t, void *arg)
{
	seen[nseen++] = 'a';
	if (loop_sleep(t, 0.01) < 0)
		return NULL;
	seen[nseen++] = 'b';
	if (loop_sleep(t, 0) < 0)
		return NULL;
	seen[nseen++] = 'c';
	return arg;
}

static void
test_task_sleep(void **state)
{
	struct loop *l = loop_new(NULL);
	long long t0 = loop_time();
	struct loop_task *t;
	void *res = NULL;

	reset();
	t = loop_task_new(l, "sleeper", sleeper, "ok", 0);
	assert_non_null(t);
	assert_string_equal(seen, "");		/* the first step is queued */
	assert_int_equal(loop_run_until_complete(l, loop_task_future(t)), 0);
	assert_true(loop_time() - t0 >= 10000000);
	assert_string_equal(seen, "abc");
	assert_int_equal(loop_future_result(loop_task_future(t), &res), 0);
	assert_string_equal(res, "ok");
	loop_future_release(loop_task_future(t));
	assert_int_equal(loop_close(l), 0);
}

/* A task holding memory when it is cancelled: it frees it and returns. */
static int cleaned;

static void *
holder(struct loop_task *t, void *arg)
{
	char *mem = malloc(4096);
	int rc;

	rc = loop_sleep(t, 60);
	if (rc < 0 && errno == ECANCELED)
		cleaned = 1;
	free(mem);
	return NULL;
}

static void
cancel_it(struct loop *l, void *arg)
{
	assert_int_equal(loop_task_cancel(arg), 1);
}

static void
test_task_cancel(void **state)
{
	struct loop *l = loop_new(NULL);
	struct loop_task *t = loop_task_new(l, "holder", holder, NULL, 0);
	struct loop_task *never;

	cleaned = 0;
	assert_non_null(t);
	assert_non_null(loop_call_later(l, 0.01, "cancel", cancel_it, t));
	assert_int_equal(loop_run_until_complete(l, loop_task_future(t)), 0);
	assert_int_equal(cleaned, 1);
	assert_true(loop_future_cancelled(loop_task_future(t)));
	assert_int_equal(loop_task_cancel(t), 0);
	loop_future_release(loop_task_future(t));

	/* Cancelled before its first step: it never runs. */
	cleaned = 0;
	never = loop_task_new(l, "never", holder, NULL, 0);
	assert_int_equal(loop_task_cancel(never), 1);
	assert_int_equal(loop_run_until_complete(l, loop_task_future(never)),
			 0);
	assert_true(loop_future_cancelled(loop_task_future(never)));
	assert_int_equal(cleaned, 0);
	loop_future_release(loop_task_future(never));
	assert_int_equal(loop_close(l), 0);
}

/* gather: the first exception wins, and the other children go on. */
struct gather_case {
	struct loop_future *fs[3];
	int rc, err;
	char msg[64];
};

static void *
gatherer(struct loop_task *t, void *arg)
{
	struct gather_case *g = arg;

	g->rc = loop_gather(t, g->fs, 3, NULL);
	g->err = errno;
	snprintf(g->msg, sizeof(g->msg), "%s", loop_future_message(g->fs[1]));
	return NULL;
}

static void
fail_one(struct loop *l, void *arg)
{
	loop_future_set_exception(arg, EPROTO, "bad reply");
}

static void
test_gather_exception(void **state)
{
	struct loop *l = loop_new(NULL);
	struct gather_case g = { .rc = 0 };
	struct loop_task *t;
	void *res = NULL;
	int i;

	for (i = 0; i < 3; i++)
		g.fs[i] = loop_future_new(l, "child");
	loop_future_set_result(g.fs[0], "zero");
	assert_non_null(loop_call_later(l, 0.01, "fail", fail_one, g.fs[1]));
	t = loop_task_new(l, "gatherer", gatherer, &g, 0);
	assert_int_equal(loop_run_until_complete(l, loop_task_future(t)), 0);
	assert_int_equal(g.rc, -1);
	assert_int_equal(g.err, EPROTO);
	assert_string_equal(g.msg, "bad reply");
	/* Not cancelled: the third child is still pending, and can end. */
	assert_false(loop_future_done(g.fs[2]));
	assert_int_equal(loop_future_set_result(g.fs[2], "two"), 0);
	assert_int_equal(loop_future_result(g.fs[0], &res), 0);
	assert_int_equal(loop_future_result(g.fs[2], &res), 0);
	assert_int_equal(loop_future_result(loop_task_future(t), NULL), 0);
	for (i = 0; i < 3; i++)
		loop_future_release(g.fs[i]);
	loop_future_release(loop_task_future(t));
	drain(l);
	assert_int_equal(loop_close(l), 0);
}

/* gather cancelled: every child is cancelled with it. */
static void
test_gather_cancel(void **state)
{
	struct loop *l = loop_new(NULL);
	struct gather_case g = { .rc = 0 };
	struct loop_task *t;
	int i;

	for (i = 0; i < 3; i++)
		g.fs[i] = loop_future_new(l, "child");
	t = loop_task_new(l, "gatherer", gatherer, &g, 0);
	assert_non_null(loop_call_later(l, 0.01, "cancel", cancel_it, t));
	assert_int_equal(loop_run_until_complete(l, loop_task_future(t)), 0);
	assert_int_equal(g.rc, -1);
	assert_int_equal(g.err, ECANCELED);
	assert_true(loop_future_cancelled(loop_task_future(t)));
	for (i = 0; i < 3; i++) {
		assert_true(loop_future_cancelled(g.fs[i]));
		loop_future_release(g.fs[i]);
	}
	loop_future_release(loop_task_future(t));
	assert_int_equal(loop_close(l), 0);
}

/* wait_for: the time runs out, the future is cancelled, ETIMEDOUT. */
struct wait_case {
	struct loop_future *f;
	int rc, err;
};

static void *
waiter(struct loop_task *t, void *arg)
{
	struct wait_case *w = arg;

	w->rc = loop_wait_for(t, w->f, 0.02, NULL);
	w->err = errno;
	return NULL;
}

static void
test_wait_for_timeout(void **state)
{
	struct loop *l = loop_new(NULL);
	struct wait_case w = { .rc = 0 };
	long long t0 = loop_time();
	struct loop_task *t;

	w.f = loop_future_new(l, "slow");
	t = loop_task_new(l, "waiter", waiter, &w, 0);
	assert_int_equal(loop_run_until_complete(l, loop_task_future(t)), 0);
	assert_int_equal(w.rc, -1);
	assert_int_equal(w.err, ETIMEDOUT);
	assert_true(loop_time() - t0 >= 20000000);
	assert_true(loop_future_cancelled(w.f));
	/* The task itself was not cancelled: it returned normally. */
	assert_int_equal(loop_future_result(loop_task_future(t), NULL), 0);
	loop_future_release(w.f);
	loop_future_release(loop_task_future(t));
	assert_int_equal(loop_close(l), 0);
}

/* wait_for in time: the result, and the timer is gone. */
static void
test_wait_for_in_time(void **state)
{
	struct loop *l = loop_new(NULL);
	struct wait_case w = { .rc = -1 };
	struct loop_task *t;

	w.f = loop_future_new(l, "quick");
	assert_non_null(loop_call_later(l, 0.001, "finish", finish_later,
					w.f));
	t = loop_task_new(l, "waiter", waiter, &w, 0);
	assert_int_equal(loop_run_until_complete(l, loop_task_future(t)), 0);
	assert_int_equal(w.rc, 0);
	loop_future_release(w.f);
	loop_future_release(loop_task_future(t));
	assert_int_equal(loop_close(l), 0);
}

/* A task that raises: its future carries the exception. */
static void *
raiser(struct loop_task *t, void *arg)
{
	loop_task_raise(t, ECONNREFUSED, "nobody there");
	return NULL;
}

static void
test_task_raise(void **state)
{
	struct loop *l = loop_new(NULL);
	struct loop_task *t = loop_task_new(l, "raiser", raiser, NULL, 0);

	assert_int_equal(loop_run_until_complete(l, loop_task_future(t)), 0);
	assert_int_equal(loop_future_result(loop_task_future(t), NULL), -1);
	assert_int_equal(errno, ECONNREFUSED);
	assert_string_equal(loop_future_message(loop_task_future(t)),
			    "nobody there");
	loop_future_release(loop_task_future(t));
	assert_int_equal(loop_close(l), 0);
	/* Awaiting from outside a task is refused. */
	l = loop_new(NULL);
	t = loop_task_new(l, "idle", raiser, NULL, 0);
	assert_int_equal(loop_sleep(t, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(loop_run_until_complete(l, loop_task_future(t)), 0);
	assert_int_equal(loop_future_exception(loop_task_future(t)),
			 ECONNREFUSED);
	loop_future_release(loop_task_future(t));
	assert_int_equal(loop_close(l), 0);
}

/* Recursion far deeper than 16 KiB of stack: it must hit the guard page. */
static int
deep(int n)
{
	volatile char pad[512];

	pad[0] = (char)n;
	if (n > 1000000)
		return 0;
	return deep(n + 1) + pad[0];
}

static void *
overflow(struct loop_task *t, void *arg)
{
	return (void *)(intptr_t)deep(0);
}

static void
test_guard_page(void **state)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct loop *l = loop_new(NULL);
		struct loop_task *t = loop_task_new(l, "deep", overflow, NULL,
						    16 * 1024);

		/* cmocka catches SIGSEGV; the default action is the test. */
		signal(SIGSEGV, SIG_DFL);
		loop_run_until_complete(l, loop_task_future(t));
		_exit(0);	/* not reached: the guard page faults */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSEGV);
}

/*
 * loop_destroy() with tasks that have not ended, an error path: none is
 * run again (their frames may point at what the caller has freed); each
 * stack is unmapped and each task ends cancelled.  Under ASan (make
 * SAN=1), LeakSanitizer checks that no task, stack or callback is left.
 */
struct stuck {
	struct loop_future *forever;	/* never ends; the test owns it */
	int ran;			/* awaits that returned */
};

/* Awaits a future that never ends. */
static void *
awaits_forever(struct loop_task *t, void *arg)
{
	struct stuck *s = arg;

	loop_await(t, s->forever, NULL);
	s->ran++;
	return NULL;
}

/* The same through wait_for, whose timer is pending too. */
static void *
waits_an_hour(struct loop_task *t, void *arg)
{
	struct stuck *s = arg;

	loop_wait_for(t, s->forever, 3600, NULL);
	s->ran++;
	return NULL;
}

static void
test_destroy_suspended(void **state)
{
	struct loop *l = loop_new(NULL);
	struct stuck s = { 0 };
	struct loop_task *a, *b, *c, *unborn;

	reset();
	s.forever = loop_future_new(l, "forever");
	assert_non_null(s.forever);
	a = loop_task_new(l, "a", awaits_forever, &s, 0);
	b = loop_task_new(l, "b", awaits_forever, &s, 0);
	c = loop_task_new(l, "c", waits_an_hour, &s, 0);
	assert_true(a && b && c);
	drain(l);			/* each task now waits in an await */
	unborn = loop_task_new(l, "unborn", awaits_forever, &s, 0);
	assert_non_null(unborn);
	/* A done-callback on a's future: scheduled when a ends, not run. */
	assert_int_equal(loop_future_add_done_callback(loop_task_future(a),
						       mark, "a"), 0);
	/* Released now: only the tasks' hold on themselves is left. */
	loop_future_release(loop_task_future(b));
	loop_future_release(loop_task_future(c));
	loop_future_release(loop_task_future(unborn));

	loop_destroy(l);
	assert_int_equal(s.ran, 0);		/* no task ran again */
	assert_string_equal(seen, "");		/* dropped, not run */
	/* A cancelled or pending future may be released afterwards. */
	assert_true(loop_future_cancelled(loop_task_future(a)));
	loop_future_release(loop_task_future(a));
	assert_false(loop_future_done(s.forever));
	loop_future_release(s.forever);		/* no wakeup left on it */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_future_callbacks),
		cmocka_unit_test(test_future_cancel),
		cmocka_unit_test(test_future_never_retrieved),
		cmocka_unit_test(test_run_until_complete),
		cmocka_unit_test(test_task_sleep),
		cmocka_unit_test(test_task_cancel),
		cmocka_unit_test(test_gather_exception),
		cmocka_unit_test(test_gather_cancel),
		cmocka_unit_test(test_wait_for_timeout),
		cmocka_unit_test(test_wait_for_in_time),
		cmocka_unit_test(test_task_raise),
		cmocka_unit_test(test_guard_page),
		cmocka_unit_test(test_destroy_suspended),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
