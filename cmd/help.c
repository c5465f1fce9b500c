/*
 * help.c - help and usage text, rendered from the command table, and the
 * built-in verbs of `ipc` itself: help, completion, manpage and demo.
 *
 * Help leads with examples, the way people actually read it.
 */
#include <errno.h>
#include <string.h>

#include "ipc.h"

/* An option as help shows it: "-t, --timeout S" or "--trace[=FORMAT]". */
void
opt_label(char *buf, size_t size, const struct opt *o)
{
	char shortname[5] = "";
	const char *arg = o->arg ? o->arg : "";

	if (o->short_name)
		snprintf(shortname, sizeof(shortname), "-%c, ", o->short_name);
	if (o->type == OPT_BOOL)
		snprintf(buf, size, "%s--%s", shortname, o->long_name);
	else if (o->type == OPT_OPTIONAL)
		snprintf(buf, size, "%s--%s[=%s]", shortname, o->long_name, arg);
	else
		snprintf(buf, size, "%s--%s %s", shortname, o->long_name, arg);
}

/* Does the table mine have an option called name? */
static int
has_opt(const struct opt *mine, const char *name)
{
	for (; mine && mine->type != OPT_END; mine++)
		if (strcmp(mine->long_name, name) == 0)
			return 1;
	return 0;
}

/*
 * The options of table o, but not those that shadow names them: a verb's
 * own --step wins over the common --step, since verb options are parsed
 * first, so help shows only the verb's.
 */
static void
print_opts_but(FILE *f, const struct opt *o, const struct opt *shadow)
{
	char left[64];

	for (; o && o->type != OPT_END; o++) {
		if (has_opt(shadow, o->long_name))
			continue;
		opt_label(left, sizeof(left), o);
		if (strlen(left) + (o->short_name ? 0 : 4) < 26)
			fprintf(f, "  %s%-*s %s", o->short_name ? "" : "    ",
				o->short_name ? 26 : 22, left, o->help);
		else
			fprintf(f, "  %s%s\n  %-26s %s",
				o->short_name ? "" : "    ", left, "", o->help);
		if (o->type == OPT_CHOICE)
			fprintf(f, " (%s)", o->choices);
		fputc('\n', f);
	}
}

static void
print_opts(FILE *f, const struct opt *o)
{
	print_opts_but(f, o, NULL);
}

void
usage_line(FILE *f, const struct applet *a, const struct verb *v)
{
	fprintf(f, "usage: ipc%s%s %s [OPTIONS]%s%s\n", a->name[0] ? " " : "",
		a->name, v->name, v->usage && *v->usage ? " " : "",
		v->usage ? v->usage : "");
}

static void
print_examples(FILE *f, const char *const *ex)
{
	for (; ex && *ex; ex++) {
		const char *tab = strchr(*ex, '\t');

		if (tab)
			fprintf(f, "  %.*s\n      %s\n", (int)(tab - *ex), *ex,
				tab + 1);
		else
			fprintf(f, "  %s\n", *ex);
	}
}

void
help_verb(FILE *f, const struct applet *a, const struct verb *v)
{
	usage_line(f, a, v);
	fprintf(f, "%s.\n", v->summary);
	if (v->examples && v->examples[0]) {
		fprintf(f, "\nExamples:\n");
		print_examples(f, v->examples);
	}
	if (v->description)
		fprintf(f, "\n%s\n", v->description);
	if (v->opts && v->opts->type != OPT_END) {
		fprintf(f, "\nOptions:\n");
		print_opts(f, v->opts);
	}
	fprintf(f, "\nCommon options:\n");
	print_opts_but(f, cli_common_opts, v->opts);
}

void
help_applet(FILE *f, const struct applet *a)
{
	fprintf(f, "usage: ipc %s VERB [OPTIONS] [ARGS]\n%s.\n", a->name,
		a->summary);
	fprintf(f, "\nExamples:\n");
	for (const struct verb *const *v = a->verbs; *v; v++)
		if ((*v)->examples && (*v)->examples[0])
			print_examples(f, (const char *const[]){
						  (*v)->examples[0], NULL });
	fprintf(f, "\nVerbs (any unique prefix will do):\n");
	for (const struct verb *const *v = a->verbs; *v; v++)
		fprintf(f, "  %-10s %s\n", (*v)->name, (*v)->summary);
	if (a->default_verb != NULL)
		fprintf(f, "\nWithout a verb, or with an option first, "
			"'ipc %s' means 'ipc %s %s'.\n", a->name, a->name,
			a->default_verb);
	if (a->default_verb != NULL && a->words_to_default)
		fprintf(f, "A word that is no verb goes to it too: 'ipc %s "
			"WORD' means 'ipc %s %s WORD'.\n", a->name, a->name,
			a->default_verb);
	fprintf(f, "\n'ipc %s VERB --help' shows a verb's options and "
		"examples.\n", a->name);
}

void
help_top(FILE *f)
{
	fprintf(f, "usage: ipc APPLET VERB [OPTIONS] [ARGS]\n"
		"       ipc --list | --version | --help\n"
		"Unix interprocess communication and networking, done with the "
		"real system calls\nand shown as they happen.\n\n"
		"Examples:\n"
		"  ipc sock connect --trace example.org 80\n"
		"      talk to a web server by hand and watch every system call\n"
		"  ipc sock serve --echo :0\n"
		"      an echo server on a free loopback port\n"
		"  ipc demo\n"
		"      a guided walk through a connection\n\n"
		"Applets:\n");
	for (const struct applet *const *a = cli_applets; *a; a++)
		fprintf(f, "  %-10s %s\n", (*a)->name, (*a)->summary);
	fprintf(f, "\nBuilt-in commands:\n");
	for (const struct verb *const *v = ipc_builtins.verbs; *v; v++)
		fprintf(f, "  %-10s %s\n", (*v)->name, (*v)->summary);
	fprintf(f, "\nCommon options, accepted by every verb:\n");
	print_opts(f, cli_common_opts);
	fprintf(f, "\n'ipc help APPLET [VERB]' or 'ipc APPLET VERB --help' "
		"shows more.\n");
}

static int
run_help(struct cli *cli)
{
	const struct applet *a;
	const struct verb *v;

	if (cli->argc == 0) {
		help_top(stdout);
		return 0;
	}
	a = cli_find_applet(cli->argv[0]);
	if (a == NULL)
		return usage_error(cli, "unknown applet '%s'", cli->argv[0]);
	if (cli->argc == 1) {
		help_applet(stdout, a);
		return 0;
	}
	v = cli_find_verb(a, cli->argv[1]);
	if (v == NULL)
		return usage_error(cli, "%s verb '%s'",
				   errno == EINVAL ? "ambiguous" : "unknown",
				   cli->argv[1]);
	help_verb(stdout, a, v);
	return 0;
}

static int
run_completion(struct cli *cli)
{
	if (gen_completion(stdout, cli->argv[0]) < 0)
		return usage_error(cli, "unknown shell '%s'", cli->argv[0]);
	return 0;
}

static int manpage_markdown;

static int
run_manpage(struct cli *cli)
{
	const char *page = cli->argc ? cli->argv[0] : "ipc";

	if (gen_manpage(stdout, page, manpage_markdown) < 0)
		return usage_error(cli, "no %s '%s'", manpage_markdown ?
				   "reference for applet" : "man page", page);
	return 0;
}

static const struct verb help_verb_def = {
	.name = "help",
	.summary = "show help for ipc, an applet or a verb",
	.usage = "[APPLET [VERB]]",
	.examples = (const char *const[]){
		"ipc help sock connect\tthe options and examples of one verb",
		NULL },
	.min_args = 0, .max_args = 2,
	.args_hint = "@applet",
	.run = run_help,
};

static const struct verb completion_verb = {
	.name = "completion",
	.summary = "print a shell completion script, made from the command table",
	.usage = "bash|zsh|fish",
	.examples = (const char *const[]){
		"source <(ipc completion bash)\tcomplete ipc in this bash",
		"ipc completion fish > ~/.config/fish/completions/ipc.fish"
		"\tinstall for fish",
		NULL },
	.min_args = 1, .max_args = 1,
	.args_hint = "bash|zsh|fish",
	.run = run_completion,
};

static const struct verb manpage_verb = {
	.name = "manpage",
	.summary = "print a man page in roff, made from the command table",
	.usage = "[ipc|APPLET]",
	.examples = (const char *const[]){
		"ipc manpage sock | man -l -\tread ipc-sock(1)",
		"ipc manpage --markdown sock\tthe same as a Markdown reference",
		NULL },
	.opts = (const struct opt[]){
		OPT_FLAG(0, "markdown", &manpage_markdown,
			 "Markdown for a forge (an applet's page) instead of roff"),
		OPT_STOP },
	.min_args = 0, .max_args = 1,
	.args_hint = "@applet",
	.run = run_manpage,
};

extern const struct verb demo_verb;

const struct applet ipc_builtins = {
	.name = "",
	.summary = "built-in commands",
	.verbs = (const struct verb *const[]){
		&help_verb_def, &completion_verb, &manpage_verb, &demo_verb,
		NULL },
};
