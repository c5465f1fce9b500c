/*
 * serve.h - what the files of `ipc sock serve` share.
 *
 *   serve.c          the verb: options, the listening socket, signals and
 *                    the self-pipe, the summary
 *   serve_models.c   the four server models and the one loop they share
 *   services.c       one connection from accept to close: the spare
 *                    descriptor for EMFILE, echo, discard, daytime,
 *                    chargen and --exec, the non-blocking I/O, the log
 *
 * Every model keeps its live connections in one table (struct serve.conns):
 * clients the poll loop serves itself, clients a thread serves, and clients
 * a child process serves (fork, or --exec).  The loop adds a connection when
 * accept4 returns it and removes it with serve_finish(), which logs the
 * closing line and adds its bytes to the totals.
 */
#ifndef IPC_SERVE_H
#define IPC_SERVE_H

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ipc.h"

/* Each client may hold this much unsent output: the backpressure bound. */
#define CONN_BUF (64 * 1024)

enum model { MODEL_POLL, MODEL_ITERATIVE, MODEL_FORK, MODEL_THREAD };

/* Who serves a connection. */
enum conn_kind {
	CONN_LOCAL,	/* this process's loop: --model poll, iterative */
	CONN_THREAD,	/* a thread of this process: --model thread */
	CONN_CHILD,	/* a child process: --model fork, or --exec */
};

/* Why a connection ended. */
enum conn_end {
	END_NONE,	/* still open */
	END_DONE,	/* the service finished or the client closed */
	END_IDLE,	/* nothing moved for --idle-timeout */
	END_VANISHED,	/* the client went away mid-write (EPIPE, ECONNRESET) */
	END_STOPPED,	/* the server was told to stop */
	END_ERROR,	/* another error, in conn.err */
};

struct serve;

struct conn {
	struct serve *srv;	/* the server it belongs to */
	unsigned long id;	/* N in "connection N" */
	enum conn_kind kind;
	int fd;			/* the client socket, or -1 once handed over */
	char peer[128];		/* "127.0.0.1:41234" */
	uint64_t in, out;	/* bytes received and sent */
	enum conn_end end;
	int err;		/* errno, for END_VANISHED and END_ERROR */
	long long last_ns;	/* the last time bytes moved (CLOCK_MONOTONIC) */

	/* Pending output: buf[head, head + len).  See services.c. */
	size_t head, len;
	int eof;		/* the client has shut down its sending side */
	int closing;		/* close once the output is flushed */
	unsigned chargen_pos;	/* the first character of the next line */

	/* CONN_CHILD */
	pid_t pid;
	int exited;		/* reaped; status holds the wait status */
	int status;

	/* CONN_THREAD: the thread sets done as its last act. */
	pthread_t thread;
	atomic_int done;

	char buf[CONN_BUF];
};

/* A service as the I/O code sees it.  See services.c. */
struct service {
	void (*start)(struct conn *c);	/* at accept, may queue output */
	void (*refill)(struct conn *c);	/* more output when there is room */
	int keeps_input;		/* input is queued as output (echo) */
	int ends_at_eof;		/* the client's EOF ends it, once flushed */
};

/* What a --model fork child tells its parent before it exits. */
struct conn_report {
	unsigned long id;
	uint64_t in, out;
	int end, err;
};

struct serve_stats {
	unsigned long accepted;	/* the last connection number */
	unsigned long served;	/* connections finished */
	unsigned long vanished;	/* clients gone mid-write */
	unsigned long dropped;	/* connections closed for lack of fds */
	uint64_t in, out;
};

struct serve {
	const struct cli *cli;
	const struct service *svc;	/* NULL with --exec */
	char **exec_argv;		/* --exec: the command, NULL-terminated */
	enum model model;
	int quiet;
	long max_conn;		/* 0: no limit but the descriptors */
	long count;		/* stop after this many connections; 0: never */
	double idle;		/* --idle-timeout in seconds; 0: none */
	int lfd;		/* the listening socket */
	int spare;		/* the reserved descriptor, see serve_accept() */
	int report[2];		/* --model fork: children's conn_report pipe */
	int paused;		/* accept lacks resources: skip the listener for
				   one poll, at most a second */

	struct conn **conns;	/* the live connections */
	size_t nconns, cap;
	struct pollfd *pfds;	/* the loop's poll set, grown with conns */
	struct conn **owner;	/* owner[i] is the conn of pfds[i], or NULL */
	size_t pcap;

	struct serve_stats st;
};

/* serve.c: signals and the self-pipe, fork with signals held */
extern volatile sig_atomic_t serve_stop;	/* SIGINT or SIGTERM came */
extern volatile sig_atomic_t serve_child;	/* SIGCHLD came */
int serve_wake_fd(void);
void serve_wake_drain(void);
void serve_wake(void);
int serve_wake_reopen(void);
int serve_hold_signals(sigset_t *old);
pid_t serve_fork(sigset_t *old);

/* serve_models.c */
int serve_loop(struct serve *s);

/* services.c: one connection from accept to close */
struct conn *serve_accept(struct serve *s);
void serve_finish(struct serve *s, struct conn *c);
void serve_log_error(const struct serve *s, const char *what, int err);
extern const struct service service_echo, service_discard, service_daytime,
	service_chargen;
void conn_start(const struct serve *s, struct conn *c);
short conn_events(const struct serve *s, const struct conn *c);
void conn_io(struct serve *s, struct conn *c, short revents);
int conn_idle_ms(const struct serve *s, const struct conn *c, long long now);
void conn_run(struct serve *s, struct conn *c, int wake_fd);
int conn_exec(struct serve *s, struct conn *c);

#endif
