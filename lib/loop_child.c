/*
 * loop_child.c - child watchers through pidfd_open(2); see loop.h.
 *
 * A pidfd is a descriptor for one process.  It turns readable when the
 * process exits, so the loop watches it like any socket: no SIGCHLD
 * handler, no race between a signal and a wait, and no reaping of
 * children that belong to someone else (asyncio's PidfdChildWatcher).
 * When it is readable, waitpid(2) with WNOHANG reaps that one child, so
 * no zombie is left behind.  A pidfd is close-on-exec from birth.
 */
#include "loop_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "sys.h"
#include "trace.h"

struct loop_child {
	pid_t pid;
	int pidfd;
	loop_child_cb cb;
	void *arg;
	const char *name;
	struct loop_child *next;
};

/* Unlink c from the loop's list, stop watching its pidfd and close it. */
static void
forget(struct loop *l, struct loop_child *c)
{
	struct loop_child **p;

	for (p = &l->children; *p != NULL; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	loop_remove_reader(l, c->pidfd);
	sys_close(c->pidfd);
}

/* The pidfd is readable: the child has exited; reap it, then report. */
static void
on_pidfd(struct loop *l, int fd, void *arg)
{
	struct loop_child *c = arg;
	int status = -1;
	long long t0;
	pid_t r;

	r = sys_waitpid(c->pid, &status, WNOHANG);
	if (r == 0 || (r < 0 && errno == EINTR))
		return;		/* not yet: the next wake-up will tell */
	if (r < 0)
		status = -1;	/* ECHILD: reaped by someone else */
	forget(l, c);
	if (trace_on)
		trace_state("child %d exited: status 0x%x", (int)c->pid,
			    (unsigned)status);
	t0 = loop_cb_begin(l);
	c->cb(l, c->pid, status, c->arg);
	loop_cb_end(l, c->name, WHY_CHILD, t0);
	free(c);
}

static struct loop_child *
find(const struct loop *l, pid_t pid)
{
	struct loop_child *c;

	for (c = l->children; c != NULL; c = c->next)
		if (c->pid == pid)
			return c;
	return NULL;
}

int
loop_add_child_watcher(struct loop *l, pid_t pid, const char *name,
		       loop_child_cb cb, void *arg)
{
	struct loop_child *c;

	if (find(l, pid) != NULL)
		return errno = EEXIST, -1;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->pid = pid;
	c->cb = cb;
	c->arg = arg;
	c->name = name;
	c->pidfd = sys_pidfd_open(pid, 0);
	if (c->pidfd < 0) {
		free(c);
		return -1;
	}
	if (loop_add_reader(l, c->pidfd, "pidfd", on_pidfd, c) < 0) {
		int err = errno;

		sys_close(c->pidfd);
		free(c);
		return errno = err, -1;
	}
	c->next = l->children;
	l->children = c;
	return 0;
}

int
loop_remove_child_watcher(struct loop *l, pid_t pid)
{
	struct loop_child *c = find(l, pid);

	if (c == NULL)
		return errno = ENOENT, -1;
	forget(l, c);
	free(c);
	return 0;
}

void
loop_children_clear(struct loop *l)
{
	while (l->children != NULL)
		loop_remove_child_watcher(l, l->children->pid);
}
