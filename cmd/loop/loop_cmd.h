/*
 * loop_cmd.h - the verbs of `ipc loop`, one file each in cmd/loop/, and
 * what the demos share.  (Named loop_cmd.h so that it never hides
 * lib/loop.h.)
 */
#ifndef IPC_LOOP_CMD_H
#define IPC_LOOP_CMD_H

#include <sys/socket.h>

#include "ipc.h"
#include "loop.h"

extern const struct verb loop_demo_verb, loop_serve_verb;

/* What every demo gets: its command line, its loop and its options. */
struct demo_ctx {
	const struct cli *cli;
	struct loop *loop;
	double interval;	/* clock-later: seconds between ticks */
	const char *signals;	/* "signalfd" or "self-pipe" */
	const char *serve;	/* --serve ADDR: serve outside peers */
	const char *connect;	/* --connect ADDR: talk to an outside server */
	int rc;			/* the exit status a callback decided */
};

/* What a demo accepts beyond the common options. */
enum {
	DEMO_SERVE = 1 << 0,	/* --serve ADDR */
	DEMO_CONNECT = 1 << 1,	/* --connect ADDR */
	DEMO_INTERVAL = 1 << 2,	/* --interval SECS (clock-later checks by name) */
};

/* One demo: its name for `ipc loop demo NAME`, one line, and its body. */
struct loop_demo {
	const char *name;
	const char *summary;
	int (*run)(struct demo_ctx *d);
	unsigned flags;
};

/* The groups, NULL-name terminated: demo_loop.c, demo_proto.c. */
extern const struct loop_demo loop_demos_core[], loop_demos_proto[];
/* Tasks and futures: demo_task.c; streams: demo_stream.c. */
extern const struct loop_demo loop_demos_task[], loop_demos_stream[];
/* The subprocess group (demo_subproc.c). */
extern const struct loop_demo loop_demos_subproc[];
/* The asyncore and asynchat group (demo_asyn.c). */
extern const struct loop_demo loop_demos_asyn[];
/* The executor (demo_exec.c), then the primitives and queues (demo_sync.c). */
extern const struct loop_demo loop_demos_sync[];
int loop_demo_executor(struct demo_ctx *d);

/* The UDP echo demos (demo_udp.c), listed with demo_proto.c's. */
int loop_demo_udp_server(struct demo_ctx *d);
int loop_demo_udp_client(struct demo_ctx *d);

/* The message the echo demos send, as in the Python examples. */
#define DEMO_MESSAGE	"Hello World!"

/*
 * The i-th demo in the order --list shows them, with its group's name in
 * *group (unless group is NULL), or NULL past the last one: for the TUI's
 * scenario picker.
 */
const struct loop_demo *loop_demo_nth(size_t i, const char **group);

/* Report a failure from inside a callback, and end the run. */
void demo_fail(struct demo_ctx *d, const char *what, int err);

/* Run until a callback stops the loop; returns the exit status. */
int demo_run(struct demo_ctx *d);

/*
 * Peer bytes as Python's repr() shows a str: 'Hello World!', with
 * everything unprintable escaped.  Returns out.
 */
const char *demo_quote(const void *buf, size_t n, char *out, size_t size);


/* Resolve addr for connecting.  Returns 0, or reports and returns status. */
int demo_resolve(struct demo_ctx *d, const char *addr, int udp,
		 struct sockaddr_storage *ss, socklen_t *len);

/*
 * --serve: print the ready line "listening NAME" on stderr, then run
 * until SIGINT or SIGTERM stops the loop: run(arg), which returns the
 * exit status, or demo_run(d) when run is NULL.  Returns the exit status.
 */
int demo_serve_until_signal(struct demo_ctx *d, const char *name,
			    int (*run)(void *arg), void *arg);

/*
 * Open the loop the common options ask for: --backend, --debug (warnings
 * on stderr) and --signals.  Returns it, or NULL after reporting why,
 * with the exit status in *rc.
 */
struct loop *loop_cmd_open(const struct cli *cli, const char *backend,
			   int debug, const char *signals, int *rc);

/*
 * Close l after a run that ended with status rc.  After a failure the
 * loop is destroyed whatever it holds; after a success, handles left
 * behind are a bug: say so, free it anyway and return 70 (internal).
 */
int loop_cmd_close(const struct cli *cli, struct loop *l, int rc);

#endif
