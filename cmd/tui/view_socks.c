/*
 * view_socks.c - the Sockets and TLS view: every stream socket with its
 * TCP state (lib/tui_model_net.c says how the state is drawn from the
 * calls), and the TLS handshake as a ladder: a client column and a server
 * column, one row per message with its arrow, filled in message by message
 * as the steps go.  At 80x24:
 *
 *	top bar
 *	connections: pid, fd, local, peer, TCP state, last call
 *	TLS handshake: client |---- ClientHello 293 B ---->| server
 *	event log
 *	what happened (the note of the selected event)
 *	status line
 *
 * Nothing here is said by colour alone: states and errors are words, a
 * closed socket says "close", a message still in a memory buffer says
 * "in flight", and the newest row is bold.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "tui.h"

/* The panes tab cycles through; the log comes first, as in every view. */
enum { P_LOG, P_CONNS, P_LADDER };

#define SIDE		9	/* columns of each side of the ladder */
#define LOG_MIN		4	/* the log's title and three events at least */
#define EXPLAIN		5

static void
draw_conns(struct tui_app *app, int y, int h, int w)
{
	const struct tui_net *n = &app->model->net;
	int first = view_rows(app, P_CONNS, n->nconns, h - 2, 0);
	char buf[256], last[64];

	crt_title(y, 0, w, "connections (TCP state from the calls made)",
		  app->pane == P_CONNS);
	crt_text(y + 1, 0, w, A_UNDERLINE, " PID     FD LOCAL                 "
		 "PEER                  STATE        LAST CALL");
	for (int i = first; i < n->nconns && i - first < h - 2; i++) {
		const struct tui_conn *c = &n->conns[i];
		int attr = c->error[0] ? crt_attr(CRT_ERROR) : c->closed ?
			   crt_attr(CRT_DIM) : (int)A_NORMAL;

		snprintf(last, sizeof(last), "%s%s%s", c->last,
			 c->error[0] ? " !" : "", c->error);
		snprintf(buf, sizeof(buf), " %-6d %3d %-21.21s %-21.21s "
			 "%-12s %s", c->pid, c->fd, c->local[0] ? c->local :
			 "-", c->peer[0] ? c->peer : "-", c->state, last);
		crt_text(y + 2 + i - first, 0, w,
			 view_row_attr(app, P_CONNS, i, attr), buf);
	}
	if (n->nconns == 0)
		crt_text(y + 2, 0, w, crt_attr(CRT_DIM),
			 " (no stream socket yet)");
}

/*
 * One rung of the ladder into buf (w columns): the two lifelines, and
 * between them an arrow carrying the message's name and size.  A message
 * written by one side and not yet read by the other (both sides in this
 * process, as in tls bio) has a dotted arrow with no head.
 */
static void
ladder_row(char *buf, int w, int row, const struct tui_tls_msg *t,
	   int in_flight)
{
	char label[TUI_TEXT + 64];
	int a = SIDE, b = w - SIDE - 1, len, at;

	memset(buf, ' ', (size_t)w);
	buf[w] = '\0';
	snprintf(label, sizeof(label), "%3d", row + 1);
	memcpy(buf, label, strlen(label));
	buf[a - 1] = '|';
	buf[b + 1] = '|';
	for (int x = a; x <= b; x++)
		buf[x] = in_flight ? '.' : '-';
	if (!in_flight)
		buf[t->to_server ? b : a] = t->to_server ? '>' : '<';
	len = snprintf(label, sizeof(label), " %s %lld B%s%s%s ", t->name,
		       t->bytes, t->note[0] ? ": " : "", t->note,
		       in_flight ? " (in flight)" : "");
	if (len > b - a - 3)
		len = b - a - 3;
	at = a + 2 + (b - a - 3 - len) / 2;
	if (len > 0)
		memcpy(buf + at, label, (size_t)len);
}

static void
draw_ladder(struct tui_app *app, int y, int h, int w)
{
	const struct tui_net *n = &app->model->net;
	int first = view_rows(app, P_LADDER, n->nladder, h - 2, 1);
	char buf[512], head[256];

	if (w >= (int)sizeof(buf))
		w = (int)sizeof(buf) - 1;
	crt_title(y, 0, w, "TLS handshake", app->pane == P_LADDER);
	if (n->nladder == 0) {
		crt_text(y + 1, 0, w, crt_attr(CRT_DIM),
			 " (no TLS message yet)");
		return;
	}
	snprintf(head, sizeof(head), "   client%*s", w - 15, "server");
	if (n->result[0] != '\0') {
		int len = (int)strlen(n->result) + 2, at = (w - len) / 2;

		if (at > 10 && len < w - 20)
			memcpy(head + at, n->result, (size_t)len - 2);
	}
	crt_text(y + 1, 0, w, A_UNDERLINE, head);
	for (int i = first; i < n->nladder && i - first < h - 2; i++) {
		const struct tui_tls_msg *t = &n->ladder[i];
		int attr = strcmp(t->name, "Alert") == 0 ? crt_attr(CRT_ERROR) :
			   i == n->nladder - 1 ? (int)A_BOLD : (int)A_NORMAL;

		ladder_row(buf, w, i, t, n->sides == 3 && !t->received);
		crt_text(y + 2 + i - first, 0, w,
			 view_row_attr(app, P_LADDER, i, attr), buf);
	}
	if (n->more > 0 && h > 2) {
		snprintf(buf, sizeof(buf), " +%llu not kept", n->more);
		crt_text(y + h - 1, w - 16, 16, crt_attr(CRT_DIM), buf);
	}
}

/*
 * Share the rows between the two tables: each gets what it needs when
 * both fit, and what is left goes to the log; else the one that needs
 * less gets it and the other the rest.
 */
static void
split(const struct tui_net *n, int avail, int *conns_h, int *ladder_h)
{
	int want_c = 2 + (n->nconns > 0 ? n->nconns : 1);
	int want_l = n->nladder > 0 ? 2 + n->nladder : 2;

	if (want_c + want_l <= avail) {
		*conns_h = want_c;
		*ladder_h = want_l;
	} else if (want_c <= avail / 2) {
		*conns_h = want_c;
		*ladder_h = avail - want_c;
	} else if (want_l <= avail / 2) {
		*ladder_h = want_l;
		*conns_h = avail - want_l;
	} else {
		*conns_h = avail / 2;
		*ladder_h = avail - avail / 2;
	}
}

static void
draw(struct tui_app *app, int rows, int cols)
{
	int avail = rows - 2 - EXPLAIN - LOG_MIN - (rows - 2) / 8;
	int conns_h, ladder_h, log_y, log_h;

	split(&app->model->net, avail, &conns_h, &ladder_h);
	log_y = 1 + conns_h + ladder_h;
	log_h = rows - 1 - EXPLAIN - log_y;
	view_top(app, cols);
	draw_conns(app, 1, conns_h, cols);
	draw_ladder(app, 1 + conns_h, ladder_h, cols);
	view_log(app, log_y, log_h, cols, app->pane == P_LOG);
	view_explain(app, log_y + log_h, EXPLAIN, cols);
	view_status(app, rows, cols);
}

const struct tui_view view_socks = {
	.name = "Sockets and TLS",
	.panes = 3,
	.draw = draw,
};
