/*
 * relay.h - what `ipc sock connect`, `ipc sock listen` and `ipc tls
 * connect` share: the options they take, --opt, SIGINT and SIGTERM caught
 * through a self-pipe (relay_setup.c), the relay that copies stdin to a
 * connection and the connection to stdout (relay.c) with readline line
 * editing when stdin is a terminal (relay_term.c).
 *
 * The relay moves bytes through a transport (struct relay_io): a plain
 * socket (relay_socket_io, the default) or a TLS connection
 * (cmd/tls/transport.c).  The transport says which poll(2) events it
 * needs right now, because TLS may have to write to make a read progress
 * (SSL_ERROR_WANT_WRITE) and may hold decrypted bytes poll cannot see
 * (SSL_pending).
 */
#ifndef IPC_RELAY_H
#define IPC_RELAY_H

#include <limits.h>
#include <stdio.h>

#include "cli.h"
#include "net.h"

/* The options both verbs take; cli_parse() fills them. */
struct relay_cfg {
	int v4, v6, udp, seqpacket;	/* -4, -6, --udp, --seqpacket */
	int send_only, recv_only;	/* one direction only */
	int crlf;			/* "\n" from stdin goes out as "\r\n" */
	int hex;			/* hexdumps on stdout, not the data */
	double idle_timeout;		/* > 0: end after this long idle */
	struct strlist opts;		/* --opt NAME=VALUE */
};

/* The rows of those options, for a verb's option table. */
#define RELAY_OPTS(c)							\
	OPT_FLAG('4', "ipv4", &(c).v4, "IPv4 only"),			\
	OPT_FLAG('6', "ipv6", &(c).v6, "IPv6 only"),			\
	OPT_FLAG('u', "udp", &(c).udp,					\
		 "datagrams (SOCK_DGRAM): UDP, or a Unix datagram socket"), \
	OPT_FLAG(0, "seqpacket", &(c).seqpacket,			\
		 "records with a connection (SOCK_SEQPACKET, Unix only)"), \
	OPT_MANY('o', "opt", &(c).opts, "NAME=VALUE",			\
		 "set a socket option; 'ipc sock options' lists them"),	\
	OPT_SECS('i', "idle-timeout", &(c).idle_timeout,		\
		 "end (exit 75) after S seconds with no data either way"), \
	OPT_FLAG(0, "send-only", &(c).send_only,			\
		 "only send stdin; never read from the socket"),	\
	OPT_FLAG(0, "recv-only", &(c).recv_only,			\
		 "only print what arrives; never read stdin"),		\
	OPT_FLAG('C', "crlf", &(c).crlf,				\
		 "send each newline from stdin as CR LF, as network "	\
		 "protocols want"),					\
	OPT_FLAG('x', "hex", &(c).hex,					\
		 "print a hexdump of each chunk both ways on stdout "	\
		 "instead of the data")

/* The net_parse_addr() flags for -4, -6, --udp and --seqpacket. */
int relay_net_flags(const struct relay_cfg *cfg);

/*
 * Check the option combinations and every --opt name before any socket
 * exists.  Returns 0, or a usage error's exit status (64), reported.
 */
int relay_check(const struct cli *cli, const struct relay_cfg *cfg);

/* Report an --opt whose value does not parse; returns 64. */
int relay_bad_opt(const struct cli *cli, const char *spec);

/*
 * Apply every --opt to fd.  Returns 0, or the exit status of the
 * reported failure.
 */
int relay_apply_opts(const struct cli *cli, int fd,
		     const struct relay_cfg *cfg);

/*
 * Catch SIGINT and SIGTERM: the handler only writes a byte to a pipe that
 * the relay polls, so the loop ends cleanly (terminal restored, files
 * removed).  Returns 0, or -1 with errno set.
 */
int relay_catch_signals(void);
void relay_release_signals(void);

/* The signal caught so far, or 0; the pipe's read end, for poll(2). */
int relay_signal(void);
int relay_signal_fd(void);

/*
 * Wait until fd is readable (a listener has a connection).  Returns 1, 0
 * when timeout (> 0) ran out, -1 with errno EINTR after a signal, or -1
 * with poll's errno.
 */
int relay_wait_readable(int fd, double timeout);

struct relay_sock;

/*
 * A transport: how bytes get into and out of the connection.  Every
 * function returns like the call it stands for: recv and send give a count
 * (recv 0 is the end of the stream) or -1 with errno set, EAGAIN meaning
 * "call again when poll reports what events() asks for".
 */
struct relay_io {
	/* The names of the calls, for messages: "recv", "SSL_read". */
	const char *recv_call, *send_call;
	/* from/fromlen: the sender of a datagram (reply mode), or NULL. */
	ssize_t (*recv)(const struct relay_sock *s, void *buf, size_t n,
			struct sockaddr_storage *from, socklen_t *fromlen);
	/* to: where a datagram goes (reply mode), or NULL. */
	ssize_t (*send)(const struct relay_sock *s, const void *buf, size_t n,
			const struct sockaddr_storage *to, socklen_t tolen);
	/* The end of our data: FIN for TCP, close_notify then FIN for TLS. */
	int (*shut_wr)(const struct relay_sock *s);
	/* Bytes already received and decoded that poll(2) cannot report. */
	size_t (*pending)(const struct relay_sock *s);
	/* The poll(2) events the fd needs so that recv (want POLLIN) and
	   send (want POLLOUT) can make progress. */
	short (*events)(const struct relay_sock *s, short want);
};

/* The plain socket: recv(2), send(2), shutdown(2), as they are. */
extern const struct relay_io relay_socket_io;

/* One connection to relay with stdio. */
struct relay_sock {
	int fd;
	int type;		/* SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET */
	int reply;		/* unconnected datagrams: answer the last
				   sender */
	const char *name;	/* the peer (or our address), for messages */
	const struct relay_io *io;	/* NULL: relay_socket_io */
	void *ctx;		/* the transport's own state (an SSL *) */
};

/*
 * Relay until the session ends.  *stdin_done says stdin has already ended
 * (a previous connection of `listen --keep` read it to EOF) and is set when
 * it ends now.  Returns 0 for a clean end, 74 for an I/O error, 75 for the
 * idle timeout, 128+N after signal N; the failure is reported.
 */
int relay_run(const struct cli *cli, const struct relay_sock *s,
	      const struct relay_cfg *cfg, int *stdin_done);

/*
 * Line editing for the relay (relay_term.c).  One session at a time:
 * readline itself is global.
 */
struct relay_term {
	int on;			/* the readline handler is installed */
	int out_tty;		/* stdout is a terminal too */
	int bol;		/* and its cursor is at the start of a line */
	int eof;		/* Ctrl-D on an empty line */
	char *line;		/* an entered line (malloc'd), not yet sent */
	size_t line_off;	/* how much of it has been taken */
	char *saved_text;	/* the half-typed line, while output prints */
	int saved_point;
	int hist_new;		/* lines entered this session */
	char hist_path[PATH_MAX];
	const char *prog;	/* for warnings */
};

/* Install the prompt and load the history; restore with relay_term_stop(). */
void relay_term_start(struct relay_term *t, const char *prog);
/* stdin is readable: let readline take a character. */
void relay_term_read(struct relay_term *t);
/* Clear the prompt line, give the terminal back, save the history. */
void relay_term_stop(struct relay_term *t);
/* Around other output: take the prompt line away, then put it back. */
void relay_term_hide(struct relay_term *t);
void relay_term_show(struct relay_term *t);

#endif
