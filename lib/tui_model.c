/*
 * tui_model.c - the one model behind every view of `ipc tui`: schema-1
 * trace events in (docs/trace.md), tables out.  Nothing here draws.
 *
 * Each event updates the log and then, by its kind, the tables: syscalls
 * open and close descriptors and change signal masks, `fd` and `poll`
 * events set interest and readiness, `timer` events keep the timer heap,
 * `iter` and `callback` events describe the loop's turn, `task`/`future`
 * events the coroutines, and `state` events of the tls module the handshake.
 * Mappings, signal deliveries and pipe ends live in tui_model_mem.c, which
 * sees each event first, before the masks here change.
 *
 * The model keeps up with a busy server (100,000 events a second and
 * more): a line is read without allocating (tui_model_json.c), and the
 * log's ring reuses each slot's buffer, so a full ring allocates nothing.
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_model.h"

/* ---- strings ---- */

char *
tui_escape(char *dst, size_t size, const char *s)
{
	size_t o = 0;

	if (size == 0)
		return dst;
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f) {
			if (o + 4 >= size)
				break;
			snprintf(dst + o, 5, "\\x%02x", c);
			o += 4;
		} else {
			if (o + 1 >= size)
				break;
			dst[o++] = (char)c;
		}
	}
	dst[o] = '\0';
	return dst;
}

/* The length of s escaped by tui_escape(), without the NUL. */
static size_t
escaped_len(const char *s)
{
	size_t n = 0;

	for (; s != NULL && *s != '\0'; s++)
		n += (unsigned char)*s < 0x20 || *s == 0x7f ? 4 : 1;
	return n;
}

#define str_of	tui_json_str
#define int_of	tui_json_int

#define COPY(dst, src)	tui_escape((dst), sizeof(dst), (src))

/*
 * The arguments object as "key=value key=value" into out, escaped.  The
 * text before escaping is cut at 1 KiB, so 4 KiB always holds it escaped.
 */
#define ARGS_RAW	1024
#define ARGS_TEXT	(4 * ARGS_RAW)

static void
args_line(const struct tui_obj *args, char out[ARGS_TEXT])
{
	char buf[ARGS_RAW], val[64];
	const char *key;
	json_t *v;
	size_t o = 0;

	buf[0] = '\0';
	/* Read by jansson: its members in order, as tui_obj_parse() left them. */
	json_object_foreach((json_t *)args->json, key, v) {
		if (json_is_integer(v))
			snprintf(val, sizeof(val), "%lld",
				 (long long)json_integer_value(v));
		else
			snprintf(val, sizeof(val), "%s",
				 json_is_string(v) ? json_string_value(v) : "?");
		if (o < sizeof(buf))
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s=%s",
					      o ? " " : "", key, val);
	}
	/* Read by the fast reader: the same, from its fields. */
	for (int i = 0; args->json == NULL && i < args->n; i++) {
		const struct tui_field *f = &args->f[i];

		if (f->type == TUI_INT)
			snprintf(val, sizeof(val), "%lld", f->num);
		else
			snprintf(val, sizeof(val), "%s",
				 f->type == TUI_STR ? f->str : "?");
		if (o < sizeof(buf))
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s=%s",
					      o ? " " : "", f->key, val);
	}
	tui_escape(out, ARGS_TEXT, buf);
}

/* ---- signals: names to bits ---- */

/* The bit of "SIGUSR1", or 0 for a name we do not know; see sigabbrev_np(3). */
static uint64_t
sig_bit(const char *name, size_t len)
{
	for (int s = 1; s < 64; s++) {
		const char *abbrev = sigabbrev_np(s);

		if (abbrev != NULL && len == strlen(abbrev) + 3 &&
		    strncmp(name, "SIG", 3) == 0 &&
		    strncmp(name + 3, abbrev, len - 3) == 0)
			return (uint64_t)1 << (s - 1);
	}
	return 0;
}

/* "SIGINT|SIGTERM" or "SIGINT SIGTERM" as a mask. */
static uint64_t
sig_set(const char *s)
{
	uint64_t set = 0;

	while (*s != '\0') {
		size_t n = strcspn(s, "| ,");

		set |= sig_bit(s, n);
		s += n;
		s += strspn(s, "| ,");
	}
	return set;
}

uint64_t
tui_sigset_parse(const char *s)
{
	return sig_set(s);
}

const char *
tui_sigset_str(uint64_t set, char *buf, size_t size)
{
	size_t o = 0;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (int s = 1; s < 64 && o < size; s++) {
		const char *abbrev = sigabbrev_np(s);

		if ((set & ((uint64_t)1 << (s - 1))) && abbrev != NULL)
			o += (size_t)snprintf(buf + o, size - o, "%sSIG%s",
					      o ? " " : "", abbrev);
	}
	if (buf[0] == '\0')
		snprintf(buf, size, "-");
	return buf;
}

/* ---- tables ---- */

static struct tui_fd *
fd_find(struct tui_model *m, int fd)
{
	for (int i = 0; i < m->nfds; i++)
		if (m->fds[i].fd == fd)
			return &m->fds[i];
	return NULL;
}

/* The entry for fd, made (empty) when new; NULL when the table is full. */
static struct tui_fd *
fd_get(struct tui_model *m, int fd)
{
	struct tui_fd *f = fd_find(m, fd);

	if (f != NULL || fd < 0 || m->nfds == TUI_FDS)
		return f;
	f = &m->fds[m->nfds++];
	memset(f, 0, sizeof(*f));
	f->fd = fd;
	return f;
}

static void
fd_drop(struct tui_model *m, int fd)
{
	struct tui_fd *f = fd_find(m, fd);

	if (f != NULL)
		*f = m->fds[--m->nfds];
}

static struct tui_proc *
proc_get(struct tui_model *m, int pid)
{
	for (int i = 0; i < m->nprocs; i++)
		if (m->procs[i].pid == pid)
			return &m->procs[i];
	if (pid <= 0 || m->nprocs == TUI_PROCS)
		return NULL;
	memset(&m->procs[m->nprocs], 0, sizeof(m->procs[0]));
	m->procs[m->nprocs].pid = pid;
	COPY(m->procs[m->nprocs].state, "running");
	return &m->procs[m->nprocs++];
}

const struct tui_proc *
tui_model_proc(const struct tui_model *m, int pid)
{
	for (int i = 0; i < m->nprocs; i++)
		if (m->procs[i].pid == pid)
			return &m->procs[i];
	return NULL;
}

/* A new descriptor: its kind is what made it. */
static void
fd_opened(struct tui_model *m, int fd, const char *kind, const char *peer)
{
	struct tui_fd *f;

	fd_drop(m, fd);
	f = fd_get(m, fd);
	if (f == NULL)
		return;
	COPY(f->kind, kind);
	COPY(f->peer, peer);
}

/* What a syscall event says about descriptors and processes. */
static void
on_syscall(struct tui_model *m, const struct tui_event *e, const struct tui_obj *args,
	   struct tui_proc *p)
{
	const char *c = e->call;
	struct tui_fd *f;

	if (e->ret >= 0 && strcmp(c, "close") == 0) {
		fd_drop(m, e->fd);
		return;
	}
	if (e->ret >= 0 && strcmp(c, "socket") == 0)
		fd_opened(m, (int)e->ret, str_of(args, "type"), "");
	else if (e->ret >= 0 && strncmp(c, "accept", 6) == 0)
		fd_opened(m, (int)e->ret, "accepted", str_of(args, "peer"));
	else if (e->ret >= 0 && strcmp(c, "socketpair") == 0) {
		fd_opened(m, (int)int_of(args, "sv0", -1), "socketpair", "");
		fd_opened(m, (int)int_of(args, "sv1", -1), "socketpair", "");
	} else if (e->ret >= 0 && strncmp(c, "pipe", 4) == 0) {
		fd_opened(m, (int)int_of(args, "read_fd", -1), "pipe (read)", "");
		fd_opened(m, (int)int_of(args, "write_fd", -1), "pipe (write)", "");
	} else if (e->ret >= 0 && e->fd < 0 &&
		   (strncmp(c, "epoll_create", 12) == 0 ||
		    strcmp(c, "open") == 0 || strcmp(c, "openat") == 0 ||
		    strcmp(c, "eventfd") == 0 || strcmp(c, "signalfd") == 0 ||
		    strncmp(c, "timerfd", 7) == 0 || strcmp(c, "shm_open") == 0 ||
		    strcmp(c, "memfd_create") == 0 ||
		    strcmp(c, "pidfd_open") == 0))
		fd_opened(m, (int)e->ret, c, str_of(args, "path"));
	else if (e->ret > 0 && strcmp(c, "fork") == 0) {
		struct tui_proc *child = proc_get(m, (int)e->ret);

		if (child != NULL)
			child->ppid = e->pid;
	} else if (e->ret == 0 && p != NULL && strcmp(c, "fork") == 0 &&
		   int_of(args, "ppid", 0) > 0) {
		/* The child's side, which may come before the parent's. */
		p->ppid = (int)int_of(args, "ppid", 0);
	} else if (e->ret > 0 && strcmp(c, "waitpid") == 0) {
		struct tui_proc *child = proc_get(m, (int)e->ret);

		if (child != NULL)
			snprintf(child->state, sizeof(child->state),
				 "reaped: %.60s", str_of(args, "status"));
	} else if (e->ret >= 0 && p != NULL && strcmp(c, "sigprocmask") == 0) {
		const char *how = str_of(args, "how");
		uint64_t set = sig_set(str_of(args, "set"));

		if (strcmp(how, "SIG_BLOCK") == 0)
			p->blocked |= set;
		else if (strcmp(how, "SIG_UNBLOCK") == 0) {
			p->delivered |= p->pending & set;
			p->pending &= ~set;
			p->blocked &= ~set;
		} else if (strcmp(how, "SIG_SETMASK") == 0) {
			p->delivered |= p->pending & ~set;
			p->pending &= set;
			p->blocked = set;
		}
	} else if (e->ret >= 0 && p != NULL && strcmp(c, "sigaction") == 0) {
		uint64_t bit = sig_set(str_of(args, "sig"));
		const char *h = str_of(args, "handler");

		p->caught &= ~bit;
		p->ignored &= ~bit;
		if (strcmp(h, "SIG_IGN") == 0)
			p->ignored |= bit;
		else if (h[0] != '\0' && strcmp(h, "SIG_DFL") != 0)
			p->caught |= bit;
	} else if (e->ret >= 0 && p != NULL && strcmp(c, "sigpending") == 0)
		p->pending = sig_set(str_of(args, "pending"));
	else if (e->ret == 0 && p != NULL && strcmp(c, "kill") == 0 &&
		 int_of(args, "pid", 0) == p->pid) {
		uint64_t bit = sig_set(str_of(args, "sig"));

		if (p->blocked & bit)
			p->pending |= bit;
		else
			p->delivered |= bit;
	}
	/* Any call on a descriptor we know of becomes its state. */
	f = e->fd >= 0 ? fd_find(m, e->fd) : NULL;
	if (f == NULL)
		return;
	snprintf(f->state, sizeof(f->state), "%s%s%s", c, e->err[0] ? " " : "",
		 e->err);
	if (e->ret >= 0 && strcmp(c, "connect") == 0)
		COPY(f->peer, str_of(args, "addr"));
	else if (strcmp(c, "connect") == 0 && strcmp(e->err, "EINPROGRESS") == 0)
		COPY(f->peer, str_of(args, "addr"));
	else if (e->ret >= 0 && strcmp(c, "bind") == 0)
		COPY(f->peer, str_of(args, "addr"));
}

/* Mark each fd in "5:IN 7:IN|OUT"; with set_interest, also its interest. */
static void
fd_list(struct tui_model *m, const char *s, int set_interest)
{
	while (*s != '\0') {
		char *end;
		long fd = strtol(s, &end, 10);
		size_t n;
		struct tui_fd *f;

		if (end == s || *end != ':')
			return;
		s = end + 1;
		n = strcspn(s, " ");
		f = fd_get(m, (int)fd);
		if (f != NULL && set_interest)
			snprintf(f->interest, sizeof(f->interest), "%.*s",
				 (int)n, s);
		else if (f != NULL)
			f->ready = 1;
		s += n;
		s += strspn(s, " ");
	}
}

static void
timer_remove(struct tui_model *m, const char *name)
{
	for (int i = 0; i < m->ntimers; i++)
		if (strcmp(m->timers[i].name, name) == 0) {
			memmove(&m->timers[i], &m->timers[i + 1],
				(size_t)(m->ntimers - i - 1) *
				sizeof(m->timers[0]));
			m->ntimers--;
			return;
		}
}

/* Insert keeping firing order; a later equal deadline goes after. */
static void
timer_add(struct tui_model *m, const char *name, long long at)
{
	int i = m->ntimers;

	if (m->ntimers == TUI_TIMERS)
		return;
	while (i > 0 && m->timers[i - 1].at_ns > at) {
		m->timers[i] = m->timers[i - 1];
		i--;
	}
	m->timers[i].at_ns = at;
	COPY(m->timers[i].name, name);
	m->ntimers++;
}

static void
on_task(struct tui_model *m, const struct tui_event *e, const struct tui_obj *args)
{
	const char *name = str_of(args, "name");
	int i;

	for (i = 0; i < m->ntasks; i++)
		if (strcmp(m->tasks[i].name, name) == 0 &&
		    strcmp(m->tasks[i].kind, e->ev) == 0)
			break;
	if (i == m->ntasks) {
		if (m->ntasks == TUI_TASKS)
			return;
		m->ntasks++;
		COPY(m->tasks[i].kind, e->ev);
		COPY(m->tasks[i].name, name);
	}
	COPY(m->tasks[i].state, str_of(args, "what"));
}

/* What a loop, task or state event says. */
static void
on_event(struct tui_model *m, const struct tui_event *e, const struct tui_obj *args,
	 struct tui_proc *p)
{
	const char *ev = e->ev, *what = str_of(args, "what");

	if (strcmp(ev, "iter") == 0) {
		m->iter = int_of(args, "iter", m->iter);
		m->ready = int_of(args, "ready", 0);
		m->timeout_ms = int_of(args, "timeout_ms", -1);
		m->nran = 0;
	} else if (strcmp(ev, "callback") == 0) {
		if (m->nran < TUI_RAN)
			COPY(m->ran[m->nran++], str_of(args, "name"));
	} else if (strcmp(ev, "poll") == 0) {
		for (int i = 0; i < m->nfds; i++)
			m->fds[i].ready = 0;
		COPY(m->backend, str_of(args, "backend"));
		fd_list(m, str_of(args, "ready"), 0);
	} else if (strcmp(ev, "fd") == 0) {
		struct tui_fd *f = fd_get(m, (int)int_of(args, "fd", -1));

		if (f != NULL)
			COPY(f->interest, strcmp(what, "remove") == 0 ? "" :
			     str_of(args, "interest"));
	} else if (strcmp(ev, "timer") == 0) {
		timer_remove(m, str_of(args, "name"));
		if (strcmp(what, "add") == 0)
			timer_add(m, str_of(args, "name"),
				  e->t_ns + int_of(args, "in_ns", 0));
	} else if (strcmp(ev, "task") == 0 || strcmp(ev, "future") == 0) {
		on_task(m, e, args);
	} else if (strcmp(ev, "state") == 0 && strcmp(e->mod, "tls") == 0) {
		if (m->ntls < TUI_TLS)
			COPY(m->tls[m->ntls++], e->note);
	} else if (strcmp(ev, "bye") == 0 && p != NULL) {
		m->bye = 1;
		if (strcmp(p->state, "running") == 0)
			COPY(p->state, "trace closed");
	}
}

/* ---- the log ---- */

/* Empty e; its slot keeps the buffer for the next event. */
static void
event_clear(struct tui_event *e)
{
	char *buf = e->buf;
	size_t cap = e->cap;

	memset(e, 0, sizeof(*e));
	e->buf = buf;
	e->cap = cap;
}

/* The slot the next event goes to: the oldest one when the ring is full. */
static struct tui_event *
log_next(struct tui_model *m)
{
	if (m->log_len == m->log_cap)
		return &m->log[m->log_start];
	return &m->log[(m->log_start + m->log_len) % m->log_cap];
}

/* Take log_next()'s slot, evicting the oldest event when full. */
static struct tui_event *
log_slot(struct tui_model *m)
{
	struct tui_event *e;

	if (m->log_len == m->log_cap) {
		event_clear(&m->log[m->log_start]);
		m->log_start = (m->log_start + 1) % m->log_cap;
		m->log_len--;
		m->dropped++;
	}
	e = &m->log[(m->log_start + m->log_len) % m->log_cap];
	m->log_len++;
	return e;
}

const struct tui_event *
tui_model_event(const struct tui_model *m, size_t i)
{
	if (i >= m->log_len)
		return NULL;
	return &m->log[(m->log_start + i) % m->log_cap];
}

/*
 * Make room in e's buffer for n bytes; the contents are kept, and so is
 * the buffer when realloc(3) fails.  The first events of a session grow
 * it; once the ring has wrapped, slots rarely need to.  Returns 0, or -1
 * with errno ENOMEM.
 */
static int
slot_reserve(struct tui_event *e, size_t n)
{
	char *buf;

	if (n <= e->cap)
		return 0;
	if ((buf = realloc(e->buf, n)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	e->buf = buf;
	e->cap = n;
	return 0;
}

/*
 * Put the event read into l, and its line, into the ring's next slot.
 * Nothing changes when it fails: returns the slot, or NULL with errno
 * ENOMEM.
 */
static struct tui_event *
event_add(struct tui_model *m, const struct tui_line *l, const char *line,
	  size_t len)
{
	const struct tui_obj *o = &l->top;
	char args[ARGS_TEXT];
	const char *note = str_of(o, "note");
	size_t alen, nlen = escaped_len(note);
	struct tui_event *e;

	args_line(tui_obj_args(l), args);
	alen = strlen(args);
	len = strnlen(line, len);
	if (slot_reserve(log_next(m), alen + 1 + nlen + 1 + len + 1) == -1)
		return NULL;
	e = log_slot(m);
	e->args = memcpy(e->buf, args, alen + 1);
	e->note = tui_escape(e->args + alen + 1, nlen + 1, note);
	e->line = e->note + nlen + 1;
	memcpy(e->line, line, len);
	e->line[len] = '\0';
	e->seq = int_of(o, "seq", 0);
	e->t_ns = int_of(o, "t_ns", 0);
	e->pid = (int)int_of(o, "pid", 0);
	e->fd = (int)int_of(o, "fd", -1);
	e->ret = int_of(o, "ret", 0);
	e->injected = tui_json_type(o, "injected") == TUI_TRUE;
	COPY(e->mod, str_of(o, "mod"));
	COPY(e->ev, str_of(o, "ev"));
	COPY(e->call, str_of(o, "call"));
	COPY(e->err, str_of(o, "errno"));
	return e;
}

/*
 * hello's argv as one line, the program by its base name ("ipc loop demo
 * hello-soon", wherever ipc lives); only jansson reads arrays (see
 * tui_obj_parse).
 */
static void
hello_argv(struct tui_model *m, const struct tui_line *l)
{
	json_t *argv = json_object_get(l->json, "argv"), *a;
	size_t i, off = 0;
	char buf[TUI_TEXT];

	buf[0] = '\0';
	json_array_foreach(argv, i, a) {
		const char *s = json_is_string(a) ? json_string_value(a) : "";

		if (i == 0 && strrchr(s, '/') != NULL)
			s = strrchr(s, '/') + 1;
		if (off < sizeof(buf))
			off += (size_t)snprintf(buf + off, sizeof(buf) - off,
						"%s%s", i ? " " : "", s);
	}
	COPY(m->argv, buf);
}

/* What the line says, once read into l; see tui_model_feed(). */
static int
feed_line(struct tui_model *m, const struct tui_line *l, const char *line,
	  size_t len)
{
	const struct tui_obj *o = &l->top, *args;
	struct tui_event *e;
	struct tui_proc *p;

	if (tui_json_type(o, "ev") != TUI_STR ||
	    (strcmp(str_of(o, "ev"), "hello") == 0 &&
	     int_of(o, "schema", 0) != 1)) {
		m->bad++;
		errno = EINVAL;
		return -1;
	}
	/* A gate is the stepping protocol, not the program: count it only. */
	if (strcmp(str_of(o, "ev"), "gate") == 0) {
		m->gates++;
		COPY(m->gate, str_of(o, "kind"));
		return 0;
	}
	if ((e = event_add(m, l, line, len)) == NULL)
		return -1;
	m->fed++;
	m->now_ns = e->t_ns;
	args = tui_obj_args(l);
	p = proc_get(m, e->pid);
	tui_mem_feed(m, e, args);
	tui_net_feed(m, e, args);
	if (strcmp(e->ev, "hello") == 0) {
		m->hello = 1;
		hello_argv(m, l);
	} else if (strcmp(e->ev, "syscall") == 0)
		on_syscall(m, e, args, p);
	else
		on_event(m, e, args, p);
	return 0;
}

int
tui_model_feed(struct tui_model *m, const char *line, size_t len)
{
	struct tui_line l;
	int ret;

	if (tui_obj_parse(&l, line, len) == -1) {
		m->bad++;
		return -1;
	}
	ret = feed_line(m, &l, line, len);
	tui_obj_done(&l);
	return ret;
}

void
tui_model_lost(struct tui_model *m, unsigned long long n)
{
	m->dropped += n;
}

/* ---- life ---- */

void
tui_model_reset(struct tui_model *m)
{
	struct tui_event *log = m->log;
	size_t cap = m->log_cap;

	for (size_t i = 0; i < m->log_len; i++)
		event_clear(&log[(m->log_start + i) % cap]);
	memset(m, 0, sizeof(*m));
	m->log = log;
	m->log_cap = cap;
	m->iter = -1;
	m->timeout_ms = -1;
}

struct tui_model *
tui_model_new(size_t log_cap)
{
	struct tui_model *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->log_cap = log_cap > 0 ? log_cap : 1;
	m->log = calloc(m->log_cap, sizeof(*m->log));
	if (m->log == NULL) {
		free(m);
		errno = ENOMEM;
		return NULL;
	}
	tui_model_reset(m);
	return m;
}

void
tui_model_free(struct tui_model *m)
{
	if (m == NULL)
		return;
	tui_model_reset(m);
	for (size_t i = 0; i < m->log_cap; i++)
		free(m->log[i].buf);
	free(m->log);
	free(m);
}
