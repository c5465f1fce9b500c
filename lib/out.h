/*
 * out.h - everything the user reads: messages, tables, JSON records,
 * hexdumps, and escaping of bytes that came from a peer.
 *
 * Data goes to stdout, messages to stderr.  Colour only on a terminal, and
 * never with NO_COLOR set or TERM=dumb.
 */
#ifndef IPC_OUT_H
#define IPC_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <jansson.h>

/* sysexits(3) codes used by the project. */
enum {
	EX_OK_ = 0,
	EX_FAIL = 1,
	EX_USAGE_ = 64,
	EX_DATA_ = 65,
	EX_NOINPUT_ = 66,
	EX_NOHOST_ = 68,
	EX_UNAVAIL_ = 69,
	EX_SOFT_ = 70,
	EX_OSERR_ = 71,
	EX_IOERR_ = 74,
	EX_TEMPFAIL_ = 75,
	EX_PROTOCOL_ = 76,
	EX_NOPERM_ = 77,
};

/* The errno name ("ECONNREFUSED"), or "E?" for an unknown value. */
const char *out_errname(int err);

/* Look up an errno by name ("ECONNREFUSED"); returns -1 if unknown. */
int out_errno_from_name(const char *name);

/* strerror() with a lower-case first letter: "connection refused". */
const char *out_strerror(int err, char *buf, size_t size);

/* The sysexits code for an errno value: ECONNREFUSED -> 69, ETIMEDOUT -> 75. */
int out_exit_code(int err);

/* A default hint for an errno value, or NULL. */
const char *out_default_hint(int err);

/*
 * "PROG: WHAT: connection refused (ECONNREFUSED)" on stderr.  WHAT may be
 * NULL.  err 0 prints "PROG: WHAT" alone.
 */
void out_error(const char *prog, const char *what, int err);
/* "PROG: " + formatted message, on stderr. */
void out_errorf(const char *prog, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "hint: " + formatted message, on stderr. */
void out_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "PROG: warning: " + formatted message, on stderr. */
void out_warn(const char *prog, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Non-zero when colour may be used on fd. */
int out_color(int fd);
/* ANSI colour sequences, or "" when colour is off for stderr/stdout. */
const char *out_c(int fd, const char *sgr);

/*
 * Escape bytes for a terminal: printable ASCII, \n and \t pass; everything
 * else becomes \xHH (\r as \r, ESC as \x1b).  Writes at most size-1 bytes
 * plus NUL into dst and returns the length it wrote.  The caller keeps each
 * chunk small or calls again with the rest: *used says how many input bytes
 * were consumed.
 */
size_t out_escape(char *dst, size_t size, const void *src, size_t n,
		  size_t *used);

/*
 * Write peer bytes to fd: raw when fd is not a terminal, escaped when it
 * is.  Handles short writes and EINTR.  Returns 0, or -1 with errno set.
 */
int out_write_peer(int fd, const void *buf, size_t n);

/* Write all of buf, retrying short writes and EINTR; -1 with errno set. */
int out_write_all(int fd, const void *buf, size_t n);

/*
 * A hexdump in `hexdump -C` layout, preceded by a header line
 * "> 6 bytes sent at +0.000412s" (dir '>') or "< ... received" (dir '<').
 * *offset carries the running offset of that direction between calls.
 */
void out_hexdump(FILE *f, char dir, const void *buf, size_t n,
		 uint64_t *offset, double seconds);

/*
 * Tables and --json from one description.  rows is a JSON array of
 * objects; cols names the keys to show, in order, with their titles.  With
 * json set, each row is printed as one JSON object per line (JSON Lines);
 * otherwise an aligned table with a header.  Returns 0 or -1 with errno.
 */
struct out_col {
	const char *key;
	const char *title;
};
int out_table(FILE *f, json_t *rows, const struct out_col *cols, int ncols,
	      int json);

/* One JSON object on one line, then a newline.  Returns 0 or -1. */
int out_json_line(FILE *f, json_t *obj);

#endif
