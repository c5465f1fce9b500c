/*
 * spawn.c - `ipc spawn`: the applet table.  Each verb lives in its own file
 * in this directory and exports one `const struct verb`.
 */
#include "spawn.h"

const struct applet spawn_applet = {
	.name = "spawn",
	.summary = "processes and pipes: run a program without a shell, "
		   "pipelines, and the traps",
	.description =
		"What Python's subprocess and popen2 modules do, one system "
		"call at a time: fork(2), vfork(2) or posix_spawn(3), then "
		"execve(2), pipes between the processes, and wait4(2) to reap "
		"them.  No verb runs a shell unless asked to.  Every verb can "
		"show its system calls (--trace) and fail any of them on "
		"purpose (--inject).",
	.verbs = (const struct verb *const[]){
		&spawn_run_verb, &spawn_pipeline_verb, &spawn_shell_verb,
		&spawn_quote_verb, &spawn_popen_verb, &spawn_deadlock_verb,
		&spawn_tree_verb, &spawn_zombie_verb, &spawn_inherit_verb,
		NULL },
};
