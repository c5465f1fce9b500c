/*
 * test_loop.c - lib/loop: timer order (equal deadlines in the order set),
 * cancellation in and out of the heap, call_soon FIFO order and its
 * next-iteration rule, readers removed from their own callback, close
 * refusing while handles are open, signals through signalfd and through
 * the self-pipe, a child's exit seen through its pidfd, transports' flow
 * control and half-close, a stream read until it is drained (or paused)
 * in one wake-up, resume_writing that writes again, TCP_NODELAY on TCP
 * transports, and debug mode's warnings.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "loop.h"

static const char *const backends[] = { "select", "poll", "epoll" };
#define NBACKENDS	(sizeof(backends) / sizeof(backends[0]))

/* What the callbacks saw, in order. */
static char seen[64];
static size_t nseen;

static void
reset(void)
{
	memset(seen, 0, sizeof(seen));
	nseen = 0;
}

/* Record the one-letter tag in arg. */
static void
mark(struct loop *l, void *arg)
{
	seen[nseen++] = *(const char *)arg;
}

static void
mark_stop(struct loop *l, void *arg)
{
	mark(l, arg);
	loop_stop(l);
}

/* Timers fire by deadline, and equal deadlines in the order they were set. */
static void
test_timer_order(void **state)
{
	struct loop *l = loop_new(NULL);
	long long t = loop_time() + 20000000;

	reset();
	assert_non_null(l);
	assert_non_null(loop_call_at(l, t + 2000000, "c", mark, "c"));
	assert_non_null(loop_call_at(l, t, "a", mark, "a"));
	assert_non_null(loop_call_at(l, t + 1000000, "b1", mark, "b"));
	assert_non_null(loop_call_at(l, t + 1000000, "b2", mark, "B"));
	assert_non_null(loop_call_at(l, t, "a2", mark, "A"));
	assert_non_null(loop_call_at(l, t + 3000000, "stop", mark_stop, "."));
	assert_int_equal(loop_run_forever(l), 0);
	assert_string_equal(seen, "aAbBc.");
	assert_int_equal(loop_close(l), 0);
}

static struct loop_handle *self, *victim;

/* A timer that cancels itself (a no-op: it is running) and another. */
static void
cancel_self(struct loop *l, void *arg)
{
	loop_cancel(l, self);
	loop_cancel(l, victim);
	mark(l, arg);
}

/* Cancel from the middle of the heap, the top, and the ready queue. */
static void
test_timer_cancel(void **state)
{
	struct loop_handle *h[8], *soon;
	struct loop *l = loop_new("poll");
	int i;

	reset();
	for (i = 0; i < 8; i++)
		h[i] = loop_call_later(l, 0.001 * (i + 1), "t", mark,
				       (char *)"01234567" + i);
	loop_cancel(l, h[3]);
	loop_cancel(l, h[0]);
	loop_cancel(l, h[6]);
	soon = loop_call_soon(l, "soon", mark, "s");
	loop_cancel(l, soon);
	self = loop_call_later(l, 0.0025, "self", cancel_self, "x");
	victim = loop_call_later(l, 0.0035, "victim", mark, "v");
	assert_non_null(loop_call_later(l, 0.02, "stop", mark_stop, "."));
	assert_int_equal(loop_run_forever(l), 0);
	assert_string_equal(seen, "1x2457.");
	assert_int_equal(loop_close(l), 0);
}

/* Schedules another callback while the queue runs: it must wait a turn. */
static void
resched(struct loop *l, void *arg)
{
	assert_non_null(loop_call_soon(l, "later", mark, "L"));
	mark(l, arg);
}

/* call_soon is FIFO, and what a callback schedules runs next iteration. */
static void
test_call_soon(void **state)
{
	struct loop *l = loop_new(NULL);

	reset();
	assert_non_null(loop_call_soon(l, "1", mark, "1"));
	assert_non_null(loop_call_soon(l, "r", resched, "r"));
	assert_non_null(loop_call_soon(l, "2", mark, "2"));
	assert_int_equal(loop_run_once(l), 0);
	assert_string_equal(seen, "1r2");
	/* Stopping makes the wait a mere look, so this one cannot block. */
	loop_stop(l);
	assert_int_equal(loop_run_once(l), 0);
	assert_string_equal(seen, "1r2L");
	assert_int_equal(loop_close(l), 0);
}

static void
set_flag(struct loop *l, void *arg)
{
	(void)l;
	*(int *)arg = 1;
}

/*
 * run_until returns once a callback sets its flag, even with nothing else
 * to wait for: the loop must not go on to wait forever first.  The alarm
 * turns a hang into a failure.
 */
static void
test_run_until_flag(void **state)
{
	struct loop *l = loop_new(NULL);
	int done = 0;

	(void)state;
	alarm(10);
	assert_non_null(loop_call_soon(l, "set", set_flag, &done));
	assert_int_equal(loop_run_until(l, &done), 0);
	assert_int_equal(done, 1);
	alarm(0);
	assert_int_equal(loop_close(l), 0);
}

/* A reader that removes itself and closes its fd; another reader stays. */
struct pipe_state {
	int fds[2];
	int reads;
};

static void
read_once_and_close(struct loop *l, int fd, void *arg)
{
	struct pipe_state *p = arg;
	char c;

	assert_int_equal(read(fd, &c, 1), 1);
	p->reads++;
	assert_int_equal(loop_remove_reader(l, fd), 0);
	close(fd);
	p->fds[0] = -1;
	loop_stop(l);
}

static void
test_close_from_callback(void **state)
{
	struct pipe_state p = { { -1, -1 }, 0 };
	size_t b;

	for (b = 0; b < NBACKENDS; b++) {
		struct loop *l = loop_new(backends[b]);

		p.reads = 0;
		assert_non_null(l);
		assert_string_equal(loop_backend(l), backends[b]);
		assert_int_equal(pipe2(p.fds, O_CLOEXEC | O_NONBLOCK), 0);
		assert_int_equal(loop_add_reader(l, p.fds[0], "r",
						 read_once_and_close, &p), 0);
		/* The loop refuses to close while the fd is watched. */
		errno = 0;
		assert_int_equal(loop_close(l), -1);
		assert_int_equal(errno, EBUSY);
		assert_int_equal(write(p.fds[1], "xy", 2), 2);
		assert_int_equal(loop_run_forever(l), 0);
		assert_int_equal(p.reads, 1);
		/* Gone: a second remove says so. */
		errno = 0;
		assert_int_equal(loop_remove_reader(l, 0), -1);
		assert_int_equal(errno, ENOENT);
		close(p.fds[1]);
		assert_int_equal(loop_close(l), 0);
	}
}

/* A writer and a reader on one fd; removing one keeps the other. */
static void
on_writable(struct loop *l, int fd, void *arg)
{
	assert_int_equal(write(fd, "w", 1), 1);
	assert_int_equal(loop_remove_writer(l, fd), 0);
}

static void
on_readable(struct loop *l, int fd, void *arg)
{
	char c;

	assert_int_equal(read(fd, &c, 1), 1);
	assert_int_equal(c, 'w');
	assert_int_equal(loop_remove_reader(l, fd), 0);
	loop_stop(l);
}

static void
test_reader_writer(void **state)
{
	int sv[2];
	size_t b;

	for (b = 0; b < NBACKENDS; b++) {
		struct loop *l = loop_new(backends[b]);

		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM |
					    SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
					    sv), 0);
		assert_int_equal(loop_add_reader(l, sv[1], "r", on_readable,
						 NULL), 0);
		assert_int_equal(loop_add_writer(l, sv[0], "w", on_writable,
						 NULL), 0);
		assert_int_equal(loop_run_forever(l), 0);
		close(sv[0]);
		close(sv[1]);
		assert_int_equal(loop_close(l), 0);
	}
}

static int got_sig[NSIG];

static void
on_signal(struct loop *l, int sig, void *arg)
{
	got_sig[sig]++;
	if (got_sig[SIGUSR1] && got_sig[SIGUSR2])
		loop_stop(l);
}

static void
raise_both(struct loop *l, void *arg)
{
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	assert_int_equal(kill(getpid(), SIGUSR2), 0);
}

/* Both signals reach their handler as loop callbacks; removal restores. */
static void
signals_in(enum loop_signal_mode mode)
{
	struct loop *l = loop_new(NULL);
	struct sigaction sa;
	sigset_t mask;

	memset(got_sig, 0, sizeof(got_sig));
	assert_int_equal(loop_set_signal_mode(l, mode), 0);
	assert_int_equal(loop_add_signal_handler(l, SIGUSR1, "u1", on_signal,
						 NULL), 0);
	assert_int_equal(loop_add_signal_handler(l, SIGUSR2, "u2", on_signal,
						 NULL), 0);
	errno = 0;
	assert_int_equal(loop_set_signal_mode(l, LOOP_SELF_PIPE), -1);
	assert_int_equal(errno, EBUSY);
	errno = 0;
	assert_int_equal(loop_add_signal_handler(l, SIGKILL, "k", on_signal,
						 NULL), -1);
	assert_int_equal(errno, EINVAL);
	assert_non_null(loop_call_soon(l, "raise", raise_both, NULL));
	assert_int_equal(loop_run_forever(l), 0);
	assert_int_equal(got_sig[SIGUSR1], 1);
	assert_int_equal(got_sig[SIGUSR2], 1);
	errno = 0;
	assert_int_equal(loop_close(l), -1);
	assert_int_equal(errno, EBUSY);
	assert_int_equal(loop_remove_signal_handler(l, SIGUSR1), 0);
	assert_int_equal(loop_remove_signal_handler(l, SIGUSR2), 0);
	errno = 0;
	assert_int_equal(loop_remove_signal_handler(l, SIGUSR2), -1);
	assert_int_equal(errno, ENOENT);
	/* As before: unblocked, and the default disposition back. */
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &mask), 0);
	assert_false(sigismember(&mask, SIGUSR1));
	assert_int_equal(sigaction(SIGUSR1, NULL, &sa), 0);
	assert_ptr_equal(sa.sa_handler, SIG_DFL);
	assert_int_equal(loop_close(l), 0);
}

static void
test_signals_signalfd(void **state)
{
	signals_in(LOOP_SIGNALFD);
}

static void
test_signals_self_pipe(void **state)
{
	signals_in(LOOP_SELF_PIPE);
}

struct child_state {
	pid_t pid;
	int status;
};

static void
on_child(struct loop *l, pid_t pid, int status, void *arg)
{
	struct child_state *c = arg;

	assert_int_equal(pid, c->pid);
	c->status = status;
	loop_stop(l);
}

/* The child's exit arrives through its pidfd, and it is reaped. */
static void
test_child_pidfd(void **state)
{
	struct child_state c = { 0, -1 };
	struct loop *l = loop_new(NULL);

	c.pid = fork();
	assert_true(c.pid >= 0);
	if (c.pid == 0)
		_exit(7);
	assert_int_equal(loop_add_child_watcher(l, c.pid, "child", on_child,
						&c), 0);
	errno = 0;
	assert_int_equal(loop_add_child_watcher(l, c.pid, "again", on_child,
						&c), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(loop_run_forever(l), 0);
	assert_true(WIFEXITED(c.status));
	assert_int_equal(WEXITSTATUS(c.status), 7);
	/* Reaped: no zombie is left to wait for. */
	errno = 0;
	assert_int_equal(waitpid(c.pid, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_int_equal(loop_close(l), 0);
}

static int warnings;

static void
count_warning(void *ctx, const char *msg)
{
	warnings++;
	assert_non_null(strstr(msg, (const char *)ctx));
}

/* ---- transports ---- */

struct flow {
	struct loop_transport *t;
	int peer;
	int paused, resumed, lost, lost_err, made;
	size_t written, read, at_pause, at_resume;
};

/* Write until the transport says the buffer passed the high-water mark. */
static void
fill(struct loop_transport *t, struct flow *f)
{
	static char chunk[16384];
	int paused = f->paused, i;

	for (i = 0; i < 1000 && f->paused == paused; i++) {
		assert_int_equal(loop_transport_write(t, chunk, sizeof(chunk)),
				 0);
		f->written += sizeof(chunk);
	}
	assert_int_equal(f->paused, paused + 1);
}

static void
flow_made(struct loop_transport *t, void *ctx)
{
	struct flow *f = ctx;

	f->t = t;
	f->made++;
	fill(t, f);
}

static void
flow_pause(struct loop_transport *t, void *ctx)
{
	struct flow *f = ctx;

	f->paused++;
	f->at_pause = loop_transport_buffered(t);
}

static void
flow_resume(struct loop_transport *t, void *ctx)
{
	struct flow *f = ctx;

	f->resumed++;
	f->at_resume = loop_transport_buffered(t);
	loop_transport_close(t);
}

static void
flow_lost(struct loop_transport *t, int err, void *ctx)
{
	struct flow *f = ctx;

	f->lost++;
	f->lost_err = err;
}

/* The slow peer: reads everything, then sees the close. */
static void
flow_peer(struct loop *l, int fd, void *arg)
{
	struct flow *f = arg;
	char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n > 0) {
		f->read += (size_t)n;
		return;
	}
	assert_int_equal(n, 0);
	assert_int_equal(loop_remove_reader(l, fd), 0);
	loop_stop(l);
}

static const struct loop_protocol flow_proto = {
	.connection_made = flow_made,
	.pause_writing = flow_pause,
	.resume_writing = flow_resume,
	.connection_lost = flow_lost,
};

/* connection_lost runs from the ready queue: one more turn, then the end. */
static void
flow_finish(struct loop *l, struct flow *f)
{
	loop_stop(l);
	assert_int_equal(loop_run_once(l), 0);
	assert_int_equal(f->lost, 1);
	assert_int_equal(f->lost_err, 0);
	close(f->peer);
	assert_int_equal(loop_close(l), 0);
}

/* pause_writing above 64 KiB buffered, resume_writing at 16 KiB. */
static void
test_flow_control(void **state)
{
	struct loop *l = loop_new(NULL);
	struct flow f = { 0 };
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
				    SOCK_CLOEXEC, 0, sv), 0);
	f.peer = sv[1];
	assert_non_null(loop_transport_new(l, sv[0], &flow_proto, &f));
	/* A turn for connection_made; stopping keeps the wait from blocking. */
	loop_stop(l);
	assert_int_equal(loop_run_once(l), 0);
	assert_int_equal(f.made, 1);
	assert_int_equal(f.paused, 1);
	assert_true(f.at_pause > LOOP_HIGH_WATER);
	assert_int_equal(f.resumed, 0);
	assert_int_equal(loop_add_reader(l, sv[1], "peer", flow_peer, &f), 0);
	assert_int_equal(loop_run_forever(l), 0);
	assert_int_equal(f.resumed, 1);
	assert_true(f.at_resume <= LOOP_LOW_WATER);
	assert_int_equal(f.read, f.written);
	flow_finish(l, &f);
}

struct half {
	struct loop *loop;
	int keep, eofs, lost, data;
};

/* After the peer's EOF: answer, then close, if keep-open was asked. */
static int
half_eof(struct loop_transport *t, void *ctx)
{
	struct half *h = ctx;

	h->eofs++;
	if (!h->keep)
		return 0;
	assert_int_equal(loop_transport_write(t, "bye", 3), 0);
	loop_transport_close(t);
	return 1;
}

static void
half_data(struct loop_transport *t, const void *buf, size_t n, void *ctx)
{
	((struct half *)ctx)->data += (int)n;
}

static void
half_lost(struct loop_transport *t, int err, void *ctx)
{
	struct half *h = ctx;

	assert_int_equal(err, 0);
	h->lost++;
	loop_stop(h->loop);
}

static const struct loop_protocol half_proto = {
	.data_received = half_data,
	.eof_received = half_eof,
	.connection_lost = half_lost,
};

/* eof_received keeps the transport open for writing when it says so. */
static void
test_eof_keep_open(void **state)
{
	int keep;

	for (keep = 0; keep <= 1; keep++) {
		struct loop *l = loop_new(NULL);
		struct half h = { .loop = l, .keep = keep };
		char buf[16];
		int sv[2];

		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM |
					    SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
					    sv), 0);
		assert_int_equal(write(sv[1], "hi", 2), 2);
		assert_int_equal(shutdown(sv[1], SHUT_WR), 0);
		assert_non_null(loop_transport_new(l, sv[0], &half_proto, &h));
		assert_int_equal(loop_run_forever(l), 0);
		assert_int_equal(h.data, 2);
		assert_int_equal(h.eofs, 1);
		assert_int_equal(h.lost, 1);
		/* What the peer reads: the answer only when kept open. */
		if (keep) {
			assert_int_equal(read(sv[1], buf, sizeof(buf)), 3);
			assert_memory_equal(buf, "bye", 3);
		}
		assert_int_equal(read(sv[1], buf, sizeof(buf)), 0);
		close(sv[1]);
		assert_int_equal(loop_close(l), 0);
	}
}

struct reads {
	int pause;		/* pause_reading from the first data_received */
	int calls;
	size_t bytes;
};

static void
reads_data(struct loop_transport *t, const void *buf, size_t n, void *ctx)
{
	struct reads *r = ctx;

	r->calls++;
	r->bytes += n;
	if (r->pause)
		loop_transport_pause_reading(t);
}

static const struct loop_protocol reads_proto = {
	.data_received = reads_data,
};

/*
 * One wake-up reads while each read fills the read buffer (64 KiB), and
 * stops at the first short read; pause_reading from data_received stops
 * it at once.  128 KiB wait in the socket before the loop looks.
 */
static void
test_read_until_drained(void **state)
{
	static char chunk[128 * 1024];
	int pause;

	for (pause = 0; pause <= 1; pause++) {
		struct loop *l = loop_new("epoll");
		struct reads r = { .pause = pause };
		struct loop_transport *t;
		int sv[2];

		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM |
					    SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
					    sv), 0);
		assert_int_equal(write(sv[1], chunk, sizeof(chunk)),
				 (ssize_t)sizeof(chunk));
		t = loop_transport_new(l, sv[0], &reads_proto, &r);
		assert_non_null(t);
		/* connection_made, then the wait finds the data at once. */
		assert_int_equal(loop_run_once(l), 0);
		if (pause) {
			assert_int_equal(r.calls, 1);
			assert_int_equal(r.bytes, 64 * 1024);
		} else {
			/* Two full reads, then EAGAIN: not one read a turn. */
			assert_int_equal(r.calls, 2);
			assert_int_equal(r.bytes, sizeof(chunk));
		}
		loop_transport_abort(t, 0);
		loop_stop(l);
		assert_int_equal(loop_run_once(l), 0);
		close(sv[1]);
		assert_int_equal(loop_close(l), 0);
	}
}

/*
 * resume_writing may write again.  Here it refills the buffer twice,
 * then asks for write_eof: the writer must stay while bytes wait, and the
 * peer must get every byte, then end of file, once.
 */
static void
refill_resume(struct loop_transport *t, void *ctx)
{
	struct flow *f = ctx;

	if (++f->resumed == 3)
		loop_transport_write_eof(t);
	else
		fill(t, f);
}

static const struct loop_protocol refill_proto = {
	.connection_made = flow_made,
	.pause_writing = flow_pause,
	.resume_writing = refill_resume,
	.connection_lost = flow_lost,
};

static void
test_resume_writes_again(void **state)
{
	size_t b;

	for (b = 0; b < NBACKENDS; b++) {
		struct loop *l = loop_new(backends[b]);
		struct flow f = { 0 };
		int sv[2];

		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM |
					    SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
					    sv), 0);
		f.peer = sv[1];
		assert_non_null(loop_transport_new(l, sv[0], &refill_proto,
						   &f));
		assert_int_equal(loop_add_reader(l, sv[1], "peer", flow_peer,
						 &f), 0);
		/* flow_peer stops the loop at end of file. */
		assert_int_equal(loop_run_forever(l), 0);
		assert_int_equal(f.paused, 3);
		assert_int_equal(f.resumed, 3);
		assert_int_equal(f.read, f.written);
		assert_true(f.written > 3 * LOOP_HIGH_WATER);
		/* write_eof closes nothing: the transport is still ours. */
		assert_int_equal(f.lost, 0);
		loop_transport_close(f.t);
		flow_finish(l, &f);
	}
}

struct nodelay {
	struct loop *loop;
	int made, on;
};

/* Both ends: is Nagle's algorithm off on the transport's socket? */
static void
nodelay_made(struct loop_transport *t, void *ctx)
{
	struct nodelay *d = ctx;
	int v = 0;
	socklen_t len = sizeof(v);

	assert_int_equal(getsockopt(loop_transport_fd(t), IPPROTO_TCP,
				    TCP_NODELAY, &v, &len), 0);
	d->on += v != 0;
	if (++d->made == 2)
		loop_stop(d->loop);
}

static void *
nodelay_factory(void *arg)
{
	return arg;
}

static const struct loop_protocol nodelay_proto = {
	.connection_made = nodelay_made,
};

/* A TCP transport, accepted or connected, sends without Nagle's delay. */
static void
test_tcp_nodelay(void **state)
{
	struct loop *l = loop_new(NULL);
	struct nodelay d = { .loop = l };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	struct loop_server *srv;
	int lfd;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 8), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
	srv = loop_server_new(l, lfd, &nodelay_proto, nodelay_factory, &d);
	assert_non_null(srv);
	assert_non_null(loop_transport_connect(l, (struct sockaddr *)&sa,
					       len, &nodelay_proto, &d));
	assert_int_equal(loop_run_forever(l), 0);
	assert_int_equal(d.made, 2);
	assert_int_equal(d.on, 2);
	loop_server_close(srv);
	loop_destroy(l);
}

/* A callback that blocks the loop for 120 ms. */
static void
sleepy(struct loop *l, void *arg)
{
	const struct timespec ts = { 0, 120000000 };

	nanosleep(&ts, NULL);
	loop_stop(l);
}

/* Debug mode warns about a callback slower than 100 ms, naming it. */
static void
test_debug_slow(void **state)
{
	struct loop *l = loop_new(NULL);

	warnings = 0;
	loop_set_debug(l, count_warning, "callback sleepy (soon) took");
	assert_non_null(loop_call_soon(l, "sleepy", sleepy, NULL));
	assert_int_equal(loop_run_forever(l), 0);
	assert_int_equal(warnings, 1);
	assert_int_equal(loop_close(l), 0);
}

/* Debug mode names the fds still registered at close. */
static void
test_debug_close(void **state)
{
	struct loop *l = loop_new(NULL);
	int fds[2];

	warnings = 0;
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	loop_set_debug(l, count_warning, "still registered");
	assert_int_equal(loop_add_reader(l, fds[0], "r", on_readable, NULL),
			 0);
	assert_int_equal(loop_close(l), -1);
	assert_int_equal(warnings, 1);
	loop_destroy(l);
	close(fds[0]);
	close(fds[1]);
	errno = 0;
	assert_null(loop_new("kqueue"));
	assert_int_equal(errno, ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_order),
		cmocka_unit_test(test_timer_cancel),
		cmocka_unit_test(test_call_soon),
		cmocka_unit_test(test_run_until_flag),
		cmocka_unit_test(test_close_from_callback),
		cmocka_unit_test(test_reader_writer),
		cmocka_unit_test(test_signals_signalfd),
		cmocka_unit_test(test_signals_self_pipe),
		cmocka_unit_test(test_child_pidfd),
		cmocka_unit_test(test_flow_control),
		cmocka_unit_test(test_eof_keep_open),
		cmocka_unit_test(test_read_until_drained),
		cmocka_unit_test(test_resume_writes_again),
		cmocka_unit_test(test_tcp_nodelay),
		cmocka_unit_test(test_debug_slow),
		cmocka_unit_test(test_debug_close),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
