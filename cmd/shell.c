/*
 * shell.c - `ipc shell`: a prompt where ipc commands are typed without the
 * `ipc` in front (`sock connect localhost 7000`), with completion from the
 * command table and history (cmd/rl.c).
 *
 * Each command runs as a child: fork(2), then execvp(3) of this very
 * program (/proc/self/exe) with argv ["ipc", words...], and waitpid(2).  A
 * command that fails prints its error and hint and exits; the shell says
 * the status and reads on.  On a terminal the child gets a process group
 * of its own and the terminal's foreground (setpgid(2), tcsetpgrp(3)), so
 * Ctrl-C goes to the command and not to the shell, the way job control
 * shells do it (see credentials(7), "Process groups", and the glibc
 * manual's "Implementing a Job Control Shell").
 *
 * A line is split into words like sh(1) splits them ('...', "..." and
 * backslash; see lib/cmdline.h) and nothing more: no globbing, no
 * $VARIABLES, no $(commands), no pipes or redirection.  `!CMD` hands CMD
 * to the real shell for those.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cmdline.h"
#include "ipc.h"
#include "rl.h"
#include "sigs.h"
#include "sys.h"
#include "trace.h"

/* The prompt's own commands, for completion (see rl_setup()). */
static const char *const shell_commands[] = {
	"help", "exit", "quit", "trace on|off", NULL
};

struct shell {
	struct cli cli;		/* ours, named "ipc shell" in messages */
	int tty;		/* stdin is a terminal: job control, prompt */
	int done;		/* exit or quit was typed */
	int status;		/* what the shell exits with */
};

/*
 * A line the shell cannot take: "ipc shell: MESSAGE" and a hint.  The
 * shell reads on.
 */
static void __attribute__((format(printf, 3, 4)))
bad_line(const struct shell *sh, const char *hint, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out_errorf(sh->cli.prog, "%s", msg);
	out_hint("%s", hint);
}

/* --- running a child ----------------------------------------------------- */

/*
 * Make pgid the terminal's foreground process group: tcsetpgrp(3) is this
 * ioctl (see ioctl_tty(2)).  Both the shell and the child do it, so that
 * neither depends on which runs first after fork; a failure leaves the
 * child in the background, where reading the terminal stops it.
 */
static void
give_terminal(pid_t pgid)
{
	(void)sys_ioctl(STDIN_FILENO, TIOCSPGRP, &pgid);
}

/* SIG_DFL or SIG_IGN for sig; see sigaction(2). */
static void
set_disposition(int sig, void (*handler)(int))
{
	struct sigaction sa = { .sa_handler = handler };

	sigemptyset(&sa.sa_mask);
	(void)sys_sigaction(sig, &sa, NULL);
}

/*
 * The child's side: its own group in the foreground, the signals the
 * shell ignores back to their defaults (an ignored signal stays ignored
 * across execve(2)), then the program.  Never returns.
 */
static void __attribute__((noreturn))
child(const struct shell *sh, const char *path, char **argv)
{
	static const int reset[] = { SIGINT, SIGQUIT, SIGTSTP, SIGTTIN,
				     SIGTTOU, SIGPIPE };

	if (sh->tty) {
		sys_setpgid(0, 0);
		give_terminal(getpid());
	}
	for (size_t i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
		set_disposition(reset[i], SIG_DFL);
	sys_execvp(path, argv);
	out_error(sh->cli.prog, path, errno);
	_exit(127);
}

/*
 * Say how a command ended, unless it succeeded: "[exit 69]".  After Ctrl-C
 * the terminal has echoed ^C on the command's last line: end that first.
 */
static void
report_status(const struct shell *sh, int st)
{
	char name[32];

	if (sh->tty && WIFSIGNALED(st) && WTERMSIG(st) == SIGINT)
		fputc('\n', stderr);
	if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
		fprintf(stderr, "[exit %d]\n", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		fprintf(stderr, "[killed by %s%s]\n",
			sigs_name(WTERMSIG(st), name, sizeof(name)),
			WCOREDUMP(st) ? ", core dumped" : "");
}

/*
 * Wait for the child.  A child stopped by Ctrl-Z would hold the terminal
 * for ever, since this shell has no `fg`: it is told so and continued.
 */
static int
wait_child(const struct shell *sh, pid_t pid, int *st)
{
	for (;;) {
		if (sys_waitpid(pid, st, WUNTRACED) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (!WIFSTOPPED(*st))
			return 0;
		fprintf(stderr, "\n%s: stopped; this shell has no job control, "
			"so it goes on (Ctrl-C ends it)\n", sh->cli.prog);
		sys_kill(-pid, SIGCONT);
	}
}

/* Run path with argv in the foreground and wait for it. */
static void
run(struct shell *sh, const char *path, char **argv)
{
	pid_t pid;
	int st;

	fflush(NULL);	/* or the child would write our buffers again */
	pid = sys_fork();
	if (pid < 0) {
		fail(&sh->cli, "fork", errno, NULL);
		return;
	}
	if (pid == 0)
		child(sh, path, argv);
	if (sh->tty) {
		sys_setpgid(pid, pid);
		give_terminal(pid);
	}
	if (wait_child(sh, pid, &st) < 0)
		fail(&sh->cli, "waitpid", errno, NULL);
	else
		report_status(sh, st);
	if (sh->tty)
		give_terminal(sys_getpgid(0));
}

/* An ipc command: argv ["ipc", words...] for this program. */
static void
run_ipc(struct shell *sh, int argc, char **words)
{
	char *argv[CMDLINE_WORDS + 2];

	argv[0] = "ipc";
	for (int i = 0; i < argc; i++)
		argv[i + 1] = words[i];
	argv[argc + 1] = NULL;
	run(sh, "/proc/self/exe", argv);
}

/* `!CMD`: CMD as the system shell reads it. */
static void
run_system(struct shell *sh, const char *cmd)
{
	const char *shell = getenv("SHELL");
	char *argv[4];

	if (cmd[strspn(cmd, " \t")] == '\0') {
		bad_line(sh, "!CMD runs CMD with $SHELL -c: !ls -l",
			 "'!' needs a command");
		return;
	}
	if (shell == NULL || shell[0] == '\0')
		shell = "/bin/sh";
	argv[0] = (char *)shell;
	argv[1] = "-c";
	argv[2] = (char *)cmd;
	argv[3] = NULL;
	run(sh, shell, argv);
}

/* --- the prompt's own commands ------------------------------------------- */

static void
shell_help(void)
{
	printf("Type ipc commands without 'ipc': sock connect localhost 7000\n"
	       "Shell commands:\n"
	       "  help [APPLET [VERB]]  this, then ipc's help (or an applet's)\n"
	       "  !CMD                  run CMD with $SHELL -c (or /bin/sh)\n"
	       "  trace [on|off]        trace every command's system calls, "
	       "or say if on\n"
	       "  exit [N], quit        leave (Ctrl-D too)\n"
	       "Words are split as sh splits them: '...', \"...\" and \\ quote."
	       "  There is no\nglobbing, no $VAR, no pipes or redirection: use "
	       "!CMD for those.\nTab completes applets, verbs and options.\n\n");
}

/*
 * `trace on|off`: IPC_TRACE in the environment the commands inherit, so
 * each one traces itself (see docs/trace.md).
 */
static void
trace_cmd(struct shell *sh, int argc, char **argv)
{
	const char *now = getenv("IPC_TRACE");

	if (argc == 1) {
		if (now != NULL && now[0] != '\0')
			printf("trace is on (IPC_TRACE=%s): each command shows "
			       "its system calls on stderr\n", now);
		else
			printf("trace is off; 'trace on' shows each command's "
			       "system calls\n");
	} else if (argc == 2 && strcmp(argv[1], "on") == 0)
		setenv("IPC_TRACE", "human", 1);
	else if (argc == 2 && strcmp(argv[1], "off") == 0)
		unsetenv("IPC_TRACE");
	else
		bad_line(sh, "'trace on' traces the commands that follow, "
			 "'trace off' stops, 'trace' says which",
			 "trace takes on or off, or nothing");
}

/* `exit [N]` and `quit`. */
static void
exit_cmd(struct shell *sh, int argc, char **argv)
{
	char *end;
	long n = 0;

	if (argc > 2) {
		bad_line(sh, "exit or exit N, with N from 0 to 255",
			 "%s takes at most a status", argv[0]);
		return;
	}
	if (argc == 2) {
		errno = 0;
		n = strtol(argv[1], &end, 10);
		if (errno || end == argv[1] || *end || n < 0 || n > 255) {
			bad_line(sh, "exit or exit N, with N from 0 to 255",
				 "%s: not a status from 0 to 255: '%s'",
				 argv[0], argv[1]);
			return;
		}
	}
	sh->status = (int)n;
	sh->done = 1;
}

/* One line: a shell command, `!CMD`, or an ipc command. */
static void
shell_line(struct shell *sh, const char *line)
{
	const char *start = line + strspn(line, " \t");
	struct cmdline c;
	const char *why;
	int argc;
	char **argv;

	if (start[0] == '!') {
		run_system(sh, start + 1);
		return;
	}
	if (cmdline_split(&c, line, 0, &why) < 0) {
		if (errno == ENOMEM)
			fail(&sh->cli, NULL, ENOMEM, NULL);
		else
			bad_line(sh, "the line was not run; quote with '...' or "
				 "\"...\", and end every quote", "%s", why);
		cmdline_free(&c);
		return;
	}
	argc = c.argc;
	argv = c.argv;
	/* `ipc sock ...` out of habit is `sock ...`. */
	if (argc > 1 && strcmp(argv[0], "ipc") == 0) {
		argc--;
		argv++;
	}
	if (argc == 0)
		;
	else if (strcmp(argv[0], "exit") == 0 || strcmp(argv[0], "quit") == 0)
		exit_cmd(sh, argc, argv);
	else if (strcmp(argv[0], "trace") == 0)
		trace_cmd(sh, argc, argv);
	else {
		if (strcmp(argv[0], "help") == 0 && argc == 1)
			shell_help();
		run_ipc(sh, argc, argv);
	}
	cmdline_free(&c);
}

/* --- the verb ------------------------------------------------------------ */

/*
 * On a terminal the shell itself ignores the job-control signals: Ctrl-\
 * and Ctrl-Z at the prompt do nothing, and SIGTTOU does not stop us when
 * we take the terminal back from a child (see tcsetpgrp(3)).  rl_line()
 * handles Ctrl-C at the prompt.
 */
static void
ignore_job_signals(void)
{
	set_disposition(SIGQUIT, SIG_IGN);
	set_disposition(SIGTSTP, SIG_IGN);
	set_disposition(SIGTTIN, SIG_IGN);
	set_disposition(SIGTTOU, SIG_IGN);
}

/*
 * Make our own process group the terminal's foreground one, as job-control
 * shells do at start.  Started by a parent that does no job control (sh -c,
 * a tmux pane), we would share its group, and Ctrl-C at our prompt would
 * interrupt the parent too.  Only when we are in the foreground already: a
 * shell started in the background must not grab the terminal.  Returns the
 * group to give the terminal back to at the end.  tcgetpgrp(3) is the
 * TIOCGPGRP ioctl.
 */
static pid_t
take_terminal(void)
{
	pid_t fg;

	if (sys_ioctl(STDIN_FILENO, TIOCGPGRP, &fg) < 0 ||
	    fg != sys_getpgid(0))
		return -1;
	if (fg != getpid() && sys_setpgid(0, 0) < 0)
		return -1;
	give_terminal(getpid());
	return fg;
}

static int
run_shell(struct cli *cli)
{
	struct shell sh = { .cli = *cli, .tty = isatty(STDIN_FILENO) };
	pid_t parent_group = -1;
	char *line;

	/*
	 * IPC_TRACE (or IPC_TRACE_TO) in the environment is for the commands,
	 * which inherit it; traced, the shell's own calls would draw over the
	 * prompt.  `ipc shell --trace` still traces the shell itself.
	 */
	if (trace_on && cli_common.trace == NULL && cli_common.trace_to == NULL)
		trace_close();
	sh.cli.prog = "ipc shell";
	if (rl_setup(shell_commands, 0) < 0)
		return fail(cli, "readline", errno, NULL);
	if (sh.tty) {
		ignore_job_signals();
		parent_group = take_terminal();
		printf("ipc shell: type ipc commands without 'ipc' (tab "
		       "completes); help, !CMD, trace on|off, exit\n");
	}
	while (!sh.done && (line = rl_line("ipc> ")) != NULL) {
		shell_line(&sh, line);
		free(line);
	}
	if (!sh.done && sh.tty)
		putchar('\n');	/* Ctrl-D: end the prompt's line */
	rl_teardown();
	if (parent_group > 0)
		give_terminal(parent_group);
	if (fflush(stdout) != 0)
		return fail(cli, "stdout", errno, NULL);
	return sh.status;
}

static const struct verb shell_start = {
	.name = "start",
	.summary = "read ipc commands at a prompt, typed without 'ipc'",
	.usage = "",
	.description =
		"Each line is an ipc command without the 'ipc' in front "
		"(sock connect localhost 7000), run as a child of the shell: a "
		"command that fails shows its error and hint and the shell "
		"reads on, saying [exit N].  Words are split as sh(1) splits "
		"them ('...', \"...\", backslash); there is no globbing, no "
		"$VAR and no pipes or redirection.\n\n"
		"Besides ipc commands: help [APPLET [VERB]]; !CMD runs CMD "
		"with $SHELL -c (or /bin/sh); trace on|off sets IPC_TRACE=human "
		"for the commands that follow, and trace alone says which; "
		"exit [N], quit and Ctrl-D leave.  Ctrl-C clears the line at "
		"the prompt and goes to the command while one runs.\n\n"
		"Tab completes applets, verbs, options and their values from "
		"the command table.  History is kept in "
		"${XDG_STATE_HOME:-~/.local/state}/ipc/history; the readline "
		"name is 'ipc' for $if in ~/.inputrc.  When stdin is not a "
		"terminal, lines are read from it without a prompt.",
	.examples = (const char *const[]){
		"ipc shell\tthen type: sock connect localhost 7000",
		"printf 'trace on\\nsock resolve localhost\\n' | ipc shell"
		"\tcommands from stdin, no prompt",
		NULL },
	.min_args = 0, .max_args = 0,
	.run = run_shell,
};

const struct applet shell_applet = {
	.name = "shell",
	.summary = "a prompt for ipc commands, with completion and history",
	.description =
		"ipc shell reads ipc commands at a readline prompt without "
		"the 'ipc' in front, and runs each as a child process.",
	.verbs = (const struct verb *const[]){ &shell_start, NULL },
	.default_verb = "start",
};
