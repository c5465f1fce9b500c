/*
 * tls.c - contexts with safe defaults, the handshake under poll(2), the
 * trace of every handshake message, and failures in plain words.  The
 * certificates themselves are in tls_cert.c, the trace and the plain
 * words in tls_explain.c, what this OpenSSL offers in tls_info.c.
 *
 * Safe by default means: TLS 1.2 is the floor, the peer's chain is checked
 * against the system store (or --ca) and its name against the host we
 * meant to reach (SSL_set1_host), renegotiation and compression stay off
 * (OpenSSL 3's defaults), and SSL_MODE_AUTO_RETRY is cleared so that an
 * event loop never blocks inside SSL_read (see SSL_CTX_set_mode(3)).
 */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "clock.h"
#include "out.h"
#include "sys.h"
#include "trace.h"

/* ---- versions ------------------------------------------------------------ */

static const struct {
	const char *name;	/* as people write it */
	int version;
} versions[] = {
	{ "1.0", TLS1_VERSION }, { "1", TLS1_VERSION },
	{ "1.1", TLS1_1_VERSION }, { "1.2", TLS1_2_VERSION },
	{ "1.3", TLS1_3_VERSION },
};

int
tls_version_parse(const char *s)
{
	size_t i;

	if (strncasecmp(s, "TLSv", 4) == 0)
		s += 4;
	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		if (strcmp(s, versions[i].name) == 0)
			return versions[i].version;
	errno = EINVAL;
	return -1;
}

const char *
tls_version_name(int version)
{
	switch (version) {
	case TLS1_VERSION:	return "TLSv1";
	case TLS1_1_VERSION:	return "TLSv1.1";
	case TLS1_2_VERSION:	return "TLSv1.2";
	case TLS1_3_VERSION:	return "TLSv1.3";
	default:		return "?";
	}
}

/* ---- the key log: see SSL_CTX_set_keylog_callback(3) --------------------- */

static int keylog_fd = -1;

/* One line of NSS key log format per secret, for Wireshark. */
static void
on_keylog(const SSL *ssl, const char *line)
{
	if (out_write_all(keylog_fd, line, strlen(line)) < 0 ||
	    out_write_all(keylog_fd, "\n", 1) < 0)
		trace_state("keylog: write failed: %s", strerror(errno));
}

/* The newest session ticket the server gave us; see tls_session_take(). */
static SSL_SESSION *latest_session;

void
tls_cleanup(void)
{
	if (keylog_fd >= 0)
		sys_close(keylog_fd);
	keylog_fd = -1;
	SSL_SESSION_free(latest_session);
	latest_session = NULL;
}

/* ---- ALPN: see SSL_CTX_set_alpn_protos(3) -------------------------------- */

/* The server's list, in wire format (length-prefixed names). */
static unsigned char alpn_wire[256];
static unsigned alpn_len;

/* "h2,http/1.1" to wire format; -1 with errno EINVAL if it does not fit. */
static int
alpn_encode(const char *list, unsigned char *out, unsigned *outlen,
	    size_t size)
{
	size_t n, used = 0;

	while (*list != '\0') {
		n = strcspn(list, ",");
		if (n == 0 || n > 255 || used + 1 + n > size) {
			errno = EINVAL;
			return -1;
		}
		out[used++] = (unsigned char)n;
		memcpy(out + used, list, n);
		used += n;
		list += n + (list[n] == ',');
	}
	*outlen = (unsigned)used;
	return 0;
}

/*
 * The server picks the first of its protocols the client offers.  No
 * overlap is a fatal no_application_protocol alert, as RFC 7301 asks.
 */
static int
on_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
	       const unsigned char *in, unsigned inlen, void *arg)
{
	if (SSL_select_next_proto((unsigned char **)out, outlen, alpn_wire,
				  alpn_len, in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	return SSL_TLSEXT_ERR_OK;
}

/* ---- contexts ------------------------------------------------------------ */

/* A client keeps each new session (TLS 1.3 sends tickets after the
   handshake, inside SSL_read); see SSL_CTX_sess_set_new_cb(3). */
static int
on_new_session(SSL *ssl, SSL_SESSION *sess)
{
	SSL_SESSION_free(latest_session);
	latest_session = sess;
	trace_state("tls: the server gave a session ticket (lifetime %lds)",
		    (long)SSL_SESSION_get_timeout(sess));
	return 1;	/* we keep the reference */
}

SSL_SESSION *
tls_session_take(void)
{
	SSL_SESSION *s = latest_session;

	latest_session = NULL;
	return s;
}

/* Load --ca, a file or a directory of hashed names (c_rehash). */
static int
load_ca(SSL_CTX *ctx, const char *ca)
{
	struct stat st;

	if (stat(ca, &st) < 0)
		return -1;
	if (!SSL_CTX_load_verify_locations(ctx, S_ISDIR(st.st_mode) ? NULL : ca,
					   S_ISDIR(st.st_mode) ? ca : NULL)) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

/* Versions, ciphers, groups and ALPN; -1 with *why on a bad value. */
static int
set_protocol(SSL_CTX *ctx, int server, const struct tls_opts *o,
	     const char **why)
{
	int min = TLS1_2_VERSION, max = 0;

	if (o->min_version != NULL &&
	    (min = tls_version_parse(o->min_version)) < 0)
		return *why = "--min-version: use 1.0, 1.1, 1.2 or 1.3", -1;
	if (o->max_version != NULL &&
	    (max = tls_version_parse(o->max_version)) < 0)
		return *why = "--max-version: use 1.0, 1.1, 1.2 or 1.3", -1;
	if (max != 0 && max < min)
		return *why = "--max-version is below the minimum (TLS 1.2 "
			      "unless --min-version lowers it)", -1;
	/*
	 * OpenSSL's default security level 1 forbids TLS 1.0 and 1.1
	 * (SHA-1 in the handshake); asking for them lowers it to 0.
	 */
	if (min < TLS1_2_VERSION)
		SSL_CTX_set_security_level(ctx, 0);
	if (!SSL_CTX_set_min_proto_version(ctx, min) ||
	    !SSL_CTX_set_max_proto_version(ctx, max))
		return *why = "this OpenSSL cannot use that version", -1;
	if (o->ciphers && !SSL_CTX_set_cipher_list(ctx, o->ciphers))
		return *why = "--ciphers: no cipher in that list "
			      "('ipc tls ciphers' lists them)", -1;
	if (o->ciphersuites && !SSL_CTX_set_ciphersuites(ctx, o->ciphersuites))
		return *why = "--ciphersuites: not a TLS 1.3 suite list "
			      "(TLS_AES_128_GCM_SHA256:...)", -1;
	if (o->groups && !SSL_CTX_set1_groups_list(ctx, o->groups))
		return *why = "--groups: unknown group (X25519, P-256, "
			      "P-384, ...)", -1;
	if (o->alpn == NULL)
		return 0;
	if (server) {
		if (alpn_encode(o->alpn, alpn_wire, &alpn_len,
				sizeof(alpn_wire)) < 0)
			return *why = "--alpn: a comma-separated list of "
				      "names of 1 to 255 bytes", -1;
		SSL_CTX_set_alpn_select_cb(ctx, on_alpn_select, NULL);
		return 0;
	} else {
		unsigned char wire[256];
		unsigned len;

		/* Note: SSL_CTX_set_alpn_protos returns 0 on success. */
		if (alpn_encode(o->alpn, wire, &len, sizeof(wire)) < 0 ||
		    SSL_CTX_set_alpn_protos(ctx, wire, len) != 0)
			return *why = "--alpn: a comma-separated list of "
				      "names of 1 to 255 bytes", -1;
	}
	return 0;
}

/* The first failing depth on the current connection; see tls_new(). */
static int fail_depth = -1;

/*
 * Called for each certificate of the chain, root first; OpenSSL decides
 * (ok), we only note where it first failed; see SSL_CTX_set_verify(3).
 */
static int
on_verify(int ok, X509_STORE_CTX *store)
{
	if (!ok && fail_depth < 0)
		fail_depth = X509_STORE_CTX_get_error_depth(store);
	return ok;
}

int
tls_verify_fail_depth(void)
{
	return fail_depth;
}

/* Our certificate and key, the CA store, and what to ask of the peer. */
static int
set_identity(SSL_CTX *ctx, int server, const struct tls_opts *o,
	     const char **why)
{
	if (o->cert != NULL &&
	    SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1)
		return *why = "--cert: cannot read a PEM certificate", -1;
	if (o->key != NULL &&
	    SSL_CTX_use_PrivateKey_file(ctx, o->key, SSL_FILETYPE_PEM) != 1)
		return *why = "--key: cannot read a PEM private key", -1;
	if (o->cert != NULL && SSL_CTX_check_private_key(ctx) != 1)
		return *why = "--key does not belong to --cert", -1;
	if (o->ca != NULL && load_ca(ctx, o->ca) < 0)
		return *why = "--ca: cannot read that CA file or directory", -1;
	if (o->ca == NULL && !server && o->verify &&
	    !SSL_CTX_set_default_verify_paths(ctx))
		return *why = "the system CA store cannot be read", -1;
	if (server && o->verify) {
		/* Name the CAs we accept; see SSL_load_client_CA_file(3). */
		if (o->ca != NULL)
			SSL_CTX_set_client_CA_list(ctx,
				SSL_load_client_CA_file(o->ca));
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
				   SSL_VERIFY_FAIL_IF_NO_PEER_CERT, on_verify);
	} else {
		SSL_CTX_set_verify(ctx, !server && o->verify ?
				   SSL_VERIFY_PEER : SSL_VERIFY_NONE, on_verify);
	}
	return 0;
}

SSL_CTX *
tls_ctx_new(int server, const struct tls_opts *o, const char **why)
{
	SSL_CTX *ctx;
	int err;

	*why = NULL;
	ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (ctx == NULL) {
		*why = "SSL_CTX_new";
		errno = ENOMEM;
		return NULL;
	}
	/*
	 * Partial writes and a buffer that may move between retries suit a
	 * relay with its own buffer; without AUTO_RETRY, SSL_read returns
	 * WANT_READ instead of blocking after a non-data record.
	 */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_clear_mode(ctx, SSL_MODE_AUTO_RETRY);
	if (!server) {
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
					       SSL_SESS_CACHE_NO_INTERNAL_STORE);
		SSL_CTX_sess_set_new_cb(ctx, on_new_session);
	}
	errno = 0;
	if (set_protocol(ctx, server, o, why) < 0) {
		errno = EINVAL;
		goto fail;
	}
	if (set_identity(ctx, server, o, why) < 0) {
		if (errno == 0)
			errno = EPROTO;
		goto fail;
	}
	if (o->keylog != NULL) {
		tls_cleanup();
		/* The secrets decrypt the session: 0600, like a key. */
		keylog_fd = sys_open(o->keylog, O_WRONLY | O_CREAT | O_APPEND |
				     O_CLOEXEC, 0600);
		if (keylog_fd < 0) {
			*why = "--keylog";
			goto fail;
		}
		SSL_CTX_set_keylog_callback(ctx, on_keylog);
	}
	return ctx;
fail:
	err = errno;
	SSL_CTX_free(ctx);
	errno = err;
	return NULL;
}

SSL *
tls_new(SSL_CTX *ctx, int fd, const char *host, const char *sni)
{
	unsigned char ip[16];
	int is_ip = 0;
	SSL *ssl;

	fail_depth = -1;
	ssl = SSL_new(ctx);
	if (ssl == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if (!SSL_set_fd(ssl, fd))
		goto fail;
	if (trace_on)
		tls_trace_attach(ssl);
	if (host != NULL)
		is_ip = inet_pton(AF_INET, host, ip) == 1 ||
			inet_pton(AF_INET6, host, ip) == 1;
	/* An address is checked against the IP entries of the SAN. */
	if (host != NULL && SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER &&
	    !(is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) :
	      SSL_set1_host(ssl, host)))
		goto fail;
	if (sni == NULL && !is_ip)
		sni = host;
	if (sni != NULL && !SSL_set_tlsext_host_name(ssl, sni))
		goto fail;
	return ssl;
fail:
	SSL_free(ssl);
	errno = EINVAL;
	return NULL;
}

/* ---- the handshake ------------------------------------------------------- */

int
tls_handshake(SSL *ssl, int fd, double timeout)
{
	long long deadline = clock_deadline(timeout);
	struct pollfd pfd = { .fd = fd };
	int ret, code, n;

	for (;;) {
		ret = SSL_is_server(ssl) ? sys_SSL_accept(ssl) :
		      sys_SSL_connect(ssl);
		if (ret == 1)
			return 0;
		code = sys_SSL_get_error(ssl, ret);
		if (code == SSL_ERROR_WANT_READ)
			pfd.events = POLLIN;
		else if (code == SSL_ERROR_WANT_WRITE)
			pfd.events = POLLOUT;
		else if (code == SSL_ERROR_SYSCALL)
			/* errno 0: the peer closed the connection. */
			return errno = errno != 0 ? errno : ECONNRESET, -1;
		else if (code == SSL_ERROR_SSL)
			return errno = EPROTO, -1;
		else
			return errno = ECONNRESET, -1;
		/* Waiting for the time that is left, after EINTR too. */
		n = sys_poll(&pfd, 1, clock_ms_until(deadline));
		if (n == 0)
			return errno = ETIMEDOUT, -1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

const char *
tls_error_reason(char *buf, size_t size)
{
	unsigned long e, last = 0;
	const char *r;

	/* The first error is the root cause; the rest say where it went. */
	while ((e = ERR_get_error()) != 0)
		if (last == 0)
			last = e;
	r = last != 0 ? ERR_reason_error_string(last) : NULL;
	snprintf(buf, size, "%s", r != NULL ? r : "");
	return buf;
}

/* ---- the summary --------------------------------------------------------- */

json_t *
tls_summary(SSL *ssl, int verified)
{
	const unsigned char *alpn;
	unsigned alpn_n;
	long vr = SSL_get_verify_result(ssl);
	const char *group;
	int nid = SSL_get_negotiated_group(ssl);
	X509 *peer = SSL_get0_peer_certificate(ssl);
	STACK_OF(X509) *chain = SSL_get0_verified_chain(ssl);

	SSL_get0_alpn_selected(ssl, &alpn, &alpn_n);
	group = nid != 0 ? SSL_group_to_name(ssl, nid) : NULL;
	return json_pack("{s:s, s:s, s:s?, s:s%, s:b, s:s, s:i, s:b}",
		"protocol", SSL_get_version(ssl),
		"cipher", SSL_get_cipher_name(ssl),
		"group", group,
		"alpn", alpn_n > 0 ? (const char *)alpn : "", (size_t)alpn_n,
		"resumed", SSL_session_reused(ssl),
		"verify", !verified ? "skipped" : vr == X509_V_OK ? "ok" :
			  X509_verify_cert_error_string(vr),
		"depth", verified && chain != NULL ?
			 sk_X509_num(chain) - 1 : -1,
		"peer_cert", peer != NULL);
}

/* ---- sessions: see PEM_write_bio_SSL_SESSION(3) -------------------------- */

int
tls_session_write(const char *path, SSL_SESSION *sess)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int fd, err = 0;

	if (b == NULL || !PEM_write_bio_SSL_SESSION(b, sess)) {
		BIO_free(b);
		return errno = ENOMEM, -1;
	}
	n = BIO_get_mem_data(b, &data);
	/* A session holds the resumption secret: 0600, like a key. */
	fd = sys_open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || out_write_all(fd, data, (size_t)n) < 0)
		err = errno;
	if (fd >= 0 && sys_close(fd) < 0 && err == 0)
		err = errno;
	BIO_free(b);
	return err ? (errno = err, -1) : 0;
}

SSL_SESSION *
tls_session_read(const char *path)
{
	SSL_SESSION *s;
	BIO *b = BIO_new_file(path, "re");

	if (b == NULL) {
		if (errno == 0)
			errno = ENOENT;
		return NULL;
	}
	s = PEM_read_bio_SSL_SESSION(b, NULL, NULL, NULL);
	BIO_free(b);
	if (s == NULL) {
		ERR_clear_error();
		errno = EINVAL;
	}
	return s;
}
