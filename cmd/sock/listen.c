/*
 * listen.c - `ipc sock listen ADDR`: the server side of nc -l.  Bind (to
 * loopback unless told otherwise), listen, say "listening ADDR" on stderr,
 * accept one connection (or one after another with --keep) and relay it
 * with stdio through the same relay as connect (relay.c).
 */
#include <errno.h>
#include <string.h>
#include <sys/un.h>

#include "net.h"
#include "relay/relay.h"
#include "sock.h"
#include "sys.h"

/* Connections the kernel may complete before we accept them; see listen(2). */
#define BACKLOG 16

static struct {
	struct relay_cfg cfg;
	int keep;
} o;

static const struct opt listen_opts[] = {
	OPT_FLAG('k', "keep", &o.keep,
		 "when a connection ends, accept the next (until SIGINT or "
		 "SIGTERM)"),
	RELAY_OPTS(o.cfg),
	OPT_STOP
};

/* A Unix socket file outlives its server, so EADDRINUSE needs words. */
static const char *
bind_hint(const struct addrinfo *ai, int err)
{
	if (err == EADDRINUSE && ai->ai_family == AF_UNIX)
		return "the socket file exists: a server is using it, or one "
		       "that ended left it behind; if 'ipc sock connect' to it "
		       "is refused, remove the file and try again";
	return NULL;
}

/*
 * One attempt: socket, SO_REUSEADDR for TCP, --opt, bind, listen.  Returns
 * the fd, or -1 with *step naming what failed (NULL for bind) and errno
 * set; a reported usage error comes back as -2 with its status in *rc.
 */
static int
attempt(const struct cli *cli, const struct addrinfo *ai, const char **step,
	int *rc)
{
	static const int one = 1;
	const struct sockaddr_un *sun = (const void *)ai->ai_addr;
	int fd, err, bound = 0;

	*step = "socket";
	fd = net_socket(ai, 0);
	if (fd < 0)
		return -1;
	/*
	 * A restarted server must not wait out the old connections' TIME_WAIT
	 * to bind its port again; see socket(7).  Every TCP server wants it.
	 */
	*step = "setsockopt SO_REUSEADDR";
	if (ai->ai_family != AF_UNIX && ai->ai_socktype == SOCK_STREAM &&
	    sys_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail;
	if ((*rc = relay_apply_opts(cli, fd, &o.cfg)) != 0) {
		sys_close(fd);
		return -2;
	}
	*step = NULL;
	if (sys_bind(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		goto fail;
	bound = 1;
	*step = "listen";
	if (ai->ai_socktype == SOCK_DGRAM || sys_listen(fd, BACKLOG) == 0)
		return fd;
fail:
	err = errno;
	sys_close(fd);
	/* bind(2) made the socket file; it must not outlive a failed start. */
	if (bound && ai->ai_family == AF_UNIX && sun->sun_path[0] != '\0')
		sys_unlink(sun->sun_path);
	errno = err;
	return -1;
}

/* Try each address in order; report every failure, the last with a hint. */
static int
open_listener(const struct cli *cli, const struct addrinfo *res, int *fdp)
{
	char name[256], what[320];
	const char *step;
	int fd, rc = 0, err;

	for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		fd = attempt(cli, ai, &step, &rc);
		if (fd >= 0) {
			*fdp = fd;
			return 0;
		}
		if (fd == -2)
			return rc;
		err = errno;
		net_format(ai->ai_addr, ai->ai_addrlen, name, sizeof(name));
		snprintf(what, sizeof(what), "%s%s%s", name, step ? ": " : "",
			 step ? step : "");
		if (ai->ai_next == NULL)
			return fail(cli, what, err, bind_hint(ai, err));
		out_error(cli->prog, what, err);
	}
	return EX_NOHOST_;
}

/* Accept and relay, once or (--keep) until a signal. */
static int
serve(const struct cli *cli, int lfd, int type)
{
	struct sockaddr_storage ss;
	struct relay_sock s = { .type = type };
	socklen_t len;
	char peer[256];
	int rc = 0, stdin_done = 0, n;

	do {
		n = relay_wait_readable(lfd, o.cfg.idle_timeout);
		if (n < 0 && errno == EINTR)
			break;
		if (n < 0)
			return fail(cli, "poll", errno, NULL);
		if (n == 0) {
			out_errorf(cli->prog, "no connection came within %gs "
				   "(--idle-timeout)", o.cfg.idle_timeout);
			out_hint("connect with 'ipc sock connect ADDR' from "
				 "another terminal, or raise --idle-timeout");
			return EX_TEMPFAIL_;
		}
		len = sizeof(ss);
		s.fd = sys_accept4(lfd, (struct sockaddr *)&ss, &len,
				   SOCK_CLOEXEC);
		if (s.fd < 0) {
			/* See accept(2): the client may be gone already. */
			if (errno == EINTR || errno == EAGAIN ||
			    errno == ECONNABORTED || errno == EPROTO)
				continue;
			return fail(cli, "accept", errno, NULL);
		}
		s.name = net_format((struct sockaddr *)&ss, len, peer,
				    sizeof(peer));
		fprintf(stderr, "connection from %s\n", peer);
		rc = relay_run(cli, &s, &o.cfg, &stdin_done);
		sys_close(s.fd);
	} while (o.keep && !relay_signal());
	return relay_signal() ? 128 + relay_signal() : rc;
}

static int
run_listen(struct cli *cli)
{
	struct addrinfo *res;
	struct relay_sock s;
	struct net_addr a;
	char name[256];
	const char *why;
	int flags = relay_net_flags(&o.cfg) | NET_PASSIVE;
	int rc, fd = -1, done = 0;

	if ((rc = relay_check(cli, &o.cfg)) != 0)
		return rc;
	if (net_parse_addr(cli->argv[0], NULL, flags, &a, &why) < 0)
		return usage_error(cli, "%s: %s", cli->argv[0], why);
	rc = net_resolve(&a, flags, &res);
	if (rc != 0)
		return fail_gai(cli, cli->argv[0], rc);
	rc = open_listener(cli, res, &fd);
	net_freeaddrinfo(res);
	if (rc != 0)
		return rc;

	/* Caught before the ready line, so a quick SIGTERM still cleans up. */
	if (relay_catch_signals() < 0) {
		rc = fail(cli, "signals", errno, NULL);
	} else {
		fprintf(stderr, "listening %s\n", net_local(fd, name,
							    sizeof(name)));
		s = (struct relay_sock){ .fd = fd, .type = a.socktype,
					 .reply = 1, .name = name };
		rc = a.socktype == SOCK_DGRAM ?
		     relay_run(cli, &s, &o.cfg, &done) :
		     serve(cli, fd, a.socktype);
	}
	relay_release_signals();
	sys_close(fd);
	/* See unix(7): the file stays after close; it is ours to remove. */
	if (a.family == AF_UNIX && !a.abstract)
		sys_unlink(a.path);
	return rc;
}

const struct verb sock_listen_verb = {
	.name = "listen",
	.summary = "wait for a connection and relay stdin and stdout with it",
	.usage = "ADDR",
	.description =
		"ADDR is PORT or :PORT (on 127.0.0.1), HOST:PORT, "
		"[IPv6]:PORT, udp://HOST:PORT, unix:/PATH or unix:@ABSTRACT.  "
		"With no host the server listens on loopback only: to take "
		"connections from other machines, name 0.0.0.0 or [::].  "
		"Port 0 lets the kernel pick a free port; the ready line "
		"'listening ADDR' on stderr says which.  TCP listeners set "
		"SO_REUSEADDR, so a restarted server binds at once.\n\n"
		"One connection is accepted ('connection from ADDR' on "
		"stderr) and relayed with stdio exactly as 'ipc sock connect' "
		"does: at the end of stdin the write side is shut down, and "
		"the session ends when the peer closes.  --keep then accepts "
		"the next one, until SIGINT or SIGTERM.\n\n"
		"With --udp each datagram is printed as it comes ('datagram "
		"from ADDR' when the sender changes), and each line of stdin "
		"goes back to the last sender.  A Unix socket file is "
		"removed on exit; one left behind by another server is "
		"refused (EADDRINUSE) rather than removed.\n\n"
		"Exit status: 0 after a clean session, 64 for a bad address "
		"or option, 69 when the address is in use, 74 for an I/O "
		"error, 75 for --idle-timeout, 77 when not permitted, 128+N "
		"after signal N.",
	.examples = (const char *const[]){
		"ipc sock listen 7000\twait on 127.0.0.1:7000 for one client",
		"ipc sock listen :0\tlet the kernel pick the port",
		"ipc sock listen --keep [::1]:7000\tIPv6, one client after "
		"another",
		"ipc sock listen udp://127.0.0.1:5353 --hex\tprint "
		"datagrams as hexdumps",
		"ipc sock listen unix:/tmp/demo.sock < reply.txt\tsend a "
		"file to the first client on a Unix socket",
		"ipc sock listen --trace :0\tsee socket, setsockopt, bind, "
		"listen, accept4",
		NULL },
	.opts = listen_opts,
	.min_args = 1, .max_args = 1,
	.args_hint = NULL,
	.run = run_listen,
};
