/*
 * tui_model_net.c - the Sockets and TLS part of the model behind `ipc tui`:
 * each stream socket with its TCP state, and the TLS handshake as a ladder
 * of messages between a client and a server.  Fed only by schema-1 events
 * (docs/trace.md); nothing here draws.
 *
 * The trace carries no tcp_info, so the TCP state is the one a learner
 * would draw from the calls alone (see tcp(7) and RFC 9293 section 3.3.2):
 *
 *	socket			CLOSED
 *	listen			LISTEN
 *	connect EINPROGRESS	SYN_SENT (the SYN is out, no answer yet)
 *	connect = 0, accept,
 *	SO_ERROR 0 after it	ESTABLISHED
 *	shutdown(SHUT_WR)	FIN_WAIT_1 (we sent FIN)
 *	read = 0		CLOSE_WAIT (the peer sent FIN)
 *	our FIN, then theirs	TIME_WAIT (the active closer waits 2*MSL)
 *	theirs, then ours	LAST_ACK (the passive closer waits for the ACK)
 *	close			sends our FIN if not yet sent; a listener CLOSED
 *
 * A forked child holds copies of its parent's sockets: they share a
 * number (sock), a state change shows on every copy, and closing one copy
 * while another is open sends nothing (the socket lives on), so that row
 * just goes.
 *
 * TLS messages come from the msg callback (lib/tls_explain.c) as `state`
 * events with args tls (the name), dir (sent or received) and side
 * (client or server).  A message goes client -> server when the client
 * sent it or the server received it.
 */
#include <stdio.h>
#include <string.h>

#include "tui_model.h"

#define COPY(dst, src)	tui_escape((dst), sizeof(dst), (src))

/* A string argument, or "" when absent or not a string. */
static const char *
arg_str(const struct tui_obj *args, const char *key)
{
	return tui_json_str(args, key);
}

/* ---- the connections table ---- */

/* The open row of fd in pid, or NULL. */
static struct tui_conn *
conn_find(struct tui_model *m, int pid, int fd)
{
	struct tui_net *n = &m->net;

	for (int i = 0; i < n->nconns; i++)
		if (n->conns[i].pid == pid && n->conns[i].fd == fd &&
		    !n->conns[i].closed)
			return &n->conns[i];
	return NULL;
}

const struct tui_conn *
tui_model_conn(const struct tui_model *m, int pid, int fd)
{
	const struct tui_net *n = &m->net;

	for (int i = n->nconns; i-- > 0;)
		if (n->conns[i].pid == pid && n->conns[i].fd == fd)
			return &n->conns[i];
	return NULL;
}

static void
conn_remove(struct tui_model *m, struct tui_conn *c)
{
	struct tui_net *n = &m->net;
	int i = (int)(c - n->conns);

	memmove(c, c + 1, (size_t)(n->nconns - i - 1) * sizeof(*c));
	n->nconns--;
}

/*
 * A new row at the end, in the order sockets appear.  Closed rows stay,
 * to be seen, even when their number is reused; when the table is full
 * the oldest closed row makes room.  NULL when every row is open.
 */
static struct tui_conn *
conn_add(struct tui_model *m, int pid, int fd)
{
	struct tui_net *n = &m->net;
	struct tui_conn *c;

	for (int i = 0; n->nconns == TUI_CONNS && i < n->nconns; i++)
		if (n->conns[i].closed)
			conn_remove(m, &n->conns[i]);
	if (n->nconns == TUI_CONNS)
		return NULL;
	c = &n->conns[n->nconns++];
	memset(c, 0, sizeof(*c));
	c->pid = pid;
	c->fd = fd;
	c->sock = ++n->socks;
	COPY(c->state, "CLOSED");
	return c;
}

/* Another open row of the same socket (a fork's copy), or NULL. */
static struct tui_conn *
conn_copy(struct tui_model *m, const struct tui_conn *c)
{
	struct tui_net *n = &m->net;

	for (int i = 0; i < n->nconns; i++)
		if (&n->conns[i] != c && n->conns[i].sock == c->sock &&
		    !n->conns[i].closed)
			return &n->conns[i];
	return NULL;
}

/* Every copy of a socket is the same socket: it shows the same state. */
static void
sync_copies(struct tui_model *m, const struct tui_conn *c)
{
	struct tui_net *n = &m->net;

	for (int i = 0; i < n->nconns; i++) {
		struct tui_conn *r = &n->conns[i];

		if (r == c || r->sock != c->sock || r->closed)
			continue;
		r->sent_fin = c->sent_fin;
		r->got_fin = c->got_fin;
		memcpy(r->local, c->local, sizeof(r->local));
		memcpy(r->peer, c->peer, sizeof(r->peer));
		memcpy(r->state, c->state, sizeof(r->state));
		memcpy(r->error, c->error, sizeof(r->error));
	}
}

/* The state follows from the FINs, once there is one. */
static void
fin(struct tui_conn *c, int sent)
{
	int *mine = sent ? &c->sent_fin : &c->got_fin;

	if (*mine)
		return;
	*mine = c->sent_fin || c->got_fin ? 2 : 1;
	if (c->sent_fin && c->got_fin)
		COPY(c->state, c->sent_fin == 1 ? "TIME_WAIT" : "LAST_ACK");
	else
		COPY(c->state, c->sent_fin ? "FIN_WAIT_1" : "CLOSE_WAIT");
}

/* A failure that ends the connection: reset, refused, timed out. */
static void
failed(struct tui_conn *c, const char *err)
{
	COPY(c->state, "CLOSED");
	COPY(c->error, err);
}

/*
 * close(2): the last copy of a connected socket sends FIN; a listener or
 * a connect still waiting is just gone.  A socket that was reset, or had
 * sent its FIN already, stays as it was.
 */
static void
closed(struct tui_model *m, struct tui_conn *c)
{
	if (conn_copy(m, c) != NULL) {
		conn_remove(m, c);
		return;
	}
	c->closed = 1;
	if (strcmp(c->state, "ESTABLISHED") == 0 ||
	    strcmp(c->state, "CLOSE_WAIT") == 0)
		fin(c, 1);
	else if (strcmp(c->state, "LISTEN") == 0 ||
		 strcmp(c->state, "SYN_SENT") == 0)
		COPY(c->state, "CLOSED");
}

/* fork(2): the child holds a copy of each socket its parent has open. */
static void
forked(struct tui_model *m, int parent, int child)
{
	struct tui_net *n = &m->net;
	int end = n->nconns;

	for (int i = 0; i < end && n->nconns < TUI_CONNS; i++) {
		struct tui_conn *c = &n->conns[i];

		if (c->pid != parent || c->closed ||
		    conn_find(m, child, c->fd) != NULL)
			continue;
		n->conns[n->nconns] = *c;
		n->conns[n->nconns++].pid = child;
	}
}

static int
is_call(const char *call, const char *const names[])
{
	for (int i = 0; names[i] != NULL; i++)
		if (strcmp(call, names[i]) == 0)
			return 1;
	return 0;
}

static const char *const reads[] = { "read", "recv", "recvfrom", "recvmsg",
				     "readv", NULL };
static const char *const writes[] = { "write", "send", "sendto", "sendmsg",
				      "writev", NULL };

/* What a call on an open socket does to its state. */
static void
on_call(struct tui_conn *c, const struct tui_event *e, const struct tui_obj *args)
{
	const char *call = e->call, *err = e->err;
	int ok = e->ret >= 0;

	snprintf(c->last, sizeof(c->last), "%.15s%s%.15s", call, err[0] ? " " :
		 "", err);
	if (strcmp(call, "bind") == 0 && ok)
		COPY(c->local, arg_str(args, "addr"));
	else if (strcmp(call, "getsockname") == 0 && ok)
		COPY(c->local, arg_str(args, "addr"));
	else if (strcmp(call, "getpeername") == 0 && ok)
		COPY(c->peer, arg_str(args, "addr"));
	else if (strcmp(call, "listen") == 0 && ok)
		COPY(c->state, "LISTEN");
	else if (strcmp(call, "connect") == 0) {
		COPY(c->peer, arg_str(args, "addr"));
		if (ok || strcmp(err, "EISCONN") == 0)
			COPY(c->state, "ESTABLISHED");
		else if (strcmp(err, "EINPROGRESS") == 0)
			COPY(c->state, "SYN_SENT");
		else if (strcmp(err, "EALREADY") != 0 &&
			 strcmp(err, "EINTR") != 0)
			failed(c, err);
	} else if (strcmp(call, "getsockopt") == 0 && ok &&
		   strcmp(arg_str(args, "name"), "SO_ERROR") == 0 &&
		   strcmp(c->state, "SYN_SENT") == 0) {
		/* The outcome of a non-blocking connect; see connect(2). */
		if (arg_str(args, "error")[0] != '\0')
			failed(c, arg_str(args, "error"));
		else
			COPY(c->state, "ESTABLISHED");
	} else if (strcmp(call, "shutdown") == 0 && ok) {
		if (strcmp(arg_str(args, "how"), "SHUT_RD") != 0)
			fin(c, 1);
	} else if (is_call(call, reads) && e->ret == 0 &&
		   (strcmp(c->state, "ESTABLISHED") == 0 ||
		    strcmp(c->state, "FIN_WAIT_1") == 0)) {
		fin(c, 0);
	} else if ((is_call(call, reads) || is_call(call, writes)) && !ok) {
		if (strcmp(err, "ECONNRESET") == 0 ||
		    strcmp(err, "ECONNREFUSED") == 0 ||
		    strcmp(err, "ETIMEDOUT") == 0)
			failed(c, err);
		else if (strcmp(err, "EPIPE") == 0)
			COPY(c->error, err);
	}
}

/* What a syscall event says about stream sockets. */
static void
on_syscall(struct tui_model *m, const struct tui_event *e, const struct tui_obj *args)
{
	struct tui_conn *c, *listener;

	if (strcmp(e->call, "fork") == 0 && e->ret > 0) {
		forked(m, e->pid, (int)e->ret);
		return;
	}
	if (strcmp(e->call, "socket") == 0 && e->ret >= 0) {
		if (strstr(arg_str(args, "type"), "SOCK_STREAM") != NULL)
			conn_add(m, e->pid, (int)e->ret);
		return;
	}
	if (strncmp(e->call, "accept", 6) == 0 && e->ret >= 0) {
		listener = conn_find(m, e->pid, e->fd);
		c = conn_add(m, e->pid, (int)e->ret);
		if (c == NULL)
			return;
		COPY(c->state, "ESTABLISHED");
		COPY(c->peer, arg_str(args, "peer"));
		if (listener != NULL)
			COPY(c->local, listener->local);
		snprintf(c->last, sizeof(c->last), "%s", e->call);
		return;
	}
	if (e->fd < 0 || (c = conn_find(m, e->pid, e->fd)) == NULL)
		return;
	if (strcmp(e->call, "close") == 0) {
		if (e->ret == 0) {
			snprintf(c->last, sizeof(c->last), "close");
			closed(m, c);
		}
		return;
	}
	on_call(c, e, args);
	sync_copies(m, c);
}

/* ---- the TLS ladder ---- */

static void
on_tls(struct tui_model *m, const struct tui_event *e, const struct tui_obj *args)
{
	struct tui_net *n = &m->net;
	const char *name = arg_str(args, "tls"), *side = arg_str(args, "side");
	int sent = strcmp(arg_str(args, "dir"), "sent") == 0;
	int server = strcmp(side, "server") == 0, to_server;
	struct tui_tls_msg *t;

	/* Traces without "side" are a client's: tls connect made them. */
	n->sides |= server ? 2 : 1;
	to_server = server ? !sent : sent;
	/*
	 * Received here, sent by the other side in this process: one row.
	 * Bytes arrive in order, so what that side sent before it has
	 * arrived too, even a message no callback reports on arrival (the
	 * ChangeCipherSpec of TLS 1.3, which the reader drops unseen).
	 */
	for (int i = 0; !sent && i < n->nladder; i++) {
		t = &n->ladder[i];
		if (t->sent && !t->received && t->to_server == to_server &&
		    strcmp(t->name, name) == 0) {
			for (int j = 0; j <= i; j++)
				if (n->ladder[j].to_server == to_server)
					n->ladder[j].received = 1;
			return;
		}
	}
	if (n->nladder == TUI_LADDER) {
		n->more++;
		return;
	}
	t = &n->ladder[n->nladder++];
	memset(t, 0, sizeof(*t));
	COPY(t->name, name);
	t->to_server = to_server;
	t->sent = sent;
	t->received = !sent;
	t->bytes = tui_json_int(args, "bytes", 0);
	if (strcmp(name, "Alert") == 0) {
		COPY(t->note, e->note);
		COPY(n->result, e->note);
	}
}

/* "tls: handshake done: TLSv1.3, TLS_AES_256_GCM_SHA384" gives the result. */
static void
on_tls_state(struct tui_model *m, const struct tui_event *e)
{
	static const char done[] = "tls: handshake done: ";

	if (strncmp(e->note, done, sizeof(done) - 1) == 0)
		COPY(m->net.result, e->note + sizeof(done) - 1);
}

void
tui_net_feed(struct tui_model *m, const struct tui_event *e,
	     const struct tui_obj *args)
{
	if (strcmp(e->ev, "syscall") == 0)
		on_syscall(m, e, args);
	else if (strcmp(e->ev, "state") == 0 &&
		 arg_str(args, "tls")[0] != '\0')
		on_tls(m, e, args);
	else if (strcmp(e->ev, "state") == 0)
		on_tls_state(m, e);
}
