/*
 * test_net.c - address parsing, resolution, formatting, connecting with a
 * timeout, and socket options by name, on real loopback sockets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "net.h"
#include "sys.h"

/* One accepted form: arg and port in, the parsed fields out. */
struct good {
	const char *arg, *port;
	int flags;
	int family, socktype;
	const char *host, *service, *path;
	int abstract;
};

static const struct good good[] = {
	{ "example.org", "80", 0, AF_UNSPEC, SOCK_STREAM,
	    "example.org", "80", "", 0 },
	{ "example.org:80", NULL, 0, AF_UNSPEC, SOCK_STREAM,
	    "example.org", "80", "", 0 },
	{ "example.org 80", NULL, 0, AF_UNSPEC, SOCK_STREAM,
	    "example.org", "80", "", 0 },
	{ "127.0.0.1:7000", NULL, 0, AF_UNSPEC, SOCK_STREAM,
	    "127.0.0.1", "7000", "", 0 },
	{ "[::1]:7000", NULL, 0, AF_UNSPEC, SOCK_STREAM,
	    "::1", "7000", "", 0 },
	{ "[fe80::1%lo]:7000", NULL, 0, AF_UNSPEC, SOCK_STREAM,
	    "fe80::1%lo", "7000", "", 0 },
	{ "[::1]", "7000", 0, AF_UNSPEC, SOCK_STREAM, "::1", "7000", "", 0 },
	{ "::1", "7000", 0, AF_UNSPEC, SOCK_STREAM, "::1", "7000", "", 0 },
	{ ":7000", NULL, 0, AF_UNSPEC, SOCK_STREAM, "", "7000", "", 0 },
	{ "8080", NULL, NET_PASSIVE, AF_UNSPEC, SOCK_STREAM,
	    "", "8080", "", 0 },
	{ "http", NULL, NET_PASSIVE, AF_UNSPEC, SOCK_STREAM,
	    "", "http", "", 0 },
	{ "localhost:http", NULL, 0, AF_UNSPEC, SOCK_STREAM,
	    "localhost", "http", "", 0 },
	{ "localhost:x-11", NULL, 0, AF_UNSPEC, SOCK_STREAM,
	    "localhost", "x-11", "", 0 },
	{ "h:0", NULL, 0, AF_UNSPEC, SOCK_STREAM, "h", "0", "", 0 },
	{ "h:65535", NULL, 0, AF_UNSPEC, SOCK_STREAM, "h", "65535", "", 0 },
	{ "tcp://h:1", NULL, NET_UDP, AF_UNSPEC, SOCK_STREAM, "h", "1", "", 0 },
	{ "udp://h:53", NULL, 0, AF_UNSPEC, SOCK_DGRAM, "h", "53", "", 0 },
	{ "UDP://[::1]:53", NULL, 0, AF_UNSPEC, SOCK_DGRAM,
	    "::1", "53", "", 0 },
	{ "h:53", NULL, NET_UDP, AF_UNSPEC, SOCK_DGRAM, "h", "53", "", 0 },
	{ "h:53", NULL, NET_V4, AF_INET, SOCK_STREAM, "h", "53", "", 0 },
	{ "h:53", NULL, NET_V6, AF_INET6, SOCK_STREAM, "h", "53", "", 0 },
	{ "unix:/tmp/s", NULL, 0, AF_UNIX, SOCK_STREAM, "", "", "/tmp/s", 0 },
	{ "unix:rel/s", NULL, 0, AF_UNIX, SOCK_STREAM, "", "", "rel/s", 0 },
	{ "unix:@name", NULL, 0, AF_UNIX, SOCK_STREAM, "", "", "name", 1 },
	{ "unix:/tmp/s", NULL, NET_SEQPACKET, AF_UNIX, SOCK_SEQPACKET,
	    "", "", "/tmp/s", 0 },
	{ "unix:/tmp/s", NULL, NET_UDP, AF_UNIX, SOCK_DGRAM,
	    "", "", "/tmp/s", 0 },
};

static void
test_parse_good(void **state)
{
	const struct good *g;
	struct net_addr a;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		g = &good[i];
		why = "unset";
		if (net_parse_addr(g->arg, g->port, g->flags, &a, &why) != 0)
			fail_msg("%s: %s", g->arg, why);
		assert_null(why);
		assert_int_equal(a.family, g->family);
		assert_int_equal(a.socktype, g->socktype);
		assert_string_equal(a.host, g->host);
		assert_string_equal(a.port, g->service);
		assert_string_equal(a.path, g->path);
		assert_int_equal(a.abstract, g->abstract);
	}
}

/* One rejected form and the errno it must give. */
static const struct {
	const char *arg, *port;
	int flags, err;
} bad[] = {
	{ "", NULL, 0, EINVAL },
	{ NULL, NULL, 0, EINVAL },
	{ "h:99999", NULL, 0, ERANGE },
	{ "h:65536", NULL, 0, ERANGE },
	{ "h", "99999", 0, ERANGE },
	{ "h:123456789012345678901234567890", NULL, 0, ERANGE },
	{ "h:1234567890123456789012345678901234567890", NULL, 0, ERANGE },
	{ "h:abcdefghijklmnopqrstuvwxyzabcdefgh", NULL, 0, EINVAL },
	{ "h:80x", NULL, 0, EINVAL },
	{ "h:-1", NULL, 0, EINVAL },
	{ "h:+80", NULL, 0, EINVAL },
	{ "h:ht_tp", NULL, 0, EINVAL },
	{ "h:", NULL, 0, EINVAL },
	{ "h", NULL, 0, EINVAL },
	{ "8080", NULL, 0, EINVAL },
	{ "[::1", NULL, 0, EINVAL },
	{ "[::1]", NULL, 0, EINVAL },
	{ "[::1]x", NULL, 0, EINVAL },
	{ "[::1]:", NULL, 0, EINVAL },
	{ "[]:80", NULL, 0, EINVAL },
	{ "::1", NULL, 0, EINVAL },
	{ "h:1", "2", 0, EINVAL },
	{ "[::1]:1", "2", 0, EINVAL },
	{ "a b c", NULL, 0, EINVAL },
	{ "h:1", NULL, NET_V4 | NET_V6, EINVAL },
	{ "unix:", NULL, 0, EINVAL },
	{ "unix:@", NULL, 0, EINVAL },
	{ "unix:/tmp/s", "80", 0, EINVAL },
};

static void
test_parse_bad(void **state)
{
	struct net_addr a;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		errno = 0;
		if (net_parse_addr(bad[i].arg, bad[i].port, bad[i].flags, &a,
		    &why) != -1)
			fail_msg("accepted %s", bad[i].arg ? bad[i].arg :
			    "NULL");
		if (errno != bad[i].err)
			fail_msg("%s: errno %d, want %d", bad[i].arg ?
			    bad[i].arg : "NULL", errno, bad[i].err);
		assert_non_null(why);
	}
	/* why may be NULL when the caller does not care. */
	assert_int_equal(net_parse_addr("h:80x", NULL, 0, &a, NULL), -1);
	assert_int_equal(errno, EINVAL);
}

static void
test_parse_unix_lengths(void **state)
{
	char arg[256];
	struct net_addr a;
	const char *why;

	(void)state;
	/* A path of 107 bytes fits sun_path with its NUL; 108 does not. */
	snprintf(arg, sizeof(arg), "unix:/%0106d", 0);
	assert_int_equal(net_parse_addr(arg, NULL, 0, &a, &why), 0);
	assert_int_equal(strlen(a.path), 107);
	snprintf(arg, sizeof(arg), "unix:/%0107d", 0);
	assert_int_equal(net_parse_addr(arg, NULL, 0, &a, &why), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_non_null(why);

	/* An abstract name has a NUL in front instead: also 107 bytes. */
	snprintf(arg, sizeof(arg), "unix:@%0107d", 0);
	assert_int_equal(net_parse_addr(arg, NULL, 0, &a, &why), 0);
	assert_int_equal(strlen(a.path), 107);
	assert_true(a.abstract);
	snprintf(arg, sizeof(arg), "unix:@%0108d", 0);
	assert_int_equal(net_parse_addr(arg, NULL, 0, &a, &why), -1);
	assert_int_equal(errno, ENAMETOOLONG);
}

/* Parse, resolve and format the first result. */
static void
resolve_first(const char *arg, int flags, const char *want)
{
	struct addrinfo *res;
	struct net_addr a;
	const char *why;
	char buf[128];

	assert_int_equal(net_parse_addr(arg, NULL, flags, &a, &why), 0);
	assert_int_equal(net_resolve(&a, flags, &res), 0);
	assert_non_null(res);
	net_format(res->ai_addr, res->ai_addrlen, buf, sizeof(buf));
	assert_string_equal(buf, want);
	net_freeaddrinfo(res);
}

static void
test_resolve(void **state)
{
	(void)state;
	/* Servers listen on loopback unless the wildcard is asked for. */
	resolve_first(":0", NET_PASSIVE, "127.0.0.1:0");
	resolve_first("7000", NET_PASSIVE, "127.0.0.1:7000");
	resolve_first(":0", NET_PASSIVE | NET_V6, "[::1]:0");
	resolve_first("0.0.0.0:0", NET_PASSIVE, "0.0.0.0:0");
	resolve_first(":7000", 0, "127.0.0.1:7000");
	resolve_first("[::1]:7000", 0, "[::1]:7000");
	resolve_first("127.0.0.1:http", 0, "127.0.0.1:80");
	resolve_first("unix:/tmp/s", 0, "unix:/tmp/s");
	resolve_first("unix:@name", 0, "unix:@name");
}

static void
test_resolve_unix(void **state)
{
	struct addrinfo *res;
	struct net_addr a;
	const char *why;

	(void)state;
	assert_int_equal(net_parse_addr("unix:@x", NULL, NET_SEQPACKET, &a,
	    &why), 0);
	assert_int_equal(net_resolve(&a, 0, &res), 0);
	assert_int_equal(res->ai_family, AF_UNIX);
	assert_int_equal(res->ai_socktype, SOCK_SEQPACKET);
	assert_int_equal(res->ai_addrlen,
	    offsetof(struct sockaddr_un, sun_path) + 2);
	assert_null(res->ai_next);
	net_freeaddrinfo(res);
	net_freeaddrinfo(NULL);
}

static void
test_resolve_fail(void **state)
{
	struct addrinfo *res;
	struct net_addr a;
	const char *why;

	(void)state;
	assert_int_equal(net_parse_addr("127.0.0.1:nosuchservice", NULL, 0,
	    &a, &why), 0);
	assert_int_not_equal(net_resolve(&a, 0, &res), 0);
	assert_null(res);
}

static void
test_unix_sockaddr(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_un *sun = (struct sockaddr_un *)&ss;
	struct net_addr a;
	const char *why;

	(void)state;
	assert_int_equal(net_parse_addr("unix:/tmp/s", NULL, 0, &a, &why), 0);
	assert_int_equal(net_unix_sockaddr(&a, &ss),
	    offsetof(struct sockaddr_un, sun_path) + 7);
	assert_int_equal(sun->sun_family, AF_UNIX);
	assert_string_equal(sun->sun_path, "/tmp/s");

	assert_int_equal(net_parse_addr("unix:@ab", NULL, 0, &a, &why), 0);
	assert_int_equal(net_unix_sockaddr(&a, &ss),
	    offsetof(struct sockaddr_un, sun_path) + 3);
	assert_memory_equal(sun->sun_path, "\0ab", 3);

	assert_int_equal(net_parse_addr("h:1", NULL, 0, &a, &why), 0);
	assert_int_equal(net_unix_sockaddr(&a, &ss), -1);
}

static void
test_format(void **state)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr_un sun;
	char buf[128], tiny[6];
	socklen_t base;

	(void)state;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(7000);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	assert_string_equal(net_format((struct sockaddr *)&sin, sizeof(sin),
	    buf, sizeof(buf)), "127.0.0.1:7000");
	/* Truncated, but always terminated. */
	assert_string_equal(net_format((struct sockaddr *)&sin, sizeof(sin),
	    tiny, sizeof(tiny)), "127.0");
	assert_string_equal(net_format((struct sockaddr *)&sin, 4, buf,
	    sizeof(buf)), "(short address)");

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(7000);
	inet_pton(AF_INET6, "::1", &sin6.sin6_addr);
	assert_string_equal(net_format((struct sockaddr *)&sin6, sizeof(sin6),
	    buf, sizeof(buf)), "[::1]:7000");
	inet_pton(AF_INET6, "fe80::1", &sin6.sin6_addr);
	sin6.sin6_scope_id = 2;
	assert_string_equal(net_format((struct sockaddr *)&sin6, sizeof(sin6),
	    buf, sizeof(buf)), "[fe80::1%2]:7000");

	base = offsetof(struct sockaddr_un, sun_path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, "/tmp/s");
	assert_string_equal(net_format((struct sockaddr *)&sun, base + 7,
	    buf, sizeof(buf)), "unix:/tmp/s");
	/* getsockname may report the whole structure: stop at the NUL. */
	assert_string_equal(net_format((struct sockaddr *)&sun, sizeof(sun),
	    buf, sizeof(buf)), "unix:/tmp/s");
	memcpy(sun.sun_path, "\0name", 5);
	assert_string_equal(net_format((struct sockaddr *)&sun, base + 5,
	    buf, sizeof(buf)), "unix:@name");
	/* Abstract names may hold any byte; they are shown escaped. */
	memcpy(sun.sun_path, "\0a\0\033", 4);
	assert_string_equal(net_format((struct sockaddr *)&sun, base + 4,
	    buf, sizeof(buf)), "unix:@a\\x00\\x1b");
	assert_string_equal(net_format((struct sockaddr *)&sun,
	    sizeof(sa_family_t), buf, sizeof(buf)), "unix:(unnamed)");

	assert_string_equal(net_format(NULL, 0, buf, sizeof(buf)), "(none)");
	sun.sun_family = AF_APPLETALK;
	assert_string_equal(net_format((struct sockaddr *)&sun, sizeof(sun),
	    buf, sizeof(buf)), "(family 5)");
}

/* Netlink and packet socket addresses, as the tracer shows them. */
static void
test_format_link(void **state)
{
	struct sockaddr_nl nl;
	struct sockaddr_ll ll;
	socklen_t base = offsetof(struct sockaddr_ll, sll_addr);
	char buf[128], tiny[12];

	(void)state;
	memset(&nl, 0, sizeof(nl));
	nl.nl_family = AF_NETLINK;
	assert_string_equal(net_format((struct sockaddr *)&nl, sizeof(nl),
	    buf, sizeof(buf)), "netlink:pid 0 groups 0x0");
	nl.nl_pid = 4242;
	nl.nl_groups = 0x11;
	assert_string_equal(net_format((struct sockaddr *)&nl, sizeof(nl),
	    buf, sizeof(buf)), "netlink:pid 4242 groups 0x11");
	assert_string_equal(net_format((struct sockaddr *)&nl,
	    sizeof(nl) - 1, buf, sizeof(buf)), "(short address)");

	/* What bind(2) is given: the ethertype in network byte order. */
	memset(&ll, 0, sizeof(ll));
	ll.sll_family = AF_PACKET;
	ll.sll_protocol = htons(ETH_P_ALL);
	ll.sll_ifindex = 1;
	assert_string_equal(net_format((struct sockaddr *)&ll, sizeof(ll),
	    buf, sizeof(buf)), "packet:ifindex 1 proto ETH_P_ALL");
	ll.sll_protocol = htons(ETH_P_IPV6);
	ll.sll_ifindex = 0;
	assert_string_equal(net_format((struct sockaddr *)&ll, sizeof(ll),
	    buf, sizeof(buf)), "packet:ifindex 0 proto ETH_P_IPV6");
	ll.sll_protocol = htons(0x88cc);
	assert_string_equal(net_format((struct sockaddr *)&ll, sizeof(ll),
	    buf, sizeof(buf)), "packet:ifindex 0 proto 0x88cc");

	/*
	 * What recvfrom(2) fills in for a frame: where it went and whence,
	 * with a length that ends at the address's last byte.
	 */
	ll.sll_protocol = htons(ETH_P_IP);
	ll.sll_ifindex = 2;
	ll.sll_pkttype = PACKET_OUTGOING;
	ll.sll_halen = 6;
	memcpy(ll.sll_addr, "\x02\x42\xac\x11\x00\x02", 6);
	assert_string_equal(net_format((struct sockaddr *)&ll, base + 6,
	    buf, sizeof(buf)), "packet:ifindex 2 proto ETH_P_IP "
	    "PACKET_OUTGOING 02:42:ac:11:00:02");
	/* A length shorter than sll_halen says cuts the address. */
	assert_string_equal(net_format((struct sockaddr *)&ll, base + 2,
	    buf, sizeof(buf)),
	    "packet:ifindex 2 proto ETH_P_IP PACKET_OUTGOING 02:42");
	/* A longer sll_halen than sll_addr holds is cut to 8 bytes. */
	ll.sll_halen = 200;
	ll.sll_pkttype = PACKET_HOST;
	memcpy(ll.sll_addr, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	assert_string_equal(net_format((struct sockaddr *)&ll, sizeof(ll),
	    buf, sizeof(buf)), "packet:ifindex 2 proto ETH_P_IP PACKET_HOST "
	    "01:02:03:04:05:06:07:08");
	ll.sll_halen = 1;
	ll.sll_pkttype = 200;
	assert_string_equal(net_format((struct sockaddr *)&ll, sizeof(ll),
	    buf, sizeof(buf)), "packet:ifindex 2 proto ETH_P_IP pkttype 200 "
	    "01");
	assert_string_equal(net_format((struct sockaddr *)&ll, base - 1, buf,
	    sizeof(buf)), "(short address)");
	/* Truncated, but always terminated. */
	assert_string_equal(net_format((struct sockaddr *)&ll, sizeof(ll),
	    tiny, sizeof(tiny)), "packet:ifin");
}

/* Bind fd to 127.0.0.1 port 0 and say where it ended up. */
static void
bind_loopback(int fd, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(sys_bind(fd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	*len = sizeof(*ss);
	assert_int_equal(sys_getsockname(fd, (struct sockaddr *)ss, len), 0);
}

static int
tcp_socket(int nonblock)
{
	struct addrinfo ai;
	int fd;

	memset(&ai, 0, sizeof(ai));
	ai.ai_family = AF_INET;
	ai.ai_socktype = SOCK_STREAM;
	fd = net_socket(&ai, nonblock);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal((fcntl(fd, F_GETFL) & O_NONBLOCK) != 0, nonblock);
	return fd;
}

static void
test_connect(void **state)
{
	struct sockaddr_storage ss;
	char local[64], peer[64], want[64];
	socklen_t len;
	int lfd, cfd, afd;

	(void)state;
	lfd = tcp_socket(0);
	bind_loopback(lfd, &ss, &len);
	assert_int_equal(sys_listen(lfd, 8), 0);
	net_local(lfd, want, sizeof(want));
	assert_int_equal(strncmp(want, "127.0.0.1:", 10), 0);

	/* With a timeout, and then blocking: both leave the fd blocking. */
	cfd = tcp_socket(0);
	assert_int_equal(net_connect_timeout(cfd, (struct sockaddr *)&ss, len,
	    2.0), 0);
	assert_int_equal(fcntl(cfd, F_GETFL) & O_NONBLOCK, 0);
	net_peer(cfd, peer, sizeof(peer));
	assert_string_equal(peer, want);
	afd = sys_accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(afd >= 0);
	net_peer(afd, peer, sizeof(peer));
	net_local(cfd, local, sizeof(local));
	assert_string_equal(peer, local);
	close(afd);
	close(cfd);

	cfd = tcp_socket(0);
	assert_int_equal(net_connect_timeout(cfd, (struct sockaddr *)&ss, len,
	    -1), 0);
	close(cfd);

	/* A non-blocking fd stays non-blocking. */
	cfd = tcp_socket(1);
	assert_int_equal(net_connect_timeout(cfd, (struct sockaddr *)&ss, len,
	    2.0), 0);
	assert_true(fcntl(cfd, F_GETFL) & O_NONBLOCK);
	close(cfd);
	close(lfd);
}

static void
test_connect_refused(void **state)
{
	struct sockaddr_storage ss;
	char buf[64];
	socklen_t len;
	int bfd, cfd;

	(void)state;
	/* Bound but not listening: the port is ours, and SYN meets RST. */
	bfd = tcp_socket(0);
	bind_loopback(bfd, &ss, &len);
	cfd = tcp_socket(0);
	assert_int_equal(net_connect_timeout(cfd, (struct sockaddr *)&ss, len,
	    2.0), -1);
	assert_int_equal(errno, ECONNREFUSED);
	assert_int_equal(fcntl(cfd, F_GETFL) & O_NONBLOCK, 0);
	close(cfd);
	cfd = tcp_socket(0);
	assert_int_equal(net_connect_timeout(cfd, (struct sockaddr *)&ss, len,
	    -1), -1);
	assert_int_equal(errno, ECONNREFUSED);
	/* Never connected: the peer is an errno name. */
	net_peer(cfd, buf, sizeof(buf));
	assert_string_equal(buf, "(ENOTCONN)");
	assert_int_equal(errno, ENOTCONN);
	close(cfd);
	close(bfd);
}

static void
test_connect_timeout(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int lfd, fds[16], i, n, timedout;

	(void)state;
	/*
	 * A listener nobody accepts from, with the smallest backlog: once
	 * its queue is full the kernel drops further SYNs, so a connect
	 * hangs until our deadline.  See listen(2).
	 */
	lfd = tcp_socket(0);
	bind_loopback(lfd, &ss, &len);
	assert_int_equal(sys_listen(lfd, 0), 0);
	timedout = 0;
	for (n = 0; n < 16 && !timedout; n++) {
		fds[n] = tcp_socket(0);
		if (net_connect_timeout(fds[n], (struct sockaddr *)&ss, len,
		    0.2) < 0) {
			assert_int_equal(errno, ETIMEDOUT);
			timedout = 1;
		}
	}
	assert_true(timedout);
	for (i = 0; i < n; i++)
		close(fds[i]);
	close(lfd);
}

static void
test_connect_unix(void **state)
{
	struct addrinfo *res;
	struct net_addr a;
	const char *why;
	char arg[64], buf[64];
	int lfd, cfd;

	(void)state;
	snprintf(arg, sizeof(arg), "unix:@ipc-test-net-%ld", (long)getpid());
	assert_int_equal(net_parse_addr(arg, NULL, 0, &a, &why), 0);
	assert_int_equal(net_resolve(&a, 0, &res), 0);
	lfd = net_socket(res, 0);
	assert_true(lfd >= 0);
	assert_int_equal(sys_bind(lfd, res->ai_addr, res->ai_addrlen), 0);
	assert_int_equal(sys_listen(lfd, 4), 0);
	assert_string_equal(net_local(lfd, buf, sizeof(buf)), arg);

	cfd = net_socket(res, 0);
	assert_int_equal(net_connect_timeout(cfd, res->ai_addr,
	    res->ai_addrlen, 1.0), 0);
	assert_string_equal(net_peer(cfd, buf, sizeof(buf)), arg);
	/* The client never bound: its own end is unnamed. */
	assert_string_equal(net_local(cfd, buf, sizeof(buf)),
	    "unix:(unnamed)");
	close(cfd);
	close(lfd);
	net_freeaddrinfo(res);
}

static void
test_set_nonblock(void **state)
{
	int fd;

	(void)state;
	fd = tcp_socket(0);
	assert_int_equal(net_set_nonblock(fd, 1), 0);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_int_equal(net_set_nonblock(fd, 1), 0);
	assert_int_equal(net_set_nonblock(fd, 0), 0);
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	close(fd);
	assert_int_equal(net_set_nonblock(fd, 1), -1);
	assert_int_equal(errno, EBADF);
}

static void
test_sockopt_table(void **state)
{
	const struct net_sockopt *o, *p;

	(void)state;
	for (o = net_sockopts; o->name != NULL; o++) {
		assert_non_null(o->doc);
		assert_true(o->types != 0);
		assert_non_null(strchr(o->name, '_'));
		/* Every name, with and without prefix, finds its own entry. */
		assert_ptr_equal(net_sockopt_find(o->name), o);
		assert_ptr_equal(net_sockopt_find(strchr(o->name, '_') + 1), o);
		for (p = o + 1; p->name != NULL; p++)
			assert_string_not_equal(o->name, p->name);
	}
	assert_ptr_equal(net_sockopt_find("reuseaddr"),
	    net_sockopt_find("SO_REUSEADDR"));
	assert_ptr_equal(net_sockopt_find("nodelay"),
	    net_sockopt_find("TCP_NODELAY"));
	assert_ptr_equal(net_sockopt_find("tcp_nodelay"),
	    net_sockopt_find("TCP_NODELAY"));
	assert_ptr_equal(net_sockopt_find("multicast-ttl"),
	    net_sockopt_find("IP_MULTICAST_TTL"));
	assert_non_null(net_sockopt_find("TCP_CONGESTION"));
	assert_non_null(net_sockopt_find("IPV6_V6ONLY"));
	assert_null(net_sockopt_find("bogus"));
	assert_null(net_sockopt_find(""));
	assert_null(net_sockopt_find("reuse"));
}

/* Apply spec to fd, then read the option back as text. */
static void
apply_get(int fd, const char *spec, const char *name, const char *want)
{
	char buf[64];

	if (net_sockopt_apply(fd, spec) != 0)
		fail_msg("%s: errno %d", spec, errno);
	assert_int_equal(net_sockopt_get(fd, net_sockopt_find(name), buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void
test_sockopt_apply(void **state)
{
	static const char *const rejected[] = {
		"bogus=1", "SO_REUSEADDR=maybe", "SO_REUSEADDR=", "SO_RCVBUF",
		"SO_RCVBUF=abc", "SO_RCVBUF=1x", "SO_RCVBUF=99999999999",
		"SO_LINGER=1.5", "SO_LINGER=x", "SO_RCVTIMEO=-1",
		"SO_RCVTIMEO=nan", "SO_RCVTIMEO=inf", "SO_RCVTIMEO=1m",
		"TCP_CONGESTION=", "=1", "",
	};
	size_t i;
	int fd;

	(void)state;
	fd = tcp_socket(0);
	apply_get(fd, "SO_REUSEADDR=1", "SO_REUSEADDR", "1");
	apply_get(fd, "reuseaddr=off", "SO_REUSEADDR", "0");
	apply_get(fd, "so_keepalive=yes", "keepalive", "1");
	apply_get(fd, "keepalive=False", "keepalive", "0");
	apply_get(fd, "nodelay", "TCP_NODELAY", "1");
	apply_get(fd, "TCP_NODELAY=true", "TCP_NODELAY", "1");
	apply_get(fd, "SO_LINGER=5", "SO_LINGER", "5s");
	apply_get(fd, "SO_LINGER=0", "SO_LINGER", "0s");
	apply_get(fd, "SO_LINGER=off", "SO_LINGER", "off");
	apply_get(fd, "SO_LINGER=5s", "SO_LINGER", "5s");
	apply_get(fd, "SO_LINGER=-1", "SO_LINGER", "off");
	apply_get(fd, "SO_RCVTIMEO=1.5", "SO_RCVTIMEO", "1.5s");
	/* The kernel keeps timeouts in clock ticks: 0.25 s may read 0.252. */
	apply_get(fd, "SO_RCVTIMEO=0.5s", "SO_RCVTIMEO", "0.5s");
	apply_get(fd, "SO_SNDTIMEO=2", "SO_SNDTIMEO", "2s");
	apply_get(fd, "SO_SNDTIMEO=0", "SO_SNDTIMEO", "0s");
	apply_get(fd, "IP_TTL=7", "ttl", "7");
	apply_get(fd, "TCP_KEEPIDLE=30", "keepidle", "30");
	apply_get(fd, "TCP_CONGESTION=reno", "TCP_CONGESTION", "reno");
	apply_get(fd, "TCP_USER_TIMEOUT=1000", "user-timeout", "1000");

	for (i = 0; i < sizeof(rejected) / sizeof(rejected[0]); i++) {
		errno = 0;
		if (net_sockopt_apply(fd, rejected[i]) != -1 || errno != EINVAL)
			fail_msg("%s: not rejected with EINVAL", rejected[i]);
	}
	/* Read-only options: the kernel refuses, and says so. */
	assert_int_equal(net_sockopt_apply(fd, "SO_TYPE=2"), -1);
	assert_int_equal(errno, ENOPROTOOPT);
	close(fd);
}

static void
test_sockopt_get(void **state)
{
	const struct net_sockopt *o;
	char buf[64], tiny[2];
	int fd;

	(void)state;
	fd = tcp_socket(0);
	assert_int_equal(net_sockopt_get(fd, net_sockopt_find("SO_TYPE"), buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "1");
	assert_int_equal(net_sockopt_get(fd, net_sockopt_find("SO_DOMAIN"),
	    buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2");
	assert_int_equal(net_sockopt_get(fd, net_sockopt_find("SO_ACCEPTCONN"),
	    buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0");
	assert_int_equal(net_sockopt_get(fd, net_sockopt_find("SO_RCVBUF"),
	    tiny, sizeof(tiny)), -1);
	assert_int_equal(errno, ENOSPC);
	/* Every option reads back, or fails cleanly, on a TCP socket. */
	for (o = net_sockopts; o->name != NULL; o++)
		if (net_sockopt_get(fd, o, buf, sizeof(buf)) == 0)
			assert_true(strlen(buf) < sizeof(buf));
	close(fd);
	assert_int_equal(net_sockopt_get(fd, net_sockopt_find("SO_TYPE"), buf,
	    sizeof(buf)), -1);
	assert_int_equal(errno, EBADF);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_unix_lengths),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_resolve_unix),
		cmocka_unit_test(test_resolve_fail),
		cmocka_unit_test(test_unix_sockaddr),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_link),
		cmocka_unit_test(test_connect),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_connect_timeout),
		cmocka_unit_test(test_connect_unix),
		cmocka_unit_test(test_set_nonblock),
		cmocka_unit_test(test_sockopt_table),
		cmocka_unit_test(test_sockopt_apply),
		cmocka_unit_test(test_sockopt_get),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
