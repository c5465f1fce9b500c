/*
 * demo_exec.c - `ipc loop demo executor`: the asyncio chapter's
 * run_in_executor example ("Executing code in thread or process pools"),
 * listed first among the primitives (demo_sync.c).
 *
 * Two jobs that would block the loop run on the default executor's
 * worker threads while a timer ticks every 50 ms on the loop thread:
 *
 *	blocking_io	reads 64 KiB of /dev/urandom.  A file is always
 *			"ready" to a backend (epoll refuses one with EPERM),
 *			so its read(2) cannot be waited for: it blocks,
 *			and a thread takes the blocking.
 *	cpu_bound	the sum of i*i for i < 10**8.  The chapter sums to
 *			10**7, which takes CPython about a second; C does
 *			that in some 40 ms, before the first tick, so the
 *			job here is ten times the chapter's.  The sum passes
 *			2**64, so it is kept in 128 bits (Python's ints
 *			never overflow; C's do, silently).
 *
 * Each result is printed by a done-callback of its future, on the loop
 * thread, as it arrives; every line says which thread did what
 * (gettid(2)).  The ticks go on meanwhile: the loop never waits for a
 * job.  The first tick after both results stops the loop, so at least
 * one tick is always printed; how many come before each result depends
 * on the machine.  Then shutdown_default_executor joins the workers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "clock.h"
#include "loop_cmd.h"
#include "sys.h"

/* What blocking_io reads, and how much. */
#define IO_PATH		"/dev/urandom"
#define IO_BYTES	(64 * 1024)
/* cpu_bound sums i*i for i below this. */
#define CPU_N		100000000ULL
/* Seconds between ticks. */
#define TICK		0.05

struct io_job {
	pid_t tid;		/* the worker's thread */
	size_t n;		/* bytes read */
};

struct cpu_job {
	pid_t tid;
	unsigned long long n;
	unsigned __int128 sum;
	long long ns;		/* how long the sum took */
};

struct exec_demo {
	struct demo_ctx *d;
	pid_t loop_tid;		/* the loop's thread: the main one */
	struct io_job io;
	struct cpu_job cpu;
	int done;		/* results printed */
	int ticks;
};

/* ---- the jobs: on worker threads, so they touch only their own ---- */

/* Read IO_BYTES of IO_PATH: open and read block, here harmlessly. */
static void *
blocking_io(void *arg, int *err)
{
	struct io_job *j = arg;
	char buf[IO_BYTES];	/* a worker's stack is 8 MiB */
	ssize_t r;
	int fd;

	j->tid = gettid();
	if ((fd = sys_open(IO_PATH, O_RDONLY | O_CLOEXEC)) < 0) {
		*err = errno;
		return NULL;
	}
	while (j->n < IO_BYTES) {
		r = sys_read(fd, buf + j->n, IO_BYTES - j->n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*err = r < 0 ? errno : ENODATA;
			break;
		}
		j->n += (size_t)r;
	}
	sys_close(fd);
	return j;
}

/* The sum of i*i for i < n, in 128 bits: it passes 2**64 near 3.8e6. */
static void *
cpu_bound(void *arg, int *err)
{
	struct cpu_job *c = arg;
	long long t0 = clock_now_ns();
	unsigned __int128 sum = 0;
	unsigned long long i;

	c->tid = gettid();
	for (i = 0; i < c->n; i++)
		sum += (unsigned __int128)i * i;
	c->sum = sum;
	c->ns = clock_now_ns() - t0;
	return c;
}

/* ---- the loop thread ---- */

/* v in decimal, at the end of buf; returns where it starts. */
static const char *
u128_str(unsigned __int128 v, char *buf, size_t size)
{
	char *p = buf + size;

	*--p = '\0';
	do {
		*--p = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v != 0 && p > buf);
	return p;
}

/* A job's future ended: print its result, or end the demo with its error. */
static int
take_result(struct exec_demo *x, struct loop_future *f)
{
	if (loop_future_result(f, NULL) < 0) {
		if (x->d->rc == 0)
			x->d->rc = fail(x->d->cli, loop_future_message(f),
					errno, "the job failed on its worker "
					"thread; its error came back as its "
					"future's exception");
		loop_stop(x->d->loop);
		return -1;
	}
	x->done++;
	return 0;
}

static void
io_done(struct loop_future *f, void *arg)
{
	struct exec_demo *x = arg;

	if (take_result(x, f) < 0)
		return;
	printf("blocking_io: read %zu bytes of %s on thread %d; the result "
	       "arrived on the loop's thread %d\n", x->io.n, IO_PATH,
	       (int)x->io.tid, (int)x->loop_tid);
	fflush(stdout);
}

static void
cpu_done(struct loop_future *f, void *arg)
{
	struct exec_demo *x = arg;
	char num[48];

	if (take_result(x, f) < 0)
		return;
	printf("cpu_bound: sum of i*i for i < 10**8 = %s, %.2f s on thread "
	       "%d\n", u128_str(x->cpu.sum, num, sizeof(num)),
	       (double)x->cpu.ns / 1e9, (int)x->cpu.tid);
	fflush(stdout);
}

/* Every TICK: the loop is free; after both results, stop. */
static void
tick(struct loop *l, void *arg)
{
	struct exec_demo *x = arg;

	x->ticks++;
	if (x->done == 2) {
		printf("tick %d: both results are in: the loop stops\n",
		       x->ticks);
		fflush(stdout);
		loop_stop(l);
		return;
	}
	printf("tick %d: the loop is free\n", x->ticks);
	fflush(stdout);
	if (loop_call_later(l, TICK, "tick", tick, x) == NULL)
		demo_fail(x->d, "call_later", errno);
}

/*
 * Submit a job and hook its done-callback.  Returns the future, or NULL
 * after reporting (the status is in x->d->rc).
 */
static struct loop_future *
start_job(struct exec_demo *x, const char *name, loop_job_fn fn, void *arg,
	  loop_future_cb done)
{
	struct loop_future *f = loop_run_in_executor(x->d->loop, name, fn,
						     arg);

	if (f == NULL) {
		x->d->rc = fail(x->d->cli, "run_in_executor", errno,
				errno == ENOMEM ? NULL : errno == EAGAIN ?
				"no worker thread could start: see ulimit -u "
				"and sysctl kernel.threads-max" :
				"the workers wake the loop through an "
				"eventfd(2): without one, no job can run");
		return NULL;
	}
	if (loop_future_add_done_callback(f, done, x) < 0) {
		x->d->rc = fail(x->d->cli, "add_done_callback", errno, NULL);
		loop_future_release(f);
		return NULL;
	}
	printf("main: run_in_executor(%s)\n", name);
	return f;
}

int
loop_demo_executor(struct demo_ctx *d)
{
	struct exec_demo x = { .d = d, .loop_tid = gettid() };
	struct loop_future *io = NULL, *cpu = NULL;
	int rc, workers;

	x.cpu.n = CPU_N;
	printf("main: the default executor starts up to %d worker threads "
	       "(min(32, CPUs + 4)), as jobs arrive\n",
	       loop_executor_max_workers(d->loop));
	if ((io = start_job(&x, "blocking_io", blocking_io, &x.io,
			    io_done)) == NULL ||
	    (cpu = start_job(&x, "cpu_bound", cpu_bound, &x.cpu,
			     cpu_done)) == NULL) {
		rc = d->rc;
		goto out;
	}
	printf("main: the loop ticks every %d ms while they run\n",
	       (int)(TICK * 1000));
	fflush(stdout);
	if (loop_call_later(d->loop, TICK, "tick", tick, &x) == NULL) {
		rc = fail(d->cli, "call_later", errno, NULL);
		goto out;
	}
	if ((rc = demo_run(d)) != 0)
		goto out;
	workers = loop_executor_workers(d->loop);
	if (loop_shutdown_default_executor(d->loop) < 0) {
		rc = fail(d->cli, "shutdown_default_executor", errno, NULL);
		goto out;
	}
	printf("main: shutdown_default_executor: %d worker thread%s "
	       "joined\n", workers, workers == 1 ? "" : "s");
	fflush(stdout);
out:
	/*
	 * After a failure a job may still run, writing into x on this
	 * stack: wait for it before x goes.  The done-callbacks this
	 * schedules are dropped unrun when the loop is destroyed.
	 */
	if (io != NULL)
		loop_shutdown_default_executor(d->loop);
	if (io != NULL) {
		loop_future_exception(io);
		loop_future_release(io);
	}
	if (cpu != NULL) {
		loop_future_exception(cpu);
		loop_future_release(cpu);
	}
	return rc;
}
