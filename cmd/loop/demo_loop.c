/*
 * demo_loop.c - the event loop group of `ipc loop demo`: the first
 * examples of the asyncio chapter ("Event loop examples"), each in the
 * shape of its Python original:
 *
 *	hello-soon	loop.call_soon(hello_world, loop); loop.run_forever()
 *	clock-later	display_date reschedules itself with loop.call_later
 *	watch-fd	loop.add_reader(rsock, reader) on a socketpair
 *	signals		loop.add_signal_handler(SIGINT/SIGTERM, ask_exit)
 *
 * A callback that fails records the exit status in d->rc and stops the
 * loop (demo_fail); the demo returns it once the loop is back.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "loop_cmd.h"
#include "sys.h"

/* clock-later's number of ticks. */
#define TICKS	5

/* ---- hello-soon ---- */

static void
hello_world(struct loop *l, void *arg)
{
	printf("Hello World\n");
	fflush(stdout);
	loop_stop(l);
}

static int
demo_hello_soon(struct demo_ctx *d)
{
	if (loop_call_soon(d->loop, "hello_world", hello_world, d) == NULL)
		return fail(d->cli, "call_soon", errno, NULL);
	return demo_run(d);
}

/* ---- clock-later ---- */

struct clock_demo {
	struct demo_ctx *d;
	int ticks;
};

/* The wall-clock date, as Python's datetime.datetime.now() prints it. */
static void
display_date(struct loop *l, void *arg)
{
	struct clock_demo *c = arg;
	struct timespec ts;
	struct tm tm;
	char date[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%s.%06ld\n", date, ts.tv_nsec / 1000);
	fflush(stdout);
	if (++c->ticks == TICKS)
		loop_stop(l);
	else if (loop_call_later(l, c->d->interval, "display_date",
				 display_date, c) == NULL)
		demo_fail(c->d, "call_later", errno);
}

static int
demo_clock_later(struct demo_ctx *d)
{
	struct clock_demo c = { .d = d };

	if (loop_call_soon(d->loop, "display_date", display_date, &c) == NULL)
		return fail(d->cli, "call_soon", errno, NULL);
	return demo_run(d);
}

/* ---- watch-fd ---- */

struct watch_demo {
	struct demo_ctx *d;
	int rsock, wsock;
};

/* rsock is readable: print what came, then stop watching it. */
static void
reader(struct loop *l, int fd, void *arg)
{
	struct watch_demo *w = arg;
	char buf[100], shown[400];
	size_t used;
	ssize_t n;

	n = sys_recv(fd, buf, sizeof(buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		demo_fail(w->d, "recv", errno);
	} else {
		out_escape(shown, sizeof(shown), buf, (size_t)n, &used);
		printf("Received: %s\n", shown);
		fflush(stdout);
	}
	/* We are done: unregister the fd, and stop the loop. */
	loop_remove_reader(l, fd);
	loop_stop(l);
}

/* Simulate the reception of data from the network. */
static void
send_abc(struct loop *l, void *arg)
{
	struct watch_demo *w = arg;

	if (sys_send(w->wsock, "abc", 3, MSG_NOSIGNAL) < 0) {
		loop_remove_reader(l, w->rsock);
		demo_fail(w->d, "send", errno);
	}
}

static int
demo_watch_fd(struct demo_ctx *d)
{
	struct watch_demo w = { .d = d };
	int sv[2], rc;

	if (sys_socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			   0, sv) < 0)
		return fail(d->cli, "socketpair", errno, NULL);
	w.rsock = sv[0];
	w.wsock = sv[1];
	if (loop_add_reader(d->loop, w.rsock, "reader", reader, &w) < 0)
		rc = fail(d->cli, "add_reader", errno, NULL);
	else if (loop_call_soon(d->loop, "send", send_abc, &w) == NULL) {
		rc = fail(d->cli, "call_soon", errno, NULL);
		loop_remove_reader(d->loop, w.rsock);
	} else {
		rc = demo_run(d);
	}
	sys_close(w.rsock);
	sys_close(w.wsock);
	return rc;
}

/* ---- signals ---- */

struct signal_demo {
	struct demo_ctx *d;
	int next;		/* the signal send_next sends */
};

static const char *
signame(int sig)
{
	return sig == SIGINT ? "SIGINT" : "SIGTERM";
}

/* Send the next signal to ourselves, as kill(1) from a shell would. */
static void
send_next(struct loop *l, void *arg)
{
	struct signal_demo *s = arg;

	printf("sending %s to ourselves\n", signame(s->next));
	fflush(stdout);
	if (sys_kill(getpid(), s->next) < 0)
		demo_fail(s->d, "kill", errno);
}

/* The handler: SIGINT asks for SIGTERM, and SIGTERM ends the demo. */
static void
ask_exit(struct loop *l, int sig, void *arg)
{
	struct signal_demo *s = arg;

	if (sig == SIGINT) {
		printf("got signal %s: in the loop, not in a handler\n",
		       signame(sig));
		s->next = SIGTERM;
		if (loop_call_soon(l, "send_sigterm", send_next, s) == NULL)
			demo_fail(s->d, "call_soon", errno);
	} else {
		printf("got signal %s: exit\n", signame(sig));
		loop_stop(l);
	}
	fflush(stdout);
}

static int
demo_signals(struct demo_ctx *d)
{
	struct signal_demo s = { .d = d, .next = SIGINT };
	int rc = 0;

	if (loop_add_signal_handler(d->loop, SIGINT, "ask_exit", ask_exit,
				    &s) < 0 ||
	    loop_add_signal_handler(d->loop, SIGTERM, "ask_exit", ask_exit,
				    &s) < 0)
		rc = fail(d->cli, "add_signal_handler", errno, NULL);
	else if (loop_call_soon(d->loop, "send_sigint", send_next, &s) == NULL)
		rc = fail(d->cli, "call_soon", errno, NULL);
	if (rc == 0) {
		printf("pid %d: SIGINT and SIGTERM reach the loop through "
		       "%s\n", (int)getpid(), d->signals);
		fflush(stdout);
		rc = demo_run(d);
	}
	loop_remove_signal_handler(d->loop, SIGINT);
	loop_remove_signal_handler(d->loop, SIGTERM);
	return rc;
}

const struct loop_demo loop_demos_core[] = {
	{ "hello-soon", "call_soon: a callback prints Hello World and stops "
	  "the loop", demo_hello_soon, 0 },
	{ "clock-later", "call_later: print the date every second, five "
	  "times", demo_clock_later, 0 },
	{ "watch-fd", "add_reader: wait for data on a socketpair, read it, "
	  "stop", demo_watch_fd, 0 },
	{ "signals", "add_signal_handler: SIGINT and SIGTERM as ordinary "
	  "callbacks", demo_signals, 0 },
	{ NULL, NULL, NULL, 0 },
};
