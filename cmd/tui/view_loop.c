/*
 * view_loop.c - the Loop view: the descriptors with their interest and
 * readiness this iteration, the timers in heap order with the time left,
 * the ready queue and what ran, tasks, the event log, and the explanation
 * of the selected event, and, for a child, what it printed.  At 80x24:
 *
 *	top bar
 *	descriptors (46 columns)     | timers / this iteration / tasks
 *	event log                    | output (a child's stdout and stderr)
 *	what happened (the note of the selected event)
 *	status line
 *
 * Tab moves the focus through the log, the descriptors, the timers, the
 * tasks and the output; the arrows then move in the focused one.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "tui.h"

#define FD_COLS		46

/* The panes tab cycles through, in this order; the log comes first. */
enum { P_LOG, P_FDS, P_TIMERS, P_TASKS, P_OUT };

static void
draw_fds(struct tui_app *app, int y, int h, int w)
{
	const struct tui_model *m = app->model;
	char buf[160];
	int first = view_rows(app, P_FDS, m->nfds, h - 2, 0);

	crt_title(y, 0, w, "descriptors", app->pane == P_FDS);
	crt_text(y + 1, 0, w, A_UNDERLINE, " FD KIND          WANT   READY PEER / LAST CALL");
	for (int i = first; i < m->nfds && i - first < h - 2; i++) {
		const struct tui_fd *f = &m->fds[i];

		snprintf(buf, sizeof(buf), "%3d %-13.13s %-6.6s %-5s %s%s%s",
			 f->fd, f->kind[0] ? f->kind : "?",
			 f->interest[0] ? f->interest : "-",
			 f->ready ? "READY" : "", f->peer,
			 f->peer[0] && f->state[0] ? " " : "", f->state);
		crt_text(y + 2 + i - first, 0, w, view_row_attr(app, P_FDS, i,
			 f->ready ? crt_attr(CRT_READY) : (int)A_NORMAL), buf);
	}
	if (m->nfds == 0)
		crt_text(y + 2, 0, w, crt_attr(CRT_DIM), " (none opened yet)");
}

static void
draw_timers(struct tui_app *app, int y, int x, int h, int w)
{
	const struct tui_model *m = app->model;
	char buf[128];
	int first = view_rows(app, P_TIMERS, m->ntimers, h - 1, 0);

	crt_title(y, x, w, "timers (heap order)", app->pane == P_TIMERS);
	for (int i = first; i < m->ntimers && i - first < h - 1; i++) {
		double left = (double)(m->timers[i].at_ns - m->now_ns) / 1e9;

		snprintf(buf, sizeof(buf), "%s %-16.16s in %+.3f s",
			 i == 0 ? ">" : " ", m->timers[i].name, left);
		crt_text(y + 1 + i - first, x, w, view_row_attr(app, P_TIMERS,
			 i, i == 0 ? A_BOLD : A_NORMAL), buf);
	}
	if (m->ntimers == 0)
		crt_text(y + 1, x, w, crt_attr(CRT_DIM), " (no timers)");
}

static void
draw_iteration(const struct tui_model *m, int y, int x, int h, int w)
{
	char buf[160];
	size_t o = 0;

	crt_title(y, x, w, "ready queue", 0);
	if (m->iter < 0) {
		crt_text(y + 1, x, w, crt_attr(CRT_DIM), " (the loop has "
			 "not turned yet)");
		return;
	}
	snprintf(buf, sizeof(buf), " iteration %lld, %s: wait %lld ms",
		 m->iter, m->backend[0] ? m->backend : "?", m->timeout_ms);
	crt_text(y + 1, x, w, A_NORMAL, buf);
	snprintf(buf, sizeof(buf), " %lld callback%s queued for the next",
		 m->ready, m->ready == 1 ? "" : "s");
	crt_text(y + 2, x, w, m->ready ? A_BOLD : A_NORMAL, buf);
	o = (size_t)snprintf(buf, sizeof(buf), " ran:");
	for (int i = 0; i < m->nran && o < sizeof(buf); i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, " %s",
				      m->ran[i]);
	if (h > 3)
		crt_text(y + 3, x, w, A_NORMAL, m->nran ? buf : " ran: -");
}

static void
draw_tasks(struct tui_app *app, int y, int x, int h, int w)
{
	const struct tui_model *m = app->model;
	char buf[128];
	int first;

	if (h < 2)
		return;
	first = view_rows(app, P_TASKS, m->ntasks, h - 1, 0);
	crt_title(y, x, w, "tasks and futures", app->pane == P_TASKS);
	for (int i = first; i < m->ntasks && i - first < h - 1; i++) {
		snprintf(buf, sizeof(buf), " %-6s %-16.16s %s",
			 m->tasks[i].kind, m->tasks[i].name,
			 m->tasks[i].state);
		crt_text(y + 1 + i - first, x, w,
			 view_row_attr(app, P_TASKS, i, A_NORMAL), buf);
	}
	if (m->ntasks == 0)
		crt_text(y + 1, x, w, crt_attr(CRT_DIM), " (none)");
}

/*
 * What the child wrote to stdout and stderr, newest at the bottom.  The
 * bytes are the program's own, so each line is escaped before drawing.
 */
static void
draw_output(struct tui_app *app, int y, int x, int h, int w)
{
	const struct tui_source *s = &app->src;
	int n = (int)src_output_lines(s);
	int first = view_rows(app, P_OUT, n, h - 1, 1);
	char esc[4 * SRC_OUT_WIDTH];

	crt_title(y, x, w, s->out_fd >= 0 ? "output" : "output (closed)",
		  app->pane == P_OUT);
	for (int i = first; i < n && i - first < h - 1; i++) {
		tui_escape(esc, sizeof(esc), src_output_line(s, (size_t)i));
		crt_text(y + 1 + i - first, x, w,
			 view_row_attr(app, P_OUT, i, A_NORMAL), esc);
	}
	if (n == 0)
		crt_text(y + 1, x, w, crt_attr(CRT_DIM), " (nothing yet)");
}

/* Only a child has output to show: attach and replay have no pane for it. */
static int
panes(const struct tui_app *app)
{
	return app->src.kind == SRC_CHILD ? P_OUT + 1 : P_OUT;
}

static void
draw(struct tui_app *app, int rows, int cols)
{
	int top = (rows - 2) * 2 / 5, explain = 5;
	int log_y = 1 + top, log_h = rows - 2 - top - explain;
	int rx = FD_COLS + 1, rw = cols - rx;
	int timers_h = top / 3 > 2 ? top / 3 : 2;
	int iter_h = 4;
	/* The output pane takes the right third of the log's rows. */
	int log_w = panes(app) > P_OUT ? cols - cols / 3 : cols;

	view_top(app, cols);
	draw_fds(app, 1, top, FD_COLS);
	for (int y = 1; y < 1 + top; y++)
		mvaddch(y, FD_COLS, ACS_VLINE);
	draw_timers(app, 1, rx, timers_h, rw);
	draw_iteration(app->model, 1 + timers_h, rx, iter_h, rw);
	draw_tasks(app, 1 + timers_h + iter_h, rx, top - timers_h - iter_h,
		   rw);
	view_log(app, log_y, log_h, log_w, app->pane == P_LOG);
	if (log_w < cols) {
		for (int y = log_y; y < log_y + log_h; y++)
			mvaddch(y, log_w, ACS_VLINE);
		draw_output(app, log_y, log_w + 1, log_h, cols - log_w - 1);
	}
	view_explain(app, log_y + log_h, explain, cols);
	view_status(app, rows, cols);
}

const struct tui_view view_loop = {
	.name = "Loop",
	.panes = P_OUT + 1,
	.draw = draw,
	.npanes = panes,
};
