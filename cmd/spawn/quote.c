/*
 * quote.c - `ipc spawn quote ARGS...`: each argument as a shell would need
 * it quoted to read it back as that one word, joined by spaces on one line
 * (Python's shlex.join).
 */
#include <errno.h>
#include <stdio.h>

#include "spawn.h"

static int
run_quote(struct cli *cli)
{
	for (int i = 0; i < cli->argc; i++) {
		if (i > 0)
			putchar(' ');
		if (spawn_put_quoted(stdout, cli->argv[i]) < 0)
			return fail(cli, "quote", errno, NULL);
	}
	putchar('\n');
	if (fflush(stdout) == EOF)
		return fail(cli, "stdout", errno, NULL);
	return 0;
}

const struct verb spawn_quote_verb = {
	.name = "quote",
	.summary = "print arguments quoted as a shell needs them",
	.usage = "[--] ARG...",
	.description =
		"Prints each ARG as sh(1) would need it written to read it "
		"back as exactly that one word, separated by spaces, on one "
		"line: what Python's shlex.quote and shlex.join do.  A word "
		"of letters, digits and @%+=:,./-_ is left as it is; any "
		"other goes in single quotes, inside which nothing is "
		"special, and each ' in it is written '\\'' (close the "
		"quotes, an escaped quote, open them again).  The empty "
		"word is ''.\n\n"
		"Quoting is the way to paste data into a string a shell will "
		"parse (see 'ipc spawn shell'); not needing a shell at all "
		"('ipc spawn run') is the better way.",
	.examples = (const char *const[]){
		"ipc spawn quote 'a b' \"it's\" '$HOME' ''"
		"\tprints: 'a b' 'it'\\''s' '$HOME' ''",
		"sh -c \"printf '%s\\n' $(ipc spawn quote 'a b' '*')\""
		"\tthe shell reads the words back as they were",
		NULL },
	.min_args = 1, .max_args = -1,
	.run = run_quote,
};
