/*
 * threads.c - `ipc sig threads`: a signal sent to a process is handled by
 * one of its threads, any one that does not block it; pthread_sigmask(3)
 * decides which.  See signal(7), "Signal mask and pending signals", and
 * pthread_sigmask(3).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sig.h"
#include "sigs.h"
#include "sys.h"

#define THREADS_MAX	16

static struct {
	long threads, unblock, rounds;
	const char *signal;
} o;

static const struct opt threads_opts[] = {
	OPT_NUM('t', "threads", &o.threads, "N", "worker threads (default: "
		"3, at most 16)"),
	OPT_NUM('u', "unblock", &o.unblock, "K", "only worker K unblocks "
		"the signal (default: all of them)"),
	OPT_NUM('r', "rounds", &o.rounds, "R", "signals to send (default: "
		"the number of threads)"),
	OPT_STR_C('s', "signal", &o.signal, "SIG", "the signal (default: "
		  "USR1)", "@signal"),
	OPT_STOP
};

/* Each worker's number, for the handler to report; 0 in main. */
static _Thread_local int worker_no;

/* The handler writes the worker's number here; see signal-safety(7). */
static volatile sig_atomic_t report_w = -1;

struct worker {
	pthread_t thread;
	int no;
	pid_t tid;
	int stop_r;			/* end of file: time to end */
	int unblock;			/* this one unblocks the signal */
	int err;			/* why it could not, or 0 */
	int sig;
	int ready_w;			/* one byte: set up, waiting */
};

/*
 * Async-signal-safe: it reads a thread-local int and write(2)s one byte
 * (not sys_write: the tracer takes locks), keeping errno.
 */
static void
on_signal(int sig)
{
	unsigned char no = (unsigned char)worker_no;
	int saved = errno;

	(void)sig;
	if (write(report_w, &no, 1) < 0)
		no = 0;
	errno = saved;
}

/* A worker: unblock the signal (or not), then wait for end of file. */
static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	sigset_t set;
	char c;

	worker_no = w->no;
	w->tid = gettid();
	sigemptyset(&set);
	sigaddset(&set, w->sig);
	if (w->unblock &&
	    (w->err = sys_pthread_sigmask(SIG_UNBLOCK, &set, NULL)) != 0)
		w->unblock = 0;
	while (sys_write(w->ready_w, "", 1) < 0 && errno == EINTR)
		continue;
	/* A handler run interrupts the read (EINTR); read again. */
	while (sys_read(w->stop_r, &c, 1) < 0 && errno == EINTR)
		continue;
	return NULL;
}

/* Send the rounds and say who handled each; an exit status. */
static int
send_rounds(const struct cli *cli, const struct worker *w, int sig,
	    int report_r)
{
	unsigned char no;
	char name[32];
	ssize_t n;
	long r, open = 0;

	sigs_name(sig, name, sizeof(name));
	for (r = 0; r < o.threads; r++)
		open += w[r].unblock;
	if (open == 0) {
		/* Sent now, it would stay pending, and the read below wait. */
		out_errorf(cli->prog, "no thread has %s unblocked: a signal "
			   "sent to the process would stay pending", name);
		return EX_FAIL;
	}
	for (r = 1; r <= o.rounds; r++) {
		if (sys_kill(getpid(), sig) < 0)
			return fail(cli, "kill", errno, NULL);
		while ((n = sys_read(report_r, &no, 1)) < 0 && errno == EINTR)
			continue;
		if (n != 1)
			return fail(cli, "read", n < 0 ? errno : EIO, NULL);
		printf("round %ld: kill(getpid(), %s) was handled by worker "
		       "%d (tid %d)\n", r, name, no, (int)w[no - 1].tid);
	}
	return 0;
}

/* Wait until n workers have said they are ready; 0 or -1 with errno. */
static int
wait_ready(int ready_r, long n)
{
	char buf[THREADS_MAX];
	ssize_t got;

	while (n > 0) {
		got = sys_read(ready_r, buf, (size_t)n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			errno = got < 0 ? errno : EIO;
			return -1;
		}
		n -= got;
	}
	return 0;
}

/* Start the workers, send, stop them; an exit status. */
static int
run_workers(const struct cli *cli, int sig, int report_r)
{
	struct worker w[THREADS_MAX];
	int stop[2], ready[2], rc = 0, err;
	long i, started = 0;

	if (sys_pipe2(stop, O_CLOEXEC) < 0)
		return fail(cli, "pipe2", errno, NULL);
	if (sys_pipe2(ready, O_CLOEXEC) < 0) {
		rc = fail(cli, "pipe2", errno, NULL);
		sys_close(stop[0]);
		sys_close(stop[1]);
		return rc;
	}
	for (i = 0; i < o.threads; i++) {
		w[i] = (struct worker){ .no = (int)i + 1, .stop_r = stop[0],
			.unblock = o.unblock == 0 || o.unblock == i + 1,
			.sig = sig, .ready_w = ready[1] };
		if ((err = sys_pthread_create(&w[i].thread, NULL, worker_main,
					  &w[i])) != 0) {
			rc = fail(cli, "pthread_create", err, NULL);
			break;
		}
		started++;
	}
	if (rc == 0 && wait_ready(ready[0], started) < 0)
		rc = fail(cli, "read", errno, NULL);
	if (rc == 0) {
		for (i = 0; i < o.threads; i++)
			printf("worker %ld (tid %d): %s%s\n", i + 1,
			       (int)w[i].tid, w[i].unblock ? "unblocked it" :
			       w[i].err != 0 ? "could not unblock it: " :
			       "keeps it blocked",
			       w[i].err != 0 ? out_errname(w[i].err) : "");
		rc = send_rounds(cli, w, sig, report_r);
	}
	/* End of file on the stop pipe ends every worker's read. */
	sys_close(stop[1]);
	for (i = 0; i < started; i++)
		pthread_join(w[i].thread, NULL);
	sys_close(stop[0]);
	sys_close(ready[0]);
	sys_close(ready[1]);
	return rc;
}

static int
run_threads(struct cli *cli)
{
	struct sigaction sa, old_sa;
	sigset_t set, old;
	char name[32];
	int sig = SIGUSR1, rc, report[2], err;

	if (o.signal != NULL && (rc = sig_arg(cli, o.signal, 0, &sig)) != 0)
		return rc;
	if (sig == SIGKILL || sig == SIGSTOP)
		return usage_error(cli, "%s cannot be caught; see signal(7)",
				   sigs_name(sig, name, sizeof(name)));
	if (o.threads == 0)
		o.threads = 3;
	if (o.threads < 1 || o.threads > THREADS_MAX)
		return usage_error(cli, "--threads %ld: give 1 to %d",
				   o.threads, THREADS_MAX);
	if (o.unblock < 0 || o.unblock > o.threads)
		return usage_error(cli, "--unblock %ld: give a worker from 1 "
				   "to %ld", o.unblock, o.threads);
	if (o.rounds == 0)
		o.rounds = o.threads;
	if (o.rounds < 0 || o.rounds > 1000)
		return usage_error(cli, "--rounds %ld: give 1 to 1000",
				   o.rounds);
	if (sys_pipe2(report, O_CLOEXEC) < 0)
		return fail(cli, "pipe2", errno, NULL);
	report_w = report[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&set);
	sigaddset(&set, sig);
	/* Blocked in main before the workers start, so they inherit it. */
	if ((err = sys_pthread_sigmask(SIG_BLOCK, &set, &old)) != 0) {
		rc = fail(cli, "pthread_sigmask", err, NULL);
	} else {
		printf("main thread: %s blocked with pthread_sigmask; the "
		       "workers inherit that mask\n",
		       sigs_name(sig, name, sizeof(name)));
		if (sys_sigaction(sig, &sa, &old_sa) < 0) {
			rc = fail(cli, "sigaction", errno, NULL);
		} else {
			rc = run_workers(cli, sig, report[0]);
			sys_sigaction(sig, &old_sa, NULL);
		}
		sys_pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	report_w = -1;
	sys_close(report[0]);
	sys_close(report[1]);
	if (fflush(stdout) != 0 && rc == 0)
		rc = fail(cli, "stdout", errno, NULL);
	return rc;
}

const struct verb sig_threads_verb = {
	.name = "threads",
	.summary = "which thread handles a signal sent to the process",
	.usage = "",
	.description =
		"The main thread blocks the signal with pthread_sigmask(3) "
		"and starts --threads workers, which inherit its mask; each "
		"worker unblocks the signal, or only worker --unblock K "
		"does.  Then the main thread sends the signal to the whole "
		"process with kill(2), --rounds times, and the handler "
		"reports which worker ran it.\n\n"
		"A process-directed signal goes to one thread that does not "
		"block it; which one, the kernel decides.  Blocking it in "
		"every thread but one steers it to that one: the usual way to "
		"keep signals out of worker threads is to block them all and "
		"let one thread wait with sigwaitinfo(2) or a signalfd.  "
		"Python runs every handler in the main thread for the same "
		"reason.",
	.examples = (const char *const[]){
		"ipc sig threads\tthree workers, any may be chosen",
		"ipc sig threads --unblock 2 --rounds 5"
		"\tonly worker 2 unblocks it: it handles all five",
		"ipc sig threads --trace\tthe pthread_sigmask calls of each "
		"thread",
		NULL },
	.opts = threads_opts,
	.min_args = 0, .max_args = 0,
	.run = run_threads,
};
