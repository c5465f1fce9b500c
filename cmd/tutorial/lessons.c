/*
 * lessons.c - where the lessons come from: the copies built into the
 * binary (lesson_builtin[], made from tutorials/ at build time), or the
 * files NN-name.md in IPC_TUTORIALS=DIR, in name order.  Either way each
 * is parsed by lib/lesson.c, and a malformed one is reported with its
 * file and line.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sys.h"
#include "tutorial.h"

/* Parse one lesson into the next slot; returns 0 or the exit status. */
static int
add_lesson(const struct cli *cli, struct tut_lessons *ls, const char *path,
	   const char *text, size_t len)
{
	struct lesson_error err = { 0 };

	if (ls->n == TUT_LESSONS) {
		out_errorf(cli->prog, "%s: more than %d lessons", path,
			   TUT_LESSONS);
		out_hint("merge some lessons");
		return EX_DATA_;
	}
	if (lesson_parse(path, text, len, &ls->v[ls->n], &err) < 0) {
		if (errno != EBADMSG)
			return fail(cli, path, errno, NULL);
		out_errorf(cli->prog, "%s:%d: %s", path, err.line, err.msg);
		out_hint("tutorials/README.md describes the lesson format");
		return EX_DATA_;
	}
	ls->n++;
	return 0;
}

/*
 * Read a whole file of at most TUT_FILE_MAX bytes into a new buffer.
 * Returns it (free it) with its length in *len, or NULL with errno set
 * (EFBIG when it is too big).
 */
static char *
read_file(const char *path, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	ssize_t r;
	int fd, err;

	if ((fd = sys_open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	if ((buf = malloc(TUT_FILE_MAX)) == NULL)
		goto fail;
	for (;;) {
		r = sys_read(fd, buf + n, TUT_FILE_MAX - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == TUT_FILE_MAX) {
			errno = EFBIG;
			goto fail;
		}
	}
	sys_close(fd);
	*len = n;
	return buf;
fail:
	err = errno;
	free(buf);
	sys_close(fd);
	errno = err;
	return NULL;
}

/* A lesson file's name: NN-name.md. */
static int
is_lesson_file(const char *name)
{
	size_t n = strlen(name);

	return name[0] >= '0' && name[0] <= '9' && n > 3 &&
	       strcmp(name + n - 3, ".md") == 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lessons in dir, sorted by file name. */
static int
load_dir(const struct cli *cli, struct tut_lessons *ls, const char *dir)
{
	char *names[TUT_LESSONS + 1], path[4096];
	struct dirent *e;
	int n = 0, rc = 0;
	size_t len;
	char *text;
	DIR *d;

	/* opendir(3) opens the directory O_CLOEXEC. */
	if ((d = opendir(dir)) == NULL) {
		fail(cli, dir, errno, "IPC_TUTORIALS names the directory of "
		     "the lessons; unset it for the built-in ones");
		return EX_NOINPUT_;
	}
	while ((e = readdir(d)) != NULL && n <= TUT_LESSONS)
		if (is_lesson_file(e->d_name) &&
		    (names[n] = strdup(e->d_name)) != NULL)
			n++;
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), by_name);
	for (int i = 0; i < n; i++) {
		if (rc == 0 && snprintf(path, sizeof(path), "%s/%s", dir,
					names[i]) >= (int)sizeof(path))
			rc = fail(cli, names[i], ENAMETOOLONG, NULL);
		if (rc == 0 && (text = read_file(path, &len)) == NULL)
			rc = errno == EFBIG ? (fail(cli, path, errno,
			    "a lesson is at most 1 MiB"), EX_DATA_) :
			    fail(cli, path, errno, NULL);
		else if (rc == 0) {
			rc = add_lesson(cli, ls, path, text, len);
			free(text);
		}
		free(names[i]);
	}
	if (rc == 0 && ls->n == 0) {
		out_errorf(cli->prog, "%s: no lessons (NN-name.md files) here",
			   dir);
		out_hint("unset IPC_TUTORIALS for the built-in lessons");
		rc = EX_NOINPUT_;
	}
	return rc;
}

int
tut_lessons_load(const struct cli *cli, struct tut_lessons *ls)
{
	const char *dir = getenv("IPC_TUTORIALS");
	int rc;

	memset(ls, 0, sizeof(*ls));
	if (dir != NULL && dir[0] != '\0') {
		ls->dir = dir;
		return load_dir(cli, ls, dir);
	}
	for (const struct lesson_file *f = lesson_builtin; f->file; f++)
		if ((rc = add_lesson(cli, ls, f->file, f->text, f->len)) != 0)
			return rc;
	return 0;
}

void
tut_lessons_free(struct tut_lessons *ls)
{
	for (int i = 0; i < ls->n; i++)
		lesson_free(&ls->v[i]);
	ls->n = 0;
}

struct tut_lessons *
tut_lessons_open(const struct cli *cli, const char *name, int *rc)
{
	struct tut_lessons *ls = calloc(1, sizeof(*ls));

	if (ls == NULL) {
		*rc = fail(cli, NULL, ENOMEM, NULL);
		return NULL;
	}
	if ((*rc = tut_lessons_load(cli, ls)) == 0 && name != NULL &&
	    tut_lesson_find(ls, name) == NULL)
		*rc = tut_unknown_lesson(cli, ls, name);
	if (*rc != 0) {
		tut_lessons_close(ls);
		return NULL;
	}
	return ls;
}

void
tut_lessons_close(struct tut_lessons *ls)
{
	if (ls == NULL)
		return;
	tut_lessons_free(ls);
	free(ls);
}

struct lesson *
tut_lesson_find(struct tut_lessons *ls, const char *name)
{
	for (int i = 0; i < ls->n; i++)
		if (strcmp(ls->v[i].name, name) == 0)
			return &ls->v[i];
	return NULL;
}

int
tut_unknown_lesson(const struct cli *cli, const struct tut_lessons *ls,
		   const char *name)
{
	fprintf(stderr, "%s: no lesson called '%s'\n", cli->prog, name);
	fprintf(stderr, "hint: the lessons are");
	for (int i = 0; i < ls->n; i++)
		fprintf(stderr, "%s %s", i ? "," : "", ls->v[i].name);
	fprintf(stderr, "; 'ipc tutorial' lists them\n");
	return EX_USAGE_;
}

int
tut_list(const struct cli *cli, int json)
{
	static const struct out_col cols[] = {
		{ "lesson", "LESSON" }, { "done", "DONE" },
		{ "title", "TITLE" },
	};
	struct tut_lessons *ls;
	json_t *progress = NULL, *rows = NULL;
	char done[32];
	int rc = 0, n;

	if ((ls = tut_lessons_open(cli, NULL, &rc)) == NULL)
		return rc;
	if ((progress = tut_progress_load(cli)) == NULL ||
	    (rows = json_array()) == NULL) {
		rc = fail(cli, NULL, ENOMEM, NULL);
		goto out;
	}
	for (int i = 0; i < ls->n; i++) {
		struct lesson *l = &ls->v[i];

		n = tut_progress_count(progress, l->name);
		if (json)
			json_array_append_new(rows, json_pack(
				"{s:s, s:s, s:i, s:i, s:i}", "lesson", l->name,
				"title", l->title, "done", n, "steps",
				l->nsteps, "step",
				tut_progress_step(progress, l->name)));
		else {
			snprintf(done, sizeof(done), "%d/%d", n, l->nsteps);
			json_array_append_new(rows, json_pack(
				"{s:s, s:s, s:s}", "lesson", l->name,
				"title", l->title, "done", done));
		}
	}
	if (json) {
		for (size_t i = 0; i < json_array_size(rows); i++)
			out_json_line(stdout, json_array_get(rows, i));
	} else {
		out_table(stdout, rows, cols, 3, 0);
		printf("\n'ipc tutorial NAME' starts a lesson, or goes on "
		       "where you left it.\n");
	}
out:
	json_decref(rows);
	json_decref(progress);
	tut_lessons_close(ls);
	return rc;
}
