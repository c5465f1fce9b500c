/*
 * shell.c - `ipc spawn shell 'CMD'`: run a command line through /bin/sh -c,
 * as os.system() and subprocess's shell=True do, and show first what the
 * shell will make of the string: which characters it treats as code, why
 * pasting data into such a string is an injection, and the argv form that
 * needs no shell.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "spawn.h"

static struct {
	int dry_run;
	double timeout;
	const char *method;
} o;

static const struct opt shell_opts[] = {
	OPT_FLAG('n', "dry-run", &o.dry_run,
		 "explain what the shell would do, and do not run it"),
	OPT_SECS('t', "timeout", &o.timeout,
		 "kill the shell (SIGKILL) after S seconds and exit 75"),
	OPT_ONEOF('m', "method", &o.method, "HOW", SPAWN_METHODS,
		  "how to make the child (default: fork)"),
	OPT_STOP
};

/* The characters sh(1) gives a meaning to, and what it does with each. */
static const struct {
	char c;
	const char *what;
} specials[] = {
	{ ';', "ends one command and starts the next" },
	{ '\n', "ends a command, as ';' does" },
	{ '&', "runs a command in the background ('&&': and then)" },
	{ '|', "pipes one command into the next ('||': or else)" },
	{ '<', "reads a file into a command" },
	{ '>', "writes a command's output to a file, truncating it" },
	{ '(', "starts a subshell" },
	{ ')', "ends a subshell" },
	{ '$', "expands a variable, $(command) or $((arithmetic))" },
	{ '`', "runs a command and pastes its output in" },
	{ '*', "a glob: replaced by the matching file names" },
	{ '?', "a glob: replaced by the matching file names" },
	{ '[', "a glob: replaced by the matching file names" },
	{ '~', "replaced by a home directory" },
	{ '#', "starts a comment: the rest of the line is dropped" },
	{ '\'', "quotes: removed by the shell" },
	{ '"', "quotes: removed by the shell; $ and ` still work inside" },
	{ '\\', "quotes the next character: removed by the shell" },
};
#define NSPECIALS (sizeof(specials) / sizeof(specials[0]))

/*
 * What sh(1) would make of cmd, roughly: the words it splits it into
 * (quotes removed, nothing expanded) and which special characters it
 * meets outside single quotes.  See "Token Recognition" in sh(1p).
 */
struct parse {
	char *text;		/* the words, each NUL-terminated */
	char **words;
	size_t nwords;
	int seen[NSPECIALS];
};

static void
mark(struct parse *p, char c)
{
	for (size_t i = 0; i < NSPECIALS; i++)
		if (specials[i].c == c)
			p->seen[i] = 1;
}

/* Returns 0, or -1 with errno ENOMEM. */
static int
parse_words(const char *cmd, struct parse *p)
{
	size_t len = strlen(cmd), n = 0;
	char quote = 0, *start = NULL;

	memset(p, 0, sizeof(*p));
	p->text = malloc(len + 1);
	p->words = calloc(len / 2 + 2, sizeof(*p->words));
	if (p->text == NULL || p->words == NULL)
		return -1;
	for (const char *s = cmd; *s != '\0'; s++) {
		int blank = !quote && (*s == ' ' || *s == '\t' || *s == '\n');

		if (!quote || (quote == '"' && (*s == '$' || *s == '`')) ||
		    *s == quote)
			mark(p, *s);
		if (blank) {
			if (start != NULL)
				p->text[n++] = '\0';
			start = NULL;
			continue;
		}
		if (start == NULL)
			start = p->words[p->nwords++] = p->text + n;
		if (quote == 0 && (*s == '\'' || *s == '"')) {
			quote = *s;
		} else if (quote != 0 && *s == quote) {
			quote = 0;
		} else if (quote != '\'' && *s == '\\' && s[1] != '\0') {
			p->text[n++] = *++s;
		} else {
			p->text[n++] = *s;
		}
	}
	p->text[n] = '\0';
	return 0;
}

static void
parse_free(struct parse *p)
{
	free(p->text);
	free(p->words);
}

/* The explanation, on stderr: the string, its code, the risk, the argv. */
static int
explain(const struct cli *cli, const char *cmd)
{
	struct parse p;
	int any = 0;

	if (parse_words(cmd, &p) < 0) {
		parse_free(&p);
		return -1;
	}
	fprintf(stderr, "%s: /bin/sh -c ", cli->prog);
	spawn_put_quoted(stderr, cmd);
	fputs("\nthe shell reads this string as code, not as words:\n",
	      stderr);
	for (size_t i = 0; i < NSPECIALS; i++)
		if (p.seen[i]) {
			if (specials[i].c == '\n')
				fprintf(stderr, "  \\n   %s\n", specials[i].what);
			else
				fprintf(stderr, "  '%c'  %s\n", specials[i].c,
					specials[i].what);
			any = 1;
		}
	if (!any)
		fputs("  (no special characters: only blanks split it into "
		      "words)\n", stderr);
	fputs("injection: any data pasted into the string is code too.  "
	      "With FILE='x; rm -rf ~', the string \"cat $FILE\" becomes "
	      "'cat x; rm -rf ~': two commands, and the second deletes your "
	      "home directory.  Pass data as separate argv words instead, or "
	      "quote it (ipc spawn quote).\n", stderr);
	fprintf(stderr, "safe argv form (no shell: each word reaches the "
		"program as it is%s):\n  ipc spawn run --", any ?
		", and the characters above mean nothing" : "");
	for (size_t i = 0; i < p.nwords; i++) {
		fputc(' ', stderr);
		spawn_put_quoted(stderr, p.words[i]);
	}
	fputc('\n', stderr);
	parse_free(&p);
	return 0;
}

static int
run_shell(struct cli *cli)
{
	char *argv[] = { "/bin/sh", "-c", cli->argv[0], NULL };
	struct proc_spec spec = { .argv = argv, .fd = { -1, -1, -1 } };
	long long deadline = o.timeout > 0 ? clock_deadline(o.timeout) : -1;
	struct proc_child child = { 0 };
	const char *step;

	if (explain(cli, cli->argv[0]) < 0)
		return fail(cli, "explain", errno, NULL);
	if (o.dry_run)
		return 0;
	spec.method = spawn_method(o.method);
	fflush(stdout);
	fflush(stderr);
	child.pid = proc_spawn(&spec, &step);
	if (child.pid < 0)
		return spawn_failed(cli, argv[0], step, errno);
	return spawn_finish(cli, &child, 0, deadline, o.timeout, 0);
}

const struct verb spawn_shell_verb = {
	.name = "shell",
	.summary = "run a command line through /bin/sh -c, and see the risk",
	.usage = "'CMD'",
	.description =
		"Runs CMD the way os.system() and subprocess's shell=True do: "
		"as /bin/sh -c CMD, one string that the shell parses as "
		"code.  Before it runs, ipc shows on stderr which characters "
		"of the string the shell gives a meaning to, what shell "
		"injection is (data pasted into the string becomes code), "
		"and the safe argv form for 'ipc spawn run': the words the "
		"shell would split the string into, with its quotes removed "
		"and nothing expanded.\n\n"
		"Then it reports how the shell ended, as 'run' does, and "
		"exits with its status.  With --dry-run it only explains.",
	.examples = (const char *const[]){
		"ipc spawn shell 'echo $HOME | tr a-z A-Z'"
		"\tthe shell expands $HOME and builds the pipe",
		"ipc spawn shell -n 'cat x; rm -rf ~'"
		"\twhat an injected '; rm -rf ~' would do; nothing runs",
		"ipc spawn shell -n \"grep 'a b' file\""
		"\tthe argv form: grep, 'a b', file",
		NULL },
	.opts = shell_opts,
	.min_args = 1, .max_args = 1,
	.run = run_shell,
};
