/*
 * run.c - running what the learner types, and the checks, the way a
 * shell runs a job.
 *
 * Each command gets its own process group (setpgid(2)), so that `quit`
 * can end it and whatever it left running in the background, and, on a
 * terminal, the terminal's foreground (tcsetpgrp(3)), so that Ctrl-C and
 * Ctrl-Z go to it and not to us; see credentials(7) and "job control" in
 * the shell's manual.
 *
 * Its stdout and stderr go to one file, opened O_APPEND, and we copy the
 * new bytes to our stdout while it runs.  A file, not a pipe: a server
 * started with `&` keeps writing after the command returns, and a pipe
 * would fill and block it, or kill it with SIGPIPE once we stopped
 * reading.  A file never blocks a writer.  The last TUT_OUTPUT bytes of
 * what a command wrote become IPC_LAST_OUTPUT for the check.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "clock.h"
#include "sys.h"
#include "tutorial.h"

/* How often, at most, we look for new output while a command runs. */
#define COPY_MS	30

/* The signals a child must get back at their defaults before exec. */
static const int child_signals[] = {
	SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE, SIGCHLD, SIGTERM,
	SIGHUP,
};

/*
 * The directory of the running ipc, from /proc/self/exe (see proc(5)),
 * into buf.  Returns 0 or -1 with errno set.
 */
static int
exe_dir(char *buf, size_t size)
{
	ssize_t n = sys_readlink("/proc/self/exe", buf, size - 1);
	char *slash;

	if (n < 0)
		return -1;
	buf[n] = '\0';
	if ((slash = strrchr(buf, '/')) == NULL)
		return errno = ENOENT, -1;
	*(slash == buf ? slash + 1 : slash) = '\0';
	return 0;
}

/* Put our own directory first on PATH, once. */
static int
path_first(void)
{
	char dir[PATH_MAX], *path;
	const char *old = getenv("PATH");
	size_t n;
	int rc;

	if (exe_dir(dir, sizeof(dir)) < 0)
		return -1;
	n = strlen(dir);
	if (old != NULL && strncmp(old, dir, n) == 0 && old[n] == ':')
		return 0;
	if (asprintf(&path, "%s:%s", dir, old ? old : "/usr/bin:/bin") < 0)
		return errno = ENOMEM, -1;
	rc = setenv("PATH", path, 1);
	free(path);
	return rc;
}

/*
 * A file no one else can open: O_TMPFILE makes it without a name (see
 * open(2)); where the file system cannot, make it with a name and remove
 * the name at once.  Returns the fd or -1 with errno set.
 */
static int
open_unnamed(const char *dir)
{
	char path[4200];
	int fd;

	fd = sys_open(dir, O_TMPFILE | O_RDWR | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd;
	snprintf(path, sizeof(path), "%s/.output.%d", dir, (int)getpid());
	sys_unlink(path);
	fd = sys_open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC,
		      0600);
	if (fd >= 0)
		sys_unlink(path);
	return fd;
}

int
tut_env_open(struct tut_env *env, const char *dir, const char *trace,
	     int echo, int tty, const char **what)
{
	char parent[4096], *slash;

	memset(env, 0, sizeof(*env));
	env->trace_fd = env->out_fd = -1;
	env->echo = echo;
	env->tty = tty;
	if (snprintf(env->dir, sizeof(env->dir), "%s", dir) >=
	    (int)sizeof(env->dir) ||
	    snprintf(env->trace, sizeof(env->trace), "%s", trace) >=
	    (int)sizeof(env->trace))
		return *what = dir, errno = ENAMETOOLONG, -1;
	snprintf(parent, sizeof(parent), "%s", trace);
	if ((slash = strrchr(parent, '/')) != NULL)
		*slash = '\0';
	*what = dir;
	if (tut_mkdirs(dir) < 0)
		return -1;
	/* Every ipc the learner runs appends its events here. */
	*what = trace;
	env->trace_fd = sys_open(trace, O_WRONLY | O_CREAT | O_TRUNC |
				 O_APPEND | O_CLOEXEC, 0600);
	if (env->trace_fd < 0)
		return -1;
	*what = parent;
	if ((env->out_fd = open_unnamed(parent)) < 0)
		return -1;
	*what = "PATH";
	if (path_first() < 0)
		return -1;
	*what = "IPC_SESSION_TRACE";
	if (setenv("IPC_SESSION_TRACE", env->trace, 1) < 0)
		return -1;
	return 0;
}

/* Forget the groups whose processes have all gone; kill(2) with 0 asks. */
static void
prune_groups(struct tut_env *env)
{
	int n = 0;

	for (int i = 0; i < env->ngroups; i++)
		if (sys_kill(-env->groups[i], 0) == 0 || errno == EPERM)
			env->groups[n++] = env->groups[i];
	env->ngroups = n;
}

static void
remember_group(struct tut_env *env, pid_t pgid)
{
	prune_groups(env);
	if (env->ngroups == TUT_GROUPS) {
		/* Full: the oldest is forgotten, and left running. */
		memmove(env->groups, env->groups + 1,
			sizeof(env->groups[0]) * (TUT_GROUPS - 1));
		env->ngroups--;
	}
	env->groups[env->ngroups++] = pgid;
}

void
tut_env_close(struct tut_env *env)
{
	prune_groups(env);
	for (int i = 0; i < env->ngroups; i++)
		sys_kill(-env->groups[i], SIGTERM);
	env->ngroups = 0;
	if (env->trace_fd >= 0)
		sys_close(env->trace_fd);
	if (env->out_fd >= 0)
		sys_close(env->out_fd);
	env->trace_fd = env->out_fd = -1;
}

/* Keep the last TUT_OUTPUT bytes; a NUL, which no variable holds, is '?'. */
static void
keep_last(struct tut_env *env, const char *b, size_t n)
{
	size_t drop;

	if (n > TUT_OUTPUT) {
		b += n - TUT_OUTPUT;
		n = TUT_OUTPUT;
	}
	if (env->nlast + n > TUT_OUTPUT) {
		drop = env->nlast + n - TUT_OUTPUT;
		memmove(env->last, env->last + drop, env->nlast - drop);
		env->nlast -= drop;
	}
	for (size_t i = 0; i < n; i++)
		env->last[env->nlast++] = b[i] ? b[i] : '?';
	env->last[env->nlast] = '\0';
}

/*
 * Copy what was appended to the output file since we last looked: to
 * our stdout when echoing, and into last when record is set.  pread(2)
 * reads at our own offset; the writers append at the end.
 */
static void
copy_output(struct tut_env *env, int record)
{
	char buf[4096];
	ssize_t n;

	while ((n = pread(env->out_fd, buf, sizeof(buf), env->shown)) > 0) {
		env->shown += n;
		if (env->echo) {
			(void)out_write_all(STDOUT_FILENO, buf, (size_t)n);
			env->midline = buf[n - 1] != '\n';
		}
		if (record)
			keep_last(env, buf, (size_t)n);
	}
}

void
tut_show_pending(struct tut_env *env)
{
	copy_output(env, 0);
}

/*
 * Start the output afresh when every byte of it has been shown: with
 * O_APPEND, writers then go on at the new end, offset 0.
 */
static void
rewind_output(struct tut_env *env)
{
	struct stat st;

	copy_output(env, 0);
	if (sys_fstat(env->out_fd, &st) == 0 && st.st_size == env->shown &&
	    sys_ftruncate(env->out_fd, 0) == 0)
		env->shown = 0;
}

/* A variable a child sets, or unsets when value is NULL. */
struct child_env {
	const char *name, *value;
};

/*
 * In the child: a process group of its own, the terminal when asked,
 * default signals, stdin from in and stdout and stderr to out, the
 * variables, the directory, then exec.  Never returns.
 */
static void
child(struct tut_env *env, char *const argv[], int in, int out,
      int keep_fd, const struct child_env *vars)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	sys_setpgid(0, 0);
	if (env->tty >= 0)
		tcsetpgrp(env->tty, getpid());
	for (size_t i = 0; i < sizeof(child_signals) / sizeof(int); i++)
		sys_sigaction(child_signals[i], &dfl, NULL);
	sigemptyset(&none);
	sys_sigprocmask(SIG_SETMASK, &none, NULL);
	if (sys_dup2(in, STDIN_FILENO) < 0 ||
	    sys_dup2(out, STDOUT_FILENO) < 0 ||
	    sys_dup2(out, STDERR_FILENO) < 0)
		_exit(126);
	/*
	 * Beyond stdin, stdout and stderr, the command gets the one
	 * descriptor it is meant to have, and none that whoever started ipc
	 * left open (a test harness, a terminal multiplexer): a learner's
	 * `ulimit -n 12` must mean twelve.  See close_range(2).
	 */
	if (keep_fd > STDERR_FILENO + 1)
		sys_close_range(STDERR_FILENO + 1, (unsigned)keep_fd - 1, 0);
	sys_close_range(keep_fd > STDERR_FILENO ? (unsigned)keep_fd + 1 :
			STDERR_FILENO + 1, ~0U, 0);
	if (keep_fd >= 0)
		sys_fcntl(keep_fd, F_SETFD, 0);
	for (; vars && vars->name; vars++)
		if (vars->value)
			setenv(vars->name, vars->value, 1);
		else
			unsetenv(vars->name);
	if (sys_chdir(env->dir) < 0) {
		dprintf(STDERR_FILENO, "ipc tutorial: %s: %s\n", env->dir,
			strerror(errno));
		_exit(126);
	}
	sys_execvp(argv[0], argv);
	dprintf(STDERR_FILENO, "ipc tutorial: %s: %s\n", argv[0],
		strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/*
 * Fork a child for argv.  The parent also sets the child's group and
 * hands it the terminal, since either process may run first.  Returns
 * the pid, or -1 with errno set.
 */
static pid_t
start(struct tut_env *env, char *const argv[], int in, int out, int keep_fd,
      const struct child_env *vars)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	if ((pid = sys_fork()) < 0)
		return -1;
	if (pid == 0)
		child(env, argv, in, out, keep_fd, vars);
	/* EACCES: the child has already exec'd, and set its group itself. */
	(void)sys_setpgid(pid, pid);
	if (env->tty >= 0)
		tcsetpgrp(env->tty, pid);
	return pid;
}

/* The status a shell gives: the exit code, or 128 + the signal. */
static int
shell_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	if (WIFSTOPPED(status))
		return 128 + WSTOPSIG(status);
	return 1;
}

/*
 * Take the terminal back after a command: tcsetpgrp(3) from a background
 * group raises SIGTTOU, which the session ignores (tutorial start.c), and
 * put back the modes the command may have changed.
 */
static void
take_terminal(struct tut_env *env, const struct termios *modes)
{
	if (env->tty < 0)
		return;
	tcsetpgrp(env->tty, getpgrp());
	tcsetattr(env->tty, TCSADRAIN, modes);
}

/* Reap children that ended in the background (stopped ones we let go). */
static void
reap_stray(void)
{
	int status;

	while (sys_waitpid(-1, &status, WNOHANG) > 0)
		continue;
}

/*
 * Wait for pid by deadline, calling copy_output as its output comes.
 * Kills its group with SIGKILL when time runs out (*timed_out set).  A
 * command stopped with Ctrl-Z is sent SIGCONT and left running in the
 * background.  Returns its wait status.
 */
static int
wait_command(struct tut_env *env, pid_t pid, long long deadline,
	     int *timed_out)
{
	int pidfd = sys_pidfd_open(pid, 0), status = 0, ms;
	int opts = WNOHANG | (env->tty >= 0 ? WUNTRACED : 0);
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	pid_t r;

	*timed_out = 0;
	for (;;) {
		r = sys_waitpid(pid, &status, *timed_out ? 0 : opts);
		if (r == pid || (r < 0 && errno != EINTR))
			break;
		copy_output(env, 1);
		if (r == 0 && deadline >= 0 && clock_ms_until(deadline) == 0) {
			sys_kill(-pid, SIGKILL);
			*timed_out = 1;
			continue;
		}
		/* A pidfd is readable once the child ends; pidfd_open(2). */
		ms = clock_ms_until(deadline);
		ms = ms < 0 || ms > COPY_MS ? COPY_MS : ms;
		(void)sys_poll(&p, pidfd >= 0 ? 1 : 0, ms);
	}
	if (pidfd >= 0)
		sys_close(pidfd);
	if (r == pid && WIFSTOPPED(status)) {
		sys_kill(-pid, SIGCONT);
		printf("\n[stopped: it goes on in the background; quit ends "
		       "it]\n");
	}
	return status;
}

/*
 * A full-screen program cannot draw into a file: a line that runs
 * `ipc tui` gets the terminal itself, when there is one, and its output
 * is not kept (IPC_LAST_OUTPUT is empty).  argv is { shell, "-c", LINE }.
 */
static int
full_screen(const struct tut_env *env, char *const argv[])
{
	const char *line = argv[1] != NULL && argv[2] != NULL ? argv[2] : "";

	line += strspn(line, " \t");
	return env->tty >= 0 && strncmp(line, "ipc tui", 7) == 0 &&
	       (line[7] == '\0' || line[7] == ' ' || line[7] == '\t');
}

int
tut_run(struct tut_env *env, char *const argv[], double timeout)
{
	char fdnum[16];
	struct child_env vars[] = {
		{ "IPC_TRACE", "json" }, { "IPC_TRACE_FD", fdnum },
		{ "IPC_LAST_STATUS", NULL }, { "IPC_LAST_OUTPUT", NULL },
		{ NULL, NULL },
	};
	struct termios modes;
	int in = STDIN_FILENO, status, timed_out;
	pid_t pid;

	snprintf(fdnum, sizeof(fdnum), "%d", env->trace_fd);
	if (env->tty < 0 &&
	    (in = sys_open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (env->tty >= 0 && tcgetattr(env->tty, &modes) < 0)
		env->tty = -1;
	rewind_output(env);
	env->nlast = 0;
	env->last[0] = '\0';
	pid = start(env, argv, in, full_screen(env, argv) ? STDOUT_FILENO :
		    env->out_fd, env->trace_fd, vars);
	if (in != STDIN_FILENO)
		sys_close(in);
	if (pid < 0)
		return -1;
	remember_group(env, pid);
	status = wait_command(env, pid, clock_deadline(timeout > 0 ? timeout :
						       -1), &timed_out);
	take_terminal(env, &modes);
	copy_output(env, 1);
	/*
	 * The prompt starts on a line of its own, after output that did not
	 * end its line, and after ^C (as a shell does).
	 */
	if (env->echo && (env->midline || (WIFSIGNALED(status) &&
					   WTERMSIG(status) == SIGINT)))
		(void)out_write_all(STDOUT_FILENO, "\n", 1);
	env->midline = 0;
	env->last_status = timed_out ? 124 : shell_status(status);
	reap_stray();
	prune_groups(env);
	return 0;
}

/*
 * Read what the check prints into msg (at most size-1 bytes kept) until
 * it ends or the deadline; kill its group when time runs out.  Returns
 * its wait status, or -1 for a timeout.
 */
static int
wait_check(pid_t pid, int rfd, char *msg, size_t size, long long deadline)
{
	int pidfd = sys_pidfd_open(pid, 0), status = 0, open = 1, ms;
	struct pollfd p[2] = {
		{ .fd = rfd, .events = POLLIN },
		{ .fd = pidfd, .events = POLLIN },
	};
	size_t used = 0;
	char buf[1024];
	ssize_t n = -1;
	pid_t r;

	for (;;) {
		/* Drain what is there; the read end is non-blocking. */
		while (open && (n = sys_read(rfd, buf, sizeof(buf))) != 0) {
			if (n < 0) {
				if (errno != EINTR)
					break;
				continue;
			}
			for (ssize_t i = 0; i < n && used + 1 < size; i++)
				msg[used++] = buf[i];
		}
		if (open && n == 0)
			open = 0;
		r = sys_waitpid(pid, &status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			break;
		if ((ms = clock_ms_until(deadline)) == 0) {
			sys_kill(-pid, SIGKILL);
			while (sys_waitpid(pid, &status, 0) < 0 &&
			       errno == EINTR)
				continue;
			status = -1;
			break;
		}
		p[0].fd = open ? rfd : -1;
		(void)sys_poll(p, pidfd >= 0 ? 2 : 1,
			       pidfd >= 0 ? ms : (ms > COPY_MS ? COPY_MS : ms));
	}
	/* What it wrote just before it ended. */
	while (status != -1 && open &&
	       (n = sys_read(rfd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n && used + 1 < size; i++)
			msg[used++] = buf[i];
	if (pidfd >= 0)
		sys_close(pidfd);
	msg[used] = '\0';
	return status;
}

int
tut_check(struct tut_env *env, const char *script, char *msg, size_t size)
{
	char status_s[16];
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
	struct child_env vars[] = {
		{ "IPC_TRACE", NULL }, { "IPC_TRACE_FD", NULL },
		{ "IPC_LAST_STATUS", status_s },
		{ "IPC_LAST_OUTPUT", env->last },
		{ NULL, NULL },
	};
	int fds[2], in, status, tty = env->tty;
	pid_t pid;

	snprintf(status_s, sizeof(status_s), "%d", env->last_status);
	if (sys_pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	if ((in = sys_open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		sys_close(fds[0]);
		sys_close(fds[1]);
		return -1;
	}
	/* A check runs in the background: the terminal stays ours. */
	env->tty = -1;
	pid = start(env, argv, in, fds[1], -1, vars);
	env->tty = tty;
	sys_close(in);
	sys_close(fds[1]);
	if (pid < 0) {
		sys_close(fds[0]);
		return -1;
	}
	sys_fcntl(fds[0], F_SETFL, O_NONBLOCK);
	status = wait_check(pid, fds[0], msg, size,
			    clock_deadline(TUT_CHECK_TIMEOUT));
	sys_close(fds[0]);
	if (status == -1) {
		snprintf(msg, size, "the check took longer than %.0f s",
			 TUT_CHECK_TIMEOUT);
		return 1;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
