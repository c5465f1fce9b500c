/*
 * loop_timer.c - the loop's timers: a binary min-heap of handles ordered
 * by (deadline, order of creation).
 *
 * heap[0] is the earliest; the children of slot i are 2i+1 and 2i+2.
 * Each handle remembers its slot, so a cancel takes it out from the middle
 * in O(log n): move the last handle into its slot and sift that one up or
 * down.  The creation counter breaks ties, so two timers for the same
 * instant fire in the order they were set (heapq in asyncio gets the same
 * from its TimerHandle comparison; ae.c keeps a list instead).
 */
#include "loop_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "trace.h"

/* The heap's first allocation; it doubles from there. */
#define HEAP_MIN	16

/* Non-zero when a fires before b. */
static int
earlier(const struct loop_handle *a, const struct loop_handle *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void
place(struct loop *l, struct loop_handle *h, size_t slot)
{
	l->heap[slot] = h;
	h->slot = slot;
}

static void
sift_up(struct loop *l, size_t slot)
{
	struct loop_handle *h = l->heap[slot];

	while (slot > 0 && earlier(h, l->heap[(slot - 1) / 2])) {
		place(l, l->heap[(slot - 1) / 2], slot);
		slot = (slot - 1) / 2;
	}
	place(l, h, slot);
}

static void
sift_down(struct loop *l, size_t slot)
{
	struct loop_handle *h = l->heap[slot];
	size_t child;

	while ((child = 2 * slot + 1) < l->ntimers) {
		if (child + 1 < l->ntimers &&
		    earlier(l->heap[child + 1], l->heap[child]))
			child++;
		if (!earlier(l->heap[child], h))
			break;
		place(l, l->heap[child], slot);
		slot = child;
	}
	place(l, h, slot);
}

int
timer_push(struct loop *l, struct loop_handle *h)
{
	if (l->ntimers == l->heap_cap) {
		size_t cap = l->heap_cap ? l->heap_cap * 2 : HEAP_MIN;
		struct loop_handle **heap = realloc(l->heap,
						    cap * sizeof(*heap));

		if (heap == NULL)
			return -1;
		l->heap = heap;
		l->heap_cap = cap;
	}
	h->state = H_TIMER;
	place(l, h, l->ntimers++);
	sift_up(l, h->slot);
	return 0;
}

void
timer_remove(struct loop *l, struct loop_handle *h)
{
	size_t slot = h->slot;
	struct loop_handle *last = l->heap[--l->ntimers];

	if (last != h) {
		place(l, last, slot);
		if (slot > 0 && earlier(last, l->heap[(slot - 1) / 2]))
			sift_up(l, slot);
		else
			sift_down(l, slot);
	}
	h->state = H_FREE;
}

struct loop_handle *
timer_first(const struct loop *l)
{
	return l->ntimers > 0 ? l->heap[0] : NULL;
}

void
timer_run_due(struct loop *l, long long now)
{
	struct loop_handle *h;

	while ((h = timer_first(l)) != NULL && h->when <= now) {
		timer_remove(l, h);
		if (trace_want())
			timer_trace(h, "fire");
		loop_ready_push(l, h);
	}
}

void
timer_trace(const struct loop_handle *h, const char *what)
{
	long long in = h->when - loop_time();
	/* The deadline on the trace's clock, as t_ns is. */
	struct trace_arg a[] = {
		TARG_S("what", what), TARG_S("name", h->name),
		TARG_I("deadline_ns", (long long)trace_now_ns() + in),
		TARG_I("in_ns", in),
	};
	char note[160];

	snprintf(note, sizeof(note), "timer %s: %s, %s %.3f s", what,
		 h->name, in >= 0 ? "due in" : "late by",
		 (double)(in >= 0 ? in : -in) / 1e9);
	trace_event("timer", note, a, 4);
}
