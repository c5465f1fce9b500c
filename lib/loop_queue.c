/*
 * loop_queue.c - queues for tasks, as asyncio's Queue, LifoQueue and
 * PriorityQueue; see loop.h.
 *
 * The items sit in one array used three ways: a ring for FIFO, a stack
 * for LIFO, a binary min-heap for priority (heapq's layout: the children
 * of i are 2i+1 and 2i+2).  The array doubles when it fills, up to
 * maxsize when there is one; without one (maxsize 0, as asyncio's
 * default) it grows as long as producers outrun consumers.
 *
 * Two lines of waiters (loop_sync.c's struct loop_waiters): getters wait
 * while the queue is empty, putters while it is full.  As in asyncio,
 * each put wakes the first getter and each get the first putter; the
 * woken task checks again and waits again if another took its turn.
 * A waiter woken and then cancelled wakes the next in its line, so the
 * wake-up is not lost.
 *
 * join() waits for the count of unfinished items (put, not yet marked
 * task_done) to reach zero; a third line holds the joiners.
 */
#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <stdint.h>

struct loop_queue {
	const char *name;
	enum loop_queue_kind kind;
	int (*cmp)(const void *a, const void *b);
	size_t maxsize;		/* 0: unbounded */
	void **items;
	size_t cap, len;
	size_t head;		/* FIFO: where the oldest item is */
	size_t unfinished;	/* put, not yet task_done */
	struct loop_waiters getters, putters, joiners;
};

struct loop_queue *
loop_queue_new(struct loop *l, const char *name, enum loop_queue_kind kind,
	       size_t maxsize, int (*cmp)(const void *a, const void *b))
{
	struct loop_queue *q;

	if ((kind == LOOP_QUEUE_PRIORITY) != (cmp != NULL))
		return errno = EINVAL, NULL;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->name = name;
	q->kind = kind;
	q->cmp = cmp;
	q->maxsize = maxsize;
	return q;
}

void
loop_queue_free(struct loop_queue *q)
{
	if (q == NULL)
		return;
	free(q->items);
	free(q);
}

size_t
loop_queue_size(const struct loop_queue *q)
{
	return q->len;
}

int
loop_queue_empty(const struct loop_queue *q)
{
	return q->len == 0;
}

int
loop_queue_full(const struct loop_queue *q)
{
	return q->maxsize > 0 && q->len >= q->maxsize;
}

/*
 * Room for one more item: double the array (capped at maxsize).  A ring
 * is unrolled into the new array so its oldest item sits at 0.  Returns
 * 0, or -1 with errno ENOMEM.
 */
static int
grow(struct loop_queue *q)
{
	size_t cap = q->cap ? q->cap * 2 : 8, i;
	void **items;

	if (q->maxsize > 0 && cap > q->maxsize)
		cap = q->maxsize;
	if (cap > SIZE_MAX / sizeof(*items))
		return errno = ENOMEM, -1;
	if ((items = malloc(cap * sizeof(*items))) == NULL)
		return -1;
	for (i = 0; i < q->len; i++)
		items[i] = q->items[(q->head + i) % q->cap];
	free(q->items);
	q->items = items;
	q->cap = cap;
	q->head = 0;
	return 0;
}

static void
swap(void **a, void **b)
{
	void *tmp = *a;

	*a = *b;
	*b = tmp;
}

/* The heap's new last item moves up past every larger parent. */
static void
sift_up(struct loop_queue *q, size_t i)
{
	while (i > 0 && q->cmp(q->items[i], q->items[(i - 1) / 2]) < 0) {
		swap(&q->items[i], &q->items[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
}

/* The heap's new root moves down past every smaller child. */
static void
sift_down(struct loop_queue *q)
{
	size_t i = 0, c;

	while ((c = 2 * i + 1) < q->len) {
		if (c + 1 < q->len && q->cmp(q->items[c + 1], q->items[c]) < 0)
			c++;
		if (q->cmp(q->items[c], q->items[i]) >= 0)
			break;
		swap(&q->items[i], &q->items[c]);
		i = c;
	}
}

int
loop_queue_put_nowait(struct loop_queue *q, void *item)
{
	if (loop_queue_full(q))
		return errno = EAGAIN, -1;
	if (q->len == q->cap && grow(q) < 0)
		return -1;
	if (q->kind == LOOP_QUEUE_FIFO) {
		q->items[(q->head + q->len) % q->cap] = item;
		q->len++;
	} else {
		q->items[q->len++] = item;
		if (q->kind == LOOP_QUEUE_PRIORITY)
			sift_up(q, q->len - 1);
	}
	q->unfinished++;
	loop_waiters_wake(&q->getters);
	return 0;
}

int
loop_queue_get_nowait(struct loop_queue *q, void **item)
{
	if (q->len == 0)
		return errno = EAGAIN, -1;
	switch (q->kind) {
	case LOOP_QUEUE_FIFO:
		*item = q->items[q->head];
		q->head = (q->head + 1) % q->cap;
		q->len--;
		break;
	case LOOP_QUEUE_LIFO:
		*item = q->items[--q->len];
		break;
	case LOOP_QUEUE_PRIORITY:
		*item = q->items[0];
		q->items[0] = q->items[--q->len];
		sift_down(q);
		break;
	}
	loop_waiters_wake(&q->putters);
	return 0;
}

/*
 * Wait in line w while blocked(q) holds.  Returns 0, or -1 with errno
 * ECANCELED or ENOMEM; a wake-up lost to a cancel goes to the next in
 * line when the queue could serve it.
 */
static int
wait_while(struct loop_task *t, struct loop_queue *q, struct loop_waiters *w,
	   int (*blocked)(const struct loop_queue *q))
{
	int woken, err;

	while (blocked(q)) {
		if (loop_waiters_wait(t, w, q->name, &woken) == 0)
			continue;
		err = errno;
		if (woken && !blocked(q))
			loop_waiters_wake(w);
		return errno = err, -1;
	}
	return 0;
}

int
loop_queue_put(struct loop_task *t, struct loop_queue *q, void *item)
{
	if (wait_while(t, q, &q->putters, loop_queue_full) < 0)
		return -1;
	return loop_queue_put_nowait(q, item);
}

int
loop_queue_get(struct loop_task *t, struct loop_queue *q, void **item)
{
	if (wait_while(t, q, &q->getters, loop_queue_empty) < 0)
		return -1;
	return loop_queue_get_nowait(q, item);
}

int
loop_queue_task_done(struct loop_queue *q)
{
	if (q->unfinished == 0)
		return errno = EINVAL, -1;
	if (--q->unfinished == 0)
		while (loop_waiters_wake(&q->joiners))
			;
	return 0;
}

int
loop_queue_join(struct loop_task *t, struct loop_queue *q)
{
	if (q->unfinished == 0)
		return 0;
	return loop_waiters_wait(t, &q->joiners, q->name, NULL);
}
