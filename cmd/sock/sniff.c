/*
 * sniff.c - `ipc sock sniff [IFACE]`: capture packets on an AF_PACKET
 * socket and print their headers, one line each, like tcpdump.
 *
 * The calls (see packet(7)):
 *   socket(AF_PACKET, SOCK_RAW, 0)        protocol 0: nothing arrives yet
 *   ioctl(SIOCGIFHWADDR)                  what the frames start with
 *   setsockopt(SO_ATTACH_FILTER)          with --port/--proto: a filter
 *   bind(sockaddr_ll{ETH_P_ALL, ifindex}) now every frame of one interface
 *   setsockopt(SO_TIMESTAMP)              the kernel stamps each packet
 *   poll, recvmsg(MSG_TRUNC)              one frame and its timestamp
 * Opening with protocol 0 and naming ETH_P_ALL only in bind(2), after the
 * filter is in place, keeps unwanted frames out of the queue from the
 * start.  The headers are read by lib/decode.c, which never trusts a
 * length it is given.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "decode.h"
#include "sock.h"
#include "sys.h"

/* tcpdump's default snapshot length: the most of one frame kept. */
#define SNAPLEN (256 * 1024)

static struct {
	long count, port;
	double timeout;
	const char *proto;
	int hex, json;
} o;

static const struct opt sniff_opts[] = {
	OPT_NUM('c', "count", &o.count, "N",
		"stop after N packets (default: until interrupted)"),
	OPT_SECS('t', "timeout", &o.timeout,
		 "stop after S seconds; exits 75 if nothing was captured"),
	OPT_NUM('p', "port", &o.port, "PORT",
		"only TCP and UDP packets from or to PORT"),
	OPT_ONEOF(0, "proto", &o.proto, "PROTO", "tcp|udp",
		  "only packets of this transport protocol"),
	OPT_FLAG('x', "hex", &o.hex, "also dump each packet, hexdump -C style"),
	OPT_FLAG(0, "json", &o.json, "one JSON object per packet"),
	OPT_STOP
};

/* One capture: the socket, the self-pipe and what has been seen. */
struct capture {
	const char *iface;
	enum decode_link link;	/* what each frame starts with */
	int fd;
	int sig[2];		/* the self-pipe: read end, write end */
	unsigned char *buf;
	unsigned long packets;
	struct timeval start;
	double deadline;	/* CLOCK_MONOTONIC seconds, or 0 */
	int timed_out;		/* --timeout ended the capture */
	int reader_gone;	/* stdout is a pipe whose reader left */
	const char *what;	/* on failure: the interface or "stdout" */
};

/*
 * SIGINT and SIGTERM end the capture through a self-pipe: the handler
 * writes a byte, and poll(2) wakes on it.  Setting a flag alone would
 * race with poll: a signal between the test and the call would be missed
 * until the next packet.  write(2) is async-signal-safe (see
 * signal-safety(7)); the traced sys_write is not, so the handler uses
 * the raw call.
 */
static int sig_write_fd = -1;

static void
on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;
	ssize_t n;

	n = write(sig_write_fd, &c, 1);
	(void)n;
	errno = saved;
}

/* "HH:MM:SS.uuuuuu" in local time, as tcpdump prints. */
static void
format_time(const struct timeval *tv, char *buf, size_t size)
{
	struct tm tm;

	localtime_r(&tv->tv_sec, &tm);
	snprintf(buf, size, "%02d:%02d:%02d.%06ld", tm.tm_hour, tm.tm_min,
		 tm.tm_sec, (long)tv->tv_usec);
}

static void
mac_text(const uint8_t *m, char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		 m[3], m[4], m[5]);
}

/* The protocol --proto asks for: IPPROTO_TCP, IPPROTO_UDP, or 0 for both. */
static int
proto_wanted(void)
{
	if (o.proto == NULL)
		return 0;
	return strcmp(o.proto, "tcp") == 0 ? IPPROTO_TCP : IPPROTO_UDP;
}

/*
 * Does the packet pass --proto and --port?  The kernel filter asked the
 * same at fixed offsets; asking the decoder too drops a malformed packet
 * the filter let through (an IPv4 header length below 20 bytes puts the
 * "ports" somewhere else).
 */
static int
wanted(const struct decode_pkt *p)
{
	int proto = proto_wanted();

	if (proto == 0 && o.port == 0)
		return 1;
	if (!p->has_l4 || (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP))
		return 0;
	if (proto != 0 && p->proto != proto)
		return 0;
	return o.port == 0 || p->sport == o.port || p->dport == o.port;
}

/* The network and transport fields of a JSON record. */
static void
json_ip(json_t *r, const struct decode_pkt *p)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], s[16];
	int family = p->addr_len == 16 ? AF_INET6 : AF_INET;

	json_object_set_new(r, "src", json_string(inet_ntop(family, p->src,
							    src, sizeof(src))));
	json_object_set_new(r, "dst", json_string(inet_ntop(family, p->dst,
							    dst, sizeof(dst))));
	json_object_set_new(r, "ttl", json_integer(p->ttl));
	json_object_set_new(r, "protocol", json_string(decode_proto(p->proto,
								    s)));
	json_object_set_new(r, "ip_payload", json_integer((json_int_t)
							  p->ip_payload));
	if (p->fragment)
		json_object_set_new(r, "fragment", json_true());
	if (!p->has_l4)
		return;
	if (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) {
		json_object_set_new(r, "sport", json_integer(p->sport));
		json_object_set_new(r, "dport", json_integer(p->dport));
		json_object_set_new(r, "payload", json_integer((json_int_t)
							       p->payload));
	}
	if (p->proto == IPPROTO_TCP) {
		json_object_set_new(r, "flags", json_string(
			decode_tcp_flags(p->tcp_flags, s)));
		json_object_set_new(r, "seq", json_integer(p->seq));
		if (p->tcp_flags & DECODE_TCP_ACK)
			json_object_set_new(r, "ack", json_integer(p->ack));
		json_object_set_new(r, "win", json_integer(p->win));
	} else if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) {
		json_object_set_new(r, "icmp_type", json_integer(p->icmp_type));
		json_object_set_new(r, "icmp_code", json_integer(p->icmp_code));
	}
}

/* One packet as a JSON record: every decoded field, and the line. */
static json_t *
packet_json(const struct capture *c, const struct decode_pkt *p,
	    const char *when, const struct timeval *tv, int out, size_t len,
	    const char *line)
{
	char mac[18], type[8], a[INET_ADDRSTRLEN];
	json_t *r;

	r = json_pack("{s:s, s:I, s:s, s:s, s:I, s:I}", "time", when,
		      "time_us", (json_int_t)tv->tv_sec * 1000000 + tv->tv_usec,
		      "interface", c->iface, "direction", out ? "out" : "in",
		      "length", (json_int_t)len, "captured",
		      (json_int_t)p->caplen);
	if (p->has_eth) {
		mac_text(p->eth_src, mac);
		json_object_set_new(r, "src_mac", json_string(mac));
		mac_text(p->eth_dst, mac);
		json_object_set_new(r, "dst_mac", json_string(mac));
	}
	if (p->vlan >= 0)
		json_object_set_new(r, "vlan", json_integer(p->vlan));
	if (p->ethertype != 0)
		json_object_set_new(r, "ethertype", json_string(
			decode_ethertype(p->ethertype, type)));
	if (p->net == DECODE_NET_IPV4 || p->net == DECODE_NET_IPV6)
		json_ip(r, p);
	if (p->net == DECODE_NET_ARP) {
		json_object_set_new(r, "arp_op", json_integer(p->arp_op));
		if (p->arp_ether_ipv4) {
			json_object_set_new(r, "sender", json_string(inet_ntop(
				AF_INET, p->arp_spa, a, sizeof(a))));
			json_object_set_new(r, "target", json_string(inet_ntop(
				AF_INET, p->arp_tpa, a, sizeof(a))));
		}
	}
	if (p->error != NULL)
		json_object_set_new(r, "error", json_string(p->error));
	json_object_set_new(r, "summary", json_string(line));
	return r;
}

/*
 * Print one frame, if the filters let it through: the line (or a JSON
 * record) and, with --hex, its bytes.  Returns 1 when it was printed,
 * 0 when filtered out, -1 with errno when stdout failed.
 */
static int
show(struct capture *c, const struct sockaddr_ll *ll, size_t caplen,
     size_t len, const struct timeval *tv)
{
	struct decode_pkt p;
	char when[32], line[512];
	int out = ll->sll_pkttype == PACKET_OUTGOING;
	double since;
	json_t *r;

	decode_packet(c->buf, caplen, c->link, &p);
	if (!wanted(&p))
		return 0;
	format_time(tv, when, sizeof(when));
	decode_format(&p, line, sizeof(line));
	if (o.json) {
		r = packet_json(c, &p, when, tv, out, len, line);
		out_json_line(stdout, r);
		json_decref(r);
	} else {
		printf("%s %s %c %s\n", when, c->iface, out ? '>' : '<', line);
	}
	if (o.hex) {
		since = (double)(tv->tv_sec - c->start.tv_sec) +
			(double)(tv->tv_usec - c->start.tv_usec) / 1e6;
		out_hexdump(stdout, out ? '>' : '<', c->buf, caplen, NULL,
			    since);
	}
	/* Flushed per packet, so a pipe into grep sees it at once. */
	if (fflush(stdout) == EOF || ferror(stdout)) {
		/* EPIPE: the reader left (| head); that ends the capture. */
		if (errno == EPIPE) {
			c->reader_gone = 1;
			return 0;
		}
		c->what = "stdout";
		return -1;
	}
	return 1;
}

/*
 * Receive one frame and show it.  MSG_TRUNC makes recvmsg(2) return the
 * frame's real length even when SNAPLEN cut it; the SO_TIMESTAMP control
 * message holds the time the kernel received it.  Returns as show().
 */
static int
receive(struct capture *c)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct timeval))];
	} control;
	struct sockaddr_ll ll;
	struct iovec iov = { c->buf, SNAPLEN };
	struct msghdr msg = {
		.msg_name = &ll, .msg_namelen = sizeof(ll),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control),
	};
	struct cmsghdr *cm;
	struct timeval tv;
	ssize_t n;

	/*
	 * No MSG_CMSG_CLOEXEC here: a packet socket carries no descriptors
	 * and refuses any flag but MSG_PEEK, MSG_DONTWAIT, MSG_TRUNC and
	 * MSG_ERRQUEUE with EINVAL.
	 */
	n = sys_recvmsg(c->fd, &msg, MSG_TRUNC);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n < 0) {
		c->what = c->iface;
		return -1;
	}
	/*
	 * On a loopback device every packet is seen twice: leaving
	 * (PACKET_OUTGOING) and arriving.  Keep only the arrival.
	 */
	if (ll.sll_pkttype == PACKET_OUTGOING &&
	    ll.sll_hatype == ARPHRD_LOOPBACK)
		return 0;
	gettimeofday(&tv, NULL);
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_TIMESTAMP &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(tv)))
			memcpy(&tv, CMSG_DATA(cm), sizeof(tv));
	return show(c, &ll, (size_t)n < SNAPLEN ? (size_t)n : SNAPLEN,
		    (size_t)n, &tv);
}

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Milliseconds left for poll(2), rounded up; -1 without a deadline. */
static int
ms_left(const struct capture *c)
{
	double ms;

	if (c->deadline == 0)
		return -1;
	ms = (c->deadline - mono_now()) * 1000 + 0.999;
	return ms < 0 ? 0 : ms > 1e9 ? 1000000000 : (int)ms;
}

/*
 * Wait for frames until --count, --timeout, a signal, or the reader of
 * stdout leaving.  Returns 0, or -1 with errno and c->what set.
 */
static int
capture_loop(struct capture *c)
{
	struct pollfd pfd[2] = {
		{ .fd = c->fd, .events = POLLIN },
		{ .fd = c->sig[0], .events = POLLIN },
	};
	int n, shown;

	c->what = c->iface;
	if (o.timeout > 0)
		c->deadline = mono_now() + o.timeout;
	while ((o.count == 0 || c->packets < (unsigned long)o.count) &&
	       !c->reader_gone) {
		n = sys_poll(pfd, 2, ms_left(c));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			c->timed_out = 1;
			return 0;
		}
		/* SIGINT or SIGTERM, through the self-pipe. */
		if (pfd[1].revents)
			return 0;
		/* See packet(7): the interface went away or down. */
		if ((pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) &&
		    !(pfd[0].revents & POLLIN)) {
			errno = ENETDOWN;
			return -1;
		}
		shown = receive(c);
		if (shown < 0)
			return -1;
		c->packets += (unsigned long)shown;
	}
	return 0;
}

/*
 * The link type of the interface (see netdevice(7)): loopback and
 * Ethernet frames start with a 14-byte Ethernet header; tun devices and
 * the like hand over the IP packet alone.
 */
static int
link_type(struct capture *c)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", c->iface);
	if (sys_ioctl(c->fd, SIOCGIFHWADDR, &ifr) < 0)
		return -1;
	c->link = ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER ||
		  ifr.ifr_hwaddr.sa_family == ARPHRD_LOOPBACK ?
		  DECODE_LINK_ETHER : DECODE_LINK_IP;
	return 0;
}

/*
 * --port and --proto as a classic BPF program that the kernel runs on
 * every frame before queueing it (see socket(7), SO_ATTACH_FILTER), so a
 * busy interface does not fill the queue with frames we would drop.
 */
static int
attach_filter(const struct capture *c)
{
	struct sock_filter prog[DECODE_BPF_LEN];
	struct sock_fprog fprog = { .len = DECODE_BPF_LEN, .filter = prog };

	decode_bpf(c->link, proto_wanted(), (unsigned)o.port, SNAPLEN, prog);
	return sys_setsockopt(c->fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog,
			      sizeof(fprog));
}

/*
 * Open the socket on interface index ifindex.  Returns 0, or a sysexits
 * code after reporting what failed.
 */
static int
open_capture(struct cli *cli, struct capture *c, unsigned ifindex)
{
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = (int)ifindex,
	};
	int on = 1;

	c->fd = sys_socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return fail(cli, "socket(AF_PACKET)", errno,
			    errno == EPERM || errno == EACCES ?
			    "needs CAP_NET_RAW: run as root, or "
			    "`sudo setcap cap_net_raw+ep $(command -v ipc)`" :
			    NULL);
	if (link_type(c) < 0)
		return fail(cli, c->iface, errno, NULL);
	if ((o.port != 0 || o.proto != NULL) && attach_filter(c) < 0)
		return fail(cli, "SO_ATTACH_FILTER", errno, NULL);
	if (sys_bind(c->fd, (struct sockaddr *)&ll, sizeof(ll)) < 0)
		return fail(cli, c->iface, errno, NULL);
	if (sys_setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMP, &on,
			   sizeof(on)) < 0)
		return fail(cli, "SO_TIMESTAMP", errno, NULL);
	if (sys_pipe2(c->sig, O_CLOEXEC | O_NONBLOCK) < 0)
		return fail(cli, "pipe2", errno, NULL);
	return 0;
}

/* "N packets captured", and the kernel's drops if there were any. */
static void
summary(const struct capture *c)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);

	/* See packet(7): reading the counters also resets them. */
	if (sys_getsockopt(c->fd, SOL_PACKET, PACKET_STATISTICS, &st,
			   &len) < 0)
		st.tp_drops = 0;
	fprintf(stderr, "%lu packet%s captured", c->packets,
		c->packets == 1 ? "" : "s");
	if (st.tp_drops > 0)
		fprintf(stderr, ", %u dropped by the kernel", st.tp_drops);
	fputc('\n', stderr);
}

static int
run_sniff(struct cli *cli)
{
	struct capture c = { .iface = cli->argc ? cli->argv[0] : "lo",
			     .fd = -1, .sig = { -1, -1 } };
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	unsigned ifindex;
	int rc, ret;

	if (o.count < 0)
		return usage_error(cli, "--count: must be 0 or more");
	if (o.port < 0 || o.port > 65535)
		return usage_error(cli, "--port: not a port number: %ld",
				   o.port);
	/* See if_nametoindex(3); it needs no privilege. */
	ifindex = if_nametoindex(c.iface);
	if (ifindex == 0 && errno != ENODEV)
		return fail(cli, c.iface, errno, NULL);
	if (ifindex == 0) {
		out_error(cli->prog, c.iface, ENODEV);
		out_hint("no interface of that name; 'ipc sock netlink' lists "
			 "them");
		return EX_USAGE_;
	}
	c.buf = malloc(SNAPLEN);
	if (c.buf == NULL)
		return fail(cli, "malloc", errno, NULL);
	rc = open_capture(cli, &c, ifindex);
	if (rc != 0)
		goto out;

	/* No SA_RESTART: poll(2) is never restarted anyway; see signal(7). */
	sig_write_fd = c.sig[1];
	sigemptyset(&sa.sa_mask);
	if (sys_sigaction(SIGINT, &sa, &old_int) < 0) {
		rc = fail(cli, "sigaction", errno, NULL);
		goto out;
	}
	if (sys_sigaction(SIGTERM, &sa, &old_term) < 0) {
		rc = fail(cli, "sigaction", errno, NULL);
		sys_sigaction(SIGINT, &old_int, NULL);
		goto out;
	}
	fprintf(stderr, "listening %s\n", c.iface);
	gettimeofday(&c.start, NULL);
	ret = capture_loop(&c);
	sys_sigaction(SIGINT, &old_int, NULL);
	sys_sigaction(SIGTERM, &old_term, NULL);
	if (ret < 0) {
		rc = fail(cli, c.what, errno, NULL);
		goto out;
	}
	summary(&c);
	if (c.timed_out && c.packets == 0) {
		out_errorf(cli->prog, "%s: no packet in %gs", c.iface,
			   o.timeout);
		out_hint("is there traffic on %s? check --port and --proto",
			 c.iface);
		rc = EX_TEMPFAIL_;
	}
out:
	if (c.fd >= 0)
		sys_close(c.fd);
	if (c.sig[0] >= 0) {
		sys_close(c.sig[0]);
		sys_close(c.sig[1]);
	}
	sig_write_fd = -1;
	free(c.buf);
	return rc;
}

const struct verb sock_sniff_verb = {
	.name = "sniff",
	.summary = "capture packets on an interface and decode their headers",
	.usage = "[IFACE]",
	.description =
		"Opens an AF_PACKET socket (see packet(7)) on IFACE, lo by "
		"default, and prints one line per packet: the kernel's "
		"receive time, the interface, the direction ('<' arriving, "
		"'>' leaving), then the Ethernet, IPv4 or IPv6, and TCP, UDP "
		"or ICMP headers, decoded like tcpdump: addresses and ports, "
		"TCP flags ([S] SYN, [S.] SYN-ACK, [.] ACK, [P.] data, [F.] "
		"FIN, [R] reset), sequence numbers, window and payload length.  "
		"ARP and other ethertypes get a short line.  A header cut "
		"short or with a lying length field is named in brackets.  "
		"On a loopback interface each packet passes twice, leaving "
		"and arriving; only the arrival is shown.  --port and --proto "
		"become a classic BPF program attached with SO_ATTACH_FILTER "
		"before bind(2), so the kernel drops other packets before "
		"they are queued; like tcpdump's 'port N' it looks for the "
		"ports right after the IP header (no IPv6 extension headers, "
		"no VLAN tags).  "
		"The capture ends after --count packets, after --timeout "
		"(exit 75 if nothing was captured), or on SIGINT or SIGTERM, "
		"and then prints \"N packets captured\" on stderr.  Capturing "
		"needs CAP_NET_RAW: without it socket(2) fails with EPERM and "
		"the exit status is 77.",
	.examples = (const char *const[]){
		"sudo ipc sock sniff\tevery packet on lo, until Ctrl-C",
		"sudo ipc sock sniff --port 8080 --count 3 lo"
		"\ta TCP handshake: [S], [S.], [.]",
		"sudo ipc sock sniff --proto udp --hex eth0"
		"\tUDP on eth0, with each packet's bytes",
		"sudo ipc sock sniff --json --timeout 5\tfive seconds of JSON records",
		NULL },
	.opts = sniff_opts,
	.min_args = 0, .max_args = 1,
	.args_hint = "@iface",
	.run = run_sniff,
};
