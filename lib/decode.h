/*
 * decode.h - read the headers of a captured packet: Ethernet (with one
 * 802.1Q tag), ARP, IPv4, IPv6 (walking its extension headers), TCP, UDP
 * and ICMP.  The decoder is a pure function over (buf, len): it never reads
 * past len, however the headers lie, never allocates and never prints.
 * `ipc sock sniff` feeds it what an AF_PACKET socket returns.
 */
#ifndef IPC_DECODE_H
#define IPC_DECODE_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

/* What the first byte of the buffer is. */
enum decode_link {
	DECODE_LINK_ETHER,	/* an Ethernet header (ARPHRD_ETHER, ARPHRD_LOOPBACK) */
	DECODE_LINK_IP,		/* an IP header at once (ARPHRD_NONE: tun, wireguard) */
};

/* How far the decoder got: each layer is filled when its header fitted. */
enum decode_net {
	DECODE_NET_NONE,	/* not even a whole link header */
	DECODE_NET_IPV4,
	DECODE_NET_IPV6,
	DECODE_NET_ARP,
	DECODE_NET_OTHER,	/* an ethertype the decoder does not read */
};

/* TCP flag bits, as in the header's 13th byte; see RFC 9293. */
enum {
	DECODE_TCP_FIN = 0x01, DECODE_TCP_SYN = 0x02, DECODE_TCP_RST = 0x04,
	DECODE_TCP_PSH = 0x08, DECODE_TCP_ACK = 0x10, DECODE_TCP_URG = 0x20,
	DECODE_TCP_ECE = 0x40, DECODE_TCP_CWR = 0x80,
};

struct decode_pkt {
	size_t caplen;			/* bytes the decoder was given */

	/* Link layer (DECODE_LINK_ETHER). */
	int has_eth;
	uint8_t eth_dst[6], eth_src[6];
	int vlan;			/* 802.1Q VLAN id, or -1 */
	uint16_t ethertype;		/* 0x0800 IPv4, 0x86dd IPv6, 0x0806 ARP */

	enum decode_net net;

	/* IPv4 or IPv6: addresses in network order, addr_len 4 or 16. */
	int addr_len;
	uint8_t src[16], dst[16];
	int ttl;			/* TTL or hop limit */
	int fragment;			/* a later fragment: no transport header */
	int proto;			/* the transport protocol (IPPROTO_TCP ...) */
	size_t ip_payload;		/* transport bytes, from the IP header */

	/* ARP: the addresses only for Ethernet and IPv4 (arp_ether_ipv4). */
	int arp_op;			/* 1 request, 2 reply */
	int arp_ether_ipv4;
	uint8_t arp_sha[6], arp_spa[4], arp_tha[6], arp_tpa[4];

	/* Transport: has_l4 says the TCP, UDP or ICMP header fitted. */
	int has_l4;
	uint16_t sport, dport;		/* host order */
	uint32_t seq, ack;		/* TCP, host order */
	uint8_t tcp_flags;
	uint16_t win;
	int icmp_type, icmp_code;	/* ICMP and ICMPv6 */
	size_t payload;			/* bytes after the TCP or UDP header */

	/*
	 * NULL when every header the decoder reads was whole and sane;
	 * otherwise what was not ("IPv4 header truncated").  The fields
	 * of the layers before it stay valid.
	 */
	const char *error;
};

/*
 * Decode buf (len bytes, starting with a link header as link says) into
 * *p.  Returns 0, or -1 when a header was truncated or malformed (p->error
 * says which; everything decoded before it is kept).
 */
int decode_packet(const void *buf, size_t len, enum decode_link link,
		  struct decode_pkt *p);

/*
 * The packet as one tcpdump-like line, without time or interface:
 *   "IPv4 127.0.0.1:45678 > 127.0.0.1:8080 TCP [S] seq 1 win 65495 len 0"
 * Returns what snprintf(3) returns: the length the whole line needs.
 */
int decode_format(const struct decode_pkt *p, char *buf, size_t size);

/* TCP flags the way tcpdump writes them: "S", "S.", "P.", "F.", "R". */
const char *decode_tcp_flags(uint8_t flags, char buf[16]);

/* "IPv4", "IPv6", "ARP", or "0x88cc" (into buf) for an ethertype. */
const char *decode_ethertype(uint16_t type, char buf[8]);

/* "TCP", "UDP", "ICMP", "ICMPv6", or the number (into buf). */
const char *decode_proto(int proto, char buf[8]);

/*
 * A classic BPF program (see socket(7), SO_ATTACH_FILTER) that passes
 * TCP and UDP packets over IPv4 or IPv6 of one protocol (proto
 * IPPROTO_TCP or IPPROTO_UDP; 0 for both) from or to one port (0 for
 * any), keeping snaplen bytes of each.  It reads the headers at fixed
 * places, as tcpdump's "tcp port N" does: no VLAN tag, no IPv6 extension
 * header, no later IPv4 fragment, so it passes no more than the decoder
 * would.  Fills all DECODE_BPF_LEN instructions of prog.
 */
#define DECODE_BPF_LEN 22
void decode_bpf(enum decode_link link, int proto, unsigned port,
		unsigned snaplen, struct sock_filter prog[DECODE_BPF_LEN]);

#endif
