/*
 * server.c: the Unix socket tunad listens on. The socket is created mode 0600 in a 0700
 * directory; a stale socket left by a crash is replaced, a live daemon is not. Before it
 * listens, tunad raises its open-file limit to what its clients and workers need (it does not
 * depend on the caller's ulimit), or lowers the client cap to what the hard limit allows. An
 * accept error (descriptors run out) closes the listener for a second instead of a busy loop.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "paths.h"
#include "tunad.h"
#include "xmalloc.h"

#define SERVER_BACKLOG 512
#define SERVER_WARN_MS 1000	/* accept errors: one warning a second at most */
#define SERVER_PAUSE_MS 1000	/* after an accept error, not listening for this long */

static uv_timer_t server_timer;	/* a paused listener: when to listen again */
static bool server_timer_ready;	/* server_timer initialized */
static bool server_paused;	/* the listener is closed after an accept error */

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
server_pause(void)
{
	if (server_paused || tunad.stopping)
		return;
	server_paused = true;
	uv_close((uv_handle_t *)&tunad.listener, NULL);
	if (!server_timer_ready) {
		uv_timer_init(tunad.loop, &server_timer);
		server_timer_ready = true;
	}
	uv_timer_start(&server_timer, server_resume_cb, SERVER_PAUSE_MS, 0);
}

/* A new client, or an accept error: warn (once a second at most) and pause listening. */
static void
server_connection_cb(uv_stream_t *listener, int status)
{
	static unsigned long long errors;
	static uint64_t warned_at;
	static bool warned;
	uint64_t now;

	if (status >= 0) {
		conn_accept(listener);
		return;
	}
	errors++;
	now = uv_now(tunad.loop);
	if (!warned || now - warned_at >= SERVER_WARN_MS) {
		log_warn("accept: %s (%llu errors since the last warning): not accepting clients "
		    "for %d ms", uv_strerror(status), errors, SERVER_PAUSE_MS);
		warned = true;
		warned_at = now;
		errors = 0;
	}
	server_pause();
}

/*
 * Size the open-file limit: one descriptor per client (tunad.max_clients, TUNAD_MAX_CLIENTS
 * when not set) plus the workers' and the daemon's own (conn_fd_reserve). The soft limit is
 * raised to that, up to the hard limit; if the hard limit is lower, the cap comes down to fit,
 * with a warning.
 */
static void
server_limits(void)
{
	struct rlimit rl;
	unsigned long long need, was;
	long long fit;

	if (tunad.max_clients <= 0)
		tunad.max_clients = TUNAD_MAX_CLIENTS;
	need = (unsigned long long)tunad.max_clients + (unsigned long long)conn_fd_reserve();
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
		fit = (long long)rl.rlim_cur - conn_fd_reserve();
		if (fit < 1)
			fit = 1;
		log_warn("open files: the limit is %llu (hard limit %llu), too low for %d clients "
		    "and %d workers (%llu needed): serving %lld clients at most (raise the hard "
		    "limit: ulimit -Hn, or LimitNOFILE= under systemd)",
		    (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max,
		    tunad.max_clients, tunad.max_workers, need, fit);
		tunad.max_clients = (int)fit;
	} else if (rl.rlim_cur != was)
		log_info("open files: limit raised from %llu to %llu for %d clients and %d workers",
		    was, (unsigned long long)rl.rlim_cur, tunad.max_clients, tunad.max_workers);
}

/* Create the listener on path (which must not exist): bind, mode 0600, listen. */
static int
server_bind(const char *path, char **cause)
{
	mode_t mask;
	int rc;

	uv_pipe_init(tunad.loop, &tunad.listener, 0);
	mask = umask(0177);
	rc = uv_pipe_bind(&tunad.listener, path);
	umask(mask);
	if (rc != 0) {
		uv_close((uv_handle_t *)&tunad.listener, NULL);
		return xcause(cause, rc, "%s: bind: %s", path, uv_strerror(rc));
	}
	chmod(path, 0600);
	if ((rc = uv_listen((uv_stream_t *)&tunad.listener, SERVER_BACKLOG,
	    server_connection_cb)) != 0) {
		uv_close((uv_handle_t *)&tunad.listener, NULL);
		unlink(path);
		return xcause(cause, rc, "%s: listen: %s", path, uv_strerror(rc));
	}
	return 0;
}

/* Timer: listen again after a pause, on a new socket; if that fails too, try again later. */
static void
server_resume_cb(uv_timer_t *timer)
{
	char *cause = NULL;

	if (tunad.stopping)
		return;
	if (server_alive(tunad.socket_path)) {	/* another daemon took the path meanwhile */
		log_warn("%s: another tunad listens there now: not listening again",
		    tunad.socket_path);
		return;
	}
	unlink(tunad.socket_path);
	if (server_bind(tunad.socket_path, &cause) != 0)
		goto later;
	server_paused = false;
	log_info("listening again on %s", tunad.socket_path);
	return;
later:
	log_warn("%s (trying again in %d ms)", cause, SERVER_PAUSE_MS);
	free(cause);
	uv_timer_start(timer, server_resume_cb, SERVER_PAUSE_MS, 0);
}

/* Size the open-file limit, then listen on path; fail if another daemon is there. */
int
server_listen(const char *path, char **cause)
{
	struct sockaddr_un sa;
	int rc;

	if (strlen(path) >= sizeof sa.sun_path)
		return xcause(cause, -ENAMETOOLONG, "%s: socket path too long", path);
	if ((rc = paths_mkdir_parent(path, cause)) != 0)
		return rc;
	server_limits();
	if (access(path, F_OK) == 0) {
		if (server_alive(path))
			return xcause(cause, -EADDRINUSE,
			    "%s: another tunad is already listening there", path);
		log_info("%s: removing a stale socket", path);
		unlink(path);
	}
	return server_bind(path, cause);
}

/* Stop listening (or waiting to listen again) and remove the socket file. */
void
server_stop(void)
{
	static bool stopped;

	if (stopped)
		return;
	stopped = true;
	if (server_timer_ready) {
		uv_timer_stop(&server_timer);
		uv_close((uv_handle_t *)&server_timer, NULL);
	}
	if (server_paused)	/* closed already, and its file with it: the path may be another's */
		return;
	if (!uv_is_closing((uv_handle_t *)&tunad.listener))
		uv_close((uv_handle_t *)&tunad.listener, NULL);
	unlink(tunad.socket_path);
}
