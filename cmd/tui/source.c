/*
 * source.c - where `ipc tui` gets its events (docs/trace.md, "Stepping").
 *
 * A child: one end of a socketpair(2) is passed down as IPC_TRACE_FD and
 * IPC_TRACE_STEP=syscall makes it start paused at its first gate.  Attach:
 * the traced process connects to us (--trace-to unix:PATH connects), so
 * attaching means listening at PATH and accepting one connection.  Replay:
 * a JSON Lines file held in memory, fed up to a position, so a step back is
 * a reset and a shorter feed.  All three answer gates the same way: a line
 * "step", "run" or "pause" written to the trace socket.
 *
 * A live trace is read at most SRC_INTAKE bytes a frame.  Stepping never
 * comes near that: a gate waits for us.  A busy process running free
 * sends far more than a screen can show; what we leave unread fills the
 * socket, and the traced process then drops events before it builds them
 * (trace_skip() in lib/trace.c), counting them, so watching costs it
 * little.  The model sees the gaps in seq and shows the count.
 *
 * A child's stdout and stderr come back on one pipe and are kept as a
 * bounded ring of the newest lines, raw: the view escapes them (tui_escape)
 * before drawing, since a program may print anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "sys.h"
#include "tui.h"

#define REPLAY_MAX_LINES	(4u << 20)	/* a bound on what a file may hold */
#define OUTPUT_READS		16	/* output reads a pump, so keys get in */

static void
src_clear(struct tui_source *s, enum src_kind kind)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->fd = -1;
	s->listen_fd = -1;
	s->out_fd = -1;
}

/*
 * In the child, after fork(2): out is the write end of the output pipe,
 * or -1 to send stdout and stderr to our stderr.  Never returns.
 */
static void
child_exec(int fd, int out, char *const argv[], int step)
{
	char num[16];
	int null = sys_open("/dev/null", O_RDWR);

	/* The one descriptor the child must keep across execve(2). */
	if (null < 0 || sys_fcntl(fd, F_SETFD, 0) < 0)
		_exit(127);
	snprintf(num, sizeof(num), "%d", fd);
	setenv("IPC_TRACE_FD", num, 1);
	/*
	 * IPC_TRACE=human inherited from our environment would make the
	 * child write human lines down the socket, and the model reads JSON;
	 * IPC_TRACE_FD wins over IPC_TRACE_TO already.  See docs/trace.md.
	 */
	unsetenv("IPC_TRACE");
	unsetenv("IPC_TRACE_TO");
	if (step)
		setenv("IPC_TRACE_STEP", "syscall", 1);
	else
		unsetenv("IPC_TRACE_STEP");
	sys_dup2(null, STDIN_FILENO);
	/* dup2(2) clears FD_CLOEXEC on the copy: the pipe's end survives exec. */
	sys_dup2(out >= 0 ? out : STDERR_FILENO, STDOUT_FILENO);
	if (out >= 0)
		sys_dup2(out, STDERR_FILENO);
	sys_execvp(argv[0], argv);
	_exit(127);
}

int
src_child(struct tui_source *s, char *const argv[], int step, int capture)
{
	int sv[2], out[2] = { -1, -1 }, err;

	src_clear(s, SRC_CHILD);
	if (sys_socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	/*
	 * The output pipe: both ends close-on-exec, and only our read end
	 * non-blocking, since the child's writes must block as they would
	 * on a terminal.  See pipe(7).
	 */
	if (capture && (sys_pipe2(out, O_CLOEXEC) < 0 ||
			sys_fcntl(out[0], F_SETFL, O_NONBLOCK) < 0))
		goto fail;
	s->pid = sys_fork();
	if (s->pid < 0)
		goto fail;
	if (s->pid == 0) {
		sys_close(sv[0]);
		child_exec(sv[1], out[1], argv, step);
	}
	sys_close(sv[1]);
	if (capture)
		sys_close(out[1]);
	s->fd = sv[0];
	s->out_fd = out[0];
	snprintf(s->status, sizeof(s->status), "running as pid %d",
		 (int)s->pid);
	return 0;
fail:
	err = errno;
	sys_close(sv[0]);
	sys_close(sv[1]);
	for (int i = 0; i < 2; i++)
		if (out[i] >= 0)
			sys_close(out[i]);
	s->pid = 0;
	errno = err;
	return -1;
}

int
src_attach(struct tui_source *s, const char *path, int timeout_ms)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct pollfd p;
	int n;

	src_clear(s, SRC_ATTACH);
	if (strncmp(path, "unix:", 5) == 0)
		path += 5;
	if (strlen(path) >= sizeof(sun.sun_path) || path[0] == '\0') {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	s->listen_fd = sys_socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0)
		return -1;
	if (sys_bind(s->listen_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		goto fail;
	snprintf(s->path, sizeof(s->path), "%s", path);
	if (sys_listen(s->listen_fd, 1) < 0)
		goto fail;
	p = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
	do
		n = sys_poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR && !crt_stop_signal());
	if (n == 0)
		errno = ETIMEDOUT;
	if (n <= 0)
		goto fail;
	s->fd = sys_accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (s->fd < 0)
		goto fail;
	snprintf(s->status, sizeof(s->status), "attached at %.50s", path);
	return 0;
fail:
	n = errno;
	src_close(s);
	errno = n;
	return -1;
}

int
src_replay(struct tui_source *s, const char *path)
{
	char *line = NULL, **grown;
	size_t cap = 0, room = 0;
	ssize_t n;
	FILE *f;
	int err = 0;

	src_clear(s, SRC_REPLAY);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (s->nlines == REPLAY_MAX_LINES) {
			err = EFBIG;
			break;
		}
		if (s->nlines == room) {
			room = room ? 2 * room : 1024;
			grown = realloc(s->file_lines, room * sizeof(*grown));
			if (grown == NULL) {
				err = ENOMEM;
				break;
			}
			s->file_lines = grown;
		}
		s->file_lines[s->nlines] = strdup(line);
		if (s->file_lines[s->nlines] == NULL) {
			err = ENOMEM;
			break;
		}
		s->nlines++;
	}
	if (err == 0 && ferror(f))
		err = EIO;
	free(line);
	fclose(f);
	if (err != 0) {
		src_close(s);
		errno = err;
		return -1;
	}
	snprintf(s->status, sizeof(s->status), "replay");
	return 0;
}

/* Feed each whole line in the buffer; keep the partial rest. */
static int
feed_lines(struct tui_source *s, struct tui_model *m)
{
	size_t start = 0;
	char *nl;
	int fed = 0;

	while ((nl = memchr(s->buf + start, '\n', s->len - start)) != NULL) {
		size_t n = (size_t)(nl - (s->buf + start));

		if (tui_model_feed(m, s->buf + start, n) == 0)
			fed = 1;
		start += n + 1;
	}
	memmove(s->buf, s->buf + start, s->len - start);
	s->len -= start;
	/* A line longer than the buffer cannot be an event: throw it away. */
	if (s->len == sizeof(s->buf)) {
		m->bad++;
		s->len = 0;
	}
	return fed;
}

/* Start a new frame's intake when the last one is over. */
static void
frame_roll(struct tui_source *s, long long now)
{
	if (now - s->frame_ms >= TUI_FRAME_MS) {
		s->frame_ms = now;
		s->frame_bytes = 0;
	}
}

int
src_wait_ms(const struct tui_source *s)
{
	long long left = s->frame_ms + TUI_FRAME_MS - clock_now_ns() / 1000000;

	if (s->frame_bytes < SRC_INTAKE || left <= 0)
		return 0;
	return (int)left;
}

int
src_pump(struct tui_source *s, struct tui_model *m)
{
	int fed = 0;

	frame_roll(s, clock_now_ns() / 1000000);
	while (s->fd >= 0 && s->frame_bytes < SRC_INTAKE) {
		size_t room = sizeof(s->buf) - s->len;
		ssize_t n;

		if (room > SRC_INTAKE - s->frame_bytes)
			room = SRC_INTAKE - s->frame_bytes;
		n = sys_recv(s->fd, s->buf + s->len, room, MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			int err = n < 0 ? errno : 0;

			sys_close(s->fd);
			s->fd = -1;
			snprintf(s->status, sizeof(s->status), "%s",
				 s->kind == SRC_ATTACH ? "the process went away"
				 : "trace closed");
			if (n < 0) {
				errno = err;
				return -1;
			}
			break;
		}
		s->len += (size_t)n;
		s->frame_bytes += (size_t)n;
		fed |= feed_lines(s, m);
	}
	return fed;
}

/* One byte of output into the ring: a newline ends the line, a long line wraps. */
static void
out_byte(struct tui_source *s, char c)
{
	char *line;

	if (!s->out_open) {
		s->out_total++;
		s->out_col = 0;
		s->out_open = 1;
		s->out[(s->out_total - 1) % SRC_OUT_LINES][0] = '\0';
	}
	if (c == '\n') {
		s->out_open = 0;
		return;
	}
	line = s->out[(s->out_total - 1) % SRC_OUT_LINES];
	line[s->out_col++] = c == '\t' ? ' ' : c;
	line[s->out_col] = '\0';
	if (s->out_col == SRC_OUT_WIDTH - 1)
		s->out_open = 0;
}

int
src_pump_output(struct tui_source *s)
{
	char buf[4096];
	int got = 0;

	for (int i = 0; i < OUTPUT_READS && s->out_fd >= 0; i++) {
		ssize_t n = sys_read(s->out_fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			/* End of file, or an error: either way no more output. */
			sys_close(s->out_fd);
			s->out_fd = -1;
			break;
		}
		for (ssize_t k = 0; k < n; k++)
			out_byte(s, buf[k]);
		got = 1;
	}
	return got;
}

size_t
src_output_lines(const struct tui_source *s)
{
	return s->out_total < SRC_OUT_LINES ? (size_t)s->out_total :
	       SRC_OUT_LINES;
}

const char *
src_output_line(const struct tui_source *s, size_t i)
{
	size_t n = src_output_lines(s);

	if (i >= n)
		return NULL;
	return s->out[(s->out_total - n + i) % SRC_OUT_LINES];
}

int
src_command(struct tui_source *s, const char *cmd)
{
	char line[16];
	int n = snprintf(line, sizeof(line), "%s\n", cmd);

	if (s->fd < 0) {
		errno = ENOTCONN;
		return -1;
	}
	/* MSG_NOSIGNAL: a child gone is EPIPE here, not a SIGPIPE; see send(2). */
	for (int off = 0; off < n;) {
		ssize_t w = sys_send(s->fd, line + off, (size_t)(n - off),
				     MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		off += (int)w;
	}
	return 0;
}

/* "exited 3" or "killed by SIGSEGV"; see waitpid(2). */
static void
describe(struct tui_source *s, int status)
{
	if (WIFEXITED(status)) {
		s->code = WEXITSTATUS(status);
		snprintf(s->status, sizeof(s->status), "the child exited %d",
			 WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		s->code = 128 + WTERMSIG(status);
		snprintf(s->status, sizeof(s->status),
			 "the child was killed by SIG%s",
			 sigabbrev_np(WTERMSIG(status)) ?
			 sigabbrev_np(WTERMSIG(status)) : "?");
	}
}

void
src_reap(struct tui_source *s)
{
	int status;

	if (s->pid > 0 && sys_waitpid(s->pid, &status, WNOHANG) == s->pid) {
		s->pid = 0;
		describe(s, status);
	}
}

void
src_wait(struct tui_source *s)
{
	int status;
	pid_t got;

	while (s->pid > 0 && !crt_stop_signal()) {
		got = sys_waitpid(s->pid, &status, 0);
		if (got == s->pid) {
			s->pid = 0;
			describe(s, status);
		} else if (got < 0 && errno != EINTR) {
			break;
		}
	}
}

void
src_close(struct tui_source *s)
{
	int status;

	if (s->fd >= 0)
		sys_close(s->fd);
	s->fd = -1;
	if (s->listen_fd >= 0)
		sys_close(s->listen_fd);
	s->listen_fd = -1;
	if (s->out_fd >= 0)
		sys_close(s->out_fd);
	s->out_fd = -1;
	if (s->path[0] != '\0')
		sys_unlink(s->path);
	s->path[0] = '\0';
	if (s->pid > 0) {
		/* Its trace socket is closed, so it runs on; stop it. */
		sys_kill(s->pid, SIGTERM);
		while (sys_waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
			;
		s->pid = 0;
	}
	for (size_t i = 0; i < s->nlines; i++)
		free(s->file_lines[i]);
	free(s->file_lines);
	s->file_lines = NULL;
	s->nlines = s->pos = 0;
}
