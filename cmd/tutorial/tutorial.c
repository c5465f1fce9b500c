/*
 * tutorial.c - `ipc tutorial`: the applet table.  Each verb lives in its
 * own file in this directory and exports one `const struct verb`.
 */
#include "tutorial.h"

const struct applet tutorial_applet = {
	.name = "tutorial",
	.summary = "guided lessons, checked against what you really do",
	.description =
		"Lessons on the whole chapter, sockets to servers, each a "
		"series of steps to do at a prompt.  What you type runs in "
		"your own shell; ipc traces every command you run into a "
		"session trace, and each step's check reads that trace, the "
		"exit status and the output to see whether you did it.  The "
		"lessons are Markdown files (tutorials/README.md has the "
		"format), built into ipc; IPC_TUTORIALS=DIR reads them from "
		"DIR instead.",
	.verbs = (const struct verb *const[]){
		&tutorial_start_verb, &tutorial_list_verb,
		&tutorial_reset_verb, &tutorial_verify_verb, NULL },
	.default_verb = "start",
	.words_to_default = 1,
};
