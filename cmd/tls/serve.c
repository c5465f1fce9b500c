/*
 * serve.c - `ipc tls serve ADDR`: a TLS server.  With --echo or --exec it
 * serves many clients at once from one poll(2) loop (serve_loop.c).
 * Without, each client in turn is relayed with stdio through the relay of
 * `ipc sock listen`.  This file holds the verb, the certificate, the
 * listening socket and that stdio mode.
 *
 * With no --cert and --key it makes an ephemeral self-signed EC P-256
 * certificate for localhost and 127.0.0.1, in memory, and prints its
 * SHA-256 fingerprint so a client can check it.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "clock.h"
#include "net.h"
#include "sys.h"
#include "tls/serve.h"

#define HS_TIMEOUT	10.0	/* seconds a handshake may take */
#define BACKLOG		16

static struct {
	struct tls_opts t;
	struct relay_cfg cfg;
	int echo, exec, require_client_cert, quiet;
	long max_conn, count;
	double hs_timeout;
} o;

static const struct opt serve_opts[] = {
	OPT_FLAG(0, "echo", &o.echo,
		 "send back what each client sends, many clients at once"),
	OPT_FLAG(0, "exec", &o.exec,
		 "run the command after -- for each client, its stdin and "
		 "stdout relayed through TLS (no shell)"),
	OPT_FLAG(0, "require-client-cert", &o.require_client_cert,
		 "ask each client for a certificate signed by --ca and "
		 "refuse those without"),
	OPT_STR_C(0, "ca", &o.t.ca, "FILE",
		  "the CAs client certificates must chain to", "@file"),
	TLS_PROTO_OPTS(o.t),
	OPT_NUM(0, "max-conn", &o.max_conn, "N",
		"at most N clients at once (default 64)"),
	OPT_NUM('c', "count", &o.count, "N",
		"exit after N connections have ended"),
	OPT_SECS(0, "handshake-timeout", &o.hs_timeout,
		 "close a client whose handshake takes longer (default 10)"),
	OPT_FLAG('q', "quiet", &o.quiet, "no line per connection"),
	OPT_STOP
};

/* ---- the certificate ----------------------------------------------------- */

/* The embedded default: a key and certificate made now, never written. */
static int
ephemeral_cert(const struct cli *cli, SSL_CTX *ctx)
{
	static const char *const san[] = { "DNS:localhost", "IP:127.0.0.1",
					   "IP:::1", NULL };
	struct tls_cert_req req = { .type = "ec", .cn = "localhost",
				    .san = san, .days = 1 };
	char fp[100];
	EVP_PKEY *key;
	X509 *x;
	int ok;

	if (tls_cert_make(&req, &key, &x) < 0)
		return fail(cli, "making the ephemeral certificate", errno,
			    NULL);
	ok = SSL_CTX_use_certificate(ctx, x) && SSL_CTX_use_PrivateKey(ctx, key);
	fprintf(stderr, "certificate: ephemeral, self-signed, EC P-256, for "
		"localhost 127.0.0.1 ::1, valid 1 day\n"
		"certificate sha256 %s\n", tls_fingerprint(x, fp, sizeof(fp)));
	X509_free(x);
	EVP_PKEY_free(key);
	return ok ? 0 : fail(cli, "SSL_CTX_use_certificate", EPROTO, NULL);
}

/* ---- stdio: one client at a time ----------------------------------------- */

static int
stdio_one(struct server *s, int fd, const char *peer, int *stdin_done)
{
	struct tls_conn c;
	struct relay_sock rs = { .fd = fd, .type = SOCK_STREAM, .name = peer,
				 .io = &tls_relay_io, .ctx = &c };
	char reason[256];
	int rc = 0;

	memset(&c, 0, sizeof(c));
	c.ssl = tls_new(s->ctx, fd, NULL, NULL);
	if (c.ssl == NULL)
		return fail(s->cli, "SSL_new", errno, NULL);
	if (tls_handshake(c.ssl, fd, s->hs_timeout) < 0) {
		out_errorf(s->cli->prog, "%s: TLS handshake failed: %s", peer,
			   errno == ETIMEDOUT ? "timed out" :
			   tls_error_reason(reason, sizeof(reason))[0] ?
			   reason : strerror(errno));
	} else {
		fprintf(stderr, "%s: handshake done: %s, %s\n", peer,
			SSL_get_version(c.ssl), SSL_get_cipher_name(c.ssl));
		rc = relay_run(s->cli, &rs, &o.cfg, stdin_done);
	}
	SSL_free(c.ssl);
	return rc;
}

static int
stdio_loop(struct server *s)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char peer[64];
	int fd, n, rc = 0, stdin_done = 0;

	while (!relay_signal() && (s->count <= 0 || s->ended < s->count)) {
		n = relay_wait_readable(s->lfd, 0);
		if (n < 0)
			break;
		len = sizeof(ss);
		fd = sys_accept4(s->lfd, (struct sockaddr *)&ss, &len,
				 SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			continue;
		net_format((struct sockaddr *)&ss, len, peer, sizeof(peer));
		fprintf(stderr, "connection from %s\n", peer);
		rc = stdio_one(s, fd, peer, &stdin_done);
		sys_close(fd);
		s->ended++;
	}
	return relay_signal() ? 128 + relay_signal() : rc;
}

/* ---- the verb ------------------------------------------------------------ */

static int
open_listener(const struct cli *cli, const char *arg, int *fdp)
{
	static const int one = 1;
	struct addrinfo *res;
	struct net_addr a;
	const char *why;
	char name[128];
	int rc, fd;

	if (net_parse_addr(arg, NULL, NET_PASSIVE, &a, &why) < 0)
		return usage_error(cli, "%s: %s", arg, why);
	if (a.family == AF_UNIX || a.socktype != SOCK_STREAM)
		return usage_error(cli, "%s: TLS needs a TCP address", arg);
	if ((rc = net_resolve(&a, NET_PASSIVE, &res)) != 0)
		return fail_gai(cli, arg, rc);
	fd = net_socket(res, 0);
	/* A restarted server binds at once; see socket(7) SO_REUSEADDR. */
	if (fd < 0 || sys_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
				     sizeof(one)) < 0 ||
	    sys_bind(fd, res->ai_addr, res->ai_addrlen) < 0 ||
	    sys_listen(fd, BACKLOG) < 0) {
		rc = errno;
		net_format(res->ai_addr, res->ai_addrlen, name, sizeof(name));
		net_freeaddrinfo(res);
		if (fd >= 0)
			sys_close(fd);
		return fail(cli, name, rc, NULL);
	}
	net_freeaddrinfo(res);
	*fdp = fd;
	return 0;
}

static int
check_opts(const struct cli *cli)
{
	if (o.echo && o.exec)
		return usage_error(cli, "--echo and --exec exclude each other");
	if (o.exec && cli->argc < 2)
		return usage_error(cli, "--exec needs a command: ADDR --exec "
				   "-- CMD [ARG...]");
	if (!o.exec && cli->argc > 1)
		return usage_error(cli, "unexpected argument '%s' (only --exec "
				   "takes a command)", cli->argv[1]);
	if ((o.t.cert == NULL) != (o.t.key == NULL))
		return usage_error(cli, "--cert and --key go together");
	if (o.require_client_cert && o.t.ca == NULL)
		return usage_error(cli, "--require-client-cert needs --ca FILE "
				   "(the CA that signs client certificates)");
	if (o.max_conn < 0 || o.max_conn > MAX_CLIENTS)
		return usage_error(cli, "--max-conn: from 1 to %d", MAX_CLIENTS);
	if (o.count < 0)
		return usage_error(cli, "--count: a positive number");
	return 0;
}

static int
run_serve(struct cli *cli)
{
	struct server s = { .cli = cli, .lfd = -1, .count = o.count,
			    .quiet = o.quiet,
			    .exec_argv = o.exec ? cli->argv + 1 : NULL,
			    .hs_timeout = o.hs_timeout > 0 ? o.hs_timeout :
					  HS_TIMEOUT,
			    .max = o.max_conn > 0 ? o.max_conn : MAX_CLIENTS };
	char name[128];
	int rc, i;

	if ((rc = check_opts(cli)) != 0)
		return rc;
	o.t.verify = o.require_client_cert;
	if ((rc = tls_cmd_ctx(cli, 1, &o.t, &s.ctx)) != 0)
		return rc;
	if ((rc = open_listener(cli, cli->argv[0], &s.lfd)) == 0 &&
	    (o.t.cert != NULL || (rc = ephemeral_cert(cli, s.ctx)) == 0) &&
	    (rc = tls_cmd_ignore_sigpipe(cli)) == 0) {
		if (relay_catch_signals() < 0) {
			rc = fail(cli, "signals", errno, NULL);
		} else {
			fprintf(stderr, "listening %s\n",
				net_local(s.lfd, name, sizeof(name)));
			rc = o.echo || o.exec ? tls_serve_loop(&s) :
			     stdio_loop(&s);
		}
		relay_release_signals();
	}
	for (i = 0; i < s.max; i++)
		if (s.c[i] != NULL)
			tls_serve_close(&s, i);
	if (s.lfd >= 0)
		sys_close(s.lfd);
	tls_cleanup();
	SSL_CTX_free(s.ctx);
	return rc;
}

const struct verb tls_serve_verb = {
	.name = "serve",
	.summary = "a TLS server: echo or a command for many clients at once, "
		   "or stdio",
	.usage = "ADDR [--exec -- CMD [ARG...]]",
	.description =
		"ADDR is PORT or :PORT (on 127.0.0.1), or HOST:PORT; port 0 "
		"lets the kernel choose, and the ready line 'listening ADDR' "
		"on stderr says which.\n\n"
		"With no --cert and --key an ephemeral self-signed EC P-256 "
		"certificate for localhost, 127.0.0.1 and ::1 is made in "
		"memory, and its SHA-256 fingerprint is printed: compare it "
		"with what a client sees ('ipc tls cert show "
		"127.0.0.1:PORT').  TLS 1.0 and 1.1 are refused unless "
		"--min-version lowers the floor.  --require-client-cert "
		"--ca FILE asks every client for a certificate from that CA.\n\n"
		"With --echo every client is served at once from one poll(2) "
		"loop: each connection is a small state machine moved by "
		"SSL_ERROR_WANT_READ and WANT_WRITE, never blocking the "
		"others.  With --exec each client gets its own run of the "
		"command after --, started with no shell on one end of a "
		"socketpair: what the client sends is the command's stdin, "
		"its stdout goes back over TLS, and a command that outlives "
		"its client by half a second is killed and reaped.  With "
		"neither, each client in turn is relayed with stdin and "
		"stdout, as 'ipc sock listen --keep' does.  A "
		"client that sends garbage, stalls in the handshake "
		"(--handshake-timeout) or vanishes gets one error line and a "
		"closed connection; the server goes on.\n\n"
		"Exit status: 0 after --count connections, 64 for a bad "
		"option, 66 for an unreadable file, 69 when the address is "
		"in use, 128+N after signal N.",
	.examples = (const char *const[]){
		"ipc tls serve --echo :0\techo over TLS with an ephemeral "
		"certificate",
		"ipc tls serve --echo --alpn h2,http/1.1 8443\taccept ALPN",
		"ipc tls serve --cert cert.pem --key cert.key 8443\trelay one "
		"client at a time with stdio",
		"ipc tls serve --echo --require-client-cert --ca ca.pem "
		"8443\tmutual TLS",
		"ipc tls serve :0 --exec -- tr a-z A-Z\tshout back at every "
		"client, over TLS",
		"ipc tls serve --echo --trace :0\tsee each client's "
		"handshake messages and SSL_ERROR_WANT_*",
		NULL },
	.opts = serve_opts,
	.min_args = 1, .max_args = -1,
	.args_hint = NULL,
	.run = run_serve,
};
