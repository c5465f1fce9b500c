/*
 * demo_asynchat.c - the Python chapter's http_request_handler on
 * asynchat (lib/loop_asynchat.c): the terminator is the blank line that
 * ends the headers, then a count, Content-Length, for the body; the reply
 * says what was parsed.  A request too big for the channel's limit is
 * answered 413 or cut off, never buffered without bound.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "demo_asyn.h"
#include "net.h"
#include "sys.h"

struct http_handler {
	struct asyn_demo *a;
	int reading_headers;
	int handling;
	char method[16], path[256], peer[ADDR_LEN];
	int nheaders;
	size_t clen;
};

/* Send one response with body, then close once it has gone. */
static void
respond(struct asynchat *c, const char *status, const char *body)
{
	char head[256];

	snprintf(head, sizeof(head), "HTTP/1.0 %s\r\nContent-Type: "
		 "text/plain\r\nContent-Length: %zu\r\nConnection: close\r\n"
		 "\r\n", status, strlen(body));
	if (asynchat_push(c, head, strlen(head)) < 0 ||
	    asynchat_push(c, body, strlen(body)) < 0)
		asyncore_fail(asynchat_dispatcher(c), errno);
	else
		asynchat_close_when_done(c);
}

/*
 * The request line and headers, without the blank line: METHOD, PATH
 * and Content-Length.  Returns 0, or -1 for a request we cannot read.
 */
static int
parse_headers(struct http_handler *h, const char *p, size_t n)
{
	const char *end = p + n, *eol;
	char line[512], version[16], *num;
	size_t len;
	int first = 1;

	if (n == 0)
		return -1;
	for (; p <= end; p = eol + 2, first = 0) {
		if ((eol = memmem(p, (size_t)(end - p), "\r\n", 2)) == NULL)
			eol = end;
		len = (size_t)(eol - p);
		if (len >= sizeof(line))
			return -1;
		memcpy(line, p, len);
		line[len] = '\0';
		if (first) {
			if (sscanf(line, "%15s %255s %15s", h->method, h->path,
				   version) != 3 ||
			    strncmp(version, "HTTP/", 5) != 0)
				return -1;
			continue;
		}
		h->nheaders++;
		if (strncasecmp(line, "Content-Length:", 15) == 0) {
			errno = 0;
			h->clen = strtoull(line + 15, &num, 10);
			if (errno != 0 || num == line + 15 || *num != '\0')
				return -1;
		}
	}
	return 0;
}

/* handle_request: answer with what was parsed. */
static void
handle_request(struct asynchat *c, struct http_handler *h, const char *body,
	       size_t n)
{
	char text[1024], q[QUOTED_LEN];

	demo_quote(body, n, q, sizeof(q));
	printf("%s%s: %s %s, %d headers, %zu bytes of body\n", h->a->tag,
	       h->peer, h->method, h->path, h->nheaders, n);
	fflush(stdout);
	snprintf(text, sizeof(text), "method: %s\npath: %s\nheaders: %d\n"
		 "body: %s\n", h->method, h->path, h->nheaders, q);
	respond(c, "200 OK", text);
}

static void
handler_found(struct asynchat *c, const void *data, size_t n, void *ctx)
{
	struct http_handler *h = ctx;

	if (h->handling)
		return;		/* browsers sometimes over-send */
	if (!h->reading_headers) {
		asynchat_set_terminator_none(c);
		h->handling = 1;
		handle_request(c, h, data, n);
		return;
	}
	h->reading_headers = 0;
	if (parse_headers(h, data, n) < 0) {
		h->handling = 1;
		respond(c, "400 Bad Request", "bad request line or header\n");
	} else if (h->clen > ASYNCHAT_LIMIT) {
		h->handling = 1;
		respond(c, "413 Payload Too Large", "body over 64 KiB\n");
	} else if (h->clen > 0) {
		asynchat_set_terminator_count(c, h->clen);
	} else {
		h->handling = 1;
		asynchat_set_terminator_none(c);
		handle_request(c, h, "", 0);
	}
}

static void
handler_error(struct asynchat *c, int err, void *ctx)
{
	struct http_handler *h = ctx;

	if (err == EMSGSIZE)
		printf("%s%s: no end of headers within %d bytes: closing "
		       "(EMSGSIZE)\n", h->a->tag, h->peer, ASYNCHAT_LIMIT);
	else
		printf("%s%s: %s\n", h->a->tag, h->peer, out_errname(err));
	fflush(stdout);
}

static void
handler_destroy(struct asynchat *c, void *ctx)
{
	struct http_handler *h = ctx;
	struct asyn_demo *a = h->a;

	free(h);
	a->handlers--;
	asyn_check_done(a);
}

static const struct asynchat_ops handler_ops = {
	.found_terminator = handler_found,
	.handle_error = handler_error,
	.destroy = handler_destroy,
};

int
http_accepted(struct asyn_demo *a, int fd, const char *peer)
{
	struct http_handler *h = calloc(1, sizeof(*h));
	struct asynchat *c;

	if (h == NULL)
		return -1;
	*h = (struct http_handler){ .a = a, .reading_headers = 1 };
	snprintf(h->peer, sizeof(h->peer), "%s", peer);
	if ((c = asynchat_new(a->m, fd, "http_request_handler", &handler_ops,
			      h)) == NULL) {
		free(h);
		return -1;
	}
	asynchat_set_terminator(c, "\r\n\r\n", 4);
	a->handlers++;
	return 0;
}
