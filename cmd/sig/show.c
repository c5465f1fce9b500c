/*
 * show.c - `ipc sig show PID`: the signal masks of a process, from
 * /proc/PID/status, as signal names; see proc(5).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sig.h"
#include "sigs.h"

static struct {
	int json;
} o;

static const struct opt show_opts[] = {
	OPT_FLAG(0, "json", &o.json, "one JSON object per mask"),
	OPT_STOP
};

static int
run_show(struct cli *cli)
{
	static const struct out_col cols[] = {
		{ "field", "FIELD" }, { "meaning", "MEANING" },
		{ "hex", "HEX" }, { "signals", "SIGNALS" },
	};
	static const struct {
		const char *field, *meaning;
		size_t off;
	} masks[] = {
		{ "SigPnd", "pending for the thread",
		  offsetof(struct sigs_status, pnd) },
		{ "ShdPnd", "pending for the process",
		  offsetof(struct sigs_status, shd) },
		{ "SigBlk", "blocked", offsetof(struct sigs_status, blk) },
		{ "SigIgn", "ignored", offsetof(struct sigs_status, ign) },
		{ "SigCgt", "caught by a handler",
		  offsetof(struct sigs_status, cgt) },
	};
	struct sigs_status st;
	char names[1024], hex[20];
	json_t *rows, *row;
	uint64_t mask;
	pid_t pid;
	size_t i;
	int rc;

	if ((rc = sig_pid_arg(cli, cli->argv[0], &pid)) != 0)
		return rc;
	if (sigs_read_status(pid, &st) < 0) {
		if (errno != ENOENT)
			return fail(cli, "/proc status", errno, NULL);
		fail(cli, cli->argv[0], ESRCH, "no process has that pid: "
		     "/proc has no directory for it");
		return EX_UNAVAIL_;
	}
	if ((rows = json_array()) == NULL)
		return fail(cli, "show", ENOMEM, NULL);
	for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		memcpy(&mask, (const char *)&st + masks[i].off, sizeof(mask));
		snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)mask);
		row = json_pack("{s:s, s:s, s:s, s:s}", "field",
				masks[i].field, "meaning", masks[i].meaning,
				"hex", hex, "signals",
				sigs_mask_names(mask, names, sizeof(names)));
		if (row == NULL || json_array_append_new(rows, row) < 0) {
			json_decref(rows);
			return fail(cli, "show", ENOMEM, NULL);
		}
	}
	if (!o.json)
		printf("pid %d (%s), %d thread%s\n", (int)pid, st.name,
		       st.threads, st.threads == 1 ? "" : "s");
	rc = out_table(stdout, rows, cols, 4, o.json) < 0
	     ? fail(cli, "stdout", errno, NULL) : 0;
	json_decref(rows);
	return rc;
}

const struct verb sig_show_verb = {
	.name = "show",
	.summary = "a process's pending, blocked, ignored and caught signals",
	.usage = "PID",
	.description =
		"Reads /proc/PID/status and names the signals in each of its "
		"masks (see proc(5)): SigPnd, pending for the thread read "
		"(the main one); ShdPnd, pending for the whole process; "
		"SigBlk, blocked; SigIgn, ignored; SigCgt, caught by a "
		"handler.  Each mask is 64 bits in hexadecimal, bit N-1 "
		"standing for signal N.  A signal sent while blocked shows "
		"in ShdPnd until it is unblocked.\n\n"
		"Exit status: 0, 64 for a bad pid, 69 when no such process "
		"exists.",
	.examples = (const char *const[]){
		"ipc sig show $$\tthis shell: it ignores SIGQUIT and catches "
		"SIGINT",
		"ipc sig show 1 --json\tthe masks of init as JSON",
		NULL },
	.opts = show_opts,
	.min_args = 1, .max_args = 1,
	.run = run_show,
};
