/*
 * list.c - `ipc sig list`: every signal this system has, with its number,
 * its default action and what it is for; see signal(7).
 */
#include <errno.h>
#include <signal.h>

#include "sig.h"
#include "sigs.h"

static struct {
	int json;
} o;

static const struct opt list_opts[] = {
	OPT_FLAG(0, "json", &o.json, "one JSON object per signal"),
	OPT_STOP
};

/* One row: number, name, default action and description. */
static int
add_row(json_t *rows, int sig)
{
	char name[32];
	json_t *row;

	row = json_pack("{s:i, s:s, s:s, s:s}", "number", sig,
			"name", sigs_name(sig, name, sizeof(name)),
			"action", sigs_action_name(sigs_default(sig)),
			"description", sigs_describe(sig));
	if (row == NULL || json_array_append_new(rows, row) < 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

static int
run_list(struct cli *cli)
{
	static const struct out_col cols[] = {
		{ "number", "NUM" }, { "name", "NAME" },
		{ "action", "DEFAULT" }, { "description", "DESCRIPTION" },
	};
	json_t *rows = json_array();
	int rc = 0, sig;

	if (rows == NULL)
		return fail(cli, "list", ENOMEM, NULL);
	/*
	 * 1..31 are the standard signals.  glibc keeps the next two for its
	 * threads, so SIGRTMIN is 34 and not 32; see nptl(7).
	 */
	for (sig = 1; sig < 32 && rc == 0; sig++)
		rc = add_row(rows, sig);
	for (sig = SIGRTMIN; sig <= SIGRTMAX && rc == 0; sig++)
		rc = add_row(rows, sig);
	if (rc < 0)
		rc = fail(cli, "list", errno, NULL);
	else if (out_table(stdout, rows, cols, 4, o.json) < 0)
		rc = fail(cli, "stdout", errno, NULL);
	json_decref(rows);
	return rc;
}

const struct verb sig_list_verb = {
	.name = "list",
	.summary = "every signal: number, name, default action, meaning",
	.usage = "",
	.description =
		"Lists the standard signals (1 to 31) and the real-time "
		"signals (SIGRTMIN to SIGRTMAX) with what each does when the "
		"process neither handles nor ignores it: term (the process "
		"ends), core (it ends and dumps core), ignore, stop, or cont "
		"(a stopped process continues).  SIGKILL and SIGSTOP cannot "
		"be caught, blocked or ignored.  Real-time signals have no "
		"fixed meaning; unlike the standard ones, each one sent is "
		"queued.  glibc keeps signals 32 and 33 for its threads, so "
		"SIGRTMIN is 34.  See signal(7).",
	.examples = (const char *const[]){
		"ipc sig list\tthe table",
		"ipc sig list --json | grep '\"core\"'"
		"\tthe signals that dump core",
		NULL },
	.opts = list_opts,
	.min_args = 0, .max_args = 0,
	.run = run_list,
};
