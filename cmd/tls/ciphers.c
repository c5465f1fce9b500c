/*
 * ciphers.c - `ipc tls ciphers`: the cipher suites this OpenSSL offers
 * at each protocol version, with a note on each: whether it gives forward
 * secrecy, and whether it is an AEAD.
 */
#include <errno.h>

#include "tls/tls_cmd.h"

static struct {
	const char *version;
	int json;
} o;

static const struct opt ciphers_opts[] = {
	OPT_STR(0, "tls-version", &o.version, "V",
		"only this version: 1.0, 1.1, 1.2 or 1.3"),
	OPT_FLAG(0, "json", &o.json, "one JSON object per suite"),
	OPT_STOP
};

static int
run_ciphers(struct cli *cli)
{
	static const struct out_col cols[] = {
		{ "version", "VERSION" }, { "name", "NAME" }, { "kx", "KX" },
		{ "auth", "AUTH" }, { "bits", "BITS" }, { "note", "NOTE" },
	};
	static const int all[] = { TLS1_3_VERSION, TLS1_2_VERSION,
				   TLS1_1_VERSION, TLS1_VERSION };
	json_t *rows = json_array(), *part;
	int only = 0, rc;
	size_t i;

	if (o.version != NULL && (only = tls_version_parse(o.version)) < 0) {
		json_decref(rows);
		return usage_error(cli, "--tls-version: use 1.0, 1.1, 1.2 or "
				   "1.3");
	}
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (only != 0 && all[i] != only)
			continue;
		part = tls_ciphers(all[i]);
		json_array_extend(rows, part);
		json_decref(part);
	}
	rc = out_table(stdout, rows, cols, 6, o.json);
	json_decref(rows);
	return rc < 0 ? fail(cli, "stdout", errno, NULL) : 0;
}

const struct verb tls_ciphers_verb = {
	.name = "ciphers",
	.summary = "the cipher suites offered per TLS version, with notes",
	.usage = "",
	.description =
		"Lists what a client context of this OpenSSL offers at each "
		"protocol version, newest first: the OpenSSL name, the key "
		"exchange and authentication, the key bits and a note.  TLS "
		"1.3 has five suites at most, all AEAD with forward secrecy; "
		"TLS 1.2 lists many more, and the notes say which to avoid.  "
		"TLS 1.0 and 1.1 are shown at security level 0, the only "
		"level that still allows them.",
	.examples = (const char *const[]){
		"ipc tls ciphers\tevery version",
		"ipc tls ciphers --tls-version 1.3\tthe TLS 1.3 suites",
		"ipc tls ciphers --json | grep -v 'forward secrecy'\tthe "
		"weak ones",
		NULL },
	.opts = ciphers_opts,
	.min_args = 0, .max_args = 0,
	.run = run_ciphers,
};
