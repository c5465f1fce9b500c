/*
 * cmdline.c - the words of a line typed at an ipc prompt, and completion
 * of the word under the cursor from the command table.
 *
 * Completion walks the words before the cursor the way cmd/ipc.c reads
 * argv: common options, the applet (or a built-in such as help), the verb
 * (or the applet's default verb when an option comes first), then the
 * verb's options and arguments.  What the cursor may become then comes from
 * that verb's table: its long options, an option's choices, or its
 * arguments' hint ("@file", "@applet", "@signal", "a|b|c").
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "sigs.h"

static const char *const split_why[] = {
	"unterminated ' quote",
	"unterminated \" quote",
	"a backslash at the end of the line escapes nothing",
	"more words than a line may have (256)",
	"out of memory",
};

static int
split_fail(const char **why, int which, int err)
{
	*why = split_why[which];
	errno = err;
	return -1;
}

/*
 * Inside "...", a backslash escapes only these (see sh(1), "Double
 * Quotes"); before anything else it stays a backslash.
 */
static int
dquote_escapes(char ch)
{
	return ch == '"' || ch == '\\' || ch == '$' || ch == '`';
}

int
cmdline_split(struct cmdline *c, const char *line, int partial,
	      const char **why)
{
	char *o;

	memset(c, 0, sizeof(*c));
	/* Every character yields at most one, and a word's NUL takes the
	 * place of the blank after it: the line's length plus one is enough. */
	c->buf = malloc(strlen(line) + 1);
	if (c->buf == NULL)
		return split_fail(why, 4, ENOMEM);
	o = c->buf;
	for (const char *p = line; *p; p++) {
		char ch = *p;

		if (c->quote == '\'') {
			if (ch == '\'')
				c->quote = 0;
			else
				*o++ = ch;
			continue;
		}
		if (c->quote == '"') {
			if (ch == '"')
				c->quote = 0;
			else if (ch == '\\' && dquote_escapes(p[1]))
				*o++ = *++p;
			else
				*o++ = ch;
			continue;
		}
		if (ch == ' ' || ch == '\t' || ch == '\n') {
			if (c->in_word)
				*o++ = '\0';
			c->in_word = 0;
			continue;
		}
		if (ch == '#' && !c->in_word) {
			c->comment = 1;
			break;
		}
		if (!c->in_word) {
			if (c->argc == CMDLINE_WORDS)
				return split_fail(why, 3, E2BIG);
			c->argv[c->argc++] = o;
			c->in_word = 1;
		}
		if (ch == '\'' || ch == '"')
			c->quote = ch;
		else if (ch == '\\' && p[1] != '\0')
			*o++ = *++p;
		else if (ch == '\\' && !partial)
			return split_fail(why, 2, EINVAL);
		else if (ch != '\\')
			*o++ = ch;
	}
	if (c->quote && !partial)
		return split_fail(why, c->quote == '\'' ? 0 : 1, EINVAL);
	*o = '\0';
	c->argv[c->argc] = NULL;
	return 0;
}

void
cmdline_free(struct cmdline *c)
{
	free(c->buf);
	c->buf = NULL;
	c->argc = 0;
	c->argv[0] = NULL;
}

/* --- candidates ---------------------------------------------------------- */

void
cmdline_matches_free(struct cmdline_matches *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i]);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/*
 * Offer before+word (before may be "" or "--name=") when it starts with
 * cur and is not offered yet.  Returns 0 or -1 with errno ENOMEM.
 */
static int
offer_n(struct cmdline_matches *m, const char *cur, const char *before,
	const char *word, size_t wlen)
{
	size_t blen = strlen(before);
	char *s;

	s = malloc(blen + wlen + 1);
	if (s == NULL)
		return -1;
	memcpy(s, before, blen);
	memcpy(s + blen, word, wlen);
	s[blen + wlen] = '\0';
	if (strncmp(s, cur, strlen(cur)) != 0)
		goto skip;
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i], s) == 0)
			goto skip;
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;
		char **v = realloc(m->v, cap * sizeof(*v));

		if (v == NULL) {
			free(s);
			return -1;
		}
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n++] = s;
	return 0;
skip:
	free(s);
	return 0;
}

static int
offer(struct cmdline_matches *m, const char *cur, const char *word)
{
	return offer_n(m, cur, "", word, strlen(word));
}

/* The applets' names and, when there are built-ins, theirs. */
static int
offer_applets(const struct cmdline_prompt *p, struct cmdline_matches *m,
	      const char *cur, int builtins)
{
	for (const struct applet *const *a = p->applets; *a; a++)
		if (offer(m, cur, (*a)->name) < 0)
			return -1;
	for (const struct verb *const *v = builtins && p->builtins ?
	     p->builtins->verbs : NULL; v && *v; v++)
		if (offer(m, cur, (*v)->name) < 0)
			return -1;
	return 0;
}

static int
offer_verbs(const struct applet *a, struct cmdline_matches *m,
	    const char *cur)
{
	for (const struct verb *const *v = a->verbs; *v; v++)
		if (offer(m, cur, (*v)->name) < 0)
			return -1;
	return 0;
}

/* Signal names as ipc sig takes them: "TERM", "USR1" (see gen.c). */
static int
offer_signals(struct cmdline_matches *m, const char *cur)
{
	char name[32];

	for (int sig = 1; sig <= SIGSYS; sig++) {
		if (sigs_describe(sig) == NULL)
			continue;
		sigs_name(sig, name, sizeof(name));
		if (offer(m, cur, strncmp(name, "SIG", 3) == 0 ? name + 3 :
			  name) < 0)
			return -1;
	}
	return 0;
}

/*
 * The words a hint stands for: "a|b|c" each, "@signal" the signal names,
 * "@file" the files, "@applet" the applets; other kinds ("@host") nothing.
 * before goes in front of each ("--name=").
 */
static int
offer_hint(const struct cmdline_prompt *p, struct cmdline_matches *m,
	   const char *cur, const char *before, const char *hint)
{
	if (hint == NULL)
		return 0;
	if (strcmp(hint, "@file") == 0) {
		m->files = before[0] == '\0';
		return 0;
	}
	if (strcmp(hint, "@applet") == 0)
		return before[0] ? 0 : offer_applets(p, m, cur, 0);
	if (strcmp(hint, "@signal") == 0)
		return before[0] ? 0 : offer_signals(m, cur);
	if (hint[0] == '@')
		return 0;
	while (*hint) {
		size_t n = strcspn(hint, "|");

		if (offer_n(m, cur, before, hint, n) < 0)
			return -1;
		hint += n + (hint[n] == '|');
	}
	return 0;
}

/* --- options ------------------------------------------------------------- */

/* The option a word names: "--name", "--name=VALUE" or "-x". */
static const struct opt *
opt_in(const struct opt *o, const char *word)
{
	size_t n = strcspn(word, "=");

	for (; o && o->type != OPT_END; o++) {
		if (word[1] == '-' && n - 2 == strlen(o->long_name) &&
		    strncmp(word + 2, o->long_name, n - 2) == 0)
			return o;
		if (word[1] != '-' && o->short_name && word[1] == o->short_name)
			return o;
	}
	return NULL;
}

static const struct opt *
find_opt(const struct verb *v, const char *word)
{
	const struct opt *o = v ? opt_in(v->opts, word) : NULL;

	return o ? o : opt_in(cli_common_opts, word);
}

/*
 * Does this word take the next word as its value?  "--timeout" does,
 * "--timeout=2" and "-t2" do not, and neither do flags or options whose
 * value is optional ("--trace").
 */
static int
takes_next(const struct opt *o, const char *word)
{
	if (o == NULL || o->type == OPT_BOOL || o->type == OPT_OPTIONAL)
		return 0;
	if (word[1] == '-')
		return strchr(word, '=') == NULL;
	return word[2] == '\0';
}

static int
offer_opts(struct cmdline_matches *m, const char *cur, const struct opt *o)
{
	char name[80];

	for (; o && o->type != OPT_END; o++) {
		snprintf(name, sizeof(name), "--%s", o->long_name);
		if (offer(m, cur, name) < 0)
			return -1;
	}
	return 0;
}

/* "--name=VAL<TAB>": the values of --name, written with their option. */
static int
offer_opt_values(const struct cmdline_prompt *p, struct cmdline_matches *m,
		 const struct verb *v, const char *cur)
{
	const struct opt *o = find_opt(v, cur);
	char before[80];

	if (o == NULL || o->type == OPT_BOOL)
		return 0;
	snprintf(before, sizeof(before), "--%s=", o->long_name);
	return offer_hint(p, m, cur, before, o->choices);
}

/* --- where the cursor is ------------------------------------------------- */

/* The words before the cursor, and the one under it. */
struct at {
	char **w;
	int n;
	const char *cur;
};

/* Is word one of sh's operators?  A tutorial line is run by the shell. */
static int
is_operator(const char *word)
{
	static const char *const ops[] = { ";", "|", "||", "&&", "&", "(",
					   "!", NULL };

	for (const char *const *op = ops; *op; op++)
		if (strcmp(word, *op) == 0)
			return 1;
	return 0;
}

/* The prompt's own command named word ("trace"), or NULL. */
static const char *
find_extra(const struct cmdline_prompt *p, const char *word)
{
	size_t n = strlen(word);

	for (const char *const *e = p->extra; e && *e; e++)
		if (strncmp(*e, word, n) == 0 && ((*e)[n] == '\0' ||
						 (*e)[n] == ' '))
			return *e;
	return NULL;
}

static int
offer_extras(const struct cmdline_prompt *p, struct cmdline_matches *m,
	     const char *cur)
{
	for (const char *const *e = p->extra; e && *e; e++)
		if (offer_n(m, cur, "", *e, strcspn(*e, " ")) < 0)
			return -1;
	return 0;
}

/*
 * The words after the verb (w[0..n)): an option's value, an option, or an
 * argument.
 */
static int
complete_args(const struct cmdline_prompt *p, struct cmdline_matches *m,
	      const struct verb *v, struct at *at)
{
	const struct opt *want = NULL;
	const char *first = NULL;
	int dashdash = 0, npos = 0;

	for (int j = 0; j < at->n; j++) {
		const char *w = at->w[j];

		if (dashdash || w[0] != '-' || w[1] == '\0') {
			first = first ? first : w;
			npos++;
		} else if (strcmp(w, "--") == 0)
			dashdash = 1;
		else if (takes_next(find_opt(v, w), w)) {
			if (j + 1 == at->n)
				want = find_opt(v, w);
			j++;
		}
	}
	if (want != NULL)
		return offer_hint(p, m, at->cur, "", want->choices);
	if (!dashdash && at->cur[0] == '-') {
		if (strncmp(at->cur, "--", 2) == 0 && strchr(at->cur, '='))
			return offer_opt_values(p, m, v, at->cur);
		if (offer_opts(m, at->cur, v->opts) < 0)
			return -1;
		return offer_opts(m, at->cur, cli_common_opts);
	}
	if (v->max_args >= 0 && npos >= v->max_args)
		return 0;
	/* `help sock <TAB>`: the second argument of help is a verb. */
	if (v->args_hint && strcmp(v->args_hint, "@applet") == 0 && npos == 1) {
		const struct applet *a = cli_find_applet(first);

		return a ? offer_verbs(a, m, at->cur) : 0;
	}
	if (v->args_hint == NULL) {
		m->files = v->usage != NULL && v->usage[0] != '\0';
		return 0;
	}
	return offer_hint(p, m, at->cur, "", v->args_hint);
}

/*
 * Where a verb goes: the verbs and, for an applet that hands other words
 * to its default verb (`ipc tutorial sockets`), that verb's first
 * argument when its hint lists words.
 */
static int
offer_verbs_or_words(const struct cmdline_prompt *p,
		     struct cmdline_matches *m, const struct applet *a,
		     const char *cur)
{
	const struct verb *v;

	if (offer_verbs(a, m, cur) < 0)
		return -1;
	if (!a->words_to_default || a->default_verb == NULL)
		return 0;
	v = cli_find_verb(a, a->default_verb);
	if (v == NULL || v->args_hint == NULL || v->args_hint[0] == '@')
		return 0;
	return offer_hint(p, m, cur, "", v->args_hint);
}

/*
 * The words after "ipc" (or the first word of the shell), with the applet
 * already known when it came from an ipc-APPLET name.
 */
static int
complete_command(const struct cmdline_prompt *p, struct cmdline_matches *m,
		 const struct applet *a, struct at *at)
{
	const struct verb *v = NULL;
	int i = 0;

	/* Common options may come before the applet: `ipc --trace sock`. */
	while (a == NULL && i < at->n && at->w[i][0] == '-') {
		const struct opt *o = opt_in(cli_common_opts, at->w[i]);
		int value = takes_next(o, at->w[i]);

		if (value && i + 1 == at->n)
			return offer_hint(p, m, at->cur, "", o->choices);
		i += value ? 2 : 1;
	}
	if (a == NULL && i == at->n) {
		if (at->cur[0] == '-')
			return strchr(at->cur, '=') ?
				offer_opt_values(p, m, NULL, at->cur) :
				offer_opts(m, at->cur, cli_common_opts);
		if (i == 0 && !p->after_ipc && offer_extras(p, m, at->cur) < 0)
			return -1;
		return offer_applets(p, m, at->cur, 1);
	}
	if (a == NULL) {
		const char *name = at->w[i++];

		a = cli_find_applet(name);
		if (a == NULL && p->builtins) {
			v = cli_find_verb(p->builtins, name);
			if (v == NULL || strcmp(v->name, name) != 0)
				return 0;
			a = p->builtins;
		}
		if (a == NULL)
			return 0;
	}
	if (v == NULL) {
		/* An option where the verb goes belongs to the default verb. */
		int dflt = a->default_verb != NULL &&
			(i < at->n ? at->w[i][0] == '-' : at->cur[0] == '-');

		if (dflt)
			v = cli_find_verb(a, a->default_verb);
		else if (i == at->n && at->cur[0] == '-')
			return offer(m, at->cur, "--help");
		else if (i == at->n)
			return offer_verbs_or_words(p, m, a, at->cur);
		else if ((v = cli_find_verb(a, at->w[i])) != NULL)
			i++;
		else if (errno == ENOENT && a->words_to_default)
			v = cli_find_verb(a, a->default_verb);
		if (v == NULL)
			return 0;
	}
	at->w += i;
	at->n -= i;
	return complete_args(p, m, v, at);
}

/* The prompt's own command "name a|b": complete its first argument. */
static int
complete_extra(const struct cmdline_prompt *p, struct cmdline_matches *m,
	       const char *extra, struct at *at)
{
	const char *choices = strchr(extra, ' ');

	if (choices == NULL || at->n != 1)
		return 0;
	return offer_hint(p, m, at->cur, "", choices + 1);
}

static int
complete_words(const struct cmdline_prompt *p, struct cmdline_matches *m,
	       struct at *at)
{
	const struct applet *a = NULL;
	const char *extra;

	if (p->after_ipc) {
		int start = 0;

		for (int i = 0; i < at->n; i++)
			if (is_operator(at->w[i]))
				start = i + 1;
		at->w += start;
		at->n -= start;
		if (at->n == 0) {
			if (start == 0 && offer_extras(p, m, at->cur) < 0)
				return -1;
			return offer(m, at->cur, "ipc");
		}
		if (start == 0 && (extra = find_extra(p, at->w[0])) != NULL)
			return complete_extra(p, m, extra, at);
		if (strncmp(at->w[0], "ipc-", 4) == 0) {
			a = cli_find_applet(at->w[0] + 4);
			if (a == NULL)
				return 0;
		} else if (strcmp(at->w[0], "ipc") != 0) {
			/* Another program: its arguments are likely files. */
			m->files = 1;
			return 0;
		}
		at->w++;
		at->n--;
		return complete_command(p, m, a, at);
	}
	/* `!CMD` is for the system shell: its words are likely files. */
	if (at->n > 0 && at->w[0][0] == '!') {
		m->files = 1;
		return 0;
	}
	if (at->n > 0 && (extra = find_extra(p, at->w[0])) != NULL &&
	    cli_find_applet(at->w[0]) == NULL &&
	    (p->builtins == NULL || cli_find_verb(p->builtins, at->w[0]) == NULL ||
	     strcmp(cli_find_verb(p->builtins, at->w[0])->name, at->w[0]) != 0))
		return complete_extra(p, m, extra, at);
	return complete_command(p, m, NULL, at);
}

int
cmdline_complete(const struct cmdline_prompt *p, const char *line,
		 size_t point, struct cmdline_matches *m)
{
	struct cmdline c;
	struct at at;
	const char *why;
	char *head;
	int rc;

	memset(m, 0, sizeof(*m));
	head = strndup(line, point);
	if (head == NULL)
		return -1;
	rc = cmdline_split(&c, head, 1, &why);
	free(head);
	if (rc < 0 || c.comment) {
		cmdline_free(&c);
		return rc < 0 && errno == ENOMEM ? -1 : 0;
	}
	at.w = c.argv;
	at.n = c.in_word ? c.argc - 1 : c.argc;
	at.cur = c.in_word ? c.argv[c.argc - 1] : "";
	rc = complete_words(p, m, &at);
	cmdline_free(&c);
	return rc;
}
