/*
 * sys.c - the tracing machinery behind every wrapper, and the wrappers for
 * files and descriptors; see sys.h.
 *
 * The machinery: names for numbers (struct sym, the formatters), fault
 * injection (--inject) and the record of one call on the slow path (struct
 * rec and its rec_* functions).  lib/sys_impl.h declares what the other
 * wrapper files share and shows the shape every wrapper has; the wrappers
 * live by domain:
 *
 *	lib/sys.c	files and descriptors: open, read, write, close, pipe2,
 *			dup, dup2, dup3, fcntl, unlink
 *	lib/sys_net.c	sockets, socket options, name resolution, ioctl
 *	lib/sys_poll.c	poll, epoll, and eventfd for wake-ups
 *	lib/sys_proc.c	processes, signals, resource limits and threads
 */
#include "sys_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "explain.h"
#include "net.h"
#include "num.h"
#include "trace.h"

#define FAULTS_MAX	32	/* --inject specs at once */

int sys_watch;

/* ---- names for numbers, and the formatters every file uses ---- */

/*
 * The tables more than one file reads (see sys_impl.h): socket types for
 * rec_type_qual() and sys_net.c; resolver codes for --inject and
 * sys_net.c.  A table one file reads lives in that file, static.
 */
const struct sym sock_types[] = {
	SYM(SOCK_STREAM), SYM(SOCK_DGRAM), SYM(SOCK_SEQPACKET), SYM(SOCK_RAW),
	SYM(SOCK_RDM), SYM_END
};
const struct sym eai_codes[] = {
	SYM(EAI_AGAIN), SYM(EAI_BADFLAGS), SYM(EAI_FAIL), SYM(EAI_FAMILY),
	SYM(EAI_MEMORY), SYM(EAI_NONAME), SYM(EAI_SERVICE), SYM(EAI_SOCKTYPE),
	SYM(EAI_SYSTEM), SYM(EAI_OVERFLOW), SYM(EAI_NODATA),
	SYM(EAI_ADDRFAMILY), SYM_END
};

/* Start b as the empty string in buf, of size bytes. */
void
sb_init(struct sbuf *b, char *buf, size_t size)
{
	b->buf = buf;
	b->size = size;
	b->len = 0;
	buf[0] = '\0';
}

/* Append to b, printf-style; what does not fit is cut and shown as "...". */
void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	size_t room = b->size - b->len;
	va_list ap;
	int n;

	if (room <= 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->buf + b->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < room) {
		b->len += (size_t)n;
		return;
	}
	b->len = b->size - 1;
	if (b->size >= 4)
		memcpy(b->buf + b->size - 4, "...", 3);
}

/* The name of v in t, or NULL. */
const char *
sym_find(const struct sym *t, long v)
{
	for (; t->name != NULL; t++)
		if (t->val == v)
			return t->name;
	return NULL;
}

/* The name of v in t, or v in decimal. */
const char *
sym_name(const struct sym *t, long v, char *buf, size_t size)
{
	const char *name = sym_find(t, v);

	if (name != NULL)
		return name;
	snprintf(buf, size, "%ld", v);
	return buf;
}

/* v as "A|B|0x40": the names of its bits in t, then what is left in hex. */
const char *
flag_names(const struct sym *t, unsigned long v, char *buf, size_t size)
{
	struct sbuf b;

	sb_init(&b, buf, size);
	for (; t->name != NULL; t++) {
		unsigned long bits = (unsigned long)t->val;

		if (bits != 0 && (v & bits) == bits) {
			sb_printf(&b, "%s%s", b.len > 0 ? "|" : "", t->name);
			v &= ~bits;
		}
	}
	if (v != 0 || b.len == 0)
		sb_printf(&b, "%s%#lx", b.len > 0 ? "|" : "", v);
	return buf;
}

/* "SIGTERM", "SIGRTMIN+2", or the number; see sigabbrev_np(3). */
const char *
sig_name(int sig, char *buf, size_t size)
{
	const char *abbrev = sig > 0 ? sigabbrev_np(sig) : NULL;

	if (abbrev != NULL)
		snprintf(buf, size, "SIG%s", abbrev);
	else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		snprintf(buf, size, "SIGRTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(buf, size, "%d", sig);
	return buf;
}

/*
 * An address as people write it: "127.0.0.1:7000", "[::1]:80",
 * "unix:/run/x.sock", "unix:@name".  net_format() makes no system calls,
 * so the tracer can use it without tracing itself.  Returns buf.
 */
const char *
addr_str(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	return net_format(sa, len, buf, size);
}

/* ---- fault injection ---- */

/* Every call a spec may name; see sys_inject_add(). */
static const struct {
	const char *name;
	int can_short;		/* takes CALL=short */
	int eai;		/* returns EAI_ codes */
} known_calls[] = {
	{ "socket", 0, 0 }, { "socketpair", 0, 0 }, { "bind", 0, 0 },
	{ "listen", 0, 0 }, { "accept4", 0, 0 }, { "connect", 0, 0 },
	{ "shutdown", 0, 0 }, { "getsockopt", 0, 0 }, { "setsockopt", 0, 0 },
	{ "getsockname", 0, 0 }, { "getpeername", 0, 0 }, { "send", 1, 0 },
	{ "recv", 1, 0 }, { "sendto", 1, 0 }, { "recvfrom", 1, 0 },
	{ "sendmsg", 0, 0 }, { "recvmsg", 0, 0 }, { "getaddrinfo", 0, 1 },
	{ "getnameinfo", 0, 1 }, { "open", 0, 0 }, { "read", 1, 0 },
	{ "write", 1, 0 }, { "close", 0, 0 }, { "pipe2", 0, 0 },
	{ "dup", 0, 0 }, { "dup2", 0, 0 }, { "dup3", 0, 0 }, { "fcntl", 0, 0 },
	{ "ioctl", 0, 0 }, { "unlink", 0, 0 }, { "mkdir", 0, 0 },
	{ "poll", 0, 0 }, { "select", 0, 0 },
	{ "epoll_create1", 0, 0 }, { "epoll_ctl", 0, 0 },
	{ "epoll_wait", 0, 0 }, { "fork", 0, 0 }, { "execvp", 0, 0 },
	{ "waitpid", 0, 0 }, { "kill", 0, 0 }, { "sigaction", 0, 0 },
	{ "sigprocmask", 0, 0 }, { "getrlimit", 0, 0 }, { "setrlimit", 0, 0 },
	{ "mmap", 0, 0 }, { "munmap", 0, 0 }, { "msync", 0, 0 },
	{ "mprotect", 0, 0 },
	{ "mincore", 0, 0 }, { "mremap", 0, 0 }, { "madvise", 0, 0 },
	{ "ftruncate", 0, 0 }, { "fstat", 0, 0 }, { "stat", 0, 0 },
	{ "shm_open", 0, 0 },
	{ "shm_unlink", 0, 0 },
	{ "execvpe", 0, 0 }, { "wait4", 0, 0 }, { "setsid", 0, 0 },
	{ "setpgid", 0, 0 }, { "getpgid", 0, 0 }, { "getsid", 0, 0 },
	{ "chdir", 0, 0 }, { "close_range", 0, 0 }, { "posix_spawnp", 0, 0 },
	{ "vfork", 0, 0 }, { "readlink", 0, 0 }, { "prctl", 0, 0 },
	{ "sigqueue", 0, 0 }, { "pidfd_open", 0, 0 },
	{ "pidfd_send_signal", 0, 0 }, { "signalfd", 0, 0 },
	{ "sigtimedwait", 0, 0 }, { "sigpending", 0, 0 },
	{ "sigsuspend", 0, 0 }, { "ppoll", 0, 0 }, { "setitimer", 0, 0 },
	{ "pthread_sigmask", 0, 0 },
	{ "eventfd", 0, 0 }, { "eventfd_read", 0, 0 },
	{ "pthread_create", 0, 0 },
	{ "SSL_connect", 0, 0 }, { "SSL_accept", 0, 0 }, { "SSL_read", 0, 0 },
	{ "SSL_write", 0, 0 }, { "SSL_shutdown", 0, 0 },
};

enum fault_kind { FAULT_ERRNO, FAULT_EAI, FAULT_SHORT };

struct fault {
	char call[24];		/* the longest name: "pidfd_send_signal" */
	enum fault_kind kind;
	int value;		/* the errno, or the EAI_ code */
	unsigned long nth;	/* fail only the nth call; 0: every call */
	atomic_ulong seen;	/* calls of this name so far */
};

/* Filled before the program starts its threads; read by every wrapper. */
static struct fault faults[FAULTS_MAX];
static int nfaults;

static int
known_call(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(known_calls) / sizeof(known_calls[0]); i++)
		if (strcmp(known_calls[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* An errno from its name ("ECONNREFUSED") or number; -1 when unknown. */
static int
errno_value(const char *s)
{
	static const struct sym aliases[] = {
		SYM(EWOULDBLOCK), SYM(ENOTSUP), SYM(EDEADLOCK), SYM_END
	};
	const struct sym *a;
	const char *name;
	int e;

	if (*s >= '0' && *s <= '9')
		return (int)num_decimal(s, 1, 4095);
	for (e = 1; e < 4096; e++)
		if ((name = strerrorname_np(e)) != NULL && strcmp(name, s) == 0)
			return e;
	for (a = aliases; a->name != NULL; a++)
		if (strcmp(a->name, s) == 0)
			return (int)a->val;
	return -1;
}

/* The EAI_ code named s; 1 (never a code) when unknown. */
static int
eai_value(const char *s)
{
	const struct sym *t;

	for (t = eai_codes; t->name != NULL; t++)
		if (strcmp(t->name, s) == 0)
			return (int)t->val;
	return 1;
}

/*
 * Decode VALUE of CALL=VALUE for call index c into *kind and *value.
 * Returns 0, or -1 when VALUE does not fit the call.
 */
static int
parse_fault(int c, const char *v, enum fault_kind *kind, int *value)
{
	if (strcmp(v, "short") == 0) {
		*kind = FAULT_SHORT;
		*value = 0;
		return known_calls[c].can_short ? 0 : -1;
	}
	if (strncmp(v, "EAI_", 4) == 0) {
		*kind = FAULT_EAI;
		*value = eai_value(v);
		return known_calls[c].eai && *value != 1 ? 0 : -1;
	}
	*kind = FAULT_ERRNO;
	*value = errno_value(v);
	return *value > 0 ? 0 : -1;
}

int
sys_inject_add(const char *spec)
{
	char call[sizeof(faults[0].call)], value[32];
	const char *eq = strchr(spec, '='), *colon;
	enum fault_kind kind;
	size_t n;
	long nth = 0;
	int c, v;

	if (eq == NULL || eq == spec || (size_t)(eq - spec) >= sizeof(call))
		return errno = EINVAL, -1;
	memcpy(call, spec, (size_t)(eq - spec));
	call[eq - spec] = '\0';
	colon = strchr(eq + 1, ':');
	n = colon != NULL ? (size_t)(colon - eq - 1) : strlen(eq + 1);
	if (n == 0 || n >= sizeof(value))
		return errno = EINVAL, -1;
	memcpy(value, eq + 1, n);
	value[n] = '\0';
	if ((c = known_call(call)) == -1 ||
	    parse_fault(c, value, &kind, &v) == -1)
		return errno = EINVAL, -1;
	if (colon != NULL &&
	    (nth = num_decimal(colon + 1, 1, LONG_MAX)) == -1)
		return errno = EINVAL, -1;
	if (nfaults == FAULTS_MAX)
		return errno = ENOSPC, -1;

	memcpy(faults[nfaults].call, call, sizeof(call));
	faults[nfaults].kind = kind;
	faults[nfaults].value = v;
	faults[nfaults].nth = (unsigned long)nth;
	atomic_init(&faults[nfaults].seen, 0);
	nfaults++;
	sys_watch_update();
	return 0;
}

void
sys_inject_clear(void)
{
	nfaults = 0;
	sys_watch_update();
}

void
sys_watch_update(void)
{
	sys_watch = trace_on || nfaults > 0;
}

/* ---- the record of one call on the slow path; see sys_impl.h ---- */

/* Begin the record of call on fd (-1: none); no argument yet. */
void
rec_start(struct rec *r, const char *call, int fd)
{
	r->call = call;
	r->qual[0] = '\0';
	r->note = NULL;
	r->fd = fd;
	r->err = 0;
	r->injected = 0;
	r->fault = 0;
	r->fault_eai = 0;
	r->half = 0;
	r->nargs = 0;
	r->used = 0;
	r->quiet = !trace_want();
}

/* An integer argument. */
void
rec_int(struct rec *r, const char *key, long long v)
{
	if (!r->quiet && r->nargs < REC_ARGS)
		r->args[r->nargs++] = TARG_I(key, v);
}

/* A string argument, copied (and cut if need be) into the pool. */
void
rec_str(struct rec *r, const char *key, const char *s)
{
	size_t room = sizeof(r->pool) - r->used, n = strlen(s);
	char *dst = r->pool + r->used;

	if (r->quiet || r->nargs == REC_ARGS || room < 2)
		return;
	if (n > room - 1)
		n = room - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	r->used += n + 1;
	r->args[r->nargs++] = TARG_S(key, dst);
}

/* An enumerated argument, by its name in t ("AF_INET"). */
void
rec_sym(struct rec *r, const char *key, long v, const struct sym *t)
{
	char buf[32];

	if (r->quiet)
		return;
	rec_str(r, key, sym_name(t, v, buf, sizeof(buf)));
}

/* A flag set, as the names of its bits in t ("SOCK_NONBLOCK|SOCK_CLOEXEC"). */
void
rec_flags(struct rec *r, const char *key, unsigned long v,
    const struct sym *t)
{
	char buf[256];

	if (r->quiet)
		return;
	rec_str(r, key, flag_names(t, v, buf, sizeof(buf)));
}

/* An address argument, as people write it ("127.0.0.1:7000"). */
void
rec_addr(struct rec *r, const char *key, const struct sockaddr *sa,
    socklen_t len)
{
	char buf[ADDR_STRLEN];

	if (r->quiet)
		return;
	rec_str(r, key, addr_str(sa, len, buf, sizeof(buf)));
}

/* An address the kernel filled in: *len may exceed the buffer (cut). */
void
rec_addr_out(struct rec *r, const char *key, const struct sockaddr *sa,
    socklen_t cap, const socklen_t *len)
{
	if (sa != NULL && len != NULL)
		rec_addr(r, key, sa, *len < cap ? *len : cap);
}

/* The first word of the explain() qualifiers: "SO_ERROR". */
void
rec_qual(struct rec *r, const char *qual)
{
	if (r->quiet)
		return;
	snprintf(r->qual, sizeof(r->qual), "%s", qual);
}

/*
 * Qualify a call on a socket by its type ("connect SOCK_DGRAM", "close
 * SOCK_STREAM"): the same call means different things on each.  A Unix
 * stream or seqpacket socket is "AF_UNIX": it has no handshake and no
 * FIN, see unix(7).  Other descriptors get no qualifier.  The getsockopt
 * reads are not traced: they are the tracer's own questions, not the
 * program's.
 */
void
rec_type_qual(struct rec *r, int fd)
{
	socklen_t len = sizeof(int);
	const char *name;
	int type, domain;

	if (r->quiet)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
	    (name = sym_find(sock_types, type)) == NULL)
		return;
	len = sizeof(int);
	if (type != SOCK_DGRAM &&
	    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
	    domain == AF_UNIX)
		name = "AF_UNIX";
	rec_qual(r, name);
}

/*
 * Count this call against every --inject spec naming it, and take the
 * first spec that fires.  Returns 1 when the call must fail without being
 * made (see rec_fail()), 0 otherwise; a "short" spec sets r->half.
 */
int
rec_injected(struct rec *r)
{
	const struct fault *hit = NULL;
	unsigned long n;
	int i;

	for (i = 0; i < nfaults; i++) {
		struct fault *f = &faults[i];

		if (strcmp(f->call, r->call) != 0)
			continue;
		n = atomic_fetch_add(&f->seen, 1) + 1;
		if (hit == NULL && (f->nth == 0 || n == f->nth))
			hit = f;
	}
	if (hit == NULL)
		return 0;
	r->injected = 1;
	if (hit->kind == FAULT_SHORT) {
		r->half = 1;
		return 0;
	}
	r->fault = hit->value;
	r->fault_eai = hit->kind == FAULT_EAI;
	return 1;
}

/* The count to pass on: halved (but at least 1) under CALL=short. */
size_t
rec_count(const struct rec *r, size_t count)
{
	return r->half && count > 1 ? count / 2 : count;
}

/*
 * The end of the slow path: emit the event with its explanation, pass
 * the step gate, and leave errno as the call left it.
 */
void
rec_end(struct rec *r, long long ret)
{
	struct trace_call c;
	char key[80];

	if (trace_on && !r->quiet) {
		c.call = r->call;
		c.fd = r->fd;
		c.args = r->args;
		c.nargs = r->nargs;
		c.ret = ret;
		c.err = ret < 0 ? r->err : 0;
		c.injected = r->injected;
		if (r->injected) {
			c.note = "injected by --inject";
		} else if (r->note != NULL) {
			c.note = r->note;
		} else {
			snprintf(key, sizeof(key), "%s%s%s", r->call,
			    r->qual[0] != '\0' ? " " : "", r->qual);
			c.note = explain(key, ret, c.err);
		}
		trace_syscall(&c);
	}
	trace_gate(STEP_SYSCALL);
	errno = r->err;
}

/* An injected failure: trace it and return -1 with the chosen errno. */
int
rec_fail(struct rec *r)
{
	r->err = r->fault;
	rec_end(r, -1);
	return -1;
}

/* ---- files and descriptors: see open(2), read(2), write(2) ... ---- */

static const struct sym open_modes[] = {
	SYM(O_RDONLY), SYM(O_WRONLY), SYM(O_RDWR), SYM_END
};
/*
 * glibc defines O_LARGEFILE as 0 for 64-bit programs, yet F_GETFL reports
 * the bit the kernel sets for them; its value depends on the architecture.
 */
#if defined(__x86_64__)
#define KERNEL_O_LARGEFILE	0100000
#elif defined(__aarch64__)
#define KERNEL_O_LARGEFILE	0400000
#endif

/* Composite flags come before their parts: O_TMPFILE holds O_DIRECTORY. */
static const struct sym open_flags[] = {
	SYM(O_TMPFILE), SYM(O_SYNC), SYM(O_CREAT), SYM(O_EXCL), SYM(O_NOCTTY),
	SYM(O_TRUNC), SYM(O_APPEND), SYM(O_NONBLOCK), SYM(O_DSYNC),
	SYM(O_DIRECT), SYM(O_DIRECTORY), SYM(O_NOFOLLOW), SYM(O_NOATIME),
	SYM(O_CLOEXEC), SYM(O_PATH),
#ifdef KERNEL_O_LARGEFILE
	{ KERNEL_O_LARGEFILE, "O_LARGEFILE" },
#endif
	SYM_END
};
static const struct sym fd_flags[] = {
	SYM(FD_CLOEXEC), SYM_END
};

/* The type of fcntl(2)'s third argument, by command. */
enum fcntl_arg { FARG_NONE, FARG_INT, FARG_PTR };
static const struct {
	int cmd;
	enum fcntl_arg arg;
	const char *name;
} fcntl_cmds[] = {
#define CMD(cmd, arg)	{ cmd, arg, #cmd }
	CMD(F_DUPFD, FARG_INT), CMD(F_DUPFD_CLOEXEC, FARG_INT),
	CMD(F_GETFD, FARG_NONE), CMD(F_SETFD, FARG_INT),
	CMD(F_GETFL, FARG_NONE), CMD(F_SETFL, FARG_INT),
	CMD(F_GETLK, FARG_PTR), CMD(F_SETLK, FARG_PTR), CMD(F_SETLKW, FARG_PTR),
	CMD(F_OFD_GETLK, FARG_PTR), CMD(F_OFD_SETLK, FARG_PTR),
	CMD(F_OFD_SETLKW, FARG_PTR), CMD(F_GETOWN, FARG_NONE),
	CMD(F_SETOWN, FARG_INT), CMD(F_GETOWN_EX, FARG_PTR),
	CMD(F_SETOWN_EX, FARG_PTR), CMD(F_GETSIG, FARG_NONE),
	CMD(F_SETSIG, FARG_INT), CMD(F_GETLEASE, FARG_NONE),
	CMD(F_SETLEASE, FARG_INT), CMD(F_NOTIFY, FARG_INT),
	CMD(F_GETPIPE_SZ, FARG_NONE), CMD(F_SETPIPE_SZ, FARG_INT),
	CMD(F_ADD_SEALS, FARG_INT), CMD(F_GET_SEALS, FARG_NONE),
#undef CMD
};

/* The index of cmd in fcntl_cmds, or -1 for a command not listed. */
static int
fcntl_find(int cmd)
{
	size_t i;

	for (i = 0; i < sizeof(fcntl_cmds) / sizeof(fcntl_cmds[0]); i++)
		if (fcntl_cmds[i].cmd == cmd)
			return (int)i;
	return -1;
}

/* "O_WRONLY|O_CREAT|O_CLOEXEC": the access mode, then the other flags. */
static void
rec_open_flags(struct rec *r, const char *key, int flags)
{
	char num[32], more[224], buf[256];
	const char *mode = sym_name(open_modes, flags & O_ACCMODE, num,
	    sizeof(num));
	int rest = flags & ~O_ACCMODE;

	if (rest == 0)
		snprintf(buf, sizeof(buf), "%s", mode);
	else
		snprintf(buf, sizeof(buf), "%s|%s", mode,
		    flag_names(open_flags, (unsigned long)rest, more,
		    sizeof(more)));
	rec_str(r, key, buf);
}

/*
 * open(2) reads a third argument, the mode, only when it may create a
 * file; so does this wrapper, before the fast path.
 */
int
sys_open(const char *path, int flags, ...)
{
	char mode_str[16];
	mode_t mode = 0;
	struct rec r;
	va_list ap;
	int ret;

	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (!sys_watch)
		return open(path, flags, mode);
	rec_start(&r, "open", -1);
	rec_str(&r, "path", path);
	rec_open_flags(&r, "flags", flags);
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
		snprintf(mode_str, sizeof(mode_str), "%04o", (unsigned)mode);
		rec_str(&r, "mode", mode_str);
	}
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = open(path, flags, mode);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

ssize_t
sys_read(int fd, void *buf, size_t count)
{
	struct rec r;
	ssize_t ret;

	if (!sys_watch)
		return read(fd, buf, count);
	rec_start(&r, "read", fd);
	rec_int(&r, "count", (long long)count);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = read(fd, buf, rec_count(&r, count));
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

ssize_t
sys_write(int fd, const void *buf, size_t count)
{
	struct rec r;
	ssize_t ret;

	if (!sys_watch)
		return write(fd, buf, count);
	rec_start(&r, "write", fd);
	rec_int(&r, "count", (long long)count);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = write(fd, buf, rec_count(&r, count));
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_close(int fd)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return close(fd);
	rec_start(&r, "close", fd);
	rec_type_qual(&r, fd);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = close(fd);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_pipe2(int fds[2], int flags)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return pipe2(fds, flags);
	rec_start(&r, "pipe2", -1);
	rec_flags(&r, "flags", (unsigned long)flags, open_flags);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = pipe2(fds, flags);
	r.err = errno;
	if (ret == 0) {
		rec_int(&r, "read_fd", fds[0]);
		rec_int(&r, "write_fd", fds[1]);
	}
	rec_end(&r, ret);
	return ret;
}

int
sys_dup(int fd)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return dup(fd);
	rec_start(&r, "dup", fd);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = dup(fd);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_dup2(int oldfd, int newfd)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return dup2(oldfd, newfd);
	rec_start(&r, "dup2", oldfd);
	rec_int(&r, "newfd", newfd);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = dup2(oldfd, newfd);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_dup3(int oldfd, int newfd, int flags)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return dup3(oldfd, newfd, flags);
	rec_start(&r, "dup3", oldfd);
	rec_int(&r, "newfd", newfd);
	rec_flags(&r, "flags", (unsigned long)flags, open_flags);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = dup3(oldfd, newfd, flags);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/* The argument of fcntl, and for F_GETFL/F_GETFD the flags it returned. */
static void
rec_fcntl(struct rec *r, int cmd, long arg, int after, int ret)
{
	if (!after) {
		if (cmd == F_SETFL)
			rec_open_flags(r, "arg", (int)arg);
		else if (cmd == F_SETFD)
			rec_flags(r, "arg", (unsigned long)arg, fd_flags);
		else
			rec_int(r, "arg", arg);
	} else if (ret >= 0 && cmd == F_GETFL) {
		rec_open_flags(r, "flags", ret);
	} else if (ret >= 0 && cmd == F_GETFD) {
		rec_flags(r, "flags", (unsigned long)ret, fd_flags);
	}
}

/*
 * fcntl(2) must know the type of its third argument before passing it
 * on, so even the fast path looks the command up.  A command not in the
 * table is passed a pointer, as glibc does.
 */
int
sys_fcntl(int fd, int cmd, ...)
{
	int i = fcntl_find(cmd), iarg = 0, ret;
	enum fcntl_arg kind = i >= 0 ? fcntl_cmds[i].arg : FARG_PTR;
	void *parg = NULL;
	struct rec r;
	va_list ap;

	va_start(ap, cmd);
	if (kind == FARG_INT)
		iarg = va_arg(ap, int);
	else if (kind == FARG_PTR)
		parg = va_arg(ap, void *);
	va_end(ap);
	if (!sys_watch)
		return kind == FARG_PTR ? fcntl(fd, cmd, parg) :
		    fcntl(fd, cmd, iarg);

	rec_start(&r, "fcntl", fd);
	if (i >= 0)
		rec_qual(&r, fcntl_cmds[i].name);
	else
		snprintf(r.qual, sizeof(r.qual), "%d", cmd);
	rec_str(&r, "cmd", r.qual);
	if (kind == FARG_INT)
		rec_fcntl(&r, cmd, iarg, 0, 0);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = kind == FARG_PTR ? fcntl(fd, cmd, parg) : fcntl(fd, cmd, iarg);
	r.err = errno;
	rec_fcntl(&r, cmd, 0, 1, ret);
	rec_end(&r, ret);
	return ret;
}

int
sys_unlink(const char *path)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return unlink(path);
	rec_start(&r, "unlink", -1);
	rec_str(&r, "path", path);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = unlink(path);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_mkdir(const char *path, mode_t mode)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return mkdir(path, mode);
	rec_start(&r, "mkdir", -1);
	rec_str(&r, "path", path);
	rec_int(&r, "mode", mode);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = mkdir(path, mode);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}
