/*
 * inherit.c - `ipc spawn inherit`: the inherited-descriptor trap.  A
 * descriptor opened without O_CLOEXEC survives execve(2), so every program
 * the process runs gets it too: a file it should not read, the write end
 * of a pipe that then never reaches end of file, a listening socket that
 * stays bound after the server exits.  See open(2), O_CLOEXEC, and
 * execve(2), "File descriptors".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"
#include "sys.h"

/* Room for the child's listing; more is read and dropped. */
#define LIST_MAX	8192

/* The two files, one opened each way. */
static const char leak_path[] = "/dev/null", kept_path[] = "/dev/zero";

static char *const ls_argv[] = { "ls", "-l", "/proc/self/fd", NULL };

/*
 * Read fd to its end into buf as a string, dropping what does not fit,
 * and close it.  Returns 0, or -1 with errno set.
 */
static int
drain(int fd, char *buf, size_t size)
{
	char spill[512];
	size_t len = 0;
	ssize_t n;
	int err;

	for (;;) {
		if (len < size - 1)
			n = sys_read(fd, buf + len, size - 1 - len);
		else
			n = sys_read(fd, spill, sizeof(spill));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len < size - 1)
			len += (size_t)n;
	}
	err = errno;
	buf[len] = '\0';
	sys_close(fd);
	errno = err;
	return n < 0 ? -1 : 0;
}

/* Whether the listing has a line "... FD -> TARGET". */
static int
listed(const char *list, int fd, const char *target)
{
	char want[128];

	if ((size_t)snprintf(want, sizeof(want), " %d -> %s\n", fd,
			     target) >= sizeof(want))
		return 0;
	return strstr(list, want) != NULL;
}

/*
 * Print the listing, indented, and what became of fd leak and fd kept;
 * gone says why leak is missing, when it is.
 */
static void
verdict(const char *list, int leak, int kept, const char *gone)
{
	const char *line, *end;

	for (line = list; *line != '\0'; line = end + (*end == '\n')) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		printf("   | %.*s\n", (int)(end - line), line);
	}
	printf("   fd %d (%s, no O_CLOEXEC): %s\n", leak, leak_path,
	       listed(list, leak, leak_path) ? "INHERITED by the child"
	       : gone);
	printf("   fd %d (%s, O_CLOEXEC): %s\n", kept, kept_path,
	       listed(list, kept, kept_path) ? "INHERITED by the child"
	       : "not in the child: closed by execve");
}

/*
 * Fork and exec ls as a program that forgets its descriptors does: the
 * child moves the pipe onto its stdout and calls execvp, nothing more.
 * Returns 0 with the listing in buf, or an exit status.
 */
static int
list_forked(const struct cli *cli, char *buf, size_t size)
{
	int out, in, status, rc = 0;
	char how[64];
	pid_t pid;

	if (proc_pipe(&out, &in, 0) < 0)
		return fail(cli, "pipe2", errno, NULL);
	fflush(stdout);
	pid = sys_fork();
	if (pid < 0) {
		rc = fail(cli, "fork", errno, SPAWN_FORK_HINT);
		sys_close(out);
		sys_close(in);
		return rc;
	}
	if (pid == 0) {
		/* dup2 clears FD_CLOEXEC on the copy, so fd 1 survives. */
		if (sys_dup2(out, 1) >= 0)
			sys_execvp(ls_argv[0], ls_argv);
		_exit(127);
	}
	sys_close(out);
	if (drain(in, buf, size) < 0)
		rc = fail(cli, "read", errno, NULL);
	while (sys_waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return fail(cli, "waitpid", errno, NULL);
	if (rc == 0 && status != 0) {
		out_errorf(cli->prog, "ls %s", proc_status_str(status, how,
							       sizeof(how)));
		out_hint("ls(1) must be in $PATH; 127 means it could not run");
		return EX_UNAVAIL_;
	}
	return rc;
}

/*
 * Start ls the way `ipc spawn run` does, with proc_spawn(): the child
 * closes every descriptor above 2 before exec.  Returns 0 with the
 * listing in buf, or an exit status.
 */
static int
list_spawned(const struct cli *cli, char *buf, size_t size)
{
	struct proc_spec spec = { 0 };
	struct proc_child c = { 0 };
	const char *step;
	int out, in, rc;

	if (proc_pipe(&out, &in, 0) < 0)
		return fail(cli, "pipe2", errno, NULL);
	spec.argv = ls_argv;
	spec.fd[0] = -1;
	spec.fd[1] = out;
	spec.fd[2] = -1;
	fflush(stdout);
	c.pid = proc_spawn(&spec, &step);
	if (c.pid < 0) {
		rc = spawn_failed(cli, ls_argv[0], step, errno);
		sys_close(out);
		sys_close(in);
		return rc;
	}
	sys_close(out);
	rc = drain(in, buf, size);
	if (proc_wait(c.pid, -1, &c.status, &c.ru) < 0)
		return fail(cli, "wait4", errno, NULL);
	if (rc < 0)
		return fail(cli, "read", errno, NULL);
	return c.status == 0 ? 0 : spawn_report(cli, c.pid, c.status, NULL);
}

static int
run_inherit(struct cli *cli)
{
	char list[LIST_MAX];
	int leak, kept, rc;

	/* Without O_CLOEXEC on purpose: this descriptor is the trap. */
	leak = sys_open(leak_path, O_RDONLY);
	if (leak < 0)
		return fail(cli, leak_path, errno, NULL);
	kept = sys_open(kept_path, O_RDONLY | O_CLOEXEC);
	if (kept < 0) {
		rc = fail(cli, kept_path, errno, NULL);
		sys_close(leak);
		return rc;
	}
	printf("opened fd %d = %s without O_CLOEXEC, fd %d = %s with it\n",
	       leak, leak_path, kept, kept_path);
	printf("1. fork, then execvp ls -l /proc/self/fd, as most programs "
	       "do:\n");
	rc = list_forked(cli, list, sizeof(list));
	if (rc == 0) {
		verdict(list, leak, kept, "not in the child");
		printf("2. the same through proc_spawn, as 'ipc spawn run' "
		       "does:\n");
		rc = list_spawned(cli, list, sizeof(list));
	}
	if (rc == 0) {
		verdict(list, leak, kept, "not in the child: close_range "
			"marked it close-on-exec");
		printf("Every descriptor survives execve unless it has "
		       "FD_CLOEXEC, so without O_CLOEXEC the child gets fd "
		       "%d and so does every program it runs in turn.  That "
		       "is why every descriptor in ipc is opened with "
		       "O_CLOEXEC (pipe2, socket and accept4 take the flag "
		       "too): setting it later with fcntl leaves a moment in "
		       "which another thread can fork and exec.  And since a "
		       "library may still forget, 'ipc spawn run' marks "
		       "everything above fd 2 close-on-exec in the child with "
		       "close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) before it "
		       "calls execvpe: only 0-2 and the --pass-fd descriptors "
		       "get through.  Python 3.4 and later do the same "
		       "(PEP 446, close_fds=True).  See open(2), "
		       "close_range(2).\n", leak);
	}
	sys_close(leak);
	sys_close(kept);
	return rc;
}

const struct verb spawn_inherit_verb = {
	.name = "inherit",
	.summary = "a descriptor without O_CLOEXEC leaks into every program "
		   "run",
	.usage = "",
	.description =
		"Opens /dev/null without O_CLOEXEC and /dev/zero with it, then "
		"runs 'ls -l /proc/self/fd' twice, its output read back "
		"through a pipe.  First with a plain fork(2) and execvp(3): "
		"the child lists the /dev/null descriptor, which it never "
		"asked for, while execve(2) closed the /dev/zero one.  Then "
		"the way 'ipc spawn run' starts a program, which marks every "
		"descriptor above 2 close-on-exec in the child "
		"(close_range(2)): neither gets through.\n\n"
		"A leaked descriptor is more than untidy: the write end of a "
		"pipe held by a grandchild means the reader never sees end of "
		"file, and a listening socket held by a child keeps the port "
		"busy after the server exits.",
	.examples = (const char *const[]){
		"ipc spawn inherit\tsee which descriptor reaches the child",
		"ipc spawn inherit --trace\tsee the open flags, fork, execvp "
		"and close_range",
		NULL },
	.opts = NULL,
	.min_args = 0, .max_args = 0,
	.run = run_inherit,
};
