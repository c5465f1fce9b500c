/*
 * list.c - `ipc tutorial list`: the lessons, and how far you are in each.
 */
#include "tutorial.h"

static struct {
	int json;
} o;

static const struct opt list_opts[] = {
	OPT_FLAG(0, "json", &o.json, "one JSON object a lesson (JSON Lines)"),
	OPT_STOP
};

static int
run_list(struct cli *cli)
{
	return tut_list(cli, o.json);
}

const struct verb tutorial_list_verb = {
	.name = "list",
	.summary = "the lessons, with your progress in each",
	.usage = "",
	.description =
		"One line a lesson: its name, the steps you have done of its "
		"steps, and its title.  The lessons are built into ipc; "
		"IPC_TUTORIALS=DIR reads the NN-name.md files in DIR "
		"instead.  With --json, each lesson is an object with lesson, "
		"title, done, steps and step (where 'ipc tutorial NAME' goes "
		"on).",
	.examples = (const char *const[]){
		"ipc tutorial list\tthe lessons and your progress",
		"ipc tutorial list --json\tthe same as JSON Lines",
		NULL },
	.opts = list_opts,
	.min_args = 0, .max_args = 0,
	.run = run_list,
};
