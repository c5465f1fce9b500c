/*
 * child.h - a parent and a forked child on the two ends of a socketpair,
 * for the verbs that show two processes talking (pair, fdpass).
 */
#ifndef IPC_SOCK_CHILD_H
#define IPC_SOCK_CHILD_H

#include <sys/types.h>

#include "cli.h"

/*
 * Fork a child that closes sv[0], runs fn(cli, sv[1]) and exits with what
 * fn returns; the parent closes sv[1], keeps sv[0] and gets the child's
 * pid in *pid.  Standard output is flushed first, so nothing buffered is
 * printed twice, and again in the child before it exits.  Returns 0, or
 * reports a failed fork, closes both ends and returns the exit status.
 */
int child_start(const struct cli *cli, int sv[2],
		int (*fn)(const struct cli *cli, int fd), pid_t *pid);

/*
 * Wait for the child, so it leaves no zombie.  Returns 0 when it exited
 * with status 0, its exit status when it failed (it has said why), or
 * reports a death by signal and returns 70 (EX_SOFTWARE).
 */
int child_wait(const struct cli *cli, pid_t pid);

#endif
