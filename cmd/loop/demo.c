/*
 * demo.c - `ipc loop demo NAME`: the verb, the list of demos, and the
 * loop set-up every demo shares.  The demos themselves live by group in
 * demo_*.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "loop_cmd.h"

static struct {
	int list;
	int json;
	const char *backend;
	int debug;
	const char *signals;
	double interval;
	const char *serve;
	const char *connect;
} o;

static const struct opt demo_opts[] = {
	OPT_FLAG('l', "list", &o.list, "list every demo with one line each"),
	OPT_FLAG(0, "json", &o.json, "with --list: one JSON object per demo"),
	OPT_ONEOF('b', "backend", &o.backend, "NAME", "select|poll|epoll",
		  "wait with this backend (default: the best, epoll)"),
	OPT_FLAG(0, "debug", &o.debug,
		 "warn about callbacks slower than 100 ms and fds left "
		 "registered at close"),
	OPT_ONEOF(0, "signals", &o.signals, "HOW", "signalfd|self-pipe",
		  "signals: how they reach the loop (default: signalfd)"),
	OPT_SECS(0, "interval", &o.interval,
		 "clock-later and the task demos: seconds between ticks, or "
		 "of each sleep (default 1)"),
	OPT_STR_C(0, "serve", &o.serve, "ADDR",
		  "servers: serve outside peers on ADDR until SIGINT or "
		  "SIGTERM", "@host"),
	OPT_STR_C(0, "connect", &o.connect, "ADDR",
		  "clients: talk to the server at ADDR instead of our own",
		  "@host"),
	OPT_STOP
};

/* The groups, in the order --list shows them. */
static const struct {
	const char *name;
	const struct loop_demo *demos;
} groups[] = {
	{ "event loop", loop_demos_core },
	{ "tasks and futures", loop_demos_task },
	{ "protocols", loop_demos_proto },
	{ "streams", loop_demos_stream },
	{ "subprocess", loop_demos_subproc },
	{ "executor and primitives", loop_demos_sync },
	{ "asyncore and asynchat", loop_demos_asyn },
};
#define NGROUPS	(sizeof(groups) / sizeof(groups[0]))

const struct loop_demo *
loop_demo_nth(size_t i, const char **group)
{
	for (size_t g = 0; g < NGROUPS; g++)
		for (const struct loop_demo *d = groups[g].demos;
		     d->name != NULL; d++)
			if (i-- == 0) {
				if (group != NULL)
					*group = groups[g].name;
				return d;
			}
	return NULL;
}

void
demo_fail(struct demo_ctx *d, const char *what, int err)
{
	if (d->rc == 0)
		d->rc = fail(d->cli, what, err, NULL);
	loop_stop(d->loop);
}

int
demo_run(struct demo_ctx *d)
{
	if (loop_run_forever(d->loop) < 0)
		return fail(d->cli, loop_backend(d->loop), errno, NULL);
	return d->rc;
}

const char *
demo_quote(const void *buf, size_t n, char *out, size_t size)
{
	const unsigned char *p = buf;
	size_t len = 0, used, i;

	if (size < 16)
		return "''";
	out[len++] = '\'';
	/* Room for one escape (\xHH), then "...", the quote and the NUL. */
	for (i = 0; i < n && len + 9 <= size; i++) {
		if (p[i] == '\n') {
			memcpy(out + len, "\\n", 2);
			len += 2;
		} else if (p[i] == '\'' || p[i] == '\\') {
			out[len++] = '\\';
			out[len++] = (char)p[i];
		} else {
			len += out_escape(out + len, 5, p + i, 1, &used);
		}
	}
	if (i < n) {
		memcpy(out + len, "...", 3);
		len += 3;
	}
	out[len++] = '\'';
	out[len] = '\0';
	return out;
}

/* The debug-mode hook: a warning line on stderr. */
static void
warn_stderr(void *ctx, const char *msg)
{
	const struct cli *cli = ctx;

	out_warn(cli->prog, "%s", msg);
}

struct loop *
loop_cmd_open(const struct cli *cli, const char *backend, int debug,
	      const char *signals, int *rc)
{
	struct loop *l = loop_new(backend);

	if (l == NULL) {
		*rc = fail(cli, backend != NULL ? backend : "loop", errno,
			   NULL);
		return NULL;
	}
	if (debug)
		loop_set_debug(l, warn_stderr, (void *)cli);
	if (signals != NULL && strcmp(signals, "self-pipe") == 0)
		loop_set_signal_mode(l, LOOP_SELF_PIPE);
	return l;
}

int
loop_cmd_close(const struct cli *cli, struct loop *l, int rc)
{
	/* A failed run may leave handles behind on purpose: drop them. */
	if (rc != 0) {
		loop_destroy(l);
		return rc;
	}
	if (loop_close(l) == 0)
		return rc;
	out_error(cli->prog, "loop_close", errno);
	out_hint("the demo left callbacks, timers or fds behind (a bug); "
		 "freed anyway");
	loop_destroy(l);
	return EX_SOFT_;
}

/* --list: a table, or JSON Lines with --json. */
static int
list(const struct cli *cli)
{
	static const struct out_col cols[] = {
		{ "name", "NAME" }, { "group", "GROUP" },
		{ "summary", "WHAT IT SHOWS" },
	};
	json_t *rows = json_array();
	size_t g;
	int rc = 0;

	if (rows == NULL)
		return fail(cli, "list", ENOMEM, NULL);
	for (g = 0; g < NGROUPS; g++)
		for (const struct loop_demo *d = groups[g].demos;
		     d->name != NULL; d++)
			json_array_append_new(rows, json_pack(
				"{s:s, s:s, s:s}", "name", d->name, "group",
				groups[g].name, "summary", d->summary));
	if (out_table(stdout, rows, cols, 3, o.json) < 0)
		rc = fail(cli, "list", errno, NULL);
	json_decref(rows);
	return rc;
}

static const struct loop_demo *
find(const char *name)
{
	size_t g;

	for (g = 0; g < NGROUPS; g++)
		for (const struct loop_demo *d = groups[g].demos;
		     d->name != NULL; d++)
			if (strcmp(d->name, name) == 0)
				return d;
	return NULL;
}

static int
run_demo(struct cli *cli)
{
	struct demo_ctx d = { .cli = cli, .interval = 1.0 };
	const struct loop_demo *demo;
	int rc = 0;

	if (o.list)
		return cli->argc > 0 ?
		       usage_error(cli, "--list takes no demo name") :
		       list(cli);
	if (o.json)
		return usage_error(cli, "--json is for --list");
	if (cli->argc == 0)
		return usage_error(cli, "which demo? (see --list)");
	if ((demo = find(cli->argv[0])) == NULL)
		return usage_error(cli, "no demo called '%s' (see --list)",
				   cli->argv[0]);
	if (o.interval > 0 && strcmp(demo->name, "clock-later") != 0 &&
	    !(demo->flags & DEMO_INTERVAL))
		return usage_error(cli, "--interval is for clock-later and "
				   "the task demos that sleep");
	if (o.signals != NULL && strcmp(demo->name, "signals") != 0)
		return usage_error(cli, "--signals is for the signals demo");
	if (o.serve != NULL && !(demo->flags & DEMO_SERVE))
		return usage_error(cli, "--serve is for the server demos");
	if (o.connect != NULL && !(demo->flags & DEMO_CONNECT))
		return usage_error(cli, "--connect is for the client demos");
	if (o.interval > 0)
		d.interval = o.interval;
	d.signals = o.signals != NULL ? o.signals : "signalfd";
	d.serve = o.serve;
	d.connect = o.connect;
	d.loop = loop_cmd_open(cli, o.backend, o.debug, o.signals, &rc);
	if (d.loop == NULL)
		return rc;
	rc = demo->run(&d);
	return loop_cmd_close(cli, d.loop, rc);
}

const struct verb loop_demo_verb = {
	.name = "demo",
	.summary = "the chapter's asyncio examples, on the C loop",
	.usage = "NAME | --list",
	.description =
		"Each demo is an example from the asyncio chapter of the "
		"Python library reference, written against lib/loop.h.  It "
		"runs with no arguments, starts any peer it needs itself, "
		"ends by itself within a few seconds and exits 0.\n\n"
		"hello-soon: call_soon schedules a callback that prints "
		"Hello World and stops the loop.\n\n"
		"clock-later: a callback prints the date and reschedules "
		"itself with call_later, five times (--interval apart).\n\n"
		"watch-fd: add_reader watches one end of a socketpair; a "
		"callback writes into the other end, the reader prints what "
		"arrived, removes itself and stops the loop.\n\n"
		"signals: add_signal_handler for SIGINT and SIGTERM, then "
		"the demo sends both to itself.  The handlers run as "
		"ordinary callbacks, never in signal context; --signals "
		"chooses signalfd(2) or a self-pipe.\n\n"
		"hello-coro, clock-coro, chain: coroutines as tasks, each "
		"on its own guarded stack: a task that prints and ends, one "
		"that prints the date and sleeps five times, and print_sum "
		"awaiting compute, which sleeps (a plain C call: the stack is "
		"the task's own).\n\n"
		"future-until-complete, future-forever: slow_operation "
		"sleeps, then sets a future's result; run_until_complete "
		"waits for the future, or a done-callback prints it and stops "
		"run_forever.\n\n"
		"parallel: tasks A, B and C compute factorials, interleaving "
		"at each sleep; a fourth task gathers them.  --interval sets "
		"the task demos' sleeps.\n\n"
		"tcp-echo-server, tcp-echo-client: protocols on stream "
		"transports.  The client sends Hello World!, the server "
		"echoes it and closes, and the client stops the loop when "
		"it sees the close.  Without options both ends run in one "
		"loop, each line saying which end printed it; --serve ADDR "
		"serves outside clients until SIGINT or SIGTERM (the ready "
		"line \"listening ADDR\" goes to stderr), --connect ADDR "
		"talks to an outside echo server.\n\n"
		"udp-echo-server, udp-echo-client: the same over UDP with "
		"datagram transports; the client gives up after 5 s without "
		"an echo.\n\n"
		"register-socket: a protocol on a socket that is already "
		"open (one end of a socketpair) gets the data written into "
		"the other end.\n\n"
		"stream-echo-server, stream-echo-client, "
		"register-socket-streams: the same on streams, each "
		"coroutine a task: open_connection, read, write, drain and "
		"close; the server starts a task per connection.  Options "
		"as for the TCP pair.\n\n"
		"http-headers: the chapter's \"Get HTTP headers\": a task "
		"opens a connection, sends HEAD / HTTP/1.0 and prints each "
		"line of the answer that readline returns (HTTP header> ...) "
		"up to the blank line that ends the headers.  It asks a small "
		"HTTP/1.0 server it runs itself (server: lines; --serve ADDR "
		"serves outside clients with it), or, with --connect, "
		"host:port, unix:PATH or a URL as the example takes, "
		"http://host[:port][/path].  Lines are bounded (4096 "
		"bytes, 100 of them): a peer that sends more, sends something "
		"else than HTTP or closes before the blank line is a protocol "
		"error (exit 76).\n\n"
		"subprocess-protocol, subprocess-streams: children with "
		"pipes, and no shell.  A SubprocessProtocol collects the "
		"output of date(1) (the chapter runs python for the same "
		"line) through pipe_data_received and prints it once both "
		"process_exited and pipe_connection_lost have come, in "
		"whichever order they did; the child is reaped through its "
		"pidfd.  With streams, a task reads date's line and waits "
		"for its exit, then writes 50000 lines into tr(1)'s stdin "
		"with write and drain (drain waits while the pipe and the "
		"buffer are full) while a second task reads them back.\n\n"
		"executor: run_in_executor on the default thread pool.  A "
		"blocking read of 64 KiB of /dev/urandom (a file cannot be "
		"waited for: it is always ready) and a sum of i*i for i < "
		"10**8 run on worker threads while the loop ticks every "
		"50 ms; each result is printed as its future ends, on the "
		"loop thread, which the workers wake through an eventfd(2).  "
		"--trace shows the eventfd, the workers' own calls and "
		"executor events.\n\n"
		"lock, event, condition, semaphore, queue: the primitives "
		"for tasks, each waiter a future its task awaits.  Three "
		"workers take a Lock in the order they asked; two waiters "
		"block until an Event is set; consumers wait on a Condition "
		"and are woken by notify(1), then notify_all(); five workers "
		"pass a BoundedSemaphore two at a time, and a release too "
		"many is refused (EINVAL, Python's ValueError); workers take "
		"jobs from a Queue of two, put waits while it is full, join "
		"waits for every task_done, then the workers are cancelled.  "
		"Their sleeps are fractions of --interval.\n\n"
		"asyncore-http-client, asyncore-echo-server, asynchat-http: "
		"the older styles on the same loop.  Before each iteration "
		"every dispatcher is asked readable() and writable(), as "
		"asyncore.loop() does (--trace shows each answer as an "
		"asyncore event).  asyncore-http-client fetches / (--connect "
		"ADDR: from another server); asyncore-echo-server echoes its "
		"own client (--serve ADDR: outside ones); asynchat-http reads "
		"headers up to a blank line, then Content-Length bytes of "
		"body, and answers with what it parsed (--serve ADDR: outside "
		"clients).  Input without a terminator is cut off at 64 KiB."
		"\n\n"
		"Every ADDR of --serve and --connect may be a Unix socket: "
		"unix:/path, or unix:@name in Linux's abstract namespace.  A "
		"stream server removes its socket file when it stops (as "
		"asyncio does since Python 3.13); a datagram server and the "
		"asyncore ones leave it, as Python's do.\n\n"
		"Every demo takes --backend, --trace (iter, poll, callback, "
		"timer and fd events; task and future events for the task "
		"demos) and --step.",
	.examples = (const char *const[]){
		"ipc loop demo --list\tevery demo, one line each",
		"ipc loop demo hello-soon --trace\tone callback, and the "
		"iterations around it",
		"ipc loop demo clock-later --interval 0.2\tfive ticks, 0.2 s "
		"apart, from the timer heap",
		"ipc loop demo watch-fd --backend select\ta reader on a "
		"socketpair, waited for with select(2)",
		"ipc loop demo signals --signals self-pipe\tSIGINT and "
		"SIGTERM through a self-pipe",
		"ipc loop demo parallel --interval 0.1 --trace\tthree tasks "
		"stepping in turns, and what each awaits",
		"ipc loop demo tcp-echo-server\tan echo server and its "
		"client, in one loop",
		"ipc loop demo tcp-echo-server --serve 127.0.0.1:8888"
		"\tserve outside clients (try: nc 127.0.0.1 8888)",
		"ipc loop demo udp-echo-client --connect 127.0.0.1:9999"
		"\tsend one datagram to an outside echo server",
		"ipc loop demo stream-echo-client --connect 127.0.0.1:8888"
		"\ta task talks to an outside echo server through a stream",
		"ipc loop demo http-headers\tHEAD against its own small "
		"HTTP server; each header line as readline returns it",
		"ipc loop demo http-headers --connect "
		"http://127.0.0.1:8000/\tthe same against another server "
		"(try: python3 -m http.server)",
		"ipc loop demo tcp-echo-server --serve unix:/tmp/echo.sock"
		"\ton a Unix socket (try: socat - UNIX-CONNECT:/tmp/echo.sock)",
		"ipc loop demo executor --trace\ttwo jobs on worker threads, "
		"and the eventfd through which they wake the loop",
		"ipc loop demo asynchat-http --serve 127.0.0.1:8080\tthe "
		"chapter's asynchat HTTP handler (try: curl -d hi "
		"127.0.0.1:8080/x)",
		NULL },
	.opts = demo_opts,
	.min_args = 0, .max_args = 1,
	.args_hint = "hello-soon|clock-later|watch-fd|signals|hello-coro|"
		     "clock-coro|chain|future-until-complete|future-forever|"
		     "parallel|tcp-echo-server|"
		     "tcp-echo-client|udp-echo-server|udp-echo-client|"
		     "register-socket|stream-echo-server|stream-echo-client|"
		     "http-headers|register-socket-streams|"
		     "subprocess-protocol|subprocess-streams|"
		     "asyncore-http-client|asyncore-echo-server|"
		     "asynchat-http|executor|lock|event|condition|"
		     "semaphore|queue",
	.run = run_demo,
};
