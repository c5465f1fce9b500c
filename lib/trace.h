/*
 * trace.h - the event bus.
 *
 * Every wrapped system call and every state change becomes one event.  An
 * event goes to one sink: human lines on stderr (--trace), JSON Lines
 * (--trace=json), a file or a Unix socket (--trace-to PATH|unix:PATH), or an
 * inherited fd (IPC_TRACE_FD).  The JSON schema (version 1) is documented in
 * docs/trace.md; the TUI, tutorials and tests read it.
 *
 * With tracing off the cost is one branch: callers test `trace_on` (or
 * sys_watch, which includes it) before building anything.
 *
 * Stepping (--step): after each gate point the process waits for a line on
 * the trace socket: "step" runs to the next gate, "run" stops gating,
 * "pause" starts gating again (read while running, between gates).
 */
#ifndef IPC_TRACE_H
#define IPC_TRACE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define TRACE_SCHEMA 1

enum trace_format { TRACE_HUMAN, TRACE_JSON };
enum trace_step { STEP_OFF, STEP_ITER, STEP_SYSCALL };

/* Non-zero when any sink is open.  Read it before doing any work. */
extern int trace_on;

struct trace_config {
	const char *spec;	/* --trace value: NULL/"" human, "human", "json" */
	const char *to;		/* --trace-to: PATH or unix:PATH, or NULL */
	const char *step;	/* --step value: NULL off, "" or "iter", "syscall" */
	const char *mod;	/* default module name: the applet ("sock") */
	int argc;		/* argv for the hello event */
	char **argv;
};

/*
 * Open the sink described by cfg, falling back to the environment
 * (IPC_TRACE=human|json, IPC_TRACE_FD=N, IPC_TRACE_TO=..., IPC_TRACE_STEP=1|syscall).
 * Emits the hello event.  Returns 0 (also when tracing stays off), or -1
 * with errno set: EINVAL for a bad spec, or the error of open/connect.
 * --step without a socket sink fails with ENOTSOCK.
 */
int trace_init(const struct trace_config *cfg);

/* Flush and close the sink; emits a "bye" event.  Safe to call twice. */
void trace_close(void);

/* The module name stamped on following events ("sock", "loop"). */
void trace_set_mod(const char *mod);

/*
 * Batches.  Between trace_batch_begin() and the matching trace_batch_end()
 * (they nest), the lines for a socket or a JSON file are gathered, up to
 * PIPE_BUF bytes, and sent when that fills, at trace_flush(), at fork(2),
 * and when the outermost batch ends: one write(2) for many events instead
 * of one each.  The event loop batches while it runs and flushes before
 * it may block, so a reader has every event of an iteration before the
 * process waits.  Nothing is gathered while stepping (each gate follows
 * its own event) or for a terminal or a pipe.  A process killed by a
 * signal loses what was gathered.  Never fail.
 */
void trace_batch_begin(void);
void trace_batch_end(void);
void trace_flush(void);

/* Nanoseconds since trace_init() on CLOCK_MONOTONIC. */
uint64_t trace_now_ns(void);

/*
 * One argument of an event.  Values are strings or integers; a string value
 * is JSON-escaped in JSON and shown as-is (escaped for the terminal) in
 * human form.
 */
struct trace_arg {
	const char *key;
	const char *str;	/* NULL for an integer */
	long long num;
};
#define TARG_S(k, v)	((struct trace_arg){ (k), (v) ? (v) : "", 0 })
#define TARG_I(k, v)	((struct trace_arg){ (k), NULL, (long long)(v) })

/*
 * A syscall event: call name, fd (-1 if none), arguments, return value,
 * errno (0 when ret >= 0) and a one-line note.  `injected` marks faults
 * made by --inject.
 */
struct trace_call {
	const char *call;
	int fd;
	const struct trace_arg *args;
	int nargs;
	long long ret;
	int err;
	const char *note;
	int injected;
};
void trace_syscall(const struct trace_call *c);

/*
 * Any other event kind ("state", "iter", "poll", "callback", "timer", "fd",
 * "task", "future"), with a note and arguments.
 */
void trace_event(const char *ev, const char *note,
		 const struct trace_arg *args, int nargs);

/*
 * Will the next event be dropped?  A socket sink that a reader leaves full
 * drops events (see docs/trace.md); then this numbers the coming event and
 * counts it as dropped, and returns 1, so that the caller builds nothing:
 * no explanation, no flag names, no interest set.  Call it once for one
 * event, just before building it, and emit the event only when it returns
 * 0.  Costs one atomic load while the sink has room.
 */
int trace_skip(void);

/* Non-zero when an event should be built and emitted now. */
static inline int
trace_want(void)
{
	return trace_on && !trace_skip();
}

/* printf-style shorthand for a "state" event with no arguments. */
void trace_state(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The step gate.  kind is STEP_ITER for a loop iteration, STEP_SYSCALL for
 * a wrapped call.  Blocks while paused; returns at once when not stepping.
 */
void trace_gate(enum trace_step kind);

/* Non-zero when --step is active at the given granularity. */
int trace_stepping(enum trace_step kind);

/*
 * The length of the valid UTF-8 sequence at p (n bytes there), or 0 when
 * the bytes are not valid UTF-8: overlong forms, surrogates and code
 * points above U+10FFFF are refused, as in utf-8(7).  An ASCII byte is 1.
 */
size_t trace_utf8_len(const void *p, size_t n);

/*
 * For tests and the TUI: render one event as a JSON line into buf, as a
 * sink gets it (a string too long for one line of PIPE_BUF bytes is cut
 * and ends in "...").  Returns the length, or -1 with errno ENOSPC when
 * buf is too small or the fields alone do not fit in one line.
 */
int trace_format_json(char *buf, size_t size, const char *ev,
		      const struct trace_call *c, const char *note,
		      const struct trace_arg *args, int nargs);

#endif
