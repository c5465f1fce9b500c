/*
 * tui.c - `ipc tui`: the applet table and its verbs.
 *
 *	ipc tui                      the scenario picker (the default verb)
 *	ipc tui run -- CMD ARGS...   run CMD as a child, paused at its start
 *	ipc tui replay FILE.jsonl    step through a recorded trace, both ways
 *	ipc tui attach unix:PATH     listen at PATH for a process started with
 *	                             --trace-to unix:PATH, and watch it
 *
 * `--trace-to unix:PATH` makes the traced process connect, so attaching
 * means listening: start `ipc tui attach` first, then the process.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sys.h"
#include "tui.h"

#define LOG_EVENTS	100000	/* events a live session keeps */

static struct {
	int plain;
	double wait;
} o;

#define PLAIN_OPT							\
	OPT_FLAG(0, "plain", &o.plain, "print the event log as text instead " \
		 "of opening the screen (no terminal needed)")

static const struct opt plain_opts[] = {
	PLAIN_OPT,
	OPT_STOP
};

static const struct opt attach_opts[] = {
	PLAIN_OPT,
	OPT_SECS('w', "wait", &o.wait, "give up when no process connects in "
		 "S seconds (default: wait for ever)"),
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

int
tui_plain(const struct cli *cli, struct tui_source *s)
{
	struct tui_model *m = tui_model_new(PLAIN_EVENTS);
	char buf[512];
	int rc = 0;

	if (m == NULL)
		return fail(cli, NULL, ENOMEM, NULL);
	for (;;) {
		if (s->kind == SRC_REPLAY) {
			if (s->pos == s->nlines)
				break;
			tui_model_feed(m, s->file_lines[s->pos],
				       strlen(s->file_lines[s->pos]));
			s->pos++;
		} else {
			struct pollfd p = { .fd = s->fd, .events = POLLIN };

			if (s->fd < 0)
				break;
			if (sys_poll(&p, 1, -1) < 0 && errno != EINTR) {
				rc = fail(cli, "poll", errno, NULL);
				break;
			}
			if (src_pump(s, m) < 0) {
				rc = fail(cli, "trace socket", errno, NULL);
				break;
			}
		}
		/* Print what came in, then forget it: the text is the log. */
		for (size_t i = 0; i < m->log_len; i++) {
			const struct tui_event *e = tui_model_event(m, i);

			view_event_line(e, buf, sizeof(buf));
			printf("%s%s%s\n", buf, e->call[0] && e->note[0] ?
			       "  # " : "", e->call[0] ? e->note : "");
		}
		tui_model_reset(m);
	}
	if (fflush(stdout) != 0 && rc == 0)
		rc = fail(cli, "stdout", errno, NULL);
	tui_model_free(m);
	return rc;
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
 * One session over a source already open, on the screen or, with --plain,
 * as the plain event log; closes the source.
 */
static int
session(const struct cli *cli, struct tui_source *src, size_t cap)
{
	struct tui_app app = { 0 };
	int rc;

	if (o.plain) {
		rc = tui_plain(cli, src);
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

static int
run_run(struct cli *cli)
{
	static struct tui_source src;

	if (!o.plain && crt_usable() < 0)
		return no_terminal(cli);
	if (src_child(&src, cli->argv, !o.plain, 0) < 0)
		return fail(cli, cli->argv[0], errno, NULL);
	return session(cli, &src, LOG_EVENTS);
}

static int
run_replay(struct cli *cli)
{
	static struct tui_source src;

	if (!o.plain && crt_usable() < 0)
		return no_terminal(cli);
	if (src_replay(&src, cli->argv[0]) < 0)
		return fail(cli, cli->argv[0], errno, "record one with "
			    "--trace-to FILE.jsonl");
	/* A replay keeps every event, so any step back can be rebuilt. */
	return session(cli, &src, src.nlines > 0 ? src.nlines : 1);
}

static int
run_attach(struct cli *cli)
{
	static struct tui_source src;
	int ms = o.wait > 0 ? (int)(o.wait * 1000) : -1;

	if (!o.plain && crt_usable() < 0)
		return no_terminal(cli);
	fprintf(stderr, "listening unix:%s\n", strncmp(cli->argv[0], "unix:",
		5) == 0 ? cli->argv[0] + 5 : cli->argv[0]);
	if (src_attach(&src, cli->argv[0], ms) < 0)
		return fail(cli, cli->argv[0], errno, errno == EADDRINUSE ?
			    "a file is in the way: remove it, or pick another "
			    "path" : NULL);
	return session(cli, &src, LOG_EVENTS);
}

static int
run_pick(struct cli *cli)
{
	struct tui_app app = { 0 };
	char **argv;
	int rc = 0;

	if (crt_init() < 0)
		return no_terminal(cli);
	app.cli = cli;
	app.model = tui_model_new(LOG_EVENTS);
	if (app.model == NULL) {
		crt_done();
		return fail(cli, NULL, ENOMEM, NULL);
	}
	/* q in a scenario comes back here; q here ends. */
	while (rc == 0 && pick_scenario(&argv) == 0) {
		tui_model_reset(app.model);
		memset(&app.src, 0, sizeof(app.src));
		app.answered = 0;
		app.quit = app.running = app.overlay = app.prompt = 0;
		app.message[0] = '\0';
		if (src_child(&app.src, argv, 1, 0) < 0) {
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

const struct verb tui_pick_verb = {
	.name = "pick",
	.summary = "choose a scenario and watch it step by step (the default)",
	.description =
		"A list of scenarios, one line each: the loop demos, poll's "
		"edge-triggered demo, a TLS handshake, signal masks and "
		"catching, the pipe deadlock and a pipeline, and a shared "
		"mapping.  Enter runs one under the TUI, paused at its "
		"start; q there comes back to the list.  `ipc tui` with no "
		"verb opens this, and so does `make demo`.",
	.examples = (const char *const[]){
		"ipc tui\tthe picker",
		NULL },
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
		"speed + and - set.  The child's stdin and output are "
		"/dev/null.  When it exits the TUI says so and keeps the "
		"history; q quits and ends a child still running.",
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
		"start it after.  Events are read as fast as they come and "
		"the screen is drawn at most 30 times a second.  The log "
		"keeps the newest 100000 events; older ones are counted as "
		"dropped.  If the process was started with --step too, the "
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
		"and the TLS handshake; views draw it: Loop and Processes "
		"(v switches).  ? shows every key.  Needs a terminal of at "
		"least 80x24; honours NO_COLOR.",
	.verbs = (const struct verb *const[]){
		&tui_pick_verb, &tui_run_verb, &tui_replay_verb,
		&tui_attach_verb, NULL },
	.default_verb = "pick",
};
