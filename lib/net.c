/*
 * net.c - addresses and sockets: parsing what the user typed, resolving it,
 * printing addresses, connecting with a timeout, and socket options by
 * name.  Every system call goes through lib/sys.h so that --trace shows it.
 */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>

#include "clock.h"
#include "out.h"
#include "sys.h"

/* The highest TCP or UDP port number. */
#define PORT_MAX	65535

/* Unix path bytes we accept: sun_path less its NUL (or leading NUL). */
#define UNIX_NAME_MAX	(sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1)

/* URL-like prefixes; a zero socktype leaves the one the flags chose. */
static const struct {
	const char *prefix;
	int family;
	int socktype;
} schemes[] = {
	{ "tcp://", AF_UNSPEC, SOCK_STREAM },
	{ "udp://", AF_UNSPEC, SOCK_DGRAM },
	{ "unix:", AF_UNIX, 0 },
};

/* Fail with err and a reason for the user; returns -1. */
static int
parse_fail(int err, const char **why, const char *reason)
{
	*why = reason;
	errno = err;
	return -1;
}

/* Ports and service names are ASCII whatever the locale; see ctype(3). */
static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * A port is a decimal number 0..65535 or a service name from services(5):
 * a letter, then letters, digits and '-'.  s need not be NUL-terminated.
 */
static int
parse_port(const char *s, size_t len, struct net_addr *a, const char **why)
{
	static const char bad[] = "bad port: use a number 0-65535 or a "
	    "service name such as http";
	unsigned long v;
	size_t i;

	if (len == 0)
		return parse_fail(EINVAL, why, "missing port");
	v = 0;
	for (i = 0; i < len; i++) {
		if (is_digit(s[0])) {
			if (!is_digit(s[i]))
				return parse_fail(EINVAL, why, bad);
			v = v * 10 + (unsigned long)(s[i] - '0');
			if (v > PORT_MAX)
				return parse_fail(ERANGE, why,
				    "port out of range (0-65535)");
		} else if (!is_letter(s[i]) &&
		    !(i > 0 && (is_digit(s[i]) || s[i] == '-'))) {
			return parse_fail(EINVAL, why, bad);
		}
	}
	if (len >= sizeof(a->port))
		return parse_fail(EINVAL, why, "service name too long");
	memcpy(a->port, s, len);
	a->port[len] = '\0';
	return 0;
}

static int
set_host(const char *s, size_t len, struct net_addr *a, const char **why)
{
	if (len >= sizeof(a->host))
		return parse_fail(EINVAL, why, "host name too long");
	memcpy(a->host, s, len);
	a->host[len] = '\0';
	return 0;
}

/* "unix:/path", "unix:rel/path" or "unix:@abstract", after the "unix:". */
static int
parse_unix(const char *rest, const char *port, struct net_addr *a,
    const char **why)
{
	const char *name;
	size_t len;

	if (port != NULL)
		return parse_fail(EINVAL, why,
		    "a Unix socket address takes no port");
	a->family = AF_UNIX;
	a->abstract = rest[0] == '@';
	name = a->abstract ? rest + 1 : rest;
	len = strlen(name);
	if (len == 0)
		return parse_fail(EINVAL, why, a->abstract ?
		    "empty abstract socket name" : "empty Unix socket path");
	/* See unix(7): sun_path holds 108 bytes, one of them a NUL. */
	if (len > UNIX_NAME_MAX)
		return parse_fail(ENAMETOOLONG, why, a->abstract ?
		    "abstract socket name longer than 107 bytes" :
		    "Unix socket path longer than 107 bytes");
	memcpy(a->path, name, len + 1);
	return 0;
}

/*
 * "[v6]:port" or "[v6]" (with the port as its own word).  s is the host
 * part, len bytes, starting with '['.
 */
static int
parse_bracketed(const char *s, size_t len, const char *port,
    struct net_addr *a, const char **why)
{
	const char *end;

	end = memchr(s, ']', len);
	if (end == NULL)
		return parse_fail(EINVAL, why,
		    "missing ']' after the IPv6 address");
	if (end == s + 1)
		return parse_fail(EINVAL, why, "empty IPv6 address in []");
	if (set_host(s + 1, (size_t)(end - s - 1), a, why) < 0)
		return -1;
	end++;
	if (end == s + len) {
		if (port == NULL)
			return parse_fail(EINVAL, why,
			    "missing port after ']'");
		return parse_port(port, strlen(port), a, why);
	}
	if (*end != ':')
		return parse_fail(EINVAL, why, "expected ':PORT' after ']'");
	if (port != NULL)
		return parse_fail(EINVAL, why, "port given twice");
	return parse_port(end + 1, (size_t)(s + len - end - 1), a, why);
}

/* Host and port for an Internet address, after any scheme. */
static int
parse_inet(const char *rest, const char *port, int flags, struct net_addr *a,
    const char **why)
{
	const char *colon, *blank;
	size_t len, ncolons, i;

	len = strlen(rest);
	/* "host port" given as one string (from `ipc shell`, say). */
	blank = strchr(rest, ' ');
	if (port == NULL && blank != NULL) {
		len = (size_t)(blank - rest);
		port = blank + strspn(blank, " ");
		if (strchr(port, ' ') != NULL)
			return parse_fail(EINVAL, why,
			    "too many words in address");
	}
	if (len == 0 && port != NULL)
		return parse_fail(EINVAL, why, "empty host");
	if (rest[0] == '[')
		return parse_bracketed(rest, len, port, a, why);

	ncolons = 0;
	colon = NULL;
	for (i = 0; i < len; i++)
		if (rest[i] == ':') {
			ncolons++;
			colon = rest + i;
		}
	if (ncolons == 0) {
		if (port != NULL) {
			if (set_host(rest, len, a, why) < 0)
				return -1;
			return parse_port(port, strlen(port), a, why);
		}
		/* One word alone is a port only for a server ("8080"). */
		if (flags & NET_PASSIVE)
			return parse_port(rest, len, a, why);
		return parse_fail(EINVAL, why, "missing port: use HOST:PORT or "
		    "HOST PORT");
	}
	if (ncolons == 1) {
		if (port != NULL)
			return parse_fail(EINVAL, why, "port given twice");
		if (set_host(rest, (size_t)(colon - rest), a, why) < 0)
			return -1;
		return parse_port(colon + 1, (size_t)(rest + len - colon - 1),
		    a, why);
	}
	/* Two or more colons: a bare IPv6 address such as ::1. */
	if (port == NULL)
		return parse_fail(EINVAL, why, "write an IPv6 address with its "
		    "port as [ADDR]:PORT or ADDR PORT");
	if (set_host(rest, len, a, why) < 0)
		return -1;
	return parse_port(port, strlen(port), a, why);
}

int
net_parse_addr(const char *arg, const char *port, int flags,
    struct net_addr *a, const char **why)
{
	const char *ignored, *rest;
	size_t i, n;

	if (why == NULL)
		why = &ignored;
	*why = NULL;
	memset(a, 0, sizeof(*a));
	a->family = AF_UNSPEC;
	a->socktype = SOCK_STREAM;
	if (flags & NET_UDP)
		a->socktype = SOCK_DGRAM;
	else if (flags & NET_SEQPACKET)
		a->socktype = SOCK_SEQPACKET;
	if ((flags & NET_V4) && (flags & NET_V6))
		return parse_fail(EINVAL, why, "-4 and -6 exclude each other");
	if (flags & NET_V4)
		a->family = AF_INET;
	else if (flags & NET_V6)
		a->family = AF_INET6;
	if (arg == NULL || *arg == '\0')
		return parse_fail(EINVAL, why, "empty address");

	rest = arg;
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		n = strlen(schemes[i].prefix);
		if (strncasecmp(arg, schemes[i].prefix, n) != 0)
			continue;
		rest = arg + n;
		if (schemes[i].socktype != 0)
			a->socktype = schemes[i].socktype;
		if (schemes[i].family == AF_UNIX)
			return parse_unix(rest, port, a, why);
		break;
	}
	return parse_inet(rest, port, flags, a, why);
}

/*
 * getaddrinfo(3) knows nothing of Unix sockets, so we make the one result
 * ourselves.  The sockaddr lives in the same allocation, right after the
 * addrinfo, and one free() releases both.
 */
struct unix_ai {
	struct addrinfo ai;
	struct sockaddr_storage ss;
};

static int
unix_addrinfo(const struct net_addr *a, struct addrinfo **res)
{
	struct unix_ai *u;
	int len;

	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return EAI_MEMORY;
	len = net_unix_sockaddr(a, &u->ss);
	if (len < 0) {
		free(u);
		return EAI_SYSTEM;
	}
	u->ai.ai_family = AF_UNIX;
	u->ai.ai_socktype = a->socktype;
	u->ai.ai_addrlen = (socklen_t)len;
	u->ai.ai_addr = (struct sockaddr *)&u->ss;
	*res = &u->ai;
	return 0;
}

int
net_resolve(const struct net_addr *a, int flags, struct addrinfo **res)
{
	struct addrinfo hints;
	const char *host;

	*res = NULL;
	if (a->family == AF_UNIX)
		return unix_addrinfo(a, res);

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = a->family;
	if (hints.ai_family == AF_UNSPEC && (flags & NET_V4))
		hints.ai_family = AF_INET;
	else if (hints.ai_family == AF_UNSPEC && (flags & NET_V6))
		hints.ai_family = AF_INET6;
	hints.ai_socktype = a->socktype;
	/*
	 * No AI_ADDRCONFIG: on a machine whose only interface is loopback it
	 * would hide every address, even 127.0.0.1.  AI_PASSIVE only matters
	 * for a NULL host, which we never pass, but it says what we mean.
	 * See getaddrinfo(3).
	 */
	hints.ai_flags = (flags & NET_PASSIVE) ? AI_PASSIVE : 0;
	/*
	 * An empty host means loopback, for servers too: listening on every
	 * interface must be asked for by name, as 0.0.0.0 or ::.
	 */
	host = a->host;
	if (*host == '\0')
		host = hints.ai_family == AF_INET6 ? "::1" : "127.0.0.1";
	return sys_getaddrinfo(host, *a->port != '\0' ? a->port : "0", &hints,
	    res);
}

void
net_freeaddrinfo(struct addrinfo *res)
{
	if (res == NULL)
		return;
	/*
	 * glibc's getaddrinfo(3) never returns AF_UNIX, so that family marks
	 * the list as one of ours from unix_addrinfo().
	 */
	if (res->ai_family == AF_UNIX)
		free(res);
	else
		freeaddrinfo(res);
}

int
net_unix_sockaddr(const struct net_addr *a, struct sockaddr_storage *ss)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)ss;
	size_t len;

	if (a->family != AF_UNIX) {
		errno = EINVAL;
		return -1;
	}
	len = strnlen(a->path, sizeof(a->path));
	if (len > UNIX_NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(ss, 0, sizeof(*ss));
	sun->sun_family = AF_UNIX;
	/*
	 * See unix(7): an abstract name starts with a NUL byte and its length
	 * is exactly what addrlen says; a path is NUL-terminated, and the NUL
	 * is counted, as getsockname(2) does.
	 */
	if (a->abstract) {
		memcpy(sun->sun_path + 1, a->path, len);
		return (int)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
	}
	memcpy(sun->sun_path, a->path, len);
	return (int)(offsetof(struct sockaddr_un, sun_path) + len + 1);
}

/* A Unix socket address: a path, an abstract name, or unnamed. */
static char *
format_unix(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	struct sockaddr_un sun;
	char esc[4 * sizeof(sun.sun_path) + 1];
	size_t n, used;

	n = len - offsetof(struct sockaddr_un, sun_path);
	if (n > sizeof(sun.sun_path))
		n = sizeof(sun.sun_path);
	/* See unix(7): an unnamed socket's address is the family alone. */
	if (n == 0) {
		snprintf(buf, size, "unix:(unnamed)");
		return buf;
	}
	memset(&sun, 0, sizeof(sun));
	memcpy(&sun, sa, offsetof(struct sockaddr_un, sun_path) + n);
	/* Names may hold any byte, NUL included: escape them for display. */
	if (sun.sun_path[0] == '\0') {
		out_escape(esc, sizeof(esc), sun.sun_path + 1, n - 1, &used);
		snprintf(buf, size, "unix:@%s", esc);
	} else {
		out_escape(esc, sizeof(esc), sun.sun_path,
		    strnlen(sun.sun_path, n), &used);
		snprintf(buf, size, "unix:%s", esc);
	}
	return buf;
}

/*
 * A netlink address: the socket's port id (0 is the kernel) and the
 * multicast groups it listens to; see netlink(7).
 */
static char *
format_netlink(const struct sockaddr *sa, char *buf, size_t size)
{
	struct sockaddr_nl nl;

	memcpy(&nl, sa, sizeof(nl));
	snprintf(buf, size, "netlink:pid %u groups 0x%x", (unsigned)nl.nl_pid,
	    (unsigned)nl.nl_groups);
	return buf;
}

/* Ethertypes by name, in host order; see <linux/if_ether.h>. */
static const struct {
	unsigned type;
	const char *name;
} ethertypes[] = {
	{ ETH_P_ALL, "ETH_P_ALL" }, { ETH_P_IP, "ETH_P_IP" },
	{ ETH_P_ARP, "ETH_P_ARP" }, { ETH_P_IPV6, "ETH_P_IPV6" },
	{ ETH_P_8021Q, "ETH_P_8021Q" }, { ETH_P_8021AD, "ETH_P_8021AD" },
};

const char *
net_ethertype_name(unsigned type)
{
	for (size_t i = 0; i < sizeof(ethertypes) / sizeof(ethertypes[0]); i++)
		if (ethertypes[i].type == type)
			return ethertypes[i].name;
	return NULL;
}

/* Where a received frame was going; see packet(7), sll_pkttype. */
static const char *const pkttypes[] = {
	[PACKET_HOST] = "PACKET_HOST",
	[PACKET_BROADCAST] = "PACKET_BROADCAST",
	[PACKET_MULTICAST] = "PACKET_MULTICAST",
	[PACKET_OTHERHOST] = "PACKET_OTHERHOST",
	[PACKET_OUTGOING] = "PACKET_OUTGOING",
	[PACKET_LOOPBACK] = "PACKET_LOOPBACK",
};

/*
 * A packet socket address: the interface index and the ethertype (in
 * network byte order in the structure), and for a frame the kernel
 * describes, where it was going and its link-layer source address.  See
 * packet(7): the kernel reports only the bytes up to the address's end,
 * so len may stop short of the whole structure.
 */
static char *
format_packet(const struct sockaddr *sa, socklen_t len, char *buf,
    size_t size)
{
	struct sockaddr_ll ll;
	char proto[16], addr[3 * sizeof(ll.sll_addr)];
	const char *name;
	size_t i, halen;

	memset(&ll, 0, sizeof(ll));
	memcpy(&ll, sa, len < sizeof(ll) ? len : sizeof(ll));
	name = net_ethertype_name(ntohs(ll.sll_protocol));
	if (name == NULL) {
		snprintf(proto, sizeof(proto), "%#06x",
		    (unsigned)ntohs(ll.sll_protocol));
		name = proto;
	}
	halen = len - offsetof(struct sockaddr_ll, sll_addr);
	if (halen > ll.sll_halen)
		halen = ll.sll_halen;
	if (halen > sizeof(ll.sll_addr))
		halen = sizeof(ll.sll_addr);
	if (halen == 0) {
		snprintf(buf, size, "packet:ifindex %d proto %s",
		    ll.sll_ifindex, name);
		return buf;
	}
	/* Three characters a byte: "xx:", and for the last "xx" and NUL. */
	for (i = 0; i < halen; i++)
		snprintf(addr + 3 * i, sizeof(addr) - 3 * i, "%02x%s",
		    ll.sll_addr[i], i + 1 < halen ? ":" : "");
	if (ll.sll_pkttype < sizeof(pkttypes) / sizeof(pkttypes[0]) &&
	    pkttypes[ll.sll_pkttype] != NULL)
		snprintf(buf, size, "packet:ifindex %d proto %s %s %s",
		    ll.sll_ifindex, name, pkttypes[ll.sll_pkttype], addr);
	else
		snprintf(buf, size, "packet:ifindex %d proto %s pkttype %u %s",
		    ll.sll_ifindex, name, (unsigned)ll.sll_pkttype, addr);
	return buf;
}

char *
net_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	char host[INET6_ADDRSTRLEN];

	if (size == 0)
		return buf;
	if (sa == NULL || len < sizeof(sa_family_t)) {
		snprintf(buf, size, "(none)");
		return buf;
	}
	/*
	 * Numeric only, with inet_ntop(3) rather than getnameinfo(3): no DNS
	 * lookups, no system calls, so the tracer may call this too.  The
	 * copies avoid reading a short or misaligned sockaddr.
	 */
	switch (sa->sa_family) {
	case AF_INET:
		if (len < sizeof(sin))
			break;
		memcpy(&sin, sa, sizeof(sin));
		inet_ntop(AF_INET, &sin.sin_addr, host, sizeof(host));
		snprintf(buf, size, "%s:%u", host, ntohs(sin.sin_port));
		return buf;
	case AF_INET6:
		if (len < sizeof(sin6))
			break;
		memcpy(&sin6, sa, sizeof(sin6));
		inet_ntop(AF_INET6, &sin6.sin6_addr, host, sizeof(host));
		/* A link-local address needs its scope: [fe80::1%2]:80. */
		if (sin6.sin6_scope_id != 0)
			snprintf(buf, size, "[%s%%%u]:%u", host,
			    (unsigned)sin6.sin6_scope_id,
			    ntohs(sin6.sin6_port));
		else
			snprintf(buf, size, "[%s]:%u", host,
			    ntohs(sin6.sin6_port));
		return buf;
	case AF_UNIX:
		return format_unix(sa, len, buf, size);
	case AF_NETLINK:
		if (len < sizeof(struct sockaddr_nl))
			break;
		return format_netlink(sa, buf, size);
	case AF_PACKET:
		if (len < offsetof(struct sockaddr_ll, sll_addr))
			break;
		return format_packet(sa, len, buf, size);
	default:
		snprintf(buf, size, "(family %d)", sa->sa_family);
		return buf;
	}
	snprintf(buf, size, "(short address)");
	return buf;
}

/*
 * One end of a connected socket.  On failure buf holds the errno name in
 * parentheses, "(ENOTCONN)", and errno is left as the call set it.
 */
static char *
format_end(int fd, int (*get)(int, struct sockaddr *, socklen_t *),
    char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int err;

	len = sizeof(ss);
	if (get(fd, (struct sockaddr *)&ss, &len) < 0) {
		err = errno;
		snprintf(buf, size, "(%s)", out_errname(err));
		errno = err;
		return buf;
	}
	return net_format((struct sockaddr *)&ss, len, buf, size);
}

char *
net_local(int fd, char *buf, size_t size)
{
	return format_end(fd, sys_getsockname, buf, size);
}

char *
net_peer(int fd, char *buf, size_t size)
{
	return format_end(fd, sys_getpeername, buf, size);
}

int
net_socket(const struct addrinfo *ai, int nonblock)
{
	/* See socket(2): the flags ride along in the type argument. */
	return sys_socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    (nonblock ? SOCK_NONBLOCK : 0), ai->ai_protocol);
}

int
net_set_nonblock(int fd, int on)
{
	int flags, want;

	/* See fcntl(2): read the status flags, change one, write them back. */
	flags = sys_fcntl(fd, F_GETFL);
	if (flags < 0)
		return -1;
	want = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
	if (want == flags)
		return 0;
	return sys_fcntl(fd, F_SETFL, want);
}

/*
 * Wait for a connect under way to finish (deadline < 0: forever), then
 * collect its outcome.  See connect(2): the socket turns writable when the
 * attempt ends either way, and SO_ERROR says how it ended.  Returns 0, or
 * -1 with errno: the connect's error, ETIMEDOUT, ENOTCONN, or poll's error.
 */
static int
connect_finish(int fd, long long deadline)
{
	struct sockaddr_storage peer;
	struct pollfd pfd;
	socklen_t len;
	int n, err;

	pfd.fd = fd;
	pfd.events = POLLOUT;
	for (;;) {
		n = sys_poll(&pfd, 1, clock_ms_until(deadline));
		if (n > 0)
			break;
		if (n == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		/* A signal: poll again for the time that is left. */
		if (errno != EINTR)
			return -1;
	}
	len = sizeof(err);
	if (sys_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -1;
	if (err != 0) {
		errno = err;
		return -1;
	}
	/*
	 * Writable with no error can also mean that the connect never
	 * started (a signal came before the kernel saw it): only a peer
	 * address proves a connection.  Fails with ENOTCONN then; see
	 * getpeername(2).
	 */
	len = sizeof(peer);
	return sys_getpeername(fd, (struct sockaddr *)&peer, &len);
}

int
net_connect_timeout(int fd, const struct sockaddr *sa, socklen_t len,
    double timeout)
{
	long long deadline;
	int flags, ret, err;

	if (timeout < 0) {
		if (sys_connect(fd, sa, len) == 0)
			return 0;
		/*
		 * See connect(2): after EINTR the connection is still being
		 * made in the background, and calling connect() again only
		 * says EALREADY.  Wait for it as for a non-blocking one.
		 */
		if (errno != EINTR)
			return -1;
		return connect_finish(fd, -1);
	}
	deadline = clock_deadline(timeout);

	flags = sys_fcntl(fd, F_GETFL);
	if (flags < 0)
		return -1;
	if (!(flags & O_NONBLOCK) &&
	    sys_fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -1;
	/*
	 * A non-blocking connect answers at once: 0 (done), EINPROGRESS (the
	 * handshake is under way) or a real error.  A Unix socket whose
	 * listener's backlog is full says EAGAIN, which is a failure here.
	 */
	ret = sys_connect(fd, sa, len);
	if (ret < 0 && (errno == EINPROGRESS || errno == EINTR))
		ret = connect_finish(fd, deadline);
	/* Put the fd back as it was, keeping the connect's errno. */
	err = errno;
	if (!(flags & O_NONBLOCK) && sys_fcntl(fd, F_SETFL, flags) < 0 &&
	    ret == 0)
		return -1;
	errno = err;
	return ret;
}

/*
 * The options `ipc sock options` lists and `--opt NAME=VALUE` sets.
 * types says which sockets an option means something on: NET_T_TCP and
 * NET_T_UDP are Internet sockets of either family, NET_T_UNIX is Unix
 * domain, and NET_T_V6 marks options that exist only on IPv6 sockets.
 * See socket(7), tcp(7), ip(7), ipv6(7) and unix(7).
 */
#define T_IP	(NET_T_TCP | NET_T_UDP)
#define T_ANY	(NET_T_TCP | NET_T_UDP | NET_T_UNIX)

const struct net_sockopt net_sockopts[] = {
	{ "SO_REUSEADDR", SOL_SOCKET, SO_REUSEADDR, NOPT_BOOL, T_IP,
	    "bind even while old connections to this port sit in TIME_WAIT" },
	{ "SO_REUSEPORT", SOL_SOCKET, SO_REUSEPORT, NOPT_BOOL, T_IP,
	    "let several sockets bind one port; the kernel spreads "
	    "connections among them" },
	{ "SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE, NOPT_BOOL, NET_T_TCP,
	    "probe an idle connection to notice a peer that vanished" },
	{ "SO_LINGER", SOL_SOCKET, SO_LINGER, NOPT_LINGER, NET_T_TCP,
	    "close() waits up to N seconds for unsent data; 0 resets the "
	    "connection (RST)" },
	{ "SO_RCVBUF", SOL_SOCKET, SO_RCVBUF, NOPT_INT, T_ANY,
	    "receive buffer size in bytes (the kernel doubles what you ask)" },
	{ "SO_SNDBUF", SOL_SOCKET, SO_SNDBUF, NOPT_INT, T_ANY,
	    "send buffer size in bytes (the kernel doubles what you ask)" },
	{ "SO_RCVLOWAT", SOL_SOCKET, SO_RCVLOWAT, NOPT_INT, T_ANY,
	    "bytes that must be queued before the socket polls readable" },
	{ "SO_SNDLOWAT", SOL_SOCKET, SO_SNDLOWAT, NOPT_INT, T_ANY,
	    "free space needed before the socket polls writable (fixed at 1 "
	    "on Linux)" },
	{ "SO_RCVTIMEO", SOL_SOCKET, SO_RCVTIMEO, NOPT_TIMEVAL, T_ANY,
	    "a blocking receive gives up with EAGAIN after this long (0: "
	    "never)" },
	{ "SO_SNDTIMEO", SOL_SOCKET, SO_SNDTIMEO, NOPT_TIMEVAL, T_ANY,
	    "a blocking send gives up with EAGAIN after this long (0: "
	    "never)" },
	{ "SO_BROADCAST", SOL_SOCKET, SO_BROADCAST, NOPT_BOOL, NET_T_UDP,
	    "allow sending datagrams to a broadcast address" },
	{ "SO_OOBINLINE", SOL_SOCKET, SO_OOBINLINE, NOPT_BOOL, NET_T_TCP,
	    "urgent (out-of-band) data arrives inside the normal stream" },
	{ "SO_TYPE", SOL_SOCKET, SO_TYPE, NOPT_INT, T_ANY,
	    "the socket type: 1 stream, 2 datagram, 5 seqpacket (read-only)" },
	{ "SO_ERROR", SOL_SOCKET, SO_ERROR, NOPT_INT, T_ANY,
	    "the pending error, cleared by reading it; how a non-blocking "
	    "connect reports (read-only)" },
	{ "SO_ACCEPTCONN", SOL_SOCKET, SO_ACCEPTCONN, NOPT_BOOL, T_ANY,
	    "1 once listen() has been called (read-only)" },
	{ "SO_DOMAIN", SOL_SOCKET, SO_DOMAIN, NOPT_INT, T_ANY,
	    "the address family: 1 unix, 2 inet, 10 inet6 (read-only)" },
	{ "SO_PROTOCOL", SOL_SOCKET, SO_PROTOCOL, NOPT_INT, T_ANY,
	    "the protocol number: 6 TCP, 17 UDP, 0 Unix (read-only)" },
	{ "SO_PRIORITY", SOL_SOCKET, SO_PRIORITY, NOPT_INT, T_ANY,
	    "queueing priority 0-6 of this socket's packets" },
	{ "SO_MARK", SOL_SOCKET, SO_MARK, NOPT_INT, T_IP,
	    "firewall and routing mark on outgoing packets (setting needs "
	    "CAP_NET_ADMIN)" },
	{ "SO_BINDTODEVICE", SOL_SOCKET, SO_BINDTODEVICE, NOPT_STR, T_IP,
	    "send and receive only through this interface, e.g. lo" },
	{ "SO_PASSCRED", SOL_SOCKET, SO_PASSCRED, NOPT_BOOL, NET_T_UNIX,
	    "receive the sender's pid, uid and gid with each message "
	    "(SCM_CREDENTIALS)" },
	{ "TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY, NOPT_BOOL, NET_T_TCP,
	    "send small writes at once instead of coalescing them (Nagle's "
	    "algorithm off)" },
	{ "TCP_CORK", IPPROTO_TCP, TCP_CORK, NOPT_BOOL, NET_T_TCP,
	    "hold partial segments until uncorked or 200 ms pass, to send "
	    "header and body together" },
	{ "TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE, NOPT_INT, NET_T_TCP,
	    "seconds idle before the first keepalive probe (needs "
	    "SO_KEEPALIVE)" },
	{ "TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL, NOPT_INT, NET_T_TCP,
	    "seconds between keepalive probes" },
	{ "TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT, NOPT_INT, NET_T_TCP,
	    "unanswered keepalive probes before the connection is dropped" },
	{ "TCP_MAXSEG", IPPROTO_TCP, TCP_MAXSEG, NOPT_INT, NET_T_TCP,
	    "maximum segment size: the most payload bytes per TCP packet" },
	{ "TCP_QUICKACK", IPPROTO_TCP, TCP_QUICKACK, NOPT_BOOL, NET_T_TCP,
	    "acknowledge at once instead of delaying ACKs (the kernel may "
	    "turn it off again)" },
	{ "TCP_DEFER_ACCEPT", IPPROTO_TCP, TCP_DEFER_ACCEPT, NOPT_INT,
	    NET_T_TCP,
	    "wake accept() only when data arrives, waiting up to N seconds" },
	{ "TCP_USER_TIMEOUT", IPPROTO_TCP, TCP_USER_TIMEOUT, NOPT_INT,
	    NET_T_TCP,
	    "milliseconds sent data may stay unacknowledged before the "
	    "connection is dropped" },
	{ "TCP_FASTOPEN", IPPROTO_TCP, TCP_FASTOPEN, NOPT_INT, NET_T_TCP,
	    "on a listener: queue length for Fast Open, data carried in the "
	    "SYN" },
	{ "TCP_CONGESTION", IPPROTO_TCP, TCP_CONGESTION, NOPT_STR, NET_T_TCP,
	    "the congestion control algorithm, e.g. cubic or reno" },
	{ "IP_TTL", IPPROTO_IP, IP_TTL, NOPT_INT, T_IP,
	    "hops an IPv4 packet may take before a router drops it" },
	{ "IP_TOS", IPPROTO_IP, IP_TOS, NOPT_INT, T_IP,
	    "the type-of-service (DSCP and ECN) byte of each IPv4 header" },
	{ "IP_MULTICAST_TTL", IPPROTO_IP, IP_MULTICAST_TTL, NOPT_INT,
	    NET_T_UDP,
	    "hops for multicast datagrams (1 stays on the local network)" },
	{ "IP_MULTICAST_LOOP", IPPROTO_IP, IP_MULTICAST_LOOP, NOPT_BOOL,
	    NET_T_UDP,
	    "deliver our own multicast datagrams to listeners on this host" },
	{ "IPV6_V6ONLY", IPPROTO_IPV6, IPV6_V6ONLY, NOPT_BOOL, NET_T_V6,
	    "a socket bound to :: takes IPv6 only, not IPv4 as "
	    "::ffff:a.b.c.d" },
	{ "IPV6_UNICAST_HOPS", IPPROTO_IPV6, IPV6_UNICAST_HOPS, NOPT_INT,
	    NET_T_V6,
	    "hop limit of unicast IPv6 packets (-1: the system default)" },
	{ NULL, 0, 0, NOPT_INT, 0, NULL },
};

/* Names compare without case, and '-' stands for '_'. */
static int
name_eq(const char *a, const char *b)
{
	int ca, cb;

	for (;; a++, b++) {
		ca = *a == '-' ? '_' : *a;
		cb = *b == '-' ? '_' : *b;
		if ((ca | 0x20) != (cb | 0x20) || (ca == '\0') != (cb == '\0'))
			return 0;
		if (ca == '\0')
			return 1;
	}
}

const struct net_sockopt *
net_sockopt_find(const char *name)
{
	const struct net_sockopt *o;
	const char *bare;

	for (o = net_sockopts; o->name != NULL; o++) {
		/* "SO_REUSEADDR" may be written "reuseaddr". */
		bare = strchr(o->name, '_') + 1;
		if (name_eq(name, o->name) || name_eq(name, bare))
			return o;
	}
	errno = ENOENT;
	return NULL;
}

/* Words for on and off; see net_sockopt_apply(). */
static const struct {
	const char *word;
	int value;
} bool_words[] = {
	{ "1", 1 }, { "on", 1 }, { "yes", 1 }, { "true", 1 },
	{ "0", 0 }, { "off", 0 }, { "no", 0 }, { "false", 0 },
};

static int
parse_bool(const char *s, int *v)
{
	size_t i;

	for (i = 0; i < sizeof(bool_words) / sizeof(bool_words[0]); i++)
		if (strcasecmp(s, bool_words[i].word) == 0) {
			*v = bool_words[i].value;
			return 0;
		}
	return -1;
}

/* A whole decimal int, sign allowed. */
static int
parse_int(const char *s, int *v)
{
	char *end;
	long l;

	errno = 0;
	l = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || l < INT_MIN ||
	    l > INT_MAX)
		return -1;
	*v = (int)l;
	return 0;
}

/* Seconds >= 0 with an optional fraction and an optional 's': "1.5s". */
static int
parse_secs(const char *s, double *v)
{
	char *end;

	/* strtod(3) also takes "nan", "inf" and hex; we want plain decimals. */
	if (!((*s >= '0' && *s <= '9') || *s == '.'))
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	if (end == s || errno != 0 || !isfinite(*v) || *v > INT_MAX)
		return -1;
	if (*end == 's')
		end++;
	return *end == '\0' ? 0 : -1;
}

int
net_sockopt_apply(int fd, const char *spec)
{
	const struct net_sockopt *o;
	const char *eq, *val;
	char name[64];
	struct linger lg;
	struct timeval tv;
	const void *p;
	socklen_t len;
	double secs;
	size_t n;
	int i;

	eq = strchr(spec, '=');
	n = eq != NULL ? (size_t)(eq - spec) : strlen(spec);
	if (n >= sizeof(name))
		goto bad;
	memcpy(name, spec, n);
	name[n] = '\0';
	o = net_sockopt_find(name);
	if (o == NULL)
		goto bad;
	/* A boolean named alone ("--opt nodelay") means on. */
	val = eq != NULL ? eq + 1 : o->kind == NOPT_BOOL ? "1" : NULL;
	if (val == NULL)
		goto bad;

	switch (o->kind) {
	case NOPT_BOOL:
		if (parse_bool(val, &i) < 0)
			goto bad;
		p = &i;
		len = sizeof(i);
		break;
	case NOPT_INT:
		if (parse_int(val, &i) < 0)
			goto bad;
		p = &i;
		len = sizeof(i);
		break;
	case NOPT_LINGER:
		/* See socket(7): l_onoff 0 is a normal close. */
		memset(&lg, 0, sizeof(lg));
		if (strcasecmp(val, "off") != 0 && strcmp(val, "-1") != 0) {
			if (parse_secs(val, &secs) < 0 || secs != (int)secs)
				goto bad;
			lg.l_onoff = 1;
			lg.l_linger = (int)secs;
		}
		p = &lg;
		len = sizeof(lg);
		break;
	case NOPT_TIMEVAL:
		if (parse_secs(val, &secs) < 0)
			goto bad;
		tv.tv_sec = (time_t)secs;
		tv.tv_usec = (suseconds_t)((secs - (double)tv.tv_sec) * 1e6);
		p = &tv;
		len = sizeof(tv);
		break;
	case NOPT_STR:
		if (*val == '\0')
			goto bad;
		p = val;
		len = (socklen_t)strlen(val);
		break;
	default:
		goto bad;
	}
	return sys_setsockopt(fd, o->level, o->optname, p, len);
bad:
	errno = EINVAL;
	return -1;
}

/* Seconds as short as they print exactly: "5s", "0.25s", "0s". */
static int
format_secs(char *buf, size_t size, long sec, long usec)
{
	char frac[8];
	int n;

	if (usec == 0)
		return snprintf(buf, size, "%lds", sec);
	snprintf(frac, sizeof(frac), "%06ld", usec);
	for (n = 5; n > 0 && frac[n] == '0'; n--)
		frac[n] = '\0';
	return snprintf(buf, size, "%ld.%ss", sec, frac);
}

int
net_sockopt_get(int fd, const struct net_sockopt *o, char *buf, size_t size)
{
	union {
		int i;
		struct linger lg;
		struct timeval tv;
		char s[64];
	} v;
	socklen_t len;
	int n;

	memset(&v, 0, sizeof(v));
	switch (o->kind) {
	case NOPT_LINGER:
		len = sizeof(v.lg);
		break;
	case NOPT_TIMEVAL:
		len = sizeof(v.tv);
		break;
	case NOPT_STR:
		len = sizeof(v.s) - 1;
		break;
	default:
		len = sizeof(v.i);
		break;
	}
	if (sys_getsockopt(fd, o->level, o->optname, &v, &len) < 0)
		return -1;

	switch (o->kind) {
	case NOPT_BOOL:
		n = snprintf(buf, size, "%d", v.i != 0);
		break;
	case NOPT_LINGER:
		n = v.lg.l_onoff ? snprintf(buf, size, "%ds", v.lg.l_linger) :
		    snprintf(buf, size, "off");
		break;
	case NOPT_TIMEVAL:
		n = format_secs(buf, size, (long)v.tv.tv_sec,
		    (long)v.tv.tv_usec);
		break;
	case NOPT_STR:
		/* The kernel may pad the name with NULs; see tcp(7). */
		v.s[len < sizeof(v.s) ? len : sizeof(v.s) - 1] = '\0';
		n = snprintf(buf, size, "%s", v.s);
		break;
	default:
		n = snprintf(buf, size, "%d", v.i);
		break;
	}
	if (n < 0 || (size_t)n >= size) {
		errno = ENOSPC;
		return -1;
	}
	return 0;
}
