/*
 * tutorial.h - the verbs of `ipc tutorial`, one file each in
 * cmd/tutorial/, and what they share: the lessons (lessons.c), the state
 * on disk (state.c), and running the learner's commands and the checks
 * (run.c).  tutorials/README.md is the contract these files keep.
 */
#ifndef IPC_TUTORIAL_H
#define IPC_TUTORIAL_H

#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

#include "ipc.h"
#include "lesson.h"

extern const struct verb tutorial_start_verb, tutorial_list_verb,
	tutorial_reset_verb, tutorial_verify_verb;

/* --- lessons.c: the lessons, built in or from IPC_TUTORIALS ----------- */

#define TUT_LESSONS	64		/* lessons a directory may hold */
#define TUT_FILE_MAX	(1 << 20)	/* bytes a lesson file may have */

struct tut_lessons {
	struct lesson v[TUT_LESSONS];
	int n;
	const char *dir;	/* IPC_TUTORIALS, or NULL: built in */
};

/*
 * Load and parse every lesson.  Returns 0, or reports and returns the exit
 * status: 66 when IPC_TUTORIALS is not a directory or holds no lesson, 65
 * (naming the file and line) for a malformed lesson.  Free with
 * tut_lessons_free(), also after a failure.
 */
int tut_lessons_load(const struct cli *cli, struct tut_lessons *ls);
void tut_lessons_free(struct tut_lessons *ls);

/*
 * Load the lessons into a new table and, when name is not NULL, make sure
 * it is one of them.  Returns the table (free it with tut_lessons_close),
 * or NULL with *rc the exit status after reporting why.
 */
struct tut_lessons *tut_lessons_open(const struct cli *cli, const char *name,
				     int *rc);
void tut_lessons_close(struct tut_lessons *ls);

/* The lesson called name, or NULL. */
struct lesson *tut_lesson_find(struct tut_lessons *ls, const char *name);

/* Report an unknown lesson name, listing the lessons.  Returns 64. */
int tut_unknown_lesson(const struct cli *cli, const struct tut_lessons *ls,
		       const char *name);

/* The lesson table: `ipc tutorial` and `ipc tutorial list`. */
int tut_list(const struct cli *cli, int json);

/* Verify the lessons (name NULL: all of them); see verify.c. */
int tut_verify(const struct cli *cli, const char *name);

/* --- state.c: ${XDG_STATE_HOME:-~/.local/state}/ipc/ ------------------ */

/*
 * The path of sub under the state directory ("" for the directory
 * itself), into buf.  Returns 0, or -1 with errno ENAMETOOLONG, or
 * ENOENT when neither XDG_STATE_HOME nor HOME is set.
 */
int tut_state_path(char *buf, size_t size, const char *sub);

/* mkdir -p with mode 0700.  Returns 0, or -1 with errno set. */
int tut_mkdirs(const char *path);

/*
 * Progress, as in progress.json: {"lessons": {"NAME": {"done": [1, 3],
 * "step": 4}}}.  tut_progress_load() returns a new object, empty when the
 * file is missing (a file that does not parse is reported as a warning
 * and also gives an empty one), or NULL with errno ENOMEM.
 * tut_progress_save() writes a temporary file and renames it over the
 * old one; returns 0, or -1 with errno set.
 */
json_t *tut_progress_load(const struct cli *cli);
int tut_progress_save(json_t *progress);

/* How many steps of lesson name are done; and whether step is. */
int tut_progress_count(json_t *progress, const char *name);
int tut_progress_is_done(json_t *progress, const char *name, int step);
/* The step to resume at (1 when none is stored). */
int tut_progress_step(json_t *progress, const char *name);
/* Record a step as done, the current step; forget a lesson (NULL: all). */
int tut_progress_mark(json_t *progress, const char *name, int step);
int tut_progress_set_step(json_t *progress, const char *name, int step);
void tut_progress_forget(json_t *progress, const char *name);

/* Remove a directory and everything in it.  Returns 0 or -1 with errno. */
int tut_remove_tree(const char *path);

/* --- run.c: the learner's commands and the checks --------------------- */

#define TUT_OUTPUT	16384	/* IPC_LAST_OUTPUT: the last bytes */
#define TUT_GROUPS	64	/* process groups remembered for `quit` */
#define TUT_CHECK_TIMEOUT 30.0	/* seconds a check may take */

/* Where and how the commands of one lesson run. */
struct tut_env {
	char dir[4096];		/* the lesson directory: their cwd */
	char trace[4096];	/* the session trace: IPC_SESSION_TRACE */
	int trace_fd;		/* that file, O_APPEND; IPC_TRACE_FD */
	int out_fd;		/* their stdout and stderr, O_APPEND */
	off_t shown;		/* bytes of out_fd copied to the terminal */
	int echo;		/* copy their output to our stdout */
	int midline;		/* the last bytes copied end mid-line */
	int tty;		/* the terminal to hand over, or -1 */
	pid_t groups[TUT_GROUPS];	/* process groups started */
	int ngroups;
	char last[TUT_OUTPUT + 1];	/* IPC_LAST_OUTPUT, NUL-terminated */
	size_t nlast;
	int last_status;	/* IPC_LAST_STATUS */
};

/*
 * Open the session: make dir (0700), truncate and open the trace file,
 * open an unlinked output file in the state directory, put the directory
 * of the running ipc first on PATH and set IPC_SESSION_TRACE.  Returns 0,
 * or -1 with errno set and *what naming what failed.
 */
int tut_env_open(struct tut_env *env, const char *dir, const char *trace,
		 int echo, int tty, const char **what);

/* Send SIGTERM to every process group started; close the files. */
void tut_env_close(struct tut_env *env);

/*
 * Run argv (a shell and its -c LINE) in env->dir, in a new process group
 * that gets the terminal when env->tty is set, with the session trace on
 * IPC_TRACE_FD, and wait for it (timeout seconds, 0 for no limit),
 * showing its output as it comes when env->echo is set.  Sets
 * last_status (128+N for a signal, 124 when time ran out) and last.
 * Returns 0, or -1 with errno set when it could not be started.
 */
int tut_run(struct tut_env *env, char *const argv[], double timeout);

/*
 * Run a check script with /bin/sh in env->dir, with IPC_LAST_STATUS and
 * IPC_LAST_OUTPUT, for at most TUT_CHECK_TIMEOUT seconds.  What it printed
 * goes into msg (the first size-1 bytes, NUL-terminated).  Returns 0 when
 * it passed, 1 when it failed or ran out of time, -1 with errno set when
 * it could not be started.
 */
int tut_check(struct tut_env *env, const char *script, char *msg,
	      size_t size);

/* Copy what background commands wrote since the last look. */
void tut_show_pending(struct tut_env *env);

#endif
