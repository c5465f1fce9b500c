/*
 * commands.h - the one list of applets.
 *
 * Adding an applet is one line here plus its file in cmd/: the dispatcher
 * (cmd/ipc.c), `ipc --list`, help, completions, man pages and the Makefile's
 * ipc-APPLET symlinks all read this list.  Each line names a
 * `const struct applet NAME_applet`.
 */
APPLET(sock)
APPLET(tls)
APPLET(poll)
APPLET(loop)
APPLET(sig)
APPLET(spawn)
APPLET(mmap)
APPLET(tui)
APPLET(tutorial)
APPLET(shell)
