/*
 * sys_impl.h - for lib/sys*.c only; callers include sys.h.
 *
 * What the wrapper files share: names for numbers (struct sym), the
 * formatters more than one file uses, and the record of one call on the
 * slow path (struct rec).  The machinery lives in lib/sys.c; the wrappers
 * live by domain in lib/sys.c (files and descriptors), lib/sys_net.c,
 * lib/sys_poll.c and lib/sys_proc.c.
 *
 * Every wrapper has the same shape, so reading one is reading them all:
 *
 *	if (!sys_watch)				the fast path: the call and
 *		return connect(fd, addr, len);	one branch
 *	rec_start(&r, "connect", fd);		the slow path: record the
 *	rec_addr(&r, "addr", addr, len);	arguments,
 *	if (rec_injected(&r))			honour --inject,
 *		return rec_fail(&r);
 *	ret = connect(fd, addr, len);		make the call,
 *	r.err = errno;				keep its errno,
 *	rec_end(&r, ret);			trace, explain, gate,
 *	return ret;				and restore errno.
 *
 * Arguments are recorded the way a learner reads them: addresses as
 * "127.0.0.1:7000", flags as "SOCK_STREAM|SOCK_CLOEXEC", options as
 * "SOL_SOCKET"/"SO_REUSEADDR".  The formatting is local to lib/sys*.c so
 * that the tracer depends on nothing it traces.
 *
 * To add a wrapper: declare it in sys.h under its file's group, write it
 * in that file in the shape above (a table or formatter only that file
 * uses stays static there), name it in known_calls[] in sys.c so that
 * --inject accepts it, and give its outcomes notes in lib/explain.c.
 */
#ifndef IPC_SYS_IMPL_H
#define IPC_SYS_IMPL_H

#include <stddef.h>
#include <sys/socket.h>

#include "sys.h"
#include "trace.h"

#define REC_ARGS	10	/* arguments one event can carry */
#define REC_POOL	1024	/* bytes for their string values */
#define ADDR_STRLEN	160	/* "unix:@" and a 108-byte path, with room */

/* ---- names for numbers ---- */

/* One value of an enumeration (AF_INET) or one bit of a flag set. */
struct sym {
	long val;
	const char *name;
};
#define SYM(x)		{ (long)(x), #x }
#define SYM_END		{ 0, NULL }

/* Tables more than one file reads; defined in sys.c. */
extern const struct sym sock_types[];	/* SOCK_STREAM, SOCK_DGRAM ... */
extern const struct sym eai_codes[];	/* EAI_AGAIN, EAI_NONAME ... */

/* A growing string in a fixed buffer; overflow ends it with "...". */
struct sbuf {
	char *buf;
	size_t size, len;
};

/* Start b as the empty string in buf, of size bytes. */
void sb_init(struct sbuf *b, char *buf, size_t size);
/* Append to b, printf-style; what does not fit is cut and shown as "...". */
void sb_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The name of v in t, or NULL. */
const char *sym_find(const struct sym *t, long v);
/* The name of v in t, or v in decimal (in buf).  Returns the name. */
const char *sym_name(const struct sym *t, long v, char *buf, size_t size);
/* v as "A|B|0x40": the names of its bits in t, then what is left in hex. */
const char *flag_names(const struct sym *t, unsigned long v, char *buf,
    size_t size);
/* "SIGTERM", "SIGRTMIN+2", or the number; see sigabbrev_np(3). */
const char *sig_name(int sig, char *buf, size_t size);
/* An address as people write it: "127.0.0.1:7000", "unix:@name". */
const char *addr_str(const struct sockaddr *sa, socklen_t len, char *buf,
    size_t size);

/* ---- the record of one call on the slow path ---- */

struct rec {
	const char *call;	/* "connect" */
	char qual[48];		/* explain() qualifiers: "SO_ERROR", or "" */
	const char *note;	/* overrides explain() when set */
	int fd;			/* the fd the call works on, or -1 */
	int err;		/* errno right after the call */
	int injected;		/* --inject decided this outcome */
	int fault;		/* the injected errno or EAI_ code */
	int fault_eai;		/* fault is an EAI_ code */
	int half;		/* "short": make the call with half the count */
	int quiet;		/* no event: tracing is off or drops it */
	struct trace_arg args[REC_ARGS];
	int nargs;
	char pool[REC_POOL];	/* the string arguments' bytes */
	size_t used;
};

/*
 * Begin the record of call on fd (-1: none); no argument yet.  When no
 * event will be emitted (only --inject is on, or the sink drops it; see
 * trace_skip()), the rec_ functions below build nothing.
 */
void rec_start(struct rec *r, const char *call, int fd);
/* An integer argument. */
void rec_int(struct rec *r, const char *key, long long v);
/* A string argument, copied (and cut if need be) into the pool. */
void rec_str(struct rec *r, const char *key, const char *s);
/* An enumerated argument, by its name in t ("AF_INET"). */
void rec_sym(struct rec *r, const char *key, long v, const struct sym *t);
/* A flag set, as the names of its bits in t ("SOCK_NONBLOCK|SOCK_CLOEXEC"). */
void rec_flags(struct rec *r, const char *key, unsigned long v,
    const struct sym *t);
/* An address argument, as people write it ("127.0.0.1:7000"). */
void rec_addr(struct rec *r, const char *key, const struct sockaddr *sa,
    socklen_t len);
/* An address the kernel filled in: *len may exceed the buffer (cut). */
void rec_addr_out(struct rec *r, const char *key, const struct sockaddr *sa,
    socklen_t cap, const socklen_t *len);
/* The first word of the explain() qualifiers: "SO_ERROR". */
void rec_qual(struct rec *r, const char *qual);
/* Qualify a call on a socket by its type ("close SOCK_STREAM"). */
void rec_type_qual(struct rec *r, int fd);
/* Honour --inject: 1 when the call must fail unmade (see rec_fail()). */
int rec_injected(struct rec *r);
/* The count to pass on: halved (but at least 1) under CALL=short. */
size_t rec_count(const struct rec *r, size_t count);
/* Emit the event, pass the step gate, leave errno as the call left it. */
void rec_end(struct rec *r, long long ret);
/* An injected failure: trace it and return -1 with the chosen errno. */
int rec_fail(struct rec *r);

#endif
