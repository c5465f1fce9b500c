/*
 * tui_model.h - what `ipc tui` knows about a traced process, built only
 * from schema-1 trace events (docs/trace.md), one JSON line at a time.
 *
 * The model is kept apart from drawing: it never prints, never touches the
 * terminal, and is a pure function of the lines fed to it, so a replay can
 * step backward by resetting and feeding a shorter prefix.  Every string it
 * keeps is escaped for the terminal (control bytes become \xHH) before any
 * view can draw it, because file names, addresses and notes can carry bytes
 * from a peer.
 */
#ifndef IPC_TUI_MODEL_H
#define IPC_TUI_MODEL_H

#include <stddef.h>
#include <stdint.h>

#define TUI_FDS		64	/* descriptors tracked */
#define TUI_TIMERS	64	/* pending timers tracked */
#define TUI_RAN		16	/* callbacks remembered per iteration */
#define TUI_TASKS	32	/* tasks and futures tracked */
#define TUI_PROCS	32	/* processes tracked */
#define TUI_TLS		32	/* TLS handshake messages kept */
#define TUI_NAME	32	/* bytes for a short name */
#define TUI_TEXT	96	/* bytes for a peer address or a state */

/* One event as the log shows it.  The strings are escaped and owned. */
struct tui_event {
	long long seq, t_ns, ret;
	int pid, fd;		/* fd is -1 when the event has none */
	int injected;
	char mod[12], ev[12], call[TUI_NAME], err[TUI_NAME];
	char *args;		/* "key=value key=value" */
	char *note;		/* the one-line explanation, or "" */
	char *line;		/* the JSON line as received, for `w` */
};

/* A descriptor: what made it, whom it talks to, what the loop wants. */
struct tui_fd {
	int fd;
	int ready;		/* in the ready set of the last poll */
	char kind[TUI_NAME];	/* "SOCK_STREAM", "pipe", "epoll" ... */
	char peer[TUI_TEXT];	/* "127.0.0.1:7000", or "" */
	char interest[TUI_NAME];/* "IN", "IN|OUT", or "" */
	char state[TUI_TEXT];	/* the last call on it: "connect EINPROGRESS" */
};

/* A pending timer; the array is kept in firing order (the heap's order). */
struct tui_timer {
	long long at_ns;	/* when it fires, on the trace clock */
	char name[TUI_NAME];
};

/* A task or a future and the last thing that happened to it. */
struct tui_task {
	char kind[12];		/* "task" or "future" */
	char name[TUI_NAME];
	char state[TUI_NAME];	/* "create", "step", "done", "cancel" */
};

/* A process and its signal dispositions, as bit masks of 1 << (sig - 1). */
struct tui_proc {
	int pid, ppid;		/* ppid 0 when unknown */
	char state[TUI_TEXT];	/* "running", "exited 0", "reaped" ... */
	uint64_t blocked, pending, caught, ignored, delivered;
};

struct tui_model {
	/* The log: a ring of the newest events. */
	struct tui_event *log;
	size_t log_cap, log_start, log_len;
	unsigned long long fed;	/* events accepted */
	unsigned long long dropped;	/* pushed out of the ring or lost upstream */
	unsigned long long bad;	/* lines that were not schema-1 events */

	/* The loop. */
	long long iter;		/* the last iteration number, -1 before one */
	long long ready, timeout_ms, now_ns;
	char backend[12];
	char ran[TUI_RAN][TUI_NAME];
	int nran;
	int gates;		/* gate events seen; they are not logged */
	char gate[8];		/* the kind of the last: "iter", "syscall" */
	int hello, bye;		/* the stream began; it ended cleanly */

	struct tui_fd fds[TUI_FDS];
	int nfds;
	struct tui_timer timers[TUI_TIMERS];
	int ntimers;
	struct tui_task tasks[TUI_TASKS];
	int ntasks;
	struct tui_proc procs[TUI_PROCS];
	int nprocs;
	char tls[TUI_TLS][TUI_TEXT];
	int ntls;
	char argv[TUI_TEXT];	/* the traced command, from hello */
};

/*
 * Make an empty model keeping the newest log_cap events (at least 1).
 * Returns NULL with errno ENOMEM.
 */
struct tui_model *tui_model_new(size_t log_cap);

/* Forget everything fed so far; the log capacity stays. */
void tui_model_reset(struct tui_model *m);

void tui_model_free(struct tui_model *m);

/*
 * Feed one JSON line (without its newline).  Returns 0, or -1 with errno
 * EINVAL when it is not a schema-1 event (counted in m->bad; the model is
 * unchanged) or ENOMEM.
 */
int tui_model_feed(struct tui_model *m, const char *line, size_t len);

/* Count n events lost before they reached the model (a full ring upstream). */
void tui_model_lost(struct tui_model *m, unsigned long long n);

/* The i-th event kept, oldest first, or NULL when i >= m->log_len. */
const struct tui_event *tui_model_event(const struct tui_model *m, size_t i);

/* The process with this pid, or NULL. */
const struct tui_proc *tui_model_proc(const struct tui_model *m, int pid);

/*
 * Copy s into dst (of size bytes, always terminated), escaping what a
 * terminal would act on: bytes below 0x20 and 0x7f become \xHH.  Valid
 * UTF-8 above 0x7f is kept.  Returns dst.
 */
char *tui_escape(char *dst, size_t size, const char *s);

/* A signal mask as "SIGINT SIGUSR1" into buf; "-" when empty.  Returns buf. */
const char *tui_sigset_str(uint64_t set, char *buf, size_t size);

#endif
