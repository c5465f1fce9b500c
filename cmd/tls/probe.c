/*
 * probe.c - `ipc tls probe HOST:PORT`: which protocol versions and
 * cipher suites a server accepts, found the only way there is: one
 * handshake per candidate, each offering exactly one version (and then one
 * suite), each bounded by --timeout.  Nothing is verified: a probe looks
 * at what the server agrees to, not at whom it is.
 */
#include <errno.h>

#include <openssl/err.h>

#include "net.h"
#include "sys.h"
#include "tls/tls_cmd.h"

#define PROBE_TIMEOUT	5.0	/* seconds per attempt unless --timeout */

static struct {
	double timeout;
	int json, suites;
} o;

static const struct opt probe_opts[] = {
	OPT_SECS('t', "timeout", &o.timeout,
		 "give each attempt at most S seconds (default 5)"),
	OPT_FLAG(0, "suites", &o.suites,
		 "also try each cipher suite of each accepted version"),
	OPT_FLAG(0, "json", &o.json, "one JSON object per attempt"),
	OPT_STOP
};

/*
 * One handshake offering one version (and, if suite is set, one suite).
 * Returns 1 accepted, 0 refused (why says how), or -1 with errno when
 * the server could not be reached at all.
 */
static int
attempt(const struct addrinfo *ai, int version, const char *suite,
	char *why, size_t size)
{
	struct tls_opts t = { .min_version = tls_version_name(version),
			      .max_version = tls_version_name(version) };
	const char *bad;
	SSL_CTX *ctx;
	SSL *ssl = NULL;
	int fd, ok = -1, err;

	if (suite != NULL && version == TLS1_3_VERSION)
		t.ciphersuites = suite;
	else if (suite != NULL)
		t.ciphers = suite;
	why[0] = '\0';
	if ((ctx = tls_ctx_new(0, &t, &bad)) == NULL) {
		snprintf(why, size, "not in this OpenSSL");
		ERR_clear_error();
		return 0;
	}
	fd = net_socket(ai, 0);
	if (fd >= 0 && net_connect_timeout(fd, ai->ai_addr, ai->ai_addrlen,
					   o.timeout > 0 ? o.timeout :
					   PROBE_TIMEOUT) == 0 &&
	    net_set_nonblock(fd, 1) == 0 &&
	    (ssl = tls_new(ctx, fd, NULL, NULL)) != NULL) {
		ok = tls_handshake(ssl, fd, o.timeout > 0 ? o.timeout :
				   PROBE_TIMEOUT) == 0;
		if (!ok)
			snprintf(why, size, "%s", errno == ETIMEDOUT ?
				 "timed out" : tls_error_reason(why, size)[0] ?
				 why : "closed by the server");
		if (ok)
			sys_SSL_shutdown(ssl);
	}
	err = errno;
	SSL_free(ssl);
	if (fd >= 0)
		sys_close(fd);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	errno = err;
	return ok;
}

static void
add_row(json_t *rows, int version, const char *suite, int ok,
	const char *why)
{
	json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s}",
		"version", tls_version_name(version),
		"suite", suite != NULL ? suite : "(any)",
		"result", ok ? "accepted" : "refused", "why", why));
}

/* Every suite this OpenSSL has for version, one at a time. */
static int
probe_suites(const struct cli *cli, const struct addrinfo *ai, int version,
	     json_t *rows)
{
	json_t *suites = tls_ciphers(version), *s;
	char why[256];
	size_t i;
	int ok;

	json_array_foreach(suites, i, s) {
		const char *name = json_string_value(json_object_get(s, "name"));

		ok = attempt(ai, version, name, why, sizeof(why));
		if (ok < 0) {
			json_decref(suites);
			return fail(cli, "connect", errno, NULL);
		}
		add_row(rows, version, name, ok, why);
	}
	json_decref(suites);
	return 0;
}

static int
run_probe(struct cli *cli)
{
	static const struct out_col cols[] = {
		{ "version", "VERSION" }, { "suite", "SUITE" },
		{ "result", "RESULT" }, { "why", "WHY" },
	};
	static const int versions[] = { TLS1_3_VERSION, TLS1_2_VERSION,
					TLS1_1_VERSION, TLS1_VERSION };
	struct addrinfo *res;
	struct net_addr a;
	json_t *rows;
	const char *why;
	char reason[256];
	size_t i;
	int rc, ok;

	if (net_parse_addr(cli->argv[0], NULL, 0, &a, &why) < 0)
		return usage_error(cli, "%s: %s", cli->argv[0], why);
	if (a.family == AF_UNIX || a.port[0] == '\0' ||
	    a.socktype != SOCK_STREAM)
		return usage_error(cli, "%s: TLS needs a TCP HOST:PORT",
				   cli->argv[0]);
	if ((rc = tls_cmd_ignore_sigpipe(cli)) != 0)
		return rc;
	if ((rc = net_resolve(&a, 0, &res)) != 0)
		return fail_gai(cli, a.host, rc);
	rows = json_array();
	for (i = 0; i < sizeof(versions) / sizeof(versions[0]) && rc == 0;
	     i++) {
		ok = attempt(res, versions[i], NULL, reason, sizeof(reason));
		if (ok < 0) {
			rc = fail(cli, cli->argv[0], errno, NULL);
			break;
		}
		add_row(rows, versions[i], NULL, ok, reason);
		if (ok && o.suites)
			rc = probe_suites(cli, res, versions[i], rows);
	}
	if (rc == 0 && out_table(stdout, rows, cols, 4, o.json) < 0)
		rc = fail(cli, "stdout", errno, NULL);
	json_decref(rows);
	net_freeaddrinfo(res);
	return rc;
}

const struct verb tls_probe_verb = {
	.name = "probe",
	.summary = "which TLS versions and cipher suites a server accepts",
	.usage = "HOST:PORT",
	.description =
		"Makes one handshake per protocol version, newest first, "
		"each offering that version alone, and reports whether the "
		"server accepted it and, if not, OpenSSL's reason.  With "
		"--suites it then offers each cipher suite of each accepted "
		"version alone.  Every attempt is bounded by --timeout, and "
		"the number of attempts by what this OpenSSL knows.  Nothing "
		"is verified: this looks at what the server agrees to, not "
		"at whom it is ('ipc tls connect' does that).",
	.examples = (const char *const[]){
		"ipc tls probe example.org:443\twhich versions",
		"ipc tls probe --suites localhost:8443\tand which suites",
		"ipc tls probe --json --suites localhost:8443\tas JSON lines",
		NULL },
	.opts = probe_opts,
	.min_args = 1, .max_args = 1,
	.args_hint = "@host",
	.run = run_probe,
};
