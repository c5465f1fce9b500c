/*
 * test_inject.c - fault injection (--inject CALL=ERRNO[:N], CALL=short):
 * spec parsing, failing without making the call, failing only the Nth
 * call, halving counts, resolver codes, and how injected events look.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <cmocka.h>

#include "sys.h"
#include "trace.h"

static char tracefile[64];

static int
teardown(void **state)
{
	trace_close();
	sys_inject_clear();
	if (tracefile[0] != '\0')
		unlink(tracefile);
	tracefile[0] = '\0';
	return 0;
}

static void
test_parse_errors(void **state)
{
	static const char *const bad[] = {
		"", "connect", "=EINTR", "connect=", "connect=EBOGUS",
		"nosuchcall=EINTR", "connect=EINTR:0", "connect=EINTR:x",
		"connect=EINTR:", "connect=EINTR:-1", "connect=EINTR:2x",
		"connect=short", "write=short:abc", "read=0", "read=4096",
		"connect=EAI_NONAME", "getaddrinfo=EAI_BOGUS",
		"averyveryverylongcallname=EINTR",
	};
	static const char *const good[] = {
		"connect=ECONNREFUSED", "write=EINTR:2", "read=short",
		"recv=short:3", "connect=111", "accept4=EWOULDBLOCK",
		"getaddrinfo=EAI_NONAME", "getaddrinfo=EAI_AGAIN:1",
		"getaddrinfo=ECONNREFUSED",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		if (sys_inject_add(bad[i]) != -1 || errno != EINVAL)
			fail_msg("accepted bad spec \"%s\"", bad[i]);
	}
	assert_int_equal(sys_watch, 0);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (sys_inject_add(good[i]) != 0)
			fail_msg("refused good spec \"%s\"", good[i]);
	assert_int_equal(sys_watch, 1);
	sys_inject_clear();
	assert_int_equal(sys_watch, 0);
}

static void
test_table_full(void **state)
{
	int i;

	for (i = 0; i < 32; i++)
		assert_int_equal(sys_inject_add("read=EIO:7"), 0);
	errno = 0;
	assert_int_equal(sys_inject_add("read=EIO:8"), -1);
	assert_int_equal(errno, ENOSPC);
}

/* fd -1: a real connect(2) would fail with EBADF, never ECONNREFUSED. */
static void
test_connect_refused(void **state)
{
	struct sockaddr_in in = { .sin_family = AF_INET };

	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	in.sin_port = htons(7000);
	assert_int_equal(sys_inject_add("connect=ECONNREFUSED"), 0);
	errno = 0;
	assert_int_equal(sys_connect(-1, (struct sockaddr *)&in, sizeof(in)),
	    -1);
	assert_int_equal(errno, ECONNREFUSED);
	/* Without :N every call fails. */
	assert_int_equal(sys_connect(-1, (struct sockaddr *)&in, sizeof(in)),
	    -1);
	assert_int_equal(errno, ECONNREFUSED);

	sys_inject_clear();
	assert_int_equal(sys_connect(-1, (struct sockaddr *)&in, sizeof(in)),
	    -1);
	assert_int_equal(errno, EBADF);
}

static void
test_nth_write(void **state)
{
	char buf[8];
	int fds[2];

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	assert_int_equal(sys_inject_add("write=EINTR:2"), 0);
	assert_int_equal(sys_write(fds[1], "a", 1), 1);
	errno = 0;
	assert_int_equal(sys_write(fds[1], "b", 1), -1);
	assert_int_equal(errno, EINTR);
	assert_int_equal(sys_write(fds[1], "c", 1), 1);
	assert_int_equal(sys_write(fds[1], "d", 1), 1);
	/* The failed write really was not made. */
	assert_int_equal(read(fds[0], buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "acd", 3);
	close(fds[0]);
	close(fds[1]);
}

static void
test_short_read(void **state)
{
	char buf[8];
	int fds[2];

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	assert_int_equal(write(fds[1], "12345678", 8), 8);
	assert_int_equal(sys_inject_add("read=short"), 0);
	assert_int_equal(sys_read(fds[0], buf, 8), 4);
	assert_memory_equal(buf, "1234", 4);
	assert_int_equal(sys_read(fds[0], buf, 3), 1);	/* 3 / 2 */
	assert_int_equal(sys_read(fds[0], buf, 1), 1);	/* never below 1 */
	assert_int_equal(sys_read(fds[0], buf, 8), 2);	/* two were left */
	assert_memory_equal(buf, "78", 2);
	close(fds[0]);
	close(fds[1]);
}

static void
test_errno_number(void **state)
{
	char c;

	assert_int_equal(sys_inject_add("read=5"), 0);	/* EIO */
	errno = 0;
	assert_int_equal(sys_read(-1, &c, 1), -1);
	assert_int_equal(errno, EIO);
}

static void
test_resolver_codes(void **state)
{
	struct addrinfo *res = NULL;

	assert_int_equal(sys_inject_add("getaddrinfo=EAI_NONAME:1"), 0);
	assert_int_equal(sys_inject_add("getaddrinfo=ECONNREFUSED:2"), 0);
	assert_int_equal(sys_getaddrinfo("localhost", "80", NULL, &res),
	    EAI_NONAME);
	errno = 0;
	assert_int_equal(sys_getaddrinfo("localhost", "80", NULL, &res),
	    EAI_SYSTEM);
	assert_int_equal(errno, ECONNREFUSED);
	assert_null(res);
}

static void
test_injected_events(void **state)
{
	struct trace_config cfg = { .mod = "inject" };
	struct sockaddr_in in = { .sin_family = AF_INET };
	json_t *ev, *args;
	char line[4096], buf[8];
	int fds[2], n = 0;
	FILE *f;

	snprintf(tracefile, sizeof(tracefile), "/tmp/ipc-test-inject.%d",
	    (int)getpid());
	cfg.to = tracefile;
	assert_int_equal(trace_init(&cfg), 0);
	sys_watch_update();
	assert_int_equal(sys_inject_add("connect=ECONNREFUSED"), 0);
	assert_int_equal(sys_inject_add("read=short"), 0);
	assert_int_equal(sys_inject_add("getaddrinfo=EAI_AGAIN"), 0);
	assert_int_equal(sys_connect(-1, (struct sockaddr *)&in, sizeof(in)),
	    -1);
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	assert_int_equal(write(fds[1], "12345678", 8), 8);
	assert_int_equal(sys_read(fds[0], buf, 8), 4);
	sys_getaddrinfo("localhost", NULL, NULL, &(struct addrinfo *){ NULL });
	close(fds[0]);
	close(fds[1]);
	trace_close();

	f = fopen(tracefile, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		ev = json_loads(line, 0, NULL);
		assert_non_null(ev);
		if (!json_is_true(json_object_get(ev, "injected"))) {
			json_decref(ev);
			continue;
		}
		n++;
		args = json_object_get(ev, "args");
		assert_string_equal(json_string_value(json_object_get(ev,
		    "note")), "injected by --inject");
		if (n == 1) {
			assert_string_equal(json_string_value(json_object_get(
			    ev, "errno")), "ECONNREFUSED");
		} else if (n == 2) {
			assert_int_equal(json_integer_value(json_object_get(
			    args, "count")), 8);
			assert_int_equal(json_integer_value(json_object_get(
			    ev, "ret")), 4);
		} else {
			assert_int_equal(json_integer_value(json_object_get(
			    ev, "ret")), EAI_AGAIN);
			assert_string_equal(json_string_value(json_object_get(
			    args, "error")), "EAI_AGAIN");
			assert_null(json_object_get(ev, "errno"));
		}
		json_decref(ev);
	}
	fclose(f);
	assert_int_equal(n, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_parse_errors, teardown),
		cmocka_unit_test_teardown(test_table_full, teardown),
		cmocka_unit_test_teardown(test_connect_refused, teardown),
		cmocka_unit_test_teardown(test_nth_write, teardown),
		cmocka_unit_test_teardown(test_short_read, teardown),
		cmocka_unit_test_teardown(test_errno_number, teardown),
		cmocka_unit_test_teardown(test_resolver_codes, teardown),
		cmocka_unit_test_teardown(test_injected_events, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
