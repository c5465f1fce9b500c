/*
 * sock.h - the verbs of `ipc sock`, one file each in cmd/sock/.
 */
#ifndef IPC_SOCK_H
#define IPC_SOCK_H

#include "ipc.h"

extern const struct verb sock_resolve_verb;

#endif
