/*
 * zombie.c - `ipc spawn zombie`: a child that has exited but is not yet
 * reaped.  Its program is gone, yet the kernel keeps its process-table
 * entry, its pid and its exit status until the parent collects them with
 * a wait(2) call; until then /proc shows it in state Z.  See wait(2),
 * "NOTES", and proc(5).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"
#include "sys.h"

/* How long the child may take to exit: it exits at once, so this is ample. */
#define EXIT_WAIT_MS	10000

/* Print what /proc/PID/stat and kill(pid, 0) say of pid right now. */
static void
show(pid_t pid)
{
	struct spawn_stat st;
	char c = spawn_read_stat(pid, &st);

	if (c != 0)
		printf("   /proc/%d/stat: state %c (%s), parent %d, "
		       "command %s\n", (int)pid, c, spawn_state_word(c),
		       (int)st.ppid, st.comm);
	else
		printf("   /proc/%d/stat: %s: no such process in the "
		       "process table\n", (int)pid, out_errname(errno));
	/* Signal 0 checks that the pid exists and sends nothing: kill(2). */
	if (sys_kill(pid, 0) == 0)
		printf("   kill(%d, 0) succeeds: the pid is still taken, and "
		       "no new process can get it\n", (int)pid);
	else
		printf("   kill(%d, 0) fails with %s: the pid is free for "
		       "the next process\n", (int)pid, out_errname(errno));
}

/*
 * Wait until pid has exited without reaping it: its pidfd polls readable
 * then (see pidfd_open(2)), and the zombie stays for us to look at.
 * Returns 0, or -1 with errno set and *what naming the call.
 */
static int
wait_exited(pid_t pid, const char **what)
{
	struct pollfd p = { .events = POLLIN };
	int n, err;

	p.fd = sys_pidfd_open(pid, 0);
	if (p.fd < 0) {
		*what = "pidfd_open";
		return -1;
	}
	while ((n = sys_poll(&p, 1, EXIT_WAIT_MS)) < 0 && errno == EINTR)
		;
	err = n == 0 ? ETIMEDOUT : errno;
	sys_close(p.fd);
	if (n <= 0) {
		*what = "poll";
		errno = err;
		return -1;
	}
	return 0;
}

/* Reap pid, retrying on EINTR.  Returns pid, or -1 with errno set. */
static pid_t
reap(pid_t pid, int *status)
{
	pid_t r;

	while ((r = sys_waitpid(pid, status, 0)) < 0 && errno == EINTR)
		;
	return r;
}

static int
run_zombie(struct cli *cli)
{
	const char *what = NULL;
	char how[64];
	int status, rc;
	pid_t pid;

	fflush(stdout);
	pid = sys_fork();
	if (pid < 0)
		return fail(cli, "fork", errno, SPAWN_FORK_HINT);
	if (pid == 0)
		_exit(0);	/* the child ends at once: see _exit(2) */
	printf("forked pid %d, which calls _exit(0) at once\n", (int)pid);
	if (wait_exited(pid, &what) < 0) {
		rc = fail(cli, what, errno, NULL);
		sys_kill(pid, SIGKILL);
		reap(pid, &status);
		return rc;
	}
	printf("its pidfd polls readable: it has exited, and nobody has "
	       "called wait yet\n");
	show(pid);
	printf("   it is a zombie: no memory, no open files, no program; "
	       "only a process-table entry holding its pid, its exit status "
	       "and its resource usage for the parent to collect\n");
	fflush(stdout);
	if (reap(pid, &status) < 0)
		return fail(cli, "waitpid", errno, NULL);
	printf("waitpid(%d) reaped it: %s\n", (int)pid,
	       proc_status_str(status, how, sizeof(how)));
	show(pid);
	printf("A parent that never calls wait keeps one zombie per child "
	       "until it exits itself (then init adopts and reaps them); a "
	       "long-running server leaks pids this way until fork fails "
	       "with EAGAIN.  The cure is to reap every child: a SIGCHLD "
	       "handler or signalfd with a waitpid(-1, WNOHANG) loop (see "
	       "'ipc spawn tree').  The other way is to tell the kernel "
	       "that no status is wanted: SIGCHLD set to SIG_IGN, or a "
	       "handler with SA_NOCLDWAIT, and children are reaped as they "
	       "exit and never become zombies; wait then blocks until they "
	       "are all gone and fails with ECHILD.  See sigaction(2) and "
	       "wait(2).\n");
	return 0;
}

const struct verb spawn_zombie_verb = {
	.name = "zombie",
	.summary = "a child that has exited but is not reaped: state Z in "
		   "/proc",
	.usage = "",
	.description =
		"Forks a child that exits at once, then waits for it to exit "
		"without reaping it: the child's pidfd polls readable once it "
		"has ended (pidfd_open(2)), and nothing has called wait(2).  "
		"/proc/PID/stat then shows the child in state Z (zombie), "
		"still a child of ours, and kill(pid, 0) shows that its pid "
		"is still taken.  waitpid(2) collects its exit status and the "
		"kernel frees the entry: /proc/PID is gone and kill fails "
		"with ESRCH.\n\n"
		"Python's subprocess reaps a Popen in wait(), communicate() "
		"and even when the object is collected; in C nothing does it "
		"for you.  Every child must be reaped, or SIGCHLD set to "
		"SIG_IGN (or SA_NOCLDWAIT) so the kernel reaps it; see "
		"wait(2), \"NOTES\".",
	.examples = (const char *const[]){
		"ipc spawn zombie\tsee a zombie, then reap it",
		"ipc spawn zombie --trace\tsee fork, pidfd_open, poll and "
		"waitpid",
		NULL },
	.opts = NULL,
	.min_args = 0, .max_args = 0,
	.run = run_zombie,
};
