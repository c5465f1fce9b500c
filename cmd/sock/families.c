/*
 * families.c - `ipc sock families`: which address families this kernel
 * supports, found the only reliable way: by asking socket(2) for one and
 * closing it at once.
 */
#include <errno.h>
#include <linux/can.h>
#include <linux/netlink.h>

#include "sock.h"
#include "sys.h"

static struct {
	int json;
} o;

static const struct opt families_opts[] = {
	OPT_FLAG(0, "json", &o.json, "one JSON object per family"),
	OPT_STOP
};

/* Each family with a socket type (and protocol) it is sure to accept. */
static const struct family {
	const char *name;
	int family, type, protocol;
	const char *type_name;
	const char *note;
} families[] = {
	{ "AF_INET", AF_INET, SOCK_STREAM, 0, "SOCK_STREAM",
	  "IPv4: TCP, UDP and raw IP between hosts; see ip(7)" },
	{ "AF_INET6", AF_INET6, SOCK_STREAM, 0, "SOCK_STREAM",
	  "IPv6: the same with 128-bit addresses; see ipv6(7)" },
	{ "AF_UNIX", AF_UNIX, SOCK_STREAM, 0, "SOCK_STREAM",
	  "local sockets named by a path or an abstract name; see unix(7)" },
	{ "AF_NETLINK", AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, "SOCK_RAW",
	  "messages with the kernel: links, addresses, routes; "
	  "see netlink(7)" },
	{ "AF_PACKET", AF_PACKET, SOCK_RAW, 0, "SOCK_RAW",
	  "whole link-layer frames, as a sniffer sees them; see packet(7)" },
	{ "AF_ALG", AF_ALG, SOCK_SEQPACKET, 0, "SOCK_SEQPACKET",
	  "the kernel's crypto API: hashes and ciphers through a socket" },
	{ "AF_VSOCK", AF_VSOCK, SOCK_STREAM, 0, "SOCK_STREAM",
	  "between a virtual machine and its host; see vsock(7)" },
	{ "AF_CAN", AF_CAN, SOCK_RAW, CAN_RAW, "SOCK_RAW",
	  "Controller Area Network, the bus in cars and machines" },
	{ "AF_TIPC", AF_TIPC, SOCK_RDM, 0, "SOCK_RDM",
	  "cluster messaging addressed by service name, not host" },
	{ "AF_RDS", AF_RDS, SOCK_SEQPACKET, 0, "SOCK_SEQPACKET",
	  "reliable datagrams over InfiniBand or TCP; see rds(7)" },
};

/* What socket(2)'s errno says about a family; see socket(2). */
static const char *
reason_of(int err, char *buf, size_t size)
{
	switch (err) {
	case EAFNOSUPPORT:
		return "not built into this kernel, or its module is not "
		       "loaded";
	case EPERM:
	case EACCES:
		return "needs privilege (a capability such as CAP_NET_RAW)";
	case ESOCKTNOSUPPORT:
	case EPROTONOSUPPORT:
	case EPROTOTYPE:
		return "the family exists, but not with this type or protocol";
	default:
		return out_strerror(err, buf, size);
	}
}

/* Open a socket of the family and close it again: one row. */
static json_t *
probe(const struct family *f)
{
	char buf[128];
	json_t *row;
	int fd, err;

	fd = sys_socket(f->family, f->type | SOCK_CLOEXEC, f->protocol);
	err = errno;
	row = json_pack("{s:s, s:i, s:s, s:i, s:b}", "family", f->name,
			"number", f->family, "type", f->type_name,
			"protocol", f->protocol, "supported", fd >= 0);
	if (fd >= 0) {
		sys_close(fd);
		json_object_set_new(row, "result", json_string("yes"));
	} else {
		json_object_set_new(row, "result",
				    json_string(out_errname(err)));
		json_object_set_new(row, "reason",
				    json_string(reason_of(err, buf,
							  sizeof(buf))));
	}
	json_object_set_new(row, "note", json_string(f->note));
	return row;
}

static int
run_families(struct cli *cli)
{
	static const struct out_col cols[] = {
		{ "family", "FAMILY" }, { "type", "PROBED WITH" },
		{ "result", "RESULT" }, { "note", "WHAT IT IS FOR" },
	};
	json_t *rows = json_array();
	int rc;

	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		json_array_append_new(rows, probe(&families[i]));
	rc = out_table(stdout, rows, cols, 4, o.json);
	json_decref(rows);
	return rc < 0 ? fail(cli, "stdout", errno, NULL) : 0;
}

const struct verb sock_families_verb = {
	.name = "families",
	.summary = "probe which address families this kernel supports",
	.usage = "",
	.description =
		"Calls socket(2) once per address family, with a type the "
		"family is sure to accept, and closes the socket at once.  "
		"RESULT is \"yes\" or the errno socket(2) gave: EAFNOSUPPORT "
		"means the family is not built into this kernel or its module "
		"is not loaded; EPERM or EACCES means it needs privilege; "
		"ESOCKTNOSUPPORT or EPROTONOSUPPORT means the family exists "
		"but not with that type.  Asking for a family may make the "
		"kernel load its module (CAN, TIPC, RDS, VSOCK are modules on "
		"most distributions), so a second run can say \"yes\" where "
		"the first did not; see modprobe(8) and lsmod(8).",
	.examples = (const char *const[]){
		"ipc sock families\tone row per family, with what it is for",
		"ipc sock families --json\tthe same as JSON, with the errno's "
		"meaning",
		"ipc sock families --trace\tthe socket and close calls",
		NULL },
	.opts = families_opts,
	.min_args = 0, .max_args = 0,
	.run = run_families,
};
