/*
 * limits.c - `ipc poll limits`: the ceilings on how many descriptors a
 * process can watch, each with what it means.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>

#include "poll.h"
#include "sys.h"

static struct {
	int json;
} o;

static const struct opt limits_opts[] = {
	OPT_FLAG(0, "json", &o.json, "one JSON object per limit"),
	OPT_STOP
};

/*
 * The first line of a /proc/sys file, without its newline, into buf;
 * "unavailable (ENOENT)" when it cannot be read.
 */
static void
proc_value(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = sys_open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(buf, size, "unavailable (%s)", out_errname(errno));
		return;
	}
	do
		n = sys_read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		snprintf(buf, size, "unavailable (%s)", out_errname(errno));
		n = (ssize_t)strlen(buf);
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	sys_close(fd);
}

static void
rlim_value(rlim_t v, char *buf, size_t size)
{
	if (v == RLIM_INFINITY)
		snprintf(buf, size, "unlimited");
	else
		snprintf(buf, size, "%llu", (unsigned long long)v);
}

static void
add_row(json_t *rows, const char *name, const char *value,
	const char *meaning)
{
	json_t *row = json_pack("{s:s, s:s, s:s}", "name", name, "value",
				value, "meaning", meaning);

	if (row != NULL)
		json_array_append_new(rows, row);
}

static int
run_limits(struct cli *cli)
{
	static const struct out_col cols[] = {
		{ "name", "LIMIT" }, { "value", "VALUE" },
		{ "meaning", "MEANING" },
	};
	json_t *rows = json_array();
	struct rlimit rl;
	char buf[64];
	int rc = 0;

	snprintf(buf, sizeof(buf), "%d", FD_SETSIZE);
	add_row(rows, "FD_SETSIZE", buf, "select(2) watches fds 0 to "
		"FD_SETSIZE-1 only: an fd_set has that many bits, fixed when "
		"the program is compiled; poll and epoll have no such limit");
	if (sys_getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		json_decref(rows);
		return fail(cli, "getrlimit RLIMIT_NOFILE", errno, NULL);
	}
	rlim_value(rl.rlim_cur, buf, sizeof(buf));
	add_row(rows, "RLIMIT_NOFILE soft", buf, "fds this process may "
		"have open (ulimit -n); open, accept and pipe fail with EMFILE "
		"beyond it, and poll(2) refuses more entries (EINVAL)");
	rlim_value(rl.rlim_max, buf, sizeof(buf));
	add_row(rows, "RLIMIT_NOFILE hard", buf, "how far the process may "
		"raise its soft limit without privilege (setrlimit(2))");
	proc_value("/proc/sys/fs/nr_open", buf, sizeof(buf));
	add_row(rows, "fs.nr_open", buf, "the ceiling on RLIMIT_NOFILE for "
		"every process, even privileged ones (proc(5))");
	proc_value("/proc/sys/fs/file-max", buf, sizeof(buf));
	add_row(rows, "fs.file-max", buf, "open files in the whole system; "
		"beyond it calls fail with ENFILE (proc(5))");
	proc_value("/proc/sys/fs/epoll/max_user_watches", buf, sizeof(buf));
	add_row(rows, "fs.epoll.max_user_watches", buf, "fds one user may "
		"register in all epoll instances together; epoll_ctl fails "
		"with ENOSPC beyond it (epoll(7))");
	if (out_table(stdout, rows, cols, 3, o.json) < 0)
		rc = fail(cli, "stdout", errno, NULL);
	json_decref(rows);
	return rc;
}

const struct verb poll_limits_verb = {
	.name = "limits",
	.summary = "how many descriptors select, poll and epoll may watch",
	.usage = "",
	.description =
		"Shows the limits that bound a readiness loop: FD_SETSIZE "
		"for select(2), the process's RLIMIT_NOFILE (soft and hard), "
		"the system's fs.nr_open and fs.file-max, and epoll's "
		"fs.epoll.max_user_watches, each with what happens at it.  "
		"See getrlimit(2), proc(5) and epoll(7).",
	.examples = (const char *const[]){
		"ipc poll limits\tthe limits and their meanings",
		"ipc poll limits --json\tone JSON object per limit",
		NULL },
	.opts = limits_opts,
	.min_args = 0, .max_args = 0,
	.run = run_limits,
};
