/*
 * explain.c - what each outcome of each call means, in one line.
 *
 * Three tables, most precise first: texts for a call (with qualifiers such
 * as "shutdown SHUT_WR") and one outcome, texts for an errno whatever the
 * call, and a last resort.  The wording follows the man pages named in
 * each section; a text says what happened and, for a failure, what to do.
 */
#include "explain.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* Which outcomes a row describes. */
enum when {
	FAIL,		/* ret < 0 with this errno */
	OK,		/* any ret >= 0 */
	ZERO,		/* ret == 0 */
	MORE,		/* ret > 0 */
};

struct call_note {
	const char *call;	/* "connect", or "shutdown SHUT_WR" */
	enum when when;
	int err;		/* FAIL only */
	const char *text;
};

#define S(call, text)		{ call, OK, 0, text }
#define S0(call, text)		{ call, ZERO, 0, text }
#define S1(call, text)		{ call, MORE, 0, text }
#define F(call, err, text)	{ call, FAIL, err, text }

static const struct call_note call_notes[] = {
	/* see socket(2), socketpair(2) */
	S("socket", "a new endpoint: the kernel made a socket and returned "
	    "the lowest free descriptor"),
	F("socket", EAFNOSUPPORT, "this kernel does not support that "
	    "address family"),
	F("socket", EPROTONOSUPPORT, "no protocol of that type in this "
	    "address family"),
	F("socket", EINVAL, "unknown socket type or flags"),
	F("socket", EACCES, "this kind of socket needs privilege (raw "
	    "sockets need CAP_NET_RAW)"),
	/* see packet(7), netlink(7), rtnetlink(7), capabilities(7) */
	S("socket AF_PACKET 0", "a packet socket with protocol 0: no frame "
	    "arrives until bind names a protocol (ETH_P_ALL: every one) and "
	    "an interface"),
	S("socket AF_PACKET", "a packet socket: sees whole frames on an "
	    "interface; needs CAP_NET_RAW"),
	F("socket AF_PACKET", EPERM, "needs CAP_NET_RAW: run as root, or "
	    "give the program that capability with setcap(8)"),
	S("socket AF_NETLINK NETLINK_ROUTE", "a netlink socket to the "
	    "routing subsystem: interfaces, addresses and routes, asked for "
	    "and reported as messages, as ip(8) does"),
	S("socket AF_NETLINK", "a netlink socket: a message channel to the "
	    "kernel itself, not to another host"),
	F("socket AF_NETLINK", EPROTONOSUPPORT, "no netlink family of that "
	    "number in this kernel (its module may not be loaded)"),
	S("socketpair", "two connected sockets, like a pipe that works both "
	    "ways: what one end writes the other reads"),
	F("socketpair", EOPNOTSUPP, "only AF_UNIX sockets come in pairs"),
	F("socketpair", EAFNOSUPPORT, "only AF_UNIX sockets come in pairs"),

	/* see bind(2), listen(2), accept4(2) */
	S("bind", "the socket now has a local address"),
	F("bind", EADDRINUSE, "the address is taken: another socket holds "
	    "it, TIME_WAIT keeps it (set SO_REUSEADDR), or a file exists at "
	    "that Unix path (unlink it first)"),
	F("bind", EACCES, "ports below 1024 need CAP_NET_BIND_SERVICE (or "
	    "no write permission on the Unix socket's directory)"),
	F("bind", EADDRNOTAVAIL, "no interface on this host has that IP "
	    "address"),
	F("bind", EINVAL, "the socket is already bound, or the address "
	    "length is wrong for its family"),
	F("bind", ENOENT, "a directory in the Unix socket path does not "
	    "exist"),
	S("bind AF_PACKET", "the packet socket now receives the frames of "
	    "one interface (ifindex 0: all of them) and one protocol "
	    "(ETH_P_ALL: every one)"),
	F("bind AF_PACKET", ENODEV, "no interface has that index"),
	S("listen", "the socket now accepts connections into a queue of "
	    "BACKLOG: the kernel completes handshakes before accept"),
	F("listen", EADDRINUSE, "another socket already listens on this "
	    "port"),
	F("listen", EOPNOTSUPP, "this socket type cannot listen: datagram "
	    "sockets have no connections"),
	S("accept4", "took a connection off the accept queue: a new socket "
	    "for this one peer, while the listener keeps listening"),
	F("accept4", EAGAIN, "no connection waiting in the accept queue"),
	F("accept4", EMFILE, "out of file descriptors: the connection stays "
	    "queued (raise ulimit -n, or close something)"),
	F("accept4", ENFILE, "the system-wide file table is full: the "
	    "connection stays queued"),
	F("accept4", ECONNABORTED, "the peer gave up on a queued connection "
	    "before it was accepted; accept the next one"),
	F("accept4", EINVAL, "the socket is not listening: call listen "
	    "first"),

	/* see connect(2), tcp(7) */
	S("connect", "three-way handshake done; the socket is connected"),
	/* see unix(7) */
	S("connect AF_UNIX", "connected at once: the listener's queue took "
	    "the connection; no packet and no handshake, the kernel links "
	    "the two sockets"),
	F("connect AF_UNIX", ECONNREFUSED, "a socket file is there but "
	    "nothing listens on it: its server is gone"),
	F("connect AF_UNIX", ENOENT, "no socket file at that path"),
	F("connect AF_UNIX", EAGAIN, "the listener's queue is full; a "
	    "non-blocking Unix connect does not wait for room"),
	S("connect SOCK_DGRAM", "no packet is sent: a datagram connect only "
	    "fixes the peer, and filters what comes in to that peer"),
	F("connect", ECONNREFUSED, "no listener: the peer answered SYN with "
	    "RST"),
	F("connect", EINPROGRESS, "non-blocking connect started; wait for "
	    "POLLOUT, then read SO_ERROR"),
	F("connect", ETIMEDOUT, "no answer to SYN after several "
	    "retransmissions: the host is down or a firewall drops packets"),
	F("connect", ENETUNREACH, "no route to that network"),
	F("connect", EHOSTUNREACH, "the host is unreachable: a router said "
	    "so, or nobody answered ARP"),
	F("connect", EALREADY, "a non-blocking connect is still in progress "
	    "on this socket"),
	F("connect", EISCONN, "the socket is already connected"),
	F("connect", EADDRNOTAVAIL, "no free local port for this destination "
	    "(ephemeral ports used up)"),
	F("connect", ENOENT, "no Unix socket at that path"),
	F("connect", EACCES, "no write permission on the Unix socket file, "
	    "or a firewall rule forbids it"),
	F("connect", EAGAIN, "the Unix listener's accept queue is full"),
	F("connect", EAFNOSUPPORT, "the address family does not match the "
	    "socket's"),

	/* see shutdown(2) */
	/* see unix(7): no packets, the kernel marks the other socket */
	S("shutdown SHUT_WR AF_UNIX", "the peer will read end of file once "
	    "it has read what was sent; this side can still read"),
	S("shutdown SHUT_RDWR AF_UNIX", "both directions shut: the peer "
	    "reads end of file, and so do we"),
	S("shutdown SHUT_WR", "sends FIN: the peer will read end of file; "
	    "this side can still read"),
	S("shutdown SHUT_RD", "further reads return end of file; the peer is "
	    "not told"),
	S("shutdown SHUT_RDWR", "both directions shut: FIN sent and reads "
	    "return end of file, but the fd stays open until close"),
	S("shutdown", "the connection is shut down in the given direction"),
	F("shutdown", ENOTCONN, "the socket is not connected"),

	/* see getsockopt(2), socket(7), tcp(7), ipv6(7) */
	S("getsockopt SO_ERROR", "no pending error: a non-blocking connect "
	    "has succeeded"),
	S("getsockopt PACKET_STATISTICS", "the frames that reached this "
	    "socket since the last read, and how many of them were dropped "
	    "because its queue was full; reading resets both"),
	S("getsockopt SO_PEERCRED", "who is at the other end: the pid, uid "
	    "and gid of the peer when it connected"),
	S("getsockopt SO_PROTOCOL", "which protocol the socket speaks: 6 "
	    "is TCP (IPPROTO_TCP), 0 a Unix socket's default"),
	S("getsockopt", "read a socket option"),
	F("getsockopt", ENOPROTOOPT, "no such option at that level"),
	S("setsockopt SO_REUSEADDR", "bind may now reuse an address still "
	    "held by old connections in TIME_WAIT"),
	S("setsockopt SO_REUSEPORT", "several sockets may bind this port; "
	    "the kernel spreads new connections between them"),
	S("setsockopt SO_KEEPALIVE", "the kernel will probe an idle "
	    "connection to find out if the peer is gone"),
	S("setsockopt SO_RCVBUF", "receive buffer set; the kernel doubles the "
	    "value to allow for bookkeeping"),
	S("setsockopt SO_SNDBUF", "send buffer set; the kernel doubles the "
	    "value to allow for bookkeeping"),
	S("setsockopt SO_LINGER", "close will now wait for unsent data (with "
	    "a zero timeout it resets the connection instead)"),
	S("setsockopt SO_RCVTIMEO", "a blocking read now fails with EAGAIN "
	    "once the timeout passes"),
	S("setsockopt SO_SNDTIMEO", "a blocking write now fails with EAGAIN "
	    "once the timeout passes"),
	S("setsockopt SO_BROADCAST", "datagrams may now go to a broadcast "
	    "address"),
	S("setsockopt TCP_NODELAY", "Nagle's algorithm off: small writes are "
	    "sent at once instead of being merged"),
	S("setsockopt TCP_CORK", "partial segments are held back until "
	    "uncorked, full, or 200 ms old"),
	S("setsockopt IPV6_V6ONLY", "this IPv6 socket will not take IPv4 "
	    "traffic (no ::ffff:a.b.c.d mapped addresses)"),
	S("setsockopt SO_ATTACH_FILTER", "the kernel now runs this classic "
	    "BPF program on every packet and queues only those it accepts"),
	F("setsockopt SO_ATTACH_FILTER", EINVAL, "the kernel's checker "
	    "rejected the program: an unknown instruction, a jump out of it, "
	    "or no return at its end"),
	S("setsockopt SO_DETACH_FILTER", "the filter is gone: every packet "
	    "is queued again"),
	F("setsockopt SO_DETACH_FILTER", ENOENT, "no filter was attached"),
	S("setsockopt SO_TIMESTAMP", "each packet received now carries its "
	    "arrival time, a control message (SCM_TIMESTAMP) for recvmsg"),
	S("setsockopt SO_TIMESTAMPNS", "each packet received now carries its "
	    "arrival time in nanoseconds (SCM_TIMESTAMPNS) for recvmsg"),
	S("setsockopt SO_BINDTODEVICE", "the socket now sends and receives "
	    "only through that interface"),
	F("setsockopt SO_BINDTODEVICE", ENODEV, "no interface has that name"),
	S("setsockopt PACKET_ADD_MEMBERSHIP", "the interface joins: with "
	    "PACKET_MR_PROMISC it passes up frames for other hosts too, "
	    "until the socket closes"),
	S("setsockopt", "socket option set"),
	F("setsockopt", ENOPROTOOPT, "no such option at that level"),
	F("setsockopt", EINVAL, "the value has the wrong size or is out of "
	    "range"),

	/* see getsockname(2), getpeername(2) */
	S("getsockname", "the local address, as given to bind or chosen by "
	    "the kernel"),
	S("getpeername", "the address of the connected peer"),
	F("getpeername", ENOTCONN, "no peer: the socket is not connected"),

	/* see send(2), recv(2) */
	S1("send", "bytes copied into the kernel's send buffer; the kernel "
	    "transmits them later"),
	S0("send", "nothing sent: a zero-length send"),
	F("send", EAGAIN, "the send buffer is full; wait for POLLOUT"),
	F("send", EPIPE, "the connection is closed for writing: without "
	    "MSG_NOSIGNAL or SIG_IGN this also raises SIGPIPE"),
	F("send", ECONNRESET, "the peer reset the connection (RST): it "
	    "closed with unread data, or crashed"),
	F("send", EMSGSIZE, "the datagram is larger than the protocol "
	    "allows"),
	F("send", EDESTADDRREQ, "not connected and no address given: use "
	    "sendto or connect first"),
	S1("recv", "bytes copied out of the kernel's receive buffer; fewer "
	    "than asked is normal"),
	S0("recv", "end of file: the peer closed or shut down its write side"),
	F("recv", EAGAIN, "nothing to read yet; wait for POLLIN"),
	F("recv", ECONNRESET, "the peer reset the connection (RST): it "
	    "closed with unread data, or crashed"),
	F("recv", ETIMEDOUT, "the connection timed out: retransmissions or "
	    "keepalive probes went unanswered"),
	S("sendto", "one datagram handed to the kernel; message boundaries "
	    "are kept"),
	F("sendto", ECONNREFUSED, "an earlier datagram drew ICMP port "
	    "unreachable: nobody listens there"),
	F("sendto", EAGAIN, "the send buffer is full; wait for POLLOUT"),
	F("sendto", EMSGSIZE, "the datagram is larger than the protocol "
	    "allows"),
	S1("recvfrom", "one datagram (or some stream bytes) received, with "
	    "the sender's address"),
	S0("recvfrom", "an empty datagram, or end of file on a stream "
	    "socket"),
	F("recvfrom", EAGAIN, "nothing to read yet; wait for POLLIN"),
	F("recvfrom", ECONNREFUSED, "an earlier datagram drew ICMP port "
	    "unreachable: nobody listens there"),

	/* see sendmsg(2), recvmsg(2), unix(7), cmsg(3) */
	S("sendmsg SCM_RIGHTS", "descriptors sent with the bytes: the "
	    "receiver gets new fds for the same open files"),
	S("sendmsg", "bytes (and any control data) handed to the kernel"),
	F("sendmsg", ETOOMANYREFS, "too many descriptors are in flight in "
	    "Unix sockets"),
	F("sendmsg", EAGAIN, "the send buffer is full; wait for POLLOUT"),
	F("sendmsg", EPIPE, "the connection is closed for writing: without "
	    "MSG_NOSIGNAL or SIG_IGN this also raises SIGPIPE"),
	S("recvmsg MSG_CTRUNC", "the control buffer was too small: passed "
	    "descriptors that did not fit were closed and lost"),
	S("recvmsg SCM_RIGHTS", "new descriptors for the sender's open files "
	    "were installed in this process"),
	S0("recvmsg", "end of file: the peer closed or shut down its write "
	    "side"),
	S("recvmsg", "bytes (and any control data) received"),
	F("recvmsg", EAGAIN, "nothing to read yet; wait for POLLIN"),

	/* see getaddrinfo(3), getnameinfo(3) */
	S("getaddrinfo", "the resolver returned a list of addresses; try "
	    "them in order"),
	S("getnameinfo", "address translated to a host and a service name"),

	/* see open(2), read(2), write(2), close(2) */
	S("open", "the lowest free descriptor now refers to the file"),
	F("open", ENOENT, "no such file, or a directory in the path is "
	    "missing"),
	F("open", EACCES, "the file's mode (or a directory's) does not "
	    "allow this"),
	F("open", EEXIST, "O_EXCL: the file already exists"),
	F("open", EISDIR, "a directory cannot be opened for writing"),
	F("open", ENXIO, "a FIFO opened for writing with O_NONBLOCK has no "
	    "reader"),
	S1("read", "bytes copied out of the kernel; fewer than asked is "
	    "normal for pipes, sockets and terminals"),
	S0("read", "end of file: the peer closed or shut down its write side"),
	F("read", EAGAIN, "nothing to read yet on a non-blocking fd; wait "
	    "for POLLIN"),
	F("read", ECONNRESET, "the peer reset the connection (RST): it "
	    "closed with unread data, or crashed"),
	F("read", EISDIR, "a directory cannot be read with read(2)"),
	S1("write", "bytes copied into the kernel; a short write means its "
	    "buffer filled up"),
	S0("write", "nothing written: a zero-length write"),
	F("write", EPIPE, "no reader left at the other end: SIGPIPE is "
	    "raised unless ignored"),
	F("write", EAGAIN, "the pipe or socket buffer is full; wait for "
	    "POLLOUT"),
	F("write", ECONNRESET, "the peer reset the connection (RST): it "
	    "closed with unread data, or crashed"),
	F("write", ENOSPC, "no space left on the device"),
	S("close", "the descriptor is free again; the file closes with its "
	    "last descriptor"),
	S("close SOCK_STREAM", "the descriptor is free again; with the last "
	    "one gone, a connected stream socket sends FIN (or RST if "
	    "unread data was waiting)"),
	S("close AF_UNIX", "the descriptor is free again; with the last one "
	    "gone the peer reads end of file (or ECONNRESET if we close with "
	    "its data still unread)"),
	F("close", EBADF, "not an open descriptor: closed twice?"),
	F("close", EINTR, "interrupted, but on Linux the fd is closed "
	    "anyway: do not retry"),
	F("close", EIO, "an earlier delayed write failed"),

	/* see pipe(2), dup(2), fcntl(2), ioctl(2), unlink(2) */
	S("pipe2", "a one-way channel: bytes written to fds[1] are read from "
	    "fds[0]"),
	S("dup", "a second descriptor for the same open file: offset and "
	    "status flags shared, FD_CLOEXEC clear"),
	S("dup2", "newfd now refers to oldfd's open file; what newfd was is "
	    "closed first"),
	S("dup3", "like dup2, with O_CLOEXEC set in the same step"),
	F("dup3", EINVAL, "oldfd equals newfd, or the flags are wrong"),
	S("fcntl F_GETFL", "the open file's status flags: access mode, "
	    "O_NONBLOCK, O_APPEND"),
	S("fcntl F_SETFL", "status flags set: with O_NONBLOCK, reads and "
	    "writes fail with EAGAIN instead of waiting"),
	S("fcntl F_GETFD", "the descriptor's flags: FD_CLOEXEC or none"),
	S("fcntl F_SETFD", "descriptor flags set: with FD_CLOEXEC it closes "
	    "on execve"),
	S("fcntl F_DUPFD_CLOEXEC", "a copy at or above the given number, "
	    "closed on execve"),
	S("fcntl F_DUPFD", "a copy at or above the given number"),
	S("fcntl F_GETPIPE_SZ", "the pipe's capacity in bytes"),
	S("fcntl F_SETPIPE_SZ", "the pipe's capacity changed (rounded up to "
	    "whole pages)"),
	F("fcntl F_SETLK", EAGAIN, "another process holds a conflicting "
	    "lock"),
	F("fcntl F_SETLK", EACCES, "another process holds a conflicting "
	    "lock"),
	S("fcntl", "done"),
	S("ioctl FIONREAD", "the number of bytes waiting to be read"),
	S("ioctl FIONBIO", "non-blocking mode switched, as O_NONBLOCK would"),
	S("ioctl TIOCGWINSZ", "the terminal's size in rows and columns"),
	/* see netdevice(7) */
	S("ioctl SIOCGIFHWADDR", "the interface's hardware address, and its "
	    "link type in sa_family (ARPHRD_ETHER: frames start with an "
	    "Ethernet header)"),
	F("ioctl SIOCGIFHWADDR", ENODEV, "no interface has that name"),
	S("ioctl SIOCGIFINDEX", "the interface's index: the number packet "
	    "sockets (sll_ifindex) and netlink messages know it by"),
	F("ioctl SIOCGIFINDEX", ENODEV, "no interface has that name"),
	S("ioctl SIOCGIFNAME", "the name of the interface with that index"),
	F("ioctl SIOCGIFNAME", ENODEV, "no interface has that index"),
	S("ioctl SIOCGIFFLAGS", "the interface's flags: IFF_UP means it was "
	    "brought up, IFF_RUNNING that its link works"),
	S("ioctl", "device request done"),
	F("ioctl", ENOTTY, "this request does not apply to this kind of "
	    "file"),
	S("unlink", "the name is gone; the file lives on while descriptors "
	    "still refer to it"),
	F("unlink", ENOENT, "nothing at that path"),
	F("unlink", EISDIR, "a directory: use rmdir"),
	S("mkdir", "a new directory, with the mode less the umask"),
	F("mkdir", EEXIST, "something already has that name"),

	/* see poll(2), epoll(7) */
	S0("poll", "timeout: no descriptor became ready"),
	S1("poll", "that many descriptors have events: look at revents"),
	F("poll", EINTR, "a signal handler ran before anything was ready; "
	    "poll again with the time left"),
	F("poll", EINVAL, "nfds exceeds RLIMIT_NOFILE, or the timeout is "
	    "invalid"),
	S("epoll_create1", "a new epoll instance: an interest list and a "
	    "ready list kept by the kernel"),
	S("epoll_ctl EPOLL_CTL_ADD", "the fd joins the interest list"),
	S("epoll_ctl EPOLL_CTL_MOD", "the fd's events of interest changed"),
	S("epoll_ctl EPOLL_CTL_DEL", "the fd left the interest list"),
	S("epoll_ctl", "the interest list changed"),
	F("epoll_ctl", EEXIST, "the fd is already in the interest list: use "
	    "EPOLL_CTL_MOD"),
	F("epoll_ctl", ENOENT, "the fd is not in the interest list"),
	F("epoll_ctl", EPERM, "this kind of file does not support epoll: "
	    "regular files are always ready"),
	S0("epoll_wait", "timeout: no descriptor became ready"),
	S1("epoll_wait", "that many ready events were copied out"),
	F("epoll_wait", EINTR, "a signal handler ran before anything was "
	    "ready; wait again"),
	/* see eventfd(2), eventfd_read(3): lib/sys_poll.c, for the
	   executor's wake-ups (lib/loop_executor.c) */
	S("eventfd", "a 64-bit counter behind a descriptor: a write adds "
	    "to it, a read takes it and resets it to 0, and it polls "
	    "readable while it is not 0; one fd to wake a loop from another "
	    "thread"),
	S("eventfd_write", "added to the counter: the fd is readable now, "
	    "and the loop's wait returns"),
	F("eventfd_write", EAGAIN, "the counter would overflow; a "
	    "non-blocking eventfd refuses rather than waits for a read"),
	S("eventfd_read", "took the counter and reset it to 0: every "
	    "wake-up since the last read arrives as one"),
	F("eventfd_read", EAGAIN, "the counter is 0: nothing woke the fd "
	    "since the last read"),
	/* see select(2): lib/sys_poll.c, for lib/poller_select.c */
	S0("select", "timeout: no descriptor became ready"),
	S1("select", "that many bits are set in the ready sets: the kernel "
	    "overwrote the interest sets with them"),
	F("select", EINTR, "a signal handler ran before anything was ready; "
	    "rebuild the sets and select again"),
	F("select", EBADF, "a set holds a closed descriptor"),
	F("select", EINVAL, "nfds is negative or above RLIMIT_NOFILE, or the "
	    "timeout is invalid"),
	F("epoll_ctl", EINVAL, "EPOLLEXCLUSIVE may only be given at "
	    "EPOLL_CTL_ADD, or the fd is the epoll fd itself"),
	F("epoll_wait", EINVAL, "maxevents must be above zero"),

	/* see fork(2), execve(2), waitpid(2), kill(2) */
	S1("fork", "a child now runs the same program from here; fork "
	    "returned its pid to the parent"),
	S0("fork", "this is the child: fork returned 0"),
	F("fork", EAGAIN, "process limit reached (RLIMIT_NPROC) or no pids "
	    "left"),
	S("execvp", "about to replace this program; on success execvp does "
	    "not return, and FD_CLOEXEC descriptors close"),
	F("execvp", ENOENT, "no such program in PATH"),
	F("execvp", EACCES, "found, but not executable (mode or a noexec "
	    "mount)"),
	F("execvp", ENOEXEC, "not a format the kernel can run (a script "
	    "without #!?)"),
	F("execvp", E2BIG, "the arguments and environment are too long"),
	S1("waitpid", "a child changed state and was reaped; its status is "
	    "in the args"),
	S0("waitpid", "WNOHANG: no child has changed state yet"),
	F("waitpid", ECHILD, "no such child: already reaped, or SIGCHLD is "
	    "ignored so the kernel reaps them"),
	S("kill 0", "the process exists and may be signalled (signal 0 only "
	    "checks)"),
	S("kill", "signal sent; it is delivered when the target next runs"),
	F("kill", ESRCH, "no such process (it may have exited and been "
	    "reaped)"),
	F("kill", EPERM, "no permission to signal that process"),

	/* see execve(2), wait4(2), setsid(2), setpgid(2), close_range(2),
	   posix_spawn(3), vfork(2): the calls of lib/proc.c */
	S("execvpe", "about to replace this program, with the environment "
	    "given; FD_CLOEXEC descriptors close on success"),
	F("execvpe", ENOENT, "no such program in PATH (or its #! "
	    "interpreter is missing)"),
	F("execvpe", EACCES, "found, but not executable (mode or a noexec "
	    "mount)"),
	F("execvpe", ENOEXEC, "not a format the kernel can run"),
	S1("wait4", "a child changed state and was reaped; its status and "
	    "resource usage came back"),
	S0("wait4", "WNOHANG: no child has changed state yet"),
	F("wait4", ECHILD, "no such child: already reaped, or SIGCHLD is "
	    "ignored"),
	S("setsid", "a new session and process group, led by this process, "
	    "with no controlling terminal"),
	F("setsid", EPERM, "a process group leader cannot start a session"),
	S("setpgid", "the process moved into that process group"),
	F("setpgid", EACCES, "the child has already exec'd: its group can "
	    "no longer be changed by the parent"),
	F("setpgid", ESRCH, "no such child (or it was already reaped)"),
	S("getpgid", "the process group id: who a terminal's ^C reaches"),
	S("getsid", "the session id: the process that called setsid"),
	F("getpgid", ESRCH, "no such process"),
	F("getsid", ESRCH, "no such process"),
	S("chdir", "the working directory changed"),
	F("chdir", ENOENT, "no such directory"),
	F("chdir", ENOTDIR, "a component of the path is not a directory"),
	S("close_range", "every descriptor in the range is closed (or, with "
	    "CLOSE_RANGE_CLOEXEC, will close at exec)"),
	S("posix_spawnp", "the child runs the program: one call did fork, "
	    "the file actions and exec"),
	F("posix_spawnp", ENOENT, "no such program in PATH; no child is "
	    "left behind"),
	F("posix_spawnp", EACCES, "found, but not executable"),
	S("readlink", "where the link points; under /proc/PID/fd, what the "
	    "descriptor is open on (pipe:[INODE] names one pipe)"),
	F("readlink", ENOENT, "no such link: under /proc/PID/fd, the "
	    "descriptor or the process is gone"),
	S("prctl PR_SET_PDEATHSIG", "when the parent dies, the kernel sends "
	    "this process the signal: no worker outlives its supervisor"),
	S("prctl", "the process attribute is set"),
	F("prctl", EINVAL, "not a valid option, or not a valid signal"),
	S1("vfork", "the child ran on the parent's memory until it exec'd "
	    "or exited; the parent resumes now"),
	F("vfork", EAGAIN, "process limit reached (RLIMIT_NPROC)"),

	/* see sigaction(2), sigprocmask(2), getrlimit(2) */
	S("sigaction SIG_IGN SIGPIPE", "writes to a closed pipe or socket now "
	    "fail with EPIPE instead of killing the process"),
	S("sigaction SIG_IGN SIGCHLD", "children are now reaped by the "
	    "kernel: waitpid will fail with ECHILD"),
	S("sigaction SIG_IGN", "the signal will be discarded on arrival"),
	S("sigaction SIG_DFL", "the default action is back (for most "
	    "signals: terminate)"),
	S("sigaction handler SA_RESTART", "the handler will run when the "
	    "signal arrives; slow calls it interrupts are restarted"),
	S("sigaction handler", "the handler will run when the signal arrives; "
	    "slow calls it interrupts fail with EINTR (no SA_RESTART)"),
	S("sigaction", "read the signal's disposition"),
	F("sigaction", EINVAL, "SIGKILL and SIGSTOP cannot be caught or "
	    "ignored"),
	S("sigprocmask", "blocked set changed: blocked signals wait, "
	    "pending, until unblocked"),
	S("getrlimit", "the soft limit applies; the hard limit is the most "
	    "it may be raised to"),
	S("setrlimit", "limit changed for this process and its future "
	    "children"),
	F("setrlimit", EPERM, "raising the hard limit needs "
	    "CAP_SYS_RESOURCE"),
	F("setrlimit", EINVAL, "the soft limit is above the hard limit"),

	/* lib/sys_sig.c; see sigqueue(3), pidfd_open(2), signalfd(2),
	   sigtimedwait(2), sigsuspend(2), alarm(2), setitimer(2) */
	S("sigqueue", "signal queued with a value: the receiver sees "
	    "SI_QUEUE, and real-time signals queue one per send"),
	F("sigqueue", EAGAIN, "the receiver's queue of signals is full "
	    "(RLIMIT_SIGPENDING)"),
	F("sigqueue", ESRCH, "no such process"),
	F("sigqueue", EPERM, "no permission to signal that process"),
	S("pidfd_open", "a descriptor that names this one process: it "
	    "cannot be mistaken for a later process given the same pid"),
	F("pidfd_open", ESRCH, "no such process"),
	F("pidfd_open", ENOSYS, "this kernel has no pidfds (Linux 5.3 and "
	    "later have them)"),
	S("pidfd_send_signal", "signal sent through the pidfd: it reaches "
	    "the process the descriptor was opened for, or none"),
	F("pidfd_send_signal", ESRCH, "the process has exited since its "
	    "pidfd was opened"),
	F("pidfd_send_signal", EPERM, "no permission to signal that "
	    "process"),
	S("signalfd", "signals in the mask can now be read from a "
	    "descriptor, as struct signalfd_siginfo records; they must stay "
	    "blocked, or the default action still happens"),
	S1("sigtimedwait", "took one pending signal from the set: no handler "
	    "ran; the signal was received like a message"),
	F("sigtimedwait", EAGAIN, "timeout: no signal of the set arrived"),
	F("sigtimedwait", EINTR, "a signal outside the set ran its handler"),
	S("sigpending", "the signals raised while blocked, waiting for "
	    "delivery; a standard signal counts once however often it was "
	    "sent"),
	F("sigsuspend", EINTR, "a handler ran: sigsuspend swapped in the mask, "
	    "slept, and always returns -1 EINTR after a handler"),
	S0("ppoll", "timeout: nothing became ready, and no handler ran"),
	F("ppoll", EINTR, "a handler ran while ppoll had the signal "
	    "unblocked: checking a flag, then waiting, cannot miss it"),
	S0("alarm 0", "no alarm was pending; any is now cancelled"),
	S1("alarm 0", "the pending alarm is cancelled; it had this many "
	    "seconds left"),
	S0("alarm", "SIGALRM will arrive after that many seconds of real "
	    "time"),
	S1("alarm", "replaced an earlier alarm that had this many seconds "
	    "left; SIGALRM will arrive after the new time"),
	S("setitimer 0", "the timer is disarmed"),
	S("setitimer interval", "the timer fires after value, then again "
	    "every interval, until disarmed"),
	S("setitimer", "the timer fires once, after value"),
	F("setitimer", EINVAL, "a time is negative, or microseconds are not "
	    "below 1000000"),
	S("pthread_sigmask", "this thread's blocked set changed; each thread "
	    "has its own mask, and new threads inherit their creator's"),
	/* see pthread_create(3), pthread_join(3): lib/sys_proc.c */
	S("pthread_create", "a new thread in this process (clone3(2) "
	    "underneath): it shares memory and descriptors, and has its own "
	    "stack and signal mask"),
	F("pthread_create", EAGAIN, "no more threads: RLIMIT_NPROC or "
	    "kernel.threads-max is reached"),
	S("pthread_join", "waited for the thread to end and freed its stack: "
	    "joining is to threads what waitpid is to children"),

	/* lib/sys_mem.c; see mmap(2), msync(2), mincore(2), mremap(2) */
	S("mmap MAP_SHARED", "the file's pages are now in this process's "
	    "memory: stores go to the page cache, and every process mapping "
	    "the file sees them"),
	S("mmap MAP_PRIVATE", "a copy-on-write view: the first store to a "
	    "page copies it, and the file never changes"),
	S("mmap MAP_SHARED|MAP_ANONYMOUS", "memory with no file behind it, "
	    "shared with the children this process forks"),
	F("mmap", EINVAL, "a length of 0, or an offset that is not a "
	    "multiple of the page size"),
	F("mmap", ENODEV, "this kind of file cannot be mapped (a pipe, a "
	    "socket, a directory)"),
	F("mmap", EACCES, "the fd's access mode does not allow this "
	    "protection: MAP_SHARED with PROT_WRITE needs O_RDWR"),
	S("munmap", "the mapping is gone; touching it now is SIGSEGV"),
	S("mmap MAP_PRIVATE|MAP_ANONYMOUS", "fresh zeroed memory of this "
	    "process's own, with no file behind it (a task's stack, a large "
	    "malloc)"),
	S("mprotect PROT_NONE", "these pages are now a guard: any load or "
	    "store there is SIGSEGV (a task's stack overflow ends here)"),
	S("mprotect", "the pages' access changed; a touch they no longer "
	    "allow is SIGSEGV"),
	F("mprotect", EINVAL, "the address is not page-aligned"),
	S("msync", "dirty pages written back to the file (MS_SYNC waits for "
	    "the disk)"),
	S("mincore", "which pages are in memory now: a page not resident "
	    "faults in on the first touch"),
	S("mremap in place", "the mapping grew or shrank where it was"),
	S("mremap moved", "the mapping moved to a new address: pointers "
	    "into the old one are now invalid"),
	F("mremap", ENOMEM, "no room to grow in place, and MREMAP_MAYMOVE "
	    "was not given"),
	S("madvise MADV_DONTNEED", "the pages are dropped from this mapping: "
	    "the next touch faults them in again"),
	S("madvise MADV_WILLNEED", "the kernel starts reading the pages in "
	    "ahead of use"),
	S("madvise", "a hint about the access pattern; it changes read-ahead, "
	    "not what the program sees"),
	S("ftruncate", "the file's size changed: pages past the new end no "
	    "longer exist, and touching them through a mapping is SIGBUS"),
	F("ftruncate", EINVAL, "the fd is not open for writing, or is not a "
	    "regular file or shared memory object"),
	S("fstat", "read the file's type and size"),
	S("stat", "read what is at that path: its type, inode number, size "
	    "and times"),
	F("stat", ENOENT, "nothing at that path"),
	S("shm_open O_CREAT", "a named shared memory object under /dev/shm: "
	    "it starts with size 0 and lives until shm_unlink"),
	S("shm_open", "opened a named shared memory object under /dev/shm"),
	F("shm_open", EEXIST, "an object of that name exists (O_EXCL)"),
	F("shm_open", ENOENT, "no shared memory object of that name"),
	S("shm_unlink", "the name is gone; mappings made before stay valid "
	    "until unmapped"),
	F("shm_unlink", ENOENT, "no shared memory object of that name"),
};

/* see errno(3); the meaning of an errno whatever the call. */
static const struct {
	int err;
	const char *text;
} errno_notes[] = {
	{ EINTR, "interrupted by a signal handler before anything happened; "
	    "try again" },
	{ EAGAIN, "it would block, and the fd is non-blocking; wait for "
	    "readiness with poll and try again" },
	{ EBADF, "not an open descriptor, or not open for this" },
	{ EFAULT, "a pointer argument points outside the process's memory" },
	{ EINVAL, "an argument is not valid for this call" },
	{ ENOMEM, "the kernel is out of memory" },
	{ ENOBUFS, "the kernel is out of buffer space" },
	{ EMFILE, "out of file descriptors in this process (see ulimit -n)" },
	{ ENFILE, "the system-wide limit on open files is reached" },
	{ EACCES, "permission denied" },
	{ EPERM, "not permitted: this needs privilege" },
	{ ENOENT, "no such file or directory" },
	{ ENOTSOCK, "the descriptor is not a socket" },
	{ ENOTCONN, "the socket is not connected" },
	{ EISCONN, "the socket is already connected" },
	{ ECONNRESET, "the peer reset the connection (RST)" },
	{ ECONNREFUSED, "refused: nothing listens at that address" },
	{ ECONNABORTED, "the connection was aborted" },
	{ ETIMEDOUT, "timed out waiting for the peer" },
	{ EHOSTUNREACH, "the host is unreachable" },
	{ ENETUNREACH, "the network is unreachable: no route" },
	{ ENETDOWN, "the network interface is down" },
	{ EADDRINUSE, "the address is already in use" },
	{ EADDRNOTAVAIL, "that address is not available on this host" },
	{ EAFNOSUPPORT, "address family not supported" },
	{ EPROTONOSUPPORT, "protocol not supported" },
	{ EPROTOTYPE, "wrong protocol type for this socket" },
	{ EOPNOTSUPP, "this socket does not support the operation" },
	{ EPIPE, "the other end is closed: nobody will read this (SIGPIPE "
	    "unless ignored)" },
	{ EINPROGRESS, "started; it completes in the background" },
	{ EALREADY, "already in progress" },
	{ EEXIST, "it already exists" },
	{ ENOSPC, "no space left" },
	{ ECHILD, "no child to wait for" },
	{ ESRCH, "no such process" },
	{ EMSGSIZE, "the message is too long" },
	{ ENAMETOOLONG, "the name is too long" },
	{ ENOTDIR, "a component of the path is not a directory" },
	{ EISDIR, "it is a directory" },
	{ EROFS, "read-only file system" },
	{ ELOOP, "too many symbolic links in the path" },
	{ ENOSYS, "the kernel does not implement this call" },
	{ EIO, "input/output error from the device" },
	{ ENOTTY, "not a terminal, or the request does not apply" },
	{ ENXIO, "no such device or address" },
	{ ENODEV, "no such device: for an interface, none has that name or "
	    "index" },
	{ ESPIPE, "cannot seek on a pipe or socket" },
	{ EDESTADDRREQ, "a destination address is required" },
	{ ENOPROTOOPT, "no such protocol option" },
	{ E2BIG, "the argument list is too long" },
	{ ENOEXEC, "not an executable format" },
	{ ETXTBSY, "the file is open for writing, so it cannot be run" },
	{ EDEADLK, "this would deadlock" },
};

/* Does row describe this outcome? */
static int
matches(const struct call_note *row, long long ret, int err)
{
	switch (row->when) {
	case FAIL:
		return ret < 0 && row->err == err;
	case OK:
		return ret >= 0;
	case ZERO:
		return ret == 0;
	case MORE:
		return ret > 0;
	}
	return 0;
}

/* The call-table text for the first n bytes of key, or NULL. */
static const char *
lookup(const char *key, size_t n, long long ret, int err)
{
	size_t i;

	for (i = 0; i < sizeof(call_notes) / sizeof(call_notes[0]); i++) {
		const struct call_note *row = &call_notes[i];

		if (strncmp(row->call, key, n) == 0 && row->call[n] == '\0' &&
		    matches(row, ret, err))
			return row->text;
	}
	return NULL;
}

const char *
explain(const char *call, long long ret, int err)
{
	const char *text, *space;
	size_t n = strlen(call), i;

	/* "sigaction SIG_IGN SIGPIPE", "sigaction SIG_IGN", "sigaction". */
	for (;;) {
		if ((text = lookup(call, n, ret, err)) != NULL)
			return text;
		space = memrchr(call, ' ', n);
		if (space == NULL)
			break;
		n = (size_t)(space - call);
	}
	if (ret >= 0)
		return "the call succeeded";
	for (i = 0; i < sizeof(errno_notes) / sizeof(errno_notes[0]); i++)
		if (errno_notes[i].err == err)
			return errno_notes[i].text;
	return "the call failed";
}
