/*
 * test_tui_model_json.c - the model's fast line reader against jansson.
 *
 * tui_obj_parse() reads the plain lines lib/trace.c writes by itself and
 * leaves anything else to jansson.  Whichever reads a line, every member
 * must say what jansson says: the same type, string and integer.  Each
 * line of every fixture is checked, and lines made to be awkward.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <cmocka.h>

#include "tui_model.h"

#define FIXTURES	"tests/unit/fixtures/"

/* Every member of want (jansson's) reads the same from got. */
static void
same_members(const json_t *want, const struct tui_obj *got, const char *line)
{
	struct tui_obj jt = { .json = want };
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)want, key, v) {
		if (tui_json_type(got, key) != tui_json_type(&jt, key))
			fail_msg("%s: type of %s differs in %s", __func__, key,
			    line);
		assert_string_equal(tui_json_str(got, key),
		    tui_json_str(&jt, key));
		assert_int_equal(tui_json_int(got, key, -7),
		    tui_json_int(&jt, key, -7));
	}
	assert_int_equal(tui_json_type(got, "no such key"), TUI_NONE);
}

/*
 * Read line both ways.  Returns 1 when the fast reader took it, 0 when
 * jansson did, -1 when it is not an object (and jansson agrees).
 */
static int
check_line(const char *line)
{
	static struct tui_line l;
	size_t len = strlen(line);
	json_t *o = json_loadb(line, len, JSON_DECODE_ANY, NULL), *args;
	int fast;

	if (tui_obj_parse(&l, line, len) == -1) {
		assert_int_equal(errno, EINVAL);
		if (json_is_object(o))
			fail_msg("refused, but jansson reads it: %s", line);
		json_decref(o);
		return -1;
	}
	if (!json_is_object(o))
		fail_msg("read, but jansson refuses it: %s", line);
	fast = l.json == NULL;
	same_members(o, &l.top, line);
	args = json_object_get(o, "args");
	args = json_is_object(args) ? json_incref(args) : json_object();
	same_members(args, tui_obj_args(&l), line);
	json_decref(args);
	tui_obj_done(&l);
	json_decref(o);
	return fast;
}

static void
test_fixtures(void **state)
{
	static const char *const names[] = {
		"loop-fds", "mmap-map", "mmap-private", "mmap-share",
		"pipe-child-first", "sig-catch", "sig-mask", "sig-tls",
		"sock-connect", "sock-refused", "sock-serve", "spawn-pipeline",
		"tls-bio",
	};
	char path[128], line[16384];
	int lines = 0, fast = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		FILE *f;

		snprintf(path, sizeof(path), FIXTURES "%s.jsonl", names[i]);
		f = fopen(path, "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			lines++;
			fast += check_line(line) == 1;
		}
		fclose(f);
	}
	/* hello has an array, so jansson reads it; nearly all else is fast. */
	assert_true(lines > 100);
	assert_true(fast > lines * 9 / 10);
}

static void
test_awkward_lines(void **state)
{
	static const char *const fast[] = {
		"{}",
		" {\"ev\":\"x\"} ",
		"{\"ev\":\"state\",\"args\":{}}",
		"{\"ev\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"}",
		"{\"ev\":\"\\u0041\\u00e9\\u20ac\\u001b\"}",
		"{\"ev\":\"caf\xc3\xa9 \xf0\x9d\x84\x9e\"}",
		"{\"seq\":-0,\"t_ns\":123456789012345678,\"fd\":-1}",
		"{\"injected\":true,\"x\":false,\"y\":null}",
		"{\"args\":\"not an object\",\"ev\":\"s\"}",
		"{\"k\\u0041\":1}",
	};
	static const char *const slow[] = {
		"{\"argv\":[\"ipc\",\"x\"],\"ev\":\"hello\"}",
		"{\"n\":1.5}",
		"{\"n\":1e3}",
		"{\"n\":1234567890123456789}",
		"{\"ev\":\"a\",\"ev\":\"b\"}",
		"{\"ev\":\"\\ud834\\udd1e\"}",
		"{\"a\":{\"b\":{}}}",
		"{\"args\":{},\"more\":{}}",
	};
	static const char *const bad[] = {
		"", "[]", "1", "\"s\"", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}",
		"{\"a\":01}", "{\"a\":-}", "{\"a\":tru}", "{} x", "{\"a\":\"\x01\"}",
		"{\"a\":\"\xff\"}", "{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\\u0000\"}",
		"{\"a\":\"\\x\"}", "{\"a\":\"open", "{\"a\":99999999999999999999}",
	};

	for (size_t i = 0; i < sizeof(fast) / sizeof(fast[0]); i++)
		if (check_line(fast[i]) != 1)
			fail_msg("not read by the fast reader: %s", fast[i]);
	for (size_t i = 0; i < sizeof(slow) / sizeof(slow[0]); i++)
		if (check_line(slow[i]) != 0)
			fail_msg("not left to jansson: %s", slow[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (check_line(bad[i]) != -1)
			fail_msg("not refused: %s", bad[i]);
}

/* A line longer than the reader's buffer goes to jansson, whole. */
static void
test_long_line(void **state)
{
	static char line[3 * TUI_LINE_TEXT];
	size_t n;

	n = (size_t)snprintf(line, sizeof(line), "{\"ev\":\"state\",\"note\":\"");
	memset(line + n, 'x', 2 * TUI_LINE_TEXT);
	n += 2 * TUI_LINE_TEXT;
	snprintf(line + n, sizeof(line) - n, "\"}");
	assert_int_equal(check_line(line), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_awkward_lines),
		cmocka_unit_test(test_long_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
