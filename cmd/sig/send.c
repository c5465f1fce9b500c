/*
 * send.c - `ipc sig send PID SIG`: send a signal three ways.  kill(2)
 * names the target by pid; sigqueue(3) adds a value the receiver reads
 * from si_value; pidfd_open(2) and pidfd_send_signal(2) first pin the
 * process down, so that a pid reused after the target exits cannot be
 * hit by mistake.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sig.h"
#include "sigs.h"
#include "sys.h"

static struct {
	int pidfd;
	const char *queue;
} o;

static const struct opt send_opts[] = {
	OPT_FLAG(0, "pidfd", &o.pidfd, "send through a pidfd: pidfd_open, "
		 "then pidfd_send_signal"),
	OPT_STR(0, "queue", &o.queue, "VALUE", "send with sigqueue and this "
		"integer value (the receiver sees SI_QUEUE)"),
	OPT_STOP
};

/*
 * Report a failed send.  No such process is "unavailable" (69): the
 * target is gone, not the request wrong.  EPERM is 77, as fail() maps it.
 */
static int
send_failed(const struct cli *cli, const char *call, pid_t pid, int err)
{
	char what[64];

	snprintf(what, sizeof(what), "%s pid %d", call, (int)pid);
	if (err == ESRCH) {
		fail(cli, what, err, "no process has that pid: it never "
		     "existed, or it has exited; 'ps -e' lists the live ones");
		return EX_UNAVAIL_;
	}
	if (err == EPERM)
		return fail(cli, what, err, "a process may signal only "
			    "processes of its own user, unless it has "
			    "CAP_KILL; see kill(2)");
	if (err == ENOSYS) {
		fail(cli, what, err, "this kernel has no pidfds (Linux 5.3 "
		     "and later); send without --pidfd");
		return EX_UNAVAIL_;
	}
	return fail(cli, what, err, NULL);
}

/* The --queue value: any int; 0 or a usage error (64). */
static int
queue_value(const struct cli *cli, int *value)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(o.queue, &end, 0);
	if (*o.queue == '\0' || *end != '\0' || errno != 0 || v < INT_MIN ||
	    v > INT_MAX)
		return usage_error(cli, "--queue '%s': the value must be an "
				   "integer that fits in an int", o.queue);
	*value = (int)v;
	return 0;
}

/* pidfd_open, then pidfd_send_signal; see pidfd_open(2). */
static int
send_pidfd(const struct cli *cli, pid_t pid, int sig)
{
	int fd, err;

	if ((fd = sys_pidfd_open(pid, 0)) < 0)
		return send_failed(cli, "pidfd_open", pid, errno);
	if (sys_pidfd_send_signal(fd, sig, NULL, 0) < 0) {
		err = errno;
		sys_close(fd);
		return send_failed(cli, "pidfd_send_signal", pid, err);
	}
	sys_close(fd);
	return 0;
}

static int
run_send(struct cli *cli)
{
	char name[32];
	const char *how = "kill(2)";
	union sigval value = { .sival_int = 0 };
	pid_t pid;
	int sig, rc;

	if ((rc = sig_pid_arg(cli, cli->argv[0], &pid)) != 0 ||
	    (rc = sig_arg(cli, cli->argv[1], 1, &sig)) != 0)
		return rc;
	if (o.pidfd && o.queue != NULL)
		return usage_error(cli, "--pidfd and --queue are two different "
				   "ways to send: choose one");
	if (o.queue != NULL) {
		if ((rc = queue_value(cli, &value.sival_int)) != 0)
			return rc;
		how = "sigqueue(3)";
		if (sys_sigqueue(pid, sig, value) < 0)
			return send_failed(cli, "sigqueue", pid, errno);
	} else if (o.pidfd) {
		how = "pidfd_send_signal(2)";
		if ((rc = send_pidfd(cli, pid, sig)) != 0)
			return rc;
	} else if (sys_kill(pid, sig) < 0) {
		return send_failed(cli, "kill", pid, errno);
	}
	if (sig == 0)
		printf("pid %d exists and may be signalled: signal 0 checks, "
		       "and sends nothing\n", (int)pid);
	else if (o.queue != NULL)
		printf("sent %s (%d) to pid %d with %s, value %d\n",
		       sigs_name(sig, name, sizeof(name)), sig, (int)pid, how,
		       value.sival_int);
	else
		printf("sent %s (%d) to pid %d with %s\n",
		       sigs_name(sig, name, sizeof(name)), sig, (int)pid, how);
	return 0;
}

const struct verb sig_send_verb = {
	.name = "send",
	.summary = "send a signal with kill, sigqueue or a pidfd",
	.usage = "PID SIG",
	.description =
		"Sends SIG to the process PID.  SIG is a name with or without "
		"SIG in any case (TERM, SIGUSR1, usr1), a number (15), or a "
		"real-time signal as RTMIN+n or RTMAX-n.  Signal 0 sends "
		"nothing and only checks that the process exists and may be "
		"signalled.\n\n"
		"By default the signal goes by kill(2).  --queue VALUE uses "
		"sigqueue(3), which carries an integer the receiver reads "
		"from si_value (see 'ipc sig catch'); a real-time signal sent "
		"this way is queued once per send.  --pidfd opens the process "
		"with pidfd_open(2) and sends by pidfd_send_signal(2): a "
		"pidfd keeps naming the same process, so a pid reused after "
		"the target exits cannot be hit by mistake.\n\n"
		"Exit status: 0 sent, 64 an unknown signal or a bad pid, 69 "
		"no such process (ESRCH), 77 not permitted (EPERM).",
	.examples = (const char *const[]){
		"ipc sig send 1234 TERM\tkill(1234, SIGTERM)",
		"ipc sig send 1234 RTMIN+1 --queue 42"
		"\ta real-time signal carrying the value 42",
		"ipc sig send 1234 usr1 --pidfd --trace"
		"\tpidfd_open, then pidfd_send_signal",
		"ipc sig send 1234 0\tdoes process 1234 exist?",
		NULL },
	.opts = send_opts,
	.min_args = 2, .max_args = 2,
	.run = run_send,
};
