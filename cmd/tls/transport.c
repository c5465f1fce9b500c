/*
 * transport.c - TLS as a transport for the relay (relay.h): SSL_read,
 * SSL_write and SSL_shutdown on a non-blocking socket.
 *
 * Two things differ from a plain socket, and both are the point of the
 * "non-blocking TLS" section of Python's ssl chapter:
 *   - A read may need to write and a write may need to read (a key
 *     update, a session ticket, a renegotiation in TLS 1.2).  OpenSSL says
 *     so with SSL_ERROR_WANT_WRITE from SSL_read or SSL_ERROR_WANT_READ
 *     from SSL_write, and the poll set must ask for that event, not the
 *     obvious one, before the call is retried.
 *   - SSL_read decrypts a whole record but may hand over only part of it;
 *     the rest waits inside OpenSSL (SSL_pending), where poll(2) cannot
 *     see it.  The relay reads it without waiting.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>

#include <openssl/err.h>

#include "sys.h"
#include "tls/tls_cmd.h"

/* The event to wait for after SSL_ERROR_WANT_*, or 0 for anything else. */
static short
wanted(int code)
{
	return code == SSL_ERROR_WANT_READ ? POLLIN :
	       code == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
}

static int
clamp(size_t n)
{
	return n > INT_MAX ? INT_MAX : (int)n;
}

/*
 * Map a failed call to the relay's terms: -1 with EAGAIN to retry,
 * 0 for the end of the stream, -1 with errno for a failure.
 */
static ssize_t
outcome(struct tls_conn *c, int ret, short *wants)
{
	int code = sys_SSL_get_error(c->ssl, ret), err = errno;
	unsigned long e = ERR_peek_error();

	*wants = wanted(code);
	if (*wants != 0)
		return errno = EAGAIN, -1;
	if (code == SSL_ERROR_ZERO_RETURN)
		return 0;
	/* OpenSSL 3 reports a bare EOF as this reason; see SSL_get_error(3). */
	if ((code == SSL_ERROR_SYSCALL && err == 0) ||
	    (code == SSL_ERROR_SSL &&
	     ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
		ERR_clear_error();
		c->truncated = 1;
		return 0;
	}
	if (code == SSL_ERROR_SYSCALL)
		return errno = err, -1;
	/* An alert or a bad record: keep OpenSSL's reason for the report. */
	tls_error_reason(c->reason, sizeof(c->reason));
	return errno = EPROTO, -1;
}

static ssize_t
tls_recv(const struct relay_sock *s, void *buf, size_t n,
	 struct sockaddr_storage *from, socklen_t *fromlen)
{
	struct tls_conn *c = s->ctx;
	int ret = sys_SSL_read(c->ssl, buf, clamp(n));

	if (ret > 0) {
		c->rd_wants = 0;
		return ret;
	}
	return outcome(c, ret, &c->rd_wants);
}

static ssize_t
tls_send(const struct relay_sock *s, const void *buf, size_t n,
	 const struct sockaddr_storage *to, socklen_t tolen)
{
	struct tls_conn *c = s->ctx;
	int ret = sys_SSL_write(c->ssl, buf, clamp(n));

	if (ret > 0) {
		c->wr_wants = 0;
		return ret;
	}
	/* A write never meets the end of the stream: the peer reset. */
	return outcome(c, ret, &c->wr_wants) == 0 ? (errno = EPIPE, -1) : -1;
}

/*
 * close_notify, then FIN: the peer learns our data is complete (not cut
 * short) and can still answer; TLS 1.3 allows this half-close.
 */
static int
tls_shut_wr(const struct relay_sock *s)
{
	struct tls_conn *c = s->ctx;
	int ret;

	if (!c->shut) {
		ret = sys_SSL_shutdown(c->ssl);
		if (ret < 0 && outcome(c, ret, &c->wr_wants) < 0)
			return -1;
		c->shut = 1;
	}
	return sys_shutdown(s->fd, SHUT_WR);
}

static size_t
tls_pending(const struct relay_sock *s)
{
	const struct tls_conn *c = s->ctx;

	return (size_t)SSL_pending(c->ssl);
}

static short
tls_events(const struct relay_sock *s, short want)
{
	const struct tls_conn *c = s->ctx;

	if (want == POLLIN)
		return c->rd_wants ? c->rd_wants : POLLIN;
	return c->wr_wants ? c->wr_wants : POLLOUT;
}

const struct relay_io tls_relay_io = {
	.recv_call = "SSL_read", .send_call = "SSL_write",
	.recv = tls_recv, .send = tls_send, .shut_wr = tls_shut_wr,
	.pending = tls_pending, .events = tls_events,
};
