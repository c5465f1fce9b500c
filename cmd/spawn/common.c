/*
 * common.c - what the verbs of `ipc spawn` share: --method, pipelines cut
 * at '|', and the reports of a spawn that failed and of a child that
 * ended.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "spawn.h"
#include "sys.h"

enum proc_method
spawn_method(const char *name)
{
	if (name != NULL && strcmp(name, "vfork") == 0)
		return PROC_VFORK;
	if (name != NULL && strcmp(name, "posix_spawn") == 0)
		return PROC_POSIX_SPAWN;
	return PROC_FORK;
}

/* The hint for an exec that failed with err. */
static const char *
exec_hint(int err)
{
	switch (err) {
	case ENOENT:
		return "no program of that name in $PATH (see 'command -v "
		       "NAME'); give a path, or check the spelling";
	case EACCES:
		return "the file is not executable: check its mode (chmod +x) "
		       "and that its file system is not mounted noexec";
	case ENOEXEC:
		return "the kernel cannot run that format: a script needs a "
		       "#! line";
	default:
		return NULL;
	}
}

int
spawn_failed(const struct cli *cli, const char *prog, const char *step,
	     int err)
{
	char what[256];

	snprintf(what, sizeof(what), "%s %s", step, prog);
	if (strcmp(step, "execvpe") == 0 || strcmp(step, "posix_spawnp") == 0) {
		fail(cli, what, err, exec_hint(err));
		/* The child reported it through the CLOEXEC pipe, then
		   exited 127; see execve(2). */
		return 127;
	}
	return fail(cli, what, err, NULL);
}

int
spawn_report(const struct cli *cli, pid_t pid, int status,
	     const struct rusage *ru)
{
	char how[128];

	out_errorf(cli->prog, "pid %d %s", (int)pid,
		   proc_status_str(status, how, sizeof(how)));
	if (ru != NULL)
		fprintf(stderr, "rusage: user %ld.%06lds, sys %ld.%06lds, "
			"max rss %ld KiB, %ld major faults, %ld voluntary "
			"and %ld involuntary context switches\n",
			(long)ru->ru_utime.tv_sec, (long)ru->ru_utime.tv_usec,
			(long)ru->ru_stime.tv_sec, (long)ru->ru_stime.tv_usec,
			ru->ru_maxrss, ru->ru_majflt, ru->ru_nvcsw,
			ru->ru_nivcsw);
	return proc_status_code(status);
}

int
spawn_finish(const struct cli *cli, struct proc_child *c, int rc,
	     long long deadline, double timeout, int group)
{
	if (rc == 0 && !c->reaped && proc_wait(c->pid, deadline, &c->status,
					       &c->ru) < 0)
		rc = -1;
	if (rc < 0 && errno == ETIMEDOUT) {
		out_errorf(cli->prog, "timed out after %gs: killing pid %d%s "
			   "with SIGKILL", timeout, (int)c->pid,
			   group ? " and its group" : "");
		if (!c->reaped && proc_kill_reap(c->pid, group, &c->status,
						 &c->ru) < 0)
			return fail(cli, "wait4", errno, NULL);
		spawn_report(cli, c->pid, c->status, &c->ru);
		out_hint("the child did not finish in time; raise --timeout, "
			 "or see what it waits for with 'strace -p PID'");
		return EX_TEMPFAIL_;
	}
	if (rc < 0) {
		rc = fail(cli, "wait", errno, NULL);
		if (!c->reaped)
			proc_kill_reap(c->pid, group, &c->status, &c->ru);
		return rc;
	}
	return spawn_report(cli, c->pid, c->status, &c->ru);
}

int
spawn_split(int argc, char **argv, char ***stages, int max)
{
	int n = 0, start = 0;

	for (int i = 0; i <= argc; i++) {
		if (i < argc && strcmp(argv[i], "|") != 0)
			continue;
		if (i == start || n == max)
			return 0;
		stages[n++] = argv + start;
		if (i < argc)
			argv[i] = NULL;
		start = i + 1;
	}
	return n;
}

int
spawn_put_quoted(FILE *f, const char *s)
{
	/* The worst case: every byte a ' that becomes '\'' (4 bytes). */
	size_t size = 4 * strlen(s) + 3;
	char *buf = malloc(size);

	if (buf == NULL)
		return -1;
	fputs(proc_quote(s, buf, size), f);
	free(buf);
	return 0;
}

/* Start one stage with stdin from in and stdout to out (-1: ours). */
static void
start_stage(const struct cli *cli, struct spawn_stage *s, int in, int out,
	    enum proc_method method)
{
	struct proc_spec spec = { 0 };
	const char *step;

	spec.argv = s->argv;
	spec.fd[0] = in;
	spec.fd[1] = out;
	spec.fd[2] = -1;
	spec.method = method;
	s->status = 0;
	s->reaped = 0;
	s->pid = proc_spawn(&spec, &step);
	if (s->pid < 0) {
		/* A shell goes on with the other stages; so do we. */
		s->status = spawn_failed(cli, s->argv[0], step, errno) << 8;
		s->reaped = 1;
	}
}

int
spawn_stages(const struct cli *cli, struct spawn_stage *st, int n, int in,
	     enum proc_method method)
{
	int rc = 0, i, p[2];

	fflush(stdout);
	for (i = 0; i < n; i++) {
		p[0] = p[1] = -1;
		if (i < n - 1 && sys_pipe2(p, O_CLOEXEC) < 0) {
			rc = fail(cli, "pipe2", errno, NULL);
			break;
		}
		start_stage(cli, &st[i], in, p[1], method);
		/* Each end closed here once its child has it: see pipe(7). */
		if (in >= 0)
			sys_close(in);
		if (p[1] >= 0)
			sys_close(p[1]);
		in = p[0];
	}
	for (; i < n; i++) {
		st[i].pid = -1;
		st[i].status = 0;
		st[i].reaped = 1;
	}
	if (in >= 0)
		sys_close(in);
	return rc;
}

int
spawn_read_small(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = sys_open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -1;
	while ((n = sys_read(fd, buf, size - 1)) < 0 && errno == EINTR)
		;
	err = errno;
	sys_close(fd);
	if (n < 0) {
		errno = err;
		return -1;
	}
	buf[n] = '\0';
	return 0;
}

const char *
spawn_state_word(char s)
{
	switch (s) {
	case 'R': return "running";
	case 'S': return "sleeping";
	case 'D': return "disk wait";
	case 'T': return "stopped";
	case 't': return "traced";
	case 'Z': return "zombie";
	default: return "?";
	}
}

/*
 * comm is in parentheses and may hold spaces and ')', so the fields after
 * it are found from its last ')'.  See proc(5).
 */
char
spawn_read_stat(pid_t pid, struct spawn_stat *st)
{
	char path[64], buf[512], *open, *close, state;
	int ppid, pgid, sid;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (spawn_read_small(path, buf, sizeof(buf)) < 0)
		return 0;
	open = strchr(buf, '(');
	close = strrchr(buf, ')');
	if (open == NULL || close == NULL || close < open ||
	    sscanf(close + 1, " %c %d %d %d", &state, &ppid, &pgid,
		   &sid) != 4) {
		errno = EPROTO;
		return 0;
	}
	st->pid = pid;
	st->ppid = ppid;
	st->pgid = pgid;
	st->sid = sid;
	st->state = state;
	snprintf(st->comm, sizeof(st->comm), "%.*s", (int)(close - open - 1),
		 open + 1);
	return state;
}
