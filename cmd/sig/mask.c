/*
 * mask.c - `ipc sig mask`: block a signal, send it to ourselves, see it
 * pending, unblock it, and see it delivered; see sigprocmask(2) and
 * sigpending(2).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sig.h"
#include "sigs.h"
#include "sys.h"

static struct {
	const char *signal;
	long times;
} o;

static const struct opt mask_opts[] = {
	OPT_STR_C('s', "signal", &o.signal, "SIG", "the signal to block and "
		  "send (default: USR1)", "@signal"),
	OPT_NUM('n', "times", &o.times, "N", "send it N times while blocked "
		"(default: 3)"),
	OPT_STOP
};

/* Deliveries so far; the handler's only work.  See signal-safety(7). */
static volatile sig_atomic_t delivered;

/* Async-signal-safe: it increments a sig_atomic_t and does nothing else. */
static void
count_delivery(int sig)
{
	(void)sig;
	delivered++;
}

/* Block, send, look, unblock; an exit status.  The handler is installed. */
static int
demonstrate(const struct cli *cli, int sig, const char *name)
{
	char names[512];
	sigset_t set, pending;
	long i;

	sigemptyset(&set);
	sigaddset(&set, sig);
	if (sys_sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return fail(cli, "sigprocmask", errno, NULL);
	printf("1. blocked %s with sigprocmask(SIG_BLOCK)\n", name);
	for (i = 0; i < o.times; i++)
		if (sys_kill(getpid(), sig) < 0)
			return fail(cli, "kill", errno, NULL);
	printf("2. sent it %ld time%s to ourselves with kill(2); delivered "
	       "so far: %d\n", o.times, o.times == 1 ? "" : "s",
	       (int)delivered);
	if (sys_sigpending(&pending) < 0)
		return fail(cli, "sigpending", errno, NULL);
	printf("3. sigpending(2) says pending: %s\n",
	       sig_set_names(&pending, names, sizeof(names)));
	/* The pending signal is delivered before sigprocmask returns. */
	if (sys_sigprocmask(SIG_UNBLOCK, &set, NULL) < 0)
		return fail(cli, "sigprocmask", errno, NULL);
	printf("4. unblocked it with sigprocmask(SIG_UNBLOCK): the handler "
	       "ran %d time%s\n", (int)delivered, delivered == 1 ? "" : "s");
	if (sig >= SIGRTMIN)
		printf("   a real-time signal is queued once per send, so "
		       "each one was delivered\n");
	else
		printf("   a standard signal is pending or not: sends while "
		       "it is pending are merged into one\n");
	return 0;
}

static int
run_mask(struct cli *cli)
{
	struct sigaction sa, old;
	char name[32];
	int sig = SIGUSR1, rc;

	if (o.signal != NULL && (rc = sig_arg(cli, o.signal, 0, &sig)) != 0)
		return rc;
	if (sig == SIGKILL || sig == SIGSTOP)
		return usage_error(cli, "%s cannot be blocked; see signal(7)",
				   sigs_name(sig, name, sizeof(name)));
	if (o.times == 0)
		o.times = 3;
	if (o.times < 0 || o.times > 1000)
		return usage_error(cli, "--times %ld: give 1 to 1000", o.times);
	sigs_name(sig, name, sizeof(name));
	delivered = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = count_delivery;
	sigemptyset(&sa.sa_mask);
	if (sys_sigaction(sig, &sa, &old) < 0)
		return fail(cli, "sigaction", errno, NULL);
	rc = demonstrate(cli, sig, name);
	sys_sigaction(sig, &old, NULL);
	if (fflush(stdout) != 0 && rc == 0)
		rc = fail(cli, "stdout", errno, NULL);
	return rc;
}

const struct verb sig_mask_verb = {
	.name = "mask",
	.summary = "block a signal, send it, see it pending, unblock it",
	.usage = "",
	.description =
		"Installs a handler that counts deliveries, blocks the signal "
		"with sigprocmask(2), sends it to this process --times times "
		"with kill(2), shows it pending with sigpending(2), and "
		"unblocks it: the pending signal is delivered before "
		"sigprocmask returns.\n\n"
		"A standard signal is either pending or not, so three sends "
		"give one delivery.  A real-time signal (RTMIN+n) is queued "
		"once per send, so three sends give three.",
	.examples = (const char *const[]){
		"ipc sig mask\tSIGUSR1 three times: delivered once",
		"ipc sig mask --signal RTMIN\tSIGRTMIN three times: delivered "
		"three times",
		"ipc sig mask --trace\tthe calls: sigaction, sigprocmask, "
		"kill, sigpending",
		NULL },
	.opts = mask_opts,
	.min_args = 0, .max_args = 0,
	.run = run_mask,
};
