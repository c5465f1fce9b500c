/*
 * test_tui_model.c - the model behind `ipc tui`: golden traces in,
 * expected tables out.  Two small hand-written traces under fixtures/
 * cover each table; a real `ipc loop demo clock-later` trace, recorded
 * during the test when $IPC names the binary (tests/run sets it), checks
 * the model against what the loop really emits.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tui_model.h"

/* Feed every line of path; returns how many were refused. */
static int
feed_file(struct tui_model *m, const char *path)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int bad = 0;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			n--;
		bad += tui_model_feed(m, line, (size_t)n) < 0;
	}
	free(line);
	fclose(f);
	return bad;
}

static void
test_loop_tables(void **state)
{
	struct tui_model *m = tui_model_new(64);
	const struct tui_event *e;
	int i;

	assert_int_equal(feed_file(m, "tests/unit/fixtures/loop-fds.jsonl"), 0);
	assert_int_equal(m->fed, 15);
	assert_true(m->hello && m->bye);
	assert_string_equal(m->argv, "ipc loop demo watch-fd");
	/* epoll 3 and the pair 4, 5; close(5) removed 5. */
	assert_int_equal(m->nfds, 2);
	for (i = 0; i < m->nfds && m->fds[i].fd != 4; i++)
		;
	assert_true(i < m->nfds);
	assert_string_equal(m->fds[i].kind, "socketpair");
	assert_string_equal(m->fds[i].interest, "IN");
	assert_int_equal(m->fds[i].ready, 1);
	assert_string_equal(m->fds[i].state, "read");
	/* Heap order: the earlier deadline first; "late" was cancelled. */
	assert_int_equal(m->ntimers, 1);
	assert_string_equal(m->timers[0].name, "early");
	assert_int_equal(m->timers[0].at_ns, 6000 + 100000);
	assert_int_equal(m->iter, 0);
	assert_int_equal(m->ready, 2);
	assert_string_equal(m->backend, "epoll");
	assert_int_equal(m->nran, 0);
	assert_int_equal(m->ntasks, 1);
	assert_string_equal(m->tasks[0].state, "done");
	/* Peer bytes come out escaped. */
	e = tui_model_event(m, 12);
	assert_string_equal(e->call, "read");
	assert_string_equal(e->args, "data=hi\\x1b[2J");
	tui_model_free(m);
}

static void
test_signals_procs_tls(void **state)
{
	struct tui_model *m = tui_model_new(64);
	const struct tui_proc *p, *c;
	char buf[128];

	assert_int_equal(feed_file(m, "tests/unit/fixtures/sig-tls.jsonl"), 0);
	p = tui_model_proc(m, 200);
	assert_non_null(p);
	assert_string_equal(tui_sigset_str(p->blocked, buf, sizeof(buf)),
			    "SIGUSR2");
	assert_string_equal(tui_sigset_str(p->caught, buf, sizeof(buf)),
			    "SIGUSR1");
	assert_string_equal(tui_sigset_str(p->ignored, buf, sizeof(buf)),
			    "SIGPIPE");
	assert_string_equal(tui_sigset_str(p->pending, buf, sizeof(buf)), "-");
	assert_string_equal(tui_sigset_str(p->delivered, buf, sizeof(buf)),
			    "SIGUSR1");
	c = tui_model_proc(m, 201);
	assert_non_null(c);
	assert_int_equal(c->ppid, 200);
	assert_string_equal(c->state, "reaped: exited 0");
	assert_int_equal(m->ntls, 1);
	assert_string_equal(m->tls[0], "tls: ClientHello sent");
	tui_model_free(m);
}

static void
test_ring_and_bad_lines(void **state)
{
	struct tui_model *m = tui_model_new(4);
	char line[128];

	for (int i = 0; i < 10; i++) {
		snprintf(line, sizeof(line),
			 "{\"seq\":%d,\"pid\":1,\"ev\":\"state\",\"note\":\"n%d\"}",
			 i, i);
		assert_int_equal(tui_model_feed(m, line, strlen(line)), 0);
	}
	assert_int_equal(m->log_len, 4);
	assert_int_equal(m->dropped, 6);
	assert_string_equal(tui_model_event(m, 0)->note, "n6");
	assert_null(tui_model_event(m, 4));
	tui_model_lost(m, 5);
	assert_int_equal(m->dropped, 11);

	errno = 0;
	assert_int_equal(tui_model_feed(m, "not json", 8), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(tui_model_feed(m, "[1]", 3), -1);
	strcpy(line, "{\"seq\":0,\"ev\":\"hello\",\"schema\":2}");
	assert_int_equal(tui_model_feed(m, line, strlen(line)), -1);
	assert_int_equal(m->bad, 3);

	tui_model_reset(m);
	assert_int_equal(m->log_len, 0);
	assert_int_equal(m->fed, 0);
	assert_int_equal(m->iter, -1);
	tui_model_free(m);
}

static void
test_escape(void **state)
{
	char small[6], buf[32];

	assert_string_equal(tui_escape(buf, sizeof(buf), "a\tb\x7f"),
			    "a\\x09b\\x7f");
	assert_string_equal(tui_escape(buf, sizeof(buf), "caf\xc3\xa9"),
			    "caf\xc3\xa9");
	/* Cut whole: never half an escape. */
	assert_string_equal(tui_escape(small, sizeof(small), "ab\x1b"), "ab");
}

/* The real loop: clock-later fires its timer five times, then stops. */
static void
test_recorded_clock_later(void **state)
{
	const char *ipc = getenv("IPC");
	char path[] = "/tmp/tui-model-XXXXXX", cmd[512];
	struct tui_model *m;
	int fd;

	if (ipc == NULL)
		skip();
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "%s loop demo clock-later --interval 0.01 "
		 "--trace-to %s >/dev/null", ipc, path);
	assert_int_equal(system(cmd), 0);
	m = tui_model_new(1024);
	assert_int_equal(feed_file(m, path), 0);
	unlink(path);
	assert_true(m->hello && m->bye);
	assert_int_equal(m->iter, 4);
	assert_int_equal(m->ntimers, 0);
	assert_string_equal(m->backend, "epoll");
	assert_int_equal(m->bad, 0);
	assert_int_equal(m->dropped, 0);
	tui_model_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loop_tables),
		cmocka_unit_test(test_signals_procs_tls),
		cmocka_unit_test(test_ring_and_bad_lines),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_recorded_clock_later),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
