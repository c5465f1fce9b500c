/*
 * poll.h - the verbs of `ipc poll`, one file each in cmd/poll/, and what
 * the demos share.
 */
#ifndef IPC_POLL_H
#define IPC_POLL_H

#include <stddef.h>

#include "ipc.h"
#include "poller.h"

extern const struct verb poll_demo_verb, poll_compare_verb, poll_limits_verb;


/* Each demo; return an exit status (sysexits). */
int poll_demo_watch(const struct cli *cli, const struct poller_ops *ops);
int poll_demo_edge(const struct cli *cli, int json);
int poll_demo_selectors(const struct cli *cli, const char *serve);

#endif
