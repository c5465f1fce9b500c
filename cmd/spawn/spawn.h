/*
 * spawn.h - the verbs of `ipc spawn`, one file each in cmd/spawn/, and
 * what they share (common.c): parsing --method, reporting a failed spawn
 * and a child's end.
 */
#ifndef IPC_SPAWN_H
#define IPC_SPAWN_H

#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "ipc.h"
#include "proc.h"

extern const struct verb spawn_run_verb, spawn_pipeline_verb,
	spawn_shell_verb, spawn_quote_verb, spawn_popen_verb,
	spawn_deadlock_verb, spawn_tree_verb, spawn_zombie_verb,
	spawn_inherit_verb;

/* The --method choices, as the option table lists them. */
#define SPAWN_METHODS	"fork|vfork|posix_spawn"

/* The hint for a fork(2) that failed with EAGAIN or ENOMEM. */
#define SPAWN_FORK_HINT	"too many processes (see 'ulimit -u') or too " \
			"little memory; try again later"

/* The proc_method for a --method value (NULL: fork). */
enum proc_method spawn_method(const char *name);

/*
 * Report that proc_spawn() failed at step for program prog.  An exec that
 * failed (no such program, not executable) exits 127, as a shell does;
 * other steps exit with their errno's code.  Returns the exit status.
 */
int spawn_failed(const struct cli *cli, const char *prog, const char *step,
		 int err);

/*
 * Tell how the child ended ("pid 42 exited 3", "pid 42 killed by SIGSEGV
 * (Segmentation fault), core dumped") and, with ru, its resource usage,
 * on stderr.  Returns the exit status a shell would give.
 */
int spawn_report(const struct cli *cli, pid_t pid, int status,
		 const struct rusage *ru);

/*
 * The end of child c, whose pipes are done: rc is 0, or -1 with errno from
 * what went before (ETIMEDOUT: the deadline passed).  Reap it by deadline
 * (clock.h; -1: no limit) unless it is reaped already, and report how it
 * ended.  When time runs out, say so, kill it (its whole group when group
 * is set), reap it and exit 75 with a hint; timeout is the --timeout the
 * deadline came from.  Returns the exit status.
 */
int spawn_finish(const struct cli *cli, struct proc_child *c, int rc,
		 long long deadline, double timeout, int group);

/*
 * Cut argv at each "|" word into at most max NULL-terminated stages, in
 * place: stages[i] points into argv.  Returns the number of stages, or 0
 * for an empty stage or too many.
 */
int spawn_split(int argc, char **argv, char ***stages, int max);

/* One stage of a pipeline. */
struct spawn_stage {
	char **argv;	/* NULL-terminated */
	pid_t pid;	/* -1 when it could not be started */
	int status;	/* its wait status once reaped (127 << 8: no exec) */
	int reaped;
};

/*
 * Start n stages joined by pipes, as sh(1) does for `a | b | c`: the
 * first reads from in (-1: our stdin), the last writes to our stdout, and
 * every pipe end is closed here as soon as the child that uses it has
 * started, in included.  A stage that cannot be started is reported and
 * gets pid -1, and the others still start.  Returns 0, or the exit status
 * of a pipe2 failure (the stages not started get pid -1).
 */
int spawn_stages(const struct cli *cli, struct spawn_stage *st, int n, int in,
		 enum proc_method method);

/*
 * Write s to f as a shell would need it quoted (proc_quote()).  Returns 0,
 * or -1 with errno ENOMEM.
 */
int spawn_put_quoted(FILE *f, const char *s);

/* What /proc/PID/stat says of a process; see proc(5). */
struct spawn_stat {
	pid_t pid, ppid, pgid, sid;
	char state;		/* 'R', 'S', 'Z', ...: see spawn_state_word() */
	char comm[64];		/* the program's name, at most 15 bytes */
};

/*
 * Read a small file (one of /proc) into buf as a string of at most size-1
 * bytes.  Returns 0, or -1 with errno set.
 */
int spawn_read_small(const char *path, char *buf, size_t size);

/*
 * Read /proc/PID/stat into *st.  Returns the state letter, or 0 with errno
 * set: ENOENT once the process is gone (reaped), EPROTO for a line that
 * does not parse.
 */
char spawn_read_stat(pid_t pid, struct spawn_stat *st);

/* A state letter of proc(5) in words: 'Z' is "zombie". */
const char *spawn_state_word(char s);

#endif
