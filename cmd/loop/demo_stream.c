/*
 * demo_stream.c - the streams group of `ipc loop demo`: the asyncio
 * chapter's "TCP echo client using streams", "TCP echo server using
 * streams" and "Register an open socket to wait for data using streams",
 * on lib/loop_stream.c, each in the shape of its Python original:
 *
 *	stream-echo-client	open_connection; write; read(100); close
 *	stream-echo-server	start_server(handle_echo): read(100), write,
 *				drain, close
 *	register-socket-streams	open_connection(sock=rsock), then read(100)
 *				what call_soon sends into wsock
 *
 * Every coroutine is a task.  Run without options, the echo demos run
 * the server and the client in one loop (each line then says which end
 * printed it); --serve ADDR serves outside clients until SIGINT or
 * SIGTERM, --connect ADDR talks to an outside echo server.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "loop_cmd.h"
#include "net.h"
#include "sys.h"

/* Room for an address as net_format() writes it, and a quoted message. */
#define ADDR_LEN	256
#define QUOTED_LEN	256
/* What the examples read at most: reader.read(100). */
#define READ_MAX	100

struct handler;

struct stream_demo {
	struct demo_ctx *d;
	const char *server_tag, *client_tag;	/* "server: ", or "" */
	struct sockaddr_storage addr;		/* where the client connects */
	socklen_t addrlen;
	struct handler *handlers;		/* the server's live tasks */
	int client_done;			/* stop once idle too */
	struct loop_stream_accept acc;
};

/* One connection of the server: its handle_echo task and its stream. */
struct handler {
	struct stream_demo *sd;
	struct loop_stream *s;
	struct loop_task *task;
	struct handler *prev, *next;
};

/*
 * A task failed: report it (once) as the demo's exit status, naming
 * what failed (the exception's message) or else the task.
 */
static void
report_task(struct demo_ctx *d, struct loop_future *f)
{
	int err = loop_future_exception(f);
	const char *what = loop_future_message(f);

	if (err != 0 && err != ECANCELED && d->rc == 0)
		d->rc = fail(d->cli, what[0] ? what : loop_future_name(f),
			     err, NULL);
}

/* ---- the server: handle_echo ---- */

static void *
handle_echo(struct loop_task *t, void *arg)
{
	struct handler *h = arg;
	const char *tag = h->sd->server_tag;
	char data[READ_MAX], q[QUOTED_LEN], peer[ADDR_LEN];
	ssize_t n;

	if ((n = loop_stream_read(t, h->s, data, sizeof(data))) < 0) {
		loop_task_raise(t, errno, "read");
		goto out;
	}
	demo_quote(data, (size_t)n, q, sizeof(q));
	printf("%sReceived %s from %s\n", tag, q,
	       net_peer(loop_stream_fd(h->s), peer, sizeof(peer)));
	printf("%sSend: %s\n", tag, q);
	fflush(stdout);
	if (loop_stream_write(h->s, data, (size_t)n) < 0 ||
	    loop_stream_drain(t, h->s) < 0) {
		loop_task_raise(t, errno, "write");
		goto out;
	}
	printf("%sClose the client socket\n", tag);
	fflush(stdout);
out:
	loop_stream_close(t, h->s);
	return NULL;
}

/* Stop the loop once our own client is done and no handler runs. */
static void
check_idle(struct stream_demo *sd)
{
	if (sd->client_done && sd->handlers == NULL)
		loop_stop(sd->d->loop);
}

/* A handler's task ended: report it, unlink and free it. */
static void
handler_done(struct loop_future *f, void *arg)
{
	struct handler *h = arg;
	struct stream_demo *sd = h->sd;

	report_task(sd->d, f);
	loop_future_release(f);
	if (h->prev != NULL)
		h->prev->next = h->next;
	else
		sd->handlers = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	free(h);
	check_idle(sd);
}

/* A connection was made: start handle_echo on it, as start_server does. */
static void
client_connected(struct loop_stream *s, void *arg)
{
	struct stream_demo *sd = arg;
	struct handler *h = calloc(1, sizeof(*h));

	if (h == NULL ||
	    (h->task = loop_task_new(sd->d->loop, "handle_echo", handle_echo,
				     h, 0)) == NULL) {
		demo_fail(sd->d, "task", errno);
		free(h);
		loop_stream_close(NULL, s);
		return;
	}
	h->sd = sd;
	h->s = s;
	if (loop_future_add_done_callback(loop_task_future(h->task),
					  handler_done, h) < 0) {
		demo_fail(sd->d, "add_done_callback", errno);
		loop_task_cancel(h->task);
	}
	h->next = sd->handlers;
	if (sd->handlers != NULL)
		sd->handlers->prev = h;
	sd->handlers = h;
}

/* ---- the client: tcp_echo_client ---- */

static void *
tcp_echo_client(struct loop_task *t, void *arg)
{
	struct stream_demo *sd = arg;
	const char *tag = sd->client_tag;
	char data[READ_MAX], q[QUOTED_LEN];
	struct loop_stream *s;
	ssize_t n;

	if (loop_open_connection(t, (struct sockaddr *)&sd->addr, sd->addrlen,
				 &s) < 0) {
		int err = errno;

		loop_task_raise(t, err, net_format((struct sockaddr *)&sd->addr,
						   sd->addrlen, q, sizeof(q)));
		return NULL;
	}
	printf("%sSend: %s\n", tag, demo_quote(DEMO_MESSAGE,
	       strlen(DEMO_MESSAGE), q, sizeof(q)));
	fflush(stdout);
	if (loop_stream_write(s, DEMO_MESSAGE, strlen(DEMO_MESSAGE)) < 0 ||
	    (n = loop_stream_read(t, s, data, sizeof(data))) < 0) {
		loop_task_raise(t, errno, "echo");
	} else {
		printf("%sReceived: %s\n", tag,
		       demo_quote(data, (size_t)n, q, sizeof(q)));
		printf("%sClose the socket\n", tag);
		fflush(stdout);
	}
	loop_stream_close(t, s);
	return NULL;
}

/* The client task's end: report it, and stop once the server is idle. */
static void
client_done(struct loop_future *f, void *arg)
{
	struct stream_demo *sd = arg;

	report_task(sd->d, f);
	loop_future_release(f);
	sd->client_done = 1;
	check_idle(sd);
}

static int
start_client(struct stream_demo *sd)
{
	struct loop_task *t = loop_task_new(sd->d->loop, "tcp_echo_client",
					    tcp_echo_client, sd, 0);

	if (t == NULL)
		return fail(sd->d->cli, "task", errno, NULL);
	if (loop_future_add_done_callback(loop_task_future(t), client_done,
					  sd) < 0) {
		loop_task_cancel(t);
		return fail(sd->d->cli, "add_done_callback", errno, NULL);
	}
	return 0;
}

/*
 * After the run: cancel the handlers still running (a signal stopped
 * the server) and run the loop until each has unwound and closed its
 * stream.  Returns the exit status.
 */
static int
finish(struct stream_demo *sd, int rc)
{
	struct handler *h;

	sd->client_done = 1;
	if (sd->handlers == NULL)
		return rc != 0 ? rc : sd->d->rc;
	for (h = sd->handlers; h != NULL; h = h->next)
		loop_task_cancel(h->task);
	if (loop_run_forever(sd->d->loop) < 0 && rc == 0)
		rc = fail(sd->d->cli, loop_backend(sd->d->loop), errno, NULL);
	return rc != 0 ? rc : sd->d->rc;
}

/* The server on --serve ADDR, or on a free port with our client too. */
static int
stream_echo(struct demo_ctx *d, int own_client)
{
	struct stream_demo sd = { .d = d, .server_tag = "",
				  .client_tag = "" };
	struct loop_server *srv;
	char name[ADDR_LEN];
	int fd, rc;

	if (own_client) {
		sd.server_tag = "server: ";
		sd.client_tag = "client: ";
	}
	sd.acc.connected = client_connected;
	sd.acc.arg = &sd;
	if ((rc = bind_listener(d->cli, d->serve, 0, &fd, name,
				sizeof(name))) != 0)
		return rc;
	if ((srv = loop_start_server(d->loop, fd, &sd.acc)) == NULL) {
		rc = fail(d->cli, "start_server", errno, NULL);
		sys_close(fd);
		return rc;
	}
	printf("%sServing on %s\n", sd.server_tag, name);
	fflush(stdout);
	sd.addrlen = sizeof(sd.addr);
	if (!own_client)
		rc = demo_serve_until_signal(d, name);
	else if (sys_getsockname(fd, (struct sockaddr *)&sd.addr,
				 &sd.addrlen) < 0)
		rc = fail(d->cli, "getsockname", errno, NULL);
	else if ((rc = start_client(&sd)) == 0)
		rc = demo_run(d);
	loop_server_close(srv);
	return finish(&sd, rc);
}

static int
demo_stream_echo_server(struct demo_ctx *d)
{
	return stream_echo(d, d->serve == NULL);
}

static int
demo_stream_echo_client(struct demo_ctx *d)
{
	struct stream_demo sd = { .d = d, .server_tag = "",
				  .client_tag = "" };
	int rc;

	if (d->connect == NULL)
		return stream_echo(d, 1);
	if ((rc = demo_resolve(d, d->connect, 0, &sd.addr, &sd.addrlen)) != 0 ||
	    (rc = start_client(&sd)) != 0)
		return rc;
	return finish(&sd, demo_run(d));
}

/* ---- register-socket-streams ---- */

struct reg_streams {
	struct demo_ctx *d;
	int rsock, wsock;
};

/* Simulate the reception of data from the network. */
static void
send_abc(struct loop *l, void *arg)
{
	struct reg_streams *r = arg;

	if (sys_send(r->wsock, "abc", 3, MSG_NOSIGNAL) < 0)
		demo_fail(r->d, "send", errno);
}

static void *
wait_for_data(struct loop_task *t, void *arg)
{
	struct reg_streams *r = arg;
	struct loop_stream *s;
	char data[READ_MAX], shown[4 * READ_MAX + 1];
	size_t used;
	ssize_t n;

	/* The stream owns rsock from here on. */
	if ((s = loop_stream_new(loop_task_loop(t), r->rsock, 0)) == NULL) {
		loop_task_raise(t, errno, "stream");
		return NULL;
	}
	r->rsock = -1;
	if (loop_call_soon(loop_task_loop(t), "send", send_abc, r) == NULL ||
	    (n = loop_stream_read(t, s, data, sizeof(data))) < 0) {
		loop_task_raise(t, errno, "read");
	} else {
		out_escape(shown, sizeof(shown), data, (size_t)n, &used);
		printf("Received: %s\n", shown);
		fflush(stdout);
	}
	loop_stream_close(t, s);
	return NULL;
}

static int
demo_register_socket_streams(struct demo_ctx *d)
{
	struct reg_streams r = { .d = d };
	struct loop_task *t;
	int sv[2], rc;

	if (sys_socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			   0, sv) < 0)
		return fail(d->cli, "socketpair", errno, NULL);
	r.rsock = sv[0];
	r.wsock = sv[1];
	if ((t = loop_task_new(d->loop, "wait_for_data", wait_for_data, &r,
			       0)) == NULL) {
		rc = fail(d->cli, "task", errno, NULL);
	} else {
		if (loop_run_until_complete(d->loop, loop_task_future(t)) < 0)
			rc = fail(d->cli, "run_until_complete", errno, NULL);
		else
			rc = d->rc;
		report_task(d, loop_task_future(t));
		if (rc == 0)
			rc = d->rc;
		loop_future_release(loop_task_future(t));
	}
	if (r.rsock >= 0)
		sys_close(r.rsock);
	sys_close(r.wsock);
	return rc;
}

const struct loop_demo loop_demos_stream[] = {
	{ "stream-echo-server", "a task per connection reads, writes back, "
	  "drains, closes", demo_stream_echo_server, DEMO_SERVE },
	{ "stream-echo-client", "a task opens a connection, writes Hello "
	  "World!, reads the echo", demo_stream_echo_client, DEMO_CONNECT },
	{ "register-socket-streams", "a task reads, through a stream, what "
	  "arrives on a socketpair", demo_register_socket_streams, 0 },
	{ NULL, NULL, NULL, 0 },
};
