/*
 * sigs.c - signals by name and number, their default actions, si_code
 * names, and the signal masks of /proc/PID/status; see sigs.h, signal(7),
 * sigaction(2) and proc(5).
 */
#include "sigs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "num.h"
#include "sys.h"

/* Big enough for /proc/PID/status, which is about 1.5 KiB; see proc(5). */
#define STATUS_MAX	16384

/* The standard signals; see signal(7), "Standard signals". */
static const struct {
	int sig;
	const char *name;
	enum sigs_action action;
	const char *desc;
} standard[] = {
	{ SIGHUP, "SIGHUP", SIGS_TERM, "hangup: the terminal closed, or a "
	    "daemon is asked to reload" },
	{ SIGINT, "SIGINT", SIGS_TERM, "interrupt from the keyboard (Ctrl-C)" },
	{ SIGQUIT, "SIGQUIT", SIGS_CORE, "quit from the keyboard (Ctrl-\\)" },
	{ SIGILL, "SIGILL", SIGS_CORE, "illegal instruction" },
	{ SIGTRAP, "SIGTRAP", SIGS_CORE, "trace or breakpoint trap" },
	{ SIGABRT, "SIGABRT", SIGS_CORE, "abort(3) was called" },
	{ SIGBUS, "SIGBUS", SIGS_CORE, "bus error: a mapped page has no "
	    "file behind it any more" },
	{ SIGFPE, "SIGFPE", SIGS_CORE, "arithmetic error, such as an integer "
	    "divided by zero" },
	{ SIGKILL, "SIGKILL", SIGS_TERM, "kill: cannot be caught, blocked or "
	    "ignored" },
	{ SIGUSR1, "SIGUSR1", SIGS_TERM, "user-defined signal 1" },
	{ SIGSEGV, "SIGSEGV", SIGS_CORE, "invalid memory reference" },
	{ SIGUSR2, "SIGUSR2", SIGS_TERM, "user-defined signal 2" },
	{ SIGPIPE, "SIGPIPE", SIGS_TERM, "write to a pipe or socket nobody "
	    "reads" },
	{ SIGALRM, "SIGALRM", SIGS_TERM, "timer from alarm(2) or "
	    "setitimer(2) ITIMER_REAL" },
	{ SIGTERM, "SIGTERM", SIGS_TERM, "termination request: the polite "
	    "way to ask a process to end" },
	{ SIGSTKFLT, "SIGSTKFLT", SIGS_TERM, "stack fault on a coprocessor "
	    "(unused)" },
	{ SIGCHLD, "SIGCHLD", SIGS_IGN, "a child stopped, continued or "
	    "ended" },
	{ SIGCONT, "SIGCONT", SIGS_CONT, "continue if stopped" },
	{ SIGSTOP, "SIGSTOP", SIGS_STOP, "stop: cannot be caught, blocked or "
	    "ignored" },
	{ SIGTSTP, "SIGTSTP", SIGS_STOP, "stop typed at the terminal "
	    "(Ctrl-Z)" },
	{ SIGTTIN, "SIGTTIN", SIGS_STOP, "terminal input for a background "
	    "process" },
	{ SIGTTOU, "SIGTTOU", SIGS_STOP, "terminal output for a background "
	    "process" },
	{ SIGURG, "SIGURG", SIGS_IGN, "urgent (out-of-band) data on a "
	    "socket" },
	{ SIGXCPU, "SIGXCPU", SIGS_CORE, "CPU time limit exceeded "
	    "(RLIMIT_CPU)" },
	{ SIGXFSZ, "SIGXFSZ", SIGS_CORE, "file size limit exceeded "
	    "(RLIMIT_FSIZE)" },
	{ SIGVTALRM, "SIGVTALRM", SIGS_TERM, "virtual timer from "
	    "setitimer(2) ITIMER_VIRTUAL" },
	{ SIGPROF, "SIGPROF", SIGS_TERM, "profiling timer from setitimer(2) "
	    "ITIMER_PROF" },
	{ SIGWINCH, "SIGWINCH", SIGS_IGN, "the terminal window changed "
	    "size" },
	{ SIGIO, "SIGIO", SIGS_TERM, "I/O is possible on a descriptor "
	    "(O_ASYNC)" },
	{ SIGPWR, "SIGPWR", SIGS_TERM, "power failure" },
	{ SIGSYS, "SIGSYS", SIGS_CORE, "bad system call (seccomp)" },
};

#define NSTANDARD	(sizeof(standard) / sizeof(standard[0]))

/* Other names for the same signals, as kill(1) accepts them. */
static const struct {
	const char *name;
	int sig;
} aliases[] = {
	{ "SIGIOT", SIGABRT }, { "SIGPOLL", SIGIO }, { "SIGCLD", SIGCHLD },
};

/* The row of a standard signal, or -1. */
static int
find_standard(int sig)
{
	size_t i;

	for (i = 0; i < NSTANDARD; i++)
		if (standard[i].sig == sig)
			return (int)i;
	return -1;
}

/* "RTMIN", "RTMIN+n", "RTMAX", "RTMAX-n" (without "SIG"); -1 if not. */
static int
parse_rt(const char *s)
{
	long n = 0;
	int base, sign;

	if (strncasecmp(s, "RTMIN", 5) == 0) {
		base = SIGRTMIN;
		sign = 1;
	} else if (strncasecmp(s, "RTMAX", 5) == 0) {
		base = SIGRTMAX;
		sign = -1;
	} else {
		return -1;
	}
	s += 5;
	if (*s != '\0') {
		if (*s != (sign > 0 ? '+' : '-'))
			return -1;
		if ((n = num_decimal(s + 1, 0, SIGRTMAX - SIGRTMIN)) < 0)
			return -1;
	}
	return base + sign * (int)n;
}

int
sigs_parse(const char *s)
{
	const char *bare = s;
	long n;
	size_t i;
	int sig;

	if (s == NULL || *s == '\0') {
		errno = EINVAL;
		return -1;
	}
	if ((n = num_decimal(s, 0, SIGRTMAX)) >= 0)
		return (int)n;
	if (strncasecmp(s, "SIG", 3) == 0)
		bare = s + 3;
	for (i = 0; i < NSTANDARD; i++)
		if (strcasecmp(standard[i].name + 3, bare) == 0)
			return standard[i].sig;
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcasecmp(aliases[i].name + 3, bare) == 0)
			return aliases[i].sig;
	if ((sig = parse_rt(bare)) >= 0)
		return sig;
	errno = EINVAL;
	return -1;
}

const char *
sigs_name(int sig, char *buf, size_t size)
{
	int i = find_standard(sig);

	if (i >= 0)
		snprintf(buf, size, "%s", standard[i].name);
	else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		snprintf(buf, size, "SIGRTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(buf, size, "SIG%d", sig);
	return buf;
}

enum sigs_action
sigs_default(int sig)
{
	int i = find_standard(sig);

	return i >= 0 ? standard[i].action : SIGS_TERM;
}

const char *
sigs_action_name(enum sigs_action a)
{
	switch (a) {
	case SIGS_TERM:
		return "term";
	case SIGS_CORE:
		return "core";
	case SIGS_IGN:
		return "ignore";
	case SIGS_STOP:
		return "stop";
	case SIGS_CONT:
		return "cont";
	}
	return "term";
}

const char *
sigs_describe(int sig)
{
	int i = find_standard(sig);

	if (i >= 0)
		return standard[i].desc;
	if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		return "real-time signal: each one sent is queued and "
		       "delivered in order, with a value";
	if (sig > 0 && sig < SIGRTMIN)
		return "kept by glibc for its threads (see nptl(7))";
	return "no such signal";
}

/* The si_code values any signal may carry; see sigaction(2). */
static const struct {
	int code;
	const char *name;
	const char *meaning;
} any_codes[] = {
	{ SI_USER, "SI_USER", "sent by a process with kill(2) or "
	    "pidfd_send_signal(2)" },
	{ SI_KERNEL, "SI_KERNEL", "sent by the kernel" },
	{ SI_QUEUE, "SI_QUEUE", "sent by a process with sigqueue(3), with a "
	    "value" },
	{ SI_TIMER, "SI_TIMER", "a POSIX timer expired (timer_create(2))" },
	{ SI_MESGQ, "SI_MESGQ", "a message arrived on an empty POSIX "
	    "message queue" },
	{ SI_ASYNCIO, "SI_ASYNCIO", "asynchronous I/O completed" },
	{ SI_SIGIO, "SI_SIGIO", "a queued SIGIO" },
	{ SI_TKILL, "SI_TKILL", "sent to one thread with tgkill(2) or "
	    "pthread_kill(3)" },
};

/* The codes the kernel gives one signal (si_code > 0). */
static const struct {
	int sig, code;
	const char *name;
} sig_codes[] = {
	{ SIGCHLD, CLD_EXITED, "CLD_EXITED" },
	{ SIGCHLD, CLD_KILLED, "CLD_KILLED" },
	{ SIGCHLD, CLD_DUMPED, "CLD_DUMPED" },
	{ SIGCHLD, CLD_TRAPPED, "CLD_TRAPPED" },
	{ SIGCHLD, CLD_STOPPED, "CLD_STOPPED" },
	{ SIGCHLD, CLD_CONTINUED, "CLD_CONTINUED" },
	{ SIGSEGV, SEGV_MAPERR, "SEGV_MAPERR" },
	{ SIGSEGV, SEGV_ACCERR, "SEGV_ACCERR" },
	{ SIGBUS, BUS_ADRALN, "BUS_ADRALN" },
	{ SIGBUS, BUS_ADRERR, "BUS_ADRERR" },
	{ SIGBUS, BUS_OBJERR, "BUS_OBJERR" },
	{ SIGIO, POLL_IN, "POLL_IN" },
	{ SIGIO, POLL_OUT, "POLL_OUT" },
	{ SIGIO, POLL_HUP, "POLL_HUP" },
};

const char *
sigs_code_name(int sig, int code, char *buf, size_t size)
{
	size_t i;

	for (i = 0; i < sizeof(any_codes) / sizeof(any_codes[0]); i++)
		if (any_codes[i].code == code)
			return any_codes[i].name;
	for (i = 0; i < sizeof(sig_codes) / sizeof(sig_codes[0]); i++)
		if (sig_codes[i].sig == sig && sig_codes[i].code == code)
			return sig_codes[i].name;
	snprintf(buf, size, "%d", code);
	return buf;
}

const char *
sigs_code_meaning(int sig, int code)
{
	size_t i;

	(void)sig;
	for (i = 0; i < sizeof(any_codes) / sizeof(any_codes[0]); i++)
		if (any_codes[i].code == code)
			return any_codes[i].meaning;
	if (code > 0)
		return "sent by the kernel: a fault, or a child's change of "
		       "state";
	return "sent by a process";
}

int
sigs_mask_parse(const char *hex, uint64_t *mask)
{
	char *end;

	if (hex == NULL || strspn(hex, "0123456789abcdefABCDEF") !=
	    strlen(hex) || *hex == '\0' || strlen(hex) > 16) {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	*mask = strtoull(hex, &end, 16);
	return errno != 0 ? -1 : 0;
}

const char *
sigs_mask_names(uint64_t mask, char *buf, size_t size)
{
	char name[32];
	size_t len = 0;
	int sig, n;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	/* Bit N-1 stands for signal N; see proc(5). */
	for (sig = 1; sig <= 64 && len < size; sig++) {
		if (!(mask & (UINT64_C(1) << (sig - 1))))
			continue;
		n = snprintf(buf + len, size - len, "%s%s", len > 0 ? " " : "",
		    sigs_name(sig, name, sizeof(name)));
		if (n < 0)
			break;
		len += (size_t)n;
	}
	if (len == 0)
		snprintf(buf, size, "-");
	return buf;
}

/* Read all of path into buf (NUL-terminated); -1 with errno on failure. */
static int
read_small_file(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd, err;

	if ((fd = sys_open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while (len + 1 < size) {
		n = sys_read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			sys_close(fd);
			errno = err;
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return sys_close(fd);
}

/* The value of "KEY:\t..." in a status file, or NULL. */
static const char *
field(const char *text, const char *key, char *val, size_t size)
{
	size_t klen = strlen(key);
	const char *p = text, *end;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, klen) == 0 && p[klen] == ':') {
			p += klen + 1;
			p += strspn(p, " \t");
			end = strchrnul(p, '\n');
			snprintf(val, size, "%.*s", (int)(end - p), p);
			return val;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return NULL;
}

int
sigs_read_status(pid_t pid, struct sigs_status *st)
{
	static const char *const keys[] = {
		"SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt" };
	uint64_t *const masks[] = {
		&st->pnd, &st->shd, &st->blk, &st->ign, &st->cgt };
	char path[64], val[64], *text;
	size_t i;

	if (pid <= 0) {
		errno = EINVAL;
		return -1;
	}
	if ((text = malloc(STATUS_MAX)) == NULL)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_small_file(path, text, STATUS_MAX) < 0) {
		free(text);
		return -1;
	}
	memset(st, 0, sizeof(*st));
	if (field(text, "Name", val, sizeof(val)) != NULL)
		snprintf(st->name, sizeof(st->name), "%s", val);
	if (field(text, "Threads", val, sizeof(val)) != NULL)
		st->threads = atoi(val);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (field(text, keys[i], val, sizeof(val)) == NULL ||
		    sigs_mask_parse(val, masks[i]) < 0) {
			free(text);
			errno = EIO;
			return -1;
		}
	free(text);
	return 0;
}
