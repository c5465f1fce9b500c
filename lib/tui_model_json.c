/*
 * tui_model_json.c - reading one trace line for the model, fast.
 *
 * jansson builds a tree for every line it parses: a hash table per
 * object and a malloc(3) per value, a few dozen allocations for an event
 * that the model reads a dozen fields of and throws away.  A busy server
 * makes hundreds of thousands of events a second, so the model reads the
 * lines lib/trace.c writes with a small parser of its own: one flat
 * object, whose values are strings, integers, true, false or null, and one
 * object of the same kind inside it ("args").  Strings are decoded into a
 * buffer on the stack and nothing is allocated.
 *
 * Anything else (an array, as in hello's argv; a real number; a \u escape
 * of a surrogate; a duplicate key; a line longer than the buffer) is left
 * to jansson, which decides, so every line means exactly what JSON says
 * it means, and a line that is not JSON is refused by jansson alone.
 */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "trace.h"
#include "tui_model.h"

/* The text being parsed, and where decoded strings go. */
struct rd {
	const char *p, *end;
	char *out, *out_end;
};

static void
skip_ws(struct rd *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
	    *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

/* Four hex digits at p as a number, or -1. */
static long
hex4(const char *p)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		int c = p[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* Append n decoded bytes; -1 when the buffer is full. */
static int
put_out(struct rd *r, const void *s, size_t n)
{
	if (n > (size_t)(r->out_end - r->out))
		return -1;
	memcpy(r->out, s, n);
	r->out += n;
	return 0;
}

/*
 * A string at r->p (after its opening quote), decoded into r->out and
 * NUL-terminated; *s points at it.  \u escapes of U+0001..U+FFFF other
 * than surrogates are decoded to UTF-8; anything else returns -1.
 */
static int
read_string(struct rd *r, const char **s)
{
	char *start = r->out;

	while (r->p < r->end) {
		unsigned char c = (unsigned char)*r->p;
		const char *run = r->p;
		char u[3];
		size_t n;
		long cp;

		if (c == '"') {
			r->p++;
			*s = start;
			return put_out(r, "", 1);
		}
		if (c >= 0x20 && c < 0x80 && c != '\\') {
			/* A run of plain ASCII, copied at once. */
			while (r->p < r->end && (unsigned char)*r->p >= 0x20 &&
			    (unsigned char)*r->p < 0x80 && *r->p != '"' &&
			    *r->p != '\\')
				r->p++;
			if (put_out(r, run, (size_t)(r->p - run)) == -1)
				return -1;
			continue;
		}
		if (c >= 0x80) {
			/* jansson refuses what the trace never writes. */
			n = trace_utf8_len(r->p, (size_t)(r->end - r->p));
			if (n == 0 || put_out(r, r->p, n) == -1)
				return -1;
			r->p += n;
			continue;
		}
		if (c != '\\' || r->end - r->p < 2)
			return -1;	/* a control byte, or a cut escape */
		c = (unsigned char)r->p[1];
		r->p += 2;
		switch (c) {
		case '"': case '\\': case '/':
			u[0] = (char)c;
			break;
		case 'b': u[0] = '\b'; break;
		case 'f': u[0] = '\f'; break;
		case 'n': u[0] = '\n'; break;
		case 'r': u[0] = '\r'; break;
		case 't': u[0] = '\t'; break;
		case 'u':
			if (r->end - r->p < 4 || (cp = hex4(r->p)) <= 0 ||
			    (cp >= 0xd800 && cp <= 0xdfff))
				return -1;
			r->p += 4;
			if (cp < 0x80) {
				u[0] = (char)cp;
				break;
			}
			if (cp < 0x800) {
				u[0] = (char)(0xc0 | cp >> 6);
				u[1] = (char)(0x80 | (cp & 0x3f));
				n = 2;
			} else {
				u[0] = (char)(0xe0 | cp >> 12);
				u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
				u[2] = (char)(0x80 | (cp & 0x3f));
				n = 3;
			}
			if (put_out(r, u, n) == -1)
				return -1;
			continue;
		default:
			return -1;
		}
		if (put_out(r, u, 1) == -1)
			return -1;
	}
	return -1;
}

/* An integer of at most 18 digits (no overflow possible), or -1. */
static int
read_int(struct rd *r, long long *v)
{
	int neg = r->p < r->end && *r->p == '-', digits = 0;
	long long n = 0;

	if (neg)
		r->p++;
	if (r->p < r->end && *r->p == '0' && r->end - r->p > 1 &&
	    r->p[1] >= '0' && r->p[1] <= '9')
		return -1;	/* a leading zero: JSON has none */
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
		if (++digits > 18)
			return -1;
		n = n * 10 + (*r->p++ - '0');
	}
	if (digits == 0 || (r->p < r->end && (*r->p == '.' || *r->p == 'e' ||
	    *r->p == 'E')))
		return -1;	/* a real number: jansson's to read */
	*v = neg ? -n : n;
	return 0;
}

/* Does the literal word come next?  Then step over it. */
static int
literal(struct rd *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return 0;
	r->p += n;
	return 1;
}

/*
 * An object at r->p (after its '{') into o.  With inner set, one member
 * may be an object itself, read into *inner.  -1 for anything this
 * parser leaves to jansson.
 */
static int
read_object(struct rd *r, struct tui_obj *o, struct tui_obj *inner)
{
	struct tui_field *f;
	int i;

	o->json = NULL;
	o->n = 0;
	skip_ws(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		return 0;
	}
	for (;;) {
		if (o->n == TUI_FIELDS)
			return -1;
		f = &o->f[o->n];
		memset(f, 0, sizeof(*f));
		skip_ws(r);
		if (r->p == r->end || *r->p++ != '"' ||
		    read_string(r, &f->key) == -1)
			return -1;
		for (i = 0; i < o->n; i++)
			if (strcmp(o->f[i].key, f->key) == 0)
				return -1;	/* a duplicate: the last wins */
		skip_ws(r);
		if (r->p == r->end || *r->p++ != ':')
			return -1;
		skip_ws(r);
		if (r->p == r->end)
			return -1;
		if (*r->p == '"') {
			r->p++;
			f->type = TUI_STR;
			if (read_string(r, &f->str) == -1)
				return -1;
		} else if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) {
			f->type = TUI_INT;
			if (read_int(r, &f->num) == -1)
				return -1;
		} else if (*r->p == '{' && inner != NULL) {
			r->p++;
			f->type = TUI_OBJ;
			f->obj = inner;
			if (read_object(r, inner, NULL) == -1)
				return -1;
			inner = NULL;
		} else if (literal(r, "true")) {
			f->type = TUI_TRUE;
		} else if (literal(r, "false") || literal(r, "null")) {
			f->type = TUI_OTHER;
		} else {
			return -1;
		}
		o->n++;
		skip_ws(r);
		if (r->p == r->end)
			return -1;
		if (*r->p == '}') {
			r->p++;
			return 0;
		}
		if (*r->p++ != ',')
			return -1;
	}
}

int
tui_obj_parse(struct tui_line *l, const char *line, size_t len)
{
	struct rd r = {
		.p = line, .end = line + len,
		.out = l->text, .out_end = l->text + sizeof(l->text),
	};
	json_t *o;

	l->json = NULL;
	l->args.json = NULL;
	l->args.n = 0;
	skip_ws(&r);
	if (r.p < r.end && *r.p++ == '{' &&
	    read_object(&r, &l->top, &l->args) == 0) {
		skip_ws(&r);
		if (r.p == r.end)
			return 0;
	}
	/* Not the plain shape: jansson reads it, or refuses it. */
	o = json_loadb(line, len, JSON_DECODE_ANY, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		errno = EINVAL;
		return -1;
	}
	l->json = o;
	l->top.json = o;
	l->top.n = 0;
	l->args.json = json_object_get(o, "args");
	return 0;
}

void
tui_obj_done(struct tui_line *l)
{
	json_decref(l->json);
	l->json = NULL;
}

/* The field key of o, or NULL. */
static const struct tui_field *
field(const struct tui_obj *o, const char *key)
{
	for (int i = 0; i < o->n; i++)
		if (strcmp(o->f[i].key, key) == 0)
			return &o->f[i];
	return NULL;
}

const char *
tui_json_str(const struct tui_obj *o, const char *key)
{
	const struct tui_field *f;
	const char *s;

	if (o->json != NULL) {
		s = json_string_value(json_object_get(o->json, key));
		return s != NULL ? s : "";
	}
	f = field(o, key);
	return f != NULL && f->type == TUI_STR ? f->str : "";
}

long long
tui_json_int(const struct tui_obj *o, const char *key, long long dflt)
{
	const struct tui_field *f;
	const json_t *v;

	if (o->json != NULL) {
		v = json_object_get(o->json, key);
		return json_is_integer(v) ? (long long)json_integer_value(v) :
		    dflt;
	}
	f = field(o, key);
	return f != NULL && f->type == TUI_INT ? f->num : dflt;
}

int
tui_json_type(const struct tui_obj *o, const char *key)
{
	const struct tui_field *f;
	const json_t *v;

	if (o->json == NULL) {
		f = field(o, key);
		return f != NULL ? f->type : TUI_NONE;
	}
	v = json_object_get(o->json, key);
	if (v == NULL)
		return TUI_NONE;
	if (json_is_string(v))
		return TUI_STR;
	if (json_is_integer(v))
		return TUI_INT;
	if (json_is_true(v))
		return TUI_TRUE;
	return json_is_object(v) ? TUI_OBJ : TUI_OTHER;
}

const struct tui_obj *
tui_obj_args(const struct tui_line *l)
{
	static const struct tui_obj none;
	const struct tui_field *f;

	if (l->json != NULL)
		return &l->args;
	f = field(&l->top, "args");
	return f != NULL && f->type == TUI_OBJ ? f->obj : &none;
}
