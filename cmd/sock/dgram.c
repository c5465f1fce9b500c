/*
 * dgram.c - `ipc sock send ADDR DATA` and `ipc sock recv ADDR`: the two
 * halves of one-shot datagrams over UDP and Unix datagram sockets.  There
 * is no connection: each sendto(2) is one datagram, each recvmsg(2) takes
 * exactly one, and nothing tells the sender whether anyone got it.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "clock.h"
#include "net.h"
#include "sock.h"
#include "sys.h"

/* recv --size: the default, and the most we allocate. */
#define RECV_SIZE	65536
#define RECV_SIZE_MAX	(1L << 20)
/* send -: the line buffer; a line must fit in it with its newline. */
#define SEND_LINE_MAX	65536

static struct {
	long count;
	int connect, v4, v6;
} send_o;

static struct {
	long count, size;
	double timeout;
	int keep, json, v4, v6;
} recv_o;

static const struct opt send_opts[] = {
	OPT_NUM('c', "count", &send_o.count, "N",
		"send each datagram N times (default 1)"),
	OPT_FLAG(0, "connect", &send_o.connect,
		 "connect(2) the socket first and use send(2); then an ICMP "
		 "port unreachable comes back as ECONNREFUSED"),
	OPT_FLAG('4', "ipv4", &send_o.v4, "IPv4 only"),
	OPT_FLAG('6', "ipv6", &send_o.v6, "IPv6 only"),
	OPT_STOP
};

static const struct opt recv_opts[] = {
	OPT_NUM('c', "count", &recv_o.count, "N",
		"stop after N datagrams (default 1)"),
	OPT_FLAG('k', "keep", &recv_o.keep,
		 "keep receiving until killed; --count is ignored"),
	OPT_NUM('s', "size", &recv_o.size, "N",
		"receive buffer in bytes, 1 to 1048576 (default 65536); a "
		"longer datagram is truncated (MSG_TRUNC)"),
	OPT_SECS('t', "timeout", &recv_o.timeout,
		 "give up (exit 75) when no datagram comes for S seconds "
		 "(default: wait forever)"),
	OPT_FLAG(0, "json", &recv_o.json,
		 "one JSON object per datagram: from, bytes, truncated, and "
		 "data (data_hex when the bytes are not UTF-8)"),
	OPT_FLAG('4', "ipv4", &recv_o.v4, "IPv4 only"),
	OPT_FLAG('6', "ipv6", &recv_o.v6, "IPv6 only"),
	OPT_STOP
};

/* Where datagrams go: the socket, the resolved address and its text. */
struct target {
	int fd;
	const struct addrinfo *ai;
	char name[160];
};

/*
 * Parse and resolve ADDR for a datagram socket.  Returns 0 and fills *a
 * and *res (free with net_freeaddrinfo), or reports and returns the exit
 * status.
 */
static int
dgram_resolve(struct cli *cli, const char *arg, int flags, int v4, int v6,
	      struct net_addr *a, struct addrinfo **res)
{
	const char *why;
	int rc;

	flags |= NET_UDP | (v4 ? NET_V4 : 0) | (v6 ? NET_V6 : 0);
	if (net_parse_addr(arg, NULL, flags, a, &why) < 0)
		return usage_error(cli, "%s: %s", arg, why);
	if (a->socktype != SOCK_DGRAM)
		return usage_error(cli, "%s: datagrams only: use HOST:PORT, "
				   "udp://HOST:PORT or unix:PATH", arg);
	rc = net_resolve(a, flags, res);
	if (rc != 0)
		return fail_gai(cli, arg, rc);
	return 0;
}

/* A hint for a failed send, when we can say more than the errno's default. */
static const char *
send_hint(int err, int family)
{
	if (err == ECONNREFUSED && family == AF_UNIX)
		return "a socket file is there but no socket is bound to it: "
		       "a leftover from a process that ended";
	if (err == ECONNREFUSED)
		return "an ICMP port unreachable came back for an earlier "
		       "datagram: nothing listens on that UDP port; only a "
		       "connected socket hears of it, on its next call (see "
		       "udp(7))";
	if (err == ENOENT)
		return "no socket at that path; start 'ipc sock recv "
		       "unix:PATH' first";
	if (err == EPROTOTYPE)
		return "the socket at that path is not a datagram socket";
	if (err == EMSGSIZE)
		return "a datagram must fit in one packet: at most 65507 bytes "
		       "of UDP over IPv4, and a Unix one within SO_SNDBUF";
	return NULL;
}

/* Send one datagram: send(2) when connected, else sendto(2). */
static int
send_one(struct cli *cli, const struct target *t, const char *data,
	 size_t len)
{
	ssize_t n;

	do
		n = send_o.connect
			? sys_send(t->fd, data, len, MSG_NOSIGNAL)
			: sys_sendto(t->fd, data, len, MSG_NOSIGNAL,
				     t->ai->ai_addr, t->ai->ai_addrlen);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return fail(cli, t->name, errno,
			    send_hint(errno, t->ai->ai_family));
	/*
	 * A datagram goes whole or not at all; a short count (only --inject
	 * makes one) cannot be finished by a second call, which would be a
	 * second datagram.
	 */
	if ((size_t)n != len) {
		out_errorf(cli->prog, "%s: only %zd of %zu bytes went out",
			   t->name, n, len);
		out_hint("a datagram cannot be continued: the rest is lost");
		return EX_IOERR_;
	}
	fprintf(stderr, "sent %zu byte%s to %s\n", len, len == 1 ? "" : "s",
		t->name);
	return 0;
}

/* Send one datagram --count times. */
static int
send_repeated(struct cli *cli, const struct target *t, const char *data,
	      size_t len)
{
	long count = send_o.count ? send_o.count : 1;
	int rc = 0;

	for (long i = 0; i < count && rc == 0; i++)
		rc = send_one(cli, t, data, len);
	return rc;
}

/*
 * DATA '-': each line of stdin, without its newline, is one datagram.  A
 * last line without a newline counts too.  The buffer is bounded: a line
 * longer than SEND_LINE_MAX - 1 bytes is refused rather than split.
 */
static int
send_lines(struct cli *cli, const struct target *t)
{
	char *buf, *nl;
	size_t len = 0, start;
	ssize_t n;
	int rc = 0;

	buf = malloc(SEND_LINE_MAX);
	if (buf == NULL)
		return fail(cli, "stdin", ENOMEM, NULL);
	for (;;) {
		n = sys_read(STDIN_FILENO, buf + len, SEND_LINE_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = fail(cli, "stdin", errno, NULL);
			break;
		}
		if (n == 0) {
			if (len > 0)
				rc = send_repeated(cli, t, buf, len);
			break;
		}
		len += (size_t)n;
		start = 0;
		while (rc == 0 &&
		       (nl = memchr(buf + start, '\n', len - start)) != NULL) {
			rc = send_repeated(cli, t, buf + start,
					   (size_t)(nl - buf) - start);
			start = (size_t)(nl - buf) + 1;
		}
		if (rc != 0)
			break;
		memmove(buf, buf + start, len - start);
		len -= start;
		if (len == SEND_LINE_MAX) {
			out_errorf(cli->prog, "stdin: a line longer than %d "
				   "bytes", SEND_LINE_MAX - 1);
			out_hint("each line is one datagram; split the input");
			rc = EX_DATA_;
			break;
		}
	}
	free(buf);
	return rc;
}

static int
run_send(struct cli *cli)
{
	const char *data = cli->argv[1];
	struct net_addr a;
	struct addrinfo *ai;
	struct target t;
	int rc;

	if (send_o.count < 0)
		return usage_error(cli, "--count: expected 1 or more");
	rc = dgram_resolve(cli, cli->argv[0], 0, send_o.v4, send_o.v6, &a,
			   &ai);
	if (rc != 0)
		return rc;
	t.ai = ai;
	net_format(ai->ai_addr, ai->ai_addrlen, t.name, sizeof(t.name));
	t.fd = net_socket(ai, 0);
	if (t.fd < 0)
		rc = fail(cli, "socket", errno, NULL);
	/* See udp(7): connect sends nothing; it fixes the peer. */
	else if (send_o.connect &&
		 sys_connect(t.fd, ai->ai_addr, ai->ai_addrlen) < 0)
		rc = fail(cli, t.name, errno, send_hint(errno, ai->ai_family));
	else if (strcmp(data, "-") == 0)
		rc = send_lines(cli, &t);
	else
		rc = send_repeated(cli, &t, data, strlen(data));
	if (t.fd >= 0)
		sys_close(t.fd);
	net_freeaddrinfo(ai);
	return rc;
}

/*
 * Wait until fd is readable, at most timeout seconds.  Returns 0, or -1
 * with errno ETIMEDOUT (or poll's error).  After a signal the wait goes on
 * until the same deadline, not for the whole timeout again.
 */
static int
wait_readable(int fd, double timeout)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long deadline = clock_deadline(timeout);
	int n;

	for (;;) {
		n = sys_poll(&pfd, 1, clock_ms_until(deadline));
		if (n > 0)
			return 0;
		if (n == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

/* One datagram as JSON; data_hex replaces data when it is not UTF-8. */
static int
print_json(const char *from, const char *buf, size_t kept, ssize_t real)
{
	json_t *obj, *data;
	char *hex;
	int rc;

	obj = json_pack("{s:s, s:I, s:b}", "from", from, "bytes",
			(json_int_t)real, "truncated", (size_t)real > kept);
	if (obj == NULL)
		return -1;
	/* jansson's json_stringn() gives NULL for bytes that are not UTF-8. */
	data = json_stringn(buf, kept);
	if (data != NULL) {
		json_object_set_new(obj, "data", data);
	} else {
		hex = malloc(2 * kept + 1);
		if (hex == NULL) {
			json_decref(obj);
			return -1;
		}
		for (size_t i = 0; i < kept; i++)
			snprintf(hex + 2 * i, 3, "%02x", (unsigned char)buf[i]);
		hex[2 * kept] = '\0';
		json_object_set_new(obj, "data_hex", json_string(hex));
		free(hex);
	}
	rc = out_json_line(stdout, obj);
	json_decref(obj);
	return rc < 0 || fflush(stdout) != 0 ? -1 : 0;
}

/*
 * The sender and its bytes.  On a terminal each datagram ends its line,
 * so the next "from" line starts on its own; a pipe gets the bytes alone.
 */
static int
print_human(const char *from, const char *buf, size_t kept, ssize_t real)
{
	if ((size_t)real > kept)
		fprintf(stderr, "from %s: %zu of %zd bytes\n", from, kept,
			real);
	else
		fprintf(stderr, "from %s: %zu byte%s\n", from, kept,
			kept == 1 ? "" : "s");
	if (out_write_peer(STDOUT_FILENO, buf, kept) < 0)
		return -1;
	if (kept > 0 && buf[kept - 1] != '\n' && isatty(STDOUT_FILENO))
		return out_write_all(STDOUT_FILENO, "\n", 1);
	return 0;
}

/* Receive one datagram into buf and report it.  Returns an exit status. */
static int
recv_one(struct cli *cli, int fd, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr msg;
	char from[160];
	size_t kept;
	ssize_t n;
	int rc;

	do {
		memset(&msg, 0, sizeof(msg));
		msg.msg_name = &ss;
		msg.msg_namelen = sizeof(ss);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		/*
		 * See udp(7) and unix(7): with the MSG_TRUNC flag the call
		 * returns the datagram's real length even when it was longer
		 * than the buffer, and msg_flags has MSG_TRUNC when it was.
		 */
		n = sys_recvmsg(fd, &msg, MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return fail(cli, "recvmsg", errno, NULL);
	kept = (size_t)n < size ? (size_t)n : size;
	/* A Unix sender that never bound has no address at all. */
	if (msg.msg_namelen < sizeof(sa_family_t))
		snprintf(from, sizeof(from), "unix:(unnamed)");
	else
		net_format((struct sockaddr *)&ss, msg.msg_namelen, from,
			   sizeof(from));
	if (msg.msg_flags & MSG_TRUNC)
		out_warn(cli->prog, "datagram from %s truncated (MSG_TRUNC): "
			 "%zd bytes sent, %zu kept; the rest is lost (raise "
			 "--size)", from, n, kept);
	rc = recv_o.json ? print_json(from, buf, kept, n)
			 : print_human(from, buf, kept, n);
	return rc < 0 ? fail(cli, "stdout", errno, NULL) : 0;
}

/* Receive until --count (or forever with --keep); an exit status. */
static int
recv_loop(struct cli *cli, int fd, const char *local)
{
	long count = recv_o.count ? recv_o.count : 1;
	size_t size = recv_o.size ? (size_t)recv_o.size : RECV_SIZE;
	char *buf;
	long got;
	int rc = 0;

	buf = malloc(size);
	if (buf == NULL)
		return fail(cli, "buffer", ENOMEM, NULL);
	for (got = 0; rc == 0 && (recv_o.keep || got < count); got++) {
		if (recv_o.timeout > 0 &&
		    wait_readable(fd, recv_o.timeout) < 0) {
			if (errno != ETIMEDOUT) {
				rc = fail(cli, "poll", errno, NULL);
				break;
			}
			out_errorf(cli->prog, "%s: timed out: no datagram "
				   "came in %gs (%ld received)", local,
				   recv_o.timeout, got);
			out_hint("nothing came; send one from another "
				 "terminal with 'ipc sock send %s hello', or "
				 "raise --timeout", local);
			rc = EX_TEMPFAIL_;
			break;
		}
		rc = recv_one(cli, fd, buf, size);
	}
	free(buf);
	return rc;
}

static int
run_recv(struct cli *cli)
{
	struct net_addr a;
	struct addrinfo *ai;
	char local[160];
	int fd, rc;

	if (recv_o.count < 0)
		return usage_error(cli, "--count: expected 1 or more");
	if (recv_o.size < 0 || recv_o.size > RECV_SIZE_MAX)
		return usage_error(cli, "--size: expected 1 to %ld bytes",
				   RECV_SIZE_MAX);
	rc = dgram_resolve(cli, cli->argv[0], NET_PASSIVE, recv_o.v4,
			   recv_o.v6, &a, &ai);
	if (rc != 0)
		return rc;
	net_format(ai->ai_addr, ai->ai_addrlen, local, sizeof(local));
	fd = net_socket(ai, 0);
	if (fd < 0) {
		rc = fail(cli, "socket", errno, NULL);
	} else if (sys_bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		rc = fail(cli, local, errno,
			  errno == EADDRINUSE && a.family == AF_UNIX
			  ? "a file is already at that path, perhaps left by "
			    "a process that was killed: remove it or pick "
			    "another path" : NULL);
	} else {
		fprintf(stderr, "listening %s\n",
			net_local(fd, local, sizeof(local)));
		rc = recv_loop(cli, fd, local);
		/* See unix(7): the file outlives the socket unless removed. */
		if (a.family == AF_UNIX && !a.abstract &&
		    sys_unlink(a.path) < 0 && rc == 0)
			rc = fail(cli, a.path, errno, NULL);
	}
	if (fd >= 0)
		sys_close(fd);
	net_freeaddrinfo(ai);
	return rc;
}

const struct verb sock_send_verb = {
	.name = "send",
	.summary = "send datagrams over UDP or a Unix datagram socket",
	.usage = "ADDR DATA",
	.description =
		"Sends DATA as one datagram to ADDR (HOST:PORT, [V6]:PORT, "
		"udp://HOST:PORT, unix:PATH or unix:@NAME) with sendto(2), "
		"from a socket the kernel binds to a free port at the first "
		"send, and reports each datagram on standard error.  DATA "
		"'-' reads standard input and sends each line, without its "
		"newline, as a datagram of its own (lines up to 65535 "
		"bytes).  An empty DATA or line sends an empty datagram, "
		"which is allowed.\n\n"
		"UDP has no connection: a datagram to a port where nobody "
		"listens is lost, and sendto still succeeds.  With --connect "
		"the socket is connected first (for UDP connect(2) sends "
		"nothing; it only fixes the peer), and then the ICMP port "
		"unreachable that comes back is reported on the next call "
		"as ECONNREFUSED (exit 69): try --count 2 to a closed port.",
	.examples = (const char *const[]){
		"ipc sock send 127.0.0.1:9999 hello"
		"\tone datagram; no error even when nobody listens",
		"ipc sock send --connect --count 2 127.0.0.1:9999 hi"
		"\tthe second send fails with ECONNREFUSED",
		"printf 'a\\nb\\n' | ipc sock send unix:/tmp/d.sock -"
		"\ttwo datagrams, one per line, to a Unix datagram socket",
		"ipc sock send '[::1]:9999' hello\tthe same over IPv6",
		NULL },
	.opts = send_opts,
	.min_args = 2, .max_args = 2,
	.args_hint = "@host",
	.run = run_send,
};

const struct verb sock_recv_verb = {
	.name = "recv",
	.summary = "bind a datagram socket and print what arrives, with the "
		   "senders",
	.usage = "ADDR",
	.description =
		"Binds a datagram socket to ADDR (loopback unless a host is "
		"given; port 0 lets the kernel pick one; unix:PATH or "
		"unix:@NAME for a Unix datagram socket), prints 'listening "
		"ADDR' on standard error, then takes --count datagrams "
		"(default 1) with recvmsg(2).  Each is reported on standard "
		"error as 'from SENDER: N bytes', and its bytes go to "
		"standard output as they came (escaped on a terminal, where "
		"each datagram also ends its line).\n\n"
		"A datagram longer than --size is cut: recvmsg sets "
		"MSG_TRUNC in msg_flags, and asked with the MSG_TRUNC flag "
		"it returns the real length, so the warning says how much "
		"was lost (see udp(7)).  A Unix sender that never bound "
		"shows as unix:(unnamed) and cannot be answered.  The socket "
		"file of unix:PATH is removed at the end, unless recv is "
		"killed; then the next bind fails with EADDRINUSE until it "
		"is removed.  --timeout gives up with exit 75.",
	.examples = (const char *const[]){
		"ipc sock recv 0"
		"\twait on 127.0.0.1, on a port the kernel picks",
		"ipc sock recv --keep --json udp://127.0.0.1:9999"
		"\tone JSON object per datagram, until killed",
		"ipc sock recv --size 10 127.0.0.1:9999"
		"\tlonger datagrams are cut, and the warning says by how much",
		"ipc sock recv --timeout 5 unix:/tmp/d.sock"
		"\ta Unix datagram socket; exit 75 after 5 s of silence",
		NULL },
	.opts = recv_opts,
	.min_args = 1, .max_args = 1,
	.args_hint = "@host",
	.run = run_recv,
};
