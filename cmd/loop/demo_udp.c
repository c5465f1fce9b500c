/*
 * demo_udp.c - the protocols group of `ipc loop demo`, UDP part: the
 * asyncio chapter's "UDP echo server protocol" and "UDP echo client
 * protocol", on datagram transports (lib/loop_transport.c).
 *
 * The server sends every datagram back where it came from; the client
 * sends "Hello World!" on a connected socket, prints the echo and closes.
 * UDP may lose the datagram, so the client gives up after REPLY_TIMEOUT
 * (exit 75) instead of waiting forever.  Without options both ends run in
 * one loop; --serve ADDR serves outside peers until SIGINT or SIGTERM,
 * --connect ADDR talks to an outside echo server.  Both take Unix
 * datagram sockets too (unix:/path, unix:@name); a path the server
 * bound stays behind when it stops, as asyncio's datagram endpoints
 * leave theirs: remove it before serving there again.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "loop_cmd.h"
#include "net.h"
#include "sys.h"

#define ADDR_LEN	256
#define QUOTED_LEN	256
/* Seconds the client waits for its echo. */
#define REPLY_TIMEOUT	5.0

struct udp_demo {
	struct demo_ctx *d;
	const char *server_tag, *client_tag;	/* "server: ", or "" */
	struct loop_transport *server, *client;
	struct loop_handle *timeout;	/* the client's wait for its echo */
	int open;			/* transports not yet lost */
};

/* Every transport is gone: the run is over. */
static void
udp_lost(struct udp_demo *u)
{
	if (--u->open == 0)
		loop_stop(u->d->loop);
}

/* ---- the server: EchoServerProtocol ---- */

static void
server_datagram(struct loop_transport *t, const void *buf, size_t n,
		const struct sockaddr *from, socklen_t len, void *ctx)
{
	struct udp_demo *u = ctx;
	char q[QUOTED_LEN], addr[ADDR_LEN];

	demo_quote(buf, n, q, sizeof(q));
	net_format(from, len, addr, sizeof(addr));
	printf("%sReceived %s from %s\n", u->server_tag, q, addr);
	printf("%sSend %s to %s\n", u->server_tag, q, addr);
	fflush(stdout);
	if (loop_transport_sendto(t, buf, n, from, len) < 0)
		printf("%ssendto: %s\n", u->server_tag, out_errname(errno));
}

static void
server_error(struct loop_transport *t, int err, void *ctx)
{
	struct udp_demo *u = ctx;

	printf("%sError received: %s\n", u->server_tag, out_errname(err));
	fflush(stdout);
}

static void
server_lost(struct loop_transport *t, int err, void *ctx)
{
	struct udp_demo *u = ctx;

	u->server = NULL;
	udp_lost(u);
}

static const struct loop_protocol server_proto = {
	.datagram_received = server_datagram,
	.error_received = server_error,
	.connection_lost = server_lost,
};

/* ---- the client: EchoClientProtocol ---- */

static void
client_made(struct loop_transport *t, void *ctx)
{
	struct udp_demo *u = ctx;

	printf("%sSend: %s\n", u->client_tag, DEMO_MESSAGE);
	fflush(stdout);
	if (loop_transport_sendto(t, DEMO_MESSAGE, strlen(DEMO_MESSAGE), NULL,
				  0) < 0) {
		demo_fail(u->d, "sendto", errno);
		loop_transport_close(t);
	}
}

static void
client_datagram(struct loop_transport *t, const void *buf, size_t n,
		const struct sockaddr *from, socklen_t len, void *ctx)
{
	struct udp_demo *u = ctx;
	char shown[QUOTED_LEN];
	size_t used;

	out_escape(shown, sizeof(shown), buf, n < 64 ? n : 64, &used);
	printf("%sReceived: %s\n", u->client_tag, shown);
	printf("%sClose the socket\n", u->client_tag);
	fflush(stdout);
	loop_transport_close(t);
}

/* ECONNREFUSED here: our datagram met a closed port (ICMP). */
static void
client_error(struct loop_transport *t, int err, void *ctx)
{
	struct udp_demo *u = ctx;

	printf("%sError received: %s\n", u->client_tag, out_errname(err));
	fflush(stdout);
	demo_fail(u->d, u->d->connect != NULL ? u->d->connect : "recv", err);
	loop_transport_close(t);
}

static void
client_lost(struct loop_transport *t, int err, void *ctx)
{
	struct udp_demo *u = ctx;

	u->client = NULL;
	if (u->timeout != NULL)
		loop_cancel(u->d->loop, u->timeout);
	u->timeout = NULL;
	printf("%sSocket closed, stop the event loop\n", u->client_tag);
	fflush(stdout);
	/* Our own server has served its one client. */
	if (u->server != NULL)
		loop_transport_close(u->server);
	udp_lost(u);
}

static const struct loop_protocol client_proto = {
	.connection_made = client_made,
	.datagram_received = client_datagram,
	.error_received = client_error,
	.connection_lost = client_lost,
};

/* No echo in time: the datagram (or its echo) was lost. */
static void
no_reply(struct loop *l, void *arg)
{
	struct udp_demo *u = arg;

	u->timeout = NULL;
	demo_fail(u->d, "no echo", ETIMEDOUT);
	if (u->client != NULL)
		loop_transport_close(u->client);
	if (u->server != NULL)
		loop_transport_close(u->server);
}

/* A socket connected to ss, and our client on it. */
static int
start_client(struct udp_demo *u, const struct sockaddr_storage *ss,
	     socklen_t len)
{
	struct demo_ctx *d = u->d;
	const char *what = d->connect != NULL ? d->connect : "connect";
	int fd;

	fd = sys_socket(ss->ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
			SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(d->cli, "socket", errno, NULL);
	/*
	 * A Unix datagram socket without an address cannot be answered:
	 * the server's recvfrom finds no sender to send back to.  Binding
	 * with the family alone asks Linux for an abstract name of its own
	 * choosing, "unix:@" and five hex digits: autobind, see unix(7).
	 */
	if (ss->ss_family == AF_UNIX &&
	    sys_bind(fd, (const struct sockaddr *)ss,
		     sizeof(sa_family_t)) < 0) {
		int rc = fail(d->cli, "bind", errno, NULL);

		sys_close(fd);
		return rc;
	}
	/* See udp(7): connect fixes the peer, so sendto needs no address. */
	if (sys_connect(fd, (const struct sockaddr *)ss, len) < 0) {
		int rc = fail(d->cli, what, errno, NULL);

		sys_close(fd);
		return rc;
	}
	if ((u->client = loop_datagram_new(d->loop, fd, &client_proto,
					   u)) == NULL) {
		sys_close(fd);
		return fail(d->cli, "transport", errno, NULL);
	}
	u->open++;
	u->timeout = loop_call_later(d->loop, REPLY_TIMEOUT, "no_reply",
				     no_reply, u);
	if (u->timeout == NULL) {
		loop_transport_close(u->client);
		return fail(d->cli, "call_later", errno, NULL);
	}
	return 0;
}

/* Close what is still open and let connection_lost run. */
static int
finish(struct udp_demo *u, int rc)
{
	int rc2;

	if (u->client != NULL)
		loop_transport_close(u->client);
	if (u->server != NULL)
		loop_transport_close(u->server);
	if (u->open == 0)
		return rc;
	rc2 = demo_run(u->d);
	return rc != 0 ? rc : rc2;
}

/* The server on --serve ADDR, or on a free port with our client too. */
static int
udp_echo(struct demo_ctx *d, int own_client)
{
	struct udp_demo u = { .d = d, .server_tag = "", .client_tag = "" };
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char name[ADDR_LEN];
	int fd, rc;

	if (own_client) {
		u.server_tag = "server: ";
		u.client_tag = "client: ";
	}
	if ((rc = bind_listener(d->cli, d->serve, NET_UDP, &fd, name,
				 sizeof(name))) != 0)
		return rc;
	if ((u.server = loop_datagram_new(d->loop, fd, &server_proto,
					  &u)) == NULL) {
		sys_close(fd);
		return fail(d->cli, "transport", errno, NULL);
	}
	u.open++;
	printf("%sStarting UDP server on %s\n", u.server_tag, name);
	fflush(stdout);
	if (!own_client)
		rc = demo_serve_until_signal(d, name, NULL, NULL);
	else if (sys_getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		rc = fail(d->cli, "getsockname", errno, NULL);
	else if ((rc = start_client(&u, &ss, len)) == 0)
		rc = demo_run(d);
	return finish(&u, rc);
}

int
loop_demo_udp_server(struct demo_ctx *d)
{
	return udp_echo(d, d->serve == NULL);
}

int
loop_demo_udp_client(struct demo_ctx *d)
{
	struct udp_demo u = { .d = d, .server_tag = "", .client_tag = "" };
	struct sockaddr_storage ss;
	socklen_t len;
	int rc;

	if (d->connect == NULL)
		return udp_echo(d, 1);
	if ((rc = demo_resolve(d, d->connect, 1, &ss, &len)) != 0 ||
	    (rc = start_client(&u, &ss, len)) != 0)
		return finish(&u, rc);
	return finish(&u, demo_run(d));
}
