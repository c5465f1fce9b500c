/*
 * explain.h - one line of teaching text for the outcome of a call.
 *
 * Every traced call carries a note saying what just happened in the
 * kernel, in words a learner can act on:
 *
 *	connect = -1 ECONNREFUSED  no listener: the peer answered SYN with RST
 *	read = 0                   end of file: the peer closed or shut down
 *	                           its write side
 */
#ifndef IPC_EXPLAIN_H
#define IPC_EXPLAIN_H

/*
 * The explanation for call returning ret with errno err (err is ignored
 * when ret >= 0).  call is the call's name ("connect"), optionally
 * followed by qualifiers separated by spaces that pick a more precise
 * text: "shutdown SHUT_WR", "getsockopt SO_ERROR", "sigaction SIG_IGN
 * SIGPIPE".  The lookup tries the whole string, then drops the last word
 * until only the call is left, then falls back to a text for the errno
 * alone, and finally to a plain "the call succeeded" / "the call failed".
 *
 * Returns a static string; never NULL.
 */
const char *explain(const char *call, long long ret, int err);

#endif
