/*
 * server.c: the Unix socket tunad listens on. The socket is created mode 0600 in a 0700
 * directory; a stale socket left by a crash is replaced, a live daemon is not.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "paths.h"
#include "tunad.h"
#include "xmalloc.h"

#define SERVER_BACKLOG 512

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

/* A new client. */
static void
server_connection_cb(uv_stream_t *listener, int status)
{
	if (status < 0) {
		log_warn("accept: %s", uv_strerror(status));
		return;
	}
	conn_accept(listener);
}

/* Listen on path; fail if another daemon is there. */
int
server_listen(const char *path, char **cause)
{
	struct sockaddr_un sa;
	mode_t mask;
	int rc;

	if (strlen(path) >= sizeof sa.sun_path)
		return xcause(cause, -ENAMETOOLONG, "%s: socket path too long", path);
	if ((rc = paths_mkdir_parent(path, cause)) != 0)
		return rc;
	if (access(path, F_OK) == 0) {
		if (server_alive(path))
			return xcause(cause, -EADDRINUSE,
			    "%s: another tunad is already listening there", path);
		log_info("%s: removing a stale socket", path);
		unlink(path);
	}
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

/* Stop listening and remove the socket file. */
void
server_stop(void)
{
	if (!uv_is_closing((uv_handle_t *)&tunad.listener)) {
		uv_close((uv_handle_t *)&tunad.listener, NULL);
		unlink(tunad.socket_path);
	}
}
