/*
 * conn.c: one client connection — read newline-delimited requests, write replies and events,
 * and one teardown (conn_close) that says why. The conn is freed when its handle is closed and
 * no request is still in flight for it. A client's EOF only means "no more requests": the
 * replies still due (a submit being checked, a watch being followed) are sent, then the
 * daemon shuts its side down and closes (conn_done). A client over the cap (--max-clients),
 * or one that would leave too few file descriptors for the workers and the store, is told so
 * and closed.
 * Layer: front
 */
#include <poll.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "protocol.h"
#include "request.h"
#include "watch.h"
#include "xmalloc.h"

#define CONN_MAX_QUEUE (16 << 20)	/* bytes queued to a slow reader before it is dropped */
#define CONN_FD_RESERVE 96	/* descriptors kept for the loop, store, log, data sets being read */
#define CONN_FD_PER_WORKER 4	/* a worker's three pipes, and one more while it is spawned */
#define CONN_FD_HEADROOM 48	/* a client is refused when it leaves fewer free than this */

static uint64_t conn_serial;

struct conn_write {
	uv_write_t req;
	struct conn *c;
	char *data;
};

/* Free the conn once closed and unreferenced. */
static void
conn_unref(struct conn *c)
{
	if (--c->refs > 0)
		return;
	lines_free(&c->in);
	free(c);
}

/* Keep the conn alive across a write or an asynchronous request. */
static void
conn_ref(struct conn *c)
{
	c->refs++;
}

/* The handle is closed: drop the connection's own reference. */
static void
conn_closed_cb(uv_handle_t *h)
{
	struct conn *c = h->data;

	c->f->nconns--;
	conn_unref(c);
}

/* Tear down a connection, saying why. */
void
conn_close(struct conn *c, const char *why)
{
	if (c->closing)
		return;
	c->closing = true;
	watch_stop(c);
	log_debug("client %llu: closed: %s", (unsigned long long)c->serial, why);
	TAILQ_REMOVE(&c->f->conns, c, entry);
	uv_close((uv_handle_t *)&c->pipe, conn_closed_cb);
}

/* The replies queued before a shutdown are written: now close. */
static void
conn_shutdown_cb(uv_shutdown_t *req, int status)
{
	struct conn *c = req->data;

	free(req);
	conn_close(c, status == 0 ? c->finish_why : uv_strerror(status));
	conn_unref(c);
}

/* Stop reading, let the queued replies go out, then close, saying why. */
static void
conn_finish(struct conn *c, const char *why)
{
	uv_shutdown_t *req;

	if (c->closing || c->finishing)
		return;
	c->finishing = true;
	c->finish_why = why;
	uv_read_stop((uv_stream_t *)&c->pipe);
	req = xmalloc(sizeof *req);
	req->data = c;
	if (uv_shutdown(req, (uv_stream_t *)&c->pipe, conn_shutdown_cb) != 0) {
		free(req);
		conn_close(c, why);
		return;
	}
	conn_ref(c);	/* until the shutdown callback */
}

/*
 * Whether the client is owed nothing more after its EOF: no request in flight, no stream
 * being followed. Then shut down and close, once the queued replies are out.
 */
void
conn_done(struct conn *c)
{
	if (c->read_eof && c->inflight == 0 && !c->watching)
		conn_finish(c, "client left; every reply sent");
}

/* A request goes on asynchronously: keep the conn, and its replies due, until conn_end. */
void
conn_begin(struct conn *c)
{
	c->inflight++;
	conn_ref(c);
}

/* An asynchronous request has replied. */
void
conn_end(struct conn *c)
{
	c->inflight--;
	conn_done(c);
	conn_unref(c);
}

/* A write finished: free it; on error, drop the client; else maybe send more history. */
static void
conn_write_cb(uv_write_t *req, int status)
{
	struct conn_write *w = (struct conn_write *)req;
	struct conn *c = w->c;

	free(w->data);
	free(w);
	if (status < 0 && !c->closing)
		conn_close(c, uv_strerror(status));
	else if (!c->closing && c->watching && !c->watch_live)
		watch_pump(c);
	conn_unref(c);
}

/* Queue one JSON line to the client (frees reply). */
void
conn_send(struct conn *c, cJSON *reply)
{
	struct conn_write *w;
	uv_buf_t buf;
	size_t n;
	int rc;

	if (c->closing) {
		cJSON_Delete(reply);
		return;
	}
	if (uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe) > CONN_MAX_QUEUE) {
		cJSON_Delete(reply);
		conn_close(c, "client too slow to read its replies");
		return;
	}
	w = xmalloc(sizeof *w);
	w->c = c;
	w->data = cJSON_PrintUnformatted(reply);
	cJSON_Delete(reply);
	if (w->data == NULL) {
		fprintf(stderr, "tunad: out of memory\n");
		abort();
	}
	n = strlen(w->data);
	w->data = xreallocarray(w->data, n + 2, 1);
	w->data[n] = '\n';
	buf = uv_buf_init(w->data, (unsigned)n + 1);
	conn_ref(c);
	if ((rc = uv_write(&w->req, (uv_stream_t *)&c->pipe, &buf, 1, conn_write_cb)) != 0) {
		free(w->data);
		free(w);
		conn_close(c, uv_strerror(rc));
		conn_unref(c);
	}
}

/* Reply {"ok":false,"error":…} to a request. */
void
conn_reply_error(struct conn *c, const cJSON *id, const char *fmt, ...)
{
	cJSON *r = cJSON_CreateObject();
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	cJSON_AddBoolToObject(r, "ok", false);
	if (id != NULL)
		cJSON_AddItemToObject(r, "id", cJSON_Duplicate(id, 1));
	cJSON_AddStringToObject(r, "error", msg);
	free(msg);
	conn_send(c, r);
}

/* Buffer for reading. */
static void
conn_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct conn *c = h->data;

	(void)suggested;
	lines_alloc(&c->in, buf);
}

/* One whole request line; a non-zero return stops the reading of more (conn closing). */
static int
conn_line(void *arg, char *line, size_t len)
{
	struct conn *c = arg;

	if (len > PROTOCOL_MAX_LINE)
		conn_reply_error(c, NULL, "request line of %zu bytes is longer than %d", len,
		    PROTOCOL_MAX_LINE);
	else
		request_handle(c, line, len);
	return c->closing || c->finishing;
}

/*
 * Whether the client has closed its socket (POLLHUP), not only its sending side: a client
 * that half-closed (shutdown(SHUT_WR)) still reads, one that closed reads nothing more.
 */
static bool
conn_peer_gone(struct conn *c)
{
	struct pollfd pfd = { .events = 0 };
	uv_os_fd_t fd;

	if (uv_fileno((uv_handle_t *)&c->pipe, &fd) != 0)
		return true;
	pfd.fd = fd;
	return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR)) != 0;
}

/* Bytes arrived: handle each whole line; refuse a line that is too long. */
static void
conn_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct conn *c = s->data;

	(void)buf;
	if (n == UV_EOF && conn_peer_gone(c)) {
		conn_close(c, "client left");
		return;
	}
	if (n == UV_EOF) {
		/* no more requests; a last line without its newline is one too */
		uv_read_stop(s);
		c->read_eof = true;
		conn_ref(c);
		lines_rest(&c->in, conn_line, c);
		conn_done(c);
		conn_unref(c);
		return;
	}
	if (n < 0) {
		conn_close(c, uv_strerror((int)n));
		return;
	}
	conn_ref(c);
	if (lines_feed(&c->in, (size_t)n, conn_line, c) > PROTOCOL_MAX_LINE && !c->closing) {
		/* no way to find the next request: answer, and close once the answer is out */
		conn_reply_error(c, NULL, "request line longer than %d bytes", PROTOCOL_MAX_LINE);
		c->in.len = 0;
		conn_finish(c, "request line too long");
	}
	conn_unref(c);
}

/* Descriptors tunad needs besides one per client: its own and its workers'. */
int
conn_fd_reserve(const struct front *f)
{
	return CONN_FD_RESERVE + CONN_FD_PER_WORKER * f->max_workers;
}

/*
 * Whether the client on fd leaves too few descriptors free for the workers still to start and
 * the store: the kernel hands out the lowest free number, so all below fd are taken. Only when
 * the limit was lowered under the daemon, or descriptors went elsewhere: at start server.c
 * sizes the limit for every client. *limit: the soft limit.
 */
static bool
conn_fds_short(const struct front *f, uv_os_fd_t fd, unsigned long long *limit)
{
	int alive = exec_slots(f->exec);
	struct rlimit rl;
	long long room = CONN_FD_HEADROOM;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return false;
	*limit = (unsigned long long)rl.rlim_cur;
	if (f->max_workers > alive)
		room += (long long)CONN_FD_PER_WORKER * (f->max_workers - alive);
	return (long long)fd >= (long long)rl.rlim_cur - room;
}

/* 0 if the peer is our own user or root (SO_PEERCRED), else its uid (> 0). */
static int
conn_peer_allowed(struct conn *c)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	uv_os_fd_t fd;

	if (uv_fileno((uv_handle_t *)&c->pipe, &fd) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return 0;	/* not a Unix socket peer we can ask: the file mode guards it */
	if (cred.uid == getuid() || cred.uid == 0)
		return 0;
	return (int)cred.uid;
}

/* Turn away a client just accepted: tell it why, close it; warn at most once a second. */
static void
conn_refuse(struct conn *c, const char *why)
{
	static unsigned long long unwarned;
	static uint64_t warned_at;
	static bool warned;
	uint64_t now = uv_now(c->f->loop);

	unwarned++;
	if (!warned || now - warned_at >= 1000) {
		log_warn("client %llu refused: %s (%llu refused since the last warning)",
		    (unsigned long long)c->serial, why, unwarned);
		warned = true;
		warned_at = now;
		unwarned = 0;
	}
	conn_reply_error(c, NULL, "%s", why);
	conn_close(c, why);
}

/*
 * Accept a client from the listener. uv_accept is called every time: until it is, libuv stops
 * watching the listener. A refusal is written at once (the socket is empty, so the line goes
 * out whole) and the descriptor closed at once, so that a burst of refused clients holds none.
 */
void
conn_accept(struct front *f, uv_stream_t *listener)
{
	struct conn *c = xcalloc(1, sizeof *c);
	unsigned long long limit = 0;
	uv_os_fd_t fd;
	char *msg;
	int rc;

	c->f = f;
	c->serial = ++conn_serial;
	c->refs = 1;
	uv_pipe_init(f->loop, &c->pipe, 0);
	c->pipe.data = c;
	f->nconns++;
	TAILQ_INSERT_TAIL(&f->conns, c, entry);
	if ((rc = uv_accept(listener, (uv_stream_t *)&c->pipe)) != 0) {
		conn_close(c, uv_strerror(rc));
		return;
	}
	if (f->nconns > f->max_clients) {
		msg = xasprintf("too many connections (%d)", f->max_clients);
		conn_refuse(c, msg);
		free(msg);
		return;
	}
	if (uv_fileno((uv_handle_t *)&c->pipe, &fd) == 0 && conn_fds_short(f, fd, &limit)) {
		msg = xasprintf("too many connections: tunad is out of file descriptors (limit %llu)",
		    limit);
		conn_refuse(c, msg);
		free(msg);
		return;
	}
	if ((rc = conn_peer_allowed(c)) != 0) {
		conn_reply_error(c, NULL, "connections from uid %d are refused: tunad serves its own "
		    "user (and root) only", rc);
		conn_finish(c, "another user's client refused");
		return;
	}
	log_debug("client %llu: connected", (unsigned long long)c->serial);
	if ((rc = uv_read_start((uv_stream_t *)&c->pipe, conn_alloc_cb, conn_read_cb)) != 0)
		conn_close(c, uv_strerror(rc));
}
