/*
 * demo_net.c - what the network demos of `ipc loop demo` share: an address
 * to connect to, and serving outside peers until SIGINT or SIGTERM (the
 * bound socket comes from cmd/listener.c).  The signal handlers only stop
 * the loop, so whatever runs it (loop_run_forever, or asyncore_loop for
 * the asyncore demos) returns, and the demo closes what it opened.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "loop_cmd.h"
#include "net.h"
#include "sys.h"

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
demo_serve_until_signal(struct demo_ctx *d, const char *name,
			int (*run)(void *arg), void *arg)
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
		rc = run != NULL ? run(arg) : demo_run(d);
	}
	loop_remove_signal_handler(d->loop, SIGINT);
	loop_remove_signal_handler(d->loop, SIGTERM);
	return rc;
}
