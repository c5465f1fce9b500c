/*
 * demo_edge.c - `ipc poll demo edge`: one stream, three readers, each on
 * its own pipe and epoll instance (see epoll(7), "Level-triggered and
 * edge-triggered"):
 *
 *	level   level-triggered, reads CHUNK bytes per event
 *	edge    edge-triggered, reads CHUNK bytes per event: the stuck reader
 *	drain   edge-triggered, reads until EAGAIN, as epoll(7) says to
 *
 * Every write reaches all three pipes at once, so readiness is already
 * settled when each reader waits; a wait with timeout 0 that finds
 * nothing means "no event will come", and any bytes still in the pipe
 * (FIONREAD) are bytes that reader will not be told about.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "poll.h"
#include "sys.h"

#define CHUNK		5	/* what a lazy reader takes per event */
#define MAX_WAKES	16	/* per reader and round: bounds the demo */

static const char *const writes[] = { "hello world\n", "bye\n" };

struct reader {
	const char *mode;
	unsigned mask;		/* POLLER_IN, with POLLER_ET or not */
	int drain;		/* read until EAGAIN */
	int fds[2];
	struct poller p;
	int wakes;
	long total;
};

/* Bytes waiting in the pipe; see FIONREAD in pipe(7). */
static int
pending(int fd)
{
	int n = 0;

	return sys_ioctl(fd, FIONREAD, &n) < 0 ? -1 : n;
}

static void
add_row(json_t *rows, const struct reader *r, int round, const char *wait,
	const char *read, int left, const char *note)
{
	json_t *row = json_pack("{s:s, s:i, s:s, s:s, s:i, s:s}", "mode",
				r->mode, "round", round, "wait", wait, "read",
				read, "left", left, "note", note);

	if (row != NULL)
		json_array_append_new(rows, row);
}

/*
 * One event's reads: CHUNK bytes, or until EAGAIN when draining.  Writes
 * the sizes ("5+5+2") into sizes.  Returns 0, or -1 with errno.
 */
static int
read_event(struct reader *r, char *sizes, size_t size)
{
	char buf[CHUNK];
	size_t len = 0;
	ssize_t n;

	sizes[0] = '\0';
	do {
		n = sys_read(r->fds[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			snprintf(sizes + len, size - len, "%sEAGAIN",
				 len > 0 ? "+" : "");
			return 0;
		}
		if (n < 0)
			return -1;
		r->total += n;
		len += (size_t)snprintf(sizes + len, size - len, "%s%zd",
					len > 0 ? "+" : "", n);
		if (len >= size)
			len = size - 1;
	} while (r->drain && n > 0);
	return 0;
}

/* Wait and read until no event comes; a row per wait. */
static int
follow(const struct cli *cli, struct reader *r, int round, json_t *rows)
{
	struct poller_event ev;
	char sizes[128], mask[32];
	int n, left;

	for (int wakes = 0; wakes < MAX_WAKES; wakes++) {
		n = r->p.ops->wait(&r->p, &ev, 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(cli, "epoll_wait", errno, NULL);
		left = pending(r->fds[0]);
		if (n == 0) {
			add_row(rows, r, round, "-", "-", left, left > 0 ?
				"stuck: bytes wait, but no new edge will "
				"come until more data arrives" :
				"nothing left: quiet");
			return 0;
		}
		r->wakes++;
		if (read_event(r, sizes, sizeof(sizes)) < 0)
			return fail(cli, "read", errno, NULL);
		left = pending(r->fds[0]);
		add_row(rows, r, round, poller_mask_str(ev.events, mask,
			sizeof(mask)), sizes, left, r->drain ?
			"drained to EAGAIN: the next edge will come" :
			left > 0 ? "read a little; bytes remain" :
			"read the last bytes");
	}
	return 0;
}

static int
edge_run(const struct cli *cli, struct reader *rd, size_t nr, json_t *rows)
{
	size_t i, w;
	int rc;

	for (i = 0; i < nr; i++) {
		if (sys_pipe2(rd[i].fds, O_CLOEXEC | O_NONBLOCK) < 0)
			return fail(cli, "pipe2", errno, NULL);
		if (poller_open(&rd[i].p, &poller_epoll_ops) < 0)
			return fail(cli, "epoll_create1", errno, NULL);
		if (rd[i].p.ops->add(&rd[i].p, rd[i].fds[0], rd[i].mask) < 0)
			return fail(cli, "epoll_ctl", errno, NULL);
	}
	for (w = 0; w < sizeof(writes) / sizeof(writes[0]); w++)
		for (i = 0; i < nr; i++) {
			if (out_write_all(rd[i].fds[1], writes[w],
					  strlen(writes[w])) < 0)
				return fail(cli, "write", errno, NULL);
			if ((rc = follow(cli, &rd[i], (int)w + 1, rows)) != 0)
				return rc;
		}
	return 0;
}

int
poll_demo_edge(const struct cli *cli, int json)
{
	static const struct out_col cols[] = {
		{ "mode", "MODE" }, { "round", "ROUND" }, { "wait", "EVENTS" },
		{ "read", "READ" }, { "left", "LEFT" }, { "note", "NOTE" },
	};
	struct reader rd[] = {
		{ .mode = "level", .mask = POLLER_IN },
		{ .mode = "edge", .mask = POLLER_IN | POLLER_ET },
		{ .mode = "drain", .mask = POLLER_IN | POLLER_ET, .drain = 1 },
	};
	size_t nr = sizeof(rd) / sizeof(rd[0]), i;
	json_t *rows = json_array();
	int rc;

	for (i = 0; i < nr; i++)
		rd[i].fds[0] = rd[i].fds[1] = -1;
	if (!json)
		printf("writer: round 1 writes \"hello world\\n\" (12 bytes), "
		       "round 2 \"bye\\n\" (4), into three pipes\n"
		       "level: level-triggered, reads %d bytes per event\n"
		       "edge:  edge-triggered, reads %d bytes per event\n"
		       "drain: edge-triggered, reads until EAGAIN\n\n",
		       CHUNK, CHUNK);
	rc = edge_run(cli, rd, nr, rows);
	if (rc == 0 && out_table(stdout, rows, cols, 6, json) < 0)
		rc = fail(cli, "stdout", errno, NULL);
	if (rc == 0 && !json) {
		printf("\n");
		for (i = 0; i < nr; i++)
			printf("%-6s %d events, read %ld of 16 bytes%s\n",
			       rd[i].mode, rd[i].wakes, rd[i].total,
			       rd[i].total < 16 ? ": stuck, the rest is "
			       "never reported" : "");
	}
	for (i = 0; i < nr; i++) {
		poller_close(&rd[i].p);
		if (rd[i].fds[0] >= 0) {
			sys_close(rd[i].fds[0]);
			sys_close(rd[i].fds[1]);
		}
	}
	json_decref(rows);
	return rc;
}
