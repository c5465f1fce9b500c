/*
 * sys_mem.c - the traced wrappers for memory mappings and POSIX shared
 * memory: mmap, munmap, msync, mincore, mremap, madvise, ftruncate, fstat,
 * stat (which the loop's Unix servers use too), shm_open, shm_unlink; see
 * sys.h for the calls and sys_impl.h for the shape every wrapper has.
 *
 * Protections and flags are recorded by name ("PROT_READ|PROT_WRITE",
 * "MAP_SHARED"), addresses in hex, so that a trace reads like the
 * mmap(2) man page.
 */
#include "sys_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct sym prot_bits[] = {
	SYM(PROT_READ), SYM(PROT_WRITE), SYM(PROT_EXEC), SYM_END
};
/* MAP_SHARED_VALIDATE holds MAP_SHARED, so it comes first. */
static const struct sym map_flags[] = {
	SYM(MAP_SHARED_VALIDATE), SYM(MAP_SHARED), SYM(MAP_PRIVATE),
	SYM(MAP_ANONYMOUS), SYM(MAP_FIXED), SYM(MAP_FIXED_NOREPLACE),
	SYM(MAP_POPULATE), SYM(MAP_NORESERVE), SYM(MAP_LOCKED), SYM(MAP_STACK),
	SYM_END
};
static const struct sym msync_flags[] = {
	SYM(MS_SYNC), SYM(MS_ASYNC), SYM(MS_INVALIDATE), SYM_END
};
static const struct sym mremap_flags[] = {
	SYM(MREMAP_MAYMOVE), SYM(MREMAP_FIXED), SYM_END
};
static const struct sym advices[] = {
	SYM(MADV_NORMAL), SYM(MADV_RANDOM), SYM(MADV_SEQUENTIAL),
	SYM(MADV_WILLNEED), SYM(MADV_DONTNEED), SYM(MADV_FREE),
	SYM(MADV_REMOVE), SYM(MADV_DONTFORK), SYM(MADV_DOFORK), SYM_END
};
static const struct sym shm_modes[] = {
	SYM(O_RDONLY), SYM(O_WRONLY), SYM(O_RDWR), SYM_END
};
static const struct sym shm_flags[] = {
	SYM(O_CREAT), SYM(O_EXCL), SYM(O_TRUNC), SYM(O_CLOEXEC), SYM_END
};

/* An address in hex, as /proc/PID/maps shows it. */
static void
rec_ptr(struct rec *r, const char *key, const void *p)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%#lx", (unsigned long)(uintptr_t)p);
	rec_str(r, key, buf);
}

/* "PROT_READ|PROT_WRITE", or "PROT_NONE" for no access at all. */
static void
rec_prot(struct rec *r, int prot)
{
	if (prot == PROT_NONE)
		rec_str(r, "prot", "PROT_NONE");
	else
		rec_flags(r, "prot", (unsigned long)prot, prot_bits);
}

/*
 * mmap(2) returns an address, or MAP_FAILED ((void *)-1); the event's
 * return value is the address as a number, so a failure reads -1.
 */
void *
sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct rec r;
	void *ret;

	if (!sys_watch)
		return mmap(addr, len, prot, flags, fd, off);
	rec_start(&r, "mmap", (flags & MAP_ANONYMOUS) ? -1 : fd);
	rec_int(&r, "len", (long long)len);
	rec_prot(&r, prot);
	rec_flags(&r, "flags", (unsigned long)flags, map_flags);
	rec_int(&r, "offset", (long long)off);
	rec_qual(&r, (flags & MAP_PRIVATE) ? ((flags & MAP_ANONYMOUS) ?
	    "MAP_PRIVATE|MAP_ANONYMOUS" : "MAP_PRIVATE") :
	    (flags & MAP_ANONYMOUS) ? "MAP_SHARED|MAP_ANONYMOUS" : "MAP_SHARED");
	if (rec_injected(&r)) {
		rec_fail(&r);
		return MAP_FAILED;
	}
	ret = mmap(addr, len, prot, flags, fd, off);
	r.err = errno;
	if (ret != MAP_FAILED)
		rec_ptr(&r, "addr", ret);
	rec_end(&r, ret == MAP_FAILED ? -1 : (long long)(uintptr_t)ret);
	return ret;
}

int
sys_munmap(void *addr, size_t len)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return munmap(addr, len);
	rec_start(&r, "munmap", -1);
	rec_ptr(&r, "addr", addr);
	rec_int(&r, "len", (long long)len);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = munmap(addr, len);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/*
 * mprotect(2) changes the access of whole pages; PROT_NONE turns them
 * into a guard, where any touch is SIGSEGV.
 */
int
sys_mprotect(void *addr, size_t len, int prot)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return mprotect(addr, len, prot);
	rec_start(&r, "mprotect", -1);
	rec_ptr(&r, "addr", addr);
	rec_int(&r, "len", (long long)len);
	rec_prot(&r, prot);
	if (prot == PROT_NONE)
		rec_qual(&r, "PROT_NONE");
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = mprotect(addr, len, prot);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_msync(void *addr, size_t len, int flags)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return msync(addr, len, flags);
	rec_start(&r, "msync", -1);
	rec_ptr(&r, "addr", addr);
	rec_int(&r, "len", (long long)len);
	rec_flags(&r, "flags", (unsigned long)flags, msync_flags);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = msync(addr, len, flags);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/*
 * On success the event also says how many of the pages are resident, and
 * which: "vec" has one digit per page, the low bit of each byte mincore(2)
 * filled ("1100": the first two are in memory), for the first
 * MINCORE_SHOWN pages.
 */
#define MINCORE_SHOWN	256

int
sys_mincore(void *addr, size_t len, unsigned char *vec)
{
	char bits[MINCORE_SHOWN + 1];
	size_t i, pages, resident = 0;
	long page;
	struct rec r;
	int ret;

	if (!sys_watch)
		return mincore(addr, len, vec);
	rec_start(&r, "mincore", -1);
	rec_ptr(&r, "addr", addr);
	rec_int(&r, "len", (long long)len);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = mincore(addr, len, vec);
	r.err = errno;
	page = sysconf(_SC_PAGESIZE);
	if (ret == 0 && page > 0) {
		pages = (len + (size_t)page - 1) / (size_t)page;
		for (i = 0; i < pages; i++) {
			resident += vec[i] & 1;
			if (i < MINCORE_SHOWN)
				bits[i] = (vec[i] & 1) ? '1' : '0';
		}
		bits[pages < MINCORE_SHOWN ? pages : MINCORE_SHOWN] = '\0';
		rec_int(&r, "resident", (long long)resident);
		rec_str(&r, "vec", bits);
	}
	rec_end(&r, ret);
	return ret;
}

/* The fifth argument, new_address, is used only with MREMAP_FIXED. */
void *
sys_mremap(void *old, size_t old_len, size_t new_len, int flags)
{
	struct rec r;
	void *ret;

	if (!sys_watch)
		return mremap(old, old_len, new_len, flags);
	rec_start(&r, "mremap", -1);
	rec_ptr(&r, "old_addr", old);
	rec_int(&r, "old_len", (long long)old_len);
	rec_int(&r, "new_len", (long long)new_len);
	rec_flags(&r, "flags", (unsigned long)flags, mremap_flags);
	if (rec_injected(&r)) {
		rec_fail(&r);
		return MAP_FAILED;
	}
	ret = mremap(old, old_len, new_len, flags);
	r.err = errno;
	if (ret != MAP_FAILED) {
		rec_ptr(&r, "addr", ret);
		rec_qual(&r, ret == old ? "in place" : "moved");
	}
	rec_end(&r, ret == MAP_FAILED ? -1 : (long long)(uintptr_t)ret);
	return ret;
}

int
sys_madvise(void *addr, size_t len, int advice)
{
	char num[32];
	const char *name;
	struct rec r;
	int ret;

	if (!sys_watch)
		return madvise(addr, len, advice);
	rec_start(&r, "madvise", -1);
	rec_ptr(&r, "addr", addr);
	rec_int(&r, "len", (long long)len);
	name = sym_name(advices, advice, num, sizeof(num));
	rec_str(&r, "advice", name);
	rec_qual(&r, name);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = madvise(addr, len, advice);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_ftruncate(int fd, off_t len)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return ftruncate(fd, len);
	rec_start(&r, "ftruncate", fd);
	rec_int(&r, "len", (long long)len);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = ftruncate(fd, len);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

/* The file's type, as "regular", "directory", "fifo" ... */
static const char *
file_type(mode_t mode)
{
	if (S_ISREG(mode))
		return "regular";
	if (S_ISDIR(mode))
		return "directory";
	if (S_ISFIFO(mode))
		return "fifo";
	if (S_ISCHR(mode))
		return "char device";
	if (S_ISBLK(mode))
		return "block device";
	if (S_ISSOCK(mode))
		return "socket";
	return "other";
}

int
sys_fstat(int fd, struct stat *st)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return fstat(fd, st);
	rec_start(&r, "fstat", fd);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = fstat(fd, st);
	r.err = errno;
	if (ret == 0) {
		rec_str(&r, "type", file_type(st->st_mode));
		rec_int(&r, "size", (long long)st->st_size);
	}
	rec_end(&r, ret);
	return ret;
}

int
sys_stat(const char *path, struct stat *st)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return stat(path, st);
	rec_start(&r, "stat", -1);
	rec_str(&r, "path", path);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = stat(path, st);
	r.err = errno;
	if (ret == 0) {
		rec_str(&r, "type", file_type(st->st_mode));
		rec_int(&r, "ino", (long long)st->st_ino);
	}
	rec_end(&r, ret);
	return ret;
}

/*
 * shm_open(3) is a libc function: it opens NAME under /dev/shm with
 * open(2), and always sets FD_CLOEXEC itself.
 */
int
sys_shm_open(const char *name, int flags, mode_t mode)
{
	char mode_str[16], num[16], buf[128], more[96];
	struct rec r;
	int ret, rest = flags & ~O_ACCMODE & ~O_CLOEXEC;

	if (!sys_watch)
		return shm_open(name, flags, mode);
	rec_start(&r, "shm_open", -1);
	rec_str(&r, "name", name);
	snprintf(buf, sizeof(buf), "%s%s%s",
	    sym_name(shm_modes, flags & O_ACCMODE, num, sizeof(num)),
	    rest != 0 ? "|" : "", rest != 0 ? flag_names(shm_flags,
	    (unsigned long)rest, more, sizeof(more)) : "");
	rec_str(&r, "flags", buf);
	if (flags & O_CREAT) {
		snprintf(mode_str, sizeof(mode_str), "%04o", (unsigned)mode);
		rec_str(&r, "mode", mode_str);
		rec_qual(&r, "O_CREAT");
	}
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = shm_open(name, flags, mode);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}

int
sys_shm_unlink(const char *name)
{
	struct rec r;
	int ret;

	if (!sys_watch)
		return shm_unlink(name);
	rec_start(&r, "shm_unlink", -1);
	rec_str(&r, "name", name);
	if (rec_injected(&r))
		return rec_fail(&r);
	ret = shm_unlink(name);
	r.err = errno;
	rec_end(&r, ret);
	return ret;
}
