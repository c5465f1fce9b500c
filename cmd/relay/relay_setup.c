/*
 * relay_setup.c - what connect and listen do around the relay: the
 * options they share, --opt, and SIGINT and SIGTERM caught through a
 * self-pipe so that every way out restores the terminal and removes what
 * was made.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "ipc.h"
#include "relay/relay.h"
#include "sys.h"

/* ---- options ----------------------------------------------------------- */

int
relay_net_flags(const struct relay_cfg *cfg)
{
	return (cfg->v4 ? NET_V4 : 0) | (cfg->v6 ? NET_V6 : 0) |
	       (cfg->udp ? NET_UDP : 0) | (cfg->seqpacket ? NET_SEQPACKET : 0);
}

int
relay_check(const struct cli *cli, const struct relay_cfg *cfg)
{
	char name[64];
	size_t i, n;

	if (cfg->send_only && cfg->recv_only)
		return usage_error(cli, "--send-only and --recv-only exclude "
				   "each other");
	if (cfg->udp && cfg->seqpacket)
		return usage_error(cli, "--udp and --seqpacket exclude each "
				   "other");
	for (i = 0; i < cfg->opts.n; i++) {
		n = strcspn(cfg->opts.v[i], "=");
		snprintf(name, sizeof(name), "%.*s", (int)n, cfg->opts.v[i]);
		if (n >= sizeof(name) || net_sockopt_find(name) == NULL)
			return usage_error(cli, "--opt %s: unknown socket "
					   "option '%s' ('ipc sock options' "
					   "lists them)", cfg->opts.v[i], name);
	}
	return 0;
}

int
relay_bad_opt(const struct cli *cli, const char *spec)
{
	return usage_error(cli, "--opt %s: bad value (booleans take "
			   "1/0/on/off, sizes a number, times seconds)", spec);
}

int
relay_apply_opts(const struct cli *cli, int fd, const struct relay_cfg *cfg)
{
	char what[128];
	size_t i;

	for (i = 0; i < cfg->opts.n; i++) {
		if (net_sockopt_apply(fd, cfg->opts.v[i]) == 0)
			continue;
		if (errno == EINVAL)
			return relay_bad_opt(cli, cfg->opts.v[i]);
		snprintf(what, sizeof(what), "--opt %s", cfg->opts.v[i]);
		return fail(cli, what, errno, NULL);
	}
	return 0;
}

/* ---- signals ----------------------------------------------------------- */

static int sig_fds[2] = { -1, -1 };
static volatile sig_atomic_t sig_caught;
static const int sig_list[] = { SIGINT, SIGTERM };
static struct sigaction sig_saved[sizeof(sig_list) / sizeof(sig_list[0])];

static void
on_signal(int sig)
{
	int saved_errno = errno;
	ssize_t n;

	sig_caught = sig;
	/*
	 * Only async-signal-safe calls belong here (see signal-safety(7)).
	 * The traced wrapper formats and locks, so this is write(2) itself.
	 * A full pipe already holds a wake-up, so EAGAIN loses nothing.
	 */
	n = write(sig_fds[1], "", 1);
	(void)n;
	errno = saved_errno;
}

int
relay_catch_signals(void)
{
	struct sigaction sa;
	size_t i;

	sig_caught = 0;
	/* The self-pipe trick: poll(2) sees a signal as a readable fd. */
	if (sys_pipe2(sig_fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sig_list) / sizeof(sig_list[0]); i++)
		if (sys_sigaction(sig_list[i], &sa, &sig_saved[i]) < 0)
			return -1;
	return 0;
}

void
relay_release_signals(void)
{
	size_t i;

	if (sig_fds[0] < 0)
		return;
	for (i = 0; i < sizeof(sig_list) / sizeof(sig_list[0]); i++)
		sys_sigaction(sig_list[i], &sig_saved[i], NULL);
	sys_close(sig_fds[0]);
	sys_close(sig_fds[1]);
	sig_fds[0] = sig_fds[1] = -1;
}

int
relay_signal(void)
{
	return sig_caught;
}

int
relay_signal_fd(void)
{
	return sig_fds[0];
}

int
relay_wait_readable(int fd, double timeout)
{
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = sig_fds[0], .events = POLLIN },
	};
	long long deadline = clock_deadline(timeout > 0 ? timeout : -1);
	int n;

	/* Any other signal: poll again for the time that is left. */
	do
		n = sys_poll(pfd, 2, clock_ms_until(deadline));
	while (n < 0 && errno == EINTR && !sig_caught);
	if (n > 0 && pfd[1].revents != 0) {
		errno = EINTR;
		return -1;
	}
	return n < 0 ? -1 : n > 0;
}
