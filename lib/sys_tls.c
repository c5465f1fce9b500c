/*
 * sys_tls.c - the OpenSSL calls that move a TLS connection, traced like
 * system calls: SSL_connect, SSL_accept, SSL_read, SSL_write and
 * SSL_shutdown.
 *
 * They are not system calls, but each one is where a TLS program meets
 * the socket, and its outcome is what the learner must handle: a count, or
 * <= 0 with an SSL_get_error(3) code.  SSL_ERROR_WANT_READ and
 * SSL_ERROR_WANT_WRITE are not failures: on a non-blocking socket they say
 * which poll(2) event to wait for before calling again.  So each event
 * carries that code ("ssl_error") and a note saying what to do.
 *
 * Every wrapper sets errno to 0 first: SSL_ERROR_SYSCALL with errno 0 is
 * the peer's EOF, so errno must not hold an old value (SSL_get_error(3)).
 *
 * --inject works as for any call (--inject SSL_read=ECONNRESET): the call
 * is not made and returns -1 with errno set, and sys_SSL_get_error() then
 * answers SSL_ERROR_SYSCALL, which is how a real socket error looks.
 */
#include <errno.h>
#include <limits.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "sys_impl.h"

/* The last wrapped call was injected: see sys_SSL_get_error(). */
static _Thread_local int ssl_injected;

static const struct sym ssl_errors[] = {
	SYM(SSL_ERROR_NONE), SYM(SSL_ERROR_SSL), SYM(SSL_ERROR_WANT_READ),
	SYM(SSL_ERROR_WANT_WRITE), SYM(SSL_ERROR_WANT_X509_LOOKUP),
	SYM(SSL_ERROR_SYSCALL), SYM(SSL_ERROR_ZERO_RETURN),
	SYM(SSL_ERROR_WANT_CONNECT), SYM(SSL_ERROR_WANT_ACCEPT), SYM_END
};

/* What a wrapped call does, for its notes. */
enum ssl_op { OP_HANDSHAKE, OP_READ, OP_WRITE, OP_SHUTDOWN };

/* What an outcome means; see SSL_get_error(3). */
static const char *
ssl_note(enum ssl_op op, int code, int ret, int err)
{
	switch (code) {
	case SSL_ERROR_NONE:
		if (op == OP_READ)
			return "decrypted application data from one or more "
			       "records";
		if (op == OP_WRITE)
			return "encrypted into records and handed to the "
			       "socket";
		if (op == OP_SHUTDOWN)
			return ret == 1 ? "close_notify sent and received: "
			       "the TLS session ended cleanly" :
			       "close_notify sent; the peer's may follow";
		return "handshake complete: keys agreed, peer checked";
	case SSL_ERROR_WANT_READ:
		return "WANT_READ: not a failure; a record is incomplete, so "
		       "poll for POLLIN and call again";
	case SSL_ERROR_WANT_WRITE:
		return "WANT_WRITE: not a failure; the socket is full, so "
		       "poll for POLLOUT and call again";
	case SSL_ERROR_ZERO_RETURN:
		return "the peer sent close_notify: a clean end of its data";
	case SSL_ERROR_SYSCALL:
		return err != 0 ? "the socket failed underneath TLS (see "
		       "errno)" : "EOF without close_notify: the data may "
		       "have been cut short (truncation)";
	case SSL_ERROR_SSL:
		return "a TLS protocol failure (bad record, alert, or a "
		       "verification failure); the connection is unusable";
	default:
		return "see SSL_get_error(3)";
	}
}

/*
 * The end of the slow path every wrapper shares: record the outcome of
 * the call (ret) with its SSL_get_error() code and note, and trace it.
 */
static int
ssl_end(struct rec *r, enum ssl_op op, SSL *ssl, int ret)
{
	char name[32];
	int code;

	r->err = errno;
	/* SSL_shutdown returns 0 for "sent, not yet received": no error. */
	if (ret > 0 || (op == OP_SHUTDOWN && ret == 0))
		code = SSL_ERROR_NONE;
	else
		code = SSL_get_error(ssl, ret);
	rec_str(r, "ssl_error", sym_name(ssl_errors, code, name,
					 sizeof(name)));
	r->note = ssl_note(op, code, ret, r->err);
	rec_end(r, ret);
	return ret;
}

/* The entry of the slow path; 1 when --inject decided the outcome. */
static int
ssl_start(struct rec *r, const char *call, SSL *ssl)
{
	rec_start(r, call, SSL_get_fd(ssl));
	ssl_injected = rec_injected(r);
	return ssl_injected;
}

int
sys_SSL_connect(SSL *ssl)
{
	struct rec r;

	ssl_injected = 0;
	errno = 0;
	if (!sys_watch)
		return SSL_connect(ssl);
	if (ssl_start(&r, "SSL_connect", ssl))
		return rec_fail(&r);
	return ssl_end(&r, OP_HANDSHAKE, ssl, SSL_connect(ssl));
}

int
sys_SSL_accept(SSL *ssl)
{
	struct rec r;

	ssl_injected = 0;
	errno = 0;
	if (!sys_watch)
		return SSL_accept(ssl);
	if (ssl_start(&r, "SSL_accept", ssl))
		return rec_fail(&r);
	return ssl_end(&r, OP_HANDSHAKE, ssl, SSL_accept(ssl));
}

int
sys_SSL_read(SSL *ssl, void *buf, int num)
{
	struct rec r;

	ssl_injected = 0;
	errno = 0;
	if (!sys_watch)
		return SSL_read(ssl, buf, num);
	if (ssl_start(&r, "SSL_read", ssl))
		return rec_fail(&r);
	rec_int(&r, "num", num);
	return ssl_end(&r, OP_READ, ssl, SSL_read(ssl, buf, num));
}

int
sys_SSL_write(SSL *ssl, const void *buf, int num)
{
	struct rec r;

	ssl_injected = 0;
	errno = 0;
	if (!sys_watch)
		return SSL_write(ssl, buf, num);
	if (ssl_start(&r, "SSL_write", ssl))
		return rec_fail(&r);
	rec_int(&r, "num", num);
	return ssl_end(&r, OP_WRITE, ssl, SSL_write(ssl, buf, num));
}

int
sys_SSL_shutdown(SSL *ssl)
{
	struct rec r;

	ssl_injected = 0;
	errno = 0;
	if (!sys_watch)
		return SSL_shutdown(ssl);
	if (ssl_start(&r, "SSL_shutdown", ssl))
		return rec_fail(&r);
	return ssl_end(&r, OP_SHUTDOWN, ssl, SSL_shutdown(ssl));
}

int
sys_SSL_get_error(const SSL *ssl, int ret)
{
	if (ssl_injected)
		return SSL_ERROR_SYSCALL;
	return SSL_get_error(ssl, ret);
}
