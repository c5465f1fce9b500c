/*
 * map.h - helpers for memory mappings and POSIX shared memory: the page
 * size, residency (mincore), the names madvise and shm_open accept, and
 * the OFFSET:REST arguments of `ipc mmap`.  Like all of lib/, nothing
 * here prints or exits.
 */
#ifndef IPC_MAP_H
#define IPC_MAP_H

#include <stddef.h>

/* The longest shm name, leading '/' included; see shm_overview(7). */
#define MAP_SHM_NAME_MAX	255

/* The page size in bytes; see sysconf(3).  Returns -1 with errno set. */
long map_page_size(void);

/* How many pages of page bytes cover len bytes (a partial page counts). */
size_t map_pages(size_t len, size_t page);

/*
 * Count the resident pages of the mapping [addr, addr+len) with
 * mincore(2) into *resident.  addr must be page-aligned and len > 0.
 * Returns 0, or -1 with errno set (ENOMEM when the range is not mapped).
 */
int map_resident(void *addr, size_t len, size_t *resident);

/*
 * Tell the trace that this process stored len bytes at addr, inside a
 * MAP_PRIVATE mapping when private_, else a MAP_SHARED one.  A store is
 * no system call, so nothing else would show it; the event is a `state`
 * with args what=write, addr, len and map, and the TUI's mmap view marks
 * the pages written; with --step=syscall it is a gate, as a call is.
 * Does nothing (one branch) when tracing is off.
 */
void map_trace_write(const void *addr, size_t len, int private_);

/*
 * The MADV_ value for an advice name ("random", "sequential", "willneed",
 * "dontneed", "normal"); see madvise(2).  Returns -1 with errno EINVAL
 * for a name it does not know.
 */
int map_advice(const char *name);

/*
 * Check a POSIX shared memory name: a leading '/', at least one more
 * character, no other '/', not "/." or "/..", at most MAP_SHM_NAME_MAX
 * bytes; see shm_overview(7).  Returns 0, or -1 with errno EINVAL (or
 * ENAMETOOLONG) and *why set to a sentence saying what is wrong.
 */
int map_shm_name_check(const char *name, const char **why);

/*
 * Parse a byte count or offset: decimal, or hex with 0x.  With rest
 * non-NULL the number must be followed by ':' and *rest points after it
 * ("16:hello" gives 16 and "hello"); with rest NULL it must end the
 * string.  Returns 0, or -1 with errno EINVAL (ERANGE when too large).
 */
int map_parse_offset(const char *s, size_t *out, const char **rest);

/*
 * The first offset at or after from where needle (n bytes, n > 0)
 * occurs in hay (len bytes); call again from that offset plus one to find
 * overlapping matches too.  Returns the offset, or -1 (errno untouched)
 * when there is none.
 */
long map_find(const void *hay, size_t len, const void *needle, size_t n,
	      size_t from);

#endif
