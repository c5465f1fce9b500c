/*
 * run.c - `ipc spawn run -- CMD ARGS...`: run one program without a shell,
 * with its stdio, environment, directory, session and descriptors as
 * asked, then report how it ended and what it used (subprocess.run).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "clock.h"
#include "spawn.h"
#include "sys.h"

static struct {
	int capture, merge, clear_env, new_session, pgroup, shell;
	const char *in, *out, *err, *cwd, *method;
	double timeout;
	struct strlist env, pass_fd;
} o;

static const struct opt run_opts[] = {
	OPT_FLAG('c', "capture", &o.capture,
		 "read the child's stdout and stderr through pipes "
		 "(--stdout pipe --stderr pipe)"),
	OPT_STR_C(0, "stdout", &o.out, "WHERE",
		  "the child's stdout: FILE, pipe, null or inherit (default)",
		  "@file"),
	OPT_STR_C(0, "stderr", &o.err, "WHERE",
		  "the child's stderr: FILE, pipe, null or inherit (default)",
		  "@file"),
	OPT_FLAG(0, "merge", &o.merge,
		 "the child's stderr goes where its stdout goes (2>&1)"),
	OPT_STR_C(0, "stdin", &o.in, "FROM",
		  "the child's stdin: FILE, null, data:TEXT (fed through a "
		  "pipe) or - (inherit, the default)", "@file"),
	OPT_SECS('t', "timeout", &o.timeout,
		 "kill the child (SIGKILL) after S seconds and exit 75"),
	OPT_MANY('e', "env", &o.env, "K=V",
		 "set K in the child's environment (repeatable)"),
	OPT_FLAG(0, "clear-env", &o.clear_env,
		 "start from an empty environment (only --env values)"),
	OPT_STR_C(0, "cwd", &o.cwd, "DIR", "run the child in DIR", "@file"),
	OPT_FLAG(0, "new-session", &o.new_session,
		 "the child calls setsid(2): a new session, no controlling "
		 "terminal"),
	OPT_FLAG(0, "pgroup", &o.pgroup,
		 "the child gets a process group of its own (setpgid(2)); "
		 "--timeout then kills the whole group"),
	OPT_MANY(0, "pass-fd", &o.pass_fd, "N",
		 "keep descriptor N (3 or more) open in the child "
		 "(repeatable); every other one above 2 is closed"),
	OPT_ONEOF('m', "method", &o.method, "HOW", SPAWN_METHODS,
		  "how to make the child (default: fork)"),
	OPT_FLAG(0, "shell", &o.shell,
		 "run CMD through /bin/sh -c (the injection risk: see "
		 "'ipc spawn shell --help')"),
	OPT_STOP
};

/* Where one of the child's stdio fds comes from. */
struct slot {
	int child;	/* what the child gets, or -1: inherit */
	int parent;	/* our end of a pipe, or -1 */
	int close;	/* child is ours to close after the spawn */
};

/* Byte counts of what came through the pipes. */
struct counts {
	size_t n[3];
};

static int
relay(void *ctx, int which, const void *buf, size_t n)
{
	struct counts *c = ctx;

	c->n[which] += n;
	return out_write_all(which, buf, n);
}

/* A pipe for one stdio fd; see proc_pipe(). */
static int
open_pipe(struct slot *s, int child_reads)
{
	if (proc_pipe(&s->child, &s->parent, child_reads) < 0)
		return -1;
	s->close = 1;
	return 0;
}

/* Open what --stdout/--stderr names; *what says what failed. */
static int
open_out(struct slot *s, const char *where, int capture, const char **what)
{
	*what = where;
	if ((where == NULL && capture) ||
	    (where != NULL && strcmp(where, "pipe") == 0)) {
		*what = "pipe2";
		return open_pipe(s, 0);
	}
	if (where == NULL || strcmp(where, "inherit") == 0)
		return 0;
	if (strcmp(where, "null") == 0)
		where = "/dev/null";
	s->child = sys_open(where, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			    0666);
	s->close = 1;
	return s->child < 0 ? -1 : 0;
}

static int
open_in(struct slot *s, const char *from, const char **what)
{
	*what = from;
	if (from == NULL || strcmp(from, "-") == 0)
		return 0;
	if (strncmp(from, "data:", 5) == 0) {
		*what = "pipe2";
		return open_pipe(s, 1);
	}
	if (strcmp(from, "null") == 0)
		from = "/dev/null";
	s->child = sys_open(from, O_RDONLY | O_CLOEXEC);
	s->close = 1;
	return s->child < 0 ? -1 : 0;
}

/* --pass-fd values: numbers from 3 up, each open here. */
static int
parse_pass_fds(struct cli *cli, int *fds)
{
	for (size_t i = 0; i < o.pass_fd.n; i++) {
		char *end;
		long v;

		errno = 0;
		v = strtol(o.pass_fd.v[i], &end, 10);
		if (errno != 0 || end == o.pass_fd.v[i] || *end != '\0' ||
		    v < 3 || v > INT_MAX)
			return usage_error(cli, "--pass-fd %s: not a "
					   "descriptor number of 3 or more",
					   o.pass_fd.v[i]);
		fds[i] = (int)v;
		if (sys_fcntl(fds[i], F_GETFD) < 0)
			return fail(cli, o.pass_fd.v[i], errno,
				    "that descriptor is not open in ipc: "
				    "open it in the shell, as in "
				    "'ipc spawn run --pass-fd 5 -- CMD 5<FILE'");
	}
	return 0;
}

/* The argv to exec: CMD ARGS..., or /bin/sh -c CMD ARGS... */
static char **
make_argv(struct cli *cli)
{
	char **argv = calloc((size_t)cli->argc + 3, sizeof(*argv));
	int n = 0;

	if (argv == NULL)
		return NULL;
	if (o.shell) {
		argv[n++] = "/bin/sh";
		argv[n++] = "-c";
	}
	for (int i = 0; i < cli->argc; i++)
		argv[n++] = cli->argv[i];
	return argv;
}

/* Feed and drain the pipes, then reap; on the deadline, kill and reap. */
static int
finish(struct cli *cli, pid_t pid, struct slot *sl, long long deadline)
{
	struct counts c = { { 0, 0, 0 } };
	struct proc_child child = { .pid = pid };
	struct proc_pipes p = {
		.in_fd = sl[0].parent, .out_fd = sl[1].parent,
		.err_fd = sl[2].parent,
		.in = o.in != NULL ? o.in + 5 : NULL,
		.in_len = o.in != NULL ? strlen(o.in) - 5 : 0,
		.in_src = -1, .child = &child, .sink = relay, .ctx = &c,
	};
	int rc;

	rc = proc_communicate(&p, deadline);
	if (rc == 0 && (sl[1].parent >= 0 || sl[2].parent >= 0 || o.capture))
		out_errorf(cli->prog, "captured %zu bytes of stdout and %zu "
			   "of stderr through pipes", c.n[1], c.n[2]);
	return spawn_finish(cli, &child, rc, deadline, o.timeout,
			    o.pgroup || o.new_session);
}

static int
run_run(struct cli *cli)
{
	struct slot sl[3] = { { -1, -1, 0 }, { -1, -1, 0 }, { -1, -1, 0 } };
	int keep[64], rc = 0, err;
	struct proc_spec spec = { 0 };
	const char *what, *step;
	char **argv = NULL, **env = NULL;
	pid_t pid;

	if (o.pass_fd.n > sizeof(keep) / sizeof(keep[0]))
		return usage_error(cli, "at most %zu --pass-fd values",
				   sizeof(keep) / sizeof(keep[0]));
	if (o.merge && o.err != NULL)
		return usage_error(cli, "--merge and --stderr both say where "
				   "stderr goes; give one");
	if ((rc = parse_pass_fds(cli, keep)) != 0)
		return rc;
	if (open_in(&sl[0], o.in, &what) < 0 ||
	    open_out(&sl[1], o.out, o.capture, &what) < 0 ||
	    (!o.merge && open_out(&sl[2], o.err, o.capture, &what) < 0)) {
		rc = fail(cli, what, errno, NULL);
		goto out;
	}
	if (o.merge)
		sl[2].child = sl[1].child >= 0 ? sl[1].child : 1;
	if ((o.clear_env || o.env.n > 0) &&
	    (env = proc_env(o.clear_env, o.env.v, o.env.n)) == NULL) {
		rc = errno == EINVAL
			? usage_error(cli, "--env wants K=V")
			: fail(cli, "environment", errno, NULL);
		goto out;
	}
	if ((argv = make_argv(cli)) == NULL) {
		rc = fail(cli, "argv", errno, NULL);
		goto out;
	}
	for (int i = 0; i < 3; i++)
		spec.fd[i] = sl[i].child;
	spec.argv = argv;
	spec.envp = env;
	spec.cwd = o.cwd;
	spec.keep = keep;
	spec.nkeep = o.pass_fd.n;
	spec.new_session = o.new_session;
	spec.pgroup = o.pgroup;
	spec.method = spawn_method(o.method);
	fflush(stdout);
	pid = proc_spawn(&spec, &step);
	err = errno;
	/* Our copies of the child's ends: closed, so end of file can come. */
	for (int i = 0; i < 3; i++)
		if (sl[i].close && sl[i].child >= 0)
			sys_close(sl[i].child);
	if (pid < 0) {
		rc = spawn_failed(cli, argv[0], step, err);
		for (int i = 0; i < 3; i++)
			if (sl[i].parent >= 0)
				sys_close(sl[i].parent);
		goto done;
	}
	rc = finish(cli, pid, sl, o.timeout > 0 ? clock_deadline(o.timeout)
						: -1);
	goto done;
out:
	for (int i = 0; i < 3; i++) {
		if (sl[i].close && sl[i].child >= 0)
			sys_close(sl[i].child);
		if (sl[i].parent >= 0)
			sys_close(sl[i].parent);
	}
done:
	free(argv);
	proc_env_free(env);
	return rc;
}

const struct verb spawn_run_verb = {
	.name = "run",
	.summary = "run a program without a shell and report how it ended",
	.usage = "-- CMD [ARG...]",
	.description =
		"Runs CMD with its arguments exactly as given: no shell "
		"splits, globs or expands them (see 'ipc spawn shell' for "
		"what a shell would do).  The child is made with fork(2) by "
		"default, vfork(2) or posix_spawn(3) with --method, and "
		"starts clean: every signal at its default disposition and "
		"none blocked, fds 0-2 as asked, every other descriptor "
		"closed at exec (close_range(2)) except those given with "
		"--pass-fd.\n\n"
		"If the program cannot be run (not found, not executable), "
		"the child says so through a close-on-exec pipe before it "
		"exits: the error is reported with its errno and ipc exits "
		"127, as a shell does.  Otherwise ipc reports the exit "
		"status, or the signal that killed the child (and whether it "
		"dumped core), and its resource usage from wait4(2), on "
		"stderr, and exits as a shell would: the child's status, or "
		"128 plus the signal number.\n\n"
		"Pipes (--capture, pipe) are served by one poll(2) loop, as "
		"Python's communicate() does, so a child that writes a lot "
		"never blocks on a full pipe.",
	.examples = (const char *const[]){
		"ipc spawn run -- ls -l /tmp\tls, no shell; then its status "
		"and rusage",
		"ipc spawn run --capture -- sh -c 'echo out; echo err >&2'"
		"\tboth streams through pipes, counted",
		"ipc spawn run --stdin data:hello -- tr a-z A-Z"
		"\tfeed the child's stdin from a string",
		"ipc spawn run --timeout 1 -- sleep 10"
		"\tkilled after one second; exit 75",
		"ipc spawn run --clear-env --env A=1 -- env"
		"\tan environment of one variable",
		"ipc spawn run --pass-fd 5 -- ls -l /proc/self/fd 5</etc/hostname"
		"\tonly 0-2 and 5 reach the child",
		"ipc spawn run --method posix_spawn --trace -- true"
		"\tthe one posix_spawnp call instead of fork and exec",
		NULL },
	.opts = run_opts,
	.min_args = 1, .max_args = -1,
	.run = run_run,
};
