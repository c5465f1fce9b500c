/*
 * demo_sync.c - the primitives of `ipc loop demo`: the asyncio chapter's
 * synchronisation primitives and queues, each a small program of tasks
 * in the spirit of the Python documentation's examples (the group's
 * first demo, executor, lives in demo_exec.c):
 *
 *	lock		three workers take turns in a critical section, in
 *			the order they asked (the lock is fair)
 *	event		a waiter blocks until the main task sets the event
 *	condition	consumers wait on a condition; the producer wakes
 *			one with notify(1), then the rest with notify_all
 *	semaphore	five workers, at most two inside at once; the
 *			BoundedSemaphore then refuses one release too many
 *	queue		workers take jobs from a bounded queue (put waits
 *			while it is full); join, then cancel the workers
 *
 * Each demo is a main task that starts the others, gathers them and
 * releases everything; the loop ends when the main task does.  Every
 * sleep is a fraction of --interval (default 1 s), so each demo ends
 * within about two intervals.
 */
#include <errno.h>
#include <stdio.h>

#include "loop_cmd.h"

/* The most workers a demo starts. */
#define WORKERS	5

/* A task a demo starts: its name and its body. */
struct role {
	const char *name;
	loop_task_fn fn;
};

/* What each started task gets: the demo's shared state and its number. */
struct worker {
	void *shared;
	int id;
};

/* The tasks a main task started. */
struct crew {
	struct worker w[WORKERS];
	struct loop_task *ts[WORKERS];
	struct loop_future *fs[WORKERS];
	int n;
};

/* A task failed: its exception says what failed. */
static void *
raise_errno(struct loop_task *t, const char *what)
{
	loop_task_raise(t, errno, what);
	return NULL;
}

/* One line on stdout, now (the order of lines is the demo). */
static void
say(const char *fmt, int id)
{
	printf(fmt, id);
	fflush(stdout);
}

/*
 * From main task t: start n tasks, one per role, each numbered from 1.
 * Returns 0, or -1 with errno (loop_task_new's); those started are in c
 * either way, for end_crew().
 */
static int
start_crew(struct loop_task *t, struct crew *c, const struct role *roles,
	   int n, void *shared)
{
	for (c->n = 0; c->n < n; c->n++) {
		c->w[c->n] = (struct worker){ shared, c->n + 1 };
		c->ts[c->n] = loop_task_new(loop_task_loop(t),
					    roles[c->n].name, roles[c->n].fn,
					    &c->w[c->n], 0);
		if (c->ts[c->n] == NULL)
			return -1;
		c->fs[c->n] = loop_task_future(c->ts[c->n]);
	}
	return 0;
}

/*
 * Cancel whatever of c still runs, wait for every task to end (their
 * stacks hold the waiters' nodes), and release them.  errno is kept.
 */
static void
end_crew(struct loop_task *t, struct crew *c)
{
	int err = errno, i;

	for (i = 0; i < c->n; i++)
		loop_task_cancel(c->ts[i]);
	for (i = 0; i < c->n; i++) {
		while (!loop_future_done(c->fs[i]))
			loop_await(t, c->fs[i], NULL);
		loop_future_exception(c->fs[i]);
		loop_future_release(c->fs[i]);
	}
	errno = err;
}

/*
 * From main task t: start a task per role, gather them, end them.  The
 * first exception ends the gather and cancels the rest; t then raises
 * it, named by what failed in the worker ("task" when one could not
 * start).  Returns 0, or -1 after raising.
 */
static int
run_crew(struct loop_task *t, const struct role *roles, int n, void *shared)
{
	const char *what = "task";
	struct crew c;
	int i, err;

	if (start_crew(t, &c, roles, n, shared) == 0) {
		if (loop_gather(t, c.fs, (size_t)n, NULL) == 0) {
			end_crew(t, &c);
			return 0;
		}
		what = "gather";
		for (i = 0; i < c.n; i++)
			if (loop_future_done(c.fs[i]) &&
			    !loop_future_cancelled(c.fs[i]) &&
			    loop_future_message(c.fs[i])[0] != '\0') {
				what = loop_future_message(c.fs[i]);
				break;
			}
	}
	err = errno;
	loop_task_raise(t, err, what);	/* copies what before end_crew */
	end_crew(t, &c);
	return -1;
}

/* A demo whose main task only runs a crew: which roles, what they share. */
struct plan {
	const struct role *roles;
	int n;
	void *shared;
};

static void *
crew_main(struct loop_task *t, void *arg)
{
	const struct plan *p = arg;

	run_crew(t, p->roles, p->n, p->shared);
	return NULL;
}

/*
 * Run main_fn as the main task until it ends: run_until_complete().
 * Returns the exit status.
 */
static int
run_main(struct demo_ctx *d, const char *name, loop_task_fn main_fn,
	 void *arg)
{
	struct loop_task *t = loop_task_new(d->loop, name, main_fn, arg, 0);
	struct loop_future *f;
	int rc = 0;

	if (t == NULL)
		return fail(d->cli, "task", errno, "each task needs its own "
			    "stack: mmap(2) maps it, and mprotect(2) makes "
			    "the page below it a guard");
	f = loop_task_future(t);
	if (loop_run_until_complete(d->loop, f) < 0) {
		rc = fail(d->cli, "run_until_complete", errno, NULL);
		loop_task_cancel(t);
		loop_run_until_complete(d->loop, f);
	}
	if (rc == 0 && loop_future_result(f, NULL) < 0)
		rc = fail(d->cli, loop_future_message(f)[0] ?
			  loop_future_message(f) : loop_future_name(f), errno,
			  NULL);
	loop_future_exception(f);
	loop_future_release(f);
	return rc;
}

/* ---- lock ---- */

struct lock_demo {
	const struct demo_ctx *d;
	struct loop_lock *lock;
};

/* async with lock: the critical section, one worker at a time. */
static void *
lock_worker(struct loop_task *t, void *arg)
{
	const struct worker *w = arg;
	struct lock_demo *ld = w->shared;
	int rc;

	say("worker %d: waits for the lock\n", w->id);
	if (loop_lock_acquire(t, ld->lock) < 0)
		return raise_errno(t, "acquire");
	say("worker %d: has the lock\n", w->id);
	rc = loop_sleep(t, ld->d->interval / 2);
	say("worker %d: releases the lock\n", w->id);
	loop_lock_release(ld->lock);
	return rc < 0 ? raise_errno(t, "sleep") : NULL;
}

static int
demo_lock(struct demo_ctx *d)
{
	static const struct role roles[] = {
		{ "worker-1", lock_worker }, { "worker-2", lock_worker },
		{ "worker-3", lock_worker },
	};
	struct lock_demo ld = { d, loop_lock_new(d->loop, "lock") };
	struct plan p = { roles, 3, &ld };
	int rc;

	if (ld.lock == NULL)
		return fail(d->cli, "lock", errno, NULL);
	rc = run_main(d, "main", crew_main, &p);
	loop_lock_free(ld.lock);
	return rc;
}

/* ---- event ---- */

struct event_demo {
	const struct demo_ctx *d;
	struct loop_event *event;
};

static void *
event_waiter(struct loop_task *t, void *arg)
{
	const struct worker *w = arg;
	struct event_demo *ed = w->shared;

	say("waiter %d: waiting for it ...\n", w->id);
	if (loop_event_wait(t, ed->event) < 0)
		return raise_errno(t, "wait");
	say("waiter %d: ... got it!\n", w->id);
	return NULL;
}

/* The setter: sleep, then set the event every waiter waits for. */
static void *
event_setter(struct loop_task *t, void *arg)
{
	const struct worker *w = arg;
	struct event_demo *ed = w->shared;

	if (loop_sleep(t, ed->d->interval) < 0)
		return raise_errno(t, "sleep");
	fputs("setter: event.set()\n", stdout);
	fflush(stdout);
	loop_event_set(ed->event);
	return NULL;
}

static int
demo_event(struct demo_ctx *d)
{
	static const struct role roles[] = {
		{ "waiter-1", event_waiter }, { "waiter-2", event_waiter },
		{ "setter", event_setter },
	};
	struct event_demo ed = { d, loop_event_new(d->loop, "event") };
	struct plan p = { roles, 3, &ed };
	int rc;

	if (ed.event == NULL)
		return fail(d->cli, "event", errno, NULL);
	rc = run_main(d, "main", crew_main, &p);
	loop_event_free(ed.event);
	return rc;
}

/* ---- condition ---- */

struct cond_demo {
	const struct demo_ctx *d;
	struct loop_condition *cond;
};

/* async with cond: await cond.wait() */
static void *
cond_consumer(struct loop_task *t, void *arg)
{
	const struct worker *w = arg;
	struct cond_demo *cd = w->shared;
	struct loop_lock *lock = loop_condition_lock(cd->cond);
	int rc;

	if (loop_lock_acquire(t, lock) < 0)
		return raise_errno(t, "acquire");
	say("consumer %d: waits on the condition\n", w->id);
	rc = loop_condition_wait(t, cd->cond);
	if (rc == 0)
		say("consumer %d: notified, holds the lock again\n", w->id);
	loop_lock_release(lock);
	return rc < 0 ? raise_errno(t, "wait") : NULL;
}

/* Holding the lock, wake n consumers (n < 0: all of them). */
static int
notify(struct loop_task *t, struct loop_condition *c, int n)
{
	struct loop_lock *lock = loop_condition_lock(c);
	int woken;

	if (loop_lock_acquire(t, lock) < 0)
		return -1;
	woken = n < 0 ? loop_condition_notify_all(c) :
		loop_condition_notify(c, n);
	printf("producer: %s wakes %d\n", n < 0 ? "notify_all()" :
	       "notify(1)", woken);
	fflush(stdout);
	loop_lock_release(lock);
	return 0;
}

/* Let the consumers wait, notify one, then the others. */
static void *
cond_producer(struct loop_task *t, void *arg)
{
	const struct worker *w = arg;
	struct cond_demo *cd = w->shared;

	if (loop_sleep(t, cd->d->interval / 2) < 0 ||
	    notify(t, cd->cond, 1) < 0 ||
	    loop_sleep(t, cd->d->interval / 2) < 0 ||
	    notify(t, cd->cond, -1) < 0)
		return raise_errno(t, "producer");
	return NULL;
}

static int
demo_condition(struct demo_ctx *d)
{
	static const struct role roles[] = {
		{ "consumer-1", cond_consumer }, { "consumer-2", cond_consumer },
		{ "consumer-3", cond_consumer }, { "producer", cond_producer },
	};
	struct cond_demo cd = { d, loop_condition_new(d->loop, "condition",
						      NULL) };
	struct plan p = { roles, 4, &cd };
	int rc;

	if (cd.cond == NULL)
		return fail(d->cli, "condition", errno, NULL);
	rc = run_main(d, "main", crew_main, &p);
	loop_condition_free(cd.cond);
	return rc;
}

/* ---- semaphore ---- */

/* How many workers the semaphore lets in at once. */
#define PERMITS	2

struct sem_demo {
	const struct demo_ctx *d;
	struct loop_semaphore *sem;
	int inside;
};

/* async with sem: at most PERMITS workers between acquire and release. */
static void *
sem_worker(struct loop_task *t, void *arg)
{
	const struct worker *w = arg;
	struct sem_demo *sd = w->shared;
	int rc;

	if (loop_semaphore_acquire(t, sd->sem) < 0)
		return raise_errno(t, "acquire");
	printf("worker %d: in (%d of %d inside)\n", w->id, ++sd->inside,
	       PERMITS);
	fflush(stdout);
	rc = loop_sleep(t, sd->d->interval / 4);
	sd->inside--;
	say("worker %d: out\n", w->id);
	loop_semaphore_release(sd->sem);
	return rc < 0 ? raise_errno(t, "sleep") : NULL;
}

/* Run the five workers, then release once too often. */
static void *
sem_main(struct loop_task *t, void *arg)
{
	static const struct role roles[WORKERS] = {
		{ "worker-1", sem_worker }, { "worker-2", sem_worker },
		{ "worker-3", sem_worker }, { "worker-4", sem_worker },
		{ "worker-5", sem_worker },
	};
	struct sem_demo *sd = arg;

	if (run_crew(t, roles, WORKERS, sd) < 0)
		return NULL;
	if (loop_semaphore_release(sd->sem) == 0) {
		errno = EPROTO;
		return raise_errno(t, "BoundedSemaphore took a release too "
				   "many");
	}
	printf("main: one release too many: refused (%s, Python's "
	       "ValueError)\n", out_errname(errno));
	fflush(stdout);
	return NULL;
}

static int
demo_semaphore(struct demo_ctx *d)
{
	struct sem_demo sd = { d, loop_bounded_semaphore_new(d->loop,
			       "semaphore", PERMITS), 0 };
	int rc;

	if (sd.sem == NULL)
		return fail(d->cli, "semaphore", errno, NULL);
	rc = run_main(d, "main", sem_main, &sd);
	loop_semaphore_free(sd.sem);
	return rc;
}

/* ---- queue ---- */

/* The jobs, and the queue's bound (small, so that put waits). */
#define JOBS		6
#define QUEUE_MAX	2

struct queue_demo {
	const struct demo_ctx *d;
	struct loop_queue *q;
};

/* Take a job, sleep its length, mark it done; until cancelled. */
static void *
queue_worker(struct loop_task *t, void *arg)
{
	const struct worker *w = arg;
	struct queue_demo *qd = w->shared;
	void *item;
	int job;

	for (;;) {
		if (loop_queue_get(t, qd->q, &item) < 0)
			return errno == ECANCELED ? NULL :
			       raise_errno(t, "get");
		job = *(const int *)item;
		printf("worker %d: takes job %d\n", w->id, job);
		fflush(stdout);
		if (loop_sleep(t, qd->d->interval * (job % 3 + 1) / 10) < 0)
			return errno == ECANCELED ? NULL :
			       raise_errno(t, "sleep");
		printf("worker %d: job %d done\n", w->id, job);
		fflush(stdout);
		loop_queue_task_done(qd->q);
	}
}

/* Put every job (waiting while the queue is full), join, cancel. */
static void *
queue_main(struct loop_task *t, void *arg)
{
	static const struct role roles[] = {
		{ "worker-1", queue_worker }, { "worker-2", queue_worker },
		{ "worker-3", queue_worker },
	};
	static const int jobs[JOBS] = { 1, 2, 3, 4, 5, 6 };
	struct queue_demo *qd = arg;
	struct crew c;
	int i, rc = start_crew(t, &c, roles, 3, qd);
	const char *what = rc < 0 ? "task" : "put";

	for (i = 0; rc == 0 && i < JOBS; i++) {
		if (loop_queue_full(qd->q))
			say("main: the queue is full (%d jobs): put waits\n",
			    QUEUE_MAX);
		if ((rc = loop_queue_put(t, qd->q, (void *)&jobs[i])) == 0)
			say("main: put job %d\n", jobs[i]);
	}
	if (rc == 0) {
		say("main: join: waits for %d jobs to be done\n", JOBS);
		what = "join";
		rc = loop_queue_join(t, qd->q);
	}
	if (rc == 0)
		say("main: every job is done; cancels the %d workers\n", c.n);
	end_crew(t, &c);
	return rc < 0 ? raise_errno(t, what) : NULL;
}

static int
demo_queue(struct demo_ctx *d)
{
	struct queue_demo qd = { d, loop_queue_new(d->loop, "queue",
			LOOP_QUEUE_FIFO, QUEUE_MAX, NULL) };
	int rc;

	if (qd.q == NULL)
		return fail(d->cli, "queue", errno, NULL);
	rc = run_main(d, "main", queue_main, &qd);
	loop_queue_free(qd.q);
	return rc;
}

const struct loop_demo loop_demos_sync[] = {
	{ "executor", "a file read and a long sum run on worker threads "
	  "while the loop ticks", loop_demo_executor, 0 },
	{ "lock", "three workers take a Lock in turns, in the order they "
	  "asked", demo_lock, DEMO_INTERVAL },
	{ "event", "two waiters block until a task sets an Event",
	  demo_event, DEMO_INTERVAL },
	{ "condition", "consumers wait on a Condition: notify(1), then "
	  "notify_all()", demo_condition, DEMO_INTERVAL },
	{ "semaphore", "five workers, two at a time, through a "
	  "BoundedSemaphore", demo_semaphore, DEMO_INTERVAL },
	{ "queue", "workers take jobs from a bounded Queue; put waits, "
	  "join, cancel", demo_queue, DEMO_INTERVAL },
	{ NULL, NULL, NULL, 0 },
};
