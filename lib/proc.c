/*
 * proc.c - start a child without a shell, talk to it through pipes, and
 * reap it; see proc.h.
 *
 * The three ways of making the child share one contract:
 *   fork(2)         the child is a copy; it sets itself up with the traced
 *                   wrappers (its events carry its own pid), then execs.
 *   vfork(2)        the child borrows the parent's memory and stack while
 *                   the parent sleeps until it execs or exits.  It must not
 *                   touch the parent's data, so it runs untraced: it clears
 *                   sys_watch (the parent sets it back when it resumes,
 *                   which is the one write the child makes to shared data),
 *                   and it never returns from the function that called
 *                   vfork, only _exit(2)s.
 *   posix_spawn(3)  the library does all of it in one call (glibc clones
 *                   with CLONE_VM|CLONE_VFORK, as vfork does, on a stack of
 *                   its own), driven by file actions and attributes.
 * In the first two, every signal is blocked around the fork, so that no
 * handler of the parent runs in the child (on a vfork child that would
 * scribble on the parent's memory) before the child resets them.
 */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "sys.h"

extern char **environ;

/* What the child sends up the error pipe when it cannot exec. */
struct child_err {
	int step;	/* index into steps[] */
	int err;	/* its errno */
};

static const char *const steps[] = {
	"dup2", "fcntl", "sigaction", "sigprocmask", "setsid", "setpgid",
	"chdir", "close_range", "execvpe",
};
enum { ST_DUP2, ST_FCNTL, ST_SIGACTION, ST_SIGPROCMASK, ST_SETSID,
       ST_SETPGID, ST_CHDIR, ST_CLOSE_RANGE, ST_EXEC };

/* The parent's watch flag while a vfork child runs untraced. */
static int saved_watch;

/*
 * The child's side: report a failed step through the error pipe and
 * _exit(2) with 127, as a shell does for a program it cannot run.
 * _exit, not exit(3): the stdio buffers and atexit handlers are the
 * parent's.
 */
static void __attribute__((noreturn))
child_fail(int errfd, int step)
{
	struct child_err ce = { step, errno };

	/* A pipe write of this size is atomic; see pipe(7). */
	while (sys_write(errfd, &ce, sizeof(ce)) < 0 && errno == EINTR)
		;
	_exit(127);
}

/*
 * Put fd src at dst for the child.  A src already below 3 but elsewhere
 * is first copied above 2, so that placing one fd cannot overwrite
 * another still to be placed.  dup2 leaves the copy without FD_CLOEXEC;
 * when src is dst already, the flag is cleared by hand.
 */
static int
child_place(int src, int dst)
{
	if (src == dst)
		return sys_fcntl(dst, F_SETFD, 0);
	return sys_dup2(src, dst) < 0 ? -1 : 0;
}

/*
 * The child after fork or vfork: stdio, signals, session, directory,
 * descriptors, then exec.  Never returns.
 */
static void __attribute__((noreturn))
child_exec(const struct proc_spec *s, int errfd, char *const *envp)
{
	struct sigaction dfl;
	sigset_t none;
	int fd[3], i, sig;

	for (i = 0; i < 3; i++) {
		fd[i] = s->fd[i];
		if (fd[i] >= 0 && fd[i] < 3 && fd[i] != i &&
		    (fd[i] = sys_fcntl(fd[i], F_DUPFD_CLOEXEC, 3)) < 0)
			child_fail(errfd, ST_FCNTL);
	}
	for (i = 0; i < 3; i++)
		if (fd[i] >= 0 && child_place(fd[i], i) < 0)
			child_fail(errfd, fd[i] == i ? ST_FCNTL : ST_DUP2);
	/*
	 * Every disposition back to SIG_DFL, as POSIX_SPAWN_SETSIGDEF does:
	 * exec resets caught signals by itself but keeps ignored ones, and
	 * a child that inherits SIGPIPE ignored never dies of a closed pipe.
	 * See execve(2), signal(7).
	 */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP ||
		    (sig > SIGSYS && sig < SIGRTMIN))
			continue;
		if (sys_sigaction(sig, &dfl, NULL) < 0)
			child_fail(errfd, ST_SIGACTION);
	}
	sigemptyset(&none);
	if (sys_sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		child_fail(errfd, ST_SIGPROCMASK);
	if (s->new_session && sys_setsid() < 0)
		child_fail(errfd, ST_SETSID);
	if (s->pgroup && !s->new_session && sys_setpgid(0, 0) < 0)
		child_fail(errfd, ST_SETPGID);
	if (s->cwd != NULL && sys_chdir(s->cwd) < 0)
		child_fail(errfd, ST_CHDIR);
	/*
	 * Mark every fd above 2 close-on-exec, then take the mark off the
	 * passed ones.  The error pipe stays open until the exec succeeds,
	 * and closes by itself when it does.  See close_range(2).
	 */
	if (sys_close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		child_fail(errfd, ST_CLOSE_RANGE);
	for (size_t k = 0; k < s->nkeep; k++)
		if (sys_fcntl(s->keep[k], F_SETFD, 0) < 0)
			child_fail(errfd, ST_FCNTL);
	sys_execvpe(s->argv[0], s->argv, envp);
	child_fail(errfd, ST_EXEC);
}

/*
 * The parent after fork or vfork: read the error pipe until end of file.
 * End of file with nothing read means the exec succeeded; a record means
 * the child failed, and it is reaped here.
 */
static pid_t
parent_check(pid_t pid, int errfd, const char **step)
{
	struct child_err ce;
	ssize_t n;
	int st;

	while ((n = sys_read(errfd, &ce, sizeof(ce))) < 0 && errno == EINTR)
		;
	sys_close(errfd);
	if (n == 0)
		return pid;
	while (sys_waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(ce) && ce.step >= 0 && ce.step <= ST_EXEC) {
		*step = steps[ce.step];
		errno = ce.err;
	} else {
		*step = "read";
		errno = n < 0 ? errno : EPROTO;
	}
	return -1;
}

/* fork or vfork, with every signal blocked around it. */
static pid_t
spawn_fork(const struct proc_spec *s, char *const *envp, const char **step)
{
	sigset_t all, old;
	int ep[2], err;
	pid_t pid;

	*step = "pipe2";
	if (sys_pipe2(ep, O_CLOEXEC) < 0)
		return -1;
	sigfillset(&all);
	*step = "sigprocmask";
	if (sys_sigprocmask(SIG_SETMASK, &all, &old) < 0) {
		err = errno;
		sys_close(ep[0]);
		sys_close(ep[1]);
		errno = err;
		return -1;
	}
	if (s->method == PROC_VFORK) {
		saved_watch = sys_watch;
		*step = "vfork";
		SYS_VFORK(pid);
		if (pid == 0) {
			sys_watch = 0;
			child_exec(s, ep[1], envp);
		}
		err = errno;
		sys_watch = saved_watch;
	} else {
		*step = "fork";
		pid = sys_fork();
		if (pid == 0)
			child_exec(s, ep[1], envp);
		err = errno;
	}
	sys_sigprocmask(SIG_SETMASK, &old, NULL);
	sys_close(ep[1]);
	if (pid < 0) {
		sys_close(ep[0]);
		errno = err;
		return -1;
	}
	/*
	 * Put the child in its group from this side too, so that the group
	 * exists whichever process runs first (the classic race; see
	 * setpgid(2)).  EACCES: the child has exec'd and did it itself.
	 */
	if (s->pgroup && !s->new_session && sys_setpgid(pid, pid) < 0 &&
	    errno != EACCES && errno != ESRCH) {
		*step = "setpgid";
		err = errno;
		sys_kill(pid, SIGKILL);
		parent_check(pid, ep[0], step);
		*step = "setpgid";
		errno = err;
		return -1;
	}
	return parent_check(pid, ep[0], step);
}

/*
 * posix_spawnp with the same contract.  File actions cannot "close all
 * but these", so the gaps between passed fds are closed one by one and
 * the rest from the highest on (posix_spawn_file_actions_addclosefrom_np,
 * glibc 2.34).  Closing an fd that is not open is not an error there.
 */
static pid_t
spawn_posix(const struct proc_spec *s, char *const *envp, const char **step)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t all, none;
	int i, rc, top = 2;
	short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
	pid_t pid = -1;

	*step = "posix_spawnp";
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0) {
		errno = rc;
		return -1;
	}
	if ((rc = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		errno = rc;
		return -1;
	}
	for (i = 0; i < 3 && rc == 0; i++)
		if (s->fd[i] >= 0)
			rc = posix_spawn_file_actions_adddup2(&fa, s->fd[i], i);
	for (size_t k = 0; k < s->nkeep && rc == 0; k++)
		if (s->keep[k] > top)
			top = s->keep[k];
	for (i = 3; i < top && rc == 0; i++) {
		size_t k;

		for (k = 0; k < s->nkeep && s->keep[k] != i; k++)
			;
		if (k == s->nkeep)
			rc = posix_spawn_file_actions_addclose(&fa, i);
	}
	/* dup2 of an fd onto itself clears its FD_CLOEXEC (glibc 2.29). */
	for (size_t k = 0; k < s->nkeep && rc == 0; k++)
		rc = posix_spawn_file_actions_adddup2(&fa, s->keep[k],
		    s->keep[k]);
	if (rc == 0)
		rc = posix_spawn_file_actions_addclosefrom_np(&fa, top + 1);
	if (rc == 0 && s->cwd != NULL)
		rc = posix_spawn_file_actions_addchdir_np(&fa, s->cwd);
	sigfillset(&all);
	sigemptyset(&none);
	if (s->new_session)
		flags |= POSIX_SPAWN_SETSID;
	else if (s->pgroup)
		flags |= POSIX_SPAWN_SETPGROUP;	/* pgroup 0: its own */
	if (rc == 0)
		rc = posix_spawnattr_setsigdefault(&at, &all);
	if (rc == 0)
		rc = posix_spawnattr_setsigmask(&at, &none);
	if (rc == 0)
		rc = posix_spawnattr_setflags(&at, flags);
	if (rc == 0)
		rc = sys_posix_spawnp(&pid, s->argv[0], &fa, &at, s->argv,
		    envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	return pid;
}

pid_t
proc_spawn(const struct proc_spec *s, const char **step)
{
	char *const *envp = s->envp != NULL ? s->envp : environ;

	if (s->method == PROC_POSIX_SPAWN)
		return spawn_posix(s, envp, step);
	return spawn_fork(s, envp, step);
}

/* See pidfd_open(2): an fd that polls readable once the child exits. */
int
proc_wait(pid_t pid, long long deadline, int *status, struct rusage *ru)
{
	struct pollfd pfd;
	int n, err;

	if (deadline >= 0) {
		pfd.fd = sys_pidfd_open(pid, 0);
		if (pfd.fd < 0)
			return -1;
		pfd.events = POLLIN;
		do
			n = sys_poll(&pfd, 1, clock_ms_until(deadline));
		while (n < 0 && errno == EINTR);
		err = errno;
		sys_close(pfd.fd);
		if (n <= 0) {
			errno = n == 0 ? ETIMEDOUT : err;
			return -1;
		}
	}
	while (sys_wait4(pid, status, 0, ru) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

int
proc_kill_reap(pid_t pid, int group, int *status, struct rusage *ru)
{
	if (sys_kill(group ? -pid : pid, SIGKILL) < 0 && errno != ESRCH)
		return -1;
	return proc_wait(pid, -1, status, ru);
}

int
proc_pipe(int *child, int *parent, int child_reads)
{
	int p[2], err;

	if (sys_pipe2(p, O_CLOEXEC) < 0)
		return -1;
	*child = child_reads ? p[0] : p[1];
	*parent = child_reads ? p[1] : p[0];
	if (child_reads && sys_fcntl(*parent, F_SETFL, O_NONBLOCK) < 0) {
		err = errno;
		sys_close(p[0]);
		sys_close(p[1]);
		*child = *parent = -1;
		errno = err;
		return -1;
	}
	return 0;
}

/* Close *fd and mark it gone. */
static void
close_slot(int *fd)
{
	if (*fd >= 0)
		sys_close(*fd);
	*fd = -1;
}

/* Read what is ready on *fd and hand it on; close it at end of file. */
static int
drain(struct proc_pipes *p, int *fd, int which)
{
	char buf[16384];
	ssize_t n;

	n = sys_read(*fd, buf, sizeof(buf));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0) {
		close_slot(fd);
		return 0;
	}
	return p->sink(p->ctx, which, buf, (size_t)n);
}

/* The input still to write: the caller's bytes, or a chunk of in_src. */
struct feed {
	const char *data;
	size_t off, len;
	int src;		/* where more comes from, or -1 */
	char buf[16384];
};

/*
 * Write what poll said there is room for.  The write end is non-blocking,
 * so a write never waits for room the poll did not promise.  EPIPE means
 * the child closed its stdin: the rest is dropped, as communicate() does.
 */
static int
feed_write(struct proc_pipes *p, struct feed *f)
{
	ssize_t w = sys_write(p->in_fd, f->data + f->off, f->len - f->off);

	if (w > 0)
		f->off += (size_t)w;
	if (w < 0 && errno == EPIPE) {
		close_slot(&p->in_fd);
		return 0;
	}
	if (w < 0 && errno != EINTR && errno != EAGAIN)
		return -1;
	if (f->off == f->len && f->src < 0)
		close_slot(&p->in_fd);
	return 0;
}

/* Refill from in_src; its end of file is the child's (close our end). */
static int
feed_read(struct proc_pipes *p, struct feed *f)
{
	ssize_t n = sys_read(f->src, f->buf, sizeof(f->buf));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0) {
		f->src = -1;
		close_slot(&p->in_fd);
		return 0;
	}
	f->data = f->buf;
	f->off = 0;
	f->len = (size_t)n;
	return 0;
}

/* The child's pidfd polled readable: it has ended, so reap it now. */
static int
reap_now(struct proc_child *c, int *pidfd)
{
	pid_t r;

	while ((r = sys_wait4(c->pid, &c->status, WNOHANG, &c->ru)) < 0)
		if (errno != EINTR)
			return -1;
	if (r == c->pid) {
		c->reaped = 1;
		close_slot(pidfd);
	}
	return 0;
}

int
proc_communicate(struct proc_pipes *p, long long deadline)
{
	struct feed f;
	struct pollfd pfd[5];
	int n, rc = 0, err = 0, pidfd = -1;

	f.data = p->in;
	f.off = 0;
	f.len = p->in != NULL ? p->in_len : 0;
	f.src = p->in == NULL ? p->in_src : -1;
	if (p->in_fd >= 0 && f.len == 0 && f.src < 0)
		close_slot(&p->in_fd);
	/* A pidfd only when there are pipes to serve while the child runs. */
	if (p->child != NULL && !p->child->reaped &&
	    (p->in_fd >= 0 || p->out_fd >= 0 || p->err_fd >= 0) &&
	    (pidfd = sys_pidfd_open(p->child->pid, 0)) < 0) {
		err = errno;
		rc = -1;
	}
	while (rc == 0 && (p->in_fd >= 0 || p->out_fd >= 0 || p->err_fd >= 0)) {
		/*
		 * Our stdin end is polled even with nothing to write: poll
		 * reports POLLERR on it once the child has closed its end.
		 */
		pfd[0] = (struct pollfd){ p->in_fd,
					  f.off < f.len ? POLLOUT : 0, 0 };
		pfd[1] = (struct pollfd){ p->out_fd, POLLIN, 0 };
		pfd[2] = (struct pollfd){ p->err_fd, POLLIN, 0 };
		pfd[3] = (struct pollfd){ p->in_fd >= 0 && f.off == f.len ?
					  f.src : -1, POLLIN, 0 };
		pfd[4] = (struct pollfd){ pidfd, POLLIN, 0 };
		n = sys_poll(pfd, 5, clock_ms_until(deadline));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n == 0 ? ETIMEDOUT : errno;
			rc = -1;
			break;
		}
		if ((pfd[0].revents & POLLERR) && f.off == f.len)
			close_slot(&p->in_fd);
		else if ((pfd[0].revents & (POLLOUT | POLLERR)) &&
			 feed_write(p, &f) < 0)
			rc = -1;
		if (rc == 0 && (pfd[3].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    p->in_fd >= 0 && feed_read(p, &f) < 0)
			rc = -1;
		if (rc == 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    drain(p, &p->out_fd, 1) < 0)
			rc = -1;
		if (rc == 0 && (pfd[2].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    drain(p, &p->err_fd, 2) < 0)
			rc = -1;
		if (rc == 0 && (pfd[4].revents & POLLIN) &&
		    reap_now(p->child, &pidfd) < 0)
			rc = -1;
		if (rc < 0)
			err = errno;
	}
	close_slot(&pidfd);
	close_slot(&p->in_fd);
	close_slot(&p->out_fd);
	close_slot(&p->err_fd);
	errno = err;
	return rc;
}

/* The length of K in "K=V", or 0 when there is no '='. */
static size_t
key_len(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq == NULL || eq == kv ? 0 : (size_t)(eq - kv);
}

char **
proc_env(int clear, const char *const *set, size_t nset)
{
	size_t n = 0, have = 0, i, j;
	char **env;

	for (i = 0; i < nset; i++)
		if (key_len(set[i]) == 0) {
			errno = EINVAL;
			return NULL;
		}
	if (!clear)
		while (environ[have] != NULL)
			have++;
	env = calloc(have + nset + 1, sizeof(*env));
	if (env == NULL)
		return NULL;
	for (i = 0; i < have; i++) {
		size_t kl = key_len(environ[i]);

		for (j = 0; j < nset; j++)
			if (kl == key_len(set[j]) &&
			    strncmp(environ[i], set[j], kl) == 0)
				break;
		if (j == nset)
			env[n++] = environ[i];
	}
	for (i = 0; i < nset; i++)
		env[n++] = (char *)set[i];
	env[n] = NULL;
	return env;
}

/* The strings belong to environ and the caller; only the array is ours. */
void
proc_env_free(char **env)
{
	free(env);
}

const char *
proc_status_str(int status, char *buf, size_t size)
{
	int sig;

	if (WIFEXITED(status)) {
		snprintf(buf, size, "exited %d", WEXITSTATUS(status));
		return buf;
	}
	sig = WTERMSIG(status);
	snprintf(buf, size, "killed by SIG%s (%s)%s",
	    sigabbrev_np(sig) != NULL ? sigabbrev_np(sig) : "?",
	    strsignal(sig), WCOREDUMP(status) ? ", core dumped" : "");
	return buf;
}

int
proc_status_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
}

char *
proc_quote(const char *s, char *buf, size_t size)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_";
	size_t n = 0, len = strlen(s);

	if (len > 0 && strspn(s, safe) == len) {
		if (len + 1 > size)
			goto full;
		memcpy(buf, s, len + 1);
		return buf;
	}
	/* Room for both quotes and the NUL, even around an empty word. */
	if (size < 3)
		goto full;
	buf[n++] = '\'';
	for (; *s != '\0'; s++) {
		const char *piece = *s == '\'' ? "'\\''" : NULL;
		size_t pl = piece != NULL ? 4 : 1;

		if (n + pl + 2 > size)
			goto full;
		if (piece != NULL)
			memcpy(buf + n, piece, pl);
		else
			buf[n] = *s;
		n += pl;
	}
	buf[n++] = '\'';
	buf[n] = '\0';
	return buf;
full:
	errno = ENOSPC;
	return NULL;
}
