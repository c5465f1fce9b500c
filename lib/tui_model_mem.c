/*
 * tui_model_mem.c - the part of the model behind the mmap view and the
 * Processes view's pipes and signal arrows:
 *
 *	mappings	each mmap(2) of each process, one cell per page: not
 *			resident, resident, written shared, written private;
 *	deliveries	the last few signals that reached a process, with
 *			sender and target, so a view can show the newest;
 *	pipes		which descriptor of which process holds which end of
 *			which pipe, through pipe2, dup2, fork, exec and close.
 *
 * Everything comes from schema-1 events (docs/trace.md).  A store into a
 * mapping is no system call, so the mmap applet says so with a `state`
 * event ({"what":"write","addr":..,"len":..,"map":"MAP_SHARED"}), and
 * mincore(2) events carry the page vector ("vec":"1100").  A delivery is
 * a kill(2) a process sends itself while the signal is unblocked, a
 * blocked one let in by sigprocmask(2), or a `state` event
 * ({"what":"delivered","sig":..,"from":..}) from `ipc sig catch`.
 *
 * A forked child's first events can reach us before its parent's fork
 * event does (both processes write to the sink at once).  The child's
 * fork event names its parent ("ppid"), so the copy is made from there.
 * A trace without ppid falls back on seq: the child's goes on from its
 * parent's number, so the parent is the process whose newest seq is one
 * less; failing that, the parent's fork event hands over the copy.
 * Either way the copy is made once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_model.h"

/* ---- arguments ---- */

/* Does the string argument key name word ("O_CLOEXEC" in the flags)? */
static int
arg_has(const struct tui_obj *args, const char *key, const char *word)
{
	return strstr(tui_json_str(args, key), word) != NULL;
}

/* An address as the trace writes it, "0x7f8be13aa000"; 0 when absent. */
static unsigned long long
arg_addr(const struct tui_obj *args, const char *key)
{
	return strtoull(tui_json_str(args, key), NULL, 16);
}

/* ---- processes ---- */

static struct tui_seen *
seen_get(struct tui_mem *mm, int pid)
{
	struct tui_seen *s;

	for (int i = 0; i < mm->nseen; i++)
		if (mm->seen[i].pid == pid)
			return &mm->seen[i];
	if (pid <= 0 || mm->nseen == TUI_PROCS)
		return NULL;
	s = &mm->seen[mm->nseen++];
	s->pid = pid;
	s->seq = -1;
	s->inherited = 0;
	return s;
}

/*
 * The parent of a child whose fork event (seq) came first: the one other
 * process whose newest event is seq - 1.  NULL when none or several are.
 */
static struct tui_seen *
parent_by_seq(struct tui_mem *mm, int child, long long seq)
{
	struct tui_seen *found = NULL;

	for (int i = 0; i < mm->nseen; i++) {
		if (mm->seen[i].pid == child || mm->seen[i].seq != seq - 1)
			continue;
		if (found != NULL)
			return NULL;
		found = &mm->seen[i];
	}
	return found;
}

/* ---- mappings ---- */

/* A slot for a new mapping; a full table forgets an unmapped one first. */
static struct tui_map *
map_new(struct tui_mem *mm)
{
	int victim = 0;

	if (mm->nmaps == TUI_MAPS) {
		for (int i = TUI_MAPS - 1; i >= 0; i--)
			if (mm->maps[i].unmapped)
				victim = i;
		memmove(&mm->maps[victim], &mm->maps[victim + 1],
			(size_t)(TUI_MAPS - victim - 1) * sizeof(mm->maps[0]));
		mm->nmaps--;
	}
	memset(&mm->maps[mm->nmaps], 0, sizeof(mm->maps[0]));
	return &mm->maps[mm->nmaps++];
}

/* The live mapping of pid holding addr, or NULL. */
static struct tui_map *
map_at(struct tui_mem *mm, int pid, unsigned long long addr)
{
	for (int i = mm->nmaps - 1; i >= 0; i--) {
		struct tui_map *mp = &mm->maps[i];

		if (mp->pid == pid && !mp->unmapped && addr >= mp->addr &&
		    addr - mp->addr < mp->len)
			return mp;
	}
	return NULL;
}

/* Set the cells of the pages [from, from + n) that are drawn. */
static void
cells_set(struct tui_map *mp, long from, long n, char c)
{
	for (long i = from < 0 ? 0 : from; i < from + n && i < mp->pages &&
	     i < TUI_MAP_PAGES; i++)
		mp->cell[i] = c;
}

/* The pages [addr, addr + len) falls on, counted from the mapping's start. */
static void
pages_of(const struct tui_map *mp, unsigned long long addr,
	 unsigned long long len, long *from, long *n)
{
	unsigned long long end = addr + (len > 0 ? len : 1);

	*from = (long)((addr - mp->addr) / TUI_PAGE);
	*n = (long)((end - mp->addr + TUI_PAGE - 1) / TUI_PAGE) - *from;
}

static void
map_resize(struct tui_map *mp, unsigned long long len)
{
	long old = mp->pages;

	mp->len = len;
	mp->pages = (long)((len + TUI_PAGE - 1) / TUI_PAGE);
	cells_set(mp, old, mp->pages - old, TUI_PAGE_UNKNOWN);
	mp->cell[mp->pages < TUI_MAP_PAGES ? mp->pages : TUI_MAP_PAGES] = '\0';
}

/* mmap(2) succeeded: a new mapping, of a file or of nothing (anonymous). */
static void
on_mmap(struct tui_model *m, const struct tui_event *e, const struct tui_obj *args)
{
	struct tui_map *mp = map_new(&m->mem);

	mp->pid = e->pid;
	mp->object = ++m->mem.objects;
	mp->addr = arg_addr(args, "addr");
	mp->shared = arg_has(args, "flags", "MAP_SHARED");
	tui_escape(mp->prot, sizeof(mp->prot), tui_json_str(args, "prot"));
	snprintf(mp->file, sizeof(mp->file), "anonymous");
	for (int i = 0; e->fd >= 0 && i < m->nfds; i++)
		if (m->fds[i].fd == e->fd)
			snprintf(mp->file, sizeof(mp->file), "%s",
				 m->fds[i].peer[0] ? m->fds[i].peer :
				 m->fds[i].kind);
	if (e->fd >= 0 && strcmp(mp->file, "anonymous") == 0)
		snprintf(mp->file, sizeof(mp->file), "fd %d", e->fd);
	map_resize(mp, (unsigned long long)tui_json_int(args, "len", 0));
}

/* munmap(2): the pages in the range go; with the last, the mapping. */
static void
on_munmap(struct tui_mem *mm, int pid, unsigned long long addr,
	  unsigned long long len)
{
	for (int i = 0; i < mm->nmaps; i++) {
		struct tui_map *mp = &mm->maps[i];
		unsigned long long lo = addr > mp->addr ? addr : mp->addr;
		long from, n, left = 0;

		if (mp->pid != pid || mp->unmapped || addr >= mp->addr +
		    mp->len || addr + len <= mp->addr)
			continue;
		pages_of(mp, lo, addr + len - lo, &from, &n);
		cells_set(mp, from, n, TUI_PAGE_GONE);
		for (long p = 0; p < mp->pages && p < TUI_MAP_PAGES; p++)
			left += mp->cell[p] != TUI_PAGE_GONE;
		mp->unmapped = left == 0;
	}
}

/*
 * mincore(2): "vec" has a '1' for each resident page from addr on.  A
 * written page stays marked written: it is resident too.  An older trace
 * without the vector says only how many are resident; all or none is
 * enough to fill the cells.
 */
static void
on_mincore(struct tui_mem *mm, int pid, const struct tui_obj *args)
{
	unsigned long long addr = arg_addr(args, "addr");
	struct tui_map *mp = map_at(mm, pid, addr);
	const char *vec = tui_json_str(args, "vec");
	long from, n, resident = (long)tui_json_int(args, "resident", -1);
	long said = (long)strlen(vec);

	if (mp == NULL)
		return;
	pages_of(mp, addr, (unsigned long long)tui_json_int(args, "len", 0),
		 &from, &n);
	for (long i = 0; i < n && from + i < mp->pages &&
	     from + i < TUI_MAP_PAGES; i++) {
		char *c = &mp->cell[from + i];
		int in = -1;		/* not said */

		if (i < said)
			in = vec[i] == '1';
		else if (said == 0 && (resident == 0 || resident == n))
			in = resident == n;
		if (in == 0)
			*c = TUI_PAGE_OUT;
		else if (in == 1 && *c != TUI_PAGE_SHARED &&
			 *c != TUI_PAGE_PRIVATE)
			*c = TUI_PAGE_IN;
	}
}

/*
 * A store the applet reports: a MAP_PRIVATE page becomes this process's
 * own copy; a MAP_SHARED page is one page for every process that shares
 * the mapping, so it is marked written in each of them.
 */
static void
on_write(struct tui_mem *mm, int pid, const struct tui_obj *args)
{
	unsigned long long addr = arg_addr(args, "addr");
	unsigned long long len;
	struct tui_map *mp = map_at(mm, pid, addr);
	long from, n;

	if (mp == NULL)
		return;
	len = (unsigned long long)tui_json_int(args, "len", 1);
	pages_of(mp, addr, len, &from, &n);
	if (!mp->shared) {
		cells_set(mp, from, n, TUI_PAGE_PRIVATE);
		return;
	}
	for (int i = 0; i < mm->nmaps; i++)
		if (mm->maps[i].object == mp->object && !mm->maps[i].unmapped)
			cells_set(&mm->maps[i], from, n, TUI_PAGE_SHARED);
}

/* The process is gone (reaped) or replaced (exec): so are its mappings. */
static void
maps_end(struct tui_mem *mm, int pid)
{
	for (int i = 0; i < mm->nmaps; i++)
		if (mm->maps[i].pid == pid) {
			mm->maps[i].unmapped = 1;
			cells_set(&mm->maps[i], 0, mm->maps[i].pages,
				  TUI_PAGE_GONE);
		}
}

/* ---- pipe ends ---- */

static struct tui_end *
end_find(struct tui_mem *mm, int pid, int fd)
{
	for (int i = 0; i < mm->nends; i++)
		if (mm->ends[i].pid == pid && mm->ends[i].fd == fd)
			return &mm->ends[i];
	return NULL;
}

const struct tui_end *
tui_model_end(const struct tui_model *m, int pid, int fd)
{
	return end_find((struct tui_mem *)&m->mem, pid, fd);
}

static void
end_drop(struct tui_mem *mm, int pid, int fd)
{
	struct tui_end *x = end_find(mm, pid, fd);

	if (x != NULL)
		*x = mm->ends[--mm->nends];
}

/* fd of pid now holds an end of pipe; what fd held before is closed. */
static void
end_add(struct tui_mem *mm, int pid, int fd, int pipe, char end, int cloexec)
{
	struct tui_end *x;

	end_drop(mm, pid, fd);
	if (fd < 0 || mm->nends == TUI_ENDS)
		return;
	x = &mm->ends[mm->nends++];
	x->pid = pid;
	x->fd = fd;
	x->pipe = pipe;
	x->end = end;
	x->cloexec = cloexec;
}

/* newfd becomes a copy of oldfd (dup, dup2, dup3, F_DUPFD). */
static void
end_dup(struct tui_mem *mm, int pid, int oldfd, int newfd, int cloexec)
{
	struct tui_end *x = end_find(mm, pid, oldfd);

	if (oldfd == newfd)
		return;
	if (x == NULL)
		end_drop(mm, pid, newfd);
	else
		end_add(mm, pid, newfd, x->pipe, x->end, cloexec);
}

/*
 * A successful exec (its event comes just before the program is
 * replaced) closes every FD_CLOEXEC descriptor; the others stay open
 * in the new program: that is how a pipe end dup2'd onto fd 0 or 1
 * reaches `sort` or `printf`.
 */
static void
ends_exec(struct tui_mem *mm, int pid)
{
	for (int i = mm->nends - 1; i >= 0; i--)
		if (mm->ends[i].pid == pid && mm->ends[i].cloexec)
			mm->ends[i] = mm->ends[--mm->nends];
}

/* close_range(2): close [first, last], or with CLOSE_RANGE_CLOEXEC mark. */
static void
ends_range(struct tui_mem *mm, int pid, const struct tui_obj *args)
{
	long long first = tui_json_int(args, "first", 0);
	long long last = tui_json_int(args, "last", -1);
	int mark = arg_has(args, "flags", "CLOSE_RANGE_CLOEXEC");

	for (int i = mm->nends - 1; i >= 0; i--) {
		struct tui_end *x = &mm->ends[i];

		if (x->pid != pid || x->fd < first ||
		    (last >= 0 && x->fd > last))
			continue;
		if (mark)
			x->cloexec = 1;
		else
			*x = mm->ends[--mm->nends];
	}
}

/* fork(2): the child has copies of its parent's mappings and descriptors. */
static void
inherit(struct tui_model *m, int parent, int child)
{
	struct tui_mem *mm = &m->mem;
	int n = mm->nends, nmaps = mm->nmaps;

	for (int i = 0; i < n; i++)
		if (mm->ends[i].pid == parent)
			end_add(mm, child, mm->ends[i].fd, mm->ends[i].pipe,
				mm->ends[i].end, mm->ends[i].cloexec);
	for (int i = 0; i < nmaps && i < mm->nmaps; i++) {
		struct tui_map *mp = &mm->maps[i], copy;

		if (mp->pid != parent || mp->unmapped)
			continue;
		/*
		 * A private page the parent wrote is shared again, read-only:
		 * the next store, by either process, copies it (copy-on-write).
		 */
		for (long p = 0; !mp->shared && p < mp->pages &&
		     p < TUI_MAP_PAGES; p++)
			if (mp->cell[p] == TUI_PAGE_PRIVATE)
				mp->cell[p] = TUI_PAGE_IN;
		/* The child's pages are resident; it has written none yet. */
		copy = *mp;
		for (long p = 0; p < copy.pages && p < TUI_MAP_PAGES; p++)
			if (copy.cell[p] == TUI_PAGE_SHARED)
				copy.cell[p] = TUI_PAGE_IN;
		copy.pid = child;
		*map_new(mm) = copy;
	}
	for (int i = 0; i < m->nprocs; i++)
		if (m->procs[i].pid == child && m->procs[i].ppid == 0)
			m->procs[i].ppid = parent;
}

/* ---- signal deliveries ---- */

static int
sig_number(uint64_t bit)
{
	for (int s = 1; s <= 64; s++)
		if (bit == (uint64_t)1 << (s - 1))
			return s;
	return 0;
}

static struct tui_proc *
proc_of(struct tui_model *m, int pid)
{
	return (struct tui_proc *)tui_model_proc(m, pid);
}

/* Remember (and forget) who sent a signal that is pending at pid. */
static int
sent_take(struct tui_mem *mm, int pid, int sig)
{
	for (int i = 0; i < mm->nsent; i++)
		if (mm->sent[i].pid == pid && mm->sent[i].sig == sig) {
			int from = mm->sent[i].from;

			mm->sent[i] = mm->sent[--mm->nsent];
			return from;
		}
	return 0;
}

static void
sent_put(struct tui_mem *mm, int pid, int sig, int from)
{
	sent_take(mm, pid, sig);
	if (mm->nsent == TUI_DELIVERIES)
		mm->sent[0] = mm->sent[--mm->nsent];
	mm->sent[mm->nsent++] = (struct tui_sent){ pid, sig, from };
}

static void
deliver(struct tui_model *m, const struct tui_event *e, int sig, int from,
	int to, const char *how)
{
	struct tui_mem *mm = &m->mem;
	struct tui_delivery *d;
	struct tui_proc *p = proc_of(m, to);

	if (sig <= 0)
		return;
	if (mm->ndeliveries == TUI_DELIVERIES) {
		mm->ndeliveries--;
		memmove(&mm->deliveries[0], &mm->deliveries[1],
			(size_t)mm->ndeliveries * sizeof(*d));
	}
	d = &mm->deliveries[mm->ndeliveries++];
	d->sig = sig;
	d->from = from;
	d->to = to;
	d->seq = e->seq;
	d->fed = m->fed;
	tui_escape(d->how, sizeof(d->how), how);
	if (p != NULL)
		p->delivered |= (uint64_t)1 << (sig - 1);
}

/* Signals of pid that leave its blocked set while pending arrive now. */
static void
let_in(struct tui_model *m, const struct tui_event *e, uint64_t released)
{
	for (int s = 1; s <= 64; s++)
		if (released & ((uint64_t)1 << (s - 1)))
			deliver(m, e, s, sent_take(&m->mem, e->pid, s), e->pid,
				"unblocked");
}

static void
on_signal_call(struct tui_model *m, const struct tui_event *e,
	       const struct tui_obj *args)
{
	struct tui_proc *p = proc_of(m, e->pid);
	uint64_t bit = tui_sigset_parse(tui_json_str(args, "sig"));
	uint64_t set = tui_sigset_parse(tui_json_str(args, "set"));
	const char *how = tui_json_str(args, "how");

	if (p == NULL || e->ret < 0)
		return;
	if (strcmp(e->call, "kill") == 0 || strcmp(e->call, "sigqueue") == 0) {
		/* To itself: delivered before kill returns, unless blocked. */
		if (tui_json_int(args, "pid", 0) != e->pid || bit == 0)
			return;
		if (p->blocked & bit)
			sent_put(&m->mem, e->pid, sig_number(bit), e->pid);
		else
			deliver(m, e, sig_number(bit), e->pid, e->pid,
				"sent to itself");
	} else if (strcmp(how, "SIG_UNBLOCK") == 0)
		let_in(m, e, p->pending & set);
	else if (strcmp(how, "SIG_SETMASK") == 0)
		let_in(m, e, p->pending & ~set);
}

/* ---- the hook ---- */

/* What a syscall event changes here. */
static void
on_call(struct tui_model *m, const struct tui_event *e, const struct tui_obj *args)
{
	struct tui_mem *mm = &m->mem;
	const char *c = e->call;
	int ok = e->ret >= 0 && e->err[0] == '\0';

	mm->last_call = m->fed;
	if (!ok)
		return;
	if (strcmp(c, "mmap") == 0)
		on_mmap(m, e, args);
	else if (strcmp(c, "munmap") == 0)
		on_munmap(mm, e->pid, arg_addr(args, "addr"),
			  (unsigned long long)tui_json_int(args, "len", 0));
	else if (strcmp(c, "mincore") == 0)
		on_mincore(mm, e->pid, args);
	else if (strcmp(c, "mremap") == 0) {
		struct tui_map *mp = map_at(mm, e->pid,
					    arg_addr(args, "old_addr"));

		if (mp != NULL) {
			mp->addr = arg_addr(args, "addr");
			map_resize(mp, (unsigned long long)tui_json_int(args,
				   "new_len", 0));
		}
	} else if (strcmp(c, "mprotect") == 0) {
		struct tui_map *mp = map_at(mm, e->pid, arg_addr(args, "addr"));

		if (mp != NULL)
			tui_escape(mp->prot, sizeof(mp->prot),
				   tui_json_str(args, "prot"));
	} else if (strncmp(c, "pipe", 4) == 0) {
		int cloexec = arg_has(args, "flags", "O_CLOEXEC");

		mm->pipes++;
		end_add(mm, e->pid, (int)tui_json_int(args, "read_fd", -1),
			mm->pipes, 'r', cloexec);
		end_add(mm, e->pid, (int)tui_json_int(args, "write_fd", -1),
			mm->pipes, 'w', cloexec);
	} else if (strcmp(c, "close") == 0)
		end_drop(mm, e->pid, e->fd);
	else if (strncmp(c, "dup", 3) == 0)
		end_dup(mm, e->pid, e->fd, (int)e->ret,
			arg_has(args, "flags", "O_CLOEXEC"));
	else if (strcmp(c, "fcntl") == 0 &&
		 strncmp(tui_json_str(args, "cmd"), "F_DUPFD", 7) == 0)
		end_dup(mm, e->pid, e->fd, (int)e->ret,
			arg_has(args, "cmd", "F_DUPFD_CLOEXEC"));
	else if (strcmp(c, "fcntl") == 0 &&
		 strcmp(tui_json_str(args, "cmd"), "F_SETFD") == 0) {
		struct tui_end *x = end_find(mm, e->pid, e->fd);

		if (x != NULL)
			x->cloexec = arg_has(args, "arg", "FD_CLOEXEC");
	} else if (strcmp(c, "close_range") == 0)
		ends_range(mm, e->pid, args);
	else if (strncmp(c, "exec", 4) == 0) {
		ends_exec(mm, e->pid);
		maps_end(mm, e->pid);
	} else if (strcmp(c, "waitpid") == 0 && e->ret > 0) {
		for (int i = mm->nends - 1; i >= 0; i--)
			if (mm->ends[i].pid == (int)e->ret)
				mm->ends[i] = mm->ends[--mm->nends];
		maps_end(mm, (int)e->ret);
	} else
		on_signal_call(m, e, args);
}

void
tui_mem_feed(struct tui_model *m, const struct tui_event *e,
	     const struct tui_obj *args)
{
	struct tui_mem *mm = &m->mem;
	struct tui_seen *me = seen_get(mm, e->pid), *other;
	const char *what = tui_json_str(args, "what");

	if (strcmp(e->call, "fork") == 0 && e->ret > 0 &&
	    (other = seen_get(mm, (int)e->ret)) != NULL && !other->inherited) {
		inherit(m, e->pid, other->pid);
		other->inherited = 1;
	} else if (strcmp(e->call, "fork") == 0 && e->ret == 0 && me != NULL &&
		   !me->inherited &&
		   (other = tui_json_int(args, "ppid", 0) > 0 ?
		    seen_get(mm, (int)tui_json_int(args, "ppid", 0)) :
		    parent_by_seq(mm, e->pid, e->seq)) != NULL) {
		inherit(m, other->pid, e->pid);
		me->inherited = 1;
	}
	if (strcmp(e->ev, "syscall") == 0)
		on_call(m, e, args);
	else if (strcmp(e->ev, "state") == 0 && strcmp(what, "write") == 0)
		on_write(mm, e->pid, args);
	else if (strcmp(e->ev, "state") == 0 &&
		 strcmp(what, "delivered") == 0) {
		const char *name = tui_json_str(args, "sig");
		int sig = sig_number(tui_sigset_parse(name));

		sent_take(mm, e->pid, sig);
		deliver(m, e, sig, (int)tui_json_int(args, "from", 0), e->pid,
			tui_json_str(args, "code"));
	}
	if (me != NULL)
		me->seq = e->seq;
}

const struct tui_delivery *
tui_model_delivery_now(const struct tui_model *m)
{
	const struct tui_mem *mm = &m->mem;
	const struct tui_delivery *d;

	if (mm->ndeliveries == 0)
		return NULL;
	d = &mm->deliveries[mm->ndeliveries - 1];
	return mm->last_call <= d->fed ? d : NULL;
}
