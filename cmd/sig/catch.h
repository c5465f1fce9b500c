/*
 * catch.h - the four ways `ipc sig catch` receives a signal (catch_ways.c)
 * and the record each of them hands back (catch.c reports it).
 */
#ifndef IPC_SIG_CATCH_H
#define IPC_SIG_CATCH_H

#include <signal.h>
#include <sys/types.h>

/* One delivery, as siginfo_t or signalfd_siginfo told it. */
struct catch_delivery {
	int sig;
	int code;	/* si_code: SI_USER, SI_QUEUE, SI_KERNEL ... */
	pid_t pid;	/* the sender, for SI_USER and SI_QUEUE */
	uid_t uid;	/* the sender's real uid */
	int value;	/* si_value.sival_int, for SI_QUEUE */
};

/*
 * One way to receive.  Before start() the signals of set are blocked, so
 * that none is lost; each way decides when to unblock them.
 *   start    install what the way needs (handlers, a pipe, a signalfd);
 *   release  let the blocked signals in (they may be delivered now);
 *   next     wait for one delivery until deadline (clock.h; -1: none):
 *            1 with *d filled, 0 at the deadline;
 *   stop     undo start: dispositions back, descriptors closed.
 * Each returns -1 with errno set on failure, and names the failed call
 * in *what.
 */
struct catch_way {
	const char *name;
	int (*start)(const sigset_t *set, const char **what);
	int (*release)(const char **what);
	int (*next)(long long deadline, struct catch_delivery *d,
		    const char **what);
	void (*stop)(void);
};

/* The ways, by --method name; NULL-terminated. */
extern const struct catch_way *const catch_ways[];

/* Deliveries a handler had to drop (the ring or the pipe was full). */
int catch_lost(void);

#endif
