/*
 * lesson.c - parse a tutorial lesson from its Markdown; see lesson.h and
 * tutorials/README.md for the format.
 *
 * The parser reads the text one line at a time and is strict: anything
 * the format does not allow is an error (EBADMSG) that names the line, so
 * a lesson author finds the mistake before a learner does.  Nothing here
 * prints or exits.
 */
#include "lesson.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growing string; p is NUL-terminated once anything is in it. */
struct sbuf {
	char *p;
	size_t len;
	size_t cap;
};

/* Where the parser is, outside a fenced block. */
enum place {
	BEFORE_TITLE,		/* only blank lines so far */
	IN_INTRO,		/* after "# ", before the first "## " */
	IN_STEP			/* after a "## " */
};

/* The blocks a step holds once each, by their info string. */
enum block {
	BLOCK_TEXT,		/* any other fence: part of the step's text */
	BLOCK_PYTHON,
	BLOCK_CHECK,
	BLOCK_HINT,
	BLOCK_SOLUTION
};

static const char *const block_names[] = {
	"text", "python", "check", "hint", "solution"
};

struct parser {
	struct lesson *l;
	struct lesson_error *err;
	enum place place;
	int line;		/* the line being read, from 1 */
	int title_line;		/* where "# " was */
	struct sbuf text;	/* the intro or the current step's text */
	size_t text_end;	/* text.len after its last non-blank line */
	int blank;		/* the text's last line is blank prose */
	size_t fence;		/* backticks of the open fence, 0 if none */
	int fence_line;		/* where the open fence is */
	enum block kind;	/* what the open fence holds */
	char info[48];		/* the first word of its info string */
	int manual;		/* the open ```check says "manual" */
	struct sbuf body;	/* the open special block's body */
	int seen[BLOCK_SOLUTION + 1];	/* line of each block in this step */
};

/* Append n bytes to b; -1 with errno ENOMEM when out of memory. */
static int
sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (n > SIZE_MAX - b->len - 1) {
		errno = ENOMEM;
		return -1;
	}
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap = cap > SIZE_MAX / 2 ? b->len + n + 1 : cap * 2;
		if ((p = realloc(b->p, cap)) == NULL)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* Append one line and its "\n". */
static int
sbuf_line(struct sbuf *b, const char *s, size_t n)
{
	if (sbuf_add(b, s, n) < 0)
		return -1;
	return sbuf_add(b, "\n", 1);
}

/*
 * Hand over the string, cut to its first len bytes ("" when empty), and
 * leave b empty.  NULL with errno ENOMEM when out of memory.
 */
static char *
sbuf_take(struct sbuf *b, size_t len)
{
	char *s;

	if (b->p == NULL)
		s = strdup("");
	else {
		s = b->p;
		s[len] = '\0';
	}
	memset(b, 0, sizeof(*b));
	return s;
}

static void
sbuf_free(struct sbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* A copy of n bytes as a C string; NULL with errno ENOMEM. */
static char *
copy(const char *s, size_t n)
{
	char *p;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/*
 * Copy at most 40 bytes of s into a message, a byte that is not
 * printable ASCII as '?': the message may reach a terminal.
 */
static void
quote(char *buf, size_t size, const char *s, size_t n)
{
	size_t i;

	if (n > 40)
		n = 40;
	if (n > size - 1)
		n = size - 1;
	for (i = 0; i < n; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	buf[n] = '\0';
}

/* Fill in the error for this line; returns -1 with errno EBADMSG. */
static int
bad(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	p->err->line = line;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	errno = EBADMSG;
	return -1;
}

static int
is_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/* Skip spaces and tabs from *i. */
static void
skip_space(const char *s, size_t n, size_t *i)
{
	while (*i < n && (s[*i] == ' ' || s[*i] == '\t'))
		(*i)++;
}

/*
 * The level of an ATX heading ("# " is 1, "## " is 2, a lone "#" too),
 * with *title and *tlen its text trimmed of blanks; 0 for any other line,
 * "### " and deeper included (they are text).
 */
static int
heading(const char *s, size_t n, const char **title, size_t *tlen)
{
	size_t level = 0, i, end;

	while (level < n && s[level] == '#')
		level++;
	if (level == 0 || level > 2)
		return 0;
	if (level < n && s[level] != ' ' && s[level] != '\t')
		return 0;
	i = level;
	skip_space(s, n, &i);
	end = n;
	while (end > i && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	*title = s + i;
	*tlen = end - i;
	return (int)level;
}

/* The number of backticks that open a fence at the start of s, or 0. */
static size_t
fence_ticks(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] == '`')
		i++;
	return i >= 3 ? i : 0;
}

/* The word at *i (up to a blank), moving *i past it and the blanks. */
static size_t
word(const char *s, size_t n, size_t *i, const char **w)
{
	size_t start;

	skip_space(s, n, i);
	start = *i;
	while (*i < n && s[*i] != ' ' && s[*i] != '\t')
		(*i)++;
	*w = s + start;
	return *i - start;
}

/*
 * Add a line of prose or of a text block to the intro or step text.
 * Leading blank lines are dropped and trailing ones cut at the end; in
 * prose, a run of blank lines is kept as one, so that the blank lines
 * around a check or hint block taken out do not pile up.
 */
static int
text_line(struct parser *p, const char *s, size_t n)
{
	int blank = is_blank(s, n);

	if (blank && (p->text.len == 0 || (p->blank && p->fence == 0)))
		return 0;
	if (sbuf_line(&p->text, s, n) < 0)
		return -1;
	p->blank = blank && p->fence == 0;
	if (!blank)
		p->text_end = p->text.len;
	return 0;
}

/* Take the text so far as a string, trimmed of trailing blank lines. */
static char *
text_take(struct parser *p)
{
	size_t end = p->text_end;

	p->text_end = 0;
	p->blank = 0;
	return sbuf_take(&p->text, end);
}

/* Where a block's body goes in the current step. */
static char **
block_slot(struct lesson_step *st, enum block kind)
{
	switch (kind) {
	case BLOCK_PYTHON:
		return &st->python;
	case BLOCK_CHECK:
		return &st->check;
	case BLOCK_HINT:
		return &st->hint;
	case BLOCK_SOLUTION:
		return &st->solution;
	default:
		return NULL;
	}
}

/*
 * An opening fence: a special block starts a body of its own, any other
 * is part of the text.  The info string's first word says which.
 */
static int
open_fence(struct parser *p, const char *s, size_t n, size_t ticks)
{
	const char *w, *extra;
	size_t wn, en, i = ticks;
	char q[48];
	int k;

	wn = word(s, n, &i, &w);
	quote(p->info, sizeof(p->info), w, wn);
	p->kind = BLOCK_TEXT;
	for (k = BLOCK_PYTHON; k <= BLOCK_SOLUTION; k++)
		if (wn == strlen(block_names[k]) &&
		    memcmp(w, block_names[k], wn) == 0)
			p->kind = (enum block)k;
	p->fence = ticks;
	p->fence_line = p->line;
	p->manual = 0;
	if (p->kind == BLOCK_TEXT)
		return text_line(p, s, n);

	en = word(s, n, &i, &extra);
	if (p->kind == BLOCK_CHECK && en == 6 &&
	    memcmp(extra, "manual", 6) == 0) {
		p->manual = 1;
		en = word(s, n, &i, &extra);
	}
	if (en > 0) {
		quote(q, sizeof(q), extra, en);
		if (p->kind == BLOCK_CHECK)
			return bad(p, p->line, "```check takes only \"manual\" "
			    "after it, not \"%s\"", q);
		return bad(p, p->line, "```%s takes nothing after it, "
		    "not \"%s\"", block_names[p->kind], q);
	}
	if (p->place != IN_STEP)
		return bad(p, p->line, "a ```%s block before the first "
		    "\"## \" step", block_names[p->kind]);
	if (p->seen[p->kind])
		return bad(p, p->line, "step %d has a second ```%s block "
		    "(the first is at line %d)", p->l->nsteps,
		    block_names[p->kind], p->seen[p->kind]);
	p->seen[p->kind] = p->line;
	return 0;
}

/* A closing fence: a special block's body goes to its step. */
static int
close_fence(struct parser *p, const char *s, size_t n)
{
	struct lesson_step *st;

	p->fence = 0;
	if (p->kind == BLOCK_TEXT)
		return text_line(p, s, n);
	st = &p->l->steps[p->l->nsteps - 1];
	if (p->kind == BLOCK_CHECK)
		st->manual = p->manual;
	if ((*block_slot(st, p->kind) = sbuf_take(&p->body,
	    p->body.len)) == NULL)
		return -1;
	return 0;
}

/* Is s the close of a fence opened with ticks backticks? */
static int
is_close(const char *s, size_t n, size_t ticks)
{
	size_t t = fence_ticks(s, n);

	return t >= ticks && is_blank(s + t, n - t);
}

/* The current step is over: it must have had its required blocks. */
static int
end_step(struct parser *p)
{
	struct lesson_step *st = &p->l->steps[p->l->nsteps - 1];
	static const enum block need[] = {
		BLOCK_CHECK, BLOCK_HINT, BLOCK_SOLUTION
	};
	size_t i;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!p->seen[need[i]])
			return bad(p, st->line, "step %d has no ```%s block",
			    p->l->nsteps, block_names[need[i]]);
	if ((st->text = text_take(p)) == NULL)
		return -1;
	return 0;
}

/* A "## " line: the intro or the step before it ends, a step begins. */
static int
start_step(struct parser *p, const char *title, size_t tlen)
{
	struct lesson_step *st;

	if (p->place == IN_STEP) {
		if (end_step(p) < 0)
			return -1;
	} else if ((p->l->intro = text_take(p)) == NULL)
		return -1;
	if (p->l->nsteps == LESSON_STEPS)
		return bad(p, p->line, "more than %d steps", LESSON_STEPS);
	if (tlen == 0)
		return bad(p, p->line, "step %d has an empty title",
		    p->l->nsteps + 1);
	st = &p->l->steps[p->l->nsteps++];
	st->line = p->line;
	if ((st->title = copy(title, tlen)) == NULL)
		return -1;
	memset(p->seen, 0, sizeof(p->seen));
	p->place = IN_STEP;
	return 0;
}

/* One line, without its "\n" (or "\r\n"). */
static int
parse_line(struct parser *p, const char *s, size_t n)
{
	const char *title;
	size_t tlen, ticks;
	int level;

	if (p->fence) {
		if (is_close(s, n, p->fence))
			return close_fence(p, s, n);
		if (p->kind == BLOCK_TEXT)
			return text_line(p, s, n);
		return sbuf_line(&p->body, s, n);
	}
	level = heading(s, n, &title, &tlen);
	if (p->place == BEFORE_TITLE) {
		if (is_blank(s, n))
			return 0;
		if (level != 1)
			return bad(p, p->line, "text before the \"# \" title "
			    "(a lesson starts with \"# Title\")");
		if (tlen == 0)
			return bad(p, p->line, "the \"# \" title is empty");
		if ((p->l->title = copy(title, tlen)) == NULL)
			return -1;
		p->title_line = p->line;
		p->place = IN_INTRO;
		return 0;
	}
	if (level == 1)
		return bad(p, p->line, "a second \"# \" title (the first is "
		    "at line %d)", p->title_line);
	if (level == 2)
		return start_step(p, title, tlen);
	if ((ticks = fence_ticks(s, n)) > 0)
		return open_fence(p, s, n, ticks);
	return text_line(p, s, n);
}

/* The end of the text: close what is open and check what is missing. */
static int
parse_end(struct parser *p)
{
	if (p->fence)
		return bad(p, p->fence_line, "the ```%s block is not closed",
		    p->info);
	switch (p->place) {
	case BEFORE_TITLE:
		return bad(p, 0, "no \"# \" title: the lesson is empty");
	case IN_INTRO:
		return bad(p, 0, "no step: a lesson needs \"## \" steps");
	case IN_STEP:
		break;
	}
	return end_step(p);
}

/* Split the text into lines and parse each; see lesson_parse. */
static int
parse_lines(struct parser *p, const char *text, size_t n)
{
	const char *s, *nl;
	size_t pos = 0, len;

	while (pos < n) {
		if (p->line == INT_MAX)
			return bad(p, 0, "too many lines");
		p->line++;
		s = text + pos;
		nl = memchr(s, '\n', n - pos);
		len = nl ? (size_t)(nl - s) : n - pos;
		pos += len + (nl != NULL);
		if (len > 0 && s[len - 1] == '\r')
			len--;
		if (parse_line(p, s, len) < 0)
			return -1;
	}
	return parse_end(p);
}

/* The line of the first NUL byte in text, or 0 when there is none. */
static int
nul_line(const char *text, size_t n)
{
	const char *nul = memchr(text, '\0', n);
	const char *s;
	int line = 1;

	if (nul == NULL)
		return 0;
	for (s = text; s < nul; s++)
		if (*s == '\n' && line < INT_MAX)
			line++;
	return line;
}

int
lesson_name(const char *file, char *buf, size_t size)
{
	const char *base, *s;
	size_t len;

	base = strrchr(file, '/');
	base = base ? base + 1 : file;
	len = strlen(base);
	if (len < 3 || strcmp(base + len - 3, ".md") != 0) {
		errno = EINVAL;
		return -1;
	}
	len -= 3;
	/* "01-sockets": the digits go only with the dash after them. */
	for (s = base; s < base + len && *s >= '0' && *s <= '9'; s++)
		;
	if (s > base && s < base + len && *s == '-') {
		len -= (size_t)(s + 1 - base);
		base = s + 1;
	}
	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	if (len >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, base, len);
	buf[len] = '\0';
	return 0;
}

int
lesson_parse(const char *file, const char *text, size_t n,
	     struct lesson *l, struct lesson_error *err)
{
	struct parser p;
	size_t size = strlen(file) + 1;
	int line, saved;

	memset(l, 0, sizeof(*l));
	memset(err, 0, sizeof(*err));
	memset(&p, 0, sizeof(p));
	p.l = l;
	p.err = err;
	if ((l->name = malloc(size)) == NULL)
		return -1;
	if (lesson_name(file, l->name, size) < 0)
		goto fail;
	if (n > 0 && (line = nul_line(text, n)) > 0) {
		bad(&p, line, "a NUL byte: a lesson is text");
		goto fail;
	}
	if (parse_lines(&p, text, n) < 0)
		goto fail;
	return 0;
fail:
	saved = errno;
	sbuf_free(&p.text);
	sbuf_free(&p.body);
	lesson_free(l);
	errno = saved;
	return -1;
}

void
lesson_free(struct lesson *l)
{
	struct lesson_step *st;
	int i;

	free(l->name);
	free(l->title);
	free(l->intro);
	for (i = 0; i < LESSON_STEPS; i++) {
		st = &l->steps[i];
		free(st->title);
		free(st->text);
		free(st->python);
		free(st->check);
		free(st->hint);
		free(st->solution);
	}
	memset(l, 0, sizeof(*l));
}

/*
 * The commands are the "$ " lines outside fences (text is a block's body)
 * or inside ```console fences (text is a step's text); the lines of any
 * other block are not commands.
 */
int
lesson_console_commands(const char *text, char **cmds, int max,
			char **store)
{
	const char *w;
	char *s, *next;
	size_t len, ticks = 0, t, i;
	int n = 0, console = 1;

	if ((*store = strdup(text)) == NULL)
		return -1;
	for (s = *store; *s != '\0' && n < max; s = next) {
		len = strcspn(s, "\n");
		next = s[len] == '\n' ? s + len + 1 : s + len;
		if (len > 0 && s[len - 1] == '\r')
			len--;
		s[len] = '\0';
		t = fence_ticks(s, len);
		if (ticks == 0 && t > 0) {
			i = t;
			console = word(s, len, &i, &w) == 7 &&
			    memcmp(w, "console", 7) == 0;
			ticks = t;
		} else if (ticks > 0 && t >= ticks &&
		    is_blank(s + t, len - t)) {
			ticks = 0;
			console = 1;
		} else if (console && len > 2 && strncmp(s, "$ ", 2) == 0 &&
		    !is_blank(s + 2, len - 2))
			cmds[n++] = s + 2;
	}
	return n;
}
