/*
 * cli.c - option parsing driven by the command table.
 *
 * A verb's option table becomes a getopt_long(3) table at run time: long
 * options get the value 256 + their index, short options map back to the
 * same index, so one switch handles both.  Messages for usage errors are
 * returned to cmd/, which prints them; this file never prints.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct cli_common cli_common;

const struct opt cli_common_opts[] = {
	{ OPT_OPTIONAL, 0, "trace", &cli_common.trace, "FORMAT",
	  "show every system call as it happens: human (the default) or json",
	  "human|json" },
	{ OPT_STRING, 0, "trace-to", &cli_common.trace_to, "PATH",
	  "send the trace to a file, or to a socket as unix:PATH", "@file" },
	{ OPT_OPTIONAL, 0, "step", &cli_common.step, "WHAT",
	  "pause at each loop iteration (or each syscall) until the trace "
	  "socket says step or run", "iter|syscall" },
	OPT_MANY(0, "inject", &cli_common.inject, "CALL=ERR[:N]",
		 "fail CALL with ERR (every call, or only the Nth); "
		 "ERR may be 'short' for read and write"),
	OPT_FLAG('h', "help", &cli_common.help, "show help with examples"),
	OPT_STOP
};

/* Room for one verb's options plus the common ones. */
#define CLI_MAX_OPTS 96

static char why_buf[256];

int
strlist_push(struct strlist *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		const char **v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = s;
	return 0;
}

void
strlist_clear(struct strlist *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/*
 * Seconds as "1.5", "1.5s", "250ms" or "2m".  Returns 0, or -1 with errno
 * EINVAL for anything else (negative, NaN, trailing junk).
 */
int
cli_parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || !isfinite(v) || v < 0) {
		errno = EINVAL;
		return -1;
	}
	if (strcmp(end, "ms") == 0)
		v /= 1000;
	else if (strcmp(end, "m") == 0)
		v *= 60;
	else if (*end != '\0' && strcmp(end, "s") != 0) {
		errno = EINVAL;
		return -1;
	}
	*out = v;
	return 0;
}

const struct applet *
cli_find_applet(const char *name)
{
	for (const struct applet *const *a = cli_applets; *a; a++)
		if (strcmp((*a)->name, name) == 0)
			return *a;
	errno = ENOENT;
	return NULL;
}

/*
 * An exact name wins; otherwise a prefix must match exactly one verb.
 * Returns NULL with errno ENOENT (no match) or EINVAL (ambiguous).
 */
const struct verb *
cli_find_verb(const struct applet *a, const char *name)
{
	const struct verb *found = NULL;
	size_t len = strlen(name);
	int matches = 0;

	for (const struct verb *const *v = a->verbs; *v; v++) {
		if (strcmp((*v)->name, name) == 0)
			return *v;
		if (len > 0 && strncmp((*v)->name, name, len) == 0) {
			found = *v;
			matches++;
		}
	}
	if (matches == 1)
		return found;
	errno = matches ? EINVAL : ENOENT;
	return NULL;
}

/* Zero every variable an option table points at. */
static void
reset_values(const struct opt *o)
{
	for (; o && o->type != OPT_END; o++) {
		switch (o->type) {
		case OPT_BOOL:
			*(int *)o->value = 0;
			break;
		case OPT_STRING:
		case OPT_CHOICE:
		case OPT_OPTIONAL:
			*(const char **)o->value = NULL;
			break;
		case OPT_INT:
			*(long *)o->value = 0;
			break;
		case OPT_SECONDS:
			*(double *)o->value = 0;
			break;
		case OPT_LIST:
			strlist_clear(o->value);
			break;
		case OPT_END:
			break;
		}
	}
}

/* Is word one of the '|'-separated choices? */
static int
is_choice(const char *choices, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = choices; p && *p;) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);

		if (n == len && strncmp(p, word, n) == 0)
			return 1;
		p = bar ? bar + 1 : NULL;
	}
	return 0;
}

/* Format a usage message into why_buf; returns -1 with errno EINVAL. */
static int __attribute__((format(printf, 1, 2)))
bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why_buf, sizeof(why_buf), fmt, ap);
	va_end(ap);
	errno = EINVAL;
	return -1;
}

/* Store one option's argument.  Returns 0, or -1 with why_buf set. */
static int
store(const struct opt *o, const char *arg)
{
	char *end;

	switch (o->type) {
	case OPT_BOOL:
		*(int *)o->value = 1;
		return 0;
	case OPT_STRING:
		*(const char **)o->value = arg;
		return 0;
	case OPT_OPTIONAL:
		if (arg && o->choices && !is_choice(o->choices, arg))
			return bad("--%s: expected one of %s", o->long_name,
				   o->choices);
		*(const char **)o->value = arg ? arg : "";
		return 0;
	case OPT_CHOICE:
		if (!is_choice(o->choices, arg))
			return bad("--%s: expected one of %s", o->long_name,
				   o->choices);
		*(const char **)o->value = arg;
		return 0;
	case OPT_INT:
		errno = 0;
		*(long *)o->value = strtol(arg, &end, 10);
		if (errno || end == arg || *end)
			return bad("--%s: not a whole number: '%s'",
				   o->long_name, arg);
		return 0;
	case OPT_SECONDS:
		if (cli_parse_seconds(arg, o->value) < 0)
			return bad("--%s: not a duration in seconds: '%s'",
				   o->long_name, arg);
		return 0;
	case OPT_LIST:
		if (strlist_push(o->value, arg) < 0)
			return bad("--%s: out of memory", o->long_name);
		return 0;
	case OPT_END:
		break;
	}
	errno = EINVAL;
	return -1;
}

static int
has_arg(enum opt_type t)
{
	if (t == OPT_BOOL)
		return no_argument;
	return t == OPT_OPTIONAL ? optional_argument : required_argument;
}

/* Collect the verb's options and the common ones into one flat array. */
static int
gather(const struct verb *v, const struct opt **all)
{
	int n = 0;

	for (const struct opt *o = v->opts; o && o->type != OPT_END; o++)
		if (n < CLI_MAX_OPTS)
			all[n++] = o;
	for (const struct opt *o = cli_common_opts; o->type != OPT_END; o++)
		if (n < CLI_MAX_OPTS)
			all[n++] = o;
	return n;
}

int
cli_parse(struct cli *cli, const struct applet *a, const struct verb *v,
	  int argc, char **argv, const char **why)
{
	static char prog[128];
	const struct opt *all[CLI_MAX_OPTS];
	struct option longs[CLI_MAX_OPTS + 1];
	char shorts[2 * CLI_MAX_OPTS + 2] = ":";
	size_t sl = 1;
	int n = gather(v, all), c;

	*why = why_buf;
	cli->applet = a;
	cli->verb = v;
	snprintf(prog, sizeof(prog), "ipc%s%s %s", a->name[0] ? " " : "",
		 a->name, v->name);
	cli->prog = prog;
	reset_values(v->opts);
	reset_values(cli_common_opts);
	for (int i = 0; i < n; i++) {
		longs[i] = (struct option){ all[i]->long_name,
					    has_arg(all[i]->type), NULL,
					    256 + i };
		if (all[i]->short_name) {
			shorts[sl++] = (char)all[i]->short_name;
			if (all[i]->type != OPT_BOOL)
				shorts[sl++] = ':';
		}
	}
	longs[n] = (struct option){ 0 };
	shorts[sl] = '\0';

	optind = 0;	/* a full re-initialisation, see getopt(3) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		const struct opt *o = NULL;
		const char *word = argv[optind - 1];

		if (c == '?' || c == ':') {
			if (optopt && optopt < 256) {
				char s[3] = { '-', (char)optopt, '\0' };

				return c == ':'
					? bad("option '%s' needs a value", s)
					: bad("unknown option '%s'", s);
			}
			return c == ':'
				? bad("option '%s' needs a value", word)
				: bad("unknown option '%s'", word);
		}
		if (c >= 256)
			o = all[c - 256];
		for (int i = 0; !o && i < n; i++)
			if (all[i]->short_name == c)
				o = all[i];
		if (store(o, optarg) < 0)
			return -1;
	}

	cli->argc = argc - optind;
	cli->argv = argv + optind;
	if (cli_common.help)
		return 0;
	if (cli->argc < v->min_args)
		return bad("missing argument: %s", v->usage ? v->usage : "");
	if (v->max_args >= 0 && cli->argc > v->max_args)
		return bad("unexpected argument '%s'", cli->argv[v->max_args]);
	return 0;
}
