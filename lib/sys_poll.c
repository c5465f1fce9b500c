/*
 * sys_poll.c - the traced wrappers for readiness: poll(2) and epoll(7); see
 * sys.h for the calls and sys_impl.h for the shape every wrapper has.
 *
 * Interest and ready sets are recorded as "3:POLLIN 4:POLLIN|POLLOUT" and
 * "EPOLLIN EPOLLOUT|EPOLLHUP".
 */
#include "sys_impl.h"

#include <errno.h>
#include <poll.h>
#include <sys/epoll.h>

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

/* "EPOLLIN EPOLLOUT|EPOLLHUP": the events epoll_wait reported. */
static const char *
epoll_ready_str(const struct epoll_event *evs, int n, char *buf,
    size_t size)
{
	char ev[96];
	struct sbuf b;
	int i;

	sb_init(&b, buf, size);
	for (i = 0; i < n; i++)
		sb_printf(&b, "%s%s", i > 0 ? " " : "",
		    flag_names(epoll_events, evs[i].events, ev, sizeof(ev)));
	return buf;
}

/* ---- readiness: see poll(2), epoll(7) ---- */

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
	rec_str(&r, "fds", pollfds_str(fds, nfds, 0, buf, sizeof(buf)));
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = poll(fds, nfds, timeout);
	r.err = errno;
	if (ret > 0)
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
	if (ret > 0)
		rec_str(&r, "ready", epoll_ready_str(evs, ret, buf,
		    sizeof(buf)));
	rec_end(&r, ret);
	return ret;
}
