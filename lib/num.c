/*
 * num.c - numbers from text, strictly.  See num.h.
 */
#include "num.h"

#include <errno.h>
#include <stdlib.h>

long
num_decimal(const char *s, long min, long max)
{
	char *end;
	long v;

	/* strtol(3) alone would take "+5", " 5" and "-0". */
	if (*s < '0' || *s > '9')
		return errno = EINVAL, -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return errno = EINVAL, -1;
	return v;
}
