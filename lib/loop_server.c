/*
 * loop_server.c - a listening socket on the loop, as asyncio's Server:
 * each connection it accepts becomes a stream transport (loop_transport.c)
 * with the server's protocol; see loop.h.
 *
 * A server on a Unix socket bound to a path removes that socket file
 * when it closes, as asyncio does since Python 3.13: the file would
 * otherwise outlive the server, and the next bind(2) to the same path
 * would fail with EADDRINUSE.  It removes it only if the file is still
 * the one it found at the start (same device and inode), so a server
 * that has since been started on the same path keeps its own.
 */
#include "loop_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

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
	char *path;		/* a Unix socket file to unlink at close */
	dev_t dev;		/* ... if it is still this one */
	ino_t ino;
	struct loop_server *next;
};

/*
 * Note the socket file s->fd is bound to, if any: not for an IP socket,
 * an abstract name (unix:@name, no file) or an unbound socket.  Nothing
 * here is an error: a server whose file cannot be noted simply leaves
 * it behind, as servers did before Python 3.13.
 */
static void
note_socket_file(struct loop_server *s)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);
	size_t n, off = offsetof(struct sockaddr_un, sun_path);
	struct stat st;

	if (sys_getsockname(s->fd, (struct sockaddr *)&sun, &len) < 0 ||
	    sun.sun_family != AF_UNIX || len <= off || sun.sun_path[0] == '\0')
		return;
	/* See unix(7): sun_path need not end with a NUL. */
	n = strnlen(sun.sun_path, len - off);
	if ((s->path = malloc(n + 1)) == NULL)
		return;
	memcpy(s->path, sun.sun_path, n);
	s->path[n] = '\0';
	if (sys_stat(s->path, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		free(s->path);
		s->path = NULL;
		return;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
}

/* Unlink the noted socket file, if it is still ours. */
static void
remove_socket_file(struct loop_server *s)
{
	struct stat st;

	if (s->path == NULL)
		return;
	if (sys_stat(s->path, &st) == 0 && st.st_dev == s->dev &&
	    st.st_ino == s->ino)
		sys_unlink(s->path);
	free(s->path);
}

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
			/*
			 * Out of memory: the protocol still hears the end,
			 * connection_lost with no connection_made before
			 * it, and frees ctx there as after any other end.
			 */
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
	note_socket_file(s);
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
	remove_socket_file(s);
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
