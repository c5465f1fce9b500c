/*
 * verify.c - `ipc tutorial verify [NAME]`: prove that the lessons still
 * work.  Each lesson runs in a fresh scratch directory, step by step: the
 * step's solution as one sh(1) script, as if the learner had typed it,
 * then its check, with the solution's status and output as
 * IPC_LAST_STATUS and IPC_LAST_OUTPUT.  tutorials/README.md says how to
 * write solutions that verify: port 0, ready lines, no fixed sleeps.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tutorial.h"

/* Seconds one solution may take before it is killed. */
#define SOLUTION_TIMEOUT	60.0
/* Lines of a failed solution's output shown. */
#define TAIL_LINES		8

/* The last TAIL_LINES lines of text, each indented. */
static void
put_tail(const char *text)
{
	const char *end = text + strlen(text), *s;
	int lines = 0;
	size_t n;

	while (end > text && end[-1] == '\n')
		end--;
	for (s = end; s > text; s--)
		if (s[-1] == '\n' && ++lines == TAIL_LINES)
			break;
	for (; s < end; s += n + 1) {
		n = strcspn(s, "\n");
		if (n > (size_t)(end - s))
			n = (size_t)(end - s);
		printf("       | %.*s\n", (int)n, s);
	}
}

/*
 * Run one lesson's steps in dir.  Returns how many failed, or -1 after
 * reporting a failure to set up.
 */
static int
verify_lesson(const struct cli *cli, struct lesson *l, const char *root)
{
	char dir[4096], trace[4096], msg[2048];
	struct tut_env *env = calloc(1, sizeof(*env));
	const char *what;
	int failed = 0;

	if (env == NULL)
		return fail(cli, NULL, ENOMEM, NULL), -1;
	env->trace_fd = env->out_fd = -1;
	printf("lesson %s: %s\n", l->name, l->title);
	fflush(stdout);
	what = root;
	errno = ENAMETOOLONG;
	if (snprintf(dir, sizeof(dir), "%s/%s", root, l->name) >=
	    (int)sizeof(dir) ||
	    snprintf(trace, sizeof(trace), "%s/%s.trace.jsonl", root,
		     l->name) >= (int)sizeof(trace) ||
	    tut_env_open(env, dir, trace, 0, -1, &what) < 0) {
		fail(cli, what, errno, NULL);
		tut_env_close(env);
		free(env);
		return -1;
	}
	for (int i = 0; i < l->nsteps; i++) {
		struct lesson_step *st = &l->steps[i];
		char *argv[] = { "/bin/sh", "-c", st->solution, NULL };
		int rc;

		if (tut_run(env, argv, SOLUTION_TIMEOUT) < 0) {
			snprintf(msg, sizeof(msg), "the solution did not run: "
				 "%s", strerror(errno));
			rc = 1;
		} else
			rc = tut_check(env, st->check, msg, sizeof(msg));
		if (rc < 0)
			snprintf(msg, sizeof(msg), "the check did not run: %s",
				 strerror(errno));
		printf("  %-4s %2d %s\n", rc == 0 ? "ok" : "FAIL", i + 1,
		       st->title);
		if (rc != 0) {
			failed++;
			msg[strcspn(msg, "\n")] = '\0';
			printf("       the check said: %s\n", msg[0] ? msg :
			       "(nothing)");
			printf("       the solution exited %d%s\n",
			       env->last_status, env->nlast ? "; its output "
			       "ended:" : "");
			put_tail(env->last);
		}
		fflush(stdout);
	}
	/* What the solutions left running ends with the lesson. */
	tut_env_close(env);
	free(env);
	return failed;
}

int
tut_verify(const struct cli *cli, const char *name)
{
	struct tut_lessons *ls;
	const char *tmp = getenv("TMPDIR");
	int rc = 0, failed = 0, bad = 0, n, steps = 0, lessons = 0;
	char root[4096];

	if ((ls = tut_lessons_open(cli, name, &rc)) == NULL)
		return rc;
	snprintf(root, sizeof(root), "%s/ipc-verify-XXXXXX",
		 tmp && tmp[0] == '/' ? tmp : "/tmp");
	/* mkdtemp(3) makes the directory 0700 with a name no one else has. */
	if (mkdtemp(root) == NULL) {
		rc = fail(cli, root, errno, "set TMPDIR to a writable "
			  "directory");
		goto out;
	}
	for (int i = 0; i < ls->n; i++) {
		if (name != NULL && strcmp(ls->v[i].name, name) != 0)
			continue;
		if ((n = verify_lesson(cli, &ls->v[i], root)) < 0) {
			rc = EX_OSERR_;
			break;
		}
		lessons++;
		steps += ls->v[i].nsteps;
		failed += n;
		bad += n > 0;
	}
	if (tut_remove_tree(root) < 0)
		out_warn(cli->prog, "%s: %s", root, strerror(errno));
	if (rc != 0)
		goto out;
	if (failed == 0)
		printf("verified: %d lesson%s, %d steps, all pass\n", lessons,
		       lessons == 1 ? "" : "s", steps);
	else
		printf("verified: %d of %d steps fail, in %d of %d lesson%s\n",
		       failed, steps, bad, lessons, lessons == 1 ? "" : "s");
	rc = failed ? EX_FAIL : 0;
out:
	tut_lessons_close(ls);
	return rc;
}

static int
run_verify(struct cli *cli)
{
	return tut_verify(cli, cli->argc ? cli->argv[0] : NULL);
}

const struct verb tutorial_verify_verb = {
	.name = "verify",
	.summary = "prove that every lesson still works",
	.usage = "[NAME]",
	.description =
		"Runs each lesson (or only NAME) in a fresh scratch directory "
		"under $TMPDIR: for every step, the solution as one sh(1) "
		"script, then the check, with the solution's exit status and "
		"output as IPC_LAST_STATUS and IPC_LAST_OUTPUT.  Prints ok or "
		"FAIL and the title of each step, and for a failure what the "
		"check printed and how the solution ended; then a summary.  "
		"What a lesson's solutions leave running gets SIGTERM when the "
		"lesson ends.  Exits 1 when a step fails, 65 for a malformed "
		"lesson and 66 when IPC_TUTORIALS is no directory of lessons.  "
		"'ipc tutorial --verify' is the same.",
	.examples = (const char *const[]){
		"ipc tutorial verify\tevery lesson, every step",
		"ipc tutorial verify sockets\tone lesson",
		"IPC_TUTORIALS=tutorials ipc tutorial verify\tthe lessons in "
		"the source tree, not the built-in copies",
		NULL },
	.min_args = 0, .max_args = 1,
	.run = run_verify,
};
