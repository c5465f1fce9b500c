/*
 * connect.c - `ipc sock connect ADDR [PORT]`: the client side of nc and
 * socat.  Resolve the name, try each address in the order getaddrinfo(3)
 * gives them (socket, options, bind to --source, connect), then relay
 * stdio with the socket (relay.c) until both sides are done.
 */
#include <errno.h>
#include <string.h>

#include "net.h"
#include "python.h"
#include "relay/relay.h"
#include "sock.h"
#include "sys.h"

static struct {
	struct relay_cfg cfg;
	double timeout;
	const char *source;
	int python;
} o;

static const struct opt connect_opts[] = {
	OPT_SECS('t', "timeout", &o.timeout,
		 "give up connecting after S seconds (non-blocking connect, "
		 "poll, SO_ERROR)"),
	OPT_STR_C('s', "source", &o.source, "ADDR",
		  "bind to this local address (HOST, HOST:PORT or unix:PATH) "
		  "before connecting", "@host"),
	RELAY_OPTS(o.cfg),
	OPT_FLAG(0, "python", &o.python,
		 "print the same client as a Python 3 program instead of "
		 "connecting"),
	OPT_STOP
};

/*
 * "HOST:PORT", "unix:PATH", a PORT alone, or a HOST alone, which takes any
 * free port.  One word is a port only when it is a number: "localhost"
 * would also pass for a service name, but as a source it means the host.
 */
static int
parse_source(const struct cli *cli, int flags, struct net_addr *src)
{
	const char *why, *ignored;

	if (net_parse_addr(o.source, NULL, flags | NET_PASSIVE, src, &why) == 0) {
		if (src->host[0] != '\0' || src->family == AF_UNIX ||
		    strspn(src->port, "0123456789") == strlen(src->port))
			return 0;
	} else if (errno != EINVAL) {
		return usage_error(cli, "--source %s: %s", o.source, why);
	}
	if (net_parse_addr(o.source, "0", flags, src, &ignored) == 0)
		return 0;
	return usage_error(cli, "--source %s: %s", o.source, why);
}

/*
 * The source decides the family when ADDR leaves it open, so that
 * "localhost" with an IPv4 source tries 127.0.0.1 only.
 */
static int
match_family(const struct cli *cli, struct net_addr *a,
	     const struct addrinfo *src)
{
	if (a->family == AF_UNSPEC && src->ai_family != AF_UNIX)
		a->family = src->ai_family;
	if (a->family == src->ai_family)
		return 0;
	return usage_error(cli, "--source %s is of another address family "
			   "than %s", o.source, cli->argv[0]);
}

/*
 * One attempt: socket, --opt, bind, connect.  Returns the fd, or -1 with
 * *step naming what failed (NULL for connect) and errno set; a reported
 * usage error (a bad --opt) comes back as -2 with its status in *rc.
 */
static int
attempt(const struct cli *cli, const struct addrinfo *ai,
	const struct addrinfo *src, const char **step, int *rc)
{
	int fd, err;

	*step = "socket";
	fd = net_socket(ai, 0);
	if (fd < 0)
		return -1;
	if ((*rc = relay_apply_opts(cli, fd, &o.cfg)) != 0) {
		sys_close(fd);
		return -2;
	}
	*step = "bind";
	if (src != NULL && sys_bind(fd, src->ai_addr, src->ai_addrlen) < 0)
		goto fail;
	*step = NULL;
	/* With --timeout: EINPROGRESS, poll for POLLOUT, then SO_ERROR. */
	if (net_connect_timeout(fd, ai->ai_addr, ai->ai_addrlen,
				o.timeout > 0 ? o.timeout : -1) == 0)
		return fd;
fail:
	err = errno;
	sys_close(fd);
	errno = err;
	return -1;
}

/*
 * Try each address in order, as a careful client does, reporting each
 * failure; the last one also gets a hint and decides the exit status.
 */
static int
open_connection(const struct cli *cli, const struct addrinfo *res,
		const struct addrinfo *src, int *fdp, char *name, size_t size)
{
	char what[320];
	const char *step;
	int fd, rc = 0, err;

	for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		net_format(ai->ai_addr, ai->ai_addrlen, name, size);
		fd = attempt(cli, ai, src, &step, &rc);
		if (fd >= 0) {
			*fdp = fd;
			return 0;
		}
		if (fd == -2)
			return rc;
		err = errno;
		if (step == NULL)
			snprintf(what, sizeof(what), "%s", name);
		else if (strcmp(step, "bind") == 0)
			snprintf(what, sizeof(what), "bind %s", o.source);
		else
			snprintf(what, sizeof(what), "%s: %s", name, step);
		if (ai->ai_next == NULL)
			return fail(cli, what, err,
				    ai->ai_family == AF_UNIX &&
				    err == ECONNREFUSED ? "the socket file is "
				    "there but nothing listens on it: its "
				    "server is gone; remove the file and start "
				    "one, e.g. 'ipc sock listen unix:PATH'" :
				    NULL);
		out_error(cli->prog, what, err);
	}
	return EX_NOHOST_;
}

static int
relay_connection(const struct cli *cli, int fd, int type, const char *name)
{
	struct relay_sock s = { .fd = fd, .type = type, .name = name };
	char local[256];
	int rc, stdin_done = 0;

	/* A datagram socket's connect(2) only sets the default peer. */
	fprintf(stderr, "%s %s from %s\n",
		type == SOCK_DGRAM ? "sending to" : "connected to", name,
		net_local(fd, local, sizeof(local)));
	if (relay_catch_signals() < 0)
		rc = fail(cli, "signals", errno, NULL);
	else
		rc = relay_run(cli, &s, &o.cfg, &stdin_done);
	relay_release_signals();
	return rc;
}

static int
run_connect(struct cli *cli)
{
	struct addrinfo *res = NULL, *src = NULL;
	struct net_addr a, sa;
	struct python_prog py;
	char name[256];
	const char *why;
	int flags = relay_net_flags(&o.cfg), rc, fd = -1;

	if ((rc = relay_check(cli, &o.cfg)) != 0)
		return rc;
	if (net_parse_addr(cli->argv[0], cli->argc > 1 ? cli->argv[1] : NULL,
			   flags, &a, &why) < 0)
		return usage_error(cli, "%s%s%s: %s", cli->argv[0],
				   cli->argc > 1 ? " " : "",
				   cli->argc > 1 ? cli->argv[1] : "", why);
	if (o.source != NULL && (rc = parse_source(cli, flags, &sa)) != 0)
		return rc;
	if (o.python) {
		py = (struct python_prog){
			.addr = &a, .source = o.source ? &sa : NULL,
			.cfg = &o.cfg, .timeout = o.timeout,
		};
		return python_print(cli, stdout, &py);
	}

	if (o.source != NULL) {
		rc = net_resolve(&sa, flags | NET_PASSIVE, &src);
		if (rc != 0)
			return fail_gai(cli, o.source, rc);
		if ((rc = match_family(cli, &a, src)) != 0)
			goto out;
	}
	rc = net_resolve(&a, flags, &res);
	if (rc != 0) {
		rc = fail_gai(cli, a.host, rc);
		goto out;
	}
	rc = open_connection(cli, res, src, &fd, name, sizeof(name));
	if (rc == 0) {
		rc = relay_connection(cli, fd, a.socktype, name);
		sys_close(fd);
	}
out:
	net_freeaddrinfo(res);
	net_freeaddrinfo(src);
	return rc;
}

const struct verb sock_connect_verb = {
	.name = "connect",
	.summary = "connect to a server and relay stdin and stdout with it",
	.usage = "ADDR [PORT]",
	.description =
		"ADDR is HOST PORT, HOST:PORT, [IPv6]:PORT, udp://HOST:PORT, "
		"unix:/PATH or unix:@ABSTRACT.  Each address getaddrinfo(3) "
		"returns is tried in turn (socket, setsockopt, bind, connect) "
		"until one answers; every failure is reported.\n\n"
		"Then stdin goes to the socket and the socket to stdout, "
		"both at once, through one poll(2) loop and 64 KiB buffers "
		"each way: nothing is lost and a slow side just slows the "
		"other down.  At the end of stdin the write side is shut "
		"down (shutdown SHUT_WR), so the peer reads EOF, and output "
		"goes on until the peer closes too.  If the peer closes "
		"first, the rest of stdin is still sent, unless stdin is a "
		"terminal: then the session ends.\n\n"
		"On a terminal, lines are edited with readline; data that "
		"arrives meanwhile is printed above the line being typed, "
		"escaped so a peer cannot drive the terminal.  History is "
		"kept in ${XDG_STATE_HOME:-~/.local/state}/ipc/history.  "
		"Ctrl-D on an empty line ends stdin.\n\n"
		"With --udp (or udp://) each line of stdin is one datagram; "
		"after stdin ends, replies are printed for half a second "
		"more.  With --hex both directions are shown as hexdumps "
		"on stdout (> sent, < received) instead of the data itself.\n\n"
		"Exit status: 0 when both sides ended cleanly, 64 for a bad "
		"address or option, 68 for an unknown host, 69 when refused, "
		"74 for an I/O error mid-stream (such as a reset), 75 for a "
		"timeout, 77 when not permitted, 128+N after signal N.",
	.examples = (const char *const[]){
		"ipc sock connect example.org 80\ttype a request, read the "
		"answer",
		"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | ipc sock connect "
		"example.org:80\tsend, shut down, print the reply",
		"ipc sock connect --trace localhost 7000\tsee each system "
		"call with a note",
		"ipc sock connect --timeout 2 10.255.255.1 80\tthe "
		"non-blocking connect path: EINPROGRESS, poll, SO_ERROR",
		"ipc sock connect udp://127.0.0.1:5353 --hex\tdatagrams, "
		"shown as hexdumps",
		"ipc sock connect unix:/run/app.sock\ta Unix stream socket",
		"ipc sock connect --opt TCP_NODELAY=1 --source 127.0.0.2 "
		"127.0.0.1 7000\tset an option, pick the local address",
		"ipc sock connect --python localhost 7000 > client.py\tthe "
		"same client in Python, to compare",
		NULL },
	.opts = connect_opts,
	.min_args = 1, .max_args = 2,
	.args_hint = "@host",
	.run = run_connect,
};
