/*
 * popen.c - `ipc spawn popen r|w|rw -- CMD...`: Python 2.7's os.popen and
 * the popen2 module (popen2, popen3, popen4), realised with pipe(2): our
 * stdin is fed to the child through one pipe, its stdout (and stderr)
 * come back through others, and one poll(2) loop serves them all.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "spawn.h"
#include "sys.h"

static struct {
	const char *err, *method;
	double timeout;
} o;

static const struct opt popen_opts[] = {
	OPT_ONEOF('e', "stderr", &o.err, "HOW", "inherit|separate|merged",
		  "the child's stderr: inherited (default), a pipe of its "
		  "own (popen3) or into the stdout pipe (popen4)"),
	OPT_SECS('t', "timeout", &o.timeout,
		 "kill the child (SIGKILL) after S seconds and exit 75"),
	OPT_ONEOF('m', "method", &o.method, "HOW", SPAWN_METHODS,
		  "how to make the child (default: fork)"),
	OPT_STOP
};

/* Our ends of the pipes, and the child's, by stdio fd; -1: none. */
struct plumbing {
	int ours[3], theirs[3];
	size_t got[3];		/* bytes read from its stdout and stderr */
};

/* Pass what the child wrote on to our own stdout or stderr. */
static int
relay(void *ctx, int which, const void *buf, size_t n)
{
	struct plumbing *pl = ctx;

	pl->got[which] += n;
	return out_write_all(which, buf, n);
}

/* The Python call that makes the same pipes. */
static const char *
python_name(int w, int r, int err_pipe, int merged)
{
	if (w && r)
		return err_pipe ? "popen2.popen3(cmd)" :
		       merged ? "popen2.popen4(cmd)" : "popen2.popen2(cmd)";
	if (err_pipe || merged)
		return NULL;
	return w ? "os.popen(cmd, 'w')" : "os.popen(cmd, 'r')";
}

static void
close_all(struct plumbing *pl)
{
	for (int i = 0; i < 3; i++) {
		if (pl->ours[i] >= 0)
			sys_close(pl->ours[i]);
		if (pl->theirs[i] >= 0)
			sys_close(pl->theirs[i]);
		pl->ours[i] = pl->theirs[i] = -1;
	}
}

/* Describe who holds which end, on stderr. */
static void
describe(const struct cli *cli, pid_t pid, const struct plumbing *pl,
	 const char *py, int merged)
{
	static const char *const names[] = { "stdin", "stdout", "stderr" };

	fprintf(stderr, "%s: pid %d", cli->prog, (int)pid);
	if (py != NULL)
		fprintf(stderr, ", as %s", py);
	for (int i = 0; i < 3; i++)
		if (pl->ours[i] >= 0)
			fprintf(stderr, "; its %s%s is a pipe, our end fd %d",
				names[i], i == 1 && merged ? " and stderr" :
				"", pl->ours[i]);
	fputc('\n', stderr);
}

static int
run_popen(struct cli *cli)
{
	struct plumbing pl = { { -1, -1, -1 }, { -1, -1, -1 }, { 0, 0, 0 } };
	const char *mode = cli->argv[0], *step;
	int w = strchr(mode, 'w') != NULL, r = strchr(mode, 'r') != NULL;
	int err_pipe = o.err != NULL && strcmp(o.err, "separate") == 0;
	int merged = o.err != NULL && strcmp(o.err, "merged") == 0;
	long long deadline = o.timeout > 0 ? clock_deadline(o.timeout) : -1;
	struct proc_spec spec = { .argv = cli->argv + 1 };
	struct proc_child child = { 0 };
	struct proc_pipes p;
	int rc, err;

	if (strcmp(mode, "r") != 0 && strcmp(mode, "w") != 0 &&
	    strcmp(mode, "rw") != 0)
		return usage_error(cli, "%s: the mode is r (read its stdout), "
				   "w (write its stdin) or rw (both)", mode);
	if (cli->argc < 2)
		return usage_error(cli, "no command: give it after --, as in "
				   "'ipc spawn popen r -- ls'");
	if ((w && proc_pipe(&pl.theirs[0], &pl.ours[0], 1) < 0) ||
	    (r && proc_pipe(&pl.theirs[1], &pl.ours[1], 0) < 0) ||
	    (err_pipe && proc_pipe(&pl.theirs[2], &pl.ours[2], 0) < 0)) {
		rc = fail(cli, "pipe2", errno, NULL);
		close_all(&pl);
		return rc;
	}
	for (int i = 0; i < 3; i++)
		spec.fd[i] = pl.theirs[i];
	/* popen4: 2>&1, into the stdout pipe or onto our own stdout. */
	if (merged)
		spec.fd[2] = r ? pl.theirs[1] : 1;
	spec.method = spawn_method(o.method);
	fflush(stdout);
	child.pid = proc_spawn(&spec, &step);
	err = errno;
	/* Our copies of the child's ends: closed, so end of file can come. */
	for (int i = 0; i < 3; i++)
		if (pl.theirs[i] >= 0) {
			sys_close(pl.theirs[i]);
			pl.theirs[i] = -1;
		}
	if (child.pid < 0) {
		rc = spawn_failed(cli, spec.argv[0], step, err);
		close_all(&pl);
		return rc;
	}
	describe(cli, child.pid, &pl, python_name(w, r, err_pipe, merged),
		 merged);
	p = (struct proc_pipes){
		.in_fd = pl.ours[0], .out_fd = pl.ours[1],
		.err_fd = pl.ours[2], .in_src = 0, .child = &child,
		.sink = relay, .ctx = &pl,
	};
	/* proc_communicate closes our ends, whatever happens. */
	rc = proc_communicate(&p, deadline);
	if (rc == 0 && (r || err_pipe))
		out_errorf(cli->prog, "read %zu bytes of its stdout and %zu "
			   "of its stderr through the pipes", pl.got[1],
			   pl.got[2]);
	return spawn_finish(cli, &child, rc, deadline, o.timeout, 0);
}

const struct verb spawn_popen_verb = {
	.name = "popen",
	.summary = "os.popen and popen2's popen2/3/4: a child behind pipes",
	.usage = "r|w|rw -- CMD [ARG...]",
	.description =
		"Starts CMD (no shell) with pipes in place of some of its "
		"stdio, the way Python 2.7's os.popen and popen2 module did, "
		"and serves them from one poll(2) loop: with r we read its "
		"stdout through a pipe and copy it to ours (os.popen(cmd, "
		"'r')); with w we copy our stdin into a pipe that is its "
		"stdin, closing it at our end of file (os.popen(cmd, 'w')); "
		"rw does both (popen2.popen2).  --stderr separate gives its "
		"stderr a pipe of its own (popen2.popen3), --stderr merged "
		"sends it down the stdout pipe (popen2.popen4, 2>&1).\n\n"
		"The loop never writes more than poll promised room for and "
		"reads whatever is ready, so a child that writes much before "
		"it reads cannot deadlock it (see 'ipc spawn deadlock').  "
		"While the pipes are served, the child is watched through a "
		"pidfd (pidfd_open(2)) and reaped the moment it ends: it is "
		"never left a zombie, even when a grandchild keeps the pipes "
		"open.  Then its status is reported as 'run' does.",
	.examples = (const char *const[]){
		"ipc spawn popen r -- ls /\tread ls's output through a pipe",
		"echo hello | ipc spawn popen w -- tr a-z A-Z"
		"\tour stdin goes down the pipe to tr",
		"printf 'b\\na\\n' | ipc spawn popen rw -- sort"
		"\tpopen2: write its stdin and read its stdout",
		"ipc spawn popen rw --stderr separate -- sh -c 'echo o; "
		"echo e >&2'\tpopen3: three pipes",
		NULL },
	.opts = popen_opts,
	.min_args = 1, .max_args = -1,
	.run = run_popen,
};
