/*
 * loop_impl.h - for lib/loop*.c only: the loop's insides, shared by the
 * core (loop.c), the timer heap (loop_timer.c), signals (loop_signal.c)
 * and child watchers (loop_child.c).  Callers include loop.h.
 */
#ifndef IPC_LOOP_IMPL_H
#define IPC_LOOP_IMPL_H

#include <stddef.h>

#include "loop.h"
#include "poller.h"

/* Ready descriptors taken from one wait; the rest wait for the next. */
#define LOOP_MAX_EVENTS	256
/* The read buffer transports share: one recv(2) at most. */
#define LOOP_READ	(64 * 1024)
/* Handles allocated at a time; they are never given back until close. */
#define LOOP_CHUNK	64

/* Why a callback ran: the `why` of a `callback` trace event. */
enum loop_why {
	WHY_SOON, WHY_TIMER, WHY_READER, WHY_WRITER, WHY_SIGNAL, WHY_CHILD,
};

enum handle_state {
	H_FREE,		/* on the freelist */
	H_READY,	/* in the ready queue */
	H_TIMER,	/* in the heap */
	H_RUNNING,	/* its callback is running now */
};

struct loop_handle {
	loop_cb cb;
	void *arg;
	const char *name;
	long long when;			/* timers: deadline, loop_time() */
	unsigned long long seq;		/* timers: ties fire in this order */
	size_t slot;			/* timers: index in the heap */
	enum handle_state state;
	enum loop_why why;
	int cancelled;			/* in the ready queue: skip it */
	struct loop_handle *next;	/* ready queue, or freelist */
};

struct loop_chunk {
	struct loop_chunk *next;
	struct loop_handle h[LOOP_CHUNK];
};

/* What one fd is watched for; the selector key's data points at it. */
enum { IO_R, IO_W };
struct loop_io {
	loop_io_cb cb[2];		/* by IO_R, IO_W */
	void *arg[2];
	const char *name[2];
	struct loop_io *next;		/* freelist */
};

struct loop_signals;			/* loop_signal.c */
struct loop_child;			/* loop_child.c */
struct loop_executor;			/* loop_executor.c */

struct loop {
	struct selector sel;
	struct poller_event io[LOOP_MAX_EVENTS];	/* one wait, copied */
	struct selector_ready got[LOOP_MAX_EVENTS];

	struct loop_handle *ready, *ready_tail;	/* the FIFO ready queue */
	size_t nready;

	struct loop_handle **heap;	/* the timer min-heap */
	size_t ntimers, heap_cap;
	unsigned long long timer_seq;

	struct loop_handle *free_handles;
	struct loop_chunk *chunks;
	struct loop_io *free_ios;

	int stopping;
	const int *until;	/* loop_run_until's flag, or NULL */
	unsigned long long iterations;

	loop_warn_fn warn;		/* debug mode when set */
	void *warn_ctx;

	enum loop_signal_mode sig_mode;
	struct loop_signals *sig;	/* NULL until the first handler */
	struct loop_child *children;

	char *rbuf;			/* transports' read buffer, LOOP_READ */
	struct loop_transport *transports;	/* every open one */
	struct loop_server *servers;
	struct loop_task *tasks;	/* every task not yet ended */
	struct loop_subprocess *subprocs;	/* loop_subprocess.c */
	struct loop_executor *executor;	/* loop_executor.c; NULL until used */
};

/* ---- loop.c, for the other files ---- */

/* A free handle, or NULL with errno ENOMEM. */
struct loop_handle *loop_handle_get(struct loop *l);
/* Give h back to the freelist. */
void loop_handle_put(struct loop *l, struct loop_handle *h);
/* Append h to the ready queue. */
void loop_ready_push(struct loop *l, struct loop_handle *h);

/*
 * Around a callback: loop_cb_begin() returns the start time when tracing
 * or debugging (0 otherwise); loop_cb_end() emits the `callback` event and
 * warns about a slow callback in debug mode.
 */
long long loop_cb_begin(const struct loop *l);
void loop_cb_end(struct loop *l, const char *name, enum loop_why why,
		 long long t0);

/* A debug-mode warning, printf-style; nothing when debug mode is off. */
void loop_warnf(struct loop *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- loop_transport.c, for loop_server.c ---- */

/* A transport on fd, not yet started.  NULL with errno ENOMEM. */
struct loop_transport *transport_alloc(struct loop *l, int fd,
				       const struct loop_protocol *p,
				       void *ctx);
/* Open t and queue connection_made.  Returns 0, or -1 with ENOMEM. */
int transport_start(struct loop_transport *t);
/* Forget t, which must not be started (or must be closed). */
void transport_free(struct loop_transport *t);
/* Set a transport's protocol context (the server's factory makes it). */
void transport_set_ctx(struct loop_transport *t, void *ctx);

/* ---- loop_timer.c ---- */

/* Put h (when and seq set) into the heap.  Returns 0, or -1 ENOMEM. */
int timer_push(struct loop *l, struct loop_handle *h);
/* Take h out of the heap, wherever it is: O(log n). */
void timer_remove(struct loop *l, struct loop_handle *h);
/* The earliest timer, or NULL. */
struct loop_handle *timer_first(const struct loop *l);
/* Move every timer due at now to the ready queue, in order. */
void timer_run_due(struct loop *l, long long now);
/* A `timer` trace event: what (add/cancel/fire) happened to h. */
void timer_trace(const struct loop_handle *h, const char *what);

/* ---- loop_signal.c, loop_child.c, loop_transport.c: their part of
 * loop_destroy() ---- */

/* Remove every signal handler. */
void loop_signals_clear(struct loop *l);
/* Stop watching every child (they are not reaped). */
void loop_children_clear(struct loop *l);
/* Close every transport, without callbacks, and free them. */
void loop_transports_clear(struct loop *l);
/* Close every server's listener and free them. */
void loop_servers_clear(struct loop *l);
/* End every task not yet ended, without running it; see loop_task.c. */
void loop_tasks_clear(struct loop *l);
/*
 * Free every subprocess transport; a child still running is SIGKILLed
 * and reaped (waited for: it is dying), so none is left a zombie.  Their
 * pipes are left to loop_transports_clear().
 */
void loop_subprocs_clear(struct loop *l);
/*
 * Shut the executor down for good: jobs not started are dropped, running
 * ones are waited for (a thread cannot be stopped from outside) and
 * their results dropped, every worker is joined and the eventfd closed.
 */
void loop_executor_clear(struct loop *l);

/* ---- loop_future.c, for loop_task.c ---- */

enum future_state {
	FUT_PENDING,
	FUT_RESULT,		/* ended with a result */
	FUT_ERROR,		/* ended with an exception: err, msg */
	FUT_CANCELLED,
};

/* One done-callback; scheduled (with a reference on f) once f ends. */
struct future_cb {
	struct loop_future *f;
	const char *name;	/* for the trace: "wakeup", "gather" ... */
	loop_future_cb cb;
	void *arg;
	int scheduled;		/* in the ready queue */
	int removed;		/* scheduled, then removed: skip it */
	struct future_cb *next;
};

struct loop_future {
	struct loop *loop;
	const char *name;
	enum future_state state;
	void *result;
	int err;
	char msg[128];
	int retrieved;		/* result() or exception() was called */
	unsigned refs;
	struct future_cb *cbs;	/* in the order added */
	/* Called when the last reference goes, before f is freed (tasks). */
	void (*destroy)(struct loop_future *f);
};

/* Set up f, already allocated (a task embeds one).  Never fails. */
void future_init(struct loop_future *f, struct loop *l, const char *name);
/*
 * End f as state (with result, or err and msg).  Returns 0, or -1 with
 * errno EINVAL (already ended) or ENOMEM (a callback not scheduled).
 */
int future_end(struct loop_future *f, enum future_state state, void *result,
	       int err, const char *msg);
/* loop_future_add_done_callback() with a name for the trace. */
int future_add_cb(struct loop_future *f, const char *name, loop_future_cb cb,
		  void *arg);
/*
 * For loop_destroy(), which drops the ready queue: when h is a scheduled
 * done-callback, free it and give back the reference it holds on its
 * future, without calling it.  Returns 1 if it was one, 0 otherwise.
 */
int future_cb_drop(struct loop_handle *h);

#endif
