/*
 * lesson.h - a tutorial lesson, parsed from its Markdown (tutorials/).
 *
 * The format (tutorials/README.md says it for authors):
 *
 *	# Title                          one, first; the lesson's title
 *	text                             the introduction, up to the first step
 *	## Step title                    one per step, 1 to LESSON_STEPS
 *	text and ```console blocks       what to read and what to type
 *	```python ... ```                optional: the Python this step mirrors
 *	```check [manual] ... ```        required: sh(1) snippet, exit 0 = done
 *	```hint ... ```                  required
 *	```solution ... ```              required: sh(1) lines that do the step
 *
 * A check runs after each command the learner types, unless its info
 * string says "manual": then only when the learner types `check`.  Any
 * other fenced block (```c, ```text) is part of the step's text.  Fences
 * are three backticks at the start of a line; a block must be closed.
 *
 * Nothing here prints or exits: errors come back as -1 with errno set
 * (EBADMSG for a malformed lesson, ENOMEM) and, for EBADMSG, the line and
 * a message in struct lesson_error.
 */
#ifndef IPC_LESSON_H
#define IPC_LESSON_H

#include <stddef.h>

#define LESSON_STEPS	32	/* steps a lesson may have */

struct lesson_step {
	char *title;		/* after "## " */
	char *text;		/* the prose and console/other blocks, as written */
	char *python;		/* the ```python block, or NULL */
	char *check;		/* the ```check block's body */
	int manual;		/* "```check manual": run only on `check` */
	char *hint;
	char *solution;
	int line;		/* where "## " is, from 1 */
};

struct lesson {
	char *name;		/* "sockets" for 01-sockets.md */
	char *title;		/* after "# " */
	char *intro;		/* text before the first step, maybe "" */
	struct lesson_step steps[LESSON_STEPS];
	int nsteps;
};

struct lesson_error {
	int line;		/* from 1; 0 when not about one line */
	char msg[160];		/* "step 3 has no ```check block" */
};

/*
 * The lesson name of a file name: "01-sockets.md" -> "sockets" (the
 * leading digits and dash and the .md go; a directory before it too).
 * Writes at most size bytes.  Returns 0, or -1 with errno EINVAL when the
 * name does not end in .md or leaves no name, ENAMETOOLONG when it does
 * not fit in size.
 */
int lesson_name(const char *file, char *buf, size_t size);

/*
 * Parse the n bytes at text (not NUL-terminated) as the lesson file
 * `file`.  On success fills *l (free it with lesson_free) and returns 0.
 * Returns -1 with errno EBADMSG (and *err filled) for a malformed lesson:
 * no title, text before the title, a step with no check, hint or
 * solution, two of one kind, an unclosed fence, too many steps, no step.
 * EINVAL when file is not a lesson's file name (see lesson_name), ENOMEM
 * when out of memory.  On failure *l is left zeroed.
 */
int lesson_parse(const char *file, const char *text, size_t n,
		 struct lesson *l, struct lesson_error *err);

/* Free what lesson_parse allocated; safe on a zeroed lesson. */
void lesson_free(struct lesson *l);

/*
 * The commands of a ```console block, one per line, with the prompt
 * "$ " taken off; a line without it is output and is skipped.  text is
 * the block's body, or a step's text: then the lines of other fenced
 * blocks (```c, ```text) are skipped too.  For the solution and for
 * completion hints.  Returns how many were found (at most max), each a
 * pointer into a copy owned by the caller through *store (free it), or
 * -1 with errno ENOMEM.
 */
int lesson_console_commands(const char *text, char **cmds, int max,
			    char **store);

/*
 * The lessons built into the binary: tutorials/[0-9]*.md in name order,
 * made into C by tools/embed.c at build time ($(BUILD)/lesson_files.c).
 * The last entry has file NULL.  IPC_TUTORIALS=DIR reads DIR instead.
 */
struct lesson_file {
	const char *file;	/* "01-sockets.md" */
	const char *text;
	size_t len;
};
extern const struct lesson_file lesson_builtin[];

#endif
