/*
 * pipeline.c - `ipc spawn pipeline -- CMD1 ARGS '|' CMD2 ARGS ...`: what a
 * shell does for `a | b | c`, without the shell: one pipe(2) between each
 * pair, each child's stdout on the next one's stdin, every copy of every
 * pipe end closed where it is not needed, and every child reaped.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>

#include "spawn.h"
#include "sys.h"

/* Stages in one pipeline; a bound, so argv cannot grow our tables. */
#define STAGES_MAX	32

static struct {
	int explain, pipefail;
	const char *method;
} o;

static const struct opt pipeline_opts[] = {
	OPT_FLAG('x', "explain", &o.explain,
		 "print the fd plumbing and each stage's end on stderr"),
	OPT_FLAG(0, "pipefail", &o.pipefail,
		 "exit with the last non-zero status of any stage, as "
		 "bash's 'set -o pipefail' does"),
	OPT_ONEOF('m', "method", &o.method, "HOW", SPAWN_METHODS,
		  "how to make each child (default: fork)"),
	OPT_STOP
};

/* "ls -l": a stage as words, for --explain. */
static void
print_words(char **argv)
{
	for (int i = 0; argv[i] != NULL; i++)
		fprintf(stderr, "%s%s", i > 0 ? " " : "", argv[i]);
}

/* --explain: who holds which pipe end. */
static void
explain_stages(const struct spawn_stage *st, int n)
{
	for (int i = 0; i < n; i++) {
		if (st[i].pid < 0)
			continue;
		fprintf(stderr, "[%d] pid %d: ", i + 1, (int)st[i].pid);
		print_words(st[i].argv);
		fprintf(stderr, "  stdin: %s, stdout: %s\n",
			i == 0 ? "inherited" : "pipe (read end)",
			i == n - 1 ? "inherited" : "pipe (write end)");
	}
}

static int
run_pipeline(struct cli *cli)
{
	struct spawn_stage st[STAGES_MAX];
	char **words[STAGES_MAX];
	int n, rc;

	n = spawn_split(cli->argc, cli->argv, words, STAGES_MAX);
	if (n == 0)
		return usage_error(cli, "an empty stage, or more than %d: "
				   "write CMD [ARG...] between each '|'",
				   STAGES_MAX);
	for (int i = 0; i < n; i++)
		st[i].argv = words[i];
	if (o.explain)
		fprintf(stderr, "%d stage%s, %d pipe%s; each pipe is made "
			"close-on-exec, and the parent closes its copy of each "
			"end once the child that uses it has started, so the "
			"reader sees end of file when the writer exits\n",
			n, n == 1 ? "" : "s", n - 1, n == 2 ? "" : "s");
	rc = spawn_stages(cli, st, n, -1, spawn_method(o.method));
	if (o.explain)
		explain_stages(st, n);
	/* Reap every child, in order; none is left a zombie. */
	for (int i = 0; i < n; i++) {
		char how[128];

		if (st[i].pid > 0)
			while (sys_waitpid(st[i].pid, &st[i].status, 0) < 0)
				if (errno != EINTR) {
					rc = fail(cli, "waitpid", errno, NULL);
					break;
				}
		if (o.explain && st[i].pid > 0)
			fprintf(stderr, "[%d] pid %d %s\n", i + 1,
				(int)st[i].pid,
				proc_status_str(st[i].status, how,
						sizeof(how)));
		if (o.pipefail && proc_status_code(st[i].status) != 0)
			rc = proc_status_code(st[i].status);
	}
	if (rc == 0)
		rc = proc_status_code(st[n - 1].status);
	return rc;
}

const struct verb spawn_pipeline_verb = {
	.name = "pipeline",
	.summary = "a shell pipeline without the shell",
	.usage = "-- CMD1 [ARG...] '|' CMD2 [ARG...] ...",
	.description =
		"Runs the stages of a pipeline the way sh(1) does, with "
		"neither a shell nor its parsing: the words between '|' are "
		"one program's argv, as given.  Between each pair of stages "
		"a pipe(2); each child gets the read end as stdin and the "
		"write end as stdout through dup2(2).  Standard error is "
		"inherited.  The output is the same as sh -c would give.\n\n"
		"The one trap is the pipe ends the parent keeps: a reader "
		"sees end of file only when every copy of the write end is "
		"closed, so the parent closes its copies as soon as the "
		"children that need them have started (--explain shows it).  "
		"The exit status is the last stage's, or with --pipefail the "
		"last non-zero one; a stage that cannot be started counts "
		"127.  Quote the '|' so that your shell passes it on.",
	.examples = (const char *const[]){
		"ipc spawn pipeline -- printf 'b\\na\\n' '|' sort"
		"\tsort the output of printf; no sh involved",
		"ipc spawn pipeline --explain -- ls /etc '|' grep conf '|' "
		"wc -l\tthree stages, and who holds which pipe end",
		"ipc spawn pipeline --pipefail -- false '|' cat"
		"\texit 1, as bash's pipefail would",
		NULL },
	.opts = pipeline_opts,
	.min_args = 1, .max_args = -1,
	.run = run_pipeline,
};
