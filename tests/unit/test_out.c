/*
 * test_out.c - messages, errno names and exit codes, escaping, hexdumps,
 * tables and the colour policy.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <cmocka.h>

#include "out.h"

/* Everything f holds, as one malloc'd string. */
static char *
slurp(FILE *f)
{
	char *s;
	long n;

	fflush(f);
	n = ftell(f);
	assert_true(n >= 0);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	rewind(f);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	return s;
}

/* Run fn with stderr sent to a file; returns what it wrote, malloc'd. */
static char *
capture_stderr(void (*fn)(void))
{
	FILE *f;
	char *s;
	int saved;

	f = tmpfile();
	assert_non_null(f);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fileno(f), 2), 2);
	fn();
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	fseek(f, 0, SEEK_END);
	s = slurp(f);
	fclose(f);
	return s;
}

static void
test_errname(void **state)
{
	(void)state;
	assert_string_equal(out_errname(ECONNREFUSED), "ECONNREFUSED");
	assert_string_equal(out_errname(EAGAIN), "EAGAIN");
	assert_string_equal(out_errname(0), "E?");
	assert_string_equal(out_errname(99999), "E?");
	assert_int_equal(out_errno_from_name("ECONNREFUSED"), ECONNREFUSED);
	assert_int_equal(out_errno_from_name("etimedout"), ETIMEDOUT);
	assert_int_equal(out_errno_from_name("EWOULDBLOCK"), EAGAIN);
	assert_int_equal(out_errno_from_name("ENOTSUP"), EOPNOTSUPP);
	assert_int_equal(out_errno_from_name("ENOPE"), -1);
	assert_int_equal(out_errno_from_name(""), -1);
	assert_int_equal(out_errno_from_name(NULL), -1);
}

static void
test_strerror(void **state)
{
	char buf[64], tiny[5];

	(void)state;
	assert_string_equal(out_strerror(ECONNREFUSED, buf, sizeof(buf)),
	    "connection refused");
	assert_string_equal(out_strerror(EIO, buf, sizeof(buf)),
	    "input/output error");
	assert_string_equal(out_strerror(ECONNREFUSED, tiny, sizeof(tiny)),
	    "conn");
}

static void
test_exit_code(void **state)
{
	static const struct {
		int err, code;
	} cases[] = {
		{ ECONNREFUSED, 69 }, { EHOSTUNREACH, 69 },
		{ ENETUNREACH, 69 }, { ECONNRESET, 69 },
		{ EADDRNOTAVAIL, 69 }, { EAFNOSUPPORT, 69 },
		{ EPROTONOSUPPORT, 69 }, { EADDRINUSE, 69 },
		{ ETIMEDOUT, 75 }, { EAGAIN, 75 },
		{ EACCES, 77 }, { EPERM, 77 },
		{ ENAMETOOLONG, 64 }, { EINVAL, 64 },
		{ EMFILE, 71 }, { ENFILE, 71 }, { ENOMEM, 71 },
		{ EIO, 74 }, { EPIPE, 74 }, { 0, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(out_exit_code(cases[i].err), cases[i].code);
}

static void
test_default_hint(void **state)
{
	static const int errs[] = {
		ECONNREFUSED, EADDRINUSE, EACCES, ETIMEDOUT, EHOSTUNREACH,
		ENETUNREACH, EPIPE, ECONNRESET, EMFILE, ENAMETOOLONG, EPERM,
		EAFNOSUPPORT,
	};
	const char *h;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		h = out_default_hint(errs[i]);
		assert_non_null(h);
		/* One line, no full stop: it follows "hint: ". */
		assert_null(strchr(h, '\n'));
		assert_true(h[strlen(h) - 1] != '.');
	}
	assert_non_null(strstr(out_default_hint(EADDRINUSE), "SO_REUSEADDR"));
	assert_non_null(strstr(out_default_hint(ENAMETOOLONG), "107"));
	assert_null(out_default_hint(EIO));
}

static void
say_refused(void)
{
	out_error("ipc sock connect", "127.0.0.1:7000", ECONNREFUSED);
}

static void
say_plain(void)
{
	out_error("ipc", "something failed", 0);
	out_error("ipc", NULL, EPIPE);
	out_errorf("ipc sock", "%s: %d", "bad", 42);
	out_warn("ipc", "%s", "careful");
	out_hint("try %s", "again");
}

static void
test_messages(void **state)
{
	char *s;

	(void)state;
	/* stderr is a file here, so no colour whatever the environment. */
	s = capture_stderr(say_refused);
	assert_string_equal(s, "ipc sock connect: 127.0.0.1:7000: "
	    "connection refused (ECONNREFUSED)\n");
	free(s);
	s = capture_stderr(say_plain);
	assert_string_equal(s,
	    "ipc: something failed\n"
	    "ipc: broken pipe (EPIPE)\n"
	    "ipc sock: bad: 42\n"
	    "ipc: warning: careful\n"
	    "hint: try again\n");
	free(s);
}

/* Open a pseudo-terminal pair in raw mode; see pty(7). */
static void
open_pty(int *master, int *slave)
{
	struct termios t;

	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(*master >= 0);
	assert_int_equal(grantpt(*master), 0);
	assert_int_equal(unlockpt(*master), 0);
	*slave = open(ptsname(*master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(*slave >= 0);
	assert_int_equal(tcgetattr(*slave, &t), 0);
	cfmakeraw(&t);
	assert_int_equal(tcsetattr(*slave, TCSANOW, &t), 0);
}

/* Read exactly n bytes from a pty master, which may deliver them in pieces. */
static void
read_pty(int master, char *buf, size_t n)
{
	struct pollfd pfd = { .fd = master, .events = POLLIN };
	ssize_t r;
	size_t got;

	for (got = 0; got < n; got += (size_t)r) {
		/* Fail rather than hang when fewer bytes come than expected. */
		assert_int_equal(poll(&pfd, 1, 2000), 1);
		r = read(master, buf + got, n - got);
		assert_true(r > 0);
	}
	buf[n] = '\0';
}

static void
test_color(void **state)
{
	int p[2], master, slave;

	(void)state;
	assert_int_equal(pipe(p), 0);
	unsetenv("NO_COLOR");
	setenv("TERM", "xterm", 1);
	assert_int_equal(out_color(p[1]), 0);
	assert_string_equal(out_c(p[1], "\033[1m"), "");

	open_pty(&master, &slave);
	assert_int_equal(out_color(slave), 1);
	assert_string_equal(out_c(slave, "\033[1m"), "\033[1m");
	/* See no-color.org: present, even empty, means no colour. */
	setenv("NO_COLOR", "", 1);
	assert_int_equal(out_color(slave), 0);
	unsetenv("NO_COLOR");
	setenv("TERM", "dumb", 1);
	assert_int_equal(out_color(slave), 0);

	close(master);
	close(slave);
	close(p[0]);
	close(p[1]);
}

/* Escape all of src through dst buffers of `size`, concatenating. */
static void
escape_in_pieces(const char *src, size_t n, size_t size, char *out)
{
	char dst[64];
	size_t used, len;

	out[0] = '\0';
	while (n > 0) {
		len = out_escape(dst, size, src, n, &used);
		assert_int_equal(strlen(dst), len);
		assert_true(len <= size - 1);
		assert_true(used > 0);
		strcat(out, dst);
		src += used;
		n -= used;
	}
}

static void
test_escape(void **state)
{
	static const char in[] = "a\033[31mb\0c\r\n\t\xff\x80\\";
	static const char want[] =
	    "a\\x1b[31mb\\x00c\\r\n\t\\xff\\x80\\";
	char dst[128], out[256];
	size_t used, len, size;

	(void)state;
	len = out_escape(dst, sizeof(dst), in, sizeof(in) - 1, &used);
	assert_string_equal(dst, want);
	assert_int_equal(len, strlen(want));
	assert_int_equal(used, sizeof(in) - 1);

	/* An escape is never split: "ab" fits in 6 bytes, "ab\x1b" not. */
	len = out_escape(dst, 6, "ab\033cd", 5, &used);
	assert_string_equal(dst, "ab");
	assert_int_equal(len, 2);
	assert_int_equal(used, 2);
	len = out_escape(dst, 1, "ab", 2, &used);
	assert_string_equal(dst, "");
	assert_int_equal(len, 0);
	assert_int_equal(used, 0);
	assert_int_equal(out_escape(dst, 0, "ab", 2, &used), 0);
	assert_int_equal(used, 0);
	/* No used pointer is fine too. */
	assert_int_equal(out_escape(dst, sizeof(dst), "x\r", 2, NULL), 3);

	/* Any buffer of at least 5 bytes gets through everything. */
	for (size = 5; size < 24; size++) {
		escape_in_pieces(in, sizeof(in) - 1, size, out);
		assert_string_equal(out, want);
	}
}

static void
test_write_all(void **state)
{
	static const char msg[] = "raw\033bytes\0!";
	char buf[64];
	int p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(out_write_all(p[1], "hello", 5), 0);
	/* Not a terminal: peer bytes pass unchanged. */
	assert_int_equal(out_write_peer(p[1], msg, sizeof(msg) - 1), 0);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 5 + sizeof(msg) - 1);
	assert_memory_equal(buf, "hello", 5);
	assert_memory_equal(buf + 5, msg, sizeof(msg) - 1);
	/* A reader gone: EPIPE, with SIGPIPE ignored so the test lives. */
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(out_write_all(p[1], "x", 1), -1);
	assert_int_equal(errno, EPIPE);
	signal(SIGPIPE, SIG_DFL);
	close(p[1]);
	assert_int_equal(out_write_all(p[1], "x", 1), -1);
	assert_int_equal(errno, EBADF);
}

static void
test_write_peer_tty(void **state)
{
	char buf[64];
	int master, slave;

	(void)state;
	open_pty(&master, &slave);
	assert_int_equal(out_write_peer(slave, "a\033[2Jb\n", 7), 0);
	read_pty(master, buf, strlen("a\\x1b[2Jb\n"));
	assert_string_equal(buf, "a\\x1b[2Jb\n");
	close(master);
	close(slave);
}

static void
test_hexdump(void **state)
{
	static const char data[] = "hello world, this is 33 bytes!!\nX";
	uint64_t off;
	FILE *f;
	char *s;

	(void)state;
	f = tmpfile();
	assert_non_null(f);
	off = 0;
	out_hexdump(f, '>', data, sizeof(data) - 1, &off, 0.000412);
	assert_int_equal(off, 33);
	/* The running offset goes on, as `hexdump -C -s 33` would show it. */
	out_hexdump(f, '>', "abc\x01\x7f", 5, &off, 1.5);
	assert_int_equal(off, 38);
	out_hexdump(f, '<', "!", 1, NULL, 2);
	out_hexdump(f, '<', "", 0, NULL, 2);
	s = slurp(f);
	assert_string_equal(s,
	    "> 33 bytes sent at +0.000412s\n"
	    "00000000  68 65 6c 6c 6f 20 77 6f  72 6c 64 2c 20 74 68 69  "
	    "|hello world, thi|\n"
	    "00000010  73 20 69 73 20 33 33 20  62 79 74 65 73 21 21 0a  "
	    "|s is 33 bytes!!.|\n"
	    "00000020  58                                                "
	    "|X|\n"
	    "> 5 bytes sent at +1.500000s\n"
	    "00000021  61 62 63 01 7f                                    "
	    "|abc..|\n"
	    "< 1 byte received at +2.000000s\n"
	    "00000000  21                                                "
	    "|!|\n"
	    "< 0 bytes received at +2.000000s\n");
	free(s);
	fclose(f);
}

/* A 9-byte line splits its groups after the eighth byte. */
static void
test_hexdump_groups(void **state)
{
	FILE *f;
	char *s;

	(void)state;
	f = tmpfile();
	assert_non_null(f);
	out_hexdump(f, '>', "012345678", 9, NULL, 0);
	s = slurp(f);
	assert_string_equal(s,
	    "> 9 bytes sent at +0.000000s\n"
	    "00000000  30 31 32 33 34 35 36 37  38                       "
	    "|012345678|\n");
	free(s);
	fclose(f);
}

static json_t *
sample_rows(void)
{
	json_t *rows;

	rows = json_pack("[{s:i, s:s, s:b, s:f, s:n}, {s:i, s:s, s:b}]",
	    "fd", 3, "peer", "127.0.0.1:7000", "ok", 1, "rtt", 0.5, "x",
	    "fd", 10, "peer", "unix:@x\033", "ok", 0);
	assert_non_null(rows);
	return rows;
}

static const struct out_col cols[] = {
	{ "fd", "FD" }, { "peer", "PEER" }, { "ok", "OK" },
	{ "rtt", "RTT" }, { "x", "X" },
};

static void
test_table(void **state)
{
	json_t *rows;
	FILE *f;
	char *s;

	(void)state;
	rows = sample_rows();
	f = tmpfile();
	assert_non_null(f);
	assert_int_equal(out_table(f, rows, cols, 5, 0), 0);
	s = slurp(f);
	/* Not a terminal: cells are written as they are. */
	assert_string_equal(s,
	    "FD  PEER            OK   RTT  X\n"
	    "3   127.0.0.1:7000  yes  0.5  -\n"
	    "10  unix:@x\033        no   -    -\n");
	free(s);
	fclose(f);

	f = tmpfile();
	assert_non_null(f);
	assert_int_equal(out_table(f, rows, cols, 2, 1), 0);
	s = slurp(f);
	assert_string_equal(s,
	    "{\"fd\":3,\"peer\":\"127.0.0.1:7000\",\"ok\":true,\"rtt\":0.5,"
	    "\"x\":null}\n"
	    "{\"fd\":10,\"peer\":\"unix:@x\\u001B\",\"ok\":false}\n");
	free(s);
	fclose(f);
	json_decref(rows);
}

static void
test_table_empty_and_bad(void **state)
{
	json_t *rows, *obj;
	FILE *f;
	char *s;

	(void)state;
	rows = json_array();
	f = tmpfile();
	assert_non_null(f);
	assert_int_equal(out_table(f, rows, cols, 2, 0), 0);
	s = slurp(f);
	assert_string_equal(s, "FD  PEER\n");
	free(s);

	obj = json_object();
	assert_int_equal(out_table(f, obj, cols, 2, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(out_table(f, rows, cols, 0, 0), -1);
	assert_int_equal(errno, EINVAL);
	json_decref(obj);
	json_decref(rows);
	fclose(f);
}

static void
test_table_tty(void **state)
{
	json_t *rows;
	FILE *f;
	char buf[512];
	int master, slave;

	(void)state;
	open_pty(&master, &slave);
	f = fdopen(slave, "w");
	assert_non_null(f);
	rows = json_pack("[{s:s}, {s:s}]", "peer", "a\033[2Jb", "peer", "ok");
	assert_int_equal(out_table(f, rows, cols + 1, 1, 0), 0);
	fflush(f);
	read_pty(master, buf, strlen("PEER\na\\x1b[2Jb\nok\n"));
	/* On a terminal a control byte is shown, not obeyed. */
	assert_string_equal(buf, "PEER\na\\x1b[2Jb\nok\n");
	json_decref(rows);
	fclose(f);
	close(master);
}

static void
test_json_line(void **state)
{
	json_t *obj;
	FILE *f;
	char *s;

	(void)state;
	obj = json_pack("{s:s, s:[i,i]}", "ev", "hello", "v", 1, 2);
	f = tmpfile();
	assert_non_null(f);
	assert_int_equal(out_json_line(f, obj), 0);
	s = slurp(f);
	assert_string_equal(s, "{\"ev\":\"hello\",\"v\":[1,2]}\n");
	free(s);
	fclose(f);
	json_decref(obj);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errname),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_exit_code),
		cmocka_unit_test(test_default_hint),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_color),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_write_all),
		cmocka_unit_test(test_write_peer_tty),
		cmocka_unit_test(test_hexdump),
		cmocka_unit_test(test_hexdump_groups),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_empty_and_bad),
		cmocka_unit_test(test_table_tty),
		cmocka_unit_test(test_json_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
