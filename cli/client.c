/*
 * client.c: a blocking connection to tunad. Requests go out as one JSON line each; replies and
 * watch events come back as lines, which can be long (the status of a search with 20,000
 * trials is several MB), so the receive buffer grows as needed.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "client.h"
#include "protocol.h"
#include "xmalloc.h"

#define CLIENT_READ_CHUNK 65536

/* Whether the caller asked to give up waiting (a signal set *stop). */
static bool
client_stopped(struct client *c)
{
	return c->stop != NULL && *c->stop;
}

/* Wait for a connect interrupted by a signal to finish; returns 0 or an errno value. */
static int
client_connect_wait(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0;

	while (poll(&pfd, 1, -1) < 0) {
		if (errno != EINTR)
			return errno;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		return errno;
	return err;
}

/* Connect to the daemon's socket at path. */
int
client_connect(struct client *c, const char *path, char **cause)
{
	struct sockaddr_un sun;
	int err;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->path = xstrdup(path);
	c->next_id = 1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		err = ENAMETOOLONG;
		goto fail;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		err = errno;
		goto fail;
	}
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		err = errno;
		if (err == EINTR)
			err = client_connect_wait(c->fd);
		if (err != 0)
			goto fail;
	}
	return 0;
fail:
	xcause(cause, -ENOTCONN, "cannot connect to tunad at %s: %s%s", path, strerror(err),
	    err == ENOENT || err == ECONNREFUSED ? " (start it with: tunad)" : "");
	client_close(c);
	return -ENOTCONN;
}

/* Close the connection and free its buffers. */
void
client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->path);
	free(c->buf);
	c->path = NULL;
	c->buf = NULL;
	c->line = NULL;
	c->size = c->start = c->len = c->scan = 0;
}

/* Send one request line; a request without an "id" member gets the next one. */
int
client_send(struct client *c, cJSON *req, char **cause)
{
	char *text = NULL;
	size_t len, off = 0;
	ssize_t n;
	int rc = 0;

	if (cJSON_GetObjectItemCaseSensitive(req, "id") == NULL)
		cJSON_AddNumberToObject(req, "id", (double)c->next_id++);
	if ((text = cJSON_PrintUnformatted(req)) == NULL) {
		rc = xcause(cause, -ENOMEM, "cannot encode the request");
		goto fail;
	}
	len = strlen(text);
	if (len > PROTOCOL_MAX_LINE) {
		rc = xcause(cause, -EMSGSIZE, "request of %zu bytes is longer than tunad accepts "
		    "(%d bytes)", len, PROTOCOL_MAX_LINE);
		goto fail;
	}
	text[len++] = '\n';	/* replaces the NUL: text is written by length from here on */
	while (off < len) {
		n = write(c->fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = xcause(cause, -ECONNRESET, "sending to tunad at %s: %s", c->path,
			    strerror(errno));
			goto fail;
		}
		off += (size_t)n;
	}
fail:
	free(text);
	return rc;
}

/* Whether a whole line is buffered; advances the scan mark past bytes known to hold none. */
static bool
client_have_line(struct client *c)
{
	if (memchr(c->buf + c->scan, '\n', c->len - c->scan) != NULL)
		return true;
	c->scan = c->len;
	return false;
}

/* Read more bytes from the socket into the buffer (growing it when full). */
static int
client_fill(struct client *c, char **cause)
{
	ssize_t n;

	if (c->start > 0) {
		memmove(c->buf, c->buf + c->start, c->len - c->start);
		c->len -= c->start;
		c->scan -= c->start;
		c->start = 0;
	}
	if (c->size - c->len < CLIENT_READ_CHUNK / 2) {
		if (c->len > CLIENT_MAX_LINE)
			return xcause(cause, -EPROTO, "a line from tunad is longer than %d bytes",
			    CLIENT_MAX_LINE);
		c->size = c->size == 0 ? CLIENT_READ_CHUNK : c->size * 2;
		c->buf = xreallocarray(c->buf, c->size, 1);
	}
	for (;;) {
		n = read(c->fd, c->buf + c->len, c->size - c->len);
		if (n > 0)
			break;
		if (n == 0)
			return xcause(cause, -ECONNRESET, "tunad closed the connection");
		if (errno != EINTR)
			return xcause(cause, -ECONNRESET, "reading from tunad at %s: %s",
			    c->path, strerror(errno));
		if (client_stopped(c))
			return -EINTR;
	}
	c->len += (size_t)n;
	return 0;
}

/*
 * Wait up to timeout_ms (-1: no limit) for a line to arrive: 1 if one can be read, 0 if not yet
 * (the time ran out, or a signal that did not set *stop arrived).
 */
int
client_poll(struct client *c, int timeout_ms, char **cause)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	int n;

	if (c->buf != NULL && client_have_line(c))
		return 1;
	n = poll(&pfd, 1, timeout_ms);
	if (n < 0 && errno == EINTR)
		return client_stopped(c) ? -EINTR : 0;
	if (n < 0)
		return xcause(cause, -ECONNRESET, "waiting for tunad: %s", strerror(errno));
	return n > 0;
}

/* Read the next non-empty line and parse it; the raw text stays in c->line until the next read. */
int
client_read(struct client *c, cJSON **out, char **cause)
{
	const char *end = NULL;
	char *nl;
	size_t n;
	int rc;

	*out = NULL;
	c->line = NULL;
	for (;;) {
		while (c->buf == NULL || !client_have_line(c)) {
			if ((rc = client_fill(c, cause)) != 0)
				return rc;
		}
		nl = memchr(c->buf + c->scan, '\n', c->len - c->scan);
		*nl = '\0';
		c->line = c->buf + c->start;
		n = (size_t)(nl - c->line);
		c->start = c->scan = (size_t)(nl - c->buf) + 1;
		if (n > 0 && c->line[n - 1] == '\r')
			c->line[--n] = '\0';
		if (c->line[strspn(c->line, " \t")] != '\0')
			break;
	}
	*out = cJSON_ParseWithLengthOpts(c->line, n + 1, &end, true);
	if (*out == NULL)
		return xcause(cause, -EPROTO, "tunad sent invalid JSON (at byte %ld of a line)",
		    end != NULL ? (long)(end - c->line) : 0L);
	if (!cJSON_IsObject(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		return xcause(cause, -EPROTO, "tunad sent a line that is not a JSON object");
	}
	return 0;
}

/*
 * Send a request and read its reply. On {"ok":false} fails with -EREMOTEIO and the daemon's
 * message; the raw reply line is in c->line either way.
 */
int
client_request(struct client *c, cJSON *req, cJSON **reply, char **cause)
{
	const cJSON *ok, *err, *id, *sent;
	cJSON *r = NULL;
	int rc;

	*reply = NULL;
	if ((rc = client_send(c, req, cause)) != 0)
		return rc;
	if ((rc = client_read(c, &r, cause)) != 0)
		return rc;
	ok = cJSON_GetObjectItemCaseSensitive(r, "ok");
	id = cJSON_GetObjectItemCaseSensitive(r, "id");
	sent = cJSON_GetObjectItemCaseSensitive(req, "id");
	if (!cJSON_IsBool(ok)) {
		rc = xcause(cause, -EPROTO, "tunad sent a reply without \"ok\"");
		goto fail;
	}
	if (cJSON_IsFalse(ok)) {
		err = cJSON_GetObjectItemCaseSensitive(r, "error");
		rc = xcause(cause, -EREMOTEIO, "%s", cJSON_IsString(err) ? err->valuestring :
		    "tunad replied with an error and no message");
		goto fail;
	}
	if (id != NULL && sent != NULL && !cJSON_Compare(id, sent, true)) {
		rc = xcause(cause, -EPROTO, "tunad replied to another request");
		goto fail;
	}
	*reply = r;
	return 0;
fail:
	cJSON_Delete(r);
	return rc;
}
