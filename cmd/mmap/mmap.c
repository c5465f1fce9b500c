/*
 * mmap.c - `ipc mmap`: the applet table.  Each verb lives in its own file
 * in this directory and exports one `const struct verb`.
 */
#include "mmap.h"

const struct applet mmap_applet = {
	.name = "mmap",
	.summary = "memory maps and shared memory: pages, copy-on-write, "
		   "SIGBUS",
	.description =
		"Memory that is a file, or that two processes share: mmap(2), "
		"msync(2), mincore(2), mremap(2), madvise(2) and POSIX shared "
		"memory (shm_overview(7)).  Every verb can show its system "
		"calls (--trace) and fail any of them on purpose (--inject).",
	.verbs = (const struct verb *const[]){
		&mmap_map_verb, &mmap_share_verb, &mmap_shm_verb,
		&mmap_sigbus_verb, NULL },
};
