/*
 * cert.c - `ipc tls cert SUBCOMMAND`: the certificate workbench.
 *
 *   new     a key and a self-signed certificate (EC P-256, RSA or Ed25519)
 *   ca      a small CA: the same, with CA:TRUE and keyCertSign
 *   sign    a key and a leaf certificate issued by that CA: a chain
 *   show    a chain from a PEM file or from a server, readably or as JSON
 *   verify  whether a chain verifies against a CA, and why not
 *
 * Keys are written with mode 0600 before a byte of them is; certificates
 * are public (0644).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net.h"
#include "sys.h"
#include "tls/tls_cmd.h"

static struct {
	const char *type, *cn, *out, *ca, *ca_key, *host;
	struct strlist san;
	long days;
	int json;
} o;

static const struct opt cert_opts[] = {
	OPT_ONEOF(0, "type", &o.type, "TYPE", "ec|rsa|ed25519",
		  "new, ca, sign: the key: EC P-256 (default), RSA 2048 or "
		  "Ed25519"),
	OPT_STR(0, "cn", &o.cn, "NAME",
		"new, ca, sign: the subject's common name (default localhost, "
		"or 'ipc demo CA')"),
	OPT_MANY(0, "san", &o.san, "NAME",
		 "new, sign: a subject alternative name, DNS or IP "
		 "(repeatable; default localhost and 127.0.0.1)"),
	OPT_NUM(0, "days", &o.days, "N",
		"new, ca, sign: valid for N days from now (default 30)"),
	OPT_STR_C(0, "out", &o.out, "DIR",
		  "new, ca, sign: where to write the files (default .)", "@file"),
	OPT_STR_C(0, "ca", &o.ca, "FILE",
		  "sign: the issuing CA's certificate; verify: the trusted CA",
		  "@file"),
	OPT_STR_C(0, "ca-key", &o.ca_key, "FILE",
		  "sign: the issuing CA's key (default: --ca with .key for .pem)",
		  "@file"),
	OPT_STR_C(0, "host", &o.host, "NAME",
		  "verify: also check the certificate is for this name", "@host"),
	OPT_FLAG(0, "json", &o.json, "show: one JSON object per certificate"),
	OPT_STOP
};

#define MAX_SAN	32	/* --san entries, at most */

/* A sub-command: its name, how many arguments follow, what runs it. */
struct sub {
	const char *name;
	int min, max;		/* arguments after the sub-command */
	int makes;		/* new, ca, sign: the making options apply */
	int (*run)(const struct cli *cli);
};

/* ---- making -------------------------------------------------------------- */

/* "DIR/NAME", or a usage error's status when it does not fit. */
static int
out_path(const struct cli *cli, char *buf, size_t size, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", o.out ? o.out : ".", name);

	if (n < 0 || (size_t)n >= size)
		return usage_error(cli, "--out %s: too long", o.out);
	return 0;
}

/* Write NAME.pem and NAME.key into --out, then show the certificate. */
static int
write_pair(const struct cli *cli, const char *name, EVP_PKEY *key, X509 *x)
{
	char cert_path[4096], key_path[4096], file[64];
	int rc;

	snprintf(file, sizeof(file), "%s.pem", name);
	if ((rc = out_path(cli, cert_path, sizeof(cert_path), file)) != 0)
		return rc;
	snprintf(file, sizeof(file), "%s.key", name);
	if ((rc = out_path(cli, key_path, sizeof(key_path), file)) != 0)
		return rc;
	if (tls_write_key(key_path, key) < 0)
		return fail(cli, key_path, errno, NULL);
	if (tls_write_cert(cert_path, x) < 0)
		return fail(cli, cert_path, errno, NULL);
	fprintf(stderr, "wrote %s, and the key %s (mode 0600)\n", cert_path,
		key_path);
	tls_cmd_print_cert(stdout, x, -1, 0);
	return 0;
}

/* Make and write a certificate: self-signed, or issued by a CA. */
static int
make(const struct cli *cli, const char *name, int ca, EVP_PKEY *ikey,
     X509 *issuer)
{
	static const char *const dflt_san[] = { "localhost", "127.0.0.1",
						NULL };
	const char *san[MAX_SAN + 1] = { NULL };
	struct tls_cert_req req = {
		.type = o.type, .days = o.days > 0 ? o.days : 30, .ca = ca,
		.issuer_key = ikey, .issuer = issuer,
		.cn = o.cn ? o.cn : ca ? "ipc demo CA" : "localhost",
		.san = ca ? NULL : o.san.n > 0 ? san : dflt_san,
	};
	EVP_PKEY *key;
	X509 *x;
	int rc;

	if (o.san.n > 0 && ca)
		return usage_error(cli, "--san is for certificates of servers, "
				   "not of a CA");
	if (o.san.n > MAX_SAN)
		return usage_error(cli, "--san: at most %d names", MAX_SAN);
	/* The list ends with NULL, as tls_cert_make wants. */
	if (o.san.n > 0)
		memcpy(san, o.san.v, o.san.n * sizeof(*san));
	if (tls_cert_make(&req, &key, &x) < 0)
		return errno == EINVAL ? usage_error(cli, "--san: a DNS name "
			"or an IP address, without commas") :
		       fail(cli, "making the certificate", errno, NULL);
	rc = write_pair(cli, name, key, x);
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

static int
cert_new(const struct cli *cli)
{
	return make(cli, "cert", 0, NULL, NULL);
}

static int
cert_ca(const struct cli *cli)
{
	return make(cli, "ca", 1, NULL, NULL);
}

/* --ca-key, or --ca with its .pem turned into .key. */
static const char *
ca_key_path(char *buf, size_t size)
{
	size_t n = strlen(o.ca);

	if (o.ca_key != NULL)
		return o.ca_key;
	if (n > 4 && strcmp(o.ca + n - 4, ".pem") == 0)
		snprintf(buf, size, "%.*s.key", (int)(n - 4), o.ca);
	else
		snprintf(buf, size, "%s.key", o.ca);
	return buf;
}

static int
cert_sign(const struct cli *cli)
{
	STACK_OF(X509) *ca;
	EVP_PKEY *ikey;
	char kp[4096];
	int rc;

	if (o.ca == NULL)
		return usage_error(cli, "sign needs --ca FILE (make one with "
				   "'ipc tls cert ca')");
	if ((ca = tls_read_certs(o.ca)) == NULL)
		return fail(cli, o.ca, errno, errno == EINVAL ?
			    "that file holds no PEM certificate" : NULL);
	if ((ikey = tls_read_key(ca_key_path(kp, sizeof(kp)))) == NULL) {
		rc = fail(cli, ca_key_path(kp, sizeof(kp)), errno,
			  errno == EINVAL ? "that file holds no PEM private key"
			  : "name the CA's key with --ca-key FILE");
	} else if (X509_check_private_key(sk_X509_value(ca, 0), ikey) != 1) {
		rc = usage_error(cli, "the key %s does not belong to --ca %s",
				 kp, o.ca);
	} else {
		rc = make(cli, cli->argc > 1 ? cli->argv[1] : "leaf", 0, ikey,
			  sk_X509_value(ca, 0));
	}
	EVP_PKEY_free(ikey);
	sk_X509_pop_free(ca, X509_free);
	return rc;
}

/* ---- looking ------------------------------------------------------------- */

/* The chain a server sends, fetched without trusting it. */
static int
fetch_chain(const struct cli *cli, const char *arg, STACK_OF(X509) **out)
{
	struct tls_opts t = { .verify = 0 };
	struct addrinfo *res;
	STACK_OF(X509) *chain;
	struct net_addr a;
	const char *why;
	SSL_CTX *ctx;
	SSL *ssl = NULL;
	int rc, fd = -1, i;

	if (net_parse_addr(arg, NULL, 0, &a, &why) < 0 || a.port[0] == '\0' ||
	    a.family == AF_UNIX)
		return usage_error(cli, "%s: neither a readable file nor "
				   "HOST:PORT", arg);
	if ((rc = tls_cmd_ctx(cli, 0, &t, &ctx)) != 0)
		return rc;
	if ((rc = net_resolve(&a, 0, &res)) != 0) {
		SSL_CTX_free(ctx);
		return fail_gai(cli, a.host, rc);
	}
	fd = net_socket(res, 0);
	if (fd < 0 || net_connect_timeout(fd, res->ai_addr, res->ai_addrlen,
					  10) < 0 || net_set_nonblock(fd, 1) < 0)
		rc = fail(cli, arg, errno, NULL);
	else if ((ssl = tls_new(ctx, fd, a.host, NULL)) == NULL)
		rc = fail(cli, "SSL_new", errno, NULL);
	else if (tls_handshake(ssl, fd, 10) < 0)
		rc = tls_cmd_handshake_fail(cli, ssl, arg, errno);
	if (rc == 0) {
		chain = SSL_get_peer_cert_chain(ssl);
		*out = sk_X509_new_null();
		for (i = 0; chain != NULL && i < sk_X509_num(chain); i++)
			if (X509_up_ref(sk_X509_value(chain, i)))
				sk_X509_push(*out, sk_X509_value(chain, i));
		sys_SSL_shutdown(ssl);
	}
	SSL_free(ssl);
	if (fd >= 0)
		sys_close(fd);
	net_freeaddrinfo(res);
	SSL_CTX_free(ctx);
	return rc;
}

/* Certificates from FILE, or from HOST:PORT when no such file exists. */
static int
load_chain(const struct cli *cli, const char *arg, STACK_OF(X509) **out)
{
	if (access(arg, F_OK) != 0 && strchr(arg, ':') != NULL)
		return fetch_chain(cli, arg, out);
	if ((*out = tls_read_certs(arg)) == NULL)
		return fail(cli, arg, errno, errno == EINVAL ?
			    "that file holds no PEM certificate" : NULL);
	return 0;
}

static int
cert_show(const struct cli *cli)
{
	STACK_OF(X509) *chain;
	int rc, i;

	if ((rc = load_chain(cli, cli->argv[1], &chain)) != 0)
		return rc;
	for (i = 0; i < sk_X509_num(chain); i++)
		tls_cmd_print_cert(stdout, sk_X509_value(chain, i),
				   sk_X509_num(chain) > 1 ? i : -1, o.json);
	sk_X509_pop_free(chain, X509_free);
	return 0;
}

static int
cert_verify(const struct cli *cli)
{
	STACK_OF(X509) *chain;
	struct tls_verify_text t;
	long result;
	int rc, depth;

	if (o.ca == NULL)
		return usage_error(cli, "verify needs --ca FILE: the CA to "
				   "trust");
	if ((rc = load_chain(cli, cli->argv[1], &chain)) != 0)
		return rc;
	result = tls_verify_chain(chain, o.ca, o.host, &depth);
	sk_X509_pop_free(chain, X509_free);
	if (result < 0)
		return fail(cli, o.ca, errno, errno == EINVAL ?
			    "that file holds no PEM certificate" : NULL);
	if (result == X509_V_OK) {
		printf("ok: %s verifies against %s%s%s\n", cli->argv[1], o.ca,
		       o.host ? " for " : "", o.host ? o.host : "");
		return 0;
	}
	t = tls_verify_explain(result);
	out_errorf(cli->prog, "%s: does not verify: %s (depth %d, "
		   "X509_V_ERR %ld)", cli->argv[1], t.what, depth, result);
	out_hint("%s", t.hint);
	return EX_PROTOCOL_;
}

/* ---- the verb ------------------------------------------------------------ */

static const struct sub subs[] = {
	{ "new", 0, 0, 1, cert_new },
	{ "ca", 0, 0, 1, cert_ca },
	{ "sign", 0, 1, 1, cert_sign },
	{ "show", 1, 1, 0, cert_show },
	{ "verify", 1, 1, 0, cert_verify },
};

/* An option given to a sub-command it means nothing to. */
static const char *
stray_option(const struct sub *sub)
{
	if (!sub->makes && (o.type || o.cn || o.san.n || o.days || o.out))
		return "--type, --cn, --san, --days and --out";
	if (o.json && sub->run != cert_show)
		return "--json";
	if (o.host && sub->run != cert_verify)
		return "--host";
	if ((o.ca || o.ca_key) && sub->run != cert_sign &&
	    sub->run != cert_verify)
		return "--ca and --ca-key";
	return NULL;
}

static int
run_cert(struct cli *cli)
{
	const struct sub *sub;
	const char *stray;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(cli->argv[0], subs[i].name) == 0)
			break;
	if (i == sizeof(subs) / sizeof(subs[0]))
		return usage_error(cli, "%s: not a sub-command (new, ca, sign, "
				   "show or verify)", cli->argv[0]);
	sub = &subs[i];
	if (cli->argc - 1 < sub->min || cli->argc - 1 > sub->max)
		return usage_error(cli, "%s takes %s", sub->name,
				   sub->max == 0 ? "no argument" :
				   sub->min == 0 ? "at most a NAME" :
				   "one FILE or HOST:PORT");
	if ((stray = stray_option(sub)) != NULL)
		return usage_error(cli, "%s: not for %s", stray, sub->name);
	if (o.days < 0 || o.days > 36500)
		return usage_error(cli, "--days: from 1 to 36500");
	if (o.out != NULL && sys_mkdir(o.out, 0755) < 0 && errno != EEXIST)
		return fail(cli, o.out, errno, NULL);
	rc = sub->run(cli);
	strlist_clear(&o.san);
	return rc;
}

const struct verb tls_cert_verb = {
	.name = "cert",
	.summary = "make, sign, show and verify certificates",
	.usage = "new|ca|sign [NAME]|show FILE|HOST:PORT|verify FILE|HOST:PORT",
	.description =
		"new makes a key and a self-signed certificate for a server "
		"(cert.pem, cert.key): EC P-256 unless --type says rsa or "
		"ed25519, for the names --san gives (localhost and 127.0.0.1 "
		"by default).  ca makes a small CA (ca.pem, ca.key), and "
		"sign issues a leaf from it (NAME.pem, NAME.key; NAME "
		"defaults to leaf): that is a chain, as servers on the "
		"Internet have.  Keys are written with mode 0600.\n\n"
		"show prints each certificate in a PEM file, or those a "
		"server sends (HOST:PORT, fetched without trusting them): "
		"subject, issuer, SAN, validity, key, signature, usage and "
		"SHA-256 fingerprint; --json gives one object per line.  "
		"verify says whether a chain verifies against --ca for a "
		"TLS server, and --host checks the name too; exit 76 and "
		"the reason in plain words when it does not.",
	.examples = (const char *const[]){
		"ipc tls cert new --out /tmp/srv\ta key and a self-signed "
		"certificate for localhost",
		"ipc tls cert ca --out /tmp/pki && ipc tls cert sign --ca "
		"/tmp/pki/ca.pem --out /tmp/pki server\ta CA, then a server "
		"certificate from it",
		"ipc tls cert show /tmp/pki/server.pem\tread a certificate",
		"ipc tls cert show --json example.org:443\ta server's chain "
		"as JSON",
		"ipc tls cert verify /tmp/pki/server.pem --ca /tmp/pki/ca.pem "
		"--host localhost\tdoes it verify, and why not",
		NULL },
	.opts = cert_opts,
	.min_args = 1, .max_args = 2,
	.args_hint = "@file",
	.run = run_cert,
};
