/*
 * sigs.h - signals by name and number, what each one does by default, what
 * si_code says about its sender, and the signal masks of /proc/PID/status.
 *
 * Names are accepted the way kill(1) accepts them: "TERM", "SIGTERM",
 * "sigterm", "15", and the real-time signals as "RTMIN", "RTMIN+2",
 * "SIGRTMAX-1".  Real-time signals are numbered from SIGRTMIN, which glibc
 * puts above the two signals its threads use for themselves (see
 * signal(7) and nptl(7)).
 */
#ifndef IPC_SIGS_H
#define IPC_SIGS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The default action of a signal; see signal(7), "Standard signals". */
enum sigs_action {
	SIGS_TERM,	/* terminate the process */
	SIGS_CORE,	/* terminate and dump core */
	SIGS_IGN,	/* ignore */
	SIGS_STOP,	/* stop the process */
	SIGS_CONT,	/* continue it if stopped */
};

/*
 * The signal named by s (see above), from 0 to SIGRTMAX.  Returns -1 with
 * errno EINVAL when s names no signal.
 */
int sigs_parse(const char *s);

/* "SIGTERM", "SIGRTMIN+2"; returns buf, which always holds a name. */
const char *sigs_name(int sig, char *buf, size_t size);

/* What sig does when nobody handles it; real-time signals terminate. */
enum sigs_action sigs_default(int sig);

/* "term", "core", "ignore", "stop", "cont". */
const char *sigs_action_name(enum sigs_action a);

/* One line on what the signal is for; never NULL. */
const char *sigs_describe(int sig);

/*
 * The name of a siginfo si_code for sig: "SI_USER", "SI_QUEUE",
 * "SI_KERNEL", "CLD_EXITED" ...; the number in buf when it has no name.
 * See sigaction(2), "The siginfo_t argument".  Returns the name.
 */
const char *sigs_code_name(int sig, int code, char *buf, size_t size);

/* One line on who sends a signal with this si_code; never NULL. */
const char *sigs_code_meaning(int sig, int code);

/*
 * A mask as /proc/PID/status prints it (16 hex digits, bit N-1 for
 * signal N; see proc(5)).  Returns 0, or -1 with errno EINVAL.
 */
int sigs_mask_parse(const char *hex, uint64_t *mask);

/* The members of mask as "SIGINT SIGTERM", or "-" when empty; returns buf. */
const char *sigs_mask_names(uint64_t mask, char *buf, size_t size);

/* The signal masks of one process, from /proc/PID/status. */
struct sigs_status {
	char name[64];		/* Name: the command, up to 15 bytes */
	int threads;		/* Threads: */
	uint64_t pnd;		/* SigPnd: pending for the thread read */
	uint64_t shd;		/* ShdPnd: pending for the whole process */
	uint64_t blk;		/* SigBlk: blocked */
	uint64_t ign;		/* SigIgn: ignored */
	uint64_t cgt;		/* SigCgt: caught by a handler */
};

/*
 * Read /proc/PID/status (the main thread's view) into st.  Returns 0, or
 * -1 with errno set: ENOENT when no such process exists, EIO when the file
 * lacks a field.
 */
int sigs_read_status(pid_t pid, struct sigs_status *st);

#endif
