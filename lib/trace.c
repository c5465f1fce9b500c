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
#include <limits.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
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

#define LINE_MAX_HUMAN	2048	/* longer human lines end in "..." */
#define CONTROL_MAX	256	/* buffer for "step", "run", "pause" lines */
#define FULL_RECHECK_NS	200000	/* a full socket sink is asked again after */

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
	atomic_int full;	/* the socket sink was full: see sink_full();
				   read without the lock by trace_skip() */
	int batch;		/* trace_batch_begin() depth */
	size_t outlen;		/* bytes gathered in out, in whole lines */
	long long outlines;	/* ... and how many lines */
	char out[PIPE_BUF];	/* a batch: see trace_batch_begin() */
	uint64_t full_ns;	/* when it was last found full */
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

size_t
trace_utf8_len(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint32_t cp;
	size_t len, i;

	if (n == 0)
		return 0;
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
	if (len > n)
		return 0;
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

/*
 * trace_utf8_len() of a NUL-terminated string: a sequence cut short
 * fails on the NUL, which is no continuation byte.
 */
static size_t
utf8_seq(const unsigned char *s)
{
	return trace_utf8_len(s, SIZE_MAX);
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
 * Events are written as JSON text directly, field by field, into one
 * bounded buffer: no tree of json_t is built.  A tree costs a dozen
 * malloc(3) and free(3) calls and a hash table per event, and a busy loop
 * makes several events per message it serves; the schema is fixed, so the
 * text can be written in its order as easily.  Only hello, once per run,
 * still goes through jansson.
 *
 * The buffer holds PIPE_BUF bytes, so a line reaches a pipe in one
 * write(2) that no other writer's line can split (see pipe(7)).  A string
 * that would not fit is cut where a character ends and marked "...",
 * leaving JW_TAIL bytes for the fields after it: the line stays whole
 * and always parses.
 */
#define LINE_MAX_JSON	PIPE_BUF
#define JW_TAIL		256

/* One JSON line being written. */
struct jw {
	char buf[LINE_MAX_JSON];
	size_t len;
	int over;	/* the fields alone did not fit: the line is unusable */
};

/* Append n bytes of JSON syntax; one byte is always kept for the '\n'. */
static void
jw_raw(struct jw *w, const char *s, size_t n)
{
	if (w->over || n > sizeof(w->buf) - 1 - w->len) {
		w->over = 1;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void
jw_lit(struct jw *w, const char *s)
{
	jw_raw(w, s, strlen(s));
}

/* An integer, without printf: this runs several times per event. */
static void
jw_int(struct jw *w, long long v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	unsigned long long u = v < 0 ? 0 - (unsigned long long)v :
	    (unsigned long long)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	jw_raw(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

/*
 * How one unit of s (a byte or a UTF-8 sequence) is written inside a JSON
 * string, into out (at least 7 bytes); returns its length and sets *used
 * to the bytes of s it took.  The escapes are jansson's, so the text is
 * the same as json_dumps(3) made: \" \\ \b \f \n \r \t, \u00XX for other
 * control bytes.  A byte that is not valid UTF-8 becomes the four
 * characters \xHH, written "\\xHH" (see the top of this file).
 */
static size_t
jw_unit(const unsigned char *s, char *out, size_t *used)
{
	static const char hex[] = "0123456789abcdef", HEX[] = "0123456789ABCDEF";
	size_t n = utf8_seq(s);

	*used = n > 0 ? n : 1;
	if (n > 1) {
		memcpy(out, s, n);
		return n;
	}
	if (n == 0) {
		memcpy(out, "\\\\x", 3);
		out[3] = hex[s[0] >> 4];
		out[4] = hex[s[0] & 0xf];
		return 5;
	}
	switch (s[0]) {
	case '"':	memcpy(out, "\\\"", 2); return 2;
	case '\\':	memcpy(out, "\\\\", 2); return 2;
	case '\b':	memcpy(out, "\\b", 2); return 2;
	case '\f':	memcpy(out, "\\f", 2); return 2;
	case '\n':	memcpy(out, "\\n", 2); return 2;
	case '\r':	memcpy(out, "\\r", 2); return 2;
	case '\t':	memcpy(out, "\\t", 2); return 2;
	}
	if (s[0] < 0x20) {
		memcpy(out, "\\u00", 4);
		out[4] = HEX[s[0] >> 4];
		out[5] = HEX[s[0] & 0xf];
		return 6;
	}
	out[0] = (char)s[0];
	return 1;
}

/* A JSON string for bytes s, cut with "..." to leave JW_TAIL bytes free. */
static void
jw_str(struct jw *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t limit = sizeof(w->buf) - JW_TAIL, n, used;
	char unit[8];

	jw_raw(w, "\"", 1);
	for (; !w->over && *p != '\0'; p += used) {
		/* The common case, a plain ASCII byte, skips jw_unit(). */
		if (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') {
			if (w->len + 1 > limit)
				break;
			w->buf[w->len++] = (char)*p;
			used = 1;
			continue;
		}
		n = jw_unit(p, unit, &used);
		if (w->len + n > limit)
			break;
		memcpy(w->buf + w->len, unit, n);
		w->len += n;
	}
	if (*p != '\0')
		jw_lit(w, "...");
	jw_raw(w, "\"", 1);
}

/* ,"key": before a value; the first field of an object has no comma. */
static void
jw_key(struct jw *w, const char *key)
{
	if (w->len > 0 && w->buf[w->len - 1] != '{')
		jw_raw(w, ",", 1);
	jw_str(w, key);
	jw_raw(w, ":", 1);
}

/* The "args" object of an event. */
static void
jw_args(struct jw *w, const struct trace_arg *args, int nargs)
{
	int i;

	jw_key(w, "args");
	jw_raw(w, "{", 1);
	for (i = 0; i < nargs; i++) {
		jw_key(w, args[i].key);
		if (args[i].str != NULL)
			jw_str(w, args[i].str);
		else
			jw_int(w, args[i].num);
	}
	jw_raw(w, "}", 1);
}

/* The fields every event starts with, in schema order.  Holds tr.lock. */
static void
jw_head(struct jw *w, long long seq, const char *ev)
{
	w->len = 0;
	w->over = 0;
	jw_raw(w, "{", 1);
	jw_key(w, "seq");
	jw_int(w, seq);
	jw_key(w, "t_ns");
	jw_int(w, (long long)trace_now_ns());
	jw_key(w, "pid");
	jw_int(w, tr.pid);
	jw_key(w, "mod");
	jw_str(w, tr.mod);
	jw_key(w, "ev");
	jw_str(w, ev);
}

/* The fields of a syscall event after "ev". */
static void
jw_call(struct jw *w, const struct trace_call *c)
{
	char buf[16];

	jw_key(w, "call");
	jw_str(w, c->call);
	if (c->fd >= 0) {
		jw_key(w, "fd");
		jw_int(w, c->fd);
	}
	jw_args(w, c->args, c->nargs);
	jw_key(w, "ret");
	jw_int(w, c->ret);
	if (c->ret < 0 && c->err != 0) {
		jw_key(w, "errno");
		jw_str(w, errno_name(c->err, buf, sizeof(buf)));
	}
	if (c->note != NULL) {
		jw_key(w, "note");
		jw_str(w, c->note);
	}
	if (c->injected) {
		jw_key(w, "injected");
		jw_lit(w, "true");
	}
}

/*
 * One event as a JSON line in w, without its '\n' and, when more fields
 * follow (gate, bye), without its closing brace: see jw_end().  c is set
 * for a syscall event; otherwise note and args describe it.  Holds
 * tr.lock.
 */
static void
jw_event(struct jw *w, long long seq, const char *ev,
    const struct trace_call *c, const char *note,
    const struct trace_arg *args, int nargs)
{
	jw_head(w, seq, ev);
	if (c != NULL) {
		jw_call(w, c);
		return;
	}
	if (nargs > 0)
		jw_args(w, args, nargs);
	if (note != NULL) {
		jw_key(w, "note");
		jw_str(w, note);
	}
}

/* Close the object and end the line; 0, or -1 when it did not fit. */
static int
jw_end(struct jw *w)
{
	jw_raw(w, "}", 1);
	if (w->over)
		return -1;
	w->buf[w->len++] = '\n';	/* jw_raw() kept this byte */
	return 0;
}

/*
 * A jansson string for bytes s, for hello's argv: valid UTF-8 is kept, any
 * other byte becomes the text \xHH, as jw_str() writes it.  Returns NULL
 * when out of memory.
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
 * took in part is finished, so that lines stay whole (a batch of lines
 * is dropped or sent whole, and counts as its lines).  A full socket sets
 * tr.full, so the events after it are dropped before they are even
 * formatted, or built at all where the caller asks trace_skip() first;
 * see sink_full().  Returns 0, or -1 with errno set.  Holds
 * tr.lock.
 */
static int
write_or_drop(const char *p, size_t n, long long lines)
{
	ssize_t w = send(tr.fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (w == (ssize_t)n)
		return 0;
	if (w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		tr.dropped += lines;
		tr.full = 1;
		tr.full_ns = (uint64_t)clock_now_ns();
		return 0;
	}
	if (w == -1)
		return errno == EINTR ? write_all(p, n) : -1;
	return write_all(p + w, n - (size_t)w);
}

/* A line to this sink may be dropped rather than wait.  Holds tr.lock. */
static int
sink_may_drop(void)
{
	return tr.kind == SINK_SOCKET && tr.step == STEP_OFF && !tr.closing;
}

/*
 * Is the socket sink still full?  Then the event is dropped (and counted)
 * now, before any formatting, and without a system call: the socket is
 * asked again with poll(2) only once FULL_RECHECK_NS have passed since it
 * was last found full.  A reader that falls behind so costs the traced
 * program a clock read per event, not a line built and refused.  poll
 * says POLLOUT for a Unix stream socket only once the reader has emptied
 * most of the queue (see unix(7) and the kernel's unix_writable()), so
 * the events that follow go through in a batch.  An error or hangup is
 * left to the next send(2), which finds it.  Holds tr.lock.
 */
static int
sink_full(void)
{
	struct pollfd p = { .fd = tr.fd, .events = POLLOUT };
	uint64_t now;

	if (!tr.full)
		return 0;
	if (!sink_may_drop()) {
		tr.full = 0;
		return 0;
	}
	now = (uint64_t)clock_now_ns();
	if (now - tr.full_ns >= FULL_RECHECK_NS) {
		if (poll(&p, 1, 0) != 0) {
			tr.full = 0;
			return 0;
		}
		tr.full_ns = now;
	}
	tr.dropped++;
	return 1;
}

int
trace_skip(void)
{
	int skip;

	/* The common case, a sink with room, costs one load. */
	if (!atomic_load_explicit(&tr.full, memory_order_relaxed))
		return 0;
	pthread_mutex_lock(&tr.lock);
	skip = trace_on && sink_full();
	if (skip)
		tr.seq++;
	pthread_mutex_unlock(&tr.lock);
	return skip;
}

/* Send lines (each ending in '\n') to the sink now.  Holds tr.lock. */
static void
sink_send(const char *buf, size_t n, long long lines)
{
	int ret;

	if (tr.fd < 0 || n == 0)
		return;
	if (tr.kind == SINK_PIPE)
		ret = write_pipe(buf, n);
	else if (sink_may_drop())
		ret = write_or_drop(buf, n, lines);
	else
		ret = write_all(buf, n);
	if (ret == -1)
		sink_lost();
}

/*
 * Lines are gathered rather than sent while a batch is open, and only to
 * a socket or a JSON file with nobody stepping: a gate must follow its
 * own event, and human lines on a terminal must not fall behind the
 * program's own output.  Holds tr.lock.
 */
static int
batching(void)
{
	return tr.batch > 0 && tr.step == STEP_OFF && !tr.closing &&
	       (tr.kind == SINK_SOCKET ||
		(tr.kind == SINK_PLAIN && tr.format == TRACE_JSON));
}

/* Send what the batch holds.  Holds tr.lock. */
static void
flush_out(void)
{
	size_t n = tr.outlen;
	long long lines = tr.outlines;

	tr.outlen = 0;
	tr.outlines = 0;
	sink_send(tr.out, n, lines);
}

/* One finished line (ending in '\n') for the sink.  Holds tr.lock. */
static void
sink_write(const char *buf, size_t n)
{
	if (batching() && n <= sizeof(tr.out)) {
		if (tr.outlen + n > sizeof(tr.out))
			flush_out();
		memcpy(tr.out + tr.outlen, buf, n);
		tr.outlen += n;
		tr.outlines++;
		return;
	}
	/* What was gathered goes first, so lines stay in order. */
	flush_out();
	sink_send(buf, n, 1);
}

/* Send a finished JSON line; one whose fields did not fit is dropped. */
static void
sink_jw(struct jw *w)
{
	if (jw_end(w) == 0)
		sink_write(w->buf, w->len);
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
	long long seq = tr.seq++;

	if (sink_full())
		return;
	if (tr.format == TRACE_JSON) {
		struct jw w;

		jw_event(&w, seq, ev, c, note, args, nargs);
		sink_jw(&w);
	} else {
		struct line l = { .len = 0 };

		if (c != NULL)
			line_call(&l, c);
		else
			line_other(&l, ev, note, args, nargs);
		sink_line(&l);
	}
}

/* o[key] = v; non-zero on failure (v NULL means out of memory). */
static int
put(json_t *o, const char *key, json_t *v)
{
	return json_object_set_new(o, key, v) != 0;
}

/*
 * The first event: schema, version and the command line.  JSON only.  It
 * is made once, and argv has no bound, so it is built with jansson and
 * written whole however long it is.
 */
static void
emit_hello(int argc, char **argv)
{
	json_t *o, *list;
	char *text;
	size_t n;
	int i, bad = 0;

	if (tr.format != TRACE_JSON) {
		tr.seq++;
		return;
	}
	if ((o = json_object()) == NULL)
		return;
	bad |= put(o, "seq", json_integer(tr.seq++));
	bad |= put(o, "t_ns", json_integer((json_int_t)trace_now_ns()));
	bad |= put(o, "pid", json_integer(tr.pid));
	bad |= put(o, "mod", json_bytes(tr.mod));
	bad |= put(o, "ev", json_string("hello"));
	bad |= put(o, "schema", json_integer(TRACE_SCHEMA));
	bad |= put(o, "version", json_string(IPC_VERSION));
	list = json_array();
	for (i = 0; list != NULL && argv != NULL && i < argc; i++)
		bad |= json_array_append_new(list, json_bytes(argv[i])) != 0;
	bad |= put(o, "argv", list);
	text = bad ? NULL : json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (text == NULL)
		return;
	n = strlen(text);
	text[n] = '\n';		/* over the NUL: the length is known */
	sink_write(text, n + 1);
	free(text);
}

static void
emit_bye(void)
{
	struct jw w;

	if (tr.format != TRACE_JSON) {
		tr.seq++;
		return;
	}
	jw_head(&w, tr.seq++, "bye");
	if (tr.dropped > 0) {
		jw_key(&w, "dropped");
		jw_int(&w, tr.dropped);
	}
	/* The bye waits for room: it is the reader's last word. */
	tr.closing = 1;
	sink_jw(&w);
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
	struct jw w;

	if (tr.format == TRACE_JSON) {
		jw_head(&w, tr.seq++, "gate");
		jw_key(&w, "kind");
		jw_str(&w, step_name(kind));
		sink_jw(&w);
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
	/* Else the child would send the parent's gathered lines again. */
	flush_out();
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
	tr.batch = 0;
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
	tr.full = 0;
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
	if (trace_on) {
		flush_out();
		emit_bye();
	}
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
	struct jw w;
	int ret;

	pthread_mutex_lock(&tr.lock);
	jw_event(&w, tr.seq, ev, c, note, args, nargs);
	ret = jw_end(&w);
	pthread_mutex_unlock(&tr.lock);
	if (ret == -1 || w.len + 1 > size)
		return errno = ENOSPC, -1;
	memcpy(buf, w.buf, w.len);
	buf[w.len] = '\0';
	return (int)w.len;
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

void
trace_batch_begin(void)
{
	pthread_mutex_lock(&tr.lock);
	tr.batch++;
	pthread_mutex_unlock(&tr.lock);
}

void
trace_batch_end(void)
{
	pthread_mutex_lock(&tr.lock);
	if (tr.batch > 0 && --tr.batch == 0)
		flush_out();
	pthread_mutex_unlock(&tr.lock);
}

void
trace_flush(void)
{
	int err = errno;

	pthread_mutex_lock(&tr.lock);
	flush_out();
	pthread_mutex_unlock(&tr.lock);
	errno = err;
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
