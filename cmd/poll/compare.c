/*
 * compare.c - `ipc poll compare`: the classic scaling experiment.  N idle
 * descriptors (both ends of N/2 empty pipes, watched for reading) and one
 * active one (a pipe holding a byte nobody reads) are watched by each
 * backend, and each wait is timed.  Every wait finds the one active fd;
 * what it costs is what the backend does with the idle ones: select and
 * poll hand the whole set to the kernel and scan it again on return
 * (O(n)), epoll keeps the set in the kernel and copies out only the
 * ready fd (O(1)).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>

#include "clock.h"
#include "poll.h"
#include "sys.h"

#define FDS_MAX		100000	/* the largest N accepted */
#define LIST_MAX	16	/* counts in one --fds list */
#define WAITS_MAX	100000	/* waits in one measurement, at most */
#define WAITS_MIN	3
#define SPARE_FDS	32	/* stdio, the epoll fd, the trace sink ... */

static struct {
	const char *fds;
	const char *backend;
	double time;
	int json;
} o;

static const struct opt compare_opts[] = {
	OPT_STR('n', "fds", &o.fds, "N[,N...]",
		"idle descriptors per run (default 10,100,1000)"),
	OPT_ONEOF('b', "backend", &o.backend, "NAME", "select|poll|epoll",
		  "only this backend (default: all three)"),
	OPT_SECS('t', "time", &o.time,
		 "time each measurement for S seconds (default 0.1, at most 2)"),
	OPT_FLAG(0, "json", &o.json, "one JSON object per measurement"),
	OPT_STOP
};

struct bench {
	const struct cli *cli;
	int *fds;		/* the idle fds: both ends of each pipe */
	int nfds;
	int active[2];		/* the pipe with a byte in it */
	long max_open;		/* fds the soft limit allows */
};

/* "10,100,1000" into counts; returns how many, or -1 when malformed. */
static int
parse_counts(const char *s, long *counts)
{
	int n = 0;

	while (*s != '\0') {
		char *end;
		long v;

		errno = 0;
		v = strtol(s, &end, 10);
		if (end == s || errno != 0 || v < 1 || v > FDS_MAX ||
		    (*end != ',' && *end != '\0') || n == LIST_MAX)
			return -1;
		counts[n++] = v;
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

/*
 * Raise the soft RLIMIT_NOFILE toward need, no further than the hard
 * limit, and say so on stderr.  Returns 0, or a reported status.
 */
static int
raise_limit(struct bench *b, long need)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)need;

	if (sys_getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return fail(b->cli, "getrlimit", errno, NULL);
	if (rl.rlim_cur < want && rl.rlim_cur < rl.rlim_max) {
		rlim_t old = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		if (sys_setrlimit(RLIMIT_NOFILE, &rl) < 0)
			return fail(b->cli, "setrlimit RLIMIT_NOFILE", errno,
				    NULL);
		out_warn(b->cli->prog, "raised RLIMIT_NOFILE from %llu to "
			 "%llu (hard limit %llu) to hold %ld descriptors",
			 (unsigned long long)old,
			 (unsigned long long)rl.rlim_cur,
			 (unsigned long long)rl.rlim_max, need);
	}
	b->max_open = rl.rlim_cur == RLIM_INFINITY ? need : (long)rl.rlim_cur;
	return 0;
}

/* Make n idle fds (n/2 pipes, rounded up).  Returns 0 or a status. */
static int
make_fds(struct bench *b, long n)
{
	int p[2];

	b->fds = calloc((size_t)n + 1, sizeof(int));
	if (b->fds == NULL)
		return fail(b->cli, "calloc", errno, NULL);
	if (sys_pipe2(b->active, O_CLOEXEC | O_NONBLOCK) < 0)
		return fail(b->cli, "pipe2", errno, NULL);
	if (sys_write(b->active[1], "x", 1) != 1)
		return fail(b->cli, "write", errno, NULL);
	while (b->nfds < n) {
		if (sys_pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
			return fail(b->cli, "pipe2", errno, "see 'ipc poll "
				    "limits', or ask for fewer with --fds");
		b->fds[b->nfds++] = p[0];
		b->fds[b->nfds++] = p[1];
	}
	return 0;
}

/* The highest fd the first n idle ones and the active one use. */
static int
highest_fd(const struct bench *b, long n)
{
	int hi = b->active[0];

	for (long i = 0; i < n; i++)
		if (b->fds[i] > hi)
			hi = b->fds[i];
	return hi;
}

/*
 * Time waits of ops with n idle fds and the active one.  Returns 0 and
 * fills *waits and *ns, or a reported status.
 */
static int
measure(struct bench *b, const struct poller_ops *ops, long n, long *waits,
	double *ns)
{
	struct poller_event ev[4];
	struct poller p;
	long long t0, budget = (long long)(o.time * 1e9), spent = 0;
	long i, k = 0;
	int rc = 0, got;

	*waits = 0;
	*ns = 0;
	if (poller_open(&p, ops) < 0)
		return fail(b->cli, ops->name, errno, NULL);
	for (i = 0; i < n && rc == 0; i++)
		if (ops->add(&p, b->fds[i], POLLER_IN) < 0)
			rc = fail(b->cli, ops->name, errno, NULL);
	if (rc == 0 && ops->add(&p, b->active[0], POLLER_IN) < 0)
		rc = fail(b->cli, ops->name, errno, NULL);
	t0 = clock_now_ns();
	while (rc == 0 && k < WAITS_MAX && (k < WAITS_MIN || spent < budget)) {
		got = ops->wait(&p, ev, 4, -1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got != 1 || ev[0].fd != b->active[0])
			rc = fail(b->cli, ops->name, got < 0 ? errno : EPROTO,
				  "only the active fd should be ready");
		k++;
		spent = clock_now_ns() - t0;
	}
	poller_close(&p);
	*waits = k;
	*ns = k > 0 ? (double)spent / (double)k : 0;
	return rc;
}

/* One backend over every count: a row each. */
static int
run_backend(struct bench *b, const struct poller_ops *ops,
	    const long *counts, int ncounts, json_t *rows)
{
	double ns, first = 0;
	char note[96];
	long waits;
	int rc;

	for (int i = 0; i < ncounts; i++) {
		json_t *row = json_pack("{s:s, s:I}", "backend", ops->name,
					"fds", (json_int_t)counts[i]);

		if (row == NULL)
			return fail(b->cli, "json", ENOMEM, NULL);
		json_array_append_new(rows, row);
		if (ops == &poller_select_ops &&
		    highest_fd(b, counts[i]) >= FD_SETSIZE) {
			snprintf(note, sizeof(note), "skipped: fds at or "
				 "above FD_SETSIZE (%d)", FD_SETSIZE);
			json_object_set_new(row, "note", json_string(note));
			continue;
		}
		if ((rc = measure(b, ops, counts[i], &waits, &ns)) != 0)
			return rc;
		if (first == 0)
			first = ns;
		json_object_set_new(row, "waits", json_integer(waits));
		json_object_set_new(row, "ns_per_wait",
				    json_integer((json_int_t)ns));
		snprintf(note, sizeof(note), "%.1fx", first > 0 ? ns / first :
			 1.0);
		json_object_set_new(row, "vs_first", json_string(note));
	}
	return 0;
}

static int
run_compare(struct cli *cli)
{
	static const struct out_col cols[] = {
		{ "backend", "BACKEND" }, { "fds", "FDS" },
		{ "waits", "WAITS" }, { "ns_per_wait", "NS/WAIT" },
		{ "vs_first", "VS FIRST" }, { "note", "NOTE" },
	};
	struct bench b = { .cli = cli, .active = { -1, -1 } };
	long counts[LIST_MAX], max = 0;
	json_t *rows;
	int n, rc;

	n = parse_counts(o.fds != NULL ? o.fds : "10,100,1000", counts);
	if (n <= 0)
		return usage_error(cli, "--fds: '%s' is not a list of counts "
				   "from 1 to %d, at most %d of them", o.fds,
				   FDS_MAX, LIST_MAX);
	if (o.time == 0)
		o.time = 0.1;
	if (o.time > 2)
		return usage_error(cli, "--time: at most 2 seconds per "
				   "measurement");
	for (int i = 0; i < n; i++)
		if (counts[i] > max)
			max = counts[i];
	if ((rc = raise_limit(&b, max + SPARE_FDS)) != 0)
		return rc;
	if (max + SPARE_FDS > b.max_open)
		return fail(cli, "--fds", EMFILE, "RLIMIT_NOFILE's hard limit "
			    "is too low for that many: see 'ipc poll limits'");
	rows = json_array();
	rc = make_fds(&b, max);
	for (const struct poller_ops *const *ops = poller_backends;
	     rc == 0 && *ops != NULL; ops++)
		if (o.backend == NULL || strcmp(o.backend, (*ops)->name) == 0)
			rc = run_backend(&b, *ops, counts, n, rows);
	if (rc == 0 && out_table(stdout, rows, cols, 6, o.json) < 0)
		rc = fail(cli, "stdout", errno, NULL);
	for (int i = 0; i < b.nfds; i++)
		sys_close(b.fds[i]);
	if (b.active[0] >= 0) {
		sys_close(b.active[0]);
		sys_close(b.active[1]);
	}
	free(b.fds);
	json_decref(rows);
	return rc;
}

const struct verb poll_compare_verb = {
	.name = "compare",
	.summary = "time select, poll and epoll against N idle descriptors",
	.usage = "",
	.description =
		"For each count N, watches N idle descriptors (both ends of "
		"empty pipes) and one active one (a pipe holding a byte) "
		"with each backend, and times its waits.  Every wait reports "
		"the one active fd; the cost is in the idle ones.  select(2) "
		"and poll(2) pass the whole set to the kernel and scan it "
		"again on return, so their time per wait grows with N; "
		"epoll_wait(2) copies out only what is ready, so its time "
		"stays flat.  VS FIRST is the time per wait against the "
		"backend's first count.\n\n"
		"select cannot watch fds at or above FD_SETSIZE: those rows "
		"say so.  When the counts need more descriptors than "
		"RLIMIT_NOFILE allows, the soft limit is raised toward the "
		"hard one, and a warning says so.  Each measurement runs for "
		"--time seconds (or 100000 waits).  The figures vary from "
		"machine to machine; the shape does not.",
	.examples = (const char *const[]){
		"ipc poll compare\t10, 100 and 1000 idle fds, every backend",
		"ipc poll compare --fds 100,10000 --backend epoll"
		"\tepoll stays flat",
		"ipc poll compare --json\tone JSON object per measurement",
		NULL },
	.opts = compare_opts,
	.min_args = 0, .max_args = 0,
	.run = run_compare,
};
