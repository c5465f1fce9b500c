/*
 * common.c - what the verbs of `ipc tls` share: making a context and
 * saying why it could not be made, saying why a handshake failed, the
 * handshake summary, and certificates printed for people.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "sys.h"
#include "tls/tls_cmd.h"

int
tls_cmd_ctx(const struct cli *cli, int server, const struct tls_opts *t,
	    SSL_CTX **ctx)
{
	char reason[256];
	const char *why;
	int err;

	*ctx = tls_ctx_new(server, t, &why);
	if (*ctx != NULL)
		return 0;
	err = errno;
	if (err == EINVAL)
		return usage_error(cli, "%s", why);
	tls_error_reason(reason, sizeof(reason));
	if (err == EPROTO) {
		out_errorf(cli->prog, "%s%s%s", why, reason[0] ? ": " : "",
			   reason);
		out_hint("check that the file exists and holds PEM (see "
			 "'ipc tls cert show FILE')");
		return EX_NOINPUT_;
	}
	return fail(cli, why, err, NULL);
}

/* Verification failed: which certificate, why, and what to do. */
static int
verify_fail(const struct cli *cli, SSL *ssl, const char *peer)
{
	long vr = SSL_get_verify_result(ssl);
	struct tls_verify_text t = tls_verify_explain(vr);
	int depth = tls_verify_fail_depth();

	out_errorf(cli->prog, "%s: certificate verification failed: %s "
		   "(depth %d, X509_V_ERR %ld)", peer, t.what,
		   depth < 0 ? 0 : depth, vr);
	out_hint("%s", t.hint);
	return EX_PROTOCOL_;
}

int
tls_cmd_handshake_fail(const struct cli *cli, SSL *ssl, const char *peer,
		       int err)
{
	char reason[256], what[320];
	const char *hint;

	if (err == EPROTO && SSL_get_verify_result(ssl) != X509_V_OK) {
		ERR_clear_error();
		return verify_fail(cli, ssl, peer);
	}
	tls_error_reason(reason, sizeof(reason));
	if (err == ETIMEDOUT) {
		snprintf(what, sizeof(what), "%s: TLS handshake", peer);
		return fail(cli, what, err, "the peer accepted the connection "
			    "but did not complete the handshake: is it a TLS "
			    "server? raise --timeout if it is slow");
	}
	if (err != EPROTO && err != ECONNRESET) {
		snprintf(what, sizeof(what), "%s: TLS handshake", peer);
		return fail(cli, what, err, NULL);
	}
	if (reason[0] == '\0')
		snprintf(reason, sizeof(reason), "%s", err == ECONNRESET ?
			 "the peer closed the connection" : "protocol error");
	hint = tls_reason_hint(reason);
	out_errorf(cli->prog, "%s: TLS handshake failed: %s", peer, reason);
	out_hint("%s", hint != NULL ? hint : err == ECONNRESET ?
		 "the peer gave up on the handshake: it may refuse our "
		 "versions or ciphers, or want a client certificate; "
		 "--trace shows the messages" :
		 "--trace shows each handshake message and the alert");
	return EX_PROTOCOL_;
}

void
tls_cmd_summary(FILE *f, SSL *ssl, int verified)
{
	json_t *s = tls_summary(ssl, verified);
	const char *alpn = json_string_value(json_object_get(s, "alpn"));
	const char *group = json_string_value(json_object_get(s, "group"));
	json_int_t depth = json_integer_value(json_object_get(s, "depth"));

	fprintf(f, "tls: %s, %s, group %s, alpn %s, %s\n",
		json_string_value(json_object_get(s, "protocol")),
		json_string_value(json_object_get(s, "cipher")),
		group != NULL ? group : "-",
		alpn != NULL && alpn[0] != '\0' ? alpn : "-",
		json_is_true(json_object_get(s, "resumed")) ?
		"session resumed" : "new session");
	if (verified)
		fprintf(f, "tls: verified: %s (chain depth %lld)\n",
			json_string_value(json_object_get(s, "verify")),
			(long long)depth);
	json_decref(s);
}

/* One "key: value" line, if the value is a non-empty string. */
static void
field(FILE *f, const char *label, json_t *v)
{
	if (json_is_string(v) && json_string_length(v) > 0)
		fprintf(f, "  %-11s %s\n", label, json_string_value(v));
}

/* An array of strings as "a, b, c". */
static void
list_field(FILE *f, const char *label, json_t *arr)
{
	size_t i;
	json_t *v;

	if (json_array_size(arr) == 0)
		return;
	fprintf(f, "  %-11s ", label);
	json_array_foreach(arr, i, v)
		fprintf(f, "%s%s", i ? ", " : "", json_string_value(v));
	fputc('\n', f);
}

void
tls_cmd_print_cert(FILE *f, X509 *x, int depth, int json)
{
	json_t *c = tls_cert_json(x);

	if (c == NULL)
		return;
	if (depth >= 0)
		json_object_set_new(c, "depth", json_integer(depth));
	if (json) {
		out_json_line(f, c);
		json_decref(c);
		return;
	}
	if (depth >= 0)
		fprintf(f, "certificate %d%s\n", depth,
			depth == 0 ? " (the peer's own)" : "");
	else
		fprintf(f, "certificate\n");
	field(f, "subject", json_object_get(c, "subject"));
	field(f, "issuer", json_object_get(c, "issuer"));
	list_field(f, "san", json_object_get(c, "san"));
	fprintf(f, "  %-11s %s .. %s\n", "valid",
		json_string_value(json_object_get(c, "not_before")),
		json_string_value(json_object_get(c, "not_after")));
	field(f, "key", json_object_get(c, "key"));
	field(f, "signature", json_object_get(c, "signature"));
	fprintf(f, "  %-11s %s\n", "ca",
		json_is_true(json_object_get(c, "ca")) ? "yes" : "no");
	list_field(f, "usage", json_object_get(c, "key_usage"));
	field(f, "serial", json_object_get(c, "serial"));
	field(f, "sha256", json_object_get(c, "sha256"));
	json_decref(c);
}

int
tls_cmd_ignore_sigpipe(const struct cli *cli)
{
	struct sigaction sa;

	/*
	 * OpenSSL writes to the socket with write(2), which raises SIGPIPE
	 * when the peer has gone; we want EPIPE from SSL_write instead (the
	 * plain relay gets it from send's MSG_NOSIGNAL); see signal(7).
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	if (sys_sigaction(SIGPIPE, &sa, NULL) < 0)
		return fail(cli, "sigaction SIGPIPE", errno, NULL);
	return 0;
}
