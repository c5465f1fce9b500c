/*
 * sys_poll.c - the traced wrappers for readiness: select(2), poll(2) and
 * epoll(7), and eventfd(2), the counter through which another thread
 * makes a loop's fd readable; see sys.h for the calls and sys_impl.h for
 * the shape every wrapper has.
 *
 * Interest and ready sets are recorded as "3:POLLIN 4:POLLIN|POLLOUT",
 * "3:EPOLLIN 5:EPOLLOUT|EPOLLHUP" and, for select, as the fds of each set:
 * "3 4 7".  epoll_wait names each fd by data.fd, where this project's
 * callers (lib/poller_epoll.c) keep it.
 */
#include "sys_impl.h"

#include <errno.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>

static const struct sym poll_events[] = {
	SYM(POLLIN), SYM(POLLPRI), SYM(POLLOUT), SYM(POLLRDHUP), SYM(POLLERR),
	SYM(POLLHUP), SYM(POLLNVAL), SYM(POLLRDNORM), SYM(POLLRDBAND),
	SYM(POLLWRNORM), SYM(POLLWRBAND), SYM_END
};
static const struct sym epoll_ops[] = {
	SYM(EPOLL_CTL_ADD), SYM(EPOLL_CTL_MOD), SYM(EPOLL_CTL_DEL), SYM_END
};
static const struct sym epoll_events[] = {
	SYM(EPOLLIN), SYM(EPOLLPRI), SYM(EPOLLOUT), SYM(EPOLLRDHUP),
	SYM(EPOLLERR), SYM(EPOLLHUP), SYM(EPOLLET), SYM(EPOLLONESHOT),
	SYM(EPOLLEXCLUSIVE), SYM(EPOLLWAKEUP), SYM_END
};
static const struct sym epoll_flags[] = {
	SYM(EPOLL_CLOEXEC), SYM_END
};
static const struct sym efd_flags[] = {
	SYM(EFD_CLOEXEC), SYM(EFD_NONBLOCK), SYM(EFD_SEMAPHORE), SYM_END
};

/* "3:POLLIN 4:POLLIN|POLLOUT": events, or with ready set, revents != 0. */
static const char *
pollfds_str(const struct pollfd *fds, nfds_t n, int ready, char *buf,
    size_t size)
{
	char ev[96];
	struct sbuf b;
	nfds_t i;

	sb_init(&b, buf, size);
	for (i = 0; i < n; i++) {
		short bits = ready ? fds[i].revents : fds[i].events;

		if (ready && bits == 0)
			continue;
		sb_printf(&b, "%s%d:%s", b.len > 0 ? " " : "", fds[i].fd,
		    flag_names(poll_events, (unsigned short)bits, ev,
		    sizeof(ev)));
	}
	return buf;
}

/* "3:EPOLLIN 5:EPOLLOUT|EPOLLHUP": the fds and events epoll_wait reported. */
static const char *
epoll_ready_str(const struct epoll_event *evs, int n, char *buf,
    size_t size)
{
	char ev[96];
	struct sbuf b;
	int i;

	sb_init(&b, buf, size);
	for (i = 0; i < n; i++)
		sb_printf(&b, "%s%d:%s", i > 0 ? " " : "", evs[i].data.fd,
		    flag_names(epoll_events, evs[i].events, ev, sizeof(ev)));
	return buf;
}

/* "3 4 7": the fds below nfds in set, or "-" for an empty or NULL set. */
static const char *
fdset_str(const fd_set *set, int nfds, char *buf, size_t size)
{
	struct sbuf b;
	int fd;

	sb_init(&b, buf, size);
	for (fd = 0; set != NULL && fd < nfds && fd < FD_SETSIZE; fd++)
		if (FD_ISSET(fd, set))
			sb_printf(&b, "%s%d", b.len > 0 ? " " : "", fd);
	if (b.len == 0)
		sb_printf(&b, "-");
	return buf;
}

/* ---- readiness: see select(2), poll(2), epoll(7) ---- */

/*
 * select(2) overwrites its sets with the ready ones, so the interest sets
 * are recorded before the call and the ready sets after it.
 */
int
sys_select(int nfds, fd_set *rfds, fd_set *wfds, fd_set *efds,
    struct timeval *timeout)
{
	char buf[256];
	struct rec r;
	int ret;

	if (!sys_watch)
		return select(nfds, rfds, wfds, efds, timeout);
	rec_start(&r, "select", -1);
	rec_int(&r, "nfds", nfds);
	rec_int(&r, "timeout_ms", timeout == NULL ? -1 :
	    (long long)timeout->tv_sec * 1000 + timeout->tv_usec / 1000);
	if (!r.quiet) {
		rec_str(&r, "read", fdset_str(rfds, nfds, buf, sizeof(buf)));
		rec_str(&r, "write", fdset_str(wfds, nfds, buf, sizeof(buf)));
	}
	if (efds != NULL && !r.quiet)
		rec_str(&r, "except", fdset_str(efds, nfds, buf, sizeof(buf)));
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = select(nfds, rfds, wfds, efds, timeout);
	r.err = errno;
	if (ret > 0 && !r.quiet) {
		rec_str(&r, "ready_read", fdset_str(rfds, nfds, buf,
		    sizeof(buf)));
		rec_str(&r, "ready_write", fdset_str(wfds, nfds, buf,
		    sizeof(buf)));
	}
	rec_end(&r, ret);
	return ret;
}

int
sys_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	char buf[512];
	struct rec r;
	int ret;

	if (!sys_watch)
		return poll(fds, nfds, timeout);
	rec_start(&r, "poll", -1);
	rec_int(&r, "nfds", (long long)nfds);
	rec_int(&r, "timeout", timeout);
	if (!r.quiet)
		rec_str(&r, "fds", pollfds_str(fds, nfds, 0, buf, sizeof(buf)));
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = poll(fds, nfds, timeout);
	r.err = errno;
	if (ret > 0 && !r.quiet)
		rec_str(&r, "ready", pollfds_str(fds, nfds, 1, buf,
		    sizeof(buf)));
	rec_end(&r, ret);
	return ret;
}

int
sys_epoll_create1(int flags)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return epoll_create1(flags);
	rec_start(&r, "epoll_create1", -1);
	rec_flags(&r, "flags", (unsigned long)flags, epoll_flags);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = epoll_create1(flags);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	char name[32];
	struct rec r;
	int ret;

	if (!sys_watch)
		return epoll_ctl(epfd, op, fd, ev);
	rec_start(&r, "epoll_ctl", epfd);
	rec_qual(&r, sym_name(epoll_ops, op, name, sizeof(name)));
	rec_str(&r, "op", r.qual);
	rec_int(&r, "fd", fd);
	if (ev != NULL && op != EPOLL_CTL_DEL)
		rec_flags(&r, "events", ev->events, epoll_events);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = epoll_ctl(epfd, op, fd, ev);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout)
{
	char buf[512];
	struct rec r;
	int ret;

	if (!sys_watch)
		return epoll_wait(epfd, evs, max, timeout);
	rec_start(&r, "epoll_wait", epfd);
	rec_int(&r, "max", max);
	rec_int(&r, "timeout", timeout);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = epoll_wait(epfd, evs, max, timeout);
	r.err = errno;
	if (ret > 0 && !r.quiet)
		rec_str(&r, "ready", epoll_ready_str(evs, ret, buf,
		    sizeof(buf)));
	rec_end(&r, ret);
	return ret;
}

/* ---- wake-ups: see eventfd(2), eventfd_read(3) ---- */

int
sys_eventfd(unsigned int initval, int flags)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return eventfd(initval, flags);
	rec_start(&r, "eventfd", -1);
	rec_int(&r, "initval", initval);
	rec_flags(&r, "flags", (unsigned long)flags, efd_flags);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = eventfd(initval, flags);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/*
 * eventfd_read(3) and eventfd_write(3) are glibc's read(2) and write(2)
 * of the 8-byte counter; they have their own names here so the trace
 * says what the 8 bytes mean.
 */
int
sys_eventfd_read(int fd, eventfd_t *value)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return eventfd_read(fd, value);
	rec_start(&r, "eventfd_read", fd);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = eventfd_read(fd, value);
	r.err = errno;
	if (ret == 0)
		rec_int(&r, "value", (long long)*value);
	rec_end(&r, ret);
	return ret;
}

int
sys_eventfd_write(int fd, eventfd_t value)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return eventfd_write(fd, value);
	rec_start(&r, "eventfd_write", fd);
	rec_int(&r, "value", (long long)value);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = eventfd_write(fd, value);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}
