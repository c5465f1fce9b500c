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
	/*
	 * The three strings above live in this one buffer, which belongs to
	 * the ring's slot and is reused (grown, never shrunk) by the events
	 * that later take the slot: a full ring allocates nothing.
	 */
	char *buf;
	size_t cap;
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

/* ---- mappings, signal deliveries and pipes: tui_model_mem.c ---- */

#define TUI_MAPS	16	/* mappings tracked, all processes together */
#define TUI_MAP_PAGES	128	/* pages of one mapping drawn; more are counted */
#define TUI_DELIVERIES	8	/* signal deliveries remembered, newest last */
#define TUI_ENDS	48	/* pipe ends held, all processes together */
#define TUI_PAGE	4096	/* bytes per page, to count the pages of a length */

/* One cell per page of a mapping, as the mmap view draws it. */
enum tui_page {
	TUI_PAGE_UNKNOWN = '?',	/* no mincore(2) has said yet */
	TUI_PAGE_OUT = '.',	/* not resident: the next touch faults it in */
	TUI_PAGE_IN = 'r',	/* resident */
	TUI_PAGE_SHARED = 'S',	/* written; every process mapping it sees it */
	TUI_PAGE_PRIVATE = 'P',	/* written; this process's own copy */
	TUI_PAGE_GONE = '-',	/* unmapped */
};

/* One mapping of one process: what mmap(2) was asked for, page by page. */
struct tui_map {
	int pid;
	int shared;		/* MAP_SHARED; else MAP_PRIVATE */
	int unmapped;		/* munmap, exec, or the process was reaped */
	int object;		/* the same number in a forked child's copy */
	unsigned long long addr, len;	/* where, and how many bytes */
	long pages;		/* pages it covers; cell[] holds the first ones */
	char prot[TUI_NAME];	/* "PROT_READ|PROT_WRITE" */
	char file[TUI_TEXT];	/* the file mapped, or "anonymous" */
	char cell[TUI_MAP_PAGES + 1];	/* enum tui_page, one per page */
};

/* A signal that reached its target: the handler ran, or the default. */
struct tui_delivery {
	int sig;		/* the signal's number */
	int from, to;		/* the sender's pid (0: not known), the target's */
	long long seq;		/* the target's event that showed it */
	unsigned long long fed;	/* and its number among the events fed */
	char how[TUI_NAME];	/* "SI_USER", "unblocked", "kill to itself" */
};

/* A descriptor of a process that holds one end of a pipe. */
struct tui_end {
	int pid, fd;
	int pipe;		/* which pipe: 1, 2 ... in the order made */
	char end;		/* 'r' the read end, 'w' the write end */
	int cloexec;		/* it closes at a successful exec */
};

/* A process as the pipe and mapping tables know it. */
struct tui_seen {
	int pid;
	long long seq;		/* its newest event's seq */
	int inherited;		/* it has its parent's mappings and pipe ends */
};

/* A signal sent while blocked: who sent it, for when it is let in. */
struct tui_sent {
	int pid, sig, from;
};

struct tui_mem {
	struct tui_map maps[TUI_MAPS];
	int nmaps;
	struct tui_delivery deliveries[TUI_DELIVERIES];
	int ndeliveries;
	struct tui_end ends[TUI_ENDS];
	int nends;
	int pipes;		/* pipes made so far */
	unsigned long long last_call;	/* the number of the newest syscall */
	int objects;		/* mmap calls so far: a fork's copy keeps the number */
	struct tui_seen seen[TUI_PROCS];
	int nseen;
	struct tui_sent sent[TUI_DELIVERIES];
	int nsent;
};

/* ---- sockets and the TLS ladder: tui_model_net.c ---- */

#define TUI_CONNS	32	/* stream sockets, all processes together */
#define TUI_LADDER	32	/* TLS messages on the ladder */

/*
 * A stream socket of one process and its TCP state as a learner draws it,
 * derived from the calls made on it (the trace has no tcp_info): socket
 * CLOSED, listen LISTEN, connect EINPROGRESS SYN_SENT, a connect that
 * succeeds (or SO_ERROR 0) or accept ESTABLISHED, shutdown(SHUT_WR)
 * FIN_WAIT_1, a read of 0 CLOSE_WAIT, both TIME_WAIT or LAST_ACK.
 */
struct tui_conn {
	int pid, fd;
	int sock;		/* which socket: a fork's copy has the same */
	int closed;		/* close(2) ended it; the row stays */
	int sent_fin, got_fin;	/* 1 and 2: which came first */
	char local[TUI_TEXT];	/* "127.0.0.1:41234", or "" */
	char peer[TUI_TEXT];
	char state[TUI_NAME];	/* "ESTABLISHED" ... */
	char error[TUI_NAME];	/* "ECONNREFUSED", "ECONNRESET", or "" */
	char last[TUI_NAME];	/* the last call on it: "connect EINPROGRESS" */
};

/*
 * One TLS message on the ladder.  A process holding both ends (tls bio)
 * traces each message twice, sent by one side and received by the other:
 * that is one row, sent then received.
 */
struct tui_tls_msg {
	char name[TUI_NAME];	/* "ClientHello", "Finished", "Alert" */
	int to_server;		/* 1: client -> server; 0: server -> client */
	int sent, received;	/* seen leaving its writer; arriving */
	long long bytes;
	char note[TUI_TEXT];	/* an alert's description, or "" */
};

struct tui_net {
	struct tui_conn conns[TUI_CONNS];
	int nconns;
	int socks;		/* sockets made so far, to number them */
	struct tui_tls_msg ladder[TUI_LADDER];
	int nladder;
	unsigned long long more;	/* messages past TUI_LADDER, not kept */
	int sides;		/* 1: a client traced, 2: a server, 3: both */
	/* "TLSv1.3, TLS_AES_256_GCM_SHA384", an alert's words, or "" */
	char result[TUI_TEXT];
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
	struct tui_mem mem;	/* mappings, deliveries, pipes */
	struct tui_net net;	/* stream sockets and the TLS ladder */
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

/* "SIGINT|SIGTERM" or "SIGINT SIGTERM" as a mask; unknown names add nothing. */
uint64_t tui_sigset_parse(const char *s);

/* ---- one line, read: tui_model_json.c ---- */

/* The types of a member, as far as the model tells them apart. */
enum { TUI_NONE, TUI_STR, TUI_INT, TUI_TRUE, TUI_OBJ, TUI_OTHER };

#define TUI_FIELDS	32	/* members of one object the fast reader takes */
#define TUI_LINE_TEXT	8192	/* bytes of decoded strings of one line */

struct json_t;
struct tui_obj;

struct tui_field {
	const char *key, *str;	/* str for TUI_STR */
	long long num;		/* for TUI_INT */
	int type;
	struct tui_obj *obj;	/* for TUI_OBJ */
};

/* An object: read by the fast reader into f[], or by jansson (json). */
struct tui_obj {
	const struct json_t *json;	/* non-NULL: read through jansson */
	int n;
	struct tui_field f[TUI_FIELDS];
};

/* One line as read: the event, its "args", and where their strings are. */
struct tui_line {
	struct tui_obj top, args;
	struct json_t *json;	/* jansson's tree, when it read the line */
	char text[TUI_LINE_TEXT];
};

/*
 * Read one line into l.  Returns 0, or -1 with errno EINVAL when it is
 * not a JSON object.  tui_obj_done() frees what it holds.
 */
int tui_obj_parse(struct tui_line *l, const char *line, size_t len);
void tui_obj_done(struct tui_line *l);

/* The event's "args" object; an empty one when it has none. */
const struct tui_obj *tui_obj_args(const struct tui_line *l);

/* A string member of obj, "" when absent or not one. */
const char *tui_json_str(const struct tui_obj *obj, const char *key);
/* An integer member of obj, or dflt. */
long long tui_json_int(const struct tui_obj *obj, const char *key,
		       long long dflt);
/* The type of a member: TUI_NONE when absent. */
int tui_json_type(const struct tui_obj *obj, const char *key);

/* ---- tui_model_mem.c ---- */

/*
 * For tui_model_feed(): what event e, with its args object, says about
 * mappings, signal deliveries and pipes.  It runs before the other tables
 * change, so the signal masks it reads are those from before the event.
 */
void tui_mem_feed(struct tui_model *m, const struct tui_event *e,
		  const struct tui_obj *args);

/*
 * The newest delivery if no system call has come after it, else NULL:
 * the one the Processes view highlights, on the step it happened.
 */
const struct tui_delivery *tui_model_delivery_now(const struct tui_model *m);

/* The holder of fd in process pid when it is a pipe end, or NULL. */
const struct tui_end *tui_model_end(const struct tui_model *m, int pid, int fd);

/* ---- tui_model_net.c ---- */

/*
 * For tui_model_feed(): what event e, with its args object, says about
 * stream sockets (syscall events) and the TLS handshake (tls state events).
 */
void tui_net_feed(struct tui_model *m, const struct tui_event *e,
		  const struct tui_obj *args);

/* The row of socket fd of process pid, open or closed last, or NULL. */
const struct tui_conn *tui_model_conn(const struct tui_model *m, int pid,
				      int fd);

#endif
