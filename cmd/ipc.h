/*
 * ipc.h - what the files in cmd/ share: reporting and the generators that
 * turn the command table into help, completions and man pages.
 */
#ifndef IPC_CMD_H
#define IPC_CMD_H

#include <stdio.h>

#include "cli.h"
#include "out.h"

/* The built-in verbs of `ipc` itself (help, completion, manpage, demo). */
extern const struct applet ipc_builtins;

/*
 * Report that WHAT failed with err: "PROG: WHAT: reason (ENAME)" and a
 * "hint:" line (the given hint, or the errno's default).  Returns the
 * sysexits code for err, so a verb can `return fail(...)`.
 */
int fail(const struct cli *cli, const char *what, int err, const char *hint);

/*
 * Report a getaddrinfo(3) failure: "PROG: WHAT: reason (EAI_NONAME)" and a
 * hint.  Returns 68 for names that do not resolve, 75 for temporary
 * failures, 64 for a bad service or flags, 71 when out of memory.
 */
int fail_gai(const struct cli *cli, const char *what, int code);

/*
 * Report a usage error: the message, the verb's usage line and a hint.
 * Returns 64 (EX_USAGE).
 */
int usage_error(const struct cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A non-blocking socket bound to ADDR (NULL: 127.0.0.1:0; a bare port
 * means loopback) and listening, unless flags has NET_UDP; with
 * NET_REUSEPORT, several such sockets may share one port.  Its address
 * goes into name.  Returns 0, or the exit status of the failure it
 * reported.  See cmd/listener.c.
 */
int bind_listener(const struct cli *cli, const char *addr, int flags,
		  int *fdp, char *name, size_t size);

/* Help and usage, from the table. */
void help_top(FILE *f);
void help_applet(FILE *f, const struct applet *a);
void help_verb(FILE *f, const struct applet *a, const struct verb *v);
void usage_line(FILE *f, const struct applet *a, const struct verb *v);
/* An option as help shows it: "-t, --timeout S". */
void opt_label(char *buf, size_t size, const struct opt *o);

/* Generators; return 0, or -1 with errno EINVAL for an unknown name. */
int gen_completion(FILE *f, const char *shell);
int gen_manpage(FILE *f, const char *page, int markdown);

#endif
