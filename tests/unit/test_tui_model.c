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
#include "tui_feed.h"

/* Feed every line of path; returns how many were refused. */
static int
feed_file(struct tui_model *m, const char *path)
{
	return feed_upto(m, path, -1);
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

/* ---- mappings, deliveries, pipes (tui_model_mem.c) ---- */

/* The mapping of pid, or fail. */
static const struct tui_map *
map_of(const struct tui_model *m, int pid)
{
	for (int i = 0; i < m->mem.nmaps; i++)
		if (m->mem.maps[i].pid == pid)
			return &m->mem.maps[i];
	fail_msg("no mapping of pid %d", pid);
	return NULL;
}

/*
 * `ipc mmap share --count 1000`, recorded: pid 16821 maps one page
 * MAP_SHARED, mincore finds it not resident, forks 16822; each adds and
 * says it wrote.  A shared page written by one is written for both.
 */
static void
test_mmap_shared_pages(void **state)
{
	struct tui_model *m = tui_model_new(64);
	const char *fx = "tests/unit/fixtures/mmap-share.jsonl";

	assert_int_equal(feed_upto(m, fx, 3), 0);
	assert_int_equal(m->mem.nmaps, 1);
	assert_int_equal(map_of(m, 16821)->pages, 1);
	assert_true(map_of(m, 16821)->shared);
	assert_string_equal(map_of(m, 16821)->file, "anonymous");
	assert_string_equal(map_of(m, 16821)->prot, "PROT_READ|PROT_WRITE");
	assert_string_equal(map_of(m, 16821)->cell, ".");
	tui_model_reset(m);
	/* The fork copies the mapping; the parent's store marks both. */
	assert_int_equal(feed_upto(m, fx, 8), 0);
	assert_int_equal(m->mem.nmaps, 2);
	assert_string_equal(map_of(m, 16822)->cell, "S");
	assert_string_equal(map_of(m, 16821)->cell, "S");
	assert_int_equal(tui_model_proc(m, 16822)->ppid, 16821);
	tui_model_reset(m);
	/* Reaped, then munmap: both gone, the cells kept to be seen. */
	assert_int_equal(feed_file(m, fx), 0);
	assert_true(map_of(m, 16822)->unmapped);
	assert_true(map_of(m, 16821)->unmapped);
	assert_string_equal(map_of(m, 16821)->cell, "-");
	tui_model_free(m);
}

/* --private: each store makes that process's own copy, and only its. */
static void
test_mmap_private_pages(void **state)
{
	struct tui_model *m = tui_model_new(64);
	const char *fx = "tests/unit/fixtures/mmap-private.jsonl";

	assert_int_equal(feed_upto(m, fx, 8), 0);
	assert_false(map_of(m, 16823)->shared);
	assert_string_equal(map_of(m, 16823)->cell, "P");
	assert_string_equal(map_of(m, 16824)->cell, ".");
	tui_model_reset(m);
	assert_int_equal(feed_upto(m, fx, 13), 0);
	assert_string_equal(map_of(m, 16824)->cell, "P");
	assert_string_equal(map_of(m, 16823)->cell, "P");
	tui_model_free(m);
}

/*
 * A private page written before fork is shared again after it: the
 * parent's 'P' goes back to 'r', and the child's copy starts as 'r'.
 */
static void
test_mmap_fork_shares_private_page(void **state)
{
	static const char *const lines[] = {
		"{\"seq\":1,\"pid\":7,\"ev\":\"syscall\",\"call\":\"mmap\","
		"\"args\":{\"len\":8192,\"prot\":\"PROT_READ|PROT_WRITE\","
		"\"flags\":\"MAP_PRIVATE|MAP_ANONYMOUS\",\"addr\":\"0x10000\"},"
		"\"ret\":65536}",
		"{\"seq\":2,\"pid\":7,\"ev\":\"state\",\"args\":{\"what\":"
		"\"write\",\"addr\":\"0x11000\",\"len\":1,\"map\":"
		"\"MAP_PRIVATE\"}}",
		"{\"seq\":3,\"pid\":7,\"ev\":\"syscall\",\"call\":\"fork\","
		"\"ret\":8}",
	};
	struct tui_model *m = tui_model_new(16);

	for (int i = 0; i < 3; i++) {
		assert_int_equal(tui_model_feed(m, lines[i], strlen(lines[i])),
				 0);
		if (i == 1)
			assert_string_equal(map_of(m, 7)->cell, "?P");
	}
	assert_string_equal(map_of(m, 7)->cell, "?r");
	assert_string_equal(map_of(m, 8)->cell, "?r");
	tui_model_free(m);
}

/*
 * `ipc mmap map five.bin --private --write 4100:hi`: a 20100-byte file
 * is 5 pages, all in the page cache (mincore's vec "11111"); the store at
 * 4100 lands on page 1.
 */
static void
test_mmap_file_pages(void **state)
{
	struct tui_model *m = tui_model_new(64);
	const char *fx = "tests/unit/fixtures/mmap-map.jsonl";

	assert_int_equal(feed_upto(m, fx, 4), 0);
	assert_string_equal(map_of(m, 16850)->file, "five.bin");
	assert_int_equal(map_of(m, 16850)->pages, 5);
	assert_int_equal(map_of(m, 16850)->len, 20100);
	assert_string_equal(map_of(m, 16850)->cell, "?????");
	tui_model_reset(m);
	assert_int_equal(feed_upto(m, fx, 7), 0);
	assert_string_equal(map_of(m, 16850)->cell, "rPrrr");
	tui_model_reset(m);
	assert_int_equal(feed_file(m, fx), 0);
	assert_true(map_of(m, 16850)->unmapped);
	tui_model_free(m);
}

/*
 * `ipc spawn pipeline -- printf 'b\na\n' '|' sort`, recorded: after the
 * parent closed its last copy (line 148), printf's fd 1 and sort's fd 0
 * are the two ends of pipe 1; every CLOEXEC end went at exec.
 */
static void
test_pipeline_pipe_ends(void **state)
{
	struct tui_model *m = tui_model_new(256);
	const char *fx = "tests/unit/fixtures/spawn-pipeline.jsonl";
	const struct tui_end *w, *r;

	assert_int_equal(feed_upto(m, fx, 147), 0);
	assert_int_equal(m->mem.nends, 3);
	assert_non_null(r = tui_model_end(m, 16825, 4));
	assert_int_equal(r->pipe, 1);
	tui_model_reset(m);
	assert_int_equal(feed_upto(m, fx, 148), 0);
	assert_int_equal(m->mem.nends, 2);
	assert_non_null(w = tui_model_end(m, 16826, 1));
	assert_non_null(r = tui_model_end(m, 16827, 0));
	assert_int_equal(w->pipe, 1);
	assert_int_equal(w->end, 'w');
	assert_int_equal(r->pipe, 1);
	assert_int_equal(r->end, 'r');
	assert_int_equal(m->mem.pipes, 3);
	assert_int_equal(tui_model_proc(m, 16827)->ppid, 16825);
	tui_model_reset(m);
	/* Both reaped: nothing holds a pipe any more. */
	assert_int_equal(feed_file(m, fx), 0);
	assert_int_equal(m->mem.nends, 0);
	tui_model_free(m);
}

/*
 * The same start with the child's first events ahead of its parent's
 * fork event (as a socket sink may deliver them): the child's seq (4)
 * follows its parent's newest (3), which names the parent; the copy is
 * made once.
 */
static void
test_pipe_child_first(void **state)
{
	struct tui_model *m = tui_model_new(64);
	const char *fx = "tests/unit/fixtures/pipe-child-first.jsonl";
	int mine = 0;

	assert_int_equal(feed_file(m, fx), 0);
	for (int i = 0; i < m->mem.nends; i++)
		mine += m->mem.ends[i].pid == 16826;
	assert_int_equal(mine, 1);
	assert_int_equal(tui_model_end(m, 16826, 1)->end, 'w');
	assert_int_equal(m->mem.nends, 4);	/* the parent's 4, 5 and 6 */
	assert_null(tui_model_end(m, 16825, 7));
	assert_int_equal(tui_model_proc(m, 16826)->ppid, 16825);
	tui_model_free(m);
}

/*
 * Two children, the second's events ahead of its parent's fork event
 * while the first child's newest seq equals the parent's, so seq cannot
 * tell which process forked it: the child's fork event names its parent
 * (ppid), and its dup2 onto fd 0 lands on the inherited read end.
 */
static void
test_pipe_child_ppid(void **state)
{
	struct tui_model *m = tui_model_new(64);
	const char *fx = "tests/unit/fixtures/pipe-child-ppid.jsonl";

	assert_int_equal(feed_file(m, fx), 0);
	assert_non_null(tui_model_end(m, 102, 0));
	assert_int_equal(tui_model_end(m, 102, 0)->end, 'r');
	assert_int_equal(tui_model_end(m, 101, 1)->end, 'w');
	assert_int_equal(tui_model_proc(m, 102)->ppid, 100);
	assert_int_equal(tui_model_proc(m, 101)->ppid, 100);
	tui_model_free(m);
}

/*
 * `ipc sig mask`: SIGUSR1 sent to itself three times while blocked, let in
 * by SIG_UNBLOCK (line 8): one delivery, from itself, highlighted until
 * the next system call.
 */
static void
test_sig_mask_delivery(void **state)
{
	struct tui_model *m = tui_model_new(64);
	const char *fx = "tests/unit/fixtures/sig-mask.jsonl";
	const struct tui_delivery *d;

	assert_int_equal(feed_upto(m, fx, 7), 0);
	assert_int_equal(m->mem.ndeliveries, 0);
	tui_model_reset(m);
	assert_int_equal(feed_upto(m, fx, 8), 0);
	assert_non_null(d = tui_model_delivery_now(m));
	assert_int_equal(d->sig, 10);
	assert_int_equal(d->from, 16828);
	assert_int_equal(d->to, 16828);
	assert_int_equal(d->seq, 7);
	assert_string_equal(d->how, "unblocked");
	tui_model_reset(m);
	assert_int_equal(feed_upto(m, fx, 9), 0);
	assert_null(tui_model_delivery_now(m));
	assert_int_equal(m->mem.ndeliveries, 1);
	tui_model_free(m);
}

/* `ipc sig catch USR1`, sent SIGUSR1 twice by `ipc sig send`. */
static void
test_sig_catch_deliveries(void **state)
{
	struct tui_model *m = tui_model_new(64);
	const char *fx = "tests/unit/fixtures/sig-catch.jsonl";
	const struct tui_delivery *d;
	char buf[64];

	assert_int_equal(feed_upto(m, fx, 6), 0);
	assert_non_null(d = tui_model_delivery_now(m));
	assert_int_equal(d->from, 16833);
	assert_int_equal(d->to, 16830);
	assert_string_equal(d->how, "SI_USER");
	assert_string_equal(tui_sigset_str(tui_model_proc(m, 16830)->delivered,
					   buf, sizeof(buf)), "SIGUSR1");
	tui_model_reset(m);
	assert_int_equal(feed_file(m, fx), 0);
	assert_int_equal(m->mem.ndeliveries, 2);
	assert_int_equal(m->mem.deliveries[1].from, 16835);
	assert_null(tui_model_delivery_now(m));
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
		cmocka_unit_test(test_mmap_shared_pages),
		cmocka_unit_test(test_mmap_private_pages),
		cmocka_unit_test(test_mmap_file_pages),
		cmocka_unit_test(test_mmap_fork_shares_private_page),
		cmocka_unit_test(test_pipeline_pipe_ends),
		cmocka_unit_test(test_pipe_child_first),
		cmocka_unit_test(test_pipe_child_ppid),
		cmocka_unit_test(test_sig_mask_delivery),
		cmocka_unit_test(test_sig_catch_deliveries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
