/*
 * deadlock.c - `ipc spawn deadlock`: the "flow control issues" warning of
 * the subprocess documentation, run.  A parent writes more than the pipes
 * hold to a child (cat) that writes it all back, and reads nothing until
 * it has written everything: both block for ever.  The stall is caught
 * with a deadline on poll(2), then the same work is done with the
 * communicate() loop, which finishes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "spawn.h"
#include "sys.h"

/* The most --size may ask for: the data is held in memory. */
#define SIZE_MAX_BYTES	(64L << 20)
#define SIZE_DEFAULT	(1L << 20)

static struct {
	long size;
	double timeout;
	const char *method;
} o;

static const struct opt deadlock_opts[] = {
	OPT_NUM('s', "size", &o.size, "N",
		"bytes to send through cat (default 1048576, at most 64 MiB)"),
	OPT_SECS('t', "timeout", &o.timeout,
		 "how long a write may make no progress before it counts as "
		 "a deadlock (default 0.5)"),
	OPT_ONEOF('m', "method", &o.method, "HOW", SPAWN_METHODS,
		  "how to make the child (default: fork)"),
	OPT_STOP
};

/* cat, with a pipe on its stdin and one on its stdout. */
struct cat {
	struct proc_child child;
	int in, out;		/* our ends: we write in, we read out */
};

/* Start cat behind two pipes.  Returns 0, or the exit status of a failure. */
static int
cat_start(const struct cli *cli, struct cat *c)
{
	char *argv[] = { "cat", NULL };
	struct proc_spec spec = { .argv = argv, .fd = { -1, -1, -1 } };
	const char *step;
	int rc, err;

	c->in = c->out = -1;
	memset(&c->child, 0, sizeof(c->child));
	if (proc_pipe(&spec.fd[0], &c->in, 1) < 0)
		return fail(cli, "pipe2", errno, NULL);
	if (proc_pipe(&spec.fd[1], &c->out, 0) < 0) {
		rc = fail(cli, "pipe2", errno, NULL);
		sys_close(spec.fd[0]);
		sys_close(c->in);
		return rc;
	}
	spec.method = spawn_method(o.method);
	fflush(stdout);
	c->child.pid = proc_spawn(&spec, &step);
	err = errno;
	sys_close(spec.fd[0]);
	sys_close(spec.fd[1]);
	if (c->child.pid < 0) {
		rc = spawn_failed(cli, argv[0], step, err);
		sys_close(c->in);
		sys_close(c->out);
		return rc;
	}
	return 0;
}

/*
 * The naive way, as in p.stdin.write(data); p.stdout.read(): write it
 * all, and only then read.  Each write waits at most --timeout for room
 * (a blocking write would wait for ever).  Returns the bytes written, or
 * -1 with errno set; *stalled says the wait ran out.
 */
static long
write_all_first(struct cat *c, const char *data, long size, int *stalled)
{
	long off = 0;

	*stalled = 0;
	while (off < size) {
		struct pollfd pfd = { c->in, POLLOUT, 0 };
		long long deadline = clock_deadline(o.timeout);
		ssize_t w;
		int n;

		while ((n = sys_poll(&pfd, 1, clock_ms_until(deadline))) < 0 &&
		       errno == EINTR)
			;
		if (n < 0)
			return -1;
		if (n == 0) {
			*stalled = 1;
			return off;
		}
		w = sys_write(c->in, data + off, (size_t)(size - off));
		if (w < 0 && errno != EINTR && errno != EAGAIN)
			return -1;
		if (w > 0)
			off += w;
	}
	return off;
}

/* Count what comes back; the bytes themselves are dropped. */
static int
count(void *ctx, int which, const void *buf, size_t n)
{
	*(long *)ctx += (long)n;
	return 0;
}

/* After a complete naive write: close cat's stdin and read it all back. */
static int
read_back(struct cat *c, long *got)
{
	struct proc_pipes p = {
		.in_fd = -1, .out_fd = c->out, .err_fd = -1, .in_src = -1,
		.child = &c->child, .sink = count, .ctx = got,
	};

	sys_close(c->in);
	c->in = c->out = -1;
	return proc_communicate(&p, clock_deadline(o.timeout));
}

/* Part 1: the naive write, which deadlocks when size is big enough. */
static int
naive(const struct cli *cli, const char *data, int *deadlocked)
{
	struct cat c;
	long wrote, got = 0;
	int rc, sz_in, sz_out, stalled;

	if ((rc = cat_start(cli, &c)) != 0)
		return rc;
	sz_in = sys_fcntl(c.in, F_GETPIPE_SZ);
	sz_out = sys_fcntl(c.out, F_GETPIPE_SZ);
	if (sz_in < 0 || sz_out < 0) {
		rc = fail(cli, "fcntl F_GETPIPE_SZ", errno, NULL);
		goto kill;
	}
	printf("pipe buffers: %d bytes to cat's stdin, %d bytes from its "
	       "stdout (fcntl F_GETPIPE_SZ)\n", sz_in, sz_out);
	printf("1. naive, as p.stdin.write(data); p.stdout.read(): write "
	       "all %ld bytes to cat (pid %d), then read\n", o.size,
	       (int)c.child.pid);
	wrote = write_all_first(&c, data, o.size, &stalled);
	if (wrote < 0) {
		rc = fail(cli, "write", errno, NULL);
		goto kill;
	}
	*deadlocked = stalled;
	if (!stalled) {
		if (read_back(&c, &got) < 0) {
			rc = fail(cli, "read", errno, NULL);
			goto kill;
		}
		printf("   wrote all %ld bytes, then read %ld back: no "
		       "deadlock, it all fitted in the two pipes and cat's "
		       "own buffer; try a bigger --size\n", wrote, got);
		return spawn_finish(cli, &c.child, 0, -1, o.timeout, 0);
	}
	printf("   wrote %ld of %ld bytes, then no room for %gs: DEADLOCK\n"
	       "   cat is blocked in write(2): its stdout pipe is full "
	       "(%d bytes) and we do not read it until we have written "
	       "everything\n"
	       "   we are blocked on its stdin pipe: full (%d bytes), "
	       "because cat no longer reads\n"
	       "   each waits for the other; a blocking write would hang "
	       "here for ever\n", wrote, o.size, o.timeout, sz_out, sz_in);
	rc = 0;
kill:
	if (c.in >= 0)
		sys_close(c.in);
	if (c.out >= 0)
		sys_close(c.out);
	if (!c.child.reaped &&
	    proc_kill_reap(c.child.pid, 0, &c.child.status, &c.child.ru) < 0)
		return fail(cli, "wait4", errno, NULL);
	if (rc == 0)
		printf("   killed pid %d with SIGKILL and reaped it\n",
		       (int)c.child.pid);
	return rc;
}

/* Part 2: the same work through the communicate() loop. */
static int
fixed(const struct cli *cli, const char *data)
{
	struct cat c;
	long got = 0;
	struct proc_pipes p;
	int rc;

	if ((rc = cat_start(cli, &c)) != 0)
		return rc;
	printf("2. communicate, as p.communicate(data): one poll(2) loop "
	       "writes when there is room and reads when there is data\n");
	p = (struct proc_pipes){
		.in_fd = c.in, .out_fd = c.out, .err_fd = -1,
		.in = data, .in_len = (size_t)o.size, .in_src = -1,
		.child = &c.child, .sink = count, .ctx = &got,
	};
	rc = proc_communicate(&p, -1);
	if (rc == 0)
		printf("   wrote %ld bytes to cat (pid %d) and read %ld back: "
		       "done\n", o.size, (int)c.child.pid, got);
	rc = spawn_finish(cli, &c.child, rc, -1, o.timeout, 0);
	if (rc == 0 && got != o.size) {
		out_errorf(cli->prog, "cat sent back %ld bytes, not %ld",
			   got, o.size);
		return 1;
	}
	return rc;
}

static int
run_deadlock(struct cli *cli)
{
	char *data;
	int rc, deadlocked = 0;

	if (o.size == 0)
		o.size = SIZE_DEFAULT;
	if (o.size < 0 || o.size > SIZE_MAX_BYTES)
		return usage_error(cli, "--size %ld: give 1 to %ld bytes",
				   o.size, SIZE_MAX_BYTES);
	if (o.timeout == 0)
		o.timeout = 0.5;
	if ((data = malloc((size_t)o.size)) == NULL)
		return fail(cli, "malloc", errno, NULL);
	for (long i = 0; i < o.size; i++)
		data[i] = i % 64 == 63 ? '\n' : 'a' + (char)(i % 26);
	rc = naive(cli, data, &deadlocked);
	if (rc == 0)
		rc = fixed(cli, data);
	if (rc == 0 && deadlocked)
		printf("the fix: never block writing to a child while its "
		       "output goes unread; serve both pipes from one "
		       "poll(2) loop\n");
	free(data);
	return rc;
}

const struct verb spawn_deadlock_verb = {
	.name = "deadlock",
	.summary = "the pipe-buffer deadlock, caught, then fixed with a "
		   "poll loop",
	.usage = "",
	.description =
		"Shows the warning of Python's subprocess documentation "
		"(\"use communicate() rather than .stdin.write, .stdout.read "
		"... to avoid deadlocks\") as it happens.  It prints the "
		"capacity of a pipe (fcntl(2) F_GETPIPE_SZ), starts cat with "
		"a pipe on its stdin and one on its stdout, and writes --size "
		"bytes to it before reading anything.  Once cat's stdout pipe "
		"is full, cat blocks in write(2) and stops reading; once its "
		"stdin pipe is full too, so do we.  A blocking write would "
		"hang for ever; here the write waits in poll(2) with a "
		"deadline, and when nothing moves for --timeout the deadlock "
		"is reported and cat is killed and reaped.\n\n"
		"Then the same bytes go through the communicate() loop: one "
		"poll(2) over both pipes that writes only when there is room "
		"and reads whatever is ready, so neither side waits on the "
		"other, and it finishes.  Exits 0 when the demonstration ran "
		"as expected.",
	.examples = (const char *const[]){
		"ipc spawn deadlock\tdeadlock with 1 MiB, then the fix",
		"ipc spawn deadlock --size 1000"
		"\tsmall enough to fit in the pipes: no deadlock",
		"ipc spawn deadlock --trace 2>&1 | grep -E 'poll|write'"
		"\tthe write that finds no room, and the loop that does",
		NULL },
	.opts = deadlock_opts,
	.min_args = 0, .max_args = 0,
	.run = run_deadlock,
};
