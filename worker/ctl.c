/*
 * ctl.c: split standard input into lines; poll it without blocking between epochs; run a
 * stream of trials, a line each.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "event.h"
#include "protocol.h"
#include "xmalloc.h"

/* Start reading lines from fd. */
void
ctl_init(struct ctl *c, int fd)
{
	memset(c, 0, sizeof *c);
	c->fd = fd;
	c->cap = 4096;
	c->buf = xmalloc(c->cap);
}

/* Free the buffer and any pending line. */
void
ctl_free(struct ctl *c)
{
	free(c->buf);
	free(c->pending);
	memset(c, 0, sizeof *c);
}

/* Take one complete line out of the buffer, if there is one. */
static char *
ctl_take(struct ctl *c)
{
	char *nl = memchr(c->buf, '\n', c->len), *line;
	size_t n;

	if (nl == NULL) {
		if (!c->eof || c->len == 0)
			return NULL;
		nl = c->buf + c->len;	/* a last line without a newline */
	}
	n = (size_t)(nl - c->buf);
	line = xmalloc(n + 1);
	memcpy(line, c->buf, n);
	line[n] = '\0';
	if (n > 0 && line[n - 1] == '\r')
		line[n - 1] = '\0';
	n = n < c->len ? n + 1 : n;
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
	return line;
}

/*
 * The next line (caller frees) in *line: returns 1 with a line, 0 when none is ready
 * (only when !wait), -1 at end of input, or a negative errno with *cause set.
 */
int
ctl_next(struct ctl *c, bool wait, char **line, char **cause)
{
	struct pollfd pfd;
	ssize_t n;
	int rc;

	for (;;) {
		if ((*line = ctl_take(c)) != NULL)
			return 1;
		if (c->eof)
			return -1;
		if (c->len >= PROTOCOL_MAX_LINE)
			return xcause(cause, -E2BIG, "stdin: line longer than %d bytes",
			    PROTOCOL_MAX_LINE);
		if (!wait) {
			pfd.fd = c->fd;
			pfd.events = POLLIN;
			if ((rc = poll(&pfd, 1, 0)) < 0 && errno != EINTR)
				return xcause(cause, -errno, "stdin: %s", strerror(errno));
			if (rc <= 0)
				return 0;
		}
		if (c->cap - c->len < 4096) {
			c->cap *= 2;
			c->buf = xreallocarray(c->buf, c->cap, 1);
		}
		n = read(c->fd, c->buf + c->len, c->cap - c->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return xcause(cause, -errno, "stdin: %s", strerror(errno));
		if (n == 0)
			c->eof = true;
		c->len += (size_t)n;
	}
}

/*
 * Run trials from c, one a line (blank lines skipped), each through trial(line, c) — a line read
 * while the one before ran comes first — until EOF: 0 when every trial returned 0, else 2 (also
 * after an input error, reported as an error event).
 */
int
ctl_stream(struct ctl *c, int (*trial)(const char *line, struct ctl *c))
{
	char *line, *cause = NULL;
	int rc, status = 0;

	for (;;) {
		if (c->pending != NULL) {
			line = c->pending;
			c->pending = NULL;
		} else {
			rc = ctl_next(c, true, &line, &cause);
			if (rc == -1)
				return status;
			if (rc < 0) {
				event_error(NULL, cause);
				free(cause);
				return 2;
			}
		}
		if (line[strspn(line, " \t")] != '\0' && trial(line, c) != 0)
			status = 2;
		free(line);
	}
}
