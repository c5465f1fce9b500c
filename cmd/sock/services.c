/*
 * services.c - one connection of `ipc sock serve`, from accept to close:
 * taking it off the queue (and what to do when out of descriptors), the
 * services of inetd, the non-blocking I/O every model uses, --exec, and
 * the closing line.
 *
 * A service is small: it may queue output when the client arrives
 * (daytime), queue what the client sends (echo) or produce output as the
 * client reads it (chargen).  The output waits in the connection's own
 * buffer of CONN_BUF bytes.  That bound is the backpressure: when the
 * buffer is full we stop reading an echo client, and chargen makes no new
 * lines, until the client reads what is queued.  A client can make the
 * server wait, never make it grow.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "net.h"
#include "serve.h"
#include "sys.h"

void
serve_log_error(const struct serve *s, const char *what, int err)
{
	out_error(s->cli->prog, what, err);
}

/* Keep c in the table of live connections; -1 with ENOMEM. */
static int
track(struct serve *s, struct conn *c)
{
	struct conn **v;

	if (s->nconns == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;

		v = realloc(s->conns, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		s->conns = v;
		s->cap = cap;
	}
	s->conns[s->nconns++] = c;
	return 0;
}

static void
untrack(struct serve *s, const struct conn *c)
{
	for (size_t i = 0; i < s->nconns; i++)
		if (s->conns[i] == c) {
			s->conns[i] = s->conns[--s->nconns];
			return;
		}
}

/*
 * EMFILE: accept4 cannot make a descriptor, and the connection stays in
 * the queue, so poll reports the listener again and again: a busy loop.
 * libuv's answer: keep one descriptor in reserve, give it back now, take
 * the connection with it and close it at once, so the client hears a
 * close instead of waiting, then take the reserve again.
 */
static void
drop_one(struct serve *s)
{
	int fd;

	if (s->spare >= 0)
		sys_close(s->spare);
	fd = sys_accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0) {
		sys_close(fd);
		s->st.dropped++;
		fprintf(stderr, "out of file descriptors: dropped a connection\n");
	}
	s->spare = sys_open("/dev/null", O_RDONLY | O_CLOEXEC);
	/* No reserve, or it did not help: skip the listener for a while. */
	if (fd < 0 || s->spare < 0)
		s->paused = 1;
}

/*
 * Take one connection from the queue, number it, log it and track it.
 * Returns NULL with errno EAGAIN when there is nothing to take now (also
 * after an error that cost only that one connection), or another errno
 * when the listener itself is broken.
 */
struct conn *
serve_accept(struct serve *s)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct conn *c;
	int fd;

	for (;;) {
		len = sizeof(ss);
		fd = sys_accept4(s->lfd, (struct sockaddr *)&ss, &len,
				 SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd >= 0)
			break;
		switch (errno) {
		case EINTR:
			continue;
		case ECONNABORTED:
		case EPROTO:
		case ENETDOWN:
		case ENOPROTOOPT:
		case EHOSTDOWN:
		case ENONET:
		case EHOSTUNREACH:
		case EOPNOTSUPP:
		case ENETUNREACH:
		case EPERM:
			/*
			 * That connection died in the queue (or a firewall
			 * refused it); the next may be fine.  See accept4(2),
			 * "Error handling".
			 */
			serve_log_error(s, "accept4", errno);
			continue;
		case EMFILE:
		case ENFILE:
			drop_one(s);
			errno = EAGAIN;
			return NULL;
		case ENOBUFS:
		case ENOMEM:
			serve_log_error(s, "accept4", errno);
			s->paused = 1;
			errno = EAGAIN;
			return NULL;
		default:
			return NULL;
		}
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL || track(s, c) < 0) {
		serve_log_error(s, "accept4", ENOMEM);
		free(c);
		sys_close(fd);
		s->st.dropped++;
		errno = EAGAIN;
		return NULL;
	}
	c->srv = s;
	c->fd = fd;
	c->id = ++s->st.accepted;
	c->last_ns = clock_now_ns();
	atomic_init(&c->done, 0);
	net_format((struct sockaddr *)&ss, len, c->peer, sizeof(c->peer));
	if (!s->quiet)
		fprintf(stderr, "connection %lu from %s\n", c->id, c->peer);
	return c;
}

/* "exited 0", "killed by SIGTERM": how a child ended. */
static void
child_status(char *buf, size_t size, int status)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by SIG%s",
			 sigabbrev_np(WTERMSIG(status)));
	else
		snprintf(buf, size, "ended (status %#x)", status);
}

static void
log_close(const struct serve *s, const struct conn *c)
{
	char how[160] = "", text[96];

	if (c->kind == CONN_CHILD && (s->exec_argv || c->end == END_NONE)) {
		child_status(text, sizeof(text), c->status);
		fprintf(stderr, "connection %lu closed: %s %s\n", c->id,
			s->exec_argv ? s->exec_argv[0] : "child", text);
		return;
	}
	switch (c->end) {
	case END_IDLE:
		snprintf(how, sizeof(how), ", idle for %gs", s->idle);
		break;
	case END_VANISHED:
		snprintf(how, sizeof(how), ", client vanished (%s)",
			 out_errname(c->err));
		break;
	case END_STOPPED:
		snprintf(how, sizeof(how), ", server stopping");
		break;
	case END_ERROR:
		snprintf(how, sizeof(how), ", %s (%s)",
			 out_strerror(c->err, text, sizeof(text)),
			 out_errname(c->err));
		break;
	case END_NONE:
	case END_DONE:
		break;
	}
	fprintf(stderr, "connection %lu closed: %llu bytes in, %llu bytes out%s\n",
		c->id, (unsigned long long)c->in, (unsigned long long)c->out,
		how);
}

/* The connection is over: log it, count it, close it, forget it. */
void
serve_finish(struct serve *s, struct conn *c)
{
	untrack(s, c);
	if (c->fd >= 0)
		sys_close(c->fd);
	s->st.served++;
	s->st.in += c->in;
	s->st.out += c->out;
	if (c->end == END_VANISHED)
		s->st.vanished++;
	if (!s->quiet)
		log_close(s, c);
	free(c);
}

/* Make the pending output start at buf[0]; returns the room after it. */
static size_t
conn_compact(struct conn *c)
{
	if (c->head > 0) {
		memmove(c->buf, c->buf + c->head, c->len);
		c->head = 0;
	}
	return CONN_BUF - c->len;
}

/* RFC 867 fixes no format; this is the one its example uses. */
static void
daytime_start(struct conn *c)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	c->len = strftime(c->buf, CONN_BUF, "%A, %B %-d, %Y %H:%M:%S-%Z\r\n",
			  &tm);
	c->closing = 1;
}

/*
 * RFC 864: the 95 printable ASCII characters, 72 to a line, each line
 * starting one character further on, so the pattern repeats every 95
 * lines.  Fill whatever room the buffer has, and no more.
 */
#define CHARGEN_WIDTH 72
#define CHARGEN_CHARS 95

static void
chargen_refill(struct conn *c)
{
	size_t room = conn_compact(c);
	char *p;

	while (room >= CHARGEN_WIDTH + 2) {
		p = c->buf + c->len;
		for (unsigned k = 0; k < CHARGEN_WIDTH; k++)
			p[k] = (char)(' ' + (c->chargen_pos + k) % CHARGEN_CHARS);
		p[CHARGEN_WIDTH] = '\r';
		p[CHARGEN_WIDTH + 1] = '\n';
		c->len += CHARGEN_WIDTH + 2;
		room -= CHARGEN_WIDTH + 2;
		c->chargen_pos = (c->chargen_pos + 1) % CHARGEN_CHARS;
	}
}

const struct service service_echo = { .keeps_input = 1, .ends_at_eof = 1 };
const struct service service_discard = { .ends_at_eof = 1 };
const struct service service_daytime = { .start = daytime_start };
/* The client's EOF does not end chargen: it may still read (RFC 864). */
const struct service service_chargen = { .refill = chargen_refill };

void
conn_start(const struct serve *s, struct conn *c)
{
	c->last_ns = clock_now_ns();
	if (s->svc->start)
		s->svc->start(c);
}

/* What to wait for: POLLIN while we may read, POLLOUT while we must write. */
short
conn_events(const struct serve *s, const struct conn *c)
{
	short ev = 0;

	if (!c->eof && (!s->svc->keeps_input || c->len < CONN_BUF))
		ev |= POLLIN;
	if (c->len > 0 || (s->svc->refill && !c->closing))
		ev |= POLLOUT;
	return ev;
}

/* A failed recv or send: nothing yet, the client gone, or an error. */
static void
conn_fail(struct conn *c, int err)
{
	if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR)
		return;
	c->err = err;
	c->end = err == EPIPE || err == ECONNRESET ? END_VANISHED : END_ERROR;
}

/*
 * One recv(2).  Echo reads into the output buffer, as much as fits; the
 * others read into a scratch buffer and forget it.
 */
static void
conn_read(const struct serve *s, struct conn *c)
{
	char scratch[16384], *p = scratch;
	size_t room = sizeof(scratch);
	ssize_t n;

	if (s->svc->keeps_input) {
		room = conn_compact(c);
		p = c->buf + c->len;
	}
	n = sys_recv(c->fd, p, room, 0);
	if (n < 0) {
		conn_fail(c, errno);
		return;
	}
	if (n == 0) {
		c->eof = 1;
		return;
	}
	c->in += (uint64_t)n;
	c->last_ns = clock_now_ns();
	if (s->svc->keeps_input)
		c->len += (size_t)n;
}

/*
 * One send(2) of what is pending.  MSG_NOSIGNAL: a client that has gone
 * gives EPIPE rather than SIGPIPE (main ignores SIGPIPE too; see send(2)).
 * A partial send leaves the rest for the next POLLOUT.
 */
static void
conn_write(struct conn *c)
{
	ssize_t n;

	n = sys_send(c->fd, c->buf + c->head, c->len, MSG_NOSIGNAL);
	if (n < 0) {
		conn_fail(c, errno);
		return;
	}
	c->head += (size_t)n;
	c->len -= (size_t)n;
	c->out += (uint64_t)n;
	if (n > 0)
		c->last_ns = clock_now_ns();
	if (c->len == 0)
		c->head = 0;
}

/*
 * React to what poll(2) reported for the client: at most one recv and one
 * send, so one busy client cannot starve the others of a poll loop.  We
 * try to send right after a recv that queued echo output, which saves a
 * round through poll.  POLLHUP and POLLERR come unasked; the next recv or
 * send then returns the error.  c->end says when the connection is over.
 */
void
conn_io(struct serve *s, struct conn *c, short revents)
{
	int was_empty = c->len == 0;

	if ((revents & (POLLIN | POLLHUP | POLLERR)) &&
	    (conn_events(s, c) & POLLIN))
		conn_read(s, c);
	if (c->end != END_NONE)
		return;
	if ((revents & (POLLOUT | POLLHUP | POLLERR)) && s->svc->refill &&
	    !c->closing)
		s->svc->refill(c);
	if (c->len > 0 && ((revents & (POLLOUT | POLLHUP | POLLERR)) ||
			   was_empty))
		conn_write(c);
	if (c->end == END_NONE && c->len == 0 &&
	    (c->closing || (c->eof && s->svc->ends_at_eof)))
		c->end = END_DONE;
}

/* Milliseconds until the client counts as idle: -1 never, 0 now. */
int
conn_idle_ms(const struct serve *s, const struct conn *c, long long now)
{
	long long left;

	if (s->idle <= 0)
		return -1;
	left = c->last_ns + (long long)(s->idle * 1e9) - now;
	if (left <= 0)
		return 0;
	left = (left + 999999) / 1000000;
	return left > INT_MAX ? INT_MAX : (int)left;
}

/*
 * Serve one client to the end, for the models that give each client its
 * own flow of control (iterative, fork, thread).  The socket stays
 * non-blocking and we wait in poll(2) on it and on wake_fd, the self-pipe
 * (-1 in a thread: the main thread shuts our socket down instead), so the
 * same conn_io() as the poll model does the work, and --idle-timeout is
 * the poll timeout.
 */
void
conn_run(struct serve *s, struct conn *c, int wake_fd)
{
	struct pollfd p[2] = {
		{ .fd = c->fd }, { .fd = wake_fd, .events = POLLIN },
	};
	int ms, n;

	while (c->end == END_NONE) {
		ms = conn_idle_ms(s, c, clock_now_ns());
		if (ms == 0) {
			c->end = END_IDLE;
			break;
		}
		p[0].events = conn_events(s, c);
		n = sys_poll(p, 2, ms);
		if (n < 0 && errno != EINTR) {
			c->end = END_ERROR;
			c->err = errno;
		}
		if (n <= 0)
			continue;
		if (p[1].revents) {
			serve_wake_drain();
			if (serve_stop)
				c->end = END_STOPPED;
		}
		if (p[0].revents && c->end == END_NONE)
			conn_io(s, c, p[0].revents);
	}
}

/* Make fd the descriptor target, without close-on-exec; see dup2(2). */
static int
give_fd(int fd, int target)
{
	return fd == target ? sys_fcntl(fd, F_SETFD, 0)
			    : sys_dup2(fd, target);
}

/*
 * In the child, between fork and exec.  An ignored signal stays ignored
 * across execve(2), and a caught one reverts to the default only there: so
 * give the command the defaults (SIGPIPE above all, which main ignores),
 * the signal mask it would have had, and a blocking socket as stdin and
 * stdout.  If exec fails, tell the parent why through errfd.
 */
static _Noreturn void
exec_child(const struct serve *s, const struct conn *c, int errfd,
	   const sigset_t *old)
{
	static const int reset[] = { SIGINT, SIGTERM, SIGCHLD, SIGPIPE };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	int err;
	ssize_t n;

	sigemptyset(&dfl.sa_mask);
	for (size_t i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
		sys_sigaction(reset[i], &dfl, NULL);
	sys_sigprocmask(SIG_SETMASK, old, NULL);
	if (net_set_nonblock(c->fd, 0) == 0 && give_fd(c->fd, 0) >= 0 &&
	    give_fd(c->fd, 1) >= 0)
		sys_execvp(s->exec_argv[0], s->exec_argv);
	err = errno;
	n = sys_write(errfd, &err, sizeof(err));
	(void)n;
	_exit(127);
}

/*
 * --exec: fork, and in the child exec the command on the socket.  Did the
 * exec work?  The child holds the write end of a close-on-exec pipe: a
 * successful exec closes it and our read sees EOF; a failed one writes the
 * errno first.  (Python's subprocess does the same.)  Our copy of the
 * socket is closed either way; the child has its own.  Returns 0, or -1
 * with errno when no child could be made.
 */
int
conn_exec(struct serve *s, struct conn *c)
{
	int ep[2], err = 0;
	sigset_t old;
	ssize_t n;
	pid_t pid;
	char what[300];

	if (sys_pipe2(ep, O_CLOEXEC) < 0)
		return -1;
	pid = serve_fork(&old);
	if (pid == 0)
		exec_child(s, c, ep[1], &old);
	err = errno;
	sys_close(ep[1]);
	if (pid < 0) {
		sys_close(ep[0]);
		errno = err;
		return -1;
	}
	c->kind = CONN_CHILD;
	c->pid = pid;
	do
		n = sys_read(ep[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	sys_close(ep[0]);
	sys_close(c->fd);
	c->fd = -1;
	if (n == (ssize_t)sizeof(err)) {
		snprintf(what, sizeof(what), "exec: %s", s->exec_argv[0]);
		serve_log_error(s, what, err);
	}
	return 0;
}
