/*
 * embed.c - write the lessons as C, so that ipc carries them inside.
 *
 * Usage: embed FILE... >lesson_files.c
 *
 * Writes a C file that defines lesson_builtin[] (see lib/lesson.h): one
 * entry per FILE, in the order given, holding its base name, its bytes
 * as a string literal and their length, then { NULL, NULL, 0 }.  The
 * Makefile runs it at build time on tutorials/[0-9]*.md.  It runs on the
 * build machine, so it uses only standard C17.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of a string literal per line of output, escapes counted. */
#define LINE_MAX_OUT	72

static void
die(const char *what)
{
	fprintf(stderr, "embed: %s: %s\n", what, strerror(errno));
	exit(1);
}

/*
 * Read the whole file into a buffer of our own; *len gets its size.
 * Exits on failure: a build step has nobody to hand an error back to.
 */
static char *
slurp(const char *path, size_t *len)
{
	char *buf = NULL, *p;
	size_t cap = 0, n = 0, got;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		die(path);
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((p = realloc(buf, cap)) == NULL)
				die(path);
			buf = p;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	if (ferror(f))
		die(path);
	fclose(f);
	*len = n;
	return buf;
}

/*
 * Print one byte as it goes in a C string literal; returns how many
 * characters that took.  Anything but printable ASCII is a three-digit
 * octal escape, which cannot run into the digit after it.  '?' is
 * escaped too, since "??=" would be a trigraph in ISO C17.
 */
static int
put_byte(unsigned char c, FILE *out)
{
	switch (c) {
	case '\n':
		return fputs("\\n", out) < 0 ? -1 : 2;
	case '\t':
		return fputs("\\t", out) < 0 ? -1 : 2;
	case '"':
	case '\\':
	case '?':
		return fprintf(out, "\\%c", c);
	default:
		if (c >= 0x20 && c < 0x7f)
			return putc(c, out) == EOF ? -1 : 1;
		return fprintf(out, "\\%03o", c);
	}
}

/*
 * Print n bytes as adjacent string literals, one per line of the input
 * (and more when a line is long), indented by tabs.
 */
static void
put_string(const char *s, size_t n, const char *indent, FILE *out)
{
	size_t i;
	int col = 0, w;

	fprintf(out, "%s\"", indent);
	for (i = 0; i < n; i++) {
		if (col >= LINE_MAX_OUT) {
			fprintf(out, "\"\n%s\"", indent);
			col = 0;
		}
		if ((w = put_byte((unsigned char)s[i], out)) < 0)
			die("stdout");
		col += w;
		if (s[i] == '\n' && i + 1 < n) {
			fprintf(out, "\"\n%s\"", indent);
			col = 0;
		}
	}
	fputs("\"", out);
}

int
main(int argc, char **argv)
{
	const char *base;
	char *text;
	size_t len;
	int i;

	fputs("/* Made by tools/embed.c from the lessons: do not edit. */\n"
	    "#include <stddef.h>\n\n#include \"lesson.h\"\n\n"
	    "const struct lesson_file lesson_builtin[] = {\n", stdout);
	for (i = 1; i < argc; i++) {
		base = strrchr(argv[i], '/');
		base = base ? base + 1 : argv[i];
		text = slurp(argv[i], &len);
		fputs("\t{\n", stdout);
		put_string(base, strlen(base), "\t\t", stdout);
		fputs(",\n", stdout);
		put_string(text, len, "\t\t", stdout);
		printf(",\n\t\t%zu\n\t},\n", len);
		free(text);
	}
	fputs("\t{ NULL, NULL, 0 }\n};\n", stdout);
	if (fflush(stdout) == EOF || ferror(stdout))
		die("stdout");
	return 0;
}
