/*
 * sock.c - `ipc sock`: the applet table.  Each verb lives in its own file
 * in this directory and exports one `const struct verb`.
 */
#include "sock.h"

const struct applet sock_applet = {
	.name = "sock",
	.summary = "sockets: connect, listen, serve, send, resolve, and look inside",
	.description =
		"The socket API of socket(7), tcp(7), udp(7), unix(7), "
		"packet(7) and netlink(7), one verb at a time.  Every verb "
		"can show its system calls (--trace) and fail any of them on "
		"purpose (--inject).  Servers listen on loopback unless given "
		"another address.",
	.verbs = (const struct verb *const[]){
		&sock_connect_verb, &sock_listen_verb, &sock_serve_verb,
		&sock_send_verb, &sock_recv_verb, &sock_pair_verb,
		&sock_fdpass_verb, &sock_resolve_verb, &sock_options_verb,
		&sock_families_verb, &sock_netlink_verb, &sock_sniff_verb,
		NULL },
};
