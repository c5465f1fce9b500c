/*
 * demo_stream.c - the streams group of `ipc loop demo`: the asyncio
 * chapter's "TCP echo client using streams", "TCP echo server using
 * streams" and "Register an open socket to wait for data using streams",
 * on lib/loop_stream.c, each in the shape of its Python original, and
 * its "Get HTTP headers":
 *
 *	stream-echo-client	open_connection; write; read(100); close
 *	stream-echo-server	start_server(handle_echo): read(100), write,
 *				drain, close
 *	http-headers		open_connection; write a HEAD request;
 *				readline until the blank line; close
 *	register-socket-streams	open_connection(sock=rsock), then read(100)
 *				what call_soon sends into wsock
 *
 * Every coroutine is a task.  Run without options, the echo demos and
 * http-headers run a server and the client in one loop (each line then
 * says which end printed it); --serve ADDR serves outside clients until
 * SIGINT or SIGTERM, --connect ADDR talks to an outside server.  Every
 * address may be a Unix socket too: unix:/path or unix:@name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "loop_cmd.h"
#include "net.h"
#include "sys.h"

/* Room for an address as net_format() writes it, and a quoted message. */
#define ADDR_LEN	256
#define QUOTED_LEN	256
/* What the examples read at most: reader.read(100). */
#define READ_MAX	100

struct handler;

/*
 * One run of an echo demo or of http-headers: the server's task for each
 * connection, and the client's task.
 */
struct stream_demo {
	struct demo_ctx *d;
	const char *server_tag, *client_tag;	/* "server: ", or "" */
	loop_task_fn handle;			/* a connection's task */
	const char *handle_name;
	loop_task_fn client;			/* our client's task */
	const char *client_name;
	struct sockaddr_storage addr;		/* where the client connects */
	socklen_t addrlen;
	struct handler *handlers;		/* the server's live tasks */
	int client_done;			/* stop once idle too */
	struct loop_stream_accept acc;
	/* http-headers: what the request asks for, and the failure's hint. */
	char host[ADDR_LEN];			/* the Host: header */
	char path[ADDR_LEN];			/* "/" */
	const char *hint;
};

/* One connection of the server: its handle_echo task and its stream. */
struct handler {
	struct stream_demo *sd;
	struct loop_stream *s;
	struct loop_task *task;
	struct handler *prev, *next;
};

/*
 * A task failed: report it (once) as the demo's exit status, naming
 * what failed (the exception's message) or else the task.  hint NULL:
 * the errno's own.
 */
static void
report_task(struct demo_ctx *d, struct loop_future *f, const char *hint)
{
	int err = loop_future_exception(f);
	const char *what = loop_future_message(f);

	if (err != 0 && err != ECANCELED && d->rc == 0)
		d->rc = fail(d->cli, what[0] ? what : loop_future_name(f),
			     err, hint);
}

/* ---- the server: handle_echo ---- */

static void *
handle_echo(struct loop_task *t, void *arg)
{
	struct handler *h = arg;
	const char *tag = h->sd->server_tag;
	char data[READ_MAX], q[QUOTED_LEN], peer[ADDR_LEN];
	ssize_t n;

	if ((n = loop_stream_read(t, h->s, data, sizeof(data))) < 0) {
		loop_task_raise(t, errno, "read");
		goto out;
	}
	demo_quote(data, (size_t)n, q, sizeof(q));
	printf("%sReceived %s from %s\n", tag, q,
	       net_peer(loop_stream_fd(h->s), peer, sizeof(peer)));
	printf("%sSend: %s\n", tag, q);
	fflush(stdout);
	if (loop_stream_write(h->s, data, (size_t)n) < 0 ||
	    loop_stream_drain(t, h->s) < 0) {
		loop_task_raise(t, errno, "write");
		goto out;
	}
	printf("%sClose the client socket\n", tag);
	fflush(stdout);
out:
	loop_stream_close(t, h->s);
	return NULL;
}

/* Stop the loop once our own client is done and no handler runs. */
static void
check_idle(struct stream_demo *sd)
{
	if (sd->client_done && sd->handlers == NULL)
		loop_stop(sd->d->loop);
}

/* A handler's task ended: report it, unlink and free it. */
static void
handler_done(struct loop_future *f, void *arg)
{
	struct handler *h = arg;
	struct stream_demo *sd = h->sd;

	report_task(sd->d, f, NULL);
	loop_future_release(f);
	if (h->prev != NULL)
		h->prev->next = h->next;
	else
		sd->handlers = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	free(h);
	check_idle(sd);
}

/*
 * A connection was made: start the server's task on it (handle_echo),
 * as start_server does.
 */
static void
client_connected(struct loop_stream *s, void *arg)
{
	struct stream_demo *sd = arg;
	struct handler *h = calloc(1, sizeof(*h));

	if (h == NULL ||
	    (h->task = loop_task_new(sd->d->loop, sd->handle_name, sd->handle,
				     h, 0)) == NULL) {
		demo_fail(sd->d, "task", errno);
		free(h);
		loop_stream_close(NULL, s);
		return;
	}
	h->sd = sd;
	h->s = s;
	if (loop_future_add_done_callback(loop_task_future(h->task),
					  handler_done, h) < 0) {
		demo_fail(sd->d, "add_done_callback", errno);
		loop_task_cancel(h->task);
	}
	h->next = sd->handlers;
	if (sd->handlers != NULL)
		sd->handlers->prev = h;
	sd->handlers = h;
}

/* ---- the client: tcp_echo_client ---- */

static void *
tcp_echo_client(struct loop_task *t, void *arg)
{
	struct stream_demo *sd = arg;
	const char *tag = sd->client_tag;
	char data[READ_MAX], q[QUOTED_LEN];
	struct loop_stream *s;
	ssize_t n;

	if (loop_open_connection(t, (struct sockaddr *)&sd->addr, sd->addrlen,
				 &s) < 0) {
		int err = errno;

		loop_task_raise(t, err, net_format((struct sockaddr *)&sd->addr,
						   sd->addrlen, q, sizeof(q)));
		return NULL;
	}
	printf("%sSend: %s\n", tag, demo_quote(DEMO_MESSAGE,
	       strlen(DEMO_MESSAGE), q, sizeof(q)));
	fflush(stdout);
	if (loop_stream_write(s, DEMO_MESSAGE, strlen(DEMO_MESSAGE)) < 0 ||
	    (n = loop_stream_read(t, s, data, sizeof(data))) < 0) {
		loop_task_raise(t, errno, "echo");
	} else {
		printf("%sReceived: %s\n", tag,
		       demo_quote(data, (size_t)n, q, sizeof(q)));
		printf("%sClose the socket\n", tag);
		fflush(stdout);
	}
	loop_stream_close(t, s);
	return NULL;
}

/* The client task's end: report it, and stop once the server is idle. */
static void
client_done(struct loop_future *f, void *arg)
{
	struct stream_demo *sd = arg;

	report_task(sd->d, f, sd->hint);
	loop_future_release(f);
	sd->client_done = 1;
	check_idle(sd);
}

static int
start_client(struct stream_demo *sd)
{
	struct loop_task *t = loop_task_new(sd->d->loop, sd->client_name,
					    sd->client, sd, 0);

	if (t == NULL)
		return fail(sd->d->cli, "task", errno, NULL);
	if (loop_future_add_done_callback(loop_task_future(t), client_done,
					  sd) < 0) {
		loop_task_cancel(t);
		return fail(sd->d->cli, "add_done_callback", errno, NULL);
	}
	return 0;
}

/*
 * After the run: cancel the handlers still running (a signal stopped
 * the server) and run the loop until each has unwound and closed its
 * stream.  Returns the exit status.
 */
static int
finish(struct stream_demo *sd, int rc)
{
	struct handler *h;

	sd->client_done = 1;
	if (sd->handlers == NULL)
		return rc != 0 ? rc : sd->d->rc;
	for (h = sd->handlers; h != NULL; h = h->next)
		loop_task_cancel(h->task);
	if (loop_run_forever(sd->d->loop) < 0 && rc == 0)
		rc = fail(sd->d->cli, loop_backend(sd->d->loop), errno, NULL);
	return rc != 0 ? rc : sd->d->rc;
}

/*
 * The server on --serve ADDR, or on a free port with our client too
 * (whose Host: header, for http-headers, is then that address).
 */
static int
stream_serve(struct stream_demo *sd, int own_client)
{
	struct demo_ctx *d = sd->d;
	struct loop_server *srv;
	char name[ADDR_LEN];
	int fd, rc;

	if (own_client) {
		sd->server_tag = "server: ";
		sd->client_tag = "client: ";
	}
	sd->acc.connected = client_connected;
	sd->acc.arg = sd;
	if ((rc = bind_listener(d->cli, d->serve, 0, &fd, name,
				sizeof(name))) != 0)
		return rc;
	if ((srv = loop_start_server(d->loop, fd, &sd->acc)) == NULL) {
		rc = fail(d->cli, "start_server", errno, NULL);
		sys_close(fd);
		return rc;
	}
	printf("%sServing on %s\n", sd->server_tag, name);
	fflush(stdout);
	snprintf(sd->host, sizeof(sd->host), "%s", name);
	sd->addrlen = sizeof(sd->addr);
	if (!own_client)
		rc = demo_serve_until_signal(d, name, NULL, NULL);
	else if (sys_getsockname(fd, (struct sockaddr *)&sd->addr,
				 &sd->addrlen) < 0)
		rc = fail(d->cli, "getsockname", errno, NULL);
	else if ((rc = start_client(sd)) == 0)
		rc = demo_run(d);
	loop_server_close(srv);
	return finish(sd, rc);
}

/* Only our client, against the server at addr. */
static int
stream_connect(struct stream_demo *sd, const char *addr)
{
	int rc;

	if ((rc = demo_resolve(sd->d, addr, 0, &sd->addr,
			       &sd->addrlen)) != 0 ||
	    (rc = start_client(sd)) != 0)
		return rc;
	return finish(sd, demo_run(sd->d));
}

/* The echo pair: handle_echo serves, tcp_echo_client talks. */
static void
echo_demo_init(struct stream_demo *sd, struct demo_ctx *d)
{
	*sd = (struct stream_demo){ .d = d, .server_tag = "",
		.client_tag = "", .handle = handle_echo,
		.handle_name = "handle_echo", .client = tcp_echo_client,
		.client_name = "tcp_echo_client" };
}

static int
demo_stream_echo_server(struct demo_ctx *d)
{
	struct stream_demo sd;

	echo_demo_init(&sd, d);
	return stream_serve(&sd, d->serve == NULL);
}

static int
demo_stream_echo_client(struct demo_ctx *d)
{
	struct stream_demo sd;

	echo_demo_init(&sd, d);
	if (d->connect == NULL)
		return stream_serve(&sd, 1);
	return stream_connect(&sd, d->connect);
}

/* ---- http-headers: the chapter's "Get HTTP headers" ---- */

/*
 * The bounds a reader of a peer's lines needs: a line longer than
 * HTTP_LINE_MAX bytes fails readuntil with ENOBUFS (asyncio's
 * LimitOverrunError) instead of growing memory, and more than
 * HTTP_LINES_MAX lines before the blank one end the exchange too.
 */
#define HTTP_LINE_MAX	4096
#define HTTP_LINES_MAX	100
/* For messages: "4096". */
#define STR_(x)		#x
#define STR(x)		STR_(x)
/* What our server sends with GET (HEAD gets the headers alone). */
#define HTTP_BODY	"Hello World!\n"

/*
 * One line through its "\n", without the "\r\n" (or "\n") and
 * NUL-terminated, in *len bytes; buf holds HTTP_LINE_MAX + 1.  Returns
 * 0, or -1 with errno: ENOBUFS (longer than HTTP_LINE_MAX), ENODATA (the
 * peer closed first, even before a byte of it), or
 * loop_stream_readuntil's.
 */
static int
http_readline(struct loop_task *t, struct loop_stream *s, char *buf,
	      size_t *len)
{
	size_t got;

	if (loop_stream_readuntil(t, s, "\n", 1, buf, HTTP_LINE_MAX,
				  &got) < 0)
		return -1;
	got--;
	if (got > 0 && buf[got - 1] == '\r')
		got--;
	buf[got] = '\0';
	*len = got;
	return 0;
}

/*
 * The Date: header as RFC 9110 wants it ("Sun, 06 Nov 1994 08:49:37
 * GMT"), with the names spelt out here: strftime's %a and %b follow the
 * locale.
 */
static void
http_date(char *buf, size_t size)
{
	static const char days[][4] = { "Sun", "Mon", "Tue", "Wed", "Thu",
					"Fri", "Sat" };
	static const char months[][4] = { "Jan", "Feb", "Mar", "Apr", "May",
					  "Jun", "Jul", "Aug", "Sep", "Oct",
					  "Nov", "Dec" };
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d GMT",
		 days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * Our small HTTP/1.0 server, one task per connection: the request line,
 * header lines up to the blank one (bounded as the client's are), then
 * one response and the close.  HEAD and GET get 200 with Content-Type,
 * Content-Length, Date and Server (GET the body too), other methods 501,
 * a request it cannot parse 400.
 */
static void *
handle_http(struct loop_task *t, void *arg)
{
	struct handler *h = arg;
	const char *tag = h->sd->server_tag, *status = "200 OK", *body;
	char line[HTTP_LINE_MAX + 1], method[16] = "", target[ADDR_LEN];
	char peer[ADDR_LEN], date[64], resp[512], q[QUOTED_LEN];
	size_t len;
	int n, lines = 0, head;

	if (http_readline(t, h->s, line, &len) < 0) {
		/* A client that leaves before a whole line: nothing to say. */
		if (errno != ENODATA && errno != ENOBUFS)
			loop_task_raise(t, errno, "read");
		goto out;
	}
	printf("%s%s from %s\n", tag, demo_quote(line, len, q, sizeof(q)),
	       net_peer(loop_stream_fd(h->s), peer, sizeof(peer)));
	fflush(stdout);
	if (sscanf(line, "%15s %255s HTTP/%*d.%*d", method, target) != 2)
		status = "400 Bad Request";
	else if (strcmp(method, "HEAD") != 0 && strcmp(method, "GET") != 0)
		status = "501 Not Implemented";
	head = strcmp(method, "HEAD") == 0;
	/* The headers: read and let go, up to the blank line. */
	do {
		if (http_readline(t, h->s, line, &len) < 0 ||
		    ++lines > HTTP_LINES_MAX)
			goto out;
	} while (len > 0);
	http_date(date, sizeof(date));
	/* HEAD: the length GET's body would have, and no body. */
	body = status[0] == '2' ? HTTP_BODY : "";
	n = snprintf(resp, sizeof(resp), "HTTP/1.0 %s\r\n"
		     "Server: ipc-loop/" IPC_VERSION "\r\n"
		     "Date: %s\r\n"
		     "Content-Type: text/plain; charset=utf-8\r\n"
		     "Content-Length: %zu\r\n\r\n%s", status, date,
		     strlen(body), head ? "" : body);
	printf("%sHTTP/1.0 %s\n", tag, status);
	fflush(stdout);
	if (loop_stream_write(h->s, resp, (size_t)n) < 0 ||
	    loop_stream_drain(t, h->s) < 0)
		loop_task_raise(t, errno, "write");
out:
	loop_stream_close(t, h->s);
	return NULL;
}

/*
 * The peer broke HTTP: end the task with EPROTO (exit 76) and say how,
 * after the address: "127.0.0.1:8080: not an HTTP status line: 'junk'".
 */
static void
http_broken(struct loop_task *t, struct stream_demo *sd, const char *how,
	    const char *line, size_t len)
{
	char addr[ADDR_LEN], q[48], msg[ADDR_LEN + 128];

	net_format((struct sockaddr *)&sd->addr, sd->addrlen, addr,
		   sizeof(addr));
	/* Cut if need be: the exception keeps 127 bytes anyway. */
	if (snprintf(msg, sizeof(msg), "%s: %s%s%s", addr, how,
		     line != NULL ? ": " : "", line != NULL ?
		     demo_quote(line, len, q, sizeof(q)) : "") < 0)
		msg[0] = '\0';
	sd->hint = "the peer does not speak HTTP/1.x, or cut its answer "
		   "short: is it an HTTP server?";
	loop_task_raise(t, EPROTO, msg);
}

/* "HTTP/1.1 200 OK": the protocol, a version, and a three-digit code. */
static int
is_status_line(const char *line)
{
	int major, minor, code, end = 0;

	return sscanf(line, "HTTP/%1d.%1d %3d%n", &major, &minor, &code,
		      &end) == 3 && end == 12 &&
	       (line[end] == ' ' || line[end] == '\0');
}

/*
 * print_http_headers(url): send HEAD, then print each line of the
 * answer as the example does (decoded, trailing white space stripped,
 * after "HTTP header> "; bytes that are not printable ASCII are shown
 * escaped) until the blank line that ends the headers, and close.
 */
static void *
print_http_headers(struct loop_task *t, void *arg)
{
	struct stream_demo *sd = arg;
	char query[2 * ADDR_LEN + 64], line[HTTP_LINE_MAX + 1];
	char shown[4 * 256 + 1], addr[ADDR_LEN];
	struct loop_stream *s;
	size_t len, used;
	int n, lines;

	if (loop_open_connection(t, (struct sockaddr *)&sd->addr, sd->addrlen,
				 &s) < 0) {
		int err = errno;

		loop_task_raise(t, err, net_format((struct sockaddr *)&sd->addr,
						   sd->addrlen, addr,
						   sizeof(addr)));
		return NULL;
	}
	n = snprintf(query, sizeof(query), "HEAD %s HTTP/1.0\r\nHost: %s\r\n"
		     "\r\n", sd->path, sd->host);
	if (loop_stream_write(s, query, (size_t)n) < 0) {
		loop_task_raise(t, errno, "write");
		goto out;
	}
	for (lines = 0;; lines++) {
		if (http_readline(t, s, line, &len) < 0) {
			if (errno == ENOBUFS)
				http_broken(t, sd, "a header line longer "
					    "than " STR(HTTP_LINE_MAX) " bytes",
					    NULL, 0);
			else if (errno == ENODATA)
				http_broken(t, sd, "closed before the end of "
					    "the headers", NULL, 0);
			else
				loop_task_raise(t, errno, "read");
			goto out;
		}
		/* The example's rstrip(). */
		while (len > 0 && (line[len - 1] == ' ' ||
				   line[len - 1] == '\t'))
			line[--len] = '\0';
		if (len == 0)
			break;
		if (lines == 0 && !is_status_line(line)) {
			http_broken(t, sd, "not an HTTP status line", line,
				    len);
			goto out;
		}
		if (lines > 0 && memchr(line, ':', len) == NULL) {
			http_broken(t, sd, "not a header line", line, len);
			goto out;
		}
		if (lines == HTTP_LINES_MAX) {
			http_broken(t, sd, "more than " STR(HTTP_LINES_MAX)
				    " header lines", NULL, 0);
			goto out;
		}
		out_escape(shown, sizeof(shown), line, len, &used);
		printf("%sHTTP header> %s%s\n", sd->client_tag, shown,
		       used < len ? "..." : "");
		fflush(stdout);
	}
out:
	/* Ignore the body, close the socket. */
	loop_stream_close(t, s);
	return NULL;
}

/*
 * --connect ADDR for http-headers: host:port (or unix:PATH), or a URL,
 * http://host[:port][/path], the form the example takes.  Fills the
 * address to resolve, sd->host and sd->path.  Returns 0, or reports a
 * usage error and returns its status.
 */
static int
http_target(struct stream_demo *sd, const char *arg, char *addr,
	    size_t size)
{
	const struct cli *cli = sd->d->cli;
	const char *hp = arg, *slash;
	size_t n;

	snprintf(sd->path, sizeof(sd->path), "/");
	/* They would end the request line or a header early. */
	if (strpbrk(arg, " \t\r\n") != NULL)
		return usage_error(cli, "%s: no spaces or line breaks in an "
				   "address or URL", arg);
	if (strncmp(arg, "https://", 8) == 0)
		return usage_error(cli, "%s: https is not spoken here (try "
				   "'ipc tls connect')", arg);
	if (strncmp(arg, "unix:", 5) == 0) {
		/* No host in a Unix address: name the machine. */
		snprintf(sd->host, sizeof(sd->host), "localhost");
		snprintf(addr, size, "%s", arg);
		return 0;
	}
	if (strncmp(arg, "http://", 7) == 0) {
		hp = arg + 7;
		if ((slash = strchr(hp, '/')) != NULL) {
			if (strlen(slash) >= sizeof(sd->path))
				return usage_error(cli, "%s: the path is too "
						   "long", arg);
			snprintf(sd->path, sizeof(sd->path), "%s", slash);
		}
	}
	n = (slash = strchr(hp, '/')) != NULL ? (size_t)(slash - hp) :
	    strlen(hp);
	if (n == 0 || n >= sizeof(sd->host) || n + 4 >= size)
		return usage_error(cli, "%s: no host, or too long a one", arg);
	memcpy(sd->host, hp, n);
	sd->host[n] = '\0';
	/* A URL without a port means port 80; "[::1]" is all host. */
	if (hp != arg && (strrchr(sd->host, ':') == NULL ||
			  sd->host[n - 1] == ']'))
		n = (size_t)snprintf(addr, size, "%s:80", sd->host);
	else
		n = (size_t)snprintf(addr, size, "%s", sd->host);
	return n < size ? 0 : usage_error(cli, "%s: too long", arg);
}

static int
demo_http_headers(struct demo_ctx *d)
{
	struct stream_demo sd = { .d = d, .server_tag = "",
		.client_tag = "", .handle = handle_http,
		.handle_name = "handle_http", .client = print_http_headers,
		.client_name = "print_http_headers", .path = "/" };
	char addr[ADDR_LEN];
	int rc;

	if (d->serve != NULL && d->connect != NULL)
		return usage_error(d->cli, "--serve or --connect: not both");
	if (d->connect == NULL)
		return stream_serve(&sd, d->serve == NULL);
	if ((rc = http_target(&sd, d->connect, addr, sizeof(addr))) != 0)
		return rc;
	return stream_connect(&sd, addr);
}

/* ---- register-socket-streams ---- */

struct reg_streams {
	struct demo_ctx *d;
	int rsock, wsock;
};

/* Simulate the reception of data from the network. */
static void
send_abc(struct loop *l, void *arg)
{
	struct reg_streams *r = arg;

	if (sys_send(r->wsock, "abc", 3, MSG_NOSIGNAL) < 0)
		demo_fail(r->d, "send", errno);
}

static void *
wait_for_data(struct loop_task *t, void *arg)
{
	struct reg_streams *r = arg;
	struct loop_stream *s;
	char data[READ_MAX], shown[4 * READ_MAX + 1];
	size_t used;
	ssize_t n;

	/* The stream owns rsock from here on. */
	if ((s = loop_stream_new(loop_task_loop(t), r->rsock, 0)) == NULL) {
		loop_task_raise(t, errno, "stream");
		return NULL;
	}
	r->rsock = -1;
	if (loop_call_soon(loop_task_loop(t), "send", send_abc, r) == NULL ||
	    (n = loop_stream_read(t, s, data, sizeof(data))) < 0) {
		loop_task_raise(t, errno, "read");
	} else {
		out_escape(shown, sizeof(shown), data, (size_t)n, &used);
		printf("Received: %s\n", shown);
		fflush(stdout);
	}
	loop_stream_close(t, s);
	return NULL;
}

static int
demo_register_socket_streams(struct demo_ctx *d)
{
	struct reg_streams r = { .d = d };
	struct loop_task *t;
	int sv[2], rc;

	if (sys_socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			   0, sv) < 0)
		return fail(d->cli, "socketpair", errno, NULL);
	r.rsock = sv[0];
	r.wsock = sv[1];
	if ((t = loop_task_new(d->loop, "wait_for_data", wait_for_data, &r,
			       0)) == NULL) {
		rc = fail(d->cli, "task", errno, NULL);
	} else {
		if (loop_run_until_complete(d->loop, loop_task_future(t)) < 0)
			rc = fail(d->cli, "run_until_complete", errno, NULL);
		else
			rc = d->rc;
		report_task(d, loop_task_future(t), NULL);
		if (rc == 0)
			rc = d->rc;
		loop_future_release(loop_task_future(t));
	}
	if (r.rsock >= 0)
		sys_close(r.rsock);
	sys_close(r.wsock);
	return rc;
}

const struct loop_demo loop_demos_stream[] = {
	{ "stream-echo-server", "a task per connection reads, writes back, "
	  "drains, closes", demo_stream_echo_server, DEMO_SERVE },
	{ "stream-echo-client", "a task opens a connection, writes Hello "
	  "World!, reads the echo", demo_stream_echo_client, DEMO_CONNECT },
	{ "http-headers", "a task sends HEAD and reads the header lines with "
	  "readline", demo_http_headers, DEMO_SERVE | DEMO_CONNECT },
	{ "register-socket-streams", "a task reads, through a stream, what "
	  "arrives on a socketpair", demo_register_socket_streams, 0 },
	{ NULL, NULL, NULL, 0 },
};
