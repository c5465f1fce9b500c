/*
 * map.c - helpers for memory mappings and POSIX shared memory; see map.h.
 */
#include "map.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sys.h"
#include "trace.h"

/* The vector mincore(2) fills is read in chunks of this many pages. */
#define RESIDENT_CHUNK	1024

long
map_page_size(void)
{
	long page;

	/* See sysconf(3): -1 with errno unchanged means "no limit". */
	errno = 0;
	page = sysconf(_SC_PAGESIZE);
	if (page <= 0 && errno == 0)
		errno = EINVAL;
	return page > 0 ? page : -1;
}

size_t
map_pages(size_t len, size_t page)
{
	return len / page + (len % page != 0);
}

/*
 * mincore(2) fills one byte per page; a large mapping is asked about in
 * chunks so the vector stays a bounded buffer on the stack.
 */
int
map_resident(void *addr, size_t len, size_t *resident)
{
	unsigned char vec[RESIDENT_CHUNK];
	long page = map_page_size();
	size_t done = 0, chunk, n, i;

	if (page < 0)
		return -1;
	*resident = 0;
	while (done < len) {
		chunk = (size_t)page * RESIDENT_CHUNK;
		if (chunk > len - done)
			chunk = len - done;
		if (sys_mincore((char *)addr + done, chunk, vec) < 0)
			return -1;
		n = map_pages(chunk, (size_t)page);
		for (i = 0; i < n; i++)
			*resident += vec[i] & 1;
		done += chunk;
	}
	return 0;
}

void
map_trace_write(const void *addr, size_t len, int private_)
{
	char buf[32];
	const char *at = buf;
	const struct trace_arg args[] = { TARG_S("what", "write"),
		TARG_S("addr", at), TARG_I("len", len),
		TARG_S("map", private_ ? "MAP_PRIVATE" : "MAP_SHARED") };

	if (!trace_on)
		return;
	snprintf(buf, sizeof(buf), "%#lx", (unsigned long)(uintptr_t)addr);
	trace_event("state", private_ ?
		    "stored into a MAP_PRIVATE page: the first store after "
		    "fork(2) copies the page (copy-on-write), so this process "
		    "now has its own copy and no other process sees the store" :
		    "stored into a MAP_SHARED page: it is one page for every "
		    "process that maps it, so they all see the store at once",
		    args, 4);
	/* A store is a step worth stopping at, as a call is (--step). */
	trace_gate(STEP_SYSCALL);
}

int
map_advice(const char *name)
{
	static const struct {
		const char *name;
		int advice;
	} advices[] = {
		{ "normal", MADV_NORMAL }, { "random", MADV_RANDOM },
		{ "sequential", MADV_SEQUENTIAL },
		{ "willneed", MADV_WILLNEED }, { "dontneed", MADV_DONTNEED },
	};

	for (size_t i = 0; i < sizeof(advices) / sizeof(advices[0]); i++)
		if (strcmp(advices[i].name, name) == 0)
			return advices[i].advice;
	errno = EINVAL;
	return -1;
}

int
map_shm_name_check(const char *name, const char **why)
{
	size_t len = strlen(name);

	*why = NULL;
	if (name[0] != '/')
		*why = "a shared memory name starts with '/' (\"/demo\")";
	else if (len < 2)
		*why = "a shared memory name needs a character after the '/'";
	else if (strchr(name + 1, '/') != NULL)
		*why = "a shared memory name has no '/' after the first: it "
		       "is one file in /dev/shm, not a path";
	else if (strcmp(name, "/.") == 0 || strcmp(name, "/..") == 0)
		*why = "\".\" and \"..\" name directories, not objects";
	if (*why != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (len > MAP_SHM_NAME_MAX) {
		*why = "a shared memory name is at most 255 bytes (NAME_MAX)";
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
map_parse_offset(const char *s, size_t *out, const char **rest)
{
	unsigned long long v;
	char *end;

	/* strtoull(3) would accept a sign and leading blanks; refuse them. */
	if (*s < '0' || *s > '9') {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0)
		return -1;
	if (v > SIZE_MAX / 2) {
		errno = ERANGE;
		return -1;
	}
	if (rest != NULL ? *end != ':' : *end != '\0') {
		errno = EINVAL;
		return -1;
	}
	if (rest != NULL)
		*rest = end + 1;
	*out = (size_t)v;
	return 0;
}

long
map_find(const void *hay, size_t len, const void *needle, size_t n,
	 size_t from)
{
	const char *h = hay, *p;

	if (n == 0 || from >= len)
		return -1;
	p = memmem(h + from, len - from, needle, n);
	return p != NULL ? (long)(p - h) : -1;
}
