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
 * servers (loop_server.c) sit on readers and writers.  Futures
 * (loop_future.c) end once and schedule their done-callbacks with
 * call_soon; tasks (loop_task.c) are stackful coroutines that await
 * futures; streams (loop_stream.c) are tasks' way to read and write a
 * transport.  The executor (loop_executor.c) runs blocking jobs on
 * worker threads, which wake the loop through an eventfd(2).
 *
 * With tracing on, every iteration emits `iter`, `poll`, `callback`,
 * `timer` and `fd` events (docs/trace.md) and passes the step gate once;
 * futures and tasks add `future` and `task` events, the executor
 * `executor` events.  With tracing off that costs one branch.
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
 * handlers and child watchers are removed, and subprocess transports are
 * freed, a child still running SIGKILLed and reaped (no zombie is left
 * behind).  Tasks that have not ended
 * are never run again: each one's stack is unmapped and it ends
 * cancelled, but what its frames hold (a sleep's future, say) is lost;
 * to close cleanly, cancel them and run the loop until they end.  The
 * caller's references to futures and tasks stay its own to release:
 * before, or after only for those pending or cancelled (releasing
 * another may warn through l).  Not from inside a task.  Never fails.
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
 * runs on the next iteration.  On a TCP socket, this and every stream
 * transport turn Nagle's algorithm off (TCP_NODELAY), as asyncio does.
 * Returns NULL with errno ENOMEM (fd is then still the caller's).
 */
struct loop_transport *loop_transport_new(struct loop *l, int fd,
					  const struct loop_protocol *p,
					  void *ctx);
/*
 * A transport on one end of a pipe (asyncio's connect_read_pipe and
 * connect_write_pipe): the read end (writing 0) gets data_received and,
 * at end of file, eof_received, after which it always closes; the write
 * end (writing 1) buffers and flow-controls as a socket does, and hears
 * connection_lost once the read end has gone (err EPIPE when bytes were
 * still buffered).  fd must be non-blocking; the transport owns it.
 * write(2) on a pipe has no MSG_NOSIGNAL: a write after the reader has
 * gone is EPIPE only when SIGPIPE is ignored, as the ipc binary does
 * (cmd/ipc.c) and as Python does at start-up; otherwise SIGPIPE kills
 * the process.  Returns NULL with errno ENOMEM (fd is then still the
 * caller's).
 */
struct loop_transport *loop_pipe_transport_new(struct loop *l, int fd,
					       int writing,
					       const struct loop_protocol *p,
					       void *ctx);
/*
 * Connect a new TCP or Unix stream socket to sa without blocking:
 * connection_made once connect(2) completes, or connection_lost with its
 * error.  Returns the transport, or NULL with errno (socket's, or
 * connect's when it fails at once).  A Unix socket connects at once or
 * fails at once: ENOENT (no such file), ECONNREFUSED (nobody listens),
 * or EAGAIN when the listener's backlog is full (see unix(7)), which
 * waiting for writability would not cure.
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
 * (closing, or after write_eof), ENOBUFS (past LOOP_WRITE_MAX) or EBADF
 * (the read end of a pipe).
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
/*
 * Shut down the writing side (shutdown(2)) once the buffer is sent; on
 * a pipe, close it then (the reader sees end of file).
 */
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
 * and close the connection, so the listener does not spin.  A ctx made
 * for a transport that then cannot start (ENOMEM) is handed to
 * connection_lost at once, without connection_made: a protocol frees its
 * ctx there in every case.  Returns NULL with errno (ENOMEM, or open's
 * for the spare).
 */
struct loop_server *loop_server_new(struct loop *l, int fd,
				    const struct loop_protocol *p,
				    void *(*factory)(void *arg), void *arg);
/* Connections refused for want of fds so far. */
unsigned long loop_server_refused(const struct loop_server *s);
/*
 * Stop accepting and close the listener; open transports go on.  A
 * listener bound to a Unix socket path (not an abstract name) has its
 * socket file unlinked too, if the file at that path is still the one
 * the server started with (asyncio's cleanup_socket, Python 3.13).
 */
void loop_server_close(struct loop_server *s);

/* ---- futures (loop_future.c) ---- */

/*
 * A future, as asyncio.Future: a result that is not there yet.  It ends
 * exactly once, in one of three ways: a result (a pointer), an
 * "exception" (C has none: an errno-style code and a short message), or
 * cancelled.  Then each done-callback is scheduled with call_soon, in
 * the order they were added, and runs on a later iteration, as asyncio
 * does, never inside set_result.
 *
 * Futures are reference-counted: the creator holds one reference, and
 * each scheduled done-callback one more, so a future can be released
 * while its callbacks are still queued.  In debug mode, releasing the
 * last reference of a future that ended with a result or an exception
 * nobody retrieved is warned about.
 */
struct loop_future;

/* A done-callback: f has ended (see loop_future_result()). */
typedef void (*loop_future_cb)(struct loop_future *f, void *arg);

/*
 * A new pending future; name (static storage) is what traces and
 * warnings call it.  Returns NULL with errno ENOMEM.
 */
struct loop_future *loop_future_new(struct loop *l, const char *name);
/* Take one more reference (the caller's own); returns f. */
struct loop_future *loop_future_ref(struct loop_future *f);
/* Drop a reference; the last one frees f.  Never fails. */
void loop_future_release(struct loop_future *f);

/*
 * End f with a result, or with the exception (err, msg; msg may be
 * NULL and is copied, cut at 127 bytes).  Return 0, or -1 with errno
 * EINVAL when f has already ended (asyncio's InvalidStateError) or
 * ENOMEM when a done-callback could not be scheduled.
 */
int loop_future_set_result(struct loop_future *f, void *result);
int loop_future_set_exception(struct loop_future *f, int err,
			      const char *msg);
/*
 * Cancel f.  Returns 1 when it was pending and is now cancelled, 0 when
 * it had already ended (as asyncio's cancel() returns True/False).
 */
int loop_future_cancel(struct loop_future *f);

/* Non-zero when f has ended (any way), or was cancelled. */
int loop_future_done(const struct loop_future *f);
int loop_future_cancelled(const struct loop_future *f);

/*
 * The outcome, which counts as retrieved: 0 with *result set (result
 * may be NULL), or -1 with errno: the exception's code, ECANCELED when
 * f was cancelled, or EAGAIN while it is still pending (asyncio's
 * InvalidStateError).
 */
int loop_future_result(struct loop_future *f, void **result);
/* The exception's code (0: none; ECANCELED: cancelled), retrieved. */
int loop_future_exception(struct loop_future *f);
/* The exception's message ("" when none); valid while f lives. */
const char *loop_future_message(const struct loop_future *f);
/* The name given to loop_future_new() (or loop_task_new()). */
const char *loop_future_name(const struct loop_future *f);

/*
 * Call cb(f, arg) once f ends, through call_soon; when f has already
 * ended, it is scheduled at once.  Returns 0, or -1 with errno ENOMEM.
 */
int loop_future_add_done_callback(struct loop_future *f, loop_future_cb cb,
				  void *arg);
/*
 * Forget every (cb, arg) added, even one already scheduled that has not
 * run yet.  Returns how many were removed.
 */
int loop_future_remove_done_callback(struct loop_future *f,
				     loop_future_cb cb, void *arg);

/*
 * Run the loop until f ends (asyncio's run_until_complete).  Returns 0,
 * or -1 with errno: ENOMEM, the backend's, or EINTR when loop_stop()
 * ended the run before f did.  The outcome is then loop_future_result's.
 */
int loop_run_until_complete(struct loop *l, struct loop_future *f);

/* ---- tasks (loop_task.c) ---- */

/*
 * A task, as asyncio.Task: a function running on its own stack (a
 * stackful coroutine: ucontext(3), see makecontext(3)) that the loop
 * steps.  It runs until it awaits something, which switches back to the
 * loop; the loop switches back in once that thing is done.  A task is a
 * future: loop_task_future() ends with what the function returns.
 *
 * Every await helper below returns 0, or -1 with errno; ECANCELED means
 * the task (or what it awaited) was cancelled, EINVAL that the helper
 * was called from outside the task it was given.  A task that is cancelled
 * must then unwind by itself: free what it holds and return.  There is
 * no longjmp, so every frame's clean-up runs.  A task that returns after
 * a cancellation was delivered to it ends cancelled, as a CancelledError
 * that propagates does in asyncio.
 *
 * Stacks come from mmap(2) with a PROT_NONE guard page below them
 * (mprotect(2)): a task that overflows its stack dies of SIGSEGV instead
 * of silently writing over other memory.  A stack is unmapped as soon as
 * its task ends.
 */
struct loop_task;

/* A task's body; what it returns is the task's result. */
typedef void *(*loop_task_fn)(struct loop_task *t, void *arg);

/* The default stack: 64 KiB, plus the guard page. */
#define LOOP_TASK_STACK	(64 * 1024)

/*
 * Create a task running fn(t, arg) on a stack of stack_size bytes (0:
 * LOOP_TASK_STACK); its first step is scheduled with call_soon.  The
 * caller holds one reference to its future.  Returns NULL with errno:
 * ENOMEM, or mmap's or mprotect's.
 */
struct loop_task *loop_task_new(struct loop *l, const char *name,
				loop_task_fn fn, void *arg,
				size_t stack_size);
/* The task as a future: its result, callbacks and reference count. */
struct loop_future *loop_task_future(struct loop_task *t);
/* The loop the task runs on. */
struct loop *loop_task_loop(const struct loop_task *t);
/*
 * Ask the task to stop: the await it is in (or its next one) returns
 * ECANCELED, and what it awaited is cancelled too, as asyncio does.  A
 * task cancelled before its first step never runs.  Returns 1, or 0
 * when the task has already ended.
 */
int loop_task_cancel(struct loop_task *t);
/*
 * From inside the task: end it with an exception instead of a result
 * (the function should return right after).  msg is copied.
 */
void loop_task_raise(struct loop_task *t, int err, const char *msg);

/*
 * Await f from inside task t: 0 with *result (result may be NULL), or
 * -1 with errno: f's exception code, or ECANCELED.  f's outcome counts
 * as retrieved.
 */
int loop_await(struct loop_task *t, struct loop_future *f, void **result);
/* Sleep for seconds (asyncio.sleep).  0, or -1 with errno ECANCELED. */
int loop_sleep(struct loop_task *t, double seconds);
/*
 * Await every future in fs (asyncio.gather): 0 once all have results,
 * stored in results[i] (results may be NULL).  The first exception to
 * arrive ends the wait with -1 and its code in errno, and, as asyncio's
 * gather without return_exceptions, the others are NOT cancelled: they
 * go on, and their outcomes stay in them.  Cancelling the awaiting task
 * cancels every one of them.  -1 with errno ENOMEM too.
 */
int loop_gather(struct loop_task *t, struct loop_future *const *fs,
		size_t n, void **results);
/*
 * Await f for at most timeout seconds (asyncio.wait_for): as
 * loop_await(), or -1 with errno ETIMEDOUT once the time is up, after
 * cancelling f.
 */
int loop_wait_for(struct loop_task *t, struct loop_future *f,
		  double timeout, void **result);

/* ---- executor (loop_executor.c) ---- */

/*
 * asyncio's run_in_executor(None, fn) on the default ThreadPoolExecutor:
 * fn runs on a worker thread while the loop goes on, and a future ends
 * with what it returned.  For what would block the loop and cannot be
 * waited for: a read(2) of a regular file (always "ready": epoll refuses
 * one with EPERM), getaddrinfo, a long computation.
 *
 * Workers are started on demand, one more only when the jobs waiting
 * outnumber the idle workers, up to max_workers (by default Python's
 * min(32, CPUs + 4)); they live until shutdown or loop_close().  A
 * worker that finishes a job puts it on a list behind a mutex and adds
 * 1 to an eventfd(2) the loop watches as a reader; that reader resolves
 * the futures, on the loop thread, since futures are not thread-safe.
 * Workers start with every signal blocked, so signals reach the loop.
 *
 * Workers trace (lib/trace.c is thread-safe): the eventfd_write that
 * wakes the loop, the system calls of the jobs themselves, and
 * `executor` events: submit, thread, start, done, exception, cancel,
 * drop, join.
 *
 * A job reports failure through err: set *err (0 on entry) to an errno
 * value and the future ends with that exception, its message the job's
 * name; what fn returns is then ignored.
 */
typedef void *(*loop_job_fn)(void *arg, int *err);

/* The most workers a pool may have (Python's default cap, too). */
#define LOOP_EXECUTOR_MAX_WORKERS	32
/* The most jobs waiting for a worker (EAGAIN beyond). */
#define LOOP_EXECUTOR_QUEUE_MAX		1024

/*
 * Run fn(arg, &err) on a worker thread; name (static storage) names the
 * job and its future in traces.  arg must stay valid until the job has
 * run: until its future ends, or loop_shutdown_default_executor(),
 * loop_close() or loop_destroy() returns (an arg on the stack of a
 * function that returns before then is written to after it is gone).
 * The caller holds one reference to the future.  Cancelling the future
 * before a worker has taken the job takes it off the queue (it never
 * runs); once it runs it runs to completion and its result is dropped,
 * as concurrent.futures does: a result that owns memory is then lost, so
 * hand such results back through arg.  The cancel acts through a
 * done-callback, so on the next iteration, as asyncio's wrap_future.  Returns NULL with errno: EAGAIN (more than
 * LOOP_EXECUTOR_QUEUE_MAX jobs waiting), ESHUTDOWN (after
 * loop_shutdown_default_executor: asyncio's RuntimeError), eventfd's
 * (EMFILE ...) on first use, pthread_create's (EAGAIN) when no worker
 * could be started at all, or ENOMEM.
 */
struct loop_future *loop_run_in_executor(struct loop *l, const char *name,
					 loop_job_fn fn, void *arg);
/*
 * asyncio's set_default_executor(ThreadPoolExecutor(max_workers)): the
 * pool's size, before its first worker starts.  Returns 0, or -1 with
 * errno EINVAL (not 1 to LOOP_EXECUTOR_MAX_WORKERS), EBUSY (workers
 * already started, or shut down) or ENOMEM.
 */
int loop_set_default_executor(struct loop *l, int max_workers);
/*
 * asyncio's shutdown_default_executor: let every job queued or running
 * finish, join every worker, and end their futures (their done-callbacks
 * run on later iterations).  It blocks the loop thread until the last
 * job has run: call it at the end.  Later run_in_executor calls fail
 * with ESHUTDOWN.  Returns 0, or -1 with errno ENOMEM.
 *
 * loop_close() fails with EBUSY while jobs are pending (the executor's
 * eventfd is then still registered), and otherwise joins the workers;
 * loop_destroy() drops the jobs not started and waits for those running.
 * Either way no worker outlives the loop, and the eventfd is closed.
 */
int loop_shutdown_default_executor(struct loop *l);
/* The pool's size: the most workers it will start. */
int loop_executor_max_workers(const struct loop *l);
/* Worker threads running now (0 before the first job, after shutdown). */
int loop_executor_workers(const struct loop *l);

/* ---- streams (loop_stream.c) ---- */

/*
 * A stream, as asyncio's StreamReader and StreamWriter in one: a stream
 * transport whose protocol buffers what arrives, and read helpers that
 * tasks await.  The buffer is bounded: reading from the socket pauses
 * once `limit` bytes wait unread, and resumes as the task consumes them.
 */
struct loop_stream;

/* The default limit on buffered, unread bytes, as asyncio's (64 KiB). */
#define LOOP_STREAM_LIMIT	(64 * 1024)

/*
 * A stream on fd, a connected non-blocking stream socket (asyncio's
 * open_connection(sock=...)); the stream owns fd.  limit 0 means
 * LOOP_STREAM_LIMIT.  Returns NULL with errno ENOMEM (fd is then still
 * the caller's).
 */
struct loop_stream *loop_stream_new(struct loop *l, int fd, size_t limit);
/*
 * A stream on one end of a pipe, non-blocking (see
 * loop_pipe_transport_new()): the read end for reading (writing 0), the
 * write end for write and drain (writing 1).  The stream owns fd.
 * Returns NULL with errno ENOMEM (fd is then still the caller's).
 */
struct loop_stream *loop_stream_pipe_new(struct loop *l, int fd, int writing,
					 size_t limit);
/*
 * From task t: connect to sa (asyncio's open_connection).  Returns 0 with
 * *sp set, or -1 with errno: socket's, connect's (ECONNREFUSED ...),
 * ENOMEM or ECANCELED.
 */
int loop_open_connection(struct loop_task *t, const struct sockaddr *sa,
			 socklen_t len, struct loop_stream **sp);

/*
 * From task t: up to n bytes, as soon as any are there.  Returns how
 * many (0 at end of file), or -1 with errno: the connection's error, or
 * ECANCELED.
 */
ssize_t loop_stream_read(struct loop_task *t, struct loop_stream *s,
			 void *buf, size_t n);
/*
 * Exactly n bytes.  Returns 0, or -1 with errno ENODATA when the stream
 * ended first (asyncio's IncompleteReadError; the *got bytes that did
 * come are in buf), or as loop_stream_read().
 */
int loop_stream_readexactly(struct loop_task *t, struct loop_stream *s,
			    void *buf, size_t n, size_t *got);
/*
 * Bytes up to and including sep.  Returns 0 with *got set, or -1 with
 * errno: ENOBUFS when sep is not within the first min(size, limit) bytes
 * (asyncio's LimitOverrunError; the bytes stay in the stream), ENODATA
 * when the stream ended without sep (IncompleteReadError: what came is
 * in buf, *got bytes), or as loop_stream_read().
 */
int loop_stream_readuntil(struct loop_task *t, struct loop_stream *s,
			  const void *sep, size_t seplen, void *buf,
			  size_t size, size_t *got);
/*
 * One line, through its "\n"; at end of file, what is left (maybe
 * nothing: *got 0).  Returns 0, or -1 as loop_stream_readuntil() except
 * that end of file is not an error.
 */
int loop_stream_readline(struct loop_task *t, struct loop_stream *s,
			 char *buf, size_t size, size_t *got);

/*
 * Queue bytes for the peer (see loop_transport_write).  Returns 0, or -1
 * with errno: the connection's error, EPIPE or ENOBUFS.
 */
int loop_stream_write(struct loop_stream *s, const void *buf, size_t n);
/*
 * From task t: wait while the write buffer is above its high-water mark
 * (asyncio's drain).  Returns 0, or -1 with errno: the connection's
 * error (EPIPE once it is gone), or ECANCELED.
 */
int loop_stream_drain(struct loop_task *t, struct loop_stream *s);
/* Send what is buffered, then shut down the writing side. */
void loop_stream_write_eof(struct loop_stream *s);
/*
 * Bytes written and not yet taken by the kernel (asyncio's
 * transport.get_write_buffer_size()); 0 once the connection is gone.
 */
size_t loop_stream_buffered(const struct loop_stream *s);
/*
 * Close the stream: what is buffered is still sent, then the socket is
 * closed (asyncio's close() and wait_closed()).  From a task (t not
 * NULL), wait until the transport is gone, then free s; with t NULL, or
 * when the wait is cancelled, s is freed once the transport is gone.
 * Every stream must be closed this way, even after an error.  Never
 * fails.
 */
void loop_stream_close(struct loop_task *t, struct loop_stream *s);
/* The socket, for getpeername and the like; -1 once closed. */
int loop_stream_fd(const struct loop_stream *s);

/*
 * What a stream server does with each connection (asyncio's start_server
 * client_connected_cb): connected(s, arg) runs in the loop once the
 * connection is made, usually to start a task that owns s and closes it.
 */
struct loop_stream_accept {
	struct loop *loop;	/* the server's */
	void (*connected)(struct loop_stream *s, void *arg);
	void *arg;
	size_t limit;		/* each stream's; 0: LOOP_STREAM_LIMIT */
};
/*
 * Serve streams on fd, a listening non-blocking socket the server now
 * owns; acc must outlive the server (loop_start_server sets acc->loop).  Returns it (close it with
 * loop_server_close), or NULL with errno as loop_server_new().
 */
struct loop_server *loop_start_server(struct loop *l, int fd,
				      struct loop_stream_accept *acc);

/* ---- subprocesses (loop_subprocess.c) ---- */

/*
 * A child process with pipes to its stdin, stdout and stderr, watched by
 * the loop: asyncio's loop.subprocess_exec() with its SubprocessTransport
 * and SubprocessProtocol, and create_subprocess_exec() with its Process
 * for tasks.  No shell is involved: argv[0] is looked up in PATH and run
 * with argv as it is (lib/proc.h).  Each pipe is a pipe transport (see
 * loop_pipe_transport_new(), and its note on SIGPIPE); the child is
 * watched through a pidfd (loop_add_child_watcher) and reaped by the
 * loop as soon as it exits, so it is never left a zombie.
 */
struct loop_subprocess;

/* What each of the child's fds 0, 1 and 2 is connected to. */
enum loop_stdio {
	LOOP_STDIO_INHERIT,	/* ours (the default: zero) */
	LOOP_STDIO_PIPE,	/* a pipe to the loop (asyncio's PIPE) */
	LOOP_STDIO_DEVNULL,	/* /dev/null (DEVNULL) */
	LOOP_STDIO_STDOUT,	/* fd 2 only: wherever fd 1 goes (STDOUT) */
};

struct loop_subprocess_spec {
	char *const *argv;		/* argv[0] is looked up in PATH */
	char *const *envp;		/* NULL: this process's environment */
	const char *cwd;		/* NULL: ours */
	enum loop_stdio io[3];		/* for the child's fds 0, 1, 2 */
};

/*
 * What a subprocess protocol implements, as asyncio.SubprocessProtocol;
 * any may be NULL, and ctx is the protocol's own.
 *
 *   connection_made       the child runs and its pipes are ready.
 *   pipe_data_received    the child wrote n bytes to fd (1 or 2).
 *   pipe_connection_lost  the pipe on fd (0, 1 or 2) has closed: err 0
 *                         at a clean end, or its errno (EPIPE: the child
 *                         closed its stdin with bytes still buffered).
 *   process_exited        the child has exited and been reaped; its
 *                         output may still be in the pipes.
 *   connection_lost       the end, exactly once, after the child has
 *                         exited AND every pipe has closed; the
 *                         transport is freed when this returns.
 *   pause_writing         stdin's buffer rose above the high-water mark;
 *   resume_writing        ... and drained down to the low-water mark.
 */
struct loop_subprocess_protocol {
	void (*connection_made)(struct loop_subprocess *sp, void *ctx);
	void (*pipe_data_received)(struct loop_subprocess *sp, int fd,
				   const void *buf, size_t n, void *ctx);
	void (*pipe_connection_lost)(struct loop_subprocess *sp, int fd,
				     int err, void *ctx);
	void (*process_exited)(struct loop_subprocess *sp, void *ctx);
	void (*connection_lost)(struct loop_subprocess *sp, int err,
				void *ctx);
	void (*pause_writing)(struct loop_subprocess *sp, void *ctx);
	void (*resume_writing)(struct loop_subprocess *sp, void *ctx);
};

/*
 * Start the child (asyncio's loop.subprocess_exec): make the pipes the
 * spec asks for (every end CLOEXEC, ours non-blocking), spawn it, and
 * watch it.  connection_made runs on the next iteration.  Returns the
 * transport, or NULL with errno and *step (may be NULL) naming what
 * failed: "pipe2", "open" (/dev/null), "fcntl", "posix_spawnp" (ENOENT:
 * no such program; EACCES: not executable; a program that cannot run is
 * an error here, never an exit status), "loop_add_child_watcher"
 * (pidfd_open's errno, or the backend's), or "malloc" (ENOMEM); EINVAL
 * ("spec") for an empty argv or LOOP_STDIO_STDOUT anywhere but fd 2.  Nothing is left open and no child is left running
 * after a failure.
 */
struct loop_subprocess *loop_subprocess_exec(struct loop *l,
	const struct loop_subprocess_spec *spec,
	const struct loop_subprocess_protocol *p, void *ctx,
	const char **step);
/* The child's pid. */
pid_t loop_subprocess_pid(const struct loop_subprocess *sp);
/*
 * How the child ended, as asyncio's returncode: its exit code, or -N
 * when signal N killed it (255 when something else reaped it first, as
 * asyncio says).  Returns 0 with *code, or -1 with errno EAGAIN while it
 * still runs.
 */
int loop_subprocess_returncode(const struct loop_subprocess *sp, int *code);
/*
 * The pipe transport on the child's fd (0: write to its stdin; 1, 2:
 * pause_reading and the like), or NULL with errno: EINVAL (fd is not
 * 0-2) or ENOENT (no pipe there, or it has closed).
 */
struct loop_transport *loop_subprocess_pipe(struct loop_subprocess *sp,
					    int fd);
/*
 * Send sig to the child.  It cannot be a stranger: the pid stays ours
 * until the loop reaps it.  Returns 0, or -1 with errno: ESRCH once the
 * child has exited (asyncio's ProcessLookupError), or kill(2)'s.
 */
int loop_subprocess_send_signal(struct loop_subprocess *sp, int sig);
/* SIGTERM, and SIGKILL.  Return as loop_subprocess_send_signal(). */
int loop_subprocess_terminate(struct loop_subprocess *sp);
int loop_subprocess_kill(struct loop_subprocess *sp);
/*
 * Close every pipe (stdin after its buffer is sent) and, as asyncio
 * does, SIGKILL the child if it still runs.  The loop still reaps it:
 * pipe_connection_lost, process_exited and connection_lost still come,
 * and the transport is freed after the last.  Never fails.
 */
void loop_subprocess_close(struct loop_subprocess *sp);

/*
 * The same for tasks (asyncio.create_subprocess_exec and its Process):
 * each pipe is a stream (see loop_stream_pipe_new()), NULL where the
 * spec asked for no pipe.  A loop_process belongs to its caller until
 * loop_process_close(); the child itself belongs to the loop, which
 * reaps it whenever it exits.
 */
struct loop_process {
	struct loop_stream *in;		/* the child's stdin: write, drain */
	struct loop_stream *out;	/* its stdout: readline and the rest */
	struct loop_stream *err;	/* its stderr */
	pid_t pid;
	int exited;			/* set once the child has exited */
	int returncode;			/* then: as loop_subprocess_returncode */
	/* The rest is loop_subprocess.c's. */
	struct loop_subprocess *sp;	/* NULL once the child is gone */
	struct loop_future *waiter;	/* a task in loop_process_wait() */
};

/*
 * From task t: start the child with stream pipes, limit bytes each (0:
 * LOOP_STREAM_LIMIT).  Returns 0 with *pp, or -1 with errno and *step as
 * loop_subprocess_exec().
 */
int loop_create_subprocess_exec(struct loop_task *t,
				const struct loop_subprocess_spec *spec,
				size_t limit, struct loop_process **pp,
				const char **step);
/*
 * From task t: wait until the child has exited (Process.wait()).
 * Returns 0 with *returncode (may be NULL), or -1 with errno: ECANCELED,
 * EBUSY (another task is waiting on p) or ENOMEM.  Beware: a child that
 * fills a pipe nobody reads never exits; read first, or communicate.
 */
int loop_process_wait(struct loop_task *t, struct loop_process *p,
		      int *returncode);
/*
 * From task t: Process.communicate(): write in_len bytes of in (may be
 * NULL) to stdin and close it, while reading stdout and stderr to their
 * end into out and err (each may be NULL, bounded by its size; *got
 * says how much came), then wait for the exit.  The reads run as tasks
 * of their own, so a child that writes much before reading all its
 * input cannot deadlock it.  A child that closes its stdin before taking
 * all of in is no error (asyncio ignores BrokenPipeError there too).
 * Returns 0, or -1 with errno: ENOBUFS when an output did not fit (the
 * rest was read and dropped; the child still ran to its end), a read's
 * error, or as loop_process_wait().
 */
int loop_process_communicate(struct loop_task *t, struct loop_process *p,
			     const void *in, size_t in_len,
			     char *out, size_t out_size, size_t *out_got,
			     char *err, size_t err_size, size_t *err_got);
/* Signals, as loop_subprocess_send_signal(): ESRCH once it has exited. */
int loop_process_send_signal(struct loop_process *p, int sig);
/*
 * Close the streams (from task t: waiting until each is closed; t may
 * be NULL) and free p.  A child still running is SIGKILLed, as
 * asyncio's transport does when closed, and the loop reaps it.  No task
 * may be waiting on p.  Never fails.
 */
void loop_process_close(struct loop_task *t, struct loop_process *p);

/* ---- asyncore (loop_asyncore.c) and asynchat (loop_asynchat.c) ---- */

/*
 * asyncore's dispatchers, on this loop.  A map holds them; before each
 * iteration, asyncore_poll() asks every dispatcher readable() and
 * writable(), makes its reader and writer match the answers (each answer
 * is an `asyncore` trace event), then runs loop_run_once().  A dispatcher
 * owns its non-blocking socket.  Closing one unhooks and closes the
 * socket at once; the dispatcher is freed, after destroy(), at the start
 * of the next poll.  Errors inside a dispatcher call handle_error, then
 * handle_close (unless handle_error closed it).
 */
struct asyncore_map;
struct asyncore_dispatcher;

/*
 * What a dispatcher implements; any may be NULL.  readable() defaults to
 * yes, writable() to "while connecting" (Python's True would spin),
 * handle_close to asyncore_close(); a listening dispatcher gets
 * handle_accept instead of handle_read and is never asked to write.
 * destroy() is the last call: free ctx there.
 */
struct asyncore_ops {
	int (*readable)(struct asyncore_dispatcher *d, void *ctx);
	int (*writable)(struct asyncore_dispatcher *d, void *ctx);
	void (*handle_read)(struct asyncore_dispatcher *d, void *ctx);
	void (*handle_write)(struct asyncore_dispatcher *d, void *ctx);
	void (*handle_accept)(struct asyncore_dispatcher *d, void *ctx);
	void (*handle_connect)(struct asyncore_dispatcher *d, void *ctx);
	void (*handle_close)(struct asyncore_dispatcher *d, void *ctx);
	void (*handle_error)(struct asyncore_dispatcher *d, int err,
			     void *ctx);
	void (*destroy)(struct asyncore_dispatcher *d, void *ctx);
};

/* A map on l (asyncore's socket_map).  NULL with errno ENOMEM. */
struct asyncore_map *asyncore_map_new(struct loop *l);
/* Close every dispatcher left (asyncore.close_all) and free m. */
void asyncore_map_free(struct asyncore_map *m);
/* Open dispatchers in m. */
size_t asyncore_map_count(const struct asyncore_map *m);
/*
 * One pass: ask, then one loop iteration.  Returns 0, or -1 with errno
 * as loop_run_once().
 */
int asyncore_poll(struct asyncore_map *m);
/*
 * asyncore.loop(): poll until m is empty, loop_stop(), or count passes
 * (count < 0: no bound).  Returns 0, or -1 as asyncore_poll().
 */
int asyncore_loop(struct asyncore_map *m, long count);

/*
 * A dispatcher on fd, a non-blocking CLOEXEC socket it now owns,
 * connected when getpeername(2) finds a peer.  name (static storage)
 * names it in traces.  Returns NULL with errno ENOMEM.
 */
struct asyncore_dispatcher *asyncore_dispatcher_new(struct asyncore_map *m,
	int fd, const char *name, const struct asyncore_ops *ops, void *ctx);
/* The socket; -1 once closed. */
int asyncore_fd(const struct asyncore_dispatcher *d);
/* Non-zero once connected (handle_connect has run, or fd had a peer). */
int asyncore_connected(const struct asyncore_dispatcher *d);
/*
 * Start connecting; handle_connect runs when it completes (at once if
 * it already did).  Returns 0, or -1 with connect(2)'s errno.
 */
int asyncore_connect(struct asyncore_dispatcher *d, const struct sockaddr *sa,
		     socklen_t len);
/* listen(2), and accept from now on.  Returns 0, or -1 with its errno. */
int asyncore_listen(struct asyncore_dispatcher *d, int backlog);
/*
 * accept4(2) a connection, SOCK_NONBLOCK | SOCK_CLOEXEC.  Returns its
 * fd, or -1 with errno (EAGAIN: none waiting, not an error).
 */
int asyncore_accept(struct asyncore_dispatcher *d, struct sockaddr *sa,
		    socklen_t *len);
/*
 * send(2) what the socket takes: the count, 0 when it is full or when
 * the peer is gone (handle_close has then run), or -1 with errno.
 */
ssize_t asyncore_send(struct asyncore_dispatcher *d, const void *buf,
		      size_t n);
/*
 * recv(2): the count, 0 at end of file or reset (handle_close has then
 * run), or -1 with errno (EAGAIN: nothing yet).
 */
ssize_t asyncore_recv(struct asyncore_dispatcher *d, void *buf, size_t n);
/* Unhook and close now; freed at the next poll.  Never fails. */
void asyncore_close(struct asyncore_dispatcher *d);
/* handle_error(err), then handle_close unless it closed d. */
void asyncore_fail(struct asyncore_dispatcher *d, int err);

/*
 * asynchat: a dispatcher whose input is framed by a terminator and whose
 * output is a FIFO of pushed bytes.  Every callback may be NULL:
 * collect_incoming_data defaults to keeping the bytes (bounded by the
 * limit; returns 0, or -1 with errno to end the channel), and
 * found_terminator gets what was kept since the last terminator (n 0
 * when a collector of one's own took it).  handle_close defaults to
 * closing, and destroy is the last call.
 */
struct asynchat;

struct asynchat_ops {
	int (*collect_incoming_data)(struct asynchat *c, const void *buf,
				     size_t n, void *ctx);
	void (*found_terminator)(struct asynchat *c, const void *data,
				 size_t n, void *ctx);
	void (*handle_connect)(struct asynchat *c, void *ctx);
	void (*handle_close)(struct asynchat *c, void *ctx);
	void (*handle_error)(struct asynchat *c, int err, void *ctx);
	void (*destroy)(struct asynchat *c, void *ctx);
};

/* Input kept between terminators, by default (EMSGSIZE beyond). */
#define ASYNCHAT_LIMIT		(64 * 1024)
/* The longest byte-string terminator. */
#define ASYNCHAT_TERM_MAX	64
/* The most the producer FIFO holds (ENOBUFS beyond). */
#define ASYNCHAT_PUSH_MAX	(1024 * 1024)

/*
 * A channel on fd, as asyncore_dispatcher_new(); no terminator yet (all
 * input is collected).  Returns NULL with errno ENOMEM.
 */
struct asynchat *asynchat_new(struct asyncore_map *m, int fd,
			      const char *name,
			      const struct asynchat_ops *ops, void *ctx);
/* Its dispatcher: for asyncore_connect(), asyncore_fd() and the like. */
struct asyncore_dispatcher *asynchat_dispatcher(struct asynchat *c);
/*
 * Frame on a byte string (1 to ASYNCHAT_TERM_MAX bytes; "\r\n\r\n").
 * Returns 0, or -1 with errno EINVAL.
 */
int asynchat_set_terminator(struct asynchat *c, const void *term, size_t n);
/* Frame on a count: found_terminator after count more bytes (0: none). */
void asynchat_set_terminator_count(struct asynchat *c, size_t count);
/* No terminator: collect until the peer closes. */
void asynchat_set_terminator_none(struct asynchat *c);
/* The input bound (0: ASYNCHAT_LIMIT). */
void asynchat_set_limit(struct asynchat *c, size_t limit);
/* What the default collector holds now (for handle_close, say). */
const void *asynchat_collected(const struct asynchat *c, size_t *n);
/*
 * Frame bytes as if they had been read: what handle_read does with each
 * recv(2).  Returns 0, or -1 with errno (EMSGSIZE: the limit; or the
 * collector's), and the channel is then the caller's to fail.
 */
int asynchat_feed(struct asynchat *c, const void *buf, size_t n);
/*
 * Queue a copy of buf and send what the socket takes now.  Returns 0,
 * or -1 with errno: EPIPE (closed or closing), ENOBUFS (past
 * ASYNCHAT_PUSH_MAX) or ENOMEM.
 */
int asynchat_push(struct asynchat *c, const void *buf, size_t n);
/* Bytes pushed and not yet sent. */
size_t asynchat_queued(const struct asynchat *c);
/* Close once everything pushed has been sent. */
void asynchat_close_when_done(struct asynchat *c);
/* Close now, dropping what is queued.  Never fails. */
void asynchat_close(struct asynchat *c);
/* Non-zero once closed. */
int asynchat_closed(const struct asynchat *c);


/* ---- synchronisation (loop_sync.c) and queues (loop_queue.c) ---- */

/*
 * What every primitive below is built on, as asyncio's deques of
 * futures: a FIFO of waiting tasks.  Each waiter is a future named after
 * the primitive (so --trace shows "task T: await lock") and a node on
 * the waiting task's own stack; nothing is allocated but the future.
 */
struct loop_lock;
struct loop_event;
struct loop_condition;
struct loop_semaphore;
struct loop_queue;
struct loop_waiter;
struct loop_waiters {
	struct loop_waiter *head, *tail;
};

/*
 * From task t: wait at the back of w until loop_waiters_wake() picks
 * this waiter.  Returns 0, or -1 with errno ECANCELED (the task was
 * cancelled; the waiter has left the line) or ENOMEM.  *woken (may be
 * NULL) says whether the wake-up came, even when a cancel came too: the
 * caller then passes on what the wake-up handed over.
 */
int loop_waiters_wait(struct loop_task *t, struct loop_waiters *w,
		      const char *name, int *woken);
/*
 * Wake the first waiter still waiting (cancelled ones are skipped).
 * Returns 1, or 0 when nobody was waiting.
 */
int loop_waiters_wake(struct loop_waiters *w);

/*
 * asyncio.Lock: not re-entrant, released by anyone.  Fair: release()
 * hands the lock to the first waiter, so a task that arrives later
 * cannot take it first.  name (static storage) names it in traces.
 * Returns NULL with errno ENOMEM.
 */
struct loop_lock *loop_lock_new(struct loop *l, const char *name);
/* Free k; no task may be waiting on it. */
void loop_lock_free(struct loop_lock *k);
/*
 * From task t: wait for the lock and take it.  Returns 0, or -1 with
 * errno ECANCELED (not taken: a cancelled waiter never holds it) or
 * ENOMEM.
 */
int loop_lock_acquire(struct loop_task *t, struct loop_lock *k);
/*
 * Release k, to its first waiter if any.  Returns 0, or -1 with errno
 * EPERM when it was not locked (asyncio's RuntimeError).
 */
int loop_lock_release(struct loop_lock *k);
int loop_lock_locked(const struct loop_lock *k);

/* asyncio.Event: a flag that tasks wait to see set.  NULL: ENOMEM. */
struct loop_event *loop_event_new(struct loop *l, const char *name);
/* Free e; no task may be waiting on it. */
void loop_event_free(struct loop_event *e);
/* Set the flag and wake every waiter. */
void loop_event_set(struct loop_event *e);
/* Clear the flag: wait() blocks again. */
void loop_event_clear(struct loop_event *e);
int loop_event_is_set(const struct loop_event *e);
/*
 * From task t: return once the flag is set (at once if it is).  Returns
 * 0, or -1 with errno ECANCELED or ENOMEM.
 */
int loop_event_wait(struct loop_task *t, struct loop_event *e);

/*
 * asyncio.Condition: tasks wait, holding lock, for another to notify.
 * lock NULL: the condition makes and owns its own.  NULL with ENOMEM.
 */
struct loop_condition *loop_condition_new(struct loop *l, const char *name,
					  struct loop_lock *lock);
/* Free c (and its own lock); no task may be waiting on it. */
void loop_condition_free(struct loop_condition *c);
/* Its lock, to acquire before wait() and notify(). */
struct loop_lock *loop_condition_lock(struct loop_condition *c);
/*
 * From task t, holding the lock: release it, wait for a notify, and
 * take the lock again before returning, even when cancelled (asyncio
 * does the same).  Returns 0, or -1 with errno: EPERM (the lock was not
 * held), ECANCELED (the lock is held again) or ENOMEM (it may not be:
 * see loop_lock_locked()).
 */
int loop_condition_wait(struct loop_task *t, struct loop_condition *c);
/*
 * wait() until pred(arg) is non-zero (asyncio's wait_for).  Returns 0,
 * or -1 as loop_condition_wait().
 */
int loop_condition_wait_for(struct loop_task *t, struct loop_condition *c,
			    int (*pred)(void *arg), void *arg);
/*
 * Holding the lock: wake up to n waiters, first come first woken.
 * Returns how many, or -1 with errno EPERM when the lock is not held.
 */
int loop_condition_notify(struct loop_condition *c, int n);
/* Wake every waiter.  Returns as loop_condition_notify(). */
int loop_condition_notify_all(struct loop_condition *c);

/*
 * asyncio.Semaphore: value permits; acquire takes one, waiting while
 * none is left, release gives one back (to the first waiter, if any).
 * A bounded one (BoundedSemaphore) refuses a release above its initial
 * value.  Return NULL with errno EINVAL (value < 0) or ENOMEM.
 */
struct loop_semaphore *loop_semaphore_new(struct loop *l, const char *name,
					  int value);
struct loop_semaphore *loop_bounded_semaphore_new(struct loop *l,
						  const char *name,
						  int value);
/* Free s; no task may be waiting on it. */
void loop_semaphore_free(struct loop_semaphore *s);
/*
 * From task t: take a permit.  Returns 0, or -1 with errno ECANCELED
 * (no permit taken) or ENOMEM.
 */
int loop_semaphore_acquire(struct loop_task *t, struct loop_semaphore *s);
/*
 * Give a permit back.  Returns 0, or -1 with errno EINVAL when a bounded
 * semaphore would go above its initial value (asyncio's ValueError).
 */
int loop_semaphore_release(struct loop_semaphore *s);
/* Permits left now. */
int loop_semaphore_value(const struct loop_semaphore *s);

/*
 * asyncio.Queue, LifoQueue and PriorityQueue: items are pointers the
 * caller owns.  maxsize bounds the queue: put() waits while it is full.
 * maxsize 0 means unbounded, as in asyncio: put() never waits and the
 * queue's array doubles as it grows, so a producer faster than its
 * consumers grows memory without limit.  Prefer a bound.
 */
enum loop_queue_kind {
	LOOP_QUEUE_FIFO,	/* Queue: first in, first out */
	LOOP_QUEUE_LIFO,	/* LifoQueue: last in, first out */
	LOOP_QUEUE_PRIORITY,	/* PriorityQueue: smallest first (by cmp) */
};

/*
 * A queue of the given kind.  cmp orders a priority queue as qsort(3)'s
 * compare does (it must be NULL for the other kinds); equal items come
 * out in no promised order, as with heapq.  Returns NULL with errno
 * EINVAL (cmp missing or extra) or ENOMEM.
 */
struct loop_queue *loop_queue_new(struct loop *l, const char *name,
				  enum loop_queue_kind kind, size_t maxsize,
				  int (*cmp)(const void *a, const void *b));
/* Free q (not its items); no task may be waiting on it. */
void loop_queue_free(struct loop_queue *q);
/*
 * Add item now.  Returns 0, or -1 with errno EAGAIN when full
 * (asyncio's QueueFull) or ENOMEM.
 */
int loop_queue_put_nowait(struct loop_queue *q, void *item);
/*
 * Take the next item now.  Returns 0 with *item, or -1 with errno
 * EAGAIN when empty (asyncio's QueueEmpty).
 */
int loop_queue_get_nowait(struct loop_queue *q, void **item);
/*
 * From task t: put, waiting while the queue is full.  Returns 0, or -1
 * with errno ECANCELED (nothing put) or ENOMEM.
 */
int loop_queue_put(struct loop_task *t, struct loop_queue *q, void *item);
/*
 * From task t: get, waiting while the queue is empty.  Returns 0 with
 * *item, or -1 with errno ECANCELED (nothing taken) or ENOMEM.
 */
int loop_queue_get(struct loop_task *t, struct loop_queue *q, void **item);
/*
 * A consumer has finished with an item it got.  Returns 0, or -1 with
 * errno EINVAL when called more times than items were put (asyncio's
 * ValueError).
 */
int loop_queue_task_done(struct loop_queue *q);
/*
 * From task t: wait until every item put has been marked task_done.
 * Returns 0, or -1 with errno ECANCELED or ENOMEM.
 */
int loop_queue_join(struct loop_task *t, struct loop_queue *q);
size_t loop_queue_size(const struct loop_queue *q);
int loop_queue_empty(const struct loop_queue *q);
/* Non-zero when put_nowait would fail with EAGAIN (never if unbounded). */
int loop_queue_full(const struct loop_queue *q);

#endif
