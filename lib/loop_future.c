/*
 * loop_future.c - futures, as asyncio.Future: a result that is not there
 * yet, the done-callbacks that wait for it, and run_until_complete; see
 * loop.h.
 *
 * A future ends once: with a result, an exception (an errno-style code
 * and a message) or a cancellation.  Its done-callbacks never run inside
 * set_result: each is scheduled with call_soon and runs on a later
 * iteration, in the order it was added (asyncio's
 * Future.__schedule_callbacks).  A scheduled callback holds a reference
 * on the future, so the creator may release it at any time.
 *
 * With tracing on, each future emits `future` events: create, done,
 * cancel, callback.
 */
#include "loop_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "trace.h"

static const char *const state_names[] = {
	[FUT_PENDING] = "pending", [FUT_RESULT] = "result",
	[FUT_ERROR] = "exception", [FUT_CANCELLED] = "cancelled",
};

/* A `future` trace event: what happened to f. */
static void
future_trace(const struct loop_future *f, const char *what, const char *cb)
{
	struct trace_arg a[] = {
		TARG_S("what", what), TARG_S("name", f->name),
		TARG_S("state", state_names[f->state]),
		TARG_S("errno", f->state == FUT_ERROR ?
				out_errname(f->err) : NULL),
		TARG_S("callback", cb),
	};
	char note[200];

	if (f->state == FUT_ERROR)
		snprintf(note, sizeof(note), "future %s: %s, exception %s%s%s",
			 f->name, what, out_errname(f->err),
			 f->msg[0] ? ": " : "", f->msg);
	else if (cb != NULL)
		snprintf(note, sizeof(note), "future %s: its done-callback "
			 "%s runs", f->name, cb);
	else
		snprintf(note, sizeof(note), "future %s: %s (%s)", f->name,
			 what, state_names[f->state]);
	trace_event("future", note, a, 5);
}

void
future_init(struct loop_future *f, struct loop *l, const char *name)
{
	memset(f, 0, sizeof(*f));
	f->loop = l;
	f->name = name;
	f->refs = 1;
}

struct loop_future *
loop_future_new(struct loop *l, const char *name)
{
	struct loop_future *f = malloc(sizeof(*f));

	if (f == NULL)
		return NULL;
	future_init(f, l, name);
	if (trace_on)
		future_trace(f, "create", NULL);
	return f;
}

struct loop_future *
loop_future_ref(struct loop_future *f)
{
	f->refs++;
	return f;
}

/*
 * The last reference: in debug mode, an outcome nobody looked at is a
 * bug worth a warning (asyncio: "Future exception was never retrieved").
 */
void
loop_future_release(struct loop_future *f)
{
	struct future_cb *c;

	if (--f->refs > 0)
		return;
	if (!f->retrieved && f->state == FUT_ERROR)
		loop_warnf(f->loop, "future %s: exception was never "
			   "retrieved: %s%s%s", f->name, out_errname(f->err),
			   f->msg[0] ? ": " : "", f->msg);
	else if (!f->retrieved && f->state == FUT_RESULT)
		loop_warnf(f->loop, "future %s: result was never retrieved",
			   f->name);
	while ((c = f->cbs) != NULL) {
		f->cbs = c->next;
		free(c);
	}
	if (f->destroy != NULL)
		f->destroy(f);
	else
		free(f);
}

/* A scheduled done-callback: unlink it, run it, drop its reference. */
static void
run_cb(struct loop *l, void *arg)
{
	struct future_cb *c = arg, **pp;
	struct loop_future *f = c->f;

	for (pp = &f->cbs; *pp != c; pp = &(*pp)->next)
		;
	*pp = c->next;
	if (!c->removed) {
		if (trace_on)
			future_trace(f, "callback", c->name);
		c->cb(f, c->arg);
	}
	free(c);
	loop_future_release(f);
}

int
future_cb_drop(struct loop_handle *h)
{
	struct future_cb *c = h->arg, **pp;

	if (h->cb != run_cb)
		return 0;
	for (pp = &c->f->cbs; *pp != c; pp = &(*pp)->next)
		;
	*pp = c->next;
	loop_future_release(c->f);
	free(c);
	return 1;
}

static int
schedule(struct loop_future *f, struct future_cb *c)
{
	if (loop_call_soon(f->loop, "future done-callback", run_cb, c) == NULL)
		return -1;
	c->scheduled = 1;
	f->refs++;
	return 0;
}

int
future_end(struct loop_future *f, enum future_state state, void *result,
	   int err, const char *msg)
{
	struct future_cb *c;
	int rc = 0;

	if (f->state != FUT_PENDING)
		return errno = EINVAL, -1;
	f->state = state;
	f->result = result;
	f->err = err;
	snprintf(f->msg, sizeof(f->msg), "%s", msg != NULL ? msg : "");
	if (trace_on)
		future_trace(f, state == FUT_CANCELLED ? "cancel" : "done",
			     NULL);
	for (c = f->cbs; c != NULL; c = c->next)
		if (!c->scheduled && schedule(f, c) < 0)
			rc = -1;
	return rc;
}

int
loop_future_set_result(struct loop_future *f, void *result)
{
	return future_end(f, FUT_RESULT, result, 0, NULL);
}

int
loop_future_set_exception(struct loop_future *f, int err, const char *msg)
{
	return future_end(f, FUT_ERROR, NULL, err, msg);
}

int
loop_future_cancel(struct loop_future *f)
{
	if (f->state != FUT_PENDING)
		return 0;
	future_end(f, FUT_CANCELLED, NULL, ECANCELED, NULL);
	return 1;
}

int
loop_future_done(const struct loop_future *f)
{
	return f->state != FUT_PENDING;
}

int
loop_future_cancelled(const struct loop_future *f)
{
	return f->state == FUT_CANCELLED;
}

int
loop_future_result(struct loop_future *f, void **result)
{
	switch (f->state) {
	case FUT_PENDING:
		return errno = EAGAIN, -1;
	case FUT_RESULT:
		f->retrieved = 1;
		if (result != NULL)
			*result = f->result;
		return 0;
	default:
		f->retrieved = 1;
		return errno = f->err, -1;
	}
}

int
loop_future_exception(struct loop_future *f)
{
	if (f->state == FUT_PENDING)
		return 0;
	f->retrieved = 1;
	return f->err;
}

const char *
loop_future_message(const struct loop_future *f)
{
	return f->msg;
}

const char *
loop_future_name(const struct loop_future *f)
{
	return f->name;
}

int
future_add_cb(struct loop_future *f, const char *name, loop_future_cb cb,
	      void *arg)
{
	struct future_cb *c = calloc(1, sizeof(*c)), **pp;

	if (c == NULL)
		return -1;
	c->f = f;
	c->name = name;
	c->cb = cb;
	c->arg = arg;
	if (f->state != FUT_PENDING && schedule(f, c) < 0) {
		free(c);
		return -1;
	}
	for (pp = &f->cbs; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = c;
	return 0;
}

int
loop_future_add_done_callback(struct loop_future *f, loop_future_cb cb,
			      void *arg)
{
	return future_add_cb(f, "done-callback", cb, arg);
}

/*
 * A callback not yet scheduled is unlinked and freed; one already in the
 * ready queue is only marked, and run_cb() frees it without calling it.
 */
int
loop_future_remove_done_callback(struct loop_future *f, loop_future_cb cb,
				 void *arg)
{
	struct future_cb **pp = &f->cbs, *c;
	int n = 0;

	while ((c = *pp) != NULL) {
		if (c->cb != cb || c->arg != arg || c->removed) {
			pp = &c->next;
			continue;
		}
		n++;
		if (c->scheduled) {
			c->removed = 1;
			pp = &c->next;
		} else {
			*pp = c->next;
			free(c);
		}
	}
	return n;
}

/*
 * run_until_complete's done-callback, as asyncio's _run_until_complete_cb:
 * set the flag and stop the loop, so that this iteration does not go on
 * to wait on the backend with nothing left to wake it.
 */
static void
set_flag(struct loop_future *f, void *arg)
{
	*(int *)arg = 1;
	loop_stop(f->loop);
}

int
loop_run_until_complete(struct loop *l, struct loop_future *f)
{
	int done = 0, rc;

	if (f->state != FUT_PENDING)
		return 0;
	if (future_add_cb(f, "run_until_complete", set_flag, &done) < 0)
		return -1;
	rc = loop_run_until(l, &done);
	if (!done) {
		loop_future_remove_done_callback(f, set_flag, &done);
		if (rc == 0)
			errno = EINTR;
		return -1;
	}
	return rc;
}
