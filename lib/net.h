/*
 * net.h - addresses and sockets, shared by every applet that talks on the
 * network.  All functions return -1 with errno set on failure (except the
 * resolver, which returns getaddrinfo's EAI_ code); none print or exit.
 */
#ifndef IPC_NET_H
#define IPC_NET_H

#include <netdb.h>
#include <stddef.h>
#include <sys/socket.h>

/*
 * A parsed address, before resolution.  Accepted forms:
 *   host port   host:port   [v6addr]:port   :port   port (passive only)
 *   tcp://host:port   udp://host:port
 *   unix:/path   unix:@abstract   (and unix:relative/path)
 */
struct net_addr {
	int family;		/* AF_UNSPEC, AF_INET, AF_INET6 or AF_UNIX */
	int socktype;		/* SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET */
	char host[256];		/* empty: the default (loopback when passive) */
	char port[32];		/* number or service name */
	char path[108];		/* AF_UNIX: without the '@' for abstract */
	int abstract;		/* AF_UNIX: Linux abstract namespace */
};

enum {
	NET_PASSIVE = 1 << 0,	/* for bind: "8080" alone is a port */
	NET_UDP = 1 << 1,	/* default socktype SOCK_DGRAM */
	NET_SEQPACKET = 1 << 2,	/* default socktype SOCK_SEQPACKET */
	NET_V4 = 1 << 3,	/* -4 */
	NET_V6 = 1 << 4,	/* -6 */
	NET_REUSEPORT = 1 << 5,	/* for bind: SO_REUSEPORT, a shared port */
};

/*
 * Parse arg (and port, the optional second word) into *a.  Returns 0, or -1
 * with errno: EINVAL (malformed; *why says how, static storage),
 * ERANGE (port out of 0..65535), ENAMETOOLONG (Unix path too long).
 */
int net_parse_addr(const char *arg, const char *port, int flags,
		   struct net_addr *a, const char **why);

/*
 * Resolve with getaddrinfo (AI_PASSIVE when flags has NET_PASSIVE; an empty
 * host then means loopback, never the wildcard).  Returns 0, or an EAI_
 * code (errno is meaningful for EAI_SYSTEM).  AF_UNIX addresses give a
 * single synthesised addrinfo; free every result with net_freeaddrinfo().
 */
int net_resolve(const struct net_addr *a, int flags, struct addrinfo **res);
void net_freeaddrinfo(struct addrinfo *res);

/* Fill a sockaddr_un for a; returns its length, or -1 ENAMETOOLONG. */
int net_unix_sockaddr(const struct net_addr *a, struct sockaddr_storage *ss);

/*
 * "127.0.0.1:7000", "[::1]:7000", "unix:/tmp/s", "unix:@name",
 * "unix:(unnamed)", "netlink:pid 0 groups 0x0",
 * "packet:ifindex 1 proto ETH_P_ALL".  Makes no system calls, so the
 * tracer may use it.  Returns buf.
 */
char *net_format(const struct sockaddr *sa, socklen_t len, char *buf,
		 size_t size);
/* "ETH_P_IP" for an ethertype in host order, or NULL if it has no name. */
const char *net_ethertype_name(unsigned type);

/* The same for a socket's local (getsockname) or peer (getpeername) end. */
char *net_local(int fd, char *buf, size_t size);
char *net_peer(int fd, char *buf, size_t size);

/* A socket for ai, always SOCK_CLOEXEC (and SOCK_NONBLOCK when asked). */
int net_socket(const struct addrinfo *ai, int nonblock);

/*
 * connect(2) with a timeout: non-blocking connect, poll for POLLOUT, then
 * getsockopt(SO_ERROR), and the fd is put back in blocking mode.  A timeout
 * < 0 waits forever.  Fails with ETIMEDOUT when the time runs out.
 */
int net_connect_timeout(int fd, const struct sockaddr *sa, socklen_t len,
			double timeout);

/* Put fd in (non-)blocking mode with fcntl(2). */
int net_set_nonblock(int fd, int on);

/*
 * Socket options by name.  The table lists every option `ipc sock options`
 * shows and `--opt NAME=VALUE` accepts.
 */
enum net_optkind { NOPT_BOOL, NOPT_INT, NOPT_LINGER, NOPT_TIMEVAL, NOPT_STR };
struct net_sockopt {
	const char *name;	/* "SO_REUSEADDR" */
	int level;		/* SOL_SOCKET, IPPROTO_TCP, ... */
	int optname;
	enum net_optkind kind;
	unsigned types;		/* NET_T_TCP | NET_T_UDP | NET_T_UNIX ... */
	const char *doc;	/* one line */
};
enum { NET_T_TCP = 1, NET_T_UDP = 2, NET_T_UNIX = 4, NET_T_V6 = 8 };
extern const struct net_sockopt net_sockopts[];	/* ends with name NULL */

/* Find an option by name, with or without its SO_/TCP_/IP_ prefix. */
const struct net_sockopt *net_sockopt_find(const char *name);

/*
 * Apply "NAME=VALUE" to fd.  Booleans take 1/0/on/off/yes/no; SO_LINGER
 * takes seconds (-1 turns it off); timevals take seconds.  Returns 0, or
 * -1 with errno EINVAL (unknown name or bad value) or setsockopt's error.
 */
int net_sockopt_apply(int fd, const char *spec);

/* Read the current value as text ("1", "212992", "off", "5s"); 0 or -1. */
int net_sockopt_get(int fd, const struct net_sockopt *o, char *buf,
		    size_t size);

#endif
