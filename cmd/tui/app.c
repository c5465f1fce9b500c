/*
 * app.c - the session: one input loop (draw if dirty, wait, dispatch) and
 * what the keys do to the source and the model.
 *
 * The loop waits with poll(2) on the terminal and the trace socket at once,
 * so the screen never blocks the traced process's events and a key never
 * waits for an event.  Drawing is batched: at most one frame per TUI_FRAME_MS,
 * however fast events come.  Stepping a live process answers its gates
 * (docs/trace.md); stepping a replay feeds the model more lines, and a step
 * back resets the model and feeds fewer.
 */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "sys.h"
#include "tui.h"

#define REAP_MS		100	/* how often to look for a child gone quiet */

/* The pause between steps in run mode, slowest last. */
static const int delays_ms[APP_SPEEDS] = { 0, 50, 200, 500, 1000, 3000 };

static long long
now_ms(void)
{
	return clock_now_ns() / 1000000;
}

int
app_delay_ms(const struct tui_app *app)
{
	return delays_ms[app->speed];
}

/* The newest event, or NULL. */
static const struct tui_event *
newest(const struct tui_app *app)
{
	const struct tui_model *m = app->model;

	return m->log_len ? tui_model_event(m, m->log_len - 1) : NULL;
}

/* The process waits at a gate we have not answered. */
static int
at_gate(const struct tui_app *app)
{
	return app->src.fd >= 0 && app->model->gates > app->answered;
}

const char *
app_state(const struct tui_app *app)
{
	static char buf[96];
	const struct tui_source *s = &app->src;

	if (s->kind == SRC_REPLAY)
		snprintf(buf, sizeof(buf), "replay %zu/%zu%s", s->pos,
			 s->nlines, app->running ? ", running" : "");
	else if (s->fd < 0)
		snprintf(buf, sizeof(buf), "%s", s->status);
	else if (at_gate(app))
		snprintf(buf, sizeof(buf), "paused before the next %s",
			 strcmp(app->model->gate, "iter") == 0 ?
			 "iteration" : "call");
	else
		snprintf(buf, sizeof(buf), "running");
	return buf;
}

/* Until the loop turns once, a step by iteration is a step by call. */
static enum step_want
effective(const struct tui_app *app, enum step_want want)
{
	return want == WANT_ITER && app->model->iter < 0 ? WANT_SYSCALL : want;
}

/*
 * Whether a step stops after e.  Live, a process waits at a gate after
 * each call and after each `state` event worth a stop (a store into a
 * mapping, a signal caught), so a replay stepping by call stops at both.
 */
static int
stops_at(const struct tui_event *e, enum step_want want)
{
	if (want == WANT_ITER)
		return strcmp(e->ev, "iter") == 0;
	return strcmp(e->ev, "syscall") == 0 || strcmp(e->ev, "state") == 0;
}

/* Replay: feed lines until an event of the wanted kind has gone in. */
static void
replay_forward(struct tui_app *app, enum step_want want)
{
	struct tui_source *s = &app->src;
	const struct tui_event *e;

	while (s->pos < s->nlines) {
		unsigned long long before = app->model->fed;

		tui_model_feed(app->model, s->file_lines[s->pos],
			       strlen(s->file_lines[s->pos]));
		s->pos++;
		e = newest(app);
		if (app->model->fed > before && e != NULL &&
		    stops_at(e, want))
			return;
	}
	app->running = 0;
}

void
app_step(struct tui_app *app, enum step_want want)
{
	want = effective(app, want);
	app->dirty = 1;
	if (app->src.kind == SRC_REPLAY) {
		replay_forward(app, want);
		return;
	}
	app->want = want;
	if (at_gate(app)) {
		app->answered = app->model->gates;
		if (src_command(&app->src, "step") < 0)
			snprintf(app->message, sizeof(app->message),
				 "the process is gone: nothing to step");
	}
}

void
app_step_back(struct tui_app *app, enum step_want want)
{
	struct tui_model *m = app->model;
	struct tui_source *s = &app->src;
	size_t keep = 0;

	want = effective(app, want);
	if (s->kind != SRC_REPLAY) {
		snprintf(app->message, sizeof(app->message),
			 "only a replay steps backward");
		return;
	}
	/* The previous event of the kind, not counting the newest. */
	for (size_t i = m->log_len > 1 ? m->log_len - 1 : 0; i-- > 0;)
		if (stops_at(tui_model_event(m, i), want)) {
			keep = i + 1;
			break;
		}
	tui_model_reset(m);
	s->pos = 0;
	while (s->pos < s->nlines && m->log_len < keep) {
		tui_model_feed(m, s->file_lines[s->pos], strlen(s->file_lines[s->pos]));
		s->pos++;
	}
	app->sel = m->log_len ? m->log_len - 1 : 0;
	app->follow = 1;
	app->dirty = 1;
}

void
app_select(struct tui_app *app, long delta)
{
	long n = (long)app->model->log_len, sel = (long)app->sel + delta;

	if (n == 0)
		return;
	if (sel < 0)
		sel = 0;
	if (sel >= n)
		sel = n - 1;
	app->sel = (size_t)sel;
	app->follow = sel == n - 1;
	app->dirty = 1;
}

void
app_move(struct tui_app *app, long delta)
{
	int p = app->pane, n = app->nrows[p], r;

	if (!(app->scrolls & 1u << p)) {
		app_select(app, delta);
		return;
	}
	if (n == 0)
		return;
	r = app->row[p];
	if (r < 0 || r >= n)
		r = app->tails & 1u << p ? n - 1 : 0;
	r = r + delta < 0 ? 0 : r + delta >= n ? n - 1 : (int)(r + delta);
	/* Back on the last row, a tail pane follows new rows, as the log does. */
	app->row[p] = r == n - 1 && app->tails & 1u << p ? -1 : r;
	app->dirty = 1;
}

void
app_next_pane(struct tui_app *app)
{
	app->pane = (app->pane + 1) % view_panes(app);
	app->dirty = 1;
}

void
app_search(struct tui_app *app)
{
	const struct tui_model *m = app->model;

	for (size_t k = 1; k <= m->log_len; k++) {
		size_t i = (app->sel + k) % m->log_len;
		const struct tui_event *e = tui_model_event(m, i);

		if (strstr(e->line, app->input) != NULL ||
		    strstr(e->note, app->input) != NULL) {
			app->sel = i;
			app->follow = 0;
			snprintf(app->message, sizeof(app->message),
				 "found at event %lld", e->seq);
			return;
		}
	}
	snprintf(app->message, sizeof(app->message), "not found: %.100s",
		 app->input);
}

void
app_write(struct tui_app *app)
{
	const struct tui_model *m = app->model;
	int fd, err = 0;

	fd = sys_open(app->input, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		      0644);
	if (fd < 0)
		err = errno;
	for (size_t i = 0; fd >= 0 && err == 0 && i < m->log_len; i++) {
		const char *line = tui_model_event(m, i)->line;

		if (out_write_all(fd, line, strlen(line)) < 0 ||
		    out_write_all(fd, "\n", 1) < 0)
			err = errno;
	}
	if (fd >= 0 && sys_close(fd) < 0 && err == 0)
		err = errno;
	if (err != 0)
		snprintf(app->message, sizeof(app->message), "%.80s: %s",
			 app->input, strerror(err));
	else
		snprintf(app->message, sizeof(app->message),
			 "wrote %zu events to %.80s%s", m->log_len, app->input,
			 m->dropped ? " (older ones were dropped)" : "");
}

/* A gate arrived: go on by ourselves, or stop and let the user look. */
static void
on_gate(struct tui_app *app)
{
	if (!at_gate(app))
		return;
	if (app->want == WANT_ITER && strcmp(app->model->gate, "iter") != 0) {
		app_step(app, WANT_ITER);
		return;
	}
	app->want = WANT_NONE;
	if (app->running)
		app->next_ms = now_ms() + app_delay_ms(app);
}

static void
draw(struct tui_app *app)
{
	int rows = LINES, cols = COLS;

	erase();
	if (crt_too_small()) {
		crt_text(0, 0, cols, crt_attr(CRT_ERROR), "terminal too small");
		crt_text(1, 0, cols, A_NORMAL, "ipc tui needs 80x24; make "
			 "the window larger, or press q");
	} else {
		if (app->follow && app->model->log_len)
			app->sel = app->model->log_len - 1;
		if (app->pane >= view_panes(app))
			app->pane = 0;
		app->scrolls = 0;
		tui_views[app->view]->draw(app, rows, cols);
		if (app->overlay == '?')
			keys_help(rows, cols);
		else if (app->overlay == '\n')
			view_details(app, rows, cols);
	}
	refresh();
	app->dirty = 0;
	app->drawn_ms = now_ms();
}

/*
 * How long poll may wait: until the next frame, run step or reap, or
 * until the trace socket may be read again.
 */
static int
wait_ms(const struct tui_app *app)
{
	long long now = now_ms(), t = LLONG_MAX;
	int intake = app->src.fd >= 0 ? src_wait_ms(&app->src) : 0;

	if (app->dirty)
		t = app->drawn_ms + TUI_FRAME_MS - now;
	if (app->running && app->want == WANT_NONE &&
	    (at_gate(app) || app->src.kind == SRC_REPLAY) &&
	    app->next_ms - now < t)
		t = app->next_ms - now;
	if (app->src.pid > 0 && app->src.fd < 0 && REAP_MS < t)
		t = REAP_MS;
	if (intake > 0 && intake < t)
		t = intake;
	if (t == LLONG_MAX)
		return -1;
	return t < 0 ? 0 : t > 60000 ? 60000 : (int)t;
}

/* Run mode: the next step is due. */
static void
run_tick(struct tui_app *app)
{
	if (!app->running || app->want != WANT_NONE || now_ms() < app->next_ms)
		return;
	if (app->src.kind == SRC_REPLAY) {
		app_step(app, WANT_ITER);
		app->next_ms = now_ms() + app_delay_ms(app);
	} else if (at_gate(app)) {
		app_step(app, WANT_ITER);
	}
}

int
app_run(struct tui_app *app)
{
	struct pollfd p[3];
	int ch;

	app->dirty = 1;
	app->follow = 1;
	for (int i = 0; i < TUI_PANES; i++)
		app->row[i] = -1;
	while (!app->quit && !crt_stop_signal()) {
		if (app->dirty && now_ms() >= app->drawn_ms + TUI_FRAME_MS)
			draw(app);
		/* poll(2) skips an entry whose fd is negative: a closed one. */
		p[0] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		/* This frame's trace intake is used up: leave the socket. */
		p[1] = (struct pollfd){
			.fd = src_wait_ms(&app->src) > 0 ? -1 : app->src.fd,
			.events = POLLIN,
		};
		p[2] = (struct pollfd){ .fd = app->src.out_fd, .events = POLLIN };
		if (sys_poll(p, 3, wait_ms(app)) < 0 && errno != EINTR)
			return fail(app->cli, "poll", errno, NULL);
		while ((ch = getch()) != ERR)
			app->dirty |= keys_dispatch(app, ch);
		if (app->src.out_fd >= 0 && (p[2].revents & (POLLIN | POLLHUP)))
			app->dirty |= src_pump_output(&app->src) ||
				      app->src.out_fd < 0;
		if (app->src.fd >= 0 && (p[1].revents & (POLLIN | POLLHUP))) {
			int fed = src_pump(&app->src, app->model);

			if (fed < 0)
				snprintf(app->message, sizeof(app->message),
					 "trace socket: %s", strerror(errno));
			app->dirty |= fed != 0 || app->src.fd < 0;
			on_gate(app);
		}
		if (app->src.pid > 0 && app->src.fd < 0) {
			src_reap(&app->src);
			app->dirty |= app->src.pid == 0;
		}
		run_tick(app);
	}
	return crt_stop_signal() ? 128 + crt_stop_signal() : 0;
}
