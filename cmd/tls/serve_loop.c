/*
 * serve_loop.c - many TLS clients at once from one poll(2) loop.
 *
 * Each connection is a small state machine: the handshake (SSL_accept
 * until it stops asking for WANT_READ or WANT_WRITE, or its time runs
 * out), then the data, then close_notify.  The data goes round in one of
 * two ways:
 *   --echo   client -> down -> client
 *   --exec   client -> up -> command's stdin; command's stdout -> down
 *            -> client, the command on one end of a socketpair
 * Every wait is a poll event: a side is watched for reading only while
 * its buffer has room and for writing only while the other buffer holds
 * something, so one slow client or command never stalls the rest, and
 * memory stays bounded.  TLS decides which event a retry needs
 * (SSL_ERROR_WANT_READ/WANT_WRITE), and bytes it already decrypted
 * (SSL_pending) are taken without waiting.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <openssl/err.h>

#include "clock.h"
#include "net.h"
#include "proc.h"
#include "sys.h"
#include "tls/serve.h"

#define REAP_WAIT	0.5	/* seconds a command may take to end */

static size_t
cb_len(const struct cbuf *b)
{
	return b->end - b->start;
}

/* Room at the end; an emptied buffer starts again at the front. */
static size_t
cb_room(struct cbuf *b)
{
	if (b->start == b->end)
		b->start = b->end = 0;
	return sizeof(b->data) - b->end;
}

/* ---- messages ------------------------------------------------------------ */

static void
client_log(const struct server *s, const struct client *c, const char *msg)
{
	if (!s->quiet)
		fprintf(stderr, "%s: %s\n", c->peer, msg);
}

/* The reason a call failed, logged; the server goes on. */
static void
client_error(const struct server *s, const struct client *c, const char *what)
{
	char reason[256];

	tls_error_reason(reason, sizeof(reason));
	if (reason[0] == '\0')
		snprintf(reason, sizeof(reason), "%s", errno != 0 ?
			 strerror(errno) : "the client closed the connection");
	out_errorf(s->cli->prog, "%s: %s: %s", c->peer, what, reason);
}

/* ---- the command (--exec) ------------------------------------------------ */

/* Start the command on one end of a socketpair; 0, or -1 (logged). */
static int
start_command(struct server *s, struct client *c)
{
	struct proc_spec spec = { .argv = s->exec_argv, .fd = { -1, -1, -1 } };
	const char *step = "socketpair";
	char what[300];
	int sv[2];

	if (sys_socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
		spec.fd[0] = spec.fd[1] = sv[1];
		c->pid = proc_spawn(&spec, &step);
		sys_close(sv[1]);
		if (c->pid > 0 && net_set_nonblock(sv[0], 1) == 0) {
			c->cmd_fd = sv[0];
			return 0;
		}
		sys_close(sv[0]);
	}
	snprintf(what, sizeof(what), "--exec %s: %s", s->exec_argv[0], step);
	out_error(s->cli->prog, what, errno);
	return -1;
}

/* Reap the command; one that outlives its client by REAP_WAIT is killed. */
static void
reap_command(const struct server *s, struct client *c)
{
	char line[96];
	int status;

	if (c->pid <= 0)
		return;
	if (proc_wait(c->pid, clock_deadline(REAP_WAIT), &status, NULL) < 0 &&
	    proc_kill_reap(c->pid, 0, &status, NULL) < 0)
		return;
	c->pid = 0;
	if (WIFEXITED(status))
		snprintf(line, sizeof(line), "command exited %d",
			 WEXITSTATUS(status));
	else
		snprintf(line, sizeof(line), "command killed by signal %d",
			 WTERMSIG(status));
	client_log(s, c, line);
}

/* Command -> down, and up -> command.  0, or -1 when done with (logged). */
static int
command_io(struct server *s, struct client *c, short rev)
{
	ssize_t n;

	if (rev & (POLLIN | POLLHUP | POLLERR) && cb_room(&c->down) > 0 &&
	    !c->cmd_eof) {
		n = sys_recv(c->cmd_fd, c->down.data + c->down.end,
			     cb_room(&c->down), 0);
		if (n > 0)
			c->down.end += (size_t)n;
		else if (n == 0)
			c->cmd_eof = 1;
		else if (errno != EAGAIN && errno != EINTR)
			return client_error(s, c, "command"), -1;
	}
	if (rev & (POLLOUT | POLLERR) && cb_len(&c->up) > 0) {
		/* MSG_NOSIGNAL: a command gone gives EPIPE; see send(2). */
		n = sys_send(c->cmd_fd, c->up.data + c->up.start,
			     cb_len(&c->up), MSG_NOSIGNAL);
		if (n > 0)
			c->up.start += (size_t)n;
		else if (errno == EPIPE)
			c->up.start = c->up.end;	/* it stopped reading */
		else if (errno != EAGAIN && errno != EINTR)
			return client_error(s, c, "command"), -1;
	}
	/* The client is done sending: the command reads EOF. */
	if (c->eof && !c->cmd_shut && cb_len(&c->up) == 0) {
		sys_shutdown(c->cmd_fd, SHUT_WR);
		c->cmd_shut = 1;
	}
	return 0;
}

/* ---- the TLS side -------------------------------------------------------- */

/* 0 to go on, -1 when the client is done with (reported). */
static int
client_handshake(struct server *s, struct client *c)
{
	int ret = sys_SSL_accept(c->ssl), code;
	char line[160];

	if (ret == 1) {
		c->open = 1;
		c->rd_wants = c->wr_wants = 0;
		snprintf(line, sizeof(line), "handshake done: %s, %s%s",
			 SSL_get_version(c->ssl), SSL_get_cipher_name(c->ssl),
			 SSL_session_reused(c->ssl) ? ", resumed" : "");
		client_log(s, c, line);
		return s->exec_argv != NULL ? start_command(s, c) : 0;
	}
	code = sys_SSL_get_error(c->ssl, ret);
	if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) {
		c->rd_wants = code == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
		return 0;
	}
	client_error(s, c, "TLS handshake failed");
	return -1;
}

/* After a failed SSL_read/SSL_write: 0 to wait, -1 when done with. */
static int
client_outcome(struct server *s, struct client *c, int ret, short *wants,
	       const char *call)
{
	int code = sys_SSL_get_error(c->ssl, ret);

	if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) {
		*wants = code == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
		return 0;
	}
	if (code == SSL_ERROR_ZERO_RETURN) {
		c->eof = 1;
		return 0;
	}
	if ((code == SSL_ERROR_SYSCALL && errno == 0) ||
	    ERR_GET_REASON(ERR_peek_error()) ==
	    SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		ERR_clear_error();
		c->eof = c->truncated = 1;
		return 0;
	}
	client_error(s, c, call);
	return -1;
}

/* Where what the client sends goes: back to it, or to the command. */
static struct cbuf *
client_sink(struct client *c)
{
	return c->cmd_fd >= 0 ? &c->up : &c->down;
}

/* Read what fits, write what is held.  0, or -1 when done with. */
static int
client_io(struct server *s, struct client *c, short rev)
{
	struct cbuf *in = client_sink(c);
	int n;

	if (cb_room(in) > 0 && !c->eof &&
	    (rev & (c->rd_wants ? c->rd_wants : POLLIN) ||
	     SSL_pending(c->ssl) > 0)) {
		c->rd_wants = 0;
		n = sys_SSL_read(c->ssl, in->data + in->end,
				 (int)cb_room(in));
		if (n > 0)
			in->end += (size_t)n;
		else if (client_outcome(s, c, n, &c->rd_wants, "SSL_read") < 0)
			return -1;
	}
	if (cb_len(&c->down) > 0 &&
	    rev & (c->wr_wants ? c->wr_wants : POLLOUT)) {
		c->wr_wants = 0;
		n = sys_SSL_write(c->ssl, c->down.data + c->down.start,
				  (int)cb_len(&c->down));
		if (n > 0)
			c->down.start += (size_t)n;
		else if (client_outcome(s, c, n, &c->wr_wants, "SSL_write") < 0)
			return -1;
	}
	return 0;
}

/* Done: the source of down has ended and down went out. */
static int
client_done(const struct client *c)
{
	return (c->cmd_fd >= 0 ? c->cmd_eof : c->eof) && cb_len(&c->down) == 0;
}

/* The events the client's socket needs; *now when SSL holds bytes. */
static short
client_events(struct client *c, int *now)
{
	short ev = 0;

	if (!c->open)
		return c->rd_wants ? c->rd_wants : POLLIN;
	if (cb_room(client_sink(c)) > 0 && !c->eof) {
		ev |= c->rd_wants ? c->rd_wants : POLLIN;
		*now |= SSL_pending(c->ssl) > 0;
	}
	if (cb_len(&c->down) > 0)
		ev |= c->wr_wants ? c->wr_wants : POLLOUT;
	return ev;
}

/* The events the command's end needs. */
static short
command_events(struct client *c)
{
	return (short)((cb_room(&c->down) > 0 && !c->cmd_eof ? POLLIN : 0) |
		       (cb_len(&c->up) > 0 ? POLLOUT : 0));
}

void
tls_serve_close(struct server *s, int i)
{
	struct client *c = s->c[i];

	if (c->open && !c->truncated)
		sys_SSL_shutdown(c->ssl);
	if (c->open)
		client_log(s, c, c->truncated ? "closed (it ended without "
			   "close_notify)" : "closed");
	SSL_free(c->ssl);
	sys_close(c->fd);
	if (c->cmd_fd >= 0)
		sys_close(c->cmd_fd);
	reap_command(s, c);
	free(c);
	s->c[i] = NULL;
	s->ended++;
}

/* ---- the loop ------------------------------------------------------------ */

static void
accept_client(struct server *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct client *c;
	int fd, i;

	fd = sys_accept4(s->lfd, (struct sockaddr *)&ss, &len,
			 SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;		/* EAGAIN, ECONNABORTED: see accept(2) */
	for (i = 0; i < s->max && s->c[i] != NULL; i++)
		;
	c = i < s->max ? calloc(1, sizeof(*c)) : NULL;
	if (c == NULL || (c->ssl = tls_new(s->ctx, fd, NULL, NULL)) == NULL) {
		free(c);
		sys_close(fd);
		return;
	}
	c->fd = fd;
	c->cmd_fd = -1;
	c->deadline = clock_deadline(s->hs_timeout);
	net_format((struct sockaddr *)&ss, len, c->peer, sizeof(c->peer));
	client_log(s, c, "connected");
	s->c[i] = c;
}

/* The nearest handshake deadline, for poll's timeout. */
static long long
next_deadline(const struct server *s)
{
	long long d = -1;
	int i;

	for (i = 0; i < s->max; i++)
		if (s->c[i] != NULL && !s->c[i]->open &&
		    (d < 0 || s->c[i]->deadline < d))
			d = s->c[i]->deadline;
	return d;
}

/* One client's turn after poll: its socket's and its command's events. */
static int
client_turn(struct server *s, struct client *c, short rev, short cmd_rev)
{
	if (!c->open && clock_now_ns() >= c->deadline) {
		out_errorf(s->cli->prog, "%s: TLS handshake not done within "
			   "%gs: closed", c->peer, s->hs_timeout);
		return -1;
	}
	if (!c->open)
		return rev ? client_handshake(s, c) : 0;
	if ((rev || SSL_pending(c->ssl) > 0) && client_io(s, c, rev) < 0)
		return -1;
	if (c->cmd_fd >= 0 && command_io(s, c, cmd_rev) < 0)
		return -1;
	/* What was just read may be writable at once: next turn polls. */
	return client_done(c) ? -1 : 0;
}

int
tls_serve_loop(struct server *s)
{
	struct pollfd pfd[2 * MAX_CLIENTS + 2];
	int sock[MAX_CLIENTS], cmd[MAX_CLIENTS];
	int i, n, now, room, ready;

	for (;;) {
		if (s->count > 0 && s->ended >= s->count)
			return 0;
		n = 0;
		now = room = 0;
		for (i = 0; i < s->max; i++) {
			struct client *c = s->c[i];

			room |= c == NULL;
			sock[i] = cmd[i] = -1;
			if (c == NULL)
				continue;
			sock[i] = n;
			pfd[n++] = (struct pollfd){ .fd = c->fd,
				.events = client_events(c, &now) };
			if (c->cmd_fd < 0)
				continue;
			cmd[i] = n;
			pfd[n++] = (struct pollfd){ .fd = c->cmd_fd,
				.events = command_events(c) };
		}
		/* Full: stop accepting; the kernel's backlog holds the rest. */
		pfd[n] = (struct pollfd){ .fd = room ? s->lfd : -1,
					  .events = POLLIN };
		pfd[n + 1] = (struct pollfd){ .fd = relay_signal_fd(),
					      .events = POLLIN };
		ready = sys_poll(pfd, (nfds_t)n + 2,
				 now ? 0 : clock_ms_until(next_deadline(s)));
		if (ready < 0 && errno != EINTR)
			return fail(s->cli, "poll", errno, NULL);
		if (ready < 0 || pfd[n + 1].revents)
			return relay_signal() ? 128 + relay_signal() : 0;
		for (i = 0; i < s->max; i++)
			if (s->c[i] != NULL &&
			    client_turn(s, s->c[i], pfd[sock[i]].revents,
					cmd[i] >= 0 ? pfd[cmd[i]].revents : 0) < 0)
				tls_serve_close(s, i);
		if (pfd[n].revents)
			accept_client(s);
	}
}
