/*
 * loop_sync.c - synchronisation primitives for tasks, as asyncio's Lock,
 * Event, Condition, Semaphore and BoundedSemaphore; see loop.h.
 *
 * Every primitive keeps a FIFO of waiters (struct loop_waiters).  A
 * waiter is a future the waiting task awaits, and a node on that task's
 * stack: the node lives exactly as long as the wait.  Waking a waiter
 * sets its future's result; the task then runs on a later iteration, as
 * every awaiting task does (loop_task.c).
 *
 * Fairness.  Lock and Semaphore hand over what they release: release()
 * gives the lock (or the permit) straight to the first waiter, so the
 * lock stays locked between the release and the waiter's next step, and
 * a task arriving in between waits at the back of the line.
 *
 * Cancellation.  A cancelled waiter leaves the line and takes nothing.
 * When the cancel arrives after the hand-over (both in the same
 * iteration), the task holds what it was given: it passes it on to the
 * next waiter before returning ECANCELED, so nothing is lost.
 *
 * With tracing on, the waiters' futures emit `future` events (create,
 * done, cancel) and the waiting tasks `task` events (await NAME), so a
 * trace shows who blocks on what and who wakes whom.
 */
#include "loop.h"

#include <errno.h>
#include <stdlib.h>

/* One task in line: its future, and the next in line. */
struct loop_waiter {
	struct loop_future *f;
	struct loop_waiter *next;
	int linked;		/* still in the line */
};

struct loop_lock {
	struct loop *loop;
	const char *name;
	int locked;
	struct loop_waiters w;
};

struct loop_event {
	struct loop *loop;
	const char *name;
	int set;
	struct loop_waiters w;
};

struct loop_condition {
	const char *name;
	struct loop_lock *lock;
	int own_lock;		/* made by loop_condition_new: free it too */
	struct loop_waiters w;
};

struct loop_semaphore {
	struct loop *loop;
	const char *name;
	int value;		/* permits left */
	int bounded;		/* a BoundedSemaphore: value <= initial */
	int initial;
	struct loop_waiters w;
};

/* ---- the line of waiters ---- */

static void
waiters_push(struct loop_waiters *w, struct loop_waiter *n)
{
	n->next = NULL;
	n->linked = 1;
	if (w->tail != NULL)
		w->tail->next = n;
	else
		w->head = n;
	w->tail = n;
}

/* Take n out of the line, wherever it is. */
static void
waiters_unlink(struct loop_waiters *w, struct loop_waiter *n)
{
	struct loop_waiter **pp, *prev = NULL;

	for (pp = &w->head; *pp != NULL; prev = *pp, pp = &(*pp)->next) {
		if (*pp != n)
			continue;
		*pp = n->next;
		if (w->tail == n)
			w->tail = prev;
		n->linked = 0;
		return;
	}
}

int
loop_waiters_wait(struct loop_task *t, struct loop_waiters *w,
		  const char *name, int *woken)
{
	struct loop_waiter n = { 0 };
	int rc, err;

	n.f = loop_future_new(loop_task_loop(t), name);
	if (n.f == NULL)
		return -1;
	waiters_push(w, &n);
	rc = loop_await(t, n.f, NULL);
	err = errno;
	if (n.linked)
		waiters_unlink(w, &n);
	if (woken != NULL)
		*woken = loop_future_done(n.f) && !loop_future_cancelled(n.f);
	loop_future_exception(n.f);	/* the outcome counts as seen */
	loop_future_release(n.f);
	errno = err;
	return rc;
}

int
loop_waiters_wake(struct loop_waiters *w)
{
	struct loop_waiter *n;

	while ((n = w->head) != NULL) {
		waiters_unlink(w, n);
		if (!loop_future_done(n->f)) {
			loop_future_set_result(n->f, NULL);
			return 1;
		}
	}
	return 0;
}

/* ---- Lock ---- */

struct loop_lock *
loop_lock_new(struct loop *l, const char *name)
{
	struct loop_lock *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	k->loop = l;
	k->name = name;
	return k;
}

void
loop_lock_free(struct loop_lock *k)
{
	free(k);
}

int
loop_lock_acquire(struct loop_task *t, struct loop_lock *k)
{
	int woken, err;

	if (!k->locked) {
		k->locked = 1;
		return 0;
	}
	if (loop_waiters_wait(t, &k->w, k->name, &woken) == 0)
		return 0;	/* release() handed the lock over: still locked */
	err = errno;
	if (woken)
		loop_lock_release(k);	/* given, then cancelled: pass it on */
	return errno = err, -1;
}

int
loop_lock_release(struct loop_lock *k)
{
	if (!k->locked)
		return errno = EPERM, -1;
	if (!loop_waiters_wake(&k->w))
		k->locked = 0;
	return 0;
}

int
loop_lock_locked(const struct loop_lock *k)
{
	return k->locked;
}

/* ---- Event ---- */

struct loop_event *
loop_event_new(struct loop *l, const char *name)
{
	struct loop_event *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->loop = l;
	e->name = name;
	return e;
}

void
loop_event_free(struct loop_event *e)
{
	free(e);
}

void
loop_event_set(struct loop_event *e)
{
	e->set = 1;
	while (loop_waiters_wake(&e->w))
		;
}

void
loop_event_clear(struct loop_event *e)
{
	e->set = 0;
}

int
loop_event_is_set(const struct loop_event *e)
{
	return e->set;
}

int
loop_event_wait(struct loop_task *t, struct loop_event *e)
{
	if (e->set)
		return 0;
	return loop_waiters_wait(t, &e->w, e->name, NULL);
}

/* ---- Condition ---- */

struct loop_condition *
loop_condition_new(struct loop *l, const char *name, struct loop_lock *lock)
{
	struct loop_condition *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->name = name;
	c->lock = lock;
	if (lock == NULL) {
		if ((c->lock = loop_lock_new(l, name)) == NULL) {
			free(c);
			return NULL;
		}
		c->own_lock = 1;
	}
	return c;
}

void
loop_condition_free(struct loop_condition *c)
{
	if (c->own_lock)
		loop_lock_free(c->lock);
	free(c);
}

struct loop_lock *
loop_condition_lock(struct loop_condition *c)
{
	return c->lock;
}

/*
 * Release the lock, wait in line, then take the lock back whatever
 * happened: the caller's code after wait() assumes it holds the lock.
 * A cancel during the re-acquire is remembered and the acquire retried,
 * as asyncio's Condition.wait does.
 */
int
loop_condition_wait(struct loop_task *t, struct loop_condition *c)
{
	int rc, err = 0, woken;

	if (!c->lock->locked)
		return errno = EPERM, -1;
	loop_lock_release(c->lock);
	rc = loop_waiters_wait(t, &c->w, c->name, &woken);
	if (rc < 0) {
		err = errno;
		if (woken)	/* notified, then cancelled: pass it on */
			loop_waiters_wake(&c->w);
	}
	while (loop_lock_acquire(t, c->lock) < 0) {
		if (errno != ECANCELED)
			return -1;	/* ENOMEM: the lock is not held */
		rc = -1;
		err = ECANCELED;
	}
	if (rc < 0)
		errno = err;
	return rc;
}

int
loop_condition_wait_for(struct loop_task *t, struct loop_condition *c,
			int (*pred)(void *arg), void *arg)
{
	while (!pred(arg))
		if (loop_condition_wait(t, c) < 0)
			return -1;
	return 0;
}

int
loop_condition_notify(struct loop_condition *c, int n)
{
	int woken = 0;

	if (!c->lock->locked)
		return errno = EPERM, -1;
	while (woken < n && loop_waiters_wake(&c->w))
		woken++;
	return woken;
}

int
loop_condition_notify_all(struct loop_condition *c)
{
	int n = 0;

	if (!c->lock->locked)
		return errno = EPERM, -1;
	while (loop_waiters_wake(&c->w))
		n++;
	return n;
}

/* ---- Semaphore and BoundedSemaphore ---- */

static struct loop_semaphore *
semaphore_new(struct loop *l, const char *name, int value, int bounded)
{
	struct loop_semaphore *s;

	if (value < 0)
		return errno = EINVAL, NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->loop = l;
	s->name = name;
	s->value = value;
	s->bounded = bounded;
	s->initial = value;
	return s;
}

struct loop_semaphore *
loop_semaphore_new(struct loop *l, const char *name, int value)
{
	return semaphore_new(l, name, value, 0);
}

struct loop_semaphore *
loop_bounded_semaphore_new(struct loop *l, const char *name, int value)
{
	return semaphore_new(l, name, value, 1);
}

void
loop_semaphore_free(struct loop_semaphore *s)
{
	free(s);
}

int
loop_semaphore_acquire(struct loop_task *t, struct loop_semaphore *s)
{
	int woken, err;

	/* Permits are handed to waiters, so value > 0 means nobody waits. */
	if (s->value > 0) {
		s->value--;
		return 0;
	}
	if (loop_waiters_wait(t, &s->w, s->name, &woken) == 0)
		return 0;
	err = errno;
	if (woken)
		loop_semaphore_release(s);	/* given, then cancelled */
	return errno = err, -1;
}

int
loop_semaphore_release(struct loop_semaphore *s)
{
	if (s->bounded && s->value >= s->initial)
		return errno = EINVAL, -1;
	if (!loop_waiters_wake(&s->w))
		s->value++;
	return 0;
}

int
loop_semaphore_value(const struct loop_semaphore *s)
{
	return s->value;
}
