/*
 * test_cmdline.c - splitting a typed line into words, and completing the
 * word at the cursor from a command table (a small one, defined here).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cmdline.h"

static struct {
	int flag;
	const char *model, *out, *replay;
	double timeout;
	long step;
} v;

static int
run_nothing(struct cli *cli)
{
	(void)cli;
	return 0;
}

static const struct verb connect_verb = {
	.name = "connect", .summary = "c", .usage = "HOST PORT",
	.opts = (const struct opt[]){
		OPT_SECS('t', "timeout", &v.timeout, "give up after S"),
		OPT_FLAG(0, "crlf", &v.flag, "CRLF line ends"),
		OPT_STOP },
	.min_args = 1, .max_args = 2, .args_hint = "@host", .run = run_nothing,
};
static const struct verb listen_verb = {
	.name = "listen", .summary = "l", .usage = "PORT",
	.min_args = 1, .max_args = 1, .run = run_nothing,
};
static const struct verb serve_verb = {
	.name = "serve", .summary = "s", .usage = "ADDR",
	.opts = (const struct opt[]){
		OPT_ONEOF('m', "model", &v.model, "M", "iterative|fork|thread",
			  "how"),
		OPT_STR_C('o', "out", &v.out, "FILE", "where", "@file"),
		OPT_STOP },
	.min_args = 0, .max_args = 1, .run = run_nothing,
};
static const struct applet sock_applet = {
	.name = "sock", .summary = "sockets",
	.verbs = (const struct verb *const[]){
		&connect_verb, &listen_verb, &serve_verb, NULL },
};

static const struct verb send_verb = {
	.name = "send", .summary = "s", .usage = "SIG PID",
	.min_args = 2, .max_args = 2, .args_hint = "@signal",
	.run = run_nothing,
};
static const struct applet sig_applet = {
	.name = "sig", .summary = "signals",
	.verbs = (const struct verb *const[]){ &send_verb, NULL },
};

static const struct verb pick_verb = {
	.name = "pick", .summary = "p", .usage = "",
	.opts = (const struct opt[]){
		OPT_STR_C(0, "replay", &v.replay, "FILE", "replay", "@file"),
		OPT_STOP },
	.min_args = 0, .max_args = 0, .run = run_nothing,
};
static const struct applet tui_applet = {
	.name = "tui", .summary = "tui", .default_verb = "pick",
	.verbs = (const struct verb *const[]){ &pick_verb, NULL },
};

static const struct verb start_verb = {
	.name = "start", .summary = "s", .usage = "[LESSON]",
	.opts = (const struct opt[]){
		OPT_NUM(0, "step", &v.step, "N", "the step"),
		OPT_STOP },
	.min_args = 0, .max_args = 1, .args_hint = "sockets|signals",
	.run = run_nothing,
};
static const struct verb reset_verb = {
	.name = "reset", .summary = "r", .usage = "",
	.min_args = 0, .max_args = 0, .run = run_nothing,
};
/* A word that is no verb goes to the default verb: `tutorial sockets`. */
static const struct applet tutorial_applet = {
	.name = "tutorial", .summary = "lessons", .default_verb = "start",
	.words_to_default = 1,
	.verbs = (const struct verb *const[]){ &start_verb, &reset_verb, NULL },
};

const struct applet *const cli_applets[] = {
	&sock_applet, &sig_applet, &tui_applet, &tutorial_applet, NULL
};

static const struct verb help_verb = {
	.name = "help", .summary = "h", .usage = "[APPLET [VERB]]",
	.min_args = 0, .max_args = 2, .args_hint = "@applet",
	.run = run_nothing,
};
static const struct verb completion_verb = {
	.name = "completion", .summary = "c", .usage = "bash|zsh|fish",
	.min_args = 1, .max_args = 1, .args_hint = "bash|zsh|fish",
	.run = run_nothing,
};
static const struct applet builtins = {
	.name = "", .summary = "built-ins",
	.verbs = (const struct verb *const[]){
		&help_verb, &completion_verb, NULL },
};

static const char *const shell_extra[] = {
	"help", "exit", "trace on|off", NULL
};
static const struct cmdline_prompt shell = {
	cli_applets, &builtins, shell_extra, 0
};
static const char *const tutorial_extra[] = { "next", "back", NULL };
static const struct cmdline_prompt tutorial = {
	cli_applets, &builtins, tutorial_extra, 1
};

/* --- splitting ----------------------------------------------------------- */

/* Split line and compare the words, joined by '|', with want. */
static void
split_is(const char *line, const char *want)
{
	struct cmdline c;
	const char *why;
	char got[512] = "";

	assert_int_equal(cmdline_split(&c, line, 0, &why), 0);
	for (int i = 0; i < c.argc; i++) {
		if (i > 0)
			strcat(got, "|");
		strcat(got, c.argv[i]);
	}
	assert_null(c.argv[c.argc]);
	assert_string_equal(got, want);
	cmdline_free(&c);
}

static void
test_split_words(void **state)
{
	(void)state;
	split_is("sock connect  localhost\t7000", "sock|connect|localhost|7000");
	split_is("", "");
	split_is("   \t ", "");
	split_is("a 'b c' \"d e\"", "a|b c|d e");
	split_is("x'y'\"z\"", "xyz");
	split_is("'' x", "|x");
	split_is("a\\ b c\\'d", "a b|c'd");
	/* In double quotes a backslash escapes only " \ $ `. */
	split_is("\"a\\\"b\\\\c\\d\"", "a\"b\\c\\d");
	/* Single quotes keep everything. */
	split_is("'a\\b \"c\"'", "a\\b \"c\"");
	/* No variables, globbing or operators: they are words. */
	split_is("$HOME * a|b >f", "$HOME|*|a|b|>f");
}

static void
test_split_comments(void **state)
{
	struct cmdline c;
	const char *why;

	(void)state;
	split_is("sock resolve localhost # a comment", "sock|resolve|localhost");
	split_is("# only a comment", "");
	split_is("a#b '#c'", "a#b|#c");
	assert_int_equal(cmdline_split(&c, "a # b", 0, &why), 0);
	assert_int_equal(c.comment, 1);
	cmdline_free(&c);
}

static void
test_split_errors(void **state)
{
	struct cmdline c;
	const char *why;
	char *many;

	(void)state;
	assert_int_equal(cmdline_split(&c, "echo 'open", 0, &why), -1);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(why, "unterminated '"));
	cmdline_free(&c);

	assert_int_equal(cmdline_split(&c, "echo \"open", 0, &why), -1);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(why, "unterminated \""));
	cmdline_free(&c);

	assert_int_equal(cmdline_split(&c, "echo \\", 0, &why), -1);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(why, "backslash"));
	cmdline_free(&c);

	many = malloc(2 * (CMDLINE_WORDS + 1) + 1);
	assert_non_null(many);
	for (int i = 0; i <= CMDLINE_WORDS; i++)
		memcpy(many + 2 * i, "x ", 2);
	many[2 * (CMDLINE_WORDS + 1)] = '\0';
	assert_int_equal(cmdline_split(&c, many, 0, &why), -1);
	assert_int_equal(errno, E2BIG);
	cmdline_free(&c);
	/* Exactly the limit is fine. */
	many[2 * CMDLINE_WORDS] = '\0';
	assert_int_equal(cmdline_split(&c, many, 0, &why), 0);
	assert_int_equal(c.argc, CMDLINE_WORDS);
	cmdline_free(&c);
	free(many);
}

static void
test_split_partial(void **state)
{
	struct cmdline c;
	const char *why;

	(void)state;
	assert_int_equal(cmdline_split(&c, "sock 'con", 1, &why), 0);
	assert_int_equal(c.argc, 2);
	assert_int_equal(c.quote, '\'');
	assert_int_equal(c.in_word, 1);
	assert_string_equal(c.argv[1], "con");
	cmdline_free(&c);

	assert_int_equal(cmdline_split(&c, "sock ", 1, &why), 0);
	assert_int_equal(c.argc, 1);
	assert_int_equal(c.in_word, 0);
	cmdline_free(&c);

	assert_int_equal(cmdline_split(&c, "a\\", 1, &why), 0);
	assert_string_equal(c.argv[0], "a");
	cmdline_free(&c);
}

/* --- completion ---------------------------------------------------------- */

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Complete at the end of line and compare the candidates, sorted and
 * joined by spaces, with want; "@files" means file names are asked for.
 */
static void
complete_is(const struct cmdline_prompt *p, const char *line, const char *want)
{
	struct cmdline_matches m;
	char got[2048] = "";

	assert_int_equal(cmdline_complete(p, line, strlen(line), &m), 0);
	if (m.files) {
		assert_int_equal(m.n, 0);
		strcpy(got, "@files");
	}
	if (m.n > 0)
		qsort(m.v, m.n, sizeof(*m.v), by_name);
	for (size_t i = 0; i < m.n; i++) {
		if (i > 0)
			strcat(got, " ");
		strcat(got, m.v[i]);
	}
	if (strcmp(got, want) != 0)
		print_error("line '%s': got '%s', want '%s'\n", line, got, want);
	assert_string_equal(got, want);
	cmdline_matches_free(&m);
}

/* Does completing line offer word (among others)? */
static void
complete_has(const struct cmdline_prompt *p, const char *line, const char *word)
{
	struct cmdline_matches m;
	int found = 0;

	assert_int_equal(cmdline_complete(p, line, strlen(line), &m), 0);
	for (size_t i = 0; i < m.n; i++)
		found |= strcmp(m.v[i], word) == 0;
	if (!found)
		print_error("line '%s': '%s' not offered\n", line, word);
	assert_true(found);
	cmdline_matches_free(&m);
}

static void
test_complete_first_word(void **state)
{
	(void)state;
	complete_is(&shell, "",
		    "completion exit help sig sock trace tui tutorial");
	complete_is(&shell, "s", "sig sock");
	complete_is(&shell, "so", "sock");
	complete_is(&shell, "  h", "help");
	complete_is(&shell, "x", "");
	complete_is(&shell, "--tr", "--trace --trace-to");
	complete_is(&shell, "--trace-to ", "@files");
	complete_is(&shell, "--trace=", "--trace=human --trace=json");
	complete_is(&shell, "--trace s", "sig sock");
}

static void
test_complete_verbs(void **state)
{
	(void)state;
	complete_is(&shell, "sock ", "connect listen serve");
	complete_is(&shell, "sock c", "connect");
	complete_is(&shell, "sock x", "");
	complete_is(&shell, "sock -", "--help");
	complete_is(&shell, "'sock' \"s", "serve");
	/* An option where the verb goes belongs to the default verb. */
	complete_is(&shell, "tui --re", "--replay");
	complete_is(&shell, "tui --replay ", "@files");
	complete_is(&shell, "tui ", "pick");
	/* A word that is no verb is the default verb's argument. */
	complete_is(&shell, "tutorial ", "reset signals sockets start");
	complete_is(&shell, "tutorial s", "signals sockets start");
	complete_is(&shell, "tutorial sockets --st", "--step");
	complete_is(&shell, "tutorial sockets ", "");
	complete_is(&shell, "tutorial start s", "signals sockets");
}

static void
test_complete_options(void **state)
{
	(void)state;
	complete_is(&shell, "sock connect --ti", "--timeout");
	complete_is(&shell, "sock con --cr", "--crlf");
	complete_has(&shell, "sock connect --", "--timeout");
	complete_has(&shell, "sock connect --", "--trace");
	complete_has(&shell, "sock connect --", "--inject");
	complete_has(&shell, "sock connect --", "--help");
	complete_is(&shell, "sock serve --model ", "fork iterative thread");
	complete_is(&shell, "sock serve -m f", "fork");
	complete_is(&shell, "sock serve --model=f", "--model=fork");
	complete_is(&shell, "sock serve --model fork --o", "--out");
	complete_is(&shell, "sock serve --out ", "@files");
	complete_is(&shell, "sock serve --out=", "");
	/* A value given already: the next word is not the option's. */
	complete_is(&shell, "sock connect --timeout=2 --cr", "--crlf");
	complete_is(&shell, "sock connect --timeout ", "");
	complete_is(&shell, "sock connect --trace ", "");
	complete_is(&shell, "sock connect --trace=j", "--trace=json");
	/* After --, everything is an argument. */
	complete_is(&shell, "sock serve -- --m", "@files");
}

static void
test_complete_arguments(void **state)
{
	(void)state;
	complete_is(&shell, "sock connect ", "");
	complete_is(&shell, "sock serve ", "@files");
	complete_is(&shell, "sock serve x ", "");
	complete_is(&shell, "sock listen 7000 ", "");
	complete_has(&shell, "sig send ", "TERM");
	complete_is(&shell, "sig send USR", "USR1 USR2");
	complete_is(&shell, "help ", "sig sock tui tutorial");
	complete_is(&shell, "help so", "sock");
	complete_is(&shell, "help sock ", "connect listen serve");
	complete_is(&shell, "help sock connect ", "");
	complete_is(&shell, "completion ", "bash fish zsh");
	complete_is(&shell, "trace ", "off on");
	complete_is(&shell, "trace of", "off");
	complete_is(&shell, "trace on ", "");
	complete_is(&shell, "exit ", "");
	complete_is(&shell, "sock # c", "");
	complete_is(&shell, "!ls ", "@files");
}

static void
test_complete_after_ipc(void **state)
{
	(void)state;
	complete_is(&tutorial, "", "back ipc next");
	complete_is(&tutorial, "n", "next");
	complete_is(&tutorial, "ipc ",
		    "completion help sig sock tui tutorial");
	complete_is(&tutorial, "ipc so", "sock");
	complete_is(&tutorial, "ipc sock con", "connect");
	complete_is(&tutorial, "ipc sock connect --ti", "--timeout");
	complete_is(&tutorial, "ipc --trace sock c", "connect");
	complete_is(&tutorial, "ipc-sock c", "connect");
	complete_is(&tutorial, "ipc-nope c", "");
	complete_is(&tutorial, "ls ", "@files");
	complete_is(&tutorial, "echo hi | ipc s", "sig sock");
	complete_is(&tutorial, "echo hi | ", "ipc");
	complete_is(&tutorial, "ipc sock connect x 1 && ipc sig send TE",
		    "TERM");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_words),
		cmocka_unit_test(test_split_comments),
		cmocka_unit_test(test_split_errors),
		cmocka_unit_test(test_split_partial),
		cmocka_unit_test(test_complete_first_word),
		cmocka_unit_test(test_complete_verbs),
		cmocka_unit_test(test_complete_options),
		cmocka_unit_test(test_complete_arguments),
		cmocka_unit_test(test_complete_after_ipc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
