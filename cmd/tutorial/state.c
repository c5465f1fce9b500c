/*
 * state.c - what the tutorial keeps between sessions, under
 * ${XDG_STATE_HOME:-~/.local/state}/ipc/ (the XDG Base Directory
 * specification's place for state): progress.json, and a directory per
 * lesson where the learner's commands run.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys.h"
#include "tutorial.h"

int
tut_state_path(char *buf, size_t size, const char *sub)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int n;

	/* The specification says a relative XDG_STATE_HOME is ignored. */
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, size, "%s/ipc%s%s", xdg, *sub ? "/" : "",
			     sub);
	else if (home != NULL && home[0] != '\0')
		n = snprintf(buf, size, "%s/.local/state/ipc%s%s", home,
			     *sub ? "/" : "", sub);
	else
		return errno = ENOENT, -1;
	if (n < 0 || (size_t)n >= size)
		return errno = ENAMETOOLONG, -1;
	return 0;
}

int
tut_mkdirs(const char *path)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return errno = ENAMETOOLONG, -1;
	memcpy(buf, path, n + 1);
	/* Each prefix in turn, then the whole: mkdir(2) makes one level. */
	for (char *p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (sys_mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = c;
		if (c == '\0')
			return 0;
	}
}

/* progress.json's path. */
static int
progress_path(char *buf, size_t size)
{
	return tut_state_path(buf, size, "progress.json");
}

json_t *
tut_progress_load(const struct cli *cli)
{
	char path[4096];
	json_error_t jerr;
	json_t *p = NULL;

	if (progress_path(path, sizeof(path)) == 0 &&
	    access(path, F_OK) == 0) {
		p = json_load_file(path, 0, &jerr);
		if (p == NULL || !json_is_object(p) ||
		    !json_is_object(json_object_get(p, "lessons"))) {
			out_warn(cli->prog, "%s:%d: not the progress file "
				 "expected; starting afresh", path, jerr.line);
			json_decref(p);
			p = NULL;
		}
	}
	if (p == NULL)
		p = json_pack("{s:{}}", "lessons");
	return p;
}

int
tut_progress_save(json_t *progress)
{
	char path[4096], tmp[4200];
	char *text;
	int fd, rc = 0, err;

	if (progress_path(path, sizeof(path)) < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((text = json_dumps(progress, JSON_INDENT(1) | JSON_SORT_KEYS)) ==
	    NULL)
		return errno = ENOMEM, -1;
	fd = sys_open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || out_write_all(fd, text, strlen(text)) < 0 ||
	    out_write_all(fd, "\n", 1) < 0)
		rc = -1;
	err = errno;
	if (fd >= 0 && sys_close(fd) < 0 && rc == 0)
		rc = -1, err = errno;
	free(text);
	/*
	 * rename(2) replaces the old file in one step: a reader sees the old
	 * progress or the new, never half of it.
	 */
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -1, err = errno;
	if (rc < 0 && fd >= 0)
		sys_unlink(tmp);
	errno = err;
	return rc;
}

/* The object of lesson name, made when create is set; or NULL. */
static json_t *
lesson_obj(json_t *progress, const char *name, int create)
{
	json_t *all = json_object_get(progress, "lessons"), *l;

	l = json_object_get(all, name);
	if (json_is_object(l) || !create)
		return json_is_object(l) ? l : NULL;
	l = json_pack("{s:[], s:i}", "done", "step", 1);
	if (json_object_set_new(all, name, l) < 0)
		return NULL;
	return l;
}

int
tut_progress_count(json_t *progress, const char *name)
{
	json_t *done = json_object_get(lesson_obj(progress, name, 0), "done");

	return (int)json_array_size(done);
}

int
tut_progress_is_done(json_t *progress, const char *name, int step)
{
	json_t *done = json_object_get(lesson_obj(progress, name, 0), "done");
	size_t i;
	json_t *v;

	json_array_foreach(done, i, v)
		if (json_integer_value(v) == step)
			return 1;
	return 0;
}

int
tut_progress_step(json_t *progress, const char *name)
{
	json_t *s = json_object_get(lesson_obj(progress, name, 0), "step");

	return json_is_integer(s) && json_integer_value(s) > 0 ?
	       (int)json_integer_value(s) : 1;
}

int
tut_progress_mark(json_t *progress, const char *name, int step)
{
	json_t *l = lesson_obj(progress, name, 1), *done;

	if (l == NULL)
		return errno = ENOMEM, -1;
	if (tut_progress_is_done(progress, name, step))
		return 0;
	done = json_object_get(l, "done");
	if (!json_is_array(done)) {
		done = json_array();
		json_object_set_new(l, "done", done);
	}
	if (json_array_append_new(done, json_integer(step)) < 0)
		return errno = ENOMEM, -1;
	return 0;
}

int
tut_progress_set_step(json_t *progress, const char *name, int step)
{
	json_t *l = lesson_obj(progress, name, 1);

	if (l == NULL ||
	    json_object_set_new(l, "step", json_integer(step)) < 0)
		return errno = ENOMEM, -1;
	return 0;
}

void
tut_progress_forget(json_t *progress, const char *name)
{
	json_t *all = json_object_get(progress, "lessons");

	if (name == NULL)
		json_object_clear(all);
	else
		json_object_del(all, name);
}

/* One entry, children first (FTW_DEPTH); see nftw(3). */
static int
remove_entry(const char *path, const struct stat *st, int type,
	     struct FTW *ftw)
{
	if (type == FTW_DP)
		return rmdir(path) < 0 ? -1 : 0;
	return sys_unlink(path) < 0 ? -1 : 0;
}

int
tut_remove_tree(const char *path)
{
	/* FTW_PHYS: a symbolic link is removed, never followed. */
	if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
		return errno == ENOENT ? 0 : -1;
	return 0;
}
