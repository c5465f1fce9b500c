/*
 * serve.c - `ipc loop serve ADDR --echo`: the loop's echo server, for
 * real peers and for benchmarks.
 *
 * Each connection is a stream transport (lib/loop_transport.c) with the
 * echo protocol: whatever arrives is written back.  The read buffer is
 * the loop's own and a transport buffers only what the socket would not
 * take, in a buffer that grows once and is reused, so echoing allocates
 * nothing per message.  A peer that sends but does not read fills that
 * buffer past the high-water mark; the protocol then stops reading from
 * it until the buffer drains (pause_writing/resume_writing), so a slow
 * reader costs at most one buffer and no busy loop.  A half-close gets
 * every echo before the close; a reset ends only its connection; running
 * out of fds (EMFILE) is met with the server's spare fd.
 *
 * --workers N runs N such servers, each a process with its own loop and
 * its own listening socket on the same address.  SO_REUSEPORT (see
 * socket(7)) lets the sockets share the port, and the kernel hands each
 * new connection to one of them by a hash of its addresses, so no two
 * workers ever race for the same connection, as N processes sharing one
 * listening socket would at every accept(2).  The parent binds every
 * socket before it forks (for port 0 the first bind picks the port and
 * the others bind that one), then supervises on a loop of its own: it
 * prints the ready line once every worker has written to a pipe that it
 * is ready, forwards SIGINT and SIGTERM, and reaps each worker through
 * its pidfd as it exits.  A worker that dies is reported and not
 * replaced: its socket closes with it, and the kernel spreads the new
 * connections over the workers left.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "loop_cmd.h"
#include "net.h"
#include "num.h"
#include "proc.h"
#include "sys.h"

#define ADDR_LEN	256
/* The most --workers: each is a process with a loop and a socket. */
#define WORKERS_MAX	256

static struct {
	int echo;
	const char *backend;
	int debug;
	const char *workers;
} o;

static const struct opt serve_opts[] = {
	OPT_FLAG(0, "echo", &o.echo, "send back whatever each peer sends"),
	OPT_ONEOF('b', "backend", &o.backend, "NAME", "select|poll|epoll",
		  "wait with this backend (default: epoll)"),
	OPT_FLAG(0, "debug", &o.debug,
		 "warn about callbacks slower than 100 ms"),
	OPT_STR(0, "workers", &o.workers, "N",
		"serve with N processes (1 to 256), a loop and a socket each, "
		"sharing the port with SO_REUSEPORT; auto: one per online "
		"CPU (default 1)"),
	OPT_STOP
};

/* The server's counts: the one ctx every connection shares. */
struct echo_stats {
	unsigned long conns, open, resets;
	unsigned long long bytes;
};

static void *
echo_factory(void *arg)
{
	struct echo_stats *s = arg;

	s->conns++;
	s->open++;
	return s;
}

static void
echo_data(struct loop_transport *t, const void *buf, size_t n, void *ctx)
{
	struct echo_stats *s = ctx;

	s->bytes += n;
	/* ENOBUFS cannot happen: reading pauses long before the cap. */
	if (loop_transport_write(t, buf, n) < 0)
		loop_transport_abort(t, errno);
}

/* The peer reads too slowly: stop reading from it until it catches up. */
static void
echo_pause(struct loop_transport *t, void *ctx)
{
	loop_transport_pause_reading(t);
}

static void
echo_resume(struct loop_transport *t, void *ctx)
{
	loop_transport_resume_reading(t);
}

/* A half-close: send what is still buffered, then close. */
static int
echo_eof(struct loop_transport *t, void *ctx)
{
	return 0;
}

static void
echo_lost(struct loop_transport *t, int err, void *ctx)
{
	struct echo_stats *s = ctx;

	s->open--;
	if (err != 0)
		s->resets++;
}

static const struct loop_protocol echo_proto = {
	.data_received = echo_data,
	.eof_received = echo_eof,
	.connection_lost = echo_lost,
	.pause_writing = echo_pause,
	.resume_writing = echo_resume,
};

/*
 * Thousands of connections need thousands of fds: raise the soft limit
 * to the hard one (see getrlimit(2)), and say so.
 */
static void
raise_fd_limit(const struct cli *cli)
{
	struct rlimit rl;
	rlim_t was;

	if (sys_getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == rl.rlim_max)
		return;
	was = rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max;
	if (sys_setrlimit(RLIMIT_NOFILE, &rl) == 0)
		fprintf(stderr, "%s: fd limit raised from %llu to %llu\n",
			cli->prog, (unsigned long long)was,
			(unsigned long long)rl.rlim_max);
}

/* A worker stops on SIGINT or SIGTERM; the supervisor has said why. */
static void
on_worker_stop(struct loop *l, int sig, void *arg)
{
	loop_stop(l);
}

/*
 * A worker's run: its stop signals, then one byte down the pipe to say it
 * is ready (the supervisor prints the ready line once all have), then
 * serve until a stop signal.  Returns the exit status.
 */
static int
work_until_signal(struct demo_ctx *d, int ready)
{
	int rc;

	if (loop_add_signal_handler(d->loop, SIGINT, "stop", on_worker_stop,
				    NULL) < 0 ||
	    loop_add_signal_handler(d->loop, SIGTERM, "stop", on_worker_stop,
				    NULL) < 0)
		rc = fail(d->cli, "add_signal_handler", errno, NULL);
	else if (sys_write(ready, "r", 1) != 1)
		rc = fail(d->cli, "write", errno, "the supervisor has gone");
	else
		rc = demo_run(d);
	loop_remove_signal_handler(d->loop, SIGINT);
	loop_remove_signal_handler(d->loop, SIGTERM);
	return rc;
}

/*
 * Serve on fd, a listening socket, until SIGINT or SIGTERM, then print
 * what was served.  Alone (ready < 0), print the ready line; as a worker,
 * say so down the pipe ready instead.  Returns the exit status.
 */
static int
serve_on(const struct cli *cli, int fd, const char *name, int ready)
{
	struct echo_stats stats = { 0 };
	struct demo_ctx d = { .cli = cli };
	struct loop_server *srv;
	char who[32] = "";
	int rc = 0;

	d.loop = loop_cmd_open(cli, o.backend, o.debug, NULL, &rc);
	if (d.loop == NULL) {
		sys_close(fd);
		return rc;
	}
	srv = loop_server_new(d.loop, fd, &echo_proto, echo_factory, &stats);
	if (srv == NULL) {
		rc = fail(cli, "serve", errno, NULL);
		sys_close(fd);
		return loop_cmd_close(cli, d.loop, rc);
	}
	if (ready < 0) {
		rc = demo_serve_until_signal(&d, name, NULL, NULL);
	} else {
		rc = work_until_signal(&d, ready);
		snprintf(who, sizeof(who), "worker %ld: ", (long)getpid());
	}
	fprintf(stderr, "%s: %s%lu connections (%lu still open, %lu reset), "
		"%llu bytes echoed, %lu refused for want of fds\n", cli->prog,
		who, stats.conns, stats.open, stats.resets, stats.bytes,
		loop_server_refused(srv));
	loop_server_close(srv);
	/* Connections still open are cut: their peers see the close. */
	loop_destroy(d.loop);
	return rc;
}

/* ---- --workers: the supervisor ---- */

struct farm {
	const struct cli *cli;
	const char *name;	/* the address every worker serves */
	pid_t *pid;		/* each worker's; 0 once reaped */
	int *fd;		/* each worker's socket, until it is forked */
	int n;
	int running;		/* forked and not yet reaped */
	int ready;		/* workers that said they are ready */
	int stopping;		/* a stop came: exits are expected now */
	int done;		/* every worker has been reaped */
	int rc;
};

/* Send sig to every worker not yet reaped (a zombie takes it harmlessly). */
static void
forward(struct farm *f, int sig)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (f->pid[i] > 0)
			sys_kill(f->pid[i], sig);
}

static void
on_farm_signal(struct loop *l, int sig, void *arg)
{
	struct farm *f = arg;

	fprintf(stderr, "%s: %s: stopping %d worker%s\n", f->cli->prog,
		sig == SIGINT ? "SIGINT" : "SIGTERM", f->running,
		f->running == 1 ? "" : "s");
	f->stopping = 1;
	forward(f, sig);
}

/* Bytes on the pipe: workers ready.  All of them: the ready line. */
static void
on_ready(struct loop *l, int fd, void *arg)
{
	struct farm *f = arg;
	char buf[64];
	ssize_t k = sys_read(fd, buf, sizeof(buf));

	if (k < 0 && errno == EINTR)
		return;
	if (k > 0) {
		f->ready += (int)k;
		if (f->ready < f->n)
			return;
		if (!f->stopping) {	/* no ready line for a server going */
			fprintf(stderr, "listening %s\n", f->name);
			fflush(stderr);
		}
	}
	/* All ready, or every write end closed (see on_worker_exit). */
	loop_remove_reader(l, fd);
}

/*
 * A worker was reaped.  After a stop, that is the plan; before, it is
 * reported, and it is not replaced.  A worker lost before every worker
 * was ready means the server never came up: the others are stopped too.
 */
static void
on_worker_exit(struct loop *l, pid_t pid, int status, void *arg)
{
	struct farm *f = arg;
	char how[64];
	int i;

	for (i = 0; i < f->n; i++)
		if (f->pid[i] == pid)
			f->pid[i] = 0;
	f->running--;
	if (status == -1)
		snprintf(how, sizeof(how), "was reaped elsewhere");
	else
		proc_status_str(status, how, sizeof(how));
	if (status != 0 && f->rc == 0)
		f->rc = status != -1 && WIFEXITED(status) ?
			WEXITSTATUS(status) : EX_SOFT_;
	if (!f->stopping && f->ready < f->n) {
		fprintf(stderr, "%s: worker %ld %s before it was ready; "
			"stopping the others\n", f->cli->prog, (long)pid, how);
		f->stopping = 1;
		forward(f, SIGTERM);
	} else if (!f->stopping) {
		fprintf(stderr, "%s: worker %ld %s; %d of %d left, not "
			"replaced\n", f->cli->prog, (long)pid, how,
			f->running, f->n);
	} else if (status != 0) {
		fprintf(stderr, "%s: worker %ld %s\n", f->cli->prog,
			(long)pid, how);
	}
	if (f->running == 0)
		f->done = 1;
}

/*
 * The worker's side of the fork: keep socket i and the pipe's write end,
 * close the rest, and ask for SIGTERM should the supervisor die (see
 * prctl(2) PR_SET_PDEATHSIG), so no worker is left serving an orphaned
 * port.  Returns the worker's exit status.
 */
static int
worker(struct farm *f, int i, const int pipefd[2], pid_t parent)
{
	int j, rc;

	for (j = 0; j < f->n; j++)
		if (j != i && f->fd[j] >= 0)
			sys_close(f->fd[j]);
	sys_close(pipefd[0]);
	if (sys_prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
		rc = fail(f->cli, "prctl", errno, NULL);
	else if (getppid() != parent)	/* it died before the prctl */
		rc = fail(f->cli, "supervisor", ESRCH, "it exited before this "
			  "worker started");
	else {
		rc = serve_on(f->cli, f->fd[i], f->name, pipefd[1]);
		f->fd[i] = -1;		/* serve_on closed it */
	}
	if (f->fd[i] >= 0)
		sys_close(f->fd[i]);
	sys_close(pipefd[1]);
	return rc;
}

/*
 * The supervisor's loop: stop signals, a watcher per worker, and the
 * ready pipe; it runs until every worker has been reaped.  Returns the
 * exit status: 0 after a clean stop, or the first failed worker's own.
 */
static int
supervise(struct farm *f, int ready)
{
	struct loop *l;
	int i, rc = 0;

	if ((l = loop_cmd_open(f->cli, o.backend, o.debug, NULL, &rc)) == NULL)
		return rc;
	if (loop_add_signal_handler(l, SIGINT, "forward", on_farm_signal,
				    f) < 0 ||
	    loop_add_signal_handler(l, SIGTERM, "forward", on_farm_signal,
				    f) < 0)
		rc = fail(f->cli, "add_signal_handler", errno, NULL);
	for (i = 0; rc == 0 && i < f->n; i++)
		if (loop_add_child_watcher(l, f->pid[i], "worker",
					   on_worker_exit, f) < 0)
			rc = fail(f->cli, "pidfd_open", errno, NULL);
	if (rc == 0 && loop_add_reader(l, ready, "ready", on_ready, f) < 0)
		rc = fail(f->cli, "add_reader", errno, NULL);
	if (rc == 0 && loop_run_until(l, &f->done) < 0)
		rc = fail(f->cli, loop_backend(l), errno, NULL);
	loop_remove_reader(l, ready);
	loop_remove_signal_handler(l, SIGINT);
	loop_remove_signal_handler(l, SIGTERM);
	/* Not reaped yet only after a failure: the caller stops them. */
	rc = loop_cmd_close(f->cli, l, rc);
	return rc != 0 ? rc : f->rc;
}

/* After a failure: stop the workers forked so far and wait for them. */
static void
stop_and_reap(struct farm *f)
{
	int i, status;

	forward(f, SIGTERM);
	for (i = 0; i < f->n; i++)
		if (f->pid[i] > 0 && sys_waitpid(f->pid[i], &status, 0) >= 0)
			f->pid[i] = 0;
}

/*
 * Bind n sockets to addr with SO_REUSEPORT, fork a worker for each, and
 * supervise them.  Returns the exit status (in a worker too: each
 * returns its own through main).
 */
static int
run_workers(const struct cli *cli, const char *addr, int n)
{
	struct farm f = { .cli = cli, .n = n };
	char name[ADDR_LEN], again[ADDR_LEN];
	int pipefd[2] = { -1, -1 }, blocked = 0, i, rc;
	sigset_t stops, old;
	pid_t pid, self = getpid();

	f.pid = calloc((size_t)n, sizeof(*f.pid));
	f.fd = malloc((size_t)n * sizeof(*f.fd));
	if (f.pid == NULL || f.fd == NULL) {
		free(f.pid);
		free(f.fd);
		return fail(cli, "workers", ENOMEM, NULL);
	}
	for (i = 0; i < n; i++)
		f.fd[i] = -1;
	f.name = name;
	/* The first bind picks the port (for :0); the others bind that one. */
	rc = bind_listener(cli, addr, NET_REUSEPORT, &f.fd[0], name,
			   sizeof(name));
	for (i = 1; rc == 0 && i < n; i++)
		rc = bind_listener(cli, name, NET_REUSEPORT, &f.fd[i], again,
				   sizeof(again));
	if (rc == 0 && sys_pipe2(pipefd, O_CLOEXEC) < 0)
		rc = fail(cli, "pipe2", errno, NULL);
	/*
	 * Blocked from before the first fork, so a stop that comes early
	 * waits, in every process, for the loop's signalfd to read it.
	 */
	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	if (rc == 0 && sys_sigprocmask(SIG_BLOCK, &stops, &old) < 0)
		rc = fail(cli, "sigprocmask", errno, NULL);
	blocked = rc == 0;
	if (rc == 0)
		fflush(NULL);	/* or each child would write it again */
	for (i = 0; rc == 0 && i < n; i++) {
		if ((pid = sys_fork()) < 0) {
			rc = fail(cli, "fork", errno, errno != EAGAIN ? NULL :
				  "out of processes (ulimit -u) or memory: try "
				  "fewer --workers");
		} else if (pid == 0) {
			rc = worker(&f, i, pipefd, self);
			free(f.pid);
			free(f.fd);
			return rc;
		} else {
			f.pid[i] = pid;
			f.running++;
			sys_close(f.fd[i]);	/* the worker's now */
			f.fd[i] = -1;
		}
	}
	if (pipefd[1] >= 0)
		sys_close(pipefd[1]);	/* EOF once every worker closes it */
	if (rc == 0)
		rc = supervise(&f, pipefd[0]);
	if (f.running > 0)
		stop_and_reap(&f);
	if (pipefd[0] >= 0)
		sys_close(pipefd[0]);
	for (i = 0; i < n; i++)
		if (f.fd[i] >= 0)
			sys_close(f.fd[i]);
	if (blocked)
		sys_sigprocmask(SIG_SETMASK, &old, NULL);
	free(f.pid);
	free(f.fd);
	return rc;
}

/* --workers: NULL is 1, "auto" one per online CPU.  0, or the status. */
static int
parse_workers(const struct cli *cli, int *n)
{
	long cpus;

	if (o.workers == NULL) {
		*n = 1;
	} else if (strcmp(o.workers, "auto") == 0) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		*n = cpus < 1 ? 1 : cpus > WORKERS_MAX ? WORKERS_MAX :
		     (int)cpus;
	} else if ((*n = (int)num_decimal(o.workers, 1, WORKERS_MAX)) < 0) {
		return usage_error(cli, "--workers: expected a number from 1 "
				   "to %d, or auto: '%s'", WORKERS_MAX,
				   o.workers);
	}
	return 0;
}

static int
run_serve(struct cli *cli)
{
	char name[ADDR_LEN];
	int fd, n, rc;

	if (!o.echo)
		return usage_error(cli, "what to serve? --echo is the one "
				   "service for now");
	if ((rc = parse_workers(cli, &n)) != 0)
		return rc;
	if (n > 1 && (cli_common.trace_to != NULL || cli_common.step != NULL))
		return usage_error(cli, "--trace-to and --step follow one "
				   "process, and --workers %d makes %d: trace "
				   "with --workers 1, or --trace (each event "
				   "names its pid)", n, n);
	if (n > 1 && strncmp(cli->argv[0], "unix:", 5) == 0)
		return usage_error(cli, "--workers needs a TCP address: "
				   "SO_REUSEPORT shares a port, and a Unix "
				   "socket's path is bound once");
	raise_fd_limit(cli);
	if (n > 1)
		return run_workers(cli, cli->argv[0], n);
	if ((rc = bind_listener(cli, cli->argv[0], 0, &fd, name,
				sizeof(name))) != 0)
		return rc;
	return serve_on(cli, fd, name, -1);
}

const struct verb loop_serve_verb = {
	.name = "serve",
	.summary = "the loop's echo server: many peers, no allocation per "
		   "message",
	.usage = "ADDR --echo",
	.description =
		"Serve ADDR (127.0.0.1:0 picks a free port; unix:/path or "
		"unix:@name a Unix socket, whose file goes when the server "
		"stops; the ready line "
		"\"listening ADDR\" goes to stderr) on the event loop, epoll "
		"by default, until SIGINT or SIGTERM, then print what was "
		"served.  Each connection is a transport with the echo "
		"protocol.  A peer that does not read has its reading "
		"paused once 64 KiB wait for it (flow control, not a busy "
		"loop); a half-close gets every echo, then the close; a "
		"reset ends one connection; when the process runs out of "
		"descriptors (EMFILE), a spare one accepts and closes the "
		"connection instead of spinning.  The soft fd limit is "
		"raised to the hard one first.\n\n"
		"--workers N (1, the default, serves in this one process) "
		"runs N worker processes, each with its own loop "
		"and its own listening socket bound to ADDR with "
		"SO_REUSEPORT: the kernel spreads new connections over them "
		"(see socket(7)).  The parent binds every socket, forks the "
		"workers, prints the ready line once each has said it is "
		"ready, forwards SIGINT and SIGTERM to them, and reaps each "
		"one as it exits; each worker prints its own counts, \"worker "
		"PID: N connections ...\".  A worker that dies is reported and "
		"not replaced: its socket closes with it and the others take "
		"the new connections; the exit status is then that worker's "
		"(70 if a signal killed it) instead of 0.  One that fails "
		"before every worker is ready stops them all.  --trace-to and "
		"--step follow one process, so they take --workers 1; --trace "
		"works, each event naming its pid.",
	.examples = (const char *const[]){
		"ipc loop serve 127.0.0.1:7000 --echo\techo server on port "
		"7000 (try: nc 127.0.0.1 7000)",
		"ipc loop serve 127.0.0.1:7000 --echo --backend poll\tthe "
		"same on poll(2)",
		"ipc loop serve 127.0.0.1:7000 --echo --trace\twatch every "
		"iteration",
		"ipc loop serve 127.0.0.1:7000 --echo --workers auto\tone "
		"worker process per CPU, sharing the port",
		NULL },
	.opts = serve_opts,
	.min_args = 1, .max_args = 1,
	.args_hint = "@host",
	.run = run_serve,
};
