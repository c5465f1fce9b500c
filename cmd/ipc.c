/*
 * ipc.c - main(): find the applet and the verb, parse options from the
 * command table, set up tracing and fault injection, run the verb.
 *
 * The applet comes from the name we were run as (ipc-sock, or a link named
 * sock) or from the first argument (ipc sock ...).  Verbs may be shortened
 * to any unique prefix: `ipc sock conn`.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"
#include "sys.h"
#include "trace.h"

#define APPLET(name) extern const struct applet name##_applet;
#include "commands.h"
#undef APPLET

const struct applet *const cli_applets[] = {
#define APPLET(name) &name##_applet,
#include "commands.h"
#undef APPLET
	NULL
};

/* Does this common option take its value in the next word? */
static int
takes_next_word(const char *word)
{
	for (const struct opt *o = cli_common_opts; o->type != OPT_END; o++)
		if (strncmp(word, "--", 2) == 0 &&
		    strcmp(word + 2, o->long_name) == 0)
			return o->type != OPT_BOOL && o->type != OPT_OPTIONAL;
	return 0;
}

static int
is_common_option(const char *word)
{
	size_t n = strcspn(word, "=");

	for (const struct opt *o = cli_common_opts; o->type != OPT_END; o++)
		if (strncmp(word, "--", 2) == 0 &&
		    strlen(o->long_name) == n - 2 &&
		    strncmp(word + 2, o->long_name, n - 2) == 0)
			return 1;
	return 0;
}

static int
list_applets(int json)
{
	json_t *rows = json_array();
	static const struct out_col cols[] = {
		{ "applet", "APPLET" }, { "summary", "SUMMARY" },
	};

	for (const struct applet *const *a = cli_applets; *a; a++)
		json_array_append_new(rows, json_pack("{s:s, s:s}", "applet",
						      (*a)->name, "summary",
						      (*a)->summary));
	out_table(stdout, rows, cols, 2, json);
	json_decref(rows);
	return 0;
}

static void
verb_candidates(FILE *f, const struct applet *a, const char *prefix)
{
	size_t len = strlen(prefix);
	const char *sep = "";

	for (const struct verb *const *v = a->verbs; *v; v++)
		if (strncmp((*v)->name, prefix, len) == 0) {
			fprintf(f, "%s%s", sep, (*v)->name);
			sep = ", ";
		}
}

/* Set up the trace and the injected faults from the common options. */
static int
start_tracing(const struct cli *cli, int argc, char **argv)
{
	struct trace_config cfg = {
		.spec = cli_common.trace,
		.to = cli_common.trace_to,
		.step = cli_common.step,
		.mod = cli->applet->name[0] ? cli->applet->name : "ipc",
		.argc = argc,
		.argv = argv,
	};

	for (size_t i = 0; i < cli_common.inject.n; i++)
		if (sys_inject_add(cli_common.inject.v[i]) < 0)
			return usage_error(cli, "--inject %s: expected "
					   "CALL=ERRNO[:N] or CALL=short[:N]",
					   cli_common.inject.v[i]);
	if (trace_init(&cfg) < 0) {
		if (errno == ENOTSOCK)
			return usage_error(cli, "--step needs a trace socket "
					   "(--trace-to unix:PATH or IPC_TRACE_FD)");
		if (errno == EINVAL)
			return usage_error(cli, "--trace: expected human or json");
		return fail(cli, cfg.to ? cfg.to : "trace", errno,
			    "--trace-to takes a writable PATH or unix:PATH "
			    "where a listener waits");
	}
	sys_watch_update();
	return 0;
}

/*
 * Run one verb: argv[0] is the verb name as typed, common options seen
 * before the applet name are in pre[0..npre).
 */
static int
run_verb(const struct applet *a, int argc, char **argv, char **pre, int npre,
	 int full_argc, char **full_argv)
{
	struct cli cli = { .applet = a, .prog = "ipc" };
	const struct verb *v;
	char *dflt[] = { (char *)a->default_verb, NULL };
	const char *why;
	char **args;
	int rc, skip = 1, n;

	if (argc < 1 && a->default_verb != NULL) {
		argc = 1;
		argv = dflt;
	}
	if (argc < 1) {
		help_applet(stderr, a);
		return EX_USAGE_;
	}
	if (a->name[0] && (strcmp(argv[0], "--help") == 0 ||
			   strcmp(argv[0], "-h") == 0 ||
			   strcmp(argv[0], "help") == 0)) {
		help_applet(stdout, a);
		return 0;
	}
	/*
	 * An option where the verb goes belongs to the default verb, which
	 * then gets every word: `ipc tui --replay F` is `ipc tui pick
	 * --replay F`, and `ipc tui -- CMD` is `ipc tui pick -- CMD`.
	 */
	if (argv[0][0] == '-' && a->default_verb != NULL)
		skip = 0;
	v = cli_find_verb(a, skip ? argv[0] : a->default_verb);
	/*
	 * An applet may take a word that names no verb as its default
	 * verb's first argument: `ipc tutorial sockets` is `ipc tutorial
	 * start sockets`.  The verb then judges the word.
	 */
	if (v == NULL && errno == ENOENT && a->words_to_default &&
	    a->default_verb != NULL) {
		skip = 0;
		v = cli_find_verb(a, a->default_verb);
	}
	if (v == NULL) {
		int ambiguous = errno == EINVAL;

		fprintf(stderr, "ipc %s: %s verb '%s'\n", a->name,
			ambiguous ? "ambiguous" : "unknown", argv[0]);
		fprintf(stderr, "hint: %s", ambiguous ? "it could be " :
			"the verbs are ");
		verb_candidates(stderr, a, ambiguous ? argv[0] : "");
		fprintf(stderr, "\n");
		return EX_USAGE_;
	}

	/* Put the common options typed before the applet after the verb. */
	args = calloc((size_t)(argc + npre + 2), sizeof(*args));
	if (args == NULL)
		return fail(&cli, NULL, ENOMEM, NULL);
	args[0] = skip ? argv[0] : (char *)v->name;
	n = 1;
	for (int i = 0; i < npre; i++)
		args[n++] = pre[i];
	for (int i = skip; i < argc; i++)
		args[n++] = argv[i];

	if (cli_parse(&cli, a, v, n, args, &why) < 0) {
		cli.verb = v;
		rc = usage_error(&cli, "%s", why);
	} else if (cli_common.help) {
		help_verb(stdout, a, v);
		rc = 0;
	} else if ((rc = start_tracing(&cli, full_argc, full_argv)) == 0) {
		rc = v->run(&cli);
		trace_close();
	}
	free(args);
	return rc;
}

/*
 * If we were started with fd 0, 1 or 2 closed, the first socket we make
 * would take its number, and data meant for stdout would go down the
 * socket.  Hold each closed one open on /dev/null.  Returns 0 or -1.
 */
static int
keep_stdio_open(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int null;

		if (sys_fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* open(2) returns the lowest free number: fd itself. */
		null = sys_open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (null != fd)
			return -1;
	}
	return 0;
}

static const char *
applet_from_name(const char *argv0)
{
	const char *base = strrchr(argv0, '/');

	base = base ? base + 1 : argv0;
	if (strncmp(base, "ipc-", 4) == 0)
		base += 4;
	return cli_find_applet(base) ? base : NULL;
}

int
main(int argc, char **argv)
{
	const struct applet *a;
	const char *name = applet_from_name(argv[0]);
	char **pre = argv + 1;
	int i = 1, json = 0;

	/*
	 * Writing to a peer that has gone must return EPIPE, not kill us: every
	 * write checks its result and reports.  See signal(7).
	 */
	signal(SIGPIPE, SIG_IGN);
	if (keep_stdio_open() < 0)
		return EX_OSERR_;

	if (name) {
		a = cli_find_applet(name);
		return run_verb(a, argc - 1, argv + 1, NULL, 0, argc, argv);
	}
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			help_top(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("ipc %s\n", IPC_VERSION);
			printf("Built with OpenSSL, ncurses, readline and jansson.\n"
			       "This is free software: you are free to change and "
			       "redistribute it.\n");
			return 0;
		}
		if (strcmp(argv[i], "--list") == 0) {
			for (int j = i + 1; j < argc; j++)
				json |= strcmp(argv[j], "--json") == 0;
			return list_applets(json);
		}
		if (!is_common_option(argv[i])) {
			fprintf(stderr, "ipc: unknown option '%s'\n", argv[i]);
			fprintf(stderr, "hint: 'ipc --help' lists the options "
				"and applets\n");
			return EX_USAGE_;
		}
		if (takes_next_word(argv[i]) && i + 1 < argc)
			i++;
	}
	if (i == argc) {
		help_top(stdout);
		return 0;
	}
	a = cli_find_applet(argv[i]);
	if (a)
		return run_verb(a, argc - i - 1, argv + i + 1, pre, i - 1,
				argc, argv);
	if (cli_find_verb(&ipc_builtins, argv[i]) &&
	    strcmp(cli_find_verb(&ipc_builtins, argv[i])->name, argv[i]) == 0)
		return run_verb(&ipc_builtins, argc - i, argv + i, pre, i - 1,
				argc, argv);
	fprintf(stderr, "ipc: unknown command '%s'\n", argv[i]);
	fprintf(stderr, "hint: 'ipc --list' shows the applets\n");
	return EX_USAGE_;
}
