/*
 * trace.c - the event bus: every event becomes one line on one sink.
 *
 * A sink is stderr (human lines, --trace), a file or a Unix stream socket
 * (--trace-to PATH|unix:PATH), or an inherited descriptor (IPC_TRACE_FD).
 * JSON Lines follow schema 1 (see trace.h):
 *
 *	{"seq":0,"t_ns":812,"pid":4242,"mod":"sock","ev":"hello","schema":1,
 *	 "version":"0.1.0","argv":["ipc","sock","connect","localhost","7000"]}
 *	{"seq":1,...,"ev":"syscall","call":"connect","fd":3,
 *	 "args":{"addr":"127.0.0.1:7000"},"ret":-1,"errno":"ECONNREFUSED",
 *	 "note":"no listener: the peer answered SYN with RST"}
 *	{"seq":2,...,"ev":"state","args":{...},"note":"..."}
 *	{"seq":3,...,"ev":"gate","kind":"iter"}
 *	{"seq":4,...,"ev":"bye"}
 *
 * seq counts per process (a forked child continues its parent's count but
 * stamps its own pid).  A syscall event always has "args"; it has "fd"
 * only when the call works on one, "errno" only when ret < 0, and
 * "injected" only when --inject made the outcome.  Other events carry
 * "args" and "note" when they have them.  The human form is one
 * strace-like line per event and leaves out hello and bye.
 *
 * Strings are bytes, not always UTF-8 (a peer's address, a file name).  JSON
 * needs UTF-8, so every byte that is not part of a valid UTF-8 sequence is
 * written as the four characters \xHH ("\\xff" in the JSON text): the
 * event never vanishes and the byte stays visible.  The human form escapes
 * control bytes the same way, so a hostile peer cannot drive the terminal.
 *
 * One mutex covers numbering, formatting and writing, so events from
 * several threads never interleave; each event is a single write(2) unless
 * the kernel takes it short.  If the sink fails (the reader went away),
 * tracing turns itself off without a word: the library never prints, and
 * the traced program must not die of SIGPIPE because its observer left.
 *
 * Nothing here is async-signal-safe: a signal handler must not trace (the
 * signal modules report deliveries from the loop, after the handler).
 */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "num.h"

#ifndef IPC_VERSION
#define IPC_VERSION "0.0.0"
#endif

#define JSON_FLAGS	(JSON_COMPACT | JSON_PRESERVE_ORDER)
#define LINE_MAX_HUMAN	2048	/* longer human lines end in "..." */
#define CONTROL_MAX	256	/* buffer for "step", "run", "pause" lines */

#define SGR_DIM		"\033[2m"
#define SGR_RED		"\033[31m"
#define SGR_RESET	"\033[0m"

/* How a write to the sink must be made; see write_all(). */
enum sink_kind {
	SINK_PLAIN,	/* a file or terminal: plain write(2) */
	SINK_PIPE,	/* a pipe or FIFO: write(2) with SIGPIPE blocked */
	SINK_SOCKET,	/* a socket: send(2) with MSG_NOSIGNAL */
};

int trace_on;

static struct {
	pthread_mutex_t lock;	/* covers everything below */
	int fd;			/* the sink, or -1 */
	int owned;		/* close fd in trace_close() */
	enum sink_kind kind;
	enum trace_format format;
	int color;		/* human form on a terminal that wants colour */
	enum trace_step step;	/* --step granularity, or STEP_OFF */
	int paused;		/* stepping: stop at the next gate */
	long long seq;		/* number of the next event */
	long long dropped;	/* events a full socket sink could not take */
	int closing;		/* the bye is being written */
	uint64_t t0;		/* CLOCK_MONOTONIC at trace_init(), in ns */
	pid_t pid;		/* getpid(), refreshed in a forked child */
	char mod[32];		/* module name stamped on events */
	char in[CONTROL_MAX];	/* control lines read from a socket sink */
	size_t inlen;
} tr = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.fd = -1,
	.mod = "ipc",
};

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/*
 * The length of the valid UTF-8 sequence at s, or 0 when the bytes there
 * are not valid UTF-8: overlong forms, surrogates and code points above
 * U+10FFFF are refused, as in utf-8(7).  s is NUL-terminated, so a
 * truncated sequence fails on the NUL.
 */
static size_t
utf8_seq(const unsigned char *s)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* The errno name ("ECONNREFUSED"), or the number for an unknown value. */
static const char *
errno_name(int err, char *buf, size_t size)
{
	const char *name = strerrorname_np(err);

	if (name != NULL)
		return name;
	snprintf(buf, size, "%d", err);
	return buf;
}

/* ---- JSON form ---- */

/*
 * A JSON string for bytes s: valid UTF-8 is kept, any other byte becomes
 * the text \xHH (see the top of this file).  Returns NULL when out of
 * memory.
 */
static json_t *
json_bytes(const char *s)
{
	const unsigned char *p;
	char *copy, *q;
	json_t *j;
	size_t n;

	for (p = (const unsigned char *)s; *p != '\0'; p += n)
		if ((n = utf8_seq(p)) == 0)
			break;
	if (*p == '\0')
		return json_string_nocheck(s);

	/* At worst every byte grows to four characters. */
	if ((copy = malloc(strlen(s) * 4 + 1)) == NULL)
		return NULL;
	for (p = (const unsigned char *)s, q = copy; *p != '\0'; p += n) {
		if ((n = utf8_seq(p)) == 0) {
			q += sprintf(q, "\\x%02x", *p);
			n = 1;
		} else {
			memcpy(q, p, n);
			q += n;
		}
	}
	*q = '\0';
	j = json_string_nocheck(copy);
	free(copy);
	return j;
}

/* o[key] = v; non-zero on failure (v NULL means out of memory). */
static int
put(json_t *o, const char *key, json_t *v)
{
	return json_object_set_new(o, key, v) != 0;
}

/* The "args" object of an event. */
static json_t *
json_args(const struct trace_arg *args, int nargs)
{
	json_t *o = json_object();
	int i, bad = 0;

	for (i = 0; o != NULL && i < nargs; i++)
		bad |= put(o, args[i].key, args[i].str != NULL ?
		    json_bytes(args[i].str) : json_integer(args[i].num));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The fields of a syscall event after "ev". */
static int
json_call(json_t *o, const struct trace_call *c)
{
	char buf[16];
	int bad = 0;

	bad |= put(o, "call", json_bytes(c->call));
	if (c->fd >= 0)
		bad |= put(o, "fd", json_integer(c->fd));
	bad |= put(o, "args", json_args(c->args, c->nargs));
	bad |= put(o, "ret", json_integer(c->ret));
	if (c->ret < 0 && c->err != 0)
		bad |= put(o, "errno",
		    json_string(errno_name(c->err, buf, sizeof(buf))));
	if (c->note != NULL)
		bad |= put(o, "note", json_bytes(c->note));
	if (c->injected)
		bad |= put(o, "injected", json_true());
	return bad;
}

/*
 * One event as a JSON object, in schema order.  c is set for a syscall
 * event; otherwise note and args describe it.  The caller holds tr.lock.
 * Returns NULL when out of memory.
 */
static json_t *
json_event(long long seq, const char *ev, const struct trace_call *c,
    const char *note, const struct trace_arg *args, int nargs)
{
	json_t *o = json_object();
	int bad = 0;

	if (o == NULL)
		return NULL;
	bad |= put(o, "seq", json_integer(seq));
	bad |= put(o, "t_ns", json_integer((json_int_t)trace_now_ns()));
	bad |= put(o, "pid", json_integer(tr.pid));
	bad |= put(o, "mod", json_bytes(tr.mod));
	bad |= put(o, "ev", json_bytes(ev));
	if (c != NULL) {
		bad |= json_call(o, c);
	} else {
		if (nargs > 0)
			bad |= put(o, "args", json_args(args, nargs));
		if (note != NULL)
			bad |= put(o, "note", json_bytes(note));
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- human form ---- */

/* One human line being built; cut with "..." when it overflows. */
struct line {
	char buf[LINE_MAX_HUMAN];
	size_t len;
};

static void
line_put(struct line *l, const char *s, size_t n)
{
	size_t room = sizeof(l->buf) - 1 - l->len;	/* one left for '\n' */

	if (n > room)
		n = room;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void
line_puts(struct line *l, const char *s)
{
	line_put(l, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
line_printf(struct line *l, const char *fmt, ...)
{
	size_t room = sizeof(l->buf) - 1 - l->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, room + 1, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n < room ? (size_t)n : room;
}

/* A colour sequence, only when the sink wants colour. */
static void
line_sgr(struct line *l, const char *sgr)
{
	if (tr.color)
		line_puts(l, sgr);
}

/* One ASCII byte for a terminal: printable ones pass, the rest are escaped. */
static void
line_byte(struct line *l, unsigned char c)
{
	if (c == '\\')
		line_puts(l, "\\\\");
	else if (c == '\n')
		line_puts(l, "\\n");
	else if (c == '\t')
		line_puts(l, "\\t");
	else if (c == '\r')
		line_puts(l, "\\r");
	else if (c >= 0x20 && c < 0x7f)
		line_put(l, (const char *)&c, 1);
	else
		line_printf(l, "\\x%02x", c);
}

/*
 * Bytes for a terminal: printable ASCII and valid UTF-8 pass; backslash,
 * control bytes (C0, DEL, and C1: U+0080..U+009F, which some terminals
 * obey) and invalid bytes become \\, \n, \t, \r or \xHH.
 */
static void
line_escaped(struct line *l, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	for (; *p != '\0'; p += n) {
		n = utf8_seq(p);
		if (n == 0) {
			line_printf(l, "\\x%02x", p[0]);
			n = 1;
		} else if (n == 1) {
			line_byte(l, p[0]);
		} else if (p[0] == 0xc2 && p[1] < 0xa0) {
			line_printf(l, "\\x%02x\\x%02x", p[0], p[1]);
		} else {
			line_put(l, (const char *)p, n);
		}
	}
}

static void
line_arg(struct line *l, const struct trace_arg *a)
{
	line_printf(l, "%s=", a->key);
	if (a->str != NULL)
		line_escaped(l, a->str);
	else
		line_printf(l, "%lld", a->num);
}

/* "  # note", dimmed on a colour terminal. */
static void
line_note(struct line *l, const char *note)
{
	if (note == NULL || *note == '\0')
		return;
	line_puts(l, "  ");
	line_sgr(l, SGR_DIM);
	line_puts(l, "# ");
	line_escaped(l, note);
	line_sgr(l, SGR_RESET);
}

/* Like strace: "[sock] connect(3, addr=...) = -1 ECONNREFUSED  # note". */
static void
line_call(struct line *l, const struct trace_call *c)
{
	char buf[16];
	int i;

	line_printf(l, "[%s] ", tr.mod);
	line_escaped(l, c->call);
	line_puts(l, "(");
	if (c->fd >= 0)
		line_printf(l, "%d", c->fd);
	for (i = 0; i < c->nargs; i++) {
		if (i > 0 || c->fd >= 0)
			line_puts(l, ", ");
		line_arg(l, &c->args[i]);
	}
	line_printf(l, ") = %lld", c->ret);
	if (c->ret < 0 && c->err != 0) {
		line_puts(l, " ");
		line_sgr(l, SGR_RED);
		line_puts(l, errno_name(c->err, buf, sizeof(buf)));
		line_sgr(l, SGR_RESET);
	}
	if (c->injected)
		line_puts(l, " (injected)");
	line_note(l, c->note);
}

/* Any other event: "[loop] iter: note key=value key=value". */
static void
line_other(struct line *l, const char *ev, const char *note,
    const struct trace_arg *args, int nargs)
{
	int i;

	line_printf(l, "[%s] ", tr.mod);
	line_escaped(l, ev);
	line_puts(l, ":");
	if (note != NULL) {
		line_puts(l, " ");
		line_escaped(l, note);
	}
	for (i = 0; i < nargs; i++) {
		line_puts(l, " ");
		line_arg(l, &args[i]);
	}
}

/* ---- the sink ---- */

/* Wait until fd takes more bytes; for a sink someone made non-blocking. */
static int
wait_writable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	while (poll(&p, 1, -1) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

/*
 * Write all n bytes to the sink: retry after EINTR and short writes, and
 * wait with poll(2) on EAGAIN.  A socket is written with MSG_NOSIGNAL so a
 * vanished reader gives EPIPE instead of SIGPIPE; see send(2).  Returns 0,
 * or -1 with errno set.
 */
static int
write_all(const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if (tr.kind == SINK_SOCKET)
			w = send(tr.fd, p, n, MSG_NOSIGNAL);
		else
			w = write(tr.fd, p, n);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w == 0) {
			errno = EIO;
			return -1;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (wait_writable(tr.fd) == -1)
				return -1;
		} else if (errno != EINTR) {
			return -1;
		}
	}
	return 0;
}

/*
 * write_all() for a pipe, whose reader may be gone.  write(2) has no
 * MSG_NOSIGNAL, so SIGPIPE is blocked in this thread for the write, and a
 * SIGPIPE the write raised is taken off the pending set before unblocking
 * (see signal(7), sigtimedwait(2)).  A SIGPIPE that was already pending
 * is left for the program.  Returns 0, or -1 with errno set.
 */
static int
write_pipe(const char *p, size_t n)
{
	static const struct timespec no_wait;
	sigset_t pipe_set, old, pending;
	int was_pending, ret, err;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	ret = write_all(p, n);
	err = errno;
	if (ret == -1 && err == EPIPE && !was_pending)
		sigtimedwait(&pipe_set, NULL, &no_wait);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return ret;
}

/* The sink failed: stop tracing and stepping, quietly.  Holds tr.lock. */
static void
sink_lost(void)
{
	trace_on = 0;
	tr.step = STEP_OFF;
	tr.paused = 0;
	if (tr.owned)
		close(tr.fd);
	tr.fd = -1;
	tr.owned = 0;
}

/*
 * A socket sink that is not stepping must never hold up the traced
 * program: a line that finds the socket full is dropped whole and counted,
 * and the reader sees the gap in seq (docs/trace.md).  A line the socket
 * took in part is finished, so that lines stay whole.  Returns 0, or -1
 * with errno set.  Holds tr.lock.
 */
static int
write_or_drop(const char *p, size_t n)
{
	ssize_t w = send(tr.fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (w == (ssize_t)n)
		return 0;
	if (w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		tr.dropped++;
		return 0;
	}
	if (w == -1)
		return errno == EINTR ? write_all(p, n) : -1;
	return write_all(p + w, n - (size_t)w);
}

/* Send one finished line (ending in '\n') to the sink.  Holds tr.lock. */
static void
sink_write(const char *buf, size_t n)
{
	int ret;

	if (tr.fd < 0)
		return;
	if (tr.kind == SINK_PIPE)
		ret = write_pipe(buf, n);
	else if (tr.kind == SINK_SOCKET && tr.step == STEP_OFF && !tr.closing)
		ret = write_or_drop(buf, n);
	else
		ret = write_all(buf, n);
	if (ret == -1)
		sink_lost();
}

/*
 * Render o as one line into buf (or a malloc'd buffer when it does not
 * fit) and send it.  Consumes o; a NULL o (out of memory) drops the event.
 */
static void
sink_json(json_t *o)
{
	char stack[2048], *buf = stack;
	size_t n;

	if (o == NULL)
		return;
	n = json_dumpb(o, buf, sizeof(stack) - 1, JSON_FLAGS);
	if (n > sizeof(stack) - 1) {
		if ((buf = malloc(n + 1)) != NULL)
			n = json_dumpb(o, buf, n, JSON_FLAGS);
	}
	json_decref(o);
	if (buf == NULL || n == 0)
		return;
	buf[n] = '\n';
	sink_write(buf, n + 1);
	if (buf != stack)
		free(buf);
}

static void
sink_line(struct line *l)
{
	if (l->len == sizeof(l->buf) - 1)
		memcpy(l->buf + l->len - 3, "...", 3);
	l->buf[l->len++] = '\n';
	sink_write(l->buf, l->len);
}

/* Number, format and write one event.  Holds tr.lock. */
static void
emit(const char *ev, const struct trace_call *c, const char *note,
    const struct trace_arg *args, int nargs)
{
	struct line l = { .len = 0 };
	long long seq = tr.seq++;

	if (tr.format == TRACE_JSON) {
		sink_json(json_event(seq, ev, c, note, args, nargs));
		return;
	}
	if (c != NULL)
		line_call(&l, c);
	else
		line_other(&l, ev, note, args, nargs);
	sink_line(&l);
}

/* The first event: schema, version and the command line.  JSON only. */
static void
emit_hello(int argc, char **argv)
{
	json_t *o, *list;
	int i, bad = 0;

	if (tr.format != TRACE_JSON) {
		tr.seq++;
		return;
	}
	if ((o = json_event(tr.seq++, "hello", NULL, NULL, NULL, 0)) == NULL)
		return;
	list = json_array();
	for (i = 0; list != NULL && argv != NULL && i < argc; i++)
		bad |= json_array_append_new(list, json_bytes(argv[i])) != 0;
	bad |= put(o, "schema", json_integer(TRACE_SCHEMA));
	bad |= put(o, "version", json_string(IPC_VERSION));
	bad |= put(o, "argv", list);
	if (bad) {
		json_decref(o);
		return;
	}
	sink_json(o);
}

static void
emit_bye(void)
{
	json_t *o;

	if (tr.format != TRACE_JSON) {
		tr.seq++;
		return;
	}
	o = json_event(tr.seq++, "bye", NULL, NULL, NULL, 0);
	if (o != NULL && tr.dropped > 0)
		json_object_set_new(o, "dropped", json_integer(tr.dropped));
	/* The bye waits for room: it is the reader's last word. */
	tr.closing = 1;
	sink_json(o);
}

static const char *
step_name(enum trace_step kind)
{
	return kind == STEP_SYSCALL ? "syscall" : "iter";
}

/* {"ev":"gate","kind":"iter"}: the process now waits for its controller. */
static void
emit_gate(enum trace_step kind)
{
	struct line l = { .len = 0 };
	json_t *o;

	if (tr.format == TRACE_JSON) {
		o = json_event(tr.seq++, "gate", NULL, NULL, NULL, 0);
		if (o != NULL && put(o, "kind", json_string(step_name(kind)))) {
			json_decref(o);
			o = NULL;
		}
		sink_json(o);
		return;
	}
	tr.seq++;
	line_printf(&l, "[%s] gate: %s: waiting for step, run or pause",
	    tr.mod, step_name(kind));
	sink_line(&l);
}

/* ---- opening a sink ---- */

/* What trace_init() decided from its config and the environment. */
struct plan {
	int want;			/* 0: tracing stays off */
	enum trace_format format;
	const char *to;			/* PATH or unix:PATH, or NULL */
	int fd;				/* IPC_TRACE_FD, or -1 */
	enum trace_step step;
	int step_from_env;		/* IPC_TRACE_STEP, not --step */
};

/* A non-empty environment variable, or NULL. */
static const char *
env_value(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/*
 * The format from a --trace / IPC_TRACE value.  NULL and "" take the
 * sink's default: human on stderr, JSON anywhere else.  Returns -1 with
 * errno EINVAL for an unknown value.
 */
static int
parse_format(const char *spec, int to_stderr, enum trace_format *f)
{
	if (spec == NULL || *spec == '\0')
		*f = to_stderr ? TRACE_HUMAN : TRACE_JSON;
	else if (strcmp(spec, "human") == 0)
		*f = TRACE_HUMAN;
	else if (strcmp(spec, "json") == 0)
		*f = TRACE_JSON;
	else
		return errno = EINVAL, -1;
	return 0;
}

/*
 * The granularity from a --step value ("" and "iter": loop iterations,
 * "syscall": also every wrapped call) or IPC_TRACE_STEP ("1" for iter,
 * "0" for off).  Returns -1 with errno EINVAL for anything else.
 */
static int
parse_step(const char *s, int from_env, enum trace_step *step)
{
	if (s == NULL || (from_env && strcmp(s, "0") == 0))
		*step = STEP_OFF;
	else if (*s == '\0' || strcmp(s, "iter") == 0 ||
	    (from_env && strcmp(s, "1") == 0))
		*step = STEP_ITER;
	else if (strcmp(s, "syscall") == 0)
		*step = STEP_SYSCALL;
	else
		return errno = EINVAL, -1;
	return 0;
}

/* A descriptor number from IPC_TRACE_FD; -1 with errno EINVAL if malformed. */
static int
parse_fd(const char *s, int *fd)
{
	long v = num_decimal(s, 0, 65535);

	if (v < 0)
		return -1;
	*fd = (int)v;
	return 0;
}

/*
 * Decide the sink.  An explicit --trace or --trace-to wins over the whole
 * environment; among the variables IPC_TRACE_FD comes first, then
 * IPC_TRACE_TO, then IPC_TRACE alone (stderr).  --step wins over
 * IPC_TRACE_STEP.  Returns -1 with errno EINVAL for a bad value.
 */
static int
make_plan(const struct trace_config *cfg, struct plan *p)
{
	int explicit = cfg->spec != NULL || cfg->to != NULL;
	const char *spec, *fd_env = NULL;

	p->fd = -1;
	if (explicit) {
		spec = cfg->spec;
		p->to = cfg->to;
	} else {
		spec = env_value("IPC_TRACE");
		p->to = env_value("IPC_TRACE_TO");
		fd_env = env_value("IPC_TRACE_FD");
		if (fd_env != NULL) {
			if (parse_fd(fd_env, &p->fd) == -1)
				return -1;
			p->to = NULL;
		}
	}
	p->want = spec != NULL || p->to != NULL || p->fd >= 0;
	if (parse_format(spec, p->to == NULL && p->fd < 0, &p->format) == -1)
		return -1;
	p->step_from_env = cfg->step == NULL;
	if (cfg->step != NULL)
		return parse_step(cfg->step, 0, &p->step);
	return parse_step(env_value("IPC_TRACE_STEP"), 1, &p->step);
}

/*
 * Connect a stream socket to "unix:/path" or "unix:@abstract"; see
 * unix(7).  Returns the fd, or -1 with errno set.
 */
static int
open_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	socklen_t len;
	int fd, err;

	if (n == 0 || n >= sizeof(sun.sun_path))
		return errno = n == 0 ? EINVAL : ENAMETOOLONG, -1;
	memcpy(sun.sun_path, path, n);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';	/* the abstract namespace */
	else
		len++;			/* count the terminating NUL */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, len) == -1) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/*
 * Take the inherited IPC_TRACE_FD: check that it is open, mark it
 * close-on-exec (unless it is stdin, stdout or stderr, which children
 * need), and remove the variable, so a program this one executes does not
 * write to whatever that number means there.  Returns 0, or -1 with errno
 * EBADF.
 */
static int
take_fd(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	if (flags == -1)
		return -1;
	if (fd > STDERR_FILENO && fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == -1)
		return -1;
	unsetenv("IPC_TRACE_FD");
	return 0;
}

static enum sink_kind
sink_kind_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return SINK_PLAIN;
	if (S_ISSOCK(st.st_mode))
		return SINK_SOCKET;
	return S_ISFIFO(st.st_mode) ? SINK_PIPE : SINK_PLAIN;
}

/* Colour only on a terminal, never with NO_COLOR set or TERM=dumb. */
static int
want_color(int fd)
{
	const char *term = getenv("TERM");

	if (getenv("NO_COLOR") != NULL)
		return 0;
	if (term != NULL && strcmp(term, "dumb") == 0)
		return 0;
	return isatty(fd);
}

/*
 * Open the planned sink into tr.fd / tr.owned.  Returns 0, or -1 with
 * errno set by open(2), socket(2), connect(2) or fcntl(2).
 */
static int
open_sink(const struct plan *p)
{
	int fd;

	tr.owned = 1;
	if (p->fd >= 0) {
		if (take_fd(p->fd) == -1)
			return -1;
		fd = p->fd;
		tr.owned = fd > STDERR_FILENO;
	} else if (p->to == NULL) {
		fd = STDERR_FILENO;
		tr.owned = 0;
	} else if (strncmp(p->to, "unix:", 5) == 0) {
		fd = open_unix(p->to + 5);
	} else {
		/* O_APPEND: a forked child writing too never overwrites. */
		fd = open(p->to, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND |
		    O_CLOEXEC, 0666);
	}
	tr.fd = fd;
	return fd == -1 ? -1 : 0;
}

/* ---- fork ---- */

/*
 * A child of fork(2) has one thread, so a lock another thread held at the
 * fork would stay locked forever.  Taking tr.lock around fork keeps the
 * copy consistent; see pthread_atfork(3).  The child stamps its own pid
 * and stops stepping: the controller talks to one process.
 */
static void
fork_prepare(void)
{
	pthread_mutex_lock(&tr.lock);
}

static void
fork_parent(void)
{
	pthread_mutex_unlock(&tr.lock);
}

static void
fork_child(void)
{
	tr.pid = getpid();
	tr.step = STEP_OFF;
	tr.paused = 0;
	tr.inlen = 0;
	pthread_mutex_unlock(&tr.lock);
}

static void
register_atfork(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

/* ---- public interface ---- */

/*
 * --step needs a socket sink to read commands from.  IPC_TRACE_STEP
 * without one is ignored rather than refused: the variable is inherited
 * by programs this one runs, which have no controller.
 */
int
trace_init(const struct trace_config *cfg)
{
	struct plan p;

	trace_close();
	if (make_plan(cfg, &p) == -1)
		return -1;
	if (!p.want && p.step != STEP_OFF && !p.step_from_env)
		return errno = ENOTSOCK, -1;
	if (!p.want)
		return 0;

	pthread_mutex_lock(&tr.lock);
	if (open_sink(&p) == -1) {
		tr.fd = -1;
		pthread_mutex_unlock(&tr.lock);
		return -1;
	}
	tr.kind = sink_kind_of(tr.fd);
	if (p.step_from_env && tr.kind != SINK_SOCKET)
		p.step = STEP_OFF;
	if (p.step != STEP_OFF && tr.kind != SINK_SOCKET) {
		if (tr.owned)
			close(tr.fd);
		tr.fd = -1;
		pthread_mutex_unlock(&tr.lock);
		return errno = ENOTSOCK, -1;
	}
	pthread_once(&atfork_once, register_atfork);
	tr.t0 = (uint64_t)clock_now_ns();
	tr.format = p.format;
	tr.color = p.format == TRACE_HUMAN && want_color(tr.fd);
	tr.step = p.step;
	tr.paused = p.step != STEP_OFF;
	tr.seq = 0;
	tr.dropped = 0;
	tr.closing = 0;
	tr.pid = getpid();
	tr.inlen = 0;
	snprintf(tr.mod, sizeof(tr.mod), "%s", cfg->mod ? cfg->mod : "ipc");
	trace_on = 1;
	emit_hello(cfg->argc, cfg->argv);
	pthread_mutex_unlock(&tr.lock);
	return 0;
}

void
trace_close(void)
{
	int err = errno;

	pthread_mutex_lock(&tr.lock);
	if (trace_on)
		emit_bye();
	if (tr.owned && tr.fd >= 0)
		close(tr.fd);
	tr.fd = -1;
	tr.owned = 0;
	tr.step = STEP_OFF;
	tr.paused = 0;
	trace_on = 0;
	pthread_mutex_unlock(&tr.lock);
	errno = err;
}

void
trace_set_mod(const char *mod)
{
	pthread_mutex_lock(&tr.lock);
	snprintf(tr.mod, sizeof(tr.mod), "%s", mod != NULL ? mod : "ipc");
	pthread_mutex_unlock(&tr.lock);
}

uint64_t
trace_now_ns(void)
{
	return (uint64_t)clock_now_ns() - tr.t0;
}

void
trace_syscall(const struct trace_call *c)
{
	int err = errno;

	if (!trace_on)
		return;
	pthread_mutex_lock(&tr.lock);
	if (trace_on)
		emit("syscall", c, NULL, NULL, 0);
	pthread_mutex_unlock(&tr.lock);
	errno = err;
}

void
trace_event(const char *ev, const char *note, const struct trace_arg *args,
    int nargs)
{
	int err = errno;

	if (!trace_on)
		return;
	pthread_mutex_lock(&tr.lock);
	if (trace_on)
		emit(ev, NULL, note, args, nargs);
	pthread_mutex_unlock(&tr.lock);
	errno = err;
}

void
trace_state(const char *fmt, ...)
{
	char note[512];
	va_list ap;
	int err = errno;

	if (!trace_on)
		return;
	va_start(ap, fmt);
	vsnprintf(note, sizeof(note), fmt, ap);
	va_end(ap);
	trace_event("state", note, NULL, 0);
	errno = err;
}

int
trace_format_json(char *buf, size_t size, const char *ev,
    const struct trace_call *c, const char *note,
    const struct trace_arg *args, int nargs)
{
	json_t *o;
	size_t n;

	pthread_mutex_lock(&tr.lock);
	o = json_event(tr.seq, ev, c, note, args, nargs);
	pthread_mutex_unlock(&tr.lock);
	if (o == NULL)
		return errno = ENOMEM, -1;
	n = json_dumpb(o, buf, size, JSON_FLAGS);
	json_decref(o);
	if (n == 0)
		return errno = ENOMEM, -1;
	if (n + 2 > size)
		return errno = ENOSPC, -1;
	buf[n] = '\n';
	buf[n + 1] = '\0';
	return (int)(n + 1);
}

/* ---- stepping ---- */

/* The controller went away (EOF or an error): run freely from now on. */
static void
control_gone(void)
{
	tr.step = STEP_OFF;
	tr.paused = 0;
}

/*
 * Read more control bytes from the socket sink into tr.in.  With block
 * set, wait in poll(2) until some arrive.  Returns the number read, 0 at
 * end of file or on an error, or -1 when nothing is waiting (not block).
 * A line that fills the whole buffer is not a command and is dropped.
 */
static ssize_t
control_fill(int block)
{
	struct pollfd p = { .fd = tr.fd, .events = POLLIN };
	ssize_t r;

	if (tr.inlen == sizeof(tr.in))
		tr.inlen = 0;
	for (;;) {
		r = recv(tr.fd, tr.in + tr.inlen, sizeof(tr.in) - tr.inlen,
		    MSG_DONTWAIT);
		if (r > 0) {
			tr.inlen += (size_t)r;
			return r;
		}
		if (r == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return 0;
		if (!block)
			return -1;
		if (poll(&p, 1, -1) == -1 && errno != EINTR)
			return 0;
	}
}

/*
 * Take the next complete line out of tr.in into cmd (cut to size - 1,
 * without "\r\n").  Returns 1, or 0 when no whole line is buffered.
 */
static int
control_line(char *cmd, size_t size)
{
	char *nl = memchr(tr.in, '\n', tr.inlen);
	size_t n, used;

	if (nl == NULL)
		return 0;
	used = (size_t)(nl - tr.in) + 1;
	n = used - 1;
	if (n > 0 && tr.in[n - 1] == '\r')
		n--;
	if (n > size - 1)
		n = size - 1;
	memcpy(cmd, tr.in, n);
	cmd[n] = '\0';
	memmove(tr.in, tr.in + used, tr.inlen - used);
	tr.inlen -= used;
	return 1;
}

/*
 * While running, look (without blocking) for a "pause" from the
 * controller; "step" also stops at this gate.  Lines after it are left
 * for control_wait().
 */
static void
control_check(void)
{
	char cmd[16];

	if (control_fill(0) == 0) {
		control_gone();
		return;
	}
	while (!tr.paused && control_line(cmd, sizeof(cmd)))
		if (strcmp(cmd, "pause") == 0 || strcmp(cmd, "step") == 0)
			tr.paused = 1;
}

/*
 * Wait at a gate: "step" goes on to the next gate, "run" stops gating,
 * "pause" (and any unknown line) keeps waiting.  End of file counts as
 * "run": the controller has gone.
 */
static void
control_wait(void)
{
	char cmd[16];

	for (;;) {
		while (control_line(cmd, sizeof(cmd))) {
			if (strcmp(cmd, "step") == 0)
				return;
			if (strcmp(cmd, "run") == 0) {
				tr.paused = 0;
				return;
			}
		}
		if (control_fill(1) <= 0) {
			control_gone();
			return;
		}
	}
}

int
trace_stepping(enum trace_step kind)
{
	int on;

	if (!trace_on)
		return 0;
	pthread_mutex_lock(&tr.lock);
	on = tr.step != STEP_OFF && kind <= tr.step;
	pthread_mutex_unlock(&tr.lock);
	return on;
}

/*
 * The gate holds tr.lock while it waits, so other threads stop at their
 * next event too: a paused process is paused as a whole.
 */
void
trace_gate(enum trace_step kind)
{
	int err = errno;

	if (!trace_on || kind == STEP_OFF)
		return;
	pthread_mutex_lock(&tr.lock);
	if (trace_on && tr.step != STEP_OFF && kind <= tr.step) {
		if (!tr.paused)
			control_check();
		if (tr.paused) {
			emit_gate(kind);
			if (tr.step != STEP_OFF)
				control_wait();
		}
	}
	pthread_mutex_unlock(&tr.lock);
	errno = err;
}
