/*
 * tunad.c: the daemon's main — options, the store, the socket, signals, the flush timer, and
 * the orderly stop (no new work, workers stopped, their trials recorded, the store flushed).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "paths.h"
#include "protocol.h"
#include "tunad.h"
#include "xmalloc.h"

#define TUNAD_FLUSH_MS 50

struct tunad tunad;

/* Print usage and exit. */
static void __attribute__((noreturn))
tunad_usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: tunad [--foreground] [--socket PATH] [--db PATH] [--workers N]\n"
	    "             [--worker PATH] [--max-clients N] [--debug]\n"
	    "  --socket PATH   Unix socket to listen on (default $TUNA_SOCKET, else\n"
	    "                  $XDG_RUNTIME_DIR/tuna/tunad.sock, else /tmp/tuna-UID/tunad.sock)\n"
	    "  --db PATH       SQLite database (default $TUNA_DB, else\n"
	    "                  $XDG_STATE_HOME/tuna/tuna.db, else ~/.local/state/tuna/tuna.db)\n"
	    "  --workers N     worker processes at once over all searches (default: cores)\n"
	    "  --worker PATH   the tuna-worker program (default: next to tunad)\n"
	    "  --max-clients N connections at once (default 4096); the next one is refused\n"
	    "                  with \"too many connections (N)\"\n"
	    "  --foreground    stay attached and log to stderr (else: detach, log to\n"
	    "                  tunad.log beside the database)\n");
	exit(status);
}

/*
 * Find tuna-worker: $TUNA_WORKER, next to tunad, in the build tree, or on $PATH. *from says
 * where the path came from, for messages.
 */
static char *
tunad_find_worker(const char **from)
{
	char self[PATH_MAX], *slash, *p;
	const char *env = getenv("TUNA_WORKER");
	ssize_t n;

	*from = "$TUNA_WORKER";
	if (env != NULL && env[0] != '\0')
		return xstrdup(env);
	*from = "the tuna-worker next to tunad";
	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			p = xasprintf("%s/tuna-worker", self);
			if (access(p, X_OK) == 0)
				return p;
			free(p);
			p = xasprintf("%s/../worker/tuna-worker", self);
			if (access(p, X_OK) == 0)
				return p;
			free(p);
		}
	}
	*from = "tuna-worker on $PATH";
	return xstrdup("tuna-worker");
}

/* Whether path names an executable regular file: 0, or -errno. */
static int
tunad_executable(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		return -errno;
	if (!S_ISREG(sb.st_mode))
		return S_ISDIR(sb.st_mode) ? -EISDIR : -EACCES;
	return access(path, X_OK) == 0 ? 0 : -errno;
}

/*
 * Refuse to start with a worker program that cannot be run: it is run the way uv_spawn runs
 * it (execvp: a name without a slash is looked up on $PATH).
 */
static int
tunad_check_worker(const char *path, const char *from, char **cause)
{
	const char *dirs = getenv("PATH"), *end;
	char *p;
	int rc = -ENOENT;

	if (strchr(path, '/') != NULL)
		rc = tunad_executable(path);
	else {
		for (dirs = dirs != NULL ? dirs : "/usr/local/bin:/usr/bin:/bin"; rc != 0;
		    dirs = end + 1) {
			end = strchrnul(dirs, ':');
			p = xasprintf("%.*s/%s", (int)(end - dirs), end > dirs ? dirs : ".", path);
			if (tunad_executable(p) == 0)
				rc = 0;
			free(p);
			if (*end == '\0')
				break;
		}
	}
	if (rc != 0)
		return xcause(cause, rc, "worker %s (%s): cannot be run: %s", path, from,
		    rc == -ENOENT && strchr(path, '/') == NULL ? "not found on $PATH" :
		    strerror(-rc));
	return 0;
}

/*
 * A store write failed: log it and suspend the searches until the database can be written
 * (suspend.c). While suspended, the refusals of the held store are expected: not logged.
 */
void
tunad_store_error(const char *what, char *cause)
{
	char *msg;

	if (tunad.suspended == NULL) {
		msg = xasprintf("%s: %s", what, cause != NULL ? cause : "failed");
		suspend_begin(msg);
		free(msg);
	}
	free(cause);
}

/* Commit what the store holds, and send the events it made durable. */
static void
tunad_flush(void)
{
	char *cause = NULL;

	if (tunad.store != NULL && store_pending(tunad.store) > 0 && watch_commit(&cause) != 0)
		tunad_store_error("flush", cause);
}

/* Timer: commit the writes of the last few milliseconds in one transaction. */
static void
tunad_flush_cb(uv_timer_t *timer)
{
	(void)timer;
	tunad_flush();
}

/* Close callback for the daemon's own handles. */
static void
tunad_closed(uv_handle_t *h)
{
	(void)h;
}

/* When stopping and no worker is left: flush, and close the last handles. */
static void
tunad_finish(void)
{
	if (!tunad.stopping || tunad.nworkers > 0)
		return;
	tunad_flush();
	suspend_close();
	if (!uv_is_closing((uv_handle_t *)&tunad.flush_timer))
		uv_close((uv_handle_t *)&tunad.flush_timer, tunad_closed);
	if (!uv_is_closing((uv_handle_t *)&tunad.schedule_timer))
		uv_close((uv_handle_t *)&tunad.schedule_timer, tunad_closed);
	if (!uv_is_closing((uv_handle_t *)&tunad.sigterm))
		uv_close((uv_handle_t *)&tunad.sigterm, tunad_closed);
	if (!uv_is_closing((uv_handle_t *)&tunad.sigint))
		uv_close((uv_handle_t *)&tunad.sigint, tunad_closed);
}

/* Check timer for a stop in progress: finish once the workers are gone. */
static void
tunad_check_cb(uv_check_t *check)
{
	if (tunad.stopping && tunad.nworkers == 0) {
		uv_check_stop(check);
		uv_close((uv_handle_t *)check, tunad_closed);
		tunad_finish();
	}
}

/* Stop the daemon: no new clients or trials; workers killed, their trials interrupted. */
void
tunad_stop(const char *why)
{
	static uv_check_t check;
	struct conn *c, *c1;

	if (tunad.stopping)
		return;
	tunad.stopping = true;
	log_info("stopping: %s", why);
	server_stop();
	pool_kill_all();
	TAILQ_FOREACH_SAFE(c, &tunad.conns, entry, c1)
		conn_close(c, "daemon stopping");
	uv_check_init(tunad.loop, &check);
	uv_check_start(&check, tunad_check_cb);
}

/* SIGTERM or SIGINT: stop cleanly. */
static void
tunad_signal_cb(uv_signal_t *h, int signum)
{
	(void)h;
	tunad_stop(signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

/* Detach from the terminal: fork, setsid, stdio to /dev/null. */
static int
tunad_detach(char **cause)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) < 0)
		return xcause(cause, -errno, "fork: %s", strerror(errno));
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return xcause(cause, -errno, "setsid: %s", strerror(errno));
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

/*
 * Take the database's lock file (DB.lock, holding our pid), so that a second daemon on the same
 * database refuses to start. The lock lives as long as the process (and survives --detach).
 */
static int
tunad_lock(char **cause)
{
	char *path = xasprintf("%s.lock", tunad.db_path), pid[32] = "";
	ssize_t n;
	int fd, rc = 0;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		rc = xcause(cause, -errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if ((n = read(fd, pid, sizeof pid - 1)) > 0)
			pid[n] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		rc = xcause(cause, -EBUSY, "%s: another tunad (pid %s) is using this database",
		    tunad.db_path, pid[0] ? pid : "?");
		close(fd);
		goto out;
	}
	tunad.lock_fd = fd;
out:
	free(path);
	return rc;
}

/* Write our pid into the lock file (after detaching, it is the daemon's). */
static void
tunad_lock_pid(void)
{
	char pid[32];
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());

	if (ftruncate(tunad.lock_fd, 0) != 0 || pwrite(tunad.lock_fd, pid, (size_t)n, 0) != n)
		log_warn("%s.lock: cannot write the pid", tunad.db_path);
}

/* Resume the searches a previous daemon (or a suspended store) left running. */
void
tunad_resume(void)
{
	int64_t *ids = NULL;
	char *cause = NULL;
	int i, n = 0;

	if (store_unfinished(tunad.store, &ids, &n, &cause) != 0) {
		tunad_store_error("list unfinished searches", cause);
		return;
	}
	for (i = 0; i < n; i++) {
		if (search_resume(ids[i], &cause) != 0) {
			log_warn("search %lld: cannot resume: %s", (long long)ids[i], cause);
			free(cause);
			cause = NULL;
		}
	}
	free(ids);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "db", required_argument, NULL, 'd' },
		{ "workers", required_argument, NULL, 'w' },
		{ "max-clients", required_argument, NULL, 'M' },
		{ "worker", required_argument, NULL, 'W' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *cause = NULL, *logpath, *end;
	const char *worker_from = "--worker";
	bool foreground = false;
	int opt, status = 1;
	long n;

	tunad.lock_fd = -1;
	TAILQ_INIT(&tunad.conns);
	TAILQ_INIT(&tunad.searches);
	TAILQ_INIT(&tunad.workers);
	tunad.max_workers = (int)sysconf(_SC_NPROCESSORS_ONLN);
	while ((opt = getopt_long(argc, argv, "s:d:w:W:M:fDh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': free(tunad.socket_path); tunad.socket_path = xstrdup(optarg); break;
		case 'd': free(tunad.db_path); tunad.db_path = xstrdup(optarg); break;
		case 'W': free(tunad.worker_path); tunad.worker_path = xstrdup(optarg); break;
		case 'f': foreground = true; break;
		case 'D': log_set_debug(1); break;
		case 'h': tunad_usage(0);
		case 'w':
			n = strtol(optarg, &end, 10);
			if (*end != '\0' || n < 1 || n > SPEC_MAX_PARALLEL) {
				fprintf(stderr, "tunad: --workers: must be 1..%d\n", SPEC_MAX_PARALLEL);
				return 2;
			}
			tunad.max_workers = (int)n;
			break;
		case 'M':
			n = strtol(optarg, &end, 10);
			if (*end != '\0' || n < 1 || n > 1000000) {
				fprintf(stderr, "tunad: --max-clients: must be 1..1000000\n");
				return 2;
			}
			tunad.max_clients = (int)n;
			break;
		default: tunad_usage(2);
		}
	}
	if (optind != argc)
		tunad_usage(2);
	if (tunad.max_workers < 1)
		tunad.max_workers = 1;
	if (tunad.socket_path == NULL)
		tunad.socket_path = paths_socket();
	if (tunad.db_path == NULL)
		tunad.db_path = paths_db();
	if (tunad.worker_path == NULL)
		tunad.worker_path = tunad_find_worker(&worker_from);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);	/* a file-size limit makes writes fail (EFBIG), not kill */

	if (tunad_check_worker(tunad.worker_path, worker_from, &cause) != 0 ||
	    paths_mkdir_parent(tunad.db_path, &cause) != 0 || tunad_lock(&cause) != 0 ||
	    store_open(&tunad.store, tunad.db_path, &cause) != 0)
		goto fail;
	tunad.loop = uv_default_loop();
	if (server_listen(tunad.socket_path, &cause) != 0)
		goto fail;
	if (!foreground) {
		logpath = xasprintf("%s.log", tunad.db_path);
		if (tunad_detach(&cause) != 0) {
			free(logpath);
			goto fail;
		}
		log_open(logpath);
		free(logpath);
		if (uv_loop_fork(tunad.loop) != 0)
			log_warn("uv_loop_fork failed");
	}
	tunad_lock_pid();
	uv_timer_init(tunad.loop, &tunad.flush_timer);
	uv_timer_start(&tunad.flush_timer, tunad_flush_cb, TUNAD_FLUSH_MS, TUNAD_FLUSH_MS);
	uv_timer_init(tunad.loop, &tunad.schedule_timer);
	suspend_init();
	uv_signal_init(tunad.loop, &tunad.sigterm);
	uv_signal_start(&tunad.sigterm, tunad_signal_cb, SIGTERM);
	uv_signal_init(tunad.loop, &tunad.sigint);
	uv_signal_start(&tunad.sigint, tunad_signal_cb, SIGINT);
	log_info("listening on %s, database %s, worker %s, %d workers at once (protocol %d)",
	    tunad.socket_path, tunad.db_path, tunad.worker_path, tunad.max_workers,
	    PROTOCOL_VERSION);
	tunad_resume();
	search_schedule();
	uv_run(tunad.loop, UV_RUN_DEFAULT);
	status = 0;
	log_info("stopped");
fail:
	if (cause != NULL) {
		fprintf(stderr, "tunad: %s\n", cause);
		log_warn("%s", cause);
	}
	free(cause);
	if (tunad.loop != NULL)
		uv_loop_close(tunad.loop);
	if (tunad.store != NULL) {
		tunad_flush();
		store_close(tunad.store);
	}
	free(tunad.socket_path);
	free(tunad.db_path);
	free(tunad.worker_path);
	free(tunad.suspended);
	return status;
}
