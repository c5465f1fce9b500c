/*
 * view_mmap.c - the mmap view: every mapping of every process as a page
 * map, one cell per page, then the event log and the explanation.  At
 * 80x24:
 *
 *	top bar
 *	mappings: a legend, then per mapping a line saying what it is
 *	          (pid, address, pages, MAP_SHARED or MAP_PRIVATE, the
 *	          file, the protection) and a line of cells
 *	event log
 *	what happened (the note of the selected event)
 *	status line
 *
 * A cell is a letter, so the map reads the same without colour
 * (NO_COLOR): '.' not resident, 'r' resident, 'S' written through a
 * MAP_SHARED mapping (every process mapping it sees the store), 'P' written
 * to this process's private copy (copy-on-write), '?' not asked yet (no
 * mincore(2) so far), '-' unmapped.  Colour only repeats it.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "tui.h"

/* The panes tab cycles through: the log first, as in every view. */
enum { P_LOG, P_MAPS };

/* A few pages get boxed cells "[S]"; more get one column each. */
#define BOXED_MAX	16

static int
cell_attr(char c)
{
	switch (c) {
	case TUI_PAGE_SHARED:
		return crt_attr(CRT_READY) | A_BOLD;
	case TUI_PAGE_PRIVATE:
		return crt_attr(CRT_ERROR) | A_BOLD;
	case TUI_PAGE_IN:
		return A_NORMAL;
	default:
		return crt_attr(CRT_DIM);
	}
}

/*
 * "pid 16821 0x7fccff2c4000 rw- MAP_SHARED anonymous, 1 page, 1 resident":
 * the protection as /proc/PID/maps writes it (r, w, x or -).
 */
static void
map_head(const struct tui_map *mp, char *buf, size_t size)
{
	long resident = 0, known = 0;
	size_t o;

	for (long i = 0; i < mp->pages && i < TUI_MAP_PAGES; i++) {
		resident += strchr("rSP", mp->cell[i]) != NULL;
		known += mp->cell[i] != TUI_PAGE_UNKNOWN;
	}
	o = (size_t)snprintf(buf, size, "pid %d %#llx %c%c%c %s %s, %ld page%s",
		 mp->pid, mp->addr, strstr(mp->prot, "READ") ? 'r' : '-',
		 strstr(mp->prot, "WRITE") ? 'w' : '-',
		 strstr(mp->prot, "EXEC") ? 'x' : '-',
		 mp->shared ? "MAP_SHARED" : "MAP_PRIVATE", mp->file, mp->pages,
		 mp->pages == 1 ? "" : "s");
	if (o < size && mp->unmapped)
		snprintf(buf + o, size - o, ", unmapped");
	else if (o < size && known > 0)
		snprintf(buf + o, size - o, ", %ld resident", resident);
}

/* The cells of one mapping on one line of width w, from column x. */
static void
map_cells(const struct tui_map *mp, int y, int x, int w)
{
	long shown = mp->pages < TUI_MAP_PAGES ? mp->pages : TUI_MAP_PAGES;
	int boxed = shown <= BOXED_MAX, step = boxed ? 3 : 1;
	char more[32];
	long i;

	crt_text(y, x, w, A_NORMAL, "");
	for (i = 0; i < shown && (i + 1) * step + 12 < w; i++) {
		int attr = cell_attr(mp->cell[i]);

		attron(attr);
		if (boxed)
			mvprintw(y, x + 2 + (int)i * 3, "[%c]", mp->cell[i]);
		else
			mvaddch(y, x + 2 + (int)i, (chtype)mp->cell[i]);
		attroff(attr);
	}
	if (i < mp->pages) {
		snprintf(more, sizeof(more), " +%ld pages", mp->pages - i);
		mvaddnstr(y, x + 2 + (int)i * step, more,
			  w - 2 - (int)i * step);
	}
}

static void
draw_maps(struct tui_app *app, int y, int h, int w)
{
	const struct tui_mem *mm = &app->model->mem;
	char buf[256];
	int rows = (h - 2) / 2, first;

	snprintf(buf, sizeof(buf), "memory mappings (%d)", mm->nmaps);
	crt_title(y, 0, w, buf, app->pane == P_MAPS);
	crt_text(y + 1, 0, w, crt_attr(CRT_DIM), " . not resident  r resident  "
		 "S written shared  P private copy  ? unknown  - gone");
	first = view_rows(app, P_MAPS, mm->nmaps, rows, 0);
	for (int i = first; i < mm->nmaps && i - first < rows; i++) {
		const struct tui_map *mp = &mm->maps[i];
		int line = y + 2 + 2 * (i - first);
		int attr = mp->unmapped ? crt_attr(CRT_DIM) : (int)A_BOLD;

		map_head(mp, buf, sizeof(buf));
		crt_text(line, 0, w, view_row_attr(app, P_MAPS, i, attr), buf);
		map_cells(mp, line + 1, 0, w);
	}
	if (mm->nmaps == 0)
		crt_text(y + 2, 0, w, crt_attr(CRT_DIM), " (no mmap yet: step "
			 "on, or run `ipc mmap share` or `ipc mmap map FILE`)");
}

static void
draw(struct tui_app *app, int rows, int cols)
{
	int top = (rows - 2) * 2 / 5, explain = 5;
	int log_y = 1 + top, log_h = rows - 2 - top - explain;

	view_top(app, cols);
	draw_maps(app, 1, top, cols);
	view_log(app, log_y, log_h, cols, app->pane == P_LOG);
	view_explain(app, log_y + log_h, explain, cols);
	view_status(app, rows, cols);
}

const struct tui_view view_mmap = {
	.name = "mmap",
	.panes = 2,
	.draw = draw,
};
