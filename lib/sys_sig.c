/*
 * sys_sig.c - the traced wrappers for sending, waiting for and timing
 * signals: sigqueue, pidfd_open, pidfd_send_signal, signalfd,
 * sigtimedwait, sigpending, sigsuspend, ppoll, alarm, setitimer and
 * pthread_sigmask; see sys.h for the calls and sys_impl.h for the shape
 * every wrapper has.  (kill, sigaction and sigprocmask are in
 * sys_proc.c.)
 *
 * Signals are recorded by name ("SIGUSR1", "SIGRTMIN+2"), signal sets as
 * the names of their members, and times in seconds.
 */
#include "sys_impl.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <unistd.h>

#include "sigs.h"

static const struct sym mask_hows[] = {
	SYM(SIG_BLOCK), SYM(SIG_UNBLOCK), SYM(SIG_SETMASK), SYM_END
};
static const struct sym sfd_flags[] = {
	SYM(SFD_CLOEXEC), SYM(SFD_NONBLOCK), SYM_END
};
static const struct sym timers[] = {
	SYM(ITIMER_REAL), SYM(ITIMER_VIRTUAL), SYM(ITIMER_PROF), SYM_END
};

/* A signal argument, by name. */
static void
rec_sig(struct rec *r, const char *key, int sig)
{
	char name[32];

	rec_str(r, key, sig_name(sig, name, sizeof(name)));
}

/* A signal set argument, as the names of its members ("SIGINT SIGTERM"). */
static void
rec_set(struct rec *r, const char *key, const sigset_t *set)
{
	char buf[512];
	uint64_t mask = 0;
	int s;

	for (s = 1; s <= 64 && s < NSIG; s++)
		if (sigismember(set, s) == 1)
			mask |= UINT64_C(1) << (s - 1);
	rec_str(r, key, sigs_mask_names(mask, buf, sizeof(buf)));
}

/* A time in seconds, with microseconds: "0.250000". */
static void
rec_timeval(struct rec *r, const char *key, const struct timeval *tv)
{
	char buf[40];

	snprintf(buf, sizeof(buf), "%lld.%06ld", (long long)tv->tv_sec,
	    (long)tv->tv_usec);
	rec_str(r, key, buf);
}

/* Who sent a signal, from its siginfo: the pid and si_code. */
static void
rec_siginfo(struct rec *r, int sig, int code, pid_t pid)
{
	char buf[24];

	rec_sig(r, "got", sig);
	rec_str(r, "code", sigs_code_name(sig, code, buf, sizeof(buf)));
	rec_int(r, "from_pid", pid);
}

/* ---- sending: see sigqueue(3), pidfd_open(2), pidfd_send_signal(2) ---- */

int
sys_sigqueue(pid_t pid, int sig, const union sigval value)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return sigqueue(pid, sig, value);
	rec_start(&r, "sigqueue", -1);
	rec_int(&r, "pid", pid);
	rec_sig(&r, "sig", sig);
	rec_int(&r, "value", value.sival_int);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = sigqueue(pid, sig, value);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_pidfd_open(pid_t pid, unsigned int flags)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return pidfd_open(pid, flags);
	rec_start(&r, "pidfd_open", -1);
	rec_int(&r, "pid", pid);
	rec_int(&r, "flags", flags);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = pidfd_open(pid, flags);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned int flags)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return pidfd_send_signal(pidfd, sig, info, flags);
	rec_start(&r, "pidfd_send_signal", pidfd);
	rec_sig(&r, "sig", sig);
	rec_str(&r, "info", info != NULL ? "given" : "NULL");
	rec_int(&r, "flags", flags);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = pidfd_send_signal(pidfd, sig, info, flags);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/* ---- receiving: see signalfd(2), sigtimedwait(2), sigsuspend(2) ---- */

int
sys_signalfd(int fd, const sigset_t *mask, int flags)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return signalfd(fd, mask, flags);
	rec_start(&r, "signalfd", fd);
	rec_set(&r, "mask", mask);
	rec_flags(&r, "flags", (unsigned long)flags, sfd_flags);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = signalfd(fd, mask, flags);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_sigtimedwait(const sigset_t *set, siginfo_t *info,
		 const struct timespec *timeout)
{
	char buf[40];
	struct rec r;
	int ret;

	if (!sys_watch)
		return sigtimedwait(set, info, timeout);
	rec_start(&r, "sigtimedwait", -1);
	rec_set(&r, "set", set);
	if (timeout != NULL) {
		snprintf(buf, sizeof(buf), "%lld.%09ld",
		    (long long)timeout->tv_sec, timeout->tv_nsec);
		rec_str(&r, "timeout", buf);
	}
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = sigtimedwait(set, info, timeout);
	r.err = errno;
	if (ret > 0 && info != NULL)
		rec_siginfo(&r, ret, info->si_code, info->si_pid);
	rec_end(&r, ret);
	return ret;
}

int
sys_sigpending(sigset_t *set)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return sigpending(set);
	rec_start(&r, "sigpending", -1);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = sigpending(set);
	r.err = errno;
	if (ret == 0)
		rec_set(&r, "pending", set);
	rec_end(&r, ret);
	return ret;
}

/*
 * sigsuspend always returns -1: EINTR once a handler has run.  The event
 * is emitted after the handlers, so it follows their own events.
 */
int
sys_sigsuspend(const sigset_t *mask)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return sigsuspend(mask);
	rec_start(&r, "sigsuspend", -1);
	rec_set(&r, "mask", mask);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = sigsuspend(mask);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/*
 * ppoll is poll with a signal mask swapped in for the wait, as sigsuspend
 * swaps one in: with no descriptors, it is a sigsuspend with a timeout.
 */
int
sys_ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
	  const sigset_t *mask)
{
	char buf[40];
	struct rec r;
	int ret;

	if (!sys_watch)
		return ppoll(fds, nfds, timeout, mask);
	rec_start(&r, "ppoll", nfds > 0 ? fds[0].fd : -1);
	rec_int(&r, "nfds", (long long)nfds);
	if (timeout != NULL) {
		snprintf(buf, sizeof(buf), "%lld.%09ld",
		    (long long)timeout->tv_sec, timeout->tv_nsec);
		rec_str(&r, "timeout", buf);
	}
	if (mask != NULL)
		rec_set(&r, "mask", mask);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = ppoll(fds, nfds, timeout, mask);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/* ---- timers: see alarm(2), setitimer(2) ---- */

/*
 * alarm(2) cannot fail, so --inject does not name it; the event records
 * what the earlier alarm had left (ret, in seconds).
 */
unsigned int
sys_alarm(unsigned int seconds)
{
	struct rec r;
	unsigned int ret;

	if (!sys_watch)
		return alarm(seconds);
	rec_start(&r, "alarm", -1);
	rec_int(&r, "seconds", seconds);
	if (seconds == 0)
		rec_qual(&r, "0");
	ret = alarm(seconds);
	r.err = 0;
	rec_end(&r, ret);
	return ret;
}

int
sys_setitimer(int which, const struct itimerval *new, struct itimerval *old)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return setitimer(which, new, old);
	rec_start(&r, "setitimer", -1);
	rec_sym(&r, "which", which, timers);
	rec_timeval(&r, "value", &new->it_value);
	rec_timeval(&r, "interval", &new->it_interval);
	if (new->it_value.tv_sec == 0 && new->it_value.tv_usec == 0)
		rec_qual(&r, "0");
	else if (new->it_interval.tv_sec != 0 || new->it_interval.tv_usec != 0)
		rec_qual(&r, "interval");
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = setitimer(which, new, old);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/* ---- threads: see pthread_sigmask(3) ---- */

/*
 * pthread_sigmask returns an error number instead of setting errno; the
 * wrapper does the same, and leaves errno as it found it.
 */
int
sys_pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	int saved = errno;
	struct rec r;
	int ret;

	if (!sys_watch)
		return pthread_sigmask(how, set, old);
	rec_start(&r, "pthread_sigmask", -1);
	if (set != NULL) {
		rec_sym(&r, "how", how, mask_hows);
		rec_set(&r, "set", set);
	}
	if (rec_injected(&r)) {
		rec_fail(&r);
		ret = errno;
		errno = saved;
		return ret;
	}
	ret = pthread_sigmask(how, set, old);
	r.err = ret;
	rec_end(&r, ret == 0 ? 0 : -1);
	errno = saved;
	return ret;
}
