/*
 * echo_event.c - the libevent echo server bench/run compares against.
 *
 * The idiomatic bufferevent echo: the read callback moves the input
 * buffer onto the output buffer without copying (evbuffer_add_buffer).
 * Flow control: once 64 KiB wait in the output, reading stops until the
 * output drains below 16 KiB (the write low-water mark).
 *
 * Usage: echo_event [PORT]; prints "listening 127.0.0.1:PORT" on stderr.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#define HIGH_WATER	(64 * 1024)
#define LOW_WATER	(16 * 1024)

static void
ev_echo_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *out = bufferevent_get_output(bev);

	evbuffer_add_buffer(out, bufferevent_get_input(bev));
	if (evbuffer_get_length(out) >= HIGH_WATER)
		bufferevent_disable(bev, EV_READ);
}

/* Called once the output is below LOW_WATER: read again. */
static void
ev_echo_write(struct bufferevent *bev, void *arg)
{
	bufferevent_enable(bev, EV_READ);
}

static void
ev_echo_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		bufferevent_free(bev);
}

static void
ev_echo_accept(struct evconnlistener *l, evutil_socket_t fd,
	       struct sockaddr *sa, int len, void *arg)
{
	struct event_base *base = evconnlistener_get_base(l);
	struct bufferevent *bev;
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		evutil_closesocket(fd);
		return;
	}
	bufferevent_setcb(bev, ev_echo_read, ev_echo_write, ev_echo_event, NULL);
	bufferevent_setwatermark(bev, EV_WRITE, LOW_WATER, 0);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	struct event_base *base;
	struct evconnlistener *l;

	signal(SIGPIPE, SIG_IGN);	/* A write to a reset peer is EPIPE, not death. */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(argc > 1 ? (uint16_t)atoi(argv[1]) : 0);
	base = event_base_new();
	l = base ? evconnlistener_new_bind(base, ev_echo_accept, NULL,
		LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
		SOMAXCONN, (struct sockaddr *)&sa, sizeof(sa)) : NULL;
	if (!l || getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sa, &len) < 0) {
		perror("echo_event: listen");
		return 1;
	}
	fprintf(stderr, "listening 127.0.0.1:%u\n", ntohs(sa.sin_port));
	return event_base_dispatch(base);
}
