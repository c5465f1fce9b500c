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

#include "sys.h"
#include "tui.h"

#define SCENARIO_ARGS	12

struct scenario {
	const char *group;
	const char *what;
	const char *args[SCENARIO_ARGS];	/* after "ipc"; NULL ends */
};

static const struct scenario scenarios[] = {
	{ "loop", "call_soon: a callback prints Hello World and stops",
	  { "loop", "demo", "hello-soon" } },
	{ "loop", "call_later: a timer fires five times",
	  { "loop", "demo", "clock-later", "--interval", "0.5" } },
	{ "loop", "add_reader: wait for data on a socketpair",
	  { "loop", "demo", "watch-fd" } },
	{ "loop", "signals as callbacks (send SIGINT or SIGTERM)",
	  { "loop", "demo", "signals" } },
	{ "loop", "a protocol on a socketpair gets its data",
	  { "loop", "demo", "register-socket" } },
	{ "poll", "edge-triggered epoll: why readers must drain",
	  { "poll", "demo", "edge" } },
	{ "tls", "a whole TLS handshake through memory BIOs",
	  { "tls", "bio" } },
	{ "sig", "block, send, see it pending, unblock",
	  { "sig", "mask" } },
	{ "sig", "catch SIGUSR1 three times (kill -USR1 the pid)",
	  { "sig", "catch", "--count", "3", "--timeout", "120", "USR1" } },
	{ "spawn", "the pipe-buffer deadlock, caught, then fixed",
	  { "spawn", "deadlock" } },
	{ "spawn", "printf | sort, a pipeline without a shell",
	  { "spawn", "pipeline", "--", "printf", "b\\na\\n", "|", "sort" } },
	{ "mmap", "parent and child share one mapping",
	  { "mmap", "share" } },
};

#define NSCENARIOS	(sizeof(scenarios) / sizeof(scenarios[0]))

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

	erase();
	if (crt_too_small()) {
		crt_text(0, 0, COLS, crt_attr(CRT_ERROR), "terminal too small: "
			 "ipc tui needs 80x24");
		refresh();
		return;
	}
	crt_text(0, 0, COLS, crt_attr(CRT_TITLE), " ipc tui: pick a scenario "
		 "| up/down or j/k to choose, enter to run it paused, q to quit");
	for (size_t i = 0; i < NSCENARIOS; i++) {
		size_t o = 0;

		cmd[0] = '\0';
		for (int k = 0; scenarios[i].args[k] != NULL && k < 4; k++)
			o += (size_t)snprintf(cmd + o, sizeof(cmd) - o, "%s%s",
					      k ? " " : "", scenarios[i].args[k]);
		snprintf(buf, sizeof(buf), " %-6s %-24.24s %s",
			 scenarios[i].group, cmd, scenarios[i].what);
		crt_text(2 + (int)i, 0, COLS, i == sel ? crt_attr(CRT_SELECT) :
			 (int)A_NORMAL, buf);
	}
	crt_text(LINES - 2, 0, COLS, crt_attr(CRT_DIM), " Each runs as a "
		 "child with its trace on a socketpair; press space to step.");
	refresh();
}

int
pick_scenario(char ***argv)
{
	size_t sel = 0;
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	int ch;

	draw(sel);
	while (!crt_stop_signal()) {
		if (sys_poll(&p, 1, -1) < 0 && errno != EINTR)
			return -1;
		while ((ch = getch()) != ERR) {
			if (ch == 'q' || ch == 27)
				return 1;
			if ((ch == KEY_UP || ch == 'k') && sel > 0)
				sel--;
			if ((ch == KEY_DOWN || ch == 'j') && sel + 1 < NSCENARIOS)
				sel++;
			if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
				*argv = scenario_argv(sel);
				return 0;
			}
		}
		draw(sel);
	}
	return 1;
}
