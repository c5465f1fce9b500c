/*
 * out.c - everything the user reads: error messages and hints, the colour
 * policy, tables and JSON records, hexdumps, and escaping of peer bytes.
 *
 * This is the one file in lib/ that writes messages, and it writes them
 * only when called.  Messages go to stderr, data to the FILE or fd the
 * caller names.
 */
#include "out.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sys.h"

/* Colours for the few words that carry them; see console_codes(4). */
#define SGR_ERROR	"\033[1;31m"
#define SGR_WARN	"\033[1;35m"
#define SGR_HINT	"\033[1;36m"
#define SGR_RESET	"\033[0m"

/* The largest errno value out_errno_from_name() looks at. */
#define ERRNO_MAX	4095

/*
 * errno names that strerrorname_np(3) never returns because they share a
 * value with another name.  Accepting them lets a learner type the name a
 * man page uses.
 */
static const struct {
	const char *name;
	int err;
} errno_aliases[] = {
	{ "EWOULDBLOCK", EWOULDBLOCK },
	{ "EDEADLOCK", EDEADLOCK },
	{ "ENOTSUP", ENOTSUP },
};

/*
 * errno values and the sysexits(3) code a command should exit with when
 * that error ends it.  Anything not listed is an I/O error (74).
 *
 *   69 EX_UNAVAILABLE  the peer or service is not there: refused, no route,
 *                      address in use or not available, family or protocol
 *                      not supported
 *   75 EX_TEMPFAIL     try again later: timed out, would block, busy
 *   77 EX_NOPERM       not allowed: EACCES, EPERM
 *   64 EX_USAGE        what the user typed cannot work: a Unix path that is
 *                      too long, an invalid argument
 *   66 EX_NOINPUT      a named file does not exist
 *   71 EX_OSERR        the system ran out of something: descriptors, memory,
 *                      buffers
 *   76 EX_PROTOCOL     the peer broke the protocol
 *   65 EX_DATAERR      the data itself is malformed
 */
static const struct {
	int err;
	int code;
} exit_codes[] = {
	{ ECONNREFUSED, EX_UNAVAIL_ },
	{ EHOSTUNREACH, EX_UNAVAIL_ },
	{ ENETUNREACH, EX_UNAVAIL_ },
	{ ENETDOWN, EX_UNAVAIL_ },
	{ EHOSTDOWN, EX_UNAVAIL_ },
	{ ECONNRESET, EX_UNAVAIL_ },
	{ ECONNABORTED, EX_UNAVAIL_ },
	{ EADDRINUSE, EX_UNAVAIL_ },
	{ EADDRNOTAVAIL, EX_UNAVAIL_ },
	{ EAFNOSUPPORT, EX_UNAVAIL_ },
	{ EPROTONOSUPPORT, EX_UNAVAIL_ },
	{ ESOCKTNOSUPPORT, EX_UNAVAIL_ },
	{ EOPNOTSUPP, EX_UNAVAIL_ },
	{ ENOPROTOOPT, EX_UNAVAIL_ },
	{ ENOSYS, EX_UNAVAIL_ },
	{ ETIMEDOUT, EX_TEMPFAIL_ },
	{ EAGAIN, EX_TEMPFAIL_ },
	{ EBUSY, EX_TEMPFAIL_ },
	{ EINTR, EX_TEMPFAIL_ },
	{ EACCES, EX_NOPERM_ },
	{ EPERM, EX_NOPERM_ },
	{ ENAMETOOLONG, EX_USAGE_ },
	{ EINVAL, EX_USAGE_ },
	{ ENOENT, EX_NOINPUT_ },
	{ EMFILE, EX_OSERR_ },
	{ ENFILE, EX_OSERR_ },
	{ ENOMEM, EX_OSERR_ },
	{ ENOBUFS, EX_OSERR_ },
	{ EPROTO, EX_PROTOCOL_ },
	{ EBADMSG, EX_DATA_ },
	{ EILSEQ, EX_DATA_ },
};

/*
 * One-line hints: what the error usually means on this kind of tool and
 * what to try next.  They stay general because the caller knows the
 * address and may print a more specific hint of its own instead.
 */
static const struct {
	int err;
	const char *hint;
} hints[] = {
	{ ECONNREFUSED, "nothing is listening there (the peer answered with a "
	    "reset); start a server first, e.g. 'ipc sock listen PORT'" },
	{ EADDRINUSE, "another socket is bound there; pick another port, use "
	    "port 0, or --opt SO_REUSEADDR=1" },
	{ EADDRNOTAVAIL, "that address is not one of this machine's; bind to "
	    "127.0.0.1, ::1 or an address shown by 'ip addr'" },
	{ EACCES, "ports below 1024 need root or CAP_NET_BIND_SERVICE; for a "
	    "Unix socket, check the directory's permissions" },
	{ EPERM, "the kernel or a firewall forbade it; some options need "
	    "CAP_NET_ADMIN" },
	{ ETIMEDOUT, "no answer in time: the host may be down, or a firewall "
	    "drops packets silently; try a longer --timeout" },
	{ EHOSTUNREACH, "no route to that host; check the address and "
	    "'ip route'" },
	{ ENETUNREACH, "no route to that network (no IPv6 here?); try -4 or a "
	    "loopback address" },
	{ ENETDOWN, "the network interface is down; check 'ip link'" },
	{ EPIPE, "the peer closed its end while we were still writing" },
	{ ECONNRESET, "the peer reset the connection: it closed with unread "
	    "data, crashed, or SO_LINGER 0 was set" },
	{ ECONNABORTED, "the connection was aborted before accept() took it" },
	{ EMFILE, "this process has too many open descriptors; see "
	    "'ulimit -n' and close what you do not need" },
	{ ENFILE, "the whole system has too many open files" },
	{ ENAMETOOLONG, "Unix socket paths are limited to 107 bytes; use a "
	    "shorter path or unix:@name" },
	{ ENOENT, "no such file; for a Unix socket, is the server running "
	    "and is the path right?" },
	{ EAFNOSUPPORT, "this address family is not available here; try -4 "
	    "or -6" },
	{ EPROTONOSUPPORT, "this protocol is not supported for that socket "
	    "type" },
	{ ENOPROTOOPT, "that option does not exist at this level or for this "
	    "socket type; see 'ipc sock options'" },
	{ ENOTCONN, "the socket is not connected yet (or any more)" },
	{ EISCONN, "the socket is already connected" },
	{ EINPROGRESS, "a non-blocking connect is still under way; poll for "
	    "writable, then read SO_ERROR" },
	{ EAGAIN, "nothing to do yet on a non-blocking socket; wait for "
	    "readiness with poll() instead of retrying" },
	{ EINTR, "a signal interrupted the call; retry it" },
	{ ENOTSOCK, "that descriptor is not a socket" },
	{ EBADF, "that descriptor is not open" },
	{ EMSGSIZE, "the datagram is larger than the socket can send in one "
	    "piece" },
	{ ENOBUFS, "the kernel ran out of buffer space; slow down or raise "
	    "SO_SNDBUF" },
};

const char *
out_errname(int err)
{
	const char *name;

	/* See strerrorname_np(3): NULL for a value with no name ("0" for 0). */
	name = strerrorname_np(err);
	return name != NULL && name[0] == 'E' ? name : "E?";
}

int
out_errno_from_name(const char *name)
{
	const char *s;
	size_t i;
	int err;

	if (name == NULL || *name == '\0')
		return -1;
	for (i = 0; i < sizeof(errno_aliases) / sizeof(errno_aliases[0]); i++)
		if (strcasecmp(name, errno_aliases[i].name) == 0)
			return errno_aliases[i].err;
	for (err = 1; err <= ERRNO_MAX; err++) {
		s = strerrorname_np(err);
		if (s != NULL && strcasecmp(name, s) == 0)
			return err;
	}
	return -1;
}

const char *
out_strerror(int err, char *buf, size_t size)
{
	char tmp[256];

	if (size == 0)
		return buf;
	/* The GNU strerror_r(3) returns a string, not always in tmp. */
	snprintf(buf, size, "%s", strerror_r(err, tmp, sizeof(tmp)));
	/* Lower the first letter of "Connection refused", not of "RPC ...". */
	if (isupper((unsigned char)buf[0]) && !isupper((unsigned char)buf[1]))
		buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

int
out_exit_code(int err)
{
	size_t i;

	/* A failure without an errno is still a failure. */
	if (err == 0)
		return EX_FAIL;
	for (i = 0; i < sizeof(exit_codes) / sizeof(exit_codes[0]); i++)
		if (exit_codes[i].err == err)
			return exit_codes[i].code;
	return EX_IOERR_;
}

const char *
out_default_hint(int err)
{
	size_t i;

	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (hints[i].err == err)
			return hints[i].hint;
	return NULL;
}

int
out_color(int fd)
{
	const char *term;

	/* See https://no-color.org: set to anything, even "", means no. */
	if (getenv("NO_COLOR") != NULL)
		return 0;
	term = getenv("TERM");
	if (term != NULL && strcmp(term, "dumb") == 0)
		return 0;
	/* See isatty(3). */
	return isatty(fd);
}

const char *
out_c(int fd, const char *sgr)
{
	return out_color(fd) ? sgr : "";
}

/*
 * A message is built in one buffer and written with one fwrite(3), so on
 * the unbuffered stderr it is a single write(2): lines from several
 * processes sharing a terminal or pipe do not interleave mid-line.
 */
struct msg {
	char buf[2048];
	size_t len;
};

static void
msg_vadd(struct msg *m, const char *fmt, va_list ap)
{
	size_t room;
	int n;

	room = sizeof(m->buf) - m->len;
	n = vsnprintf(m->buf + m->len, room, fmt, ap);
	if (n < 0)
		return;
	m->len += (size_t)n < room ? (size_t)n : room - 1;
}

static void
msg_add(struct msg *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vadd(m, fmt, ap);
	va_end(ap);
}

/* Ends the message with a newline (replacing its last byte if full). */
static void
msg_send(struct msg *m)
{
	if (m->len >= sizeof(m->buf) - 1)
		m->len = sizeof(m->buf) - 2;
	m->buf[m->len++] = '\n';
	fwrite(m->buf, 1, m->len, stderr);
}

static void
msg_prog(struct msg *m, const char *prog)
{
	if (prog != NULL && *prog != '\0')
		msg_add(m, "%s: ", prog);
}

void
out_error(const char *prog, const char *what, int err)
{
	struct msg m = { .len = 0 };
	char text[128];

	msg_prog(&m, prog);
	if (what != NULL)
		msg_add(&m, "%s", what);
	if (err != 0) {
		out_strerror(err, text, sizeof(text));
		msg_add(&m, "%s%s%s (%s)%s", what != NULL ? ": " : "",
		    out_c(2, SGR_ERROR), text, out_errname(err),
		    out_c(2, SGR_RESET));
	}
	/* "PROG: " with nothing after it would end in a blank. */
	while (m.len > 0 && m.buf[m.len - 1] == ' ')
		m.len--;
	msg_send(&m);
}

void
out_errorf(const char *prog, const char *fmt, ...)
{
	struct msg m = { .len = 0 };
	va_list ap;

	msg_prog(&m, prog);
	va_start(ap, fmt);
	msg_vadd(&m, fmt, ap);
	va_end(ap);
	msg_send(&m);
}

void
out_hint(const char *fmt, ...)
{
	struct msg m = { .len = 0 };
	va_list ap;

	msg_add(&m, "%shint:%s ", out_c(2, SGR_HINT), out_c(2, SGR_RESET));
	va_start(ap, fmt);
	msg_vadd(&m, fmt, ap);
	va_end(ap);
	msg_send(&m);
}

void
out_warn(const char *prog, const char *fmt, ...)
{
	struct msg m = { .len = 0 };
	va_list ap;

	msg_prog(&m, prog);
	msg_add(&m, "%swarning:%s ", out_c(2, SGR_WARN), out_c(2, SGR_RESET));
	va_start(ap, fmt);
	msg_vadd(&m, fmt, ap);
	va_end(ap);
	msg_send(&m);
}

size_t
out_escape(char *dst, size_t size, const void *src, size_t n, size_t *used)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = src;
	char tmp[4];
	size_t i, len, k;

	len = 0;
	for (i = 0; i < n; i++) {
		if ((s[i] >= 0x20 && s[i] < 0x7f) || s[i] == '\n' ||
		    s[i] == '\t') {
			tmp[0] = (char)s[i];
			k = 1;
		} else if (s[i] == '\r') {
			tmp[0] = '\\';
			tmp[1] = 'r';
			k = 2;
		} else {
			tmp[0] = '\\';
			tmp[1] = 'x';
			tmp[2] = hex[s[i] >> 4];
			tmp[3] = hex[s[i] & 0xf];
			k = 4;
		}
		/* Never split an escape: stop when the whole one won't fit. */
		if (size == 0 || len + k > size - 1)
			break;
		memcpy(dst + len, tmp, k);
		len += k;
	}
	if (size > 0)
		dst[len] = '\0';
	if (used != NULL)
		*used = i;
	return len;
}

int
out_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	struct pollfd pfd;
	ssize_t w;

	while (n > 0) {
		w = sys_write(fd, p, n);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w == 0) {
			/* See write(2): no progress and no error. */
			errno = EIO;
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -1;
		/*
		 * A non-blocking fd (stdout shared with a non-blocking
		 * terminal, say) is full: wait until it drains rather than
		 * spin.  See poll(2).
		 */
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (sys_poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return -1;
	}
	return 0;
}

int
out_write_peer(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	char esc[4096];
	size_t len, used;

	/* See isatty(3): raw bytes for pipes and files, escaped for people. */
	if (!isatty(fd))
		return out_write_all(fd, buf, n);
	while (n > 0) {
		len = out_escape(esc, sizeof(esc), p, n, &used);
		if (out_write_all(fd, esc, len) < 0)
			return -1;
		p += used;
		n -= used;
	}
	return 0;
}

/*
 * The layout of `hexdump -C`: an 8-digit hex offset, two spaces, two groups
 * of eight hex bytes separated by an extra space, padding so the text column
 * lines up on a short last line, two spaces, then the bytes as |text| with
 * '.' for anything not printable ASCII.  Each call starts its lines at
 * *offset, as `hexdump -C -s OFFSET` would.  Two things differ on purpose:
 * repeated lines are not folded into '*', because each chunk is an event
 * the learner wants to see whole; and the closing line holding only the
 * end offset, which hexdump prints once at end of input, is left out,
 * because a stream of chunks has no end here (the next header line says
 * how far it got).
 */
void
out_hexdump(FILE *f, char dir, const void *buf, size_t n, uint64_t *offset,
    double seconds)
{
	const unsigned char *p = buf;
	uint64_t off;
	size_t i, j, line;

	fprintf(f, "%c %zu byte%s %s at +%.6fs\n", dir, n, n == 1 ? "" : "s",
	    dir == '<' ? "received" : "sent", seconds);
	off = offset != NULL ? *offset : 0;
	for (i = 0; i < n; i += 16) {
		line = n - i < 16 ? n - i : 16;
		fprintf(f, "%08llx ", (unsigned long long)(off + i));
		for (j = 0; j < 16; j++) {
			if (j == 8)
				fputc(' ', f);
			if (j < line)
				fprintf(f, " %02x", p[i + j]);
			else
				fputs("   ", f);
		}
		fputs("  |", f);
		for (j = 0; j < line; j++)
			fputc(p[i + j] >= 0x20 && p[i + j] < 0x7f ?
			    p[i + j] : '.', f);
		fputs("|\n", f);
	}
	if (offset != NULL)
		*offset = off + n;
}

int
out_json_line(FILE *f, json_t *obj)
{
	/* See json_dumpf() in the jansson manual. */
	errno = 0;
	if (json_dumpf(obj, f, JSON_COMPACT | JSON_PRESERVE_ORDER) < 0 ||
	    fputc('\n', f) == EOF) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/*
 * The text of one table cell, malloc'd: strings as they are, integers and
 * reals as numbers, booleans as "yes"/"no", null or a missing key as "-",
 * and arrays or objects as compact JSON.  On a terminal the text is escaped
 * (out_escape) so a string that came from a peer cannot send control
 * sequences.  Returns NULL with errno ENOMEM.
 */
static char *
cell_text(json_t *v, int tty)
{
	char num[64], *s, *esc;
	const char *src;
	size_t len, used;

	s = NULL;
	src = num;
	switch (v != NULL ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		src = json_string_value(v);
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(num, sizeof(num), "%g", json_real_value(v));
		break;
	case JSON_TRUE:
		src = "yes";
		break;
	case JSON_FALSE:
		src = "no";
		break;
	case JSON_NULL:
		src = "-";
		break;
	case JSON_OBJECT:
	case JSON_ARRAY:
		s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (s == NULL)
			goto nomem;
		src = s;
		break;
	}
	if (!tty) {
		esc = strdup(src);
	} else {
		/* Every input byte becomes at most four output bytes. */
		len = strlen(src);
		esc = malloc(4 * len + 1);
		if (esc != NULL)
			out_escape(esc, 4 * len + 1, src, len, &used);
	}
	free(s);
	if (esc == NULL)
		goto nomem;
	return esc;
nomem:
	errno = ENOMEM;
	return NULL;
}

/* Display width of UTF-8 text: code points, not bytes. */
static size_t
text_width(const char *s)
{
	size_t w;

	for (w = 0; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

int
out_table(FILE *f, json_t *rows, const struct out_col *cols, int ncols,
    int json)
{
	char **cell;
	size_t *width, nrows, ncell, r, i, w;
	json_t *row;
	int c, tty, ret;

	if (!json_is_array(rows) || cols == NULL || ncols <= 0) {
		errno = EINVAL;
		return -1;
	}
	nrows = json_array_size(rows);
	if (json) {
		/*
		 * The whole row goes out, not only the shown columns: a
		 * program reading JSON wants every field.
		 */
		json_array_foreach(rows, r, row)
			if (out_json_line(f, row) < 0)
				return -1;
		return 0;
	}

	/* Cell (r, c) is cell[r * ncols + c]; row 0 holds the titles. */
	ncell = (nrows + 1) * (size_t)ncols;
	cell = calloc(ncell, sizeof(*cell));
	width = calloc((size_t)ncols, sizeof(*width));
	ret = -1;
	if (cell == NULL || width == NULL) {
		errno = ENOMEM;
		goto out;
	}
	tty = isatty(fileno(f));
	for (c = 0; c < ncols; c++) {
		cell[c] = strdup(cols[c].title);
		if (cell[c] == NULL) {
			errno = ENOMEM;
			goto out;
		}
	}
	json_array_foreach(rows, r, row) {
		for (c = 0; c < ncols; c++) {
			i = (r + 1) * (size_t)ncols + (size_t)c;
			cell[i] = cell_text(json_object_get(row, cols[c].key),
			    tty);
			if (cell[i] == NULL)
				goto out;
		}
	}
	for (i = 0; i < ncell; i++) {
		w = text_width(cell[i]);
		if (w > width[i % (size_t)ncols])
			width[i % (size_t)ncols] = w;
	}
	errno = 0;
	for (r = 0; r <= nrows; r++) {
		for (c = 0; c < ncols; c++) {
			i = r * (size_t)ncols + (size_t)c;
			fputs(cell[i], f);
			if (c == ncols - 1)
				break;
			/* Pad to the column, then the two-space gutter. */
			for (w = text_width(cell[i]); w < width[c] + 2; w++)
				fputc(' ', f);
		}
		fputc('\n', f);
	}
	if (ferror(f)) {
		if (errno == 0)
			errno = EIO;
		goto out;
	}
	ret = 0;
out:
	if (cell != NULL)
		for (i = 0; i < ncell; i++)
			free(cell[i]);
	free(cell);
	free(width);
	return ret;
}
