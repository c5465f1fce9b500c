/*
 * view_procs.c - the Processes view: each process under its parent with
 * its state (running, exited, reaped), its signal grid (blocked, pending,
 * caught, ignored, delivered), and the TLS handshake messages in order,
 * then the event log and the explanation as in every view.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "tui.h"

#define MAX_DEPTH	8	/* a bound, should a trace claim a cycle */

/* One process and, indented under it, its children; returns rows used. */
static int
draw_tree(const struct tui_model *m, int pid, int depth, int y, int h, int w)
{
	int used = 0;

	for (int i = 0; i < m->nprocs && used < h; i++) {
		const struct tui_proc *p = &m->procs[i];
		char buf[160];
		int here = depth == 0 ? tui_model_proc(m, p->ppid) == NULL :
			   p->ppid == pid;

		if (!here || depth > MAX_DEPTH)
			continue;
		snprintf(buf, sizeof(buf), "%*s%s pid %d  %s", 2 * depth, "",
			 depth ? "`-" : "*", p->pid, p->state);
		crt_text(y + used, 0, w, A_NORMAL, buf);
		used++;
		used += draw_tree(m, p->pid, depth + 1, y + used, h - used,
				  w);
	}
	return used;
}

static void
draw_signals(const struct tui_model *m, int y, int x, int h, int w)
{
	static const char *const rows[] = { "blocked", "pending", "caught",
					    "ignored", "delivered" };
	char buf[192], set[160];

	crt_title(y, x, w, "signals", 0);
	for (int i = 0, line = 1; i < m->nprocs && line < h; i++) {
		const struct tui_proc *p = &m->procs[i];
		const uint64_t sets[] = { p->blocked, p->pending, p->caught,
					  p->ignored, p->delivered };

		snprintf(buf, sizeof(buf), "pid %d", p->pid);
		crt_text(y + line++, x, w, A_BOLD, buf);
		for (int r = 0; r < 5 && line < h; r++) {
			tui_sigset_str(sets[r], set, sizeof(set));
			snprintf(buf, sizeof(buf), "  %-9s %s", rows[r], set);
			crt_text(y + line++, x, w, r == 1 && sets[r] ?
				 crt_attr(CRT_READY) : (int)A_NORMAL, buf);
		}
	}
}

static void
draw_tls(const struct tui_model *m, int y, int x, int h, int w)
{
	crt_title(y, x, w, "TLS handshake", 0);
	if (m->ntls == 0)
		crt_text(y + 1, x, w, crt_attr(CRT_DIM), " (no TLS messages)");
	for (int i = 0; i < m->ntls && i < h - 1; i++)
		crt_text(y + 1 + i, x, w, A_NORMAL, m->tls[m->ntls > h - 1 ?
			 m->ntls - (h - 1) + i : i]);
}

static void
draw(struct tui_app *app, int rows, int cols)
{
	const struct tui_model *m = app->model;
	int top = (rows - 2) / 2, explain = 5, half = cols / 2;
	int log_y = 1 + top, log_h = rows - 2 - top - explain;
	int tree_h = top / 2;

	view_top(app, cols);
	crt_title(1, 0, half, "processes", app->pane == 0);
	if (draw_tree(m, 0, 0, 2, tree_h - 1, half) == 0)
		crt_text(2, 0, half, crt_attr(CRT_DIM), " (no events yet)");
	draw_tls(m, 1 + tree_h, 0, top - tree_h, half);
	for (int y = 1; y < 1 + top; y++)
		mvaddch(y, half, ACS_VLINE);
	draw_signals(m, 1, half + 1, top, cols - half - 1);
	view_log(app, log_y, log_h, cols, app->pane == 1);
	view_explain(app, log_y + log_h, explain, cols);
	view_status(app, rows, cols);
}

const struct tui_view view_procs = {
	.name = "Processes",
	.panes = 2,
	.draw = draw,
};
