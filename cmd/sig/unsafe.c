/*
 * unsafe.c - `ipc sig unsafe`: a handler that is not async-signal-safe.
 * A handler runs between any two instructions of the program, so whatever
 * it changes, the program finds changed.  The one trap that can be shown
 * every time is errno: the program's call fails with ENOENT, a signal
 * arrives before the program reads errno, and a handler whose own call
 * fails leaves EBADF there instead.  See signal-safety(7).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sig.h"
#include "sys.h"

static struct {
	const char *handler;
} o;

static const struct opt unsafe_opts[] = {
	OPT_ONEOF(0, "handler", &o.handler, "WHICH", "unsafe|safe|both",
		  "the handler that clobbers errno, the one that keeps it, "
		  "or both (default: both)"),
	OPT_STOP
};

/* A path that does not exist, so that open fails with ENOENT. */
static const char missing[] = "/nonexistent/ipc-sig-unsafe";

/* What each handler found and left; see signal(7) on sig_atomic_t. */
static volatile sig_atomic_t found, left;

/*
 * Not async-signal-safe, on purpose: its close(-1) fails and sets errno,
 * and it does not put errno back.  It calls close and not sys_close: the
 * tracer formats and takes locks, which no handler may do.
 */
static void
clobbering_handler(int sig)
{
	(void)sig;
	found = errno;
	close(-1);
	left = errno;
}

/* The same work, made safe: errno is saved on entry and put back. */
static void
saving_handler(int sig)
{
	int saved = errno;

	(void)sig;
	found = errno;
	close(-1);
	left = errno;
	errno = saved;
}

/*
 * One round: open fails, SIGUSR1 is delivered, then errno is read.  kill
 * to ourselves stands in for a signal that can come at any moment (a
 * timer, a child's end, another process); kill(2) runs the handler before
 * it returns.  Returns 0 or an exit status.
 */
static int
round_trip(const struct cli *cli, int safe)
{
	struct sigaction sa, old;
	int fd, seen;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = safe ? saving_handler : clobbering_handler;
	sigemptyset(&sa.sa_mask);
	printf("%s handler: close(-1) inside it fails with EBADF%s\n",
	       safe ? "a safe" : "an unsafe",
	       safe ? "; it saves errno on entry and restores it on return"
		    : ", and it does not save errno");
	if (sys_sigaction(SIGUSR1, &sa, &old) < 0)
		return fail(cli, "sigaction", errno, NULL);
	found = left = 0;
	fd = sys_open(missing, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		sys_close(fd);
		sys_sigaction(SIGUSR1, &old, NULL);
		return fail(cli, missing, EEXIST, "this path must not exist "
			    "for the demonstration");
	}
	if (sys_kill(getpid(), SIGUSR1) < 0) {
		seen = errno;
		sys_sigaction(SIGUSR1, &old, NULL);
		return fail(cli, "kill", seen, "a process may always signal "
			    "itself; see kill(2)");
	}
	/* Only now does the program look at errno, as code often does. */
	seen = errno;
	sys_sigaction(SIGUSR1, &old, NULL);
	printf("   open(\"%s\") failed with errno %s\n", missing,
	       out_errname((int)found));
	printf("   SIGUSR1 arrived before the program read errno; the "
	       "handler left errno %s\n", out_errname((int)left));
	printf("   the program reads errno: %s (%s)\n", out_errname(seen),
	       seen == found ? "right"
	       : "WRONG: it reports the handler's error, not open's");
	return 0;
}

static int
run_unsafe(struct cli *cli)
{
	int rc = 0;

	if (o.handler == NULL)
		o.handler = "both";
	fflush(stdout);
	if (strcmp(o.handler, "safe") != 0)
		rc = round_trip(cli, 0);
	if (rc == 0 && strcmp(o.handler, "unsafe") != 0)
		rc = round_trip(cli, 1);
	if (rc == 0)
		printf("errno is one of many things a handler shares with the "
		       "code it interrupts.  printf and malloc are worse: "
		       "malloc holds a lock while it updates its free lists, "
		       "and printf a lock on the FILE; a handler that calls "
		       "them while the program is inside them waits for a "
		       "lock its own thread holds, and the process hangs "
		       "forever (or the heap is corrupted).  That happens "
		       "only when the signal lands at that instant, so it "
		       "passes every test and deadlocks in production.  A "
		       "handler may call only the functions listed in "
		       "signal-safety(7) (write, close, kill, _exit, ...), "
		       "and should do no more than set a volatile "
		       "sig_atomic_t flag or write a byte to a pipe; see "
		       "'ipc sig catch --method self-pipe'.  Python runs "
		       "your handler later, in the main loop, so it never "
		       "meets this.\n");
	return rc;
}

const struct verb sig_unsafe_verb = {
	.name = "unsafe",
	.summary = "a handler that is not async-signal-safe clobbers errno",
	.usage = "",
	.description =
		"open(2) fails with ENOENT; before the program reads errno, "
		"SIGUSR1 arrives (sent with kill(2) to ourselves, so that it "
		"lands at the same place every time) and its handler makes a "
		"call of its own that fails, close(-1) with EBADF.  The "
		"handler that does not save errno leaves EBADF, and the "
		"program reports the wrong error; the handler that saves "
		"errno on entry and restores it on return leaves ENOENT.\n\n"
		"The same interruption inside malloc(3) or printf(3) by a "
		"handler that calls them deadlocks on their locks; that is "
		"explained, not provoked, since it happens only by timing.  "
		"See signal-safety(7) for the functions a handler may call.",
	.examples = (const char *const[]){
		"ipc sig unsafe\tthe unsafe handler, then the safe one",
		"ipc sig unsafe --handler unsafe --trace\tsee open fail "
		"ENOENT, then kill, in the trace",
		NULL },
	.opts = unsafe_opts,
	.min_args = 0, .max_args = 0,
	.run = run_unsafe,
};
