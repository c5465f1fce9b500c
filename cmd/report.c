/*
 * report.c - how a verb tells the user something went wrong: one line that
 * names the verb, the object and the errno, then one `hint:` line.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>

#include "ipc.h"

int
fail(const struct cli *cli, const char *what, int err, const char *hint)
{
	const char *h = hint ? hint : out_default_hint(err);

	out_error(cli->prog, what, err);
	if (h)
		out_hint("%s", h);
	return out_exit_code(err);
}

int
usage_error(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cli->verb) {
		usage_line(stderr, cli->applet, cli->verb);
		out_hint("'%s --help' shows the options and examples",
			 cli->prog);
	}
	return EX_USAGE_;
}

/* getaddrinfo's error codes: name, exit status and a hint. */
static const struct {
	int code;
	const char *name;
	int exit;
	const char *hint;
} gai_errors[] = {
	{ EAI_NONAME, "EAI_NONAME", EX_NOHOST_,
	  "check the spelling; names ending in .invalid never resolve; "
	  "'getent ahosts NAME' asks the same resolver" },
	{ EAI_NODATA, "EAI_NODATA", EX_NOHOST_,
	  "the name exists but has no address of the kind asked for" },
	{ EAI_ADDRFAMILY, "EAI_ADDRFAMILY", EX_NOHOST_,
	  "the name has no address in that family; try without -4/-6" },
	{ EAI_FAIL, "EAI_FAIL", EX_NOHOST_,
	  "the name server gave a permanent failure" },
	{ EAI_AGAIN, "EAI_AGAIN", EX_TEMPFAIL_,
	  "the name server did not answer in time; try again later" },
	{ EAI_SERVICE, "EAI_SERVICE", EX_USAGE_,
	  "the service is not known for this socket type; use a port "
	  "number or a name from /etc/services" },
	{ EAI_SOCKTYPE, "EAI_SOCKTYPE", EX_USAGE_,
	  "that socket type is not supported for this lookup" },
	{ EAI_FAMILY, "EAI_FAMILY", EX_USAGE_,
	  "that address family is not supported" },
	{ EAI_BADFLAGS, "EAI_BADFLAGS", EX_USAGE_,
	  "these flags do not go together" },
	{ EAI_MEMORY, "EAI_MEMORY", EX_OSERR_, "the resolver ran out of memory" },
};

int
fail_gai(const struct cli *cli, const char *what, int code)
{
	if (code == EAI_SYSTEM)
		return fail(cli, what, errno, NULL);
	for (size_t i = 0; i < sizeof(gai_errors) / sizeof(gai_errors[0]); i++)
		if (gai_errors[i].code == code) {
			out_errorf(cli->prog, "%s: %s (%s)", what,
				   gai_strerror(code), gai_errors[i].name);
			out_hint("%s", gai_errors[i].hint);
			return gai_errors[i].exit;
		}
	out_errorf(cli->prog, "%s: %s", what, gai_strerror(code));
	return EX_NOHOST_;
}
