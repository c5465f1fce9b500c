/*
 * sys_net.c - the traced wrappers for sockets, socket options, name
 * resolution and ioctl; see sys.h for the calls and sys_impl.h for the
 * shape every wrapper has.
 *
 * The names of families, protocols, levels and options live here, next
 * to the only wrappers that use them; an option's value is decoded as the
 * option says it is (see rec_optval()).
 */
#include "sys_impl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/can.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "explain.h"
#include "net.h"

static const struct sym families[] = {
	SYM(AF_UNSPEC), SYM(AF_UNIX), SYM(AF_INET), SYM(AF_INET6),
	SYM(AF_NETLINK), SYM(AF_PACKET), SYM(AF_ALG), SYM(AF_VSOCK),
	SYM(AF_CAN), SYM(AF_TIPC), SYM(AF_RDS), SYM_END
};

/*
 * socket(2)'s protocol, whose meaning depends on the family: an IP
 * protocol for AF_INET and AF_INET6 (see ip(7)), a netlink family (see
 * netlink(7)), a CAN protocol (see the kernel's can.rst), or for
 * AF_PACKET an ethertype in network byte order (see packet(7)).  A
 * number not listed stays a number: 0, for most families, is the
 * default protocol of the socket type.
 */
static const struct sym ip_protos[] = {
	SYM(IPPROTO_TCP), SYM(IPPROTO_UDP), SYM(IPPROTO_ICMP),
	SYM(IPPROTO_ICMPV6), SYM(IPPROTO_RAW), SYM(IPPROTO_SCTP),
	SYM(IPPROTO_UDPLITE), SYM_END
};
static const struct sym netlink_protos[] = {
	SYM(NETLINK_ROUTE), SYM(NETLINK_USERSOCK), SYM(NETLINK_SOCK_DIAG),
	SYM(NETLINK_NFLOG), SYM(NETLINK_XFRM), SYM(NETLINK_SELINUX),
	SYM(NETLINK_ISCSI), SYM(NETLINK_AUDIT), SYM(NETLINK_FIB_LOOKUP),
	SYM(NETLINK_CONNECTOR), SYM(NETLINK_NETFILTER),
	SYM(NETLINK_KOBJECT_UEVENT), SYM(NETLINK_GENERIC), SYM(NETLINK_RDMA),
	SYM(NETLINK_CRYPTO), SYM_END
};
static const struct sym can_protos[] = {
	SYM(CAN_RAW), SYM(CAN_BCM), SYM(CAN_ISOTP), SYM(CAN_J1939), SYM_END
};
static const struct {
	int family;
	const struct sym *protos;
	int ethertype;		/* the protocol is htons(ETH_P_...): net.c names it */
} proto_tables[] = {
	{ AF_INET, ip_protos, 0 }, { AF_INET6, ip_protos, 0 },
	{ AF_NETLINK, netlink_protos, 0 }, { AF_CAN, can_protos, 0 },
	{ AF_PACKET, NULL, 1 },
};
static const struct sym sock_flags[] = {
	SYM(SOCK_NONBLOCK), SYM(SOCK_CLOEXEC), SYM_END
};
static const struct sym shut_hows[] = {
	SYM(SHUT_RD), SYM(SHUT_WR), SYM(SHUT_RDWR), SYM_END
};
static const struct sym sol_levels[] = {
	SYM(SOL_SOCKET), SYM(IPPROTO_IP), SYM(IPPROTO_IPV6), SYM(IPPROTO_TCP),
	SYM(IPPROTO_UDP), SYM(SOL_PACKET), SYM_END
};
static const struct sym msg_flags[] = {
	SYM(MSG_OOB), SYM(MSG_PEEK), SYM(MSG_DONTROUTE), SYM(MSG_CTRUNC),
	SYM(MSG_TRUNC), SYM(MSG_DONTWAIT), SYM(MSG_EOR), SYM(MSG_WAITALL),
	SYM(MSG_NOSIGNAL), SYM(MSG_MORE), SYM(MSG_CMSG_CLOEXEC),
	SYM(MSG_ERRQUEUE), SYM_END
};
static const struct sym ai_flags[] = {
	SYM(AI_PASSIVE), SYM(AI_CANONNAME), SYM(AI_NUMERICHOST),
	SYM(AI_NUMERICSERV), SYM(AI_V4MAPPED), SYM(AI_ALL), SYM(AI_ADDRCONFIG),
	SYM_END
};
static const struct sym ni_flags[] = {
	SYM(NI_NUMERICHOST), SYM(NI_NUMERICSERV), SYM(NI_NOFQDN),
	SYM(NI_NAMEREQD), SYM(NI_DGRAM), SYM_END
};

/*
 * What ioctl(2)'s third argument holds, by request: an int the call reads
 * or writes (see ioctl_tty(2), socket(7), tcp(7)), or a struct ifreq that
 * names an interface and receives one field of it (see netdevice(7)).
 */
enum ioctl_arg {
	IARG_NONE,
	IARG_INT_IN,		/* FIONBIO: on or off */
	IARG_INT_OUT,		/* FIONREAD: a count */
	IARG_IF_HWADDR,		/* ifr_name in; ifr_hwaddr out */
	IARG_IF_INDEX,		/* ifr_name in; ifr_ifindex out */
	IARG_IF_FLAGS,		/* ifr_name in; ifr_flags out */
	IARG_IF_NAME,		/* ifr_ifindex in; ifr_name out */
};
static const struct {
	unsigned long req;
	enum ioctl_arg arg;
	const char *name;
} ioctl_reqs[] = {
#define REQ(req, arg)	{ req, arg, #req }
	REQ(FIONREAD, IARG_INT_OUT), REQ(FIONBIO, IARG_INT_IN),
	REQ(FIOCLEX, IARG_NONE), REQ(FIONCLEX, IARG_NONE),
	REQ(TIOCGWINSZ, IARG_NONE), REQ(TIOCSWINSZ, IARG_NONE),
	REQ(TIOCOUTQ, IARG_INT_OUT), REQ(SIOCATMARK, IARG_INT_OUT),
	REQ(SIOCGIFHWADDR, IARG_IF_HWADDR), REQ(SIOCGIFINDEX, IARG_IF_INDEX),
	REQ(SIOCGIFFLAGS, IARG_IF_FLAGS), REQ(SIOCGIFNAME, IARG_IF_NAME),
#undef REQ
};
/* Link types in ifr_hwaddr.sa_family; see netdevice(7), <net/if_arp.h>. */
static const struct sym arphrd_types[] = {
	SYM(ARPHRD_ETHER), SYM(ARPHRD_LOOPBACK), SYM(ARPHRD_NONE),
	SYM(ARPHRD_IEEE80211), SYM(ARPHRD_TUNNEL), SYM(ARPHRD_TUNNEL6),
	SYM(ARPHRD_SIT), SYM(ARPHRD_IPGRE), SYM(ARPHRD_PPP),
	SYM(ARPHRD_INFINIBAND), SYM(ARPHRD_CAN), SYM_END
};
/* The link types whose hardware address is a 6-byte MAC. */
static const struct sym mac_links[] = {
	SYM(ARPHRD_ETHER), SYM(ARPHRD_LOOPBACK), SYM(ARPHRD_IEEE80211),
	SYM_END
};
/* Interface flags, as SIOCGIFFLAGS reports them; see netdevice(7). */
static const struct sym iff_flags[] = {
	SYM(IFF_UP), SYM(IFF_BROADCAST), SYM(IFF_DEBUG), SYM(IFF_LOOPBACK),
	SYM(IFF_POINTOPOINT), SYM(IFF_NOTRAILERS), SYM(IFF_RUNNING),
	SYM(IFF_NOARP), SYM(IFF_PROMISC), SYM(IFF_ALLMULTI), SYM(IFF_MASTER),
	SYM(IFF_SLAVE), SYM(IFF_MULTICAST), SYM(IFF_PORTSEL),
	SYM(IFF_AUTOMEDIA), SYM(IFF_DYNAMIC), SYM_END
};
/* packet_mreq's mr_type; see packet(7). */
static const struct sym packet_mr_types[] = {
	SYM(PACKET_MR_MULTICAST), SYM(PACKET_MR_PROMISC),
	SYM(PACKET_MR_ALLMULTI), SYM(PACKET_MR_UNICAST), SYM_END
};

/*
 * How the tracer reads an option's value, which is what the option says
 * it is, whatever the length passed: an int (or, for some IP options, a
 * single byte), a struct linger, a struct timeval, a name that need not
 * end in NUL, a classic BPF program (struct sock_fprog), the peer's
 * credentials (struct ucred), a packet socket's counters (struct
 * tpacket_stats) or membership (struct packet_mreq); or a structure
 * not shown.  See socket(7), tcp(7), ip(7), packet(7).
 */
enum optval {
	OV_INT, OV_LINGER, OV_TIMEVAL, OV_STR, OV_FPROG, OV_UCRED,
	OV_PKTSTATS, OV_PMREQ, OV_OPAQUE,
};

/*
 * Which calls an option name belongs to: a few numbers mean one option
 * to setsockopt(2) and another to getsockopt(2) (SO_ATTACH_FILTER is
 * SO_GET_FILTER).
 */
enum optdir { OD_BOTH, OD_GET, OD_SET };

/*
 * Socket options, per level; see socket(7), tcp(7), ip(7), ipv6(7),
 * packet(7).  An option not listed is shown by number, its value as an
 * int when it has an int's length.
 */
static const struct sockopt {
	int level, name;
	enum optdir dir;
	enum optval kind;
	const char *str;
} sockopts[] = {
#define OPT(level, name, kind)	{ level, name, OD_BOTH, kind, #name }
#define OPT_GET(level, name, kind) { level, name, OD_GET, kind, #name }
#define OPT_SET(level, name, kind) { level, name, OD_SET, kind, #name }
	OPT(SOL_SOCKET, SO_REUSEADDR, OV_INT),
	OPT(SOL_SOCKET, SO_REUSEPORT, OV_INT),
	OPT(SOL_SOCKET, SO_KEEPALIVE, OV_INT),
	OPT(SOL_SOCKET, SO_ERROR, OV_INT), OPT(SOL_SOCKET, SO_TYPE, OV_INT),
	OPT(SOL_SOCKET, SO_RCVBUF, OV_INT), OPT(SOL_SOCKET, SO_SNDBUF, OV_INT),
	OPT(SOL_SOCKET, SO_LINGER, OV_LINGER),
	OPT(SOL_SOCKET, SO_RCVTIMEO, OV_TIMEVAL),
	OPT(SOL_SOCKET, SO_SNDTIMEO, OV_TIMEVAL),
	OPT(SOL_SOCKET, SO_BROADCAST, OV_INT),
	OPT(SOL_SOCKET, SO_OOBINLINE, OV_INT),
	OPT(SOL_SOCKET, SO_RCVLOWAT, OV_INT),
	OPT(SOL_SOCKET, SO_SNDLOWAT, OV_INT),
	OPT(SOL_SOCKET, SO_PEERCRED, OV_UCRED),
	OPT(SOL_SOCKET, SO_PASSCRED, OV_INT),
	OPT(SOL_SOCKET, SO_ACCEPTCONN, OV_INT),
	OPT(SOL_SOCKET, SO_DOMAIN, OV_INT),
	OPT(SOL_SOCKET, SO_PROTOCOL, OV_INT),
	OPT(SOL_SOCKET, SO_PRIORITY, OV_INT), OPT(SOL_SOCKET, SO_MARK, OV_INT),
	OPT(SOL_SOCKET, SO_BINDTODEVICE, OV_STR),
	OPT(SOL_SOCKET, SO_TIMESTAMP, OV_INT),
	OPT(SOL_SOCKET, SO_TIMESTAMPNS, OV_INT),
	OPT_SET(SOL_SOCKET, SO_ATTACH_FILTER, OV_FPROG),
	OPT_GET(SOL_SOCKET, SO_GET_FILTER, OV_OPAQUE),
	OPT_SET(SOL_SOCKET, SO_DETACH_FILTER, OV_OPAQUE),
	OPT(IPPROTO_TCP, TCP_NODELAY, OV_INT),
	OPT(IPPROTO_TCP, TCP_CORK, OV_INT),
	OPT(IPPROTO_TCP, TCP_KEEPIDLE, OV_INT),
	OPT(IPPROTO_TCP, TCP_KEEPINTVL, OV_INT),
	OPT(IPPROTO_TCP, TCP_KEEPCNT, OV_INT),
	OPT(IPPROTO_TCP, TCP_INFO, OV_OPAQUE),
	OPT(IPPROTO_TCP, TCP_MAXSEG, OV_INT),
	OPT(IPPROTO_TCP, TCP_QUICKACK, OV_INT),
	OPT(IPPROTO_TCP, TCP_DEFER_ACCEPT, OV_INT),
	OPT(IPPROTO_TCP, TCP_USER_TIMEOUT, OV_INT),
	OPT(IPPROTO_TCP, TCP_FASTOPEN, OV_INT),
	OPT(IPPROTO_TCP, TCP_CONGESTION, OV_STR),
	OPT(IPPROTO_IP, IP_TTL, OV_INT), OPT(IPPROTO_IP, IP_TOS, OV_INT),
	OPT(IPPROTO_IP, IP_RECVERR, OV_INT),
	OPT(IPPROTO_IP, IP_MULTICAST_TTL, OV_INT),
	OPT(IPPROTO_IP, IP_MULTICAST_LOOP, OV_INT),
	OPT(IPPROTO_IP, IP_ADD_MEMBERSHIP, OV_OPAQUE),
	OPT(IPPROTO_IPV6, IPV6_V6ONLY, OV_INT),
	OPT(IPPROTO_IPV6, IPV6_UNICAST_HOPS, OV_INT),
	OPT(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, OV_INT),
	OPT(SOL_PACKET, PACKET_ADD_MEMBERSHIP, OV_PMREQ),
	OPT(SOL_PACKET, PACKET_DROP_MEMBERSHIP, OV_PMREQ),
	OPT(SOL_PACKET, PACKET_STATISTICS, OV_PKTSTATS),
	OPT(SOL_PACKET, PACKET_AUXDATA, OV_INT),
#undef OPT
#undef OPT_GET
#undef OPT_SET
};

/* What level/name means to getsockopt (set 0) or setsockopt; or NULL. */
static const struct sockopt *
sockopt_find(int level, int name, int set)
{
	enum optdir other = set ? OD_GET : OD_SET;
	size_t i;

	for (i = 0; i < sizeof(sockopts) / sizeof(sockopts[0]); i++)
		if (sockopts[i].level == level && sockopts[i].name == name &&
		    sockopts[i].dir != other)
			return &sockopts[i];
	return NULL;
}

/* The index of req in ioctl_reqs, or -1 for a request not listed. */
static int
ioctl_find(unsigned long req)
{
	size_t i;

	for (i = 0; i < sizeof(ioctl_reqs) / sizeof(ioctl_reqs[0]); i++)
		if (ioctl_reqs[i].req == req)
			return (int)i;
	return -1;
}

/*
 * socket(2)'s protocol for this family: "IPPROTO_TCP", "NETLINK_ROUTE",
 * "htons(ETH_P_ALL)" (the call takes the ethertype in network byte order,
 * so that is how a program must write it), or the number.
 */
static const char *
proto_name(int family, int protocol, char *buf, size_t size)
{
	uint16_t type = ntohs((uint16_t)protocol);
	const char *name;
	size_t i;

	for (i = 0; i < sizeof(proto_tables) / sizeof(proto_tables[0]); i++) {
		if (proto_tables[i].family != family)
			continue;
		if (!proto_tables[i].ethertype)
			return sym_name(proto_tables[i].protos, protocol, buf,
			    size);
		/*
		 * packet(7): protocol 0 receives nothing until bind(2).  An
		 * ethertype without a name reads best in hex.
		 */
		if (protocol == 0)
			snprintf(buf, size, "0");
		else if ((name = net_ethertype_name(type)) != NULL)
			snprintf(buf, size, "htons(%s)", name);
		else
			snprintf(buf, size, "htons(%#06x)", (unsigned)type);
		return buf;
	}
	snprintf(buf, size, "%d", protocol);
	return buf;
}

/* How many descriptors the SCM_RIGHTS messages in msg carry; see cmsg(3). */
static int
rights_count(const struct msghdr *msg)
{
	/* CMSG_NXTHDR takes a non-const header; nothing is written. */
	struct msghdr *m = (struct msghdr *)msg;
	struct cmsghdr *c;
	int n = 0;

	if (msg->msg_control == NULL)
		return 0;
	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			n += (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
	return n;
}

static size_t
iov_total(const struct msghdr *msg)
{
	size_t n = 0, i;

	for (i = 0; i < msg->msg_iovlen; i++)
		n += msg->msg_iov[i].iov_len;
	return n;
}

/* "SOCK_STREAM|SOCK_CLOEXEC": a socket type and its creation flags. */
static void
rec_socktype(struct rec *r, const char *key, int type)
{
	int flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
	char num[32], more[64], buf[96];
	const char *base = sym_name(sock_types, type & ~flags, num,
	    sizeof(num));

	if (flags == 0)
		snprintf(buf, sizeof(buf), "%s", base);
	else
		snprintf(buf, sizeof(buf), "%s|%s", base,
		    flag_names(sock_flags, (unsigned long)flags, more,
		    sizeof(more)));
	rec_str(r, key, buf);
}

/*
 * The protocol of socket(2) or socketpair(2), named for its family, and
 * the qualifiers "AF_PACKET htons(ETH_P_ALL)": what a new socket is for
 * depends on both.
 */
static void
rec_proto(struct rec *r, int family, int protocol)
{
	char fam[16], buf[32];
	const char *proto = proto_name(family, protocol, buf, sizeof(buf));

	rec_str(r, "protocol", proto);
	snprintf(r->qual, sizeof(r->qual), "%s %s",
	    sym_name(families, family, fam, sizeof(fam)), proto);
}

/*
 * Qualify a call by the family of its address ("bind AF_PACKET"): the
 * same call means different things to different families.
 */
static void
rec_family_qual(struct rec *r, const struct sockaddr *sa, socklen_t len)
{
	sa_family_t family;
	char num[16];

	if (sa == NULL || len < sizeof(family))
		return;
	memcpy(&family, &sa->sa_family, sizeof(family));
	rec_qual(r, sym_name(families, family, num, sizeof(num)));
}

/* ---- sockets: see socket(2), bind(2), listen(2), accept4(2) ... ---- */

int
sys_socket(int domain, int type, int protocol)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return socket(domain, type, protocol);
	rec_start(&r, "socket", -1);
	rec_sym(&r, "domain", domain, families);
	rec_socktype(&r, "type", type);
	rec_proto(&r, domain, protocol);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = socket(domain, type, protocol);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_socketpair(int domain, int type, int protocol, int sv[2])
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return socketpair(domain, type, protocol, sv);
	rec_start(&r, "socketpair", -1);
	rec_sym(&r, "domain", domain, families);
	rec_socktype(&r, "type", type);
	rec_proto(&r, domain, protocol);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = socketpair(domain, type, protocol, sv);
	r.err = errno;
	if (ret == 0) {
		rec_int(&r, "sv0", sv[0]);
		rec_int(&r, "sv1", sv[1]);
	}
	rec_end(&r, ret);
	return ret;
}

int
sys_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return bind(fd, addr, len);
	rec_start(&r, "bind", fd);
	rec_addr(&r, "addr", addr, len);
	rec_family_qual(&r, addr, len);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = bind(fd, addr, len);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_listen(int fd, int backlog)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return listen(fd, backlog);
	rec_start(&r, "listen", fd);
	rec_int(&r, "backlog", backlog);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = listen(fd, backlog);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	socklen_t cap;
	struct rec r;
	int ret;

	if (!sys_watch)
		return accept4(fd, addr, len, flags);
	rec_start(&r, "accept4", fd);
	cap = len != NULL ? *len : 0;
	rec_flags(&r, "flags", (unsigned long)flags, sock_flags);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = accept4(fd, addr, len, flags);
	r.err = errno;
	if (ret >= 0)
		rec_addr_out(&r, "peer", addr, cap, len);
	rec_end(&r, ret);
	return ret;
}

int
sys_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return connect(fd, addr, len);
	rec_start(&r, "connect", fd);
	rec_addr(&r, "addr", addr, len);
	rec_type_qual(&r, fd);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = connect(fd, addr, len);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_shutdown(int fd, int how)
{
	char name[32];
	const char *what;
	struct rec r;
	int ret;

	if (!sys_watch)
		return shutdown(fd, how);
	rec_start(&r, "shutdown", fd);
	what = sym_name(shut_hows, how, name, sizeof(name));
	rec_str(&r, "how", what);
	/* A Unix socket sends no FIN ("shutdown SHUT_WR AF_UNIX"). */
	rec_type_qual(&r, fd);
	if (strcmp(r.qual, "AF_UNIX") == 0)
		snprintf(r.qual, sizeof(r.qual), "%s AF_UNIX", what);
	else
		rec_qual(&r, what);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = shutdown(fd, how);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/*
 * The level and option name of a socket option, as names, for
 * getsockopt (set 0) or setsockopt.  Returns the option's entry, or NULL
 * for an option not listed.
 */
static const struct sockopt *
rec_sockopt(struct rec *r, int level, int name, int set)
{
	const struct sockopt *o = sockopt_find(level, name, set);

	rec_sym(r, "level", level, sol_levels);
	if (o != NULL)
		rec_qual(r, o->str);
	else
		snprintf(r->qual, sizeof(r->qual), "%d", name);
	rec_str(r, "name", r->qual);
	return o;
}

/*
 * An option value, read as the option says (o NULL: an int if it has an
 * int's length).  Every structure is copied out before it is read: val
 * need not be aligned, and len may be short.
 */
static void
rec_optval(struct rec *r, const struct sockopt *o, const void *val,
    socklen_t len)
{
	struct tpacket_stats st;
	struct packet_mreq mreq;
	struct sock_fprog prog;
	struct linger lg;
	struct timeval tv;
	struct ucred cred;
	char buf[64], type[32];
	unsigned char c;
	size_t n;
	int i;

	if (val == NULL)
		return;
	switch (o != NULL ? o->kind : OV_INT) {
	case OV_INT:
		/*
		 * Many IP options take a single byte as well; see
		 * do_ip_setsockopt() in the kernel's net/ipv4/ip_sockglue.c.
		 */
		if (len == sizeof(i)) {
			memcpy(&i, val, sizeof(i));
			rec_int(r, "value", i);
		} else if (len == 1 && o != NULL && o->level == IPPROTO_IP) {
			memcpy(&c, val, 1);
			rec_int(r, "value", c);
		}
		return;
	case OV_LINGER:
		if (len < sizeof(lg))
			return;
		memcpy(&lg, val, sizeof(lg));
		if (lg.l_onoff)
			snprintf(buf, sizeof(buf), "on %ds", lg.l_linger);
		else
			snprintf(buf, sizeof(buf), "off");
		break;
	case OV_TIMEVAL:
		if (len < sizeof(tv))
			return;
		memcpy(&tv, val, sizeof(tv));
		snprintf(buf, sizeof(buf), "%lld.%06lds", (long long)tv.tv_sec,
		    (long)tv.tv_usec);
		break;
	case OV_STR:
		/* tcp(7), socket(7): the name need not end in NUL. */
		n = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
		if (n == 0)
			return;
		memcpy(buf, val, n);
		buf[n] = '\0';
		break;
	case OV_FPROG:
		if (len < sizeof(prog))
			return;
		memcpy(&prog, val, sizeof(prog));
		snprintf(buf, sizeof(buf), "%u BPF instruction%s",
		    (unsigned)prog.len, prog.len == 1 ? "" : "s");
		break;
	case OV_UCRED:
		if (len < sizeof(cred))
			return;
		memcpy(&cred, val, sizeof(cred));
		snprintf(buf, sizeof(buf), "pid %ld uid %lu gid %lu",
		    (long)cred.pid, (unsigned long)cred.uid,
		    (unsigned long)cred.gid);
		break;
	case OV_PKTSTATS:
		/* packet(7): tp_packets counts the dropped frames too. */
		if (len < sizeof(st))
			return;
		memcpy(&st, val, sizeof(st));
		snprintf(buf, sizeof(buf), "%u packet%s, %u dropped",
		    st.tp_packets, st.tp_packets == 1 ? "" : "s", st.tp_drops);
		break;
	case OV_PMREQ:
		if (len < sizeof(mreq))
			return;
		memcpy(&mreq, val, sizeof(mreq));
		snprintf(buf, sizeof(buf), "ifindex %d %s", mreq.mr_ifindex,
		    sym_name(packet_mr_types, mreq.mr_type, type,
		    sizeof(type)));
		break;
	default:
		return;
	}
	rec_str(r, "value", buf);
}

int
sys_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	const struct sockopt *o;
	const char *errname;
	char note[256];
	struct rec r;
	int ret, pending;

	if (!sys_watch)
		return getsockopt(fd, level, name, val, len);
	rec_start(&r, "getsockopt", fd);
	o = rec_sockopt(&r, level, name, 0);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = getsockopt(fd, level, name, val, len);
	r.err = errno;
	if (ret == 0 && len != NULL)
		rec_optval(&r, o, val, *len);
	/* A pending error is the outcome of the earlier connect; say so. */
	if (ret == 0 && level == SOL_SOCKET && name == SO_ERROR &&
	    len != NULL && *len == sizeof(int)) {
		memcpy(&pending, val, sizeof(pending));
		if (pending != 0) {
			errname = strerrorname_np(pending);
			rec_str(&r, "error", errname != NULL ? errname : "?");
			snprintf(note, sizeof(note), "the pending error is "
			    "%s: %s", errname != NULL ? errname : "?",
			    explain("connect", -1, pending));
			r.note = note;
		}
	}
	rec_end(&r, ret);
	return ret;
}

int
sys_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	const struct sockopt *o;
	struct rec r;
	int ret;

	if (!sys_watch)
		return setsockopt(fd, level, name, val, len);
	rec_start(&r, "setsockopt", fd);
	o = rec_sockopt(&r, level, name, 1);
	rec_optval(&r, o, val, len);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = setsockopt(fd, level, name, val, len);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	socklen_t cap;
	struct rec r;
	int ret;

	if (!sys_watch)
		return getsockname(fd, addr, len);
	rec_start(&r, "getsockname", fd);
	cap = len != NULL ? *len : 0;
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = getsockname(fd, addr, len);
	r.err = errno;
	if (ret == 0)
		rec_addr_out(&r, "addr", addr, cap, len);
	rec_end(&r, ret);
	return ret;
}

int
sys_getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	socklen_t cap;
	struct rec r;
	int ret;

	if (!sys_watch)
		return getpeername(fd, addr, len);
	rec_start(&r, "getpeername", fd);
	cap = len != NULL ? *len : 0;
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = getpeername(fd, addr, len);
	r.err = errno;
	if (ret == 0)
		rec_addr_out(&r, "addr", addr, cap, len);
	rec_end(&r, ret);
	return ret;
}

ssize_t
sys_send(int fd, const void *buf, size_t len, int flags)
{
	struct rec r;
	ssize_t ret;

	if (!sys_watch)
		return send(fd, buf, len, flags);
	rec_start(&r, "send", fd);
	rec_int(&r, "count", (long long)len);
	rec_flags(&r, "flags", (unsigned long)flags, msg_flags);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = send(fd, buf, rec_count(&r, len), flags);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

ssize_t
sys_recv(int fd, void *buf, size_t len, int flags)
{
	struct rec r;
	ssize_t ret;

	if (!sys_watch)
		return recv(fd, buf, len, flags);
	rec_start(&r, "recv", fd);
	rec_int(&r, "count", (long long)len);
	rec_flags(&r, "flags", (unsigned long)flags, msg_flags);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = recv(fd, buf, rec_count(&r, len), flags);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

ssize_t
sys_sendto(int fd, const void *buf, size_t len, int flags,
    const struct sockaddr *to, socklen_t tolen)
{
	struct rec r;
	ssize_t ret;

	if (!sys_watch)
		return sendto(fd, buf, len, flags, to, tolen);
	rec_start(&r, "sendto", fd);
	rec_int(&r, "count", (long long)len);
	rec_flags(&r, "flags", (unsigned long)flags, msg_flags);
	if (to != NULL)
		rec_addr(&r, "to", to, tolen);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = sendto(fd, buf, rec_count(&r, len), flags, to, tolen);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

ssize_t
sys_recvfrom(int fd, void *buf, size_t len, int flags,
    struct sockaddr *from, socklen_t *fromlen)
{
	socklen_t cap;
	struct rec r;
	ssize_t ret;

	if (!sys_watch)
		return recvfrom(fd, buf, len, flags, from, fromlen);
	rec_start(&r, "recvfrom", fd);
	cap = fromlen != NULL ? *fromlen : 0;
	rec_int(&r, "count", (long long)len);
	rec_flags(&r, "flags", (unsigned long)flags, msg_flags);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = recvfrom(fd, buf, rec_count(&r, len), flags, from, fromlen);
	r.err = errno;
	if (ret >= 0)
		rec_addr_out(&r, "from", from, cap, fromlen);
	rec_end(&r, ret);
	return ret;
}

ssize_t
sys_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct rec r;
	ssize_t ret;
	int fds;

	if (!sys_watch)
		return sendmsg(fd, msg, flags);
	rec_start(&r, "sendmsg", fd);
	rec_int(&r, "count", (long long)iov_total(msg));
	rec_flags(&r, "flags", (unsigned long)flags, msg_flags);
	if (msg->msg_name != NULL)
		rec_addr(&r, "to", msg->msg_name, msg->msg_namelen);
	if ((fds = rights_count(msg)) > 0) {
		rec_int(&r, "fds", fds);
		rec_str(&r, "cmsg", "SCM_RIGHTS");
		rec_qual(&r, "SCM_RIGHTS");
	}
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = sendmsg(fd, msg, flags);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

ssize_t
sys_recvmsg(int fd, struct msghdr *msg, int flags)
{
	socklen_t cap;
	struct rec r;
	ssize_t ret;
	int fds;

	if (!sys_watch)
		return recvmsg(fd, msg, flags);
	rec_start(&r, "recvmsg", fd);
	cap = msg->msg_namelen;
	rec_int(&r, "count", (long long)iov_total(msg));
	rec_flags(&r, "flags", (unsigned long)flags, msg_flags);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = recvmsg(fd, msg, flags);
	r.err = errno;
	if (ret >= 0) {
		if (msg->msg_name != NULL && msg->msg_namelen > 0)
			rec_addr_out(&r, "from", msg->msg_name, cap,
			    &msg->msg_namelen);
		if ((fds = rights_count(msg)) > 0) {
			rec_int(&r, "fds", fds);
			rec_str(&r, "cmsg", "SCM_RIGHTS");
			rec_qual(&r, "SCM_RIGHTS");
		}
		if (msg->msg_flags != 0)
			rec_flags(&r, "msg_flags",
			    (unsigned long)msg->msg_flags, msg_flags);
		if (msg->msg_flags & MSG_CTRUNC)
			rec_qual(&r, "MSG_CTRUNC");
	}
	rec_end(&r, ret);
	return ret;
}

/* ---- name resolution: see getaddrinfo(3), getnameinfo(3) ---- */

/*
 * An injected resolver failure: an EAI_ code as is, an errno as
 * EAI_SYSTEM with errno set.
 */
static int
gai_fault(struct rec *r)
{
	if (r->fault_eai) {
		r->err = 0;
		return r->fault;
	}
	r->err = r->fault;
	return EAI_SYSTEM;
}

/*
 * The end of a resolver call, which reports an EAI_ code rather than -1:
 * the code is the event's ret, its name an argument, gai_strerror(3) the
 * note, and the errno counts only with EAI_SYSTEM.
 */
static void
gai_end(struct rec *r, int ret)
{
	int err = r->err;

	if (ret != 0) {
		rec_sym(r, "error", ret, eai_codes);
		if (ret != EAI_SYSTEM) {
			r->err = 0;
			r->note = gai_strerror(ret);
		}
	}
	rec_end(r, ret);
	errno = err;
}

int
sys_getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	char first[ADDR_STRLEN];
	struct addrinfo *ai;
	struct rec r;
	int ret, n;

	if (!sys_watch)
		return getaddrinfo(node, service, hints, res);
	rec_start(&r, "getaddrinfo", -1);
	if (node != NULL)
		rec_str(&r, "node", node);
	if (service != NULL)
		rec_str(&r, "service", service);
	if (hints != NULL) {
		rec_sym(&r, "family", hints->ai_family, families);
		rec_socktype(&r, "socktype", hints->ai_socktype);
		rec_flags(&r, "flags", (unsigned long)hints->ai_flags,
		    ai_flags);
	}
	if (rec_injected(&r)) {
		ret = gai_fault(&r);
	} else {
		ret = getaddrinfo(node, service, hints, res);
		r.err = errno;
	}
	if (ret == 0) {
		for (n = 0, ai = *res; ai != NULL; ai = ai->ai_next)
			n++;
		rec_int(&r, "results", n);
		rec_str(&r, "first", addr_str((*res)->ai_addr,
		    (*res)->ai_addrlen, first, sizeof(first)));
	}
	gai_end(&r, ret);
	return ret;
}

int
sys_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
    socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return getnameinfo(sa, salen, host, hostlen, serv, servlen,
		    flags);
	rec_start(&r, "getnameinfo", -1);
	rec_addr(&r, "addr", sa, salen);
	rec_flags(&r, "flags", (unsigned long)flags, ni_flags);
	if (rec_injected(&r)) {
		ret = gai_fault(&r);
	} else {
		ret = getnameinfo(sa, salen, host, hostlen, serv, servlen,
		    flags);
		r.err = errno;
	}
	if (ret == 0 && host != NULL && hostlen > 0)
		rec_str(&r, "host", host);
	if (ret == 0 && serv != NULL && servlen > 0)
		rec_str(&r, "serv", serv);
	gai_end(&r, ret);
	return ret;
}

/*
 * ---- ioctl: see ioctl(2), netdevice(7) ----
 *
 * ioctl(2) works on any descriptor, yet it lives here rather than with the
 * descriptor calls in sys.c: most of what its wrapper knows is socket
 * knowledge (the SIOC* requests, struct ifreq, link types and interface
 * flags; see netdevice(7)), and keeping the request table next to the code
 * that decodes it keeps all of it static.  The generic requests (FIONREAD,
 * FIONBIO, FIOCLEX, TIOCGWINSZ...) are a few rows of that table.
 */

/* "00:00:00:00:00:00": a MAC address. */
static const char *
mac_str(const unsigned char *mac, char *buf, size_t size)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
	    mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

/* An int argument: what goes in (after 0), or what came out. */
static void
rec_ioctl_int(struct rec *r, enum ioctl_arg kind, const void *arg,
    int after)
{
	int v;

	if (after == (kind == IARG_INT_OUT)) {
		memcpy(&v, arg, sizeof(v));
		rec_int(r, "value", v);
	}
}

/*
 * A struct ifreq argument: the interface it names (after 0), or the
 * field the request filled in.
 */
static void
rec_ioctl_ifreq(struct rec *r, enum ioctl_arg kind, const void *arg,
    int after)
{
	char name[IF_NAMESIZE + 1], mac[24];
	struct ifreq ifr;

	memcpy(&ifr, arg, sizeof(ifr));
	/* netdevice(7): the name need not end in NUL. */
	memcpy(name, ifr.ifr_name, IF_NAMESIZE);
	name[IF_NAMESIZE] = '\0';
	/* SIOCGIFNAME alone goes the other way: from index to name. */
	if (kind == IARG_IF_NAME) {
		if (after)
			rec_str(r, "ifname", name);
		else
			rec_int(r, "ifindex", ifr.ifr_ifindex);
		return;
	}
	if (!after) {
		rec_str(r, "ifname", name);
		return;
	}
	switch (kind) {
	case IARG_IF_HWADDR:
		rec_sym(r, "link", ifr.ifr_hwaddr.sa_family, arphrd_types);
		if (sym_find(mac_links, ifr.ifr_hwaddr.sa_family) != NULL)
			rec_str(r, "hwaddr", mac_str((const unsigned char *)
			    ifr.ifr_hwaddr.sa_data, mac, sizeof(mac)));
		break;
	case IARG_IF_INDEX:
		rec_int(r, "ifindex", ifr.ifr_ifindex);
		break;
	case IARG_IF_FLAGS:
		rec_flags(r, "flags", (unsigned short)ifr.ifr_flags, iff_flags);
		break;
	default:
		break;
	}
}

/*
 * ioctl(2)'s third argument, by what the request does with it: before
 * the call (after 0) what goes in, after a successful call what came out.
 */
static void
rec_ioctl(struct rec *r, enum ioctl_arg kind, const void *arg, int after)
{
	if (arg == NULL || kind == IARG_NONE)
		return;
	if (kind == IARG_INT_IN || kind == IARG_INT_OUT)
		rec_ioctl_int(r, kind, arg, after);
	else
		rec_ioctl_ifreq(r, kind, arg, after);
}

int
sys_ioctl(int fd, unsigned long req, void *arg)
{
	enum ioctl_arg kind;
	struct rec r;
	int i, ret;

	if (!sys_watch)
		return ioctl(fd, req, arg);
	rec_start(&r, "ioctl", fd);
	i = ioctl_find(req);
	kind = i >= 0 ? ioctl_reqs[i].arg : IARG_NONE;
	if (i >= 0)
		rec_qual(&r, ioctl_reqs[i].name);
	else
		snprintf(r.qual, sizeof(r.qual), "%#lx", req);
	rec_str(&r, "request", r.qual);
	rec_ioctl(&r, kind, arg, 0);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = ioctl(fd, req, arg);
	r.err = errno;
	if (ret == 0)
		rec_ioctl(&r, kind, arg, 1);
	rec_end(&r, ret);
	return ret;
}
