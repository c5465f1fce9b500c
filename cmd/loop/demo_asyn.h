/*
 * demo_asyn.h - what the asyncore and asynchat demos share
 * (demo_asyn.c: the dispatchers and the demos; demo_asynchat.c: the
 * chapter's http_request_handler on asynchat).
 */
#ifndef IPC_LOOP_DEMO_ASYN_H
#define IPC_LOOP_DEMO_ASYN_H

#include "loop_cmd.h"

#define ADDR_LEN	256
#define QUOTED_LEN	256

struct asyn_demo {
	struct demo_ctx *d;
	struct asyncore_map *m;
	const char *tag;		/* "server: ", or "" */
	/* Make the server's handler for a connection accepted on fd. */
	int (*accepted)(struct asyn_demo *a, int fd, const char *peer);
	const char *request;		/* what our client sends */
	int handlers;			/* the server's open connections */
	int client_running;
	int stop_when_idle;		/* not while serving outside peers */
};

/* The demo is over once our client is done and every handler closed. */
void asyn_check_done(struct asyn_demo *a);

/*
 * The chapter's http_request_handler on the connection fd: an asynchat
 * channel reading headers to a blank line, then Content-Length bytes.
 * Returns 0, or -1 with errno set.
 */
int http_accepted(struct asyn_demo *a, int fd, const char *peer);

#endif
