/*
 * test_tui_model_net.c - the Sockets and TLS part of the TUI's model
 * (lib/tui_model_net.c): golden traces in, TCP states and ladder rows out.
 *
 * The fixtures are real runs, recorded with --trace-to:
 *	sock-connect.jsonl	`ipc sock connect` to a socat echo server, with
 *				"hello" on stdin: connect, send, shut down, EOF
 *	sock-refused.jsonl	`ipc sock connect --timeout 2 127.0.0.1 1`: the
 *				non-blocking connect, refused
 *	sock-serve.jsonl	`ipc sock serve 127.0.0.1:0 --echo --clients 3`:
 *				a server and the three clients it forks
 *	tls-bio.jsonl		`ipc tls bio`: both ends of a TLS 1.3 handshake
 *				in one process
 * Each is fed up to a chosen event, to check the state at that step, and
 * then to its end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tui_model.h"
#include "tui_feed.h"

#define FIXTURES	"tests/unit/fixtures/"

/*
 * Feed the lines of path until `stop` lines have gone in (all of them
 * when stop is 0).  Every line must be a schema-1 event.
 */
static struct tui_model *
feed(const char *path, int stop)
{
	struct tui_model *m = tui_model_new(1024);

	assert_non_null(m);
	assert_int_equal(feed_upto(m, path, stop == 0 ? -1 : stop), 0);
	return m;
}

/* Feed hand-written lines, one string each, NULL last. */
static void
feed_lines(struct tui_model *m, const char *const lines[])
{
	for (int i = 0; lines[i] != NULL; i++)
		assert_int_equal(tui_model_feed(m, lines[i], strlen(lines[i])),
				 0);
}

static const struct tui_conn *
conn(const struct tui_model *m, int pid, int fd)
{
	const struct tui_conn *c = tui_model_conn(m, pid, fd);

	assert_non_null(c);
	return c;
}

/* connect, send, shutdown(SHUT_WR), the echo, EOF, close. */
static void
test_connect_states(void **state)
{
	struct tui_model *m;
	const struct tui_conn *c;

	/* Line 3 is socket(2). */
	m = feed(FIXTURES "sock-connect.jsonl", 3);
	assert_int_equal(m->net.nconns, 1);
	assert_string_equal(conn(m, 21000, 4)->state, "CLOSED");
	tui_model_free(m);

	/* Then connect(2) = 0 and getsockname(2). */
	m = feed(FIXTURES "sock-connect.jsonl", 5);
	c = conn(m, 21000, 4);
	assert_string_equal(c->state, "ESTABLISHED");
	assert_string_equal(c->peer, "127.0.0.1:35661");
	assert_string_equal(c->local, "127.0.0.1:37410");
	tui_model_free(m);

	/* shutdown(SHUT_WR): our FIN is out. */
	m = feed(FIXTURES "sock-connect.jsonl", 16);
	assert_string_equal(conn(m, 21000, 4)->state, "FIN_WAIT_1");
	assert_string_equal(conn(m, 21000, 4)->last, "shutdown");
	tui_model_free(m);

	/* recv = 0 after our FIN: theirs came second, so TIME_WAIT. */
	m = feed(FIXTURES "sock-connect.jsonl", 0);
	c = conn(m, 21000, 4);
	assert_string_equal(c->state, "TIME_WAIT");
	assert_int_equal(c->closed, 1);
	assert_string_equal(c->last, "close");
	assert_string_equal(c->error, "");
	/* The pipe and stdin are not stream sockets: one row only. */
	assert_int_equal(m->net.nconns, 1);
	assert_int_equal(m->net.nladder, 0);
	tui_model_free(m);
}

/* A non-blocking connect: SYN_SENT, then SO_ERROR says ECONNREFUSED. */
static void
test_refused(void **state)
{
	struct tui_model *m;
	const struct tui_conn *c;

	m = feed(FIXTURES "sock-refused.jsonl", 6);
	c = conn(m, 21531, 4);
	assert_string_equal(c->state, "SYN_SENT");
	assert_string_equal(c->last, "connect EINPROGRESS");
	assert_string_equal(c->peer, "127.0.0.1:1");
	tui_model_free(m);

	m = feed(FIXTURES "sock-refused.jsonl", 8);
	c = conn(m, 21531, 4);
	assert_string_equal(c->state, "CLOSED");
	assert_string_equal(c->error, "ECONNREFUSED");
	tui_model_free(m);
}

/* The server, three forked clients, and both ends of each connection. */
static void
test_serve_clients(void **state)
{
	static const int clients[] = { 32414, 32415, 32416 };
	static const char *const ports[] = { "127.0.0.1:39934",
		"127.0.0.1:39944", "127.0.0.1:39946" };
	struct tui_model *m;
	const struct tui_conn *c;
	int listeners = 0;

	/* Up to getsockname(2) on the listener: LISTEN, on the real port. */
	m = feed(FIXTURES "sock-serve.jsonl", 15);
	c = conn(m, 32411, 7);
	assert_string_equal(c->state, "LISTEN");
	assert_string_equal(c->local, "127.0.0.1:34505");
	tui_model_free(m);

	m = feed(FIXTURES "sock-serve.jsonl", 0);
	/* A listener, three client sockets, three accepted: no copies left. */
	assert_int_equal(m->net.nconns, 7);
	for (int i = 0; i < m->net.nconns; i++) {
		c = &m->net.conns[i];
		assert_int_equal(c->closed, 1);
		listeners += c->fd == 7;
	}
	assert_int_equal(listeners, 1);
	assert_string_equal(conn(m, 32411, 7)->state, "CLOSED");
	for (int k = 0; k < 3; k++) {
		/* Each client shut down first: TIME_WAIT is on its side. */
		c = conn(m, clients[k], 4);
		assert_string_equal(c->state, "TIME_WAIT");
		assert_string_equal(c->peer, "127.0.0.1:34505");
		assert_string_equal(c->local, ports[k]);
	}
	/* The server read EOF, then closed: LAST_ACK. */
	for (int i = 0, k = 0; i < m->net.nconns; i++) {
		c = &m->net.conns[i];
		if (c->pid != 32411 || c->fd == 7)
			continue;
		assert_string_equal(c->state, "LAST_ACK");
		assert_string_equal(c->local, "127.0.0.1:34505");
		assert_string_equal(c->peer, ports[k++]);
	}
	tui_model_free(m);
}

/* A fork's copies: closing one sends nothing; the last close does. */
static void
test_fork_copies(void **state)
{
	static const char *const lines[] = {
		"{\"seq\":1,\"pid\":10,\"ev\":\"syscall\",\"call\":\"socket\","
		"\"args\":{\"type\":\"SOCK_STREAM\"},\"ret\":3}",
		"{\"seq\":2,\"pid\":10,\"ev\":\"syscall\",\"call\":\"listen\","
		"\"fd\":3,\"args\":{},\"ret\":0}",
		"{\"seq\":3,\"pid\":10,\"ev\":\"syscall\",\"call\":\"accept4\","
		"\"fd\":3,\"args\":{\"peer\":\"127.0.0.1:5000\"},\"ret\":4}",
		"{\"seq\":4,\"pid\":10,\"ev\":\"syscall\",\"call\":\"fork\","
		"\"args\":{},\"ret\":11}",
		/* The child lets go of the listener, the parent of the client. */
		"{\"seq\":5,\"pid\":11,\"ev\":\"syscall\",\"call\":\"close\","
		"\"fd\":3,\"args\":{},\"ret\":0}",
		"{\"seq\":5,\"pid\":10,\"ev\":\"syscall\",\"call\":\"close\","
		"\"fd\":4,\"args\":{},\"ret\":0}",
		"{\"seq\":6,\"pid\":11,\"ev\":\"syscall\",\"call\":\"read\","
		"\"fd\":4,\"args\":{},\"ret\":0}",
		NULL
	};
	static const char *const last[] = {
		"{\"seq\":7,\"pid\":11,\"ev\":\"syscall\",\"call\":\"close\","
		"\"fd\":4,\"args\":{},\"ret\":0}",
		NULL
	};
	struct tui_model *m = tui_model_new(64);
	const struct tui_conn *c;

	feed_lines(m, lines);
	/* The listener in 10 and the connection in 11, both open. */
	assert_int_equal(m->net.nconns, 2);
	assert_string_equal(conn(m, 10, 3)->state, "LISTEN");
	assert_int_equal(conn(m, 10, 3)->closed, 0);
	assert_null(tui_model_conn(m, 11, 3));
	assert_null(tui_model_conn(m, 10, 4));
	c = conn(m, 11, 4);
	assert_string_equal(c->state, "CLOSE_WAIT");
	assert_string_equal(c->peer, "127.0.0.1:5000");
	assert_int_equal(c->closed, 0);
	feed_lines(m, last);
	c = conn(m, 11, 4);
	assert_string_equal(c->state, "LAST_ACK");
	assert_int_equal(c->closed, 1);
	tui_model_free(m);
}

/* The ladder of tls bio, step by step: both ends are in the process. */
static void
test_bio_ladder(void **state)
{
	static const struct {
		const char *name;
		int to_server;
	} want[] = {
		{ "ClientHello", 1 }, { "ServerHello", 0 },
		{ "ChangeCipherSpec", 0 }, { "EncryptedExtensions", 0 },
		{ "Certificate", 0 }, { "CertificateVerify", 0 },
		{ "Finished", 0 }, { "ChangeCipherSpec", 1 },
		{ "Finished", 1 }, { "NewSessionTicket", 0 },
		{ "NewSessionTicket", 0 },
	};
	struct tui_model *m;
	const struct tui_tls_msg *t;

	/* The client's first SSL_connect: ClientHello sent, not yet read. */
	m = feed(FIXTURES "tls-bio.jsonl", 6);
	assert_int_equal(m->net.nladder, 1);
	t = &m->net.ladder[0];
	assert_string_equal(t->name, "ClientHello");
	assert_int_equal(t->to_server, 1);
	assert_int_equal(t->sent, 1);
	assert_int_equal(t->received, 0);
	assert_int_equal(t->bytes, 288);
	assert_string_equal(m->net.result, "");
	tui_model_free(m);

	/* The server's SSL_accept: it read the ClientHello, sent its flight. */
	m = feed(FIXTURES "tls-bio.jsonl", 25);
	assert_int_equal(m->net.nladder, 7);
	assert_int_equal(m->net.sides, 3);
	assert_int_equal(m->net.ladder[0].received, 1);
	for (int i = 1; i < 7; i++) {
		assert_string_equal(m->net.ladder[i].name, want[i].name);
		assert_int_equal(m->net.ladder[i].received, 0);
	}
	tui_model_free(m);

	m = feed(FIXTURES "tls-bio.jsonl", 0);
	assert_int_equal(m->net.nladder, 11);
	for (int i = 0; i < 11; i++) {
		t = &m->net.ladder[i];
		assert_string_equal(t->name, want[i].name);
		assert_int_equal(t->to_server, want[i].to_server);
		assert_int_equal(t->sent, 1);
		/* The client never reads the second ticket: still in flight. */
		assert_int_equal(t->received, i < 10);
	}
	assert_string_equal(m->net.result, "TLSv1.3, TLS_AES_256_GCM_SHA384");
	assert_int_equal(m->net.nconns, 0);
	tui_model_free(m);
}

/* One end only, as tls connect traces it; an alert is the result. */
static void
test_one_side_and_alert(void **state)
{
	static const char *const lines[] = {
		"{\"seq\":1,\"pid\":5,\"mod\":\"tls\",\"ev\":\"state\","
		"\"note\":\"offer\",\"args\":{\"tls\":\"ClientHello\","
		"\"dir\":\"sent\",\"bytes\":300,\"side\":\"client\"}}",
		"{\"seq\":2,\"pid\":5,\"mod\":\"tls\",\"ev\":\"state\","
		"\"note\":\"choice\",\"args\":{\"tls\":\"ServerHello\","
		"\"dir\":\"received\",\"bytes\":90,\"side\":\"client\"}}",
		/* An older trace has no side: a client's. */
		"{\"seq\":3,\"pid\":5,\"mod\":\"tls\",\"ev\":\"state\","
		"\"note\":\"fatal alert: bad certificate\",\"args\":{\"tls\":"
		"\"Alert\",\"dir\":\"sent\",\"bytes\":2}}",
		NULL
	};
	struct tui_model *m = tui_model_new(64);

	feed_lines(m, lines);
	assert_int_equal(m->net.nladder, 3);
	assert_int_equal(m->net.sides, 1);
	assert_int_equal(m->net.ladder[0].to_server, 1);
	assert_int_equal(m->net.ladder[1].to_server, 0);
	assert_int_equal(m->net.ladder[1].received, 1);
	assert_int_equal(m->net.ladder[2].to_server, 1);
	assert_string_equal(m->net.ladder[2].note,
			    "fatal alert: bad certificate");
	assert_string_equal(m->net.result, "fatal alert: bad certificate");
	/* Reset forgets it all, as a replay's step back needs. */
	tui_model_reset(m);
	assert_int_equal(m->net.nladder, 0);
	assert_int_equal(m->net.nconns, 0);
	tui_model_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_states),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_serve_clients),
		cmocka_unit_test(test_fork_copies),
		cmocka_unit_test(test_bio_ladder),
		cmocka_unit_test(test_one_side_and_alert),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
