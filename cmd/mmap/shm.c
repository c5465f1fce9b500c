/*
 * shm.c - `ipc mmap shm ACTION [NAME] [DATA]`: named POSIX shared memory
 * (shm_overview(7)).  An object made by shm_open(3) with O_CREAT is a
 * file in /dev/shm (a tmpfs): it has a name any process can open, a size
 * set by ftruncate(2), and it lives until shm_unlink(3) or a reboot, not
 * until its creator exits.  Each process maps it with MAP_SHARED.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "map.h"
#include "mmap.h"
#include "sys.h"

#define DEFAULT_SIZE	4096
#define SHM_DIR		"/dev/shm"

static struct {
	const char *size, *offset, *length;
	int hold, json;
} o;

static const struct opt shm_opts[] = {
	OPT_STR('s', "size", &o.size, "N",
		"create: the object's size in bytes (default 4096)"),
	OPT_FLAG(0, "hold", &o.hold,
		 "create: keep the object until SIGINT or SIGTERM, then unlink "
		 "it"),
	OPT_STR('o', "offset", &o.offset, "N",
		"write, read: start at byte N (default 0)"),
	OPT_STR('l', "length", &o.length, "N",
		"read: N bytes (default: up to the first NUL byte)"),
	OPT_FLAG(0, "json", &o.json, "list: one JSON object per object"),
	OPT_STOP
};

/* The write end of the self-pipe that --hold waits on; see hold(). */
static int hold_pipe = -1;

/*
 * The SIGINT and SIGTERM handler of --hold.  It does one thing, write(2)
 * one byte (the signal number) to the self-pipe, because write is
 * async-signal-safe (signal-safety(7)) and the traced sys_write is not:
 * tracing takes locks and formats with stdio.  errno is saved and put
 * back, since the interrupted code may be about to read it.
 */
static void
on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	(void)!write(hold_pipe, &b, 1);
	errno = saved;
}

/*
 * Wait until SIGINT or SIGTERM arrives, by reading the self-pipe the
 * handler writes to.  Returns the signal, or reports a failure and
 * returns -1.
 */
static int
hold(const struct cli *cli, const char *name, size_t size)
{
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned char b;
	int fds[2];
	ssize_t n;

	if (sys_pipe2(fds, O_CLOEXEC) < 0) {
		fail(cli, "pipe2", errno, NULL);
		return -1;
	}
	hold_pipe = fds[1];
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sys_sigaction(SIGINT, &sa, NULL) < 0 ||
	    sys_sigaction(SIGTERM, &sa, NULL) < 0) {
		fail(cli, "sigaction", errno, NULL);
		b = 0;
	} else {
		fprintf(stderr, "holding %s (%zu bytes) until SIGINT or "
			"SIGTERM; then it is unlinked\n", name, size);
		while ((n = sys_read(fds[0], &b, 1)) < 0 && errno == EINTR)
			continue;
		if (n != 1)
			b = 0;
	}
	sys_close(fds[0]);
	sys_close(fds[1]);
	return b != 0 ? b : -1;
}

/*
 * create: shm_open with O_CREAT|O_EXCL (never take over an existing
 * object), then ftruncate to give it a size: a new object has none.  On
 * failure after the open, the object is unlinked so nothing is left.
 */
static int
shm_create(const struct cli *cli, const char *name)
{
	size_t size = DEFAULT_SIZE;
	const char *sig;
	int fd, rc = 0, got;

	if (o.size != NULL && (map_parse_offset(o.size, &size, NULL) < 0 ||
			       size == 0))
		return usage_error(cli, "--size: expected at least 1 byte");
	fd = sys_shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return fail(cli, name, errno, errno == EEXIST ? "remove it "
			    "first with 'ipc mmap shm unlink NAME', or pick "
			    "another name" : NULL);
	if (sys_ftruncate(fd, (off_t)size) < 0) {
		rc = fail(cli, "ftruncate", errno, NULL);
		sys_shm_unlink(name);
	}
	sys_close(fd);
	if (rc != 0)
		return rc;
	printf("created %s, %zu bytes (%s%s)\n", name, size, SHM_DIR, name);
	fflush(stdout);
	if (!o.hold)
		return 0;
	got = hold(cli, name, size);
	if (sys_shm_unlink(name) < 0)
		return fail(cli, name, errno, NULL);
	if (got < 0)
		return EX_OSERR_;
	/* See sigabbrev_np(3): "INT" for SIGINT. */
	sig = sigabbrev_np(got);
	printf("unlinked %s on SIG%s\n", name, sig != NULL ? sig : "?");
	return 0;
}

/*
 * Open an existing object and map all of it with MAP_SHARED.  Returns 0
 * with *addr and *size set, or the exit status after reporting.
 */
static int
shm_map(const struct cli *cli, const char *name, int writable, char **addr,
	size_t *size)
{
	struct stat st;
	int fd, rc = 0;

	fd = sys_shm_open(name, writable ? O_RDWR : O_RDONLY, 0);
	if (fd < 0)
		return fail(cli, name, errno, errno == ENOENT ? "no such "
			    "object: create it with 'ipc mmap shm create "
			    "NAME', or see 'ipc mmap shm list'" : NULL);
	if (sys_fstat(fd, &st) < 0) {
		rc = fail(cli, "fstat", errno, NULL);
	} else if (st.st_size == 0) {
		out_errorf(cli->prog, "%s: has size 0: nothing to map", name);
		out_hint("give it a size: a new object is empty until "
			 "ftruncate (ipc mmap shm create sets one)");
		rc = EX_NOINPUT_;
	} else {
		*size = (size_t)st.st_size;
		*addr = sys_mmap(NULL, *size, PROT_READ |
				 (writable ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
		if (*addr == MAP_FAILED)
			rc = fail(cli, "mmap", errno, NULL);
	}
	/* The mapping keeps the object open; the fd is no longer needed. */
	sys_close(fd);
	return rc;
}

/* The --offset value, checked against the object's size; 64 if bad. */
static int
shm_offset(const struct cli *cli, size_t size, size_t len, size_t *off)
{
	*off = 0;
	if (o.offset != NULL && map_parse_offset(o.offset, off, NULL) < 0)
		return usage_error(cli, "--offset: expected a number of bytes");
	if (*off > size || len > size - *off) {
		out_errorf(cli->prog, "bytes %zu to %zu are past the end of the "
			   "object (%zu bytes)", *off, *off + len, size);
		out_hint("create a larger object with --size");
		return EX_USAGE_;
	}
	return 0;
}

/* write: the bytes of DATA at --offset, stored through the mapping. */
static int
shm_write(const struct cli *cli, const char *name, const char *data)
{
	size_t size, off, len = strlen(data);
	char *addr;
	int rc = shm_map(cli, name, 1, &addr, &size);

	if (rc != 0)
		return rc;
	rc = shm_offset(cli, size, len, &off);
	if (rc == 0) {
		memcpy(addr + off, data, len);
		printf("wrote %zu bytes at offset %zu of %s\n", len, off, name);
	}
	sys_munmap(addr, size);
	return rc;
}

/* read: --length bytes at --offset, or up to the first NUL, to stdout. */
static int
shm_read(const struct cli *cli, const char *name)
{
	size_t size, off, len;
	char *addr;
	int rc = shm_map(cli, name, 0, &addr, &size);

	if (rc != 0)
		return rc;
	if (o.length != NULL && map_parse_offset(o.length, &len, NULL) < 0)
		rc = usage_error(cli, "--length: expected a number of bytes");
	if (rc == 0 && o.length == NULL)
		rc = shm_offset(cli, size, 0, &off);
	if (rc == 0 && o.length == NULL)
		len = strnlen(addr + off, size - off);
	if (rc == 0 && o.length != NULL)
		rc = shm_offset(cli, size, len, &off);
	if (rc == 0 && (out_write_peer(1, addr + off, len) < 0 ||
			out_write_all(1, "\n", 1) < 0))
		rc = fail(cli, "stdout", errno, NULL);
	sys_munmap(addr, size);
	return rc;
}

/* One row of the listing: open and fstat the object, as a user would. */
static json_t *
list_row(const char *entry)
{
	char name[MAP_SHM_NAME_MAX + 2], mode[8];
	struct stat st;
	json_t *row;
	int fd;

	snprintf(name, sizeof(name), "/%s", entry);
	row = json_pack("{s:s}", "name", name);
	if (row == NULL)
		return NULL;
	fd = sys_shm_open(name, O_RDONLY, 0);
	if (fd >= 0 && sys_fstat(fd, &st) == 0) {
		snprintf(mode, sizeof(mode), "%04o",
			 (unsigned)(st.st_mode & 07777));
		json_object_set_new(row, "size", json_integer(st.st_size));
		json_object_set_new(row, "mode", json_string(mode));
		json_object_set_new(row, "uid", json_integer(st.st_uid));
	} else {
		json_object_set_new(row, "error",
				    json_string(out_errname(errno)));
	}
	if (fd >= 0)
		sys_close(fd);
	return row;
}

/*
 * list: the objects in /dev/shm whose name starts with PREFIX.  The
 * directory is read with readdir(3), libc's reader over getdents64(2);
 * what the listing shows comes from shm_open and fstat of each object.
 */
static int
shm_list(const struct cli *cli, const char *prefix)
{
	static const struct out_col cols[] = {
		{ "name", "NAME" }, { "size", "SIZE" }, { "mode", "MODE" },
		{ "uid", "UID" }, { "error", "ERROR" },
	};
	size_t plen = prefix != NULL ? strlen(prefix) : 0;
	json_t *rows, *row;
	struct dirent *d;
	DIR *dir;
	int rc = 0;

	if (prefix != NULL && prefix[0] == '/')
		prefix++, plen--;
	if ((dir = opendir(SHM_DIR)) == NULL)
		return fail(cli, SHM_DIR, errno, NULL);
	rows = json_array();
	while (rows != NULL && (d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.' ||
		    (plen > 0 && strncmp(d->d_name, prefix, plen) != 0))
			continue;
		if ((row = list_row(d->d_name)) != NULL)
			json_array_append_new(rows, row);
	}
	closedir(dir);
	if (rows == NULL)
		return fail(cli, "list", ENOMEM, NULL);
	if (out_table(stdout, rows, cols, 5, o.json) < 0)
		rc = fail(cli, "stdout", errno, NULL);
	json_decref(rows);
	return rc;
}

/* Check the action's arguments, then do it. */
static int
run_shm(struct cli *cli)
{
	const char *action = cli->argv[0], *name = cli->argv[1], *why;
	int want = strcmp(action, "write") == 0 ? 3 :
		   strcmp(action, "list") == 0 ? 1 : 2;

	if (strcmp(action, "create") != 0 && strcmp(action, "write") != 0 &&
	    strcmp(action, "read") != 0 && strcmp(action, "unlink") != 0 &&
	    strcmp(action, "list") != 0)
		return usage_error(cli, "unknown action '%s': expected "
				   "create, write, read, unlink or list",
				   action);
	if (cli->argc < want || (want == 1 && cli->argc > 2) ||
	    (want > 1 && cli->argc > want))
		return usage_error(cli, "%s takes %s", action,
				   want == 3 ? "NAME DATA" : want == 2 ?
				   "NAME" : "at most a name prefix");
	if (want == 1)
		return shm_list(cli, name);
	if (map_shm_name_check(name, &why) < 0)
		return usage_error(cli, "'%s': %s", name, why);
	if (strcmp(action, "create") == 0)
		return shm_create(cli, name);
	if (strcmp(action, "write") == 0)
		return shm_write(cli, name, cli->argv[2]);
	if (strcmp(action, "read") == 0)
		return shm_read(cli, name);
	if (sys_shm_unlink(name) < 0)
		return fail(cli, name, errno, errno == ENOENT ? "no such "
			    "object; 'ipc mmap shm list' shows them" : NULL);
	printf("unlinked %s\n", name);
	return 0;
}

const struct verb mmap_shm_verb = {
	.name = "shm",
	.summary = "named POSIX shared memory: create, write, read, unlink, "
		   "list",
	.usage = "create|write|read|unlink|list [NAME] [DATA]",
	.description =
		"POSIX shared memory, as shm_overview(7) describes it.  "
		"create makes an object with shm_open(3) (O_CREAT|O_EXCL) "
		"and gives it a size with ftruncate(2); it then outlives the "
		"process, as a file in /dev/shm, until unlink removes the "
		"name.  With --hold, create waits instead, and unlinks the "
		"object when SIGINT (Ctrl-C) or SIGTERM arrives.\n\n"
		"write and read map the object with MAP_SHARED: what one "
		"process writes, every other process mapping it reads, with "
		"no system call in between.  Python's mmap module, or any "
		"program that opens /dev/shm/NAME, sees the same bytes.  "
		"list shows the objects in /dev/shm.\n\n"
		"A name starts with '/', has no other '/', and is at most 255 "
		"bytes; any other name is a usage error (64).",
	.examples = (const char *const[]){
		"ipc mmap shm create /demo --size 4096"
		"\ta 4096-byte object that outlives this command",
		"ipc mmap shm write /demo hello\tstore bytes at offset 0",
		"ipc mmap shm read /demo\tprint them, from another process",
		"ipc mmap shm create /demo --hold"
		"\thold it until Ctrl-C, then unlink it",
		"ipc mmap shm list --json\tthe objects in /dev/shm",
		"ipc mmap shm unlink /demo\tremove the name",
		NULL },
	.opts = shm_opts,
	.min_args = 1, .max_args = 3,
	.args_hint = "create|write|read|unlink|list",
	.run = run_shm,
};
