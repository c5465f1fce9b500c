/*
 * test_decode.c - the packet decoder on crafted packets: whole ones decode
 * to the expected line, and every truncated or lying one is reported
 * without a read out of bounds.  Each packet is copied into a buffer of
 * exactly its length, so AddressSanitizer (make asan) catches a read one
 * byte too far.
 */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "decode.h"

/* A packet under construction. */
struct pkt {
	uint8_t b[256];
	size_t len;
};

static void
put8(struct pkt *p, unsigned v)
{
	p->b[p->len++] = (uint8_t)v;
}

static void
put16(struct pkt *p, unsigned v)
{
	put8(p, v >> 8);
	put8(p, v);
}

static void
put32(struct pkt *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p, v & 0xffff);
}

static void
put_bytes(struct pkt *p, const void *src, size_t n)
{
	memcpy(p->b + p->len, src, n);
	p->len += n;
}

static void
put_zeros(struct pkt *p, size_t n)
{
	memset(p->b + p->len, 0, n);
	p->len += n;
}

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t lo4[4] = { 127, 0, 0, 1 };
static const uint8_t lo6[16] = { [15] = 1 };

static void
ether(struct pkt *p, unsigned type)
{
	put_bytes(p, mac_a, 6);
	put_bytes(p, mac_b, 6);
	put16(p, type);
}

/* An IPv4 header without options; total counts the header. */
static void
ipv4(struct pkt *p, unsigned proto, unsigned total, unsigned frag)
{
	put8(p, 0x45);
	put8(p, 0);
	put16(p, total);
	put16(p, 1);
	put16(p, frag);
	put8(p, 64);
	put8(p, proto);
	put16(p, 0);
	put_bytes(p, lo4, 4);
	put_bytes(p, lo4, 4);
}

static void
ipv6(struct pkt *p, unsigned next, unsigned plen)
{
	put32(p, 0x60000000);
	put16(p, plen);
	put8(p, next);
	put8(p, 64);
	put_bytes(p, lo6, 16);
	put_bytes(p, lo6, 16);
}

static void
tcp(struct pkt *p, unsigned sport, unsigned dport, uint32_t seq,
    uint32_t ack, unsigned flags, unsigned win, unsigned optlen)
{
	put16(p, sport);
	put16(p, dport);
	put32(p, seq);
	put32(p, ack);
	put8(p, ((20 + optlen) / 4) << 4);
	put8(p, flags);
	put16(p, win);
	put16(p, 0);
	put16(p, 0);
	put_zeros(p, optlen);
}

static void
udp(struct pkt *p, unsigned sport, unsigned dport, unsigned len)
{
	put16(p, sport);
	put16(p, dport);
	put16(p, len);
	put16(p, 0);
}

/* Decode the first len bytes of p from a buffer of exactly len bytes. */
static int
decode_exact(const struct pkt *p, size_t len, enum decode_link link,
	     struct decode_pkt *d)
{
	uint8_t *copy = malloc(len ? len : 1);
	int ret;

	assert_non_null(copy);
	memcpy(copy, p->b, len);
	ret = decode_packet(copy, len, link, d);
	free(copy);
	return ret;
}

/* Decode the whole packet and compare its line. */
static void
assert_line(const struct pkt *p, enum decode_link link, const char *want)
{
	struct decode_pkt d;
	char line[256];

	decode_exact(p, p->len, link, &d);
	decode_format(&d, line, sizeof(line));
	assert_string_equal(line, want);
}

/*
 * Every proper prefix of a packet whose headers end exactly at its end
 * must fail with a reason, and still format.
 */
static void
assert_every_prefix_fails(const struct pkt *p, enum decode_link link)
{
	struct decode_pkt d;
	char line[256];
	size_t len;

	for (len = 0; len < p->len; len++) {
		assert_int_equal(decode_exact(p, len, link, &d), -1);
		assert_non_null(d.error);
		assert_int_equal(d.caplen, len);
		assert_true(decode_format(&d, line, sizeof(line)) > 0);
	}
	assert_int_equal(decode_exact(p, p->len, link, &d), 0);
	assert_null(d.error);
}

static void
tcp_v4_syn(struct pkt *p)
{
	ether(p, 0x0800);
	ipv4(p, 6, 20 + 40, 0);
	tcp(p, 45678, 8080, 123, 0, 0x02, 65495, 20);
}

static void
test_tcp_syn(void **state)
{
	struct pkt p = { .len = 0 };
	struct decode_pkt d;

	(void)state;
	tcp_v4_syn(&p);
	assert_line(&p, DECODE_LINK_ETHER, "IPv4 127.0.0.1:45678 > "
		    "127.0.0.1:8080 TCP [S] seq 123 win 65495 len 0");
	assert_int_equal(decode_exact(&p, p.len, DECODE_LINK_ETHER, &d), 0);
	assert_true(d.has_eth);
	assert_memory_equal(d.eth_dst, mac_a, 6);
	assert_memory_equal(d.eth_src, mac_b, 6);
	assert_int_equal(d.ttl, 64);
	assert_int_equal(d.tcp_flags, DECODE_TCP_SYN);
	assert_every_prefix_fails(&p, DECODE_LINK_ETHER);
}

static void
test_tcp_data_with_ack(void **state)
{
	struct pkt p = { .len = 0 };

	(void)state;
	ether(&p, 0x0800);
	ipv4(&p, 6, 20 + 20 + 5, 0);
	tcp(&p, 8080, 45678, 1, 2, 0x18, 512, 0);
	put_bytes(&p, "hello", 5);
	assert_line(&p, DECODE_LINK_ETHER, "IPv4 127.0.0.1:8080 > "
		    "127.0.0.1:45678 TCP [P.] seq 1 ack 2 win 512 len 5");
}

static void
udp_v6_hopopts(struct pkt *p)
{
	ether(p, 0x86dd);
	ipv6(p, 0, 8 + 8);
	/* Hop-by-hop options: next header UDP, length 0 (8 bytes). */
	put8(p, 17);
	put8(p, 0);
	put_zeros(p, 6);
	udp(p, 5353, 53, 8);
}

static void
test_udp_v6_with_extension_header(void **state)
{
	struct pkt p = { .len = 0 };

	(void)state;
	udp_v6_hopopts(&p);
	assert_line(&p, DECODE_LINK_ETHER,
		    "IPv6 [::1]:5353 > [::1]:53 UDP len 0");
	assert_every_prefix_fails(&p, DECODE_LINK_ETHER);
}

static void
test_udp_payload(void **state)
{
	struct pkt p = { .len = 0 };

	(void)state;
	ether(&p, 0x86dd);
	ipv6(&p, 17, 8 + 4);
	udp(&p, 40000, 7, 8 + 4);
	put32(&p, 0xdeadbeef);
	assert_line(&p, DECODE_LINK_ETHER,
		    "IPv6 [::1]:40000 > [::1]:7 UDP len 4");
}

static void
arp(struct pkt *p, unsigned op)
{
	static const uint8_t a[4] = { 10, 0, 0, 2 }, b[4] = { 10, 0, 0, 1 };

	ether(p, 0x0806);
	put16(p, 1);
	put16(p, 0x0800);
	put8(p, 6);
	put8(p, 4);
	put16(p, op);
	put_bytes(p, mac_b, 6);
	put_bytes(p, a, 4);
	put_zeros(p, 6);
	put_bytes(p, b, 4);
}

static void
test_arp(void **state)
{
	struct pkt req = { .len = 0 }, reply = { .len = 0 };

	(void)state;
	arp(&req, 1);
	assert_line(&req, DECODE_LINK_ETHER, "ARP who-has 10.0.0.1 tell 10.0.0.2");
	assert_every_prefix_fails(&req, DECODE_LINK_ETHER);
	arp(&reply, 2);
	assert_line(&reply, DECODE_LINK_ETHER,
		    "ARP reply 10.0.0.2 is-at 02:00:00:00:00:0b");
}

static void
test_vlan(void **state)
{
	struct pkt p = { .len = 0 };

	(void)state;
	ether(&p, 0x8100);
	put16(&p, 5);
	put16(&p, 0x0800);
	ipv4(&p, 17, 20 + 8, 0);
	udp(&p, 1, 2, 8);
	assert_line(&p, DECODE_LINK_ETHER,
		    "vlan 5 IPv4 127.0.0.1:1 > 127.0.0.1:2 UDP len 0");
	assert_every_prefix_fails(&p, DECODE_LINK_ETHER);
}

static void
test_other_ethertype(void **state)
{
	struct pkt p = { .len = 0 };

	(void)state;
	ether(&p, 0x88cc);
	put_zeros(&p, 46);
	assert_line(&p, DECODE_LINK_ETHER, "ethertype 0x88cc len 60");
}

static void
test_raw_ip_link_and_icmp(void **state)
{
	struct pkt p = { .len = 0 };

	(void)state;
	ipv4(&p, 1, 20 + 64, 0);
	put8(&p, 8);
	put8(&p, 0);
	put_zeros(&p, 62);
	assert_line(&p, DECODE_LINK_IP,
		    "IPv4 127.0.0.1 > 127.0.0.1 ICMP echo request len 64");
}

static void
test_empty_raw_ip(void **state)
{
	struct pkt p = { .len = 0 };

	(void)state;
	assert_line(&p, DECODE_LINK_IP, "packet len 0 [empty packet]");
}

static void
test_ipv4_fragment_has_no_ports(void **state)
{
	struct pkt p = { .len = 0 };

	(void)state;
	ether(&p, 0x0800);
	ipv4(&p, 17, 20 + 8, 185);
	put_zeros(&p, 8);
	assert_line(&p, DECODE_LINK_ETHER,
		    "IPv4 127.0.0.1 > 127.0.0.1 UDP fragment len 8");
}

/* Headers whose length fields lie: each reports, none reads too far. */
static void
test_lying_lengths(void **state)
{
	struct pkt p;
	struct decode_pkt d;

	(void)state;
	/* IHL of 4 words (16 bytes), below the minimum of 5. */
	p.len = 0;
	tcp_v4_syn(&p);
	p.b[14] = 0x44;
	assert_int_equal(decode_exact(&p, p.len, DECODE_LINK_ETHER, &d), -1);
	assert_string_equal(d.error, "IPv4 header length below 20 bytes");

	/* IHL of 15 words: 60 bytes of header, only 20 captured. */
	p.len = 0;
	ether(&p, 0x0800);
	ipv4(&p, 6, 60, 0);
	p.b[14] = 0x4f;
	assert_int_equal(decode_exact(&p, p.len, DECODE_LINK_ETHER, &d), -1);
	assert_string_equal(d.error, "IPv4 options truncated");

	/* Total length 10, shorter than the header. */
	p.len = 0;
	tcp_v4_syn(&p);
	p.b[16] = 0;
	p.b[17] = 10;
	assert_int_equal(decode_exact(&p, p.len, DECODE_LINK_ETHER, &d), -1);
	assert_string_equal(d.error,
			    "IPv4 total length below its header length");

	/* Total length 30 cuts the TCP header short. */
	p.b[17] = 30;
	assert_int_equal(decode_exact(&p, p.len, DECODE_LINK_ETHER, &d), -1);
	assert_string_equal(d.error, "TCP header truncated");

	/* TCP data offset 15 words, more than the packet holds. */
	p.len = 0;
	tcp_v4_syn(&p);
	p.b[14 + 20 + 12] = 0xf0;
	assert_int_equal(decode_exact(&p, p.len, DECODE_LINK_ETHER, &d), -1);
	assert_string_equal(d.error, "TCP options truncated");
	assert_true(d.has_l4);
	assert_int_equal(d.dport, 8080);

	/* TCP data offset 2 words, below the minimum. */
	p.b[14 + 20 + 12] = 0x20;
	assert_int_equal(decode_exact(&p, p.len, DECODE_LINK_ETHER, &d), -1);
	assert_string_equal(d.error, "TCP data offset below 20 bytes");

	/* UDP length larger than the IP payload, then smaller than 8. */
	p.len = 0;
	ether(&p, 0x0800);
	ipv4(&p, 17, 28, 0);
	udp(&p, 1, 2, 200);
	assert_int_equal(decode_exact(&p, p.len, DECODE_LINK_ETHER, &d), -1);
	assert_string_equal(d.error, "UDP length disagrees with the IP header");
	p.b[14 + 20 + 5] = 4;
	assert_int_equal(decode_exact(&p, p.len, DECODE_LINK_ETHER, &d), -1);
	assert_string_equal(d.error, "UDP length disagrees with the IP header");

	/* An IPv6 extension header claiming 2048 bytes. */
	p.len = 0;
	udp_v6_hopopts(&p);
	p.b[14 + 40 + 1] = 255;
	assert_int_equal(decode_exact(&p, p.len, DECODE_LINK_ETHER, &d), -1);
	assert_string_equal(d.error, "IPv6 extension header truncated");

	/* A version nibble that disagrees with the ethertype. */
	p.len = 0;
	tcp_v4_syn(&p);
	p.b[14] = 0x65;
	assert_int_equal(decode_exact(&p, p.len, DECODE_LINK_ETHER, &d), -1);
	assert_string_equal(d.error, "IPv4 header with another version number");
}

static void
test_ipv6_extension_loop_is_bounded(void **state)
{
	struct pkt p = { .len = 0 };
	struct decode_pkt d;
	int i;

	(void)state;
	ether(&p, 0x86dd);
	ipv6(&p, 60, 8 * 20);
	for (i = 0; i < 20; i++) {
		put8(&p, 60);
		put8(&p, 0);
		put_zeros(&p, 6);
	}
	assert_int_equal(decode_exact(&p, p.len, DECODE_LINK_ETHER, &d), -1);
	assert_string_equal(d.error, "too many IPv6 extension headers");
}

static void
test_tcp_flags(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(decode_tcp_flags(0x02, buf), "S");
	assert_string_equal(decode_tcp_flags(0x12, buf), "S.");
	assert_string_equal(decode_tcp_flags(0x11, buf), "F.");
	assert_string_equal(decode_tcp_flags(0x04, buf), "R");
	assert_string_equal(decode_tcp_flags(0xc2, buf), "SEW");
	assert_string_equal(decode_tcp_flags(0xff, buf), "FSRP.UEW");
	assert_string_equal(decode_tcp_flags(0, buf), "none");
}

static void
test_format_small_buffer(void **state)
{
	struct pkt p = { .len = 0 };
	struct decode_pkt d;
	char line[256], small[10];
	int n;

	(void)state;
	tcp_v4_syn(&p);
	decode_exact(&p, p.len, DECODE_LINK_ETHER, &d);
	n = decode_format(&d, line, sizeof(line));
	assert_int_equal(n, (int)strlen(line));
	assert_int_equal(decode_format(&d, small, sizeof(small)), n);
	assert_string_equal(small, "IPv4 127.");
	assert_int_equal(decode_format(&d, small, 0), n);
}

/* Random bytes, steered past the type checks, must never crash. */
static void
test_random_bytes(void **state)
{
	struct pkt p;
	struct decode_pkt d;
	char line[256];
	unsigned seed = 12345;
	int i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		p.len = (size_t)(rand_r(&seed) % 200);
		for (size_t j = 0; j < p.len; j++)
			p.b[j] = (uint8_t)rand_r(&seed);
		if (p.len > 14) {
			static const uint16_t types[] = {
				0x0800, 0x86dd, 0x0806, 0x8100 };
			uint16_t t = types[rand_r(&seed) % 4];

			p.b[12] = (uint8_t)(t >> 8);
			p.b[13] = (uint8_t)t;
			p.b[14] = (uint8_t)((t == 0x86dd ? 0x60 : 0x40) |
					    (p.b[14] & 0x0f));
		}
		decode_exact(&p, p.len, i % 2 ? DECODE_LINK_IP :
			     DECODE_LINK_ETHER, &d);
		assert_true(decode_format(&d, line, sizeof(line)) > 0);
	}
}

/*
 * Run a filter over a packet as the kernel would (see filter.rst): a load
 * outside the packet ends the program with 0.  ethertype stands for the
 * ancillary SKF_AD_PROTOCOL load.  Only the instructions decode_bpf()
 * uses are known; any other fails the test.
 */
static unsigned
bpf_run(const struct sock_filter *prog, size_t n, const uint8_t *pkt,
	size_t len, unsigned ethertype)
{
	uint32_t a = 0, x = 0, k;
	size_t pc;

	for (pc = 0; pc < n; pc++) {
		const struct sock_filter *f = &prog[pc];

		k = f->k;
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			assert_int_equal(k, (uint32_t)SKF_AD_OFF +
					    SKF_AD_PROTOCOL);
			a = ethertype;
			break;
		case BPF_LD | BPF_B | BPF_ABS:
			if (k >= len)
				return 0;
			a = pkt[k];
			break;
		case BPF_LD | BPF_H | BPF_ABS:
			if (k + 2 > len)
				return 0;
			a = (uint32_t)(pkt[k] << 8 | pkt[k + 1]);
			break;
		case BPF_LD | BPF_H | BPF_IND:
			if (x + k + 2 > len)
				return 0;
			a = (uint32_t)(pkt[x + k] << 8 | pkt[x + k + 1]);
			break;
		case BPF_LDX | BPF_B | BPF_MSH:
			if (k >= len)
				return 0;
			x = (uint32_t)(pkt[k] & 0x0f) * 4;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += (a & k) ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JA:
			pc += k;
			break;
		case BPF_RET | BPF_K:
			return k;
		default:
			fail_msg("unexpected BPF instruction 0x%x", f->code);
		}
	}
	fail_msg("the filter ran off its end");
	return 0;
}

/* Does the filter for (link, proto, port) keep the packet? */
static int
bpf_keeps(const struct pkt *p, enum decode_link link, int proto,
	  unsigned port, unsigned ethertype)
{
	struct sock_filter prog[DECODE_BPF_LEN];

	decode_bpf(link, proto, port, 65535, prog);
	return bpf_run(prog, DECODE_BPF_LEN, p->b, p->len, ethertype) ==
	       65535;
}

static void
test_bpf_filter(void **state)
{
	struct pkt syn = { .len = 0 }, udp6 = { .len = 0 }, hbh = { .len = 0 };
	struct pkt arp_req = { .len = 0 }, frag = { .len = 0 };
	struct pkt raw = { .len = 0 }, cut;

	(void)state;
	tcp_v4_syn(&syn);
	assert_true(bpf_keeps(&syn, DECODE_LINK_ETHER, 0, 0, 0x0800));
	assert_true(bpf_keeps(&syn, DECODE_LINK_ETHER, 0, 8080, 0x0800));
	assert_true(bpf_keeps(&syn, DECODE_LINK_ETHER, 0, 45678, 0x0800));
	assert_true(bpf_keeps(&syn, DECODE_LINK_ETHER, IPPROTO_TCP, 8080,
			      0x0800));
	assert_false(bpf_keeps(&syn, DECODE_LINK_ETHER, 0, 8081, 0x0800));
	assert_false(bpf_keeps(&syn, DECODE_LINK_ETHER, IPPROTO_UDP, 0,
			       0x0800));

	/* IPv6 with UDP right after the fixed header. */
	ether(&udp6, 0x86dd);
	ipv6(&udp6, 17, 8);
	udp(&udp6, 5353, 53, 8);
	assert_true(bpf_keeps(&udp6, DECODE_LINK_ETHER, IPPROTO_UDP, 53,
			      0x86dd));
	assert_false(bpf_keeps(&udp6, DECODE_LINK_ETHER, IPPROTO_TCP, 53,
			       0x86dd));
	assert_false(bpf_keeps(&udp6, DECODE_LINK_ETHER, 0, 54, 0x86dd));

	/* The filter does not walk IPv6 extension headers. */
	udp_v6_hopopts(&hbh);
	assert_false(bpf_keeps(&hbh, DECODE_LINK_ETHER, 0, 0, 0x86dd));

	/* Not IP, or a later fragment: no ports to look at. */
	arp(&arp_req, 1);
	assert_false(bpf_keeps(&arp_req, DECODE_LINK_ETHER, 0, 0, 0x0806));
	ether(&frag, 0x0800);
	ipv4(&frag, 17, 20 + 8, 185);
	put_zeros(&frag, 8);
	assert_false(bpf_keeps(&frag, DECODE_LINK_ETHER, 0, 0, 0x0800));

	/* Without a link header the IP header is at offset 0. */
	ipv4(&raw, 17, 28, 0);
	udp(&raw, 1, 7, 8);
	assert_true(bpf_keeps(&raw, DECODE_LINK_IP, 0, 7, 0x0800));
	assert_false(bpf_keeps(&raw, DECODE_LINK_ETHER, 0, 7, 0x0800));

	/* A packet cut before its ports is rejected, never read past. */
	for (cut = syn, cut.len = 0; cut.len < 14 + 20 + 4; cut.len++)
		assert_false(bpf_keeps(&cut, DECODE_LINK_ETHER, 0, 8080,
				       0x0800));
}

/* The kernel checks a program when it is attached: jumps, returns. */
static void
test_bpf_filter_is_accepted_by_the_kernel(void **state)
{
	struct sock_filter prog[DECODE_BPF_LEN];
	struct sock_fprog fprog = { .len = DECODE_BPF_LEN, .filter = prog };
	static const int protos[] = { 0, IPPROTO_TCP, IPPROTO_UDP };
	int fd;

	(void)state;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		int proto = protos[i];

		decode_bpf(DECODE_LINK_ETHER, proto, 80, 262144, prog);
		assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER,
					    &fprog, sizeof(fprog)), 0);
		decode_bpf(DECODE_LINK_IP, proto, 0, 262144, prog);
		assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER,
					    &fprog, sizeof(fprog)), 0);
	}
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_syn),
		cmocka_unit_test(test_tcp_data_with_ack),
		cmocka_unit_test(test_udp_v6_with_extension_header),
		cmocka_unit_test(test_udp_payload),
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_other_ethertype),
		cmocka_unit_test(test_raw_ip_link_and_icmp),
		cmocka_unit_test(test_empty_raw_ip),
		cmocka_unit_test(test_ipv4_fragment_has_no_ports),
		cmocka_unit_test(test_lying_lengths),
		cmocka_unit_test(test_ipv6_extension_loop_is_bounded),
		cmocka_unit_test(test_tcp_flags),
		cmocka_unit_test(test_format_small_buffer),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_bpf_filter),
		cmocka_unit_test(test_bpf_filter_is_accepted_by_the_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
