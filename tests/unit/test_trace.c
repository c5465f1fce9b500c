/*
 * test_trace.c - the event bus: JSON escaping, the hello/seq/bye framing,
 * sinks chosen by config and environment, the human form, the step gate,
 * events from a forked child, address formatting, names for the numbers
 * the calls take, and explanations.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <cmocka.h>

#include "explain.h"
#include "sys.h"
#include "trace.h"

static char tmpdir[64];
static char tracefile[128];

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ipc-test-trace.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(tracefile, sizeof(tracefile), "%s/trace.jsonl", tmpdir);
	alarm(20);	/* a broken gate must fail the run, not hang it */
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	trace_close();
	sys_inject_clear();
	unsetenv("IPC_TRACE_FD");
	unsetenv("IPC_TRACE_STEP");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Start tracing as an applet would: to tracefile, JSON unless spec says. */
static void
start(const char *spec, const char *to)
{
	static char *argv[] = { "ipc", "test", "--trace", NULL };
	struct trace_config cfg = {
		.spec = spec, .to = to, .mod = "test", .argc = 3, .argv = argv,
	};

	assert_int_equal(trace_init(&cfg), 0);
	sys_watch_update();
	assert_true(trace_on);
	assert_true(sys_watch);
}

static void
stop(void)
{
	trace_close();
	sys_watch_update();
	assert_false(trace_on);
}

/* Every line of path as a JSON array of events; each line must parse. */
static json_t *
read_events(const char *path)
{
	json_t *all = json_array(), *ev;
	json_error_t jerr;
	char line[4096];
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		assert_non_null(strchr(line, '\n'));
		ev = json_loads(line, 0, &jerr);
		if (ev == NULL)
			fail_msg("bad JSON line: %s (%s)", line, jerr.text);
		json_array_append_new(all, ev);
	}
	fclose(f);
	return all;
}

/* The whole of path as a string, malloc'd. */
static char *
read_text(const char *path)
{
	char *s = malloc(65536);
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(s);
	assert_non_null(f);
	n = fread(s, 1, 65535, f);
	s[n] = '\0';
	fclose(f);
	return s;
}

static const char *
str_of(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *
arg_of(json_t *ev, const char *key)
{
	return str_of(json_object_get(ev, "args"), key);
}

/* The first syscall event for call at or after index *from, or NULL. */
static json_t *
find_call(json_t *events, const char *call, size_t *from)
{
	size_t i;
	const char *c;

	for (i = from != NULL ? *from : 0; i < json_array_size(events); i++) {
		c = str_of(json_array_get(events, i), "call");
		if (c != NULL && strcmp(c, call) == 0) {
			if (from != NULL)
				*from = i + 1;
			return json_array_get(events, i);
		}
	}
	return NULL;
}

/* ---- trace_format_json ---- */

static void
test_format_escaping(void **state)
{
	const struct trace_arg args[] = {
		TARG_S("quote", "a\"b\\c"),
		TARG_S("ctl", "x\x01y\n\x1b[31m"),
		TARG_S("bad", "ok\xff\xfe!"),
		TARG_S("utf8", "caf\xc3\xa9"),
		TARG_S("overlong", "\xc0\xaf"),
		TARG_I("n", -42),
	};
	char buf[1024];
	json_error_t jerr;
	json_t *o, *a;
	int n;

	n = trace_format_json(buf, sizeof(buf), "state", NULL, "note\twith tab",
	    args, 6);
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	/* One line: the only newline is the last byte. */
	assert_ptr_equal(strchr(buf, '\n'), buf + n - 1);
	assert_int_equal(strncmp(buf, "{\"seq\":", 7), 0);

	o = json_loads(buf, 0, &jerr);
	assert_non_null(o);
	assert_string_equal(str_of(o, "ev"), "state");
	assert_string_equal(str_of(o, "note"), "note\twith tab");
	a = json_object_get(o, "args");
	assert_string_equal(str_of(a, "quote"), "a\"b\\c");
	assert_string_equal(str_of(a, "ctl"), "x\x01y\n\x1b[31m");
	/* Invalid UTF-8 becomes the text \xHH; valid UTF-8 is kept. */
	assert_string_equal(str_of(a, "bad"), "ok\\xff\\xfe!");
	assert_string_equal(str_of(a, "utf8"), "caf\xc3\xa9");
	assert_string_equal(str_of(a, "overlong"), "\\xc0\\xaf");
	assert_int_equal(json_integer_value(json_object_get(a, "n")), -42);
	json_decref(o);
}

static void
test_format_enospc(void **state)
{
	char buf[16];

	errno = 0;
	assert_int_equal(trace_format_json(buf, sizeof(buf), "state", NULL,
	    "a note that does not fit", NULL, 0), -1);
	assert_int_equal(errno, ENOSPC);
}

static void
test_format_syscall_fields(void **state)
{
	const struct trace_arg args[] = { TARG_S("addr", "127.0.0.1:7000") };
	struct trace_call fail = {
		.call = "connect", .fd = 3, .args = args, .nargs = 1,
		.ret = -1, .err = ECONNREFUSED, .note = "refused",
	};
	struct trace_call ok = {
		.call = "close", .fd = -1, .ret = 0, .err = EBADF,
		.injected = 1,
	};
	char buf[1024];
	json_t *o;

	assert_true(trace_format_json(buf, sizeof(buf), "syscall", &fail,
	    NULL, NULL, 0) > 0);
	o = json_loads(buf, 0, NULL);
	assert_non_null(o);
	assert_string_equal(str_of(o, "call"), "connect");
	assert_int_equal(json_integer_value(json_object_get(o, "fd")), 3);
	assert_string_equal(arg_of(o, "addr"), "127.0.0.1:7000");
	assert_int_equal(json_integer_value(json_object_get(o, "ret")), -1);
	assert_string_equal(str_of(o, "errno"), "ECONNREFUSED");
	assert_string_equal(str_of(o, "note"), "refused");
	assert_null(json_object_get(o, "injected"));
	json_decref(o);

	/* No fd when -1, no errno unless ret < 0, "injected" when set. */
	assert_true(trace_format_json(buf, sizeof(buf), "syscall", &ok,
	    NULL, NULL, 0) > 0);
	o = json_loads(buf, 0, NULL);
	assert_non_null(o);
	assert_null(json_object_get(o, "fd"));
	assert_null(json_object_get(o, "errno"));
	assert_true(json_is_object(json_object_get(o, "args")));
	assert_true(json_is_true(json_object_get(o, "injected")));
	json_decref(o);
}

/*
 * The writer escapes as jansson does: every line parses, and jansson,
 * dumping what it parsed, gives back the same text byte for byte.  Each
 * byte alone, then a few sequences that look like UTF-8 and are not.
 */
static void
test_format_like_jansson(void **state)
{
	static const char *const odd[] = {
		"a\"b\\c/d", "\x7f", "caf\xc3\xa9", "\xe2\x82\xac",
		"\xf0\x9d\x84\x9e", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		"\xe2\x82", "\xc3", "\xc0\x80", "",
	};
	char buf[1024], one[2] = { 0, 0 }, want[8];
	struct trace_arg arg = { .key = "v" };
	json_t *o;
	char *again;
	int n;

	for (unsigned i = 0; i < 255 + sizeof(odd) / sizeof(odd[0]); i++) {
		if (i < 255) {
			one[0] = (char)(i + 1);
			arg.str = one;
		} else {
			arg.str = odd[i - 255];
		}
		n = trace_format_json(buf, sizeof(buf), "state", NULL, arg.str,
		    &arg, 1);
		assert_true(n > 0);
		o = json_loadb(buf, (size_t)n, 0, NULL);
		if (o == NULL)
			fail_msg("case %u does not parse: %s", i, buf);
		again = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		assert_non_null(again);
		buf[n - 1] = '\0';
		assert_string_equal(again, buf);
		if (i < 255) {
			if (i + 1 < 0x80)
				snprintf(want, sizeof(want), "%s", one);
			else
				snprintf(want, sizeof(want), "\\x%02x", i + 1);
			assert_string_equal(arg_of(o, "v"), want);
		}
		free(again);
		json_decref(o);
	}
}

/* Each of lines parses for python3's json module, strict as it is. */
static void
assert_python_parses(const char *const *lines, int n)
{
	char path[192], cmd[320];
	FILE *f;

	snprintf(path, sizeof(path), "%s/lines.jsonl", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < n; i++)
		fputs(lines[i], f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 -c 'import json, sys\n"
	    "for l in open(sys.argv[1], encoding=\"utf-8\"): json.loads(l)' %s",
	    path);
	assert_int_equal(system(cmd), 0);
}

/*
 * A string too long for one line is cut where a character ends and
 * marked "...", and the fields after it are still there.  Whatever is cut
 * (ASCII, UTF-8, escapes), the line parses.
 */
static void
test_format_cuts_long_strings(void **state)
{
	static const char *const pieces[] = { "a", "\xc3\xa9", "\x01", "\xff",
	    "\"", "\xf0\x9d\x84\x9e" };
	enum { NPIECES = sizeof(pieces) / sizeof(pieces[0]) };
	static char big[NPIECES][20000], line[NPIECES][8192];
	const char *lines[NPIECES];
	const struct trace_arg args[] = { TARG_S("addr", "127.0.0.1:7000") };
	struct trace_call c = {
		.call = "connect", .fd = 3, .args = args, .nargs = 1,
		.ret = -1, .err = ECONNREFUSED,
	};
	json_t *o;
	const char *note;
	size_t len;
	int n;

	for (int i = 0; i < NPIECES; i++) {
		len = strlen(pieces[i]);
		for (size_t at = 0; at + len < sizeof(big[i]); at += len)
			memcpy(big[i] + at, pieces[i], len);
		big[i][sizeof(big[i]) - 1 - (sizeof(big[i]) - 1) % len] = '\0';
		c.note = big[i];
		n = trace_format_json(line[i], sizeof(line[i]), "syscall", &c,
		    NULL, NULL, 0);
		assert_true(n > 0);
		assert_true(n <= PIPE_BUF);
		lines[i] = line[i];
		o = json_loads(line[i], 0, NULL);
		if (o == NULL)
			fail_msg("piece %d: the cut line does not parse", i);
		note = str_of(o, "note");
		assert_non_null(note);
		assert_true(strlen(note) > 500);
		assert_string_equal(note + strlen(note) - 3, "...");
		assert_string_equal(str_of(o, "errno"), "ECONNREFUSED");
		assert_string_equal(arg_of(o, "addr"), "127.0.0.1:7000");
		json_decref(o);
	}
	assert_python_parses(lines, NPIECES);
}

/*
 * Fields that do not fit even with every string cut leave no line at all:
 * trace_format_json() says ENOSPC, and a sink drops the event rather than
 * write a line that does not parse.
 */
static void
test_format_too_many_fields(void **state)
{
	static char big[600];
	struct trace_arg args[64];
	char buf[8192];

	memset(big, 'x', sizeof(big) - 1);
	for (int i = 0; i < 64; i++)
		args[i] = (struct trace_arg){ "a_rather_long_key_name", big, 0 };
	errno = 0;
	assert_int_equal(trace_format_json(buf, sizeof(buf), "state", NULL,
	    NULL, args, 64), -1);
	assert_int_equal(errno, ENOSPC);

	start(NULL, tracefile);
	trace_event("state", NULL, args, 64);
	trace_event("state", "after", NULL, 0);
	stop();
	json_decref(read_events(tracefile));	/* every line parses */
}

/* ---- sinks ---- */

static void
test_file_sink_framing(void **state)
{
	int fds[2], saved;
	json_t *events, *ev, *argv;
	json_int_t seq = 0;
	size_t i, at = 0;

	start(NULL, tracefile);
	assert_int_equal(sys_pipe2(fds, O_CLOEXEC), 0);
	errno = 1234;
	assert_int_equal(sys_write(fds[1], "hi", 2), 2);
	saved = errno;
	assert_int_equal(saved, 1234);	/* tracing keeps errno */
	assert_int_equal(sys_close(-1), -1);
	assert_int_equal(errno, EBADF);
	trace_state("state number %d", 7);
	sys_close(fds[0]);
	sys_close(fds[1]);
	stop();
	trace_close();		/* idempotent */

	events = read_events(tracefile);
	assert_true(json_array_size(events) >= 7);
	ev = json_array_get(events, 0);
	assert_string_equal(str_of(ev, "ev"), "hello");
	assert_string_equal(str_of(ev, "mod"), "test");
	assert_int_equal(json_integer_value(json_object_get(ev, "schema")), 1);
	assert_non_null(str_of(ev, "version"));
	assert_int_equal(json_integer_value(json_object_get(ev, "pid")),
	    getpid());
	argv = json_object_get(ev, "argv");
	assert_int_equal(json_array_size(argv), 3);
	assert_string_equal(json_string_value(json_array_get(argv, 1)), "test");

	json_array_foreach(events, i, ev) {
		assert_int_equal(json_integer_value(json_object_get(ev, "seq")),
		    seq++);
		assert_true(json_is_integer(json_object_get(ev, "t_ns")));
		assert_non_null(str_of(ev, "mod"));
	}
	assert_string_equal(str_of(json_array_get(events, i - 1), "ev"), "bye");

	ev = find_call(events, "pipe2", &at);
	assert_non_null(ev);
	assert_string_equal(arg_of(ev, "flags"), "O_CLOEXEC");
	ev = find_call(events, "write", &at);
	assert_non_null(ev);
	assert_int_equal(json_integer_value(json_object_get(
	    json_object_get(ev, "args"), "count")), 2);
	assert_int_equal(json_integer_value(json_object_get(ev, "ret")), 2);
	assert_null(json_object_get(ev, "errno"));
	ev = find_call(events, "close", &at);
	assert_non_null(ev);
	assert_null(json_object_get(ev, "fd"));
	assert_string_equal(str_of(ev, "errno"), "EBADF");
	assert_string_equal(str_of(ev, "note"),
	    "not an open descriptor: closed twice?");
	json_decref(events);
}

/* The size of path in bytes. */
static long
file_size(const char *path)
{
	FILE *f = fopen(path, "r");
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	fclose(f);
	return n;
}

/*
 * A batch gathers a JSON file's lines and writes them at trace_flush()
 * (or when the outermost batch ends), in order, every line whole.
 */
static void
test_batch_gathers_lines(void **state)
{
	json_t *events;
	long before;

	start(NULL, tracefile);
	before = file_size(tracefile);
	trace_batch_begin();
	trace_batch_begin();
	trace_state("first %d", 1);
	trace_state("second %d", 2);
	trace_batch_end();		/* inner: still gathering */
	assert_int_equal(file_size(tracefile), before);
	trace_flush();
	assert_true(file_size(tracefile) > before);
	before = file_size(tracefile);
	trace_state("third %d", 3);
	assert_int_equal(file_size(tracefile), before);
	trace_batch_end();		/* outermost: written */
	assert_true(file_size(tracefile) > before);
	before = file_size(tracefile);
	trace_state("fourth %d", 4);	/* no batch: written at once */
	assert_true(file_size(tracefile) > before);
	stop();

	events = read_events(tracefile);
	assert_int_equal(json_array_size(events), 6);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(json_integer_value(json_object_get(
		    json_array_get(events, i), "seq")), (json_int_t)i);
	json_decref(events);
}

static void
test_human_sink(void **state)
{
	const struct trace_arg args[] = {
		TARG_S("k", "v\x07"), TARG_I("n", 5),
	};
	char *text;
	int fds[2];

	start("human", tracefile);
	assert_int_equal(sys_pipe2(fds, O_CLOEXEC), 0);
	sys_close(fds[1]);
	trace_event("state", "a\x1b[2Jb", args, 2);
	assert_int_equal(sys_read(fds[0], &(char){ 0 }, 1), 0);
	sys_close(fds[0]);
	stop();

	text = read_text(tracefile);
	assert_null(strstr(text, "\"seq\""));
	assert_null(strchr(text, '\x1b'));	/* no raw escape, no colour */
	assert_non_null(strstr(text,
	    "[test] state: a\\x1b[2Jb k=v\\x07 n=5\n"));
	assert_non_null(strstr(text, "[test] read("));
	assert_non_null(strstr(text, ", count=1) = 0  # end of file: the peer "
	    "closed or shut down its write side\n"));
	assert_non_null(strstr(text, ") = 0  # the descriptor is free"));
	free(text);
}

static void
test_bad_config(void **state)
{
	struct trace_config cfg = { .mod = "test" };

	cfg.spec = "xml";
	errno = 0;
	assert_int_equal(trace_init(&cfg), -1);
	assert_int_equal(errno, EINVAL);

	cfg.spec = "json";
	cfg.step = "sometimes";
	assert_int_equal(trace_init(&cfg), -1);
	assert_int_equal(errno, EINVAL);

	/* Stepping needs a socket to read commands from. */
	cfg.step = "";
	cfg.to = tracefile;
	assert_int_equal(trace_init(&cfg), -1);
	assert_int_equal(errno, ENOTSOCK);
	cfg.spec = NULL;
	cfg.to = NULL;
	assert_int_equal(trace_init(&cfg), -1);
	assert_int_equal(errno, ENOTSOCK);

	/* An inherited IPC_TRACE_STEP without a socket is ignored. */
	cfg.step = NULL;
	cfg.to = tracefile;
	setenv("IPC_TRACE_STEP", "1", 1);
	assert_int_equal(trace_init(&cfg), 0);
	assert_true(trace_on);
	assert_false(trace_stepping(STEP_ITER));
	trace_close();
	cfg.to = NULL;
	assert_int_equal(trace_init(&cfg), 0);
	assert_false(trace_on);
	unsetenv("IPC_TRACE_STEP");

	cfg.step = NULL;
	cfg.to = "unix:/nonexistent/ipc.sock";
	assert_int_equal(trace_init(&cfg), -1);
	assert_int_equal(errno, ENOENT);
	assert_false(trace_on);

	/* Nothing asked for: tracing stays off and that is no error. */
	cfg.to = NULL;
	assert_int_equal(trace_init(&cfg), 0);
	assert_false(trace_on);
}

/* A line from fd, byte by byte, without the newline; -1 at EOF. */
static int
read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;
	char c;

	while (read(fd, &c, 1) == 1) {
		if (c == '\n') {
			buf[n] = '\0';
			return (int)n;
		}
		if (n + 1 < size)
			buf[n++] = c;
	}
	return -1;
}

static void
test_env_fd_and_priority(void **state)
{
	char fdnum[16], line[4096];
	int fds[2];
	json_t *ev;

	assert_int_equal(pipe2(fds, 0), 0);
	snprintf(fdnum, sizeof(fdnum), "%d", fds[1]);
	setenv("IPC_TRACE_FD", fdnum, 1);

	/* An explicit --trace-to wins over the environment. */
	start(NULL, tracefile);
	stop();
	assert_non_null(getenv("IPC_TRACE_FD"));

	/* With no config, IPC_TRACE_FD is taken: JSON, CLOEXEC, unset. */
	start(NULL, NULL);
	assert_int_equal(fcntl(fds[1], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_null(getenv("IPC_TRACE_FD"));
	trace_state("via fd");
	stop();		/* closes the inherited fd too */
	assert_int_equal(fcntl(fds[1], F_GETFD), -1);

	assert_true(read_line(fds[0], line, sizeof(line)) > 0);
	ev = json_loads(line, 0, NULL);
	assert_string_equal(str_of(ev, "ev"), "hello");
	json_decref(ev);
	assert_true(read_line(fds[0], line, sizeof(line)) > 0);
	ev = json_loads(line, 0, NULL);
	assert_string_equal(str_of(ev, "note"), "via fd");
	json_decref(ev);
	assert_true(read_line(fds[0], line, sizeof(line)) > 0);
	assert_non_null(strstr(line, "\"ev\":\"bye\""));
	close(fds[0]);
}

static void
test_sink_gone(void **state)
{
	struct trace_config cfg = { .mod = "test" };
	char fdnum[16];
	int fds[2];

	/* The reader leaves: tracing stops quietly, the process lives on. */
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	close(fds[0]);
	snprintf(fdnum, sizeof(fdnum), "%d", fds[1]);
	setenv("IPC_TRACE_FD", fdnum, 1);
	assert_int_equal(trace_init(&cfg), 0);	/* hello already fails */
	assert_false(trace_on);
	trace_state("nobody reads this");
	assert_int_equal(sys_close(-1), -1);
	assert_int_equal(errno, EBADF);
	trace_close();
}

static void
test_full_socket_drops(void **state)
{
	struct trace_config cfg = { .mod = "test" };
	long long seq, last = -1, gaps = 0, dropped = -1;
	char fdnum[16], line[4096];
	int sv[2], sndbuf = 4096, skipped = 0;
	FILE *in;

	/*
	 * Nobody reads while 5000 events go out: with a small send buffer
	 * most must be dropped, and the program must not block.  Half of
	 * them ask trace_want() first, as the wrappers and the loop do: once
	 * the socket is full, those are dropped before they are built.  The
	 * reader sees the gaps in seq, and bye counts both kinds.
	 */
	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sndbuf,
				    sizeof(sndbuf)), 0);
	snprintf(fdnum, sizeof(fdnum), "%d", sv[1]);
	setenv("IPC_TRACE_FD", fdnum, 1);
	assert_int_equal(trace_init(&cfg), 0);
	for (int i = 0; i < 5000; i++) {
		if (i % 2 == 0)
			trace_state("event %d", i);
		else if (trace_want())
			trace_state("event %d, asked first", i);
		else
			skipped++;
	}
	assert_true(skipped > 0);
	/* bye waits for room, so read while a child writes it. */
	if (fork() == 0) {
		trace_close();
		_exit(0);
	}
	in = fdopen(sv[0], "r");
	assert_non_null(in);
	while (dropped < 0 && fgets(line, sizeof(line), in) != NULL) {
		json_t *o = json_loads(line, 0, NULL);

		assert_non_null(o);
		seq = json_integer_value(json_object_get(o, "seq"));
		if (last >= 0 && seq > last + 1)
			gaps += seq - last - 1;
		last = seq;
		if (strcmp(str_of(o, "ev"), "bye") == 0)
			dropped = json_integer_value(json_object_get(o, "dropped"));
		json_decref(o);
	}
	fclose(in);
	wait(NULL);
	assert_true(gaps > 0);
	assert_int_equal(dropped, gaps);
	trace_close();	/* the parent's bye meets a closed reader: EPIPE */
}

/* ---- stepping ---- */

/* The controller's side of a step test, run in a thread. */
struct ctl {
	int fd;		/* its end of the trace socket */
	int sync;	/* write end of a pipe to wake the traced thread */
	int script;	/* which test script to run */
	char failure[256];
};

/* Read one event; check its ev, and its kind (gate) or note (state). */
static int
expect(struct ctl *c, const char *ev, const char *detail)
{
	char line[4096];
	const char *got, *what;
	json_t *o;
	int ok;

	if (read_line(c->fd, line, sizeof(line)) < 0) {
		snprintf(c->failure, sizeof(c->failure), "EOF, wanted %s", ev);
		return 0;
	}
	o = json_loads(line, 0, NULL);
	got = o != NULL ? str_of(o, "ev") : NULL;
	what = o == NULL ? NULL : strcmp(ev, "gate") == 0 ? str_of(o, "kind") :
	    strcmp(ev, "syscall") == 0 ? str_of(o, "call") : str_of(o, "note");
	ok = got != NULL && strcmp(got, ev) == 0 && (detail == NULL ||
	    (what != NULL && strcmp(what, detail) == 0));
	if (!ok)
		snprintf(c->failure, sizeof(c->failure),
		    "wanted %s %s, got %.180s", ev, detail ? detail : "", line);
	json_decref(o);
	return ok;
}

static void
say(struct ctl *c, const char *cmd)
{
	if (write(c->fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		snprintf(c->failure, sizeof(c->failure), "write failed");
}

/* Gates at iterations: step, run, pause while running, then EOF. */
static void
script_iter(struct ctl *c)
{
	if (!expect(c, "hello", NULL) || !expect(c, "gate", "iter"))
		return;
	say(c, "step\n");
	if (!expect(c, "gate", "iter"))
		return;
	say(c, "pa");			/* a command split across writes */
	say(c, "use\nrun\r\n");
	if (!expect(c, "state", "running"))
		return;
	say(c, "pause\n");
	if (write(c->sync, "x", 1) != 1)
		return;
	if (!expect(c, "gate", "iter"))
		return;
	shutdown(c->fd, SHUT_WR);	/* the controller leaves */
	if (!expect(c, "state", "free") || !expect(c, "bye", NULL))
		return;
}

/* --step=syscall: wrapped calls gate too. */
static void
script_syscall(struct ctl *c)
{
	if (!expect(c, "hello", NULL) || !expect(c, "syscall", "close") ||
	    !expect(c, "gate", "syscall"))
		return;
	say(c, "step\n");
	if (!expect(c, "gate", "iter"))
		return;
	say(c, "run\n");
	if (!expect(c, "syscall", "close") || !expect(c, "bye", NULL))
		return;
}

static void *
controller(void *arg)
{
	struct ctl *c = arg;

	if (c->script == 0)
		script_iter(c);
	else
		script_syscall(c);
	return NULL;
}

static void
test_step_iter(void **state)
{
	struct trace_config cfg = { .mod = "test" };
	struct ctl c = { .script = 0 };
	int sv[2], sync[2];
	pthread_t t;
	char fdnum[16], x;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
	    0);
	assert_int_equal(pipe2(sync, O_CLOEXEC), 0);
	snprintf(fdnum, sizeof(fdnum), "%d", sv[1]);
	setenv("IPC_TRACE_FD", fdnum, 1);	/* as ipc tui runs its child */
	setenv("IPC_TRACE_STEP", "1", 1);
	c.fd = sv[0];
	c.sync = sync[1];
	assert_int_equal(pthread_create(&t, NULL, controller, &c), 0);

	assert_int_equal(trace_init(&cfg), 0);
	assert_true(trace_stepping(STEP_ITER));
	assert_false(trace_stepping(STEP_SYSCALL));
	trace_gate(STEP_SYSCALL);	/* not at this granularity */
	trace_gate(STEP_ITER);		/* starts paused: waits for "step" */
	trace_gate(STEP_ITER);		/* still paused: waits for "run" */
	trace_gate(STEP_ITER);		/* running: passes */
	trace_state("running");
	assert_int_equal(read(sync[0], &x, 1), 1);
	trace_gate(STEP_ITER);		/* sees "pause", waits, gets EOF */
	trace_gate(STEP_ITER);		/* the controller left: free */
	assert_false(trace_stepping(STEP_ITER));
	trace_state("free");
	trace_close();

	pthread_join(t, NULL);
	if (c.failure[0] != '\0')
		fail_msg("%s", c.failure);
	close(sv[0]);
	close(sync[0]);
	close(sync[1]);
}

static void
test_step_syscall_unix(void **state)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct trace_config cfg = { .mod = "test", .step = "syscall" };
	struct ctl c = { .script = 1 };
	char to[160];
	pthread_t t;
	int lfd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/ctl.sock", tmpdir);
	snprintf(to, sizeof(to), "unix:%s", sun.sun_path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	cfg.to = to;
	assert_int_equal(trace_init(&cfg), 0);
	sys_watch_update();
	c.fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(c.fd >= 0);
	assert_int_equal(pthread_create(&t, NULL, controller, &c), 0);

	assert_true(trace_stepping(STEP_SYSCALL));
	assert_int_equal(sys_close(-1), -1);	/* gate: "step" */
	assert_int_equal(errno, EBADF);		/* errno survives the gate */
	trace_gate(STEP_ITER);			/* gate: "run" */
	sys_close(-1);				/* running */
	trace_close();
	sys_watch_update();

	pthread_join(t, NULL);
	if (c.failure[0] != '\0')
		fail_msg("%s", c.failure);
	close(c.fd);
	close(lfd);
}

/* ---- fork ---- */

static void
test_fork_child_pid(void **state)
{
	json_t *events, *ev;
	size_t i;
	pid_t child;
	int status, seen_child = 0, seen_parent = 0;

	start(NULL, tracefile);
	child = sys_fork();
	assert_true(child >= 0);
	if (child == 0) {
		sys_close(-1);
		_exit(0);
	}
	assert_int_equal(sys_waitpid(child, &status, 0), child);
	stop();

	events = read_events(tracefile);
	json_array_foreach(events, i, ev) {
		const char *call = str_of(ev, "call");
		json_int_t pid = json_integer_value(json_object_get(ev, "pid"));
		json_int_t ret = json_integer_value(json_object_get(ev, "ret"));

		if (call == NULL)
			continue;
		if (strcmp(call, "fork") == 0 && ret == 0) {
			assert_int_equal(pid, child);
			seen_child++;
		} else if (strcmp(call, "fork") == 0) {
			assert_int_equal(pid, getpid());
			assert_int_equal(ret, child);
			seen_parent++;
		} else if (strcmp(call, "close") == 0) {
			assert_int_equal(pid, child);
			seen_child++;
		} else if (strcmp(call, "waitpid") == 0) {
			assert_string_equal(arg_of(ev, "status"), "exited 0");
		}
	}
	assert_int_equal(seen_child, 2);
	assert_int_equal(seen_parent, 1);
	json_decref(events);
}

/* ---- what the wrappers record ---- */

static void
test_addresses(void **state)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len = sizeof(in);
	json_t *events, *ev;
	size_t at = 0;
	int fd, ufd, one = 1;

	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	in6.sin6_addr = in6addr_loopback;
	in6.sin6_port = htons(1);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/s", tmpdir);

	start(NULL, tracefile);
	fd = sys_socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	sys_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(sys_bind(fd, (struct sockaddr *)&in, sizeof(in)), 0);
	assert_int_equal(sys_getsockname(fd, (struct sockaddr *)&in, &len), 0);
	sys_close(fd);
	ufd = sys_socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(sys_bind(ufd, (struct sockaddr *)&sun, sizeof(sun)),
	    0);
	sys_close(ufd);
	assert_int_equal(sys_inject_add("connect=ECONNREFUSED"), 0);
	assert_int_equal(sys_connect(-1, (struct sockaddr *)&in6,
	    sizeof(in6)), -1);
	stop();

	events = read_events(tracefile);
	ev = find_call(events, "socket", &at);
	assert_string_equal(arg_of(ev, "domain"), "AF_INET");
	assert_string_equal(arg_of(ev, "type"), "SOCK_STREAM|SOCK_CLOEXEC");
	ev = find_call(events, "setsockopt", &at);
	assert_string_equal(arg_of(ev, "level"), "SOL_SOCKET");
	assert_string_equal(arg_of(ev, "name"), "SO_REUSEADDR");
	assert_int_equal(json_integer_value(json_object_get(
	    json_object_get(ev, "args"), "value")), 1);
	assert_non_null(strstr(str_of(ev, "note"), "TIME_WAIT"));
	ev = find_call(events, "bind", &at);
	assert_string_equal(arg_of(ev, "addr"), "127.0.0.1:0");
	ev = find_call(events, "getsockname", &at);
	assert_int_equal(strncmp(arg_of(ev, "addr"), "127.0.0.1:", 10), 0);
	assert_string_not_equal(arg_of(ev, "addr"), "127.0.0.1:0");
	ev = find_call(events, "bind", &at);
	assert_int_equal(strncmp(arg_of(ev, "addr"), "unix:/tmp/", 10), 0);
	ev = find_call(events, "connect", &at);
	assert_string_equal(arg_of(ev, "addr"), "[::1]:1");
	assert_string_equal(str_of(ev, "errno"), "ECONNREFUSED");
	json_decref(events);
}

static void
test_abstract_and_poll(void **state)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct pollfd pfd[2];
	json_t *events, *ev;
	char want[64];
	size_t at = 0;
	socklen_t len;
	int sv[2];

	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    (size_t)snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
	    "ipc-test-%d", (int)getpid()));
	start(NULL, tracefile);
	sv[0] = sys_socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_int_equal(sys_bind(sv[0], (struct sockaddr *)&sun, len), 0);
	sys_close(sv[0]);
	assert_int_equal(sys_socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	pfd[0] = (struct pollfd){ .fd = sv[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = sv[1], .events = POLLIN | POLLOUT };
	assert_int_equal(sys_poll(pfd, 2, 0), 1);
	sys_shutdown(sv[1], SHUT_WR);
	sys_close(sv[0]);
	sys_close(sv[1]);
	stop();

	events = read_events(tracefile);
	ev = find_call(events, "bind", &at);
	assert_int_equal(strncmp(arg_of(ev, "addr"), "unix:@ipc-test-", 15), 0);
	ev = find_call(events, "poll", &at);
	assert_non_null(ev);
	snprintf(want, sizeof(want), "%d:POLLIN %d:POLLIN|POLLOUT", sv[0],
	    sv[1]);
	assert_string_equal(arg_of(ev, "fds"), want);
	snprintf(want, sizeof(want), "%d:POLLOUT", sv[1]);
	assert_string_equal(arg_of(ev, "ready"), want);
	ev = find_call(events, "shutdown", &at);
	assert_string_equal(arg_of(ev, "how"), "SHUT_WR");
	/* A Unix socket: no FIN, see unix(7). */
	assert_string_equal(str_of(ev, "note"),
	    "the peer will read end of file once it has read what was sent; "
	    "this side can still read");
	json_decref(events);
}

static long long
int_arg(json_t *ev, const char *key)
{
	json_t *v = json_object_get(json_object_get(ev, "args"), key);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static int
has_arg(json_t *ev, const char *key)
{
	return json_object_get(json_object_get(ev, "args"), key) != NULL;
}

/* Protocols, options and ioctl requests by name; values by option. */
static void
test_names(void **state)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	struct sock_filter accept_all = BPF_STMT(BPF_RET | BPF_K, 0xffff);
	struct sock_fprog prog = { .len = 1, .filter = &accept_all };
	struct linger lg = { .l_onoff = 1, .l_linger = 5 };
	char cc[16] = "", odd[16] = "", want[64];
	unsigned lo = if_nametoindex("lo");
	unsigned char ttl = 7;
	struct tpacket_stats st;
	json_t *events, *ev;
	struct ucred cred;
	struct ifreq ifr;
	socklen_t len;
	size_t at = 0;
	int fd, udp, tcp, sv[2];

	assert_true(lo > 0);
	start(NULL, tracefile);
	fd = sys_socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	assert_true(fd >= 0);
	assert_int_equal(sys_bind(fd, (struct sockaddr *)&nl, sizeof(nl)), 0);
	sys_close(fd);
	assert_int_equal(sys_inject_add("socket=EPERM:1"), 0);
	assert_int_equal(sys_socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)),
	    -1);
	udp = sys_socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	assert_true(udp >= 0);
	assert_int_equal(sys_setsockopt(udp, SOL_SOCKET, SO_ATTACH_FILTER,
	    &prog, sizeof(prog)), 0);
	assert_int_equal(sys_setsockopt(udp, SOL_SOCKET, SO_LINGER, &lg,
	    sizeof(lg)), 0);
	/* Sixteen bytes are a timeval only for an option that takes one. */
	sys_setsockopt(udp, SOL_SOCKET, 9999, odd, sizeof(odd));
	/* The kernel takes IP_MULTICAST_TTL as a single byte too. */
	assert_int_equal(sys_setsockopt(udp, IPPROTO_IP, IP_MULTICAST_TTL,
	    &ttl, 1), 0);
	len = 0;
	assert_int_equal(sys_getsockopt(udp, SOL_SOCKET, SO_GET_FILTER, NULL,
	    &len), 0);
	len = sizeof(st);
	assert_int_equal(sys_getsockopt(udp, SOL_PACKET, PACKET_STATISTICS,
	    &st, &len), -1);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	assert_int_equal(sys_ioctl(udp, SIOCGIFINDEX, &ifr), 0);
	assert_int_equal(sys_ioctl(udp, SIOCGIFFLAGS, &ifr), 0);
	assert_int_equal(sys_ioctl(udp, SIOCGIFHWADDR, &ifr), 0);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = (int)lo;
	assert_int_equal(sys_ioctl(udp, SIOCGIFNAME, &ifr), 0);
	sys_close(udp);
	tcp = sys_socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(tcp >= 0);
	sys_setsockopt(tcp, IPPROTO_TCP, TCP_CONGESTION, "reno", 4);
	len = sizeof(cc) - 1;
	assert_int_equal(sys_getsockopt(tcp, IPPROTO_TCP, TCP_CONGESTION, cc,
	    &len), 0);
	sys_close(tcp);
	assert_int_equal(sys_socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sv), 0);
	len = sizeof(cred);
	assert_int_equal(sys_getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cred,
	    &len), 0);
	sys_close(sv[0]);
	sys_close(sv[1]);
	stop();

	events = read_events(tracefile);
	ev = find_call(events, "socket", &at);
	assert_string_equal(arg_of(ev, "domain"), "AF_NETLINK");
	assert_string_equal(arg_of(ev, "protocol"), "NETLINK_ROUTE");
	assert_non_null(strstr(str_of(ev, "note"), "routing"));
	ev = find_call(events, "bind", &at);
	assert_string_equal(arg_of(ev, "addr"), "netlink:pid 0 groups 0x0");
	ev = find_call(events, "socket", &at);
	assert_string_equal(arg_of(ev, "domain"), "AF_PACKET");
	assert_string_equal(arg_of(ev, "protocol"), "htons(ETH_P_ALL)");
	assert_string_equal(str_of(ev, "errno"), "EPERM");
	ev = find_call(events, "socket", &at);
	assert_string_equal(arg_of(ev, "protocol"), "IPPROTO_UDP");

	ev = find_call(events, "setsockopt", &at);
	assert_string_equal(arg_of(ev, "name"), "SO_ATTACH_FILTER");
	assert_string_equal(arg_of(ev, "value"), "1 BPF instruction");
	assert_string_equal(str_of(ev, "note"), "the kernel now runs this "
	    "classic BPF program on every packet and queues only those it "
	    "accepts");
	ev = find_call(events, "setsockopt", &at);
	assert_string_equal(arg_of(ev, "value"), "on 5s");
	ev = find_call(events, "setsockopt", &at);
	assert_string_equal(arg_of(ev, "name"), "9999");
	assert_false(has_arg(ev, "value"));
	ev = find_call(events, "setsockopt", &at);
	assert_string_equal(arg_of(ev, "name"), "IP_MULTICAST_TTL");
	assert_int_equal(int_arg(ev, "value"), 7);
	/* The same number is another option to getsockopt. */
	ev = find_call(events, "getsockopt", &at);
	assert_string_equal(arg_of(ev, "name"), "SO_GET_FILTER");
	assert_false(has_arg(ev, "value"));
	ev = find_call(events, "getsockopt", &at);
	assert_string_equal(arg_of(ev, "level"), "SOL_PACKET");
	assert_string_equal(arg_of(ev, "name"), "PACKET_STATISTICS");
	assert_false(has_arg(ev, "value"));

	ev = find_call(events, "ioctl", &at);
	assert_string_equal(arg_of(ev, "request"), "SIOCGIFINDEX");
	assert_string_equal(arg_of(ev, "ifname"), "lo");
	assert_int_equal(int_arg(ev, "ifindex"), lo);
	assert_non_null(strstr(str_of(ev, "note"), "sll_ifindex"));
	ev = find_call(events, "ioctl", &at);
	assert_string_equal(arg_of(ev, "request"), "SIOCGIFFLAGS");
	assert_non_null(strstr(arg_of(ev, "flags"), "IFF_LOOPBACK"));
	ev = find_call(events, "ioctl", &at);
	assert_string_equal(arg_of(ev, "request"), "SIOCGIFHWADDR");
	assert_string_equal(arg_of(ev, "link"), "ARPHRD_LOOPBACK");
	assert_string_equal(arg_of(ev, "hwaddr"), "00:00:00:00:00:00");
	ev = find_call(events, "ioctl", &at);
	assert_string_equal(arg_of(ev, "request"), "SIOCGIFNAME");
	assert_int_equal(int_arg(ev, "ifindex"), lo);
	assert_string_equal(arg_of(ev, "ifname"), "lo");

	ev = find_call(events, "socket", &at);
	assert_string_equal(arg_of(ev, "protocol"), "0");
	ev = find_call(events, "setsockopt", &at);
	assert_string_equal(arg_of(ev, "value"), "reno");
	ev = find_call(events, "getsockopt", &at);
	snprintf(want, sizeof(want), "%s", cc);
	assert_true(want[0] != '\0');
	assert_string_equal(arg_of(ev, "value"), want);
	ev = find_call(events, "getsockopt", &at);
	assert_string_equal(arg_of(ev, "name"), "SO_PEERCRED");
	snprintf(want, sizeof(want), "pid %d uid %u gid %u", (int)getpid(),
	    (unsigned)getuid(), (unsigned)getgid());
	assert_string_equal(arg_of(ev, "value"), want);
	json_decref(events);
}

/* A packet socket for real: it needs CAP_NET_RAW. */
static void
test_packet_socket(void **state)
{
	unsigned lo = if_nametoindex("lo");
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = (int)lo,
	};
	struct packet_mreq mreq = {
		.mr_ifindex = (int)lo, .mr_type = PACKET_MR_PROMISC,
	};
	struct tpacket_stats st;
	json_t *events, *ev;
	char want[64];
	socklen_t len = sizeof(st);
	size_t at = 0;
	int fd;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		skip();
	close(fd);
	start(NULL, tracefile);
	fd = sys_socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(sys_bind(fd, (struct sockaddr *)&ll, sizeof(ll)), 0);
	assert_int_equal(sys_setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP,
	    &mreq, sizeof(mreq)), 0);
	assert_int_equal(sys_getsockopt(fd, SOL_PACKET, PACKET_STATISTICS,
	    &st, &len), 0);
	sys_close(fd);
	stop();

	events = read_events(tracefile);
	ev = find_call(events, "socket", &at);
	assert_string_equal(arg_of(ev, "protocol"), "0");
	assert_non_null(strstr(str_of(ev, "note"), "until bind"));
	ev = find_call(events, "bind", &at);
	snprintf(want, sizeof(want), "packet:ifindex %u proto ETH_P_ALL", lo);
	assert_string_equal(arg_of(ev, "addr"), want);
	assert_non_null(strstr(str_of(ev, "note"), "ETH_P_ALL"));
	ev = find_call(events, "setsockopt", &at);
	assert_string_equal(arg_of(ev, "level"), "SOL_PACKET");
	assert_string_equal(arg_of(ev, "name"), "PACKET_ADD_MEMBERSHIP");
	snprintf(want, sizeof(want), "ifindex %u PACKET_MR_PROMISC", lo);
	assert_string_equal(arg_of(ev, "value"), want);
	ev = find_call(events, "getsockopt", &at);
	snprintf(want, sizeof(want), "%u packet%s, %u dropped", st.tp_packets,
	    st.tp_packets == 1 ? "" : "s", st.tp_drops);
	assert_string_equal(arg_of(ev, "value"), want);
	json_decref(events);
}

/* ---- explanations ---- */

static void
test_explain(void **state)
{
	assert_string_equal(explain("connect", -1, ECONNREFUSED),
	    "no listener: the peer answered SYN with RST");
	assert_string_equal(explain("connect", -1, EINPROGRESS),
	    "non-blocking connect started; wait for POLLOUT, then read "
	    "SO_ERROR");
	assert_string_equal(explain("connect", 0, 0),
	    "three-way handshake done; the socket is connected");
	assert_string_equal(explain("accept4", -1, EAGAIN),
	    "no connection waiting in the accept queue");
	assert_string_equal(explain("read", 0, 0),
	    "end of file: the peer closed or shut down its write side");
	assert_non_null(strstr(explain("read", 12, 0), "fewer than asked"));
	assert_non_null(strstr(explain("poll", 0, 0), "timeout"));
	assert_non_null(strstr(explain("bind", -1, EACCES),
	    "CAP_NET_BIND_SERVICE"));
	/* Qualifiers fall back word by word, then to the call. */
	assert_non_null(strstr(explain("sigaction SIG_IGN SIGPIPE", 0, 0),
	    "EPIPE"));
	assert_string_equal(explain("sigaction SIG_IGN SIGUSR1", 0, 0),
	    explain("sigaction SIG_IGN", 0, 0));
	assert_string_equal(explain("shutdown SHUT_WR", -1, ENOTCONN),
	    explain("shutdown", -1, ENOTCONN));
	assert_string_equal(explain("bind AF_INET", -1, EADDRINUSE),
	    explain("bind", -1, EADDRINUSE));
	/* socket is qualified by family, then protocol. */
	assert_string_equal(explain("socket AF_PACKET htons(ETH_P_ALL)", 3, 0),
	    "a packet socket: sees whole frames on an interface; needs "
	    "CAP_NET_RAW");
	assert_non_null(strstr(explain("socket AF_PACKET 0", -1, EPERM),
	    "needs CAP_NET_RAW"));
	assert_string_equal(explain("socket AF_INET IPPROTO_TCP", 3, 0),
	    explain("socket", 3, 0));
	assert_non_null(strstr(explain("socket AF_NETLINK NETLINK_AUDIT", 3,
	    0), "netlink socket"));
	assert_string_equal(explain("ioctl SIOCGIFHWADDR", -1, ENODEV),
	    "no interface has that name");
	assert_non_null(strstr(explain("setsockopt SO_ATTACH_FILTER", -1,
	    EINVAL), "rejected"));
	/* Then to the errno alone, then to plain words. */
	assert_string_equal(explain("nosuchcall", -1, EINTR),
	    "interrupted by a signal handler before anything happened; try "
	    "again");
	assert_string_equal(explain("nosuchcall", 3, 0), "the call succeeded");
	assert_string_equal(explain("nosuchcall", -1, 4000), "the call failed");
}

/* Every wrapped call has its own success text. */
static void
test_explain_covers_sys_h(void **state)
{
	static const char *const calls[] = {
		"socket", "socketpair", "bind", "listen", "accept4", "connect",
		"getsockopt", "setsockopt", "getsockname", "getpeername",
		"send", "recv", "sendto", "recvfrom", "sendmsg", "recvmsg",
		"getaddrinfo", "getnameinfo", "open", "read", "write", "close",
		"pipe2", "dup", "dup2", "dup3", "fcntl", "ioctl", "unlink",
		"poll", "epoll_create1", "epoll_ctl", "epoll_wait", "fork",
		"shutdown",
		"execvp", "waitpid", "kill", "sigaction", "sigprocmask",
		"getrlimit", "setrlimit",
	};
	size_t i;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		if (strcmp(explain(calls[i], 1, 0), "the call succeeded") == 0)
			fail_msg("no success text for %s", calls[i]);
	}
	assert_string_not_equal(explain("shutdown SHUT_RDWR", 0, 0),
	    "the call succeeded");
	assert_string_not_equal(explain("epoll_ctl EPOLL_CTL_ADD", 0, 0),
	    "the call succeeded");
}

#define T(test)	cmocka_unit_test_setup_teardown(test, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_format_escaping),
		T(test_format_enospc),
		T(test_format_syscall_fields),
		T(test_format_like_jansson),
		T(test_format_cuts_long_strings),
		T(test_format_too_many_fields),
		T(test_file_sink_framing),
		T(test_batch_gathers_lines),
		T(test_human_sink),
		T(test_bad_config),
		T(test_env_fd_and_priority),
		T(test_sink_gone),
		T(test_full_socket_drops),
		T(test_step_iter),
		T(test_step_syscall_unix),
		T(test_fork_child_pid),
		T(test_addresses),
		T(test_abstract_and_poll),
		T(test_names),
		T(test_packet_socket),
		T(test_explain),
		T(test_explain_covers_sys_h),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
