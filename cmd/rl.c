/*
 * rl.c - the readline prompt of `ipc shell` and `ipc tutorial`: history on
 * disk, completion from the command table, and Ctrl-C that clears the line.
 *
 * Readline is driven through its callback interface (see "Alternate
 * Interface" in readline(3)): we wait for the terminal with ppoll(2) and
 * hand readline one character at a time.  That way signals are ours to
 * handle: SIGINT, SIGWINCH, SIGTERM and SIGHUP stay blocked except inside
 * ppoll, which unblocks them atomically, so none can slip in between a
 * check of the flags and the wait (the race pselect(2) describes).
 *
 * What a word may complete to is decided in lib/cmdline.c, which does not
 * know readline; here it is only handed over.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "cmdline.h"
#include "ipc.h"
#include "rl.h"
#include "sys.h"

#define HISTORY_LINES	1000		/* lines kept in the history file */
#define PLAIN_LINE_MAX	(64 * 1024)	/* longest line read from a non-tty */

static struct {
	int tty;			/* stdin is a terminal: readline is on */
	struct cmdline_prompt prompt;	/* what completion reads */
	struct cmdline_matches matches;	/* the last completion's candidates */
	size_t next_match;
	char history[PATH_MAX];		/* the history file, or "" */
	int added;			/* lines added to the history this session */
	char *line;			/* what the line handler got */
	int done;			/* the line handler ran */
} rl;

/* Set by the signal handler, read with the signals blocked. */
static volatile sig_atomic_t got_int, got_winch, got_term;

/* --- completion ---------------------------------------------------------- */

/* readline's generator: the next candidate (malloc'd), or NULL. */
static char *
next_candidate(const char *text, int state)
{
	(void)text;
	if (state == 0)
		rl.next_match = 0;
	if (rl.next_match < rl.matches.n)
		return strdup(rl.matches.v[rl.next_match++]);
	return NULL;
}

/*
 * rl_attempted_completion_function: the candidates for the word that
 * ends at `end`, or NULL.  With rl_attempted_completion_over left at 0,
 * NULL makes readline complete file names itself.
 */
static char **
attempt_completion(const char *text, int start, int end)
{
	(void)start;
	cmdline_matches_free(&rl.matches);
	rl_attempted_completion_over = 1;
	if (cmdline_complete(&rl.prompt, rl_line_buffer, (size_t)end,
			     &rl.matches) < 0)
		return NULL;
	if (rl.matches.files) {
		rl_attempted_completion_over = 0;
		return NULL;
	}
	return rl_completion_matches(text, next_candidate);
}

/* --- history ------------------------------------------------------------- */

/* mkdir -p with mode 0700 for what is missing; see mkdir(2). */
static int
make_dirs(char *path)
{
	for (char *s = path + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		int rc, err;

		*s = '\0';
		rc = sys_mkdir(path, 0700);
		err = errno;
		*s = c;
		if (rc < 0 && err != EEXIST) {
			errno = err;
			return -1;
		}
		if (c == '\0')
			return 0;
	}
}

/*
 * ${XDG_STATE_HOME:-~/.local/state}/ipc/history into rl.history, its
 * directory made.  A relative XDG_STATE_HOME is ignored, as the XDG Base
 * Directory specification says.  Returns 0, or -1 when there is no
 * usable place (then history stays in memory).
 */
static int
history_path(void)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char dir[PATH_MAX];
	int n;

	if (state != NULL && state[0] == '/')
		n = snprintf(dir, sizeof(dir), "%s/ipc", state);
	else if (home != NULL && home[0] == '/')
		n = snprintf(dir, sizeof(dir), "%s/.local/state/ipc", home);
	else
		return -1;
	if (n < 0 || (size_t)n >= sizeof(dir) || make_dirs(dir) < 0)
		return -1;
	n = snprintf(rl.history, sizeof(rl.history), "%s/history", dir);
	if (n < 0 || (size_t)n >= sizeof(rl.history)) {
		rl.history[0] = '\0';
		return -1;
	}
	return 0;
}

int
rl_setup(const char *const *extra, int after_ipc)
{
	/* The word breaks readline uses; only blanks, so that "--trace=j"
	 * is one word (readline wants a writable string). */
	static char breaks[] = " \t\n";

	rl.prompt = (struct cmdline_prompt){
		.applets = cli_applets,
		.builtins = &ipc_builtins,
		.extra = extra,
		.after_ipc = after_ipc,
	};
	rl.tty = isatty(STDIN_FILENO);
	if (!rl.tty)
		return 0;
	rl_readline_name = "ipc";	/* `$if ipc` in ~/.inputrc */
	rl_attempted_completion_function = attempt_completion;
	rl_completer_word_break_characters = breaks;
	rl_completer_quote_characters = "'\"";
	/* Our own handlers run around ppoll; readline's would fight them. */
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	using_history();
	stifle_history(HISTORY_LINES);
	/* A missing history file (the first session) is fine. */
	if (history_path() == 0)
		read_history(rl.history);
	rl.added = 0;
	return 0;
}

void
rl_teardown(void)
{
	cmdline_matches_free(&rl.matches);
	if (!rl.tty)
		return;
	if (rl.history[0] != '\0' && rl.added > 0) {
		int n = rl.added < history_length ? rl.added : history_length;

		/*
		 * Append only this session's lines, so that two shells do not
		 * overwrite each other, then cut the file to the newest lines.
		 * append_history() does not create the file: write it whole.
		 */
		if (append_history(n, rl.history) != 0)
			write_history(rl.history);
		history_truncate_file(rl.history, HISTORY_LINES);
	}
	clear_history();
	rl.added = 0;
}

/* Add line to the history unless it is blank or repeats the last one. */
static void
remember(const char *line)
{
	HIST_ENTRY *last = history_length > 0 ?
		history_get(history_base + history_length - 1) : NULL;

	if (line[strspn(line, " \t")] == '\0')
		return;
	if (last != NULL && strcmp(last->line, line) == 0)
		return;
	add_history(line);
	rl.added++;
}

/* --- reading a line ------------------------------------------------------ */

static void
on_signal(int sig)
{
	if (sig == SIGINT)
		got_int = 1;
	else if (sig == SIGWINCH)
		got_winch = 1;
	else
		got_term = sig;
}

/* The line handler: called by readline with the line, or NULL at EOF. */
static void
on_line(char *line)
{
	rl.line = line;
	rl.done = 1;
	/* Removed here, or readline would print the prompt again at once. */
	rl_callback_handler_remove();
}

/* Ctrl-C at the prompt: show ^C, drop what was typed, prompt again. */
static void
clear_line(void)
{
	rl_free_line_state();
	rl_callback_sigcleanup();
	rl_point = rl_end;
	rl_redisplay();
	fputs("^C", rl_outstream);
	rl_crlf();
	rl_replace_line("", 0);
	rl_on_new_line();
	rl_redisplay();
}

static const int prompt_signals[] = { SIGINT, SIGWINCH, SIGTERM, SIGHUP };
#define NSIGNALS (sizeof(prompt_signals) / sizeof(prompt_signals[0]))

/*
 * Handle the prompt's signals and block them; the old dispositions go in
 * old[] and the old mask in *oldmask.  A signal ignored already (nohup)
 * stays ignored.
 */
static void
catch_signals(struct sigaction *old, sigset_t *oldmask)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block;

	sigemptyset(&block);
	for (size_t i = 0; i < NSIGNALS; i++)
		sigaddset(&block, prompt_signals[i]);
	sys_sigprocmask(SIG_BLOCK, &block, oldmask);
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NSIGNALS; i++) {
		sys_sigaction(prompt_signals[i], NULL, &old[i]);
		if (old[i].sa_handler != SIG_IGN)
			sys_sigaction(prompt_signals[i], &sa, NULL);
	}
}

static void
restore_signals(const struct sigaction *old, const sigset_t *oldmask)
{
	for (size_t i = 0; i < NSIGNALS; i++)
		sys_sigaction(prompt_signals[i], &old[i], NULL);
	sys_sigprocmask(SIG_SETMASK, oldmask, NULL);
}

/* One line from the terminal through readline, or NULL at EOF. */
static char *
read_tty(const char *prompt)
{
	struct sigaction old[NSIGNALS];
	sigset_t oldmask;
	int sig = 0;

	catch_signals(old, &oldmask);
	got_int = got_winch = got_term = 0;
	rl.line = NULL;
	rl.done = 0;
	rl_callback_handler_install(prompt, on_line);
	while (!rl.done) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };

		if (sys_ppoll(&pfd, 1, NULL, &oldmask) < 0 && errno != EINTR) {
			rl_callback_handler_remove();
			break;
		}
		if (got_term) {
			sig = got_term;
			rl_callback_sigcleanup();
			rl_callback_handler_remove();
			break;
		}
		if (got_winch)
			rl_resize_terminal();
		if (got_int)
			clear_line();
		got_int = got_winch = 0;
		if (pfd.revents != 0)
			rl_callback_read_char();
	}
	restore_signals(old, &oldmask);
	if (sig != 0) {
		/* The terminal is restored: now die of it, as asked. */
		sys_kill(getpid(), sig);
		free(rl.line);
		return NULL;
	}
	if (rl.line != NULL)
		remember(rl.line);
	return rl.line;
}

/*
 * One line from a pipe or file.  Byte by byte, like sh(1): a command run
 * after this line may read stdin too, and must find the next line there,
 * not in our buffer.
 */
static char *
read_plain(void)
{
	size_t len = 0, cap = 128;
	char *buf = malloc(cap), ch;
	int too_long = 0;
	ssize_t n;

	if (buf == NULL)
		return NULL;
	while ((n = sys_read(STDIN_FILENO, &ch, 1)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || ch == '\n')
			break;
		if (len == PLAIN_LINE_MAX) {
			too_long = 1;
			continue;
		}
		if (len + 1 == cap) {
			char *p = realloc(buf, cap * 2);

			if (p == NULL) {
				free(buf);
				return NULL;
			}
			buf = p;
			cap *= 2;
		}
		buf[len++] = ch;
	}
	if (len == 0 && n <= 0) {
		free(buf);
		return NULL;
	}
	if (too_long) {
		out_errorf("ipc", "a line longer than %d bytes was ignored",
			   PLAIN_LINE_MAX);
		len = 0;
	}
	buf[len] = '\0';
	return buf;
}

char *
rl_line(const char *prompt)
{
	return rl.tty ? read_tty(prompt) : read_plain();
}
