/*
 * loadgen.c - the project's load generator for bench/run.
 *
 * N connections to an echo server on 127.0.0.1, one thread, one epoll(7)
 * set.  Each connection keeps at most WINDOW bytes in flight: with the
 * default WINDOW = SIZE it is ping-pong (send one message, wait for its
 * echo, send the next); a larger window streams, for bulk throughput.
 * After a warm-up it measures for a fixed time: messages per second,
 * bytes per second, and the round-trip time of each message (from its
 * first byte sent to its last byte echoed) in a log-linear histogram,
 * which gives p50 and p99 in bounded memory.
 *
 * With --server-pid it also reads the server's utime+stime from
 * /proc/PID/stat (see proc(5)) at the start and the end of the measured
 * window, so the server's own CPU time per message is exact to the window;
 * and it reads the steal time from /proc/stat over the same window, so
 * bench/run can throw out rounds the host stole from.
 *
 * With --bytes it measures a fixed amount of work instead of a fixed time:
 * it stops once that many bytes have come back (over all connections),
 * so a server run under valgrind or strace can be compared call for call
 * with another one doing exactly the same work.
 *
 * Usage: loadgen --port P [--conns N] [--size B] [--window B]
 *                [--duration S | --bytes B] [--warmup S]
 *                [--server-pid PID] [--json]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS	256
#define RECV_SIZE	(256 * 1024)
#define SUB_BITS	7			/* 128 buckets per power of two: <1% error */
#define SUB		(1 << SUB_BITS)
#define HIST_SIZE	((64 - SUB_BITS + 1) * SUB)

struct conn {
	int fd;
	int want_out;		/* registered for EPOLLOUT */
	uint64_t sent, recvd;	/* bytes, since the start */
	uint64_t *stamps;	/* send time of each message in flight, a ring */
};

static struct {
	int port, conns, json;
	size_t size, window;
	uint64_t bytes;		/* --bytes: stop after this many came back */
	double duration, warmup;
	long server_pid;
} o = { .conns = 1, .size = 64, .duration = 2.0, .warmup = 0.5 };

static uint64_t lg_hist[HIST_SIZE];
static char *lg_sendbuf;
static char lg_recvbuf[RECV_SIZE];
static int lg_epfd;
static size_t lg_ring;		/* messages in flight per connection, at most */
static int lg_measuring;
static uint64_t lg_msgs;
static uint64_t lg_bytes;	/* received since the measuring began */

static uint64_t
lg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static size_t
lg_bucket(uint64_t v)
{
	int shift;

	if (v < SUB)
		return (size_t)v;
	shift = 63 - __builtin_clzll(v) - SUB_BITS;
	return (size_t)(shift + 1) * SUB + (size_t)((v >> shift) - SUB);
}

/* The lowest value that falls in bucket i. */
static uint64_t
lg_bucket_value(size_t i)
{
	int shift = (int)(i / SUB) - 1;

	if (shift < 0)
		return i;
	return (uint64_t)(i % SUB + SUB) << shift;
}

static uint64_t
lg_percentile(double p)
{
	uint64_t total = 0, seen = 0, rank;

	for (size_t i = 0; i < HIST_SIZE; i++)
		total += lg_hist[i];
	if (total == 0)
		return 0;
	rank = (uint64_t)(p * (double)total);
	if (rank >= total)
		rank = total - 1;
	for (size_t i = 0; i < HIST_SIZE; i++) {
		seen += lg_hist[i];
		if (seen > rank)
			return lg_bucket_value(i);
	}
	return 0;
}

static int
lg_interest(struct conn *c, int want_out)
{
	struct epoll_event ev = { .events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = c };

	if (c->want_out == want_out)
		return 0;
	c->want_out = want_out;
	return epoll_ctl(lg_epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Send until the window is full or the socket is; return -1 on error. */
static int
lg_send(struct conn *c, uint64_t now)
{
	while (c->sent - c->recvd < o.window) {
		size_t off = (size_t)(c->sent % o.size);
		size_t n = o.size - off;
		ssize_t w;

		if (c->sent - c->recvd + n > o.window)
			n = (size_t)(o.window - (c->sent - c->recvd));
		w = send(c->fd, lg_sendbuf + off, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return lg_interest(c, 1);
		if (w < 0)
			return -1;
		if (off == 0)
			c->stamps[(c->sent / o.size) % lg_ring] = now;
		c->sent += (uint64_t)w;
	}
	return lg_interest(c, 0);
}

/* Read all that is there, count each completed message; -1 on error or EOF. */
static int
lg_recv(struct conn *c, uint64_t now)
{
	for (;;) {
		ssize_t r = recv(c->fd, lg_recvbuf, RECV_SIZE, 0);
		uint64_t before = c->recvd / o.size;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return 0;
		if (r <= 0) {
			if (r == 0)
				errno = ECONNRESET;
			return -1;
		}
		c->recvd += (uint64_t)r;
		if (lg_measuring)
			lg_bytes += (uint64_t)r;
		for (uint64_t m = before; m < c->recvd / o.size; m++) {
			if (!lg_measuring)
				continue;
			lg_hist[lg_bucket(now - c->stamps[m % lg_ring])]++;
			lg_msgs++;
		}
	}
}

/* utime + stime of a process in clock ticks, from /proc/PID/stat; see proc(5). */
static int
lg_proc_ticks(long pid, uint64_t *ticks)
{
	char path[64], line[1024], *p;
	unsigned long long ut, st;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	/* The command name may hold spaces; the fields after it do not. */
	if (!p || !(p = strrchr(line, ')')))
		return -1;
	ok = sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st);
	if (ok != 2)
		return -1;
	*ticks = ut + st;
	return 0;
}

/* Steal and total ticks over all CPUs, from the "cpu" line of /proc/stat. */
static int
lg_steal(uint64_t *steal, uint64_t *total)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "re");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 8)
		return -1;
	*steal = v[7];
	*total = 0;
	for (int i = 0; i < 8; i++)
		*total += v[i];
	return 0;
}

static struct conn *
lg_connect_all(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct conn *cs = calloc((size_t)o.conns, sizeof(*cs));
	uint64_t *stamps = calloc((size_t)o.conns * lg_ring, sizeof(*stamps));

	if (!cs || !stamps)
		return NULL;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)o.port);
	for (int i = 0; i < o.conns; i++) {
		struct conn *c = &cs[i];
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		int one = 1;

		c->stamps = stamps + (size_t)i * lg_ring;
		c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ||
		    fcntl(c->fd, F_SETFL, O_NONBLOCK) < 0 ||
		    epoll_ctl(lg_epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
			return NULL;
	}
	return cs;
}

/*
 * Run the connections until the deadline, or (bytes > 0) until that many
 * bytes came back while measuring; return -1 on a connection error.
 */
static int
lg_run_until(uint64_t deadline, uint64_t bytes)
{
	struct epoll_event evs[MAX_EVENTS];

	for (;;) {
		uint64_t now = lg_now();
		int n, ms;

		if (bytes > 0 && lg_bytes >= bytes)
			return 0;
		if (bytes == 0 && now >= deadline)
			return 0;
		ms = bytes > 0 ? -1 : (int)((deadline - now + 999999) / 1000000);
		n = epoll_wait(lg_epfd, evs, MAX_EVENTS, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		now = lg_now();
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if ((evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) && lg_recv(c, now) < 0)
				return -1;
			if (lg_send(c, now) < 0)
				return -1;
		}
	}
}

static void
lg_usage(void)
{
	fprintf(stderr, "usage: loadgen --port P [--conns N] [--size B] [--window B] "
		"[--duration S | --bytes B] [--warmup S] [--server-pid PID] [--json]\n");
	exit(64);
}

static void
lg_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "conns", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 's' },
		{ "window", required_argument, NULL, 'w' },
		{ "duration", required_argument, NULL, 'd' },
		{ "bytes", required_argument, NULL, 'B' },
		{ "warmup", required_argument, NULL, 'W' },
		{ "server-pid", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'p': o.port = atoi(optarg); break;
		case 'c': o.conns = atoi(optarg); break;
		case 's': o.size = strtoul(optarg, NULL, 10); break;
		case 'w': o.window = strtoul(optarg, NULL, 10); break;
		case 'd': o.duration = atof(optarg); break;
		case 'B': o.bytes = strtoull(optarg, NULL, 10); break;
		case 'W': o.warmup = atof(optarg); break;
		case 'P': o.server_pid = atol(optarg); break;
		case 'j': o.json = 1; break;
		default: lg_usage();
		}
	}
	if (optind != argc || o.port <= 0 || o.port > 65535 || o.conns <= 0 ||
	    o.size == 0 || o.duration <= 0 || o.warmup < 0)
		lg_usage();
	if (o.window < o.size)
		o.window = o.size;
	o.window -= o.window % o.size;	/* Whole messages in flight. */
}

int
main(int argc, char **argv)
{
	uint64_t t0, t1, cpu0 = 0, cpu1 = 0, st0 = 0, st1 = 0, tot0 = 0, tot1 = 0, bytes0 = 0, bytes1 = 0;
	double secs, steal_pct, cpu_ns = -1;
	struct conn *cs;
	int have_cpu;

	lg_options(argc, argv);
	lg_ring = o.window / o.size;
	lg_sendbuf = malloc(o.size);
	lg_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!lg_sendbuf || lg_epfd < 0) {
		perror("loadgen");
		return 71;
	}
	for (size_t i = 0; i < o.size; i++)
		lg_sendbuf[i] = (char)('a' + i % 26);
	cs = lg_connect_all();
	if (!cs) {
		perror("loadgen: connect");
		return 69;
	}
	t0 = lg_now();
	for (int i = 0; i < o.conns; i++)
		if (lg_send(&cs[i], t0) < 0)
			goto broken;
	if (lg_run_until(t0 + (uint64_t)(o.warmup * 1e9), 0) < 0)
		goto broken;

	have_cpu = o.server_pid > 0 && lg_proc_ticks(o.server_pid, &cpu0) == 0;
	lg_steal(&st0, &tot0);
	for (int i = 0; i < o.conns; i++)
		bytes0 += cs[i].recvd;
	lg_measuring = 1;
	t0 = lg_now();
	if (lg_run_until(t0 + (uint64_t)(o.duration * 1e9), o.bytes) < 0)
		goto broken;
	t1 = lg_now();
	lg_measuring = 0;
	if (have_cpu && lg_proc_ticks(o.server_pid, &cpu1) < 0)
		have_cpu = 0;
	lg_steal(&st1, &tot1);
	for (int i = 0; i < o.conns; i++)
		bytes1 += cs[i].recvd;

	secs = (double)(t1 - t0) / 1e9;
	steal_pct = tot1 > tot0 ? 100.0 * (double)(st1 - st0) / (double)(tot1 - tot0) : 0;
	if (have_cpu && lg_msgs > 0)
		cpu_ns = (double)(cpu1 - cpu0) * 1e9 / (double)sysconf(_SC_CLK_TCK) / (double)lg_msgs;
	if (o.json)
		printf("{\"conns\": %d, \"size\": %zu, \"window\": %zu, \"seconds\": %.3f, "
		       "\"msgs\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"msgs_per_s\": %.1f, "
		       "\"bytes_per_s\": %.1f, \"p50_ns\": %" PRIu64 ", \"p99_ns\": %" PRIu64 ", "
		       "\"server_cpu_ns_per_msg\": %.1f, \"steal_pct\": %.2f}\n",
		       o.conns, o.size, o.window, secs, lg_msgs, bytes1 - bytes0,
		       (double)lg_msgs / secs, (double)(bytes1 - bytes0) / secs,
		       lg_percentile(0.50), lg_percentile(0.99), cpu_ns, steal_pct);
	else
		printf("%d conns x %zu B: %.0f msgs/s, %.1f MB/s, p50 %" PRIu64 " ns, "
		       "p99 %" PRIu64 " ns, server CPU %.0f ns/msg, steal %.1f%%\n",
		       o.conns, o.size, (double)lg_msgs / secs,
		       (double)(bytes1 - bytes0) / secs / 1e6,
		       lg_percentile(0.50), lg_percentile(0.99), cpu_ns, steal_pct);
	return 0;
broken:
	perror("loadgen: connection");
	return 74;
}
