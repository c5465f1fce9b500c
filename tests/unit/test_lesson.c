/*
 * test_lesson.c - the lesson parser of lib/lesson.c: a good lesson with
 * every field checked, each malformed lesson with its line and message,
 * lesson names, console commands, and fuzz-style cases (every truncation
 * of a good lesson, pseudo-random byte flips, failed allocations) that
 * must never crash, leak or read out of bounds (make SAN=1 unit).
 *
 * malloc, realloc and strdup are wrapped for this test alone (-Wl,--wrap,
 * see the Makefile), so that the n-th allocation can be made to fail.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lesson.h"

void *__real_malloc(size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

static int fail_at;		/* fail the allocation with this number ... */
static int allocs;		/* ... counting from 1 after fail_at is set */

/* Whether this allocation is the one to fail. */
static int
alloc_fails(void)
{
	if (fail_at == 0)
		return 0;
	if (++allocs != fail_at)
		return 0;
	errno = ENOMEM;
	return 1;
}

void *
__wrap_malloc(size_t n)
{
	return alloc_fails() ? NULL : __real_malloc(n);
}

void *
__wrap_realloc(void *p, size_t n)
{
	return alloc_fails() ? NULL : __real_realloc(p, n);
}

char *
__wrap_strdup(const char *s)
{
	return alloc_fails() ? NULL : __real_strdup(s);
}

/* A lesson that uses every part of the format. */
static const char good[] =
    "\n"
    "# Sockets: a connection\n"
    "\n"
    "\n"
    "What this lesson is about.\n"
    "\n"
    "```text\n"
    "an example in the intro\n"
    "```\n"
    "\n"
    "## Resolve a name\n"
    "\n"
    "What to type:\n"
    "\n"
    "```console\n"
    "$ ipc sock resolve localhost\n"
    "```\n"
    "\n"
    "```python\n"
    "socket.getaddrinfo(\"localhost\", None)\n"
    "```\n"
    "\n"
    "```check\n"
    "grep -q getaddrinfo \"$IPC_SESSION_TRACE\"\n"
    "```\n"
    "\n"
    "```hint\n"
    "The verb is resolve.\n"
    "```\n"
    "\n"
    "```solution\n"
    "ipc sock resolve localhost\n"
    "```\n"
    "\n"
    "## Serve\t\n"
    "Prose.\n"
    "### Not a step\n"
    "````c\n"
    "# not a title\n"
    "## not a step\n"
    "```check\n"
    "````\n"
    "```check manual\n"
    "\n"
    "test -s port\n"
    "\n"
    "```\n"
    "```hint\n"
    "```\n"
    "```solution\n"
    "ipc sock serve :0 &\n"
    "```\n"
    "After.\n"
    "\n";

static void
test_good(void **state)
{
	struct lesson l;
	struct lesson_error err;

	assert_int_equal(lesson_parse("tutorials/01-sockets.md", good,
	    sizeof(good) - 1, &l, &err), 0);
	assert_string_equal(l.name, "sockets");
	assert_string_equal(l.title, "Sockets: a connection");
	assert_string_equal(l.intro, "What this lesson is about.\n\n"
	    "```text\nan example in the intro\n```\n");
	assert_int_equal(l.nsteps, 2);

	assert_string_equal(l.steps[0].title, "Resolve a name");
	assert_int_equal(l.steps[0].line, 11);
	assert_string_equal(l.steps[0].text, "What to type:\n\n```console\n"
	    "$ ipc sock resolve localhost\n```\n");
	assert_string_equal(l.steps[0].python,
	    "socket.getaddrinfo(\"localhost\", None)\n");
	assert_string_equal(l.steps[0].check,
	    "grep -q getaddrinfo \"$IPC_SESSION_TRACE\"\n");
	assert_int_equal(l.steps[0].manual, 0);
	assert_string_equal(l.steps[0].hint, "The verb is resolve.\n");
	assert_string_equal(l.steps[0].solution,
	    "ipc sock resolve localhost\n");

	assert_string_equal(l.steps[1].title, "Serve");
	assert_int_equal(l.steps[1].line, 35);
	assert_string_equal(l.steps[1].text, "Prose.\n### Not a step\n"
	    "````c\n# not a title\n## not a step\n```check\n````\nAfter.\n");
	assert_null(l.steps[1].python);
	assert_string_equal(l.steps[1].check, "\ntest -s port\n\n");
	assert_int_equal(l.steps[1].manual, 1);
	assert_string_equal(l.steps[1].hint, "");
	assert_string_equal(l.steps[1].solution, "ipc sock serve :0 &\n");
	lesson_free(&l);
	assert_null(l.name);
	lesson_free(&l);
}

/* What a step needs, to append after a "## " line. */
#define BLOCKS	"```check\ntrue\n```\n```hint\nh\n```\n```solution\ns\n```\n"

/*
 * Blank prose lines around the blocks that are taken out become one;
 * inside a block of the text they stay as they are.
 */
static void
test_blank_lines(void **state)
{
	static const char text[] = "# T\n## S\n\nA\n\n```check\nc\n```\n"
	    "\n```hint\nh\n```\n\n  \nB\n```text\n\n\nx\n```\n\n"
	    "```solution\ns\n```\n\n\n";
	struct lesson l;
	struct lesson_error err;

	assert_int_equal(lesson_parse("01-blank.md", text, sizeof(text) - 1,
	    &l, &err), 0);
	assert_string_equal(l.intro, "");
	assert_string_equal(l.steps[0].text, "A\n\nB\n```text\n\n\nx\n```\n");
	lesson_free(&l);
}

/* The same lesson with "\r\n" line ends and no "\n" at the end. */
static void
test_crlf(void **state)
{
	static const char text[] = "# T\r\nIntro\r\n\r\n## S\r\n"
	    "```check\r\ntrue\r\n```\r\n```hint\r\nh\r\n```\r\n"
	    "```solution\r\ns\r\n```";
	struct lesson l;
	struct lesson_error err;

	assert_int_equal(lesson_parse("2-crlf.md", text, sizeof(text) - 1,
	    &l, &err), 0);
	assert_string_equal(l.name, "crlf");
	assert_string_equal(l.title, "T");
	assert_string_equal(l.intro, "Intro\n");
	assert_string_equal(l.steps[0].title, "S");
	assert_string_equal(l.steps[0].text, "");
	assert_string_equal(l.steps[0].check, "true\n");
	assert_string_equal(l.steps[0].hint, "h\n");
	assert_string_equal(l.steps[0].solution, "s\n");
	lesson_free(&l);
}


struct bad_case {
	const char *text;
	int line;
	const char *msg;	/* a part of the message */
};

static const struct bad_case bad_cases[] = {
	{ "", 0, "no \"# \" title" },
	{ "\n  \n\t\n", 0, "no \"# \" title" },
	{ "Intro\n# T\n## S\n" BLOCKS, 1, "text before the \"# \" title" },
	{ "\n\n## S\n# T\n" BLOCKS, 3, "text before the \"# \" title" },
	{ "```check\ntrue\n```\n# T\n", 1, "text before" },
	{ "#\n## S\n" BLOCKS, 1, "title is empty" },
	{ "#   \n## S\n" BLOCKS, 1, "title is empty" },
	{ "# T\n\n# U\n## S\n" BLOCKS, 3, "a second \"# \" title (the first "
	    "is at line 1)" },
	{ "# T\n## S\n" BLOCKS "# U\n", 12, "second \"# \" title" },
	{ "# T\nIntro\n", 0, "no step" },
	{ "# T\n```check\ntrue\n```\n", 2, "```check block before the "
	    "first \"## \" step" },
	{ "# T\n```python\nx\n```\n## S\n" BLOCKS, 2, "```python block "
	    "before" },
	{ "# T\n## \n" BLOCKS, 2, "step 1 has an empty title" },
	{ "# T\n## S\n" BLOCKS "##\n" BLOCKS, 12, "step 2 has an empty "
	    "title" },
	{ "# T\n## S\n```hint\nh\n```\n```solution\ns\n```\n", 2,
	    "step 1 has no ```check block" },
	{ "# T\n## S\n```check\nc\n```\n```solution\ns\n```\n", 2,
	    "step 1 has no ```hint block" },
	{ "# T\n## S\n```check\nc\n```\n```hint\nh\n```\n", 2,
	    "step 1 has no ```solution block" },
	{ "# T\n## S\n" BLOCKS "\n## U\n```check\nc\n```\n## V\n" BLOCKS,
	    13, "step 2 has no ```hint block" },
	{ "# T\n## S\n" BLOCKS "```check manual\nc\n```\n", 12, "step 1 "
	    "has a second ```check block (the first is at line 3)" },
	{ "# T\n## S\n" BLOCKS "```hint\nh\n```\n", 12,
	    "a second ```hint block" },
	{ "# T\n## S\n" BLOCKS "```solution\nh\n```\n", 12,
	    "a second ```solution block" },
	{ "# T\n## S\n```python\n```\n```python\n```\n" BLOCKS, 5,
	    "a second ```python block (the first is at line 3)" },
	{ "# T\n## S\n```check sometimes\nc\n```\n", 3,
	    "```check takes only \"manual\" after it, not \"sometimes\"" },
	{ "# T\n## S\n```check manual often\nc\n```\n", 3,
	    "not \"often\"" },
	{ "# T\n## S\n```hint please\nh\n```\n", 3,
	    "```hint takes nothing after it, not \"please\"" },
	{ "# T\n## S\n```check \033[2J\nc\n```\n", 3, "not \"?[2J\"" },
	{ "# T\n## S\n" BLOCKS "```console\n$ ls\n", 12,
	    "the ```console block is not closed" },
	{ "# T\n## S\n" BLOCKS "```\n$ ls\n", 12,
	    "the ``` block is not closed" },
	{ "# T\n## S\n```check\ntrue\n", 3,
	    "the ```check block is not closed" },
	{ "# T\n## S\n````check\ntrue\n```\n", 3, "```check block is not "
	    "closed" },
	{ "# T\n## S\n```check\ntrue\n``` x\n", 3, "not closed" },
	{ "# T\n```text\n## S\n", 2, "```text block is not closed" },
};

static void
test_bad(void **state)
{
	struct lesson l;
	struct lesson_error err;
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];

		errno = 0;
		if (lesson_parse("01-bad.md", c->text, strlen(c->text), &l,
		    &err) != -1 || errno != EBADMSG ||
		    err.line != c->line || strstr(err.msg, c->msg) == NULL)
			fail_msg("case %zu: line %d \"%s\", want line %d "
			    "\"%s\"", i, err.line, err.msg, c->line, c->msg);
		assert_null(l.name);
		assert_int_equal(l.nsteps, 0);
	}
}

/* A NUL byte is an error on its line, even when the rest is good. */
static void
test_nul(void **state)
{
	static const char text[] = "# T\n## S\nab\0c\n" BLOCKS;
	struct lesson l;
	struct lesson_error err;

	assert_int_equal(lesson_parse("01-nul.md", text, sizeof(text) - 1,
	    &l, &err), -1);
	assert_int_equal(errno, EBADMSG);
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.msg, "NUL byte"));
}

/* A lesson of n steps, in a buffer the caller frees. */
static char *
steps_lesson(int n, size_t *len)
{
	static const char step[] = "## S\n" BLOCKS;
	char *text, *p;
	int i;

	text = malloc(4 + (size_t)n * (sizeof(step) - 1) + 1);
	assert_non_null(text);
	p = text + sprintf(text, "# T\n");
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s", step);
	*len = (size_t)(p - text);
	return text;
}

static void
test_step_limit(void **state)
{
	struct lesson l;
	struct lesson_error err;
	size_t len;
	char *text;

	text = steps_lesson(LESSON_STEPS, &len);
	assert_int_equal(lesson_parse("01-many.md", text, len, &l, &err), 0);
	assert_int_equal(l.nsteps, LESSON_STEPS);
	assert_int_equal(l.steps[LESSON_STEPS - 1].line,
	    2 + (LESSON_STEPS - 1) * 10);
	lesson_free(&l);
	free(text);

	text = steps_lesson(LESSON_STEPS + 1, &len);
	assert_int_equal(lesson_parse("01-many.md", text, len, &l, &err), -1);
	assert_int_equal(errno, EBADMSG);
	assert_int_equal(err.line, 2 + LESSON_STEPS * 10);
	assert_non_null(strstr(err.msg, "more than 32 steps"));
	free(text);
}

static void
test_file_name(void **state)
{
	struct lesson l;
	struct lesson_error err;

	assert_int_equal(lesson_parse("notes.txt", good, sizeof(good) - 1,
	    &l, &err), -1);
	assert_int_equal(errno, EINVAL);
	assert_null(l.name);
}

static void
test_name(void **state)
{
	char buf[16];

	assert_int_equal(lesson_name("01-sockets.md", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "sockets");
	assert_int_equal(lesson_name("dir/12-tls-basics.md", buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "tls-basics");
	assert_int_equal(lesson_name("sockets.md", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "sockets");
	assert_int_equal(lesson_name("2048.md", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2048");
	assert_int_equal(lesson_name("01sockets.md", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "01sockets");
	assert_int_equal(lesson_name("01-sockets.txt", buf, sizeof(buf)),
	    -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(lesson_name("md", buf, sizeof(buf)), -1);
	assert_int_equal(lesson_name(".md", buf, sizeof(buf)), -1);
	assert_int_equal(lesson_name("01-.md", buf, sizeof(buf)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(lesson_name("01-abcdefghijklmnop.md", buf,
	    sizeof(buf)), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(lesson_name("01-abcdefghijklmno.md", buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "abcdefghijklmno");
}

static void
test_console(void **state)
{
	char *cmds[4], *store;

	/* A block's body: "$ " lines, output skipped, "\r" gone. */
	assert_int_equal(lesson_console_commands("$ ipc sock pair\n"
	    "output\n$ \n$\n$ echo hi\r\n$ last", cmds, 4, &store), 3);
	assert_string_equal(cmds[0], "ipc sock pair");
	assert_string_equal(cmds[1], "echo hi");
	assert_string_equal(cmds[2], "last");
	free(store);

	/* A step's text: not the lines of other blocks. */
	assert_int_equal(lesson_console_commands("Type:\n```console\n"
	    "$ one\nout\n```\n```c\n$ not this\n```\n```console\n$ two\n```\n",
	    cmds, 4, &store), 2);
	assert_string_equal(cmds[0], "one");
	assert_string_equal(cmds[1], "two");
	free(store);

	/* At most max. */
	assert_int_equal(lesson_console_commands("$ a\n$ b\n$ c\n", cmds, 2,
	    &store), 2);
	assert_string_equal(cmds[1], "b");
	free(store);

	assert_int_equal(lesson_console_commands("", cmds, 4, &store), 0);
	free(store);

	fail_at = 1;
	allocs = 0;
	assert_int_equal(lesson_console_commands("$ a\n", cmds, 4, &store),
	    -1);
	fail_at = 0;
	assert_int_equal(errno, ENOMEM);
}

/*
 * Parse n bytes copied to a buffer of exactly that size, so that ASan
 * sees any read past the end; the lesson is good or malformed, and
 * nothing else.
 */
static void
parse_copy(const char *text, size_t n)
{
	struct lesson l;
	struct lesson_error err;
	char *copy;
	int rc;

	copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, text, n);
	errno = 0;
	rc = lesson_parse("01-fuzz.md", copy, n, &l, &err);
	if (rc == 0)
		lesson_free(&l);
	else {
		assert_int_equal(rc, -1);
		assert_int_equal(errno, EBADMSG);
		assert_true(err.line >= 0);
		assert_true(strlen(err.msg) > 0);
	}
	free(copy);
}

static void
test_truncate(void **state)
{
	size_t n;

	for (n = 0; n <= sizeof(good) - 1; n++)
		parse_copy(good, n);
}

/* A fixed-seed generator, so that a failure is the same each run. */
static uint32_t
next_random(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

static void
test_flip(void **state)
{
	static const char special[] = "\n\r`# \0\t";
	char text[sizeof(good)];
	uint32_t seed = 7, r;
	size_t pos;
	int i;

	memcpy(text, good, sizeof(good));
	for (i = 0; i < 400; i++) {
		pos = next_random(&seed) % (sizeof(good) - 1);
		r = next_random(&seed);
		/* Half the time a byte the parser cares about. */
		text[pos] = (r & 1) ? special[(r >> 1) % (sizeof(special) - 1)]
		    : (char)(r >> 1);
		parse_copy(text, sizeof(good) - 1);
		if (i % 8 == 7)
			memcpy(text, good, sizeof(good));
	}
}

/*
 * Fail each allocation of a good parse in turn: the parse fails with
 * ENOMEM and frees what it had (LeakSanitizer checks at exit).
 */
static void
test_no_memory(void **state)
{
	struct lesson l;
	struct lesson_error err;
	int n, rc;

	for (n = 1;; n++) {
		fail_at = n;
		allocs = 0;
		rc = lesson_parse("01-sockets.md", good, sizeof(good) - 1, &l,
		    &err);
		fail_at = 0;
		if (rc == 0)
			break;
		assert_int_equal(errno, ENOMEM);
		assert_null(l.name);
	}
	assert_true(n > 10);
	lesson_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_blank_lines),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_step_limit),
		cmocka_unit_test(test_file_name),
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_console),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_flip),
		cmocka_unit_test(test_no_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
