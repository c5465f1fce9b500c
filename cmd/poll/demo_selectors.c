/*
 * demo_selectors.c - `ipc poll demo selectors`: the echo server from the
 * documentation of Python's selectors module, in C on lib/poller.h:
 *
 *	sel.register(sock, EVENT_READ, accept)
 *	while True:
 *		for key, mask in sel.select():
 *			callback = key.data
 *			callback(key.fileobj, mask)
 *
 * The data of each key is the callback's handler (struct conn), so the
 * loop does not know what an fd is for: it calls what the key holds.  Its
 * own clients run in the same loop, and the demo ends when they have
 * their echoes.  With --serve ADDR it serves outside peers instead, until
 * SIGINT or SIGTERM, which reach the loop through a self-pipe.
 *
 * Unlike the Python example, a short send is not lost: the rest is kept
 * and the connection waits for EVENT_WRITE before it reads again, so one
 * peer can never make the server buffer more than one read.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "net.h"
#include "poll.h"
#include "sys.h"

#define MAX_CONNS	64	/* connections at once; then accept waits */
#define NCLIENTS	2
#define BUF_SIZE	1000	/* conn.recv(1000), as in the example */
#define DEMO_TIMEOUT	10.0	/* the built-in run ends well before this */

struct demo;
struct conn;
typedef int (*callback_fn)(struct demo *d, struct conn *c, unsigned mask);

/* One registered descriptor: the key's data. */
struct conn {
	callback_fn cb;
	int fd;
	int client;		/* one of the demo's own clients */
	int id;			/* client number, from 1 */
	int next;		/* the client's next message */
	char buf[BUF_SIZE];	/* bytes read and not yet echoed */
	size_t len, off;
};

struct demo {
	const struct cli *cli;
	struct selector sel;
	struct conn listener, sigpipe;
	struct conn conns[MAX_CONNS + NCLIENTS];
	int nconns;		/* accepted and open */
	int clients;		/* own clients still waiting for echoes */
	int paused;		/* the listener is unregistered: MAX_CONNS */
	int stop;
};

static const char *const messages[] = { "hello", "selectors" };
#define NMESSAGES	(int)(sizeof(messages) / sizeof(messages[0]))

/* The self-pipe's write end, for the signal handler; see signal-safety(7). */
static int sig_fd = -1;

static void
on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	/* A full pipe already holds a wake-up: losing this byte is fine. */
	if (write(sig_fd, &c, 1) < 0)
		errno = saved;
	errno = saved;
}

static struct conn *
conn_new(struct demo *d)
{
	for (size_t i = 0; i < sizeof(d->conns) / sizeof(d->conns[0]); i++)
		if (d->conns[i].cb == NULL) {
			memset(&d->conns[i], 0, sizeof(d->conns[i]));
			return &d->conns[i];
		}
	return NULL;
}

/* sel.unregister(conn); conn.close(); and accept again if paused. */
static int
conn_close(struct demo *d, struct conn *c)
{
	if (selector_unregister(&d->sel, c->fd) < 0)
		return fail(d->cli, "unregister", errno, NULL);
	sys_close(c->fd);
	c->cb = NULL;
	if (c->client) {
		d->clients--;
		return 0;
	}
	d->nconns--;
	if (d->paused && selector_register(&d->sel, d->listener.fd,
					   POLLER_IN, &d->listener) < 0)
		return fail(d->cli, "register", errno, NULL);
	d->paused = 0;
	return 0;
}

static int echo_read(struct demo *d, struct conn *c, unsigned mask);

/* EVENT_WRITE: send what is left; when nothing is, read again. */
static int
echo_write(struct demo *d, struct conn *c, unsigned mask)
{
	ssize_t n;

	n = sys_send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0) {
		printf("server: fd %d: send: %s\n", c->fd, out_errname(errno));
		return conn_close(d, c);
	}
	c->off += (size_t)n;
	if (c->off < c->len)
		return 0;
	c->off = c->len = 0;
	c->cb = echo_read;
	if (selector_modify(&d->sel, c->fd, POLLER_IN, c) < 0)
		return fail(d->cli, "modify", errno, NULL);
	return 0;
}

/* def read(conn, mask): data = conn.recv(1000); echo it, or close. */
static int
echo_read(struct demo *d, struct conn *c, unsigned mask)
{
	ssize_t n = sys_recv(c->fd, c->buf, sizeof(c->buf), 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		printf("server: fd %d: %s; unregister and close\n", c->fd,
		       n == 0 ? "end of file" : out_errname(errno));
		return conn_close(d, c);
	}
	printf("server: fd %d: echoing %zd bytes\n", c->fd, n);
	c->len = (size_t)n;
	c->off = 0;
	c->cb = echo_write;
	if (selector_modify(&d->sel, c->fd, POLLER_OUT, c) < 0)
		return fail(d->cli, "modify", errno, NULL);
	return 0;
}

/* def accept(sock, mask): conn = sock.accept(); register it for read. */
static int
accept_cb(struct demo *d, struct conn *l, unsigned mask)
{
	char peer[256];
	struct conn *c;
	int fd;

	fd = sys_accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0 && (errno == EAGAIN || errno == EINTR ||
		       errno == ECONNABORTED))
		return 0;
	if (fd < 0 && errno != EMFILE && errno != ENFILE)
		return fail(d->cli, "accept4", errno, NULL);
	if (fd < 0 || (c = conn_new(d)) == NULL) {
		/*
		 * Out of descriptors or slots: stop listening until a
		 * connection closes, rather than be woken for the same
		 * queued connection again and again.
		 */
		if (fd >= 0)
			sys_close(fd);
		printf("server: connection limit reached; accepting again "
		       "when one closes\n");
		d->paused = 1;
		if (selector_unregister(&d->sel, l->fd) < 0)
			return fail(d->cli, "unregister", errno, NULL);
		return 0;
	}
	c->fd = fd;
	c->cb = echo_read;
	printf("server: accepted fd %d from %s\n", fd,
	       net_peer(fd, peer, sizeof(peer)));
	if (selector_register(&d->sel, fd, POLLER_IN, c) < 0) {
		sys_close(fd);
		c->cb = NULL;
		return fail(d->cli, "register", errno, NULL);
	}
	d->nconns++;
	return 0;
}

/* A client's echo came back: say so, send the next message or close. */
static int
client_read(struct demo *d, struct conn *c, unsigned mask)
{
	char buf[BUF_SIZE + 1];
	ssize_t n = sys_recv(c->fd, buf, BUF_SIZE, 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return fail(d->cli, "client recv", n == 0 ? ECONNRESET : errno,
			    NULL);
	c->len += (size_t)n;
	if (c->len < strlen(messages[c->next]))
		return 0;
	printf("client %d: got back \"%s\"\n", c->id, messages[c->next]);
	c->len = 0;
	if (++c->next == NMESSAGES) {
		printf("client %d: done; close\n", c->id);
		return conn_close(d, c);
	}
	printf("client %d: send \"%s\"\n", c->id, messages[c->next]);
	if (sys_send(c->fd, messages[c->next], strlen(messages[c->next]),
		     MSG_NOSIGNAL) < 0)
		return fail(d->cli, "client send", errno, NULL);
	return 0;
}

/* A signal arrived through the self-pipe: end the loop. */
static int
signal_cb(struct demo *d, struct conn *c, unsigned mask)
{
	char sig;

	if (sys_read(c->fd, &sig, 1) == 1)
		printf("server: signal %d; stopping\n", sig);
	d->stop = 1;
	return 0;
}

/* The demo's own clients: connect, register, send the first message. */
static int
start_clients(struct demo *d)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct conn *c;

	if (sys_getsockname(d->listener.fd, (struct sockaddr *)&ss, &len) < 0)
		return fail(d->cli, "getsockname", errno, NULL);
	for (int i = 1; i <= NCLIENTS; i++) {
		c = conn_new(d);
		c->fd = sys_socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c->fd < 0)
			return fail(d->cli, "socket", errno, NULL);
		c->cb = client_read;
		c->client = 1;
		c->id = i;
		if (sys_connect(c->fd, (struct sockaddr *)&ss, len) < 0)
			return fail(d->cli, "connect", errno, NULL);
		if (selector_register(&d->sel, c->fd, POLLER_IN, c) < 0)
			return fail(d->cli, "register", errno, NULL);
		d->clients++;
		printf("client %d: connected; send \"%s\"\n", i, messages[0]);
		if (sys_send(c->fd, messages[0], strlen(messages[0]),
			     MSG_NOSIGNAL) < 0)
			return fail(d->cli, "send", errno, NULL);
	}
	return 0;
}

/* while True: for key, mask in sel.select(): key.data(key.fileobj, mask) */
static int
loop(struct demo *d, int serving)
{
	long long deadline = serving ? -1 : clock_deadline(DEMO_TIMEOUT);
	struct selector_ready r[16];
	int n, rc;

	while (!d->stop && (serving || d->clients > 0 || d->nconns > 0)) {
		fflush(stdout);
		n = selector_select(&d->sel, clock_ms_until(deadline), r, 16);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(d->cli, d->sel.poller.ops->name, errno,
				    NULL);
		if (n == 0)
			return fail(d->cli, "echo", ETIMEDOUT, "the clients "
				    "never got their echoes");
		for (int i = 0; i < n; i++) {
			struct conn *c = r[i].key->data;

			if (c->cb != NULL && (rc = c->cb(d, c, r[i].events)))
				return rc;
		}
	}
	return 0;
}

/* SIGINT and SIGTERM write to a self-pipe the loop watches. */
static int
catch_signals(struct demo *d, int fds[2])
{
	struct sigaction sa = { .sa_handler = on_signal };

	if (sys_pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return fail(d->cli, "pipe2", errno, NULL);
	sig_fd = fds[1];
	d->sigpipe = (struct conn){ .cb = signal_cb, .fd = fds[0] };
	sigemptyset(&sa.sa_mask);
	if (sys_sigaction(SIGINT, &sa, NULL) < 0 ||
	    sys_sigaction(SIGTERM, &sa, NULL) < 0)
		return fail(d->cli, "sigaction", errno, NULL);
	if (selector_register(&d->sel, fds[0], POLLER_IN, &d->sigpipe) < 0)
		return fail(d->cli, "register", errno, NULL);
	return 0;
}

static int
demo_run(struct demo *d, const char *serve, int sigfds[2])
{
	char name[256];
	int rc;

	if (selector_open(&d->sel, NULL) < 0)
		return fail(d->cli, "selector", errno, NULL);
	rc = bind_listener(d->cli, serve, 0, &d->listener.fd, name,
			   sizeof(name));
	if (rc != 0)
		return rc;
	d->listener.cb = accept_cb;
	if (selector_register(&d->sel, d->listener.fd, POLLER_IN,
			      &d->listener) < 0)
		return fail(d->cli, "register", errno, NULL);
	printf("server: %s selector; listening on %s\n",
	       d->sel.poller.ops->name, name);
	if (serve == NULL) {
		if ((rc = start_clients(d)) != 0)
			return rc;
		return loop(d, 0);
	}
	if ((rc = catch_signals(d, sigfds)) != 0)
		return rc;
	fprintf(stderr, "listening %s\n", name);
	return loop(d, 1);
}

int
poll_demo_selectors(const struct cli *cli, const char *serve)
{
	struct demo *d = calloc(1, sizeof(*d));
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	int sigfds[2] = { -1, -1 }, rc;

	if (d == NULL)
		return fail(cli, "calloc", errno, NULL);
	d->cli = cli;
	d->listener.fd = -1;
	rc = demo_run(d, serve, sigfds);
	if (sigfds[0] >= 0) {
		sys_sigaction(SIGINT, &dfl, NULL);
		sys_sigaction(SIGTERM, &dfl, NULL);
		sys_close(sigfds[0]);
		sys_close(sigfds[1]);
		sig_fd = -1;
	}
	for (size_t i = 0; i < sizeof(d->conns) / sizeof(d->conns[0]); i++)
		if (d->conns[i].cb != NULL)
			sys_close(d->conns[i].fd);
	if (d->listener.fd >= 0)
		sys_close(d->listener.fd);
	selector_close(&d->sel);
	free(d);
	if (rc == 0)
		printf("server: closed\n");
	return rc;
}
