/*
 * netlink.c - `ipc sock netlink`: the interfaces and their addresses, asked
 * of the kernel over rtnetlink the way `ip -brief addr` does.
 *
 * The conversation (see netlink(7) and rtnetlink(7)):
 *   socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)
 *   sendto(RTM_GETLINK, NLM_F_REQUEST|NLM_F_DUMP)   "every link, please"
 *   recvmsg ... until NLMSG_DONE                    RTM_NEWLINK messages
 *   sendto(RTM_GETADDR, NLM_F_REQUEST|NLM_F_DUMP)   "every address"
 *   recvmsg ... until NLMSG_DONE                    RTM_NEWADDR messages
 * Each reply datagram holds several messages (a multipart dump); each
 * message is a struct nlmsghdr, a fixed body (ifinfomsg, ifaddrmsg) and a
 * list of type-length-value attributes (struct rtattr).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "sock.h"
#include "sys.h"

/* iproute2 starts with 32 KiB too; a dump never needs more than 1 MiB. */
#define NL_BUF_START	(32 * 1024)
#define NL_BUF_MAX	(1024 * 1024)

static struct {
	int json;
} o;

static const struct opt netlink_opts[] = {
	OPT_FLAG(0, "json", &o.json,
		 "one JSON object per interface, addresses as a list"),
	OPT_STOP
};

/* One rtnetlink conversation: the socket, the last sequence number sent. */
struct nl {
	int fd;
	uint32_t seq;
	unsigned char *buf;
	size_t cap;
};

/* A handler gets every message of the dump that belongs to it. */
typedef int (*nl_handler)(const struct nlmsghdr *nh, json_t *links);

/*
 * Ask for a dump of one message type.  A netlink datagram is sent whole
 * or not at all, so there is no short write to handle.
 */
static int
nl_request(struct nl *nl, int type)
{
	struct {
		struct nlmsghdr nh;
		union {
			struct ifinfomsg ifi;
			struct ifaddrmsg ifa;
		} body;
	} req;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(type == RTM_GETLINK ?
					sizeof(req.body.ifi) :
					sizeof(req.body.ifa));
	req.nh.nlmsg_type = (uint16_t)type;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	/* Replies carry our sequence number back; see netlink(7). */
	req.nh.nlmsg_seq = ++nl->seq;
	/* AF_UNSPEC in the body: links and addresses of every family. */
	do
		n = sys_sendto(nl->fd, &req, req.nh.nlmsg_len, MSG_NOSIGNAL,
			       (struct sockaddr *)&kernel, sizeof(kernel));
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

/* One recvmsg(2) into nl->buf, retried on EINTR; the sender in *from. */
static ssize_t
nl_recvmsg(struct nl *nl, int flags, struct sockaddr_nl *from)
{
	struct iovec iov = { nl->buf, nl->cap };
	struct msghdr msg = {
		.msg_name = from, .msg_namelen = sizeof(*from),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n;

	do
		n = sys_recvmsg(nl->fd, &msg, flags | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	return n;
}

/*
 * Receive one datagram from the kernel into nl->buf, growing it to fit.
 * As iproute2 does, peek first with MSG_TRUNC, which makes recvmsg(2)
 * return the datagram's real length even when the buffer is smaller; see
 * recv(2).  Returns its length, or -1 with errno (EMSGSIZE past
 * NL_BUF_MAX).
 */
static ssize_t
nl_recv(struct nl *nl)
{
	struct sockaddr_nl from;
	unsigned char *bigger;
	ssize_t n;

	for (;;) {
		n = nl_recvmsg(nl, MSG_PEEK | MSG_TRUNC, &from);
		if (n < 0)
			return -1;
		if ((size_t)n > nl->cap) {
			if (n > NL_BUF_MAX) {
				errno = EMSGSIZE;
				return -1;
			}
			bigger = realloc(nl->buf, (size_t)n);
			if (bigger == NULL)
				return -1;
			nl->buf = bigger;
			nl->cap = (size_t)n;
		}
		n = nl_recvmsg(nl, 0, &from);
		/* Only the kernel (port id 0) may answer; drop anything else. */
		if (n < 0 || from.nl_pid == 0)
			return n;
	}
}

/*
 * NLMSG_DONE may carry the dump's own result, an int: 0, or a negative
 * errno when the kernel could not finish it.  Returns 0 or -1 with errno.
 */
static int
done_status(const struct nlmsghdr *nh)
{
	int err;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(err)))
		return 0;
	memcpy(&err, NLMSG_DATA(nh), sizeof(err));
	if (err >= 0)
		return 0;
	errno = -err;
	return -1;
}

/*
 * Run one dump: send the request, then hand every message of the reply
 * to fn until NLMSG_DONE.  Returns 0, or -1 with errno: the kernel's own
 * (from NLMSG_ERROR), EBADMSG for a malformed reply, or EAGAIN when the
 * kernel says the tables changed during the dump (NLM_F_DUMP_INTR).
 */
static int
nl_dump(struct nl *nl, int type, nl_handler fn, json_t *links)
{
	const struct nlmsghdr *nh;
	const struct nlmsgerr *err;
	ssize_t n;
	size_t len;

	if (nl_request(nl, type) < 0)
		return -1;
	for (;;) {
		n = nl_recv(nl);
		if (n < 0)
			return -1;
		len = (size_t)n;
		for (nh = (const struct nlmsghdr *)nl->buf; NLMSG_OK(nh, len);
		     nh = NLMSG_NEXT(nh, len)) {
			/* A late answer to an earlier request: not ours. */
			if (nh->nlmsg_seq != nl->seq)
				continue;
			if (nh->nlmsg_flags & NLM_F_DUMP_INTR) {
				errno = EAGAIN;
				return -1;
			}
			if (nh->nlmsg_type == NLMSG_DONE)
				return done_status(nh);
			if (nh->nlmsg_type == NLMSG_ERROR) {
				if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*err))) {
					errno = EBADMSG;
					return -1;
				}
				err = NLMSG_DATA(nh);
				/* Error 0 is an acknowledgement. */
				if (err->error == 0)
					continue;
				errno = -err->error;
				return -1;
			}
			if (fn(nh, links) < 0)
				return -1;
		}
		/* Bytes left over are a message cut short. */
		if (len != 0) {
			errno = EBADMSG;
			return -1;
		}
	}
}

/* IFLA_OPERSTATE values, RFC 2863's names; see if_link.h. */
static const char *
operstate_name(unsigned state)
{
	static const char *const names[] = {
		"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN",
		"TESTING", "DORMANT", "UP",
	};

	return state < sizeof(names) / sizeof(names[0]) ? names[state] :
	       "UNKNOWN";
}

/* A link-layer address as "00:11:22:33:44:55", or null if empty. */
static json_t *
hwaddr(const unsigned char *a, size_t n)
{
	char s[3 * 32];
	size_t i, off = 0;

	if (n == 0)
		return json_null();
	if (n > 32)
		n = 32;
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(s + off, sizeof(s) - off, "%s%02x",
					i ? ":" : "", a[i]);
	return json_string(s);
}

/* RTM_NEWLINK: one interface. */
static int
on_link(const struct nlmsghdr *nh, json_t *links)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	const struct rtattr *rta;
	char name[IF_NAMESIZE] = "";
	const char *state = "UNKNOWN";
	json_t *mac = NULL;
	size_t len, n;

	if (nh->nlmsg_type != RTM_NEWLINK)
		return 0;
	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi))) {
		errno = EBADMSG;
		return -1;
	}
	len = IFLA_PAYLOAD(nh);
	for (rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		n = RTA_PAYLOAD(rta);
		switch (rta->rta_type) {
		case IFLA_IFNAME:
			/* NUL-terminated, but never trust that. */
			n = strnlen(RTA_DATA(rta), n);
			if (n >= sizeof(name))
				n = sizeof(name) - 1;
			memcpy(name, RTA_DATA(rta), n);
			name[n] = '\0';
			break;
		case IFLA_OPERSTATE:
			if (n >= 1)
				state = operstate_name(
					*(const unsigned char *)RTA_DATA(rta));
			break;
		case IFLA_ADDRESS:
			json_decref(mac);
			mac = hwaddr(RTA_DATA(rta), n);
			break;
		}
	}
	json_array_append_new(links, json_pack(
		"{s:s, s:i, s:s, s:o, s:[]}", "name", name,
		"index", ifi->ifi_index, "state", state,
		"mac", mac ? mac : json_null(), "addresses"));
	return 0;
}

/* RTM_NEWADDR: one address, added to its interface's list. */
static int
on_addr(const struct nlmsghdr *nh, json_t *links)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	const struct rtattr *rta;
	const void *addr = NULL, *local = NULL;
	char text[INET6_ADDRSTRLEN + 4], cidr[INET6_ADDRSTRLEN + 8];
	size_t len, want, i;
	json_t *link;

	if (nh->nlmsg_type != RTM_NEWADDR)
		return 0;
	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa))) {
		errno = EBADMSG;
		return -1;
	}
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 0;
	want = ifa->ifa_family == AF_INET ? 4 : 16;
	len = IFA_PAYLOAD(nh);
	for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (RTA_PAYLOAD(rta) != want)
			continue;
		if (rta->rta_type == IFA_ADDRESS)
			addr = RTA_DATA(rta);
		else if (rta->rta_type == IFA_LOCAL)
			local = RTA_DATA(rta);
	}
	/*
	 * IFA_LOCAL is this end's address; IFA_ADDRESS is the same, except
	 * on a point-to-point link where it is the peer's.  See rtnetlink(7).
	 */
	if (local != NULL)
		addr = local;
	if (addr == NULL)
		return 0;
	inet_ntop(ifa->ifa_family, addr, text, sizeof(text));
	snprintf(cidr, sizeof(cidr), "%s/%u", text, ifa->ifa_prefixlen);
	json_array_foreach(links, i, link)
		if (json_integer_value(json_object_get(link, "index")) ==
		    (json_int_t)ifa->ifa_index)
			json_array_append_new(json_object_get(link,
							      "addresses"),
					      json_string(cidr));
	return 0;
}

/*
 * For the table, the address list becomes one column of words, or '-'
 * (null) when the interface has none.
 */
static void
join_addresses(json_t *links)
{
	json_t *link, *addrs, *a;
	size_t i, j, size;
	char *s;

	json_array_foreach(links, i, link) {
		addrs = json_object_get(link, "addresses");
		if (json_array_size(addrs) == 0) {
			json_object_set_new(link, "addresses", json_null());
			continue;
		}
		size = 1;
		json_array_foreach(addrs, j, a)
			size += json_string_length(a) + 1;
		s = calloc(1, size);
		if (s == NULL)
			continue;
		json_array_foreach(addrs, j, a) {
			if (j > 0)
				strcat(s, " ");
			strcat(s, json_string_value(a));
		}
		json_object_set_new(link, "addresses", json_string(s));
		free(s);
	}
}

static int
run_netlink(struct cli *cli)
{
	static const struct out_col cols[] = {
		{ "name", "INTERFACE" }, { "state", "STATE" },
		{ "addresses", "ADDRESSES" },
	};
	struct nl nl = { .fd = -1 };
	const char *what = "socket(AF_NETLINK)";
	json_t *links = json_array();
	int rc = -1;

	nl.buf = malloc(NL_BUF_START);
	if (nl.buf == NULL)
		goto out;
	nl.cap = NL_BUF_START;
	/* No bind(2): the kernel gives the socket a port id on first send. */
	nl.fd = sys_socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl.fd < 0)
		goto out;
	what = "RTM_GETLINK";
	if (nl_dump(&nl, RTM_GETLINK, on_link, links) < 0)
		goto out;
	what = "RTM_GETADDR";
	if (nl_dump(&nl, RTM_GETADDR, on_addr, links) < 0)
		goto out;
	if (!o.json)
		join_addresses(links);
	what = "stdout";
	rc = out_table(stdout, links, cols, 3, o.json);
out:
	if (rc < 0)
		rc = fail(cli, what, errno, errno == EAGAIN ?
			  "the interfaces changed during the dump; run it "
			  "again" : NULL);
	if (nl.fd >= 0)
		sys_close(nl.fd);
	free(nl.buf);
	json_decref(links);
	return rc;
}

const struct verb sock_netlink_verb = {
	.name = "netlink",
	.summary = "list interfaces and addresses through rtnetlink",
	.usage = "",
	.description =
		"Asks the kernel for its interfaces (an RTM_GETLINK dump) and "
		"then their addresses (an RTM_GETADDR dump) over an AF_NETLINK "
		"socket, the way ip(8) does, and prints them like "
		"'ip -brief addr': name, operational state and each address "
		"with its prefix length.  --trace shows the conversation: one "
		"sendto per request, then recvmsg until the kernel sends "
		"NLMSG_DONE; each recvmsg first peeks with MSG_TRUNC to learn "
		"how big the datagram is.  See netlink(7), rtnetlink(7).",
	.examples = (const char *const[]){
		"ipc sock netlink\tlike 'ip -brief addr'",
		"ipc sock netlink --json\twith index, MAC and the address list",
		"ipc sock netlink --trace\tthe netlink requests and replies",
		NULL },
	.opts = netlink_opts,
	.min_args = 0, .max_args = 0,
	.run = run_netlink,
};
