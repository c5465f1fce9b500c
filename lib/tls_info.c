/*
 * tls_info.c - what this OpenSSL offers: its version and providers, the
 * protocol versions a context allows by default, where the CA store is and
 * whether it can be read (the ssl chapter's "testing for SSL support"),
 * and the cipher suites per protocol version.
 */
#include "tls.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/provider.h>

/* Each loaded provider's name; see OSSL_PROVIDER_do_all(3). */
static int
add_provider(OSSL_PROVIDER *p, void *arr)
{
	json_array_append_new(arr, json_string(OSSL_PROVIDER_get0_name(p)));
	return 1;
}

/* A file or directory, whether it can be read, and how it was chosen. */
static json_t *
store_entry(const char *path, const char *env)
{
	const char *over = getenv(env);

	if (over != NULL)
		path = over;
	return json_pack("{s:s, s:b, s:s}", "path", path,
			 "readable", access(path, R_OK) == 0,
			 "set_by", over != NULL ? env : "built in");
}

/* How many CA certificates the default store holds once loaded. */
static int
store_count(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	int n = -1;

	if (ctx != NULL && SSL_CTX_set_default_verify_paths(ctx))
		n = sk_X509_OBJECT_num(X509_STORE_get0_objects(
			SSL_CTX_get_cert_store(ctx)));
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return n;
}

json_t *
tls_check(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	json_t *providers = json_array(), *o;
	long min = 0, max = 0;

	OSSL_PROVIDER_do_all(NULL, add_provider, providers);
	if (ctx != NULL) {
		min = SSL_CTX_get_min_proto_version(ctx);
		max = SSL_CTX_get_max_proto_version(ctx);
	}
	/* 0 means "no limit": the lowest or highest this build has. */
	o = json_pack("{s:s, s:s, s:o, s:s, s:s, s:i, s:s, s:s, s:o, s:o, "
		      "s:i}",
		"version", OpenSSL_version(OPENSSL_VERSION),
		"openssl_dir", OpenSSL_version(OPENSSL_DIR),
		"providers", providers,
		"default_min", min ? tls_version_name((int)min) : "any",
		"default_max", max ? tls_version_name((int)max) : "any",
		"security_level", ctx ? SSL_CTX_get_security_level(ctx) : -1,
		"ipc_min", "TLSv1.2", "ipc_max", "TLSv1.3",
		"ca_file", store_entry(X509_get_default_cert_file(),
				       X509_get_default_cert_file_env()),
		"ca_dir", store_entry(X509_get_default_cert_dir(),
				      X509_get_default_cert_dir_env()),
		"ca_certificates", store_count());
	SSL_CTX_free(ctx);
	if (o == NULL)
		errno = ENOMEM;
	return o;
}

/* Why a suite is or is not a good choice, in a few words. */
static const char *
cipher_note(const SSL_CIPHER *c, int version)
{
	int kx = SSL_CIPHER_get_kx_nid(c);

	if (version == TLS1_3_VERSION)
		return "TLS 1.3: AEAD, forward secrecy always";
	if (kx == NID_kx_rsa)
		return "RSA key exchange: no forward secrecy";
	if (!SSL_CIPHER_is_aead(c))
		return "CBC with a MAC: prefer an AEAD suite";
	if (kx == NID_kx_psk || kx == NID_kx_ecdhe_psk || kx == NID_kx_dhe_psk)
		return "needs a pre-shared key";
	return "AEAD, forward secrecy";
}

json_t *
tls_ciphers(int version)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	STACK_OF(SSL_CIPHER) *list = NULL;
	json_t *rows = json_array();
	SSL *ssl = NULL;
	int i;

	if (ctx == NULL || rows == NULL)
		goto out;
	/* TLS 1.0 and 1.1 exist only below the default security level. */
	if (version < TLS1_2_VERSION)
		SSL_CTX_set_security_level(ctx, 0);
	if (!SSL_CTX_set_min_proto_version(ctx, version) ||
	    !SSL_CTX_set_max_proto_version(ctx, version) ||
	    (ssl = SSL_new(ctx)) == NULL)
		goto out;
	list = SSL_get1_supported_ciphers(ssl);
	for (i = 0; list != NULL && i < sk_SSL_CIPHER_num(list); i++) {
		const SSL_CIPHER *c = sk_SSL_CIPHER_value(list, i);
		const char *std = SSL_CIPHER_standard_name(c);

		json_array_append_new(rows, json_pack(
			"{s:s, s:s, s:s, s:s, s:s, s:i, s:s}",
			"version", tls_version_name(version),
			"name", SSL_CIPHER_get_name(c),
			"standard", std ? std : "",
			"kx", OBJ_nid2sn(SSL_CIPHER_get_kx_nid(c)),
			"auth", OBJ_nid2sn(SSL_CIPHER_get_auth_nid(c)),
			"bits", SSL_CIPHER_get_bits(c, NULL),
			"note", cipher_note(c, version)));
	}
out:
	ERR_clear_error();
	sk_SSL_CIPHER_free(list);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return rows;
}
