/*
 * keys.c - the one key table.  It drives the input (keys_dispatch) and it
 * is what the `?` overlay shows (keys_help), so the help cannot drift from
 * what the keys do.
 */
#include <curses.h>
#include <string.h>

#include "tui.h"

#define KEY_ESC		27
#define KEY_TAB		'\t'

struct key {
	int codes[3];		/* curses key codes; 0 ends the list */
	const char *label;	/* as the help shows it */
	const char *brief;	/* for the status bar's hint, or NULL */
	const char *help;
	void (*act)(struct tui_app *app);
};

static void step_iter(struct tui_app *a) { app_step(a, WANT_ITER); }
static void step_call(struct tui_app *a) { app_step(a, WANT_SYSCALL); }
static void back_iter(struct tui_app *a) { app_step_back(a, WANT_ITER); }
static void back_call(struct tui_app *a) { app_step_back(a, WANT_SYSCALL); }
static void up(struct tui_app *a) { app_move(a, -1); }
static void down(struct tui_app *a) { app_move(a, 1); }
static void page_up(struct tui_app *a) { app_move(a, -10); }
static void page_down(struct tui_app *a) { app_move(a, 10); }

static void
run(struct tui_app *a)
{
	a->running = 1;
	a->next_ms = 0;
}

static void
pause_(struct tui_app *a)
{
	a->running = 0;
}

static void
speed(struct tui_app *a, int delta)
{
	int s = a->speed + delta;

	a->speed = s < 0 ? 0 : s >= APP_SPEEDS ? APP_SPEEDS - 1 : s;
	snprintf(a->message, sizeof(a->message),
		 "run mode pauses %d ms between steps", app_delay_ms(a));
}

/* "+" is faster: a shorter pause. */
static void faster(struct tui_app *a) { speed(a, -1); }
static void slower(struct tui_app *a) { speed(a, 1); }

static void
next_view(struct tui_app *a)
{
	a->view = (a->view + 1) % tui_nviews;
	a->pane = 0;
	for (int i = 0; i < TUI_PANES; i++)
		a->row[i] = -1;
}

static void details(struct tui_app *a) { a->overlay = '\n'; }
static void help(struct tui_app *a) { a->overlay = '?'; }
static void quit(struct tui_app *a) { a->quit = 1; }

static void
prompt(struct tui_app *a, int kind, const char *initial)
{
	a->prompt = kind;
	snprintf(a->input, sizeof(a->input), "%s", initial);
}

static void search(struct tui_app *a) { prompt(a, '/', ""); }
static void write_(struct tui_app *a) { prompt(a, 'w', "ipc-tui.jsonl"); }

static const struct key keys[] = {
	{ { ' ', 'n' }, "space n", "step",
	  "step one loop iteration (one call "
	  "until the loop starts)", step_iter },
	{ { 's' }, "s", "call",
	  "step one system call", step_call },
	{ { 'b' }, "b", NULL,
	  "replay: back one iteration", back_iter },
	{ { 'B' }, "B", NULL,
	  "replay: back one system call", back_call },
	{ { 'r' }, "r", "run",
	  "run: step by itself at the chosen speed", run },
	{ { 'p' }, "p", "pause",
	  "pause run mode", pause_ },
	{ { '+', '=' }, "+", NULL,
	  "faster: a shorter pause between steps", faster },
	{ { '-' }, "-", NULL,
	  "slower: a longer pause between steps", slower },
	{ { KEY_TAB }, "tab", "pane",
	  "focus the next pane (>>): the arrows move in it",
	  app_next_pane },
	{ { KEY_UP, 'k' }, "up k", NULL,
	  "previous row of the focused pane (the log: event)", up },
	{ { KEY_DOWN, 'j' }, "down j", NULL,
	  "next row of the focused pane (the log: event)", down },
	{ { KEY_PPAGE }, "pgup", NULL,
	  "ten rows back in the focused pane", page_up },
	{ { KEY_NPAGE }, "pgdn", NULL,
	  "ten rows on in the focused pane", page_down },
	{ { '\n', '\r', KEY_ENTER }, "enter", NULL,
	  "details of the selected event",
	  details },
	{ { '/' }, "/", NULL,
	  "search the log", search },
	{ { 'v' }, "v", "view",
	  "switch view", next_view },
	{ { 'w' }, "w", NULL,
	  "write the trace so far to a file", write_ },
	{ { '?' }, "?", "help",
	  "this help", help },
	{ { 'q' }, "q", "quit",
	  "quit", quit },
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

/* A key at the prompt: edit the line; enter acts, escape cancels. */
static void
prompt_key(struct tui_app *a, int ch)
{
	size_t n = strlen(a->input);

	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		if (n > 0 && a->prompt == '/')
			app_search(a);
		else if (n > 0)
			app_write(a);
		a->prompt = 0;
	} else if (ch == KEY_ESC) {
		a->prompt = 0;
	} else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && n > 0) {
		a->input[n - 1] = '\0';
	} else if (ch >= 0x20 && ch < 0x7f && n + 1 < sizeof(a->input)) {
		a->input[n] = (char)ch;
		a->input[n + 1] = '\0';
	}
}

int
keys_dispatch(struct tui_app *app, int ch)
{
	if (ch == KEY_RESIZE)
		return 1;
	if (app->prompt) {
		prompt_key(app, ch);
		return 1;
	}
	if (app->overlay) {
		/* Any key closes an overlay; q still quits. */
		app->overlay = 0;
		app->quit = ch == 'q';
		return 1;
	}
	app->message[0] = '\0';
	for (size_t i = 0; i < NKEYS; i++)
		for (int j = 0; j < 3 && keys[i].codes[j] != 0; j++)
			if (keys[i].codes[j] == ch) {
				keys[i].act(app);
				return 1;
			}
	return 0;
}

void
keys_help(int rows, int cols)
{
	int w = 64, h = (int)NKEYS + 4;
	int y = (rows - h) / 2, x = (cols - w) / 2;
	char line[128];

	for (int i = 0; i < h; i++)
		crt_text(y + i, x, w, A_REVERSE, "");
	crt_text(y, x, w, crt_attr(CRT_TITLE) | A_BOLD, " Keys (any key closes)");
	for (size_t i = 0; i < NKEYS; i++) {
		snprintf(line, sizeof(line), "  %-8s %s", keys[i].label,
			 keys[i].help);
		crt_text(y + 2 + (int)i, x, w, A_REVERSE, line);
	}
}

/* The status bar's hint: the first name of each key with a brief. */
const char *
keys_hint(void)
{
	static char hint[160];
	size_t o = 0;

	if (hint[0] != '\0')
		return hint;
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].brief != NULL && o < sizeof(hint))
			o += (size_t)snprintf(hint + o, sizeof(hint) - o,
					      "%s%.*s %s", o ? "  " : "",
					      (int)strcspn(keys[i].label, " "),
					      keys[i].label, keys[i].brief);
	return hint;
}
