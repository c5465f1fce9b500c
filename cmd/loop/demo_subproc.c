/*
 * demo_subproc.c - the subprocess group of `ipc loop demo`: the asyncio
 * chapter's "Subprocess using transport and protocol" and "Subprocess
 * using streams", on lib/loop_subprocess.c:
 *
 *	subprocess-protocol	loop.subprocess_exec(DateProtocol, ...): the
 *				child's stdout arrives in pipe_data_received;
 *				the result is printed once process_exited AND
 *				pipe_connection_lost have both come
 *	subprocess-streams	create_subprocess_exec(..., stdout=PIPE),
 *				readline, wait; then lines written to a
 *				child's stdin with write and drain, and read
 *				back from its stdout by a second task
 *
 * The chapter's child is `python -c "import datetime;
 * print(datetime.datetime.now())"`.  Ours is date(1), which every system
 * has, asked for the same format: no dependence on python3, and still no
 * shell: the argv goes to posix_spawnp(3) as it is.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "loop_cmd.h"

/* The chapter's child, without python: datetime.now()'s format. */
static char *const date_argv[] = {
	"date", "+%Y-%m-%d %H:%M:%S.%6N", NULL,
};

/* The output kept: one date line, with room to spare. */
#define DATE_MAX	256

/* A spawn that failed: "posix_spawnp date: ...", with what it means. */
static int
spawn_failed(struct demo_ctx *d, const char *step, const char *prog,
	     int err)
{
	char what[128];

	snprintf(what, sizeof(what), "%s %s", step ? step : "spawn", prog);
	return fail(d->cli, what, err, err == ENOENT ?
		    "the program is not in PATH; the spawn fails, the "
		    "child never runs" : NULL);
}

/* The date with its newline (and anything after it) cut off. */
static void
chomp(char *s)
{
	s[strcspn(s, "\r\n")] = '\0';
}

/* ---- subprocess-protocol ---- */

/* The chapter's DateProtocol. */
struct date_protocol {
	struct loop_future *exit_future;
	char output[DATE_MAX];
	size_t len;
	int pipe_closed, exited;
	int pipe_err;		/* the error that closed the pipe, if any */
	int returncode;
	int lost;		/* connection_lost: the transport is gone */
};

static void
date_made(struct loop_subprocess *sp, void *ctx)
{
	printf("connection_made: pid %d\n", (int)loop_subprocess_pid(sp));
	fflush(stdout);
}

static void
date_data(struct loop_subprocess *sp, int fd, const void *buf, size_t n,
	  void *ctx)
{
	struct date_protocol *dp = ctx;
	size_t room = sizeof(dp->output) - 1 - dp->len;

	printf("pipe_data_received: fd %d, %zu bytes\n", fd, n);
	fflush(stdout);
	if (n > room)
		n = room;
	memcpy(dp->output + dp->len, buf, n);
	dp->len += n;
	dp->output[dp->len] = '\0';
}

/*
 * process_exited() can come before pipe_connection_lost(): the child may
 * exit with its output still in the pipe.  Wait for both.
 */
static void
check_for_exit(struct date_protocol *dp)
{
	if (dp->pipe_closed && dp->exited &&
	    !loop_future_done(dp->exit_future))
		loop_future_set_result(dp->exit_future, NULL);
}

static void
date_pipe_lost(struct loop_subprocess *sp, int fd, int err, void *ctx)
{
	struct date_protocol *dp = ctx;

	printf("pipe_connection_lost: fd %d\n", fd);
	fflush(stdout);
	if (fd == 1) {
		dp->pipe_closed = 1;
		dp->pipe_err = err;
	}
	check_for_exit(dp);
}

static void
date_exited(struct loop_subprocess *sp, void *ctx)
{
	struct date_protocol *dp = ctx;

	loop_subprocess_returncode(sp, &dp->returncode);
	printf("process_exited: returncode %d\n", dp->returncode);
	fflush(stdout);
	dp->exited = 1;
	check_for_exit(dp);
}

static void
date_lost(struct loop_subprocess *sp, int err, void *ctx)
{
	((struct date_protocol *)ctx)->lost = 1;
}

static const struct loop_subprocess_protocol date_protocol = {
	.connection_made = date_made,
	.pipe_data_received = date_data,
	.pipe_connection_lost = date_pipe_lost,
	.process_exited = date_exited,
	.connection_lost = date_lost,
};

static int
demo_subprocess_protocol(struct demo_ctx *d)
{
	struct loop_subprocess_spec spec = {
		.argv = date_argv,
		/* stdin=None, stderr=None: the child shares ours. */
		.io = { LOOP_STDIO_INHERIT, LOOP_STDIO_PIPE,
			LOOP_STDIO_INHERIT },
	};
	struct date_protocol dp = { 0 };
	struct loop_subprocess *sp;
	const char *step = NULL;
	int rc = 0;

	if ((dp.exit_future = loop_future_new(d->loop, "exit_future")) ==
	    NULL)
		return fail(d->cli, "future", errno, NULL);
	sp = loop_subprocess_exec(d->loop, &spec, &date_protocol, &dp, &step);
	if (sp == NULL) {
		rc = spawn_failed(d, step, date_argv[0], errno);
		loop_future_release(dp.exit_future);
		return rc;
	}
	if (loop_run_until_complete(d->loop, dp.exit_future) < 0 ||
	    loop_future_result(dp.exit_future, NULL) < 0)
		rc = fail(d->cli, "run_until_complete", errno, NULL);
	loop_future_release(dp.exit_future);
	/*
	 * The chapter closes the transport here.  In C it may be gone
	 * already: it is freed once connection_lost returns, which comes
	 * right after the exit and the pipe's close, the two things the
	 * future waited for.  Close it if it is still there, then run until
	 * it has gone.
	 */
	if (!dp.lost)
		loop_subprocess_close(sp);
	if (loop_run_until(d->loop, &dp.lost) < 0 && rc == 0)
		rc = fail(d->cli, loop_backend(d->loop), errno, NULL);
	if (rc != 0)
		return rc;
	if (dp.pipe_err != 0)
		return fail(d->cli, "the child's stdout", dp.pipe_err, NULL);
	chomp(dp.output);
	printf("Current date: %s\n", dp.output);
	printf("Exit status: %d\n", dp.returncode);
	return dp.returncode == 0 ? 0 : EX_SOFT_;
}

/* ---- subprocess-streams ---- */

/* The lines fed to tr(1): "line 00001\n" ... */
#define LINES		50000
#define LINE_LEN	11
/* Lines per write: the writes stay few, the trace readable. */
#define PER_WRITE	100

struct streams_demo {
	struct demo_ctx *d;
	char date[DATE_MAX];
	int date_rc, tr_rc;
	/* tr: the child, what was written, and what came back */
	struct loop_process *tr;
	unsigned writes, drain_waits;
	size_t lines_back;
	char first[64], last[64];
	int bad_line;		/* a line that did not come back as sent */
};

/* A task's failure: the message names what failed. */
static void *
raise_step(struct loop_task *t, const char *what, int err)
{
	loop_task_raise(t, err, what);
	return NULL;
}

/* The chapter's get_date(): one line from the child, then its exit. */
static int
get_date(struct loop_task *t, struct streams_demo *sd)
{
	struct loop_subprocess_spec spec = {
		.argv = date_argv,
		.io = { LOOP_STDIO_INHERIT, LOOP_STDIO_PIPE,
			LOOP_STDIO_INHERIT },
	};
	struct loop_process *p;
	const char *step = NULL;
	size_t got;
	int rc = 0;

	if (loop_create_subprocess_exec(t, &spec, 0, &p, &step) < 0) {
		sd->d->rc = spawn_failed(sd->d, step, date_argv[0], errno);
		return -1;
	}
	/* Read one line of output, then wait for the exit. */
	if (loop_stream_readline(t, p->out, sd->date, sizeof(sd->date) - 1,
				 &got) < 0 ||
	    loop_process_wait(t, p, &sd->date_rc) < 0) {
		rc = -1;
		raise_step(t, "date", errno);
	} else {
		sd->date[got] = '\0';
		chomp(sd->date);
	}
	loop_process_close(t, p);
	return rc;
}

/* tr's stdout, line by line, in a task of its own. */
static void *
read_back(struct loop_task *t, void *arg)
{
	struct streams_demo *sd = arg;
	char line[64], want[32];
	size_t got;

	for (;;) {
		if (loop_stream_readline(t, sd->tr->out, line,
					 sizeof(line) - 1, &got) < 0)
			return raise_step(t, "read", errno);
		if (got == 0)
			return NULL;		/* end of file: tr is done */
		line[got] = '\0';
		chomp(line);
		sd->lines_back++;
		snprintf(want, sizeof(want), "LINE %05zu", sd->lines_back);
		if (strcmp(line, want) != 0)
			sd->bad_line = 1;
		if (sd->lines_back == 1)
			snprintf(sd->first, sizeof(sd->first), "%s", line);
		snprintf(sd->last, sizeof(sd->last), "%s", line);
	}
}

/*
 * Write every line to tr's stdin, PER_WRITE at a time, each write
 * followed by drain(): drain returns at once while the pipe and the
 * write buffer have room, and waits (the task sleeps) while the buffer
 * is above its high-water mark, until tr has read enough.  Then close
 * stdin: tr sees end of file, flushes and exits.
 */
static int
write_lines(struct loop_task *t, struct streams_demo *sd)
{
	char block[PER_WRITE * LINE_LEN + 1];
	size_t i, k, len;

	for (i = 1; i <= LINES; i += PER_WRITE) {
		for (k = 0, len = 0; k < PER_WRITE && i + k <= LINES; k++)
			len += (size_t)snprintf(block + len,
						sizeof(block) - len,
						"line %05zu\n", i + k);
		if (loop_stream_write(sd->tr->in, block, len) < 0)
			return -1;
		sd->writes++;
		/* Above the high-water mark, the transport paused us. */
		if (loop_stream_buffered(sd->tr->in) > LOOP_HIGH_WATER)
			sd->drain_waits++;
		if (loop_stream_drain(t, sd->tr->in) < 0)
			return -1;
	}
	loop_stream_write_eof(sd->tr->in);
	return 0;
}

/* Lines through tr a-z A-Z: stdin written, stdout read back. */
static int
through_tr(struct loop_task *t, struct streams_demo *sd)
{
	static char *const tr_argv[] = { "tr", "a-z", "A-Z", NULL };
	struct loop_subprocess_spec spec = {
		.argv = tr_argv,
		.io = { LOOP_STDIO_PIPE, LOOP_STDIO_PIPE, LOOP_STDIO_INHERIT },
	};
	struct loop_task *reader;
	const char *step = NULL;
	int rc = 0, err = 0;

	if (loop_create_subprocess_exec(t, &spec, 0, &sd->tr, &step) < 0) {
		sd->d->rc = spawn_failed(sd->d, step, tr_argv[0], errno);
		return -1;
	}
	reader = loop_task_new(loop_task_loop(t), "read_back", read_back, sd,
			       0);
	if (reader == NULL) {
		raise_step(t, "task", errno);
		loop_process_close(t, sd->tr);
		return -1;
	}
	if (write_lines(t, sd) < 0) {
		err = errno;
		loop_task_cancel(reader);
	}
	/* The reader ends at tr's end of file (or at its cancel). */
	if (loop_await(t, loop_task_future(reader), NULL) < 0 && err == 0)
		err = errno;
	loop_future_release(loop_task_future(reader));
	if (err == 0 && loop_process_wait(t, sd->tr, &sd->tr_rc) < 0)
		err = errno;
	if (err != 0) {
		raise_step(t, "tr", err);
		rc = -1;
	}
	loop_process_close(t, sd->tr);
	sd->tr = NULL;
	return rc;
}

static void *
subprocess_streams(struct loop_task *t, void *arg)
{
	struct streams_demo *sd = arg;

	if (get_date(t, sd) < 0)
		return NULL;
	printf("Current date: %s\n", sd->date);
	printf("date exited with %d\n", sd->date_rc);
	fflush(stdout);
	if (through_tr(t, sd) < 0)
		return NULL;
	printf("tr: wrote %d lines in %u writes, each followed by drain(); "
	       "drain waited %u times\n", LINES, sd->writes, sd->drain_waits);
	printf("tr: read back %zu lines, '%s' to '%s'%s\n", sd->lines_back,
	       sd->first, sd->last, sd->bad_line ? " (some changed!)" : "");
	printf("tr exited with %d\n", sd->tr_rc);
	fflush(stdout);
	return NULL;
}

static int
demo_subprocess_streams(struct demo_ctx *d)
{
	struct streams_demo sd = { .d = d };
	struct loop_task *t;
	struct loop_future *f;
	int rc = 0;

	t = loop_task_new(d->loop, "subprocess_streams", subprocess_streams,
			  &sd, 0);
	if (t == NULL)
		return fail(d->cli, "task", errno, NULL);
	f = loop_task_future(t);
	if (loop_run_until_complete(d->loop, f) < 0)
		rc = fail(d->cli, "run_until_complete", errno, NULL);
	else if (loop_future_result(f, NULL) < 0 && d->rc == 0)
		rc = fail(d->cli, loop_future_message(f)[0] ?
			  loop_future_message(f) : loop_future_name(f), errno,
			  NULL);
	loop_future_release(f);
	if (rc == 0 && d->rc == 0 && (sd.date_rc != 0 || sd.tr_rc != 0 ||
				       sd.lines_back != LINES || sd.bad_line))
		rc = EX_SOFT_;
	return rc != 0 ? rc : d->rc;
}

const struct loop_demo loop_demos_subproc[] = {
	{ "subprocess-protocol", "a SubprocessProtocol collects date's "
	  "output from its pipe, and sees it exit", demo_subprocess_protocol,
	  0 },
	{ "subprocess-streams", "a task reads a child's line and waits for "
	  "it; lines pass through tr with drain", demo_subprocess_streams,
	  0 },
	{ NULL, NULL, NULL, 0 },
};
