/*
 * sig.h - the verbs of `ipc sig`, one file each in cmd/sig/, and the
 * helpers they share (args.c).
 */
#ifndef IPC_SIG_H
#define IPC_SIG_H

#include <signal.h>
#include <sys/types.h>

#include "ipc.h"

extern const struct verb sig_list_verb, sig_send_verb, sig_catch_verb,
	sig_show_verb, sig_mask_verb, sig_eintr_verb, sig_alarm_verb,
	sig_threads_verb, sig_unsafe_verb;

/*
 * A signal argument by name, number or RTMIN+n into *sig (1 or more, or 0
 * too when allow_zero).  Returns 0, or reports a usage error and returns
 * 64.
 */
int sig_arg(const struct cli *cli, const char *s, int allow_zero, int *sig);

/* A process id (a positive decimal) into *pid: 0, or a usage error (64). */
int sig_pid_arg(const struct cli *cli, const char *s, pid_t *pid);

/* The members of set as "SIGUSR1 SIGRTMIN+0", or "-"; returns buf. */
const char *sig_set_names(const sigset_t *set, char *buf, size_t size);

#endif
