/*
 * demo.c - `ipc poll demo NAME`: the verb, the listener every demo shares,
 * and `demo select|poll|epoll`, which watches a mixed set of descriptors
 * (stdin, a pipe, a listening socket, a socketpair, and the connection it
 * accepts) and makes each of them ready in turn, printing every readiness
 * change as the backend reports it.  `demo edge` lives in demo_edge.c,
 * `demo selectors` in demo_selectors.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/select.h>

#include "clock.h"
#include "net.h"
#include "poll.h"
#include "sys.h"

/* Room for an address as net_format() writes it. */
#define ADDR_LEN	256
/* How long one step may wait for the readiness it causes. */
#define STEP_TIMEOUT	5.0

static struct {
	const char *serve;
	int json;
} o;

static const struct opt demo_opts[] = {
	OPT_STR_C(0, "serve", &o.serve, "ADDR",
		  "selectors: keep serving on ADDR for outside peers, until "
		  "interrupted", "@host"),
	OPT_FLAG(0, "json", &o.json, "edge: one JSON object per event"),
	OPT_STOP
};

/* ---- demo select|poll|epoll ---- */

enum kind { K_STDIN, K_PIPE, K_LISTENER, K_PAIR, K_CONN };

/* One watched descriptor; the selector key's data points at it. */
struct watch {
	enum kind kind;
	int fd;
	char label[300];
};

struct watch_demo {
	const struct cli *cli;
	struct selector sel;
	struct watch w[5];	/* by kind */
	int pipe_w, pair_w;	/* the ends the demo writes to */
	int client;		/* its own client of the listener */
	int reports;
	int expect;		/* the fd the current step makes ready */
	int seen;		/* ... and whether it has been reported */
	long long t0;
};

/* "  +0.002s  fd 3  pipe (read end)   IN   -> WHAT". */
static void
report(struct watch_demo *d, const struct watch *w, unsigned ev,
       const char *what)
{
	char mask[64];

	printf("  %+.3fs  fd %-3d %-32s %-7s -> %s\n",
	       (double)(clock_now_ns() - d->t0) / 1e9, w->fd, w->label,
	       poller_mask_str(ev, mask, sizeof(mask)), what);
	fflush(stdout);
}

/* Stop watching w and close it (stdin is only unwatched). */
static int
forget(struct watch_demo *d, struct watch *w)
{
	if (selector_unregister(&d->sel, w->fd) < 0)
		return fail(d->cli, "unregister", errno, NULL);
	if (w->kind != K_STDIN)
		sys_close(w->fd);
	w->fd = -1;
	return 0;
}

/*
 * Bytes as one line for the terminal: out_escape() for all but the
 * newline, which is shown as \n so a report stays on its line.
 */
static void
escape_line(char *dst, size_t size, const char *src, size_t n)
{
	size_t len = 0, used;

	for (size_t i = 0; i < n && len + 5 < size; i++)
		if (src[i] == '\n') {
			memcpy(dst + len, "\\n", 3);
			len += 2;
		} else {
			len += out_escape(dst + len, size - len, src + i, 1,
					  &used);
		}
	dst[len] = '\0';
}

/* Read what made w readable, and say what it was. */
static int
on_readable(struct watch_demo *d, struct watch *w, unsigned ev)
{
	char buf[256], shown[256 * 4 + 1], what[1200];
	ssize_t n;

	n = sys_read(w->fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0)
		return fail(d->cli, w->label, errno, NULL);
	if (n == 0) {
		report(d, w, ev, w->kind == K_STDIN ?
		       "read 0: end of file; unwatched" :
		       "read 0: end of file; unwatched and closed");
		return forget(d, w);
	}
	escape_line(shown, sizeof(shown), buf, (size_t)n);
	snprintf(what, sizeof(what), "read %zd bytes: \"%s\"", n, shown);
	report(d, w, ev, what);
	return 0;
}

/* The listener is readable: a connection waits in its queue. */
static int
on_accept(struct watch_demo *d, struct watch *w, unsigned ev)
{
	struct watch *c = &d->w[K_CONN];
	char peer[ADDR_LEN], what[256];
	int fd;

	fd = sys_accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0 && (errno == EAGAIN || errno == ECONNABORTED))
		return 0;
	if (fd < 0)
		return fail(d->cli, "accept4", errno, NULL);
	c->kind = K_CONN;
	c->fd = fd;
	snprintf(c->label, sizeof(c->label), "connection from %.250s",
		 net_peer(fd, peer, sizeof(peer)));
	snprintf(what, sizeof(what), "accept4: fd %d, now watched too", fd);
	report(d, w, ev, what);
	if (selector_register(&d->sel, fd, POLLER_IN, c) < 0)
		return fail(d->cli, "register", errno, NULL);
	return 0;
}

/* Wait until the current step's fd has been reported. */
static int
settle(struct watch_demo *d)
{
	long long deadline = clock_deadline(STEP_TIMEOUT);
	struct selector_ready r[8];
	int n, i, rc;

	while (!d->seen) {
		n = selector_select(&d->sel, clock_ms_until(deadline), r, 8);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(d->cli, d->sel.poller.ops->name, errno,
				    NULL);
		if (n == 0)
			return fail(d->cli, "wait", ETIMEDOUT, "the step's "
				    "descriptor never became ready");
		for (i = 0; i < n; i++) {
			struct watch *w = r[i].key->data;

			d->reports++;
			if (w->fd == d->expect)
				d->seen = 1;
			rc = w->kind == K_LISTENER ?
			     on_accept(d, w, r[i].raw) :
			     on_readable(d, w, r[i].raw);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

/* Announce step n and remember which fd it should make ready. */
static void
step(struct watch_demo *d, int n, const char *what, int expect)
{
	printf("step %d: %s\n", n, what);
	fflush(stdout);
	d->expect = expect;
	d->seen = 0;
}

/* The script: each step makes one watched descriptor ready. */
static int
script(struct watch_demo *d, struct sockaddr_storage *ss, socklen_t len)
{
	int rc, n = 1;

	step(d, n++, "write \"hello\" into the pipe", d->w[K_PIPE].fd);
	if (sys_write(d->pipe_w, "hello", 5) < 0)
		return fail(d->cli, "write", errno, NULL);
	if ((rc = settle(d)) != 0)
		return rc;
	step(d, n++, "a client connects to the listener", d->w[K_LISTENER].fd);
	d->client = sys_socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (d->client < 0)
		return fail(d->cli, "socket", errno, NULL);
	if (sys_connect(d->client, (struct sockaddr *)ss, len) < 0)
		return fail(d->cli, "connect", errno, NULL);
	if ((rc = settle(d)) != 0)
		return rc;
	step(d, n++, "the client sends \"ping\"", d->w[K_CONN].fd);
	if (sys_send(d->client, "ping", 4, MSG_NOSIGNAL) < 0)
		return fail(d->cli, "send", errno, NULL);
	if ((rc = settle(d)) != 0)
		return rc;
	step(d, n++, "write \"hi\" into the other end of the socketpair",
	     d->w[K_PAIR].fd);
	if (sys_write(d->pair_w, "hi", 2) < 0)
		return fail(d->cli, "write", errno, NULL);
	if ((rc = settle(d)) != 0)
		return rc;
	step(d, n++, "the client closes its socket", d->w[K_CONN].fd);
	sys_close(d->client);
	d->client = -1;
	if ((rc = settle(d)) != 0)
		return rc;
	step(d, n++, "close the pipe's write end", d->w[K_PIPE].fd);
	sys_close(d->pipe_w);
	d->pipe_w = -1;
	if ((rc = settle(d)) != 0)
		return rc;
	step(d, n, "close the other end of the socketpair", d->w[K_PAIR].fd);
	sys_close(d->pair_w);
	d->pair_w = -1;
	return settle(d);
}

/*
 * Watch w.  stdin may be a file or /dev/null, which epoll refuses with
 * EPERM (see epoll_ctl(2)): such a file is always ready, so it is left out.
 * select refuses an fd beyond its fd_set with ERANGE (lib/poller_select.c).
 */
static int
watch(struct watch_demo *d, enum kind kind, int fd, const char *label)
{
	struct watch *w = &d->w[kind];
	char mask[16];

	w->kind = kind;
	w->fd = fd;
	snprintf(w->label, sizeof(w->label), "%s", label);
	if (selector_register(&d->sel, fd, POLLER_IN, w) == 0) {
		printf("watch fd %-3d %-32s %s\n", fd, label,
		       poller_mask_str(POLLER_IN, mask, sizeof(mask)));
		return 0;
	}
	if (kind == K_STDIN && errno == EPERM) {
		printf("skip  fd %-3d %-32s epoll refuses files that are "
		       "always ready (EPERM)\n", fd, label);
		w->fd = -1;
		return 0;
	}
	if (errno == ERANGE) {
		char what[64];

		snprintf(what, sizeof(what), "fd %d is at or above FD_SETSIZE "
			 "(%d)", fd, FD_SETSIZE);
		return fail(d->cli, what, ERANGE, "an fd_set has FD_SETSIZE "
			    "bits only, so select(2) cannot watch this fd; "
			    "poll and epoll can");
	}
	return fail(d->cli, "register", errno, NULL);
}

/* Set up the set, run the script, then follow a terminal until EOF. */
static int
watch_run(struct watch_demo *d)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char name[ADDR_LEN], label[300];
	int pipefd[2], sv[2], lfd, rc;

	if (sys_pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0)
		return fail(d->cli, "pipe2", errno, NULL);
	d->pipe_w = pipefd[1];
	if ((rc = watch(d, K_PIPE, pipefd[0], "pipe (read end)")) != 0)
		return rc;
	if (sys_socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			   0, sv) < 0)
		return fail(d->cli, "socketpair", errno, NULL);
	d->pair_w = sv[1];
	if ((rc = watch(d, K_PAIR, sv[0], "socketpair (one end)")) != 0)
		return rc;
	if ((rc = bind_listener(d->cli, NULL, 0, &lfd, name, sizeof(name))) != 0)
		return rc;
	snprintf(label, sizeof(label), "listener %.250s", name);
	if ((rc = watch(d, K_LISTENER, lfd, label)) != 0) {
		sys_close(lfd);
		return rc;
	}
	if (sys_getsockname(lfd, (struct sockaddr *)&ss, &len) < 0)
		return fail(d->cli, "getsockname", errno, NULL);
	if ((rc = watch(d, K_STDIN, STDIN_FILENO, "stdin")) != 0)
		return rc;
	if ((rc = script(d, &ss, len)) != 0)
		return rc;
	if (d->w[K_STDIN].fd >= 0 && isatty(STDIN_FILENO)) {
		printf("stdin is a terminal: type lines; Ctrl-D ends\n");
		step(d, 8, "wait for end of file on stdin", STDIN_FILENO);
		d->w[K_STDIN].fd = STDIN_FILENO;
		if ((rc = settle(d)) != 0)
			return rc;
	}
	printf("done: %d readiness reports from %s\n", d->reports,
	       d->sel.poller.ops->name);
	return 0;
}

int
poll_demo_watch(const struct cli *cli, const struct poller_ops *ops)
{
	struct watch_demo d = { .cli = cli, .pipe_w = -1, .pair_w = -1,
				.client = -1 };
	int rc, k;

	for (k = 0; k < 5; k++)
		d.w[k].fd = -1;
	if (selector_open(&d.sel, ops) < 0)
		return fail(cli, ops->name, errno, NULL);
	d.t0 = clock_now_ns();
	printf("backend %s: each step makes one watched descriptor ready\n",
	       ops->name);
	rc = watch_run(&d);
	for (k = 0; k < 5; k++)
		if (d.w[k].fd >= 0 && d.w[k].kind != K_STDIN)
			sys_close(d.w[k].fd);
	if (d.pipe_w >= 0)
		sys_close(d.pipe_w);
	if (d.pair_w >= 0)
		sys_close(d.pair_w);
	if (d.client >= 0)
		sys_close(d.client);
	selector_close(&d.sel);
	return rc;
}

/* ---- the verb ---- */

static int
run_demo(struct cli *cli)
{
	const char *name = cli->argv[0];
	const struct poller_ops *ops;

	if (o.serve != NULL && strcmp(name, "selectors") != 0)
		return usage_error(cli, "--serve is for the selectors demo");
	if (o.json && strcmp(name, "edge") != 0)
		return usage_error(cli, "--json is for the edge demo");
	if (strcmp(name, "edge") == 0)
		return poll_demo_edge(cli, o.json);
	if (strcmp(name, "selectors") == 0)
		return poll_demo_selectors(cli, o.serve);
	if ((ops = poller_find(name)) == NULL)
		return usage_error(cli, "no demo called '%s'", name);
	return poll_demo_watch(cli, ops);
}

const struct verb poll_demo_verb = {
	.name = "demo",
	.summary = "readiness as it happens: select, poll, epoll, edge, "
		   "selectors",
	.usage = "select|poll|epoll|edge|selectors",
	.description =
		"select, poll, epoll: watch a mixed set of descriptors "
		"(stdin, a pipe, a listening TCP socket, one end of a "
		"socketpair, and the connection the listener accepts) with "
		"that backend, and make each ready in turn: write into the "
		"pipe, connect, send, close.  Every readiness report is "
		"printed as it comes, with what reading it found.  On a "
		"terminal it then follows stdin until Ctrl-D; otherwise it "
		"ends by itself.\n\n"
		"edge: the same stream read through level- and "
		"edge-triggered epoll side by side (see epoll(7)).  A reader "
		"that takes a little per event is woken again and again "
		"under level triggering, but only once under edge "
		"triggering, and is then stuck with bytes it will never be "
		"told about.  An edge-triggered reader must read until "
		"EAGAIN.\n\n"
		"selectors: the echo server of Python's selectors module "
		"documentation, in C: the listener and every connection are "
		"registered with a callback as their data, and the loop "
		"calls key->data for each ready key.  Its own clients run "
		"in the same loop; with --serve ADDR it serves outside peers "
		"instead, until interrupted.",
	.examples = (const char *const[]){
		"ipc poll demo epoll </dev/null"
		"\tthe mixed set under epoll; ends by itself",
		"ipc poll demo select --trace"
		"\tsee each select(2) with its interest and ready sets",
		"ipc poll demo edge\twhy edge-triggered readers must drain",
		"ipc poll demo selectors\tthe selectors echo server and its "
		"clients",
		"ipc poll demo selectors --serve 127.0.0.1:7000"
		"\tserve outside peers (try: nc 127.0.0.1 7000)",
		NULL },
	.opts = demo_opts,
	.min_args = 1, .max_args = 1,
	.args_hint = "select|poll|epoll|edge|selectors",
	.run = run_demo,
};
