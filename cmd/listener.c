/*
 * listener.c - the bound socket that demos and small servers share: parse
 * ADDR (loopback when no host is given), resolve it, make a non-blocking
 * socket, bind it (after SO_REUSEPORT when flags has NET_REUSEPORT; see
 * socket(7)), listen on it (unless it is a datagram socket) and report
 * any failure the way a verb does.
 */
#include <errno.h>

#include "ipc.h"
#include "net.h"
#include "sys.h"

/* See listen(2): the queue of finished handshakes not yet accepted. */
#define BACKLOG	128

/*
 * What a failed bind(2) means for a Unix socket, where the address is a
 * file (or, with '@', a name in the abstract namespace; see unix(7)), or
 * NULL for the errno's usual hint.
 */
static const char *
unix_bind_hint(const struct net_addr *a, int err)
{
	if (a->family != AF_UNIX)
		return NULL;
	if (err == EADDRINUSE)
		return a->abstract ? "another socket holds that abstract name; "
		       "pick another" : "a file is already there: remove it "
		       "if no server uses it (a server that was killed, or one "
		       "on a datagram socket, leaves its file behind)";
	if (err == ENOENT)
		return "the directory does not exist: create it first, or use "
		       "an abstract name (unix:@name)";
	return NULL;
}

int
bind_listener(const struct cli *cli, const char *addr, int flags, int *fdp,
	      char *name, size_t size)
{
	int udp = flags & NET_UDP, one = 1, rc, fd;
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
	/* Set before bind: every socket sharing the port must have it. */
	else if ((flags & NET_REUSEPORT) &&
		 sys_setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
				sizeof(one)) < 0)
		rc = fail(cli, "setsockopt SO_REUSEPORT", errno, NULL);
	else if (sys_bind(fd, res->ai_addr, res->ai_addrlen) < 0)
		rc = fail(cli, addr != NULL ? addr : "bind", errno,
			  unix_bind_hint(&a, errno));
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
