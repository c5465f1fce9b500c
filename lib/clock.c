/*
 * clock.c - deadlines and poll timeouts; see clock.h.
 */
#include <limits.h>
#include <time.h>

#include "clock.h"

long long
clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

long long
clock_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

long long
clock_deadline(double timeout)
{
	/* The comparison is false for NaN, which also means no deadline. */
	if (!(timeout >= 0 && timeout < 1e9))
		return -1;
	return clock_now_ns() + (long long)(timeout * 1e9);
}

int
clock_ms_until(long long deadline)
{
	long long left;

	if (deadline < 0)
		return -1;
	left = deadline - clock_now_ns();
	if (left <= 0)
		return 0;
	left = (left + 999999) / 1000000;
	return left > INT_MAX ? INT_MAX : (int)left;
}
