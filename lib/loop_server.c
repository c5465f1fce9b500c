/*
 * loop_server.c - a listening socket on the loop, as asyncio's Server:
 * each connection it accepts becomes a stream transport (loop_transport.c)
 * with the server's protocol; see loop.h.
 */
#include "loop_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "sys.h"

/* Accepts one wake-up may take before other fds get a turn. */
#define BATCH	64

struct loop_server {
	struct loop *loop;
	int fd;
	int spare;		/* kept open to accept-and-close on EMFILE */
	const struct loop_protocol *p;
	void *(*factory)(void *arg);
	void *arg;
	unsigned long refused;
	struct loop_server *next;
};

/*
 * Out of fds: the connection waits in the backlog and the listener stays
 * readable, so a loop that merely retries spins.  Give up the spare fd,
 * accept the connection into it, close that (the peer sees the close),
 * and take the spare back: the trick of libev and of Marc Lehmann's
 * notes on accept(2) and EMFILE.
 */
static void
refuse_one(struct loop_server *s)
{
	int fd;

	if (s->spare < 0)
		return;
	sys_close(s->spare);
	fd = sys_accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0) {
		sys_close(fd);
		s->refused++;
	}
	s->spare = sys_open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void
on_accept(struct loop *l, int lfd, void *arg)
{
	struct loop_server *s = arg;
	struct loop_transport *t;
	void *ctx;
	int i, fd;

	for (i = 0; i < BATCH; i++) {
		fd = sys_accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE)
				refuse_one(s);
			return;		/* EAGAIN: the backlog is empty */
		}
		/* The transport first: a ctx is never made without one. */
		t = transport_alloc(l, fd, s->p, NULL);
		if (t != NULL && (ctx = s->factory(s->arg)) != NULL) {
			transport_set_ctx(t, ctx);
			if (transport_start(t) == 0)
				continue;
			/* Out of memory: the protocol still hears the end. */
			if (s->p->connection_lost != NULL)
				s->p->connection_lost(t, errno, ctx);
		}
		if (t != NULL)
			transport_free(t);
		sys_close(fd);
	}
}

struct loop_server *
loop_server_new(struct loop *l, int fd, const struct loop_protocol *p,
		void *(*factory)(void *arg), void *arg)
{
	struct loop_server *s = calloc(1, sizeof(*s));
	int err;

	if (s == NULL)
		return NULL;
	*s = (struct loop_server){ .loop = l, .fd = fd, .p = p,
				   .factory = factory, .arg = arg };
	s->spare = sys_open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (s->spare < 0 ||
	    loop_add_reader(l, fd, "accept", on_accept, s) < 0) {
		err = errno;
		if (s->spare >= 0)
			sys_close(s->spare);
		free(s);
		errno = err;
		return NULL;
	}
	s->next = l->servers;
	l->servers = s;
	return s;
}

unsigned long
loop_server_refused(const struct loop_server *s)
{
	return s->refused;
}

void
loop_server_close(struct loop_server *s)
{
	struct loop_server **p;

	for (p = &s->loop->servers; *p != NULL; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
	loop_remove_reader(s->loop, s->fd);
	sys_close(s->fd);
	if (s->spare >= 0)
		sys_close(s->spare);
	free(s);
}

void
loop_servers_clear(struct loop *l)
{
	while (l->servers != NULL)
		loop_server_close(l->servers);
}
