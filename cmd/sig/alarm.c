/*
 * alarm.c - `ipc sig alarm SECONDS --open FIFO`: the example of the
 * Python signal chapter, in C.  open(2) of a FIFO blocks until someone
 * opens it for writing, which may be never; an alarm(2) interrupts it.
 * With --setitimer the timer is setitimer(2)'s, which takes fractions of
 * a second and repeats every interval until disarmed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "clock.h"
#include "sig.h"
#include "sys.h"

static struct {
	const char *open;
	int setitimer;
} o;

static const struct opt alarm_opts[] = {
	OPT_STR_C(0, "open", &o.open, "FIFO", "the FIFO whose open(2) the "
		  "alarm interrupts (required)", "@file"),
	OPT_FLAG(0, "setitimer", &o.setitimer, "use setitimer(2): fractions "
		 "of a second, and an interval"),
	OPT_STOP
};

/* Set by the handler; see signal-safety(7). */
static volatile sig_atomic_t rang;

/* Async-signal-safe: it sets a flag and nothing else. */
static void
on_alarm(int sig)
{
	(void)sig;
	rang = 1;
}

/* Arm the timer for secs; -1 with errno set (setitimer only). */
static int
arm(double secs)
{
	struct itimerval tv;

	if (!o.setitimer) {
		sys_alarm((unsigned int)secs);
		return 0;
	}
	tv.it_value.tv_sec = (time_t)secs;
	tv.it_value.tv_usec = (suseconds_t)((secs - (double)(time_t)secs) *
					    1e6);
	/* The interval re-arms it: it would fire every secs until disarmed. */
	tv.it_interval = tv.it_value;
	return sys_setitimer(ITIMER_REAL, &tv, NULL);
}

/* Disarm the timer, whichever it was. */
static void
disarm(void)
{
	struct itimerval tv;

	if (!o.setitimer) {
		sys_alarm(0);
		return;
	}
	memset(&tv, 0, sizeof(tv));
	sys_setitimer(ITIMER_REAL, &tv, NULL);
}

/* The open, bounded by the timer; an exit status. */
static int
bounded_open(const struct cli *cli, double secs)
{
	long long t0 = clock_now_ns();
	char what[512];
	int fd, err;

	if (arm(secs) < 0)
		return fail(cli, "setitimer", errno, NULL);
	fd = sys_open(o.open, O_RDONLY | O_CLOEXEC);
	err = errno;
	disarm();
	snprintf(what, sizeof(what), "open %s", o.open);
	if (fd >= 0) {
		printf("opened %s after %.2f s: a writer came before the "
		       "alarm, which is now cancelled\n", o.open,
		       (double)(clock_now_ns() - t0) / 1e9);
		sys_close(fd);
		return 0;
	}
	if (err == EINTR && rang) {
		printf("SIGALRM came after %.2f s and its handler ran; open(2) "
		       "returned -1 EINTR\n",
		       (double)(clock_now_ns() - t0) / 1e9);
		fflush(stdout);
		return fail(cli, what, EINTR, "nobody opened the FIFO for "
			    "writing, so open would have waited forever: the "
			    "alarm bounded it (in Python the handler raises, "
			    "and the exception ends the wait)");
	}
	return fail(cli, what, err, err == ENOENT ? "no such file: make "
		    "the FIFO with mkfifo(1)" : NULL);
}

static int
run_alarm(struct cli *cli)
{
	struct sigaction sa, old;
	double secs;
	int rc;

	if (cli_parse_seconds(cli->argv[0], &secs) < 0 || secs <= 0 ||
	    secs > 3600)
		return usage_error(cli, "'%s' is not a time: give seconds, "
				   "more than 0 and at most 3600",
				   cli->argv[0]);
	if (!o.setitimer && secs != (double)(unsigned int)secs)
		return usage_error(cli, "alarm(2) counts whole seconds, not "
				   "%s; use --setitimer for fractions",
				   cli->argv[0]);
	if (o.open == NULL)
		return usage_error(cli, "--open FIFO is required: the file "
				   "whose open(2) the alarm interrupts");
	rang = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	/* No SA_RESTART: the open must fail with EINTR, not start again. */
	sa.sa_flags = 0;
	sigemptyset(&sa.sa_mask);
	if (sys_sigaction(SIGALRM, &sa, &old) < 0)
		return fail(cli, "sigaction", errno, NULL);
	rc = bounded_open(cli, secs);
	sys_sigaction(SIGALRM, &old, NULL);
	return rc;
}

const struct verb sig_alarm_verb = {
	.name = "alarm",
	.summary = "an alarm interrupts an open() that would block forever",
	.usage = "SECONDS --open FIFO",
	.description =
		"The example of the Python signal chapter: open(2) of a FIFO "
		"for reading blocks until someone opens it for writing.  "
		"Before opening, this sets alarm(2) for SECONDS with a "
		"SIGALRM handler installed without SA_RESTART.  If nobody "
		"opens the FIFO in time, the handler runs, open fails with "
		"EINTR, and the command exits 75.  If a writer comes first, "
		"the open succeeds and alarm(0) cancels the alarm (exit 0).\n\n"
		"--setitimer uses setitimer(2) ITIMER_REAL instead, which "
		"takes fractions of a second and an interval: the timer "
		"re-arms itself every interval until it is disarmed, which "
		"this does as soon as open returns.",
	.examples = (const char *const[]){
		"mkfifo /tmp/f; ipc sig alarm 2 --open /tmp/f"
		"\tnobody writes: EINTR after 2 s, exit 75",
		"ipc sig alarm 0.5 --open /tmp/f --setitimer --trace"
		"\tthe same with setitimer, and the calls",
		NULL },
	.opts = alarm_opts,
	.min_args = 1, .max_args = 1,
	.run = run_alarm,
};
