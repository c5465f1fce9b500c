/*
 * child.c - fork a child onto one end of a socketpair, and reap it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "ipc.h"
#include "sys.h"

int
child_start(const struct cli *cli, int sv[2],
	    int (*fn)(const struct cli *cli, int fd), pid_t *pid)
{
	int rc;

	fflush(stdout);
	*pid = sys_fork();
	if (*pid < 0) {
		rc = fail(cli, "fork", errno, errno == EAGAIN
			  ? "too many processes (see 'ulimit -u') or too "
			    "little memory; try again later" : NULL);
		sys_close(sv[0]);
		sys_close(sv[1]);
		return rc;
	}
	if (*pid > 0) {
		sys_close(sv[1]);
		return 0;
	}
	sys_close(sv[0]);
	rc = fn(cli, sv[1]);
	if (fflush(stdout) != 0 && rc == 0)
		rc = fail(cli, "stdout", errno, NULL);
	/*
	 * _exit(2), not exit(3): the parent's atexit handlers and stdio
	 * buffers belong to the parent.
	 */
	_exit(rc);
}

int
child_wait(const struct cli *cli, pid_t pid)
{
	int status;

	/* See waitpid(2): a signal may interrupt the wait, not the child. */
	while (sys_waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return fail(cli, "waitpid", errno, NULL);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	out_errorf(cli->prog, "the child (pid %d) was killed by signal %d "
		   "(%s)", (int)pid, WTERMSIG(status),
		   strsignal(WTERMSIG(status)));
	return EX_SOFT_;
}
