/*
 * test_loop_subproc.c - lib/loop_subprocess.c: a child's exit code seen
 * through its pidfd, stdout and stderr through their pipes (and stderr
 * sent to stdout), a signal's death as a negative returncode, kill() and
 * close(), a large write to cat's stdin with pause_writing and
 * resume_writing, a child that closes its stdin (a clean end, or EPIPE
 * with bytes still buffered), a spawn failure reported as an error,
 * loop_destroy() killing and reaping a running child, no fd left open
 * and no zombie left behind; then the streams flavour: readline, wait
 * and communicate.
 *
 * The children are real programs: sh, cat, sleep.  sh -c is how a test
 * says "exit 3" or "die of SIGTERM"; the library itself never uses a
 * shell.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "loop.h"

/* Open fds of this process, from /proc/self/fd (less the DIR's own). */
static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n - 3;		/* ".", ".." and the DIR's fd */
}

/* Every child of ours has been reaped: none is left, zombie or not. */
static void
assert_no_children(void)
{
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* What the protocol saw, in order. */
struct seen {
	char events[16];		/* M made, 0/1/2 pipe lost, X exited, L lost */
	int nevents;
	char out[3][4096];
	size_t len[3];
	int pipe_err[3];
	int returncode;
	int lost;
	int paused, resumed;
	size_t want;			/* stdin: bytes to send in one write */
	struct loop_subprocess *sp;
	int kill_at_made, close_at_made;
};

static void
note(struct seen *s, char c)
{
	assert_true(s->nevents < (int)sizeof(s->events) - 1);
	s->events[s->nevents++] = c;
}

static void
made(struct loop_subprocess *sp, void *ctx)
{
	struct seen *s = ctx;
	struct loop_transport *in;
	char *buf;
	int code;

	s->sp = sp;
	note(s, 'M');
	errno = 0;
	assert_int_equal(loop_subprocess_returncode(sp, &code), -1);
	assert_int_equal(errno, EAGAIN);
	if (s->kill_at_made)
		assert_int_equal(loop_subprocess_kill(sp), 0);
	if (s->close_at_made)
		loop_subprocess_close(sp);
	if (s->want > 0) {
		assert_non_null(in = loop_subprocess_pipe(sp, 0));
		assert_non_null(buf = malloc(s->want));
		memset(buf, 'x', s->want);
		/* Above the high-water mark: pause_writing, at once. */
		assert_int_equal(loop_transport_write(in, buf, s->want), 0);
		free(buf);
		/* Not paused: nothing to wait for, close stdin now. */
		if (!s->paused)
			loop_transport_write_eof(in);
	}
}

static void
data(struct loop_subprocess *sp, int fd, const void *buf, size_t n,
     void *ctx)
{
	struct seen *s = ctx;
	size_t room = s->len[fd] < sizeof(s->out[fd]) ?
		      sizeof(s->out[fd]) - s->len[fd] : 0;

	assert_true(fd == 1 || fd == 2);
	memcpy(s->out[fd] + s->len[fd], buf, n < room ? n : room);
	s->len[fd] += n;	/* counts all, even past the copy */
}

static void
pipe_lost(struct loop_subprocess *sp, int fd, int err, void *ctx)
{
	struct seen *s = ctx;

	note(s, (char)('0' + fd));
	s->pipe_err[fd] = err;
	errno = 0;
	assert_null(loop_subprocess_pipe(sp, fd));
	assert_int_equal(errno, ENOENT);
}

static void
exited(struct loop_subprocess *sp, void *ctx)
{
	struct seen *s = ctx;

	note(s, 'X');
	assert_int_equal(loop_subprocess_returncode(sp, &s->returncode), 0);
	/* Reaped already: its pid is nobody's to signal now. */
	errno = 0;
	assert_int_equal(loop_subprocess_send_signal(sp, SIGTERM), -1);
	assert_int_equal(errno, ESRCH);
}

static void
lost(struct loop_subprocess *sp, int err, void *ctx)
{
	struct seen *s = ctx;

	note(s, 'L');
	assert_int_equal(err, 0);
	s->lost = 1;
}

static void
pause_w(struct loop_subprocess *sp, void *ctx)
{
	((struct seen *)ctx)->paused++;
}

/* The buffer drained: now close stdin, and cat ends. */
static void
resume_w(struct loop_subprocess *sp, void *ctx)
{
	struct seen *s = ctx;

	s->resumed++;
	loop_transport_write_eof(loop_subprocess_pipe(sp, 0));
}

static const struct loop_subprocess_protocol proto = {
	.connection_made = made,
	.pipe_data_received = data,
	.pipe_connection_lost = pipe_lost,
	.process_exited = exited,
	.connection_lost = lost,
	.pause_writing = pause_w,
	.resume_writing = resume_w,
};

/* The backend run() uses: NULL (the best), or each in turn. */
static const char *backend;
static const char *const backends[] = { "select", "poll", "epoll" };

/* Run argv with io[] until connection_lost; s says what happened. */
static void
run(char *const argv[], enum loop_stdio in, enum loop_stdio out,
    enum loop_stdio err, struct seen *s)
{
	struct loop_subprocess_spec spec = { .argv = argv,
					     .io = { in, out, err } };
	struct loop *l = loop_new(backend);
	const char *step = NULL;

	assert_non_null(l);
	assert_non_null(loop_subprocess_exec(l, &spec, &proto, s, &step));
	assert_int_equal(loop_run_until(l, &s->lost), 0);
	assert_int_equal(loop_close(l), 0);
	s->events[s->nevents] = '\0';
}

/* The exit code comes through the pidfd; the child is reaped. */
static void
test_exit_code(void **state)
{
	char *argv[] = { "sh", "-c", "exit 3", NULL };
	struct seen s = { 0 };

	run(argv, LOOP_STDIO_DEVNULL, LOOP_STDIO_INHERIT, LOOP_STDIO_INHERIT,
	    &s);
	assert_int_equal(s.returncode, 3);
	/* No pipes: exited, then the end; made always first. */
	assert_string_equal(s.events, "MXL");
	assert_no_children();
}

/*
 * stdout and stderr arrive on their own pipes, each closing cleanly, on
 * every backend.
 */
static void
test_stdout_stderr(void **state)
{
	char *argv[] = { "sh", "-c", "echo out; echo err >&2", NULL };
	struct seen s;
	size_t b;

	for (b = 0; b < 3; b++) {
		memset(&s, 0, sizeof(s));
		backend = backends[b];
		run(argv, LOOP_STDIO_DEVNULL, LOOP_STDIO_PIPE, LOOP_STDIO_PIPE,
		    &s);
		backend = NULL;
		assert_int_equal(s.returncode, 0);
		assert_int_equal(s.len[1], 4);
		assert_memory_equal(s.out[1], "out\n", 4);
		assert_int_equal(s.len[2], 4);
		assert_memory_equal(s.out[2], "err\n", 4);
		assert_int_equal(s.pipe_err[1], 0);
		assert_int_equal(s.pipe_err[2], 0);
		/* Pipes and exit in any order; the end after all of them. */
		assert_int_equal(strlen(s.events), 5);
		assert_int_equal(s.events[0], 'M');
		assert_int_equal(s.events[4], 'L');
		assert_non_null(memchr(s.events, '1', 4));
		assert_non_null(memchr(s.events, '2', 4));
		assert_non_null(memchr(s.events, 'X', 4));
		assert_no_children();
	}
}

/* LOOP_STDIO_STDOUT: fd 2 goes down the stdout pipe. */
static void
test_stderr_to_stdout(void **state)
{
	char *argv[] = { "sh", "-c", "echo out; echo err >&2", NULL };
	struct seen s = { 0 };

	run(argv, LOOP_STDIO_DEVNULL, LOOP_STDIO_PIPE, LOOP_STDIO_STDOUT, &s);
	assert_int_equal(s.len[1], 8);
	assert_memory_equal(s.out[1], "out\nerr\n", 8);
	assert_int_equal(s.len[2], 0);
}

/* A child killed by a signal: returncode -N, as asyncio's. */
static void
test_signal_exit(void **state)
{
	char *argv[] = { "sh", "-c", "kill -TERM $$", NULL };
	struct seen s = { 0 };

	run(argv, LOOP_STDIO_DEVNULL, LOOP_STDIO_INHERIT, LOOP_STDIO_INHERIT,
	    &s);
	assert_int_equal(s.returncode, -SIGTERM);
}

/* kill() from connection_made: -SIGKILL, and the pipe still closes. */
static void
test_kill(void **state)
{
	char *argv[] = { "sleep", "30", NULL };
	struct seen s = { .kill_at_made = 1 };

	run(argv, LOOP_STDIO_DEVNULL, LOOP_STDIO_PIPE, LOOP_STDIO_INHERIT, &s);
	assert_int_equal(s.returncode, -SIGKILL);
	assert_non_null(strchr(s.events, '1'));
	assert_no_children();
}

/* close() on a running child: pipes closed, child killed and reaped. */
static void
test_close_kills(void **state)
{
	char *argv[] = { "sleep", "30", NULL };
	struct seen s = { .close_at_made = 1 };

	run(argv, LOOP_STDIO_PIPE, LOOP_STDIO_PIPE, LOOP_STDIO_PIPE, &s);
	assert_int_equal(s.returncode, -SIGKILL);
	assert_int_equal(strlen(s.events), 6);	/* M, 0 1 2 X, L */
	assert_int_equal(s.events[5], 'L');
	assert_no_children();
}

/*
 * 512 KiB to cat in one write: the pipe takes 64 KiB, the rest waits in
 * the buffer, far above the high-water mark (pause_writing).  cat copies
 * it to its stdout, which we read; once drained, resume_writing closes
 * stdin, and every byte has come back.  On every backend.
 */
static void
test_stdin_flow_control(void **state)
{
	char *argv[] = { "cat", NULL };
	struct seen s;
	size_t b;

	for (b = 0; b < 3; b++) {
		memset(&s, 0, sizeof(s));
		s.want = 512 * 1024;
		backend = backends[b];
		run(argv, LOOP_STDIO_PIPE, LOOP_STDIO_PIPE, LOOP_STDIO_INHERIT,
		    &s);
		backend = NULL;
		assert_int_equal(s.paused, 1);
		assert_int_equal(s.resumed, 1);
		assert_int_equal(s.len[1], s.want);
		assert_int_equal(s.pipe_err[0], 0);
		assert_int_equal(s.returncode, 0);
	}
}

/*
 * The child's stdin goes away while we hold its write end: nothing to
 * write, yet the pipe transport notices (POLLERR on the write end, which
 * select counts as readable) and ends cleanly, on every backend.  Without
 * that, the transport, and so this run, would never end.
 */
static void
test_stdin_reader_gone(void **state)
{
	char *argv[] = { "true", NULL };
	struct seen s;
	size_t b;

	for (b = 0; b < 3; b++) {
		memset(&s, 0, sizeof(s));
		backend = backends[b];
		run(argv, LOOP_STDIO_PIPE, LOOP_STDIO_INHERIT,
		    LOOP_STDIO_INHERIT, &s);
		backend = NULL;
		assert_non_null(strchr(s.events, '0'));
		assert_int_equal(s.pipe_err[0], 0);
	}
}

/*
 * ... and with bytes still to write: EPIPE, whether write(2) says so at
 * once (true has exited already) or the write end's POLLERR does later,
 * with the bytes buffered.
 */
static void
test_stdin_epipe(void **state)
{
	char *argv[] = { "true", NULL };
	struct seen s = { .want = 512 * 1024 };

	run(argv, LOOP_STDIO_PIPE, LOOP_STDIO_INHERIT, LOOP_STDIO_INHERIT, &s);
	assert_int_equal(s.resumed, 0);
	assert_int_equal(s.pipe_err[0], EPIPE);
	assert_int_equal(s.returncode, 0);
}

/* A program that cannot run is an error of the spawn, not a status. */
static void
test_spawn_failure(void **state)
{
	char *argv[] = { "ipc-no-such-program", NULL };
	char *none[] = { NULL };
	struct loop_subprocess_spec spec = {
		.argv = argv,
		.io = { LOOP_STDIO_PIPE, LOOP_STDIO_PIPE, LOOP_STDIO_PIPE },
	};
	struct seen s = { 0 };
	struct loop *l = loop_new(NULL);
	const char *step = NULL;
	int before = count_fds();

	errno = 0;
	assert_null(loop_subprocess_exec(l, &spec, &proto, &s, &step));
	assert_int_equal(errno, ENOENT);
	assert_string_equal(step, "posix_spawnp");
	assert_int_equal(count_fds(), before);
	assert_no_children();
	/* An empty argv, and STDOUT where only fd 2 may have it. */
	spec.argv = none;
	errno = 0;
	assert_null(loop_subprocess_exec(l, &spec, &proto, &s, &step));
	assert_int_equal(errno, EINVAL);
	spec.argv = argv;
	spec.io[1] = LOOP_STDIO_STDOUT;
	errno = 0;
	assert_null(loop_subprocess_exec(l, &spec, &proto, &s, &step));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(step, "spec");
	assert_int_equal(count_fds(), before);
	assert_int_equal(s.nevents, 0);
	assert_int_equal(loop_close(l), 0);
}

/* Every pipe end and pidfd is closed once the transport is gone. */
static void
test_no_fd_leak(void **state)
{
	char *argv[] = { "sh", "-c", "cat; echo done >&2", NULL };
	struct seen s = { .want = 100 * 1024 };
	int before = count_fds();

	run(argv, LOOP_STDIO_PIPE, LOOP_STDIO_PIPE, LOOP_STDIO_PIPE, &s);
	assert_int_equal(s.len[1], s.want);
	assert_memory_equal(s.out[2], "done\n", 5);
	assert_int_equal(count_fds(), before);
	assert_no_children();
}

/* loop_destroy() with a child still running: killed and reaped. */
static void
test_destroy_reaps(void **state)
{
	char *argv[] = { "sleep", "30", NULL };
	struct loop_subprocess_spec spec = {
		.argv = argv,
		.io = { LOOP_STDIO_PIPE, LOOP_STDIO_PIPE, LOOP_STDIO_INHERIT },
	};
	struct seen s = { 0 };
	struct loop *l = loop_new(NULL);
	int before = count_fds();

	assert_non_null(loop_subprocess_exec(l, &spec, &proto, &s, NULL));
	assert_int_equal(loop_run_once(l), 0);	/* connection_made */
	errno = 0;
	assert_int_equal(loop_close(l), -1);
	assert_int_equal(errno, EBUSY);
	loop_destroy(l);
	assert_int_equal(count_fds(), before - 1);	/* the loop's own */
	assert_no_children();
}

/* ---- streams ---- */

struct proc_run {
	char line[64];
	size_t got;
	int rc;
	char out[300 * 1024], err[64];
	size_t nout, nerr;
	int comm_rc, comm_err;
};

/* create_subprocess_exec, readline, wait: the chapter's get_date. */
static void *
readline_task(struct loop_task *t, void *arg)
{
	char *argv[] = { "sh", "-c", "echo hello; echo more; exit 5", NULL };
	struct loop_subprocess_spec spec = {
		.argv = argv, .io = { LOOP_STDIO_DEVNULL, LOOP_STDIO_PIPE },
	};
	struct proc_run *r = arg;
	struct loop_process *p;

	assert_int_equal(loop_create_subprocess_exec(t, &spec, 0, &p, NULL),
			 0);
	assert_null(p->in);
	assert_null(p->err);
	assert_int_equal(loop_stream_readline(t, p->out, r->line,
					      sizeof(r->line), &r->got), 0);
	assert_int_equal(loop_process_wait(t, p, &r->rc), 0);
	assert_int_equal(p->exited, 1);
	loop_process_close(t, p);
	return NULL;
}

/* communicate(): 200 KiB through cat, stderr too, then the status. */
static void *
communicate_task(struct loop_task *t, void *arg)
{
	char *argv[] = { "sh", "-c", "cat; echo done >&2", NULL };
	struct loop_subprocess_spec spec = {
		.argv = argv,
		.io = { LOOP_STDIO_PIPE, LOOP_STDIO_PIPE, LOOP_STDIO_PIPE },
	};
	struct proc_run *r = arg;
	struct loop_process *p;
	size_t n = 200 * 1024;
	char *in = malloc(n), small[16];

	assert_non_null(in);
	memset(in, 'y', n);
	assert_int_equal(loop_create_subprocess_exec(t, &spec, 0, &p, NULL),
			 0);
	r->comm_rc = loop_process_communicate(t, p, in, n, r->out,
					      sizeof(r->out), &r->nout,
					      r->err, sizeof(r->err),
					      &r->nerr);
	assert_int_equal(r->comm_rc, 0);
	assert_int_equal(p->returncode, 0);
	assert_int_equal(r->nout, n);
	assert_memory_equal(r->out, in, n);
	assert_int_equal(r->nerr, 5);
	assert_memory_equal(r->err, "done\n", 5);
	assert_null(p->in);		/* closed by communicate */
	loop_process_close(t, p);
	/* Too much for the buffer: ENOBUFS, and the child still ends. */
	assert_int_equal(loop_create_subprocess_exec(t, &spec, 0, &p, NULL),
			 0);
	r->comm_rc = loop_process_communicate(t, p, in, n, small,
					      sizeof(small), &r->nout, NULL,
					      0, NULL);
	r->comm_err = errno;
	assert_int_equal(p->exited, 1);
	loop_process_close(t, p);
	free(in);
	return NULL;
}

static void
run_task(loop_task_fn fn, struct proc_run *r)
{
	struct loop *l = loop_new(NULL);
	struct loop_task *t = loop_task_new(l, "test", fn, r, 0);

	assert_non_null(t);
	assert_int_equal(loop_run_until_complete(l, loop_task_future(t)), 0);
	assert_int_equal(loop_future_result(loop_task_future(t), NULL), 0);
	loop_future_release(loop_task_future(t));
	/* The children's transports end on their own: run until then. */
	while (loop_close(l) < 0)
		assert_int_equal(loop_run_once(l), 0);
}

static void
test_streams_readline_wait(void **state)
{
	struct proc_run *r = calloc(1, sizeof(*r));
	int before = count_fds();

	run_task(readline_task, r);
	assert_int_equal(r->got, 6);
	assert_memory_equal(r->line, "hello\n", 6);
	assert_int_equal(r->rc, 5);
	assert_int_equal(count_fds(), before);
	assert_no_children();
	free(r);
}

static void
test_streams_communicate(void **state)
{
	struct proc_run *r = calloc(1, sizeof(*r));
	int before = count_fds();

	run_task(communicate_task, r);
	assert_int_equal(r->comm_rc, -1);
	assert_int_equal(r->comm_err, ENOBUFS);
	assert_int_equal(r->nout, 16);
	assert_int_equal(count_fds(), before);
	assert_no_children();
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_code),
		cmocka_unit_test(test_stdout_stderr),
		cmocka_unit_test(test_stderr_to_stdout),
		cmocka_unit_test(test_signal_exit),
		cmocka_unit_test(test_kill),
		cmocka_unit_test(test_close_kills),
		cmocka_unit_test(test_stdin_flow_control),
		cmocka_unit_test(test_stdin_reader_gone),
		cmocka_unit_test(test_stdin_epipe),
		cmocka_unit_test(test_spawn_failure),
		cmocka_unit_test(test_no_fd_leak),
		cmocka_unit_test(test_destroy_reaps),
		cmocka_unit_test(test_streams_readline_wait),
		cmocka_unit_test(test_streams_communicate),
	};

	/*
	 * write(2) to a pipe whose reader has gone raises SIGPIPE; the ipc
	 * binary ignores it, and so must we (see loop_pipe_transport_new()).
	 */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
