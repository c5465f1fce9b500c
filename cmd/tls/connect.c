/*
 * connect.c - `ipc tls connect HOST:PORT`: openssl s_client that refuses
 * to be unsafe.  Connect (as `ipc sock connect` does), run the handshake
 * under poll(2) with the chain and the host name checked, print a summary,
 * then relay stdio through TLS with the relay of `sock connect`.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "net.h"
#include "sys.h"
#include "tls/tls_cmd.h"

/* How long --reconnect waits for the server's session ticket. */
#define TICKET_WAIT	2.0

static struct {
	struct tls_opts t;
	struct relay_cfg cfg;
	const char *servername, *sess_in, *sess_out;
	int insecure, reconnect, show_certs;
	double timeout;
} o;

static const struct opt connect_opts[] = {
	OPT_STR_C(0, "ca", &o.t.ca, "FILE|DIR",
		  "trust these CAs instead of the system store", "@file"),
	OPT_STR_C(0, "servername", &o.servername, "NAME",
		  "the name sent in SNI and checked in the certificate "
		  "(default: HOST)", "@host"),
	OPT_FLAG('k', "insecure", &o.insecure,
		 "do not verify the certificate or the name (a warning says "
		 "so)"),
	TLS_PROTO_OPTS(o.t),
	OPT_STR_C(0, "sess-out", &o.sess_out, "FILE",
		  "save the session at the end, to resume it later", "@file"),
	OPT_STR_C(0, "sess-in", &o.sess_in, "FILE",
		  "offer this saved session (resumption)", "@file"),
	OPT_FLAG(0, "reconnect", &o.reconnect,
		 "connect, take the session, connect again offering it, and "
		 "say whether it was resumed"),
	OPT_FLAG(0, "show-certs", &o.show_certs,
		 "print the peer's certificate chain on stderr"),
	OPT_SECS('t', "timeout", &o.timeout,
		 "give up connecting or handshaking after S seconds"),
	OPT_SECS('i', "idle-timeout", &o.cfg.idle_timeout,
		 "end (exit 75) after S seconds with no data either way"),
	OPT_FLAG('C', "crlf", &o.cfg.crlf,
		 "send each newline from stdin as CR LF"),
	OPT_FLAG('x', "hex", &o.cfg.hex,
		 "print a hexdump of each chunk both ways on stdout instead "
		 "of the data"),
	OPT_FLAG(0, "recv-only", &o.cfg.recv_only,
		 "only print what arrives; never read stdin"),
	OPT_STOP
};

/* One TCP connection to the first address of a that answers. */
static int
tcp_connect(const struct cli *cli, const struct net_addr *a, int *fdp,
	    char *name, size_t size)
{
	struct addrinfo *res, *ai;
	int rc, fd = -1, err = 0;

	rc = net_resolve(a, 0, &res);
	if (rc != 0)
		return fail_gai(cli, a->host, rc);
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		net_format(ai->ai_addr, ai->ai_addrlen, name, size);
		fd = net_socket(ai, 0);
		if (fd >= 0 && net_connect_timeout(fd, ai->ai_addr,
			ai->ai_addrlen, o.timeout > 0 ? o.timeout : -1) < 0) {
			err = errno;
			sys_close(fd);
			fd = -1;
			if (ai->ai_next != NULL)
				out_error(cli->prog, name, err);
		} else if (fd < 0) {
			err = errno;
		}
	}
	net_freeaddrinfo(res);
	if (fd < 0)
		return fail(cli, name, err, NULL);
	*fdp = fd;
	return 0;
}

/* The chain the peer sent, leaf first. */
static void
show_chain(SSL *ssl)
{
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
	int i;

	for (i = 0; chain != NULL && i < sk_X509_num(chain); i++)
		tls_cmd_print_cert(stderr, sk_X509_value(chain, i), i, 0);
}

/*
 * Connect and handshake, offering sess if not NULL.  Returns 0 with *sslp
 * and *fdp set (fd non-blocking), or the reported exit status.
 */
static int
open_tls(const struct cli *cli, SSL_CTX *ctx, const struct net_addr *a,
	 SSL_SESSION *sess, SSL **sslp, int *fdp, char *name, size_t size)
{
	const char *check = o.servername != NULL ? o.servername : a->host;
	SSL *ssl;
	int rc, fd = -1;

	if ((rc = tcp_connect(cli, a, &fd, name, size)) != 0)
		return rc;
	ssl = tls_new(ctx, fd, check, o.servername);
	if (ssl == NULL) {
		rc = fail(cli, "SSL_new", errno, NULL);
		sys_close(fd);
		return rc;
	}
	if (sess != NULL)
		SSL_set_session(ssl, sess);
	if (net_set_nonblock(fd, 1) < 0 ||
	    tls_handshake(ssl, fd, o.timeout > 0 ? o.timeout : -1) < 0) {
		rc = tls_cmd_handshake_fail(cli, ssl, name, errno);
		SSL_free(ssl);
		sys_close(fd);
		return rc;
	}
	*sslp = ssl;
	*fdp = fd;
	return 0;
}

/* Wait (bounded) for a session ticket: TLS 1.3 sends it after the handshake. */
static SSL_SESSION *
await_ticket(SSL *ssl, int fd)
{
	long long deadline = clock_deadline(TICKET_WAIT);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	SSL_SESSION *s;
	char buf[4096];
	int n;

	while ((s = tls_session_take()) == NULL) {
		n = sys_SSL_read(ssl, buf, sizeof(buf));
		if (n > 0) {
			out_write_peer(STDOUT_FILENO, buf, (size_t)n);
			continue;
		}
		if (sys_SSL_get_error(ssl, n) != SSL_ERROR_WANT_READ ||
		    sys_poll(&pfd, 1, clock_ms_until(deadline)) <= 0)
			break;
	}
	return s;
}

static void
close_tls(SSL *ssl, int fd)
{
	/* One close_notify; we do not wait for the peer's. */
	sys_SSL_shutdown(ssl);
	SSL_free(ssl);
	sys_close(fd);
}

/* --reconnect: the first connection only fetches a session. */
static int
first_visit(const struct cli *cli, SSL_CTX *ctx, const struct net_addr *a,
	    SSL_SESSION **sess)
{
	char name[256];
	SSL *ssl;
	int fd, rc;

	if ((rc = open_tls(cli, ctx, a, NULL, &ssl, &fd, name,
			   sizeof(name))) != 0)
		return rc;
	fprintf(stderr, "first connection to %s: %s\n", name,
		SSL_get_version(ssl));
	*sess = await_ticket(ssl, fd);
	close_tls(ssl, fd);
	if (*sess == NULL)
		out_warn(cli->prog, "the server gave no session to resume "
			 "within %gs", TICKET_WAIT);
	return 0;
}

static int
relay_tls(const struct cli *cli, SSL *ssl, int fd, const char *name)
{
	struct tls_conn c = { .ssl = ssl };
	struct relay_sock s = { .fd = fd, .type = SOCK_STREAM, .name = name,
				.io = &tls_relay_io, .ctx = &c };
	const char *hint;
	int rc, stdin_done = 0;

	if (relay_catch_signals() < 0)
		rc = fail(cli, "signals", errno, NULL);
	else
		rc = relay_run(cli, &s, &o.cfg, &stdin_done);
	relay_release_signals();
	if (c.reason[0] != '\0') {
		hint = tls_reason_hint(c.reason);
		out_errorf(cli->prog, "%s: TLS alert from the peer: %s", name,
			   c.reason);
		out_hint("%s", hint != NULL ? hint : "--trace shows the alert "
			 "and what came before it");
		rc = EX_PROTOCOL_;
	} else if (rc == 0 && c.truncated) {
		out_errorf(cli->prog, "%s: the connection ended without "
			   "close_notify: what arrived may be cut short "
			   "(truncation)", name);
		out_hint("a TLS peer says close_notify before it closes; "
			 "without it an attacker could have cut the stream");
		rc = EX_PROTOCOL_;
	}
	return rc;
}

/* Save the newest session for --sess-out. */
static int
save_session(const struct cli *cli, SSL *ssl)
{
	SSL_SESSION *s = tls_session_take();

	if (s == NULL)
		s = SSL_get1_session(ssl);
	if (s == NULL || !SSL_SESSION_is_resumable(s)) {
		SSL_SESSION_free(s);
		out_warn(cli->prog, "--sess-out: the server gave no session "
			 "to save");
		return 0;
	}
	if (tls_session_write(o.sess_out, s) < 0) {
		SSL_SESSION_free(s);
		return fail(cli, o.sess_out, errno, NULL);
	}
	SSL_SESSION_free(s);
	return 0;
}

static int
session(const struct cli *cli, SSL_CTX *ctx, const struct net_addr *a)
{
	SSL_SESSION *sess = NULL;
	char name[256], local[256];
	SSL *ssl;
	int fd, rc;

	if (o.sess_in != NULL && (sess = tls_session_read(o.sess_in)) == NULL)
		return fail(cli, o.sess_in, errno, errno == EINVAL ?
			    "that file holds no session: make one with "
			    "--sess-out" : NULL);
	if (o.reconnect && (rc = first_visit(cli, ctx, a, &sess)) != 0)
		return rc;
	rc = open_tls(cli, ctx, a, sess, &ssl, &fd, name, sizeof(name));
	if (rc != 0)
		goto out;
	fprintf(stderr, "connected to %s from %s\n", name,
		net_local(fd, local, sizeof(local)));
	tls_cmd_summary(stderr, ssl, !o.insecure);
	if (sess != NULL)
		fprintf(stderr, "tls: the offered session was %s\n",
			SSL_session_reused(ssl) ? "resumed: no certificate, "
			"no key exchange with signatures" : "not resumed: a "
			"full handshake");
	if (o.show_certs)
		show_chain(ssl);
	rc = relay_tls(cli, ssl, fd, name);
	if (rc == 0 && o.sess_out != NULL)
		rc = save_session(cli, ssl);
	SSL_free(ssl);
	sys_close(fd);
out:
	SSL_SESSION_free(sess);
	return rc;
}

static int
run_connect(struct cli *cli)
{
	struct net_addr a;
	const char *why;
	SSL_CTX *ctx;
	int rc;

	if (net_parse_addr(cli->argv[0], cli->argc > 1 ? cli->argv[1] : NULL,
			   0, &a, &why) < 0)
		return usage_error(cli, "%s: %s", cli->argv[0], why);
	if (a.family == AF_UNIX || a.socktype != SOCK_STREAM || a.port[0] == '\0')
		return usage_error(cli, "%s: TLS needs a TCP HOST:PORT",
				   cli->argv[0]);
	if (o.insecure && o.t.ca != NULL)
		return usage_error(cli, "--insecure and --ca exclude each other");
	if ((o.t.cert == NULL) != (o.t.key == NULL))
		return usage_error(cli, "--cert and --key go together");
	o.t.verify = !o.insecure;
	if ((rc = tls_cmd_ignore_sigpipe(cli)) != 0 ||
	    (rc = tls_cmd_ctx(cli, 0, &o.t, &ctx)) != 0)
		return rc;
	if (o.insecure)
		out_warn(cli->prog, "--insecure: the certificate and the name "
			 "are NOT checked; anyone in the path could be the "
			 "peer");
	rc = session(cli, ctx, &a);
	tls_cleanup();
	SSL_CTX_free(ctx);
	return rc;
}

const struct verb tls_connect_verb = {
	.name = "connect",
	.summary = "connect with TLS, verify the peer, relay stdin and stdout",
	.usage = "HOST:PORT",
	.description =
		"Connects over TCP, then runs the TLS handshake under poll(2) "
		"(SSL_connect until it stops asking for SSL_ERROR_WANT_READ "
		"or WANT_WRITE).  The peer's chain is checked against the "
		"system CA store, or --ca, and its name against HOST (or "
		"--servername) with SSL_set1_host.  Any failure exits 76 "
		"with OpenSSL's reason in plain words: self-signed, unknown "
		"issuer, expired, host name mismatch, wrong key usage.  "
		"--insecure skips the checks and says so.  TLS 1.2 is the "
		"lowest version offered unless --min-version lowers it.\n\n"
		"After the handshake two lines on stderr sum it up: "
		"protocol, cipher, group, ALPN, whether the session was "
		"resumed, and the verification result with the chain depth.  "
		"Then stdin and stdout are relayed through TLS exactly as "
		"'ipc sock connect' relays a socket: at the end of stdin we "
		"send close_notify and shut down the write side.  A peer "
		"that closes without close_notify is reported as truncation "
		"(exit 76).\n\n"
		"--trace shows every handshake message (ClientHello, "
		"ServerHello, EncryptedExtensions, Certificate, "
		"CertificateVerify, Finished, NewSessionTicket, alerts) "
		"with a note, the handshake states, and SSL_read/SSL_write "
		"with their SSL_ERROR_* outcomes.\n\n"
		"Exit status: 0 after a clean session, 64 for a bad option, "
		"66 for an unreadable file, 68 for an unknown host, 69 when "
		"refused, 74 for an I/O error, 75 for a timeout, 76 for a "
		"TLS failure, 128+N after signal N.",
	.examples = (const char *const[]){
		"ipc tls connect example.org:443\tverify, summarise, then "
		"type a request",
		"printf 'HEAD / HTTP/1.0\\r\\n\\r\\n' | ipc tls connect "
		"example.org:443\tsend a request, print the answer",
		"ipc tls connect --ca ca.pem localhost:8443\ttrust your own CA",
		"ipc tls connect --trace localhost:8443 </dev/null\tsee "
		"every handshake message",
		"ipc tls connect --alpn h2,http/1.1 example.org:443 "
		"</dev/null\tnegotiate an application protocol",
		"ipc tls connect --reconnect example.org:443 </dev/null\tis "
		"the session resumed?",
		"ipc tls connect --show-certs --insecure localhost:8443 "
		"</dev/null\tlook at a chain without trusting it",
		NULL },
	.opts = connect_opts,
	.min_args = 1, .max_args = 2,
	.args_hint = "@host",
	.run = run_connect,
};
