/*
 * sys.c - one traced wrapper per system call; see sys.h.
 *
 * Every wrapper has the same shape, so reading one is reading them all:
 *
 *	if (!sys_watch)				the fast path: the call and
 *		return connect(fd, addr, len);	one branch
 *	rec_start(&r, "connect", fd);		the slow path: record the
 *	rec_addr(&r, "addr", addr, len);	arguments,
 *	if (rec_injected(&r))			honour --inject,
 *		return rec_fail(&r);
 *	ret = connect(fd, addr, len);		make the call,
 *	r.err = errno;				keep its errno,
 *	rec_end(&r, ret);			trace, explain, gate,
 *	return ret;				and restore errno.
 *
 * Arguments are recorded the way a learner reads them: addresses as
 * "127.0.0.1:7000", flags as "SOCK_STREAM|SOCK_CLOEXEC", options as
 * "SOL_SOCKET"/"SO_REUSEADDR".  The formatting is local to this file so
 * that the tracer depends on nothing it traces.
 */
#include "sys.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/can.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/un.h>
#include <unistd.h>

#include "explain.h"
#include "net.h"
#include "trace.h"

#define REC_ARGS	10	/* arguments one event can carry */
#define REC_POOL	1024	/* bytes for their string values */
#define FAULTS_MAX	32	/* --inject specs at once */
#define ADDR_STRLEN	160	/* "unix:@" and a 108-byte path, with room */

int sys_watch;

/* ---- names for numbers ---- */

/* One value of an enumeration (AF_INET) or one bit of a flag set. */
struct sym {
	long val;
	const char *name;
};
#define SYM(x)		{ (long)(x), #x }
#define SYM_END		{ 0, NULL }

static const struct sym families[] = {
	SYM(AF_UNSPEC), SYM(AF_UNIX), SYM(AF_INET), SYM(AF_INET6),
	SYM(AF_NETLINK), SYM(AF_PACKET), SYM(AF_ALG), SYM(AF_VSOCK),
	SYM(AF_CAN), SYM(AF_TIPC), SYM(AF_RDS), SYM_END
};
static const struct sym sock_types[] = {
	SYM(SOCK_STREAM), SYM(SOCK_DGRAM), SYM(SOCK_SEQPACKET), SYM(SOCK_RAW),
	SYM(SOCK_RDM), SYM_END
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
static const struct sym eai_codes[] = {
	SYM(EAI_AGAIN), SYM(EAI_BADFLAGS), SYM(EAI_FAIL), SYM(EAI_FAMILY),
	SYM(EAI_MEMORY), SYM(EAI_NONAME), SYM(EAI_SERVICE), SYM(EAI_SOCKTYPE),
	SYM(EAI_SYSTEM), SYM(EAI_OVERFLOW), SYM(EAI_NODATA),
	SYM(EAI_ADDRFAMILY), SYM_END
};
static const struct sym open_modes[] = {
	SYM(O_RDONLY), SYM(O_WRONLY), SYM(O_RDWR), SYM_END
};
/*
 * glibc defines O_LARGEFILE as 0 for 64-bit programs, yet F_GETFL reports
 * the bit the kernel sets for them; its value depends on the architecture.
 */
#if defined(__x86_64__)
#define KERNEL_O_LARGEFILE	0100000
#elif defined(__aarch64__)
#define KERNEL_O_LARGEFILE	0400000
#endif

/* Composite flags come before their parts: O_TMPFILE holds O_DIRECTORY. */
static const struct sym open_flags[] = {
	SYM(O_TMPFILE), SYM(O_SYNC), SYM(O_CREAT), SYM(O_EXCL), SYM(O_NOCTTY),
	SYM(O_TRUNC), SYM(O_APPEND), SYM(O_NONBLOCK), SYM(O_DSYNC),
	SYM(O_DIRECT), SYM(O_DIRECTORY), SYM(O_NOFOLLOW), SYM(O_NOATIME),
	SYM(O_CLOEXEC), SYM(O_PATH),
#ifdef KERNEL_O_LARGEFILE
	{ KERNEL_O_LARGEFILE, "O_LARGEFILE" },
#endif
	SYM_END
};
static const struct sym fd_flags[] = {
	SYM(FD_CLOEXEC), SYM_END
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
static const struct sym poll_events[] = {
	SYM(POLLIN), SYM(POLLPRI), SYM(POLLOUT), SYM(POLLRDHUP), SYM(POLLERR),
	SYM(POLLHUP), SYM(POLLNVAL), SYM(POLLRDNORM), SYM(POLLRDBAND),
	SYM(POLLWRNORM), SYM(POLLWRBAND), SYM_END
};
static const struct sym epoll_ops[] = {
	SYM(EPOLL_CTL_ADD), SYM(EPOLL_CTL_MOD), SYM(EPOLL_CTL_DEL), SYM_END
};
static const struct sym epoll_events[] = {
	SYM(EPOLLIN), SYM(EPOLLPRI), SYM(EPOLLOUT), SYM(EPOLLRDHUP),
	SYM(EPOLLERR), SYM(EPOLLHUP), SYM(EPOLLET), SYM(EPOLLONESHOT),
	SYM(EPOLLEXCLUSIVE), SYM(EPOLLWAKEUP), SYM_END
};
static const struct sym epoll_flags[] = {
	SYM(EPOLL_CLOEXEC), SYM_END
};
static const struct sym wait_options[] = {
	SYM(WNOHANG), SYM(WUNTRACED), SYM(WCONTINUED), SYM_END
};
static const struct sym sa_flags[] = {
	SYM(SA_RESTART), SYM(SA_SIGINFO), SYM(SA_NOCLDSTOP), SYM(SA_NOCLDWAIT),
	SYM(SA_NODEFER), SYM(SA_RESETHAND), SYM(SA_ONSTACK), SYM_END
};
static const struct sym mask_hows[] = {
	SYM(SIG_BLOCK), SYM(SIG_UNBLOCK), SYM(SIG_SETMASK), SYM_END
};
static const struct sym rlimits[] = {
	SYM(RLIMIT_NOFILE), SYM(RLIMIT_NPROC), SYM(RLIMIT_CORE),
	SYM(RLIMIT_STACK), SYM(RLIMIT_AS), SYM(RLIMIT_DATA), SYM(RLIMIT_FSIZE),
	SYM(RLIMIT_CPU), SYM(RLIMIT_MEMLOCK), SYM_END
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

/* The type of fcntl(2)'s third argument, by command. */
enum fcntl_arg { FARG_NONE, FARG_INT, FARG_PTR };
static const struct {
	int cmd;
	enum fcntl_arg arg;
	const char *name;
} fcntl_cmds[] = {
#define CMD(cmd, arg)	{ cmd, arg, #cmd }
	CMD(F_DUPFD, FARG_INT), CMD(F_DUPFD_CLOEXEC, FARG_INT),
	CMD(F_GETFD, FARG_NONE), CMD(F_SETFD, FARG_INT),
	CMD(F_GETFL, FARG_NONE), CMD(F_SETFL, FARG_INT),
	CMD(F_GETLK, FARG_PTR), CMD(F_SETLK, FARG_PTR), CMD(F_SETLKW, FARG_PTR),
	CMD(F_OFD_GETLK, FARG_PTR), CMD(F_OFD_SETLK, FARG_PTR),
	CMD(F_OFD_SETLKW, FARG_PTR), CMD(F_GETOWN, FARG_NONE),
	CMD(F_SETOWN, FARG_INT), CMD(F_GETOWN_EX, FARG_PTR),
	CMD(F_SETOWN_EX, FARG_PTR), CMD(F_GETSIG, FARG_NONE),
	CMD(F_SETSIG, FARG_INT), CMD(F_GETLEASE, FARG_NONE),
	CMD(F_SETLEASE, FARG_INT), CMD(F_NOTIFY, FARG_INT),
	CMD(F_GETPIPE_SZ, FARG_NONE), CMD(F_SETPIPE_SZ, FARG_INT),
	CMD(F_ADD_SEALS, FARG_INT), CMD(F_GET_SEALS, FARG_NONE),
#undef CMD
};

/* A growing string in a fixed buffer; overflow ends it with "...". */
struct sbuf {
	char *buf;
	size_t size, len;
};

static void
sb_init(struct sbuf *b, char *buf, size_t size)
{
	b->buf = buf;
	b->size = size;
	b->len = 0;
	buf[0] = '\0';
}

static void __attribute__((format(printf, 2, 3)))
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	size_t room = b->size - b->len;
	va_list ap;
	int n;

	if (room <= 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->buf + b->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < room) {
		b->len += (size_t)n;
		return;
	}
	b->len = b->size - 1;
	if (b->size >= 4)
		memcpy(b->buf + b->size - 4, "...", 3);
}

/* The name of v in t, or NULL. */
static const char *
sym_find(const struct sym *t, long v)
{
	for (; t->name != NULL; t++)
		if (t->val == v)
			return t->name;
	return NULL;
}

/* The name of v in t, or v in decimal. */
static const char *
sym_name(const struct sym *t, long v, char *buf, size_t size)
{
	const char *name = sym_find(t, v);

	if (name != NULL)
		return name;
	snprintf(buf, size, "%ld", v);
	return buf;
}

/* v as "A|B|0x40": the names of its bits in t, then what is left in hex. */
static const char *
flag_names(const struct sym *t, unsigned long v, char *buf, size_t size)
{
	struct sbuf b;

	sb_init(&b, buf, size);
	for (; t->name != NULL; t++) {
		unsigned long bits = (unsigned long)t->val;

		if (bits != 0 && (v & bits) == bits) {
			sb_printf(&b, "%s%s", b.len > 0 ? "|" : "", t->name);
			v &= ~bits;
		}
	}
	if (v != 0 || b.len == 0)
		sb_printf(&b, "%s%#lx", b.len > 0 ? "|" : "", v);
	return buf;
}

/* "SIGTERM", "SIGRTMIN+2", or the number; see sigabbrev_np(3). */
static const char *
sig_name(int sig, char *buf, size_t size)
{
	const char *abbrev = sig > 0 ? sigabbrev_np(sig) : NULL;

	if (abbrev != NULL)
		snprintf(buf, size, "SIG%s", abbrev);
	else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		snprintf(buf, size, "SIGRTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(buf, size, "%d", sig);
	return buf;
}

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

/* The index of cmd in fcntl_cmds, or -1 for a command not listed. */
static int
fcntl_find(int cmd)
{
	size_t i;

	for (i = 0; i < sizeof(fcntl_cmds) / sizeof(fcntl_cmds[0]); i++)
		if (fcntl_cmds[i].cmd == cmd)
			return (int)i;
	return -1;
}

/*
 * An address as people write it: "127.0.0.1:7000", "[::1]:80",
 * "unix:/run/x.sock", "unix:@name".  net_format() makes no system calls,
 * so the tracer can use it without tracing itself.  Returns buf.
 */
static const char *
addr_str(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	return net_format(sa, len, buf, size);
}

/* "3:POLLIN 4:POLLIN|POLLOUT": events, or with ready set, revents != 0. */
static const char *
pollfds_str(const struct pollfd *fds, nfds_t n, int ready, char *buf,
    size_t size)
{
	char ev[96];
	struct sbuf b;
	nfds_t i;

	sb_init(&b, buf, size);
	for (i = 0; i < n; i++) {
		short bits = ready ? fds[i].revents : fds[i].events;

		if (ready && bits == 0)
			continue;
		sb_printf(&b, "%s%d:%s", b.len > 0 ? " " : "", fds[i].fd,
		    flag_names(poll_events, (unsigned short)bits, ev,
		    sizeof(ev)));
	}
	return buf;
}

/* "EPOLLIN EPOLLOUT|EPOLLHUP": the events epoll_wait reported. */
static const char *
epoll_ready_str(const struct epoll_event *evs, int n, char *buf,
    size_t size)
{
	char ev[96];
	struct sbuf b;
	int i;

	sb_init(&b, buf, size);
	for (i = 0; i < n; i++)
		sb_printf(&b, "%s%s", i > 0 ? " " : "",
		    flag_names(epoll_events, evs[i].events, ev, sizeof(ev)));
	return buf;
}

/* "exited 3", "killed by SIGKILL (core dumped)"; see waitpid(2). */
static const char *
status_str(int st, char *buf, size_t size)
{
	char sig[32];

	if (WIFEXITED(st))
		snprintf(buf, size, "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, size, "killed by %s%s",
		    sig_name(WTERMSIG(st), sig, sizeof(sig)),
		    WCOREDUMP(st) ? " (core dumped)" : "");
	else if (WIFSTOPPED(st))
		snprintf(buf, size, "stopped by %s",
		    sig_name(WSTOPSIG(st), sig, sizeof(sig)));
	else if (WIFCONTINUED(st))
		snprintf(buf, size, "continued");
	else
		snprintf(buf, size, "%#x", st);
	return buf;
}

/* "SIGINT|SIGTERM": the members of a signal set. */
static const char *
sigset_str(const sigset_t *set, char *buf, size_t size)
{
	char sig[32];
	struct sbuf b;
	int s;

	sb_init(&b, buf, size);
	for (s = 1; s < NSIG; s++)
		if (sigismember(set, s) == 1)
			sb_printf(&b, "%s%s", b.len > 0 ? "|" : "",
			    sig_name(s, sig, sizeof(sig)));
	if (b.len == 0)
		sb_printf(&b, "(empty)");
	return buf;
}

static const char *
rlim_str(rlim_t v, char *buf, size_t size)
{
	if (v == RLIM_INFINITY)
		snprintf(buf, size, "unlimited");
	else
		snprintf(buf, size, "%llu", (unsigned long long)v);
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

/* ---- fault injection ---- */

/* Every call a spec may name; see sys_inject_add(). */
static const struct {
	const char *name;
	int can_short;		/* takes CALL=short */
	int eai;		/* returns EAI_ codes */
} known_calls[] = {
	{ "socket", 0, 0 }, { "socketpair", 0, 0 }, { "bind", 0, 0 },
	{ "listen", 0, 0 }, { "accept4", 0, 0 }, { "connect", 0, 0 },
	{ "shutdown", 0, 0 }, { "getsockopt", 0, 0 }, { "setsockopt", 0, 0 },
	{ "getsockname", 0, 0 }, { "getpeername", 0, 0 }, { "send", 1, 0 },
	{ "recv", 1, 0 }, { "sendto", 1, 0 }, { "recvfrom", 1, 0 },
	{ "sendmsg", 0, 0 }, { "recvmsg", 0, 0 }, { "getaddrinfo", 0, 1 },
	{ "getnameinfo", 0, 1 }, { "open", 0, 0 }, { "read", 1, 0 },
	{ "write", 1, 0 }, { "close", 0, 0 }, { "pipe2", 0, 0 },
	{ "dup", 0, 0 }, { "dup2", 0, 0 }, { "dup3", 0, 0 }, { "fcntl", 0, 0 },
	{ "ioctl", 0, 0 }, { "unlink", 0, 0 }, { "poll", 0, 0 },
	{ "epoll_create1", 0, 0 }, { "epoll_ctl", 0, 0 },
	{ "epoll_wait", 0, 0 }, { "fork", 0, 0 }, { "execvp", 0, 0 },
	{ "waitpid", 0, 0 }, { "kill", 0, 0 }, { "sigaction", 0, 0 },
	{ "sigprocmask", 0, 0 }, { "getrlimit", 0, 0 }, { "setrlimit", 0, 0 },
};

enum fault_kind { FAULT_ERRNO, FAULT_EAI, FAULT_SHORT };

struct fault {
	char call[16];
	enum fault_kind kind;
	int value;		/* the errno, or the EAI_ code */
	unsigned long nth;	/* fail only the nth call; 0: every call */
	atomic_ulong seen;	/* calls of this name so far */
};

/* Filled before the program starts its threads; read by every wrapper. */
static struct fault faults[FAULTS_MAX];
static int nfaults;

static int
known_call(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(known_calls) / sizeof(known_calls[0]); i++)
		if (strcmp(known_calls[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* A decimal number of digits only, from 1 to max; -1 when it is not. */
static long
parse_count(const char *s, long max)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > max)
		return -1;
	return v;
}

/* An errno from its name ("ECONNREFUSED") or number; -1 when unknown. */
static int
errno_value(const char *s)
{
	static const struct sym aliases[] = {
		SYM(EWOULDBLOCK), SYM(ENOTSUP), SYM(EDEADLOCK), SYM_END
	};
	const struct sym *a;
	const char *name;
	int e;

	if (*s >= '0' && *s <= '9')
		return (int)parse_count(s, 4095);
	for (e = 1; e < 4096; e++)
		if ((name = strerrorname_np(e)) != NULL && strcmp(name, s) == 0)
			return e;
	for (a = aliases; a->name != NULL; a++)
		if (strcmp(a->name, s) == 0)
			return (int)a->val;
	return -1;
}

/* The EAI_ code named s; 1 (never a code) when unknown. */
static int
eai_value(const char *s)
{
	const struct sym *t;

	for (t = eai_codes; t->name != NULL; t++)
		if (strcmp(t->name, s) == 0)
			return (int)t->val;
	return 1;
}

/*
 * Decode VALUE of CALL=VALUE for call index c into *kind and *value.
 * Returns 0, or -1 when VALUE does not fit the call.
 */
static int
parse_fault(int c, const char *v, enum fault_kind *kind, int *value)
{
	if (strcmp(v, "short") == 0) {
		*kind = FAULT_SHORT;
		*value = 0;
		return known_calls[c].can_short ? 0 : -1;
	}
	if (strncmp(v, "EAI_", 4) == 0) {
		*kind = FAULT_EAI;
		*value = eai_value(v);
		return known_calls[c].eai && *value != 1 ? 0 : -1;
	}
	*kind = FAULT_ERRNO;
	*value = errno_value(v);
	return *value > 0 ? 0 : -1;
}

int
sys_inject_add(const char *spec)
{
	char call[sizeof(faults[0].call)], value[32];
	const char *eq = strchr(spec, '='), *colon;
	enum fault_kind kind;
	size_t n;
	long nth = 0;
	int c, v;

	if (eq == NULL || eq == spec || (size_t)(eq - spec) >= sizeof(call))
		return errno = EINVAL, -1;
	memcpy(call, spec, (size_t)(eq - spec));
	call[eq - spec] = '\0';
	colon = strchr(eq + 1, ':');
	n = colon != NULL ? (size_t)(colon - eq - 1) : strlen(eq + 1);
	if (n == 0 || n >= sizeof(value))
		return errno = EINVAL, -1;
	memcpy(value, eq + 1, n);
	value[n] = '\0';
	if ((c = known_call(call)) == -1 ||
	    parse_fault(c, value, &kind, &v) == -1)
		return errno = EINVAL, -1;
	if (colon != NULL && (nth = parse_count(colon + 1, LONG_MAX)) == -1)
		return errno = EINVAL, -1;
	if (nfaults == FAULTS_MAX)
		return errno = ENOSPC, -1;

	memcpy(faults[nfaults].call, call, sizeof(call));
	faults[nfaults].kind = kind;
	faults[nfaults].value = v;
	faults[nfaults].nth = (unsigned long)nth;
	atomic_init(&faults[nfaults].seen, 0);
	nfaults++;
	sys_watch_update();
	return 0;
}

void
sys_inject_clear(void)
{
	nfaults = 0;
	sys_watch_update();
}

void
sys_watch_update(void)
{
	sys_watch = trace_on || nfaults > 0;
}

/* ---- the record of one call on the slow path ---- */

struct rec {
	const char *call;	/* "connect" */
	char qual[48];		/* explain() qualifiers: "SO_ERROR", or "" */
	const char *note;	/* overrides explain() when set */
	int fd;			/* the fd the call works on, or -1 */
	int err;		/* errno right after the call */
	int injected;		/* --inject decided this outcome */
	int fault;		/* the injected errno or EAI_ code */
	int fault_eai;		/* fault is an EAI_ code */
	int half;		/* "short": make the call with half the count */
	struct trace_arg args[REC_ARGS];
	int nargs;
	char pool[REC_POOL];	/* the string arguments' bytes */
	size_t used;
};

static void
rec_start(struct rec *r, const char *call, int fd)
{
	r->call = call;
	r->qual[0] = '\0';
	r->note = NULL;
	r->fd = fd;
	r->err = 0;
	r->injected = 0;
	r->fault = 0;
	r->fault_eai = 0;
	r->half = 0;
	r->nargs = 0;
	r->used = 0;
}

static void
rec_int(struct rec *r, const char *key, long long v)
{
	if (r->nargs < REC_ARGS)
		r->args[r->nargs++] = TARG_I(key, v);
}

/* A string argument, copied (and cut if need be) into the pool. */
static void
rec_str(struct rec *r, const char *key, const char *s)
{
	size_t room = sizeof(r->pool) - r->used, n = strlen(s);
	char *dst = r->pool + r->used;

	if (r->nargs == REC_ARGS || room < 2)
		return;
	if (n > room - 1)
		n = room - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	r->used += n + 1;
	r->args[r->nargs++] = TARG_S(key, dst);
}

static void
rec_sym(struct rec *r, const char *key, long v, const struct sym *t)
{
	char buf[32];

	rec_str(r, key, sym_name(t, v, buf, sizeof(buf)));
}

static void
rec_flags(struct rec *r, const char *key, unsigned long v,
    const struct sym *t)
{
	char buf[256];

	rec_str(r, key, flag_names(t, v, buf, sizeof(buf)));
}

static void
rec_addr(struct rec *r, const char *key, const struct sockaddr *sa,
    socklen_t len)
{
	char buf[ADDR_STRLEN];

	rec_str(r, key, addr_str(sa, len, buf, sizeof(buf)));
}

/* An address the kernel filled in: *len may exceed the buffer (cut). */
static void
rec_addr_out(struct rec *r, const char *key, const struct sockaddr *sa,
    socklen_t cap, const socklen_t *len)
{
	if (sa != NULL && len != NULL)
		rec_addr(r, key, sa, *len < cap ? *len : cap);
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

/* "O_WRONLY|O_CREAT|O_CLOEXEC": the access mode, then the other flags. */
static void
rec_open_flags(struct rec *r, const char *key, int flags)
{
	char num[32], more[224], buf[256];
	const char *mode = sym_name(open_modes, flags & O_ACCMODE, num,
	    sizeof(num));
	int rest = flags & ~O_ACCMODE;

	if (rest == 0)
		snprintf(buf, sizeof(buf), "%s", mode);
	else
		snprintf(buf, sizeof(buf), "%s|%s", mode,
		    flag_names(open_flags, (unsigned long)rest, more,
		    sizeof(more)));
	rec_str(r, key, buf);
}

/* The first word of the explain() qualifiers: "SO_ERROR". */
static void
rec_qual(struct rec *r, const char *qual)
{
	snprintf(r->qual, sizeof(r->qual), "%s", qual);
}

/*
 * Qualify a call on a socket by its type ("connect SOCK_DGRAM", "close
 * SOCK_STREAM"): the same call means different things on each.  Other
 * descriptors get no qualifier.  The SO_TYPE read is not traced: it is the
 * tracer's own question, not the program's.
 */
static void
rec_type_qual(struct rec *r, int fd)
{
	socklen_t len = sizeof(int);
	const char *name;
	int type;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
	    (name = sym_find(sock_types, type)) != NULL)
		rec_qual(r, name);
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

/*
 * Count this call against every --inject spec naming it, and take the
 * first spec that fires.  Returns 1 when the call must fail without being
 * made (see rec_fail()), 0 otherwise; a "short" spec sets r->half.
 */
static int
rec_injected(struct rec *r)
{
	const struct fault *hit = NULL;
	unsigned long n;
	int i;

	for (i = 0; i < nfaults; i++) {
		struct fault *f = &faults[i];

		if (strcmp(f->call, r->call) != 0)
			continue;
		n = atomic_fetch_add(&f->seen, 1) + 1;
		if (hit == NULL && (f->nth == 0 || n == f->nth))
			hit = f;
	}
	if (hit == NULL)
		return 0;
	r->injected = 1;
	if (hit->kind == FAULT_SHORT) {
		r->half = 1;
		return 0;
	}
	r->fault = hit->value;
	r->fault_eai = hit->kind == FAULT_EAI;
	return 1;
}

/* The count to pass on: halved (but at least 1) under CALL=short. */
static size_t
rec_count(const struct rec *r, size_t count)
{
	return r->half && count > 1 ? count / 2 : count;
}

/*
 * The end of the slow path: emit the event with its explanation, pass
 * the step gate, and leave errno as the call left it.
 */
static void
rec_end(struct rec *r, long long ret)
{
	struct trace_call c;
	char key[80];

	if (trace_on) {
		c.call = r->call;
		c.fd = r->fd;
		c.args = r->args;
		c.nargs = r->nargs;
		c.ret = ret;
		c.err = ret < 0 ? r->err : 0;
		c.injected = r->injected;
		if (r->injected) {
			c.note = "injected by --inject";
		} else if (r->note != NULL) {
			c.note = r->note;
		} else {
			snprintf(key, sizeof(key), "%s%s%s", r->call,
			    r->qual[0] != '\0' ? " " : "", r->qual);
			c.note = explain(key, ret, c.err);
		}
		trace_syscall(&c);
	}
	trace_gate(STEP_SYSCALL);
	errno = r->err;
}

/* An injected failure: trace it and return -1 with the chosen errno. */
static int
rec_fail(struct rec *r)
{
	r->err = r->fault;
	rec_end(r, -1);
	return -1;
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
	struct rec r;
	int ret;

	if (!sys_watch)
		return shutdown(fd, how);
	rec_start(&r, "shutdown", fd);
	rec_qual(&r, sym_name(shut_hows, how, name, sizeof(name)));
	rec_str(&r, "how", r.qual);
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

/* ---- files and descriptors: see open(2), read(2), write(2) ... ---- */

/*
 * open(2) reads a third argument, the mode, only when it may create a
 * file; so does this wrapper, before the fast path.
 */
int
sys_open(const char *path, int flags, ...)
{
	char mode_str[16];
	mode_t mode = 0;
	struct rec r;
	va_list ap;
	int ret;

	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (!sys_watch)
		return open(path, flags, mode);
	rec_start(&r, "open", -1);
	rec_str(&r, "path", path);
	rec_open_flags(&r, "flags", flags);
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
		snprintf(mode_str, sizeof(mode_str), "%04o", (unsigned)mode);
		rec_str(&r, "mode", mode_str);
	}
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = open(path, flags, mode);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

ssize_t
sys_read(int fd, void *buf, size_t count)
{
	struct rec r;
	ssize_t ret;

	if (!sys_watch)
		return read(fd, buf, count);
	rec_start(&r, "read", fd);
	rec_int(&r, "count", (long long)count);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = read(fd, buf, rec_count(&r, count));
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

ssize_t
sys_write(int fd, const void *buf, size_t count)
{
	struct rec r;
	ssize_t ret;

	if (!sys_watch)
		return write(fd, buf, count);
	rec_start(&r, "write", fd);
	rec_int(&r, "count", (long long)count);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = write(fd, buf, rec_count(&r, count));
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_close(int fd)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return close(fd);
	rec_start(&r, "close", fd);
	rec_type_qual(&r, fd);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = close(fd);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_pipe2(int fds[2], int flags)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return pipe2(fds, flags);
	rec_start(&r, "pipe2", -1);
	rec_flags(&r, "flags", (unsigned long)flags, open_flags);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = pipe2(fds, flags);
	r.err = errno;
	if (ret == 0) {
		rec_int(&r, "read_fd", fds[0]);
		rec_int(&r, "write_fd", fds[1]);
	}
	rec_end(&r, ret);
	return ret;
}

int
sys_dup(int fd)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return dup(fd);
	rec_start(&r, "dup", fd);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = dup(fd);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_dup2(int oldfd, int newfd)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return dup2(oldfd, newfd);
	rec_start(&r, "dup2", oldfd);
	rec_int(&r, "newfd", newfd);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = dup2(oldfd, newfd);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_dup3(int oldfd, int newfd, int flags)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return dup3(oldfd, newfd, flags);
	rec_start(&r, "dup3", oldfd);
	rec_int(&r, "newfd", newfd);
	rec_flags(&r, "flags", (unsigned long)flags, open_flags);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = dup3(oldfd, newfd, flags);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/* The argument of fcntl, and for F_GETFL/F_GETFD the flags it returned. */
static void
rec_fcntl(struct rec *r, int cmd, long arg, int after, int ret)
{
	if (!after) {
		if (cmd == F_SETFL)
			rec_open_flags(r, "arg", (int)arg);
		else if (cmd == F_SETFD)
			rec_flags(r, "arg", (unsigned long)arg, fd_flags);
		else
			rec_int(r, "arg", arg);
	} else if (ret >= 0 && cmd == F_GETFL) {
		rec_open_flags(r, "flags", ret);
	} else if (ret >= 0 && cmd == F_GETFD) {
		rec_flags(r, "flags", (unsigned long)ret, fd_flags);
	}
}

/*
 * fcntl(2) must know the type of its third argument before passing it
 * on, so even the fast path looks the command up.  A command not in the
 * table is passed a pointer, as glibc does.
 */
int
sys_fcntl(int fd, int cmd, ...)
{
	int i = fcntl_find(cmd), iarg = 0, ret;
	enum fcntl_arg kind = i >= 0 ? fcntl_cmds[i].arg : FARG_PTR;
	void *parg = NULL;
	struct rec r;
	va_list ap;

	va_start(ap, cmd);
	if (kind == FARG_INT)
		iarg = va_arg(ap, int);
	else if (kind == FARG_PTR)
		parg = va_arg(ap, void *);
	va_end(ap);
	if (!sys_watch)
		return kind == FARG_PTR ? fcntl(fd, cmd, parg) :
		    fcntl(fd, cmd, iarg);

	rec_start(&r, "fcntl", fd);
	if (i >= 0)
		rec_qual(&r, fcntl_cmds[i].name);
	else
		snprintf(r.qual, sizeof(r.qual), "%d", cmd);
	rec_str(&r, "cmd", r.qual);
	if (kind == FARG_INT)
		rec_fcntl(&r, cmd, iarg, 0, 0);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = kind == FARG_PTR ? fcntl(fd, cmd, parg) : fcntl(fd, cmd, iarg);
	r.err = errno;
	rec_fcntl(&r, cmd, 0, 1, ret);
	rec_end(&r, ret);
	return ret;
}

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

int
sys_unlink(const char *path)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return unlink(path);
	rec_start(&r, "unlink", -1);
	rec_str(&r, "path", path);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = unlink(path);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/* ---- readiness: see poll(2), epoll(7) ---- */

int
sys_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	char buf[512];
	struct rec r;
	int ret;

	if (!sys_watch)
		return poll(fds, nfds, timeout);
	rec_start(&r, "poll", -1);
	rec_int(&r, "nfds", (long long)nfds);
	rec_int(&r, "timeout", timeout);
	rec_str(&r, "fds", pollfds_str(fds, nfds, 0, buf, sizeof(buf)));
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = poll(fds, nfds, timeout);
	r.err = errno;
	if (ret > 0)
		rec_str(&r, "ready", pollfds_str(fds, nfds, 1, buf,
		    sizeof(buf)));
	rec_end(&r, ret);
	return ret;
}

int
sys_epoll_create1(int flags)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return epoll_create1(flags);
	rec_start(&r, "epoll_create1", -1);
	rec_flags(&r, "flags", (unsigned long)flags, epoll_flags);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = epoll_create1(flags);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	char name[32];
	struct rec r;
	int ret;

	if (!sys_watch)
		return epoll_ctl(epfd, op, fd, ev);
	rec_start(&r, "epoll_ctl", epfd);
	rec_qual(&r, sym_name(epoll_ops, op, name, sizeof(name)));
	rec_str(&r, "op", r.qual);
	rec_int(&r, "fd", fd);
	if (ev != NULL && op != EPOLL_CTL_DEL)
		rec_flags(&r, "events", ev->events, epoll_events);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = epoll_ctl(epfd, op, fd, ev);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout)
{
	char buf[512];
	struct rec r;
	int ret;

	if (!sys_watch)
		return epoll_wait(epfd, evs, max, timeout);
	rec_start(&r, "epoll_wait", epfd);
	rec_int(&r, "max", max);
	rec_int(&r, "timeout", timeout);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = epoll_wait(epfd, evs, max, timeout);
	r.err = errno;
	if (ret > 0)
		rec_str(&r, "ready", epoll_ready_str(evs, ret, buf,
		    sizeof(buf)));
	rec_end(&r, ret);
	return ret;
}

/* ---- processes and signals: see fork(2), execve(2), waitpid(2) ---- */

/*
 * Both processes trace the return: the parent sees the child's pid, the
 * child sees 0 and stamps its own pid on its events (trace.c refreshes it
 * in a pthread_atfork(3) handler, which also keeps the trace lock sane).
 */
pid_t
sys_fork(void)
{
	struct rec r;
	pid_t ret;

	if (!sys_watch)
		return fork();
	rec_start(&r, "fork", -1);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = fork();
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/* "ls -l /tmp": argv joined by spaces. */
static void
rec_argv(struct rec *r, const char *key, char *const argv[])
{
	char buf[512];
	struct sbuf b;
	int i;

	sb_init(&b, buf, sizeof(buf));
	for (i = 0; argv != NULL && argv[i] != NULL; i++)
		sb_printf(&b, "%s%s", i > 0 ? " " : "", argv[i]);
	rec_str(r, key, buf);
}

/*
 * A successful exec never returns, so the event comes first (ret 0: "about
 * to replace this program"), and a second one only if it fails.
 */
int
sys_execvp(const char *file, char *const argv[])
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return execvp(file, argv);
	rec_start(&r, "execvp", -1);
	rec_str(&r, "file", file);
	rec_argv(&r, "argv", argv);
	if (rec_injected(&r))
		return rec_fail(&r);
	rec_end(&r, 0);
	ret = execvp(file, argv);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

pid_t
sys_waitpid(pid_t pid, int *status, int options)
{
	char buf[64];
	struct rec r;
	pid_t ret;

	if (!sys_watch)
		return waitpid(pid, status, options);
	rec_start(&r, "waitpid", -1);
	rec_int(&r, "pid", pid);
	rec_flags(&r, "options", (unsigned long)options, wait_options);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = waitpid(pid, status, options);
	r.err = errno;
	if (ret > 0 && status != NULL)
		rec_str(&r, "status", status_str(*status, buf, sizeof(buf)));
	rec_end(&r, ret);
	return ret;
}

int
sys_kill(pid_t pid, int sig)
{
	char name[32];
	struct rec r;
	int ret;

	if (!sys_watch)
		return kill(pid, sig);
	rec_start(&r, "kill", -1);
	rec_int(&r, "pid", pid);
	rec_str(&r, "sig", sig_name(sig, name, sizeof(name)));
	if (sig == 0)
		rec_qual(&r, "0");
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = kill(pid, sig);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/* What act asks for: "SIG_IGN", "SIG_DFL" or "handler". */
static const char *
disposition(const struct sigaction *act)
{
	if (!(act->sa_flags & SA_SIGINFO) && act->sa_handler == SIG_IGN)
		return "SIG_IGN";
	if (!(act->sa_flags & SA_SIGINFO) && act->sa_handler == SIG_DFL)
		return "SIG_DFL";
	return "handler";
}

int
sys_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	char name[32];
	struct rec r;
	int ret;

	if (!sys_watch)
		return sigaction(sig, act, old);
	rec_start(&r, "sigaction", -1);
	rec_str(&r, "sig", sig_name(sig, name, sizeof(name)));
	if (act != NULL) {
		rec_str(&r, "handler", disposition(act));
		rec_flags(&r, "flags", (unsigned long)act->sa_flags, sa_flags);
		snprintf(r.qual, sizeof(r.qual), "%s %s", disposition(act),
		    name);
	}
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = sigaction(sig, act, old);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	char buf[512];
	struct rec r;
	int ret;

	if (!sys_watch)
		return sigprocmask(how, set, old);
	rec_start(&r, "sigprocmask", -1);
	if (set != NULL) {
		rec_sym(&r, "how", how, mask_hows);
		rec_str(&r, "set", sigset_str(set, buf, sizeof(buf)));
	}
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = sigprocmask(how, set, old);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

static void
rec_rlimit(struct rec *r, const struct rlimit *rl)
{
	char buf[32];

	rec_str(r, "cur", rlim_str(rl->rlim_cur, buf, sizeof(buf)));
	rec_str(r, "max", rlim_str(rl->rlim_max, buf, sizeof(buf)));
}

int
sys_getrlimit(int resource, struct rlimit *rl)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return getrlimit(resource, rl);
	rec_start(&r, "getrlimit", -1);
	rec_sym(&r, "resource", resource, rlimits);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = getrlimit(resource, rl);
	r.err = errno;
	if (ret == 0)
		rec_rlimit(&r, rl);
	rec_end(&r, ret);
	return ret;
}

int
sys_setrlimit(int resource, const struct rlimit *rl)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return setrlimit(resource, rl);
	rec_start(&r, "setrlimit", -1);
	rec_sym(&r, "resource", resource, rlimits);
	rec_rlimit(&r, rl);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = setrlimit(resource, rl);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}
