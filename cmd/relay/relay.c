/*
 * relay.c - the heart of `ipc sock connect`, `ipc sock listen` and `ipc
 * tls connect`: copy stdin to a connection and the connection to stdout,
 * both ways at once, with one poll(2) loop and two bounded buffers.
 *
 * Flow control is the poll set itself.  stdin is watched only while the
 * outgoing buffer has room, the socket for reading only while the incoming
 * buffer has room, and each buffer is watched for writing only while it
 * holds something.  So a slow peer stops us reading stdin, a slow stdout
 * stops us reading the socket, nothing is dropped and memory stays bounded
 * (the same back-pressure asyncio's transports get from their water marks).
 *
 * A stream ends the TCP way: stdin EOF becomes shutdown(SHUT_WR), the peer
 * reads EOF, and we keep printing until the peer closes its side too.
 * Datagrams have no EOF: each line of stdin is one datagram, and after stdin
 * ends the replies still print for DGRAM_LINGER seconds (socat's -t).
 *
 * When stdin is a terminal, readline edits the lines (relay_term.c)
 * inside this same loop, so what arrives prints while a line is typed.
 *
 * The connection is reached through a transport (struct relay_io in
 * relay.h).  The plain socket below is one; TLS is another.  The loop asks
 * the transport which poll events it needs, and asks it for bytes it holds
 * already, since poll(2) only knows about the socket underneath.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "ipc.h"
#include "relay/relay.h"
#include "sys.h"

#define BUF_SIZE	65536	/* bytes held each way, at most */
#define DGRAM_MAX	65507	/* the largest UDP/IPv4 payload; see udp(7) */
#define DGRAM_LINGER	0.5	/* seconds for replies after stdin ends */

/* The poll set, in this order. */
enum { P_SIG, P_STDIN, P_SOCK, P_STDOUT, P_COUNT };

/* Bytes waiting to go on: data[start..end). */
struct buf {
	size_t start, end;
	char data[BUF_SIZE];
};

/* ---- the plain-socket transport ---------------------------------------- */

static ssize_t
socket_recv(const struct relay_sock *s, void *buf, size_t n,
	    struct sockaddr_storage *from, socklen_t *fromlen)
{
	/* MSG_TRUNC makes recv return a datagram's real size; see recv(2). */
	if (s->type != SOCK_STREAM)
		return sys_recvfrom(s->fd, buf, n, MSG_TRUNC,
				    (struct sockaddr *)from, fromlen);
	return sys_recv(s->fd, buf, n, 0);
}

static ssize_t
socket_send(const struct relay_sock *s, const void *buf, size_t n,
	    const struct sockaddr_storage *to, socklen_t tolen)
{
	/* MSG_NOSIGNAL: a closed peer gives EPIPE, not SIGPIPE; see send(2). */
	if (to != NULL)
		return sys_sendto(s->fd, buf, n, MSG_NOSIGNAL,
				  (const struct sockaddr *)to, tolen);
	return sys_send(s->fd, buf, n, MSG_NOSIGNAL);
}

static int
socket_shut_wr(const struct relay_sock *s)
{
	return sys_shutdown(s->fd, SHUT_WR);
}

static size_t
socket_pending(const struct relay_sock *s)
{
	return 0;
}

/* A socket needs what the caller wants: POLLIN to read, POLLOUT to write. */
static short
socket_events(const struct relay_sock *s, short want)
{
	return want;
}

const struct relay_io relay_socket_io = {
	.recv_call = "recv", .send_call = "send",
	.recv = socket_recv, .send = socket_send, .shut_wr = socket_shut_wr,
	.pending = socket_pending, .events = socket_events,
};

/* ---- the relay ---------------------------------------------------------- */

struct relay {
	const struct cli *cli;
	const struct relay_sock *s;
	const struct relay_io *io;	/* s->io, or the plain socket */
	const struct relay_cfg *cfg;
	int msgs;		/* boundaries kept: datagrams or records */
	int connless;		/* datagrams: no EOF, no shutdown */
	int interactive;	/* stdin is a terminal */
	int reading;		/* stdin is to be read at all */
	int stdin_eof, sock_eof, wr_shut;
	short recv_ev, send_ev;	/* what the transport polls for, this turn */
	int held;		/* the transport holds bytes poll cannot see */
	long long t0, last;	/* start, last traffic (CLOCK_MONOTONIC ns) */
	long long eof_at;	/* when stdin ended */
	uint64_t off_in, off_out;	/* hexdump offsets */
	struct sockaddr_storage to;	/* reply mode: the last sender */
	socklen_t tolen;
	struct buf out;		/* stdin -> socket */
	struct buf in;		/* socket -> stdout */

	struct relay_term term;	/* line editing, when stdin is a terminal */
};

static size_t
buf_len(const struct buf *b)
{
	return b->end - b->start;
}

/* Room at the end, after moving waiting bytes to the front if that helps. */
static size_t
buf_room(struct buf *b)
{
	if (b->start == b->end) {
		b->start = b->end = 0;
	} else if (b->start > 0 && b->end == sizeof(b->data)) {
		memmove(b->data, b->data + b->start, buf_len(b));
		b->end -= b->start;
		b->start = 0;
	}
	return sizeof(b->data) - b->end;
}

/*
 * Turn each "\n" of p[0..n) into "\r\n" in place; the caller left room for
 * one more byte per newline.  Returns the new length.
 */
static size_t
crlf_expand(char *p, size_t n)
{
	size_t i, j, nl = 0;

	for (i = 0; i < n; i++)
		nl += p[i] == '\n';
	/* Walk back from the end, so every byte moves once. */
	for (i = n, j = n + nl; i < j;) {
		p[--j] = p[--i];
		if (p[i] == '\n')
			p[--j] = '\r';
	}
	return n + nl;
}

/* Move an entered line (and its newline) into the outgoing buffer. */
static void
feed_line(struct relay *r)
{
	const char *eol = r->cfg->crlf ? "\r\n" : "\n";
	size_t room, len;

	if (r->term.line == NULL)
		return;
	room = buf_room(&r->out);
	len = strlen(r->term.line + r->term.line_off);
	if (len > room)
		len = room;
	memcpy(r->out.data + r->out.end, r->term.line + r->term.line_off, len);
	r->out.end += len;
	r->term.line_off += len;
	if (r->term.line[r->term.line_off] != '\0' || room - len < strlen(eol))
		return;
	memcpy(r->out.data + r->out.end, eol, strlen(eol));
	r->out.end += strlen(eol);
	free(r->term.line);
	r->term.line = NULL;
}

/*
 * A failure mid-session is an I/O error (74), except that a datagram
 * peer with nobody listening is "unavailable" (69), as at connect time.
 */
static int
session_fail(const struct relay *r, const char *what, const char *call, int err)
{
	char buf[320];
	int rc;

	if (call != NULL)
		snprintf(buf, sizeof(buf), "%s: %s", what, call);
	rc = fail(r->cli, call != NULL ? buf : what, err,
		  r->connless && err == ECONNREFUSED ?
		  "nothing listens on that port: the host answered a "
		  "datagram with ICMP port unreachable, reported on the next "
		  "call" : NULL);
	return err == ECONNREFUSED ? rc : EX_IOERR_;
}

/* A message on stderr that must not land inside the prompt line. */
static void
note(struct relay *r, const char *fmt, const char *arg)
{
	relay_term_hide(&r->term);
	fprintf(stderr, fmt, arg);
	relay_term_show(&r->term);
}

static void
hexdump(struct relay *r, char dir, const char *p, size_t n)
{
	out_hexdump(stdout, dir, p, n, dir == '<' ? &r->off_in : &r->off_out,
		    (double)(clock_now_ns() - r->t0) / 1e9);
}

static int
read_stdin(struct relay *r)
{
	size_t room = buf_room(&r->out);
	ssize_t n;

	/* With --crlf a byte may become two: read only what then fits. */
	if (r->cfg->crlf)
		room /= 2;
	n = sys_read(STDIN_FILENO, r->out.data + r->out.end, room);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 :
		       session_fail(r, "stdin", NULL, errno);
	if (n == 0) {
		r->stdin_eof = 1;
		r->eof_at = clock_now_ns();
		return 0;
	}
	r->out.end += r->cfg->crlf ? crlf_expand(r->out.data + r->out.end,
						 (size_t)n) : (size_t)n;
	return 0;
}

/* Bytes of the next datagram or record: a line, or 0 if none is whole. */
static size_t
next_msg(const struct relay *r)
{
	const char *p = r->out.data + r->out.start, *nl;
	size_t len = buf_len(&r->out);

	nl = memchr(p, '\n', len < DGRAM_MAX ? len : DGRAM_MAX);
	if (nl != NULL)
		return (size_t)(nl - p) + 1;
	if (len >= DGRAM_MAX)
		return DGRAM_MAX;
	return r->stdin_eof ? len : 0;
}

static size_t
sendable(const struct relay *r)
{
	if (r->s->reply && r->tolen == 0)
		return 0;
	return r->msgs ? next_msg(r) : buf_len(&r->out);
}

static int
send_sock(struct relay *r)
{
	const char *p = r->out.data + r->out.start;
	size_t len = sendable(r);
	ssize_t n;

	n = r->io->send(r->s, p, len, r->s->reply ? &r->to : NULL, r->tolen);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN || errno == ENOBUFS ?
		       0 : session_fail(r, r->s->name, r->io->send_call, errno);
	r->last = clock_now_ns();
	if (r->cfg->hex) {
		relay_term_hide(&r->term);
		hexdump(r, '>', p, (size_t)n);
		fflush(stdout);
		relay_term_show(&r->term);
	}
	r->out.start += (size_t)n;
	return 0;
}

/*
 * Reply mode: answers go to whoever sent last; say so when that changes.
 * An unbound Unix socket sends from no address at all (see unix(7)), and
 * nothing can be sent back to it.
 */
static void
note_sender(struct relay *r, const struct sockaddr_storage *from,
	    socklen_t len)
{
	char name[256];

	if (len == r->tolen && memcmp(from, &r->to, len) == 0)
		return;
	net_format((const struct sockaddr *)from, len, name, sizeof(name));
	note(r, "datagram from %s\n", name);
	if (len <= sizeof(sa_family_t))
		return;
	memcpy(&r->to, from, len);
	r->tolen = len;
}

static int
recv_sock(struct relay *r)
{
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	size_t room = buf_room(&r->in);
	char *p = r->in.data + r->in.end;
	ssize_t n;

	n = r->io->recv(r->s, p, room, r->s->reply ? &from : NULL,
			r->s->reply ? &fromlen : NULL);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 :
		       session_fail(r, r->s->name, r->io->recv_call, errno);
	/* 0 is EOF on a stream, but only an empty datagram on UDP. */
	if (n == 0 && !r->connless) {
		r->sock_eof = 1;
		return 0;
	}
	r->last = clock_now_ns();
	if ((size_t)n > room) {
		relay_term_hide(&r->term);
		out_warn(r->cli->prog, "a datagram of %zd bytes was cut to %zu",
			 n, room);
		relay_term_show(&r->term);
		n = (ssize_t)room;
	}
	if (r->s->reply)
		note_sender(r, &from, fromlen);
	r->in.end += (size_t)n;
	return 0;
}

static int
write_stdout(struct relay *r)
{
	const char *p = r->in.data + r->in.start;
	size_t len = buf_len(&r->in);
	int rc;

	/*
	 * poll(2) says a pipe is writable when PIPE_BUF bytes fit (see
	 * pipe(7)), so writing no more than that never blocks the loop.
	 */
	if (!r->cfg->hex && !r->term.out_tty && len > PIPE_BUF)
		len = PIPE_BUF;
	if (r->term.out_tty)
		relay_term_hide(&r->term);
	if (r->cfg->hex) {
		hexdump(r, '<', p, len);
		rc = fflush(stdout) == 0 ? 0 : -1;
	} else {
		/* Escaped on a terminal, so a peer cannot drive it. */
		rc = out_write_peer(STDOUT_FILENO, p, len);
	}
	if (r->term.out_tty && len > 0)
		r->term.bol = r->cfg->hex || p[len - 1] == '\n';
	if (r->term.out_tty)
		relay_term_show(&r->term);
	if (rc < 0)
		return session_fail(r, "stdout", NULL, errno);
	r->in.start += len;
	return 0;
}

/*
 * stdin ended and everything is sent: tell a stream peer (FIN, after
 * close_notify on TLS).  EAGAIN: the transport needs another turn.
 */
static int
shut_if_done(struct relay *r)
{
	if (r->connless || r->wr_shut || !r->stdin_eof ||
	    r->term.line != NULL || buf_len(&r->out) > 0)
		return 0;
	if (r->io->shut_wr(r->s) < 0)
		return errno == EAGAIN ? 0 :
		       session_fail(r, r->s->name, "shutdown", errno);
	r->wr_shut = 1;
	return 0;
}

static int
finished(const struct relay *r)
{
	if (buf_len(&r->in) > 0)
		return 0;
	if (r->connless)
		return !r->s->reply && r->stdin_eof && r->cfg->send_only &&
		       buf_len(&r->out) == 0;
	/* On a terminal the peer's EOF ends it; a pipe sends all it has. */
	return (r->cfg->send_only || r->sock_eof) &&
	       (r->cfg->recv_only || r->wr_shut ||
		(r->interactive && r->sock_eof));
}

/* The next deadline (ns): the idle timeout, or the datagram linger. */
static long long
deadline(const struct relay *r, int *lingering)
{
	*lingering = r->connless && !r->s->reply && r->stdin_eof &&
		     buf_len(&r->out) == 0;
	if (*lingering)
		return (r->last > r->eof_at ? r->last : r->eof_at) +
		       (long long)(DGRAM_LINGER * 1e9);
	if (r->cfg->idle_timeout > 0)
		return r->last + (long long)(r->cfg->idle_timeout * 1e9);
	return -1;
}

static int
idle_timeout(const struct relay *r)
{
	out_errorf(r->cli->prog, "%s: nothing moved either way for %gs "
		   "(--idle-timeout)", r->s->name, r->cfg->idle_timeout);
	out_hint("raise --idle-timeout, or leave it out to wait as long as "
		 "the peer does");
	return EX_TEMPFAIL_;
}

/* Fill the poll set: each fd only for what can make progress now. */
static void
watch(struct relay *r, struct pollfd *pfd)
{
	int want_in = r->reading && !r->stdin_eof && r->term.line == NULL &&
		      (r->term.on || buf_room(&r->out) >= 2);
	int want_recv = !r->cfg->send_only && !r->sock_eof &&
			(r->msgs ? buf_len(&r->in) == 0 : buf_room(&r->in) > 0);
	short ev;

	/* TLS may need POLLOUT to read (WANT_WRITE) or POLLIN to write. */
	r->recv_ev = want_recv ? r->io->events(r->s, POLLIN) : 0;
	r->send_ev = sendable(r) > 0 ? r->io->events(r->s, POLLOUT) : 0;
	r->held = want_recv && r->io->pending(r->s) > 0;
	ev = r->recv_ev | r->send_ev;

	pfd[P_SIG] = (struct pollfd){ .fd = relay_signal_fd(),
				      .events = POLLIN };
	pfd[P_STDIN] = (struct pollfd){ .fd = want_in ? STDIN_FILENO : -1,
					.events = POLLIN };
	/* An fd with no events would still report POLLHUP: leave it out. */
	pfd[P_SOCK] = (struct pollfd){ .fd = ev ? r->s->fd : -1, .events = ev };
	pfd[P_STDOUT] = (struct pollfd){
		.fd = buf_len(&r->in) > 0 ? STDOUT_FILENO : -1,
		.events = POLLOUT };
}

static int
loop(struct relay *r)
{
	struct pollfd pfd[P_COUNT];
	int n, rc, lingering;
	short ev;

	for (;;) {
		feed_line(r);
		if ((rc = shut_if_done(r)) != 0)
			return rc;
		if (finished(r))
			return 0;
		watch(r, pfd);
		/* Bytes held by the transport: look, but do not wait. */
		n = sys_poll(pfd, P_COUNT, r->held ? 0 :
			     clock_ms_until(deadline(r, &lingering)));
		if (n < 0 && errno != EINTR)
			return fail(r->cli, "poll", errno, NULL);
		if (n == 0 && !r->held &&
		    clock_now_ns() >= deadline(r, &lingering))
			return lingering ? 0 : idle_timeout(r);
		if (n < 0 || (n == 0 && !r->held))
			continue;
		if (pfd[P_SIG].revents)
			return 128 + relay_signal();
		if (pfd[P_STDOUT].revents && (rc = write_stdout(r)) != 0)
			return rc;
		/* POLLHUP or POLLERR: the next call says what happened. */
		ev = pfd[P_SOCK].revents & (POLLHUP | POLLERR) ?
		     pfd[P_SOCK].events : pfd[P_SOCK].revents;
		if ((r->held || (ev & r->recv_ev)) && (rc = recv_sock(r)) != 0)
			return rc;
		if ((ev & r->send_ev) && (rc = send_sock(r)) != 0)
			return rc;
		if (pfd[P_STDIN].revents && r->term.on)
			relay_term_read(&r->term);
		else if (pfd[P_STDIN].revents && (rc = read_stdin(r)) != 0)
			return rc;
		if (r->term.on && r->term.eof) {
			r->stdin_eof = 1;
			r->eof_at = clock_now_ns();
			relay_term_stop(&r->term);
		}
	}
}

int
relay_run(const struct cli *cli, const struct relay_sock *s,
	  const struct relay_cfg *cfg, int *stdin_done)
{
	struct relay *r;
	int rc;

	/* Two 64 KiB buffers: on the heap, not the stack. */
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return fail(cli, NULL, ENOMEM, NULL);
	r->cli = cli;
	r->s = s;
	r->io = s->io != NULL ? s->io : &relay_socket_io;
	r->cfg = cfg;
	r->msgs = s->type != SOCK_STREAM;
	r->connless = s->type == SOCK_DGRAM;
	r->interactive = isatty(STDIN_FILENO);
	r->reading = !cfg->recv_only;
	r->stdin_eof = r->reading && *stdin_done;
	r->t0 = r->last = r->eof_at = clock_now_ns();
	/* Our own socket may be non-blocking; stdin and stdout are shared. */
	if (net_set_nonblock(s->fd, 1) < 0) {
		rc = fail(cli, s->name, errno, NULL);
		free(r);
		return rc;
	}
	if (r->reading && !r->stdin_eof && r->interactive)
		relay_term_start(&r->term, cli->prog);
	rc = loop(r);
	relay_term_stop(&r->term);
	if (rc == 0 && r->interactive && r->sock_eof)
		fprintf(stderr, "%s closed the connection\n", s->name);
	if (r->stdin_eof)
		*stdin_done = 1;
	free(r->term.line);
	free(r);
	return rc;
}
