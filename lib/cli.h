/*
 * cli.h - the command table and the machinery that reads it.
 *
 * Every applet is one `const struct applet`: its name, a summary and its
 * verbs.  Every verb holds its usage line, examples, option table and run
 * function.  Option parsing (getopt_long), --help, usage errors, `ipc --list`,
 * shell completions and man pages are all generated from these tables, so
 * help text is written exactly once.  (Compare git's parse-options and
 * tmux's cmd_entry.)
 *
 * Options are declared git-style: each entry points at the variable it
 * fills.  cli_parse() resets every variable to zero before parsing, so a
 * verb can run more than once in one process (ipc shell, tutorials).
 */
#ifndef IPC_CLI_H
#define IPC_CLI_H

#include <stddef.h>

enum opt_type {
	OPT_END = 0,
	OPT_BOOL,	/* int *: set to 1 */
	OPT_STRING,	/* const char **: the argument */
	OPT_INT,	/* long *: a decimal integer */
	OPT_SECONDS,	/* double *: seconds, fractions allowed, >= 0 */
	OPT_CHOICE,	/* const char **: one of `choices` ("a|b|c") */
	OPT_LIST,	/* struct strlist *: repeatable, every value kept */
	OPT_OPTIONAL,	/* const char **: --name or --name=VALUE; bare gives "" */
};

/* A growable list of strings for repeatable options (--opt, --inject). */
struct strlist {
	const char **v;
	size_t n, cap;
};

struct opt {
	enum opt_type type;
	int short_name;		/* 'x', or 0 for long only */
	const char *long_name;	/* "timeout" */
	void *value;		/* where the value goes; see enum opt_type */
	const char *arg;	/* metavariable shown in help: "S", "ADDR" */
	const char *help;	/* one line, no trailing full stop */
	const char *choices;	/* OPT_CHOICE: "iterative|fork|thread|poll";
				   otherwise a completion hint: "@file",
				   "@host", "@signal", or NULL */
};

#define OPT_FLAG(s, l, v, h)		{ OPT_BOOL, s, l, v, NULL, h, NULL }
#define OPT_STR(s, l, v, a, h)		{ OPT_STRING, s, l, v, a, h, NULL }
#define OPT_STR_C(s, l, v, a, h, c)	{ OPT_STRING, s, l, v, a, h, c }
#define OPT_NUM(s, l, v, a, h)		{ OPT_INT, s, l, v, a, h, NULL }
#define OPT_SECS(s, l, v, h)		{ OPT_SECONDS, s, l, v, "S", h, NULL }
#define OPT_ONEOF(s, l, v, a, c, h)	{ OPT_CHOICE, s, l, v, a, h, c }
#define OPT_MANY(s, l, v, a, h)		{ OPT_LIST, s, l, v, a, h, NULL }
#define OPT_OPT(s, l, v, a, h)		{ OPT_OPTIONAL, s, l, v, a, h, NULL }
#define OPT_STOP			{ OPT_END, 0, NULL, NULL, NULL, NULL, NULL }

struct cli;

struct verb {
	const char *name;		/* "connect" */
	const char *summary;		/* one line: "open a connection and relay stdio" */
	const char *usage;		/* arguments after the verb: "ADDR [PORT]" */
	const char *description;	/* paragraphs for --help and the man page, or NULL */
	const char *const *examples;	/* NULL-terminated; "COMMAND\tWHAT IT DOES" */
	const struct opt *opts;		/* ends with OPT_STOP; may be NULL */
	int min_args, max_args;		/* positional arguments; max -1 = any */
	const char *args_hint;		/* completion of positionals: "@host", "@file", or NULL */
	int (*run)(struct cli *cli);	/* returns an exit status (sysexits) */
};

struct applet {
	const char *name;		/* "sock" */
	const char *summary;		/* one line for `ipc --list` */
	const char *description;	/* paragraphs for the man page, or NULL */
	const struct verb *const *verbs;	/* NULL-terminated */
	const char *default_verb;	/* run when no verb is given, or NULL
					   for the applet's help */
	int words_to_default;		/* a first word that is no verb is
					   the default verb's first argument:
					   `ipc tutorial sockets` */
};

/* What a running verb sees. */
struct cli {
	const struct applet *applet;
	const struct verb *verb;
	int argc;		/* positional arguments only */
	char **argv;
	const char *prog;	/* "ipc sock connect", for messages */
};

/* Options every verb accepts; filled by cli_parse(). */
struct cli_common {
	const char *trace;	/* NULL, "" (human), "human" or "json" */
	const char *trace_to;	/* PATH or unix:PATH */
	const char *step;	/* NULL, "" (iter), "iter" or "syscall" */
	struct strlist inject;	/* CALL=ERRNO[:N] */
	int help;
};
extern struct cli_common cli_common;
extern const struct opt cli_common_opts[];

/* The applet list, from cmd/commands.h (defined in cmd/ipc.c). */
extern const struct applet *const cli_applets[];

/*
 * Find a verb by name or unique prefix.  Returns NULL with errno ENOENT when
 * nothing matches, or EINVAL when the prefix is ambiguous.
 */
const struct verb *cli_find_verb(const struct applet *a, const char *name);
const struct applet *cli_find_applet(const char *name);

/*
 * Parse argv (argv[0] is the verb) against the verb's table plus the common
 * options.  Returns 0 and fills cli, or -1 with errno EINVAL and a message
 * in *why (static storage) on a usage error.
 */
int cli_parse(struct cli *cli, const struct applet *a, const struct verb *v,
	      int argc, char **argv, const char **why);

/* Append to a strlist; returns -1 with errno ENOMEM on failure. */
int strlist_push(struct strlist *l, const char *s);
void strlist_clear(struct strlist *l);

/* Parse seconds ("1.5", "250ms", "2s"); returns -1 with errno EINVAL. */
int cli_parse_seconds(const char *s, double *out);

#endif
