/*
 * decode.c - packet headers, read with a bounds check before every field;
 * see decode.h.
 *
 * Each layer gets a pointer and the number of bytes that are really there,
 * and the length fields inside a header (IPv4 total length, IPv6 payload
 * length, TCP data offset, UDP length) only ever shrink that number: a
 * header that claims more than was captured is reported, never believed.
 * The layouts are those of RFC 791 (IPv4), RFC 8200 (IPv6), RFC 9293
 * (TCP), RFC 768 (UDP), RFC 826 (ARP) and IEEE 802.3/802.1Q.
 *
 * decode_bpf() asks the same questions as a classic BPF program for the
 * kernel; see the kernel's Documentation/networking/filter.rst.
 */
#include "decode.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum {
	ETHER_HDR = 14,		/* dst, src, type */
	VLAN_TAG = 4,		/* TCI and the inner type */
	IPV4_HDR = 20,		/* without options */
	IPV6_HDR = 40,
	IPV6_EXT_MAX = 8,	/* extension headers walked before giving up */
	TCP_HDR = 20,		/* without options */
	UDP_HDR = 8,
	ICMP_HDR = 4,		/* type, code, checksum */
	ARP_HDR = 8,		/* the fixed part, before the addresses */
	ARP_ETHER_IPV4 = 28,	/* with Ethernet and IPv4 addresses */
};

enum {
	TYPE_IPV4 = 0x0800, TYPE_ARP = 0x0806, TYPE_VLAN = 0x8100,
	TYPE_IPV6 = 0x86dd,
};

/* Fields are big-endian on the wire ("network order"). */
static uint16_t
get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t
get32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

/* Record what was wrong and return -1: decoding stops at this layer. */
static int
bad(struct decode_pkt *p, const char *why)
{
	p->error = why;
	return -1;
}

/* TCP, UDP or ICMP, from len bytes at b; other protocols stay opaque. */
static int
transport(struct decode_pkt *p, const uint8_t *b, size_t len)
{
	size_t hlen, ulen;

	switch (p->proto) {
	case IPPROTO_TCP:
		if (len < TCP_HDR)
			return bad(p, "TCP header truncated");
		p->sport = get16(b);
		p->dport = get16(b + 2);
		p->seq = get32(b + 4);
		p->ack = get32(b + 8);
		p->tcp_flags = b[13];
		p->win = get16(b + 14);
		p->has_l4 = 1;
		hlen = (size_t)(b[12] >> 4) * 4;
		if (hlen < TCP_HDR)
			return bad(p, "TCP data offset below 20 bytes");
		if (hlen > len)
			return bad(p, "TCP options truncated");
		p->payload = p->ip_payload - hlen;
		return 0;
	case IPPROTO_UDP:
		if (len < UDP_HDR)
			return bad(p, "UDP header truncated");
		p->sport = get16(b);
		p->dport = get16(b + 2);
		p->has_l4 = 1;
		ulen = get16(b + 4);
		if (ulen < UDP_HDR || ulen > p->ip_payload)
			return bad(p, "UDP length disagrees with the IP header");
		p->payload = ulen - UDP_HDR;
		return 0;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (len < ICMP_HDR)
			return bad(p, "ICMP header truncated");
		p->icmp_type = b[0];
		p->icmp_code = b[1];
		p->has_l4 = 1;
		return 0;
	default:
		return 0;
	}
}

static int
ipv4(struct decode_pkt *p, const uint8_t *b, size_t len)
{
	size_t hlen, total;

	if (len < IPV4_HDR)
		return bad(p, "IPv4 header truncated");
	if (b[0] >> 4 != 4)
		return bad(p, "IPv4 header with another version number");
	p->net = DECODE_NET_IPV4;
	p->addr_len = 4;
	memcpy(p->src, b + 12, 4);
	memcpy(p->dst, b + 16, 4);
	p->ttl = b[8];
	p->proto = b[9];
	hlen = (size_t)(b[0] & 0x0f) * 4;
	if (hlen < IPV4_HDR)
		return bad(p, "IPv4 header length below 20 bytes");
	if (hlen > len)
		return bad(p, "IPv4 options truncated");
	total = get16(b + 2);
	/* A TSO or BIG TCP packet may carry 0 here; the capture counts. */
	if (total == 0)
		total = len;
	if (total < hlen)
		return bad(p, "IPv4 total length below its header length");
	p->ip_payload = total - hlen;
	/* Only the first fragment holds the transport header. */
	if (get16(b + 6) & 0x1fff) {
		p->fragment = 1;
		return 0;
	}
	return transport(p, b + hlen, (total < len ? total : len) - hlen);
}

static int
ipv6(struct decode_pkt *p, const uint8_t *b, size_t len)
{
	size_t plen, end, off, hlen;
	int next, i;

	if (len < IPV6_HDR)
		return bad(p, "IPv6 header truncated");
	if (b[0] >> 4 != 6)
		return bad(p, "IPv6 header with another version number");
	p->net = DECODE_NET_IPV6;
	p->addr_len = 16;
	memcpy(p->src, b + 8, 16);
	memcpy(p->dst, b + 24, 16);
	p->ttl = b[7];
	next = b[6];
	plen = get16(b + 4);
	/* A jumbogram (RFC 2675) or BIG TCP packet says 0 here. */
	if (plen == 0)
		plen = len - IPV6_HDR;
	end = IPV6_HDR + plen < len ? IPV6_HDR + plen : len;
	off = IPV6_HDR;
	for (i = 0; i < IPV6_EXT_MAX; i++) {
		switch (next) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if (end - off < 8)
				return bad(p, "IPv6 extension header truncated");
			/* Length in 8-byte units, not counting the first 8. */
			hlen = ((size_t)b[off + 1] + 1) * 8;
			if (hlen > end - off)
				return bad(p, "IPv6 extension header truncated");
			next = b[off];
			off += hlen;
			break;
		case IPPROTO_FRAGMENT:
			if (end - off < 8)
				return bad(p, "IPv6 fragment header truncated");
			next = b[off];
			p->fragment = (get16(b + off + 2) & 0xfff8) != 0;
			off += 8;
			if (p->fragment) {
				p->proto = next;
				p->ip_payload = plen - (off - IPV6_HDR);
				return 0;
			}
			break;
		default:
			p->proto = next;
			p->ip_payload = plen - (off - IPV6_HDR);
			return transport(p, b + off, end - off);
		}
	}
	return bad(p, "too many IPv6 extension headers");
}

static int
arp(struct decode_pkt *p, const uint8_t *b, size_t len)
{
	if (len < ARP_HDR)
		return bad(p, "ARP header truncated");
	p->net = DECODE_NET_ARP;
	p->arp_op = get16(b + 6);
	/* Hardware type 1 is Ethernet; see RFC 826. */
	if (get16(b) != 1 || get16(b + 2) != TYPE_IPV4 || b[4] != 6 ||
	    b[5] != 4)
		return 0;
	if (len < ARP_ETHER_IPV4)
		return bad(p, "ARP addresses truncated");
	p->arp_ether_ipv4 = 1;
	memcpy(p->arp_sha, b + 8, 6);
	memcpy(p->arp_spa, b + 14, 4);
	memcpy(p->arp_tha, b + 18, 6);
	memcpy(p->arp_tpa, b + 24, 4);
	return 0;
}

int
decode_packet(const void *buf, size_t len, enum decode_link link,
	      struct decode_pkt *p)
{
	const uint8_t *b = buf;
	size_t off = 0;
	uint16_t type;

	memset(p, 0, sizeof(*p));
	p->caplen = len;
	p->vlan = -1;
	p->icmp_type = -1;
	if (link == DECODE_LINK_IP) {
		/* No link header: the IP version nibble says which. */
		if (len < 1)
			return bad(p, "empty packet");
		type = b[0] >> 4 == 6 ? TYPE_IPV6 : TYPE_IPV4;
	} else {
		if (len < ETHER_HDR)
			return bad(p, "Ethernet header truncated");
		p->has_eth = 1;
		memcpy(p->eth_dst, b, 6);
		memcpy(p->eth_src, b + 6, 6);
		type = get16(b + 12);
		off = ETHER_HDR;
		if (type == TYPE_VLAN) {
			if (len < ETHER_HDR + VLAN_TAG)
				return bad(p, "802.1Q tag truncated");
			p->vlan = get16(b + 14) & 0x0fff;
			type = get16(b + 16);
			off += VLAN_TAG;
		}
	}
	p->ethertype = type;
	switch (type) {
	case TYPE_IPV4:
		return ipv4(p, b + off, len - off);
	case TYPE_IPV6:
		return ipv6(p, b + off, len - off);
	case TYPE_ARP:
		return arp(p, b + off, len - off);
	default:
		p->net = DECODE_NET_OTHER;
		return 0;
	}
}

/* ---- one line of text ---- */

/* A line built piece by piece; len counts what it would need, as snprintf. */
struct line {
	char *buf;
	size_t size, len;
};

static void __attribute__((format(printf, 2, 3)))
put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(l->len < l->size ? l->buf + l->len : NULL,
		      l->len < l->size ? l->size - l->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n;
}

const char *
decode_tcp_flags(uint8_t flags, char buf[16])
{
	/* tcpdump's order, with '.' for ACK. */
	static const struct {
		uint8_t bit;
		char c;
	} names[] = {
		{ DECODE_TCP_FIN, 'F' }, { DECODE_TCP_SYN, 'S' },
		{ DECODE_TCP_RST, 'R' }, { DECODE_TCP_PSH, 'P' },
		{ DECODE_TCP_ACK, '.' }, { DECODE_TCP_URG, 'U' },
		{ DECODE_TCP_ECE, 'E' }, { DECODE_TCP_CWR, 'W' },
	};
	size_t i, n = 0;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (flags & names[i].bit)
			buf[n++] = names[i].c;
	buf[n] = '\0';
	return n > 0 ? buf : "none";
}

const char *
decode_ethertype(uint16_t type, char buf[8])
{
	switch (type) {
	case TYPE_IPV4:
		return "IPv4";
	case TYPE_IPV6:
		return "IPv6";
	case TYPE_ARP:
		return "ARP";
	default:
		snprintf(buf, 8, "0x%04x", type);
		return buf;
	}
}

const char *
decode_proto(int proto, char buf[8])
{
	switch (proto) {
	case IPPROTO_TCP:
		return "TCP";
	case IPPROTO_UDP:
		return "UDP";
	case IPPROTO_ICMP:
		return "ICMP";
	case IPPROTO_ICMPV6:
		return "ICMPv6";
	default:
		snprintf(buf, 8, "%d", proto & 0xff);
		return buf;
	}
}

/* The ICMP messages a learner meets on loopback; see RFC 792, RFC 4443. */
static const char *
icmp_name(int proto, int type)
{
	static const struct {
		int proto, type;
		const char *name;
	} names[] = {
		{ IPPROTO_ICMP, 0, "echo reply" },
		{ IPPROTO_ICMP, 3, "unreachable" },
		{ IPPROTO_ICMP, 8, "echo request" },
		{ IPPROTO_ICMP, 11, "time exceeded" },
		{ IPPROTO_ICMPV6, 1, "unreachable" },
		{ IPPROTO_ICMPV6, 3, "time exceeded" },
		{ IPPROTO_ICMPV6, 128, "echo request" },
		{ IPPROTO_ICMPV6, 129, "echo reply" },
		{ IPPROTO_ICMPV6, 133, "router solicitation" },
		{ IPPROTO_ICMPV6, 134, "router advertisement" },
		{ IPPROTO_ICMPV6, 135, "neighbor solicitation" },
		{ IPPROTO_ICMPV6, 136, "neighbor advertisement" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].proto == proto && names[i].type == type)
			return names[i].name;
	return NULL;
}

/* "127.0.0.1" and "::1", with ":PORT" ("[::1]:PORT") when port >= 0. */
static void
put_addr(struct line *l, const struct decode_pkt *p, const uint8_t *a,
	 int port)
{
	char s[INET6_ADDRSTRLEN];
	int v6 = p->addr_len == 16;

	inet_ntop(v6 ? AF_INET6 : AF_INET, a, s, sizeof(s));
	if (port < 0)
		put(l, "%s", s);
	else
		put(l, v6 ? "[%s]:%d" : "%s:%d", s, port);
}

static void
put_ip(struct line *l, const struct decode_pkt *p)
{
	int ports = p->has_l4 &&
		    (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP);
	char flags[16], num[8];
	const char *icmp;

	put(l, "%s ", p->net == DECODE_NET_IPV4 ? "IPv4" : "IPv6");
	put_addr(l, p, p->src, ports ? p->sport : -1);
	put(l, " > ");
	put_addr(l, p, p->dst, ports ? p->dport : -1);
	put(l, " %s", decode_proto(p->proto, num));
	if (p->fragment) {
		put(l, " fragment len %zu", p->ip_payload);
	} else if (!p->has_l4) {
		put(l, " len %zu", p->ip_payload);
	} else if (p->proto == IPPROTO_TCP) {
		put(l, " [%s] seq %u", decode_tcp_flags(p->tcp_flags, flags),
		    (unsigned)p->seq);
		if (p->tcp_flags & DECODE_TCP_ACK)
			put(l, " ack %u", (unsigned)p->ack);
		put(l, " win %u len %zu", (unsigned)p->win, p->payload);
	} else if (p->proto == IPPROTO_UDP) {
		put(l, " len %zu", p->payload);
	} else {
		icmp = icmp_name(p->proto, p->icmp_type);
		if (icmp != NULL)
			put(l, " %s", icmp);
		else
			put(l, " type %d code %d", p->icmp_type, p->icmp_code);
		put(l, " len %zu", p->ip_payload);
	}
}

static void
put_arp(struct line *l, const struct decode_pkt *p)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	const uint8_t *m = p->arp_sha;

	if (!p->arp_ether_ipv4) {
		put(l, "ARP op %d", p->arp_op);
		return;
	}
	inet_ntop(AF_INET, p->arp_tpa, a, sizeof(a));
	inet_ntop(AF_INET, p->arp_spa, b, sizeof(b));
	if (p->arp_op == 1)
		put(l, "ARP who-has %s tell %s", a, b);
	else if (p->arp_op == 2)
		put(l, "ARP reply %s is-at %02x:%02x:%02x:%02x:%02x:%02x", b,
		    m[0], m[1], m[2], m[3], m[4], m[5]);
	else
		put(l, "ARP op %d %s > %s", p->arp_op, b, a);
}

int
decode_format(const struct decode_pkt *p, char *buf, size_t size)
{
	struct line l = { buf, size, 0 };
	char type[8];

	if (size > 0)
		buf[0] = '\0';
	if (p->vlan >= 0)
		put(&l, "vlan %d ", p->vlan);
	switch (p->net) {
	case DECODE_NET_IPV4:
	case DECODE_NET_IPV6:
		put_ip(&l, p);
		break;
	case DECODE_NET_ARP:
		put_arp(&l, p);
		break;
	case DECODE_NET_OTHER:
		put(&l, "ethertype %s len %zu",
		    decode_ethertype(p->ethertype, type), p->caplen);
		break;
	case DECODE_NET_NONE:
		put(&l, "%s len %zu", p->ethertype != 0 ?
		    decode_ethertype(p->ethertype, type) : "packet",
		    p->caplen);
		break;
	}
	if (p->error != NULL)
		put(&l, " [%s]", p->error);
	return l.len > INT_MAX ? -1 : (int)l.len;
}

/* ---- the same headers, read by the kernel ---- */

void
decode_bpf(enum decode_link link, int proto, unsigned port,
	   unsigned snaplen, struct sock_filter prog[DECODE_BPF_LEN])
{
	/* The IP header starts at [l], after the link header. */
	unsigned l = link == DECODE_LINK_ETHER ? ETHER_HDR : 0;
	/* The protocols that pass: TCP and UDP, or the one asked for. */
	unsigned p1 = proto == 0 ? IPPROTO_TCP : (unsigned)proto;
	unsigned p2 = proto == 0 ? IPPROTO_UDP : (unsigned)proto;
	enum { ACC = 20, REJ = 21 };	/* the two return instructions */
	/* jt and jf count instructions to skip: target - (this + 1). */
#define JUMP(i, k, t, f) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t) - (i) - 1, (f) - (i) - 1)
	/* Without a port every TCP or UDP packet passes: on to ACC. */
#define PORT(i, f) (port ? (struct sock_filter)JUMP(i, port, ACC, f) : \
	(struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, ACC - (i) - 1, 0, 0))
	const struct sock_filter p[DECODE_BPF_LEN] = {
		/* 0: the ethertype, which the kernel keeps for every frame. */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 (unsigned)SKF_AD_OFF + SKF_AD_PROTOCOL),
		JUMP(1, TYPE_IPV4, 2, 12),
		/* 2: IPv4: the protocol, not a later fragment, ... */
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, l + 9),
		JUMP(3, p1, 5, 4),
		JUMP(4, p2, 5, REJ),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, l + 6),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, REJ - 7, 0),
		/* 7: ... X = the header length (IHL * 4), then the ports. */
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, l),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, l),
		PORT(9, 10),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, l + 2),
		PORT(11, REJ),
		/* 12: IPv6: the next header, the ports after 40 bytes. */
		JUMP(12, TYPE_IPV6, 13, REJ),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, l + 6),
		JUMP(14, p1, 16, 15),
		JUMP(15, p2, 16, REJ),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, l + IPV6_HDR),
		PORT(17, 18),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, l + IPV6_HDR + 2),
		PORT(19, REJ),
		/* 20: ACC keeps snaplen bytes; 21: REJ keeps none. */
		BPF_STMT(BPF_RET | BPF_K, snaplen),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
#undef PORT
#undef JUMP

	memcpy(prog, p, sizeof(p));
}
