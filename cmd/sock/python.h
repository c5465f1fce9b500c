/*
 * python.h - `ipc sock connect --python` (python.c): the same client
 * printed as a Python 3 program.
 */
#ifndef IPC_SOCK_PYTHON_H
#define IPC_SOCK_PYTHON_H

#include <stdio.h>

#include "net.h"
#include "relay/relay.h"

/* What `connect --python` needs to know. */
struct python_prog {
	const struct net_addr *addr;	/* the target */
	const struct net_addr *source;	/* --source, or NULL */
	const struct relay_cfg *cfg;
	double timeout;			/* --timeout, 0 for none */
};

/*
 * Print a Python 3 program that does what connect would.  Returns 0, or a
 * usage error's exit status when an --opt value has no Python form.
 */
int python_print(const struct cli *cli, FILE *f, const struct python_prog *p);

#endif
