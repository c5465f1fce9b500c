/*
 * start.c - `ipc tutorial [start] NAME`: a lesson at a prompt.
 *
 * The lesson's text and the current step are shown; the learner types
 * commands, which run through their own shell (run.c), and after each
 * one the step's check runs, silently, unless the lesson marks it
 * manual.  When it passes, the step is done and the next one is shown.
 * On a terminal the prompt is readline (cmd/rl.h); otherwise the lines
 * come from stdin, one command each, so a script can drive a lesson.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "num.h"
#include "rl.h"
#include "sys.h"
#include "tutorial.h"

static struct {
	const char *step;
	int json;
	int verify;
} o;

static const struct opt start_opts[] = {
	OPT_STR('s', "step", &o.step, "N", "go to step N of the lesson"),
	OPT_FLAG(0, "verify", &o.verify,
		 "prove the lessons (or NAME) still work, as 'ipc tutorial "
		 "verify'"),
	OPT_FLAG(0, "json", &o.json,
		 "without NAME: list the lessons as JSON Lines"),
	OPT_STOP
};

/* The prompt's own commands; the rest of a line goes to the shell. */
static const char *const prompt_words[] = {
	"next", "back", "check", "hint", "solution", "show", "list", "help",
	"quit", NULL,
};

struct session {
	const struct cli *cli;
	struct lesson *l;
	int step;		/* the current step, from 1 */
	json_t *progress;
	struct tut_env env;
	const char *shell;
	int prompt;		/* reading with readline */
};

/* Print text line by line, each non-blank one indented by ind. */
static void
put_block(const char *text, const char *ind)
{
	const char *s = text, *nl;
	int n;

	while (*s == '\n')
		s++;
	while (*s) {
		nl = strchr(s, '\n');
		n = nl ? (int)(nl - s) : (int)strlen(s);
		printf("%s%.*s\n", n ? ind : "", n, s);
		s += n + (nl != NULL);
	}
}

/* Bold on a terminal, plain elsewhere (out_c: never with NO_COLOR). */
static void
heading(const char *fmt, const char *a, const char *b)
{
	printf("%s", out_c(STDOUT_FILENO, "\033[1m"));
	printf(fmt, a, b);
	printf("%s\n", out_c(STDOUT_FILENO, "\033[0m"));
}

static void
show_step(struct session *s)
{
	struct lesson_step *st = &s->l->steps[s->step - 1];
	char n[32];

	snprintf(n, sizeof(n), "%d of %d", s->step, s->l->nsteps);
	printf("\n");
	heading("Step %s: %s", n, st->title);
	if (tut_progress_is_done(s->progress, s->l->name, s->step))
		printf("(done already)\n");
	printf("\n");
	put_block(st->text, "");
	if (st->python != NULL) {
		printf("\nThe Python 3 this step mirrors:\n\n");
		put_block(st->python, "    ");
	}
	if (st->manual)
		printf("\nType 'check' when you have done it.\n");
	fflush(stdout);
}

static void
save(struct session *s)
{
	if (tut_progress_set_step(s->progress, s->l->name, s->step) < 0 ||
	    tut_progress_save(s->progress) < 0)
		out_warn(s->cli->prog, "progress.json: %s", strerror(errno));
}

/* Go to step n and show it. */
static void
go(struct session *s, int n)
{
	s->step = n;
	save(s);
	show_step(s);
}

/* The current step passed: say so, record it and go on. */
static void
passed(struct session *s)
{
	int n = s->step, done;

	printf("\n%sstep %d done: %s%s\n", out_c(STDOUT_FILENO, "\033[32m"), n,
	       s->l->steps[n - 1].title, out_c(STDOUT_FILENO, "\033[0m"));
	if (tut_progress_mark(s->progress, s->l->name, n) < 0)
		out_warn(s->cli->prog, "progress: %s", strerror(errno));
	if (n < s->l->nsteps) {
		go(s, n + 1);
		return;
	}
	save(s);
	done = tut_progress_count(s->progress, s->l->name);
	printf("\nlesson %s finished", s->l->name);
	if (done < s->l->nsteps)
		printf(" (%d of %d steps done: 'list' shows which)", done,
		       s->l->nsteps);
	printf(".\n'quit' leaves; 'ipc tutorial' lists the other lessons.\n");
	fflush(stdout);
}

/*
 * Run the check.  Returns 1 when it passed (and moves on).  With loud,
 * a failure says what the check printed: the goal, not the answer.
 */
static int
check(struct session *s, int loud)
{
	char msg[2048];
	size_t n;
	int rc = tut_check(&s->env, s->l->steps[s->step - 1].check, msg,
			   sizeof(msg));

	if (rc < 0) {
		out_warn(s->cli->prog, "the check did not run: %s",
			 strerror(errno));
		return 0;
	}
	if (rc == 0) {
		passed(s);
		return 1;
	}
	if (!loud)
		return 0;
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	printf("not yet: %s\n", n ? msg : "the step is not done yet "
	       "('hint' helps)");
	fflush(stdout);
	return 0;
}

/* The steps, each marked done (x) or not, the current one with '>'. */
static void
list_steps(struct session *s)
{
	printf("%s: %s\n", s->l->name, s->l->title);
	for (int i = 1; i <= s->l->nsteps; i++)
		printf("%s [%c] %2d %s\n", i == s->step ? ">" : " ",
		       tut_progress_is_done(s->progress, s->l->name, i) ?
		       'x' : ' ', i, s->l->steps[i - 1].title);
}

static void
help(void)
{
	printf("next, back      the next step, or the one before\n"
	       "check           is this step done?  If not, what is missing\n"
	       "hint, solution  a nudge, or what to type\n"
	       "show, list      this step again, or the steps, done or not\n"
	       "quit            leave (Ctrl-D too); your progress is kept\n"
	       "Anything else runs in your shell, in the lesson's "
	       "directory.\n");
}

/* Run a line through the learner's shell, then the automatic check. */
static void
command(struct session *s, char *line)
{
	char *argv[] = { (char *)s->shell, "-c", line, NULL };
	struct lesson_step *st = &s->l->steps[s->step - 1];

	tut_show_pending(&s->env);
	if (tut_run(&s->env, argv, 0) < 0) {
		out_warn(s->cli->prog, "%s: %s", s->shell, strerror(errno));
		return;
	}
	/* Mid-way through a step, a failing check is no news. */
	if (!st->manual &&
	    !tut_progress_is_done(s->progress, s->l->name, s->step))
		check(s, 0);
}

/*
 * One line from the learner.  Returns 0 to go on, 1 to leave.
 */
static int
dispatch(struct session *s, char *line)
{
	struct lesson_step *st = &s->l->steps[s->step - 1];
	char *w = line + strspn(line, " \t"), *end;

	end = w + strlen(w);
	while (end > w && (end[-1] == ' ' || end[-1] == '\t' ||
			   end[-1] == '\r'))
		*--end = '\0';
	if (*w == '\0')
		return 0;
	if (strcmp(w, "quit") == 0)
		return 1;
	if (strcmp(w, "next") == 0) {
		if (s->step < s->l->nsteps)
			go(s, s->step + 1);
		else
			printf("this is the last step\n");
	} else if (strcmp(w, "back") == 0) {
		if (s->step > 1)
			go(s, s->step - 1);
		else
			printf("this is the first step\n");
	} else if (strcmp(w, "check") == 0)
		check(s, 1);
	else if (strcmp(w, "hint") == 0) {
		printf("hint:\n");
		put_block(st->hint, "  ");
	} else if (strcmp(w, "solution") == 0) {
		printf("solution:\n");
		put_block(st->solution, "  ");
	} else if (strcmp(w, "show") == 0)
		show_step(s);
	else if (strcmp(w, "list") == 0)
		list_steps(s);
	else if (strcmp(w, "help") == 0)
		help();
	else
		command(s, w);
	fflush(stdout);
	return 0;
}

/* A line from readline or from stdin, without its newline; NULL at EOF. */
static char *
read_line(struct session *s)
{
	char prompt[128], *line = NULL;
	size_t cap = 0;
	ssize_t n;

	/* What commands left in the background wrote meanwhile. */
	tut_show_pending(&s->env);
	if (s->prompt) {
		snprintf(prompt, sizeof(prompt), "%s %d/%d> ", s->l->name,
			 s->step, s->l->nsteps);
		return rl_line(prompt);
	}
	/* SIGINT's handler has SA_RESTART: read(2) goes on after it. */
	if ((n = getline(&line, &cap, stdin)) < 0) {
		free(line);
		return NULL;
	}
	if (n > 0 && line[n - 1] == '\n')
		line[n - 1] = '\0';
	return line;
}

/* SIGINT at the prompt clears the line (readline) and nothing else. */
static void
on_sigint(int sig)
{
}

/* The session's commands, for on_hangup. */
static struct tut_env *live_env;

/*
 * The terminal hung up, or we were told to end: end what the commands
 * left running, as `quit` does, then die of the same signal.  kill(2) and
 * raise(3) are async-signal-safe; see signal-safety(7).
 */
static void
on_hangup(int sig)
{
	for (int i = 0; live_env && i < live_env->ngroups; i++)
		kill(-live_env->groups[i], SIGTERM);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* The signals the session takes for itself, as a shell does. */
static void
session_signals(struct tut_env *env)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct sigaction intr = { .sa_handler = on_sigint,
				  .sa_flags = SA_RESTART };
	struct sigaction hup = { .sa_handler = on_hangup };

	/* Taking the terminal back from a command raises SIGTTOU. */
	sys_sigaction(SIGTTOU, &ign, NULL);
	sys_sigaction(SIGINT, &intr, NULL);
	live_env = env;
	sys_sigaction(SIGHUP, &hup, NULL);
	sys_sigaction(SIGTERM, &hup, NULL);
}

/* Open the lesson's directory, its session trace and the output file. */
static int
open_session(struct session *s)
{
	char dir[4096], trace[4096], sub[512];
	const char *what;
	int tty;

	snprintf(sub, sizeof(sub), "lessons/%s", s->l->name);
	if (tut_state_path(dir, sizeof(dir), sub) < 0)
		return fail(s->cli, "XDG_STATE_HOME", errno,
			    "set HOME or XDG_STATE_HOME");
	snprintf(sub, sizeof(sub), "lessons/%s.trace.jsonl", s->l->name);
	if (tut_state_path(trace, sizeof(trace), sub) < 0)
		return fail(s->cli, "XDG_STATE_HOME", errno, NULL);
	/* A terminal we may hand to commands: ours, and we in front. */
	tty = s->prompt && tcgetpgrp(STDIN_FILENO) == getpgrp() ?
	      STDIN_FILENO : -1;
	if (tut_env_open(&s->env, dir, trace, 1, tty, &what) < 0)
		return fail(s->cli, what, errno, NULL);
	return 0;
}

static int
session(const struct cli *cli, struct lesson *l, int step_opt)
{
	struct session s = { .cli = cli, .l = l };
	int rc, fresh;
	char *line;

	s.env.trace_fd = s.env.out_fd = -1;
	s.shell = getenv("SHELL");
	if (s.shell == NULL || s.shell[0] == '\0')
		s.shell = "/bin/sh";
	s.prompt = isatty(STDIN_FILENO);
	if ((s.progress = tut_progress_load(cli)) == NULL)
		return fail(cli, NULL, ENOMEM, NULL);
	if ((rc = open_session(&s)) != 0) {
		tut_env_close(&s.env);
		json_decref(s.progress);
		return rc;
	}
	s.step = step_opt ? step_opt : tut_progress_step(s.progress, l->name);
	if (s.step > l->nsteps)
		s.step = l->nsteps;
	/* Never begun: no step done, none stored to go on from. */
	fresh = tut_progress_count(s.progress, l->name) == 0 &&
		tut_progress_step(s.progress, l->name) == 1;
	session_signals(&s.env);
	if (s.prompt && rl_setup(prompt_words, 1) < 0)
		s.prompt = 0;

	heading("Lesson %s: %s", l->name, l->title);
	if (fresh && l->intro[0]) {
		printf("\n");
		put_block(l->intro, "");
	} else if (!fresh && !step_opt)
		printf("Going on at step %d of %d.\n", s.step, l->nsteps);
	printf("\nYour commands run in %s.\n'help' lists the tutorial's "
	       "own commands.\n", s.env.dir);
	go(&s, s.step);
	while ((line = read_line(&s)) != NULL) {
		rc = dispatch(&s, line);
		free(line);
		if (rc)
			break;
	}
	if (s.prompt)
		rl_teardown();
	save(&s);
	/* Whatever the learner left running ends with the session. */
	tut_env_close(&s.env);
	live_env = NULL;
	printf("\nProgress saved: 'ipc tutorial %s' goes on from step %d.\n",
	       l->name, s.step);
	json_decref(s.progress);
	return 0;
}

static int
run_start(struct cli *cli)
{
	struct tut_lessons *ls;
	struct lesson *l;
	long step = 0;
	int rc;

	if (o.verify) {
		if (o.step || o.json)
			return usage_error(cli, "--verify goes alone");
		return tut_verify(cli, cli->argc ? cli->argv[0] : NULL);
	}
	if (cli->argc == 0) {
		if (o.step)
			return usage_error(cli, "--step needs a lesson NAME");
		return tut_list(cli, o.json);
	}
	if (o.json)
		return usage_error(cli, "--json lists the lessons; it takes "
				   "no NAME");
	if ((ls = tut_lessons_open(cli, cli->argv[0], &rc)) == NULL)
		return rc;
	l = tut_lesson_find(ls, cli->argv[0]);
	if (o.step != NULL &&
	    (step = num_decimal(o.step, 1, l->nsteps)) < 0) {
		rc = usage_error(cli, "--step: lesson %s has steps 1 to %d",
				 l->name, l->nsteps);
		goto out;
	}
	rc = session(cli, l, (int)step);
out:
	tut_lessons_close(ls);
	return rc;
}

const struct verb tutorial_start_verb = {
	.name = "start",
	.summary = "start a lesson, or go on where you left it",
	.usage = "[NAME]",
	.description =
		"Shows the lesson's current step and waits at a prompt.  "
		"What you type runs through your shell ($SHELL -c LINE) in "
		"the lesson's directory, "
		"${XDG_STATE_HOME:-~/.local/state}/ipc/lessons/NAME/, with "
		"this ipc first on PATH and every ipc command tracing into "
		"the session trace ($IPC_SESSION_TRACE).  After each command "
		"the step's check runs; when it passes, the step is done and "
		"the next one comes.  The prompt's own commands: next, back, "
		"check (run the check and say what is missing), hint, "
		"solution, show (the step again), list (the steps, done or "
		"not), help and quit (or Ctrl-D).  quit sends SIGTERM to "
		"what your commands left running.\n\n"
		"On a terminal the prompt is readline, with history and "
		"completion; otherwise commands are read from stdin, one a "
		"line, and no prompt is printed.  Progress is kept in "
		"${XDG_STATE_HOME:-~/.local/state}/ipc/progress.json.  "
		"Without NAME, lists the lessons (as 'ipc tutorial list').",
	.examples = (const char *const[]){
		"ipc tutorial sockets\tstart the sockets lesson, or go on",
		"ipc tutorial sockets --step 3\tgo to its third step",
		"ipc tutorial\tlist the lessons and your progress",
		"ipc tutorial --verify\tprove that every lesson works",
		"printf 'hint\\nquit\\n' | ipc tutorial sockets\t"
		"drive a lesson from a script",
		NULL },
	.opts = start_opts,
	.min_args = 0, .max_args = 1,
	.run = run_start,
};
