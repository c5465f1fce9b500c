/*
 * serve.h - what the files of `ipc tls serve` share: serve.c (the verb,
 * the certificate, the listener, one client at a time with stdio) and
 * serve_loop.c (many clients at once from one poll loop, each echoed or
 * handed to a command with --exec).
 */
#ifndef IPC_TLS_SERVE_H
#define IPC_TLS_SERVE_H

#include <sys/types.h>

#include "tls/tls_cmd.h"

#define MAX_CLIENTS	64	/* at once, unless --max-conn says fewer */
#define CLIENT_BUF	16384	/* bytes held each way per client, at most */

/* Bytes on their way: data[start..end). */
struct cbuf {
	size_t start, end;
	char data[CLIENT_BUF];
};

/* One client of the poll loop. */
struct client {
	int fd;
	SSL *ssl;
	int open;		/* the handshake is done */
	int eof;		/* the client sent close_notify (or vanished) */
	int truncated;		/* ... without close_notify */
	short rd_wants, wr_wants;	/* what SSL_read/SSL_write wait for */
	long long deadline;	/* for the handshake */
	char peer[64];
	/* --exec: the command's end of a socketpair, and the command. */
	int cmd_fd;		/* -1 when echoing */
	pid_t pid;
	int cmd_eof, cmd_shut;
	struct cbuf up;		/* client -> command */
	struct cbuf down;	/* -> client: the echo, or the command's output */
};

struct server {
	const struct cli *cli;
	SSL_CTX *ctx;
	int lfd;
	char **exec_argv;	/* --exec: the command, or NULL to echo */
	double hs_timeout;	/* seconds a handshake may take */
	long max, count;	/* clients at once; connections before exit */
	int quiet;
	long ended;		/* connections finished */
	struct client *c[MAX_CLIENTS];
};

/*
 * Serve clients (serve_loop.c) until --count of them ended (0) or SIGINT/SIGTERM
 * (128+N).  Returns the exit status; failures of one client are logged
 * and the loop goes on.
 */
int tls_serve_loop(struct server *s);

/* Close and forget client i (and reap its command). */
void tls_serve_close(struct server *s, int i);

#endif
