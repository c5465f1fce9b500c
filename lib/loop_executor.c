/*
 * loop_executor.c - asyncio's run_in_executor on its default
 * ThreadPoolExecutor: a pool of worker threads that run blocking jobs
 * while the loop goes on, and an eventfd(2) through which they say that
 * a job has finished; see loop.h.
 *
 * Why threads at all: a backend waits for sockets and pipes, but a
 * regular file is always "ready" (epoll refuses one with EPERM), so a
 * read(2) from a disk blocks the loop however the fd is set; so does a
 * long computation.  asyncio hands both to a thread pool and awaits a
 * future; so does this file.
 *
 * The path of one job, and which thread takes each step:
 *
 *	loop thread	loop_run_in_executor(): a future and a job; the job
 *			joins the queue (under the mutex); a worker is
 *			woken, or started if the jobs waiting outnumber the
 *			idle workers and the pool is not full
 *	worker		takes the job off the queue, runs fn(arg, &err)
 *			with no lock held, puts the job on the completed
 *			list, and, if the list was empty, adds 1 to the
 *			eventfd's counter (eventfd_write(3))
 *	kernel		the eventfd turns readable; the loop's wait returns
 *	loop thread	the eventfd's reader (drain()) resets the counter,
 *			takes the whole completed list, and ends each
 *			future with its job's result or exception
 *
 * Futures are not thread-safe, and need not be: a worker never touches
 * one.  Everything the workers share with the loop thread (the queue,
 * the completed list, the counts of idle workers and the stop flag) is
 * behind one mutex; the loop thread alone starts and joins threads and
 * owns the futures.
 *
 * Only the first completion of a batch writes to the eventfd: while the
 * list is not empty, the loop has been woken and has not yet taken it,
 * so later completions ride along (libuv's uv_async_send coalesces the
 * same way).  drain() reads the counter before it takes the list, never
 * after, so a completion that comes in between is either in the list it
 * takes or wakes the loop once more: none is ever left unseen.
 *
 * The eventfd is watched (a reader) only while jobs are pending, so an
 * idle executor does not keep loop_close() from succeeding, and a busy
 * one does (EBUSY: its fd is still registered).
 *
 * Tracing from worker threads: lib/trace.c is thread-safe (one mutex
 * covers numbering, formatting and writing, so lines never interleave)
 * and --inject counts with atomics, so workers make traced calls: the
 * eventfd_write that wakes the loop, and whatever the job itself calls
 * (the demo's open and read).  They also emit `executor` events for
 * start and done.  trace_on and sys_watch are set before the first
 * worker starts; while workers run, only a failing trace sink changes
 * trace_on (to 0, under the trace lock), and a worker that reads the old
 * value just emits one event the trace then drops.  Under --step, a
 * worker that reaches a gate holds the trace lock, so the whole process
 * pauses with it.
 *
 * Workers start with every signal blocked (pthread_attr_setsigmask_np),
 * so that signals reach the loop thread: signalfd(2) sees a signal only
 * while every thread blocks it, and a self-pipe handler must run where
 * the loop can hear it.
 */
#include "loop_impl.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "sys.h"
#include "trace.h"

enum job_state {
	JOB_QUEUED,		/* on the queue, not started */
	JOB_RUNNING,		/* a worker runs it now */
	JOB_DONE,		/* on the completed list */
};

struct job {
	struct loop_executor *ex;
	const char *name;
	loop_job_fn fn;
	void *arg;
	struct loop_future *f;	/* one reference, until drained */
	void *result;		/* set by the worker */
	int err;		/* set by fn: 0, or the exception's code */
	int worker;		/* which worker ran it, from 1 */
	enum job_state state;	/* under the mutex */
	struct job *next;	/* queue or completed list */
};

/* What one worker thread gets: its pool and its number. */
struct worker {
	struct loop_executor *ex;
	int id;
};

struct loop_executor {
	struct loop *loop;
	pthread_mutex_t lock;	/* covers the fields down to `stopping` */
	pthread_cond_t work;	/* a job was queued, or stop */
	struct job *queue, *queue_tail;
	size_t nqueued;
	struct job *done, *done_tail;
	int idle;		/* workers waiting on `work` */
	int stopping;		/* finish the queue, then exit */

	/* The loop thread's alone (but see efd). */
	pthread_t threads[LOOP_EXECUTOR_MAX_WORKERS];
	struct worker workers[LOOP_EXECUTOR_MAX_WORKERS];
	int nthreads;
	int max_workers;
	int efd;		/* the eventfd, or -1; workers write to it: it
				   is set before the first starts, closed
				   after the last is joined */
	size_t pending;		/* submitted, not yet drained or removed */
	int shut;		/* shutdown_default_executor was called */
};

/*
 * An `executor` trace event: what happened to job j (or NULL: to the
 * pool), on which worker (0: none), and why it matters, in a few words.
 * Workers call it too: it reads nothing the loop thread writes.
 */
static void
exec_trace(const char *what, const struct job *j, int worker,
	   const char *why)
{
	struct trace_arg a[] = {
		TARG_S("what", what), TARG_S("name", j != NULL ? j->name : ""),
		TARG_I("worker", worker),
	};
	char note[240];

	if (j != NULL && worker > 0)
		snprintf(note, sizeof(note), "job %s, worker %d: %s",
			 j->name, worker, why);
	else if (j != NULL)
		snprintf(note, sizeof(note), "job %s: %s", j->name, why);
	else
		snprintf(note, sizeof(note), "worker %d: %s", worker, why);
	trace_event("executor", note, a, 3);
}

/*
 * The default pool size, as Python's ThreadPoolExecutor (3.8 and later):
 * min(32, CPUs + 4), enough for I/O-bound jobs without one thread per
 * job.
 */
static int
default_workers(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (cpus < 1)
		cpus = 1;
	return cpus + 4 < LOOP_EXECUTOR_MAX_WORKERS ? (int)cpus + 4 :
	       LOOP_EXECUTOR_MAX_WORKERS;
}

/* ---- the worker threads ---- */

/*
 * Take the completed job j to the loop: put it on the list, and wake
 * the loop if the list was empty (see the top of this file).
 */
static void
complete(struct loop_executor *ex, struct job *j)
{
	int wake;

	pthread_mutex_lock(&ex->lock);
	j->state = JOB_DONE;
	j->next = NULL;
	wake = ex->done == NULL;
	if (ex->done_tail != NULL)
		ex->done_tail->next = j;
	else
		ex->done = j;
	ex->done_tail = j;
	pthread_mutex_unlock(&ex->lock);
	/*
	 * A write to a non-blocking eventfd never blocks, so never fails
	 * with EINTR; it fails only when the counter would pass 2^64 - 2
	 * (EAGAIN), which one write per batch never reaches.
	 */
	if (wake)
		sys_eventfd_write(ex->efd, 1);
}

/* A worker: take jobs until told to stop and the queue is empty. */
static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct loop_executor *ex = w->ex;
	struct job *j;

	pthread_mutex_lock(&ex->lock);
	for (;;) {
		while (ex->queue == NULL && !ex->stopping) {
			ex->idle++;
			pthread_cond_wait(&ex->work, &ex->lock);
			ex->idle--;
		}
		if ((j = ex->queue) == NULL)
			break;		/* stopping, and nothing is left */
		if ((ex->queue = j->next) == NULL)
			ex->queue_tail = NULL;
		ex->nqueued--;
		j->state = JOB_RUNNING;
		j->worker = w->id;
		pthread_mutex_unlock(&ex->lock);

		if (trace_on)
			exec_trace("start", j, w->id, "runs on this thread, "
				   "with no lock held; the loop goes on");
		j->result = j->fn(j->arg, &j->err);
		if (trace_on)
			exec_trace(j->err != 0 ? "exception" : "done", j,
				   w->id, "finished; the loop resolves its "
				   "future");
		complete(ex, j);
		pthread_mutex_lock(&ex->lock);
	}
	pthread_mutex_unlock(&ex->lock);
	return NULL;
}

/*
 * Start one more worker, every signal blocked from its first
 * instruction on (blocking them in the thread itself would leave a
 * window).  Returns 0, or -1 with errno: pthread_create's (EAGAIN: no
 * more threads) or ENOMEM.
 */
static int
start_worker(struct loop_executor *ex)
{
	struct worker *w = &ex->workers[ex->nthreads];
	pthread_attr_t attr;
	sigset_t all;
	int err;

	w->ex = ex;
	w->id = ex->nthreads + 1;
	sigfillset(&all);
	if ((err = pthread_attr_init(&attr)) != 0)
		return errno = err, -1;
	err = pthread_attr_setsigmask_np(&attr, &all);
	if (err == 0)
		err = sys_pthread_create(&ex->threads[ex->nthreads], &attr,
					 worker_main, w);
	pthread_attr_destroy(&attr);
	if (err != 0)
		return errno = err, -1;
	ex->nthreads++;
	if (trace_on)
		exec_trace("thread", NULL, w->id, "started: the jobs waiting "
			   "outnumbered the idle workers");
	return 0;
}

/* ---- the loop thread: completions and cancels ---- */

static void job_cancelled(struct loop_future *f, void *arg);

/*
 * The loop thread has done with j: forget our done-callback, drop our
 * reference on its future and free it; the last pending job stops the
 * watch on the eventfd.
 */
static void
job_free(struct job *j)
{
	struct loop_executor *ex = j->ex;

	loop_future_remove_done_callback(j->f, job_cancelled, j);
	loop_future_release(j->f);
	free(j);
	if (--ex->pending == 0)
		loop_remove_reader(ex->loop, ex->efd);
}

/*
 * End j's future with what the job returned; a future that ended
 * already (cancelled while the job ran) drops it, as concurrent.futures
 * does.
 */
static void
resolve(struct job *j)
{
	struct loop_future *f = j->f;

	/* Ours is only for a cancel: unlink it before f ends. */
	loop_future_remove_done_callback(f, job_cancelled, j);
	if (loop_future_done(f)) {
		if (trace_on)
			exec_trace("drop", j, j->worker, "its future was "
				   "cancelled while it ran: the result is "
				   "dropped");
	} else if (j->err != 0) {
		loop_future_set_exception(f, j->err, j->name);
	} else {
		loop_future_set_result(f, j->result);
	}
	job_free(j);
}

/* Take the whole completed list and resolve each job, in order. */
static void
drain_list(struct loop_executor *ex)
{
	struct job *j, *next;

	pthread_mutex_lock(&ex->lock);
	j = ex->done;
	ex->done = ex->done_tail = NULL;
	pthread_mutex_unlock(&ex->lock);
	for (; j != NULL; j = next) {
		next = j->next;
		resolve(j);
	}
}

/*
 * The eventfd's reader: reset the counter first, then take the list
 * (see the top of this file).  EAGAIN (the counter was 0) is no matter:
 * the list is taken all the same.
 */
static void
drain(struct loop *l, int fd, void *arg)
{
	eventfd_t n;

	sys_eventfd_read(fd, &n);
	drain_list(arg);
}

/* Take j off the queue if it is still there; the caller holds the lock. */
static int
unqueue(struct loop_executor *ex, struct job *j)
{
	struct job **pp, *prev = NULL;

	if (j->state != JOB_QUEUED)
		return 0;
	for (pp = &ex->queue; *pp != j; pp = &(*pp)->next)
		prev = *pp;
	*pp = j->next;
	if (ex->queue_tail == j)
		ex->queue_tail = prev;
	ex->nqueued--;
	return 1;
}

/*
 * A future of ours ended before its job did: it was cancelled (or, by
 * mistake, ended by someone else).  A job still queued leaves the queue
 * and never runs; a running one runs to completion and resolve() drops
 * its result.  Runs on the loop thread, as every done-callback does.
 */
static void
job_cancelled(struct loop_future *f, void *arg)
{
	struct job *j = arg;
	struct loop_executor *ex = j->ex;
	int queued;

	pthread_mutex_lock(&ex->lock);
	queued = unqueue(ex, j);
	pthread_mutex_unlock(&ex->lock);
	if (trace_on)
		exec_trace("cancel", j, queued ? 0 : j->worker, queued ?
			   "cancelled before it started: it leaves the "
			   "queue and never runs" : "cancelled while it "
			   "runs: it runs on, and its result will be "
			   "dropped");
	if (queued)
		job_free(j);
}

/* ---- the loop thread: the pool ---- */

/* The loop's executor, made on first use.  NULL with errno ENOMEM. */
static struct loop_executor *
executor_get(struct loop *l)
{
	struct loop_executor *ex = l->executor;

	if (ex != NULL)
		return ex;
	if ((ex = calloc(1, sizeof(*ex))) == NULL)
		return NULL;
	pthread_mutex_init(&ex->lock, NULL);
	pthread_cond_init(&ex->work, NULL);
	ex->loop = l;
	ex->efd = -1;
	ex->max_workers = default_workers();
	l->executor = ex;
	return ex;
}

int
loop_set_default_executor(struct loop *l, int max_workers)
{
	struct loop_executor *ex;

	if (max_workers < 1 || max_workers > LOOP_EXECUTOR_MAX_WORKERS)
		return errno = EINVAL, -1;
	if (l->executor != NULL && (l->executor->nthreads > 0 ||
				    l->executor->shut))
		return errno = EBUSY, -1;
	if ((ex = executor_get(l)) == NULL)
		return -1;
	ex->max_workers = max_workers;
	return 0;
}

int
loop_executor_max_workers(const struct loop *l)
{
	return l->executor != NULL ? l->executor->max_workers :
	       default_workers();
}

int
loop_executor_workers(const struct loop *l)
{
	return l->executor != NULL ? l->executor->nthreads : 0;
}

/*
 * Queue j and wake a worker, or start one.  Returns 0, or -1 with errno:
 * EAGAIN when the queue is full, or pthread_create's when no worker
 * exists to run j (j is then off the queue again).
 */
static int
submit(struct loop_executor *ex, struct job *j)
{
	int spawn, err;

	pthread_mutex_lock(&ex->lock);
	if (ex->nqueued >= LOOP_EXECUTOR_QUEUE_MAX) {
		pthread_mutex_unlock(&ex->lock);
		return errno = EAGAIN, -1;
	}
	j->state = JOB_QUEUED;
	if (ex->queue_tail != NULL)
		ex->queue_tail->next = j;
	else
		ex->queue = j;
	ex->queue_tail = j;
	ex->nqueued++;
	/* A thread only when the jobs waiting outnumber the idle workers. */
	spawn = ex->nqueued > (size_t)ex->idle &&
		ex->nthreads < ex->max_workers;
	pthread_cond_signal(&ex->work);
	pthread_mutex_unlock(&ex->lock);
	if (trace_on)
		exec_trace("submit", j, 0, "queued for the pool");
	if (!spawn || start_worker(ex) == 0 || ex->nthreads > 0)
		return 0;	/* the workers there are will get to it */
	err = errno;
	pthread_mutex_lock(&ex->lock);
	unqueue(ex, j);
	pthread_mutex_unlock(&ex->lock);
	return errno = err, -1;
}

struct loop_future *
loop_run_in_executor(struct loop *l, const char *name, loop_job_fn fn,
		     void *arg)
{
	struct loop_executor *ex;
	struct loop_future *f;
	struct job *j;
	int err;

	if (l->executor != NULL && l->executor->shut)
		return errno = ESHUTDOWN, NULL;
	if ((ex = executor_get(l)) == NULL)
		return NULL;
	/* see eventfd(2): a counter, readable while it is not 0 */
	if (ex->efd < 0 &&
	    (ex->efd = sys_eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
		return NULL;
	if ((f = loop_future_new(l, name)) == NULL)
		return NULL;
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    future_add_cb(f, "executor", job_cancelled, j) < 0)
		goto fail;
	/* Watch the eventfd only while some job is pending. */
	if (ex->pending == 0 &&
	    loop_add_reader(l, ex->efd, "executor", drain, ex) < 0)
		goto fail;
	j->ex = ex;
	j->name = name;
	j->fn = fn;
	j->arg = arg;
	j->f = loop_future_ref(f);	/* the job's own; the caller's is f */
	ex->pending++;
	if (submit(ex, j) < 0) {
		err = errno;
		job_free(j);
		loop_future_release(f);
		errno = err;
		return NULL;
	}
	return f;

fail:
	err = errno;
	if (j != NULL)
		loop_future_remove_done_callback(f, job_cancelled, j);
	free(j);
	loop_future_release(f);
	errno = err;
	return NULL;
}

/*
 * Tell every worker to stop once the queue is empty, and join them all.
 * Blocks the loop thread until every queued and running job has run.
 */
static void
join_workers(struct loop_executor *ex)
{
	int i;

	pthread_mutex_lock(&ex->lock);
	ex->stopping = 1;
	pthread_cond_broadcast(&ex->work);
	pthread_mutex_unlock(&ex->lock);
	for (i = 0; i < ex->nthreads; i++) {
		sys_pthread_join(ex->threads[i], NULL);
		if (trace_on)
			exec_trace("join", NULL, i + 1, "ended and joined");
	}
	ex->nthreads = 0;
}

int
loop_shutdown_default_executor(struct loop *l)
{
	struct loop_executor *ex = executor_get(l);

	if (ex == NULL)
		return -1;
	if (!ex->shut) {
		join_workers(ex);
		drain_list(ex);
		ex->shut = 1;
	}
	return 0;
}

void
loop_executor_clear(struct loop *l)
{
	struct loop_executor *ex = l->executor;
	struct job *j, *next;

	if (ex == NULL)
		return;
	/* Jobs not started never will be. */
	pthread_mutex_lock(&ex->lock);
	j = ex->queue;
	ex->queue = ex->queue_tail = NULL;
	ex->nqueued = 0;
	pthread_mutex_unlock(&ex->lock);
	join_workers(ex);
	for (; j != NULL; j = next) {
		next = j->next;
		job_free(j);
	}
	/* Jobs that ran: their results are dropped. */
	for (j = ex->done; j != NULL; j = next) {
		next = j->next;
		job_free(j);
	}
	if (ex->efd >= 0)
		sys_close(ex->efd);
	pthread_cond_destroy(&ex->work);
	pthread_mutex_destroy(&ex->lock);
	free(ex);
	l->executor = NULL;
}
