/*
 * paths.c: default locations. The socket: $TUNA_SOCKET, else $XDG_RUNTIME_DIR/tuna/tunad.sock,
 * else /tmp/tuna-UID/tunad.sock. The database: $TUNA_DB, else $XDG_STATE_HOME/tuna/tuna.db,
 * else ~/.local/state/tuna/tuna.db.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"
#include "xmalloc.h"

/* The value of an environment variable, or NULL when unset or empty. */
static const char *
paths_env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* The default socket path (caller frees). */
char *
paths_socket(void)
{
	const char *v;

	if ((v = paths_env("TUNA_SOCKET")) != NULL)
		return xstrdup(v);
	if ((v = paths_env("XDG_RUNTIME_DIR")) != NULL)
		return xasprintf("%s/tuna/tunad.sock", v);
	return xasprintf("/tmp/tuna-%ld/tunad.sock", (long)getuid());
}

/* The default database path (caller frees). */
char *
paths_db(void)
{
	const char *v;

	if ((v = paths_env("TUNA_DB")) != NULL)
		return xstrdup(v);
	if ((v = paths_env("XDG_STATE_HOME")) != NULL)
		return xasprintf("%s/tuna/tuna.db", v);
	if ((v = paths_env("HOME")) != NULL)
		return xasprintf("%s/.local/state/tuna/tuna.db", v);
	return xasprintf("/tmp/tuna-%ld/tuna.db", (long)getuid());
}

/* Create the directories above path (mode 0700 for new ones). */
int
paths_mkdir_parent(const char *path, char **cause)
{
	char *dir = xstrdup(path), *p;
	int rc = 0;

	if ((p = strrchr(dir, '/')) == NULL || p == dir)
		goto out;
	*p = '\0';
	for (p = dir + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
				rc = xcause(cause, -errno, "%s: %s", dir, strerror(errno));
				goto out;
			}
			*p = c;
			if (c == '\0')
				break;
		}
	}
out:
	free(dir);
	return rc;
}

/*
 * Whether files can be written in dir: the directory made (mkdir -p), then a file created and
 * removed in it — a real write, which access(2) is not on NFS or a read-only mount.
 */
int
paths_writable(const char *dir, char **cause)
{
	char *probe = xasprintf("%s/.tuna-probe-%ld", dir, (long)getpid());
	int fd, rc;

	if ((rc = paths_mkdir_parent(probe, cause)) != 0)
		goto out;
	if ((fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		rc = xcause(cause, -errno, "%s: %s", dir, strerror(errno));
		goto out;
	}
	close(fd);
	unlink(probe);
out:
	free(probe);
	return rc;
}
