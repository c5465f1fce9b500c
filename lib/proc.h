/*
 * proc.h - start a program as a child, feed and drain its pipes, and reap
 * it: what Python's subprocess module does, one system call at a time.
 *
 * No shell is involved: argv goes to execvpe(3) as it is.  The child
 * starts clean whichever way it is made: fds 0-2 as asked, every other
 * descriptor closed at exec except the ones passed on purpose, every signal
 * at its default disposition and none blocked.  A failure in the child
 * before or at exec comes back to the parent through a CLOEXEC pipe, so
 * "no such program" is an error of the spawn, not an exit status.
 */
#ifndef IPC_PROC_H
#define IPC_PROC_H

#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

/* How the child is made: see fork(2), vfork(2), posix_spawn(3). */
enum proc_method { PROC_FORK, PROC_VFORK, PROC_POSIX_SPAWN };

struct proc_spec {
	char *const *argv;	/* argv[0] is looked up in PATH */
	char *const *envp;	/* NULL: this process's environment */
	const char *cwd;	/* NULL: the parent's directory */
	int fd[3];		/* the child's 0, 1, 2 come from these; -1: inherit */
	const int *keep;	/* more fds the child keeps, at the same numbers (>= 3) */
	size_t nkeep;
	int new_session;	/* setsid(2) in the child */
	int pgroup;		/* a process group of its own: setpgid(0, 0) */
	enum proc_method method;
};

/*
 * Start the child.  Returns its pid, or -1 with errno set and *step naming
 * what failed ("pipe2", "fork", "dup2", "chdir", "execvpe", ...).  When the
 * child failed before its program ran, it has already been reaped.
 */
pid_t proc_spawn(const struct proc_spec *s, const char **step);

/* A child and, once reaped, how it ended. */
struct proc_child {
	pid_t pid;
	int reaped;		/* set once wait4(2) has collected it */
	int status;
	struct rusage ru;
};

/*
 * Wait for pid until deadline (clock.h; -1: forever), through a pidfd so
 * that the wait can time out (see pidfd_open(2), poll(2)).  Returns 0 with
 * *status and *ru filled, or -1 with errno ETIMEDOUT (the child still runs)
 * or the error of the failing call.
 */
int proc_wait(pid_t pid, long long deadline, int *status, struct rusage *ru);

/*
 * Kill pid (or its whole process group when group is set) with SIGKILL and
 * reap it.  Returns 0, or -1 with errno set.
 */
int proc_kill_reap(pid_t pid, int group, int *status, struct rusage *ru);

/*
 * The communicate() loop of Python's subprocess: write the input to fd
 * in_fd while reading out_fd and err_fd, all through one poll(2), so that
 * neither side can block the other on a full pipe.  The input is the
 * in_len bytes at in or, when in is NULL, whatever can be read from fd
 * in_src until its end of file, a bounded chunk at a time (popen's "w");
 * in_src stays open.  in_fd must not block (see proc_pipe()).  Each chunk
 * read is handed to sink (which = 1 for stdout, 2 for stderr); a sink
 * returning -1 ends the loop with its errno.  Every fd given but in_src
 * is closed by the time it returns; -1 means "none".  If the child closes
 * its stdin (EPIPE), the rest of the input is dropped.  With child set,
 * a pidfd for it is polled too (see pidfd_open(2)), and the child is
 * reaped the moment it ends, so that it is never a zombie while a
 * grandchild still holds its pipes open.  Returns 0 at end
 * of file on both outputs, or -1 with errno ETIMEDOUT at the deadline, or
 * the error of a call.
 */
struct proc_pipes {
	int in_fd, out_fd, err_fd;
	const void *in;
	size_t in_len;
	int in_src;
	struct proc_child *child;	/* NULL, or reaped as soon as it ends */
	int (*sink)(void *ctx, int which, const void *buf, size_t n);
	void *ctx;
};
int proc_communicate(struct proc_pipes *p, long long deadline);

/*
 * A pipe for one of a child's stdio fds: *child gets the end the child
 * uses, *parent ours.  Both are CLOEXEC (dup2 in the child drops the flag
 * on its copy, see proc_spawn()).  When the child reads (child_reads),
 * our write end is made non-blocking, as proc_communicate() wants.
 * Returns 0, or -1 with errno set and nothing left open.
 */
int proc_pipe(int *child, int *parent, int child_reads);

/*
 * The environment for a child: this process's own (unless clear is set),
 * with each "K=V" of set added or replacing K.  Returns a NULL-terminated
 * array to free with proc_env_free(), or NULL with errno ENOMEM, or EINVAL
 * for an entry without '='.
 */
char **proc_env(int clear, const char *const *set, size_t nset);
void proc_env_free(char **env);

/*
 * "exited 3", "killed by SIGSEGV (core dumped)": a wait status as words,
 * into buf.  Returns buf.
 */
const char *proc_status_str(int status, char *buf, size_t size);

/*
 * The exit status a shell would give: the code, or 128 + the signal.
 */
int proc_status_code(int status);

/*
 * How a shell would need s quoted to read it back as one word: s itself
 * when it holds only safe characters, otherwise in single quotes with each
 * ' written as '\''.  Writes at most size-1 bytes and a NUL into buf;
 * returns buf, or NULL with errno ENOSPC when it does not fit.
 */
char *proc_quote(const char *s, char *buf, size_t size);

#endif
