/*
 * map.c - `ipc mmap map FILE`: map a file and look at it through the
 * mapping.  It shows the size, the page size, how many pages the mapping
 * covers and how many are resident (mincore(2)) before and after touching
 * each one; then, on request, grows the file and the mapping (ftruncate(2)
 * and mremap(2)), writes into it (MAP_SHARED and msync(2), or MAP_PRIVATE
 * copy-on-write), reads from it and searches it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "map.h"
#include "mmap.h"
#include "sys.h"

/* --find reports at most this many offsets, then how many more. */
#define FIND_MAX	16
/* --read shows the bytes escaped, in chunks of this size. */
#define ESC_CHUNK	256

static struct {
	const char *write, *read, *find, *madvise, *resize;
	int private_;
} o;

static const struct opt map_opts[] = {
	OPT_STR('w', "write", &o.write, "OFFSET:DATA",
		"store DATA at OFFSET through the mapping"),
	OPT_FLAG('p', "private", &o.private_,
		 "map with MAP_PRIVATE: writes are copy-on-write, the file is "
		 "untouched"),
	OPT_STR('r', "read", &o.read, "OFFSET:LEN",
		"show LEN bytes from OFFSET, read through the mapping"),
	OPT_STR('f', "find", &o.find, "BYTES",
		"the offsets where BYTES occur in the mapping"),
	OPT_STR(0, "resize", &o.resize, "N",
		"make the file N bytes (ftruncate) and the mapping with it "
		"(mremap)"),
	OPT_ONEOF(0, "madvise", &o.madvise, "ADVICE",
		  "normal|random|sequential|willneed|dontneed",
		  "give this advice (madvise) before touching the pages"),
	OPT_STOP
};

/* What one run works on: the file, and the mapping of it. */
struct map_run {
	const struct cli *cli;
	const char *path;
	int fd;
	char *addr;
	size_t size, page;
	size_t write_off, read_off, read_len, resize;
	const char *data;
};

/* A file that cannot be mapped: what it is, why not, and exit 66. */
static int
not_mappable(const struct cli *cli, const char *path, const char *what,
	     const char *hint)
{
	out_errorf(cli->prog, "%s: %s", path, what);
	out_hint("%s", hint);
	return EX_NOINPUT_;
}

/* Why a file of this type cannot be mapped; see mmap(2) for ENODEV. */
static int
check_type(const struct cli *cli, const char *path, const struct stat *st)
{
	if (S_ISDIR(st->st_mode))
		return not_mappable(cli, path, "is a directory",
		    "a directory has no bytes to map; give a regular file");
	if (S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode))
		return not_mappable(cli, path, "is a pipe or socket: a "
		    "stream, not a file with pages (mmap fails with ENODEV)",
		    "save the data to a file first, then map the file");
	if (!S_ISREG(st->st_mode))
		return not_mappable(cli, path, "is not a regular file",
		    "ipc mmap map maps regular files only");
	if (st->st_size == 0)
		return not_mappable(cli, path, "is empty: there is nothing to "
		    "map (mmap rejects a length of 0 with EINVAL)",
		    "write something into it first, or grow it with "
		    "--resize N");
	return 0;
}

/* Parse the options into r; returns 0 or a usage error (64). */
static int
parse_opts(const struct cli *cli, struct map_run *r)
{
	const char *len;

	if (o.write != NULL &&
	    map_parse_offset(o.write, &r->write_off, &r->data) < 0)
		return usage_error(cli, "--write: expected OFFSET:DATA, as "
				   "in 0:hello");
	if (o.write != NULL && r->data[0] == '\0')
		return usage_error(cli, "--write: DATA is empty");
	if (o.read != NULL &&
	    (map_parse_offset(o.read, &r->read_off, &len) < 0 ||
	     map_parse_offset(len, &r->read_len, NULL) < 0))
		return usage_error(cli, "--read: expected OFFSET:LEN, as in "
				   "0:16");
	if (o.resize != NULL &&
	    (map_parse_offset(o.resize, &r->resize, NULL) < 0 ||
	     r->resize == 0))
		return usage_error(cli, "--resize: expected a size of at "
				   "least 1 byte");
	if (o.find != NULL && o.find[0] == '\0')
		return usage_error(cli, "--find: BYTES is empty");
	if (o.resize != NULL && o.private_)
		return usage_error(cli, "--resize changes the file, and "
				   "--private promises not to");
	return 0;
}

/* Check that [off, off+len) lies inside the mapping; 64 if not. */
static int
check_range(const struct map_run *r, const char *opt, size_t off, size_t len)
{
	if (off <= r->size && len <= r->size - off)
		return 0;
	out_errorf(r->cli->prog, "%s: bytes %zu to %zu are past the end of "
		   "the file (%zu bytes)", opt, off, off + len, r->size);
	out_hint("a mapping shows the file as it is; grow it first with "
		 "--resize (touching a page past the end is SIGBUS: see 'ipc "
		 "mmap sigbus')");
	return EX_USAGE_;
}

/* The resident pages now, as one line; returns 0 or the exit status. */
static int
show_resident(const struct map_run *r, const char *when)
{
	size_t resident, pages = map_pages(r->size, r->page);

	if (map_resident(r->addr, r->size, &resident) < 0)
		return fail(r->cli, "mincore", errno, NULL);
	printf("resident   %zu of %zu page%s %s\n", resident, pages,
	       pages == 1 ? "" : "s", when);
	return 0;
}

/*
 * Read one byte of every page: each read of a page not yet in this
 * process's page table is a page fault, which maps it in.  The volatile
 * keeps the compiler from dropping reads whose value is unused.
 */
static void
touch_pages(const struct map_run *r)
{
	const volatile char *p = r->addr;
	size_t off;

	for (off = 0; off < r->size; off += r->page)
		(void)p[off];
}

/* --resize: the file first, then the mapping; see mremap(2). */
static int
do_resize(struct map_run *r)
{
	char *moved;

	if (sys_ftruncate(r->fd, (off_t)r->resize) < 0)
		return fail(r->cli, "ftruncate", errno, NULL);
	moved = sys_mremap(r->addr, r->size, r->resize, MREMAP_MAYMOVE);
	if (moved == MAP_FAILED)
		return fail(r->cli, "mremap", errno, NULL);
	printf("resized    %zu -> %zu bytes (ftruncate, then mremap): the "
	       "mapping %s\n", r->size, r->resize, moved == r->addr ?
	       "stayed in place" : "moved: old pointers into it are stale");
	r->addr = moved;
	r->size = r->resize;
	return 0;
}

/*
 * --write: a plain memcpy into the mapping.  With MAP_SHARED the store
 * lands in the page cache, which every reader of the file shares, and
 * msync(2) with MS_SYNC writes it to the disk; msync wants a page-aligned
 * start.  With MAP_PRIVATE the first store to a page copies it.
 */
static int
do_write(const struct map_run *r)
{
	size_t len = strlen(r->data), start;
	int rc = check_range(r, "--write", r->write_off, len);

	if (rc != 0)
		return rc;
	memcpy(r->addr + r->write_off, r->data, len);
	map_trace_write(r->addr + r->write_off, len, o.private_);
	if (o.private_) {
		printf("wrote      %zu bytes at offset %zu into a private "
		       "copy of the page (copy-on-write): the file is "
		       "unchanged\n", len, r->write_off);
		return 0;
	}
	start = r->write_off / r->page * r->page;
	if (sys_msync(r->addr + start, r->write_off + len - start, MS_SYNC) < 0)
		return fail(r->cli, "msync", errno, NULL);
	printf("wrote      %zu bytes at offset %zu, then msync(MS_SYNC): "
	       "every reader of the file sees them\n", len, r->write_off);
	return 0;
}

/*
 * --read: the bytes on one line, escaped for the terminal by out_escape(),
 * which lets a newline through; so each newline is shown as "\n" here.
 */
static int
do_read(const struct map_run *r)
{
	char esc[ESC_CHUNK * 4 + 1];
	const char *p = r->addr + r->read_off, *end = p + r->read_len, *nl;
	size_t used, n;
	int rc = check_range(r, "--read", r->read_off, r->read_len);

	if (rc != 0)
		return rc;
	printf("read       %zu bytes at offset %zu: ", r->read_len,
	       r->read_off);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl : end) - p);
		if (n > ESC_CHUNK)
			n = ESC_CHUNK;
		if (n == 0) {
			fputs("\\n", stdout);
			p++;
			continue;
		}
		out_escape(esc, sizeof(esc), p, n, &used);
		fputs(esc, stdout);
		p += used;
	}
	putchar('\n');
	return 0;
}

/* --find: every offset where the bytes occur, overlapping ones too. */
static void
do_find(const struct map_run *r)
{
	size_t n = strlen(o.find), found = 0;
	long at = map_find(r->addr, r->size, o.find, n, 0);

	printf("found      ");
	for (; at >= 0; at = map_find(r->addr, r->size, o.find, n,
					 (size_t)at + 1)) {
		if (found < FIND_MAX)
			printf("%s%ld", found > 0 ? " " : "", at);
		found++;
	}
	if (found == 0)
		printf("no \"%s\" in the mapping\n", o.find);
	else if (found > FIND_MAX)
		printf(" and %zu more\n", found - FIND_MAX);
	else
		putchar('\n');
}

/* Everything after the mmap; the caller unmaps and closes. */
static int
work(struct map_run *r)
{
	int rc;

	if ((rc = show_resident(r, "before touching (mincore)")) != 0)
		return rc;
	if (o.madvise != NULL) {
		if (sys_madvise(r->addr, r->size, map_advice(o.madvise)) < 0)
			return fail(r->cli, "madvise", errno, NULL);
		printf("advised    %s (madvise)\n", o.madvise);
	}
	touch_pages(r);
	if ((rc = show_resident(r, "after touching one byte of each")) != 0)
		return rc;
	if (o.resize != NULL && (rc = do_resize(r)) != 0)
		return rc;
	if (o.write != NULL && (rc = do_write(r)) != 0)
		return rc;
	if (o.read != NULL && (rc = do_read(r)) != 0)
		return rc;
	if (o.find != NULL)
		do_find(r);
	return 0;
}

/* Open, check and map the file; then work() on it, and clean up. */
static int
run_map(struct cli *cli)
{
	struct map_run r = { .cli = cli, .path = cli->argv[0], .fd = -1 };
	int writable = (o.write != NULL && !o.private_) || o.resize != NULL;
	int prot = PROT_READ | (o.write != NULL ? PROT_WRITE : 0), rc;
	long page;
	struct stat st;

	if ((rc = parse_opts(cli, &r)) != 0)
		return rc;
	if ((page = map_page_size()) < 0)
		return fail(cli, "sysconf", errno, NULL);
	r.page = (size_t)page;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	r.fd = sys_open(r.path, (writable ? O_RDWR : O_RDONLY) | O_NONBLOCK |
			O_CLOEXEC);
	if (r.fd < 0 && errno == EISDIR)
		return check_type(cli, r.path, &(struct stat){
				  .st_mode = S_IFDIR });
	if (r.fd < 0)
		return fail(cli, r.path, errno, errno == ENOENT ?
			    "check the path; map a file that exists" : NULL);
	if (sys_fstat(r.fd, &st) < 0)
		rc = fail(cli, "fstat", errno, NULL);
	else
		rc = check_type(cli, r.path, &st);
	if (rc == 0) {
		r.size = (size_t)st.st_size;
		r.addr = sys_mmap(NULL, r.size, prot, o.private_ ?
				  MAP_PRIVATE : MAP_SHARED, r.fd, 0);
		if (r.addr == MAP_FAILED)
			rc = fail(cli, "mmap", errno, NULL);
	}
	if (rc == 0) {
		printf("file       %s\nsize       %zu bytes\npage size  %zu "
		       "bytes\nmapped     %zu page%s, %s, %s\n", r.path, r.size,
		       r.page, map_pages(r.size, r.page),
		       map_pages(r.size, r.page) == 1 ? "" : "s",
		       o.private_ ? "MAP_PRIVATE" : "MAP_SHARED",
		       o.write != NULL ? "PROT_READ|PROT_WRITE" : "PROT_READ");
		rc = work(&r);
		if (sys_munmap(r.addr, r.size) < 0 && rc == 0)
			rc = fail(cli, "munmap", errno, NULL);
	}
	sys_close(r.fd);
	return rc;
}

const struct verb mmap_map_verb = {
	.name = "map",
	.summary = "map a file: pages, residency, and edits through the "
		   "mapping",
	.usage = "FILE",
	.description =
		"Opens FILE, maps all of it with mmap(2) and reports its "
		"size, the page size, how many pages the mapping covers, and "
		"how many of them are resident in memory (mincore(2)) before "
		"and after touching one byte of each.  A file read recently "
		"is already in the page cache, so its pages count as "
		"resident before this process touches them.\n\n"
		"--write stores bytes with a plain memcpy: with MAP_SHARED "
		"(the default) they reach the page cache at once, so every "
		"reader of the file sees them, and msync(2) writes them to "
		"the disk.  With --private the mapping is MAP_PRIVATE: the "
		"first store to a page copies it (copy-on-write) and the file "
		"never changes.  --resize grows or shrinks the file with "
		"ftruncate(2) and the mapping with mremap(2), which may move "
		"it.  Steps run in this order: --madvise, touching, --resize, "
		"--write, --read, --find.\n\n"
		"An empty file, a directory, a pipe or a socket cannot be "
		"mapped; each is reported and exits 66.",
	.examples = (const char *const[]){
		"ipc mmap map /etc/hostname\tsize, pages, and residency",
		"ipc mmap map data.bin --write 0:HELLO"
		"\tedit the file in place through the mapping",
		"ipc mmap map data.bin --private --write 0:HELLO --read 0:5"
		"\tedit a private copy: the file stays as it was",
		"ipc mmap map data.bin --resize 8192 --find HELLO"
		"\tgrow file and mapping, then search",
		"ipc mmap map big.iso --madvise dontneed --trace"
		"\tsee mmap, madvise and mincore as they happen",
		NULL },
	.opts = map_opts,
	.min_args = 1, .max_args = 1,
	.args_hint = "@file",
	.run = run_map,
};
