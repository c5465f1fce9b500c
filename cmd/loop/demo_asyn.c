/*
 * demo_asyn.c - the asyncore and asynchat group of `ipc loop demo`: the
 * chapter's HTTPClient and EchoServer/EchoHandler on asyncore's
 * dispatchers, and its http_request_handler on asynchat
 * (lib/loop_asyncore.c, lib/loop_asynchat.c).
 *
 * The two HTTP demos share their ends: asyncore-http-client runs the
 * chapter's HTTPClient (GET /) against the asynchat request handler,
 * and asynchat-http runs the same handler against the same client
 * sending a POST with a body.  The handler reads headers up to a blank
 * line, then Content-Length bytes of body, and answers with what it
 * parsed.  Run without options, both ends share one loop and each
 * server line says "server: "; --serve ADDR serves outside peers until
 * SIGINT or SIGTERM, --connect ADDR fetches from another server.
 *
 * These demos run asyncore_loop(), not loop_run_forever(): only it asks
 * the dispatchers readable() and writable() before each iteration.  The
 * request handler itself is in demo_asynchat.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "demo_asyn.h"
#include "net.h"
#include "sys.h"

/* One recv, as the chapter's recv(8192). */
#define RECV_LEN	8192
/* The echo handler's output buffer: full, it stops reading. */
#define ECHO_BUF	(64 * 1024)
/* See listen(2). */
#define BACKLOG		128

void
asyn_check_done(struct asyn_demo *a)
{
	if (a->stop_when_idle && !a->client_running && a->handlers == 0)
		loop_stop(a->d->loop);
}

/* ---- the listening dispatcher, shared ---- */

static void
server_accept(struct asyncore_dispatcher *srv, void *ctx)
{
	struct asyn_demo *a = ctx;
	char peer[ADDR_LEN];
	int fd = asyncore_accept(srv, NULL, NULL);

	if (fd < 0) {
		/* Out of fds: give up the listener rather than spin on it. */
		if (errno != EAGAIN)
			asyncore_fail(srv, errno);
		return;
	}
	net_peer(fd, peer, sizeof(peer));
	printf("%sIncoming connection from %s\n", a->tag, peer);
	fflush(stdout);
	if (a->accepted(a, fd, peer) < 0) {
		printf("%s%s: %s\n", a->tag, peer, out_errname(errno));
		sys_close(fd);
	}
}

static void
server_error(struct asyncore_dispatcher *srv, int err, void *ctx)
{
	struct asyn_demo *a = ctx;

	demo_fail(a->d, "accept", err);
}

static const struct asyncore_ops server_ops = {
	.handle_accept = server_accept,
	.handle_error = server_error,
};

/* Bind --serve ADDR (or a free port) and listen.  Returns 0 or status. */
static int
open_server(struct asyn_demo *a, const char *name, char *addr, size_t size,
	    int *lfd)
{
	struct asyncore_dispatcher *srv;
	int fd, rc;

	if ((rc = bind_listener(a->d->cli, a->d->serve, 0, &fd, addr,
				size)) != 0)
		return rc;
	if ((srv = asyncore_dispatcher_new(a->m, fd, name, &server_ops,
					   a)) == NULL) {
		sys_close(fd);
		return fail(a->d->cli, "dispatcher", errno, NULL);
	}
	if (asyncore_listen(srv, BACKLOG) < 0)
		return fail(a->d->cli, "listen", errno, NULL);
	printf("%sServing on %s\n", a->tag, addr);
	fflush(stdout);
	*lfd = fd;
	return 0;
}

/*
 * asyncore_loop() until loop_stop(); returns the exit status.  It takes
 * a void * so that demo_serve_until_signal() can run it for --serve.
 */
static int
run(void *arg)
{
	struct asyn_demo *a = arg;

	if (asyncore_loop(a->m, -1) < 0)
		return fail(a->d->cli, loop_backend(a->d->loop), errno, NULL);
	return a->d->rc;
}

/* ---- the chapter's HTTPClient: an asyncore dispatcher ---- */

struct http_client {
	struct asyn_demo *a;
	const char *buf;	/* the request; [off, len) still to send */
	size_t off, len;
	int connected;
};

static int
client_writable(struct asyncore_dispatcher *d, void *ctx)
{
	struct http_client *c = ctx;

	return c->off < c->len;
}

static void
client_write(struct asyncore_dispatcher *d, void *ctx)
{
	struct http_client *c = ctx;
	ssize_t sent = asyncore_send(d, c->buf + c->off, c->len - c->off);

	if (sent < 0)
		asyncore_fail(d, errno);
	else
		c->off += (size_t)sent;
}

static void
client_read(struct asyncore_dispatcher *d, void *ctx)
{
	char buf[RECV_LEN];
	ssize_t n = asyncore_recv(d, buf, sizeof(buf));

	(void)ctx;
	if (n > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		fflush(stdout);
	} else if (n < 0 && errno != EAGAIN) {
		asyncore_fail(d, errno);
	}
}

static void
client_connect(struct asyncore_dispatcher *d, void *ctx)
{
	((struct http_client *)ctx)->connected = 1;
}

static void
client_error(struct asyncore_dispatcher *d, int err, void *ctx)
{
	struct http_client *c = ctx;
	struct demo_ctx *dc = c->a->d;

	demo_fail(dc, c->connected ? "connection" : dc->connect != NULL ?
		  dc->connect : "connect", err);
}

static void
client_destroy(struct asyncore_dispatcher *d, void *ctx)
{
	struct http_client *c = ctx;
	struct asyn_demo *a = c->a;

	free(c);
	a->client_running = 0;
	asyn_check_done(a);
}

static const struct asyncore_ops client_ops = {
	.writable = client_writable,
	.handle_read = client_read,
	.handle_write = client_write,
	.handle_connect = client_connect,
	.handle_error = client_error,
	.destroy = client_destroy,
};

/* Connect an HTTPClient to ss.  Returns 0, or reports and returns status. */
static int
start_client(struct asyn_demo *a, const struct sockaddr_storage *ss,
	     socklen_t len)
{
	struct http_client *c = calloc(1, sizeof(*c));
	struct asyncore_dispatcher *d;
	int fd;

	if (c == NULL)
		return fail(a->d->cli, "client", errno, NULL);
	fd = sys_socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK |
			SOCK_CLOEXEC, 0);
	if (fd < 0) {
		free(c);
		return fail(a->d->cli, "socket", errno, NULL);
	}
	*c = (struct http_client){ .a = a, .buf = a->request,
				   .len = strlen(a->request) };
	if ((d = asyncore_dispatcher_new(a->m, fd, "HTTPClient", &client_ops,
					 c)) == NULL) {
		free(c);
		sys_close(fd);
		return fail(a->d->cli, "dispatcher", errno, NULL);
	}
	a->client_running = 1;
	if (asyncore_connect(d, (const struct sockaddr *)ss, len) < 0) {
		int err = errno;

		asyncore_close(d);
		return fail(a->d->cli, a->d->connect != NULL ? a->d->connect :
			    "connect", err, NULL);
	}
	return 0;
}

/* ---- the chapter's EchoHandler: dispatcher_with_send ---- */

struct echo_handler {
	struct asyn_demo *a;
	size_t len;		/* bytes in buf waiting to be sent */
	char buf[ECHO_BUF];
};

/* Flow control: a full output buffer stops reading until it drains. */
static int
echo_readable(struct asyncore_dispatcher *d, void *ctx)
{
	return ((struct echo_handler *)ctx)->len < ECHO_BUF;
}

static int
echo_writable(struct asyncore_dispatcher *d, void *ctx)
{
	return ((struct echo_handler *)ctx)->len > 0;
}

/* dispatcher_with_send.initiate_send: send what the socket takes. */
static void
echo_write(struct asyncore_dispatcher *d, void *ctx)
{
	struct echo_handler *e = ctx;
	ssize_t sent = asyncore_send(d, e->buf, e->len);

	if (sent < 0) {
		asyncore_fail(d, errno);
		return;
	}
	memmove(e->buf, e->buf + sent, e->len - (size_t)sent);
	e->len -= (size_t)sent;
}

static void
echo_read(struct asyncore_dispatcher *d, void *ctx)
{
	struct echo_handler *e = ctx;
	ssize_t n = asyncore_recv(d, e->buf + e->len, ECHO_BUF - e->len);
	char q[QUOTED_LEN];

	if (n < 0 && errno != EAGAIN)
		asyncore_fail(d, errno);
	if (n <= 0)
		return;
	printf("%sEcho %s\n", e->a->tag,
	       demo_quote(e->buf + e->len, (size_t)n, q, sizeof(q)));
	fflush(stdout);
	e->len += (size_t)n;
	echo_write(d, e);
}

static void
echo_destroy(struct asyncore_dispatcher *d, void *ctx)
{
	struct echo_handler *e = ctx;
	struct asyn_demo *a = e->a;

	free(e);
	a->handlers--;
	asyn_check_done(a);
}

static const struct asyncore_ops echo_ops = {
	.readable = echo_readable,
	.writable = echo_writable,
	.handle_read = echo_read,
	.handle_write = echo_write,
	.destroy = echo_destroy,
};

static int
echo_accepted(struct asyn_demo *a, int fd, const char *peer)
{
	struct echo_handler *e = malloc(sizeof(*e));

	(void)peer;
	if (e == NULL)
		return -1;
	e->a = a;
	e->len = 0;
	if (asyncore_dispatcher_new(a->m, fd, "EchoHandler", &echo_ops,
				    e) == NULL) {
		free(e);
		return -1;
	}
	a->handlers++;
	return 0;
}

/* ---- the echo client: send Hello World!, print the echo, close ---- */

struct echo_client {
	struct asyn_demo *a;
	size_t off, got;
	char in[sizeof(DEMO_MESSAGE)];
};

static int
eclient_writable(struct asyncore_dispatcher *d, void *ctx)
{
	return ((struct echo_client *)ctx)->off < strlen(DEMO_MESSAGE);
}

static void
eclient_write(struct asyncore_dispatcher *d, void *ctx)
{
	static const char msg[] = DEMO_MESSAGE;
	struct echo_client *c = ctx;
	ssize_t sent = asyncore_send(d, msg + c->off, strlen(msg) - c->off);
	char q[QUOTED_LEN];

	if (sent < 0)
		asyncore_fail(d, errno);
	else if ((c->off += (size_t)sent) == strlen(DEMO_MESSAGE))
		printf("client: Sent %s\n", demo_quote(DEMO_MESSAGE,
		       strlen(DEMO_MESSAGE), q, sizeof(q)));
}

static void
eclient_read(struct asyncore_dispatcher *d, void *ctx)
{
	struct echo_client *c = ctx;
	char q[QUOTED_LEN];
	ssize_t n = asyncore_recv(d, c->in + c->got, strlen(DEMO_MESSAGE) -
				  c->got);

	if (n < 0 && errno != EAGAIN)
		asyncore_fail(d, errno);
	if (n <= 0)
		return;
	c->got += (size_t)n;
	if (c->got < strlen(DEMO_MESSAGE))
		return;
	printf("client: Received %s\nclient: Close\n",
	       demo_quote(c->in, c->got, q, sizeof(q)));
	fflush(stdout);
	asyncore_close(d);
}

static void
eclient_close(struct asyncore_dispatcher *d, void *ctx)
{
	struct echo_client *c = ctx;

	printf("client: the server closed after %zu of %zu bytes\n", c->got,
	       strlen(DEMO_MESSAGE));
	asyncore_close(d);
	demo_fail(c->a->d, "echo", EPIPE);
}

static void
eclient_error(struct asyncore_dispatcher *d, int err, void *ctx)
{
	demo_fail(((struct echo_client *)ctx)->a->d, "connect", err);
}

static void
eclient_destroy(struct asyncore_dispatcher *d, void *ctx)
{
	struct echo_client *c = ctx;
	struct asyn_demo *a = c->a;

	free(c);
	a->client_running = 0;
	asyn_check_done(a);
}

static const struct asyncore_ops eclient_ops = {
	.writable = eclient_writable,
	.handle_read = eclient_read,
	.handle_write = eclient_write,
	.handle_close = eclient_close,
	.handle_error = eclient_error,
	.destroy = eclient_destroy,
};

static int
start_echo_client(struct asyn_demo *a, const struct sockaddr_storage *ss,
		  socklen_t len)
{
	struct echo_client *c = calloc(1, sizeof(*c));
	struct asyncore_dispatcher *d;
	int fd;

	if (c == NULL)
		return fail(a->d->cli, "client", errno, NULL);
	c->a = a;
	fd = sys_socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK |
			SOCK_CLOEXEC, 0);
	if (fd < 0 || (d = asyncore_dispatcher_new(a->m, fd, "EchoClient",
						   &eclient_ops, c)) == NULL) {
		int err = errno;

		if (fd >= 0)
			sys_close(fd);
		free(c);
		return fail(a->d->cli, "client", err, NULL);
	}
	a->client_running = 1;
	if (asyncore_connect(d, (const struct sockaddr *)ss, len) < 0) {
		int err = errno;

		asyncore_close(d);
		return fail(a->d->cli, "connect", err, NULL);
	}
	return 0;
}

/* ---- the demos ---- */

/*
 * A server (unless only a client is wanted), and our own client unless
 * serving outside peers: echo selects the echo pair, else the HTTP pair
 * with request.
 */
static int
asyn_run(struct demo_ctx *d, int echo, const char *request)
{
	struct asyn_demo a = { .d = d, .tag = "", .request = request,
			       .accepted = echo ? echo_accepted :
					   http_accepted };
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char addr[ADDR_LEN];
	int rc, lfd;

	if ((a.m = asyncore_map_new(d->loop)) == NULL)
		return fail(d->cli, "asyncore", errno, NULL);
	if (d->connect != NULL) {
		a.stop_when_idle = 1;
		if ((rc = demo_resolve(d, d->connect, 0, &ss, &len)) == 0 &&
		    (rc = start_client(&a, &ss, len)) == 0)
			rc = run(&a);
	} else if (d->serve != NULL) {
		if ((rc = open_server(&a, echo ? "EchoServer" : "HTTPServer",
				      addr, sizeof(addr), &lfd)) == 0)
			rc = demo_serve_until_signal(d, addr, run, &a);
	} else {
		a.tag = "server: ";
		a.stop_when_idle = 1;
		rc = open_server(&a, echo ? "EchoServer" : "HTTPServer",
				 addr, sizeof(addr), &lfd);
		if (rc == 0 && sys_getsockname(lfd, (struct sockaddr *)&ss,
					       &len) < 0)
			rc = fail(d->cli, "getsockname", errno, NULL);
		if (rc == 0 && (rc = echo ? start_echo_client(&a, &ss, len) :
				start_client(&a, &ss, len)) == 0)
			rc = run(&a);
	}
	asyncore_map_free(a.m);
	return rc != 0 ? rc : d->rc;
}

static int
demo_asyncore_http_client(struct demo_ctx *d)
{
	return asyn_run(d, 0, "GET / HTTP/1.0\r\n\r\n");
}

static int
demo_asyncore_echo_server(struct demo_ctx *d)
{
	return asyn_run(d, 1, NULL);
}

static int
demo_asynchat_http(struct demo_ctx *d)
{
	return asyn_run(d, 0, "POST /echo HTTP/1.0\r\nContent-Type: text/plain"
			"\r\nContent-Length: 12\r\n\r\n" DEMO_MESSAGE);
}

const struct loop_demo loop_demos_asyn[] = {
	{ "asyncore-http-client", "a dispatcher fetches / from an HTTP "
	  "server", demo_asyncore_http_client, DEMO_CONNECT },
	{ "asyncore-echo-server", "a dispatcher accepts; its handlers echo "
	  "what they read", demo_asyncore_echo_server, DEMO_SERVE },
	{ "asynchat-http", "a channel reads headers to a blank line, then "
	  "Content-Length bytes", demo_asynchat_http, DEMO_SERVE },
	{ NULL, NULL, NULL, 0 },
};
