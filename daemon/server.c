/*
 * server.c: the Unix socket tunad listens on. The socket is created mode 0600 in a 0700
 * directory; a stale socket left by a crash is replaced, a live daemon is not. Before it
 * listens, tunad raises its open-file limit to what its clients and workers need (it does not
 * depend on the caller's ulimit), or lowers the client cap to what the hard limit allows. An
 * accept error (descriptors run out) closes the listener for a second instead of a busy loop.
 * Layer: front
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "paths.h"
#include "server.h"
#include "xmalloc.h"

#define SERVER_BACKLOG 512
#define SERVER_WARN_MS 1000	/* accept errors: one warning a second at most */
#define SERVER_PAUSE_MS 1000	/* after an accept error, not listening for this long */

static void server_connection_cb(uv_stream_t *listener, int status);
static void server_resume_cb(uv_timer_t *timer);

/* Whether a daemon answers on path. */
static bool
server_alive(const char *path)
{
	struct sockaddr_un sa;
	int fd, rc;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return false;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	strncpy(sa.sun_path, path, sizeof sa.sun_path - 1);
	rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	close(fd);
	return rc == 0;
}

/*
 * Stop listening for a while: libuv retries a failed accept at once, in a loop, and when the
 * descriptors are out and it has lost its own spare (libuv sheds waiting clients with it), every
 * retry fails the same way: the daemon would spin there for ever. Closing the listener ends that
 * loop (libuv removes the socket file with it: clients cannot connect meanwhile); a timer
 * listens again.
 */
static void
server_pause(struct front *f)
{
	if (f->server_paused || f->stopping)
		return;
	f->server_paused = true;
	uv_close((uv_handle_t *)&f->listener, NULL);
	if (!f->server_timer_ready) {
		uv_timer_init(f->loop, &f->server_timer);
		f->server_timer.data = f;
		f->server_timer_ready = true;
	}
	uv_timer_start(&f->server_timer, server_resume_cb, SERVER_PAUSE_MS, 0);
}

/* A new client, or an accept error: warn (once a second at most) and pause listening. */
static void
server_connection_cb(uv_stream_t *listener, int status)
{
	static unsigned long long errors;
	static uint64_t warned_at;
	static bool warned;
	struct front *f = listener->data;
	uint64_t now;

	if (status >= 0) {
		conn_accept(f, listener);
		return;
	}
	errors++;
	now = uv_now(f->loop);
	if (!warned || now - warned_at >= SERVER_WARN_MS) {
		log_warn("accept: %s (%llu errors since the last warning): not accepting clients "
		    "for %d ms", uv_strerror(status), errors, SERVER_PAUSE_MS);
		warned = true;
		warned_at = now;
		errors = 0;
	}
	server_pause(f);
}

/*
 * Size the open-file limit: one descriptor per client (f->max_clients, FRONT_MAX_CLIENTS when
 * not set) plus the workers' and the daemon's own (conn_fd_reserve). The soft limit is raised
 * to that, up to the hard limit; if the hard limit is lower, the cap comes down to fit, with
 * a warning.
 */
static void
server_limits(struct front *f)
{
	struct rlimit rl;
	unsigned long long need, was;
	long long fit;

	if (f->max_clients <= 0)
		f->max_clients = FRONT_MAX_CLIENTS;
	need = (unsigned long long)f->max_clients + (unsigned long long)conn_fd_reserve(f);
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		log_warn("getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
		return;
	}
	was = rl.rlim_cur;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need :
		    rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			log_warn("setrlimit(RLIMIT_NOFILE, %llu): %s",
			    (unsigned long long)rl.rlim_cur, strerror(errno));
			rl.rlim_cur = was;
		}
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		fit = (long long)rl.rlim_cur - conn_fd_reserve(f);
		if (fit < 1)
			fit = 1;
		log_warn("open files: the limit is %llu (hard limit %llu), too low for %d clients "
		    "and %d workers (%llu needed): serving %lld clients at most (raise the hard "
		    "limit: ulimit -Hn, or LimitNOFILE= under systemd)",
		    (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max,
		    f->max_clients, f->max_workers, need, fit);
		f->max_clients = (int)fit;
	} else if (rl.rlim_cur != was)
		log_info("open files: limit raised from %llu to %llu for %d clients and %d workers",
		    was, (unsigned long long)rl.rlim_cur, f->max_clients, f->max_workers);
}

/* Create the listener on path (which must not exist): bind, mode 0600, listen. */
static int
server_bind(struct front *f, const char *path, char **cause)
{
	mode_t mask;
	int rc;

	uv_pipe_init(f->loop, &f->listener, 0);
	f->listener.data = f;
	mask = umask(0177);
	rc = uv_pipe_bind(&f->listener, path);
	umask(mask);
	if (rc != 0) {
		uv_close((uv_handle_t *)&f->listener, NULL);
		return xcause(cause, rc, "%s: bind: %s", path, uv_strerror(rc));
	}
	chmod(path, 0600);
	if ((rc = uv_listen((uv_stream_t *)&f->listener, SERVER_BACKLOG,
	    server_connection_cb)) != 0) {
		uv_close((uv_handle_t *)&f->listener, NULL);
		unlink(path);
		return xcause(cause, rc, "%s: listen: %s", path, uv_strerror(rc));
	}
	return 0;
}

/* Timer: listen again after a pause, on a new socket; if that fails too, try again later. */
static void
server_resume_cb(uv_timer_t *timer)
{
	struct front *f = timer->data;
	char *cause = NULL;

	if (f->stopping)
		return;
	if (server_alive(f->socket_path)) {	/* another daemon took the path meanwhile */
		log_warn("%s: another tunad listens there now: not listening again",
		    f->socket_path);
		return;
	}
	unlink(f->socket_path);
	if (server_bind(f, f->socket_path, &cause) != 0)
		goto later;
	f->server_paused = false;
	log_info("listening again on %s", f->socket_path);
	return;
later:
	log_warn("%s (trying again in %d ms)", cause, SERVER_PAUSE_MS);
	free(cause);
	uv_timer_start(timer, server_resume_cb, SERVER_PAUSE_MS, 0);
}

/* Size the open-file limit, then listen on f->socket_path; fail if another daemon is there. */
int
server_listen(struct front *f, char **cause)
{
	const char *path = f->socket_path;
	struct sockaddr_un sa;
	int rc;

	if (strlen(path) >= sizeof sa.sun_path)
		return xcause(cause, -ENAMETOOLONG, "%s: socket path too long", path);
	if ((rc = paths_mkdir_parent(path, cause)) != 0)
		return rc;
	server_limits(f);
	if (access(path, F_OK) == 0) {
		if (server_alive(path))
			return xcause(cause, -EADDRINUSE,
			    "%s: another tunad is already listening there", path);
		log_info("%s: removing a stale socket", path);
		unlink(path);
	}
	return server_bind(f, path, cause);
}

/* Stop listening (or waiting to listen again) and remove the socket file. */
void
server_stop(struct front *f)
{
	if (f->server_stopped)
		return;
	f->server_stopped = true;
	if (f->server_timer_ready) {
		uv_timer_stop(&f->server_timer);
		uv_close((uv_handle_t *)&f->server_timer, NULL);
	}
	if (f->server_paused)	/* closed already, and its file with it: the path may be another's */
		return;
	if (!uv_is_closing((uv_handle_t *)&f->listener))
		uv_close((uv_handle_t *)&f->listener, NULL);
	unlink(f->socket_path);
}
