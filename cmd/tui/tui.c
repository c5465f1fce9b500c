/*
 * tui.c - `ipc tui`: the applet table and its verbs.
 *
 *	ipc tui                      the scenario picker (the default verb)
 *	ipc tui -- CMD ARGS...       run CMD as a child, paused at its start
 *	ipc tui --replay FILE.jsonl  step through a recorded trace, both ways
 *	ipc tui --attach unix:PATH   listen at PATH for a process started with
 *	                             --trace-to unix:PATH, and watch it
 *
 * The three forms with options are the default verb's options (cmd/ipc.c
 * hands a first word that is an option to the default verb), and each is
 * also a verb of its own: `ipc tui run -- CMD`, `ipc tui replay FILE` and
 * `ipc tui attach unix:PATH`.  `--trace-to unix:PATH` makes the traced
 * process connect, so attaching means listening: start the TUI first.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "sys.h"
#include "trace.h"
#include "tui.h"

#define LOG_EVENTS	100000	/* events a live session keeps */

static struct {
	int plain, headless;
	double wait;
	const char *attach, *replay;
} o;

#define PLAIN_OPT							\
	OPT_FLAG(0, "plain", &o.plain, "print the event log as text instead " \
		 "of opening the screen (no terminal needed)")
#define HEADLESS_OPT							\
	OPT_FLAG(0, "headless", &o.headless, "feed the model and draw " \
		 "nothing, then print how many events and how fast (for " \
		 "benchmarks)")
#define WAIT_OPT							\
	OPT_SECS('w', "wait", &o.wait, "attach: give up when no process " \
		 "connects in S seconds (default: wait for ever)")

static const struct opt plain_opts[] = {
	PLAIN_OPT,
	HEADLESS_OPT,
	OPT_STOP
};

static const struct opt attach_opts[] = {
	PLAIN_OPT,
	HEADLESS_OPT,
	WAIT_OPT,
	OPT_STOP
};

static const struct opt pick_opts[] = {
	OPT_STR_C(0, "attach", &o.attach, "unix:PATH", "watch a live process "
		  "started with --trace-to unix:PATH (as the attach verb)",
		  "@file"),
	OPT_STR_C(0, "replay", &o.replay, "FILE", "step through a recorded "
		  "trace (as the replay verb)", "@file"),
	PLAIN_OPT,
	HEADLESS_OPT,
	WAIT_OPT,
	OPT_STOP
};

/* No screen to draw on: say so, and how to get the log anyway. */
static int
no_terminal(const struct cli *cli)
{
	out_errorf(cli->prog, "no terminal: stdin and stdout must be a "
		   "terminal, and TERM set and not \"dumb\"");
	out_hint("run it in a terminal, or add --plain for the event log "
		 "as text");
	return 64;
}

/* Events one pump can feed at most: 16 reads of 64 KiB, 60 bytes a line. */
#define PLAIN_EVENTS	20000

/*
 * Feed m what the source has next: one line of a replay, or what comes on
 * the trace socket (waiting for it).  Returns 1 while more may come, 0 at
 * the end or on an error, which *rc then holds as an exit status.
 */
static int
feed_next(const struct cli *cli, struct tui_source *s, struct tui_model *m,
	  int *rc)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };

	if (s->kind == SRC_REPLAY) {
		if (s->pos == s->nlines)
			return 0;
		tui_model_feed(m, s->file_lines[s->pos],
			       strlen(s->file_lines[s->pos]));
		s->pos++;
		return 1;
	}
	if (s->fd < 0 || crt_stop_signal())
		return 0;
	/* Paced as on the screen: this frame's intake is used up. */
	if (src_wait_ms(s) > 0)
		p.fd = -1;
	if (sys_poll(&p, 1, p.fd < 0 ? src_wait_ms(s) : -1) < 0 &&
	    errno != EINTR) {
		*rc = fail(cli, "poll", errno, NULL);
		return 0;
	}
	if (src_pump(s, m) < 0) {
		*rc = fail(cli, "trace socket", errno, NULL);
		return 0;
	}
	return 1;
}

int
tui_plain(const struct cli *cli, struct tui_source *s)
{
	struct tui_model *m = tui_model_new(PLAIN_EVENTS);
	char buf[512];
	int rc = 0;

	if (m == NULL)
		return fail(cli, NULL, ENOMEM, NULL);
	while (feed_next(cli, s, m, &rc)) {
		/* Print what came in, then forget it: the text is the log. */
		for (size_t i = 0; i < m->log_len; i++) {
			const struct tui_event *e = tui_model_event(m, i);

			view_event_line(e, buf, sizeof(buf));
			printf("%s%s%s\n", buf, e->call[0] && e->note[0] ?
			       "  # " : "", e->call[0] ? e->note : "");
		}
		tui_model_reset(m);
		/* A reader of a pipe or file sees each batch as it comes. */
		if (fflush(stdout) != 0)
			break;
	}
	if (fflush(stdout) != 0 && rc == 0)
		rc = fail(cli, "stdout", errno, NULL);
	tui_model_free(m);
	return rc;
}

/*
 * --headless: the model alone, for measuring it.  Every event is fed and
 * nothing is drawn; a live source is read until it closes.  Prints
 * "N events in S s: R events/s", the same per second of CPU time (steadier
 * on a shared machine), and what was lost on the way.
 */
static int
tui_headless(const struct cli *cli, struct tui_source *s)
{
	struct tui_model *m = tui_model_new(LOG_EVENTS);
	long long t0 = clock_now_ns(), c0 = clock_cpu_ns(), last = -1;
	double secs, cpu;
	int rc = 0;

	if (m == NULL)
		return fail(cli, NULL, ENOMEM, NULL);
	while (feed_next(cli, s, m, &rc))
		if (m->log_len > 0)
			last = tui_model_event(m, m->log_len - 1)->seq;
	secs = (double)(clock_now_ns() - t0) / 1e9;
	cpu = (double)(clock_cpu_ns() - c0) / 1e9;
	printf("%llu events in %.3f s: %.0f events/s\n", m->fed, secs,
	       secs > 0 ? (double)m->fed / secs : 0.0);
	/* A live source waits most of the time; a replay never does. */
	printf("%.3f s of CPU: %.0f events per CPU second\n", cpu,
	       cpu > 0 ? (double)m->fed / cpu : 0.0);
	/* One process numbers its events 0, 1, 2...: a gap was dropped. */
	if (last >= 0 && (unsigned long long)last + 1 > m->fed)
		printf("%llu events dropped by the traced process (gaps in "
		       "seq)\n", (unsigned long long)last + 1 - m->fed);
	if (m->bad > 0)
		printf("%llu lines were not events\n", m->bad);
	if (fflush(stdout) != 0 && rc == 0)
		rc = fail(cli, "stdout", errno, NULL);
	tui_model_free(m);
	return rc;
}

/*
 * The TUI's own trace (`ipc --trace tui`, --trace-to, or IPC_TRACE in the
 * environment) would be written while the screen is drawn: on stderr it
 * lands over the screen, and anywhere it traces the wrong process, since
 * the command under the TUI is traced to the TUI already.  Typed on the
 * command line it is a usage error; inherited from the environment it is
 * turned off for this process only, and we say so.  --plain and
 * --headless draw no screen, so they may be traced.  Returns 0 or 64.
 */
static int
untraced(const struct cli *cli)
{
	if (!trace_on || o.plain || o.headless)
		return 0;
	if (cli_common.trace != NULL || cli_common.trace_to != NULL) {
		out_errorf(cli->prog, "--trace and --trace-to trace the TUI "
			   "itself, and its trace would draw over its screen");
		out_hint("the command under the TUI is traced already: its "
			 "events are what the TUI shows (w writes them to a "
			 "file); to trace the TUI itself add --plain");
		return 64;
	}
	trace_close();
	fprintf(stderr, "%s: not tracing the TUI itself (IPC_TRACE or "
		"IPC_TRACE_TO is set): its trace would draw over the screen; "
		"the command under it is still traced\n", cli->prog);
	return 0;
}

int
tui_session(const struct cli *cli, struct tui_app *app)
{
	int rc;

	app->cli = cli;
	if (crt_init() < 0)
		return no_terminal(cli);
	rc = app_run(app);
	crt_done();
	return rc;
}

/*
 * One session over a source already open: on the screen, or as text with
 * --plain, or model-only with --headless.  Closes the source.
 */
static int
session(const struct cli *cli, struct tui_source *src, size_t cap)
{
	struct tui_app app = { 0 };
	int rc;

	if (o.plain || o.headless) {
		rc = o.headless ? tui_headless(cli, src) : tui_plain(cli, src);
		/* Like strace(1): the child's status is ours. */
		src_wait(src);
		if (src->kind == SRC_CHILD && src->status[0] != '\0')
			fprintf(stderr, "%s: %s\n", cli->prog, src->status);
		if (rc == 0 && src->kind == SRC_CHILD)
			rc = src->code;
		if (crt_stop_signal())
			rc = 128 + crt_stop_signal();
		src_close(src);
		return rc;
	}
	app.src = *src;
	app.model = tui_model_new(cap);
	if (app.model == NULL) {
		src_close(src);
		return fail(cli, NULL, ENOMEM, NULL);
	}
	rc = tui_session(cli, &app);
	src_close(&app.src);
	tui_model_free(app.model);
	if (rc == 0 && app.src.status[0] != '\0' && app.src.kind != SRC_REPLAY)
		fprintf(stderr, "%s: %s\n", cli->prog, app.src.status);
	return rc;
}

/* Before any source opens: the trace guard, then a terminal if one is needed. */
static int
precheck(const struct cli *cli)
{
	int rc = untraced(cli);

	if (rc == 0 && !o.plain && !o.headless && crt_usable() < 0)
		rc = no_terminal(cli);
	return rc;
}

/* CMD as a child: paused and its output captured when there is a screen. */
static int
start_run(const struct cli *cli, char **argv)
{
	static struct tui_source src;
	int screen = !o.plain && !o.headless;
	int rc = precheck(cli);

	if (rc != 0)
		return rc;
	crt_catch_stop();
	if (src_child(&src, argv, screen, screen) < 0)
		return fail(cli, argv[0], errno, NULL);
	return session(cli, &src, LOG_EVENTS);
}

static int
start_replay(const struct cli *cli, const char *path)
{
	static struct tui_source src;
	int rc = precheck(cli);

	if (rc != 0)
		return rc;
	if (src_replay(&src, path) < 0)
		return fail(cli, path, errno, "record one with "
			    "--trace-to FILE.jsonl");
	/* A replay keeps every event, so any step back can be rebuilt. */
	return session(cli, &src, src.nlines > 0 ? src.nlines : 1);
}

static int
start_attach(const struct cli *cli, const char *path)
{
	static struct tui_source src;
	int ms = o.wait > 0 ? (int)(o.wait * 1000) : -1;
	const char *bare = strncmp(path, "unix:", 5) == 0 ? path + 5 : path;
	int rc;

	if (*bare == '\0')
		return usage_error(cli, "attach: expected unix:PATH, a Unix "
				   "socket to listen at");
	if ((rc = precheck(cli)) != 0)
		return rc;
	/* Ctrl-C while we wait must still remove the socket file. */
	crt_catch_stop();
	fprintf(stderr, "listening unix:%s\n", bare);
	if (src_attach(&src, path, ms) < 0) {
		if (crt_stop_signal())
			return 128 + crt_stop_signal();
		return fail(cli, path, errno, errno == EADDRINUSE ?
			    "a file is in the way: remove it, or pick another "
			    "path" : NULL);
	}
	return session(cli, &src, LOG_EVENTS);
}

static int
run_run(struct cli *cli)
{
	return start_run(cli, cli->argv);
}

static int
run_replay(struct cli *cli)
{
	return start_replay(cli, cli->argv[0]);
}

static int
run_attach(struct cli *cli)
{
	return start_attach(cli, cli->argv[0]);
}

/* The picker: choose, watch, q back to the list, q again to end. */
static int
picker(const struct cli *cli)
{
	struct tui_app app = { 0 };
	char **argv;
	int rc = untraced(cli);

	if (rc != 0)
		return rc;
	if (crt_init() < 0)
		return no_terminal(cli);
	app.cli = cli;
	app.model = tui_model_new(LOG_EVENTS);
	if (app.model == NULL) {
		crt_done();
		return fail(cli, NULL, ENOMEM, NULL);
	}
	/* q in a scenario comes back here; q here ends. */
	while (rc == 0 && pick_scenario(&argv, &app.view) == 0) {
		tui_model_reset(app.model);
		memset(&app.src, 0, sizeof(app.src));
		app.answered = 0;
		app.quit = app.running = app.overlay = app.prompt = 0;
		app.pane = 0;
		app.message[0] = '\0';
		if (src_child(&app.src, argv, 1, 1) < 0) {
			crt_done();
			tui_model_free(app.model);
			return fail(cli, argv[0], errno, NULL);
		}
		rc = app_run(&app);
		src_close(&app.src);
	}
	crt_done();
	tui_model_free(app.model);
	return rc;
}

/*
 * The default verb: `ipc tui` alone is the picker, and its options are
 * the other ways in: `-- CMD`, --attach and --replay, one at a time.
 */
static int
run_pick(struct cli *cli)
{
	int sources = (o.attach != NULL) + (o.replay != NULL) +
		      (cli->argc > 0);

	if (o.attach != NULL && o.replay != NULL)
		return usage_error(cli, "--attach and --replay exclude each "
				   "other: one source at a time");
	if (sources > 1)
		return usage_error(cli, "unexpected argument '%s': -- CMD "
				   "runs a command, so it goes without "
				   "--attach and --replay", cli->argv[0]);
	if (o.wait > 0 && o.attach == NULL)
		return usage_error(cli, "--wait goes with --attach");
	if (sources == 0 && (o.plain || o.headless))
		return usage_error(cli, "--%s needs something to watch: "
				   "-- CMD, --attach or --replay",
				   o.plain ? "plain" : "headless");
	if (o.attach != NULL)
		return start_attach(cli, o.attach);
	if (o.replay != NULL)
		return start_replay(cli, o.replay);
	if (cli->argc > 0)
		return start_run(cli, cli->argv);
	return picker(cli);
}

const struct verb tui_pick_verb = {
	.name = "pick",
	.summary = "choose a scenario and watch it step by step (the default)",
	.usage = "[-- CMD [ARG...]]",
	.description =
		"A list of scenarios, one line each: the loop demos, poll's "
		"edge-triggered demo, a TLS handshake, an echo server with "
		"three clients, signal masks and catching, the pipe "
		"deadlock and a pipeline, and a shared mapping.  Enter runs "
		"one under the TUI, paused at its start, in the view that "
		"suits it (the TLS handshake and the server: Sockets and "
		"TLS).  q there comes back to the list.  `ipc tui` with no "
		"verb opens this, and so does `make demo`.  Given a source "
		"it watches that instead: `-- CMD` as the run verb, "
		"--attach as attach, --replay as replay; `ipc tui` followed "
		"by an option means this verb, so `ipc tui -- CMD` and "
		"`ipc tui --replay FILE` work as they read.",
	.examples = (const char *const[]){
		"ipc tui\tthe picker",
		"ipc tui -- ipc loop demo clock-later\trun a command, "
		"paused at its start",
		"ipc tui --replay t.jsonl\tstep through a recorded trace",
		"ipc tui --attach unix:/tmp/t.sock\tthen: ipc loop serve "
		"--trace-to unix:/tmp/t.sock",
		NULL },
	.opts = pick_opts,
	.min_args = 0,
	.max_args = -1,
	.run = run_pick,
};

const struct verb tui_run_verb = {
	.name = "run",
	.summary = "run a command under the TUI, paused at its first call",
	.usage = "-- CMD [ARG...]",
	.description =
		"CMD runs as a child with its trace and step gate on a "
		"socketpair (IPC_TRACE_FD and IPC_TRACE_STEP=syscall; see "
		"docs/trace.md), so it waits before its first call.  Space "
		"steps one loop iteration, s one system call, r runs at the "
		"speed + and - set.  The child's stdin is /dev/null; its "
		"stdout and stderr come back on a pipe and show in the "
		"output pane (the newest 64 lines, escaped).  With --plain "
		"or --headless there is no screen and the child is not "
		"paused: its output goes to our stderr, so stdout holds "
		"only the event log.  When it exits the TUI says so and "
		"keeps the history; q quits and ends a child still "
		"running.  The TUI itself is not traced while it draws "
		"(--trace here is refused, IPC_TRACE is ignored with a "
		"note); the child's trace is what it shows.",
	.examples = (const char *const[]){
		"ipc tui run -- ipc loop demo clock-later\twatch a timer heap",
		"ipc tui run -- ipc poll demo edge\tedge-triggered epoll, "
		"call by call",
		"ipc tui run --plain -- ipc sig mask\tthe event log as text",
		NULL },
	.opts = plain_opts,
	.min_args = 1,
	.max_args = -1,
	.run = run_run,
};

const struct verb tui_replay_verb = {
	.name = "replay",
	.summary = "step through a recorded trace, forward and backward",
	.usage = "FILE.jsonl",
	.description =
		"FILE holds JSON Lines from --trace-to FILE (or w in the "
		"TUI).  Space and s step forward by iteration or call, b "
		"and B step back, r plays it at the speed + and - set.",
	.examples = (const char *const[]){
		"ipc loop demo clock-later --trace-to t.jsonl && "
		"ipc tui replay t.jsonl\trecord, then replay",
		NULL },
	.opts = plain_opts,
	.min_args = 1,
	.max_args = 1,
	.args_hint = "@file",
	.run = run_replay,
};

const struct verb tui_attach_verb = {
	.name = "attach",
	.summary = "watch a live process started with --trace-to unix:PATH",
	.usage = "unix:PATH",
	.description =
		"--trace-to unix:PATH makes a process connect to a listener "
		"at PATH, so attach listens there (printing \"listening "
		"unix:PATH\") and takes the first process that connects; "
		"start it after.  The screen is drawn at most 30 times a "
		"second, and at most 64 KiB of events are read a frame, "
		"about a thousand: a busy process running free sends far "
		"more than a screen can show, and what is left unread fills "
		"the socket, so the process drops events before building "
		"them and is hardly slowed.  The top bar counts the drops "
		"(the gaps in seq).  The log keeps the newest 100000 events; "
		"older ones are counted as dropped too.  If the process was started with --step too, the "
		"step keys work as in run.  The socket file is removed on "
		"exit.",
	.examples = (const char *const[]){
		"ipc tui attach unix:/tmp/t.sock\tthen, elsewhere: "
		"ipc loop serve --trace-to unix:/tmp/t.sock",
		NULL },
	.opts = attach_opts,
	.min_args = 1,
	.max_args = 1,
	.run = run_attach,
};

const struct applet tui_applet = {
	.name = "tui",
	.summary = "watch any applet step by step: event loop, fds, timers, signals",
	.description =
		"An ncurses visualiser fed by the trace events of schema 1 "
		"(docs/trace.md).  One model holds the descriptors, the "
		"timer heap, the ready queue, tasks, processes, signal masks "
		"and the TLS handshake; views draw it: Loop, Processes, and "
		"Sockets and TLS, where each stream socket has its TCP state "
		"and the handshake is a ladder of messages (v switches).  ? "
		"shows every key.  Needs a terminal of at "
		"least 80x24; honours NO_COLOR.",
	.verbs = (const struct verb *const[]){
		&tui_pick_verb, &tui_run_verb, &tui_replay_verb,
		&tui_attach_verb, NULL },
	.default_verb = "pick",
};
