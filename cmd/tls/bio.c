/*
 * bio.c - `ipc tls bio`: the memory-BIO section of the ssl chapter made
 * visible.  A client and a server SSL object live in this one process and
 * shake hands with no socket at all: each reads from one memory BIO and
 * writes to another (see BIO_s_mem(3) and SSL_set_bio(3)), and this loop
 * carries the bytes across, one flight at a time.  Between flights each
 * side says what it waits for: SSL_ERROR_WANT_READ means "give me bytes",
 * which is all non-blocking TLS ever asks of a socket.  This is how TLS
 * runs over anything: asyncio's SSLProtocol, QUIC stacks, test harnesses.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "sys.h"
#include "tls/tls_cmd.h"

#define MAX_FLIGHTS	16	/* a handshake takes 3 to 5: a bound */
#define NAMES_SIZE	512	/* the message names of one flight */

static struct {
	struct tls_opts t;
	int step;
} o;

static const struct opt bio_opts[] = {
	OPT_STR(0, "min-version", &o.t.min_version, "V",
		"lowest TLS version: 1.2 (the default) or 1.3"),
	OPT_STR(0, "max-version", &o.t.max_version, "V",
		"highest TLS version: 1.2 shows the older, longer handshake"),
	OPT_FLAG(0, "step", &o.step, "wait for Enter before each flight"),
	OPT_STOP
};

/* One side: its SSL, the BIO it reads from and the BIO it writes to. */
struct side {
	const char *name;
	SSL *ssl;
	BIO *in, *out;
	char names[NAMES_SIZE];	/* messages written since the last flight */
	int server, done;
};

/*
 * Collect the name of each message a side writes; SSL_set_msg_callback(3).
 * This callback replaces the tracing one, so it traces each message too:
 * that is what `ipc tui` draws as the handshake's ladder.
 */
static void
on_msg(int write_p, int version, int content_type, const void *buf,
       size_t len, SSL *ssl, void *arg)
{
	struct side *s = arg;
	const char *name = tls_msg_name(content_type, buf, len);
	size_t used = strlen(s->names);

	tls_trace_msg(write_p, content_type, buf, len, ssl);
	if (!write_p || name == NULL)
		return;
	snprintf(s->names + used, sizeof(s->names) - used, "%s%s",
		 used ? ", " : "", name);
}

static int
side_init(struct side *s, const char *name, SSL_CTX *ctx, int server)
{
	s->name = name;
	s->ssl = SSL_new(ctx);
	s->in = BIO_new(BIO_s_mem());
	s->out = BIO_new(BIO_s_mem());
	if (s->ssl == NULL || s->in == NULL || s->out == NULL)
		return -1;
	/* The SSL owns both BIOs from here on. */
	SSL_set_bio(s->ssl, s->in, s->out);
	s->server = server;
	tls_trace_attach(s->ssl);
	SSL_set_msg_callback(s->ssl, on_msg);
	SSL_set_msg_callback_arg(s->ssl, s);
	if (server)
		SSL_set_accept_state(s->ssl);
	else
		SSL_set_connect_state(s->ssl);
	return 0;
}

/*
 * Run one side until it stops; say what it waits for.  SSL_connect(3) and
 * SSL_accept(3) are SSL_do_handshake(3) for a side whose role is set (so
 * the output names that); their wrappers trace each turn, and under
 * `ipc tui` each turn is a step.
 */
static int
side_turn(const struct cli *cli, struct side *s)
{
	char reason[256];
	int ret, code;

	if (s->done)
		return 0;
	ret = s->server ? sys_SSL_accept(s->ssl) : sys_SSL_connect(s->ssl);
	if (ret == 1) {
		s->done = 1;
		printf("  %s: handshake done: %s, %s\n", s->name,
		       SSL_get_version(s->ssl), SSL_get_cipher_name(s->ssl));
		return 0;
	}
	code = sys_SSL_get_error(s->ssl, ret);
	if (code == SSL_ERROR_WANT_READ) {
		printf("  %s: SSL_do_handshake = %d, SSL_ERROR_WANT_READ: it "
		       "needs the other side's bytes to go on\n", s->name, ret);
		return 0;
	}
	out_errorf(cli->prog, "%s: handshake failed: %s", s->name,
		   tls_error_reason(reason, sizeof(reason)));
	out_hint("--min-version and --max-version must leave a version "
		 "in common");
	return EX_PROTOCOL_;
}

/* --step: wait for a line on stdin (Enter); EOF goes on. */
static void
wait_enter(void)
{
	char c;

	fprintf(stderr, "[Enter for the next flight] ");
	fflush(stdout);
	while (sys_read(STDIN_FILENO, &c, 1) == 1 && c != '\n')
		;
}

/* Move what from wrote into to's input: one flight, numbered by *n. */
static void
carry(struct side *from, struct side *to, int *n)
{
	char buf[4096];
	long total = 0;
	int got;

	if (BIO_pending(from->out) == 0)
		return;
	if (o.step)
		wait_enter();
	while ((got = BIO_read(from->out, buf, sizeof(buf))) > 0) {
		BIO_write(to->in, buf, got);
		total += got;
	}
	printf("flight %d: %s -> %s, %ld bytes: %s\n", ++*n, from->name,
	       to->name, total, from->names[0] ? from->names :
	       "application data");
	from->names[0] = '\0';
}

/* After its handshake the client reads what still comes: tickets. */
static void
client_read(struct side *c)
{
	char b[1];

	if (!c->done || BIO_pending(c->in) == 0)
		return;
	if (sys_SSL_read(c->ssl, b, 1) <= 0 &&
	    sys_SSL_get_error(c->ssl, -1) == SSL_ERROR_WANT_READ)
		printf("  client: SSL_read = -1, SSL_ERROR_WANT_READ: it took "
		       "the session tickets; no data yet\n");
}

static int
handshake(const struct cli *cli, struct side *c, struct side *s, int *n)
{
	int turns = 0, rc;

	printf("client and server: two SSL objects, four memory BIOs, no "
	       "socket\n");
	while (!c->done || !s->done || BIO_pending(s->out) > 0) {
		if (++turns > MAX_FLIGHTS)
			return fail(cli, "handshake", ELOOP, NULL);
		if ((rc = side_turn(cli, c)) != 0)
			return rc;
		carry(c, s, n);
		if ((rc = side_turn(cli, s)) != 0)
			return rc;
		carry(s, c, n);
		client_read(c);
	}
	return 0;
}

/* One record each way, to show application data is just more bytes. */
static int
exchange(struct side *c, struct side *s, int *n)
{
	static const char msg[] = "hello over memory";
	char buf[64];
	int got;

	sys_SSL_write(c->ssl, msg, (int)strlen(msg));
	carry(c, s, n);
	got = sys_SSL_read(s->ssl, buf, sizeof(buf) - 1);
	if (got <= 0)
		return -1;
	buf[got] = '\0';
	printf("  server: SSL_read = %d: \"%s\"\n", got, buf);
	return 0;
}

static int
run_bio(struct cli *cli)
{
	struct side c = { 0 }, s = { 0 };
	SSL_CTX *cctx = NULL, *sctx = NULL;
	static const char *const san[] = { "localhost", NULL };
	struct tls_cert_req req = { .cn = "localhost", .san = san, .days = 1 };
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	int rc, n = 0;

	o.t.verify = 0;
	if ((rc = tls_cmd_ctx(cli, 0, &o.t, &cctx)) != 0 ||
	    (rc = tls_cmd_ctx(cli, 1, &o.t, &sctx)) != 0)
		goto out;
	if (tls_cert_make(&req, &key, &x) < 0 ||
	    !SSL_CTX_use_certificate(sctx, x) ||
	    !SSL_CTX_use_PrivateKey(sctx, key) ||
	    side_init(&c, "client", cctx, 0) < 0 ||
	    side_init(&s, "server", sctx, 1) < 0) {
		rc = fail(cli, "setting up", errno ? errno : ENOMEM, NULL);
		goto out;
	}
	rc = handshake(cli, &c, &s, &n);
	if (rc == 0 && exchange(&c, &s, &n) < 0)
		rc = fail(cli, "SSL_read", EPROTO, NULL);
out:
	SSL_free(c.ssl);
	SSL_free(s.ssl);
	X509_free(x);
	EVP_PKEY_free(key);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	return rc;
}

const struct verb tls_bio_verb = {
	.name = "bio",
	.summary = "a TLS handshake through memory BIOs, flight by flight, no "
		   "socket",
	.usage = "",
	.description =
		"A client and a server SSL object in this process shake hands "
		"through memory BIOs: each writes into one buffer and reads "
		"from another, and this command carries the bytes across.  "
		"Each flight is printed as it moves: which side sent it, how "
		"many bytes, and which messages it holds, then what each "
		"side waits for (SSL_ERROR_WANT_READ).  Last, one record of "
		"application data goes across.  The server uses an "
		"ephemeral certificate and the client does not verify it: "
		"the point is the flow of bytes.\n\n"
		"--max-version 1.2 shows the older handshake with its extra "
		"round trip; --step waits for Enter before each flight.",
	.examples = (const char *const[]){
		"ipc tls bio\tthe TLS 1.3 handshake in flights",
		"ipc tls bio --max-version 1.2\tthe TLS 1.2 one, a round "
		"trip longer",
		"ipc tls bio --step\tone flight per Enter",
		NULL },
	.opts = bio_opts,
	.min_args = 0, .max_args = 0,
	.run = run_bio,
};
