/*
 * sigbus.c - `ipc mmap sigbus`: map a two-page file, truncate the file
 * under the mapping, and touch a page that no longer has a file behind
 * it.  The kernel cannot fill the page, so the touch raises SIGBUS (see
 * mmap(2), "Use of a mapped region can result in these signals").  The
 * signal is caught, explained, and the command exits 74 instead of dying
 * with a core dump.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "map.h"
#include "mmap.h"
#include "sys.h"
#include "trace.h"

/* The file starts this many pages long. */
#define FILE_PAGES	2

static struct {
	const char *keep, *touch;
} o;

static const struct opt sigbus_opts[] = {
	OPT_STR('k', "keep", &o.keep, "N",
		"truncate the file to N bytes (default 0)"),
	OPT_STR('t', "touch", &o.touch, "OFFSET",
		"touch this offset of the mapping (default: the start of the "
		"second page)"),
	OPT_STOP
};

/*
 * What the handler saw, for the code after the jump.  Lock-free atomics
 * are the objects C17 lets a signal handler write (7.14.1.1).
 */
static atomic_uintptr_t bus_addr;
static atomic_int bus_code;
static sigjmp_buf bus_jump;

/*
 * The SIGBUS handler.  It records si_addr and si_code and jumps back to
 * the sigsetjmp() in touch(), leaving the faulting load behind: returning
 * would run the load again and fault forever.  siglongjmp out of a
 * handler is safe here because this SIGBUS is synchronous: our own load
 * raised it, at a point where no lock is held and no function that is
 * unsafe to interrupt is running (see signal-safety(7)).  The other
 * choice, write(2) a message and _exit(2), would also be safe, but could
 * not unmap, close and report through the usual path.
 */
static void
on_sigbus(int sig, siginfo_t *si, void *ctx)
{
	atomic_store(&bus_addr, (uintptr_t)si->si_addr);
	atomic_store(&bus_code, si->si_code);
	siglongjmp(bus_jump, 1);
}

/* The name of a SIGBUS si_code; see sigaction(2). */
static const char *
bus_code_name(int code)
{
	switch (code) {
	case BUS_ADRALN:
		return "BUS_ADRALN";
	case BUS_ADRERR:
		return "BUS_ADRERR: no object behind the address";
	case BUS_OBJERR:
		return "BUS_OBJERR";
	default:
		return "unknown si_code";
	}
}

/*
 * Read one byte at off.  Returns 1 with the byte in *byte, or 0 when the
 * read raised SIGBUS.  The sigsetjmp saves the signal mask (second
 * argument 1), so the jump also unblocks SIGBUS again.
 */
static int
touch(const volatile char *addr, size_t off, char *byte)
{
	if (sigsetjmp(bus_jump, 1) != 0)
		return 0;
	*byte = addr[off];
	return 1;
}

/* SIGBUS caught: where, why, and exit 74. */
static int
report(const struct cli *cli, const char *addr, size_t keep, size_t page)
{
	uintptr_t at = atomic_load(&bus_addr);
	size_t off = (size_t)(at - (uintptr_t)addr);

	if (trace_on)
		trace_state("SIGBUS caught at offset %zu (page %zu)", off,
			    off / page);
	out_errorf(cli->prog, "SIGBUS at %#lx: offset %zu of the mapping, "
		   "page %zu (%s)", (unsigned long)at, off, off / page,
		   bus_code_name(atomic_load(&bus_code)));
	out_hint("the file now ends at byte %zu, so page %zu has no file "
		 "behind it; a mapping does not shrink with its file, and "
		 "touching such a page is SIGBUS, not an error return: check "
		 "the size (fstat) before touching, or keep others from "
		 "truncating (a lease or lock)", keep, off / page);
	return EX_IOERR_;
}

/* Parse --keep and --touch; returns 0 or a usage error (64). */
static int
parse_opts(const struct cli *cli, size_t page, size_t *keep, size_t *off)
{
	*keep = 0;
	*off = page;
	if (o.keep != NULL && (map_parse_offset(o.keep, keep, NULL) < 0 ||
			       *keep > FILE_PAGES * page))
		return usage_error(cli, "--keep: expected 0 to %zu bytes",
				   FILE_PAGES * page);
	if (o.touch != NULL && (map_parse_offset(o.touch, off, NULL) < 0 ||
				*off >= FILE_PAGES * page))
		return usage_error(cli, "--touch: expected an offset below %zu",
				   FILE_PAGES * page);
	return 0;
}

/* With the mapping made: truncate, catch SIGBUS, touch, and restore. */
static int
truncate_and_touch(const struct cli *cli, int fd, char *addr, size_t page,
		   size_t keep, size_t off)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	int rc = 0;
	char byte;

	if (sys_ftruncate(fd, (off_t)keep) < 0)
		return fail(cli, "ftruncate", errno, NULL);
	printf("truncated the file to %zu bytes; the mapping still covers "
	       "%d pages\n", keep, FILE_PAGES);
	fflush(stdout);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_SIGINFO;
	if (sys_sigaction(SIGBUS, &sa, NULL) < 0)
		return fail(cli, "sigaction", errno, NULL);
	if (touch(addr, off, &byte))
		printf("touched offset %zu: read 0x%02x, no SIGBUS: %s\n", off,
		       (unsigned)(unsigned char)byte, off < keep ?
		       "the offset is still inside the file" :
		       "the page still holds the end of the file, and the "
		       "kernel fills the rest of it with zeros");
	else
		rc = report(cli, addr, keep, page);
	sigemptyset(&dfl.sa_mask);
	if (sys_sigaction(SIGBUS, &dfl, NULL) < 0 && rc == 0)
		rc = fail(cli, "sigaction", errno, NULL);
	return rc;
}

/*
 * The file is an unnamed temporary (O_TMPFILE): it vanishes with its last
 * descriptor and mapping, so nothing is left behind; see open(2).
 */
static int
run_sigbus(struct cli *cli)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	size_t page, keep, off, size;
	long pg = map_page_size();
	char *addr;
	int fd, rc;

	if (pg < 0)
		return fail(cli, "sysconf", errno, NULL);
	page = (size_t)pg;
	size = FILE_PAGES * page;
	if ((rc = parse_opts(cli, page, &keep, &off)) != 0)
		return rc;
	fd = sys_open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(cli, dir, errno, "set TMPDIR to a writable "
			    "directory on a file system with O_TMPFILE");
	if (sys_ftruncate(fd, (off_t)size) < 0) {
		rc = fail(cli, "ftruncate", errno, NULL);
		sys_close(fd);
		return rc;
	}
	addr = sys_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (addr == MAP_FAILED) {
		rc = fail(cli, "mmap", errno, NULL);
		sys_close(fd);
		return rc;
	}
	memset(addr, 'A', size);
	printf("mapped a %zu-byte file (%d pages of %zu) and filled it\n",
	       size, FILE_PAGES, page);
	rc = truncate_and_touch(cli, fd, addr, page, keep, off);
	if (sys_munmap(addr, size) < 0 && rc == 0)
		rc = fail(cli, "munmap", errno, NULL);
	sys_close(fd);
	return rc;
}

const struct verb mmap_sigbus_verb = {
	.name = "sigbus",
	.summary = "truncate a mapped file, touch the lost page: SIGBUS "
		   "caught and explained",
	.usage = "",
	.description =
		"Makes a two-page temporary file (O_TMPFILE, so nothing is "
		"left behind), maps it with MAP_SHARED and fills it.  Then "
		"it truncates the file with ftruncate(2), as another process "
		"might, and reads one byte of the mapping.  A page wholly "
		"past the new end of file has nothing behind it, and the "
		"read raises SIGBUS.\n\n"
		"The signal is caught by a handler installed with "
		"sigaction(2) and SA_SIGINFO, which reports si_addr (turned "
		"into an offset and a page) and si_code, and leaves with "
		"siglongjmp(3).  The command then exits 74; without the "
		"handler the process would die with a core dump.  Touching "
		"the page that holds the new end of file is fine: the kernel "
		"fills the rest of that page with zeros.",
	.examples = (const char *const[]){
		"ipc mmap sigbus\ttruncate to 0, touch page 1: SIGBUS",
		"ipc mmap sigbus --keep 100 --touch 200"
		"\tthe last page of the file is still there: zeros, no SIGBUS",
		"ipc mmap sigbus --trace\tthe calls, and the signal caught",
		NULL },
	.opts = sigbus_opts,
	.min_args = 0, .max_args = 0,
	.run = run_sigbus,
};
