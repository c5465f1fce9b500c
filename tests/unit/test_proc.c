/*
 * test_proc.c - proc_quote(): what a shell needs to read a word back, and
 * the bounds of the buffer it writes to.  Each buffer is allocated at
 * exactly the size given, so AddressSanitizer (make asan) catches a write
 * one byte too far.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proc.h"

/* proc_quote into a buffer of exactly size bytes; NULL when it fails. */
static char *
quote_in(const char *s, size_t size, int *err)
{
	char *buf = malloc(size), *ret;

	assert_non_null(buf);
	errno = 0;
	ret = proc_quote(s, buf, size);
	*err = errno;
	if (ret == NULL) {
		free(buf);
		return NULL;
	}
	assert_ptr_equal(ret, buf);
	return buf;
}

static void
check(const char *s, const char *want)
{
	int err;
	char *got = quote_in(s, strlen(want) + 1, &err);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
	/* One byte less never fits, and never writes past the end. */
	assert_null(quote_in(s, strlen(want), &err));
	assert_int_equal(err, ENOSPC);
}

static void
test_safe_words_stay(void **state)
{
	(void)state;
	check("ls", "ls");
	check("/usr/bin/env", "/usr/bin/env");
	check("a-b_c.d,e:f=g+h%i@j", "a-b_c.d,e:f=g+h%i@j");
}

static void
test_specials_are_single_quoted(void **state)
{
	(void)state;
	check("a b", "'a b'");
	check("$HOME", "'$HOME'");
	check("*", "'*'");
	check("a;rm -rf ~", "'a;rm -rf ~'");
	check("line\nbreak", "'line\nbreak'");
	check("\"dq\"", "'\"dq\"'");
	check("back\\slash", "'back\\slash'");
}

static void
test_empty_word(void **state)
{
	(void)state;
	check("", "''");
}

static void
test_single_quotes_are_closed_escaped_reopened(void **state)
{
	(void)state;
	check("it's", "'it'\\''s'");
	check("'", "''\\'''");
	check("''", "''\\'''\\'''");
}

static void
test_tiny_buffers(void **state)
{
	char buf[1];
	int err;

	(void)state;
	errno = 0;
	assert_null(proc_quote("", buf, 0));
	assert_int_equal(errno, ENOSPC);
	assert_null(quote_in("x", 1, &err));
	assert_int_equal(err, ENOSPC);
	assert_null(quote_in("", 2, &err));
	assert_int_equal(err, ENOSPC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_safe_words_stay),
		cmocka_unit_test(test_specials_are_single_quoted),
		cmocka_unit_test(test_empty_word),
		cmocka_unit_test(test_single_quotes_are_closed_escaped_reopened),
		cmocka_unit_test(test_tiny_buffers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
