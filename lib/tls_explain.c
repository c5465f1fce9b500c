/*
 * tls_explain.c - TLS in words: each handshake message as a trace event
 * with a one-line note (the msg callback), each state change (the info
 * callback), the reasons OpenSSL gives for a failed handshake with a hint,
 * and certificate verification results in plain words.
 */
#include "tls.h"

#include <stdio.h>
#include <string.h>

#include <openssl/x509_vfy.h>

#include "trace.h"

/* ---- the trace of the handshake ------------------------------------------ */

/* Handshake message types; see RFC 8446 section 4 and RFC 5246 section 7.4. */
static const struct {
	int type;
	const char *name, *note;
} hs_msgs[] = {
	{ 1, "ClientHello", "the client's offer: versions, cipher suites, "
	  "groups with key shares, SNI, ALPN" },
	{ 2, "ServerHello", "the server's choice: version, cipher suite and "
	  "its key share; from here on the handshake is encrypted (TLS 1.3)" },
	{ 4, "NewSessionTicket", "a ticket the client may present later to "
	  "resume without a full handshake" },
	{ 5, "EndOfEarlyData", "the end of 0-RTT data" },
	{ 8, "EncryptedExtensions", "the server's answers that need no "
	  "key: ALPN, server name acknowledged" },
	{ 11, "Certificate", "the certificate chain, leaf first, that the "
	  "other side will verify" },
	{ 12, "ServerKeyExchange", "the server's (EC)DHE key share, signed "
	  "(TLS 1.2)" },
	{ 13, "CertificateRequest", "the server asks the client for a "
	  "certificate" },
	{ 14, "ServerHelloDone", "the server's first flight is over (TLS 1.2)" },
	{ 15, "CertificateVerify", "a signature over the handshake so far: "
	  "proof of holding the certificate's private key" },
	{ 16, "ClientKeyExchange", "the client's key share (TLS 1.2)" },
	{ 20, "Finished", "a MAC over the whole handshake: nothing was "
	  "tampered with" },
	{ 24, "KeyUpdate", "new traffic keys from here on" },
};

const char *
tls_msg_name(int content_type, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	if (content_type == SSL3_RT_CHANGE_CIPHER_SPEC)
		return "ChangeCipherSpec";
	if (content_type == SSL3_RT_ALERT)
		return "Alert";
	if (content_type != SSL3_RT_HANDSHAKE || len == 0)
		return NULL;
	for (i = 0; i < sizeof(hs_msgs) / sizeof(hs_msgs[0]); i++)
		if (hs_msgs[i].type == p[0])
			return hs_msgs[i].name;
	return "handshake";
}

/*
 * "side" says which end wrote the event, so a reader can draw the message
 * as client -> server or server -> client; SSL_is_server(3).
 */
static void
trace_msg(const SSL *ssl, int dir, const char *name, const char *note,
	  size_t len)
{
	struct trace_arg args[4] = {
		TARG_S("tls", name),
		TARG_S("dir", dir ? "sent" : "received"),
		TARG_I("bytes", len),
		TARG_S("side", SSL_is_server(ssl) ? "server" : "client"),
	};

	trace_event("state", note, args, 4);
}

void
tls_trace_msg(int write_p, int content_type, const void *buf, size_t len,
	      const SSL *ssl)
{
	const unsigned char *p = buf;
	char alert[160];
	size_t i;

	if (content_type == SSL3_RT_HANDSHAKE && len > 0) {
		for (i = 0; i < sizeof(hs_msgs) / sizeof(hs_msgs[0]); i++)
			if (hs_msgs[i].type == p[0])
				break;
		if (i < sizeof(hs_msgs) / sizeof(hs_msgs[0]))
			trace_msg(ssl, write_p, hs_msgs[i].name,
				  hs_msgs[i].note, len);
		else
			trace_msg(ssl, write_p, "handshake", "a handshake "
				  "message of another type", len);
	} else if (content_type == SSL3_RT_ALERT && len == 2) {
		snprintf(alert, sizeof(alert), "%s alert: %s",
			 p[0] == 2 ? "fatal" : "warning",
			 SSL_alert_desc_string_long(p[1]));
		trace_msg(ssl, write_p, "Alert", alert, len);
	} else if (content_type == SSL3_RT_CHANGE_CIPHER_SPEC) {
		trace_msg(ssl, write_p, "ChangeCipherSpec", "switch to the new "
			  "keys (in TLS 1.3 only for middlebox compatibility)",
			  len);
	}
}

/* One event per TLS message; see SSL_CTX_set_msg_callback(3). */
static void
on_msg(int write_p, int version, int content_type, const void *buf,
       size_t len, SSL *ssl, void *arg)
{
	tls_trace_msg(write_p, content_type, buf, len, ssl);
}

/* State changes; see SSL_CTX_set_info_callback(3). */
static void
on_info(const SSL *ssl, int where, int ret)
{
	if (where & SSL_CB_HANDSHAKE_START)
		trace_state("tls: handshake starts");
	else if (where & SSL_CB_HANDSHAKE_DONE)
		trace_state("tls: handshake done: %s, %s",
			    SSL_get_version(ssl), SSL_get_cipher_name(ssl));
	else if (where & SSL_CB_LOOP)
		trace_state("tls: %s", SSL_state_string_long(ssl));
}

void
tls_trace_attach(SSL *ssl)
{
	SSL_set_msg_callback(ssl, on_msg);
	SSL_set_info_callback(ssl, on_info);
}

/* Reasons OpenSSL gives for a failed handshake, and what they mean. */
static const struct {
	const char *reason, *hint;
} reason_hints[] = {
	{ "wrong version number", "the peer does not answer in TLS: a "
	  "plain-text service on that port, or a version we do not speak" },
	{ "unsupported protocol", "the peer offers only versions below our "
	  "floor (TLS 1.2); --min-version lowers it if you really must" },
	{ "tlsv1 alert protocol version", "the peer refused every version "
	  "we offered (see --min-version and --max-version)" },
	{ "no protocols available", "--min-version and --max-version leave "
	  "no version this OpenSSL may use" },
	{ "tlsv1 alert no application protocol", "no ALPN protocol in "
	  "common: offer one the server accepts with --alpn" },
	{ "sslv3 alert handshake failure", "no cipher suite, group or "
	  "signature algorithm in common (see --ciphers, --groups)" },
	{ "no shared cipher", "no cipher suite in common (see --ciphers and "
	  "--ciphersuites)" },
	{ "tlsv13 alert certificate required", "the server wants a client "
	  "certificate: pass --cert and --key" },
	{ "peer did not return a certificate", "the client sent no "
	  "certificate, and this server requires one" },
	{ "unexpected eof while reading", "the peer closed the connection "
	  "in the middle of the handshake" },
	{ "http request", "that is an HTTP client speaking plain text to a "
	  "TLS port" },
	{ "packet length too long", "the bytes are not TLS records" },
	{ "record layer failure", "the bytes are not TLS records" },
};

const char *
tls_reason_hint(const char *reason)
{
	size_t i;

	for (i = 0; i < sizeof(reason_hints) / sizeof(reason_hints[0]); i++)
		if (strcmp(reason, reason_hints[i].reason) == 0)
			return reason_hints[i].hint;
	return NULL;
}

/* ---- verification in plain words ----------------------------------------- */

static const struct {
	long result;
	struct tls_verify_text text;
} verify_texts[] = {
	{ X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, {
	  "self-signed certificate",
	  "the server signed its own certificate, so nothing vouches for it; "
	  "if you trust it, pass it with --ca FILE, or use --insecure to look "
	  "without verifying" } },
	{ X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, {
	  "self-signed certificate in the chain (an untrusted root)",
	  "the chain ends in a root that is not in the CA store; pass that "
	  "root with --ca FILE if you trust it" } },
	{ X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, {
	  "unknown issuer: no CA in the store signed this certificate",
	  "the issuing CA is not in the store: pass it with --ca FILE, or "
	  "the server should send its intermediate certificates too" } },
	{ X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, {
	  "unknown issuer: the issuer's certificate is missing",
	  "pass the issuing CA with --ca FILE" } },
	{ X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, {
	  "unknown issuer: cannot check the first certificate's signature",
	  "the server sent no chain that leads to a CA you trust; pass the "
	  "CA with --ca FILE" } },
	{ X509_V_ERR_CERT_HAS_EXPIRED, {
	  "certificate has expired",
	  "its validity ended (see 'ipc tls cert show HOST:PORT'); check "
	  "this machine's clock, or the server must renew it" } },
	{ X509_V_ERR_CERT_NOT_YET_VALID, {
	  "certificate is not yet valid",
	  "its validity starts in the future: check this machine's clock" } },
	{ X509_V_ERR_HOSTNAME_MISMATCH, {
	  "host name mismatch: the certificate is for another name",
	  "connect by a name the certificate lists (see 'ipc tls cert show "
	  "HOST:PORT'), or name it with --servername" } },
	{ X509_V_ERR_IP_ADDRESS_MISMATCH, {
	  "IP address mismatch: the certificate does not list this address",
	  "connect by a name the certificate lists, or use --servername" } },
	{ X509_V_ERR_INVALID_PURPOSE, {
	  "wrong key usage: the certificate is not for this purpose",
	  "a server certificate needs extendedKeyUsage serverAuth (and a "
	  "keyUsage allowing signatures); reissue it" } },
	{ X509_V_ERR_KEYUSAGE_NO_CERTSIGN, {
	  "wrong key usage: the issuer may not sign certificates",
	  "the CA certificate needs keyUsage keyCertSign" } },
	{ X509_V_ERR_INVALID_CA, {
	  "an issuer in the chain is not a CA",
	  "the issuing certificate needs basicConstraints CA:TRUE" } },
	{ X509_V_ERR_CERT_REVOKED, {
	  "certificate revoked", "the issuer withdrew it; do not trust it" } },
	{ X509_V_ERR_CERT_SIGNATURE_FAILURE, {
	  "certificate signature does not verify",
	  "the certificate was altered or signed by another key" } },
	{ X509_V_ERR_EE_KEY_TOO_SMALL, {
	  "the certificate's key is too small for the security level",
	  "use a key of 2048 bits (RSA) or an EC key" } },
	{ X509_V_ERR_CA_MD_TOO_WEAK, {
	  "the certificate is signed with a weak hash (MD5 or SHA-1)",
	  "reissue it with SHA-256" } },
};

struct tls_verify_text
tls_verify_explain(long result)
{
	static struct tls_verify_text other = {
		NULL, "see X509_STORE_CTX_get_error(3) and verify(1); "
		"--insecure looks without verifying" };
	size_t i;

	for (i = 0; i < sizeof(verify_texts) / sizeof(verify_texts[0]); i++)
		if (verify_texts[i].result == result)
			return verify_texts[i].text;
	other.what = X509_verify_cert_error_string(result);
	return other;
}
