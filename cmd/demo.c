/*
 * demo.c - `ipc demo`: a guided walk through one TCP conversation.
 *
 * It starts an echo server on a free loopback port, then runs real `ipc`
 * commands against it with --trace on, one step at a time, saying what to
 * look at in each.  On a terminal it waits for Enter between steps; piped,
 * it runs straight through (the test suite runs it that way).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"
#include "sys.h"

struct step {
	const char *title;
	const char *text;
	const char *input;		/* fed to the command's stdin, or NULL */
	const char *argv[10];		/* "{PORT}" becomes the server's port */
};

static const struct step steps[] = {
	{ "Names become addresses",
	  "getaddrinfo(3) turns a name into a list of addresses.  A client "
	  "tries them\nin this order until one connects.",
	  NULL, { "sock", "resolve", "localhost", "echo", NULL } },
	{ "A conversation, call by call",
	  "Watch the calls on stderr: socket() makes an endpoint, connect() "
	  "runs the\nthree-way handshake, poll() waits for whichever side has "
	  "data, and after\nstdin ends shutdown(SHUT_WR) sends FIN so the echo "
	  "server knows we are done.\nread() returning 0 is the server's FIN "
	  "coming back.",
	  "hello, echo server\n",
	  { "--trace", "sock", "connect", "127.0.0.1", "{PORT}", NULL } },
	{ "Connecting with a deadline",
	  "--timeout turns connect into the non-blocking pattern every event "
	  "loop uses:\nconnect() returns EINPROGRESS, poll() waits for "
	  "POLLOUT, and\ngetsockopt(SO_ERROR) says how the handshake ended.",
	  "ping\n",
	  { "--trace", "sock", "connect", "--timeout", "2", "127.0.0.1",
	    "{PORT}", NULL } },
	{ "When nobody listens",
	  "Port 1 on loopback has no listener, so the kernel answers the SYN "
	  "with RST and\nconnect() fails with ECONNREFUSED.  Note the error "
	  "line, the hint, and exit\nstatus 69 (EX_UNAVAILABLE).",
	  "", { "--trace", "sock", "connect", "127.0.0.1", "1", NULL } },
	{ "Faults on purpose",
	  "Loopback never times out, so --inject makes connect() fail with "
	  "ETIMEDOUT\nto show what a client sees on a real network: exit "
	  "status 75.",
	  "", { "--trace", "--inject", "connect=ETIMEDOUT", "sock", "connect",
		"127.0.0.1", "{PORT}", NULL } },
};

/* Run `ipc ARGS` with input on stdin and wait; returns its exit status. */
static int
run_step(const char *self, const struct step *s, const char *port)
{
	const char *argv[12] = { "ipc" };
	int in[2], status = 0;
	size_t n = 1;
	pid_t pid;

	for (const char *const *a = s->argv; *a && n < 11; a++)
		argv[n++] = strcmp(*a, "{PORT}") == 0 ? port : *a;
	argv[n] = NULL;

	printf("\n$ %s", s->input ? "printf '...' | ipc" : "ipc");
	for (size_t i = 1; i < n; i++)
		printf(" %s", argv[i]);
	printf("\n");
	fflush(stdout);

	if (sys_pipe2(in, O_CLOEXEC) < 0)
		return -1;
	pid = sys_fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		sys_dup2(in[0], 0);
		sys_execvp(self, (char *const *)argv);
		_exit(127);
	}
	sys_close(in[0]);
	if (s->input)
		out_write_all(in[1], s->input, strlen(s->input));
	sys_close(in[1]);
	while (sys_waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * Start `ipc sock serve --echo 127.0.0.1:0` and read its ready line,
 * "listening 127.0.0.1:PORT", from its stderr.
 */
static pid_t
start_server(const char *self, char *port, size_t size)
{
	char line[256], *colon;
	size_t len = 0;
	int err[2];
	pid_t pid;

	if (sys_pipe2(err, O_CLOEXEC) < 0)
		return -1;
	pid = sys_fork();
	if (pid == 0) {
		char *const argv[] = { "ipc", "sock", "serve", "--echo",
				       "127.0.0.1:0", NULL };

		sys_dup2(err[1], 2);
		sys_execvp(self, argv);
		_exit(127);
	}
	sys_close(err[1]);
	while (pid > 0 && len < sizeof(line) - 1) {
		ssize_t r = sys_read(err[0], line + len, 1);

		if (r <= 0 || line[len] == '\n')
			break;
		len++;
	}
	line[len] = '\0';
	sys_close(err[0]);
	colon = strrchr(line, ':');
	if (pid < 0 || strncmp(line, "listening ", 10) != 0 || !colon) {
		if (pid > 0)
			sys_kill(pid, SIGTERM);
		errno = EPROTO;
		return -1;
	}
	snprintf(port, size, "%s", colon + 1);
	return pid;
}

/* On a terminal, wait for Enter; 'q' stops.  Returns 0 to go on. */
static int
pause_here(int interactive)
{
	char buf[16];

	if (!interactive)
		return 0;
	printf("\n[Enter: next step, q: quit] ");
	fflush(stdout);
	if (fgets(buf, sizeof(buf), stdin) == NULL || buf[0] == 'q')
		return -1;
	return 0;
}

static int
run_demo(struct cli *cli)
{
	int interactive = isatty(0) && isatty(1);
	char self[4096], port[16];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	pid_t server;
	int status;

	if (n < 0)
		return fail(cli, "/proc/self/exe", errno, NULL);
	self[n] = '\0';
	printf("ipc demo: one TCP conversation, one system call at a time.\n"
	       "An echo server is starting on a free loopback port...\n");
	fflush(stdout);
	server = start_server(self, port, sizeof(port));
	if (server < 0)
		return fail(cli, "echo server", errno,
			    "'ipc sock serve --echo :0' should print a ready "
			    "line; run it by hand to see why it did not");
	printf("It listens on 127.0.0.1:%s.\n", port);

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (pause_here(interactive) < 0)
			break;
		printf("\n== %zu. %s ==\n%s\n", i + 1, steps[i].title,
		       steps[i].text);
		printf("(exit status %d)\n", run_step(self, &steps[i], port));
		fflush(stdout);
	}

	sys_kill(server, SIGTERM);
	while (sys_waitpid(server, &status, 0) < 0 && errno == EINTR)
		;
	printf("\nThe server got SIGTERM and stopped.  Next: 'ipc help sock', "
	       "or try\n'ipc sock serve --model fork --echo :0' and connect "
	       "from two terminals.\n");
	return 0;
}

const struct verb demo_verb = {
	.name = "demo",
	.summary = "a guided walk through a TCP conversation, with the trace on",
	.usage = "",
	.examples = (const char *const[]){
		"ipc demo\tstep through it, Enter after each step",
		"ipc demo | less\tread it all at once", NULL },
	.min_args = 0, .max_args = 0,
	.run = run_demo,
};
