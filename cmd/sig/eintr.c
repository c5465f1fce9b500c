/*
 * eintr.c - `ipc sig eintr`: a read(2) that blocks is interrupted by a
 * timer's signal, once with a handler installed without SA_RESTART (the
 * read fails with EINTR) and once with it (the kernel restarts the read);
 * see signal(7), "Interruption of system calls and library functions".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "clock.h"
#include "sig.h"
#include "sys.h"

static struct {
	const char *restart;
	double after;
} o;

static const struct opt eintr_opts[] = {
	OPT_ONEOF(0, "restart", &o.restart, "WHICH", "no|yes|both",
		  "without SA_RESTART, with it, or both (default: both)"),
	OPT_SECS(0, "after", &o.after, "the timer's period (default: 0.2)"),
	OPT_STOP
};

/* What the handler shares with the program; see signal-safety(7). */
static volatile sig_atomic_t fired, pipe_w = -1;

/*
 * Async-signal-safe: it counts, and on its second run writes one byte with
 * write(2) (not sys_write: the tracer takes locks), keeping errno.
 */
static void
on_alarm(int sig)
{
	int saved = errno;

	(void)sig;
	if (++fired == 2 && write(pipe_w, "!", 1) < 0)
		fired = -1;
	errno = saved;
}

/* A period in seconds as a struct timeval. */
static struct timeval
to_timeval(double s)
{
	struct timeval tv;

	tv.tv_sec = (time_t)s;
	tv.tv_usec = (suseconds_t)((s - (double)tv.tv_sec) * 1e6);
	if (tv.tv_sec == 0 && tv.tv_usec == 0)
		tv.tv_usec = 1;
	return tv;
}

/* What the read did, and what it means. */
static void
explain_read(int restart, ssize_t n, int err, double secs)
{
	if (n < 0 && err == EINTR)
		printf("   read returned -1 EINTR after %.2f s: the handler "
		       "ran and the kernel did not restart the call.  The "
		       "program must check for EINTR and call read again.\n",
		       secs);
	else if (n > 0)
		printf("   read returned %zd byte after %.2f s: the handler "
		       "ran at the first tick and the kernel restarted the "
		       "read, which went on waiting; it returned only when "
		       "the handler's second run wrote into the pipe.\n",
		       n, secs);
	else
		printf("   read returned %zd (%s) after %.2f s%s\n", n,
		       n < 0 ? out_errname(err) : "no error", secs,
		       restart ? "" : ": not the EINTR expected");
}

/* One round: block in read until the timer's signal; an exit status. */
static int
round_trip(const struct cli *cli, int restart)
{
	struct itimerval tv = { { 0, 0 }, { 0, 0 } };
	struct sigaction sa, old;
	int fds[2], rc = 0, err;
	long long t0;
	char c;
	ssize_t n;

	if (sys_pipe2(fds, O_CLOEXEC) < 0)
		return fail(cli, "pipe2", errno, NULL);
	fired = 0;
	pipe_w = fds[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	printf("%s SA_RESTART: read(2) on an empty pipe, SIGALRM every "
	       "%.2f s\n", restart ? "with" : "without", o.after);
	fflush(stdout);
	if (sys_sigaction(SIGALRM, &sa, &old) < 0) {
		rc = fail(cli, "sigaction", errno, NULL);
		goto out;
	}
	tv.it_value = tv.it_interval = to_timeval(o.after);
	if (sys_setitimer(ITIMER_REAL, &tv, NULL) < 0) {
		rc = fail(cli, "setitimer", errno, NULL);
		sys_sigaction(SIGALRM, &old, NULL);
		goto out;
	}
	t0 = clock_now_ns();
	/* No retry on EINTR here, on purpose: EINTR is what this shows. */
	n = sys_read(fds[0], &c, 1);
	err = errno;
	memset(&tv, 0, sizeof(tv));
	sys_setitimer(ITIMER_REAL, &tv, NULL);
	sys_sigaction(SIGALRM, &old, NULL);
	explain_read(restart, n, err, (double)(clock_now_ns() - t0) / 1e9);
out:
	pipe_w = -1;
	sys_close(fds[0]);
	sys_close(fds[1]);
	return rc;
}

static int
run_eintr(struct cli *cli)
{
	int rc = 0;

	if (o.restart == NULL)
		o.restart = "both";
	if (o.after == 0)
		o.after = 0.2;
	if (o.after > 60)
		return usage_error(cli, "--after %g: give at most 60 seconds",
				   o.after);
	if (strcmp(o.restart, "yes") != 0)
		rc = round_trip(cli, 0);
	if (rc == 0 && strcmp(o.restart, "no") != 0)
		rc = round_trip(cli, 1);
	return rc;
}

const struct verb sig_eintr_verb = {
	.name = "eintr",
	.summary = "a blocking read interrupted by a signal: EINTR, and "
		   "SA_RESTART",
	.usage = "",
	.description =
		"Blocks in read(2) on an empty pipe while setitimer(2) sends "
		"SIGALRM every --after seconds to a handler.  Installed "
		"without SA_RESTART, the handler's first run makes the read "
		"fail with EINTR: every program that handles signals must "
		"expect EINTR from a slow call and try again.  Installed with "
		"SA_RESTART, the kernel restarts the read after the handler, "
		"so it goes on waiting; here it returns when the handler's "
		"second run writes a byte into the pipe.\n\n"
		"SA_RESTART does not help every call: poll(2), select(2), "
		"epoll_wait(2), nanosleep(2) and sigtimedwait(2) fail with "
		"EINTR whatever the flag says; see signal(7).  Python 3.5 and "
		"later retry for you (PEP 475); C does not.",
	.examples = (const char *const[]){
		"ipc sig eintr\tboth ways, one after the other",
		"ipc sig eintr --restart no --trace"
		"\tsee read return -1 EINTR in the trace",
		NULL },
	.opts = eintr_opts,
	.min_args = 0, .max_args = 0,
	.run = run_eintr,
};
