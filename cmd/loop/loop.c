/*
 * loop.c - `ipc loop`: the applet table.  Each verb lives in its own file
 * in this directory and exports one `const struct verb`; the loop itself
 * is lib/loop*.c.
 */
#include "loop_cmd.h"

const struct applet loop_applet = {
	.name = "loop",
	.summary = "an asyncio-shaped event loop in C, and the chapter's "
		   "examples on it",
	.description =
		"A small event loop in the spirit of redis' ae.c with the "
		"shape of Python's asyncio: a ready queue (call_soon), a "
		"timer min-heap (call_later, call_at), readers and writers "
		"per descriptor on select, poll or epoll, signals through "
		"signalfd or a self-pipe, and child watchers through pidfd.  "
		"Every iteration can be watched with --trace (iter, poll, "
		"callback, timer and fd events) and stepped with --step.",
	.verbs = (const struct verb *const[]){
		&loop_demo_verb, &loop_serve_verb, NULL },
};
