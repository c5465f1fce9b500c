/*
 * catch.c - `ipc sig catch SIG...`: receive signals one of four ways
 * (catch_ways.c) and report each delivery with who sent it.  With --hold
 * the signals stay blocked until end of input, which shows what blocking
 * does to them: a standard signal sent three times is pending once, and
 * delivered once; a real-time signal sent three times is queued three
 * times, and delivered three times, in order.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "catch.h"
#include "clock.h"
#include "sig.h"
#include "sigs.h"
#include "sys.h"
#include "trace.h"

static struct {
	const char *method;
	long count;
	double timeout;
	int hold, json;
} o;

static const struct opt catch_opts[] = {
	OPT_ONEOF('m', "method", &o.method, "HOW",
		  "handler|self-pipe|signalfd|sigwait",
		  "how to receive (default: handler)"),
	OPT_NUM('n', "count", &o.count, "N", "stop after N deliveries"),
	OPT_SECS('t', "timeout", &o.timeout, "stop after S seconds"),
	OPT_FLAG(0, "hold", &o.hold, "keep the signals blocked until end "
		 "of input, then show what was pending"),
	OPT_FLAG(0, "json", &o.json, "one JSON object per delivery"),
	OPT_STOP
};

/* The signals of the arguments; 0, or a usage error (64). */
static int
signal_set(const struct cli *cli, sigset_t *set)
{
	char name[32];
	int i, sig, rc;

	sigemptyset(set);
	for (i = 0; i < cli->argc; i++) {
		if ((rc = sig_arg(cli, cli->argv[i], 0, &sig)) != 0)
			return rc;
		if (sig == SIGKILL || sig == SIGSTOP)
			return usage_error(cli, "%s cannot be caught, blocked "
					   "or ignored; see signal(7)",
					   sigs_name(sig, name, sizeof(name)));
		sigaddset(set, sig);
	}
	return 0;
}

/* Was it sent by a process (so that si_pid and si_uid mean something)? */
static int
from_process(int code)
{
	return code == SI_USER || code == SI_QUEUE || code == SI_TKILL;
}

/* One delivery, on stdout: a line, or a JSON object with --json. */
static int
report(int n, const struct catch_delivery *d)
{
	char name[32], buf[24];
	const char *code;
	json_t *obj;
	int rc;

	sigs_name(d->sig, name, sizeof(name));
	code = sigs_code_name(d->sig, d->code, buf, sizeof(buf));
	if (trace_on) {
		/* The args let a reader (the TUI) draw sender -> receiver. */
		const char *sig = name;
		const struct trace_arg args[] = {
			TARG_S("what", "delivered"), TARG_S("sig", sig),
			TARG_I("from", d->pid), TARG_S("code", code) };
		char note[128];

		snprintf(note, sizeof(note), "signal %s delivered (%s, from "
			 "pid %d)", name, code, (int)d->pid);
		trace_event("state", note, args, 4);
	}
	if (o.json) {
		obj = json_pack("{s:i, s:s, s:i, s:s, s:s}", "n", n,
				"signal", name, "number", d->sig, "code", code,
				"method", o.method);
		if (obj == NULL)
			return -1;
		if (from_process(d->code)) {
			json_object_set_new(obj, "pid", json_integer(d->pid));
			json_object_set_new(obj, "uid", json_integer(d->uid));
		}
		if (d->code == SI_QUEUE)
			json_object_set_new(obj, "value",
					    json_integer(d->value));
		rc = out_json_line(stdout, obj);
		json_decref(obj);
		return rc;
	}
	printf("%d: %s (%d)", n, name, d->sig);
	if (from_process(d->code))
		printf(" from pid %d uid %u", (int)d->pid, (unsigned)d->uid);
	if (d->code == SI_QUEUE)
		printf(" value %d", d->value);
	printf(", %s: %s\n", code, sigs_code_meaning(d->sig, d->code));
	return fflush(stdout) == 0 ? 0 : -1;
}

/*
 * --hold: the signals are blocked; wait for a line or end of input, then
 * show which of them are pending.  Returns 0 or an exit status.
 */
static int
hold(const struct cli *cli, const sigset_t *set)
{
	char buf[256], names[512];
	sigset_t pending;
	ssize_t n;
	int sig;

	fprintf(stderr, "holding: the signals stay blocked until a line or "
		"end of input (Ctrl-D)\n");
	for (;;) {
		n = sys_read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(cli, "read stdin", errno, NULL);
		if (n == 0 || memchr(buf, '\n', (size_t)n) != NULL)
			break;
	}
	if (sys_sigpending(&pending) < 0)
		return fail(cli, "sigpending", errno, NULL);
	for (sig = 1; sig < NSIG; sig++)
		if (sigismember(set, sig) != 1)
			sigdelset(&pending, sig);
	fprintf(stderr, "pending: %s (a standard signal is pending once, "
		"however often it was sent; real-time signals queue)\n",
		sig_set_names(&pending, names, sizeof(names)));
	return 0;
}

/* Receive until --count deliveries or the --timeout; an exit status. */
static int
receive(const struct cli *cli, const struct catch_way *way)
{
	struct catch_delivery d;
	const char *what = NULL;
	long long deadline = o.timeout > 0 ? clock_deadline(o.timeout) : -1;
	long got = 0;
	int r;

	if (way->release(&what) < 0)
		return fail(cli, what, errno, NULL);
	while (o.count == 0 || got < o.count) {
		r = way->next(deadline, &d, &what);
		if (r < 0)
			return fail(cli, what, errno, NULL);
		if (r == 0)
			break;
		if (report((int)++got, &d) < 0)
			return fail(cli, "stdout", errno, NULL);
	}
	if (catch_lost() > 0)
		out_warn(cli->prog, "%d deliveries were dropped: the handler "
			 "had nowhere to put them", catch_lost());
	fprintf(stderr, "caught %ld signal%s with %s\n", got,
		got == 1 ? "" : "s", way->name);
	if (o.count > 0 && got < o.count) {
		out_errorf(cli->prog, "timeout: %ld of %ld signals arrived in "
			   "%g s", got, o.count, o.timeout);
		out_hint("a standard signal sent while blocked or pending "
			 "counts once; send it again, or use a real-time "
			 "signal");
		return EX_TEMPFAIL_;
	}
	return 0;
}

static int
run_catch(struct cli *cli)
{
	const struct catch_way *way = catch_ways[0];
	const char *what = NULL;
	char names[512];
	sigset_t set, old;
	int rc, i;

	if ((rc = signal_set(cli, &set)) != 0)
		return rc;
	if (o.count < 0)
		return usage_error(cli, "--count %ld: give a positive number",
				   o.count);
	if (o.method == NULL)
		o.method = way->name;
	for (i = 0; catch_ways[i] != NULL; i++)
		if (strcmp(catch_ways[i]->name, o.method) == 0)
			way = catch_ways[i];
	/* Blocked from here, so that none is lost while we set up. */
	if (sys_sigprocmask(SIG_BLOCK, &set, &old) < 0)
		return fail(cli, "sigprocmask", errno, NULL);
	if (way->start(&set, &what) < 0) {
		rc = fail(cli, what, errno, NULL);
	} else {
		fprintf(stderr, "catching %s with %s\n",
			sig_set_names(&set, names, sizeof(names)), way->name);
		fprintf(stderr, "listening pid %d\n", (int)getpid());
		rc = o.hold ? hold(cli, &set) : 0;
		if (rc == 0)
			rc = receive(cli, way);
	}
	way->stop();
	sys_sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

const struct verb sig_catch_verb = {
	.name = "catch",
	.summary = "receive signals and show who sent each one",
	.usage = "SIG...",
	.description =
		"Receives the signals named and prints one line per delivery: "
		"the signal, the sender's pid and uid, and si_code, which "
		"says how it was sent (SI_USER: kill(2); SI_QUEUE: "
		"sigqueue(3), with a value; SI_KERNEL: the kernel).  It "
		"prints \"listening pid PID\" on stderr once it is ready.\n\n"
		"--method chooses how: 'handler' installs a handler with "
		"sigaction(2) that only records the siginfo, and waits in "
		"ppoll(2), which unblocks the signals only while it waits; "
		"'self-pipe' has the handler write to a pipe the program "
		"polls; 'signalfd' reads the blocked signals from a "
		"descriptor (signalfd(2)); 'sigwait' takes them one at a "
		"time with sigtimedwait(2).  A handler may call only "
		"async-signal-safe functions (signal-safety(7)): these two "
		"store integers or call write(2), nothing else.\n\n"
		"--hold keeps the signals blocked until a line or end of "
		"input, then shows what was pending: a standard signal sent "
		"several times is pending, and delivered, once; a real-time "
		"signal is queued and delivered once per send.\n\n"
		"It ends after --count deliveries or --timeout seconds "
		"(counted once the signals are let in), or when a signal it "
		"does not catch ends it.  Exit status: 0, or 75 when the "
		"timeout came before --count deliveries.",
	.examples = (const char *const[]){
		"ipc sig catch USR1 USR2\tprint each SIGUSR1 and SIGUSR2 "
		"until interrupted",
		"ipc sig catch RTMIN --method signalfd --count 1"
		"\tread one real-time signal from a signalfd",
		"ipc sig catch USR1 RTMIN --hold"
		"\tsend each three times, press Enter: one SIGUSR1, three "
		"SIGRTMIN",
		"ipc sig catch HUP --timeout 5 --json"
		"\tJSON lines for five seconds",
		NULL },
	.opts = catch_opts,
	.min_args = 1, .max_args = -1,
	.args_hint = "@signal",
	.run = run_catch,
};
