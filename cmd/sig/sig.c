/*
 * sig.c - `ipc sig`: the applet table.  Each verb lives in its own file
 * in this directory and exports one `const struct verb`.
 */
#include "sig.h"

const struct applet sig_applet = {
	.name = "sig",
	.summary = "signals: list, send, catch, block, and see them interrupt "
		   "calls",
	.description =
		"The signals of signal(7), one verb at a time: what each one "
		"does by default, the ways to send one (kill(2), sigqueue(3), "
		"pidfd_send_signal(2)) and to receive one (a handler, a "
		"self-pipe, signalfd(2), sigtimedwait(2)), blocking and "
		"pending, the EINTR an interrupted call returns, and which "
		"thread a signal reaches.  Every verb can show its system "
		"calls (--trace) and fail any of them on purpose (--inject).",
	.verbs = (const struct verb *const[]){
		&sig_list_verb, &sig_send_verb, &sig_catch_verb,
		&sig_show_verb, &sig_mask_verb, &sig_eintr_verb,
		&sig_alarm_verb, &sig_threads_verb, &sig_unsafe_verb, NULL },
};
