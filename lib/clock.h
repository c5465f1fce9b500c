/*
 * clock.h - deadlines on CLOCK_MONOTONIC, the clock that wall-clock changes
 * do not move (see clock_gettime(2)), and the poll(2) timeouts that lead to
 * them.  Waiting "for the time that is left" after EINTR is done by keeping
 * a deadline, never by restarting the whole timeout.
 */
#ifndef IPC_CLOCK_H
#define IPC_CLOCK_H

/* Nanoseconds on CLOCK_MONOTONIC. */
long long clock_now_ns(void);

/*
 * CPU time this process has used, in nanoseconds (CLOCK_PROCESS_CPUTIME_ID):
 * what a benchmark on a shared machine reports beside the wall clock.
 */
long long clock_cpu_ns(void);

/*
 * The deadline timeout seconds from now, or -1 (no deadline) for a timeout
 * below zero or beyond a few decades.
 */
long long clock_deadline(double timeout);

/*
 * Milliseconds for poll(2) until deadline, rounded up so as not to wake
 * early: 0 once it has passed, -1 (wait forever) when deadline is -1.
 */
int clock_ms_until(long long deadline);

#endif
