/*
 * relay_term.c - line editing for the relay when stdin is a terminal: GNU
 * readline through its callback interface (rl_callback_handler_install,
 * then rl_callback_read_char whenever poll(2) says stdin is readable), so
 * the relay's one loop goes on printing what arrives while a line is half
 * typed.  History lives in ${XDG_STATE_HOME:-~/.local/state}/ipc/history.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "out.h"
#include "relay/relay.h"
#include "sys.h"

#define HISTORY_MAX	1000	/* lines kept in the history file */
#define PROMPT		"> "

/* readline's line callback takes no argument, so the session is here. */
static struct relay_term *current;

/* mkdir -p for the directories above path, each 0700; see mkdir(2). */
static int
make_parents(char *path)
{
	char *slash;

	for (slash = strchr(path + 1, '/'); slash != NULL;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (sys_mkdir(path, 0700) < 0 && errno != EEXIST) {
			*slash = '/';
			return -1;
		}
		*slash = '/';
	}
	return 0;
}

/* Find the history file, make its directory, load what it holds. */
static void
history_open(struct relay_term *t)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	size_t size = sizeof(t->hist_path);
	int n = -1;

	if (state != NULL && state[0] == '/')
		n = snprintf(t->hist_path, size, "%s/ipc/history", state);
	else if (home != NULL && home[0] == '/')
		n = snprintf(t->hist_path, size, "%s/.local/state/ipc/history",
			     home);
	if (n < 0 || (size_t)n >= size || make_parents(t->hist_path) < 0) {
		t->hist_path[0] = '\0';
		return;
	}
	using_history();
	stifle_history(HISTORY_MAX);
	/* ENOENT the first time; the file appears when a line is entered. */
	read_history(t->hist_path);
}

/* Add this session's lines to the file, keep it bounded, free the list. */
static void
history_close(struct relay_term *t)
{
	int err = 0;

	if (t->hist_path[0] != '\0' && t->hist_new > 0) {
		/* append_history(3) needs the file to exist already. */
		if (append_history(t->hist_new, t->hist_path) != 0)
			err = write_history(t->hist_path);
		if (err == 0)
			err = history_truncate_file(t->hist_path, HISTORY_MAX);
		if (err != 0)
			out_warn(t->prog, "history %s: %s", t->hist_path,
				 strerror(err));
	}
	clear_history();
}

static void
on_line(char *line)
{
	/* NULL is Ctrl-D on an empty line: the end of stdin. */
	if (line == NULL) {
		current->eof = 1;
		return;
	}
	if (*line != '\0') {
		add_history(line);
		current->hist_new++;
	}
	current->line = line;
	current->line_off = 0;
}

void
relay_term_start(struct relay_term *t, const char *prog)
{
	memset(t, 0, sizeof(*t));
	t->prog = prog;
	t->out_tty = isatty(STDOUT_FILENO);
	t->bol = 1;
	current = t;
	/* SIGINT and SIGTERM are the relay's (a self-pipe), not readline's. */
	rl_catch_signals = 0;
	rl_instream = stdin;
	/* The prompt and echo are messages: stderr; stdout stays data. */
	rl_outstream = stderr;
	history_open(t);
	rl_callback_handler_install(PROMPT, on_line);
	t->on = 1;
}

void
relay_term_read(struct relay_term *t)
{
	rl_callback_read_char();
}

void
relay_term_stop(struct relay_term *t)
{
	if (!t->on)
		return;
	/* Wipe the prompt and the half-typed line, then restore the tty. */
	rl_set_prompt("");
	rl_replace_line("", 0);
	rl_redisplay();
	rl_callback_handler_remove();
	history_close(t);
	t->on = 0;
}

void
relay_term_hide(struct relay_term *t)
{
	if (!t->on)
		return;
	t->saved_point = rl_point;
	t->saved_text = rl_copy_text(0, rl_end);
	rl_save_prompt();
	rl_replace_line("", 0);
	rl_redisplay();
}

void
relay_term_show(struct relay_term *t)
{
	if (!t->on)
		return;
	/* The prompt goes back on a line of its own. */
	if (t->out_tty && !t->bol &&
	    out_write_all(STDOUT_FILENO, "\n", 1) == 0)
		t->bol = 1;
	rl_restore_prompt();
	rl_replace_line(t->saved_text ? t->saved_text : "", 0);
	rl_point = t->saved_point;
	rl_redisplay();
	free(t->saved_text);
	t->saved_text = NULL;
}
