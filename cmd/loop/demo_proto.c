/*
 * demo_proto.c - the protocols group of `ipc loop demo`, TCP part: the
 * asyncio chapter's "TCP echo server protocol", "TCP echo client
 * protocol" and "Register an open socket to wait for data using a
 * protocol", on lib/loop_transport.c.  The UDP pair is in demo_udp.c.
 *
 * The server protocol answers the first data it receives and closes, as
 * the Python example does; the client sends "Hello World!", prints the
 * answer, and stops the loop when the server closes.  Run without
 * options, either demo runs both ends in one loop (each line then says
 * which end printed it); --serve ADDR serves outside clients until
 * SIGINT or SIGTERM, --connect ADDR talks to an outside server.
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

struct echo_conn;

struct tcp_demo {
	struct demo_ctx *d;
	const char *server_tag, *client_tag;	/* "server: ", or "" */
	struct echo_conn *conns;	/* the server's open connections */
	int client_running;		/* our own client is not done yet */
	int client_made;
	int stop_when_idle;		/* not while serving outside peers */
};

/* One connection of the server; made by the factory, freed when lost. */
struct echo_conn {
	struct tcp_demo *tcp;
	struct loop_transport *t;
	struct echo_conn *prev, *next;
};

/*
 * The demo is over once our client is done and no connection is open;
 * a server for outside peers goes on until a signal.
 */
static void
check_done(struct tcp_demo *tcp)
{
	if (tcp->stop_when_idle && !tcp->client_running && tcp->conns == NULL)
		loop_stop(tcp->d->loop);
}

/* ---- the server: EchoServerClientProtocol ---- */

static void *
server_factory(void *arg)
{
	struct tcp_demo *tcp = arg;
	struct echo_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->tcp = tcp;
	c->next = tcp->conns;
	if (tcp->conns != NULL)
		tcp->conns->prev = c;
	tcp->conns = c;
	return c;
}

static void
server_made(struct loop_transport *t, void *ctx)
{
	struct echo_conn *c = ctx;
	char peer[ADDR_LEN];

	c->t = t;
	printf("%sConnection from %s\n", c->tcp->server_tag,
	       net_peer(loop_transport_fd(t), peer, sizeof(peer)));
	fflush(stdout);
}

static void
server_data(struct loop_transport *t, const void *buf, size_t n, void *ctx)
{
	struct echo_conn *c = ctx;
	const char *tag = c->tcp->server_tag;
	char q[QUOTED_LEN];

	demo_quote(buf, n, q, sizeof(q));
	printf("%sData received: %s\n", tag, q);
	printf("%sSend: %s\n", tag, q);
	if (loop_transport_write(t, buf, n) < 0)
		printf("%swrite: %s\n", tag, out_errname(errno));
	printf("%sClose the client socket\n", tag);
	fflush(stdout);
	loop_transport_close(t);
}

static void
server_lost(struct loop_transport *t, int err, void *ctx)
{
	struct echo_conn *c = ctx;
	struct tcp_demo *tcp = c->tcp;

	if (err != 0 && err != ECANCELED) {
		printf("%sconnection lost: %s\n", tcp->server_tag,
		       out_errname(err));
		fflush(stdout);
	}
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		tcp->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	free(c);
	check_done(tcp);
}

static const struct loop_protocol server_proto = {
	.connection_made = server_made,
	.data_received = server_data,
	.connection_lost = server_lost,
};

/* ---- the client: EchoClientProtocol ---- */

static void
client_made(struct loop_transport *t, void *ctx)
{
	struct tcp_demo *tcp = ctx;
	char q[QUOTED_LEN];

	tcp->client_made = 1;
	if (loop_transport_write(t, DEMO_MESSAGE, strlen(DEMO_MESSAGE)) < 0) {
		demo_fail(tcp->d, "write", errno);
		loop_transport_abort(t, errno);
		return;
	}
	printf("%sData sent: %s\n", tcp->client_tag,
	       demo_quote(DEMO_MESSAGE, strlen(DEMO_MESSAGE), q, sizeof(q)));
	fflush(stdout);
}

static void
client_data(struct loop_transport *t, const void *buf, size_t n, void *ctx)
{
	struct tcp_demo *tcp = ctx;
	char q[QUOTED_LEN];

	printf("%sData received: %s\n", tcp->client_tag,
	       demo_quote(buf, n, q, sizeof(q)));
	fflush(stdout);
}

static void
client_lost(struct loop_transport *t, int err, void *ctx)
{
	struct tcp_demo *tcp = ctx;

	tcp->client_running = 0;
	if (!tcp->client_made) {
		demo_fail(tcp->d, tcp->d->connect != NULL ? tcp->d->connect :
			  "connect", err);
		return;
	}
	if (err != 0) {
		demo_fail(tcp->d, "connection", err);
		return;
	}
	printf("%sThe server closed the connection\n", tcp->client_tag);
	printf("%sStop the event loop\n", tcp->client_tag);
	fflush(stdout);
	check_done(tcp);
}

static const struct loop_protocol client_proto = {
	.connection_made = client_made,
	.data_received = client_data,
	.connection_lost = client_lost,
};

/* Start our client towards ss.  Returns 0, or reports and returns status. */
static int
start_client(struct tcp_demo *tcp, const struct sockaddr_storage *ss,
	     socklen_t len)
{
	if (loop_transport_connect(tcp->d->loop, (const struct sockaddr *)ss,
				   len, &client_proto, tcp) == NULL)
		return fail(tcp->d->cli, tcp->d->connect != NULL ?
			    tcp->d->connect : "connect", errno, NULL);
	tcp->client_running = 1;
	return 0;
}

/* Abort what the server still has open, and let connection_lost run. */
static int
drain_server(struct tcp_demo *tcp, int rc)
{
	struct echo_conn *c;
	int rc2;

	tcp->stop_when_idle = 1;
	for (c = tcp->conns; c != NULL; c = c->next)
		if (c->t != NULL)
			loop_transport_abort(c->t, ECANCELED);
	if (tcp->conns == NULL && !tcp->client_running)
		return rc;
	rc2 = demo_run(tcp->d);
	return rc != 0 ? rc : rc2;
}

/* The server on --serve ADDR, or on a free port with our client too. */
static int
tcp_echo(struct demo_ctx *d, int own_client)
{
	struct tcp_demo tcp = { .d = d, .server_tag = "", .client_tag = "" };
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct loop_server *srv;
	char name[ADDR_LEN];
	int fd, rc;

	if (own_client) {
		tcp.server_tag = "server: ";
		tcp.client_tag = "client: ";
		tcp.stop_when_idle = 1;
	}
	if ((rc = bind_listener(d->cli, d->serve, 0, &fd, name,
				 sizeof(name))) != 0)
		return rc;
	if ((srv = loop_server_new(d->loop, fd, &server_proto, server_factory,
				   &tcp)) == NULL) {
		rc = fail(d->cli, "serve", errno, NULL);
		sys_close(fd);
		return rc;
	}
	printf("%sServing on %s\n", tcp.server_tag, name);
	fflush(stdout);
	if (!own_client)
		rc = demo_serve_until_signal(d, name, NULL, NULL);
	else if (sys_getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		rc = fail(d->cli, "getsockname", errno, NULL);
	else if ((rc = start_client(&tcp, &ss, len)) == 0)
		rc = demo_run(d);
	loop_server_close(srv);
	return drain_server(&tcp, rc);
}

static int
demo_tcp_echo_server(struct demo_ctx *d)
{
	return tcp_echo(d, d->serve == NULL);
}

static int
demo_tcp_echo_client(struct demo_ctx *d)
{
	struct tcp_demo tcp = { .d = d, .server_tag = "", .client_tag = "",
				.stop_when_idle = 1 };
	struct sockaddr_storage ss;
	socklen_t len;
	int rc;

	if (d->connect == NULL)
		return tcp_echo(d, 1);
	if ((rc = demo_resolve(d, d->connect, 0, &ss, &len)) != 0 ||
	    (rc = start_client(&tcp, &ss, len)) != 0)
		return rc;
	return drain_server(&tcp, demo_run(d));
}

/* ---- register-socket: MyProtocol on one end of a socketpair ---- */

struct reg_demo {
	struct demo_ctx *d;
	int wsock;
};

static void
reg_data(struct loop_transport *t, const void *buf, size_t n, void *ctx)
{
	char shown[QUOTED_LEN];
	size_t used;

	out_escape(shown, sizeof(shown), buf, n < 64 ? n : 64, &used);
	printf("Received: %s\n", shown);
	fflush(stdout);
	/* We are done: close the transport; connection_lost stops the loop. */
	loop_transport_close(t);
}

static void
reg_lost(struct loop_transport *t, int err, void *ctx)
{
	struct reg_demo *r = ctx;

	if (err != 0)
		demo_fail(r->d, "connection", err);
	loop_stop(r->d->loop);
}

static const struct loop_protocol reg_proto = {
	.data_received = reg_data,
	.connection_lost = reg_lost,
};

/* Simulate the reception of data from the network. */
static void
reg_send(struct loop *l, void *arg)
{
	struct reg_demo *r = arg;

	if (sys_send(r->wsock, "abc", 3, MSG_NOSIGNAL) < 0)
		demo_fail(r->d, "send", errno);
}

static int
demo_register_socket(struct demo_ctx *d)
{
	struct reg_demo r = { .d = d };
	struct loop_transport *t;
	int sv[2], rc;

	if (sys_socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			   0, sv) < 0)
		return fail(d->cli, "socketpair", errno, NULL);
	r.wsock = sv[1];
	/* Register the open socket to wait for data. */
	if ((t = loop_transport_new(d->loop, sv[0], &reg_proto, &r)) == NULL) {
		rc = fail(d->cli, "transport", errno, NULL);
		sys_close(sv[0]);
	} else if (loop_call_soon(d->loop, "send", reg_send, &r) == NULL) {
		rc = fail(d->cli, "call_soon", errno, NULL);
	} else {
		rc = demo_run(d);
	}
	sys_close(sv[1]);
	return rc;
}

const struct loop_demo loop_demos_proto[] = {
	{ "tcp-echo-server", "a protocol echoes what its client sent, then "
	  "closes", demo_tcp_echo_server, DEMO_SERVE },
	{ "tcp-echo-client", "a protocol sends Hello World! and prints the "
	  "echo", demo_tcp_echo_client, DEMO_CONNECT },
	{ "udp-echo-server", "a datagram protocol sends each datagram back",
	  loop_demo_udp_server, DEMO_SERVE },
	{ "udp-echo-client", "a datagram protocol sends Hello World! and "
	  "waits for the echo", loop_demo_udp_client, DEMO_CONNECT },
	{ "register-socket", "a protocol on an open socket (a socketpair) "
	  "gets its data", demo_register_socket, 0 },
	{ NULL, NULL, NULL, 0 },
};
