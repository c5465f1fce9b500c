/*
 * serve.c - `ipc sock serve ADDR`: the small services of inetd (echo,
 * discard, daytime, chargen) or any command, served with one of four
 * server models.  This file holds the verb and what every model shares:
 * the listening socket, the signals, and the summary.  The models are in
 * serve_models.c; one connection, from accept to close, in services.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "serve.h"
#include "sock.h"
#include "sys.h"

#define CLIENTS_MAX	16	/* --clients is a demonstration: a bound */

static struct {
	int echo, discard, daytime, chargen, exec, quiet;
	const char *model;
	long max_conn, count, backlog, clients;
	double idle;
} o;

static const struct opt serve_opts[] = {
	OPT_FLAG(0, "echo", &o.echo, "send back what each client sends (RFC 862)"),
	OPT_FLAG(0, "discard", &o.discard,
		 "read and throw away what each client sends (RFC 863)"),
	OPT_FLAG(0, "daytime", &o.daytime,
		 "send one line with the date and time, then close (RFC 867)"),
	OPT_FLAG(0, "chargen", &o.chargen,
		 "send lines of characters until the client closes (RFC 864)"),
	OPT_FLAG(0, "exec", &o.exec,
		 "run the command after -- with the socket as its stdin and "
		 "stdout, no shell"),
	OPT_ONEOF('m', "model", &o.model, "MODEL", "iterative|fork|thread|poll",
		  "how connections are served at once (default poll)"),
	OPT_NUM(0, "max-conn", &o.max_conn, "N",
		"at most N connections at once; then stop accepting until one "
		"closes"),
	OPT_SECS(0, "idle-timeout", &o.idle,
		 "close a client when nothing moved for S seconds"),
	OPT_NUM(0, "backlog", &o.backlog, "N",
		"the listen(2) queue length (default SOMAXCONN)"),
	OPT_NUM('c', "count", &o.count, "N",
		"exit after serving N connections"),
	OPT_FLAG('q', "quiet", &o.quiet, "no line per connection"),
	OPT_NUM(0, "clients", &o.clients, "N",
		"a demonstration: fork N clients that each connect, send a "
		"line, shut down and read the answer; exit once they are "
		"served (at most 16)"),
	OPT_STOP
};

/*
 * Signals.  SIGINT and SIGTERM ask the server to stop, SIGCHLD says a child
 * ended.  A handler may only set a flag and make a system call that is
 * async-signal-safe, so it writes one byte into a pipe whose read end sits
 * in every poll set: the "self-pipe trick", what Python's
 * signal.set_wakeup_fd() and libuv do.  poll(2) then wakes whenever a
 * signal came, even one that arrived just before the call, which a flag
 * alone would miss.  (ppoll(2) with the signals blocked is the other clean
 * answer.  The pipe also lets a connection thread wake the main thread,
 * and a fork child simply makes its own, so it serves every model.)
 */
volatile sig_atomic_t serve_stop;
volatile sig_atomic_t serve_child;
static int wake_pipe[2] = { -1, -1 };
static const int caught[] = { SIGINT, SIGTERM, SIGCHLD };
#define NCAUGHT (sizeof(caught) / sizeof(caught[0]))
static struct sigaction saved_action[NCAUGHT];

static void
on_signal(int sig)
{
	int saved = errno;
	ssize_t n;

	if (sig == SIGCHLD)
		serve_child = 1;
	else
		serve_stop = 1;
	/*
	 * The plain write(2): it is async-signal-safe, the traced wrapper is
	 * not (see signal-safety(7)).  A full pipe already wakes the loop, so
	 * EAGAIN is fine.
	 */
	n = write(wake_pipe[1], "", 1);
	(void)n;
	errno = saved;
}

int
serve_wake_fd(void)
{
	return wake_pipe[0];
}

/* Empty the pipe: the flags say what happened. */
void
serve_wake_drain(void)
{
	char buf[64];

	while (sys_read(wake_pipe[0], buf, sizeof(buf)) > 0)
		continue;
}

/* Wake the main loop from another thread. */
void
serve_wake(void)
{
	ssize_t n = sys_write(wake_pipe[1], "", 1);

	(void)n;
}

/* A fresh pipe, so that a signal to one fork child wakes only that child. */
int
serve_wake_reopen(void)
{
	sys_close(wake_pipe[0]);
	sys_close(wake_pipe[1]);
	return sys_pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK);
}

/*
 * Catch caught[i], keeping what was there in saved_action[i].  A stop
 * signal ignored when we start stays ignored, as Python does it: a shell
 * starts background jobs with SIGINT ignored, so that Ctrl-C is not for
 * them.  SIGCHLD we always need.
 */
static int
catch_signal(size_t i, const struct sigaction *sa)
{
	if (sys_sigaction(caught[i], NULL, &saved_action[i]) < 0)
		return -1;
	if (caught[i] != SIGCHLD && saved_action[i].sa_handler == SIG_IGN)
		return 0;
	return sys_sigaction(caught[i], sa, NULL);
}

static int
signals_install(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int err;

	serve_stop = serve_child = 0;
	if (sys_pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	/*
	 * SA_RESTART: the pipe, not EINTR, is how we learn of a signal, so
	 * other calls may as well resume.  SA_NOCLDSTOP: only exits matter.
	 * See sigaction(2).
	 */
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NCAUGHT; i++)
		if (catch_signal(i, &sa) < 0) {
			err = errno;
			while (i-- > 0)
				sys_sigaction(caught[i], &saved_action[i], NULL);
			sys_close(wake_pipe[0]);
			sys_close(wake_pipe[1]);
			errno = err;
			return -1;
		}
	return 0;
}

/* Put back what the shell or `ipc shell` had before. */
static void
signals_restore(void)
{
	for (size_t i = 0; i < NCAUGHT; i++)
		sys_sigaction(caught[i], &saved_action[i], NULL);
	sys_close(wake_pipe[0]);
	sys_close(wake_pipe[1]);
	wake_pipe[0] = wake_pipe[1] = -1;
}

/*
 * Block the signals we catch, so that they wait until *old is restored.
 * A new thread or a forked child inherits the mask; see sigprocmask(2),
 * which is the calling thread's mask on Linux.
 */
int
serve_hold_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < NCAUGHT; i++)
		sigaddset(&set, caught[i]);
	return sys_sigprocmask(SIG_BLOCK, &set, old);
}

/*
 * fork(2) with our signals held.  A signal between fork and the child's
 * own set-up would run our handler in the child and write to the parent's
 * pipe.  The parent gets its mask back at once; the child gets 0 with the
 * signals still blocked and the mask to restore in *old once it is ready.
 */
pid_t
serve_fork(sigset_t *old)
{
	pid_t pid;
	int err;

	if (serve_hold_signals(old) < 0)
		return -1;
	pid = sys_fork();
	if (pid != 0) {
		err = errno;
		sys_sigprocmask(SIG_SETMASK, old, NULL);
		errno = err;
	}
	return pid;
}

/* A socket bound to ai and listening, or -1 with errno. */
static int
listen_on(const struct addrinfo *ai, int backlog)
{
	int fd, one = 1, err;

	fd = net_socket(ai, 1);
	if (fd < 0)
		return -1;
	/*
	 * SO_REUSEADDR lets a restarted server bind its port while the last
	 * run's connections wait in TIME_WAIT; see socket(7).
	 */
	if ((ai->ai_family == AF_UNIX ||
	     sys_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
			    sizeof(one)) == 0) &&
	    sys_bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
	    sys_listen(fd, backlog) == 0)
		return fd;
	err = errno;
	sys_close(fd);
	errno = err;
	return -1;
}

/* Bind the first address ADDR resolves to; an exit status on failure. */
static int
open_listener(struct serve *s, const char *arg, const struct net_addr *a,
	      int backlog)
{
	struct addrinfo *res;
	char where[160];
	const char *hint = NULL;
	int rc, err = 0;

	rc = net_resolve(a, NET_PASSIVE, &res);
	if (rc != 0)
		return fail_gai(s->cli, arg, rc);
	s->lfd = -1;
	for (const struct addrinfo *ai = res; ai && s->lfd < 0; ai = ai->ai_next) {
		net_format(ai->ai_addr, ai->ai_addrlen, where, sizeof(where));
		s->lfd = listen_on(ai, backlog);
		err = errno;
	}
	net_freeaddrinfo(res);
	if (s->lfd >= 0)
		return 0;
	if (err == EADDRINUSE)
		hint = a->family == AF_UNIX
			? "a socket file is there: another server uses it, or "
			  "one that died left it; remove it if none listens"
			: "another server has that port; pick another, or port "
			  "0 for any free one";
	return fail(s->cli, where, err, hint);
}

static enum model
model_of(const char *name)
{
	if (name == NULL || strcmp(name, "poll") == 0)
		return MODEL_POLL;
	if (strcmp(name, "iterative") == 0)
		return MODEL_ITERATIVE;
	return strcmp(name, "fork") == 0 ? MODEL_FORK : MODEL_THREAD;
}

/* Check the options and fill *s; an exit status when they cannot work. */
static int
configure(struct cli *cli, struct serve *s)
{
	static const struct service *const services[] = {
		&service_echo, &service_discard, &service_daytime,
		&service_chargen,
	};
	const int chosen[] = { o.echo, o.discard, o.daytime, o.chargen };
	const struct {
		const char *name;
		long value;
	} counts[] = {
		{ "max-conn", o.max_conn }, { "count", o.count },
		{ "backlog", o.backlog },
	};

	if (o.echo + o.discard + o.daytime + o.chargen + o.exec != 1)
		return usage_error(cli, "choose one service: --echo, --discard, "
				   "--daytime, --chargen or --exec");
	if (o.exec && cli->argc < 2)
		return usage_error(cli, "--exec needs a command after ADDR: "
				   "ADDR --exec -- CMD [ARG...]");
	if (!o.exec && cli->argc > 1)
		return usage_error(cli, "unexpected argument '%s' (only --exec "
				   "takes a command)", cli->argv[1]);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		if (counts[i].value < 0 || counts[i].value > INT_MAX)
			return usage_error(cli, "--%s: expected a number from 1 "
					   "to %d", counts[i].name, INT_MAX);
	if (o.clients < 0 || o.clients > CLIENTS_MAX)
		return usage_error(cli, "--clients: expected a number from 1 "
				   "to %d", CLIENTS_MAX);
	for (size_t i = 0; i < 4; i++)
		if (chosen[i])
			s->svc = services[i];
	if (o.exec) {
		s->exec_argv = calloc((size_t)cli->argc, sizeof(char *));
		if (s->exec_argv == NULL)
			return fail(cli, NULL, ENOMEM, NULL);
		memcpy(s->exec_argv, cli->argv + 1,
		       (size_t)(cli->argc - 1) * sizeof(char *));
	}
	s->cli = cli;
	s->model = model_of(o.model);
	s->quiet = o.quiet;
	s->max_conn = o.max_conn;
	s->count = o.count > 0 ? o.count : o.clients;
	s->idle = o.idle;
	return 0;
}

static void
summary(const struct serve *s)
{
	fprintf(stderr, "served %lu connection%s, %llu bytes in, %llu bytes out",
		s->st.served, s->st.served == 1 ? "" : "s",
		(unsigned long long)s->st.in, (unsigned long long)s->st.out);
	if (s->st.vanished)
		fprintf(stderr, ", %lu client%s vanished mid-write",
			s->st.vanished, s->st.vanished == 1 ? "" : "s");
	if (s->st.dropped)
		fprintf(stderr, ", %lu dropped for lack of descriptors",
			s->st.dropped);
	fputc('\n', stderr);
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		sys_close(*fd);
	*fd = -1;
}

/*
 * --clients: one client in a forked child.  It connects to the server's
 * own address, sends a line, shuts down its sending side (FIN), reads the
 * answer to the end (at most CLIENT_READ bytes: chargen never ends) and
 * exits.  A forked child of a traced process traces too, under its own
 * pid, so the trace (and `ipc tui`) shows both ends of each connection.
 */
#define CLIENT_READ	(16 * 1024)

static _Noreturn void
client_main(struct serve *s, int k, const sigset_t *old)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char line[64], buf[4096];
	ssize_t got = 0;
	size_t total = 0;
	int fd = -1, n, ok;

	/* A client, not a server: the server's signals and descriptors go. */
	signals_restore();
	sys_sigprocmask(SIG_SETMASK, old, NULL);
	ok = sys_getsockname(s->lfd, (struct sockaddr *)&ss, &len) == 0;
	close_fd(&s->lfd);
	close_fd(&s->spare);
	close_fd(&s->report[0]);
	close_fd(&s->report[1]);
	if (ok)
		fd = sys_socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ok = fd >= 0 && sys_connect(fd, (struct sockaddr *)&ss, len) == 0;
	/* The address the kernel chose for our end: the server's peer. */
	len = sizeof(ss);
	ok = ok && sys_getsockname(fd, (struct sockaddr *)&ss, &len) == 0;
	n = snprintf(line, sizeof(line), "hello from client %d\n", k);
	ok = ok && out_write_all(fd, line, (size_t)n) == 0 &&
	     sys_shutdown(fd, SHUT_WR) == 0;
	while (ok && total < CLIENT_READ &&
	       ((got = sys_read(fd, buf, sizeof(buf))) > 0 ||
		(got < 0 && errno == EINTR)))
		total += got > 0 ? (size_t)got : 0;
	if (fd >= 0)
		sys_close(fd);
	/* _exit: the parent's stdio buffers and atexit handlers are its own. */
	_exit(ok && got >= 0 ? 0 : 1);
}

/* Wait for each client: no zombies.  ECHILD: the SIGCHLD reaper had it. */
static void
clients_wait(const pid_t pids[], int n)
{
	int status;

	for (int k = 0; k < n; k++)
		while (sys_waitpid(pids[k], &status, 0) < 0 && errno == EINTR)
			continue;
}

/*
 * Fork the --clients; their pids go into pids and their number into *n.
 * Returns 0, or an exit status when a fork fails: the clients already
 * started are ended first, since nobody will serve them.
 */
static int
clients_start(struct serve *s, pid_t pids[], int *n)
{
	sigset_t old;
	int err;

	for (*n = 0; *n < o.clients; (*n)++) {
		pids[*n] = serve_fork(&old);
		if (pids[*n] == 0)
			client_main(s, *n + 1, &old);
		if (pids[*n] < 0) {
			err = errno;
			for (int k = 0; k < *n; k++)
				sys_kill(pids[k], SIGTERM);
			clients_wait(pids, *n);
			return fail(s->cli, "fork", err, "too many processes "
				    "(ulimit -u) or too little memory; try "
				    "fewer --clients");
		}
	}
	return 0;
}

/* Open what every model needs, then run the loop. */
static int
serve_run(struct serve *s, const struct net_addr *a)
{
	pid_t clients[CLIENTS_MAX];
	char where[160];
	int rc, nclients;

	s->spare = sys_open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (s->spare < 0)
		return fail(s->cli, "/dev/null", errno, NULL);
	rc = open_listener(s, s->cli->argv[0], a,
			   o.backlog ? (int)o.backlog : SOMAXCONN);
	if (rc != 0)
		return rc;
	if (s->model == MODEL_FORK &&
	    (sys_pipe2(s->report, O_CLOEXEC) < 0 ||
	     net_set_nonblock(s->report[0], 1) < 0))
		return fail(s->cli, "pipe2", errno, NULL);
	fprintf(stderr, "listening %s\n", net_local(s->lfd, where,
						    sizeof(where)));
	if ((rc = clients_start(s, clients, &nclients)) != 0)
		return rc;
	rc = serve_loop(s);
	clients_wait(clients, nclients);
	summary(s);
	if (a->family == AF_UNIX && !a->abstract)
		sys_unlink(a->path);
	return rc;
}

static int
run_serve(struct cli *cli)
{
	struct serve s = { .lfd = -1, .spare = -1, .report = { -1, -1 } };
	struct net_addr a;
	const char *why;
	int rc;

	rc = configure(cli, &s);
	if (rc == 0 &&
	    net_parse_addr(cli->argv[0], NULL, NET_PASSIVE, &a, &why) < 0)
		rc = usage_error(cli, "%s: %s", cli->argv[0], why);
	if (rc == 0 && signals_install() < 0)
		rc = fail(cli, "sigaction", errno, NULL);
	if (rc == 0) {
		rc = serve_run(&s, &a);
		signals_restore();
	}
	close_fd(&s.lfd);
	close_fd(&s.spare);
	close_fd(&s.report[0]);
	close_fd(&s.report[1]);
	free(s.conns);
	free(s.pfds);
	free(s.owner);
	free(s.exec_argv);
	return rc;
}

const struct verb sock_serve_verb = {
	.name = "serve",
	.summary = "serve echo, discard, daytime, chargen or a command to "
		   "every client",
	.usage = "ADDR [--exec -- CMD [ARG...]]",
	.description =
		"Listens on ADDR (loopback unless an address is given: "
		"\":0\", \"8080\", \"[::1]:0\", \"0.0.0.0:8080\", "
		"\"unix:/path\", \"unix:@name\") and prints \"listening ADDR\" "
		"on stderr with the real port.  Every client gets the one "
		"service asked for: --echo, --discard, --daytime, --chargen "
		"(the inetd services of RFC 862-867) or --exec, which runs a "
		"command with the socket as its stdin and stdout (no shell: "
		"the words after -- are the program and its arguments; "
		"stderr stays the server's).\n\n"
		"The model says how clients are served at once, the point of "
		"the exercise.  iterative: accept one, serve it to the end, "
		"then the next; the others wait in the listen queue.  fork: a "
		"child process per connection; the parent reaps them on "
		"SIGCHLD.  thread: a thread per connection, joined when it "
		"ends.  poll (the default): one process, every socket "
		"non-blocking in one poll(2) set, with at most 64 KiB of "
		"unsent output per client; a client whose output is full is "
		"not read until it catches up.  --exec always runs a child "
		"process per connection, whatever the model: with iterative "
		"the server waits for it before the next accept; with fork, "
		"thread and poll the children run side by side (no thread is "
		"started for them) up to --max-conn.  The server never sees "
		"their bytes, so --idle-timeout does not apply to them.\n\n"
		"One line per connection on stderr (not with --quiet).  When "
		"out of descriptors the server closes the connections it "
		"cannot take and says so.  SIGINT or SIGTERM stop it: clients "
		"are closed, children and threads ended, a Unix socket file "
		"removed, and a summary printed.  (A SIGINT ignored at start, "
		"as in a shell's background job, stays ignored.)\n\n"
		"--clients N is a demonstration: after listening the server "
		"forks N clients of its own, each connecting, sending one "
		"line, shutting down its sending side and reading the answer, "
		"and exits once it has served them (--count N).  With --trace "
		"both ends of every connection show, each process under its "
		"own pid; `ipc tui` offers it as a scenario.",
	.examples = (const char *const[]){
		"ipc sock serve :0 --echo\tan echo server on a free loopback "
		"port",
		"ipc sock serve 7000 --echo --model fork\tone child process "
		"per client",
		"ipc sock serve :0 --chargen --max-conn 2\tcharacters for two "
		"clients at a time",
		"ipc sock serve unix:/tmp/day.sock --daytime --count 1\tone "
		"date on a Unix socket, then exit",
		"ipc sock serve :0 --exec -- tr a-z A-Z\tshout back at every "
		"client",
		"ipc sock serve :0 --echo --idle-timeout 30\tclose clients "
		"silent for 30 seconds",
		"ipc sock serve :0 --echo --clients 3 --trace\tthree clients "
		"of its own, both ends traced",
		NULL },
	.opts = serve_opts,
	.min_args = 1, .max_args = -1,
	.run = run_serve,
};
