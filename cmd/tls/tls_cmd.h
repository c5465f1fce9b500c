/*
 * tls_cmd.h - what the verbs of `ipc tls` share (cmd/tls/, one verb a file):
 * the protocol options, making a context and reporting why it failed
 * (common.c), the reasons a handshake fails in plain words, the TLS
 * transport for the relay (transport.c), and printing certificates.
 */
#ifndef IPC_CMD_TLS_H
#define IPC_CMD_TLS_H

#include <stdio.h>

#include "ipc.h"
#include "relay/relay.h"
#include "tls.h"

extern const struct verb tls_connect_verb, tls_serve_verb, tls_cert_verb,
	tls_check_verb, tls_ciphers_verb, tls_bio_verb, tls_probe_verb;

/* The options connect and serve share, into a struct tls_opts. */
#define TLS_PROTO_OPTS(t)						\
	OPT_STR(0, "min-version", &(t).min_version, "V",		\
		"lowest TLS version: 1.0, 1.1, 1.2 (the default) or 1.3"), \
	OPT_STR(0, "max-version", &(t).max_version, "V",		\
		"highest TLS version (default: the newest, 1.3)"),	\
	OPT_STR(0, "ciphers", &(t).ciphers, "LIST",			\
		"TLS 1.2 cipher list, as in ciphers(1)"),		\
	OPT_STR(0, "ciphersuites", &(t).ciphersuites, "LIST",		\
		"TLS 1.3 cipher suites, colon-separated"),		\
	OPT_STR(0, "groups", &(t).groups, "LIST",			\
		"key exchange groups in order of preference: "		\
		"X25519:P-256"),					\
	OPT_STR(0, "alpn", &(t).alpn, "LIST",				\
		"application protocols to offer or accept: h2,http/1.1"), \
	OPT_STR_C(0, "cert", &(t).cert, "FILE",				\
		  "our certificate (PEM, leaf first, then its chain)",	\
		  "@file"),						\
	OPT_STR_C(0, "key", &(t).key, "FILE", "our private key (PEM)",	\
		  "@file"),						\
	OPT_STR_C(0, "keylog", &(t).keylog, "FILE",			\
		  "append the session secrets in NSS key log format, for " \
		  "Wireshark", "@file")

/*
 * Make a context from t and report a failure.  Returns 0 with *ctx set,
 * or the exit status of the reported error (64 for a bad value, 66 for a
 * file that cannot be read).
 */
int tls_cmd_ctx(const struct cli *cli, int server, const struct tls_opts *t,
		SSL_CTX **ctx);

/*
 * Report a failed handshake with peer: verification failures and
 * OpenSSL's reason in plain words, each with a hint.  err is the errno
 * tls_handshake() left.  Returns the exit status (76 for TLS, 75 for a
 * timeout, 74 for the connection failing).
 */
int tls_cmd_handshake_fail(const struct cli *cli, SSL *ssl, const char *peer,
			   int err);

/* Ignore SIGPIPE, so a vanished peer is EPIPE.  0, or the reported status. */
int tls_cmd_ignore_sigpipe(const struct cli *cli);

/* The handshake summary, two lines on f. */
void tls_cmd_summary(FILE *f, SSL *ssl, int verified);

/* A certificate readably (depth >= 0 is shown), or as one JSON line. */
void tls_cmd_print_cert(FILE *f, X509 *x, int depth, int json);

/* The TLS transport for the relay: ctx is a struct tls_conn. */
struct tls_conn {
	SSL *ssl;
	short rd_wants, wr_wants;	/* POLLIN/POLLOUT a retry needs */
	int truncated;			/* EOF came without close_notify */
	int shut;			/* our close_notify went */
	char reason[128];		/* why TLS failed (EPROTO), or "" */
};
extern const struct relay_io tls_relay_io;

#endif
