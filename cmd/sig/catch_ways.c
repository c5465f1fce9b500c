/*
 * catch_ways.c - four ways to receive a signal, for `ipc sig catch`:
 *
 *   handler    a handler records the siginfo; the program waits in ppoll,
 *              the one place the signals are unblocked (see sigsuspend(2))
 *   self-pipe  a handler writes the siginfo into a pipe; the program polls
 *              the pipe like any other descriptor
 *   signalfd   no handler: the signals stay blocked and are read from a
 *              descriptor (see signalfd(2))
 *   sigwait    no handler: sigtimedwait(2) takes one pending signal
 *
 * A handler interrupts the program anywhere, even inside malloc or
 * printf, so it may call only async-signal-safe functions (see
 * signal-safety(7)).  The two handlers here store integers or call
 * write(2), and nothing else.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "catch.h"
#include "clock.h"
#include "sys.h"

/* Deliveries the handler way can hold between two waits. */
#define RING	256

static sigset_t caught;			/* the signals asked for */
static sigset_t installed;		/* those given a handler so far */
static struct sigaction old_acts[NSIG];	/* their dispositions before */
static int pipe_fds[2] = { -1, -1 };	/* self-pipe: read end, write end */
static int sfd = -1;			/* the signalfd */
static sigset_t wait_mask;		/* handler: the mask during ppoll */

/*
 * What the handlers share with the program: only volatile sig_atomic_t,
 * the one type a handler may write and the program read; see
 * signal(7) and C17 7.14.1.1.
 */
static struct {
	volatile sig_atomic_t sig, code, pid, uid, value;
} ring[RING];
static volatile sig_atomic_t ring_in, ring_out, lost;

int
catch_lost(void)
{
	return lost;
}

/* The time left until deadline, for a call that takes a timespec. */
static const struct timespec *
time_left(long long deadline, struct timespec *ts)
{
	int ms = clock_ms_until(deadline);

	if (ms < 0)
		return NULL;
	ts->tv_sec = ms / 1000;
	ts->tv_nsec = (long)(ms % 1000) * 1000000L;
	return ts;
}

/* Install fn as the SA_SIGINFO handler of every signal in set. */
static int
install(const sigset_t *set, void (*fn)(int, siginfo_t *, void *),
	const char **what)
{
	struct sigaction sa;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO;
	/* While one handler runs, the others wait: no handler nests. */
	sa.sa_mask = *set;
	caught = *set;
	for (sig = 1; sig < NSIG; sig++) {
		if (sigismember(set, sig) != 1)
			continue;
		if (sys_sigaction(sig, &sa, &old_acts[sig]) < 0) {
			*what = "sigaction";
			return -1;
		}
		sigaddset(&installed, sig);
	}
	return 0;
}

/* Put back the dispositions install() replaced. */
static void
uninstall(void)
{
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		if (sigismember(&installed, sig) == 1)
			sys_sigaction(sig, &old_acts[sig], NULL);
	sigemptyset(&installed);
}

/* Copy what a siginfo says about the sender. */
static void
from_siginfo(struct catch_delivery *d, int sig, const siginfo_t *si)
{
	d->sig = sig;
	d->code = si->si_code;
	d->pid = si->si_pid;
	d->uid = si->si_uid;
	d->value = si->si_value.sival_int;
}

static int
nothing_to_release(const char **what)
{
	(void)what;
	return 0;
}

/* ---- handler: record, and wait in ppoll ---- */

/*
 * Async-signal-safe: it stores integers and bumps counters, nothing more.
 * It runs only inside ppoll, where the program waits with the signals
 * unblocked, so the program never reads a slot while it is written.
 */
static void
ring_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (ring_in - ring_out >= RING) {
		lost++;
		return;
	}
	ring[ring_in % RING].sig = sig;
	ring[ring_in % RING].code = si->si_code;
	ring[ring_in % RING].pid = si->si_pid;
	ring[ring_in % RING].uid = (sig_atomic_t)si->si_uid;
	ring[ring_in % RING].value = si->si_value.sival_int;
	ring_in++;
}

static int
handler_start(const sigset_t *set, const char **what)
{
	int sig;

	ring_in = ring_out = lost = 0;
	if (sys_sigprocmask(SIG_BLOCK, NULL, &wait_mask) < 0) {
		*what = "sigprocmask";
		return -1;
	}
	for (sig = 1; sig < NSIG; sig++)
		if (sigismember(set, sig) == 1)
			sigdelset(&wait_mask, sig);
	return install(set, ring_handler, what);
}

/*
 * Checking the ring and then waiting would lose a signal that arrives in
 * between; ppoll unblocks the signals and waits in one step, so a
 * delivery either came before (and ppoll returns at once) or wakes it.
 */
static int
handler_next(long long deadline, struct catch_delivery *d, const char **what)
{
	struct timespec ts;
	int n;

	for (;;) {
		if (ring_out != ring_in) {
			d->sig = ring[ring_out % RING].sig;
			d->code = ring[ring_out % RING].code;
			d->pid = ring[ring_out % RING].pid;
			d->uid = (uid_t)ring[ring_out % RING].uid;
			d->value = ring[ring_out % RING].value;
			ring_out++;
			return 1;
		}
		n = sys_ppoll(NULL, 0, time_left(deadline, &ts), &wait_mask);
		if (n == 0)
			return 0;
		if (n < 0 && errno != EINTR) {
			*what = "ppoll";
			return -1;
		}
	}
}

/* ---- self-pipe: the handler writes, the program polls ---- */

/*
 * Async-signal-safe: write(2) is on the list in signal-safety(7), and
 * errno is put back for the code it interrupted.  It calls write and not
 * sys_write: the tracer takes locks, which a handler must never do.  The
 * pipe is non-blocking, so a full pipe drops the record (and counts it)
 * instead of hanging the program inside its own handler.
 */
static void
pipe_handler(int sig, siginfo_t *si, void *uc)
{
	struct catch_delivery d;
	int saved = errno;

	(void)uc;
	from_siginfo(&d, sig, si);
	if (write(pipe_fds[1], &d, sizeof(d)) != (ssize_t)sizeof(d))
		lost++;
	errno = saved;
}

static int
pipe_start(const sigset_t *set, const char **what)
{
	lost = 0;
	if (sys_pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		*what = "pipe2";
		return -1;
	}
	return install(set, pipe_handler, what);
}

static int
pipe_release(const char **what)
{
	if (sys_sigprocmask(SIG_UNBLOCK, &caught, NULL) < 0) {
		*what = "sigprocmask";
		return -1;
	}
	return 0;
}

/*
 * Read one record from fd (non-blocking) of exactly size bytes, polling
 * until deadline when none is there.  Records are written whole: a pipe
 * write of at most PIPE_BUF bytes is atomic (see pipe(7)), and a signalfd
 * read returns whole records.  Returns 1, 0 at the deadline, or -1.
 */
static int
read_record(int fd, void *rec, size_t size, long long deadline,
	    const char **what)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int r;

	for (;;) {
		n = sys_read(fd, rec, size);
		if (n == (ssize_t)size)
			return 1;
		if (n >= 0)
			errno = EIO;	/* a part of a record, or end of file */
		if (n < 0 && errno == EINTR)
			continue;
		if (n >= 0 || errno != EAGAIN) {
			*what = "read";
			return -1;
		}
		r = sys_poll(&p, 1, clock_ms_until(deadline));
		if (r == 0)
			return 0;
		if (r < 0 && errno != EINTR) {
			*what = "poll";
			return -1;
		}
	}
}

static int
pipe_next(long long deadline, struct catch_delivery *d, const char **what)
{
	return read_record(pipe_fds[0], d, sizeof(*d), deadline, what);
}

static void
pipe_stop(void)
{
	uninstall();
	if (pipe_fds[0] >= 0)
		sys_close(pipe_fds[0]);
	if (pipe_fds[1] >= 0)
		sys_close(pipe_fds[1]);
	pipe_fds[0] = pipe_fds[1] = -1;
}

/* ---- signalfd: read signals like data ---- */

static int
sfd_start(const sigset_t *set, const char **what)
{
	sfd = sys_signalfd(-1, set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		*what = "signalfd";
		return -1;
	}
	return 0;
}

static int
sfd_next(long long deadline, struct catch_delivery *d, const char **what)
{
	struct signalfd_siginfo ssi;
	int r;

	r = read_record(sfd, &ssi, sizeof(ssi), deadline, what);
	if (r == 1) {
		d->sig = (int)ssi.ssi_signo;
		d->code = ssi.ssi_code;
		d->pid = (pid_t)ssi.ssi_pid;
		d->uid = (uid_t)ssi.ssi_uid;
		d->value = ssi.ssi_int;
	}
	return r;
}

static void
sfd_stop(void)
{
	if (sfd >= 0)
		sys_close(sfd);
	sfd = -1;
}

/* ---- sigwait: take one pending signal ---- */

static int
wait_start(const sigset_t *set, const char **what)
{
	(void)what;
	caught = *set;
	return 0;
}

static int
wait_next(long long deadline, struct catch_delivery *d, const char **what)
{
	struct timespec ts;
	siginfo_t si;
	int sig;

	for (;;) {
		sig = sys_sigtimedwait(&caught, &si, time_left(deadline, &ts));
		if (sig > 0) {
			from_siginfo(d, sig, &si);
			return 1;
		}
		if (errno == EAGAIN)
			return 0;
		if (errno != EINTR) {
			*what = "sigtimedwait";
			return -1;
		}
	}
}

static void
wait_stop(void)
{
}

static const struct catch_way way_handler = {
	"handler", handler_start, nothing_to_release, handler_next, uninstall,
};
static const struct catch_way way_pipe = {
	"self-pipe", pipe_start, pipe_release, pipe_next, pipe_stop,
};
static const struct catch_way way_signalfd = {
	"signalfd", sfd_start, nothing_to_release, sfd_next, sfd_stop,
};
static const struct catch_way way_sigwait = {
	"sigwait", wait_start, nothing_to_release, wait_next, wait_stop,
};

const struct catch_way *const catch_ways[] = {
	&way_handler, &way_pipe, &way_signalfd, &way_sigwait, NULL
};
