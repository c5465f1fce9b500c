/*
 * crt.c - the one module that owns the terminal (compare htop's CRT.c).
 *
 * crt_init() takes it with curses; crt_done() gives it back, on quit and
 * on every error path.  SIGINT and SIGTERM only set a flag: poll(2) in the
 * input loop returns EINTR and the loop ends the ordinary way.  SIGSEGV and
 * SIGABRT cannot go on, so their handler restores the terminal with what
 * is async-signal-safe (tcsetattr(3) and write(2) of the terminal's own
 * reset strings, looked up before), then dies of the same signal.
 */
#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

#include "sys.h"
#include "tui.h"

#define MIN_COLS	80
#define MIN_ROWS	24

static int crt_active;
static int crt_color;
static struct termios crt_saved;
static char crt_reset[256];		/* rmcup, cnorm and sgr0 */
static size_t crt_reset_len;
static volatile sig_atomic_t crt_stop;

/* Append the terminfo capability cap to the reset string, if it has one. */
static void
reset_add(const char *cap)
{
	const char *s = tigetstr(cap);
	size_t n;

	if (s == NULL || s == (char *)-1)
		return;
	n = strlen(s);
	if (crt_reset_len + n < sizeof(crt_reset)) {
		memcpy(crt_reset + crt_reset_len, s, n);
		crt_reset_len += n;
	}
}

static void
on_stop(int sig)
{
	crt_stop = sig;
}

/*
 * A fatal signal.  Only async-signal-safe calls here (signal-safety(7)),
 * which is why this calls tcsetattr and write directly and not the traced
 * wrappers, which format and lock.
 */
static void
on_fatal(int sig)
{
	if (crt_active) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &crt_saved);
		if (write(STDOUT_FILENO, crt_reset, crt_reset_len) < 0)
			crt_active = 0;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* See sigaction(2).  No SA_RESTART: poll gets EINTR. */
void
crt_catch_stop(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sys_sigaction(SIGINT, &sa, NULL);
	sys_sigaction(SIGTERM, &sa, NULL);
}

/* Install the handlers; see sigaction(2). */
static void
crt_signals(void)
{
	struct sigaction sa;

	crt_catch_stop();
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_fatal;
	sa.sa_flags = SA_RESETHAND;
	sys_sigaction(SIGSEGV, &sa, NULL);
	sys_sigaction(SIGABRT, &sa, NULL);
}

int
crt_usable(void)
{
	const char *term = getenv("TERM");

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO) || term == NULL ||
	    term[0] == '\0' || strcmp(term, "dumb") == 0) {
		errno = ENOTTY;
		return -1;
	}
	return 0;
}

int
crt_init(void)
{
	if (crt_usable() < 0)
		return -1;
	/* ncursesw draws UTF-8 and line characters per the locale. */
	setlocale(LC_ALL, "");
	if (tcgetattr(STDIN_FILENO, &crt_saved) < 0)
		return -1;
	if (initscr() == NULL) {
		errno = ENOTTY;
		return -1;
	}
	crt_active = 1;
	reset_add("rmcup");
	reset_add("cnorm");
	reset_add("sgr0");
	crt_signals();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	/* Escape alone should not wait a second for a sequence; see ncurses(3X). */
	set_escdelay(25);
	curs_set(0);
	crt_color = getenv("NO_COLOR") == NULL && has_colors();
	if (crt_color) {
		start_color();
		use_default_colors();
		init_pair(1, COLOR_CYAN, -1);
		init_pair(2, COLOR_GREEN, -1);
		init_pair(3, COLOR_RED, -1);
		init_pair(4, COLOR_YELLOW, -1);
	}
	return 0;
}

void
crt_done(void)
{
	if (!crt_active)
		return;
	crt_active = 0;
	curs_set(1);
	endwin();
}

int
crt_stop_signal(void)
{
	return crt_stop;
}

/* Colour is never alone: every role also has bold, reverse or underline. */
int
crt_attr(enum crt_attr a)
{
	int c = crt_color;

	switch (a) {
	case CRT_TITLE:
		return A_REVERSE;
	case CRT_FOCUS:
		return A_BOLD | (c ? COLOR_PAIR(1) : A_UNDERLINE);
	case CRT_SELECT:
		return A_REVERSE | A_BOLD;
	case CRT_READY:
		return A_BOLD | (c ? COLOR_PAIR(2) : 0);
	case CRT_ERROR:
		return A_BOLD | (c ? COLOR_PAIR(3) : 0);
	case CRT_DIM:
		return c ? COLOR_PAIR(4) : A_DIM;
	default:
		return A_NORMAL;
	}
}

int
crt_too_small(void)
{
	return COLS < MIN_COLS || LINES < MIN_ROWS;
}

void
crt_text(int y, int x, int w, int attr, const char *s)
{
	if (w <= 0 || y < 0 || y >= LINES)
		return;
	attron(attr);
	mvhline(y, x, ' ', w);
	mvaddnstr(y, x, s, w);
	attroff(attr);
}

void
crt_title(int y, int x, int w, const char *name, int focused)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s %s ", focused ? ">>" : "--", name);
	attron(A_DIM);
	mvhline(y, x, ACS_HLINE, w);
	attroff(A_DIM);
	attron(focused ? crt_attr(CRT_FOCUS) : (int)A_BOLD);
	mvaddnstr(y, x, buf, w);
	attroff(focused ? crt_attr(CRT_FOCUS) : (int)A_BOLD);
}
