/*
 * resolve.c - `ipc sock resolve NAME [SERVICE]`: what getaddrinfo(3)
 * returns, one row per address, the list a client walks when it connects.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "net.h"
#include "sock.h"
#include "sys.h"

static struct {
	int passive, canon, numeric, json;
	const char *family, *type;
} o;

static const struct opt resolve_opts[] = {
	OPT_FLAG('p', "passive", &o.passive,
		 "ask for addresses to bind (AI_PASSIVE); with NAME '-' "
		 "this gives the wildcard"),
	OPT_FLAG('c', "canon", &o.canon,
		 "also ask for the canonical name (AI_CANONNAME)"),
	OPT_FLAG('n', "numeric", &o.numeric,
		 "NAME must be an address; no lookup (AI_NUMERICHOST)"),
	OPT_ONEOF('f', "family", &o.family, "FAMILY", "any|inet|inet6",
		  "only this address family"),
	OPT_ONEOF('t', "type", &o.type, "TYPE", "any|stream|dgram",
		  "only this socket type"),
	OPT_FLAG(0, "json", &o.json, "one JSON object per address"),
	OPT_STOP
};

static const char *
family_name(int family)
{
	return family == AF_INET ? "inet" : family == AF_INET6 ? "inet6" :
	       family == AF_UNIX ? "unix" : "other";
}

static const char *
type_name(int type)
{
	return type == SOCK_STREAM ? "stream" : type == SOCK_DGRAM ? "dgram" :
	       type == SOCK_RAW ? "raw" : "other";
}

static const char *
proto_name(int proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" :
	       proto == IPPROTO_SCTP ? "sctp" : proto == 0 ? "-" : "other";
}

/* One row per addrinfo, in the order getaddrinfo returned them. */
static json_t *
rows_of(const struct addrinfo *res)
{
	json_t *rows = json_array();
	char addr[INET6_ADDRSTRLEN];

	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		const void *in = ai->ai_family == AF_INET
			? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
			: (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		in_port_t port = ai->ai_family == AF_INET
			? ((struct sockaddr_in *)ai->ai_addr)->sin_port
			: ((struct sockaddr_in6 *)ai->ai_addr)->sin6_port;

		json_t *row;

		inet_ntop(ai->ai_family, in, addr, sizeof(addr));
		row = json_pack("{s:s, s:s, s:s, s:s, s:i}",
				"family", family_name(ai->ai_family),
				"type", type_name(ai->ai_socktype),
				"protocol", proto_name(ai->ai_protocol),
				"address", addr, "port", ntohs(port));
		if (ai->ai_canonname)
			json_object_set_new(row, "canonname",
					    json_string(ai->ai_canonname));
		json_array_append_new(rows, row);
	}
	return rows;
}

static int
run_resolve(struct cli *cli)
{
	static const struct out_col cols[] = {
		{ "family", "FAMILY" }, { "type", "TYPE" },
		{ "protocol", "PROTO" }, { "address", "ADDRESS" },
		{ "port", "PORT" }, { "canonname", "CANONICAL NAME" },
	};
	const char *name = strcmp(cli->argv[0], "-") == 0 ? NULL : cli->argv[0];
	const char *service = cli->argc > 1 ? cli->argv[1] : NULL;
	struct addrinfo hints = { 0 }, *res;
	json_t *rows;
	int rc;

	if (name == NULL && service == NULL)
		return usage_error(cli, "NAME '-' needs a SERVICE");
	hints.ai_family = !o.family || strcmp(o.family, "any") == 0 ? AF_UNSPEC
		: strcmp(o.family, "inet") == 0 ? AF_INET : AF_INET6;
	hints.ai_socktype = !o.type || strcmp(o.type, "any") == 0 ? 0
		: strcmp(o.type, "stream") == 0 ? SOCK_STREAM : SOCK_DGRAM;
	hints.ai_flags = (o.passive ? AI_PASSIVE : 0) |
			 (o.canon ? AI_CANONNAME : 0) |
			 (o.numeric ? AI_NUMERICHOST : 0);

	rc = sys_getaddrinfo(name, service, &hints, &res);
	if (rc != 0)
		return fail_gai(cli, name ? name : service, rc);
	rows = rows_of(res);
	freeaddrinfo(res);
	rc = out_table(stdout, rows, cols, o.canon ? 6 : 5, o.json);
	json_decref(rows);
	return rc < 0 ? fail(cli, "stdout", errno, NULL) : 0;
}

const struct verb sock_resolve_verb = {
	.name = "resolve",
	.summary = "look a name up with getaddrinfo and list every address",
	.usage = "NAME [SERVICE]",
	.description =
		"Shows the list getaddrinfo(3) returns, in its order: the "
		"order a client tries when it connects.  The resolver reads "
		"/etc/hosts, DNS and the rest as /etc/nsswitch.conf says.  "
		"Failures show gai_strerror's words and exit 68 (unknown "
		"host); a temporary failure (EAI_AGAIN) exits 75.",
	.examples = (const char *const[]){
		"ipc sock resolve localhost\tboth loopback addresses, v6 and v4",
		"ipc sock resolve localhost http --type stream"
		"\tthe service name becomes port 80",
		"ipc sock resolve --passive - 8080"
		"\twhat a server binds when it gives no host: the wildcard",
		"ipc sock resolve --json ::1\tone JSON object per address",
		NULL },
	.opts = resolve_opts,
	.min_args = 1, .max_args = 2,
	.args_hint = "@host",
	.run = run_resolve,
};
