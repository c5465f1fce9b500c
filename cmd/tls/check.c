/*
 * check.c - `ipc tls check`: the ssl chapter's "testing for SSL support".
 * Which OpenSSL this is, what it loads, which protocol versions a context
 * allows unless told otherwise, and whether the CA store can be read:
 * the first things to look at when verification fails everywhere.
 */
#include <errno.h>

#include "tls/tls_cmd.h"

static struct {
	int json;
} o;

static const struct opt check_opts[] = {
	OPT_FLAG(0, "json", &o.json, "one JSON object"),
	OPT_STOP
};

static void
print_store(const char *label, json_t *e)
{
	printf("%-16s %s (%s, %s)\n", label,
	       json_string_value(json_object_get(e, "path")),
	       json_is_true(json_object_get(e, "readable")) ? "readable" :
	       "NOT readable",
	       json_string_value(json_object_get(e, "set_by")));
}

static int
run_check(struct cli *cli)
{
	json_t *c = tls_check(), *v;
	json_int_t n;
	size_t i;

	if (c == NULL)
		return fail(cli, NULL, errno, NULL);
	if (o.json) {
		out_json_line(stdout, c);
		json_decref(c);
		return 0;
	}
	printf("%-16s %s\n", "openssl", json_string_value(json_object_get(c,
	       "version")));
	printf("%-16s %s\n", "directory", json_string_value(json_object_get(c,
	       "openssl_dir")));
	printf("%-16s ", "providers");
	json_array_foreach(json_object_get(c, "providers"), i, v)
		printf("%s%s", i ? ", " : "", json_string_value(v));
	printf("\n%-16s %s .. %s (security level %lld)\n", "openssl default",
	       json_string_value(json_object_get(c, "default_min")),
	       json_string_value(json_object_get(c, "default_max")),
	       (long long)json_integer_value(json_object_get(c,
	       "security_level")));
	printf("%-16s TLSv1.2 .. TLSv1.3 (--min-version lowers it)\n",
	       "ipc default");
	print_store("CA file", json_object_get(c, "ca_file"));
	print_store("CA directory", json_object_get(c, "ca_dir"));
	n = json_integer_value(json_object_get(c, "ca_certificates"));
	printf("%-16s %lld loaded\n", "CA certificates", (long long)n);
	json_decref(c);
	if (n > 0)
		return 0;
	out_errorf(cli->prog, "the CA store holds no certificate: every "
		   "verification against it will fail");
	out_hint("install the ca-certificates package, or set SSL_CERT_FILE "
		 "or SSL_CERT_DIR, or pass --ca to connect");
	return EX_UNAVAIL_;
}

const struct verb tls_check_verb = {
	.name = "check",
	.summary = "which OpenSSL, its providers, default versions and CA store",
	.usage = "",
	.description =
		"Prints the OpenSSL version and directory, the providers "
		"loaded, the protocol versions a context allows by default "
		"(and those ipc uses), where the CA file and directory are "
		"(SSL_CERT_FILE and SSL_CERT_DIR change them) and how many CA "
		"certificates load from them.  Exits 69 when none does, since "
		"then no certificate can verify.",
	.examples = (const char *const[]){
		"ipc tls check\tis TLS usable here?",
		"SSL_CERT_FILE=/tmp/ca.pem ipc tls check\twhat a changed store "
		"gives",
		"ipc tls check --json\tthe same as one JSON object",
		NULL },
	.opts = check_opts,
	.min_args = 0, .max_args = 0,
	.run = run_check,
};
