/*
 * test_loop_executor.c - lib/loop's executor (run_in_executor): a job's
 * result arrives on the loop thread (the job's thread blocks signals),
 * many jobs on a small pool all end, an error becomes the future's
 * exception, a cancel before the start takes a job off the queue (and
 * one after lets it run and drops its result), the queue's bound,
 * shutdown and close join every worker
 * (counted in /proc/self/task), loop_destroy waits for a running job and
 * drops queued ones, injected eventfd and pthread_create failures come
 * back as -1 with errno, and the workers' trace events.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "loop.h"
#include "sys.h"
#include "trace.h"

/* Threads in this process now: the entries of /proc/self/task. */
static int
threads_now(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/*
 * Wait (at most 2 s) for the thread count to come back to want: a joined
 * thread leaves /proc a moment after pthread_join returns.
 */
static int
threads_settle(int want)
{
	struct timespec ms = { 0, 1000000 };
	int i, n = threads_now();

	for (i = 0; i < 2000 && n != want; i++) {
		nanosleep(&ms, NULL);
		n = threads_now();
	}
	return n;
}

static void
stop(struct loop *l, void *arg)
{
	loop_stop(l);
}

/* Run what is ready now (done-callbacks, cancels), then return. */
static void
turn(struct loop *l)
{
	assert_non_null(loop_call_soon(l, "stop", stop, NULL));
	assert_int_equal(loop_run_forever(l), 0);
}

/* ---- jobs ---- */

struct where {
	pthread_t job;		/* the thread that ran the job */
	pthread_t callback;	/* the thread that ran the done-callback */
	int called;
	int blocked;		/* the job's thread blocks SIGINT and SIGTERM */
};

static void *
whoami(void *arg, int *err)
{
	struct where *w = arg;
	sigset_t mask;

	w->job = pthread_self();
	pthread_sigmask(SIG_SETMASK, NULL, &mask);
	w->blocked = sigismember(&mask, SIGINT) == 1 &&
		     sigismember(&mask, SIGTERM) == 1;
	return w;
}

static void
record_callback(struct loop_future *f, void *arg)
{
	struct where *w = arg;

	w->callback = pthread_self();
	w->called = 1;
}

/* Twice its argument, a number. */
static void *
twice(void *arg, int *err)
{
	return (void *)((uintptr_t)arg * 2);
}

static void *
failing(void *arg, int *err)
{
	*err = ENOENT;
	return (void *)1;	/* ignored: err wins */
}

/*
 * A job that holds its worker: says it started, then waits for the
 * gate.  ran counts the jobs of this kind that finished.
 */
struct gate {
	sem_t started;
	sem_t open;
	int ran;		/* read only after a join or a resolve */
};

static void *
held(void *arg, int *err)
{
	struct gate *g = arg;

	sem_post(&g->started);
	while (sem_wait(&g->open) < 0 && errno == EINTR)
		;
	__atomic_add_fetch(&g->ran, 1, __ATOMIC_SEQ_CST);
	return g;
}

/* A job that must never run. */
static void *
never(void *arg, int *err)
{
	*(int *)arg = 1;
	return NULL;
}

/* A short job that keeps its worker busy for 50 ms. */
static void *
nap(void *arg, int *err)
{
	struct timespec t = { 0, 50000000 };

	nanosleep(&t, NULL);
	*(int *)arg = 1;
	return arg;
}

static void
gate_init(struct gate *g)
{
	memset(g, 0, sizeof(*g));
	sem_init(&g->started, 0, 0);
	sem_init(&g->open, 0, 0);
}

static void
gate_destroy(struct gate *g)
{
	sem_destroy(&g->started);
	sem_destroy(&g->open);
}

/* ---- tests ---- */

static void
test_result_on_loop_thread(void **state)
{
	struct loop *l = loop_new(NULL);
	struct where w = { 0 };
	struct loop_future *f;
	void *res = NULL;

	assert_non_null(l);
	assert_int_equal(loop_executor_workers(l), 0);	/* lazily */
	f = loop_run_in_executor(l, "whoami", whoami, &w);
	assert_non_null(f);
	assert_int_equal(loop_executor_workers(l), 1);
	assert_int_equal(loop_future_add_done_callback(f, record_callback,
						       &w), 0);
	assert_int_equal(loop_run_until_complete(l, f), 0);
	assert_int_equal(loop_future_result(f, &res), 0);
	assert_ptr_equal(res, &w);
	assert_true(w.called);
	assert_false(pthread_equal(w.job, pthread_self()));
	assert_true(pthread_equal(w.callback, pthread_self()));
	assert_true(w.blocked);		/* signals go to the loop thread */
	assert_string_equal(loop_future_name(f), "whoami");
	loop_future_release(f);
	assert_int_equal(loop_close(l), 0);
}

#define MANY	200

struct tally {
	int done;
	int all;		/* run_until's flag */
};

static void
count_done(struct loop_future *f, void *arg)
{
	struct tally *t = arg;

	if (++t->done == MANY)
		t->all = 1;
}

static void
test_many_jobs(void **state)
{
	struct loop *l = loop_new(NULL);
	struct loop_future *fs[MANY];
	struct tally t = { 0, 0 };
	void *res;
	int i, base = threads_now();

	assert_non_null(l);
	assert_int_equal(loop_set_default_executor(l, 4), 0);
	assert_int_equal(loop_executor_max_workers(l), 4);
	for (i = 0; i < MANY; i++) {
		fs[i] = loop_run_in_executor(l, "twice", twice,
					     (void *)(uintptr_t)i);
		assert_non_null(fs[i]);
		assert_int_equal(loop_future_add_done_callback(fs[i],
			count_done, &t), 0);
	}
	assert_in_range(loop_executor_workers(l), 1, 4);
	assert_true(threads_now() <= base + 4);
	assert_int_equal(loop_run_until(l, &t.all), 0);
	for (i = 0; i < MANY; i++) {
		assert_int_equal(loop_future_result(fs[i], &res), 0);
		assert_int_equal((uintptr_t)res, (uintptr_t)i * 2);
		loop_future_release(fs[i]);
	}
	/* Once idle, loop_close joins the pool. */
	assert_int_equal(loop_close(l), 0);
	assert_int_equal(threads_settle(base), base);
}

static void
test_error_is_exception(void **state)
{
	struct loop *l = loop_new(NULL);
	struct loop_future *f;
	void *res = NULL;

	assert_non_null(l);
	f = loop_run_in_executor(l, "failing", failing, NULL);
	assert_non_null(f);
	assert_int_equal(loop_run_until_complete(l, f), 0);
	errno = 0;
	assert_int_equal(loop_future_result(f, &res), -1);
	assert_int_equal(errno, ENOENT);
	assert_null(res);
	assert_int_equal(loop_future_exception(f), ENOENT);
	assert_string_equal(loop_future_message(f), "failing");
	loop_future_release(f);
	assert_int_equal(loop_close(l), 0);
}

static void
test_cancel(void **state)
{
	struct loop *l = loop_new("poll");
	struct loop_future *blocker, *victim, *runner;
	struct gate g;
	int victim_ran = 0;

	gate_init(&g);
	assert_non_null(l);
	assert_int_equal(loop_set_default_executor(l, 1), 0);
	blocker = loop_run_in_executor(l, "held", held, &g);
	assert_non_null(blocker);
	sem_wait(&g.started);		/* the only worker is busy now */

	/* Before it starts: it leaves the queue and never runs. */
	victim = loop_run_in_executor(l, "never", never, &victim_ran);
	assert_non_null(victim);
	assert_int_equal(loop_future_cancel(victim), 1);
	turn(l);
	sem_post(&g.open);
	assert_int_equal(loop_run_until_complete(l, blocker), 0);
	assert_int_equal(loop_future_result(blocker, NULL), 0);
	assert_true(loop_future_cancelled(victim));

	/* While it runs: it runs to the end, and its result is dropped. */
	runner = loop_run_in_executor(l, "held", held, &g);
	assert_non_null(runner);
	sem_wait(&g.started);
	assert_int_equal(loop_future_cancel(runner), 1);
	turn(l);
	sem_post(&g.open);
	assert_int_equal(loop_shutdown_default_executor(l), 0);
	assert_int_equal(g.ran, 2);
	assert_int_equal(victim_ran, 0);
	assert_true(loop_future_cancelled(runner));
	errno = 0;
	assert_int_equal(loop_future_result(runner, NULL), -1);
	assert_int_equal(errno, ECANCELED);

	loop_future_release(blocker);
	loop_future_release(victim);
	loop_future_release(runner);
	turn(l);			/* the done-callbacks shutdown queued */
	assert_int_equal(loop_close(l), 0);
	gate_destroy(&g);
}

static void
test_queue_bound(void **state)
{
	static struct loop_future *fs[LOOP_EXECUTOR_QUEUE_MAX];
	struct loop *l = loop_new(NULL);
	struct loop_future *blocker;
	struct gate g;
	int i;

	gate_init(&g);
	assert_non_null(l);
	assert_int_equal(loop_set_default_executor(l, 1), 0);
	blocker = loop_run_in_executor(l, "held", held, &g);
	assert_non_null(blocker);
	sem_wait(&g.started);
	for (i = 0; i < LOOP_EXECUTOR_QUEUE_MAX; i++)
		assert_non_null(fs[i] = loop_run_in_executor(l, "twice",
			twice, (void *)(uintptr_t)i));
	errno = 0;
	assert_null(loop_run_in_executor(l, "twice", twice, NULL));
	assert_int_equal(errno, EAGAIN);
	/* Cancelling one makes room. */
	assert_int_equal(loop_future_cancel(fs[0]), 1);
	turn(l);
	loop_future_release(fs[0]);
	assert_non_null(fs[0] = loop_run_in_executor(l, "twice", twice,
						     NULL));
	sem_post(&g.open);
	assert_int_equal(loop_shutdown_default_executor(l), 0);
	for (i = 0; i < LOOP_EXECUTOR_QUEUE_MAX; i++) {
		assert_int_equal(loop_future_result(fs[i], NULL), 0);
		loop_future_release(fs[i]);
	}
	assert_int_equal(loop_future_result(blocker, NULL), 0);
	loop_future_release(blocker);
	turn(l);
	assert_int_equal(loop_close(l), 0);
	gate_destroy(&g);
}

static void
test_shutdown_joins(void **state)
{
	struct loop *l = loop_new("select");
	struct loop_future *fs[8];
	struct gate g;
	int i, base = threads_now();

	gate_init(&g);
	assert_non_null(l);
	assert_int_equal(loop_set_default_executor(l, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(loop_set_default_executor(l, 33), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(loop_set_default_executor(l, 4), 0);
	for (i = 0; i < 8; i++)
		assert_non_null(fs[i] = loop_run_in_executor(l, "held", held,
							     &g));
	for (i = 0; i < 4; i++)
		sem_wait(&g.started);	/* four at once: the pool is full */
	assert_int_equal(loop_executor_workers(l), 4);
	assert_int_equal(threads_now(), base + 4);
	assert_int_equal(loop_set_default_executor(l, 2), -1);
	assert_int_equal(errno, EBUSY);

	/* A busy executor keeps the loop from closing. */
	errno = 0;
	assert_int_equal(loop_close(l), -1);
	assert_int_equal(errno, EBUSY);

	for (i = 0; i < 8; i++)
		sem_post(&g.open);
	assert_int_equal(loop_shutdown_default_executor(l), 0);
	assert_int_equal(loop_executor_workers(l), 0);
	assert_int_equal(threads_settle(base), base);
	assert_int_equal(g.ran, 8);
	for (i = 0; i < 8; i++) {
		assert_int_equal(loop_future_result(fs[i], NULL), 0);
		loop_future_release(fs[i]);
	}
	errno = 0;
	assert_null(loop_run_in_executor(l, "twice", twice, NULL));
	assert_int_equal(errno, ESHUTDOWN);
	assert_int_equal(loop_shutdown_default_executor(l), 0);
	turn(l);
	assert_int_equal(loop_close(l), 0);
	gate_destroy(&g);
}

static void
test_destroy_waits_and_drops(void **state)
{
	struct loop *l = loop_new(NULL);
	struct loop_future *fs[4];
	int flags[4] = { 0 }, i, base = threads_now();

	assert_non_null(l);
	assert_int_equal(loop_set_default_executor(l, 1), 0);
	assert_non_null(fs[0] = loop_run_in_executor(l, "nap", nap,
						     &flags[0]));
	for (i = 1; i < 4; i++)
		assert_non_null(fs[i] = loop_run_in_executor(l, "never", never,
							     &flags[i]));
	/*
	 * The worker may not have taken the nap yet: then destroy drops it
	 * too.  Either way nothing runs after destroy returns.
	 */
	loop_destroy(l);
	assert_int_equal(threads_settle(base), base);
	for (i = 1; i < 4; i++)
		assert_int_equal(flags[i], 0);
	for (i = 0; i < 4; i++) {
		assert_false(loop_future_done(fs[i]));
		loop_future_release(fs[i]);
	}
}

static void
test_injected_failures(void **state)
{
	struct loop *l = loop_new(NULL);
	struct loop_future *f;
	int base = threads_now();

	assert_non_null(l);
	assert_int_equal(sys_inject_add("eventfd=EMFILE"), 0);
	errno = 0;
	assert_null(loop_run_in_executor(l, "twice", twice, NULL));
	assert_int_equal(errno, EMFILE);
	assert_int_equal(loop_executor_workers(l), 0);
	sys_inject_clear();

	assert_int_equal(sys_inject_add("pthread_create=EAGAIN"), 0);
	errno = 0;
	assert_null(loop_run_in_executor(l, "twice", twice, NULL));
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(threads_now(), base);
	sys_inject_clear();

	/* Not injectable: a lost wake-up or join would hang or crash. */
	assert_int_equal(sys_inject_add("eventfd_write=EIO"), -1);
	assert_int_equal(sys_inject_add("pthread_join=EINVAL"), -1);

	f = loop_run_in_executor(l, "twice", twice, (void *)21);
	assert_non_null(f);
	assert_int_equal(loop_run_until_complete(l, f), 0);
	loop_future_release(f);
	assert_int_equal(loop_close(l), 0);
	assert_int_equal(threads_settle(base), base);
}

static void
test_trace_from_workers(void **state)
{
	struct trace_config cfg = { .mod = "loop" };
	char path[64], line[4096];
	struct loop *l;
	struct loop_future *f;
	int nstart = 0, nwrite = 0, nread = 0, ncreate = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/tmp/ipc-test-executor.%d",
		 (int)getpid());
	cfg.to = path;
	assert_int_equal(trace_init(&cfg), 0);
	sys_watch_update();
	l = loop_new(NULL);
	assert_non_null(l);
	f = loop_run_in_executor(l, "twice", twice, (void *)1);
	assert_non_null(f);
	assert_int_equal(loop_run_until_complete(l, f), 0);
	loop_future_release(f);
	assert_int_equal(loop_close(l), 0);
	trace_close();
	sys_watch_update();

	assert_non_null(fp = fopen(path, "r"));
	while (fgets(line, sizeof(line), fp) != NULL) {
		ncreate += strstr(line, "\"call\":\"eventfd\"") != NULL;
		nwrite += strstr(line, "\"call\":\"eventfd_write\"") != NULL;
		nread += strstr(line, "\"call\":\"eventfd_read\"") != NULL;
		nstart += strstr(line, "\"ev\":\"executor\"") != NULL &&
			 strstr(line, "\"what\":\"start\"") != NULL;
	}
	fclose(fp);
	unlink(path);
	assert_int_equal(ncreate, 1);
	assert_int_equal(nwrite, 1);
	assert_true(nread >= 1);
	assert_int_equal(nstart, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_result_on_loop_thread),
		cmocka_unit_test(test_many_jobs),
		cmocka_unit_test(test_error_is_exception),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_queue_bound),
		cmocka_unit_test(test_shutdown_joins),
		cmocka_unit_test(test_destroy_waits_and_drops),
		cmocka_unit_test(test_injected_failures),
		cmocka_unit_test(test_trace_from_workers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
