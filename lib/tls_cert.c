/*
 * tls_cert.c - certificates: read, described as JSON, fingerprinted, made
 * in memory (a key, then an X.509 v3 certificate signed by itself or by a
 * CA) and written as PEM.  See x509v3_config(5) for the extensions.
 */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "out.h"
#include "sys.h"

/* ---- reading ------------------------------------------------------------- */

STACK_OF(X509) *
tls_read_certs(const char *path)
{
	STACK_OF(X509) *certs;
	X509 *x;
	BIO *b;

	/* "e" opens with O_CLOEXEC; see fopen(3). */
	b = BIO_new_file(path, "re");
	if (b == NULL) {
		/* BIO_new_file leaves fopen's errno. */
		if (errno == 0)
			errno = ENOENT;
		return NULL;
	}
	certs = sk_X509_new_null();
	while (certs != NULL &&
	       (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		sk_X509_push(certs, x);
	ERR_clear_error();
	BIO_free(b);
	if (certs != NULL && sk_X509_num(certs) == 0) {
		sk_X509_free(certs);
		certs = NULL;
		errno = EINVAL;
	} else if (certs == NULL) {
		errno = ENOMEM;
	}
	return certs;
}

EVP_PKEY *
tls_read_key(const char *path)
{
	EVP_PKEY *k;
	BIO *b = BIO_new_file(path, "re");

	if (b == NULL) {
		if (errno == 0)
			errno = ENOENT;
		return NULL;
	}
	k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	if (k == NULL) {
		ERR_clear_error();
		errno = EINVAL;
	}
	return k;
}

/* ---- verifying: see X509_verify_cert(3) ---------------------------------- */

long
tls_verify_chain(STACK_OF(X509) *certs, const char *ca_file,
		 const char *host, int *depth)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_VERIFY_PARAM *param;
	unsigned char ip[16];
	long result = -1;

	*depth = -1;
	if (store == NULL || ctx == NULL) {
		errno = ENOMEM;
		goto out;
	}
	if (X509_STORE_load_file(store, ca_file) != 1) {
		ERR_clear_error();
		errno = EINVAL;
		goto out;
	}
	if (!X509_STORE_CTX_init(ctx, store, sk_X509_value(certs, 0), certs)) {
		errno = ENOMEM;
		goto out;
	}
	param = X509_STORE_CTX_get0_param(ctx);
	/* The purpose a TLS client checks: serverAuth; see x509(1). */
	X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
	if (host != NULL && (inet_pton(AF_INET, host, ip) == 1 ||
			     inet_pton(AF_INET6, host, ip) == 1))
		X509_VERIFY_PARAM_set1_ip_asc(param, host);
	else if (host != NULL)
		X509_VERIFY_PARAM_set1_host(param, host, 0);
	if (X509_verify_cert(ctx) == 1) {
		result = X509_V_OK;
	} else {
		result = X509_STORE_CTX_get_error(ctx);
		*depth = X509_STORE_CTX_get_error_depth(ctx);
	}
	ERR_clear_error();
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return result;
}

/* ---- describing ---------------------------------------------------------- */

/* A name as RFC 2253 writes it: "CN=localhost,O=Example". */
static json_t *
name_json(const X509_NAME *n)
{
	char buf[512];
	BIO *b = BIO_new(BIO_s_mem());
	int len;

	if (b == NULL)
		return NULL;
	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	len = BIO_read(b, buf, sizeof(buf) - 1);
	BIO_free(b);
	return json_stringn(buf, len > 0 ? (size_t)len : 0);
}

/* A time as ISO 8601 in UTC; see ASN1_TIME_to_tm(3). */
static json_t *
time_json(const ASN1_TIME *t)
{
	char buf[32];
	struct tm tm;

	if (!ASN1_TIME_to_tm(t, &tm))
		return json_string("?");
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* "DNS:localhost", "IP:127.0.0.1", "email:...", "URI:...". */
static json_t *
san_json(X509 *x)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name,
						NULL, NULL);
	json_t *arr = json_array();
	char buf[300], ip[INET6_ADDRSTRLEN];
	int i;

	for (i = 0; names != NULL && i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		const ASN1_OCTET_STRING *o = g->d.ip;

		buf[0] = '\0';
		if (g->type == GEN_DNS || g->type == GEN_EMAIL ||
		    g->type == GEN_URI)
			snprintf(buf, sizeof(buf), "%s:%.*s",
				 g->type == GEN_DNS ? "DNS" :
				 g->type == GEN_EMAIL ? "email" : "URI",
				 ASN1_STRING_length(g->d.ia5),
				 (const char *)ASN1_STRING_get0_data(g->d.ia5));
		else if (g->type == GEN_IPADD &&
			 inet_ntop(o->length == 4 ? AF_INET : AF_INET6,
				   o->data, ip, sizeof(ip)) != NULL &&
			 (o->length == 4 || o->length == 16))
			snprintf(buf, sizeof(buf), "IP:%s", ip);
		if (buf[0] != '\0')
			json_array_append_new(arr, json_string(buf));
	}
	GENERAL_NAMES_free(names);
	return arr;
}

/* "EC P-256", "RSA 2048", "ED25519". */
static json_t *
key_json(X509 *x)
{
	EVP_PKEY *k = X509_get0_pubkey(x);
	char group[64], buf[96];
	const char *nist;

	if (k == NULL)
		return json_string("?");
	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC &&
	    EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME,
					   group, sizeof(group), NULL)) {
		nist = EC_curve_nid2nist(OBJ_txt2nid(group));
		snprintf(buf, sizeof(buf), "EC %s", nist ? nist : group);
	} else if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA) {
		snprintf(buf, sizeof(buf), "RSA %d", EVP_PKEY_get_bits(k));
	} else {
		snprintf(buf, sizeof(buf), "%s", OBJ_nid2sn(
			 EVP_PKEY_get_base_id(k)));
	}
	return json_string(buf);
}

/* keyUsage and extendedKeyUsage as names; see X509_get_key_usage(3). */
static json_t *
usage_json(X509 *x)
{
	static const struct { unsigned bit; const char *name; } ku[] = {
		{ KU_DIGITAL_SIGNATURE, "digitalSignature" },
		{ KU_KEY_ENCIPHERMENT, "keyEncipherment" },
		{ KU_KEY_AGREEMENT, "keyAgreement" },
		{ KU_KEY_CERT_SIGN, "keyCertSign" },
		{ KU_CRL_SIGN, "cRLSign" },
	}, xku[] = {
		{ XKU_SSL_SERVER, "serverAuth" },
		{ XKU_SSL_CLIENT, "clientAuth" },
		{ XKU_CODE_SIGN, "codeSigning" },
	};
	json_t *arr = json_array();
	uint32_t k = X509_get_key_usage(x), xk = X509_get_extended_key_usage(x);
	size_t i;

	/* UINT32_MAX means the extension is absent: anything goes. */
	for (i = 0; k != UINT32_MAX && i < sizeof(ku) / sizeof(ku[0]); i++)
		if (k & ku[i].bit)
			json_array_append_new(arr, json_string(ku[i].name));
	for (i = 0; xk != UINT32_MAX && i < sizeof(xku) / sizeof(xku[0]); i++)
		if (xk & xku[i].bit)
			json_array_append_new(arr, json_string(xku[i].name));
	return arr;
}

const char *
tls_fingerprint(X509 *x, char *buf, size_t size)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0, i;
	size_t used = 0;

	buf[0] = '\0';
	if (!X509_digest(x, EVP_sha256(), md, &n))
		return buf;
	for (i = 0; i < n && used + 3 < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%02X",
					 i ? ":" : "", md[i]);
	return buf;
}

json_t *
tls_cert_json(X509 *x)
{
	char fp[100], *serial = NULL;
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	json_t *o;

	if (bn != NULL)
		serial = BN_bn2hex(bn);
	o = json_pack("{s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:s, s:b, s:o, s:s}",
		"subject", name_json(X509_get_subject_name(x)),
		"issuer", name_json(X509_get_issuer_name(x)),
		"serial", serial != NULL ? serial : "?",
		"san", san_json(x),
		"not_before", time_json(X509_get0_notBefore(x)),
		"not_after", time_json(X509_get0_notAfter(x)),
		"key", key_json(x),
		"signature", OBJ_nid2ln(X509_get_signature_nid(x)),
		"ca", X509_check_ca(x) > 0,
		"key_usage", usage_json(x),
		"sha256", tls_fingerprint(x, fp, sizeof(fp)));
	OPENSSL_free(serial);
	BN_free(bn);
	if (o == NULL)
		errno = ENOMEM;
	return o;
}

/* ---- making -------------------------------------------------------------- */

static EVP_PKEY *
make_key(const char *type)
{
	if (type == NULL || strcmp(type, "ec") == 0)
		return EVP_EC_gen("P-256");
	if (strcmp(type, "rsa") == 0)
		return EVP_RSA_gen(2048);
	if (strcmp(type, "ed25519") == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	errno = EINVAL;
	return NULL;
}

/* "localhost,127.0.0.1" style entries to "DNS:localhost,IP:127.0.0.1". */
static int
san_value(const char *const *san, char *buf, size_t size)
{
	unsigned char ip[16];
	size_t used = 0;
	int n;

	buf[0] = '\0';
	for (; san != NULL && *san != NULL; san++) {
		const char *s = *san;
		int typed = strncmp(s, "DNS:", 4) == 0 ||
			    strncmp(s, "IP:", 3) == 0;
		int is_ip = inet_pton(AF_INET, s, ip) == 1 ||
			    inet_pton(AF_INET6, s, ip) == 1;

		if (*s == '\0' || strchr(s, ',') != NULL)
			return errno = EINVAL, -1;
		n = snprintf(buf + used, size - used, "%s%s%s", used ? "," : "",
			     typed ? "" : is_ip ? "IP:" : "DNS:", s);
		if (n < 0 || (size_t)n >= size - used)
			return errno = EINVAL, -1;
		used += (size_t)n;
	}
	return 0;
}

/* One extension by its config text; see X509V3_EXT_conf_nid(3). */
static int
add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	int ok;

	if (e == NULL)
		return -1;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok ? 0 : -1;
}

static int
add_exts(X509 *x, X509 *issuer, const struct tls_cert_req *req,
	 const char *san)
{
	X509V3_CTX ctx;
	/* Only an RSA key can encrypt a key (TLS 1.2 RSA key exchange). */
	int rsa = req->type != NULL && strcmp(req->type, "rsa") == 0;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if (add_ext(x, &ctx, NID_basic_constraints, req->ca ?
		    "critical,CA:TRUE,pathlen:0" : "critical,CA:FALSE") < 0 ||
	    add_ext(x, &ctx, NID_key_usage, req->ca ?
		    "critical,keyCertSign,cRLSign,digitalSignature" : rsa ?
		    "critical,digitalSignature,keyEncipherment" :
		    "critical,digitalSignature") < 0 ||
	    add_ext(x, &ctx, NID_subject_key_identifier, "hash") < 0)
		return -1;
	if (!req->ca && add_ext(x, &ctx, NID_ext_key_usage,
				"serverAuth,clientAuth") < 0)
		return -1;
	if (issuer != x &&
	    add_ext(x, &ctx, NID_authority_key_identifier, "keyid") < 0)
		return -1;
	if (san[0] != '\0' && add_ext(x, &ctx, NID_subject_alt_name, san) < 0)
		return -1;
	return 0;
}

/* A random positive 64-bit serial, as RFC 5280 section 4.1.2.2 wants. */
static int
set_serial(X509 *x)
{
	unsigned char r[8];
	BIGNUM *bn;
	int ok;

	if (RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	r[0] &= 0x7f;
	bn = BN_bin2bn(r, sizeof(r), NULL);
	ok = bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	return ok ? 0 : -1;
}

int
tls_cert_make(const struct tls_cert_req *req, EVP_PKEY **keyp, X509 **xp)
{
	EVP_PKEY *key, *signer;
	X509 *x = NULL, *issuer;
	X509_NAME *name;
	char san[1024];
	int id;

	if (san_value(req->san, san, sizeof(san)) < 0)
		return -1;
	key = make_key(req->type);
	if (key == NULL) {
		if (errno != EINVAL)
			errno = EPROTO;
		return -1;
	}
	x = X509_new();
	if (x == NULL || !X509_set_version(x, X509_VERSION_3) ||
	    set_serial(x) < 0 || !X509_set_pubkey(x, key))
		goto fail;
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_time_adj_ex(X509_getm_notAfter(x), (int)req->days, 0, NULL);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
				   (const unsigned char *)req->cn, -1, -1, 0);
	issuer = req->issuer != NULL ? req->issuer : x;
	signer = req->issuer_key != NULL ? req->issuer_key : key;
	if (!X509_set_issuer_name(x, X509_get_subject_name(issuer)) ||
	    add_exts(x, issuer, req, san) < 0)
		goto fail;
	/* Ed25519 signs the message itself: no separate digest. */
	id = EVP_PKEY_get_base_id(signer);
	if (!X509_sign(x, signer, id == EVP_PKEY_ED25519 ? NULL : EVP_sha256()))
		goto fail;
	*keyp = key;
	*xp = x;
	return 0;
fail:
	X509_free(x);
	EVP_PKEY_free(key);
	errno = EPROTO;
	return -1;
}

/* ---- writing ------------------------------------------------------------- */

/* PEM into a file made with mode; the key's mode is set before a byte. */
static int
write_pem(const char *path, mode_t mode, EVP_PKEY *key, X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int fd, ok, err;

	if (b == NULL)
		return errno = ENOMEM, -1;
	ok = key != NULL ? PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0,
						     NULL, NULL) :
	     PEM_write_bio_X509(b, x);
	n = BIO_get_mem_data(b, &data);
	/* O_TRUNC keeps an old file's mode, so a key file is replaced. */
	if (key != NULL)
		sys_unlink(path);
	fd = ok ? sys_open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			   mode) : -1;
	if (fd < 0 || out_write_all(fd, data, (size_t)n) < 0) {
		err = ok ? errno : EPROTO;
		if (fd >= 0)
			sys_close(fd);
		BIO_free(b);
		return errno = err, -1;
	}
	BIO_free(b);
	return sys_close(fd);
}

int
tls_write_key(const char *path, EVP_PKEY *key)
{
	return write_pem(path, 0600, key, NULL);
}

int
tls_write_cert(const char *path, X509 *x)
{
	return write_pem(path, 0644, NULL, x);
}
