/*
 * pair.c - `ipc sock pair`: a socketpair(2) between a parent and a forked
 * child, in each socket type, to show what becomes of message boundaries.
 * The child writes a few messages with separate write(2) calls and exits;
 * the parent reads them back with a large buffer and tells what each read
 * returned: a stream runs them together, datagram and seqpacket sockets
 * keep them apart, and only the connected types see end of file.
 */
#include <errno.h>
#include <string.h>

#include "child.h"
#include "sock.h"
#include "sys.h"

/* The parent's read buffer: larger than everything the child writes. */
#define READ_SIZE	4096

static struct {
	const char *type;
	int json;
} o;

static const struct opt pair_opts[] = {
	OPT_ONEOF('t', "type", &o.type, "TYPE", "stream|dgram|seqpacket",
		  "only this socket type (default: all three, one after "
		  "another)"),
	OPT_FLAG(0, "json", &o.json, "one JSON object per read"),
	OPT_STOP
};

static const struct {
	const char *name;
	int type;
} types[] = {
	{ "stream", SOCK_STREAM },
	{ "dgram", SOCK_DGRAM },
	{ "seqpacket", SOCK_SEQPACKET },
};

static const char *const messages[] = { "one", "two", "three" };

/*
 * The child: one write per message, then exit, which closes its end.  A
 * short write would be finished by a second write (out_write_all), which
 * on a datagram or seqpacket socket is a message of its own.
 */
static int
child_writes(const struct cli *cli, int fd)
{
	for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++)
		if (out_write_all(fd, messages[i], strlen(messages[i])) < 0)
			return fail(cli, "write", errno, NULL);
	return 0;
}

/* What one read says about the socket type. */
static const char *
meaning(int type, ssize_t n)
{
	if (n > 0 && type == SOCK_STREAM)
		return "a byte stream: the writes ran together, their "
		       "boundaries are gone";
	if (n > 0)
		return "one write, one read: the message boundary is kept";
	if (n == 0)
		return "end of file: the child's end is closed";
	return "EAGAIN: nothing queued, yet no end of file: a datagram "
	       "peer never hangs up, so a blocking read would wait forever";
}

/* One row: the read's number, what it returned, the bytes and the meaning. */
static void
add_row(json_t *rows, const char *name, int type, int nread, ssize_t n,
	const char *buf)
{
	json_t *row;

	row = json_pack("{s:s, s:i, s:I}", "type", name, "read", nread,
			"returned", (json_int_t)n);
	if (row == NULL)
		return;
	if (n < 0)
		json_object_set_new(row, "errno", json_string("EAGAIN"));
	if (n > 0)
		json_object_set_new(row, "data", json_stringn(buf, (size_t)n));
	json_object_set_new(row, "meaning", json_string(meaning(type, n)));
	json_array_append_new(rows, row);
}

/*
 * One socket type: the child writes and exits, the parent waits for it
 * and then reads until end of file or EAGAIN.  Waiting first needs no
 * sleep: once waitpid returns, every write is queued at the parent's end.
 */
static int
show_type(const struct cli *cli, const char *name, int type, json_t *rows)
{
	char buf[READ_SIZE];
	int sv[2], rc, nread = 1;
	pid_t pid;
	ssize_t n;

	if (sys_socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0)
		return fail(cli, "socketpair", errno, NULL);
	rc = child_start(cli, sv, child_writes, &pid);
	if (rc != 0)
		return rc;
	rc = child_wait(cli, pid);
	while (rc == 0) {
		/* See recv(2): MSG_DONTWAIT makes an empty queue EAGAIN. */
		n = sys_recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			rc = fail(cli, "recv", errno, NULL);
			break;
		}
		add_row(rows, name, type, nread++, n, buf);
		if (n <= 0)
			break;
	}
	sys_close(sv[0]);
	return rc;
}

static int
run_pair(struct cli *cli)
{
	static const struct out_col cols[] = {
		{ "type", "TYPE" }, { "read", "READ" },
		{ "returned", "RETURNED" }, { "data", "DATA" },
		{ "meaning", "MEANING" },
	};
	json_t *rows = json_array();
	int rc = 0;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]) && rc == 0;
	     i++)
		if (o.type == NULL || strcmp(o.type, types[i].name) == 0)
			rc = show_type(cli, types[i].name, types[i].type, rows);
	if (rc == 0 && !o.json)
		printf("child:  write(2) \"%s\", \"%s\" and \"%s\" on its "
		       "end, one call each, then exit\n"
		       "parent: waitpid(2) for the child, then recv(2) with "
		       "a %d-byte buffer and MSG_DONTWAIT until end of file "
		       "or EAGAIN\n\n", messages[0], messages[1], messages[2],
		       READ_SIZE);
	if (rc == 0 && out_table(stdout, rows, cols, 5, o.json) < 0)
		rc = fail(cli, "stdout", errno, NULL);
	json_decref(rows);
	return rc;
}

const struct verb sock_pair_verb = {
	.name = "pair",
	.summary = "a socketpair between parent and child: where message "
		   "boundaries go",
	.usage = "",
	.description =
		"For each socket type, makes a connected pair of Unix "
		"sockets with socketpair(2) and forks.  The child writes "
		"\"one\", \"two\" and \"three\" with three write(2) calls and "
		"exits.  The parent waits for it with waitpid(2), so every "
		"byte is already queued, then reads with one large buffer "
		"and MSG_DONTWAIT, and shows what each read returned.\n\n"
		"A stream (SOCK_STREAM) is bytes without boundaries: one read "
		"returns \"onetwothree\".  A datagram (SOCK_DGRAM) or "
		"seqpacket (SOCK_SEQPACKET) socket returns one message per "
		"read.  When the child's end closes, stream and seqpacket "
		"sockets read end of file (0); a datagram socket has no "
		"connection to end, so its read finds nothing (EAGAIN here; "
		"a blocking read would wait forever).  See socketpair(2) and "
		"unix(7).",
	.examples = (const char *const[]){
		"ipc sock pair\tall three types, one after another",
		"ipc sock pair --type seqpacket"
		"\tboundaries kept, and end of file at the end",
		"ipc sock pair --json --trace=json"
		"\tthe reads as JSON, and both processes' system calls",
		NULL },
	.opts = pair_opts,
	.min_args = 0, .max_args = 0,
	.run = run_pair,
};
