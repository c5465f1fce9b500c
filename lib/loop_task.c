/*
 * loop_task.c - tasks as stackful coroutines, and the await helpers:
 * sleep, await a future, gather, wait_for; see loop.h.
 *
 * A task is a function with its own stack.  The loop "steps" it by
 * switching to that stack with swapcontext(3); the task runs until it
 * awaits a future that is not done, which adds a done-callback (wakeup)
 * to the future and switches back.  When the future ends, wakeup steps
 * the task again and the await returns.  This is asyncio's Task.__step
 * and Task.__wakeup, with a stack switch where Python resumes a
 * generator.  Because each task has a real stack, an await can happen
 * any number of calls deep (chain's compute() is an ordinary function).
 *
 * Cancelling a task cancels the future it awaits; the wakeup that
 * follows makes the await return ECANCELED, and the task's own code
 * unwinds: every frame frees what it holds and returns.  Nothing jumps
 * across frames.
 *
 * Stacks: mmap(2) a region one page larger than the stack and make its
 * lowest page PROT_NONE with mprotect(2).  Stacks grow down on every
 * architecture Linux runs this on, so an overflow touches the guard page
 * and faults, instead of silently writing into whatever lies below.
 *
 * The loop keeps a list of the tasks that have not ended, for
 * loop_destroy(): a task suspended in an await holds its stack and a
 * reference to itself, and neither would ever be freed if the task were
 * simply forgotten.
 *
 * With tracing on, each task emits `task` events: create, step, await
 * (with what it awaits), cancel, done.
 */
#include "loop_impl.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include <sys/mman.h>

#include "sys.h"
#include "trace.h"

struct loop_task {
	struct loop_future fut;		/* first: a task is a future */
	loop_task_fn fn;
	void *arg;
	void *ret;			/* what fn returned */
	ucontext_t ctx;			/* the task's own registers */
	ucontext_t caller;		/* the loop's, while the task runs */
	char *map;			/* guard page + stack; NULL once ended */
	size_t map_len;
	struct loop_future *waiter;	/* what it awaits now, or NULL */
	int started, finished;
	int must_cancel;		/* cancel() came: deliver at an await */
	int cancel_delivered;		/* an await returned ECANCELED */
	int raised;			/* loop_task_raise() was called */
	int raise_err;
	char raise_msg[128];
	struct loop_task *prev, *next;	/* the loop's tasks not yet ended */
};

/* The task running now (tasks run one at a time, on one thread). */
static struct loop_task *current;

/* A `task` trace event: what happened to t (and what it awaits). */
static void
task_trace(const struct loop_task *t, const char *what, const char *on)
{
	struct trace_arg a[] = {
		TARG_S("what", what), TARG_S("name", t->fut.name),
		TARG_S("awaits", on),
	};
	char note[200];

	if (on != NULL)
		snprintf(note, sizeof(note), "task %s: %s %s, switching back "
			 "to the loop", t->fut.name, what, on);
	else
		snprintf(note, sizeof(note), "task %s: %s", t->fut.name, what);
	trace_event("task", note, a, 3);
}

/* The last reference to a task: its stack, if it never ended, then it. */
static void
task_destroy(struct loop_future *f)
{
	struct loop_task *t = (struct loop_task *)f;

	if (t->map != NULL)
		sys_munmap(t->map, t->map_len);
	free(t);
}

/*
 * The first frame on the task's stack.  makecontext(3) passes only int
 * arguments, so the task's address comes in two halves.  When fn
 * returns, the context in uc_link (the loop's, saved by the last
 * swapcontext into the task) resumes.
 */
static void
task_main(unsigned hi, unsigned lo)
{
	struct loop_task *t = (struct loop_task *)(((uintptr_t)hi << 16 << 16) |
						   (uintptr_t)lo);

	t->ret = t->fn(t, t->arg);
	t->finished = 1;
}

/* The task has ended: off the loop's list. */
static void
task_unlink(struct loop_task *t)
{
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		t->fut.loop->tasks = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	t->prev = t->next = NULL;
}

/* The task has returned (or never started): free its stack, end it. */
static void
task_finish(struct loop_task *t)
{
	t->finished = 1;
	task_unlink(t);
	sys_munmap(t->map, t->map_len);
	t->map = NULL;
	if (t->raised)
		future_end(&t->fut, FUT_ERROR, NULL, t->raise_err,
			   t->raise_msg);
	else if (t->cancel_delivered || !t->started)
		future_end(&t->fut, FUT_CANCELLED, NULL, ECANCELED, NULL);
	else
		future_end(&t->fut, FUT_RESULT, t->ret, 0, NULL);
	if (trace_on)
		task_trace(t, t->fut.state == FUT_CANCELLED ? "done, cancelled"
			   : "done", NULL);
	loop_future_release(&t->fut);	/* the task's hold on itself */
}

/* Run t until it awaits or returns; the loop's stack is saved in caller. */
static void
task_step(struct loop *l, void *arg)
{
	struct loop_task *t = arg;

	if (t->finished)
		return;
	if (!t->started && t->must_cancel) {
		task_finish(t);
		return;
	}
	t->started = 1;
	if (trace_on)
		task_trace(t, "step", NULL);
	current = t;
	swapcontext(&t->caller, &t->ctx);
	current = NULL;
	if (t->finished)
		task_finish(t);
}

/* The done-callback an await puts on its future. */
static void
wakeup(struct loop_future *f, void *arg)
{
	struct loop_task *t = arg;

	task_step(t->fut.loop, t);
}

/*
 * The task's first context: its stack above the guard page, task_main
 * as its entry, and the loop's context to return to (see getcontext(3)
 * and makecontext(3)).  Returns 0, or -1 with getcontext's errno.  Kept
 * apart because getcontext returns twice, as setjmp does.
 */
static int
task_context(struct loop_task *t, size_t page)
{
	uintptr_t p = (uintptr_t)t;

	if (getcontext(&t->ctx) < 0)
		return -1;
	t->ctx.uc_stack.ss_sp = t->map + page;
	t->ctx.uc_stack.ss_size = t->map_len - page;
	t->ctx.uc_link = &t->caller;
	makecontext(&t->ctx, (void (*)(void))task_main, 2,
		    (unsigned)(p >> 16 >> 16), (unsigned)(p & 0xffffffffu));
	return 0;
}

struct loop_task *
loop_task_new(struct loop *l, const char *name, loop_task_fn fn, void *arg,
	      size_t stack_size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct loop_task *t = calloc(1, sizeof(*t));
	int err;

	if (t == NULL)
		return NULL;
	future_init(&t->fut, l, name);
	t->fut.destroy = task_destroy;
	t->fn = fn;
	t->arg = arg;
	stack_size = stack_size ? stack_size : LOOP_TASK_STACK;
	t->map_len = page + (stack_size + page - 1) / page * page;
	t->map = sys_mmap(NULL, t->map_len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (t->map == MAP_FAILED) {
		err = errno;
		free(t);
		return errno = err, NULL;
	}
	/* The lowest page is the guard: stacks grow down into it. */
	if (sys_mprotect(t->map, page, PROT_NONE) < 0 ||
	    task_context(t, page) < 0 ||
	    loop_call_soon(l, name, task_step, t) == NULL)
		goto fail;
	t->fut.refs++;		/* the task holds itself until it ends */
	t->next = l->tasks;
	if (l->tasks != NULL)
		l->tasks->prev = t;
	l->tasks = t;
	if (trace_on)
		task_trace(t, "create", NULL);
	return t;
fail:
	err = errno;
	sys_munmap(t->map, t->map_len);
	free(t);
	return errno = err, NULL;
}

struct loop_future *
loop_task_future(struct loop_task *t)
{
	return &t->fut;
}

struct loop *
loop_task_loop(const struct loop_task *t)
{
	return t->fut.loop;
}

int
loop_task_cancel(struct loop_task *t)
{
	if (t->finished || t->fut.state != FUT_PENDING)
		return 0;
	if (trace_on)
		task_trace(t, "cancel requested", NULL);
	t->must_cancel = 1;
	if (t->waiter != NULL)
		loop_future_cancel(t->waiter);
	return 1;
}

void
loop_task_raise(struct loop_task *t, int err, const char *msg)
{
	t->raised = 1;
	t->raise_err = err;
	snprintf(t->raise_msg, sizeof(t->raise_msg), "%s",
		 msg != NULL ? msg : "");
}

/* A cancel came: the await that sees it returns ECANCELED. */
static int
deliver_cancel(struct loop_task *t)
{
	t->must_cancel = 0;
	t->cancel_delivered = 1;
	if (trace_on)
		task_trace(t, "cancelled: await returns ECANCELED", NULL);
	return errno = ECANCELED, -1;
}

int
loop_await(struct loop_task *t, struct loop_future *f, void **result)
{
	if (current != t)
		return errno = EINVAL, -1;
	if (t->must_cancel)
		return deliver_cancel(t);
	if (f->state == FUT_PENDING) {
		if (future_add_cb(f, "wakeup", wakeup, t) < 0)
			return -1;
		t->waiter = f;
		if (trace_on)
			task_trace(t, "await", f->name);
		swapcontext(&t->ctx, &t->caller);
		t->waiter = NULL;
		if (t->must_cancel)
			return deliver_cancel(t);
	}
	return loop_future_result(f, result);
}

/* sleep: the timer and the future it ends. */
struct sleeper {
	struct loop_future *fut;
	int fired;
};

static void
sleep_done(struct loop *l, void *arg)
{
	struct sleeper *s = arg;

	s->fired = 1;
	loop_future_set_result(s->fut, NULL);
}

int
loop_sleep(struct loop_task *t, double seconds)
{
	struct sleeper s = { 0 };
	struct loop_handle *h;
	int rc, err;

	if ((s.fut = loop_future_new(t->fut.loop, "sleep")) == NULL)
		return -1;
	h = loop_call_later(t->fut.loop, seconds, "sleep", sleep_done, &s);
	if (h == NULL) {
		err = errno;
		loop_future_release(s.fut);
		return errno = err, -1;
	}
	rc = loop_await(t, s.fut, NULL);
	err = errno;
	if (!s.fired)
		loop_cancel(t->fut.loop, h);	/* cancelled: drop the timer */
	loop_future_release(s.fut);
	errno = err;
	return rc;
}

/* gather: the future the task awaits, and the children still pending. */
struct gathering {
	struct loop_future *outer;
	size_t left;
};

/*
 * A child ended.  The first exception (a cancelled child counts as
 * ECANCELED) ends the outer future; the other children go on.
 */
static void
gather_child(struct loop_future *f, void *arg)
{
	struct gathering *g = arg;
	int err;

	if (g->outer->state != FUT_PENDING)
		return;
	if ((err = loop_future_exception(f)) != 0)
		loop_future_set_exception(g->outer, err, f->msg);
	else if (--g->left == 0)
		loop_future_set_result(g->outer, NULL);
}

int
loop_gather(struct loop_task *t, struct loop_future *const *fs, size_t n,
	    void **results)
{
	struct gathering g = { .left = n };
	int was_cancelled = t->cancel_delivered, rc = -1, err = ENOMEM;
	size_t i, added;

	if (n == 0)
		return 0;
	if ((g.outer = loop_future_new(t->fut.loop, "gather")) == NULL)
		return -1;
	for (added = 0; added < n; added++)
		if (future_add_cb(fs[added], "gather", gather_child, &g) < 0)
			break;
	if (added == n) {
		rc = loop_await(t, g.outer, NULL);
		err = errno;
	}
	/* Cancelling the gatherer cancels every child, as asyncio's. */
	if (rc < 0 && err == ECANCELED && t->cancel_delivered > was_cancelled)
		for (i = 0; i < n; i++)
			loop_future_cancel(fs[i]);
	/* g lives on this stack: no child may call back into it later. */
	for (i = 0; i < added; i++)
		loop_future_remove_done_callback(fs[i], gather_child, &g);
	for (i = 0; rc == 0 && results != NULL && i < n; i++)
		loop_future_result(fs[i], &results[i]);
	loop_future_release(g.outer);
	if (rc < 0)
		errno = err;
	return rc;
}

/* wait_for: the future awaited, and whether the time ran out. */
struct waiting {
	struct loop_future *f;
	int fired;
};

static void
wait_timeout(struct loop *l, void *arg)
{
	struct waiting *w = arg;

	w->fired = 1;
	loop_future_cancel(w->f);
}

int
loop_wait_for(struct loop_task *t, struct loop_future *f, double timeout,
	      void **result)
{
	struct waiting w = { .f = f };
	int was_cancelled = t->cancel_delivered, rc, err;
	struct loop_handle *h;

	h = loop_call_later(t->fut.loop, timeout, "wait_for timeout",
			    wait_timeout, &w);
	if (h == NULL)
		return -1;
	rc = loop_await(t, f, result);
	err = errno;
	if (!w.fired)
		loop_cancel(t->fut.loop, h);
	if (rc < 0 && err == ECANCELED && w.fired &&
	    t->cancel_delivered == was_cancelled)
		err = ETIMEDOUT;
	if (rc < 0)
		errno = err;
	return rc;
}

/*
 * loop_destroy(): end every task that has not ended, without running it
 * again.  destroy is for error paths, where the caller may already have
 * freed what a task's frames point at, so no task code may run here (as
 * no other callback does).  Each task's wakeup leaves the future it
 * awaits, its stack is unmapped, and it ends cancelled, which drops its
 * hold on itself.  What its frames hold (a sleep's future, a gather's)
 * is lost: to close cleanly, cancel the tasks and run the loop until
 * they have ended, as asyncio.run() does.
 */
void
loop_tasks_clear(struct loop *l)
{
	struct loop_task *t;

	while ((t = l->tasks) != NULL) {
		if (t->waiter != NULL)
			loop_future_remove_done_callback(t->waiter, wakeup, t);
		t->waiter = NULL;
		if (trace_on)
			task_trace(t, "dropped by loop_destroy", NULL);
		t->cancel_delivered = 1;
		task_finish(t);		/* unlinks t, may free it */
	}
}
