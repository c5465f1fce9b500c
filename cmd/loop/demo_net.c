/*
 * demo_net.c - what the network demos of `ipc loop demo` share: a bound
 * (and listening) socket, an address to connect to, and serving outside
 * peers until SIGINT or SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "loop_cmd.h"
#include "net.h"
#include "sys.h"

/* See listen(2): the queue of finished handshakes not yet accepted. */
#define BACKLOG	128

int
demo_bind(struct demo_ctx *d, const char *addr, int udp, int *fdp,
	  char *name, size_t size)
{
	int flags = NET_PASSIVE | (udp ? NET_UDP : 0), rc, fd;
	struct addrinfo *res;
	struct net_addr a;
	const char *why;

	if (net_parse_addr(addr != NULL ? addr : "127.0.0.1:0", NULL, flags,
			   &a, &why) < 0)
		return usage_error(d->cli, "%s: %s", addr, why);
	if ((rc = net_resolve(&a, flags, &res)) != 0)
		return fail_gai(d->cli, addr, rc);
	fd = net_socket(res, 1);
	if (fd < 0)
		rc = fail(d->cli, "socket", errno, NULL);
	else if (sys_bind(fd, res->ai_addr, res->ai_addrlen) < 0)
		rc = fail(d->cli, addr != NULL ? addr : "bind", errno, NULL);
	else if (!udp && sys_listen(fd, BACKLOG) < 0)
		rc = fail(d->cli, "listen", errno, NULL);
	net_freeaddrinfo(res);
	if (rc != 0) {
		if (fd >= 0)
			sys_close(fd);
		return rc;
	}
	net_local(fd, name, size);
	*fdp = fd;
	return 0;
}

int
demo_resolve(struct demo_ctx *d, const char *addr, int udp,
	     struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo *res;
	struct net_addr a;
	const char *why;
	int rc;

	if (net_parse_addr(addr, NULL, udp ? NET_UDP : 0, &a, &why) < 0)
		return usage_error(d->cli, "%s: %s", addr, why);
	if ((rc = net_resolve(&a, udp ? NET_UDP : 0, &res)) != 0)
		return fail_gai(d->cli, addr, rc);
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	net_freeaddrinfo(res);
	return 0;
}

static void
on_stop_signal(struct loop *l, int sig, void *arg)
{
	const struct demo_ctx *d = arg;

	fprintf(stderr, "%s: %s: stopping\n", d->cli->prog,
		sig == SIGINT ? "SIGINT" : "SIGTERM");
	loop_stop(l);
}

int
demo_serve_until_signal(struct demo_ctx *d, const char *name)
{
	int rc;

	if (loop_add_signal_handler(d->loop, SIGINT, "stop", on_stop_signal,
				    d) < 0 ||
	    loop_add_signal_handler(d->loop, SIGTERM, "stop", on_stop_signal,
				    d) < 0) {
		rc = fail(d->cli, "add_signal_handler", errno, NULL);
	} else {
		fprintf(stderr, "listening %s\n", name);
		fflush(stderr);
		rc = demo_run(d);
	}
	loop_remove_signal_handler(d->loop, SIGINT);
	loop_remove_signal_handler(d->loop, SIGTERM);
	return rc;
}
