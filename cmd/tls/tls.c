/*
 * tls.c - `ipc tls`: the applet table.  Each verb lives in its own file in
 * this directory and exports one `const struct verb`.
 */
#include "tls/tls_cmd.h"

const struct applet tls_applet = {
	.name = "tls",
	.summary = "TLS: connect, serve and make certificates, safe by "
		   "default, every handshake message shown",
	.description =
		"TLS on OpenSSL 3, as Python's ssl module teaches it: "
		"contexts, certificate verification, SNI, ALPN, protocol "
		"versions, ciphers, sessions and non-blocking I/O.  "
		"Verification is on by default: the chain is checked against "
		"the system CA store (or --ca) and the name against the "
		"host, and any failure exits 76 with the reason in plain "
		"words.  --trace shows every handshake message with a note, "
		"and SSL_read, SSL_write and their SSL_ERROR_WANT_* outcomes "
		"beside the system calls.",
	.verbs = (const struct verb *const[]){
		&tls_connect_verb, &tls_serve_verb, &tls_cert_verb,
		&tls_check_verb, &tls_ciphers_verb, &tls_bio_verb,
		&tls_probe_verb, NULL },
};
