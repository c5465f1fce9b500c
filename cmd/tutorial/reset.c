/*
 * reset.c - `ipc tutorial reset [NAME]`: start a lesson, or all of them,
 * afresh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys.h"
#include "tutorial.h"

/* Remove a lesson's directory and session trace under the state dir. */
static int
remove_lesson_files(const struct cli *cli, const char *name)
{
	char path[4096], sub[512];

	snprintf(sub, sizeof(sub), "lessons/%s", name);
	if (tut_state_path(path, sizeof(path), sub) == 0 &&
	    tut_remove_tree(path) < 0)
		return fail(cli, path, errno, NULL);
	snprintf(sub, sizeof(sub), "lessons/%s.trace.jsonl", name);
	if (tut_state_path(path, sizeof(path), sub) == 0 &&
	    sys_unlink(path) < 0 && errno != ENOENT)
		return fail(cli, path, errno, NULL);
	return 0;
}

static int
run_reset(struct cli *cli)
{
	const char *name = cli->argc ? cli->argv[0] : NULL;
	struct tut_lessons *ls;
	json_t *progress = NULL;
	char path[4096];
	int rc;

	if ((ls = tut_lessons_open(cli, name, &rc)) == NULL)
		return rc;
	if ((progress = tut_progress_load(cli)) == NULL) {
		rc = fail(cli, NULL, ENOMEM, NULL);
		goto out;
	}
	tut_progress_forget(progress, name);
	if (tut_state_path(path, sizeof(path), "") < 0) {
		rc = fail(cli, "XDG_STATE_HOME", errno,
			  "set HOME or XDG_STATE_HOME");
		goto out;
	}
	if (tut_mkdirs(path) < 0 || tut_progress_save(progress) < 0) {
		rc = fail(cli, path, errno, NULL);
		goto out;
	}
	if (name != NULL)
		rc = remove_lesson_files(cli, name);
	else if (tut_state_path(path, sizeof(path), "lessons") == 0 &&
		 tut_remove_tree(path) < 0)
		rc = fail(cli, path, errno, NULL);
	if (rc == 0)
		printf("reset %s: progress forgotten, lesson director%s "
		       "removed\n", name ? name : "every lesson",
		       name ? "y" : "ies");
out:
	json_decref(progress);
	tut_lessons_close(ls);
	return rc;
}

const struct verb tutorial_reset_verb = {
	.name = "reset",
	.summary = "forget your progress in a lesson, or in all of them",
	.usage = "[NAME]",
	.description =
		"Forgets which steps of NAME you have done (of every lesson, "
		"without NAME), and removes the lesson's directory, "
		"${XDG_STATE_HOME:-~/.local/state}/ipc/lessons/NAME/, with "
		"the files your commands made there, and its session trace.  "
		"The next 'ipc tutorial NAME' starts at step 1 in an empty "
		"directory.  The prompt's history stays.",
	.examples = (const char *const[]){
		"ipc tutorial reset sockets\tstart the sockets lesson afresh",
		"ipc tutorial reset\tstart every lesson afresh",
		NULL },
	.min_args = 0, .max_args = 1,
	.run = run_reset,
};
