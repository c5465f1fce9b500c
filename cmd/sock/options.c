/*
 * options.c - `ipc sock options`: every common socket option, read with
 * getsockopt(2) from a fresh socket, with a line on what it does.  The
 * list is lib/net.c's net_sockopts, the same table `--opt NAME=VALUE`
 * reads, so what this verb shows is what the other verbs accept.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "net.h"
#include "sock.h"
#include "sys.h"

static struct {
	const char *type;
	int json;
} o;

static const struct opt options_opts[] = {
	OPT_ONEOF('t', "type", &o.type, "TYPE", "tcp|udp|unix",
		  "the kind of socket to ask (default tcp)"),
	OPT_FLAG(0, "json", &o.json, "one JSON object per option"),
	OPT_STOP
};

static const char *
level_name(int level)
{
	switch (level) {
	case SOL_SOCKET:
		return "SOL_SOCKET";
	case IPPROTO_IP:
		return "IPPROTO_IP";
	case IPPROTO_IPV6:
		return "IPPROTO_IPV6";
	case IPPROTO_TCP:
		return "IPPROTO_TCP";
	default:
		return "?";
	}
}

/*
 * One row: the value as text, or null and the errno when getsockopt(2)
 * refused (ENOPROTOOPT: this kernel or socket has no such option).
 */
static json_t *
option_row(int fd, const struct net_sockopt *opt)
{
	char value[128], reason[128];
	json_t *row;
	int ret, err;

	ret = net_sockopt_get(fd, opt, value, sizeof(value));
	err = errno;
	row = json_pack("{s:s, s:s}", "name", opt->name,
			"level", level_name(opt->level));
	if (ret == 0) {
		/* A string option never set (SO_BINDTODEVICE) reads as "". */
		json_object_set_new(row, "value",
				    json_string(value[0] ? value : "none"));
	} else {
		json_object_set_new(row, "value", json_null());
		json_object_set_new(row, "error",
				    json_string(out_errname(err)));
		json_object_set_new(row, "reason", json_string(
			out_strerror(err, reason, sizeof(reason))));
	}
	json_object_set_new(row, "meaning", json_string(opt->doc));
	return row;
}

/* What --type means: the socket to open and the options that apply. */
static const struct {
	const char *name;
	int family, type;
	unsigned mask;
} kinds[] = {
	{ "tcp", AF_INET, SOCK_STREAM, NET_T_TCP },
	{ "udp", AF_INET, SOCK_DGRAM, NET_T_UDP },
	{ "unix", AF_UNIX, SOCK_STREAM, NET_T_UNIX },
};

static int
run_options(struct cli *cli)
{
	static const struct out_col cols[] = {
		{ "name", "NAME" }, { "level", "LEVEL" },
		{ "value", "VALUE" }, { "meaning", "MEANING" },
	};
	size_t k = 0;
	int fd, fd6 = -1, rc;
	json_t *rows;

	/* cli_parse() has checked that --type names one of kinds[]. */
	while (o.type && strcmp(o.type, kinds[k].name) != 0)
		k++;
	/* See socket(2): a fresh socket shows the kernel's defaults. */
	fd = sys_socket(kinds[k].family, kinds[k].type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(cli, "socket", errno, NULL);
	/*
	 * IPv6-only options need an AF_INET6 socket; a kernel without IPv6
	 * (EAFNOSUPPORT) simply has none to show.
	 */
	if (kinds[k].family == AF_INET)
		fd6 = sys_socket(AF_INET6, kinds[k].type | SOCK_CLOEXEC, 0);

	rows = json_array();
	for (const struct net_sockopt *opt = net_sockopts; opt->name; opt++) {
		if (opt->types & NET_T_V6) {
			if (fd6 >= 0)
				json_array_append_new(rows,
						      option_row(fd6, opt));
		} else if (opt->types & kinds[k].mask) {
			json_array_append_new(rows, option_row(fd, opt));
		}
	}
	sys_close(fd);
	if (fd6 >= 0)
		sys_close(fd6);
	rc = out_table(stdout, rows, cols, 4, o.json);
	json_decref(rows);
	return rc < 0 ? fail(cli, "stdout", errno, NULL) : 0;
}

const struct verb sock_options_verb = {
	.name = "options",
	.summary = "list the common socket options with their default values",
	.usage = "",
	.description =
		"Opens a fresh socket of the given type and reads each "
		"option with getsockopt(2), so the VALUE column shows this "
		"kernel's defaults: what a program gets before it sets "
		"anything.  Options that exist only on IPv6 sockets are read "
		"from a second, AF_INET6 socket, and left out when the kernel "
		"has no IPv6.  An option the kernel refuses shows '-' (in "
		"JSON: value null, with the errno in \"error\"); ENOPROTOOPT "
		"means this kernel or this kind of socket has no such option.  "
		"Every name listed here is accepted by '--opt NAME=VALUE' of "
		"the other verbs.  See socket(7), tcp(7), udp(7), ip(7), "
		"ipv6(7) and unix(7).",
	.examples = (const char *const[]){
		"ipc sock options\tTCP's options and their defaults",
		"ipc sock options --type unix\twhat a Unix stream socket has",
		"ipc sock options --json --type udp | grep RCVBUF"
		"\tone option as JSON",
		"ipc sock options --trace\tthe getsockopt calls behind the table",
		NULL },
	.opts = options_opts,
	.min_args = 0, .max_args = 0,
	.run = run_options,
};
