/*
 * rl.h - readline shared by `ipc shell` and `ipc tutorial`: the prompt's
 * name for inputrc, history on disk, and completion from the command table.
 *
 * One process uses one prompt at a time, so the state lives in cmd/rl.c.
 * Completion reads cli_applets and ipc_builtins at run time; there is no
 * second list of applets, verbs or options.  See readline(3) and history(3).
 */
#ifndef IPC_RL_H
#define IPC_RL_H

/*
 * Set up the prompt: rl_readline_name = "ipc" (so an inputrc can say
 * `$if ipc`), history read from ${XDG_STATE_HOME:-~/.local/state}/ipc/history
 * (the directories are created 0700; a missing file is fine), and
 * completion from the command table.
 *
 * extra: NULL-terminated words completed at the first word besides the
 * applets: the prompt's own commands ("next", "back" ... for a tutorial,
 * "help", "exit", "trace" ... for the shell); may be NULL.  An entry with
 * choices after a space ("trace on|off") also completes its argument.
 * The array must outlive the prompt (rl_teardown).
 * after_ipc: 1 when lines start with "ipc" as in a system shell (a
 * tutorial: "ipc sock con<TAB>"), 0 when the applet is the first word
 * (ipc shell: "sock con<TAB>").
 *
 * When stdin is not a terminal nothing of this is needed: rl_line() then
 * reads plain lines and the history file is not touched.
 *
 * Returns 0, or -1 with errno set (ENOMEM).  A history file that cannot be
 * read or a directory that cannot be made is not an error: the session
 * then keeps its history in memory only.
 */
int rl_setup(const char *const *extra, int after_ipc);

/*
 * Read one line with the prompt.  Returns a malloc'd line without its
 * newline (the caller frees it), or NULL at end of input (Ctrl-D).  A
 * non-blank line that differs from the previous one goes into the history.
 * Ctrl-C at the prompt clears the line and reads on.
 *
 * When stdin is not a terminal (tests, scripts) there is no prompt and no
 * history: the line is read a byte at a time, as sh(1) does, so that a
 * command run next finds the rest of stdin unread.  A line longer than
 * 64 KiB is dropped with a message and comes back as "".
 */
char *rl_line(const char *prompt);

/* Write the history back, keeping the newest 1000 lines. */
void rl_teardown(void);

#endif
