/*
 * test_loop_sync.c - lib/loop's primitives and queues: the lock hands
 * over in FIFO order, a cancelled waiter takes nothing (even when the
 * cancel comes after the hand-over), event set/clear/wait, condition
 * notify order and EPERM without the lock, wait_for's predicate, semaphore and bounded
 * semaphore overflow, queue full/empty with EAGAIN, priority and LIFO
 * order, the ring growing past its wrap, blocking put/get, and
 * join/task_done.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "loop.h"

/* What the tasks did, in order: one letter each. */
static char seen[64];
static size_t nseen;

static void
reset(void)
{
	memset(seen, 0, sizeof(seen));
	nseen = 0;
}

static void
log_tag(char c)
{
	seen[nseen++] = c;
}

static void
stop(struct loop *l, void *arg)
{
	loop_stop(l);
}

/* Run what is queued now, then return. */
static void
drain(struct loop *l)
{
	assert_non_null(loop_call_soon(l, "stop", stop, NULL));
	assert_int_equal(loop_run_forever(l), 0);
}

/* Run until f ends, then release it. */
static void
finish(struct loop *l, struct loop_task *t)
{
	struct loop_future *f = loop_task_future(t);

	assert_int_equal(loop_run_until_complete(l, f), 0);
	loop_future_exception(f);
	loop_future_release(f);
}

/* What a lock-taking task does: take it `rounds` times. */
struct locker {
	struct loop_lock *lock;
	struct loop_event *hold;	/* wait for it while holding, or NULL */
	char tag;
	int rounds;
};

/* Log the tag while holding the lock; a lower-case tag: not taken. */
static void *
locker(struct loop_task *t, void *arg)
{
	struct locker *k = arg;
	int i;

	for (i = 0; i < k->rounds; i++) {
		if (loop_lock_acquire(t, k->lock) < 0) {
			assert_int_equal(errno, ECANCELED);
			log_tag((char)(k->tag + 'a' - 'A'));
			return NULL;
		}
		log_tag(k->tag);
		if (k->hold != NULL)
			assert_int_equal(loop_event_wait(t, k->hold), 0);
		else
			assert_int_equal(loop_sleep(t, 0), 0);
		assert_int_equal(loop_lock_release(k->lock), 0);
	}
	return NULL;
}

/* A releases and asks again at once: it goes behind B and C. */
static void
test_lock_fair(void **state)
{
	struct loop *l = loop_new(NULL);
	struct loop_lock *k = loop_lock_new(l, "lock");
	struct locker a = { k, NULL, 'A', 2 }, b = { k, NULL, 'B', 1 },
		      c = { k, NULL, 'C', 1 };
	struct loop_task *ta, *tb, *tc;

	reset();
	ta = loop_task_new(l, "A", locker, &a, 0);
	tb = loop_task_new(l, "B", locker, &b, 0);
	tc = loop_task_new(l, "C", locker, &c, 0);
	finish(l, ta);
	finish(l, tb);
	finish(l, tc);
	assert_string_equal(seen, "ABCA");
	assert_false(loop_lock_locked(k));
	assert_int_equal(loop_lock_release(k), -1);
	assert_int_equal(errno, EPERM);
	loop_lock_free(k);
	assert_int_equal(loop_close(l), 0);
}

/* Hold the lock until hold is set; release, then cancel victim at once. */
struct release_cancel {
	struct loop_lock *lock;
	struct loop_event *hold;
	struct loop_task *victim;
};

static void *
release_cancel(struct loop_task *t, void *arg)
{
	struct release_cancel *rc = arg;

	assert_int_equal(loop_lock_acquire(t, rc->lock), 0);
	log_tag('I');
	assert_int_equal(loop_event_wait(t, rc->hold), 0);
	assert_int_equal(loop_lock_release(rc->lock), 0);   /* to D */
	assert_true(loop_lock_locked(rc->lock));
	assert_int_equal(loop_task_cancel(rc->victim), 1);
	return NULL;
}

/*
 * B is cancelled while waiting: C gets the lock after H.  Then D is
 * cancelled right after the lock was handed to it: it passes it to E.
 */
static void
test_lock_cancelled_waiter(void **state)
{
	struct loop *l = loop_new(NULL);
	struct loop_lock *k = loop_lock_new(l, "lock");
	struct loop_event *e = loop_event_new(l, "hold");
	struct locker h = { k, e, 'H', 1 }, b = { k, NULL, 'B', 1 },
		      c = { k, NULL, 'C', 1 }, d = { k, NULL, 'D', 1 },
		      x = { k, NULL, 'E', 1 };
	struct release_cancel hc;
	struct loop_task *th, *tb, *tc, *td, *te;

	reset();
	th = loop_task_new(l, "H", locker, &h, 0);
	tb = loop_task_new(l, "B", locker, &b, 0);
	tc = loop_task_new(l, "C", locker, &c, 0);
	drain(l);
	assert_int_equal(loop_task_cancel(tb), 1);
	drain(l);
	assert_string_equal(seen, "Hb");
	loop_event_set(e);
	finish(l, th);
	finish(l, tc);
	assert_string_equal(seen, "HbC");
	assert_true(loop_future_cancelled(loop_task_future(tb)));
	loop_future_release(loop_task_future(tb));

	/* The cancel lands after the hand-over, in the same iteration. */
	assert_int_equal(loop_lock_locked(k), 0);
	loop_event_clear(e);
	hc.lock = k;
	hc.hold = e;
	th = loop_task_new(l, "I", release_cancel, &hc, 0);
	td = loop_task_new(l, "D", locker, &d, 0);
	te = loop_task_new(l, "E", locker, &x, 0);
	hc.victim = td;
	drain(l);
	loop_event_set(e);
	finish(l, th);
	finish(l, td);
	finish(l, te);
	assert_string_equal(seen, "HbCIdE");
	assert_false(loop_lock_locked(k));
	loop_event_free(e);
	loop_lock_free(k);
	assert_int_equal(loop_close(l), 0);
}

/* Wait for the event, log the tag. */
static void *
event_waiter(struct loop_task *t, void *arg)
{
	struct loop_event *e = arg;

	assert_int_equal(loop_event_wait(t, e), 0);
	log_tag('w');
	return NULL;
}

static void
test_event(void **state)
{
	struct loop *l = loop_new(NULL);
	struct loop_event *e = loop_event_new(l, "event");
	struct loop_task *t1, *t2, *t3;

	reset();
	t1 = loop_task_new(l, "w1", event_waiter, e, 0);
	t2 = loop_task_new(l, "w2", event_waiter, e, 0);
	drain(l);
	assert_string_equal(seen, "");
	assert_false(loop_event_is_set(e));
	loop_event_set(e);
	assert_true(loop_event_is_set(e));
	finish(l, t1);
	finish(l, t2);
	assert_string_equal(seen, "ww");
	t3 = loop_task_new(l, "w3", event_waiter, e, 0);
	finish(l, t3);		/* set: no wait at all */
	assert_string_equal(seen, "www");
	loop_event_clear(e);
	t3 = loop_task_new(l, "w4", event_waiter, e, 0);
	drain(l);
	assert_string_equal(seen, "www");
	loop_event_set(e);
	finish(l, t3);
	assert_string_equal(seen, "wwww");
	loop_event_free(e);
	assert_int_equal(loop_close(l), 0);
}

struct cond_arg {
	struct loop_condition *c;
	char tag;
};

/* Take the lock, wait, log the tag holding the lock again. */
static void *
cond_waiter(struct loop_task *t, void *arg)
{
	struct cond_arg *a = arg;
	struct loop_lock *k = loop_condition_lock(a->c);

	assert_int_equal(loop_lock_acquire(t, k), 0);
	assert_int_equal(loop_condition_wait(t, a->c), 0);
	assert_true(loop_lock_locked(k));
	log_tag(a->tag);
	assert_int_equal(loop_lock_release(k), 0);
	return NULL;
}

/* notify(1) then notify_all; without the lock both are EPERM. */
static void *
cond_notifier(struct loop_task *t, void *arg)
{
	struct loop_condition *c = arg;
	struct loop_lock *k = loop_condition_lock(c);

	assert_int_equal(loop_condition_notify(c, 1), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(loop_condition_wait(t, c), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(loop_lock_acquire(t, k), 0);
	assert_int_equal(loop_condition_notify(c, 1), 1);
	assert_int_equal(loop_lock_release(k), 0);
	assert_int_equal(loop_sleep(t, 0.001), 0);
	assert_int_equal(loop_lock_acquire(t, k), 0);
	log_tag('|');
	assert_int_equal(loop_condition_notify_all(c), 2);
	assert_int_equal(loop_lock_release(k), 0);
	return NULL;
}

static void
test_condition(void **state)
{
	struct loop *l = loop_new(NULL);
	struct loop_condition *c = loop_condition_new(l, "cond", NULL);
	struct cond_arg a = { c, 'A' }, b = { c, 'B' }, d = { c, 'C' };
	struct loop_task *ta, *tb, *tc, *tn;

	reset();
	ta = loop_task_new(l, "A", cond_waiter, &a, 0);
	tb = loop_task_new(l, "B", cond_waiter, &b, 0);
	tc = loop_task_new(l, "C", cond_waiter, &d, 0);
	drain(l);
	assert_false(loop_lock_locked(loop_condition_lock(c)));
	tn = loop_task_new(l, "N", cond_notifier, c, 0);
	finish(l, tn);
	finish(l, ta);
	finish(l, tb);
	finish(l, tc);
	assert_string_equal(seen, "A|BC");
	loop_condition_free(c);
	assert_int_equal(loop_close(l), 0);
}

/* wait_for: the predicate is checked at each wake-up. */
static int counter;

static int
counter_is_two(void *arg)
{
	return counter >= 2;
}

static void *
pred_waiter(struct loop_task *t, void *arg)
{
	struct loop_condition *c = arg;
	struct loop_lock *k = loop_condition_lock(c);

	assert_int_equal(loop_lock_acquire(t, k), 0);
	assert_int_equal(loop_condition_wait_for(t, c, counter_is_two, NULL),
			 0);
	log_tag('W');
	assert_int_equal(loop_lock_release(k), 0);
	return NULL;
}

static void *
pred_bumper(struct loop_task *t, void *arg)
{
	struct loop_condition *c = arg;
	struct loop_lock *k = loop_condition_lock(c);
	int i;

	for (i = 0; i < 2; i++) {
		assert_int_equal(loop_lock_acquire(t, k), 0);
		counter++;
		log_tag('+');
		assert_int_equal(loop_condition_notify_all(c), 1);
		assert_int_equal(loop_lock_release(k), 0);
		assert_int_equal(loop_sleep(t, 0.001), 0);
	}
	return NULL;
}

static void
test_condition_wait_for(void **state)
{
	struct loop *l = loop_new(NULL);
	struct loop_lock *k = loop_lock_new(l, "shared");
	struct loop_condition *c = loop_condition_new(l, "cond", k);
	struct loop_task *tw, *tb;

	reset();
	counter = 0;
	assert_ptr_equal(loop_condition_lock(c), k);
	tw = loop_task_new(l, "W", pred_waiter, c, 0);
	tb = loop_task_new(l, "B", pred_bumper, c, 0);
	finish(l, tw);
	finish(l, tb);
	assert_string_equal(seen, "++W");
	loop_condition_free(c);		/* not the lock: it was given */
	loop_lock_free(k);
	assert_int_equal(loop_close(l), 0);
}

struct sem_arg {
	struct loop_semaphore *s;
	char tag;
};

/* Take a permit, log, hold it one iteration, give it back. */
static void *
sem_user(struct loop_task *t, void *arg)
{
	struct sem_arg *a = arg;

	if (loop_semaphore_acquire(t, a->s) < 0) {
		log_tag((char)(a->tag + 'a' - 'A'));
		return NULL;
	}
	log_tag(a->tag);
	assert_int_equal(loop_sleep(t, 0.001), 0);
	assert_int_equal(loop_semaphore_release(a->s), 0);
	return NULL;
}

static void
test_semaphore(void **state)
{
	struct loop *l = loop_new(NULL);
	struct loop_semaphore *s = loop_bounded_semaphore_new(l, "sem", 2);
	struct sem_arg a = { s, 'A' }, b = { s, 'B' }, c = { s, 'C' },
		       d = { s, 'D' };
	struct loop_task *ta, *tb, *tc, *td;

	reset();
	ta = loop_task_new(l, "A", sem_user, &a, 0);
	tb = loop_task_new(l, "B", sem_user, &b, 0);
	tc = loop_task_new(l, "C", sem_user, &c, 0);
	td = loop_task_new(l, "D", sem_user, &d, 0);
	drain(l);
	assert_string_equal(seen, "AB");
	assert_int_equal(loop_semaphore_value(s), 0);
	assert_int_equal(loop_task_cancel(tc), 1);	/* C takes nothing */
	finish(l, ta);
	finish(l, tb);
	finish(l, tc);
	finish(l, td);
	assert_string_equal(seen, "ABcD");
	assert_int_equal(loop_semaphore_value(s), 2);
	assert_int_equal(loop_semaphore_release(s), -1);
	assert_int_equal(errno, EINVAL);
	loop_semaphore_free(s);

	/* A plain Semaphore takes any number of releases. */
	s = loop_semaphore_new(l, "sem", 1);
	assert_int_equal(loop_semaphore_release(s), 0);
	assert_int_equal(loop_semaphore_value(s), 2);
	loop_semaphore_free(s);
	assert_null(loop_semaphore_new(l, "sem", -1));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(loop_close(l), 0);
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int nums[100];

/* Put then get n items; check the order they come out in. */
static void
check_order(struct loop_queue *q, const int *in, const int *out, int n)
{
	void *item;
	int i;

	for (i = 0; i < n; i++)
		assert_int_equal(loop_queue_put_nowait(q, &nums[in[i]]), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(loop_queue_get_nowait(q, &item), 0);
		assert_int_equal(*(int *)item, out[i]);
	}
	assert_int_equal(loop_queue_get_nowait(q, &item), -1);
	assert_int_equal(errno, EAGAIN);
}

static void
test_queue_nowait(void **state)
{
	static const int in[] = { 3, 1, 4, 1, 5, 9, 2, 6 };
	static const int fifo[] = { 3, 1, 4, 1, 5, 9, 2, 6 };
	static const int lifo[] = { 6, 2, 9, 5, 1, 4, 1, 3 };
	static const int prio[] = { 1, 1, 2, 3, 4, 5, 6, 9 };
	struct loop *l = loop_new(NULL);
	struct loop_queue *q;
	void *item;
	int i;

	for (i = 0; i < 100; i++)
		nums[i] = i;
	q = loop_queue_new(l, "q", LOOP_QUEUE_FIFO, 2, NULL);
	assert_int_equal(loop_queue_put_nowait(q, &nums[1]), 0);
	assert_int_equal(loop_queue_put_nowait(q, &nums[2]), 0);
	assert_true(loop_queue_full(q));
	assert_int_equal(loop_queue_put_nowait(q, &nums[3]), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(loop_queue_size(q), 2);
	assert_int_equal(loop_queue_get_nowait(q, &item), 0);
	assert_int_equal(*(int *)item, 1);
	assert_int_equal(loop_queue_put_nowait(q, &nums[3]), 0); /* wraps */
	assert_int_equal(loop_queue_get_nowait(q, &item), 0);
	assert_int_equal(*(int *)item, 2);
	assert_int_equal(loop_queue_get_nowait(q, &item), 0);
	assert_int_equal(*(int *)item, 3);
	assert_true(loop_queue_empty(q));
	for (i = 0; i < 3; i++)
		assert_int_equal(loop_queue_task_done(q), 0);
	assert_int_equal(loop_queue_task_done(q), -1);
	assert_int_equal(errno, EINVAL);
	loop_queue_free(q);

	q = loop_queue_new(l, "q", LOOP_QUEUE_FIFO, 0, NULL);
	check_order(q, in, fifo, 8);
	/* Unbounded, and grown while the ring has wrapped. */
	assert_int_equal(loop_queue_put_nowait(q, &nums[0]), 0);
	for (i = 1; i < 100; i++)
		assert_int_equal(loop_queue_put_nowait(q, &nums[i]), 0);
	assert_false(loop_queue_full(q));
	for (i = 0; i < 100; i++) {
		assert_int_equal(loop_queue_get_nowait(q, &item), 0);
		assert_int_equal(*(int *)item, i);
	}
	loop_queue_free(q);
	q = loop_queue_new(l, "q", LOOP_QUEUE_LIFO, 0, NULL);
	check_order(q, in, lifo, 8);
	loop_queue_free(q);
	q = loop_queue_new(l, "q", LOOP_QUEUE_PRIORITY, 0, cmp_int);
	check_order(q, in, prio, 8);
	loop_queue_free(q);
	assert_null(loop_queue_new(l, "q", LOOP_QUEUE_PRIORITY, 0, NULL));
	assert_int_equal(errno, EINVAL);
	assert_null(loop_queue_new(l, "q", LOOP_QUEUE_FIFO, 0, cmp_int));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(loop_close(l), 0);
}

/* Put 0..4 into a queue of one, then join. */
static void *
producer(struct loop_task *t, void *arg)
{
	struct loop_queue *q = arg;
	int i;

	for (i = 0; i < 5; i++) {
		assert_int_equal(loop_queue_put(t, q, &nums[i]), 0);
		log_tag('p');
	}
	assert_int_equal(loop_queue_join(t, q), 0);
	log_tag('j');
	return NULL;
}

/* Get five items, in order, marking each done. */
static void *
consumer(struct loop_task *t, void *arg)
{
	struct loop_queue *q = arg;
	void *item;
	int i;

	for (i = 0; i < 5; i++) {
		assert_int_equal(loop_queue_get(t, q, &item), 0);
		assert_int_equal(*(int *)item, i);
		log_tag('g');
		assert_int_equal(loop_queue_task_done(q), 0);
	}
	return NULL;
}

/* A getter waiting on an empty queue, then cancelled. */
static void *
lone_getter(struct loop_task *t, void *arg)
{
	void *item;

	assert_int_equal(loop_queue_get(t, arg, &item), -1);
	assert_int_equal(errno, ECANCELED);
	return NULL;
}

static void
test_queue_blocking(void **state)
{
	struct loop *l = loop_new(NULL);
	struct loop_queue *q = loop_queue_new(l, "q", LOOP_QUEUE_FIFO, 1,
					      NULL);
	struct loop_task *tp, *tc, *tg;
	int i;

	reset();
	for (i = 0; i < 100; i++)
		nums[i] = i;
	tg = loop_task_new(l, "getter", lone_getter, q, 0);
	drain(l);
	assert_int_equal(loop_task_cancel(tg), 1);
	finish(l, tg);
	tp = loop_task_new(l, "producer", producer, q, 0);
	drain(l);
	assert_string_equal(seen, "p");		/* then full: put waits */
	tc = loop_task_new(l, "consumer", consumer, q, 0);
	finish(l, tc);
	finish(l, tp);
	assert_int_equal(strlen(seen), 11);
	assert_int_equal(seen[10], 'j');	/* join after the last done */
	assert_true(loop_queue_empty(q));
	loop_queue_free(q);
	assert_int_equal(loop_close(l), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lock_fair),
		cmocka_unit_test(test_lock_cancelled_waiter),
		cmocka_unit_test(test_event),
		cmocka_unit_test(test_condition),
		cmocka_unit_test(test_condition_wait_for),
		cmocka_unit_test(test_semaphore),
		cmocka_unit_test(test_queue_nowait),
		cmocka_unit_test(test_queue_blocking),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
