/*
 * python.c - `ipc sock connect --python`: the same client written as a
 * Python 3 program with the socket and selectors modules, so a learner can
 * put its calls beside the ones `ipc sock connect --trace` shows.  Only
 * what the options ask for is printed.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ipc.h"
#include "python.h"

/* A Python literal: "text" or b"bytes", escaped so any byte survives. */
static void
py_lit(FILE *f, const char *s, size_t n, int bytes)
{
	fputs(bytes ? "b\"" : "\"", f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
	fputc('"', f);
}

static const char *
level_name(int level)
{
	return level == SOL_SOCKET ? "SOL_SOCKET" :
	       level == IPPROTO_TCP ? "IPPROTO_TCP" :
	       level == IPPROTO_IP ? "IPPROTO_IP" : "IPPROTO_IPV6";
}

static const char *
type_name(int type)
{
	return type == SOCK_DGRAM ? "SOCK_DGRAM" :
	       type == SOCK_SEQPACKET ? "SOCK_SEQPACKET" : "SOCK_STREAM";
}

/* Seconds as net_sockopt_apply() takes them: digits, a fraction, an 's'. */
static int
parse_secs(const char *s, double *v)
{
	char *end;

	if (!((*s >= '0' && *s <= '9') || *s == '.'))
		return -1;
	*v = strtod(s, &end);
	if (*end == 's')
		end++;
	return *end == '\0' && isfinite(*v) && *v <= INT_MAX ? 0 : -1;
}

/*
 * The Python value for one --opt, the way net_sockopt_apply() reads it:
 * an int, or struct.pack() for struct linger and struct timeval.
 * Returns 0, or -1 for a value that cannot be right.
 */
static int
py_value(FILE *f, const struct net_sockopt *o, const char *val)
{
	static const char *const off[] = { "0", "off", "no", "false" };
	static const char *const on[] = { "1", "on", "yes", "true" };
	double secs;
	char *end;
	long l;

	switch (o->kind) {
	case NOPT_BOOL:
		for (size_t i = 0; i < 4; i++) {
			if (val == NULL || strcasecmp(val, on[i]) == 0) {
				fputs("1", f);
				return 0;
			}
			if (strcasecmp(val, off[i]) == 0) {
				fputs("0", f);
				return 0;
			}
		}
		return -1;
	case NOPT_INT:
		if (val == NULL)
			return -1;
		errno = 0;
		l = strtol(val, &end, 10);
		if (end == val || *end != '\0' || errno != 0 || l < INT_MIN ||
		    l > INT_MAX)
			return -1;
		fprintf(f, "%ld", l);
		return 0;
	case NOPT_LINGER:
		if (val != NULL && (strcasecmp(val, "off") == 0 ||
				    strcmp(val, "-1") == 0)) {
			fputs("struct.pack(\"ii\", 0, 0)", f);
			return 0;
		}
		if (val == NULL || parse_secs(val, &secs) < 0 ||
		    secs != (int)secs)
			return -1;
		fprintf(f, "struct.pack(\"ii\", 1, %d)", (int)secs);
		return 0;
	case NOPT_TIMEVAL:
		if (val == NULL || parse_secs(val, &secs) < 0)
			return -1;
		fprintf(f, "struct.pack(\"ll\", %ld, %ld)", (long)secs,
			(long)((secs - (double)(long)secs) * 1e6));
		return 0;
	case NOPT_STR:
		if (val == NULL || *val == '\0')
			return -1;
		py_lit(f, val, strlen(val), 1);
		return 0;
	}
	return -1;
}

/* The setsockopt() lines, one per --opt. */
static int
print_opts(const struct cli *cli, FILE *f, const struct relay_cfg *cfg)
{
	char name[64];

	for (size_t i = 0; i < cfg->opts.n; i++) {
		const char *spec = cfg->opts.v[i], *eq = strchr(spec, '=');
		size_t n = eq ? (size_t)(eq - spec) : strlen(spec);
		const struct net_sockopt *o;

		snprintf(name, sizeof(name), "%.*s", (int)n, spec);
		o = net_sockopt_find(name);
		fprintf(f, "            sock.setsockopt(socket.%s, socket.%s, ",
			level_name(o->level), o->name);
		if (py_value(f, o, eq ? eq + 1 : NULL) < 0)
			return relay_bad_opt(cli, spec);
		fputs(")\n", f);
	}
	return 0;
}

/* TARGETS: what getaddrinfo() gives, or the one Unix address. */
static void
print_targets(FILE *f, const struct net_addr *a)
{
	const char *host = a->host[0] ? a->host :
			   a->family == AF_INET6 ? "::1" : "127.0.0.1";

	if (a->family == AF_UNIX) {
		fputs("# A Unix address is a path, or a name after a NUL byte "
		      "(Linux's abstract\n# namespace); see unix(7).\n"
		      "TARGETS = [(socket.AF_UNIX, socket.", f);
		fprintf(f, "%s, 0, \"\", %s", type_name(a->socktype),
			a->abstract ? "b\"\\0\" + " : "");
		py_lit(f, a->path, strlen(a->path), 1);
		fputs(")]\n", f);
		return;
	}
	fputs("# getaddrinfo(3) lists the addresses to try, in order.\n"
	      "TARGETS = socket.getaddrinfo(", f);
	py_lit(f, host, strlen(host), 0);
	fputs(", ", f);
	py_lit(f, a->port, strlen(a->port), 0);
	fprintf(f, ", socket.%s,\n                             socket.%s)\n",
		a->family == AF_INET ? "AF_INET" :
		a->family == AF_INET6 ? "AF_INET6" : "AF_UNSPEC",
		type_name(a->socktype));
}

static void
print_bind(FILE *f, const struct net_addr *src)
{
	const char *host = src->host[0] ? src->host :
			   src->family == AF_INET6 ? "::1" : "127.0.0.1";

	fputs("            sock.bind(", f);
	if (src->family == AF_UNIX) {
		if (src->abstract)
			fputs("b\"\\0\" + ", f);
		py_lit(f, src->path, strlen(src->path), 1);
	} else {
		fputs("socket.getaddrinfo(", f);
		py_lit(f, host, strlen(host), 0);
		fputs(", ", f);
		py_lit(f, src->port[0] ? src->port : "0",
		       strlen(src->port[0] ? src->port : "0"), 0);
		fputs(", family, type_)[0][4]", f);
	}
	fputs(")  # --source\n", f);
}

/* The relay: poll stdin and the socket, as relay.c does. */
static void
print_relay(FILE *f, const struct relay_cfg *c, int type, double idle)
{
	int dgram = type == SOCK_DGRAM, lines = type != SOCK_STREAM;
	const char *eol = c->crlf ? "b\"\\r\\n\"" : "b\"\\n\"";

	fputs("\n\ndef main():\n    sock = connect()\n"
	      "    sel = selectors.PollSelector()  # poll(2), as ipc uses\n",
	      f);
	if (!c->recv_only)
		fputs("    sel.register(0, selectors.EVENT_READ)  # stdin\n",
		      f);
	if (!c->send_only)
		fputs("    sel.register(sock, selectors.EVENT_READ)\n", f);
	if (idle > 0)
		fprintf(f, "    timeout = %g  # --idle-timeout\n", idle);
	else
		fputs("    timeout = None\n", f);
	if (lines)
		fputs("    pending = b\"\"  # a line not yet whole\n", f);
	fputs("    while sel.get_map():\n"
	      "        ready = sel.select(timeout)\n", f);
	if (idle > 0 || (dgram && !c->recv_only))
		fputs("        if not ready:\n", f);
	if (dgram && !c->recv_only)
		fputs("            if 0 not in sel.get_map():\n"
		      "                break  # no more replies after stdin "
		      "ended\n", f);
	if (idle > 0)
		fprintf(f, "            print(\"idle timeout: nothing moved "
			"either way for %gs\",\n"
			"                  file=sys.stderr)\n"
			"            sys.exit(75)\n", idle);
	fputs("        for key, _ in ready:\n"
	      "            if key.fileobj is sock:\n"
	      "                data = sock.recv(65536)\n", f);
	if (!dgram) {
		fputs("                if not data:  # the peer closed its "
		      "side\n"
		      "                    sel.unregister(sock)\n", f);
		if (!c->recv_only)
			fputs("                    if os.isatty(0):\n"
			      "                        return  # on a terminal "
			      "that ends the session\n", f);
		fputs("                    continue\n", f);
	}
	fputs("                sys.stdout.buffer.write(data)\n"
	      "                sys.stdout.buffer.flush()\n"
	      "                continue\n"
	      "            data = os.read(0, 65536)\n"
	      "            if not data:  # the end of stdin\n"
	      "                sel.unregister(0)\n", f);
	if (lines)
		fputs("                if pending:\n"
		      "                    sock.send(pending)\n", f);
	if (dgram)
		fputs("                timeout = 0.5  # replies may still "
		      "come\n", f);
	else
		fputs("                sock.shutdown(socket.SHUT_WR)  # the "
		      "peer reads EOF\n", f);
	fputs("                continue\n", f);
	if (lines)
		fprintf(f, "            *whole, pending = (pending + data)"
			".split(b\"\\n\")\n"
			"            for line in whole:  # one %s each\n"
			"                sock.send(line + %s)\n",
			dgram ? "datagram" : "record", eol);
	else if (c->crlf)
		fputs("            sock.sendall(data.replace(b\"\\n\", "
		      "b\"\\r\\n\"))\n", f);
	else
		fputs("            sock.sendall(data)\n", f);
	fputs("    sock.close()\n\n\nmain()\n", f);
}

/* struct.pack() builds SO_LINGER's and the timeouts' values. */
static int
needs_struct(const struct relay_cfg *c)
{
	char name[64];

	for (size_t i = 0; i < c->opts.n; i++) {
		const struct net_sockopt *o;

		snprintf(name, sizeof(name), "%.*s",
			 (int)strcspn(c->opts.v[i], "="), c->opts.v[i]);
		o = net_sockopt_find(name);
		if (o->kind == NOPT_LINGER || o->kind == NOPT_TIMEVAL)
			return 1;
	}
	return 0;
}

static int
print_program(const struct cli *cli, FILE *f, const struct python_prog *p)
{
	const struct relay_cfg *c = p->cfg;
	int rc;

	fputs("#!/usr/bin/env python3\n"
	      "\"\"\"What `ipc sock connect` does, with Python's socket "
	      "module.\n\n"
	      "Printed by `ipc sock connect --python`.  Compare its calls "
	      "with\n`ipc sock connect --trace`: getaddrinfo, socket, "
	      "setsockopt, bind, connect,\nthen poll on stdin and the "
	      "socket, and shutdown(SHUT_WR) at the end of stdin.\n\"\"\"\n"
	      "import os\nimport selectors\nimport socket\n", f);
	if (needs_struct(c))
		fputs("import struct\n", f);
	fputs("import sys\n\n", f);
	if (c->hex)
		fputs("# --hex has no counterpart here: the bytes print as "
		      "they are.\n", f);
	print_targets(f, p->addr);
	fputs("\n\ndef connect():\n"
	      "    \"\"\"Try each address in order; the first to answer "
	      "wins.\"\"\"\n"
	      "    for family, type_, proto, _, addr in TARGETS:\n"
	      "        sock = socket.socket(family, type_, proto)\n"
	      "        try:\n", f);
	if ((rc = print_opts(cli, f, c)) != 0)
		return rc;
	if (p->source != NULL)
		print_bind(f, p->source);
	if (p->timeout > 0)
		fprintf(f, "            sock.settimeout(%g)  # --timeout: "
			"non-blocking connect, poll, SO_ERROR\n", p->timeout);
	fputs("            sock.connect(addr)\n", f);
	if (p->timeout > 0)
		fputs("            sock.settimeout(None)\n", f);
	fputs("            return sock\n"
	      "        except OSError as e:\n"
	      "            print(f\"{addr}: {e}\", file=sys.stderr)\n"
	      "            sock.close()\n"
	      "    sys.exit(69)\n", f);
	print_relay(f, c, p->addr->socktype, c->idle_timeout);
	return 0;
}

int
python_print(const struct cli *cli, FILE *f, const struct python_prog *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m;
	int rc;

	/* Built in memory first: a bad --opt value prints no half program. */
	m = open_memstream(&text, &len);
	if (m == NULL)
		return fail(cli, NULL, errno, NULL);
	rc = print_program(cli, m, p);
	if (fclose(m) != 0 && rc == 0)
		rc = fail(cli, NULL, errno, NULL);
	if (rc == 0 && (fwrite(text, 1, len, f) != len || fflush(f) != 0))
		rc = fail(cli, "stdout", errno, NULL);
	free(text);
	return rc;
}
