/*
 * args.c - the arguments every `ipc sig` verb reads the same way: signals
 * (see sigs_parse()), process ids, and signal sets as names.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "num.h"
#include "sig.h"
#include "sigs.h"

int
sig_arg(const struct cli *cli, const char *s, int allow_zero, int *sig)
{
	*sig = sigs_parse(s);
	if (*sig < 0 || (*sig == 0 && !allow_zero))
		return usage_error(cli, "unknown signal '%s': give a name "
				   "(TERM, SIGUSR1), a number (15) or RTMIN+n; "
				   "'ipc sig list' shows them all", s);
	return 0;
}

int
sig_pid_arg(const struct cli *cli, const char *s, pid_t *pid)
{
	long v = num_decimal(s, 1, 0x3fffffff);

	if (v < 0)
		return usage_error(cli, "'%s' is not a process id: give a "
				   "positive number, as ps(1) shows it", s);
	*pid = (pid_t)v;
	return 0;
}

const char *
sig_set_names(const sigset_t *set, char *buf, size_t size)
{
	uint64_t mask = 0;
	int sig;

	for (sig = 1; sig <= 64 && sig < NSIG; sig++)
		if (sigismember(set, sig) == 1)
			mask |= UINT64_C(1) << (sig - 1);
	return sigs_mask_names(mask, buf, size);
}
