/*
 * tunad.c: the daemon's main — options, the worker program checked, the database's lock, the
 * store, the local executor, the socket; then it detaches and runs the front (front.c) until
 * it has stopped.
 * Layer: front
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

#include "exec.h"
#include "front.h"
#include "log.h"
#include "paths.h"
#include "protocol.h"
#include "server.h"
#include "spec.h"
#include "store.h"
#include "xmalloc.h"

/* Print usage and exit. */
static void __attribute__((noreturn))
tunad_usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: tunad [--foreground] [--socket PATH] [--db PATH] [--workers N]\n"
	    "             [--worker PATH] [--executor local|slurm] [--checkpoints DIR]\n"
	    "             [--max-clients N] [--debug]\n"
	    "  --socket PATH   Unix socket to listen on (default $TUNA_SOCKET, else\n"
	    "                  $XDG_RUNTIME_DIR/tuna/tunad.sock, else /tmp/tuna-UID/tunad.sock)\n"
	    "  --db PATH       SQLite database (default $TUNA_DB, else\n"
	    "                  $XDG_STATE_HOME/tuna/tuna.db, else ~/.local/state/tuna/tuna.db)\n"
	    "  --workers N     worker processes at once over all searches (default: cores)\n"
	    "  --worker PATH   the tuna-worker program (default: next to tunad)\n"
	    "  --executor KIND where a search without \"executor\" runs its trials: local\n"
	    "                  (default) or slurm (job steps through srun)\n"
	    "  --checkpoints DIR  panda's checkpoints (default: DB.ckpt beside the\n"
	    "                  database); with Slurm, a directory the nodes share\n"
	    "  --max-clients N connections at once (default 4096); the next one is refused\n"
	    "                  with \"too many connections (N)\"\n"
	    "  --foreground    stay attached and log to stderr (else: detach, log to\n"
	    "                  tunad.log beside the database)\n");
	exit(status);
}

/*
 * Find a program of tuna's (tuna-worker, tuna-exec): $VAR, next to tunad, in the build tree,
 * or on $PATH. *from says where the path came from, for messages.
 */
static char *
tunad_find(const char *name, const char *var, const char *var_label, const char **from)
{
	char self[PATH_MAX], *slash, *p;
	const char *env = getenv(var);
	ssize_t n;

	*from = var_label;	/* "$TUNA_WORKER" */
	if (env != NULL && env[0] != '\0')
		return xstrdup(env);
	*from = "next to tunad";
	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			p = xasprintf("%s/%s", self, name);
			if (access(p, X_OK) == 0)
				return p;
			free(p);
			p = xasprintf("%s/../worker/%s", self, name);
			if (access(p, X_OK) == 0)
				return p;
			free(p);
		}
	}
	*from = "on $PATH";
	return xstrdup(name);
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

/* Make a relative path absolute, against the directory tunad was started in. */
static void
tunad_absolute(char **path)
{
	char here[PATH_MAX], *p;

	if ((*path)[0] == '/' || getcwd(here, sizeof here) == NULL)
		return;
	p = xasprintf("%s/%s", here, *path);
	free(*path);
	*path = p;
}

/*
 * Refuse to start with a worker program that cannot be run: it is run the way uv_spawn runs
 * it (execvp: a name without a slash is looked up on $PATH).
 */
static int
tunad_check_program(const char *what, const char *path, const char *from, char **cause)
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
		return xcause(cause, rc, "%s %s (%s): cannot be run: %s", what, path, from,
		    rc == -ENOENT && strchr(path, '/') == NULL ? "not found on $PATH" :
		    strerror(-rc));
	return 0;
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
tunad_lock(const char *db_path, int *lock_fd, char **cause)
{
	char *path = xasprintf("%s.lock", db_path), pid[32] = "";
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
		    db_path, pid[0] ? pid : "?");
		close(fd);
		goto out;
	}
	*lock_fd = fd;
out:
	free(path);
	return rc;
}

/* Write our pid into the lock file (after detaching, it is the daemon's). */
static void
tunad_lock_pid(const char *db_path, int lock_fd)
{
	char pid[32];
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());

	if (ftruncate(lock_fd, 0) != 0 || pwrite(lock_fd, pid, (size_t)n, 0) != n)
		log_warn("%s.lock: cannot write the pid", db_path);
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
		{ "executor", required_argument, NULL, 'x' },
		{ "checkpoints", required_argument, NULL, 'C' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct front f;
	char *cause = NULL, *logpath, *end, *worker_path = NULL, *exec_path;
	const char *worker_from = "--worker", *exec_from;
	bool foreground = false, opened = false;
	int opt, status = 1, lock_fd = -1;
	long n;

	memset(&f, 0, sizeof f);
	f.signals = true;
	f.max_workers = (int)sysconf(_SC_NPROCESSORS_ONLN);
	while ((opt = getopt_long(argc, argv, "s:d:w:W:x:C:M:fDh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': free(f.socket_path); f.socket_path = xstrdup(optarg); break;
		case 'd': free(f.db_path); f.db_path = xstrdup(optarg); break;
		case 'W': free(worker_path); worker_path = xstrdup(optarg); break;
		case 'f': foreground = true; break;
		case 'C': free(f.ckpt_dir); f.ckpt_dir = xstrdup(optarg); break;
		case 'x':
			if (execspec_kind(optarg, &f.executor) != 0) {
				fprintf(stderr, "tunad: --executor: must be local or slurm\n");
				return 2;
			}
			break;
		case 'D': log_set_debug(1); break;
		case 'h': tunad_usage(0);
		case 'w':
			n = strtol(optarg, &end, 10);
			if (*end != '\0' || n < 1 || n > SPEC_MAX_PARALLEL) {
				fprintf(stderr, "tunad: --workers: must be 1..%d\n", SPEC_MAX_PARALLEL);
				return 2;
			}
			f.max_workers = (int)n;
			break;
		case 'M':
			n = strtol(optarg, &end, 10);
			if (*end != '\0' || n < 1 || n > 1000000) {
				fprintf(stderr, "tunad: --max-clients: must be 1..1000000\n");
				return 2;
			}
			f.max_clients = (int)n;
			break;
		default: tunad_usage(2);
		}
	}
	if (optind != argc)
		tunad_usage(2);
	if (f.max_workers < 1)
		f.max_workers = 1;
	if (f.socket_path == NULL)
		f.socket_path = paths_socket();
	if (f.db_path == NULL)
		f.db_path = paths_db();
	if (worker_path == NULL)
		worker_path = tunad_find("tuna-worker", "TUNA_WORKER", "$TUNA_WORKER",
		    &worker_from);
	exec_path = tunad_find("tuna-exec", "TUNA_EXEC", "$TUNA_EXEC", &exec_from);
	if (f.ckpt_dir == NULL)
		f.ckpt_dir = xasprintf("%s.ckpt", f.db_path);
	tunad_absolute(&f.ckpt_dir);	/* it goes to the workers, which run elsewhere */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);	/* a file-size limit makes writes fail (EFBIG), not kill */

	if (tunad_check_program("tuna-exec", exec_path, exec_from, &cause) != 0) {
		/* only a trainer of the user's needs it: those searches are refused */
		fprintf(stderr, "tunad: %s; searches with a \"trainer\" will be refused\n", cause);
		free(cause);
		cause = NULL;
		free(exec_path);
		exec_path = NULL;
	}
	f.exec_path = exec_path;
	if (tunad_check_program("worker", worker_path, worker_from, &cause) != 0 ||
	    paths_mkdir_parent(f.db_path, &cause) != 0 ||
	    tunad_lock(f.db_path, &lock_fd, &cause) != 0 ||
	    store_open(&f.store, f.db_path, &cause) != 0)
		goto fail;
	f.loop = uv_default_loop();
	if (server_listen(&f, &cause) != 0)
		goto fail;
	if (!foreground) {
		logpath = xasprintf("%s.log", f.db_path);
		if (tunad_detach(&cause) != 0) {
			free(logpath);
			goto fail;
		}
		log_open(logpath);
		free(logpath);
		if (uv_loop_fork(f.loop) != 0)
			log_warn("uv_loop_fork failed");
	}
	tunad_lock_pid(f.db_path, lock_fd);
	/* after detaching: the workers are the daemon's children */
	f.worker_path = worker_path;
	if (exec_local_new(&f.exec, f.loop, worker_path, &cause) != 0 ||
	    front_open(&f, &cause) != 0)
		goto fail;
	opened = true;
	log_info("listening on %s, database %s, worker %s, executor %s (%d local workers at "
	    "once; a Slurm search's parallel is its own), protocol %d", f.socket_path, f.db_path,
	    worker_path, execspec_kind_name(f.executor), f.max_workers, PROTOCOL_VERSION);
	uv_run(f.loop, UV_RUN_DEFAULT);
	status = 0;
	log_info("stopped");
fail:
	if (cause != NULL) {
		fprintf(stderr, "tunad: %s\n", cause);
		log_warn("%s", cause);
	}
	free(cause);
	if (opened)
		front_close(&f);
	exec_free(f.exec);
	if (f.loop != NULL) {
		uv_run(f.loop, UV_RUN_DEFAULT);	/* the handles the executors closed last */
		uv_loop_close(f.loop);
	}
	store_close(f.store);
	free(f.socket_path);
	free(f.db_path);
	free(f.ckpt_dir);
	free(worker_path);
	free(exec_path);
	return status;
}
