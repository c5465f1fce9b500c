/*
 * share.c - `ipc mmap share`: an anonymous mapping that a parent and its
 * forked child both write.  With MAP_SHARED they add to the same two
 * counters at once: one with an atomic read-modify-write, which loses
 * nothing, and one with a separate load and store, which loses updates
 * whenever the other process writes in between.  With MAP_PRIVATE the
 * fork gives each process its own copy-on-write copy, and neither sees
 * the other's additions.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "map.h"
#include "mmap.h"
#include "sys.h"
#include "trace.h"

#define DEFAULT_COUNT	5000000L
#define MAX_COUNT	1000000000L

static struct {
	long count;
	int private_;
} o;

static const struct opt share_opts[] = {
	OPT_NUM('n', "count", &o.count, "N",
		"additions per process (default 5000000)"),
	OPT_FLAG('p', "private", &o.private_,
		 "map with MAP_PRIVATE: each process gets its own copy"),
	OPT_STOP
};

/*
 * What the two processes share.  Both counters are atomic objects, so
 * the program has no data race (a race on a plain long is undefined
 * behaviour in C); the "plain" one is updated the way `n++` compiles, a
 * load and then a store, each atomic on its own but not together.
 */
struct counters {
	atomic_long atomic;
	atomic_long plain;
};

/* Add count to both counters, one at a time. */
static void
add(struct counters *c, long count)
{
	long v;

	for (long i = 0; i < count; i++) {
		/* One indivisible read-modify-write; see stdatomic.h. */
		atomic_fetch_add_explicit(&c->atomic, 1, memory_order_relaxed);
		/* Load, add, store: the other process may store in between. */
		v = atomic_load_explicit(&c->plain, memory_order_relaxed);
		atomic_store_explicit(&c->plain, v + 1, memory_order_relaxed);
	}
}

/* One process's view of the counters, on one line. */
static void
show(const char *who, const struct counters *c)
{
	printf("%-7s (pid %d) sees atomic=%ld plain=%ld\n", who, (int)getpid(),
	       atomic_load(&c->atomic), atomic_load(&c->plain));
}

/* Both counters after both processes added; the verdict for each. */
static void
verdict(const struct counters *c, long count)
{
	long want = 2 * count, plain = atomic_load(&c->plain);

	printf("atomic counter: %ld of %ld (atomic_fetch_add: no update "
	       "lost)\n", atomic_load(&c->atomic), want);
	printf("plain counter:  %ld of %ld (load, then store: %ld update%s "
	       "lost)\n", plain, want, want - plain,
	       want - plain == 1 ? "" : "s");
}

/*
 * The child waits at the start gate, adds, reports what it sees, and
 * exits without cleanup.  The gate is a pipe: read(2) blocks until the
 * parent closes the write end, and then returns 0 (end of file), so both
 * processes start adding at nearly the same moment.
 */
static void
child(struct counters *c, long count, int gate[2])
{
	char b;

	sys_close(gate[1]);
	while (sys_read(gate[0], &b, 1) < 0 && errno == EINTR)
		continue;
	sys_close(gate[0]);
	add(c, count);
	map_trace_write(c, sizeof(*c), o.private_);
	show("child", c);
	fflush(stdout);
	/* _exit(2): the parent's stdio buffers and atexit handlers are its own. */
	_exit(0);
}

/*
 * Map, fork, open the start gate, add in both processes at once, wait
 * for the child (no zombie), and report.  The child prints first: the parent prints only
 * after waitpid has returned.
 */
static int
run_share(struct cli *cli)
{
	long count = o.count != 0 ? o.count : DEFAULT_COUNT;
	int flags = (o.private_ ? MAP_PRIVATE : MAP_SHARED) | MAP_ANONYMOUS;
	struct counters *c;
	size_t resident;
	int status, gate[2], rc = 0;
	pid_t pid;

	if (count < 1 || count > MAX_COUNT)
		return usage_error(cli, "--count: expected 1 to %ld", MAX_COUNT);
	c = sys_mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, flags, -1, 0);
	if (c == MAP_FAILED)
		return fail(cli, "mmap", errno, NULL);
	/*
	 * For the trace (and the TUI's page map): mincore(2) finds no page
	 * resident yet, since mmap gives addresses, not memory; the first
	 * store faults the page in.  Only the trace reads the answer.
	 */
	if (trace_on)
		(void)map_resident(c, sizeof(*c), &resident);
	/* An anonymous mapping starts zero-filled; see mmap(2). */
	printf("mapping: %zu bytes, %s|MAP_ANONYMOUS; parent and child each "
	       "add %ld to both counters\n", sizeof(*c),
	       o.private_ ? "MAP_PRIVATE" : "MAP_SHARED", count);
	fflush(stdout);
	if (sys_pipe2(gate, O_CLOEXEC) < 0) {
		rc = fail(cli, "pipe2", errno, NULL);
		sys_munmap(c, sizeof(*c));
		return rc;
	}
	pid = sys_fork();
	if (pid < 0) {
		rc = fail(cli, "fork", errno, NULL);
		sys_close(gate[0]);
		sys_close(gate[1]);
		sys_munmap(c, sizeof(*c));
		return rc;
	}
	if (pid == 0)
		child(c, count, gate);
	/* Open the gate: the child's read returns end of file. */
	sys_close(gate[0]);
	sys_close(gate[1]);
	add(c, count);
	map_trace_write(c, sizeof(*c), o.private_);
	/* See waitpid(2): a signal may interrupt the wait, not the child. */
	while (sys_waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			rc = fail(cli, "waitpid", errno, NULL);
			break;
		}
	if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		out_errorf(cli->prog, "the child (pid %d) failed", (int)pid);
		rc = EX_SOFT_;
	}
	if (rc == 0) {
		show("parent", c);
		if (o.private_)
			printf("private: each process saw only its own %ld "
			       "additions (copy-on-write after fork)\n", count);
		else
			verdict(c, count);
	}
	if (sys_munmap(c, sizeof(*c)) < 0 && rc == 0)
		rc = fail(cli, "munmap", errno, NULL);
	return rc;
}

const struct verb mmap_share_verb = {
	.name = "share",
	.summary = "parent and child write one anonymous mapping: lost "
		   "updates, and copy-on-write",
	.usage = "",
	.description =
		"Maps a few bytes with MAP_SHARED|MAP_ANONYMOUS and forks.  "
		"Parent and child then each add N to two counters in the "
		"mapping at the same time.  The atomic counter uses one "
		"indivisible read-modify-write (atomic_fetch_add) and ends at "
		"exactly 2N.  The plain counter is updated as `n++` is: a "
		"load, then a store; when the other process stores in "
		"between, one addition is lost, so it usually ends below 2N "
		"(on a single CPU, less often: the processes only interleave "
		"when the scheduler switches between them).\n\n"
		"With --private the mapping is MAP_PRIVATE: after fork(2) "
		"each process has its own copy-on-write copy, and each sees "
		"only its own N.  See mmap(2) and fork(2).",
	.examples = (const char *const[]){
		"ipc mmap share\ttwo processes, one counter: updates lost",
		"ipc mmap share --count 20000000\tmore additions, more losses",
		"ipc mmap share --private\teach process sees only its own "
		"writes",
		NULL },
	.opts = share_opts,
	.min_args = 0, .max_args = 0,
	.run = run_share,
};
