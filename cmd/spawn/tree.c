/*
 * tree.c - `ipc spawn tree [-- CMD1 ARGS '|' CMD2 ...]`: start a pipeline
 * (cat | sort | uniq -c unless told otherwise) fed from a pipe we hold
 * open, and while its processes wait for input, show them as the kernel
 * sees them: pid, parent, process group, session and state from
 * /proc/PID/stat, and every descriptor from /proc/PID/fd, each pipe
 * matched up by its inode across the processes.  Then close the input and
 * reap every child as SIGCHLD reports it: a signalfd(2) and a
 * waitpid(WNOHANG) loop, so that no child is ever left a zombie.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "clock.h"
#include "spawn.h"
#include "sys.h"

/* Bounds, so that argv or a busy process cannot grow our tables. */
#define STAGES_MAX	16
#define FDS_MAX		16

static struct {
	int json;
	const char *input, *method;
	double timeout;
} o;

static const struct opt tree_opts[] = {
	OPT_FLAG('j', "json", &o.json, "one JSON object per process, then "
		 "one per pipe"),
	OPT_STR('i', "input", &o.input, "TEXT",
		"write TEXT to the pipeline's stdin before closing it"),
	OPT_SECS('t', "timeout", &o.timeout,
		 "once the input is closed, kill what still runs after S "
		 "seconds and exit 75"),
	OPT_ONEOF('m', "method", &o.method, "HOW", SPAWN_METHODS,
		  "how to make each child (default: fork)"),
	OPT_STOP
};

/* One descriptor of a process: its number, what it is open on, how. */
struct fd_info {
	int fd;
	int mode;		/* O_RDONLY, O_WRONLY or O_RDWR */
	char target[128];	/* "pipe:[1234]", "/dev/pts/0" */
};

/* One process as /proc shows it. */
struct proc_row {
	pid_t pid, ppid, pgid, sid;
	char state[32];		/* "S (sleeping)", or "exited 0, reaped" */
	char cmd[64];
	struct fd_info fd[FDS_MAX];
	int nfd;
};

/*
 * pid, comm, state, ppid, pgrp and session from /proc/PID/stat (see
 * spawn_read_stat()).  Returns the state letter, or 0 with errno set.
 */
static char
read_stat(pid_t pid, struct proc_row *r)
{
	struct spawn_stat s;

	if (spawn_read_stat(pid, &s) == 0)
		return 0;
	r->pid = s.pid;
	r->ppid = s.ppid;
	r->pgid = s.pgid;
	r->sid = s.sid;
	snprintf(r->cmd, sizeof(r->cmd), "%s", s.comm);
	snprintf(r->state, sizeof(r->state), "%c (%s)", s.state,
		 spawn_state_word(s.state));
	return s.state;
}

/* How fd is open, from the flags line of /proc/PID/fdinfo/FD. */
static int
fd_mode(pid_t pid, int fd)
{
	char path[64], buf[256], *flags;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, fd);
	if (spawn_read_small(path, buf, sizeof(buf)) < 0 ||
	    (flags = strstr(buf, "flags:")) == NULL)
		return -1;
	return (int)(strtol(flags + 6, NULL, 8) & O_ACCMODE);
}

static int
by_fd(const void *a, const void *b)
{
	return ((const struct fd_info *)a)->fd - ((const struct fd_info *)b)->fd;
}

/*
 * The descriptors of pid: each one's link under /proc/PID/fd (see
 * readlink(2)) and its mode.  With pipes_only, only 0-2 and pipes (our
 * own process also holds the signalfd and the trace's descriptors).
 * Returns 0, or -1 with errno set.
 */
static int
read_fds(pid_t pid, struct proc_row *r, int pipes_only)
{
	char dir[64], path[96];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	if ((d = opendir(dir)) == NULL)
		return -1;
	r->nfd = 0;
	while ((de = readdir(d)) != NULL && r->nfd < FDS_MAX) {
		struct fd_info *f = &r->fd[r->nfd];
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		f->fd = atoi(de->d_name);
		snprintf(path, sizeof(path), "%s/%d", dir, f->fd);
		n = sys_readlink(path, f->target, sizeof(f->target) - 1);
		/* Closed since readdir saw it: skip it. */
		if (n < 0)
			continue;
		f->target[n] = '\0';
		if (pipes_only && f->fd > 2 &&
		    strncmp(f->target, "pipe:", 5) != 0)
			continue;
		f->mode = fd_mode(pid, f->fd);
		r->nfd++;
	}
	closedir(d);
	qsort(r->fd, (size_t)r->nfd, sizeof(r->fd[0]), by_fd);
	return 0;
}

/* "0<pipe:[12] 1>pipe:[13] 2=/dev/pts/0": < read, > write, = both. */
static void
fds_str(const struct proc_row *r, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < r->nfd && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%d%c%s",
				      i > 0 ? " " : "", r->fd[i].fd,
				      r->fd[i].mode == O_RDONLY ? '<' :
				      r->fd[i].mode == O_WRONLY ? '>' : '=',
				      r->fd[i].target);
}

/*
 * A reaped child: the row says how it ended.  Called for a child that had
 * already ended when we looked, so no row ever shows a zombie.
 */
static void
row_reaped(struct proc_row *r, struct spawn_stage *s)
{
	char how[64];

	s->reaped = 1;
	memset(r, 0, sizeof(*r));
	r->pid = s->pid;
	snprintf(r->cmd, sizeof(r->cmd), "%s", s->argv[0]);
	snprintf(r->state, sizeof(r->state), "%s, reaped",
		 proc_status_str(s->status, how, sizeof(how)));
}

/*
 * Look at stage s: reap it first if it has ended (WNOHANG), else read its
 * /proc entries; one that turns out a zombie is reaped on the spot.
 * Returns 0, or -1 with errno set.
 */
static int
look(struct spawn_stage *s, struct proc_row *r)
{
	pid_t w;
	char st;
	int err;

	if ((w = sys_waitpid(s->pid, &s->status, WNOHANG)) < 0)
		return -1;
	if (w == s->pid) {
		row_reaped(r, s);
		return 0;
	}
	if ((st = read_stat(s->pid, r)) == 0)
		return -1;
	if (st == 'Z') {
		while (sys_waitpid(s->pid, &s->status, 0) < 0)
			if (errno != EINTR)
				return -1;
		row_reaped(r, s);
		return 0;
	}
	if (read_fds(s->pid, r, 0) == 0)
		return 0;
	/* It may have ended since: then reap it rather than fail. */
	err = errno;
	if (sys_waitpid(s->pid, &s->status, WNOHANG) == s->pid) {
		row_reaped(r, s);
		return 0;
	}
	errno = err;
	return -1;
}

/* A row for the table and --json. */
static int
add_row(json_t *rows, const struct proc_row *r)
{
	char fds[FDS_MAX * 160];
	json_t *row, *list = json_array();

	fds_str(r, fds, sizeof(fds));
	for (int i = 0; list != NULL && i < r->nfd; i++)
		json_array_append_new(list, json_pack("{s:i, s:s, s:s}",
		    "fd", r->fd[i].fd, "target", r->fd[i].target, "mode",
		    r->fd[i].mode == O_RDONLY ? "r" :
		    r->fd[i].mode == O_WRONLY ? "w" : "rw"));
	row = json_pack("{s:i, s:i, s:i, s:i, s:s, s:s, s:s, s:o}",
			"pid", (int)r->pid, "ppid", (int)r->ppid,
			"pgid", (int)r->pgid, "sid", (int)r->sid,
			"state", r->state, "cmd", r->cmd, "fds", fds,
			"fd_list", list);
	if (row == NULL || json_array_append_new(rows, row) < 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* "cat (pid 42) fd 1" for each end of pipe target opened with mode. */
static void
ends(FILE *f, const struct proc_row *rows, int n, const char *target,
     int mode, json_t *list)
{
	int first = 1;

	for (int i = 0; i < n; i++)
		for (int k = 0; k < rows[i].nfd; k++) {
			const struct fd_info *fi = &rows[i].fd[k];

			if (fi->mode != mode || strcmp(fi->target, target) != 0)
				continue;
			if (list != NULL)
				json_array_append_new(list, json_pack(
				    "{s:i, s:s, s:i}", "pid",
				    (int)rows[i].pid, "cmd", rows[i].cmd,
				    "fd", fi->fd));
			else
				fprintf(f, "%s%s (pid %d) fd %d",
					first ? "" : ", ", rows[i].cmd,
					(int)rows[i].pid, fi->fd);
			first = 0;
		}
	if (first && list == NULL)
		fputs("nobody", f);
}

/* Each pipe once: who writes into it and who reads from it. */
static void
print_pipes(const struct proc_row *rows, int n)
{
	for (int i = 0; i < n; i++)
		for (int k = 0; k < rows[i].nfd; k++) {
			const char *t = rows[i].fd[k].target;
			int seen = 0;

			if (strncmp(t, "pipe:", 5) != 0)
				continue;
			for (int j = 0; j <= i && !seen; j++)
				for (int m = 0; m < rows[j].nfd; m++)
					if ((j < i || m < k) &&
					    strcmp(rows[j].fd[m].target, t) == 0)
						seen = 1;
			if (seen)
				continue;
			if (o.json) {
				json_t *w = json_array(), *r = json_array();
				json_t *obj;

				ends(NULL, rows, n, t, O_WRONLY, w);
				ends(NULL, rows, n, t, O_RDONLY, r);
				obj = json_pack("{s:s, s:o, s:o}", "pipe", t,
						"writers", w, "readers", r);
				if (obj != NULL)
					out_json_line(stdout, obj);
				json_decref(obj);
				continue;
			}
			printf("%s  ", t);
			ends(stdout, rows, n, t, O_WRONLY, NULL);
			fputs(" writes  ->  ", stdout);
			ends(stdout, rows, n, t, O_RDONLY, NULL);
			puts(" reads");
		}
}

/*
 * Show ourselves and every stage: the table, then the pipes between.
 * Returns 0, or the exit status of a failure.
 */
static int
snapshot(const struct cli *cli, struct spawn_stage *st, int n)
{
	struct proc_row rows[STAGES_MAX + 1];
	static const struct out_col cols[] = {
		{ "pid", "PID" }, { "ppid", "PPID" }, { "pgid", "PGID" },
		{ "sid", "SID" }, { "state", "STATE" }, { "cmd", "CMD" },
		{ "fds", "FDS (<read >write =both)" },
	};
	json_t *table = json_array();
	int nrows = 0, rc = 0;

	if (table == NULL)
		return fail(cli, "json", ENOMEM, NULL);
	if (read_stat(getpid(), &rows[0]) == 0 ||
	    read_fds(getpid(), &rows[0], 1) < 0) {
		rc = fail(cli, "/proc/self", errno, NULL);
		goto out;
	}
	nrows = 1;
	for (int i = 0; i < n; i++) {
		if (st[i].pid < 0)
			continue;
		if (look(&st[i], &rows[nrows]) < 0) {
			rc = fail(cli, "/proc", errno, NULL);
			goto out;
		}
		nrows++;
	}
	for (int i = 0; i < nrows; i++)
		if (add_row(table, &rows[i]) < 0) {
			rc = fail(cli, "json", errno, NULL);
			goto out;
		}
	if (out_table(stdout, table, cols, sizeof(cols) / sizeof(cols[0]),
		      o.json) < 0) {
		rc = fail(cli, "stdout", errno, NULL);
		goto out;
	}
	print_pipes(rows, nrows);
	fflush(stdout);
out:
	json_decref(table);
	return rc;
}

/* Reap every stage that has ended, without waiting; say so on stderr. */
static int
reap_ended(const struct cli *cli, struct spawn_stage *st, int n, int *left)
{
	char how[64];
	pid_t w;

	for (int i = 0; i < n; i++) {
		if (st[i].reaped)
			continue;
		if ((w = sys_waitpid(st[i].pid, &st[i].status, WNOHANG)) < 0)
			return -1;
		if (w != st[i].pid)
			continue;
		st[i].reaped = 1;
		(*left)--;
		out_errorf(cli->prog, "pid %d (%s) %s, reaped", (int)st[i].pid,
			   st[i].argv[0], proc_status_str(st[i].status, how,
							  sizeof(how)));
	}
	return 0;
}

/*
 * Wait for SIGCHLD on sfd, and after each one reap whatever has ended.
 * Standard signals do not queue: one SIGCHLD may stand for several
 * children, so each wake-up polls every child with WNOHANG (see
 * signal(7), waitpid(2)).  At the deadline the rest are killed and
 * reaped.  Returns 0, or -1 with errno set (ETIMEDOUT: killed).
 */
static int
reap_all(const struct cli *cli, struct spawn_stage *st, int n, int sfd,
	 long long deadline)
{
	struct signalfd_siginfo si[8];
	int left = 0, r;

	for (int i = 0; i < n; i++)
		left += !st[i].reaped;
	while (left > 0) {
		struct pollfd pfd = { sfd, POLLIN, 0 };

		if (reap_ended(cli, st, n, &left) < 0)
			return -1;
		if (left == 0)
			break;
		r = sys_poll(&pfd, 1, clock_ms_until(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			for (int i = 0; i < n; i++)
				if (!st[i].reaped) {
					out_errorf(cli->prog, "timed out: "
						   "killing pid %d (%s) with "
						   "SIGKILL", (int)st[i].pid,
						   st[i].argv[0]);
					proc_kill_reap(st[i].pid, 0,
						       &st[i].status, NULL);
					st[i].reaped = 1;
				}
			errno = ETIMEDOUT;
			return -1;
		}
		if (sys_read(sfd, si, sizeof(si)) < 0 && errno != EINTR &&
		    errno != EAGAIN)
			return -1;
	}
	return 0;
}

/* The default pipeline: it waits on its stdin, and needs no sleep. */
static char *def_cat[] = { "cat", NULL };
static char *def_sort[] = { "sort", NULL };
static char *def_uniq[] = { "uniq", "-c", NULL };

static int
run_tree(struct cli *cli)
{
	struct spawn_stage st[STAGES_MAX];
	char **words[STAGES_MAX];
	struct proc_pipes feed = { .out_fd = -1, .err_fd = -1, .in_src = -1 };
	sigset_t chld, old;
	int n, rc, in, sfd;

	if (cli->argc == 0) {
		words[0] = def_cat;
		words[1] = def_sort;
		words[2] = def_uniq;
		n = 3;
	} else if ((n = spawn_split(cli->argc, cli->argv, words,
				    STAGES_MAX)) == 0) {
		return usage_error(cli, "an empty stage, or more than %d: "
				   "write CMD [ARG...] between each '|'",
				   STAGES_MAX);
	}
	for (int i = 0; i < n; i++)
		st[i].argv = words[i];
	/*
	 * SIGCHLD is blocked before any child exists, so that none is lost,
	 * and read from a signalfd; each child starts with an empty mask.
	 */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sys_sigprocmask(SIG_BLOCK, &chld, &old) < 0)
		return fail(cli, "sigprocmask", errno, NULL);
	if ((sfd = sys_signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		rc = fail(cli, "signalfd", errno, NULL);
		goto mask;
	}
	if (proc_pipe(&in, &feed.in_fd, 1) < 0) {
		rc = fail(cli, "pipe2", errno, NULL);
		goto sfd;
	}
	rc = spawn_stages(cli, st, n, in, spawn_method(o.method));
	if (rc == 0)
		rc = snapshot(cli, st, n);
	/* End of input: write --input, then close our end (EOF for cat). */
	feed.in = o.input;
	feed.in_len = o.input != NULL ? strlen(o.input) : 0;
	if (proc_communicate(&feed, -1) < 0 && rc == 0)
		rc = fail(cli, "write", errno, NULL);
	if (reap_all(cli, st, n, sfd, o.timeout > 0 ?
		     clock_deadline(o.timeout) : -1) < 0) {
		if (errno == ETIMEDOUT) {
			out_hint("a stage did not end at the end of its input; "
				 "raise --timeout, or check what it waits for");
			rc = EX_TEMPFAIL_;
		} else if (rc == 0) {
			rc = fail(cli, "wait", errno, NULL);
		}
	}
	if (rc == 0)
		rc = proc_status_code(st[n - 1].status);
sfd:
	sys_close(sfd);
mask:
	sys_sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

const struct verb spawn_tree_verb = {
	.name = "tree",
	.summary = "a running pipeline's processes, groups, sessions and the "
		   "pipes between them",
	.usage = "[-- CMD1 [ARG...] '|' CMD2 [ARG...] ...]",
	.description =
		"Starts a pipeline (cat | sort | uniq -c by default, or the "
		"stages given after --, split at '|' as 'pipeline' does) "
		"with its stdin on a pipe that ipc holds open, so that every "
		"stage waits for input.  Meanwhile it shows each process as "
		"/proc shows it: pid, parent pid, process group, session and "
		"state from /proc/PID/stat, and each descriptor from "
		"readlink(2) on /proc/PID/fd/N with its mode, then each pipe "
		"once, by its inode, with who writes into it and who reads "
		"from it.  The stages share our process group and session: "
		"a shell would give them a group of their own.\n\n"
		"Then it writes --input (if any), closes the pipe, and reaps "
		"each child as it ends: SIGCHLD is blocked and read from a "
		"signalfd(2), and since standard signals do not queue, each "
		"wake-up reaps every child that has ended with "
		"waitpid(WNOHANG).  A child already ended when it is looked "
		"at is reaped then, so no row ever shows a zombie.  Exits "
		"with the last stage's status, or 75 when --timeout ran out.",
	.examples = (const char *const[]){
		"ipc spawn tree\tcat | sort | uniq -c, waiting on our pipe",
		"ipc spawn tree --input $'b\\na\\nb\\n'"
		"\tthe same, then fed three lines",
		"ipc spawn tree --json -- grep x '|' wc -l"
		"\tyour own pipeline, as JSON Lines",
		NULL },
	.opts = tree_opts,
	.min_args = 0, .max_args = -1,
	.run = run_tree,
};
