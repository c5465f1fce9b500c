/*
 * tui.h - what the files of `ipc tui` share.
 *
 *	crt.c		owns the terminal: setup, teardown, colours, signals
 *	keys.c		the one key table: input dispatch and the help overlay
 *	source.c	where events come from: a child, an attached process, a file
 *	app.c		the input loop: draw if dirty, wait, dispatch
 *	view_loop.c	the Loop view; view_procs.c the Processes and Signals view
 *	view_mmap.c	the mmap view: a page map of every mapping
 *	view_socks.c	the Sockets and TLS view: TCP states, the TLS ladder
 *	pick.c		the scenario picker; tui.c the applet table and verbs
 *
 * Data flows one way: source -> model (lib/tui_model.c) -> views.
 */
#ifndef IPC_CMD_TUI_H
#define IPC_CMD_TUI_H

#include <stddef.h>
#include <sys/types.h>

#include "ipc.h"
#include "tui_model.h"

/* ---- crt.c: the terminal ---- */

enum crt_attr { CRT_NORMAL, CRT_TITLE, CRT_FOCUS, CRT_SELECT, CRT_READY,
		CRT_ERROR, CRT_DIM };

/*
 * Take the terminal: curses in cbreak mode, no echo, keypad, colours
 * unless NO_COLOR, and handlers that restore the terminal on SIGINT,
 * SIGTERM, SIGSEGV and SIGABRT.  Returns 0, or -1 with errno ENOTTY when
 * stdin or stdout is not a terminal or TERM is unset or "dumb".
 */
int crt_init(void);
/*
 * Catch SIGINT and SIGTERM: they set crt_stop_signal() and interrupt a
 * wait (EINTR), so a session ends through its cleanup and an attach
 * socket file is removed.  crt_init() does this too; call it first where
 * a wait comes before the screen, or with no screen at all.
 */
void crt_catch_stop(void);
/* The check crt_init() makes, alone: 0, or -1 with errno ENOTTY. */
int crt_usable(void);
/* Give the terminal back.  Safe to call twice and without crt_init(). */
void crt_done(void);
/* The signal (SIGINT or SIGTERM) that asked us to stop, or 0. */
int crt_stop_signal(void);
/* The curses attribute for a role: a colour, or bold/reverse without one. */
int crt_attr(enum crt_attr a);
/* Non-zero when the window is below 80x24; a notice is drawn instead. */
int crt_too_small(void);
/* Draw s at (y, x), at most w columns, padded with blanks to w. */
void crt_text(int y, int x, int w, int attr, const char *s);
/* A box title line "-- NAME ---" across w columns; focused ones stand out. */
void crt_title(int y, int x, int w, const char *name, int focused);

/* ---- source.c: where the events come from ---- */

enum src_kind { SRC_CHILD, SRC_ATTACH, SRC_REPLAY };

#define SRC_OUT_LINES	64	/* lines of the child's output kept */
#define TUI_FRAME_MS	33	/* one frame: about 30 a second at most */
#define SRC_INTAKE	65536	/* trace bytes read a frame, at most */
#define SRC_OUT_WIDTH	160	/* bytes a kept line holds; longer ones wrap */

struct tui_source {
	enum src_kind kind;
	int fd;			/* the trace socket, -1 once closed */
	int listen_fd;		/* attach: the listening socket, or -1 */
	char path[108];		/* attach: the socket file to remove */
	pid_t pid;		/* the child, 0 when none or reaped */
	char status[64];	/* "exited 0", "connection closed" ... */
	int code;		/* the reaped child's: its exit status or
				   128 + the signal that killed it */
	char buf[65536];	/* a partial line */
	size_t len;
	long long frame_ms;	/* when this frame's intake began */
	size_t frame_bytes;	/* ... and what it has read so far */
	char **file_lines;	/* replay: every line of the file */
	size_t nlines, pos;	/* ... and how many are fed */
	/* A child's stdout and stderr, captured: a ring of the newest lines. */
	int out_fd;		/* the read end of the pipe, or -1 */
	char out[SRC_OUT_LINES][SRC_OUT_WIDTH];	/* raw bytes, unescaped */
	unsigned long long out_total;	/* lines ever started */
	size_t out_col;		/* bytes in the newest line */
	int out_open;		/* the newest line has no newline yet */
};

/*
 * Run argv as a child: the trace and the step gate travel over a
 * socketpair (IPC_TRACE_FD), and with step it starts paused at its first
 * gate (IPC_TRACE_STEP=syscall).  Its stdin is /dev/null.  With capture its
 * stdout and stderr go down one pipe into the ring (src_output); without,
 * both go to our stderr, so our stdout keeps only what we print.  Returns
 * 0 or -1 with errno set.
 */
int src_child(struct tui_source *s, char *const argv[], int step,
	      int capture);
/*
 * Listen at path (a Unix socket, "unix:" prefix optional) and wait until
 * one process connects with --trace-to unix:PATH, or until timeout_ms
 * (-1 forever).  Returns 0 or -1 with errno set (ETIMEDOUT, EADDRINUSE...).
 */
int src_attach(struct tui_source *s, const char *path, int timeout_ms);
/* Read a JSON Lines file into memory.  Returns 0 or -1 with errno set. */
int src_replay(struct tui_source *s, const char *path);
/*
 * Read what is waiting on the trace socket, up to what is left of this
 * frame's SRC_INTAKE bytes, and feed whole lines to m.  Returns 1 when
 * something was fed, 0 when nothing was, or -1 with errno set on a read
 * error.  End of file closes the socket and sets status.
 */
int src_pump(struct tui_source *s, struct tui_model *m);
/*
 * Milliseconds until the trace socket may be read again: 0 while this
 * frame's intake has room.  Until then, do not poll the socket.
 */
int src_wait_ms(const struct tui_source *s);
/*
 * Read what the child wrote into the output ring.  Returns 1 when
 * something came, 0 when nothing did; end of file closes out_fd.
 */
int src_pump_output(struct tui_source *s);
/* Lines of output kept, and the i-th of them, oldest first (raw bytes). */
size_t src_output_lines(const struct tui_source *s);
const char *src_output_line(const struct tui_source *s, size_t i);
/* Send a gate command: "step", "run" or "pause".  Returns 0 or -1. */
int src_command(struct tui_source *s, const char *cmd);
/* Reap the child if it has ended; records how in status.  Never blocks. */
void src_reap(struct tui_source *s);
/*
 * Wait for the child once its trace has closed, and record how it ended
 * (status and code).  A stop signal (crt_stop_signal()) ends the wait.
 */
void src_wait(struct tui_source *s);
/* Close everything; a live child gets SIGTERM and is waited for. */
void src_close(struct tui_source *s);

/* ---- app.c: the state of one session and its loop ---- */

enum step_want { WANT_NONE, WANT_SYSCALL, WANT_ITER };

#define TUI_PANES	8	/* panes a view may have at most */

struct tui_app {
	struct tui_model *model;
	struct tui_source src;
	const struct cli *cli;
	int view;		/* index into tui_views */
	int pane;		/* the focused pane of the view; tab moves it */
	int row[TUI_PANES];	/* the selected row of each pane, -1: none yet */
	int nrows[TUI_PANES];	/* rows each pane had when last drawn */
	unsigned scrolls;	/* panes that drew rows (view_rows) last frame */
	unsigned tails;		/* ... and which of them follow their tail */
	size_t sel;		/* the selected log event */
	int follow;		/* the selection follows the newest event */
	int running;		/* auto-step (run mode) */
	int speed;		/* index into the speed table */
	long long next_ms;	/* when run mode steps next */
	enum step_want want;	/* what the pending step waits for */
	int answered;		/* gates answered so far */
	long long drawn_ms;	/* when the screen was last drawn */
	int overlay;		/* 0, or '?' help, '\n' details */
	int prompt;		/* 0, or '/' search, 'w' write */
	char input[128];	/* what is typed at the prompt */
	char message[160];	/* one line shown in the status bar */
	int dirty, quit;
};

/* Run the session until q, a signal or an error.  Returns an exit status. */
int app_run(struct tui_app *app);
/* Step forward to the next gate of the kind wanted. */
void app_step(struct tui_app *app, enum step_want want);
/* Replay only: go back to the previous iteration (or call). */
void app_step_back(struct tui_app *app, enum step_want want);
/* The pause between steps in run mode, in ms, for the current speed. */
int app_delay_ms(const struct tui_app *app);
/* Move the log selection by delta events (clamped). */
void app_select(struct tui_app *app, long delta);
/*
 * Move by delta rows in the focused pane: its own rows when it has any
 * (view_rows), else the log's selection.
 */
void app_move(struct tui_app *app, long delta);
/* Focus the next pane of the view. */
void app_next_pane(struct tui_app *app);
/* Search the log for app->input from the selection on. */
void app_search(struct tui_app *app);
/* Write the events kept so far to the file named by app->input. */
void app_write(struct tui_app *app);
/* A one-line state of the source: "paused at a gate", "exited 0" ... */
const char *app_state(const struct tui_app *app);

#define APP_SPEEDS	6

/* ---- keys.c: the one key table ---- */

/* Dispatch one key from curses.  Returns 1 when the key was known. */
int keys_dispatch(struct tui_app *app, int ch);
/* Draw the help overlay from the table. */
void keys_help(int rows, int cols);
/* The short hint line for the status bar. */
const char *keys_hint(void);

/* ---- views ---- */

struct tui_view {
	const char *name;
	int panes;		/* how many panes tab cycles through */
	void (*draw)(struct tui_app *app, int rows, int cols);
	/* Optional: the panes now, when they depend on the source. */
	int (*npanes)(const struct tui_app *app);
};
extern const struct tui_view view_loop, view_procs, view_socks, view_mmap;
extern const struct tui_view *const tui_views[];
extern const int tui_nviews;

/* The shared pieces views draw: the top bar, the log, the explanation. */
void view_top(struct tui_app *app, int cols);
void view_log(struct tui_app *app, int y, int h, int cols, int focused);
void view_explain(struct tui_app *app, int y, int h, int cols);
void view_details(struct tui_app *app, int rows, int cols);
void view_status(struct tui_app *app, int rows, int cols);
/*
 * A pane of n rows drawn in h lines: the first row to draw, so that the
 * pane's selected row (app->row[pane]) is in view.  Records n, so the
 * arrows move in this pane while it has the focus.  A tail pane (output)
 * shows its newest rows until the user moves up.
 */
int view_rows(struct tui_app *app, int pane, int n, int h, int tail);
/* attr for row i of the pane, or the selection's when focused and on it. */
int view_row_attr(const struct tui_app *app, int pane, int i, int attr);
/* How many panes the current view has now. */
int view_panes(const struct tui_app *app);
/* One event as one line of text, for the log and for --plain. */
void view_event_line(const struct tui_event *e, char *buf, size_t size);

/* ---- pick.c and the verbs ---- */

/*
 * Show the scenario picker; returns 0, the argv to run and the view to
 * open it in (an index into tui_views), or 1 on quit.
 */
int pick_scenario(char ***argv, int *view);
/* The common session for run, attach and pick; returns an exit status. */
int tui_session(const struct cli *cli, struct tui_app *app);
/* Print every event as one plain line on stdout (--plain). */
int tui_plain(const struct cli *cli, struct tui_source *s);

extern const struct verb tui_pick_verb, tui_run_verb, tui_replay_verb,
	tui_attach_verb;

#endif
