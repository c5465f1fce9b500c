/*
 * tui_feed.h - for the TUI model's unit tests: feed a recorded trace,
 * one line at a time, as the TUI reads it.  Included after cmocka.h and
 * tui_model.h.
 */
#ifndef IPC_TEST_TUI_FEED_H
#define IPC_TEST_TUI_FEED_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

/*
 * Feed the first max lines of path (all when max < 0); returns how many
 * were refused.
 */
static int
feed_upto(struct tui_model *m, const char *path, int max)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int bad = 0;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (max-- != 0 && (n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			n--;
		bad += tui_model_feed(m, line, (size_t)n) < 0;
	}
	free(line);
	fclose(f);
	return bad;
}

#endif
