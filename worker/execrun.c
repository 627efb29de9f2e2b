/*
 * execrun.c: one trial of a user's trainer, from its trial line to its last event. The
 * trial's directory is made and params.json written in it; the program is started
 * (execchild.c) and watched with poll(2) — its stdout, its stderr, tuna-exec's stdin, its exit
 * — until it has exited and its output is read:
 *
 * - its standard output goes whole to DIR/stdout.log, and each line that is a metric report
 *   becomes an "epoch" event (execreport.c);
 * - its standard error goes to DIR/stderr.log, and its last lines (errtail.c) into the
 *   message if it fails;
 * - the commands on tuna-exec's stdin: "stop" (forwarded first with control "step") sends
 *   SIGTERM to its process group, and SIGKILL after trainer.grace_seconds; with control "step"
 *   every other command line is forwarded to its stdin as it came, and EOF on tuna-exec's
 *   stdin closes the program's; without it, other commands are ignored. A trial line read
 *   meanwhile is the next trial's (and, with "step", stops this one, as in tuna-worker).
 *
 * It ends "done" — reason "completed" when it exited 0 and reported the objective (else an
 * error saying it never did), "stopped" when it was stopped, however it then exited — with the
 * last epoch, the wall-clock seconds and the last value of every metric; or "error" with how it
 * failed (execend.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "errtail.h"
#include "event.h"
#include "execchild.h"
#include "execend.h"
#include "execenv.h"
#include "execpath.h"
#include "execreport.h"
#include "execrun.h"
#include "linebuf.h"
#include "paths.h"
#include "placeholder.h"
#include "worker-protocol.h"
#include "xmalloc.h"

#define EXECRUN_DRAIN_SECONDS 2.0	/* after the exit, how long output may still come */
#define EXECRUN_INQ_MAX (1 << 20)	/* bytes waiting for the program's stdin, at most */

struct execrun {
	const struct exectrial *t;
	struct ctl *ctl;
	struct execchild child;
	const char *prog;		/* argv[0]'s last component, for messages */
	struct linebuf outl, errl;
	struct errtail tail;
	int outlog, errlog;		/* DIR/stdout.log and DIR/stderr.log, or -1 */
	bool log_warned;
	struct execreport rep;		/* its metric reports */
	char *inq;			/* bytes waiting for the program's stdin */
	size_t inlen;
	bool in_eof;			/* tuna-exec's stdin ended: pass it on after inq */
	bool stdin_done;		/* no more commands for this trial */
	bool stopping, killed;
	bool out_eof, err_eof;
	double t0, kill_at;		/* kill_at: SIGKILL then, if it still runs */
	double drain_until;		/* set at the exit */
};

/* Seconds on the monotonic clock. */
static double
execrun_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Write all of a buffer to fd; 0 or a negative errno. */
static int
execrun_write_all(int fd, const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, s, n)) < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Write the params as DIR/params.json, atomically (a temporary file renamed). */
static int
execrun_params_file(const struct exectrial *t, const char *path, char **cause)
{
	char *tmp = xasprintf("%s.%ld.tmp", path, (long)getpid());
	char *text = placeholder_json(t->params, true);
	int fd, rc = 0;

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		rc = xcause(cause, -errno, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	if ((rc = execrun_write_all(fd, text, strlen(text))) == 0)
		rc = execrun_write_all(fd, "\n", 1);
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc != 0) {
		xcause(cause, rc, "%s: %s", tmp, strerror(-rc));
		unlink(tmp);
		goto fail;
	}
	if (rename(tmp, path) != 0) {
		rc = xcause(cause, -errno, "%s: %s", path, strerror(errno));
		unlink(tmp);
	}
fail:
	free(text);
	free(tmp);
	return rc;
}

/* Open a log in the trial's directory, appending (a trial run again adds to it). */
static int
execrun_open_log(const char *dir, const char *name, int *fd, char **cause)
{
	char *path = xasprintf("%s/%s", dir, name);
	int rc = 0;

	if ((*fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0)
		rc = xcause(cause, -errno, "%s: %s", path, strerror(errno));
	free(path);
	return rc;
}

/* Add bytes to a log; a failure (a full disk) is said once on stderr, not fatal. */
static void
execrun_log(struct execrun *r, int fd, const char *s, size_t n)
{
	int rc = execrun_write_all(fd, s, n);

	if (rc != 0 && !r->log_warned) {
		fprintf(stderr, "tuna-exec: %s: writing a log: %s\n", r->t->dir, strerror(-rc));
		r->log_warned = true;
	}
}

/* A line of the program's stdout: perhaps a report (a line cut short is not). */
static void
execrun_out_line(void *arg, const char *line, size_t len, bool cut)
{
	struct execrun *r = arg;

	if (!cut)
		execreport_line(&r->rep, line, len);
}

/* A line of the program's stderr: kept for the message if it fails. */
static void
execrun_err_line(void *arg, const char *line, size_t len, bool cut)
{
	struct execrun *r = arg;

	(void)cut;
	errtail_add(&r->tail, line, len);
}

/* Send what waits for the program's stdin, as far as its pipe takes it. */
static void
execrun_flush_in(struct execrun *r)
{
	ssize_t n;

	while (r->child.in >= 0 && r->inlen > 0) {
		n = write(r->child.in, r->inq, r->inlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {		/* EPIPE: it closed its stdin, or exited */
			r->inlen = 0;
			break;
		}
		memmove(r->inq, r->inq + n, r->inlen - (size_t)n);
		r->inlen -= (size_t)n;
	}
	if (r->child.in >= 0 && r->inlen == 0 && (r->in_eof || r->child.exited)) {
		close(r->child.in);
		r->child.in = -1;
	}
}

/* Queue a command line for the program's stdin (control "step"). */
static void
execrun_forward(struct execrun *r, const char *line)
{
	size_t n = strlen(line);

	if (r->child.in < 0)
		return;
	if (r->inlen + n + 1 > EXECRUN_INQ_MAX) {
		fprintf(stderr, "tuna-exec: the trainer does not read its commands: dropped %s\n",
		    line);
		return;
	}
	r->inq = xreallocarray(r->inq, r->inlen + n + 1, 1);
	memcpy(r->inq + r->inlen, line, n);
	r->inq[r->inlen + n] = '\n';
	r->inlen += n + 1;
	execrun_flush_in(r);
}

/* Stop the trial: the command forwarded (control "step"), SIGTERM, SIGKILL after the grace. */
static void
execrun_stop(struct execrun *r, const char *line)
{
	if (r->stopping || r->child.exited)
		return;
	r->stopping = true;
	if (r->t->step)
		execrun_forward(r, line);
	execchild_signal(&r->child, SIGTERM);
	r->kill_at = execrun_now() + r->t->grace_seconds;
	if (r->t->grace_seconds == 0) {
		execchild_signal(&r->child, SIGKILL);
		r->killed = true;
	}
}

/* One line read on tuna-exec's stdin during the trial. */
static void
execrun_command(struct execrun *r, char *line)
{
	cJSON *cmd = cJSON_Parse(line);
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(cmd, "cmd");

	if (!cJSON_IsObject(cmd))
		fprintf(stderr, "tuna-exec: command: not a JSON object: %.200s\n", line);
	else if (name == NULL) {
		r->ctl->pending = line;		/* the next trial: run it after this one */
		line = NULL;
		r->stdin_done = true;
		if (r->t->step)			/* nobody drives this one any more */
			execrun_stop(r, "{\"cmd\":\"" WCMD_STOP "\"}");
	} else if (cJSON_IsString(name) && strcmp(name->valuestring, WCMD_STOP) == 0)
		execrun_stop(r, line);
	else if (r->t->step)
		execrun_forward(r, line);
	cJSON_Delete(cmd);
	free(line);
}

/* Take every command line waiting on tuna-exec's stdin. */
static void
execrun_commands(struct execrun *r)
{
	char *line, *cause = NULL;
	int rc;

	while (!r->stdin_done) {
		rc = ctl_next(r->ctl, false, &line, &cause);
		if (rc == 0)
			return;
		if (rc == 1) {
			execrun_command(r, line);
			continue;
		}
		if (rc < -1) {		/* a broken stream: tuna-exec ends after this trial */
			fprintf(stderr, "tuna-exec: %s\n", cause);
			free(cause);
			cause = NULL;
			execrun_stop(r, "{\"cmd\":\"" WCMD_STOP "\"}");
		}
		r->stdin_done = r->in_eof = true;
		execrun_flush_in(r);
	}
}

/* Read what the program wrote on one of its pipes; false at its end. */
static bool
execrun_read(struct execrun *r, int fd, struct linebuf *lb, int log, linebuf_fn *fn)
{
	char buf[16384];
	ssize_t n;

	do
		n = read(fd, buf, sizeof buf);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return true;
	if (n <= 0) {
		linebuf_end(lb, fn, r);
		return false;
	}
	execrun_log(r, log, buf, (size_t)n);
	linebuf_feed(lb, buf, (size_t)n, fn, r);
	return true;
}

/* Watch the program until it has exited and its output is read (or has stopped coming). */
static int
execrun_watch(struct execrun *r, char **cause)
{
	struct pollfd pfd[5];
	int n, i, timeout, iout, ierr, ichild;
	double now, until;

	for (;;) {
		execrun_commands(r);
		now = execrun_now();
		if (r->stopping && !r->killed && !r->child.exited && now >= r->kill_at) {
			execchild_signal(&r->child, SIGKILL);
			r->killed = true;
		}
		if (r->child.exited && ((r->out_eof && r->err_eof) || now >= r->drain_until))
			return 0;
		n = 0;
		pfd[n++] = (struct pollfd){ execchild_sigfd(), POLLIN, 0 };
		iout = ierr = ichild = -1;
		if (!r->out_eof)
			pfd[iout = n++] = (struct pollfd){ r->child.out, POLLIN, 0 };
		if (!r->err_eof)
			pfd[ierr = n++] = (struct pollfd){ r->child.err, POLLIN, 0 };
		if (!r->stdin_done)
			pfd[n++] = (struct pollfd){ r->ctl->fd, POLLIN, 0 };	/* a wakeup */
		if (r->child.in >= 0 && r->inlen > 0)
			pfd[ichild = n++] = (struct pollfd){ r->child.in, POLLOUT, 0 };
		until = r->child.exited ? r->drain_until : r->stopping && !r->killed ? r->kill_at :
		    -1;
		timeout = until < 0 ? -1 : (int)ceil((until - now) * 1000);
		if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR)
			return xcause(cause, -errno, "tuna-exec: poll: %s", strerror(errno));
		for (i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (i == iout)
				r->out_eof = !execrun_read(r, r->child.out, &r->outl, r->outlog,
				    execrun_out_line);
			else if (i == ierr)
				r->err_eof = !execrun_read(r, r->child.err, &r->errl, r->errlog,
				    execrun_err_line);
			else if (i == ichild)
				execrun_flush_in(r);
		}
		if ((pfd[0].revents & POLLIN) && execchild_reap(&r->child)) {
			r->drain_until = execrun_now() + EXECRUN_DRAIN_SECONDS;
			execrun_flush_in(r);
		}
	}
}

/* The trial's last event, once the program has exited: 0 for done, -1 for an error. */
static int
execrun_end(struct execrun *r)
{
	const struct exectrial *t = r->t;
	char *msg = NULL, *tail, *log = xasprintf("%s/%s", t->dir, WEXEC_STDOUT_LOG);
	cJSON *ev;
	bool ok = WIFEXITED(r->child.status) && WEXITSTATUS(r->child.status) == 0;

	if (!r->stopping && !ok) {
		tail = errtail_join(&r->tail);
		msg = execend_why(r->prog, r->child.status, &r->child.ru, r->child.cpu_s,
		    r->child.as_mb, tail);
		free(tail);
	} else if (!r->stopping)
		msg = execreport_missing(&r->rep, t->objective, log);
	free(log);
	if (msg != NULL) {
		event_error(t->id, msg);
		free(msg);
		return -1;
	}
	ev = event_new(WEV_DONE, t->id);
	cJSON_AddStringToObject(ev, "reason", r->stopping ? "stopped" : "completed");
	cJSON_AddNumberToObject(ev, "seconds", execrun_now() - r->t0);
	execreport_done(&r->rep, ev);
	event_emit(ev);
	return 0;
}

/* The start event: the program's pid, its command as run, the limits it runs under. */
static void
execrun_started(const struct execrun *r)
{
	cJSON *ev = event_new(WEV_START, r->t->id), *lim;

	cJSON_AddNumberToObject(ev, "version", WORKER_PROTOCOL_VERSION);
	cJSON_AddNumberToObject(ev, "pid", (double)r->child.pid);
	cJSON_AddItemToObject(ev, "command", cJSON_Duplicate(r->t->argv, 1));
	lim = cJSON_AddObjectToObject(ev, "limits");
	if (r->child.as_mb > 0)
		cJSON_AddNumberToObject(lim, "address_space_mb", (double)r->child.as_mb);
	else
		cJSON_AddNullToObject(lim, "address_space_mb");
	if (r->child.cpu_s > 0)
		cJSON_AddNumberToObject(lim, "cpu_seconds", (double)r->child.cpu_s);
	else
		cJSON_AddNullToObject(lim, "cpu_seconds");
	event_emit(ev);
}

/* Make the trial's directory, params.json and logs; find the program; start it. */
static int
execrun_start(struct execrun *r, char **env, char **cause)
{
	const struct exectrial *t = r->t;
	char *params = xasprintf("%s/%s", t->dir, WEXEC_PARAMS_FILE), *path = NULL, *why = NULL;
	struct execchild_how how;
	const char **argv = NULL;
	const cJSON *a;
	size_t n = 0;
	int rc;

	if ((rc = paths_mkdir_parent(params, &why)) != 0) {
		rc = xcause(cause, rc, "dir: %s", why);
		goto fail;
	}
	if ((rc = execrun_params_file(t, params, cause)) != 0 ||
	    (rc = execrun_open_log(t->dir, WEXEC_STDOUT_LOG, &r->outlog, cause)) != 0 ||
	    (rc = execrun_open_log(t->dir, WEXEC_STDERR_LOG, &r->errlog, cause)) != 0)
		goto fail;
	if ((rc = execpath_resolve(t->argv->child->valuestring, execenv_get(env, "PATH"), t->cwd,
	    &path, &why)) != 0) {
		rc = xcause(cause, rc, "trainer.command[0]: %s", why);
		goto fail;
	}
	argv = xcalloc((size_t)cJSON_GetArraySize(t->argv) + 1, sizeof *argv);
	for (a = t->argv->child; a != NULL; a = a->next)
		argv[n++] = a->valuestring;
	how = (struct execchild_how){ path, (char *const *)argv, env, t->cwd, t->step,
	    t->limits.address_space_mb, t->limits.cpu_seconds };
	if ((rc = execchild_start(&r->child, &how, cause)) != 0)
		goto fail;
	r->t0 = execrun_now();
	execrun_started(r);
fail:
	free(argv);
	free(path);
	free(why);
	free(params);
	return rc;
}

/* Run one trial to its end, reporting it; 0 when it ended "done", -1 after an error event. */
int
execrun_trial(const struct exectrial *t, struct ctl *ctl)
{
	struct execrun r;
	char *params = xasprintf("%s/%s", t->dir, WEXEC_PARAMS_FILE), *cause = NULL;
	char **env = execenv_build(t, params);
	const char *slash = strrchr(t->argv->child->valuestring, '/');
	int rc;

	memset(&r, 0, sizeof r);
	r.t = t;
	r.ctl = ctl;
	r.prog = slash != NULL ? slash + 1 : t->argv->child->valuestring;
	r.outlog = r.errlog = -1;
	r.child.in = r.child.out = r.child.err = -1;
	execreport_init(&r.rep, t->id, t->params);
	linebuf_init(&r.outl);
	linebuf_init(&r.errl);
	if ((rc = execrun_start(&r, env, &cause)) == 0 && (rc = execrun_watch(&r, &cause)) != 0) {
		execchild_signal(&r.child, SIGKILL);	/* tuna-exec cannot watch it: the end */
		while (!execchild_reap(&r.child))
			poll(&(struct pollfd){ execchild_sigfd(), POLLIN, 0 }, 1, -1);
	}
	if (rc != 0) {
		event_error(t->id, cause);
		rc = -1;
	} else
		rc = execrun_end(&r);
	execchild_close(&r.child);
	if (r.outlog >= 0)
		close(r.outlog);
	if (r.errlog >= 0)
		close(r.errlog);
	linebuf_free(&r.outl);
	linebuf_free(&r.errl);
	errtail_free(&r.tail);
	execreport_free(&r.rep);
	free(r.inq);
	free(cause);
	execenv_free(env);
	free(params);
	return rc;
}
