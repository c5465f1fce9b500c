/*
 * mmap.h - the verbs of `ipc mmap`, one file each in cmd/mmap/.
 */
#ifndef IPC_MMAP_H
#define IPC_MMAP_H

#include "ipc.h"

extern const struct verb mmap_map_verb, mmap_share_verb, mmap_shm_verb,
	mmap_sigbus_verb;

#endif
