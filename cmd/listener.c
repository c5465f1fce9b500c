/*
 * listener.c - the bound socket that demos and small servers share: parse
 * ADDR (loopback when no host is given), resolve it, make a non-blocking
 * socket, bind it, listen on it (unless it is a datagram socket) and report
 * any failure the way a verb does.
 */
#include <errno.h>

#include "ipc.h"
#include "net.h"
#include "sys.h"

/* See listen(2): the queue of finished handshakes not yet accepted. */
#define BACKLOG	128

int
bind_listener(const struct cli *cli, const char *addr, int flags, int *fdp,
	      char *name, size_t size)
{
	int udp = flags & NET_UDP, rc, fd;
	struct addrinfo *res;
	struct net_addr a;
	const char *why;

	flags |= NET_PASSIVE;
	if (net_parse_addr(addr != NULL ? addr : "127.0.0.1:0", NULL, flags,
			   &a, &why) < 0)
		return usage_error(cli, "%s: %s", addr, why);
	if ((rc = net_resolve(&a, flags, &res)) != 0)
		return fail_gai(cli, addr, rc);
	fd = net_socket(res, 1);
	if (fd < 0)
		rc = fail(cli, "socket", errno, NULL);
	else if (sys_bind(fd, res->ai_addr, res->ai_addrlen) < 0)
		rc = fail(cli, addr != NULL ? addr : "bind", errno, NULL);
	else if (!udp && sys_listen(fd, BACKLOG) < 0)
		rc = fail(cli, "listen", errno, NULL);
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
