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
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>

#include "loop_cmd.h"
#include "sys.h"

#define ADDR_LEN	256

static struct {
	int echo;
	const char *backend;
	int debug;
} o;

static const struct opt serve_opts[] = {
	OPT_FLAG(0, "echo", &o.echo, "send back whatever each peer sends"),
	OPT_ONEOF('b', "backend", &o.backend, "NAME", "select|poll|epoll",
		  "wait with this backend (default: epoll)"),
	OPT_FLAG(0, "debug", &o.debug,
		 "warn about callbacks slower than 100 ms"),
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

static int
run_serve(struct cli *cli)
{
	struct echo_stats stats = { 0 };
	struct demo_ctx d = { .cli = cli };
	struct loop_server *srv;
	char name[ADDR_LEN];
	int fd, rc = 0;

	if (!o.echo)
		return usage_error(cli, "what to serve? --echo is the one "
				   "service for now");
	raise_fd_limit(cli);
	d.loop = loop_cmd_open(cli, o.backend, o.debug, NULL, &rc);
	if (d.loop == NULL)
		return rc;
	if ((rc = bind_listener(cli, cli->argv[0], 0, &fd, name,
				 sizeof(name))) != 0)
		return loop_cmd_close(cli, d.loop, rc);
	srv = loop_server_new(d.loop, fd, &echo_proto, echo_factory, &stats);
	if (srv == NULL) {
		rc = fail(cli, "serve", errno, NULL);
		sys_close(fd);
		return loop_cmd_close(cli, d.loop, rc);
	}
	rc = demo_serve_until_signal(&d, name);
	fprintf(stderr, "%s: %lu connections (%lu still open, %lu reset), "
		"%llu bytes echoed, %lu refused for want of fds\n", cli->prog,
		stats.conns, stats.open, stats.resets, stats.bytes,
		loop_server_refused(srv));
	loop_server_close(srv);
	/* Connections still open are cut: their peers see the close. */
	loop_destroy(d.loop);
	return rc;
}

const struct verb loop_serve_verb = {
	.name = "serve",
	.summary = "the loop's echo server: many peers, no allocation per "
		   "message",
	.usage = "ADDR --echo",
	.description =
		"Serve ADDR (127.0.0.1:0 picks a free port; the ready line "
		"\"listening ADDR\" goes to stderr) on the event loop, epoll "
		"by default, until SIGINT or SIGTERM, then print what was "
		"served.  Each connection is a transport with the echo "
		"protocol.  A peer that does not read has its reading "
		"paused once 64 KiB wait for it (flow control, not a busy "
		"loop); a half-close gets every echo, then the close; a "
		"reset ends one connection; when the process runs out of "
		"descriptors (EMFILE), a spare one accepts and closes the "
		"connection instead of spinning.  The soft fd limit is "
		"raised to the hard one first.",
	.examples = (const char *const[]){
		"ipc loop serve 127.0.0.1:7000 --echo\techo server on port "
		"7000 (try: nc 127.0.0.1 7000)",
		"ipc loop serve 127.0.0.1:7000 --echo --backend poll\tthe "
		"same on poll(2)",
		"ipc loop serve 127.0.0.1:7000 --echo --trace\twatch every "
		"iteration",
		NULL },
	.opts = serve_opts,
	.min_args = 1, .max_args = 1,
	.args_hint = "@host",
	.run = run_serve,
};
