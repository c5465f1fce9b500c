/*
 * cmdline.h - a line typed at an ipc prompt (`ipc shell`, `ipc tutorial`):
 * its words, and what the word under the cursor may become.
 *
 * Splitting follows sh(1) quoting and nothing else: '...' keeps every
 * character, "..." keeps every character but lets a backslash escape
 * " \ $ and `, a backslash outside quotes keeps the next character, and an
 * unquoted # at the start of a word begins a comment.  There is no
 * globbing, no $VARIABLE, no $(command), no ; | > or &: those characters
 * are part of the words.
 *
 * Completion reads the command table (cli.h) and nothing else, so it
 * offers exactly what the parser accepts.  Nothing here uses readline;
 * cmd/rl.c connects the two.  Nothing here prints.
 */
#ifndef IPC_CMDLINE_H
#define IPC_CMDLINE_H

#include <stddef.h>

#include "cli.h"

#define CMDLINE_WORDS	256	/* words a line may have */

struct cmdline {
	char *buf;			/* the words, each NUL-terminated */
	char *argv[CMDLINE_WORDS + 1];	/* NULL-terminated */
	int argc;
	int quote;	/* partial: the quote still open at the end, or 0 */
	int in_word;	/* the line ends inside a word (no space after it) */
	int comment;	/* an unquoted # started a comment */
};

/*
 * Split line into words.  With partial set (a line cut at the cursor) an
 * unterminated quote or a trailing backslash is accepted.  Returns 0, or -1
 * with errno EINVAL (an unterminated quote, a trailing backslash), E2BIG
 * (more than CMDLINE_WORDS words) or ENOMEM, and then *why says which in
 * words (static storage).  Free with cmdline_free() either way.
 */
int cmdline_split(struct cmdline *c, const char *line, int partial,
		  const char **why);
void cmdline_free(struct cmdline *c);

/* Where completion looks, and what the prompt adds to the table. */
struct cmdline_prompt {
	const struct applet *const *applets;	/* cli_applets */
	const struct applet *builtins;	/* ipc's own verbs (help ...), or NULL */
	/*
	 * The prompt's own commands, offered as the first word; NULL-terminated,
	 * may be NULL.  An entry "trace on|off" also completes its first
	 * argument from the choices after the space.
	 */
	const char *const *extra;
	int after_ipc;	/* lines start with "ipc" (or ipc-APPLET), as in sh */
};

/* The candidates for the word under the cursor. */
struct cmdline_matches {
	char **v;	/* malloc'd, each starting with the word typed so far */
	size_t n, cap;
	int files;	/* the word is a file name: offer the files instead */
};

/*
 * What may the word that ends at line[point] become?  Fills m with every
 * candidate that starts with what is typed of it (unquoted), or sets
 * m->files.  Returns 0 (also when nothing fits), or -1 with errno ENOMEM.
 * Free m with cmdline_matches_free() either way.
 */
int cmdline_complete(const struct cmdline_prompt *p, const char *line,
		     size_t point, struct cmdline_matches *m);
void cmdline_matches_free(struct cmdline_matches *m);

#endif
