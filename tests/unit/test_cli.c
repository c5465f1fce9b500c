/*
 * test_cli.c - the option table machinery: parsing, resets, prefixes,
 * usage messages.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "cli.h"

static struct {
	int flag;
	const char *name, *mode;
	long count;
	double secs;
	struct strlist many;
} v;

static const struct opt opts[] = {
	OPT_FLAG('f', "flag", &v.flag, "a flag"),
	OPT_STR('n', "name", &v.name, "NAME", "a string"),
	OPT_NUM('c', "count", &v.count, "N", "a number"),
	OPT_SECS('t', "timeout", &v.secs, "seconds"),
	OPT_ONEOF(0, "mode", &v.mode, "MODE", "fork|thread|poll", "a choice"),
	OPT_MANY('o', "opt", &v.many, "X", "repeatable"),
	OPT_STOP
};

static int
run_nothing(struct cli *cli)
{
	(void)cli;
	return 0;
}

static const struct verb verb_send = {
	.name = "send", .summary = "s", .usage = "ADDR", .opts = opts,
	.min_args = 1, .max_args = 2, .run = run_nothing,
};
static const struct verb verb_serve = {
	.name = "serve", .summary = "s", .usage = "ADDR",
	.min_args = 0, .max_args = -1, .run = run_nothing,
};
static const struct verb verb_resolve = {
	.name = "resolve", .summary = "r", .usage = "NAME",
	.min_args = 1, .max_args = 1, .run = run_nothing,
};
static const struct applet test_applet = {
	.name = "t", .summary = "test",
	.verbs = (const struct verb *const[]){
		&verb_send, &verb_serve, &verb_resolve, NULL },
};

const struct applet *const cli_applets[] = { &test_applet, NULL };

/* Parse a NULL-terminated word list against verb_send. */
static int
parse(struct cli *cli, const char **why, ...)
{
	static char *argv[32];
	va_list ap;
	int argc = 0;

	va_start(ap, why);
	for (char *w; (w = va_arg(ap, char *)) != NULL && argc < 31;)
		argv[argc++] = w;
	va_end(ap);
	argv[argc] = NULL;
	return cli_parse(cli, &test_applet, &verb_send, argc, argv, why);
}

static void
test_parses_every_type(void **state)
{
	struct cli cli;
	const char *why;

	(void)state;
	assert_int_equal(parse(&cli, &why, "send", "-f", "--name=x", "-c", "42",
			       "--timeout", "250ms", "--mode", "thread", "-o",
			       "a", "--opt", "b", "host:1", NULL), 0);
	assert_int_equal(v.flag, 1);
	assert_string_equal(v.name, "x");
	assert_int_equal(v.count, 42);
	assert_true(v.secs > 0.249 && v.secs < 0.251);
	assert_string_equal(v.mode, "thread");
	assert_int_equal(v.many.n, 2);
	assert_string_equal(v.many.v[1], "b");
	assert_int_equal(cli.argc, 1);
	assert_string_equal(cli.argv[0], "host:1");
	assert_string_equal(cli.prog, "ipc t send");
}

static void
test_values_reset_between_runs(void **state)
{
	struct cli cli;
	const char *why;

	(void)state;
	assert_int_equal(parse(&cli, &why, "send", "-f", "-o", "a", "h", NULL), 0);
	assert_int_equal(parse(&cli, &why, "send", "h", NULL), 0);
	assert_int_equal(v.flag, 0);
	assert_int_equal(v.many.n, 0);
	assert_null(v.name);
}

static void
test_options_after_arguments(void **state)
{
	struct cli cli;
	const char *why;

	(void)state;
	assert_int_equal(parse(&cli, &why, "send", "h", "-c", "3", NULL), 0);
	assert_int_equal(v.count, 3);
	assert_int_equal(cli.argc, 1);
}

static void
test_usage_errors(void **state)
{
	struct cli cli;
	const char *why;

	(void)state;
	assert_int_equal(parse(&cli, &why, "send", "--nope", "h", NULL), -1);
	assert_string_equal(why, "unknown option '--nope'");
	assert_int_equal(parse(&cli, &why, "send", "-z", "h", NULL), -1);
	assert_string_equal(why, "unknown option '-z'");
	assert_int_equal(parse(&cli, &why, "send", "h", "-n", NULL), -1);
	assert_string_equal(why, "option '-n' needs a value");
	assert_int_equal(parse(&cli, &why, "send", "-c", "4x", "h", NULL), -1);
	assert_string_equal(why, "--count: not a whole number: '4x'");
	assert_int_equal(parse(&cli, &why, "send", "-t", "-1", "h", NULL), -1);
	assert_string_equal(why, "--timeout: not a duration in seconds: '-1'");
	assert_int_equal(parse(&cli, &why, "send", "--mode", "x", "h", NULL), -1);
	assert_string_equal(why, "--mode: expected one of fork|thread|poll");
	assert_int_equal(parse(&cli, &why, "send", NULL), -1);
	assert_string_equal(why, "missing argument: ADDR");
	assert_int_equal(parse(&cli, &why, "send", "a", "b", "c", NULL), -1);
	assert_string_equal(why, "unexpected argument 'c'");
}

static void
test_common_options(void **state)
{
	struct cli cli;
	const char *why;

	(void)state;
	assert_int_equal(parse(&cli, &why, "send", "--trace=json", "--inject",
			       "connect=EPERM", "h", NULL), 0);
	assert_string_equal(cli_common.trace, "json");
	assert_int_equal(cli_common.inject.n, 1);
	assert_int_equal(parse(&cli, &why, "send", "--trace", "h", NULL), 0);
	assert_string_equal(cli_common.trace, "");
	assert_int_equal(parse(&cli, &why, "send", "--help", NULL), 0);
	assert_int_equal(cli_common.help, 1);
	assert_int_equal(parse(&cli, &why, "send", "--trace=xml", "h", NULL), -1);
	assert_string_equal(why, "--trace: expected one of human|json");
}

static void
test_verb_prefixes(void **state)
{
	(void)state;
	assert_ptr_equal(cli_find_verb(&test_applet, "send"), &verb_send);
	assert_ptr_equal(cli_find_verb(&test_applet, "r"), &verb_resolve);
	assert_ptr_equal(cli_find_verb(&test_applet, "ser"), &verb_serve);
	assert_null(cli_find_verb(&test_applet, "se"));
	assert_int_equal(errno, EINVAL);
	assert_null(cli_find_verb(&test_applet, "x"));
	assert_int_equal(errno, ENOENT);
	assert_null(cli_find_verb(&test_applet, ""));
}

static void
test_seconds(void **state)
{
	double d;

	(void)state;
	assert_int_equal(cli_parse_seconds("1.5", &d), 0);
	assert_true(d == 1.5);
	assert_int_equal(cli_parse_seconds("2s", &d), 0);
	assert_true(d == 2);
	assert_int_equal(cli_parse_seconds("1m", &d), 0);
	assert_true(d == 60);
	assert_int_equal(cli_parse_seconds("", &d), -1);
	assert_int_equal(cli_parse_seconds("nan", &d), -1);
	assert_int_equal(cli_parse_seconds("3h", &d), -1);
	assert_int_equal(errno, EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parses_every_type),
		cmocka_unit_test(test_values_reset_between_runs),
		cmocka_unit_test(test_options_after_arguments),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_common_options),
		cmocka_unit_test(test_verb_prefixes),
		cmocka_unit_test(test_seconds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
