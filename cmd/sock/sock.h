/*
 * sock.h - the verbs of `ipc sock`, one file each in cmd/sock/.
 */
#ifndef IPC_SOCK_H
#define IPC_SOCK_H

#include "ipc.h"

extern const struct verb sock_connect_verb, sock_listen_verb, sock_serve_verb,
	sock_send_verb, sock_recv_verb, sock_pair_verb, sock_fdpass_verb,
	sock_resolve_verb, sock_options_verb, sock_families_verb,
	sock_netlink_verb, sock_sniff_verb;

#endif
