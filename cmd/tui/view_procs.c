/*
 * view_procs.c - the Processes view: each process under its parent with
 * its state (running, exited, reaped) and the pipe ends its descriptors
 * hold, the pipes between them, and each process's signal grid (blocked,
 * pending, caught, ignored, delivered); then the event log and the
 * explanation as in every view.  At 80x24:
 *
 *	top bar
 *	processes (tree)               | signals: the newest delivery
 *	pipes: 16826:1 ==p1==> 16827:0 |   sender --SIG--> receiver,
 *	  (or the TLS handshake)       |   then a grid per process
 *	event log
 *	what happened
 *	status line
 *
 * A delivery is shown on the step it happened (until the next system
 * call): an arrow from sender to receiver, and the signal in the
 * receiver's "delivered" row in brackets and reverse video, so that it
 * reads without colour too.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "tui.h"

#define MAX_DEPTH	8	/* a bound, should a trace claim a cycle */

/* The panes tab cycles through: the log first, as in every view. */
enum { P_LOG, P_PROCS };

/* " fd1>p1 fd4<p1": the pipe ends pid holds; > writes into, < reads from. */
static void
ends_str(const struct tui_model *m, int pid, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; i < m->mem.nends && o < size; i++) {
		const struct tui_end *x = &m->mem.ends[i];

		if (x->pid == pid)
			o += (size_t)snprintf(buf + o, size - o, " fd%d%cp%d",
					      x->fd, x->end == 'w' ? '>' : '<',
					      x->pipe);
	}
}

/* One process and, indented under it, its children; returns rows used. */
static int
draw_tree(const struct tui_model *m, int pid, int depth, int y, int h, int w)
{
	int used = 0;

	for (int i = 0; i < m->nprocs && used < h; i++) {
		const struct tui_proc *p = &m->procs[i];
		char buf[256], ends[128];
		int here = depth == 0 ? tui_model_proc(m, p->ppid) == NULL :
			   p->ppid == pid;

		if (!here || depth > MAX_DEPTH)
			continue;
		ends_str(m, p->pid, ends, sizeof(ends));
		snprintf(buf, sizeof(buf), "%*s%s pid %d %s%s", 2 * depth, "",
			 depth ? "`-" : "*", p->pid, p->state, ends);
		crt_text(y + used, 0, w, A_NORMAL, buf);
		used++;
		used += draw_tree(m, p->pid, depth + 1, y + used, h - used,
				  w);
	}
	return used;
}

/* "16826:1, 16825:5": the holders of one end of pipe n. */
static size_t
holders(const struct tui_model *m, int n, char end, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; i < m->mem.nends && o < size; i++) {
		const struct tui_end *x = &m->mem.ends[i];

		if (x->pipe == n && x->end == end)
			o += (size_t)snprintf(buf + o, size - o, "%s%d:%d",
					      o ? ", " : "", x->pid, x->fd);
	}
	return o;
}

/*
 * One line per pipe that something still holds: the writers, an arrow,
 * the readers.  A pipe with no writer left reads end of file; with no
 * reader left, a write fails with EPIPE (and SIGPIPE).
 */
static int
draw_pipes(const struct tui_model *m, int y, int h, int w)
{
	char wr[96], rd[96], buf[224];
	int line = 1;

	crt_title(y, 0, w, "pipes (pid:fd ==> pid:fd)", 0);
	for (int n = 1; n <= m->mem.pipes && line < h; n++) {
		int has_w = holders(m, n, 'w', wr, sizeof(wr)) > 0;
		int has_r = holders(m, n, 'r', rd, sizeof(rd)) > 0;

		if (!has_w && !has_r)
			continue;
		snprintf(buf, sizeof(buf), "%s ==p%d==> %s",
			 has_w ? wr : "(no writer: EOF)", n,
			 has_r ? rd : "(no reader: EPIPE)");
		crt_text(y + line++, 0, w, has_w && has_r ? (int)A_BOLD :
			 crt_attr(CRT_DIM), buf);
	}
	if (line == 1)
		crt_text(y + 1, 0, w, crt_attr(CRT_DIM), " (no pipe open)");
	return line;
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

/* The newest delivery: bold and marked on its step, dim after. */
static int
draw_arrow(const struct tui_model *m, int y, int x, int w)
{
	const struct tui_delivery *now = tui_model_delivery_now(m), *d;
	char sig[32], from[24], buf[128];

	if (m->mem.ndeliveries == 0)
		return 0;
	d = now != NULL ? now : &m->mem.deliveries[m->mem.ndeliveries - 1];
	tui_sigset_str((uint64_t)1 << (d->sig - 1), sig, sizeof(sig));
	if (d->from > 0)
		snprintf(from, sizeof(from), "%d", d->from);
	else
		snprintf(from, sizeof(from), "?");
	snprintf(buf, sizeof(buf), "%s %s --%s--> %d %s", now ? "NOW" :
		 "last", from, sig, d->to, d->how);
	crt_text(y, x, w, now != NULL ? crt_attr(CRT_READY) |
		 (int)(A_REVERSE | A_BOLD) : crt_attr(CRT_DIM), buf);
	return 1;
}

/* "  delivered SIGUSR1 [SIGUSR2]": the signal just delivered in brackets. */
static void
draw_set(int y, int x, int w, const char *label, uint64_t set, int mark,
	 int attr)
{
	char name[32];
	int col;

	crt_text(y, x, w, attr, "");
	mvprintw(y, x, "  %-10.10s", label);
	col = 12;
	for (int s = 1; s <= 64 && col < w; s++) {
		int len, a = attr;

		if (!(set & ((uint64_t)1 << (s - 1))))
			continue;
		tui_sigset_str((uint64_t)1 << (s - 1), name, sizeof(name));
		len = (int)strlen(name) + (s == mark ? 2 : 0);
		if (s == mark)
			a = crt_attr(CRT_READY) | A_REVERSE | A_BOLD;
		attron(a);
		mvprintw(y, x + col, s == mark ? "[%.*s]" : "%.*s",
			 w - col > 2 ? w - col - (s == mark ? 2 : 0) : 0, name);
		attroff(a);
		col += len + 1;
	}
}

/* A grid per process; rows with no signal in them are left out. */
static void
draw_signals(const struct tui_model *m, int y, int x, int h, int w)
{
	static const char *const rows[] = { "blocked", "pending", "caught",
					    "ignored", "delivered" };
	const struct tui_delivery *now = tui_model_delivery_now(m);
	char buf[64];
	int line = 1;

	crt_title(y, x, w, "signals", 0);
	line += draw_arrow(m, y + line, x, w);
	for (int i = 0; i < m->nprocs && line < h; i++) {
		const struct tui_proc *p = &m->procs[i];
		const uint64_t sets[] = { p->blocked, p->pending, p->caught,
					  p->ignored, p->delivered };
		int shown = 0;

		snprintf(buf, sizeof(buf), "pid %d", p->pid);
		crt_text(y + line++, x, w, A_BOLD, buf);
		for (int r = 0; r < 5 && line < h; r++) {
			if (sets[r] == 0)
				continue;
			int mark = r == 4 && now != NULL &&
				   now->to == p->pid ? now->sig : 0;

			draw_set(y + line++, x, w, rows[r], sets[r], mark,
				 r == 1 ? crt_attr(CRT_READY) : (int)A_NORMAL);
			shown++;
		}
		if (!shown && line < h)
			crt_text(y + line++, x, w, crt_attr(CRT_DIM),
				 "  (default actions, none blocked)");
	}
}

static void
draw(struct tui_app *app, int rows, int cols)
{
	const struct tui_model *m = app->model;
	int top = (rows - 2) / 2, explain = 5, half = cols / 2;
	int log_y = 1 + top, log_h = rows - 2 - top - explain;
	int tree_h = top / 2;

	view_top(app, cols);
	crt_title(1, 0, half, "processes (fdN>pK writes pipe K)",
		  app->pane == P_PROCS);
	if (draw_tree(m, 0, 0, 2, tree_h - 1, half) == 0)
		crt_text(2, 0, half, crt_attr(CRT_DIM), " (no events yet)");
	/* The Sockets and TLS view has the handshake too; here it waits
	 * for a trace with no pipe. */
	if (m->mem.pipes == 0 && m->ntls > 0)
		draw_tls(m, 1 + tree_h, 0, top - tree_h, half);
	else
		draw_pipes(m, 1 + tree_h, top - tree_h, half);
	for (int y = 1; y < 1 + top; y++)
		mvaddch(y, half, ACS_VLINE);
	draw_signals(m, 1, half + 1, top, cols - half - 1);
	view_log(app, log_y, log_h, cols, app->pane == P_LOG);
	view_explain(app, log_y + log_h, explain, cols);
	view_status(app, rows, cols);
}

const struct tui_view view_procs = {
	.name = "Processes",
	.panes = 2,
	.draw = draw,
};
