/*
 * demo_task.c - the tasks and futures group of `ipc loop demo`: the
 * examples of the asyncio chapter's "Tasks and coroutines" section, each
 * in the shape of its Python original:
 *
 *	hello-coro		run_until_complete(hello_world())
 *	clock-coro		display_date: print, then asyncio.sleep(1)
 *	chain			print_sum awaits compute, which sleeps
 *	future-until-complete	slow_operation sets a future's result;
 *				run_until_complete(future)
 *	future-forever		the same, with add_done_callback(got_result)
 *				and run_forever
 *	parallel		factorial A, B and C, interleaved at each sleep
 *
 * A coroutine here is a task (lib/loop_task.c): a C function on its own
 * stack, so "yield from compute(x, y)" is a plain call to compute(),
 * which may await as deep as it likes.  --interval replaces the examples'
 * one-second sleeps.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "loop_cmd.h"

/* clock-coro's number of dates. */
#define DATES	5

/* What a failed loop_task_new() means. */
static const char stack_hint[] =
	"each task needs its own stack: mmap(2) maps it, and mprotect(2) "
	"makes the page below it a guard";

/*
 * End the demo's run with t's outcome: retrieve it (debug mode warns
 * about outcomes nobody looked at), release the task, and report an
 * exception, named by its message (what failed) or by the task.
 * Returns the exit status.
 */
static int
task_outcome(struct demo_ctx *d, struct loop_task *t, void **result)
{
	struct loop_future *f = loop_task_future(t);
	int rc = 0;

	if (loop_future_result(f, result) < 0)
		rc = fail(d->cli, loop_future_message(f)[0] ?
			  loop_future_message(f) : loop_future_name(f), errno,
			  NULL);
	loop_future_release(f);
	return rc;
}

/* Create a task and run the loop until it ends: run_until_complete(). */
static int
run_task(struct demo_ctx *d, const char *name, loop_task_fn fn, void *arg)
{
	struct loop_task *t = loop_task_new(d->loop, name, fn, arg, 0);

	if (t == NULL)
		return fail(d->cli, "task", errno, stack_hint);
	if (loop_run_until_complete(d->loop, loop_task_future(t)) < 0) {
		int rc = fail(d->cli, "run_until_complete", errno, NULL);

		loop_task_cancel(t);
		loop_future_release(loop_task_future(t));
		return rc;
	}
	return task_outcome(d, t, NULL);
}

/* A sleep failed (cancelled, or out of memory): say so as the exception. */
static void *
raise_errno(struct loop_task *t, const char *what)
{
	loop_task_raise(t, errno, what);
	return NULL;
}

/* ---- hello-coro ---- */

static void *
hello_world(struct loop_task *t, void *arg)
{
	printf("Hello World!\n");
	fflush(stdout);
	return NULL;
}

static int
demo_hello_coro(struct demo_ctx *d)
{
	return run_task(d, "hello_world", hello_world, NULL);
}

/* ---- clock-coro ---- */

/* The wall-clock date, as Python's datetime.datetime.now() prints it. */
static void
print_now(void)
{
	struct timespec ts;
	struct tm tm;
	char date[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%s.%06ld\n", date, ts.tv_nsec / 1000);
	fflush(stdout);
}

/* Print the date every interval until DATES intervals have passed. */
static void *
display_date(struct loop_task *t, void *arg)
{
	const struct demo_ctx *d = arg;
	long long step = (long long)(d->interval * 1e9);
	long long end_time = loop_time() + DATES * step;

	for (;;) {
		print_now();
		if (loop_time() + step >= end_time)
			break;
		if (loop_sleep(t, d->interval) < 0)
			return raise_errno(t, "sleep");
	}
	return NULL;
}

static int
demo_clock_coro(struct demo_ctx *d)
{
	return run_task(d, "display_date", display_date, d);
}

/* ---- chain ---- */

struct sum {
	const struct demo_ctx *d;
	long x, y;
};

/*
 * An ordinary function that awaits: on a task's own stack, the sleep
 * suspends print_sum and compute together.  Returns 0 with *result, or
 * -1 with errno.
 */
static int
compute(struct loop_task *t, const struct sum *s, long *result)
{
	printf("Compute %ld + %ld ...\n", s->x, s->y);
	fflush(stdout);
	if (loop_sleep(t, s->d->interval) < 0)
		return -1;
	*result = s->x + s->y;
	return 0;
}

static void *
print_sum(struct loop_task *t, void *arg)
{
	const struct sum *s = arg;
	long result;

	if (compute(t, s, &result) < 0)
		return raise_errno(t, "compute");
	printf("%ld + %ld = %ld\n", s->x, s->y, result);
	fflush(stdout);
	return NULL;
}

static int
demo_chain(struct demo_ctx *d)
{
	struct sum s = { .d = d, .x = 1, .y = 2 };

	return run_task(d, "print_sum", print_sum, &s);
}

/* ---- future-until-complete, future-forever ---- */

struct slow_op {
	const struct demo_ctx *d;
	struct loop_future *future;
};

/* Sleep, then give the future its result. */
static void *
slow_operation(struct loop_task *t, void *arg)
{
	struct slow_op *op = arg;

	if (loop_sleep(t, op->d->interval) < 0)
		return raise_errno(t, "sleep");
	if (loop_future_set_result(op->future, "Future is done!") < 0)
		return raise_errno(t, "set_result");
	return NULL;
}

/*
 * The future and the task that will end it, as asyncio.Future() and
 * ensure_future(slow_operation(future)).  Returns 0 with *tp set, or the
 * exit status after reporting (the future is then released).
 */
static int
start_slow_operation(struct demo_ctx *d, struct slow_op *op,
		     struct loop_task **tp)
{
	op->d = d;
	if ((op->future = loop_future_new(d->loop, "future")) == NULL)
		return fail(d->cli, "future", errno, NULL);
	if ((*tp = loop_task_new(d->loop, "slow_operation", slow_operation,
				 op, 0)) == NULL) {
		int rc = fail(d->cli, "task", errno, stack_hint);

		loop_future_release(op->future);
		return rc;
	}
	return 0;
}

/* Print the future's result (or report its exception). */
static int
print_result(struct demo_ctx *d, struct loop_future *f)
{
	void *result;

	if (loop_future_result(f, &result) < 0)
		return fail(d->cli, loop_future_name(f), errno, NULL);
	printf("%s\n", (const char *)result);
	fflush(stdout);
	return 0;
}

/*
 * After the run: the task's own outcome when all went well, then both
 * released.  A task still pending after a failure is cancelled, and
 * the loop runs until it has unwound.  Returns the exit status.
 */
static int
finish_slow_operation(struct demo_ctx *d, struct slow_op *op,
		      struct loop_task *t, int rc)
{
	struct loop_future *f = loop_task_future(t);

	if (loop_task_cancel(t))
		loop_run_until_complete(d->loop, f);
	if (rc == 0 && loop_future_done(f))
		rc = task_outcome(d, t, NULL);
	else
		loop_future_release(f);
	loop_future_exception(op->future);
	loop_future_release(op->future);
	return rc;
}

static int
demo_future_until_complete(struct demo_ctx *d)
{
	struct slow_op op;
	struct loop_task *t;
	int rc;

	if ((rc = start_slow_operation(d, &op, &t)) != 0)
		return rc;
	if (loop_run_until_complete(d->loop, op.future) < 0)
		rc = fail(d->cli, "run_until_complete", errno, NULL);
	else
		rc = print_result(d, op.future);
	/* The task ends on the iteration after it set the result. */
	if (rc == 0 &&
	    loop_run_until_complete(d->loop, loop_task_future(t)) < 0)
		rc = fail(d->cli, "run_until_complete", errno, NULL);
	return finish_slow_operation(d, &op, t, rc);
}

struct forever {
	struct demo_ctx *d;
	struct loop_task *task;
};

/* The done-callback: print the result, and stop the loop once the task
 * has ended too (asyncio's example stops at once; the task's own end is
 * one iteration later, and a C program must wait for it to free it). */
static void
got_result(struct loop_future *f, void *arg)
{
	struct forever *fv = arg;

	if (print_result(fv->d, f) != 0)
		fv->d->rc = EX_SOFT_;
	loop_stop(loop_task_loop(fv->task));
}

static int
demo_future_forever(struct demo_ctx *d)
{
	struct slow_op op;
	struct forever fv = { .d = d };
	int rc;

	if ((rc = start_slow_operation(d, &op, &fv.task)) != 0)
		return rc;
	if (loop_future_add_done_callback(op.future, got_result, &fv) < 0)
		rc = fail(d->cli, "add_done_callback", errno, NULL);
	else if ((rc = demo_run(d)) == 0 &&
		 loop_run_until_complete(d->loop,
					 loop_task_future(fv.task)) < 0)
		rc = fail(d->cli, "run_until_complete", errno, NULL);
	return finish_slow_operation(d, &op, fv.task, rc);
}

/* ---- parallel ---- */

struct factorial {
	const struct demo_ctx *d;
	const char *name;
	long number;
};

static void *
factorial(struct loop_task *t, void *arg)
{
	const struct factorial *fa = arg;
	long f = 1, i;

	for (i = 2; i <= fa->number; i++) {
		printf("Task %s: Compute factorial(%ld)...\n", fa->name, i);
		fflush(stdout);
		if (loop_sleep(t, fa->d->interval) < 0)
			return raise_errno(t, "sleep");
		f *= i;
	}
	printf("Task %s: factorial(%ld) = %ld\n", fa->name, fa->number, f);
	fflush(stdout);
	return NULL;
}

#define NFACT	3

/* The main task: gather the three, as loop.run_until_complete(wait()). */
static void *
gather_all(struct loop_task *t, void *arg)
{
	struct loop_future **fs = arg;

	if (loop_gather(t, fs, NFACT, NULL) < 0)
		return raise_errno(t, "gather");
	return NULL;
}

static int
demo_parallel(struct demo_ctx *d)
{
	const struct factorial fa[NFACT] = {
		{ d, "A", 2 }, { d, "B", 3 }, { d, "C", 4 },
	};
	struct loop_future *fs[NFACT];
	struct loop_task *ts[NFACT];
	size_t i, n;
	int rc;

	for (n = 0; n < NFACT; n++) {
		ts[n] = loop_task_new(d->loop, fa[n].name, factorial,
				      (void *)&fa[n], 0);
		if (ts[n] == NULL)
			break;
		fs[n] = loop_task_future(ts[n]);
	}
	if (n < NFACT)
		rc = fail(d->cli, "task", errno, stack_hint);
	else
		rc = run_task(d, "gather", gather_all, fs);
	/* After a failure, tasks may be pending: cancel them, let them end. */
	for (i = 0; i < n; i++)
		loop_task_cancel(ts[i]);
	for (i = 0; i < n; i++) {
		if (!loop_future_done(fs[i]))
			loop_run_until_complete(d->loop, fs[i]);
		loop_future_exception(fs[i]);
		loop_future_release(fs[i]);
	}
	return rc;
}

const struct loop_demo loop_demos_task[] = {
	{ "hello-coro", "a task prints Hello World! and ends: "
	  "run_until_complete", demo_hello_coro, 0 },
	{ "clock-coro", "a task prints the date and sleeps, five times",
	  demo_clock_coro, DEMO_INTERVAL },
	{ "chain", "print_sum awaits compute, which sleeps: a chain of "
	  "coroutines", demo_chain, DEMO_INTERVAL },
	{ "future-until-complete", "a task sets a future's result; "
	  "run_until_complete waits for it", demo_future_until_complete,
	  DEMO_INTERVAL },
	{ "future-forever", "a future's done-callback prints its result and "
	  "stops run_forever", demo_future_forever, DEMO_INTERVAL },
	{ "parallel", "three factorial tasks interleave at each sleep",
	  demo_parallel, DEMO_INTERVAL },
	{ NULL, NULL, NULL, 0 },
};
