/*
 * loop_signal.c - signal handlers that run in the loop, not in signal
 * context; see loop.h.
 *
 * A signal handler proper may call only async-signal-safe functions (see
 * signal-safety(7)): no printf, no malloc, no loop.  So the loop turns a
 * signal into readiness of a descriptor it already watches, in one of two
 * ways, and runs the handler from that fd's reader like any callback:
 *
 *   signalfd   The signal is blocked (sigprocmask(2)), so it stays
 *              pending, and a signalfd(2) for it becomes readable; each
 *              read takes one struct signalfd_siginfo.  No handler runs
 *              at all.  Linux only.
 *   self-pipe  A tiny sigaction(2) handler writes the signal's number
 *              into a non-blocking pipe, and the loop reads the pipe (the
 *              classic trick, and what asyncio's set_wakeup_fd does).
 *              Portable.
 *
 * Signal dispositions belong to the process, so only one loop at a time
 * may hold handlers.
 */
#include "loop_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include "sys.h"

/* Reads one wake-up may do before other fds get their turn. */
#define SIG_READS	64

struct sig_entry {
	loop_signal_cb cb;	/* NULL: no handler */
	void *arg;
	const char *name;
	int was_blocked;	/* signalfd: blocked before we blocked it */
	struct sigaction old;	/* self-pipe: the disposition we replaced */
};

struct loop_signals {
	int rfd;		/* the signalfd, or the pipe's read end */
	sigset_t mask;		/* the signals with a handler */
	int count;
	struct sig_entry e[NSIG];
};

/* The loop that holds the process's signals, and the self-pipe's write end. */
static struct loop *sig_owner;
static volatile sig_atomic_t selfpipe_wfd = -1;

int
loop_set_signal_mode(struct loop *l, enum loop_signal_mode mode)
{
	if (l->sig != NULL)
		return errno = EBUSY, -1;
	l->sig_mode = mode;
	return 0;
}

/* Run sig's handler as a loop callback. */
static void
dispatch(struct loop *l, int sig)
{
	struct sig_entry *e;
	long long t0;

	if (l->sig == NULL || sig <= 0 || sig >= NSIG ||
	    (e = &l->sig->e[sig])->cb == NULL)
		return;
	t0 = loop_cb_begin(l);
	e->cb(l, sig, e->arg);
	loop_cb_end(l, e->name, WHY_SIGNAL, t0);
}

/* The signalfd is readable: one struct signalfd_siginfo per signal. */
static void
on_signalfd(struct loop *l, int fd, void *arg)
{
	struct signalfd_siginfo si;
	int i;

	for (i = 0; i < SIG_READS && l->sig != NULL; i++) {
		if (sys_read(fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			return;		/* EAGAIN: drained */
		dispatch(l, (int)si.ssi_signo);
	}
}

/* The self-pipe is readable: one byte per signal delivered. */
static void
on_selfpipe(struct loop *l, int fd, void *arg)
{
	unsigned char buf[SIG_READS];
	ssize_t n, i;

	n = sys_read(fd, buf, sizeof(buf));
	for (i = 0; i < n && l->sig != NULL; i++)
		dispatch(l, buf[i]);
}

/*
 * The self-pipe's handler, in signal context.  It calls write(2)
 * directly, not sys_write: the traced wrapper formats and locks, which is
 * not async-signal-safe (see signal-safety(7)).  A full pipe drops the
 * byte, which is fine: the loop is awake anyway.  errno is saved because
 * the code the signal interrupted may be about to read it.
 */
static void
selfpipe_handler(int sig)
{
	int err = errno;
	unsigned char b = (unsigned char)sig;
	ssize_t n;

	if (selfpipe_wfd >= 0) {
		n = write(selfpipe_wfd, &b, 1);
		(void)n;
	}
	errno = err;
}

/* The first handler: make the descriptor the signals arrive on. */
static int
signals_open(struct loop *l)
{
	struct loop_signals *s;
	int p[2];

	if (sig_owner != NULL && sig_owner != l)
		return errno = EBUSY, -1;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	sigemptyset(&s->mask);
	if (l->sig_mode == LOOP_SIGNALFD) {
		/* An empty mask for now; each handler adds its signal. */
		s->rfd = sys_signalfd(-1, &s->mask, SFD_NONBLOCK | SFD_CLOEXEC);
		if (s->rfd < 0)
			goto fail;
	} else {
		if (sys_pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0)
			goto fail;
		s->rfd = p[0];
		selfpipe_wfd = p[1];
	}
	if (loop_add_reader(l, s->rfd, l->sig_mode == LOOP_SIGNALFD ?
			    "signalfd" : "self-pipe",
			    l->sig_mode == LOOP_SIGNALFD ? on_signalfd :
			    on_selfpipe, NULL) < 0) {
		int err = errno;

		sys_close(s->rfd);
		if (selfpipe_wfd >= 0)
			sys_close(selfpipe_wfd);
		selfpipe_wfd = -1;
		errno = err;
		goto fail;
	}
	l->sig = s;
	sig_owner = l;
	return 0;
fail:
	free(s);
	return -1;
}

/* The last handler is gone: close the descriptors. */
static void
signals_close(struct loop *l)
{
	struct loop_signals *s = l->sig;

	loop_remove_reader(l, s->rfd);
	sys_close(s->rfd);
	if (selfpipe_wfd >= 0) {
		int fd = selfpipe_wfd;

		selfpipe_wfd = -1;
		sys_close(fd);
	}
	free(s);
	l->sig = NULL;
	sig_owner = NULL;
}

/* Route sig to the loop: block it and widen the signalfd, or catch it. */
static int
route(struct loop *l, int sig, struct sig_entry *e)
{
	struct loop_signals *s = l->sig;
	struct sigaction sa;
	sigset_t one, old;

	if (l->sig_mode == LOOP_SELF_PIPE) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = selfpipe_handler;
		/* See sigaction(2): SA_RESTART resumes interrupted calls. */
		sa.sa_flags = SA_RESTART;
		sigfillset(&sa.sa_mask);
		return sys_sigaction(sig, &sa, &e->old);
	}
	sigemptyset(&one);
	sigaddset(&one, sig);
	/* Blocked first, so no instance can slip through to the default. */
	if (sys_sigprocmask(SIG_BLOCK, &one, &old) < 0)
		return -1;
	e->was_blocked = sigismember(&old, sig);
	sigaddset(&s->mask, sig);
	if (sys_signalfd(s->rfd, &s->mask, 0) < 0) {
		int err = errno;

		sigdelset(&s->mask, sig);
		if (!e->was_blocked)
			sys_sigprocmask(SIG_UNBLOCK, &one, NULL);
		return errno = err, -1;
	}
	return 0;
}

/* Undo route(): restore what sig did before. */
static void
unroute(struct loop *l, int sig, struct sig_entry *e)
{
	static const struct timespec now = { 0, 0 };
	struct loop_signals *s = l->sig;
	sigset_t one;

	if (l->sig_mode == LOOP_SELF_PIPE) {
		sys_sigaction(sig, &e->old, NULL);
		return;
	}
	sigdelset(&s->mask, sig);
	sys_signalfd(s->rfd, &s->mask, 0);
	if (e->was_blocked)
		return;
	/*
	 * An instance still pending would be delivered, with the default
	 * action, the moment it is unblocked: take it first (see
	 * sigtimedwait(2); a zero timeout only looks).
	 */
	sigemptyset(&one);
	sigaddset(&one, sig);
	while (sys_sigtimedwait(&one, NULL, &now) == sig)
		;
	sys_sigprocmask(SIG_UNBLOCK, &one, NULL);
}

int
loop_add_signal_handler(struct loop *l, int sig, const char *name,
			loop_signal_cb cb, void *arg)
{
	struct sig_entry *e;

	if (sig <= 0 || sig >= NSIG || sig == SIGKILL || sig == SIGSTOP)
		return errno = EINVAL, -1;
	if (l->sig == NULL && signals_open(l) < 0)
		return -1;
	e = &l->sig->e[sig];
	if (e->cb == NULL) {
		if (route(l, sig, e) < 0) {
			int err = errno;

			if (l->sig->count == 0)
				signals_close(l);
			return errno = err, -1;
		}
		l->sig->count++;
	}
	e->cb = cb;
	e->arg = arg;
	e->name = name;
	return 0;
}

int
loop_remove_signal_handler(struct loop *l, int sig)
{
	struct sig_entry *e;

	if (l->sig == NULL || sig <= 0 || sig >= NSIG ||
	    (e = &l->sig->e[sig])->cb == NULL)
		return errno = ENOENT, -1;
	unroute(l, sig, e);
	e->cb = NULL;
	if (--l->sig->count == 0)
		signals_close(l);
	return 0;
}

void
loop_signals_clear(struct loop *l)
{
	int sig;

	for (sig = 1; sig < NSIG && l->sig != NULL; sig++)
		if (l->sig->e[sig].cb != NULL)
			loop_remove_signal_handler(l, sig);
}
