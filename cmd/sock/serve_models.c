/*
 * serve_models.c - the four server models of `ipc sock serve`, around one
 * loop.
 *
 * The loop waits in poll(2) on the self-pipe (signals, finished threads),
 * the listener (while we may take more connections) and, in the poll
 * model, every client.  When the listener is readable it accepts, and the
 * model decides who serves the new connection:
 *
 *   iterative  this loop, to the end, before it accepts again
 *   fork       a child process; the parent reaps it on SIGCHLD
 *   thread     a new thread; the loop joins it when it says it is done
 *   poll       this loop, a little at a time, with every other client
 *
 * --exec forks a child for the command in every model.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "serve.h"
#include "sys.h"

/* How long stopping children get before SIGKILL. */
#define STOP_GRACE_NS (5 * 1000000000LL)

/* May the loop take another connection now? */
static int
accepting(const struct serve *s)
{
	if (serve_stop || s->paused)
		return 0;
	if (s->count > 0 && s->st.accepted >= (unsigned long)s->count)
		return 0;
	/* Iterative: only an --exec child can be live here, and it counts. */
	if (s->model == MODEL_ITERATIVE)
		return s->nconns == 0;
	return s->max_conn == 0 || s->nconns < (size_t)s->max_conn;
}

/* --count: every connection it allows has been served. */
static int
finished(const struct serve *s)
{
	return s->count > 0 && s->st.accepted >= (unsigned long)s->count &&
	       s->nconns == 0;
}

/* --model fork: the child serves the client, reports, and exits. */
static _Noreturn void
child_main(struct serve *s, struct conn *c, const sigset_t *old)
{
	struct conn_report r;
	ssize_t n;

	/* The listener, the reserve and the reports' read end are the parent's. */
	sys_close(s->lfd);
	if (s->spare >= 0)
		sys_close(s->spare);
	sys_close(s->report[0]);
	/*
	 * We keep the parent's handlers, with a pipe of our own: the SIGTERM
	 * the parent sends when it stops then ends conn_run, and we report
	 * before we exit.  (An --exec child gets the defaults instead.)
	 */
	if (serve_wake_reopen() < 0)
		_exit(EX_OSERR_);
	sys_sigprocmask(SIG_SETMASK, old, NULL);
	conn_run(s, c, serve_wake_fd());
	/*
	 * The parent cannot see our counters.  One write of fewer than
	 * PIPE_BUF bytes is atomic, so the reports of many children never
	 * mix; see pipe(7).
	 */
	memset(&r, 0, sizeof(r));
	r.id = c->id;
	r.in = c->in;
	r.out = c->out;
	r.end = (int)c->end;
	r.err = c->err;
	do
		n = sys_write(s->report[1], &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	_exit(0);
}

static void
start_child(struct serve *s, struct conn *c)
{
	sigset_t old;
	pid_t pid;

	pid = serve_fork(&old);
	if (pid == 0)
		child_main(s, c, &old);
	if (pid < 0) {
		c->end = END_ERROR;
		c->err = errno;
		serve_finish(s, c);
		return;
	}
	c->kind = CONN_CHILD;
	c->pid = pid;
	/*
	 * The child has its own copy of the socket.  Ours would hold the
	 * connection open after the child closes, and use up descriptors.
	 */
	sys_close(c->fd);
	c->fd = -1;
}

static void *
thread_main(void *arg)
{
	struct conn *c = arg;

	conn_run(c->srv, c, -1);
	atomic_store(&c->done, 1);
	serve_wake();
	return NULL;
}

static void
start_thread(struct serve *s, struct conn *c)
{
	sigset_t old;
	int err;

	/*
	 * Signals should reach the main thread, which waits on the
	 * self-pipe: a new thread inherits the creator's mask, so block them
	 * around pthread_create.  See pthread_sigmask(3).
	 */
	serve_hold_signals(&old);
	c->kind = CONN_THREAD;
	err = sys_pthread_create(&c->thread, NULL, thread_main, c);
	sys_sigprocmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		c->kind = CONN_LOCAL;
		c->end = END_ERROR;
		c->err = err;
		serve_finish(s, c);
	}
}

/* Hand a new connection to whoever serves it in this model. */
static void
start(struct serve *s, struct conn *c)
{
	if (s->exec_argv) {
		if (conn_exec(s, c) < 0) {
			c->end = END_ERROR;
			c->err = errno;
			serve_finish(s, c);
		}
		return;
	}
	conn_start(s, c);
	switch (s->model) {
	case MODEL_POLL:
		break;
	case MODEL_ITERATIVE:
		conn_run(s, c, serve_wake_fd());
		serve_finish(s, c);
		break;
	case MODEL_FORK:
		start_child(s, c);
		break;
	case MODEL_THREAD:
		start_thread(s, c);
		break;
	}
}

/* Take every waiting connection we may; an exit status if accept broke. */
static int
accept_all(struct serve *s)
{
	struct conn *c;

	while (accepting(s)) {
		c = serve_accept(s);
		if (c == NULL)
			return errno == EAGAIN ? 0
					       : fail(s->cli, "accept4", errno, NULL);
		start(s, c);
	}
	return 0;
}

/* --model fork: fill in the children's counters from their reports. */
static void
read_reports(struct serve *s)
{
	struct conn_report r;

	if (s->report[0] < 0)
		return;
	while (sys_read(s->report[0], &r, sizeof(r)) == (ssize_t)sizeof(r))
		for (size_t i = 0; i < s->nconns; i++)
			if (s->conns[i]->id == r.id) {
				s->conns[i]->in = r.in;
				s->conns[i]->out = r.out;
				s->conns[i]->end = (enum conn_end)r.end;
				s->conns[i]->err = r.err;
			}
}

/*
 * SIGCHLD: collect every child that ended.  One signal may stand for
 * several children, so call waitpid(2) with WNOHANG until none is left:
 * no zombies.  A child writes its report before it exits, so the reports
 * of the children reaped here are in the pipe.
 */
static void
reap(struct serve *s)
{
	struct conn *c;
	int status;
	pid_t pid;

	serve_child = 0;
	while ((pid = sys_waitpid(-1, &status, WNOHANG)) > 0)
		for (size_t i = 0; i < s->nconns; i++)
			if (s->conns[i]->pid == pid) {
				s->conns[i]->exited = 1;
				s->conns[i]->status = status;
			}
	read_reports(s);
	for (size_t i = s->nconns; i-- > 0;) {
		c = s->conns[i];
		if (c->kind == CONN_CHILD && c->exited)
			serve_finish(s, c);
	}
}

/* Join the threads that said they are done, and close their sockets. */
static void
join_done(struct serve *s)
{
	struct conn *c;

	for (size_t i = s->nconns; i-- > 0;) {
		c = s->conns[i];
		if (c->kind == CONN_THREAD && atomic_load(&c->done)) {
			pthread_join(c->thread, NULL);
			serve_finish(s, c);
		}
	}
}

static int
count_kind(const struct serve *s, enum conn_kind kind)
{
	int n = 0;

	for (size_t i = 0; i < s->nconns; i++)
		n += s->conns[i]->kind == kind;
	return n;
}

/* Grow the poll set to hold n entries; -1 with ENOMEM. */
static int
reserve_pollset(struct serve *s, size_t n)
{
	struct pollfd *p;
	struct conn **w;

	if (n <= s->pcap)
		return 0;
	p = realloc(s->pfds, n * sizeof(*p));
	if (p == NULL)
		return -1;
	s->pfds = p;
	w = realloc(s->owner, n * sizeof(*w));
	if (w == NULL)
		return -1;
	s->owner = w;
	s->pcap = n;
	return 0;
}

/*
 * The poll set: [0] the self-pipe, [1] the listener (a negative fd, which
 * poll skips, while we may not accept), then the clients this loop serves.
 * Sets *ms to the time until the next idle client must go.
 */
static nfds_t
build_pollset(struct serve *s, int *ms)
{
	long long now = clock_now_ns();
	struct conn *c;
	nfds_t n = 2;
	int left;

	s->pfds[0] = (struct pollfd){ .fd = serve_wake_fd(), .events = POLLIN };
	s->pfds[1] = (struct pollfd){ .fd = accepting(s) ? s->lfd : -1,
				      .events = POLLIN };
	s->owner[0] = s->owner[1] = NULL;
	*ms = s->paused ? 1000 : -1;
	for (size_t i = 0; i < s->nconns; i++) {
		c = s->conns[i];
		if (c->kind != CONN_LOCAL)
			continue;
		s->pfds[n] = (struct pollfd){ .fd = c->fd,
					      .events = conn_events(s, c) };
		s->owner[n++] = c;
		left = conn_idle_ms(s, c, now);
		if (left >= 0 && (*ms < 0 || left < *ms))
			*ms = left;
	}
	return n;
}

/* The poll model's clients: do what poll reported, drop the idle. */
static void
serve_clients(struct serve *s, nfds_t n, int polled)
{
	long long now = clock_now_ns();
	struct conn *c;

	for (nfds_t i = 2; i < n; i++) {
		c = s->owner[i];
		if (polled && s->pfds[i].revents)
			conn_io(s, c, s->pfds[i].revents);
		if (c->end == END_NONE && conn_idle_ms(s, c, now) == 0)
			c->end = END_IDLE;
		if (c->end != END_NONE)
			serve_finish(s, c);
	}
}

static void
signal_children(const struct serve *s, int sig)
{
	for (size_t i = 0; i < s->nconns; i++)
		if (s->conns[i]->kind == CONN_CHILD)
			sys_kill(s->conns[i]->pid, sig);
}

/*
 * Stop children: SIGTERM, a grace period, then SIGKILL for any left, and
 * reap them all.  A fork child stops at once (SIGTERM wakes its loop);
 * an --exec command gets the default action of SIGTERM.
 */
static void
stop_children(struct serve *s)
{
	struct pollfd p = { .fd = serve_wake_fd(), .events = POLLIN };
	long long left, deadline = clock_now_ns() + STOP_GRACE_NS;
	int killed = 0;

	signal_children(s, SIGTERM);
	while (count_kind(s, CONN_CHILD) > 0) {
		left = deadline - clock_now_ns();
		if (!killed && left <= 0) {
			signal_children(s, SIGKILL);
			killed = 1;
		}
		if (sys_poll(&p, 1, killed ? -1 : (int)(left / 1000000 + 1)) > 0)
			serve_wake_drain();
		reap(s);
	}
}

/* Leaving the loop: end every connection, whoever serves it. */
static void
stop_all(struct serve *s)
{
	struct conn *c;

	for (size_t i = s->nconns; i-- > 0;) {
		c = s->conns[i];
		if (c->kind == CONN_LOCAL) {
			c->end = END_STOPPED;
			serve_finish(s, c);
		}
	}
	/*
	 * The threads still running wait in poll on their sockets:
	 * shutdown(2) makes a socket readable (EOF) and unwritable (EPIPE),
	 * so every service returns, and we join them.
	 */
	join_done(s);
	for (size_t i = 0; i < s->nconns; i++)
		if (s->conns[i]->kind == CONN_THREAD)
			sys_shutdown(s->conns[i]->fd, SHUT_RDWR);
	for (size_t i = s->nconns; i-- > 0;) {
		c = s->conns[i];
		if (c->kind != CONN_THREAD)
			continue;
		pthread_join(c->thread, NULL);
		c->end = END_STOPPED;
		serve_finish(s, c);
	}
	stop_children(s);
}

int
serve_loop(struct serve *s)
{
	nfds_t n;
	int ms, ready, rc = 0;

	while (!serve_stop && !finished(s) && rc == 0) {
		if (reserve_pollset(s, s->nconns + 2) < 0) {
			rc = fail(s->cli, "poll", errno, NULL);
			break;
		}
		n = build_pollset(s, &ms);
		ready = sys_poll(s->pfds, n, ms);
		if (ready < 0 && errno != EINTR) {
			rc = fail(s->cli, "poll", errno, NULL);
			break;
		}
		s->paused = 0;
		if (ready > 0 && s->pfds[0].revents)
			serve_wake_drain();
		if (serve_child)
			reap(s);
		if (s->model == MODEL_THREAD)
			join_done(s);
		serve_clients(s, n, ready > 0);
		if (ready > 0 && (s->pfds[1].revents & POLLIN))
			rc = accept_all(s);
	}
	stop_all(s);
	return rc;
}
