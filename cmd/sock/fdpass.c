/*
 * fdpass.c - `ipc sock fdpass [PATH]`: hand an open file descriptor to
 * another process over a Unix socket (SCM_RIGHTS, see unix(7)), and show
 * that the receiver holds the same open file: a new number in its own fd
 * table, but the same file offset.
 *
 * The parent forks first and opens the file afterwards, so the child
 * cannot have inherited it: the only way in is the message.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "child.h"
#include "sock.h"
#include "sys.h"

/* What the demo file holds, and how much of it the child reads. */
#define DEMO_TEXT	"hello, world\n"
#define CHILD_READ	5
/* The most bytes the parent reads and shows. */
#define SHOW_MAX	64

static struct {
	int socket;
} o;

static const struct opt fdpass_opts[] = {
	OPT_FLAG('s', "socket", &o.socket,
		 "pass one end of a new socketpair instead of a file; the "
		 "child talks to the parent on it"),
	OPT_STOP
};

/*
 * Control message space for one fd, aligned as a cmsghdr must be.  See
 * cmsg(3).
 */
union fd_cmsg {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(int))];
};

/* Bytes on one line: \n shown as \n, the rest escaped by out_escape(). */
static const char *
quoted(char *dst, size_t size, const char *src, size_t n)
{
	size_t len = 0, used;

	for (size_t i = 0; i < n && len + 5 < size; i++) {
		if (src[i] == '\n') {
			memcpy(dst + len, "\\n", 2);
			len += 2;
		} else {
			len += out_escape(dst + len, size - len, src + i, 1,
					  &used);
		}
	}
	dst[len] = '\0';
	return dst;
}

/*
 * sendmsg(2) one record: the data is fd's number here, for the child to
 * print; the SCM_RIGHTS control message carries the descriptor itself.
 * Returns 0, or -1 with errno set.
 */
static int
send_fd(int sock, int fd)
{
	union fd_cmsg ctl;
	struct iovec iov = { .iov_base = &fd, .iov_len = sizeof(fd) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	printf("parent: sendmsg(2) on fd %d: SCM_RIGHTS carrying fd %d\n",
	       sock, fd);
	/* Flushed before the child can wake and print its own lines. */
	fflush(stdout);
	do
		n = sys_sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

/*
 * recvmsg(2) the record send_fd() sent.  MSG_CMSG_CLOEXEC gives the new
 * descriptor close-on-exec as it is made.  Returns the new fd and sets
 * *theirs to the parent's number for it; or -1 with errno set: 0 when
 * the parent closed its end without sending, EBADMSG when the message is
 * not what send_fd() sends.
 */
static int
recv_fd(int sock, int *theirs)
{
	union fd_cmsg ctl;
	struct iovec iov = { .iov_base = theirs, .iov_len = sizeof(*theirs) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	ssize_t n;
	int fd;

	do
		n = sys_recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		if (n == 0)
			errno = 0;
		return -1;
	}
	c = CMSG_FIRSTHDR(&msg);
	if (c == NULL || c->cmsg_level != SOL_SOCKET ||
	    c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int))) {
		errno = EBADMSG;
		return -1;
	}
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	/* See unix(7): with MSG_CTRUNC, fds that did not fit were closed. */
	if (n != sizeof(*theirs) || (msg.msg_flags & MSG_CTRUNC)) {
		sys_close(fd);
		errno = EBADMSG;
		return -1;
	}
	return fd;
}

/* The child's turn with a file: read the first bytes. */
static int
child_reads(const struct cli *cli, int fd)
{
	char buf[CHILD_READ], show[4 * CHILD_READ + 1], what[32];
	ssize_t n;

	do
		n = sys_read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		snprintf(what, sizeof(what), "fd %d", fd);
		return fail(cli, what, errno, errno == EISDIR
			    ? "a directory cannot be read with read(2); pass "
			      "a regular file" : NULL);
	}
	printf("child:  read(2) %zd byte%s from fd %d: \"%s\"\n", n,
	       n == 1 ? "" : "s", fd,
	       quoted(show, sizeof(show), buf, (size_t)n));
	return 0;
}

/* The child's turn with a socket: say hello to the parent on it. */
static int
child_writes(const struct cli *cli, int fd)
{
	char msg[64], show[4 * sizeof(msg)];
	int len;

	len = snprintf(msg, sizeof(msg), "hello from pid %d\n", (int)getpid());
	if (out_write_all(fd, msg, (size_t)len) < 0)
		return fail(cli, "write", errno, NULL);
	printf("child:  write(2) %d bytes on fd %d: \"%s\"\n", len, fd,
	       quoted(show, sizeof(show), msg, (size_t)len));
	return 0;
}

/* The child: take the descriptor, show it is close-on-exec, use it. */
static int
child_main(const struct cli *cli, int sock)
{
	int fd, theirs, flags, rc;

	/*
	 * Nothing sent means the parent failed and says why; the child has
	 * nothing to add.
	 */
	fd = recv_fd(sock, &theirs);
	if (fd < 0 && errno == 0)
		return 0;
	if (fd < 0)
		return fail(cli, "recvmsg", errno, errno == EBADMSG
			    ? "the message held no single SCM_RIGHTS "
			      "descriptor" : NULL);
	flags = sys_fcntl(fd, F_GETFD);
	printf("child:  recvmsg(2) on fd %d gave fd %d for the parent's "
	       "fd %d (close-on-exec: %s)\n", sock, fd, theirs,
	       flags >= 0 && (flags & FD_CLOEXEC) ? "yes" : "no");
	rc = o.socket ? child_writes(cli, fd) : child_reads(cli, fd);
	sys_close(fd);
	return rc;
}

/*
 * The demo file: made with mkostemp(3), which creates a new file under a
 * unique name with open(2) and O_EXCL (inside libc, so the trace does not
 * show it), filled, then opened a second time for reading.
 * That second open(2) has its own open file description, at offset 0.
 * The name is removed at once; the file lives while a descriptor does.
 */
static int
open_demo(const struct cli *cli, int *fd)
{
	const char *dir = getenv("TMPDIR");
	char path[PATH_MAX], show[4 * sizeof(DEMO_TEXT)];
	int w, rc = 0;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if (snprintf(path, sizeof(path), "%s/ipc-fdpass-XXXXXX", dir) >=
	    (int)sizeof(path))
		return fail(cli, dir, ENAMETOOLONG, "set TMPDIR to a shorter "
			    "directory");
	w = mkostemp(path, O_CLOEXEC);
	if (w < 0)
		return fail(cli, path, errno, "set TMPDIR to a directory you "
			    "may write to");
	if (out_write_all(w, DEMO_TEXT, strlen(DEMO_TEXT)) < 0)
		rc = fail(cli, path, errno, NULL);
	else if ((*fd = sys_open(path, O_RDONLY | O_CLOEXEC)) < 0)
		rc = fail(cli, path, errno, NULL);
	sys_unlink(path);
	sys_close(w);
	if (rc == 0)
		printf("parent: opened a new file holding \"%s\" as fd %d, "
		       "after the fork\n", quoted(show, sizeof(show),
		       DEMO_TEXT, strlen(DEMO_TEXT)), *fd);
	return rc;
}

/* A hint for a PATH that open(2) refused. */
static const char *
open_hint(int err)
{
	if (err == ENOENT)
		return "no such file; give a file to pass, or no PATH for a "
		       "demo file";
	if (err == EACCES)
		return "you may not read that file; check its permissions "
		       "with 'ls -l'";
	return NULL;
}

/* Open PATH, or the demo file, and send it.  *fd is what we keep. */
static int
pass_file(const struct cli *cli, const char *path, int sock, int *fd)
{
	int rc;

	if (path == NULL) {
		rc = open_demo(cli, fd);
		if (rc != 0)
			return rc;
	} else {
		*fd = sys_open(path, O_RDONLY | O_CLOEXEC);
		if (*fd < 0)
			return fail(cli, path, errno, open_hint(errno));
		printf("parent: opened %s as fd %d, after the fork\n", path,
		       *fd);
	}
	return send_fd(sock, *fd) < 0 ? fail(cli, "sendmsg", errno, NULL) : 0;
}

/*
 * A new socketpair; one end goes to the child and our copy of it is
 * closed, so that the child's exit ends the stream.  *fd is our end.
 */
static int
pass_socket(const struct cli *cli, int sock, int *fd)
{
	int sp[2], rc = 0;

	if (sys_socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return fail(cli, "socketpair", errno, NULL);
	printf("parent: socketpair(2) after the fork: fd %d and fd %d; fd %d "
	       "goes to the child, then the parent closes it\n",
	       sp[0], sp[1], sp[1]);
	*fd = sp[0];
	if (send_fd(sock, sp[1]) < 0)
		rc = fail(cli, "sendmsg", errno, NULL);
	sys_close(sp[1]);
	return rc;
}

/* After the child: read on from the file, where the child stopped. */
static int
read_rest(const struct cli *cli, int fd)
{
	char buf[SHOW_MAX], show[4 * SHOW_MAX + 1];
	ssize_t n;

	do
		n = sys_read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return fail(cli, "read", errno, NULL);
	printf("parent: read(2) %zd byte%s from fd %d: \"%s\"\n"
	       "parent: it went on where the child stopped: both fds refer "
	       "to one open file description, and it holds the offset\n",
	       n, n == 1 ? "" : "s", fd,
	       quoted(show, sizeof(show), buf, (size_t)n));
	return 0;
}

/* After the child: read what it said on the passed socket, to EOF. */
static int
read_hello(const struct cli *cli, int fd)
{
	char buf[SHOW_MAX], show[4 * SHOW_MAX + 1];
	size_t len = 0;
	ssize_t n = -1;

	while (len < sizeof(buf) && n != 0) {
		n = sys_read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(cli, "read", errno, NULL);
		len += (size_t)n;
	}
	printf("parent: read(2) %zu bytes from fd %d: \"%s\"%s\n", len, fd,
	       quoted(show, sizeof(show), buf, len), n == 0
	       ? ", then end of file: the child's exit closed the passed end"
	       : "");
	return 0;
}

static int
run_fdpass(struct cli *cli)
{
	const char *path = cli->argc > 0 ? cli->argv[0] : NULL;
	int sv[2], fd = -1, rc, child_rc;
	pid_t pid;

	if (o.socket && path != NULL)
		return usage_error(cli, "--socket passes a socket: no PATH");
	/* Seqpacket: the number and the descriptor arrive as one record. */
	if (sys_socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return fail(cli, "socketpair", errno, NULL);
	rc = child_start(cli, sv, child_main, &pid);
	if (rc != 0)
		return rc;
	rc = o.socket ? pass_socket(cli, sv[0], &fd)
		      : pass_file(cli, path, sv[0], &fd);
	fflush(stdout);
	/* The child sees end of file here if nothing was sent. */
	sys_close(sv[0]);
	/*
	 * A child that failed is the first cause: the parent's own error
	 * (EPIPE on sendmsg, say) follows from it.
	 */
	child_rc = child_wait(cli, pid);
	if (child_rc != 0)
		rc = child_rc;
	if (rc == 0)
		rc = o.socket ? read_hello(cli, fd) : read_rest(cli, fd);
	if (fd >= 0)
		sys_close(fd);
	return rc;
}

const struct verb sock_fdpass_verb = {
	.name = "fdpass",
	.summary = "pass an open file descriptor to another process "
		   "(SCM_RIGHTS)",
	.usage = "[PATH]",
	.description =
		"Forks, then the parent opens a file (PATH, or a new "
		"temporary file holding \"hello, world\") and sends the "
		"descriptor to the child over a Unix socket: sendmsg(2) with "
		"an SCM_RIGHTS control message.  The child could not have "
		"inherited it, since it was opened after the fork.  The "
		"child takes it with recvmsg(2) and MSG_CMSG_CLOEXEC, gets "
		"a number of its own, reads 5 bytes, and exits.  Then the "
		"parent reads from its own fd and goes on at offset 5: the "
		"two descriptors share one open file description, offset "
		"included.  See unix(7) and cmsg(3).\n\n"
		"With --socket the parent passes one end of a new "
		"socketpair instead, and the child talks to the parent on "
		"it.  A PATH that cannot be opened exits as open(2) failed: "
		"66 for a missing file (ENOENT), 77 when permission is "
		"denied.",
	.examples = (const char *const[]){
		"ipc sock fdpass\tpass a temporary file; the offset is shared",
		"ipc sock fdpass /etc/hostname\tpass a file of yours",
		"ipc sock fdpass --socket\tpass a connected socket instead",
		"ipc sock fdpass --trace=json"
		"\tthe sendmsg and recvmsg calls of both processes",
		NULL },
	.opts = fdpass_opts,
	.min_args = 0, .max_args = 1,
	.args_hint = "@file",
	.run = run_fdpass,
};
