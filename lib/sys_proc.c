/*
 * sys_proc.c - the traced wrappers for processes, signals and resource
 * limits: fork, execvp, waitpid, kill, sigaction, sigprocmask, getrlimit,
 * setrlimit; see sys.h for the calls and sys_impl.h for the shape every
 * wrapper has.
 *
 * Signals are recorded by name ("SIGTERM", "SIGRTMIN+2"), wait statuses
 * as "exited 3" or "killed by SIGKILL (core dumped)".
 */
#include "sys_impl.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
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
		snprintf(r.qual, sizeof(r.qual), "%s %s", disposition(act),
		    name);
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
