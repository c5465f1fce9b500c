/*
 * loop.h - an event loop in the spirit of redis' ae.c, with the shape of
 * Python's asyncio loop.
 *
 * One iteration (loop_run_once) does four things, in this order:
 *   1. run the callbacks that were ready when it began (call_soon, due
 *      timers); what they schedule runs on the NEXT iteration, as asyncio
 *      does, so a callback that reschedules itself cannot starve I/O;
 *   2. compute the wait: 0 when callbacks are ready, the time to the
 *      nearest timer, or forever;
 *   3. wait on the backend (select, poll or epoll, lib/poller.h) and call
 *      the reader and writer of every ready descriptor;
 *   4. move the timers that are due to the ready queue.
 *
 * Timers live in a binary min-heap ordered by (deadline, order of
 * creation), so equal deadlines fire in the order they were set and a
 * cancel costs O(log n).  Handles come from a freelist: once warm, the
 * loop allocates nothing per iteration.
 *
 * Signals (loop_signal.c) arrive through signalfd(2) or a self-pipe and
 * run as ordinary callbacks, never in signal context.  Children
 * (loop_child.c) are watched through pidfd_open(2) and reaped when their
 * pidfd turns readable.  Transports and protocols (loop_transport.c) and
 * servers (loop_server.c) sit on readers and writers.
 *
 * With tracing on, every iteration emits `iter`, `poll`, `callback`,
 * `timer` and `fd` events (docs/trace.md) and passes the step gate once;
 * with tracing off that costs one branch.
 *
 * Every function that can fail returns -1 (or NULL) with errno set, and
 * none prints: debug warnings go to the hook given to loop_set_debug().
 */
#ifndef IPC_LOOP_H
#define IPC_LOOP_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

struct loop;
struct loop_handle;

/* A callback for call_soon, call_later and call_at. */
typedef void (*loop_cb)(struct loop *l, void *arg);
/* A reader or writer: fd is ready for what it was registered for. */
typedef void (*loop_io_cb)(struct loop *l, int fd, void *arg);
/* A signal handler: sig was delivered (run in the loop, not in a handler). */
typedef void (*loop_signal_cb)(struct loop *l, int sig, void *arg);
/*
 * A child watcher: pid exited and was reaped; status is as waitpid(2)
 * sets it, or -1 when something else reaped the child first.
 */
typedef void (*loop_child_cb)(struct loop *l, pid_t pid, int status,
			      void *arg);
/* The debug-mode hook: one warning, one line, no trailing newline. */
typedef void (*loop_warn_fn)(void *ctx, const char *msg);

/* How signals reach the loop; see loop_signal.c. */
enum loop_signal_mode {
	LOOP_SIGNALFD,		/* block the signal, read it from signalfd(2) */
	LOOP_SELF_PIPE,		/* a handler writes its number into a pipe */
};

/* The slow-callback threshold of debug mode, as asyncio's. */
#define LOOP_SLOW_NS	100000000LL

/*
 * A new loop on the named backend ("select", "poll", "epoll"), or the
 * best one for NULL.  Returns NULL with errno: ENOENT for an unknown
 * backend, or the backend's own error.
 */
struct loop *loop_new(const char *backend);

/* The backend's name: "epoll". */
const char *loop_backend(const struct loop *l);

/*
 * Free the loop.  Fails with -1 and errno EBUSY while callbacks, timers,
 * registered fds, signal handlers or child watchers remain (in debug
 * mode, each registered fd is warned about first).  Returns 0 otherwise.
 */
int loop_close(struct loop *l);

/*
 * Free the loop whatever it still holds, for error paths: pending
 * callbacks are dropped, readers' and writers' fds are forgotten (not
 * closed), transports and servers are closed without callbacks, signal
 * handlers and child watchers are removed.  Never fails.
 */
void loop_destroy(struct loop *l);

/* Now on the loop's clock: nanoseconds on CLOCK_MONOTONIC. */
long long loop_time(void);

/*
 * Schedule cb(l, arg).  name (static storage) is what traces and debug
 * warnings call it.  The handle stays valid until the callback has run
 * or has been cancelled; using it afterwards is a bug.  Return NULL with
 * errno ENOMEM.
 */
struct loop_handle *loop_call_soon(struct loop *l, const char *name,
				   loop_cb cb, void *arg);
/* ... after delay seconds (a negative delay counts as 0). */
struct loop_handle *loop_call_later(struct loop *l, double delay,
				    const char *name, loop_cb cb, void *arg);
/* ... at when, nanoseconds on loop_time()'s clock. */
struct loop_handle *loop_call_at(struct loop *l, long long when,
				 const char *name, loop_cb cb, void *arg);
/*
 * Cancel a pending callback or timer.  Cancelling the callback that is
 * running now does nothing.  Never fails.
 */
void loop_cancel(struct loop *l, struct loop_handle *h);

/*
 * Call cb(l, fd, arg) whenever fd is readable (add_reader) or writable
 * (add_writer); a second add replaces the callback.  Return 0, or -1
 * with errno: the backend's (ERANGE: select and FD_SETSIZE; EPERM: epoll
 * and a regular file) or ENOMEM.  Remove an fd before closing it.
 */
int loop_add_reader(struct loop *l, int fd, const char *name, loop_io_cb cb,
		    void *arg);
int loop_add_writer(struct loop *l, int fd, const char *name, loop_io_cb cb,
		    void *arg);
/*
 * Stop watching fd for reading (or writing).  Safe from fd's own
 * callback.  Return 0, or -1 with errno ENOENT when none was set.
 */
int loop_remove_reader(struct loop *l, int fd);
int loop_remove_writer(struct loop *l, int fd);

/*
 * One iteration, as described above.  Returns 0, or -1 with errno when
 * the backend's wait fails (EINTR is not a failure).
 */
int loop_run_once(struct loop *l);
/* Iterate until loop_stop().  Returns 0, or -1 as loop_run_once(). */
int loop_run_forever(struct loop *l);
/* Iterate until *done is non-zero or loop_stop().  Returns as above. */
int loop_run_until(struct loop *l, const int *done);
/* Make run_forever/run_until return after the current iteration. */
void loop_stop(struct loop *l);

/*
 * Debug mode: warn through warn(ctx, msg) about callbacks slower than
 * LOOP_SLOW_NS and about fds still registered at close.  warn NULL turns
 * it off.
 */
void loop_set_debug(struct loop *l, loop_warn_fn warn, void *ctx);

/*
 * How signals reach the loop.  Set it before the first handler; returns
 * 0, or -1 with errno EBUSY when handlers are already installed.
 */
int loop_set_signal_mode(struct loop *l, enum loop_signal_mode mode);

/*
 * Run cb(l, sig, arg) in the loop each time sig arrives; a second add
 * replaces the handler.  Returns 0, or -1 with errno: EINVAL (SIGKILL,
 * SIGSTOP or not a signal), or the error of signalfd, pipe2, sigaction
 * or sigprocmask.  Only one loop in a process may handle signals.
 */
int loop_add_signal_handler(struct loop *l, int sig, const char *name,
			    loop_signal_cb cb, void *arg);
/*
 * Restore sig's disposition and mask as they were before the handler.
 * Returns 0, or -1 with errno ENOENT when sig had no handler.
 */
int loop_remove_signal_handler(struct loop *l, int sig);

/*
 * Call cb(l, pid, status, arg) once pid (a child of this process) exits;
 * the loop reaps it.  Returns 0, or -1 with errno: pidfd_open's (ESRCH:
 * no such process), EEXIST (already watched) or ENOMEM.
 */
int loop_add_child_watcher(struct loop *l, pid_t pid, const char *name,
			   loop_child_cb cb, void *arg);
/*
 * Stop watching pid; it is not reaped.  Returns 0, or -1 with errno
 * ENOENT when it was not watched.
 */
int loop_remove_child_watcher(struct loop *l, pid_t pid);

/* ---- transports and protocols (loop_transport.c) ---- */

struct loop_transport;
struct loop_server;

/*
 * What a protocol implements, as asyncio.Protocol and DatagramProtocol:
 * the loop calls these; any may be NULL.  ctx is the protocol's own.
 *
 *   connection_made   the transport is ready; reading starts after it.
 *   data_received     bytes arrived (they live until the call returns).
 *   eof_received      the peer shut down its writing side.  Return
 *                     non-zero to keep the transport open for writing
 *                     (half-close), zero to close it.
 *   connection_lost   the end, exactly once: err 0 after a clean close,
 *                     or the errno that killed the connection.  Without
 *                     a connection_made before it, the connect failed.
 *                     The transport is freed when this returns.
 *   pause_writing     the write buffer rose above the high-water mark;
 *   resume_writing    ... and drained down to the low-water mark.
 *   datagram_received a datagram arrived from `from`.
 *   error_received    a datagram socket reported err (ICMP: ECONNREFUSED).
 */
struct loop_protocol {
	void (*connection_made)(struct loop_transport *t, void *ctx);
	void (*data_received)(struct loop_transport *t, const void *buf,
			      size_t n, void *ctx);
	int (*eof_received)(struct loop_transport *t, void *ctx);
	void (*connection_lost)(struct loop_transport *t, int err, void *ctx);
	void (*pause_writing)(struct loop_transport *t, void *ctx);
	void (*resume_writing)(struct loop_transport *t, void *ctx);
	void (*datagram_received)(struct loop_transport *t, const void *buf,
				  size_t n, const struct sockaddr *from,
				  socklen_t fromlen, void *ctx);
	void (*error_received)(struct loop_transport *t, int err, void *ctx);
};

/* The write buffer's default water marks, as asyncio's. */
#define LOOP_HIGH_WATER	(64 * 1024)
#define LOOP_LOW_WATER	(16 * 1024)
/* The most a write buffer holds; a write beyond fails with ENOBUFS. */
#define LOOP_WRITE_MAX	(16 * LOOP_HIGH_WATER)

/*
 * A stream transport on fd, a connected non-blocking socket (or one end
 * of a socketpair); the transport owns fd from now on.  connection_made
 * runs on the next iteration.  Returns NULL with errno ENOMEM (fd is
 * then still the caller's).
 */
struct loop_transport *loop_transport_new(struct loop *l, int fd,
					  const struct loop_protocol *p,
					  void *ctx);
/*
 * Connect a new TCP or Unix stream socket to sa without blocking:
 * connection_made once connect(2) completes, or connection_lost with its
 * error.  Returns the transport, or NULL with errno (socket's, or
 * connect's when it fails at once).
 */
struct loop_transport *loop_transport_connect(struct loop *l,
					      const struct sockaddr *sa,
					      socklen_t len,
					      const struct loop_protocol *p,
					      void *ctx);
/*
 * A datagram transport on fd, a non-blocking UDP (or Unix datagram)
 * socket, bound or connected; the transport owns fd.  Returns NULL with
 * errno ENOMEM.
 */
struct loop_transport *loop_datagram_new(struct loop *l, int fd,
					 const struct loop_protocol *p,
					 void *ctx);

/*
 * Send what the socket takes now and buffer the rest; pause_writing when
 * the buffer passes the high-water mark.  A send error ends the
 * connection (connection_lost).  Returns 0, or -1 with errno: EPIPE
 * (closing, or after write_eof) or ENOBUFS (past LOOP_WRITE_MAX).
 */
int loop_transport_write(struct loop_transport *t, const void *buf,
			 size_t n);
/*
 * One datagram to `to` (NULL on a connected socket).  Returns 0, or -1
 * with sendto's errno (EAGAIN: the socket buffer is full; dropped).
 */
int loop_transport_sendto(struct loop_transport *t, const void *buf,
			  size_t n, const struct sockaddr *to,
			  socklen_t tolen);
/* Shut down the writing side (shutdown(2)) once the buffer is sent. */
void loop_transport_write_eof(struct loop_transport *t);
/* Stop reading, send what is buffered, then close; see connection_lost. */
void loop_transport_close(struct loop_transport *t);
/* Close now, dropping the buffer; connection_lost gets err. */
void loop_transport_abort(struct loop_transport *t, int err);
/* Stop (and restart) calling data_received: the peer then waits. */
void loop_transport_pause_reading(struct loop_transport *t);
void loop_transport_resume_reading(struct loop_transport *t);
/* Set the water marks (0: the defaults); low is at most high. */
void loop_transport_set_limits(struct loop_transport *t, size_t high,
			       size_t low);
/* Bytes waiting in the write buffer. */
size_t loop_transport_buffered(const struct loop_transport *t);
/* The socket, for getpeername and the like; -1 once closed. */
int loop_transport_fd(const struct loop_transport *t);

/* ---- servers (loop_server.c) ---- */

/*
 * Serve on fd, a listening non-blocking socket the server now owns: each
 * connection accepted gets factory(arg) as its protocol's ctx (NULL
 * refuses it) and a transport with protocol p.  When the process runs
 * out of fds (EMFILE), a spare fd kept for the purpose is used to accept
 * and close the connection, so the listener does not spin.  Returns NULL
 * with errno (ENOMEM, or open's for the spare).
 */
struct loop_server *loop_server_new(struct loop *l, int fd,
				    const struct loop_protocol *p,
				    void *(*factory)(void *arg), void *arg);
/* Connections refused for want of fds so far. */
unsigned long loop_server_refused(const struct loop_server *s);
/* Stop accepting and close the listener; open transports go on. */
void loop_server_close(struct loop_server *s);

#endif
