/*
 * loop_subprocess.c - child processes on the loop: asyncio's
 * loop.subprocess_exec() with its SubprocessTransport and
 * SubprocessProtocol, and create_subprocess_exec() with its Process for
 * tasks; see loop.h.
 *
 * A subprocess transport is three things, as in asyncio's
 * base_subprocess.py:
 *   the child    started by proc_spawn() (lib/proc.c) through
 *                posix_spawnp(3): no shell, fds 0-2 as asked, every
 *                other fd closed.  A program that cannot run is an error
 *                of the spawn, never an exit status.
 *   its pipes    one pipe transport per pipe (loop_transport.c), whose
 *                protocol is a small forwarder that adds the fd number
 *                (asyncio's ReadSubprocessPipeProto); for tasks, one
 *                stream per pipe instead (loop_stream.c).
 *   its exit     a child watcher on its pidfd (loop_child.c), which
 *                reaps the child the moment it exits: no SIGCHLD, and
 *                no zombie.
 * The transport ends (connection_lost) once the child has exited AND
 * every pipe has closed.  Either can come first: a child may exit with
 * its last output still in a pipe, or close its output and run on.
 *
 * Our ends of the pipes are non-blocking, the child's are not (see
 * spawn_stdio()), and every end is close-on-exec, so that no other
 * child inherits them: a forgotten write end held by a second child
 * would keep the first one's reader from ever seeing end of file.
 */
#include "loop_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "proc.h"
#include "sys.h"
#include "trace.h"

/* One pipe's forwarder: a pipe transport's ctx. */
struct sp_pipe {
	struct loop_subprocess *sp;	/* NULL: abandoned, ignore */
	int fd;				/* the child's 0, 1 or 2 */
};

struct loop_subprocess {
	struct loop *loop;
	const struct loop_subprocess_protocol *p;
	void *ctx;
	pid_t pid;
	int made;			/* connection_made has run */
	int exited;			/* reaped: returncode is set */
	int returncode;
	int closed;			/* loop_subprocess_close() came */
	int finished;			/* connection_lost is queued */
	int open;			/* pipes not yet lost */
	struct loop_transport *pipe[3];	/* NULL: none, or lost */
	struct sp_pipe *fwd[3];
	struct loop_subprocess *prev, *next;	/* the loop's list */
};

static const char *const stdio_names[] = {
	"inherit", "pipe", "/dev/null", "stdout",
};

/* ---- the end ---- */

static void
unlink_sp(struct loop_subprocess *sp)
{
	struct loop *l = sp->loop;

	if (sp->prev != NULL)
		sp->prev->next = sp->next;
	else
		l->subprocs = sp->next;
	if (sp->next != NULL)
		sp->next->prev = sp->prev;
}

/* From the ready queue: the protocol's last call, then the free. */
static void
sp_lost(struct loop *l, void *arg)
{
	struct loop_subprocess *sp = arg;

	if (sp->p->connection_lost != NULL)
		sp->p->connection_lost(sp, 0, sp->ctx);
	unlink_sp(sp);
	free(sp);
}

/* connection_lost, once the child has exited and every pipe closed. */
static void
try_finish(struct loop_subprocess *sp)
{
	if (!sp->made || !sp->exited || sp->open > 0 || sp->finished)
		return;
	sp->finished = 1;
	if (loop_call_soon(sp->loop, "subprocess connection_lost",
			   sp_lost, sp) == NULL)
		sp_lost(sp->loop, sp);
}

/* process_exited, and perhaps the end. */
static void
report_exit(struct loop_subprocess *sp)
{
	if (sp->p->process_exited != NULL)
		sp->p->process_exited(sp, sp->ctx);
	try_finish(sp);
}

/*
 * The child watcher: the loop has reaped the child.  Its exit is
 * reported after connection_made, even when it comes first (the child
 * ended before the first iteration: asyncio keeps such calls pending
 * the same way).
 */
static void
on_child(struct loop *l, pid_t pid, int status, void *arg)
{
	struct loop_subprocess *sp = arg;

	sp->exited = 1;
	if (status == -1)
		sp->returncode = 255;	/* reaped by someone else */
	else if (WIFSIGNALED(status))
		sp->returncode = -WTERMSIG(status);
	else
		sp->returncode = WEXITSTATUS(status);
	if (sp->made)
		report_exit(sp);
}

/* From the ready queue: connection_made, and an exit that came first. */
static void
sp_made(struct loop *l, void *arg)
{
	struct loop_subprocess *sp = arg;

	sp->made = 1;
	if (sp->p->connection_made != NULL)
		sp->p->connection_made(sp, sp->ctx);
	if (sp->exited)
		report_exit(sp);
}

/* ---- the pipes' forwarder (asyncio's SubprocessPipeProto) ---- */

static void
fwd_data(struct loop_transport *t, const void *buf, size_t n, void *ctx)
{
	struct sp_pipe *w = ctx;
	struct loop_subprocess *sp = w->sp;

	if (sp != NULL && sp->p->pipe_data_received != NULL)
		sp->p->pipe_data_received(sp, w->fd, buf, n, sp->ctx);
}

static void
fwd_lost(struct loop_transport *t, int err, void *ctx)
{
	struct sp_pipe *w = ctx;
	struct loop_subprocess *sp = w->sp;
	int fd = w->fd;

	free(w);
	if (sp == NULL)
		return;
	sp->fwd[fd] = NULL;
	sp->pipe[fd] = NULL;
	sp->open--;
	if (sp->p->pipe_connection_lost != NULL)
		sp->p->pipe_connection_lost(sp, fd, err, sp->ctx);
	try_finish(sp);
}

static void
fwd_pause(struct loop_transport *t, void *ctx)
{
	struct sp_pipe *w = ctx;

	if (w->sp != NULL && w->sp->p->pause_writing != NULL)
		w->sp->p->pause_writing(w->sp, w->sp->ctx);
}

static void
fwd_resume(struct loop_transport *t, void *ctx)
{
	struct sp_pipe *w = ctx;

	if (w->sp != NULL && w->sp->p->resume_writing != NULL)
		w->sp->p->resume_writing(w->sp, w->sp->ctx);
}

static const struct loop_protocol fwd_protocol = {
	.data_received = fwd_data,
	.connection_lost = fwd_lost,
	.pause_writing = fwd_pause,
	.resume_writing = fwd_resume,
};

/* ---- starting ---- */

static void
close_all(int fds[3])
{
	int i;

	for (i = 0; i < 3; i++)
		if (fds[i] >= 0) {
			sys_close(fds[i]);
			fds[i] = -1;
		}
}

/*
 * What the child gets as fds 0-2 (theirs, -1: inherit) and the pipe
 * ends we keep (ours, -1: none).  Only our end of a pipe is made
 * non-blocking: O_NONBLOCK belongs to the open file description, which
 * both ends of pipe2(O_NONBLOCK) would get, and a child whose stdin is
 * non-blocking fails with EAGAIN where it expects to wait (see
 * fcntl(2), pipe(7)).  Returns 0, or -1 with errno and *step, nothing
 * left open.
 */
static int
spawn_stdio(const struct loop_subprocess_spec *spec, int theirs[3],
	    int ours[3], const char **step)
{
	int i, p[2], err;

	for (i = 0; i < 3; i++)
		theirs[i] = ours[i] = -1;
	for (i = 0; i < 3; i++) {
		switch (spec->io[i]) {
		case LOOP_STDIO_INHERIT:
			break;
		case LOOP_STDIO_PIPE:
			*step = "pipe2";
			if (sys_pipe2(p, O_CLOEXEC) < 0)
				goto fail;
			theirs[i] = i == 0 ? p[0] : p[1];
			ours[i] = i == 0 ? p[1] : p[0];
			*step = "fcntl";
			if (sys_fcntl(ours[i], F_SETFL, O_NONBLOCK) < 0)
				goto fail;
			break;
		case LOOP_STDIO_DEVNULL:
			*step = "open";
			theirs[i] = sys_open("/dev/null", (i == 0 ? O_RDONLY :
					     O_WRONLY) | O_CLOEXEC);
			if (theirs[i] < 0)
				goto fail;
			break;
		case LOOP_STDIO_STDOUT:
			if (i == 2)
				break;	/* see loop_subprocess_exec() */
			/* FALLTHROUGH */
		default:
			*step = "spec";
			errno = EINVAL;
			goto fail;
		}
	}
	return 0;
fail:
	err = errno;
	close_all(theirs);
	close_all(ours);
	errno = err;
	return -1;
}

/* A trace line: which child, and what each of its fds is. */
static void
trace_spawn(const struct loop_subprocess_spec *spec, pid_t pid,
	    const int ours[3])
{
	char what[3][32];
	int i;

	for (i = 0; i < 3; i++)
		if (ours[i] >= 0)
			snprintf(what[i], sizeof(what[i]), "pipe (our fd %d)",
				 ours[i]);
		else
			snprintf(what[i], sizeof(what[i]), "%s",
				 stdio_names[spec->io[i]]);
	trace_state("subprocess %d (%s): stdin %s, stdout %s, stderr %s",
		    (int)pid, spec->argv[0], what[0], what[1], what[2]);
}

/* SIGKILL a child of ours that nobody will watch, and reap it. */
static void
kill_reap(pid_t pid)
{
	int status;

	sys_kill(pid, SIGKILL);
	/* It is dying: this wait is short.  See waitpid(2). */
	while (sys_waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

/*
 * Spawn the child and watch it: the part both flavours share.  ours[]
 * gets our pipe ends, for the caller to wrap; connection_made is not
 * queued yet (sp_launch() does that).  Returns the transport, or NULL
 * with errno and *step, nothing left open or running.
 */
static struct loop_subprocess *
sp_start(struct loop *l, const struct loop_subprocess_spec *spec,
	 const struct loop_subprocess_protocol *p, void *ctx, int ours[3],
	 const char **step)
{
	struct proc_spec ps = { .argv = spec->argv, .envp = spec->envp,
				.cwd = spec->cwd,
				.method = PROC_POSIX_SPAWN };
	struct loop_subprocess *sp;
	int theirs[3], i, err;

	if (spec->argv == NULL || spec->argv[0] == NULL) {
		*step = "spec";
		return errno = EINVAL, NULL;
	}
	*step = "malloc";
	if ((sp = calloc(1, sizeof(*sp))) == NULL)
		return NULL;
	if (spawn_stdio(spec, theirs, ours, step) < 0) {
		free(sp);
		return NULL;
	}
	for (i = 0; i < 3; i++)
		ps.fd[i] = theirs[i];
	/* STDOUT: the child's fd 2 is whatever its fd 1 is. */
	if (spec->io[2] == LOOP_STDIO_STDOUT)
		ps.fd[2] = theirs[1] >= 0 ? theirs[1] : 1;
	sp->pid = proc_spawn(&ps, step);
	err = errno;
	/* The child has its copies now; ours would hide its end of file. */
	close_all(theirs);
	if (sp->pid < 0) {
		close_all(ours);
		free(sp);
		return errno = err, NULL;
	}
	if (trace_on)
		trace_spawn(spec, sp->pid, ours);
	sp->loop = l;
	sp->p = p;
	sp->ctx = ctx;
	if (loop_add_child_watcher(l, sp->pid, "process_exited", on_child,
				   sp) < 0) {
		err = errno;
		*step = "loop_add_child_watcher";
		kill_reap(sp->pid);
		close_all(ours);
		free(sp);
		return errno = err, NULL;
	}
	sp->next = l->subprocs;
	if (l->subprocs != NULL)
		l->subprocs->prev = sp;
	l->subprocs = sp;
	return sp;
}

/*
 * Undo sp_start() after a later step failed: abandon the pipes (their
 * transports end without telling anyone), kill and reap the child.
 */
static void
sp_discard(struct loop_subprocess *sp)
{
	int i;

	for (i = 0; i < 3; i++) {
		if (sp->fwd[i] != NULL)
			sp->fwd[i]->sp = NULL;
		if (sp->pipe[i] != NULL)
			loop_transport_abort(sp->pipe[i], 0);
	}
	loop_remove_child_watcher(sp->loop, sp->pid);
	kill_reap(sp->pid);
	unlink_sp(sp);
	free(sp);
}

/* Queue connection_made.  Returns 0, or -1 with errno ENOMEM. */
static int
sp_launch(struct loop_subprocess *sp, const char **step)
{
	*step = "malloc";
	return loop_call_soon(sp->loop, "subprocess connection_made",
			      sp_made, sp) == NULL ? -1 : 0;
}

struct loop_subprocess *
loop_subprocess_exec(struct loop *l, const struct loop_subprocess_spec *spec,
		     const struct loop_subprocess_protocol *p, void *ctx,
		     const char **step)
{
	struct loop_subprocess *sp;
	const char *dummy;
	int ours[3], i, err;

	if (step == NULL)
		step = &dummy;
	if ((sp = sp_start(l, spec, p, ctx, ours, step)) == NULL)
		return NULL;
	for (i = 0; i < 3; i++) {
		if (ours[i] < 0)
			continue;
		*step = "malloc";
		if ((sp->fwd[i] = calloc(1, sizeof(*sp->fwd[i]))) == NULL)
			goto fail;
		sp->fwd[i]->sp = sp;
		sp->fwd[i]->fd = i;
		sp->pipe[i] = loop_pipe_transport_new(l, ours[i], i == 0,
						      &fwd_protocol,
						      sp->fwd[i]);
		if (sp->pipe[i] == NULL) {
			free(sp->fwd[i]);
			sp->fwd[i] = NULL;
			goto fail;
		}
		ours[i] = -1;		/* the transport's now */
		sp->open++;
	}
	if (sp_launch(sp, step) == 0)
		return sp;
fail:
	err = errno;
	close_all(ours);
	sp_discard(sp);
	return errno = err, NULL;
}

/* ---- the transport's calls ---- */

pid_t
loop_subprocess_pid(const struct loop_subprocess *sp)
{
	return sp->pid;
}

int
loop_subprocess_returncode(const struct loop_subprocess *sp, int *code)
{
	if (!sp->exited)
		return errno = EAGAIN, -1;
	*code = sp->returncode;
	return 0;
}

struct loop_transport *
loop_subprocess_pipe(struct loop_subprocess *sp, int fd)
{
	if (fd < 0 || fd > 2)
		return errno = EINVAL, NULL;
	if (sp->pipe[fd] == NULL)
		return errno = ENOENT, NULL;
	return sp->pipe[fd];
}

int
loop_subprocess_send_signal(struct loop_subprocess *sp, int sig)
{
	/*
	 * Until the watcher reaps it, the pid is our child's, even as a
	 * zombie, so kill(2) cannot reach a stranger who got the pid again.
	 */
	if (sp->exited)
		return errno = ESRCH, -1;
	return sys_kill(sp->pid, sig);
}

int
loop_subprocess_terminate(struct loop_subprocess *sp)
{
	return loop_subprocess_send_signal(sp, SIGTERM);
}

int
loop_subprocess_kill(struct loop_subprocess *sp)
{
	return loop_subprocess_send_signal(sp, SIGKILL);
}

void
loop_subprocess_close(struct loop_subprocess *sp)
{
	int i;

	if (sp->closed)
		return;
	sp->closed = 1;
	for (i = 0; i < 3; i++)
		if (sp->pipe[i] != NULL)
			loop_transport_close(sp->pipe[i]);
	if (!sp->exited)
		loop_subprocess_kill(sp);
}

void
loop_subprocs_clear(struct loop *l)
{
	struct loop_subprocess *sp;
	int i;

	while ((sp = l->subprocs) != NULL) {
		if (!sp->exited) {
			loop_remove_child_watcher(l, sp->pid);
			kill_reap(sp->pid);
		}
		/* The pipes go with loop_transports_clear(), silently. */
		for (i = 0; i < 3; i++)
			free(sp->fwd[i]);
		unlink_sp(sp);
		free(sp);
	}
}

/* ---- for tasks: create_subprocess_exec and Process ---- */

/* The child has exited: wake loop_process_wait(). */
static void
proc_exited(struct loop_subprocess *sp, void *ctx)
{
	struct loop_process *p = ctx;

	if (p == NULL)
		return;		/* closed already */
	p->exited = 1;
	p->returncode = sp->returncode;
	if (p->waiter != NULL && !loop_future_done(p->waiter))
		loop_future_set_result(p->waiter, NULL);
}

static void
proc_lost(struct loop_subprocess *sp, int err, void *ctx)
{
	struct loop_process *p = ctx;

	if (p != NULL)
		p->sp = NULL;
}

static const struct loop_subprocess_protocol process_protocol = {
	.process_exited = proc_exited,
	.connection_lost = proc_lost,
};

int
loop_create_subprocess_exec(struct loop_task *t,
			    const struct loop_subprocess_spec *spec,
			    size_t limit, struct loop_process **pp,
			    const char **step)
{
	struct loop *l = loop_task_loop(t);
	struct loop_stream **sv[3];
	struct loop_process *p;
	const char *dummy;
	int ours[3], i, err;

	if (step == NULL)
		step = &dummy;
	*step = "malloc";
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	if ((p->sp = sp_start(l, spec, &process_protocol, p, ours,
			      step)) == NULL) {
		free(p);
		return -1;
	}
	p->pid = p->sp->pid;
	sv[0] = &p->in;
	sv[1] = &p->out;
	sv[2] = &p->err;
	for (i = 0; i < 3; i++) {
		if (ours[i] < 0)
			continue;
		*step = "malloc";
		*sv[i] = loop_stream_pipe_new(l, ours[i], i == 0, limit);
		if (*sv[i] == NULL)
			goto fail;
		ours[i] = -1;		/* the stream's now */
	}
	if (sp_launch(p->sp, step) == 0) {
		*pp = p;
		return 0;
	}
fail:
	err = errno;
	close_all(ours);
	for (i = 0; i < 3; i++)
		if (*sv[i] != NULL)
			loop_stream_close(NULL, *sv[i]);
	sp_discard(p->sp);
	free(p);
	return errno = err, -1;
}

int
loop_process_wait(struct loop_task *t, struct loop_process *p,
		  int *returncode)
{
	int rc, err;

	while (!p->exited) {
		if (p->waiter != NULL)
			return errno = EBUSY, -1;
		p->waiter = loop_future_new(loop_task_loop(t), "process exit");
		if (p->waiter == NULL)
			return -1;
		rc = loop_await(t, p->waiter, NULL);
		err = errno;
		loop_future_release(p->waiter);
		p->waiter = NULL;
		if (rc < 0)
			return errno = err, -1;
	}
	if (returncode != NULL)
		*returncode = p->returncode;
	return 0;
}

/* communicate()'s reader of one output: into buf, the excess dropped. */
struct sink {
	struct loop_stream *s;
	char *buf;
	size_t size, got;
	int overflow;
};

static void *
sink_task(struct loop_task *t, void *arg)
{
	struct sink *k = arg;
	char drop[1024];
	ssize_t n;

	for (;;) {
		if (k->got < k->size)
			n = loop_stream_read(t, k->s, k->buf + k->got,
					     k->size - k->got);
		else
			n = loop_stream_read(t, k->s, drop, sizeof(drop));
		if (n < 0) {
			loop_task_raise(t, errno, "read");
			return NULL;
		}
		if (n == 0)
			return NULL;
		if (k->got < k->size)
			k->got += (size_t)n;
		else
			k->overflow = 1;
	}
}

/*
 * Feed stdin a high-water mark at a time, each followed by drain (so
 * the write buffer never grows past it), then close it.  A child that
 * stops reading early (EPIPE) is no error: communicate() ignores
 * BrokenPipeError too.  Returns 0, or -1 with errno (ECANCELED).
 */
static int
feed(struct loop_task *t, struct loop_process *p, const char *in,
     size_t in_len)
{
	size_t off, n;
	int err = 0;

	if (p->in == NULL)
		return 0;
	for (off = 0; off < in_len; off += n) {
		n = in_len - off < LOOP_HIGH_WATER ? in_len - off :
		    LOOP_HIGH_WATER;
		if (loop_stream_write(p->in, in + off, n) < 0 ||
		    loop_stream_drain(t, p->in) < 0) {
			err = errno == EPIPE ? 0 : errno;
			break;
		}
	}
	loop_stream_close(t, p->in);
	p->in = NULL;
	return err != 0 ? (errno = err, -1) : 0;
}

int
loop_process_communicate(struct loop_task *t, struct loop_process *p,
			 const void *in, size_t in_len,
			 char *out, size_t out_size, size_t *out_got,
			 char *err, size_t err_size, size_t *err_got)
{
	struct sink k[2] = {
		{ .s = p->out, .buf = out, .size = out ? out_size : 0 },
		{ .s = p->err, .buf = err, .size = err ? err_size : 0 },
	};
	struct loop_future *fs[2];
	struct loop_task *rt[2];
	size_t n = 0, i;
	int rc = 0, e = 0;

	for (i = 0; i < 2; i++) {
		struct loop_task *r;

		if (k[i].s == NULL)
			continue;
		r = loop_task_new(loop_task_loop(t), i == 0 ? "read stdout" :
				  "read stderr", sink_task, &k[i], 0);
		if (r == NULL) {
			rc = -1;
			e = errno;
			break;
		}
		rt[n] = r;
		fs[n++] = loop_task_future(r);
	}
	if (rc == 0 && feed(t, p, in, in_len) < 0) {
		rc = -1;
		e = errno;
	}
	if (rc == 0 && loop_gather(t, fs, n, NULL) < 0) {
		rc = -1;
		e = errno;
	}
	/*
	 * The readers use k[], on this stack: however this ends, they must
	 * be over before it returns.
	 */
	for (i = 0; i < n; i++) {
		if (!loop_future_done(fs[i]))
			loop_task_cancel(rt[i]);
		while (!loop_future_done(fs[i]))
			loop_await(t, fs[i], NULL);
		if (rc == 0 && loop_future_exception(fs[i]) != 0) {
			rc = -1;
			e = loop_future_exception(fs[i]);
		}
		loop_future_release(fs[i]);
	}
	if (out_got != NULL)
		*out_got = k[0].got;
	if (err_got != NULL)
		*err_got = k[1].got;
	if (rc < 0)
		return errno = e, -1;
	if (loop_process_wait(t, p, NULL) < 0)
		return -1;
	if (k[0].overflow || k[1].overflow)
		return errno = ENOBUFS, -1;
	return 0;
}

int
loop_process_send_signal(struct loop_process *p, int sig)
{
	if (p->sp == NULL || p->exited)
		return errno = ESRCH, -1;
	return loop_subprocess_send_signal(p->sp, sig);
}

void
loop_process_close(struct loop_task *t, struct loop_process *p)
{
	if (p->in != NULL)
		loop_stream_close(t, p->in);
	if (p->out != NULL)
		loop_stream_close(t, p->out);
	if (p->err != NULL)
		loop_stream_close(t, p->err);
	if (p->sp != NULL) {
		if (!p->exited)
			loop_subprocess_kill(p->sp);
		p->sp->ctx = NULL;	/* the loop reaps it; we are gone */
	}
	free(p);
}
