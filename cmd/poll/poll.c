/*
 * poll.c - `ipc poll`: the applet table.  Each verb lives in its own file
 * in this directory and exports one `const struct verb`.
 */
#include "poll.h"

const struct applet poll_applet = {
	.name = "poll",
	.summary = "select, poll and epoll: readiness made visible, and how "
		   "each scales",
	.description =
		"Readiness, as select(2), poll(2) and epoll(7) report it, "
		"behind one interface (lib/poller.h) and a selectors-style "
		"layer on top, as in Python's selectors module.  The demos "
		"print each readiness change as it happens; compare times "
		"each backend against a growing set of idle descriptors; "
		"limits shows the ceilings.  Every wait can be watched with "
		"--trace and failed on purpose with --inject.",
	.verbs = (const struct verb *const[]){
		&poll_demo_verb, &poll_compare_verb, &poll_limits_verb, NULL },
};
