/*
 * tls.h - OpenSSL 3 made safe by default and visible: contexts that verify
 * unless told not to, the handshake under poll(2), verification failures in
 * plain words, every handshake message as a trace event, certificates as
 * JSON, and certificates made in memory.
 *
 * Like the rest of lib/, nothing here prints or exits.  Functions return
 * -1 (or NULL) with errno set; when OpenSSL itself refused, errno is EPROTO
 * and tls_error_reason() says why, from OpenSSL's error queue.
 */
#ifndef IPC_TLS_H
#define IPC_TLS_H

#include <stddef.h>

#include <jansson.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

/* What a context is made from; NULL fields take the safe default. */
struct tls_opts {
	const char *min_version;	/* "1.2" (the default floor), "1.3" ... */
	const char *max_version;	/* NULL: the newest OpenSSL knows */
	const char *ciphers;		/* TLS 1.2 and below; see ciphers(1) */
	const char *ciphersuites;	/* TLS 1.3 */
	const char *groups;		/* "X25519:P-256" */
	const char *alpn;		/* "h2,http/1.1" */
	const char *cert, *key;		/* PEM files: our certificate */
	const char *ca;			/* CA file or directory; NULL: system */
	int verify;			/* check the peer (servers: require a
					   client certificate) */
	const char *keylog;		/* NSS key log file, or NULL */
};

/*
 * Close the --keylog file and drop a session nobody took: what a verb
 * calls when it is done with TLS (the process may run another verb).
 */
void tls_cleanup(void);

/*
 * "1", "1.0", "1.1", "1.2", "1.3" (with or without "TLSv") to
 * TLS1_x_VERSION.  Returns -1 with errno EINVAL for anything else.
 */
int tls_version_parse(const char *s);

/* "TLSv1.3" for TLS1_3_VERSION; "?" when unknown. */
const char *tls_version_name(int version);

/*
 * A client (server 0) or server context from o.  On a bad option value
 * returns NULL with errno EINVAL and *why saying which (static storage);
 * on a file that cannot be read, NULL with errno from OpenSSL's view of
 * it (ENOENT, EACCES) or EPROTO, and *why naming the option.
 */
SSL_CTX *tls_ctx_new(int server, const struct tls_opts *o, const char **why);

/*
 * A connection on fd for ctx.  A client gives host (checked against the
 * certificate with SSL_set1_host when the context verifies) and sni (sent
 * in the ClientHello; NULL: host, unless host is an IP address, which SNI
 * may not carry; see RFC 6066).  Handshake messages become trace events
 * when tracing is on.  Returns NULL with errno set.
 */
SSL *tls_new(SSL_CTX *ctx, int fd, const char *host, const char *sni);

/*
 * The newest session a server gave to a client context of this process
 * (TLS 1.3 sends its tickets after the handshake, so it arrives during
 * SSL_read), handed over to the caller, who frees it with
 * SSL_SESSION_free().  NULL when there is none.
 */
SSL_SESSION *tls_session_take(void);

/*
 * Emit a trace event for each TLS message ssl sends or receives, and for
 * each state change (tls_explain.c).  tls_new() does this when tracing is
 * on.
 */
void tls_trace_attach(SSL *ssl);

/*
 * The trace event for one message, as the msg callback tls_trace_attach()
 * installs emits it; for a program with a msg callback of its own
 * (SSL_set_msg_callback(3) keeps one per SSL).  write_p is 1 for a
 * message ssl sent, 0 for one it received.
 */
void tls_trace_msg(int write_p, int content_type, const void *buf, size_t len,
		   const SSL *ssl);

/*
 * The name of a TLS message as the msg callback sees it
 * (SSL_CTX_set_msg_callback(3)): "ClientHello", "Finished", "Alert",
 * "ChangeCipherSpec"; NULL for record headers and other content.
 */
const char *tls_msg_name(int content_type, const void *buf, size_t len);

/*
 * The handshake on a non-blocking fd, under poll(2): SSL_connect or
 * SSL_accept until done, waiting for POLLIN on SSL_ERROR_WANT_READ and
 * POLLOUT on SSL_ERROR_WANT_WRITE, for at most timeout seconds (< 0:
 * forever).  Returns 0, or -1 with errno: ETIMEDOUT, ECONNRESET when the
 * peer closed in the middle, EPROTO when TLS failed (see
 * tls_error_reason() and SSL_get_verify_result()), or a socket error.
 */
int tls_handshake(SSL *ssl, int fd, double timeout);

/*
 * The reason OpenSSL gave for the last failure, in its own words
 * ("certificate verify failed", "wrong version number"), into buf; the
 * error queue is emptied.  Returns buf ("" when the queue was empty).
 */
const char *tls_error_reason(char *buf, size_t size);

/*
 * A certificate verification result (X509_V_ERR_*) in plain words and the
 * hint that goes with it.  Never NULL.
 */
struct tls_verify_text {
	const char *what;	/* "self-signed certificate" */
	const char *hint;	/* what to do about it */
};
struct tls_verify_text tls_verify_explain(long result);

/*
 * The depth of the first certificate that failed verification on the
 * last connection made by tls_new() (0 is the peer's own), or -1.
 */
int tls_verify_fail_depth(void);

/*
 * A hint for a reason tls_error_reason() gave ("wrong version number"),
 * or NULL when there is nothing useful to add.
 */
const char *tls_reason_hint(const char *reason);

/*
 * The handshake's outcome as a JSON object: protocol, cipher, group, alpn,
 * resumed, verify ("ok", "skipped" or the reason) and depth.
 */
json_t *tls_summary(SSL *ssl, int verified);

/*
 * One certificate as a JSON object: subject, issuer, serial, san (an
 * array), not_before, not_after (ISO 8601), key ("EC P-256", "RSA 2048"),
 * signature, ca (boolean), key_usage and sha256 (the fingerprint).
 * Returns NULL with errno ENOMEM.
 */
json_t *tls_cert_json(X509 *x);

/* The SHA-256 fingerprint as "AB:CD:..." into buf (at least 96 bytes). */
const char *tls_fingerprint(X509 *x, char *buf, size_t size);

/* What a new certificate is made from. */
struct tls_cert_req {
	const char *type;	/* "ec" (P-256, the default), "rsa", "ed25519" */
	const char *cn;		/* the subject's common name */
	const char *const *san;	/* "DNS:localhost", "IP:127.0.0.1", or bare
				   names (an address is an IP); NULL-ended */
	long days;		/* validity from now */
	int ca;			/* a CA: basicConstraints CA:TRUE, keyCertSign */
	EVP_PKEY *issuer_key;	/* NULL: self-signed */
	X509 *issuer;
};

/*
 * A new key and a certificate for it, in memory.  Returns 0, or -1 with
 * errno EINVAL (a bad type or SAN) or EPROTO.
 */
int tls_cert_make(const struct tls_cert_req *req, EVP_PKEY **key, X509 **x);

/*
 * Write a key (mode 0600, created or replaced) or a certificate (0644)
 * as PEM.  Returns 0, or -1 with errno set.
 */
int tls_write_key(const char *path, EVP_PKEY *key);
int tls_write_cert(const char *path, X509 *x);

/*
 * A private key from a PEM file.  Returns it (free with EVP_PKEY_free),
 * or NULL with errno ENOENT, EACCES, or EINVAL when it holds no key.
 */
EVP_PKEY *tls_read_key(const char *path);

/*
 * Verify the chain in certs (leaf first, the rest untrusted helpers)
 * against the CAs in ca_file, and the leaf's name against host (a DNS
 * name or an IP address; NULL: no name check), for a TLS server.
 * Returns X509_V_OK (0) or the X509_V_ERR_* code, with *depth the failing
 * certificate's depth; -1 with errno when the check could not run.
 */
long tls_verify_chain(STACK_OF(X509) *certs, const char *ca_file,
		      const char *host, int *depth);

/*
 * A session as PEM, for --sess-out and --sess-in.  Write returns 0 or -1
 * with errno; read returns the session or NULL with errno (ENOENT,
 * EINVAL when the file holds none).
 */
int tls_session_write(const char *path, SSL_SESSION *sess);
SSL_SESSION *tls_session_read(const char *path);

/*
 * Every certificate in a PEM file, in order.  Returns the stack (free it
 * with sk_X509_pop_free(s, X509_free)), or NULL with errno: ENOENT,
 * EACCES, or EINVAL when the file holds no certificate.
 */
STACK_OF(X509) *tls_read_certs(const char *path);

/*
 * What this OpenSSL offers (tls_info.c): version, directory, providers,
 * default protocol versions and security level, the CA file and
 * directory (with SSL_CERT_FILE/SSL_CERT_DIR applied, and whether each is
 * readable), and how many CA certificates load.  NULL with errno ENOMEM.
 */
json_t *tls_check(void);

/*
 * The cipher suites a client offers at one protocol version, an array of
 * objects: version, name, standard (the IANA name), kx, auth, bits and
 * note.  Empty when the version is not available.
 */
json_t *tls_ciphers(int version);

#endif
