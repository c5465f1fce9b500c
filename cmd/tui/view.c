/*
 * view.c - what every view draws: the top bar, the event log, the
 * explanation of the selected event, the details overlay and the status
 * line; the list of views `v` cycles through; and the panes' rows: a
 * pane that draws its rows through view_rows() gets the arrows while tab
 * has given it the focus, and view_row_attr() marks its selected row.
 *
 * Every string drawn comes from the model, which escaped it (tui_escape),
 * so no byte from a peer reaches the terminal as a control sequence.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "tui.h"

const struct tui_view *const tui_views[] = { &view_loop, &view_procs,
	&view_socks, &view_mmap };
const int tui_nviews = sizeof(tui_views) / sizeof(tui_views[0]);

int
view_panes(const struct tui_app *app)
{
	const struct tui_view *v = tui_views[app->view];
	int n = v->npanes != NULL ? v->npanes(app) : v->panes;

	return n < 1 ? 1 : n > TUI_PANES ? TUI_PANES : n;
}

/*
 * The selected row of a pane of n rows.  -1 means none chosen: the last
 * row for a pane that follows its tail (output), else the first.
 */
static int
pane_sel(const struct tui_app *app, int pane, int n)
{
	int r = app->row[pane];

	if (r >= n || (r < 0 && app->tails & 1u << pane))
		return n - 1;
	return r < 0 ? 0 : r;
}

int
view_rows(struct tui_app *app, int pane, int n, int h, int tail)
{
	int sel;

	if (pane < 0 || pane >= TUI_PANES)
		return 0;
	app->nrows[pane] = n;
	app->scrolls |= 1u << pane;
	if (tail)
		app->tails |= 1u << pane;
	else
		app->tails &= ~(1u << pane);
	sel = pane_sel(app, pane, n);
	return h > 0 && sel >= h ? sel - h + 1 : 0;
}

int
view_row_attr(const struct tui_app *app, int pane, int i, int attr)
{
	if (app->pane == pane && i == pane_sel(app, pane, app->nrows[pane]))
		return crt_attr(CRT_SELECT);
	return attr;
}

void
view_top(struct tui_app *app, int cols)
{
	const struct tui_model *m = app->model;
	char buf[256], drops[48] = "";

	if (m->dropped)
		snprintf(drops, sizeof(drops), "  DROPPED %llu", m->dropped);
	snprintf(buf, sizeof(buf), " ipc tui: %s | %s | %s%s",
		 tui_views[app->view]->name, app_state(app),
		 m->argv[0] ? m->argv : "waiting for the first event", drops);
	crt_text(0, 0, cols, crt_attr(CRT_TITLE), buf);
}

/* One event as a log line (and a --plain line): "  17 syscall connect(3) = -1 ECONNREFUSED". */
void
view_event_line(const struct tui_event *e, char *buf, size_t size)
{
	char fd[16] = "";

	if (e->fd >= 0)
		snprintf(fd, sizeof(fd), "%d", e->fd);
	if (e->call[0] != '\0')
		snprintf(buf, size, "%5lld %-6d %s(%s) = %lld%s%s%s", e->seq,
			 e->pid, e->call, fd, e->ret, e->err[0] ? " " : "",
			 e->err, e->injected ? " [injected]" : "");
	else
		snprintf(buf, size, "%5lld %-6d %-8s %s", e->seq, e->pid, e->ev,
			 e->note[0] ? e->note : e->args);
}

void
view_log(struct tui_app *app, int y, int h, int cols, int focused)
{
	const struct tui_model *m = app->model;
	char buf[512];
	size_t first = 0;

	crt_title(y, 0, cols, "event log", focused);
	h--;
	if (app->sel >= (size_t)h)
		first = app->sel - (size_t)h + 1;
	for (int i = 0; i < h; i++) {
		const struct tui_event *e = tui_model_event(m, first + (size_t)i);
		int attr = A_NORMAL;

		if (e == NULL)
			break;
		view_event_line(e, buf, sizeof(buf));
		if (first + (size_t)i == app->sel)
			attr = crt_attr(CRT_SELECT);
		else if (e->err[0] != '\0')
			attr = crt_attr(CRT_ERROR);
		else if (strcmp(e->ev, "gate") == 0)
			attr = crt_attr(CRT_DIM);
		crt_text(y + 1 + i, 0, cols, attr, buf);
	}
}

/* Draw s wrapped at word boundaries over at most h lines of width w. */
static int
wrap(int y, int x, int w, int h, int attr, const char *s)
{
	int lines = 0;

	while (*s != '\0' && lines < h) {
		int n = (int)strlen(s);

		if (n > w) {
			n = w;
			while (n > w / 2 && s[n] != ' ')
				n--;
			if (s[n] != ' ')
				n = w;
		}
		attron(attr);
		mvaddnstr(y + lines, x, s, n);
		attroff(attr);
		s += n;
		while (*s == ' ')
			s++;
		lines++;
	}
	return lines;
}

void
view_explain(struct tui_app *app, int y, int h, int cols)
{
	const struct tui_event *e = tui_model_event(app->model, app->sel);
	char head[160];
	int used;

	crt_title(y, 0, cols, "what happened", 0);
	if (e == NULL) {
		crt_text(y + 1, 0, cols, crt_attr(CRT_DIM),
			 "no event yet: press space to step");
		return;
	}
	snprintf(head, sizeof(head), "[%s] %s%s%s", e->mod,
		 e->call[0] ? e->call : e->ev, e->err[0] ? ": " : "", e->err);
	crt_text(y + 1, 0, cols, A_BOLD, head);
	used = wrap(y + 2, 2, cols - 2, h - 2, A_NORMAL,
		    e->note[0] ? e->note : "(no note)");
	if (used < h - 2)
		wrap(y + 2 + used, 2, cols - 2, h - 2 - used, crt_attr(CRT_DIM),
		     e->args);
}

void
view_details(struct tui_app *app, int rows, int cols)
{
	const struct tui_event *e = tui_model_event(app->model, app->sel);
	char esc[2048];
	int y = 2, h = rows - 4;

	for (int i = 0; i < h; i++)
		crt_text(y + i, 2, cols - 4, A_REVERSE, "");
	crt_text(y, 2, cols - 4, A_REVERSE | A_BOLD,
		 " The selected event, as JSON (any key closes)");
	if (e == NULL)
		return;
	tui_escape(esc, sizeof(esc), e->line);
	wrap(y + 2, 3, cols - 6, h / 2, A_REVERSE, esc);
	wrap(y + 2 + h / 2, 3, cols - 6, h / 2 - 2, A_REVERSE | A_BOLD,
	     e->note);
}

/* The bottom line: the prompt, a message, or the key hint. */
void
view_status(struct tui_app *app, int rows, int cols)
{
	char buf[192];

	if (app->prompt)
		snprintf(buf, sizeof(buf), "%s %s_", app->prompt == '/' ?
			 "search:" : "write to file:", app->input);
	else if (app->message[0] != '\0')
		snprintf(buf, sizeof(buf), "%s", app->message);
	else
		snprintf(buf, sizeof(buf), "%s", keys_hint());
	crt_text(rows - 1, 0, cols, crt_attr(CRT_TITLE), buf);
}
