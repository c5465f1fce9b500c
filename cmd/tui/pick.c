/*
 * pick.c - the scenario picker, what `ipc tui` alone opens (and what
 * `make demo` shows): one line per scenario, grouped by module.  Choosing
 * one runs `ipc ARGS...` as a child under the TUI, paused at its start.
 */
#include <curses.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "loop/loop_cmd.h"
#include "sys.h"
#include "tui.h"

#define SCENARIO_ARGS	12

struct scenario {
	const char *group;
	const char *what;
	const char *args[SCENARIO_ARGS];	/* after "ipc"; NULL ends */
	const char *view;	/* the view it opens in; NULL: the first */
};

/* The scenarios of the other applets; every loop demo follows them. */
static const struct scenario fixed[] = {
	{ "poll", "edge-triggered epoll: why readers must drain",
	  { "poll", "demo", "edge" }, NULL },
	{ "tls", "a whole TLS handshake through memory BIOs",
	  { "tls", "bio" }, "Sockets and TLS" },
	{ "sock", "an echo server and three clients it forks",
	  { "sock", "serve", "127.0.0.1:0", "--echo", "--clients", "3" },
	  "Sockets and TLS" },
	{ "sig", "block, send, see it pending, unblock",
	  { "sig", "mask" }, "Processes" },
	{ "sig", "catch SIGUSR1 three times (kill -USR1 the pid)",
	  { "sig", "catch", "--count", "3", "--timeout", "120", "USR1" },
	  "Processes" },
	{ "spawn", "the pipe-buffer deadlock, caught, then fixed",
	  { "spawn", "deadlock" }, "Processes" },
	{ "spawn", "printf | sort, a pipeline without a shell",
	  { "spawn", "pipeline", "--", "printf", "b\\na\\n", "|", "sort" },
	  "Processes" },
	{ "mmap", "parent and child share one mapping",
	  { "mmap", "share" }, "mmap" },
};

#define NFIXED		(sizeof(fixed) / sizeof(fixed[0]))
#define SCENARIOS_MAX	(NFIXED + 64)

/*
 * The list the picker shows: the fixed scenarios, then each demo of
 * `ipc loop demo --list`, in its order and with its summary, so a new
 * demo appears here without a word written twice.
 */
static struct scenario scenarios[SCENARIOS_MAX];
static size_t nscenarios;

static void
list_scenarios(void)
{
	const struct loop_demo *d;

	if (nscenarios > 0)
		return;
	for (size_t i = 0; i < NFIXED; i++)
		scenarios[nscenarios++] = fixed[i];
	for (size_t i = 0; nscenarios < SCENARIOS_MAX &&
	     (d = loop_demo_nth(i, NULL)) != NULL; i++)
		scenarios[nscenarios++] = (struct scenario){
			.group = "loop", .what = d->summary,
			.args = { "loop", "demo", d->name } };
}

/* The argv to run scenario i: this very binary, then the arguments. */
static char **
scenario_argv(size_t i)
{
	static char self[PATH_MAX];
	static char *argv[SCENARIO_ARGS + 2];
	ssize_t n = sys_readlink("/proc/self/exe", self, sizeof(self) - 1);
	size_t k;

	if (n <= 0)
		snprintf(self, sizeof(self), "ipc");
	else
		self[n] = '\0';
	argv[0] = self;
	for (k = 0; k < SCENARIO_ARGS && scenarios[i].args[k] != NULL; k++)
		argv[k + 1] = (char *)scenarios[i].args[k];
	argv[k + 1] = NULL;
	return argv;
}

static void
draw(size_t sel)
{
	char buf[192], cmd[96];
	size_t rows, first;

	erase();
	if (crt_too_small()) {
		crt_text(0, 0, COLS, crt_attr(CRT_ERROR), "terminal too small: "
			 "ipc tui needs 80x24");
		refresh();
		return;
	}
	crt_text(0, 0, COLS, crt_attr(CRT_TITLE), " ipc tui: pick a scenario "
		 "| up/down or j/k to choose, enter to run it paused, q to quit");
	/* Rows 2 to LINES - 3; the list scrolls to keep sel in sight. */
	rows = (size_t)LINES - 4;
	first = sel >= rows ? sel - rows + 1 : 0;
	for (size_t i = first; i < nscenarios && i < first + rows; i++) {
		size_t o = 0;

		cmd[0] = '\0';
		for (int k = 0; scenarios[i].args[k] != NULL && k < 4; k++)
			o += (size_t)snprintf(cmd + o, sizeof(cmd) - o, "%s%s",
					      k ? " " : "", scenarios[i].args[k]);
		snprintf(buf, sizeof(buf), " %-6s %-29.29s %s",
			 scenarios[i].group, cmd, scenarios[i].what);
		crt_text(2 + (int)(i - first), 0, COLS, i == sel ? crt_attr(CRT_SELECT) :
			 (int)A_NORMAL, buf);
	}
	crt_text(LINES - 2, 0, COLS, crt_attr(CRT_DIM), " Each runs as a "
		 "child with its trace on a socketpair; press space to step.");
	refresh();
}

/* The index of the view a scenario names, or 0 (the first, Loop). */
static int
scenario_view(size_t i)
{
	for (int v = 0; scenarios[i].view != NULL && v < tui_nviews; v++)
		if (strcmp(tui_views[v]->name, scenarios[i].view) == 0)
			return v;
	return 0;
}

int
pick_scenario(char ***argv, int *view)
{
	size_t sel = 0;
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	int ch;

	list_scenarios();
	draw(sel);
	while (!crt_stop_signal()) {
		if (sys_poll(&p, 1, -1) < 0 && errno != EINTR)
			return -1;
		while ((ch = getch()) != ERR) {
			if (ch == 'q' || ch == 27)
				return 1;
			if ((ch == KEY_UP || ch == 'k') && sel > 0)
				sel--;
			if ((ch == KEY_DOWN || ch == 'j') && sel + 1 < nscenarios)
				sel++;
			if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
				*argv = scenario_argv(sel);
				*view = scenario_view(sel);
				return 0;
			}
		}
		draw(sel);
	}
	return 1;
}
