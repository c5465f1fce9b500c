/*
 * sys_proc.c - the traced wrappers for processes, signals and resource
 * limits: fork, execvp, waitpid, kill, sigaction, sigprocmask, getrlimit,
 * setrlimit, and for spawning execvpe, wait4, setsid, setpgid, getpgid,
 * getsid, chdir, close_range, posix_spawnp, vfork, and readlink (for
 * /proc/PID/fd), prctl (a signal when the parent dies), and for threads
 * pthread_create and pthread_join; see sys.h for the calls and
 * sys_impl.h for the shape every wrapper has.
 *
 * Signals are recorded by name ("SIGTERM", "SIGRTMIN+2"), wait statuses
 * as "exited 3" or "killed by SIGKILL (core dumped)".
 */
#include "sys_impl.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct sym wait_options[] = {
	SYM(WNOHANG), SYM(WUNTRACED), SYM(WCONTINUED), SYM_END
};
static const struct sym sa_flags[] = {
	SYM(SA_RESTART), SYM(SA_SIGINFO), SYM(SA_NOCLDSTOP), SYM(SA_NOCLDWAIT),
	SYM(SA_NODEFER), SYM(SA_RESETHAND), SYM(SA_ONSTACK), SYM_END
};
static const struct sym mask_hows[] = {
	SYM(SIG_BLOCK), SYM(SIG_UNBLOCK), SYM(SIG_SETMASK), SYM_END
};
static const struct sym rlimits[] = {
	SYM(RLIMIT_NOFILE), SYM(RLIMIT_NPROC), SYM(RLIMIT_CORE),
	SYM(RLIMIT_STACK), SYM(RLIMIT_AS), SYM(RLIMIT_DATA), SYM(RLIMIT_FSIZE),
	SYM(RLIMIT_CPU), SYM(RLIMIT_MEMLOCK), SYM_END
};

/* "exited 3", "killed by SIGKILL (core dumped)"; see waitpid(2). */
static const char *
status_str(int st, char *buf, size_t size)
{
	char sig[32];

	if (WIFEXITED(st))
		snprintf(buf, size, "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, size, "killed by %s%s",
		    sig_name(WTERMSIG(st), sig, sizeof(sig)),
		    WCOREDUMP(st) ? " (core dumped)" : "");
	else if (WIFSTOPPED(st))
		snprintf(buf, size, "stopped by %s",
		    sig_name(WSTOPSIG(st), sig, sizeof(sig)));
	else if (WIFCONTINUED(st))
		snprintf(buf, size, "continued");
	else
		snprintf(buf, size, "%#x", st);
	return buf;
}

/* "SIGINT|SIGTERM": the members of a signal set. */
static const char *
sigset_str(const sigset_t *set, char *buf, size_t size)
{
	char sig[32];
	struct sbuf b;
	int s;

	sb_init(&b, buf, size);
	for (s = 1; s < NSIG; s++)
		if (sigismember(set, s) == 1)
			sb_printf(&b, "%s%s", b.len > 0 ? "|" : "",
			    sig_name(s, sig, sizeof(sig)));
	if (b.len == 0)
		sb_printf(&b, "(empty)");
	return buf;
}

static const char *
rlim_str(rlim_t v, char *buf, size_t size)
{
	if (v == RLIM_INFINITY)
		snprintf(buf, size, "unlimited");
	else
		snprintf(buf, size, "%llu", (unsigned long long)v);
	return buf;
}

/* ---- processes and signals: see fork(2), execve(2), waitpid(2) ---- */

/*
 * Both processes trace the return: the parent sees the child's pid, the
 * child sees 0 and stamps its own pid on its events (trace.c refreshes it
 * in a pthread_atfork(3) handler, which also keeps the trace lock sane).
 */
pid_t
sys_fork(void)
{
	struct rec r;
	pid_t ret;

	if (!sys_watch)
		return fork();
	rec_start(&r, "fork", -1);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = fork();
	r.err = errno;
	/*
	 * The child's event can reach a reader before its parent's, so it
	 * names the parent itself.  getppid(2) is not traced: it is the
	 * tracer's question, not the program's.
	 */
	if (ret == 0)
		rec_int(&r, "ppid", getppid());
	rec_end(&r, ret);
	return ret;
}

/* "ls -l /tmp": argv joined by spaces. */
static void
rec_argv(struct rec *r, const char *key, char *const argv[])
{
	char buf[512];
	struct sbuf b;
	int i;

	sb_init(&b, buf, sizeof(buf));
	for (i = 0; argv != NULL && argv[i] != NULL; i++)
		sb_printf(&b, "%s%s", i > 0 ? " " : "", argv[i]);
	rec_str(r, key, buf);
}

/*
 * A successful exec never returns, so the event comes first (ret 0: "about
 * to replace this program"), and a second one only if it fails.
 */
int
sys_execvp(const char *file, char *const argv[])
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return execvp(file, argv);
	rec_start(&r, "execvp", -1);
	rec_str(&r, "file", file);
	rec_argv(&r, "argv", argv);
	if (rec_injected(&r))
		return rec_fail(&r);
	rec_end(&r, 0);
	ret = execvp(file, argv);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

pid_t
sys_waitpid(pid_t pid, int *status, int options)
{
	char buf[64];
	struct rec r;
	pid_t ret;

	if (!sys_watch)
		return waitpid(pid, status, options);
	rec_start(&r, "waitpid", -1);
	rec_int(&r, "pid", pid);
	rec_flags(&r, "options", (unsigned long)options, wait_options);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = waitpid(pid, status, options);
	r.err = errno;
	if (ret > 0 && status != NULL)
		rec_str(&r, "status", status_str(*status, buf, sizeof(buf)));
	rec_end(&r, ret);
	return ret;
}

int
sys_kill(pid_t pid, int sig)
{
	char name[32];
	struct rec r;
	int ret;

	if (!sys_watch)
		return kill(pid, sig);
	rec_start(&r, "kill", -1);
	rec_int(&r, "pid", pid);
	rec_str(&r, "sig", sig_name(sig, name, sizeof(name)));
	if (sig == 0)
		rec_qual(&r, "0");
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = kill(pid, sig);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/* What act asks for: "SIG_IGN", "SIG_DFL" or "handler". */
static const char *
disposition(const struct sigaction *act)
{
	if (!(act->sa_flags & SA_SIGINFO) && act->sa_handler == SIG_IGN)
		return "SIG_IGN";
	if (!(act->sa_flags & SA_SIGINFO) && act->sa_handler == SIG_DFL)
		return "SIG_DFL";
	return "handler";
}

int
sys_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	char name[32];
	struct rec r;
	int ret;

	if (!sys_watch)
		return sigaction(sig, act, old);
	rec_start(&r, "sigaction", -1);
	rec_str(&r, "sig", sig_name(sig, name, sizeof(name)));
	if (act != NULL) {
		rec_str(&r, "handler", disposition(act));
		rec_flags(&r, "flags", (unsigned long)act->sa_flags, sa_flags);
		/* "handler SA_RESTART SIGINT": restarting is the question. */
		snprintf(r.qual, sizeof(r.qual), "%s%s %.16s", disposition(act),
		    strcmp(disposition(act), "handler") == 0 &&
		    (act->sa_flags & SA_RESTART) ? " SA_RESTART" : "", name);
	}
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = sigaction(sig, act, old);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	char buf[512];
	struct rec r;
	int ret;

	if (!sys_watch)
		return sigprocmask(how, set, old);
	rec_start(&r, "sigprocmask", -1);
	if (set != NULL) {
		rec_sym(&r, "how", how, mask_hows);
		rec_str(&r, "set", sigset_str(set, buf, sizeof(buf)));
	}
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = sigprocmask(how, set, old);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

static void
rec_rlimit(struct rec *r, const struct rlimit *rl)
{
	char buf[32];

	rec_str(r, "cur", rlim_str(rl->rlim_cur, buf, sizeof(buf)));
	rec_str(r, "max", rlim_str(rl->rlim_max, buf, sizeof(buf)));
}

int
sys_getrlimit(int resource, struct rlimit *rl)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return getrlimit(resource, rl);
	rec_start(&r, "getrlimit", -1);
	rec_sym(&r, "resource", resource, rlimits);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = getrlimit(resource, rl);
	r.err = errno;
	if (ret == 0)
		rec_rlimit(&r, rl);
	rec_end(&r, ret);
	return ret;
}

int
sys_setrlimit(int resource, const struct rlimit *rl)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return setrlimit(resource, rl);
	rec_start(&r, "setrlimit", -1);
	rec_sym(&r, "resource", resource, rlimits);
	rec_rlimit(&r, rl);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = setrlimit(resource, rl);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/* ---- spawning: see execve(2), wait4(2), posix_spawn(3), vfork(2) ---- */

/*
 * Like sys_execvp, with the environment given: see execvpe(3).  The event
 * comes first, since a successful exec never returns.
 */
int
sys_execvpe(const char *file, char *const argv[], char *const envp[])
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return execvpe(file, argv, envp);
	rec_start(&r, "execvpe", -1);
	rec_str(&r, "file", file);
	rec_argv(&r, "argv", argv);
	if (rec_injected(&r))
		return rec_fail(&r);
	rec_end(&r, 0);
	ret = execvpe(file, argv, envp);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/* waitpid(2) plus the child's resource usage: see wait4(2). */
pid_t
sys_wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
	char buf[64];
	struct rec r;
	pid_t ret;

	if (!sys_watch)
		return wait4(pid, status, options, ru);
	rec_start(&r, "wait4", -1);
	rec_int(&r, "pid", pid);
	rec_flags(&r, "options", (unsigned long)options, wait_options);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = wait4(pid, status, options, ru);
	r.err = errno;
	if (ret > 0 && status != NULL)
		rec_str(&r, "status", status_str(*status, buf, sizeof(buf)));
	rec_end(&r, ret);
	return ret;
}

/* See setsid(2); returns the new session id, or -1 with errno set. */
pid_t
sys_setsid(void)
{
	struct rec r;
	pid_t ret;

	if (!sys_watch)
		return setsid();
	rec_start(&r, "setsid", -1);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = setsid();
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/* See setpgid(2). */
int
sys_setpgid(pid_t pid, pid_t pgid)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return setpgid(pid, pgid);
	rec_start(&r, "setpgid", -1);
	rec_int(&r, "pid", pid);
	rec_int(&r, "pgid", pgid);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = setpgid(pid, pgid);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/* See getpgid(2). */
pid_t
sys_getpgid(pid_t pid)
{
	struct rec r;
	pid_t ret;

	if (!sys_watch)
		return getpgid(pid);
	rec_start(&r, "getpgid", -1);
	rec_int(&r, "pid", pid);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = getpgid(pid);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/* See getsid(2). */
pid_t
sys_getsid(pid_t pid)
{
	struct rec r;
	pid_t ret;

	if (!sys_watch)
		return getsid(pid);
	rec_start(&r, "getsid", -1);
	rec_int(&r, "pid", pid);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = getsid(pid);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/* See chdir(2). */
int
sys_chdir(const char *path)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return chdir(path);
	rec_start(&r, "chdir", -1);
	rec_str(&r, "path", path);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = chdir(path);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

static const struct sym close_range_flags[] = {
	SYM(CLOSE_RANGE_CLOEXEC), SYM(CLOSE_RANGE_UNSHARE), SYM_END
};

/* See close_range(2); last ~0U means "every fd from first on". */
int
sys_close_range(unsigned first, unsigned last, int flags)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return close_range(first, last, flags);
	rec_start(&r, "close_range", -1);
	rec_int(&r, "first", first);
	if (last == ~0U)
		rec_str(&r, "last", "~0U");
	else
		rec_int(&r, "last", last);
	rec_flags(&r, "flags", (unsigned long)flags, close_range_flags);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = close_range(first, last, flags);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/*
 * See posix_spawn(3).  Unlike a system call it returns an error number
 * (0 on success) and leaves errno alone; the event shows a failure as
 * ret -1 with that errno, and a success as the child's pid.  glibc runs
 * the child on its own stack in the parent's memory (clone(2) with
 * CLONE_VM|CLONE_VFORK), so an exec failure comes back here too.
 */
int
sys_posix_spawnp(pid_t *pid, const char *file,
    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
    char *const argv[], char *const envp[])
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return posix_spawnp(pid, file, fa, attr, argv, envp);
	rec_start(&r, "posix_spawnp", -1);
	rec_str(&r, "file", file);
	rec_argv(&r, "argv", argv);
	if (rec_injected(&r)) {
		rec_fail(&r);
		return r.fault;
	}
	ret = posix_spawnp(pid, file, fa, attr, argv, envp);
	r.err = ret;
	rec_end(&r, ret == 0 ? *pid : -1);
	return ret;
}

/*
 * See readlink(2); used on /proc/PID/fd/N ("pipe:[1234]") to see what a
 * process holds.  The link is not NUL-terminated: ret is its length.
 */
ssize_t
sys_readlink(const char *path, char *buf, size_t size)
{
	struct rec r;
	ssize_t ret;

	if (!sys_watch)
		return readlink(path, buf, size);
	rec_start(&r, "readlink", -1);
	rec_str(&r, "path", path);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = readlink(path, buf, size);
	r.err = errno;
	if (ret >= 0 && (size_t)ret < size) {
		char link[256];

		snprintf(link, sizeof(link), "%.*s", (int)ret, buf);
		rec_str(&r, "link", link);
	}
	rec_end(&r, ret);
	return ret;
}

/*
 * See prctl(2).  The one option used, PR_SET_PDEATHSIG (arg: a signal to
 * get when the parent dies), is recorded by name; others as numbers.
 */
int
sys_prctl(int option, unsigned long arg)
{
	char name[32];
	struct rec r;
	int ret;

	if (!sys_watch)
		return prctl(option, arg, 0UL, 0UL, 0UL);
	rec_start(&r, "prctl", -1);
	if (option == PR_SET_PDEATHSIG) {
		rec_str(&r, "option", "PR_SET_PDEATHSIG");
		rec_str(&r, "sig", sig_name((int)arg, name, sizeof(name)));
		rec_qual(&r, "PR_SET_PDEATHSIG");
	} else {
		rec_int(&r, "option", option);
		rec_int(&r, "arg", (long long)arg);
	}
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = prctl(option, arg, 0UL, 0UL, 0UL);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/*
 * The two halves of SYS_VFORK (see sys.h): vfork(2) cannot live inside a
 * wrapper function, so the parent traces the call before and after it.
 */
int
sys_vfork_enter(void)
{
	struct rec r;

	if (!sys_watch)
		return 0;
	rec_start(&r, "vfork", -1);
	if (rec_injected(&r))
		return rec_fail(&r);
	return 0;
}

pid_t
sys_vfork_leave(pid_t ret, int err)
{
	struct rec r;

	if (!sys_watch)
		return ret;
	rec_start(&r, "vfork", -1);
	r.err = err;
	rec_end(&r, ret);
	return ret;
}

/* ---- threads: see pthread_create(3), pthread_join(3) ---- */

/*
 * Library calls rather than system calls (clone3(2) and a futex wait lie
 * underneath), traced because a learner should see a thread begin and
 * end.  Both return an error number, as pthreads does, and leave errno
 * alone.
 */
int
sys_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
		   void *(*start)(void *), void *arg)
{
	int saved = errno;
	struct rec r;
	int ret;

	if (!sys_watch)
		return pthread_create(thread, attr, start, arg);
	rec_start(&r, "pthread_create", -1);
	if (rec_injected(&r)) {
		rec_fail(&r);
		ret = errno;
		errno = saved;
		return ret;
	}
	ret = pthread_create(thread, attr, start, arg);
	r.err = ret;
	rec_end(&r, ret == 0 ? 0 : -1);
	errno = saved;
	return ret;
}

int
sys_pthread_join(pthread_t thread, void **retval)
{
	int saved = errno;
	struct rec r;
	int ret;

	if (!sys_watch)
		return pthread_join(thread, retval);
	rec_start(&r, "pthread_join", -1);
	if (rec_injected(&r)) {
		rec_fail(&r);
		ret = errno;
		errno = saved;
		return ret;
	}
	ret = pthread_join(thread, retval);
	r.err = ret;
	rec_end(&r, ret == 0 ? 0 : -1);
	errno = saved;
	return ret;
}
