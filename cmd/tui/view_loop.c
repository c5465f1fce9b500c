/*
 * view_loop.c - the Loop view: the descriptors with their interest and
 * readiness this iteration, the timers in heap order with the time left,
 * the ready queue and what ran, tasks, the event log, and the explanation
 * of the selected event.  At 80x24:
 *
 *	top bar
 *	descriptors (44 columns)     | timers / this iteration / tasks
 *	event log
 *	what happened (the note of the selected event)
 *	status line
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "tui.h"

#define FD_COLS		46

static void
draw_fds(const struct tui_model *m, int y, int h, int w, int focused)
{
	char buf[160];

	crt_title(y, 0, w, "descriptors", focused);
	crt_text(y + 1, 0, w, A_UNDERLINE, " FD KIND          WANT   READY PEER / LAST CALL");
	for (int i = 0; i < m->nfds && i < h - 2; i++) {
		const struct tui_fd *f = &m->fds[i];

		snprintf(buf, sizeof(buf), "%3d %-13.13s %-6.6s %-5s %s%s%s",
			 f->fd, f->kind[0] ? f->kind : "?",
			 f->interest[0] ? f->interest : "-",
			 f->ready ? "READY" : "", f->peer,
			 f->peer[0] && f->state[0] ? " " : "", f->state);
		crt_text(y + 2 + i, 0, w, f->ready ? crt_attr(CRT_READY) :
			 (int)A_NORMAL, buf);
	}
	if (m->nfds == 0)
		crt_text(y + 2, 0, w, crt_attr(CRT_DIM), " (none opened yet)");
}

static void
draw_timers(const struct tui_model *m, int y, int x, int h, int w,
	    int focused)
{
	char buf[128];

	crt_title(y, x, w, "timers (heap order)", focused);
	for (int i = 0; i < m->ntimers && i < h - 1; i++) {
		double left = (double)(m->timers[i].at_ns - m->now_ns) / 1e9;

		snprintf(buf, sizeof(buf), "%s %-16.16s in %+.3f s",
			 i == 0 ? ">" : " ", m->timers[i].name, left);
		crt_text(y + 1 + i, x, w, i == 0 ? A_BOLD : A_NORMAL, buf);
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
draw_tasks(const struct tui_model *m, int y, int x, int h, int w)
{
	char buf[128];

	if (h < 2)
		return;
	crt_title(y, x, w, "tasks and futures", 0);
	for (int i = 0; i < m->ntasks && i < h - 1; i++) {
		snprintf(buf, sizeof(buf), " %-6s %-16.16s %s",
			 m->tasks[i].kind, m->tasks[i].name,
			 m->tasks[i].state);
		crt_text(y + 1 + i, x, w, A_NORMAL, buf);
	}
	if (m->ntasks == 0)
		crt_text(y + 1, x, w, crt_attr(CRT_DIM), " (none)");
}

static void
draw(struct tui_app *app, int rows, int cols)
{
	const struct tui_model *m = app->model;
	int top = (rows - 2) * 2 / 5, explain = 5;
	int log_y = 1 + top, log_h = rows - 2 - top - explain;
	int rx = FD_COLS + 1, rw = cols - rx;
	int timers_h = top / 3 > 2 ? top / 3 : 2;
	int iter_h = 4;

	view_top(app, cols);
	draw_fds(m, 1, top, FD_COLS, app->pane == 0);
	for (int y = 1; y < 1 + top; y++)
		mvaddch(y, FD_COLS, ACS_VLINE);
	draw_timers(m, 1, rx, timers_h, rw, app->pane == 1);
	draw_iteration(m, 1 + timers_h, rx, iter_h, rw);
	draw_tasks(m, 1 + timers_h + iter_h, rx, top - timers_h - iter_h, rw);
	view_log(app, log_y, log_h, cols, app->pane == 2);
	view_explain(app, log_y + log_h, explain, cols);
	view_status(app, rows, cols);
}

const struct tui_view view_loop = {
	.name = "Loop",
	.panes = 3,
	.draw = draw,
};
