/*
 * echo_uv.c - the libuv echo server bench/run compares against.
 *
 * Written the way libuv's own echo examples are, plus flow control: each
 * client reads into its own fixed buffer, tries uv_try_write() first and,
 * when the socket does not take everything, stops reading and queues the
 * rest with uv_write() until it completes.  No allocation per message.
 *
 * Usage: echo_uv [PORT]; prints "listening 127.0.0.1:PORT" on stderr.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#define BUF_SIZE	(64 * 1024)

struct client {
	uv_tcp_t tcp;
	uv_write_t req;
	char buf[BUF_SIZE];
};

static void
uv_echo_close_cb(uv_handle_t *h)
{
	free(h);	/* The client struct starts with its handle. */
}

static void
uv_echo_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct client *c = (struct client *)h;

	*buf = uv_buf_init(c->buf, BUF_SIZE);
}

static void uv_echo_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void
uv_echo_written(uv_write_t *req, int status)
{
	struct client *c = req->data;

	if (status < 0 || uv_read_start((uv_stream_t *)&c->tcp, uv_echo_alloc, uv_echo_read) < 0)
		uv_close((uv_handle_t *)&c->tcp, uv_echo_close_cb);
}

static void
uv_echo_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct client *c = (struct client *)s;
	uv_buf_t data = uv_buf_init(buf->base, (unsigned)nread), rest;
	int n;

	if (nread == 0)
		return;
	if (nread < 0) {	/* UV_EOF or an error. */
		uv_close((uv_handle_t *)s, uv_echo_close_cb);
		return;
	}
	n = uv_try_write(s, &data, 1);	/* buf->len is the capacity, not nread */
	if (n == UV_EAGAIN)
		n = 0;
	if (n < 0) {
		uv_close((uv_handle_t *)s, uv_echo_close_cb);
		return;
	}
	if (n == nread)
		return;
	/* Keep the buffer still until the rest is written. */
	uv_read_stop(s);
	rest = uv_buf_init(c->buf + n, (unsigned)(nread - n));
	c->req.data = c;
	if (uv_write(&c->req, s, &rest, 1, uv_echo_written) < 0)
		uv_close((uv_handle_t *)s, uv_echo_close_cb);
}

static void
uv_echo_accept(uv_stream_t *server, int status)
{
	struct client *c;

	if (status < 0)
		return;
	c = malloc(sizeof(*c));
	if (!c)
		return;
	uv_tcp_init(server->loop, &c->tcp);
	if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0) {
		uv_close((uv_handle_t *)&c->tcp, uv_echo_close_cb);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	uv_read_start((uv_stream_t *)&c->tcp, uv_echo_alloc, uv_echo_read);
}

int
main(int argc, char **argv)
{
	uv_loop_t *loop = uv_default_loop();
	uv_tcp_t server;
	struct sockaddr_in sa;
	int len = sizeof(sa), r;

	signal(SIGPIPE, SIG_IGN);	/* A write to a reset peer is EPIPE, not death. */
	uv_ip4_addr("127.0.0.1", argc > 1 ? atoi(argv[1]) : 0, &sa);
	uv_tcp_init(loop, &server);
	if ((r = uv_tcp_bind(&server, (const struct sockaddr *)&sa, 0)) < 0 ||
	    (r = uv_listen((uv_stream_t *)&server, SOMAXCONN, uv_echo_accept)) < 0 ||
	    (r = uv_tcp_getsockname(&server, (struct sockaddr *)&sa, &len)) < 0) {
		fprintf(stderr, "echo_uv: listen: %s\n", uv_strerror(r));
		return 1;
	}
	fprintf(stderr, "listening 127.0.0.1:%u\n", ntohs(sa.sin_port));
	return uv_run(loop, UV_RUN_DEFAULT);
}
