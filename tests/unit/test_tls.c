/*
 * test_tls.c - lib/tls.c and lib/tls_cert.c without a network: versions,
 * the verification reasons in plain words, the handshake reason hints,
 * certificates made in memory and described as JSON, and their chain.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "tls.h"

static void
test_versions(void **state)
{
	assert_int_equal(tls_version_parse("1.2"), TLS1_2_VERSION);
	assert_int_equal(tls_version_parse("TLSv1.3"), TLS1_3_VERSION);
	assert_int_equal(tls_version_parse("1"), TLS1_VERSION);
	errno = 0;
	assert_int_equal(tls_version_parse("1.4"), -1);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(tls_version_name(TLS1_1_VERSION), "TLSv1.1");
	assert_string_equal(tls_version_name(0x1234), "?");
}

/* The bad-certificate matrix of the issue, one reason each. */
static void
test_verify_explain(void **state)
{
	static const struct {
		long result;
		const char *what, *hint_part;
	} cases[] = {
		{ X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
		  "self-signed certificate", "--ca FILE" },
		{ X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
		  "unknown issuer: no CA in the store signed this certificate",
		  "issuing CA" },
		{ X509_V_ERR_CERT_HAS_EXPIRED, "certificate has expired",
		  "clock" },
		{ X509_V_ERR_HOSTNAME_MISMATCH,
		  "host name mismatch: the certificate is for another name",
		  "--servername" },
		{ X509_V_ERR_INVALID_PURPOSE,
		  "wrong key usage: the certificate is not for this purpose",
		  "serverAuth" },
	};
	struct tls_verify_text t;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = tls_verify_explain(cases[i].result);
		assert_string_equal(t.what, cases[i].what);
		assert_non_null(strstr(t.hint, cases[i].hint_part));
	}
	/* Anything else: OpenSSL's own words, and a general hint. */
	t = tls_verify_explain(X509_V_ERR_CRL_HAS_EXPIRED);
	assert_string_equal(t.what, "CRL has expired");
	assert_non_null(t.hint);
}

static void
test_reason_hints(void **state)
{
	assert_non_null(strstr(tls_reason_hint("wrong version number"),
			       "plain-text service"));
	assert_non_null(strstr(tls_reason_hint(
		"tlsv1 alert no application protocol"), "--alpn"));
	assert_non_null(strstr(tls_reason_hint("unsupported protocol"),
			       "--min-version"));
	assert_null(tls_reason_hint("something else entirely"));
}

/* A certificate made with names, then read back through JSON. */
static void
test_cert_json(void **state)
{
	static const char *const san[] = { "localhost", "IP:127.0.0.1",
					   "::1", "DNS:example.test", NULL };
	struct tls_cert_req req = { .type = "ec", .cn = "localhost",
				    .san = san, .days = 3 };
	char fp[100];
	EVP_PKEY *key;
	X509 *x;
	json_t *j, *v;

	assert_int_equal(tls_cert_make(&req, &key, &x), 0);
	j = tls_cert_json(x);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "subject")),
			    "CN=localhost");
	assert_string_equal(json_string_value(json_object_get(j, "issuer")),
			    "CN=localhost");
	assert_string_equal(json_string_value(json_object_get(j, "key")),
			    "EC P-256");
	assert_string_equal(json_string_value(json_object_get(j,
			    "signature")), "ecdsa-with-SHA256");
	v = json_object_get(j, "san");
	assert_int_equal(json_array_size(v), 4);
	assert_string_equal(json_string_value(json_array_get(v, 0)),
			    "DNS:localhost");
	assert_string_equal(json_string_value(json_array_get(v, 1)),
			    "IP:127.0.0.1");
	assert_string_equal(json_string_value(json_array_get(v, 2)), "IP:::1");
	assert_string_equal(json_string_value(json_array_get(v, 3)),
			    "DNS:example.test");
	assert_false(json_is_true(json_object_get(j, "ca")));
	v = json_object_get(j, "key_usage");
	assert_string_equal(json_string_value(json_array_get(v, 0)),
			    "digitalSignature");
	tls_fingerprint(x, fp, sizeof(fp));
	assert_int_equal(strlen(fp), 32 * 3 - 1);
	assert_string_equal(json_string_value(json_object_get(j, "sha256")),
			    fp);
	assert_int_equal(strlen(json_string_value(json_object_get(j,
			 "not_before"))), 20);
	json_decref(j);
	X509_free(x);
	EVP_PKEY_free(key);
}

static void
test_cert_types(void **state)
{
	static const struct { const char *type, *key; } cases[] = {
		{ "rsa", "RSA 2048" }, { "ed25519", "ED25519" },
	};
	struct tls_cert_req req = { .cn = "t", .days = 1 };
	EVP_PKEY *key;
	X509 *x;
	json_t *j;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		req.type = cases[i].type;
		assert_int_equal(tls_cert_make(&req, &key, &x), 0);
		j = tls_cert_json(x);
		assert_string_equal(json_string_value(json_object_get(j,
				    "key")), cases[i].key);
		json_decref(j);
		X509_free(x);
		EVP_PKEY_free(key);
	}
	req.type = "dsa";
	errno = 0;
	assert_int_equal(tls_cert_make(&req, &key, &x), -1);
	assert_int_equal(errno, EINVAL);
}

/* A CA, a leaf it signs, written and read back, verified for a name. */
static void
test_chain(void **state)
{
	static const char *const san[] = { "localhost", NULL };
	struct tls_cert_req ca_req = { .cn = "Test CA", .days = 1, .ca = 1 };
	struct tls_cert_req leaf_req = { .cn = "localhost", .san = san,
					 .days = 1 };
	char dir[] = "/tmp/test_tls.XXXXXX", ca_path[64], leaf_path[64],
	     key_path[64];
	STACK_OF(X509) *certs;
	EVP_PKEY *ca_key, *leaf_key;
	X509 *ca, *leaf;
	struct stat st;
	int depth;

	assert_non_null(mkdtemp(dir));
	snprintf(ca_path, sizeof(ca_path), "%s/ca.pem", dir);
	snprintf(leaf_path, sizeof(leaf_path), "%s/leaf.pem", dir);
	snprintf(key_path, sizeof(key_path), "%s/leaf.key", dir);
	assert_int_equal(tls_cert_make(&ca_req, &ca_key, &ca), 0);
	leaf_req.issuer = ca;
	leaf_req.issuer_key = ca_key;
	assert_int_equal(tls_cert_make(&leaf_req, &leaf_key, &leaf), 0);
	assert_int_equal(tls_write_cert(ca_path, ca), 0);
	assert_int_equal(tls_write_cert(leaf_path, leaf), 0);
	assert_int_equal(tls_write_key(key_path, leaf_key), 0);
	assert_int_equal(stat(key_path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	certs = tls_read_certs(leaf_path);
	assert_non_null(certs);
	assert_int_equal(tls_verify_chain(certs, ca_path, "localhost", &depth),
			 X509_V_OK);
	assert_int_equal(tls_verify_chain(certs, ca_path, "other.test", &depth),
			 X509_V_ERR_HOSTNAME_MISMATCH);
	assert_int_equal(depth, 0);
	/* The leaf is no CA: trusting it alone does not verify a chain. */
	assert_int_equal(tls_verify_chain(certs, leaf_path, NULL, &depth),
			 X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
	sk_X509_pop_free(certs, X509_free);

	errno = 0;
	assert_null(tls_read_certs(key_path));
	assert_int_equal(errno, EINVAL);
	unlink(ca_path);
	unlink(leaf_path);
	unlink(key_path);
	rmdir(dir);
	X509_free(leaf);
	X509_free(ca);
	EVP_PKEY_free(leaf_key);
	EVP_PKEY_free(ca_key);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_verify_explain),
		cmocka_unit_test(test_reason_hints),
		cmocka_unit_test(test_cert_json),
		cmocka_unit_test(test_cert_types),
		cmocka_unit_test(test_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
