/*
 * sys.h - one traced wrapper per system call the project makes.
 *
 * Each wrapper keeps the call's own name and signature (sys_connect has the
 * arguments of connect(2)) and behaves exactly like it: it returns what the
 * call returns and leaves errno as the call left it.  When `sys_watch` is
 * zero the wrapper is the call plus one branch.  When it is set, the wrapper
 *   1. honours fault injection (--inject CALL=ERRNO[:N], CALL=short),
 *   2. makes the call,
 *   3. emits a trace event with a one-line explanation (lib/explain.c),
 *   4. passes the step gate when --step=syscall.
 *
 * A few calls are libc functions rather than system calls (getaddrinfo,
 * getnameinfo); they are wrapped the same way because the learner should
 * see them too.
 *
 * This is the one public header; the wrappers live by domain, and the
 * groups below follow the files: lib/sys.c (the machinery, and files and
 * descriptors), lib/sys_net.c, lib/sys_poll.c, lib/sys_proc.c.
 * lib/sys_impl.h, for those files only, shows how a wrapper is written.
 */
#ifndef IPC_SYS_H
#define IPC_SYS_H

#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

/* lib/sys.c - tracing state and fault injection. */

/* Non-zero when tracing or injection is active. */
extern int sys_watch;

/*
 * Fault injection.  spec is "CALL=ERRNO", "CALL=ERRNO:N", "CALL=short" or
 * "CALL=short:N".  Without :N every call of CALL fails; with :N only the Nth
 * (counting from 1).  ERRNO is a name (ECONNREFUSED) or a number.  "short"
 * applies to read, write, recv, send, recvfrom and sendto: the
 * call is made with half the count (at least 1 byte).  For getaddrinfo the
 * value may be an EAI_ name (EAI_NONAME, EAI_AGAIN).
 * Returns 0, or -1 with errno EINVAL for a bad spec (ENOSPC if too many).
 */
int sys_inject_add(const char *spec);
void sys_inject_clear(void);

/* Re-compute sys_watch after trace_init() or sys_inject_add(). */
void sys_watch_update(void);

/* lib/sys.c - files and descriptors: see open(2), read(2), write(2) ... */
int sys_open(const char *path, int flags, ...);
ssize_t sys_read(int fd, void *buf, size_t count);
ssize_t sys_write(int fd, const void *buf, size_t count);
int sys_close(int fd);
int sys_pipe2(int fds[2], int flags);
int sys_dup(int fd);
int sys_dup2(int oldfd, int newfd);
int sys_dup3(int oldfd, int newfd, int flags);
int sys_fcntl(int fd, int cmd, ...);
int sys_unlink(const char *path);
int sys_mkdir(const char *path, mode_t mode);

/* lib/sys_net.c - sockets: see socket(2), bind(2), listen(2), connect(2) ... */
int sys_socket(int domain, int type, int protocol);
int sys_socketpair(int domain, int type, int protocol, int sv[2]);
int sys_bind(int fd, const struct sockaddr *addr, socklen_t len);
int sys_listen(int fd, int backlog);
int sys_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
int sys_connect(int fd, const struct sockaddr *addr, socklen_t len);
int sys_shutdown(int fd, int how);
int sys_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
int sys_setsockopt(int fd, int level, int name, const void *val, socklen_t len);
int sys_getsockname(int fd, struct sockaddr *addr, socklen_t *len);
int sys_getpeername(int fd, struct sockaddr *addr, socklen_t *len);
ssize_t sys_send(int fd, const void *buf, size_t len, int flags);
ssize_t sys_recv(int fd, void *buf, size_t len, int flags);
ssize_t sys_sendto(int fd, const void *buf, size_t len, int flags,
		   const struct sockaddr *to, socklen_t tolen);
ssize_t sys_recvfrom(int fd, void *buf, size_t len, int flags,
		     struct sockaddr *from, socklen_t *fromlen);
ssize_t sys_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t sys_recvmsg(int fd, struct msghdr *msg, int flags);

/* lib/sys_net.c - name resolution (libc, not system calls): getaddrinfo(3). */
int sys_getaddrinfo(const char *node, const char *service,
		    const struct addrinfo *hints, struct addrinfo **res);
int sys_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
		    socklen_t hostlen, char *serv, socklen_t servlen, int flags);

/* lib/sys_net.c - ioctl(2): see ioctl_tty(2), netdevice(7), socket(7). */
int sys_ioctl(int fd, unsigned long req, void *arg);

/* lib/sys_poll.c - readiness: see poll(2), epoll(7). */
int sys_poll(struct pollfd *fds, nfds_t nfds, int timeout);
int sys_epoll_create1(int flags);
int sys_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);
int sys_epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout);
/* lib/sys_poll.c - select(2); the fd_set and timeval of <sys/select.h>. */
int sys_select(int nfds, fd_set *rfds, fd_set *wfds, fd_set *efds,
	       struct timeval *timeout);
/*
 * lib/sys_poll.c - wake-ups: see eventfd(2).  eventfd_write is not in
 * --inject's list: a lost wake-up would hang the loop with nothing to
 * report it.
 */
int sys_eventfd(unsigned int initval, int flags);
int sys_eventfd_read(int fd, eventfd_t *value);
int sys_eventfd_write(int fd, eventfd_t value);

/* lib/sys_proc.c - processes, signals, limits: see fork(2), sigaction(2) ... */
pid_t sys_fork(void);
int sys_execvp(const char *file, char *const argv[]);
pid_t sys_waitpid(pid_t pid, int *status, int options);
int sys_kill(pid_t pid, int sig);
int sys_sigaction(int sig, const struct sigaction *act, struct sigaction *old);
int sys_sigprocmask(int how, const sigset_t *set, sigset_t *old);
int sys_getrlimit(int resource, struct rlimit *rl);
int sys_setrlimit(int resource, const struct rlimit *rl);

/* lib/sys_mem.c - mappings and shared memory: see mmap(2), shm_open(3) ... */
struct stat;
void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int sys_munmap(void *addr, size_t len);
int sys_mprotect(void *addr, size_t len, int prot);
int sys_msync(void *addr, size_t len, int flags);
int sys_mincore(void *addr, size_t len, unsigned char *vec);
void *sys_mremap(void *old, size_t old_len, size_t new_len, int flags);
int sys_madvise(void *addr, size_t len, int advice);
int sys_ftruncate(int fd, off_t len);
int sys_fstat(int fd, struct stat *st);
int sys_stat(const char *path, struct stat *st);
int sys_shm_open(const char *name, int flags, mode_t mode);
int sys_shm_unlink(const char *name);


/* lib/sys_proc.c - spawning, for lib/proc.c: see execve(2), wait4(2) ... */
int sys_execvpe(const char *file, char *const argv[], char *const envp[]);
pid_t sys_wait4(pid_t pid, int *status, int options, struct rusage *ru);
pid_t sys_setsid(void);
int sys_setpgid(pid_t pid, pid_t pgid);
pid_t sys_getpgid(pid_t pid);
pid_t sys_getsid(pid_t pid);
int sys_chdir(const char *path);
int sys_close_range(unsigned first, unsigned last, int flags);
/* lib/sys_proc.c - readlink(2), for what /proc/PID/fd/N points at. */
ssize_t sys_readlink(const char *path, char *buf, size_t size);
/* lib/sys_proc.c - prctl(2) with one argument: PR_SET_PDEATHSIG, SIG. */
int sys_prctl(int option, unsigned long arg);
/*
 * lib/sys_proc.c - threads: see pthread_create(3), pthread_join(3).  They
 * return an error number, as pthreads does; errno is untouched.
 * pthread_join is not in --inject's list: a thread not joined would run
 * on into memory its joiner frees.
 */
int sys_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
		       void *(*start)(void *), void *arg);
int sys_pthread_join(pthread_t thread, void **retval);
/* Returns 0 or an error number, as posix_spawn(3) does; errno untouched. */
int sys_posix_spawnp(pid_t *pid, const char *file,
		     const posix_spawn_file_actions_t *fa,
		     const posix_spawnattr_t *attr, char *const argv[],
		     char *const envp[]);

/*
 * vfork(2) cannot be wrapped in a function: the child borrows the parent's
 * stack, and returning from the wrapper in the child would wreck the frame
 * the parent returns into.  So the wrapper is a macro around the call
 * itself: sys_vfork_enter() traces and honours --inject in the parent
 * (0, or -1 with errno set), and sys_vfork_leave() traces the result once
 * the parent resumes.  The child runs neither.  Use it as a statement:
 * SYS_VFORK(pid);
 */
int sys_vfork_enter(void);
pid_t sys_vfork_leave(pid_t ret, int err);
#define SYS_VFORK(pid)							\
	do {								\
		if (sys_vfork_enter() < 0)				\
			(pid) = -1;					\
		else if (((pid) = vfork()) != 0)			\
			(pid) = sys_vfork_leave((pid), errno);		\
	} while (0)

/* lib/sys_sig.c - signals: see sigqueue(3), signalfd(2), setitimer(2) ... */
struct itimerval;	/* see <sys/time.h> */
int sys_sigqueue(pid_t pid, int sig, const union sigval value);
int sys_pidfd_open(pid_t pid, unsigned int flags);
int sys_pidfd_send_signal(int pidfd, int sig, siginfo_t *info,
			  unsigned int flags);
int sys_signalfd(int fd, const sigset_t *mask, int flags);
int sys_sigtimedwait(const sigset_t *set, siginfo_t *info,
		     const struct timespec *timeout);
int sys_sigpending(sigset_t *set);
int sys_sigsuspend(const sigset_t *mask);
int sys_ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
	      const sigset_t *mask);
unsigned int sys_alarm(unsigned int seconds);
int sys_setitimer(int which, const struct itimerval *new,
		  struct itimerval *old);
/* Returns an error number, as pthread_sigmask(3) does. */
int sys_pthread_sigmask(int how, const sigset_t *set, sigset_t *old);

/* lib/sys_tls.c - OpenSSL's I/O calls, traced with their SSL_get_error(3)
   code; see SSL_connect(3), SSL_read(3), SSL_shutdown(3). */
typedef struct ssl_st SSL;
int sys_SSL_connect(SSL *ssl);
int sys_SSL_accept(SSL *ssl);
int sys_SSL_read(SSL *ssl, void *buf, int num);
int sys_SSL_write(SSL *ssl, const void *buf, int num);
int sys_SSL_shutdown(SSL *ssl);
/* SSL_get_error(3), and SSL_ERROR_SYSCALL after an injected failure. */
int sys_SSL_get_error(const SSL *ssl, int ret);

#endif
