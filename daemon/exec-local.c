/*
 * exec-local.c: the local executor — tuna-worker processes on this machine (exec.h), the only
 * code in tunad that starts a process. Each worker runs trials one after another, read as JSON
 * lines on its stdin, and reports on its stdout; a line is parsed once, here, into a typed
 * event. A trial ends with its last report, or with its process; a process is finished only
 * after both its exit and the EOF of its stdout and stderr (in any order), and only then is
 * the trial it was running, if any, reported ended and the slot reported gone. A data-set check
 * is a process too: `tuna-worker --check -`, one line in, one line out. Started through a
 * launcher (exec.h: struct exec_launch), the same machinery runs workers elsewhere: each
 * process is then `srun … tuna-worker -` (exec-slurm.c), which forwards stdin and stdout.
 * Layer: part
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "lines.h"
#include "log.h"
#include "protocol.h"
#include "worker-protocol.h"
#include "queue.h"
#include "xmalloc.h"

extern char **environ;

struct exec_local;

/* A tuna-worker process: running trials, or checking a data set. */
struct exec_local_worker {
	struct exec_local *xl;
	uv_process_t proc;
	uv_pipe_t in, out, err;
	uv_timer_t silence;		/* the trial's timeout, restarted by every report */
	int pid;
	int open_handles;		/* closed in close callbacks; freed at zero */
	bool exited, out_eof, err_eof, closing;
	bool killed;			/* killed for misbehaving: what it still says is ignored */
	int64_t exit_status;
	int term_signal;
	struct lines out_lines;		/* stdout bytes not yet a whole line */
	struct lines err_lines;		/* stderr bytes not yet a whole line */
	char errtail[512];		/* the end of its stderr, for failure messages */
	bool errnl;			/* a line of it ended: the next one gets "; " first */
	size_t errlen;
	void *trial;			/* the owner's handle of the trial it runs, or NULL */
	unsigned long seq;		/* its number among the executor's processes, from 1 */
	uint64_t born;			/* the loop's time when it started, ms */
	struct exec_job job;		/* that trial's (dataset and params not kept) */
	bool stopped;			/* exec_kill asked for its trial's end */
	bool timed_out;			/* its trial stayed silent too long */
	exec_check_cb *check_cb;	/* a data-set check: who wants the answer */
	void *check_arg;
	char *check_in;			/* the line it is given, while it is written */
	char *check_line;		/* the line it answered, or NULL */
	TAILQ_ENTRY(exec_local_worker) entry;
};

struct exec_local {
	struct exec base;
	uv_loop_t *loop;
	char *worker_path;
	char **env;			/* ours, with OPENBLAS_NUM_THREADS=1 and TUNA_PARENT; or
					   the launcher's */
	struct exec_launch launch;	/* how processes start: all NULL for local ones */
	unsigned long seq;		/* processes started */
	int nworkers;			/* processes alive, checks included */
	TAILQ_HEAD(, exec_local_worker) workers;
};

static void exec_local_teardown(struct exec_local_worker *w, const char *why);
static void exec_local_retire(struct exec_local_worker *w);

/* Send one line to a worker's stdin (frees msg). */
static int
exec_local_write(struct exec_local_worker *w, cJSON *msg, char **cause)
{
	char *text = cJSON_PrintUnformatted(msg), *line;
	uv_buf_t buf;
	int rc;

	cJSON_Delete(msg);
	line = xasprintf("%s\n", text);
	cJSON_free(text);
	buf = uv_buf_init(line, (unsigned)strlen(line));
	rc = uv_try_write((uv_stream_t *)&w->in, &buf, 1);
	free(line);
	if (rc == (int)buf.len)
		return 0;
	/* a trial or command line is small: a pipe with a 64 KiB buffer takes it whole or not */
	return xcause(cause, rc < 0 ? rc : -EAGAIN, "worker %d: write: %s", w->pid,
	    rc < 0 ? uv_strerror(rc) : "pipe full");
}

/* Kill a worker's process: SIGKILL, or as its launcher does (srun ends its job step). */
static void
exec_local_signal(struct exec_local_worker *w)
{
	if (w->exited)
		return;
	if (w->xl->launch.kill != NULL)
		w->xl->launch.kill(w->xl->launch.arg, w->seq, w->pid);
	else
		uv_process_kill(&w->proc, SIGKILL);
}

/* The trial stayed silent for its whole timeout: kill the worker; the trial fails. */
static void
exec_local_silence_cb(uv_timer_t *timer)
{
	struct exec_local_worker *w = timer->data;

	if (w->trial == NULL || w->killed)
		return;
	log_warn("trial %lld: no report for %d s: killing worker %d", (long long)w->job.id,
	    w->job.timeout, w->pid);
	w->timed_out = true;
	w->killed = true;
	exec_local_signal(w);
}

/* (Re)start the silence timer of a worker's trial, if it has a timeout. */
static void
exec_local_arm(struct exec_local_worker *w)
{
	if (w->trial != NULL && w->job.timeout > 0)
		uv_timer_start(&w->silence, exec_local_silence_cb, (uint64_t)w->job.timeout * 1000,
		    0);
	else
		uv_timer_stop(&w->silence);
}

/* Hand a trial to a worker: its trial line. */
static int
exec_local_give(struct exec_local_worker *w, const struct exec_job *job, void *trial,
    char **cause)
{
	cJSON *msg = cJSON_CreateObject(), *lim;

	cJSON_AddNumberToObject(msg, "id", (double)job->id);
	if (job->trainer != NULL) {	/* tuna-exec's trial (worker-protocol.h) */
		cJSON_AddNumberToObject(msg, "search", (double)job->search);
		cJSON_AddItemToObject(msg, "trainer", cJSON_Duplicate(job->trainer, 1));
		cJSON_AddStringToObject(msg, "dir", job->dir);
		cJSON_AddStringToObject(msg, "objective", job->objective);
	} else
		cJSON_AddItemToObject(msg, "dataset", cJSON_Duplicate(job->dataset, 1));
	cJSON_AddItemToObject(msg, "params", cJSON_Duplicate(job->params, 1));
	cJSON_AddNumberToObject(msg, "epochs", job->epochs);
	cJSON_AddNumberToObject(msg, "seed", (double)job->seed);
	cJSON_AddNumberToObject(msg, "threads", job->threads);
	lim = cJSON_AddObjectToObject(msg, "limits");	/* the worker applies them (limit.c) */
	if (job->address_space_mb > 0)	/* 0: a search submitted before limits existed */
		cJSON_AddNumberToObject(lim, "address_space_mb", job->address_space_mb);
	cJSON_AddNumberToObject(lim, "cpu_seconds", job->cpu_seconds);
	if (job->step)
		cJSON_AddStringToObject(msg, "control", "step");
	w->trial = trial;
	w->job = *job;
	w->job.dataset = w->job.params = w->job.trainer = NULL;	/* not kept past the call */
	w->job.dir = w->job.objective = NULL;
	w->stopped = w->timed_out = false;
	exec_local_arm(w);
	return exec_local_write(w, msg, cause);
}

/* One handle of a worker closed: free the worker after the last. */
static void
exec_local_closed_cb(uv_handle_t *h)
{
	struct exec_local_worker *w = h->data;

	if (--w->open_handles > 0)
		return;
	lines_free(&w->out_lines);
	lines_free(&w->err_lines);
	free(w->check_in);
	free(w->check_line);
	free(w);
}

/* Close a worker's handles and forget it, saying why. */
static void
exec_local_teardown(struct exec_local_worker *w, const char *why)
{
	if (w->closing)
		return;
	w->closing = true;
	log_debug("worker %d: finished: %s", w->pid, why);
	TAILQ_REMOVE(&w->xl->workers, w, entry);
	w->xl->nworkers--;
	if (!uv_is_closing((uv_handle_t *)&w->in))
		uv_close((uv_handle_t *)&w->in, exec_local_closed_cb);
	uv_close((uv_handle_t *)&w->out, exec_local_closed_cb);
	uv_close((uv_handle_t *)&w->err, exec_local_closed_cb);
	uv_close((uv_handle_t *)&w->silence, exec_local_closed_cb);
	uv_close((uv_handle_t *)&w->proc, exec_local_closed_cb);
}

/* Close a worker's stdin: it exits once its trial, if any, is over. */
static void
exec_local_retire(struct exec_local_worker *w)
{
	if (!w->closing && !uv_is_closing((uv_handle_t *)&w->in))
		uv_close((uv_handle_t *)&w->in, exec_local_closed_cb);
}

/*
 * Why a worker died, when it was one of its trial's limits: SIGXCPU, or an abort after an
 * allocation failed under the address-space limit (its message, from the end of stderr).
 * NULL otherwise.
 */
static char *
exec_local_limit_cause(struct exec_local_worker *w)
{
	const char *p;

	if (w->term_signal == SIGXCPU)
		return xasprintf("CPU time limit reached (limits.cpu_seconds = %d): the worker was "
		    "killed by SIGXCPU", w->job.cpu_seconds);
	if (w->term_signal == SIGABRT && (p = strstr(w->errtail, WLIMIT_AS_REACHED)) != NULL)
		return xasprintf("%.*s", (int)strcspn(p, "\n"), p);
	return NULL;
}

/* The worker's trial is over: tell the owner (once); the worker then runs no trial. */
static void
exec_local_trial_over(struct exec_local_worker *w, const struct exec_end *end)
{
	void *trial = w->trial;

	w->trial = NULL;
	uv_timer_stop(&w->silence);
	w->xl->base.cb.end(w->xl->base.cb.arg, trial, end);
}

/* How a process ended, in words: "exit status 3", "killed by signal 9". */
static void
exec_local_why(const struct exec_local_worker *w, char *buf, size_t len)
{
	if (w->term_signal != 0)
		snprintf(buf, len, "killed by signal %d", w->term_signal);
	else
		snprintf(buf, len, "exit status %lld", (long long)w->exit_status);
}

/* A data-set check's process is finished: its one line is the answer. */
static void
exec_local_check_done(struct exec_local_worker *w, const char *why)
{
	struct exec_end end = { NULL, false, -1, 0, NULL, EXEC_FAULT_NONE };
	struct exec_local *xl = w->xl;
	struct exec_dataset ds;
	const cJSON *kind, *v;
	char *msg = NULL, *where;
	cJSON *json = NULL;
	enum exec_fault fault = EXEC_FAULT_NONE;

	memset(&ds, 0, sizeof ds);
	end.exit_status = w->term_signal ? -1 : (int)w->exit_status;
	end.signal = w->term_signal;
	if (w->check_line == NULL && xl->launch.fault != NULL)
		fault = xl->launch.fault(xl->launch.arg, w->seq, &end, w->errtail);
	if (fault == EXEC_FAULT_REFUSED || fault == EXEC_FAULT_BUSY) {
		msg = xstrdup(w->errtail);
		goto out;
	}
	fault = EXEC_FAULT_NONE;
	if (w->check_line == NULL || (json = cJSON_Parse(w->check_line)) == NULL ||
	    !cJSON_IsString(kind = cJSON_GetObjectItemCaseSensitive(json, "event"))) {
		msg = xasprintf("%s --check: %s%s%s", w->xl->worker_path, why,
		    w->errlen ? ": " : "", w->errtail);
		goto out;
	}
	if (strcmp(kind->valuestring, WEV_CHECKED) == 0)	/* tuna-exec: no data set */
		goto out;
	if (strcmp(kind->valuestring, WEV_DATASET) != 0) {
		v = cJSON_GetObjectItemCaseSensitive(json, "error");
		msg = xstrdup(cJSON_IsString(v) ? v->valuestring : "the data set cannot be read");
		if (xl->launch.where != NULL) {
			where = xasprintf("%s (%s)", msg, xl->launch.where);
			free(msg);
			msg = where;
		}
		goto out;
	}
	ds.n_train = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(json,
	    "n_train"));
	ds.n_val = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(json, "n_val"));
	ds.n_test = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(json,
	    "n_test"));
	ds.features = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(json,
	    "features"));
	ds.classes = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(json, "classes"));
	ds.element_size = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(json,
	    "element_size"));
	v = cJSON_GetObjectItemCaseSensitive(json, "class_names");
	ds.class_names = cJSON_IsArray(v) ? (cJSON *)v : NULL;
	if (ds.features == 0 || ds.classes < 1 || ds.element_size < 1)
		msg = xasprintf("%s --check: an answer without the data set's shape: %.200s",
		    w->xl->worker_path, w->check_line);
out:
	w->check_cb(w->check_arg, msg == NULL ? &ds : NULL, msg, fault);
	free(msg);
	cJSON_Delete(json);
}

/* The process exited and its output is drained: report its trial's end, tear it down. */
static void
exec_local_finished(struct exec_local_worker *w)
{
	struct exec_end end = { NULL, false, -1, 0, NULL, EXEC_FAULT_NONE };
	struct exec_local *xl = w->xl;
	char why[64], *msg = NULL;

	if (!w->exited || !w->out_eof || !w->err_eof)
		return;
	exec_local_why(w, why, sizeof why);
	w->errtail[w->errlen] = '\0';
	if (w->check_cb != NULL)
		exec_local_check_done(w, why);
	else if (w->trial != NULL) {
		end.killed = w->stopped;
		end.exit_status = w->term_signal ? -1 : (int)w->exit_status;
		end.signal = w->term_signal;
		if (w->timed_out)
			msg = xasprintf("no report for %d s: the worker was killed", w->job.timeout);
		else if ((msg = exec_local_limit_cause(w)) == NULL)
			msg = xasprintf("worker %s%s%s", why, w->errlen ? ": " : "", w->errtail);
		end.error = msg;
		if (xl->launch.fault != NULL)
			end.fault = xl->launch.fault(xl->launch.arg, w->seq, &end, w->errtail);
		exec_local_trial_over(w, &end);
		free(msg);
	}
	if (xl->launch.gone != NULL)
		xl->launch.gone(xl->launch.arg, w->seq);
	exec_local_teardown(w, why);
	xl->base.cb.slot_end(xl->base.cb.arg);
}

/* The worker process exited. */
static void
exec_local_exit_cb(uv_process_t *proc, int64_t status, int signal)
{
	struct exec_local_worker *w = proc->data;

	w->exited = true;
	w->exit_status = status;
	w->term_signal = signal;
	exec_local_finished(w);
}

/* The worker misbehaved: its trial fails with a reason, and it is killed. */
static void
exec_local_garbage(struct exec_local_worker *w, const char *what)
{
	struct exec_end end = { NULL, false, -1, 0, what, EXEC_FAULT_NONE };

	if (w->killed)
		return;
	w->killed = true;
	log_warn("worker %d: %s; killing it", w->pid, what);
	if (w->trial != NULL)
		exec_local_trial_over(w, &end);
	exec_local_signal(w);
}

/* Whether a report ends its trial: done, error, or a divergence nobody will roll back. */
static bool
exec_local_final(const struct exec_local_worker *w, const struct wevent *ev)
{
	return ev->kind == WEVENT_DONE || ev->kind == WEVENT_ERROR ||
	    (ev->kind == WEVENT_DIVERGED && !w->job.step);
}

/* One line from a worker's stdout: a report of its current trial. */
static void
exec_local_line(struct exec_local_worker *w, const char *line, size_t len)
{
	struct exec_end end = { NULL, false, -1, 0, NULL, EXEC_FAULT_NONE };
	struct exec_local *xl = w->xl;
	struct wevent ev;
	char *cause = NULL;

	if (wevent_parse(&ev, line, len, &cause) != 0) {
		free(cause);
		exec_local_garbage(w, "wrote a line that is not a worker event");
		return;
	}
	if (w->trial == NULL || ev.trial != w->job.id) {
		if (w->trial != NULL || ev.kind != WEVENT_ERROR)
			exec_local_garbage(w, "reported an event for no trial of its own");
		goto out;
	}
	if (!exec_local_final(w, &ev)) {
		xl->base.cb.report(xl->base.cb.arg, w->trial, &ev);
		goto out;
	}
	if (ev.kind == WEVENT_ERROR)
		exec_local_retire(w);	/* a retry gets a fresh process */
	end.report = &ev;
	end.error = ev.error;
	exec_local_trial_over(w, &end);
	if (w->trial == NULL)
		exec_local_retire(w);	/* not given another: it exits */
out:
	wevent_free(&ev);
}

/* Buffer for a worker's stdout. */
static void
exec_local_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct exec_local_worker *w = h->data;

	(void)suggested;
	lines_alloc(&w->out_lines, buf);
}

/* One whole line of a worker's stdout (ignored once the worker was killed). */
static int
exec_local_out_line(void *arg, char *line, size_t len)
{
	struct exec_local_worker *w = arg;

	if (w->check_cb != NULL) {	/* a check says one thing */
		if (w->check_line == NULL)
			w->check_line = xstrdup(line);
	} else if (!w->killed) {
		exec_local_arm(w);
		exec_local_line(w, line, len);
	}
	return 0;
}

/* Bytes from a worker's stdout: handle whole lines. */
static void
exec_local_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct exec_local_worker *w = s->data;

	(void)buf;
	if (n < 0) {
		uv_read_stop(s);
		w->out_eof = true;
		exec_local_finished(w);
		return;
	}
	if (lines_feed(&w->out_lines, (size_t)n, exec_local_out_line, w) > PROTOCOL_MAX_LINE) {
		w->out_lines.len = 0;
		exec_local_garbage(w, "wrote a line longer than 1 MiB");
	}
}

/* One whole line of a worker's stderr: its launcher's to read (srun's messages). */
static int
exec_local_err_line(void *arg, char *line, size_t len)
{
	struct exec_local_worker *w = arg;

	(void)len;
	if (w->xl->launch.err_line != NULL)
		w->xl->launch.err_line(w->xl->launch.arg, w->seq, w->trial, line);
	return 0;
}

/*
 * Keep the end of a worker's stderr, for failure messages: its lines joined by "; ", the
 * last newline dropped.
 */
static void
exec_local_tail(struct exec_local_worker *w, const char *p, size_t n)
{
	size_t keep = sizeof w->errtail - 1, i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			w->errnl = w->errlen > 0;
			continue;
		}
		if (w->errlen + 3 > keep) {	/* drop the oldest quarter */
			memmove(w->errtail, w->errtail + keep / 4, w->errlen - keep / 4);
			w->errlen -= keep / 4;
		}
		if (w->errnl) {
			w->errtail[w->errlen++] = ';';
			w->errtail[w->errlen++] = ' ';
			w->errnl = false;
		}
		w->errtail[w->errlen++] = p[i];
	}
}

/* Bytes from a worker's stderr: keep the tail, for failure messages, log them, read lines. */
static void
exec_local_err_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct exec_local_worker *w = s->data;
	const char *p = w->err_lines.buf + w->err_lines.len;

	(void)buf;
	if (n < 0) {
		uv_read_stop(s);
		w->err_eof = true;
		lines_rest(&w->err_lines, exec_local_err_line, w);
		exec_local_finished(w);
		return;
	}
	if (n > 0) {
		exec_local_tail(w, p, (size_t)n);
		log_debug("worker %d: %.*s", w->pid, (int)n, p);
	}
	if (lines_feed(&w->err_lines, (size_t)n, exec_local_err_line, w) > PROTOCOL_MAX_LINE)
		w->err_lines.len = 0;	/* a line that long is no launcher's message */
}

/* Buffer for a worker's stderr. */
static void
exec_local_err_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct exec_local_worker *w = h->data;

	(void)suggested;
	lines_alloc(&w->err_lines, buf);
}

/*
 * The environment for workers: ours, with OpenBLAS kept to one thread of its own, and
 * TUNA_PARENT so that a worker dies with the daemon (tuna-worker.c).
 */
static char **
exec_local_env(void)
{
	size_t n = 0, i, j = 0;
	char **env;

	while (environ[n] != NULL)
		n++;
	env = xcalloc(n + 3, sizeof *env);
	for (i = 0; i < n; i++) {
		if (strncmp(environ[i], "OPENBLAS_NUM_THREADS=", 21) != 0 &&
		    strncmp(environ[i], "TUNA_PARENT=", 12) != 0)
			env[j++] = xstrdup(environ[i]);
	}
	env[j++] = xstrdup("OPENBLAS_NUM_THREADS=1");
	env[j++] = xasprintf("TUNA_PARENT=%ld", (long)getpid());	/* dies with us */
	env[j] = NULL;
	return env;
}

/* Start a new worker process with these arguments after its name (no shell). */
static int
exec_local_spawn(struct exec_local *xl, const char *arg1, const char *arg2,
    struct exec_local_worker **out, char **cause)
{
	struct exec_local_worker *w = xcalloc(1, sizeof *w);
	uv_process_options_t opt;
	uv_stdio_container_t stdio[3];
	char *args[4], **argv = NULL;
	size_t i;
	int rc;

	w->xl = xl;
	w->seq = ++xl->seq;
	w->born = uv_now(xl->loop);
	uv_pipe_init(xl->loop, &w->in, 0);
	uv_pipe_init(xl->loop, &w->out, 0);
	uv_pipe_init(xl->loop, &w->err, 0);
	uv_timer_init(xl->loop, &w->silence);
	w->in.data = w->out.data = w->err.data = w->proc.data = w->silence.data = w;
	stdio[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
	stdio[0].data.stream = (uv_stream_t *)&w->in;
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&w->out;
	stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[2].data.stream = (uv_stream_t *)&w->err;
	args[0] = xl->worker_path;
	args[1] = (char *)arg1;
	args[2] = (char *)arg2;
	args[3] = NULL;
	memset(&opt, 0, sizeof opt);
	if (xl->launch.argv != NULL)
		argv = xl->launch.argv(xl->launch.arg, w->seq, args);
	opt.file = argv != NULL ? argv[0] : xl->worker_path;
	opt.args = argv != NULL ? argv : args;
	opt.env = xl->env;
	opt.stdio = stdio;
	opt.stdio_count = 3;
	opt.exit_cb = exec_local_exit_cb;
	w->open_handles = 5;
	if ((rc = uv_spawn(xl->loop, &w->proc, &opt)) != 0)
		xcause(cause, rc, "cannot start %s: %s", opt.file, uv_strerror(rc));
	for (i = 0; argv != NULL && argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
	if (rc != 0) {
		uv_close((uv_handle_t *)&w->silence, exec_local_closed_cb);
		uv_close((uv_handle_t *)&w->in, exec_local_closed_cb);
		uv_close((uv_handle_t *)&w->out, exec_local_closed_cb);
		uv_close((uv_handle_t *)&w->err, exec_local_closed_cb);
		uv_close((uv_handle_t *)&w->proc, exec_local_closed_cb);
		return rc;
	}
	w->pid = w->proc.pid;
	xl->nworkers++;
	TAILQ_INSERT_TAIL(&xl->workers, w, entry);
	uv_read_start((uv_stream_t *)&w->out, exec_local_alloc_cb, exec_local_read_cb);
	uv_read_start((uv_stream_t *)&w->err, exec_local_err_alloc_cb, exec_local_err_cb);
	log_debug("worker %d: started", w->pid);
	*out = w;
	return 0;
}

/* The check's line is written: close its stdin (its end of input). */
static void
exec_local_check_written(uv_write_t *req, int status)
{
	struct exec_local_worker *w = req->data;

	(void)status;	/* a failure shows as the process's own */
	free(req);
	free(w->check_in);
	w->check_in = NULL;
	exec_local_retire(w);
}

/*
 * Check a search's needs: `tuna-worker --check -` reads the request {"dataset": …, "writable":
 * {"checkpoints": DIR}}, answers with the data set's shape or what failed.
 */
static void
exec_local_check(struct exec *x, const struct exec_check_req *req, exec_check_cb *cb,
    void *arg)
{
	struct exec_local *xl = (struct exec_local *)x;
	struct exec_local_worker *w;
	char *cause = NULL, *text;
	uv_write_t *wreq;
	cJSON *json;
	uv_buf_t buf;
	int rc;

	if (exec_local_spawn(xl, "--check", "-", &w, &cause) != 0) {
		cb(arg, NULL, cause, EXEC_FAULT_NONE);
		free(cause);
		return;
	}
	w->check_cb = cb;
	w->check_arg = arg;
	json = cJSON_CreateObject();
	if (req->dataset != NULL)
		cJSON_AddItemToObject(json, "dataset", cJSON_Duplicate(req->dataset, 1));
	if (req->trainer != NULL) {	/* tuna-exec --check: the command, where, with what */
		cJSON_AddItemToObject(json, "command", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(req->trainer, "command"), 1));
		cJSON_AddItemToObject(json, "cwd", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(req->trainer, "cwd"), 1));
		cJSON_AddItemToObject(json, "env", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(req->trainer, "env"), 1));
	}
	if (req->checkpoints != NULL)
		cJSON_AddStringToObject(cJSON_AddObjectToObject(json, "writable"), "checkpoints",
		    req->checkpoints);
	text = cJSON_PrintUnformatted(json);
	cJSON_Delete(json);
	w->check_in = xasprintf("%s\n", text);
	cJSON_free(text);
	wreq = xmalloc(sizeof *wreq);
	wreq->data = w;
	buf = uv_buf_init(w->check_in, (unsigned)strlen(w->check_in));
	if ((rc = uv_write(wreq, (uv_stream_t *)&w->in, &buf, 1, exec_local_check_written)) != 0)
		exec_local_check_written(wreq, rc);
}

/* The worker running a trial, or NULL. */
static struct exec_local_worker *
exec_local_find(struct exec_local *xl, void *trial)
{
	struct exec_local_worker *w;

	TAILQ_FOREACH(w, &xl->workers, entry) {
		if (w->trial == trial)
			return w;
	}
	return NULL;
}

/* Whether a worker's time left (its launcher's lifetime) holds a job, by its estimate. */
static bool
exec_local_holds(const struct exec_local_worker *w, const struct exec_job *job)
{
	uint64_t age = (uv_now(w->xl->loop) - w->born) / 1000;

	return w->xl->launch.lifetime <= 0 || job->estimate <= 0 ||
	    age + (uint64_t)job->estimate < (uint64_t)w->xl->launch.lifetime;
}

/* Run a trial: on an idle worker whose time left holds it, else on a new one. */
static int
exec_local_start(struct exec *x, const struct exec_job *job, void *trial, char **cause)
{
	struct exec_local *xl = (struct exec_local *)x;
	struct exec_local_worker *w;
	int rc;

	TAILQ_FOREACH(w, &xl->workers, entry) {
		if (w->trial != NULL || w->check_cb != NULL || w->killed || w->closing ||
		    w->exited || uv_is_closing((uv_handle_t *)&w->in))
			continue;
		if (!exec_local_holds(w, job)) {
			log_debug("worker %d: retired: its time left cannot hold a trial of %d s",
			    w->pid, job->estimate);
			exec_local_retire(w);
			continue;
		}
		break;
	}
	if (w == NULL && (rc = exec_local_spawn(xl, "-", NULL, &w, cause)) != 0)
		return rc;
	if ((rc = exec_local_give(w, job, trial, cause)) != 0) {
		/*
		 * The trial stays with the worker and fails when the process is finished, with its
		 * exit status and stderr. EPIPE: it closed its stdin, so it is on its way out;
		 * anything else: make sure of it.
		 */
		log_warn("%s", *cause);
		free(*cause);
		*cause = NULL;
		if (rc != UV_EPIPE)
			exec_local_signal(w);
	}
	return 0;
}

/* Send a command line to the worker running a trial. */
static int
exec_local_command(struct exec *x, void *trial, const struct exec_cmd *cmd, char **cause)
{
	struct exec_local_worker *w = exec_local_find((struct exec_local *)x, trial);
	cJSON *msg;
	int i;

	if (w == NULL || w->killed || uv_is_closing((uv_handle_t *)&w->in))
		return xcause(cause, -EPIPE, "%s: its worker is gone", exec_cmd_name(cmd->kind));
	msg = cJSON_CreateObject();
	cJSON_AddStringToObject(msg, "cmd", exec_cmd_name(cmd->kind));
	for (i = 0; cmd->kind == EXEC_SET && i < cmd->nset; i++)
		cJSON_AddNumberToObject(msg, cmd->set[i].name, cmd->set[i].value);
	if (cmd->path != NULL)
		cJSON_AddStringToObject(msg, "path", cmd->path);
	return exec_local_write(w, msg, cause);
}

/* Kill the worker running a trial; the trial's end follows. */
static void
exec_local_kill(struct exec *x, void *trial)
{
	struct exec_local_worker *w = exec_local_find((struct exec_local *)x, trial);

	if (w == NULL)
		return;
	w->stopped = true;
	exec_local_signal(w);
}

/* Kill every worker, and every check. */
static void
exec_local_kill_all(struct exec *x)
{
	struct exec_local *xl = (struct exec_local *)x;
	struct exec_local_worker *w;

	TAILQ_FOREACH(w, &xl->workers, entry) {
		if (w->trial != NULL)
			w->stopped = true;
		exec_local_signal(w);
	}
}

/* The processes alive, checks included. */
static int
exec_local_slots(const struct exec *x)
{
	return ((const struct exec_local *)x)->nworkers;
}

/* Free the executor (no process left). */
static void
exec_local_free(struct exec *x)
{
	struct exec_local *xl = (struct exec_local *)x;
	size_t i;

	for (i = 0; xl->env[i] != NULL; i++)
		free(xl->env[i]);
	free(xl->env);
	if (xl->launch.free != NULL)
		xl->launch.free(xl->launch.arg);
	free(xl->worker_path);
	free(xl);
}

static const struct exec_ops exec_local_ops = {
	.name = "local",
	.check = exec_local_check,
	.start = exec_local_start,
	.command = exec_local_command,
	.kill = exec_local_kill,
	.kill_all = exec_local_kill_all,
	.slots = exec_local_slots,
	.free = exec_local_free,
};

/* A local executor running worker_path on loop. */
int
exec_local_new(struct exec **x, uv_loop_t *loop, const char *worker_path, char **cause)
{
	return exec_local_new_launched(x, loop, worker_path, NULL, cause);
}

/*
 * An executor running worker_path on loop through a launcher (NULL: directly, on this
 * machine); it takes the launcher's environment.
 */
int
exec_local_new_launched(struct exec **x, uv_loop_t *loop, const char *worker_path,
    const struct exec_launch *launch, char **cause)
{
	struct exec_local *xl = xcalloc(1, sizeof *xl);

	(void)cause;
	xl->base.ops = &exec_local_ops;
	xl->loop = loop;
	xl->worker_path = xstrdup(worker_path);
	if (launch != NULL)
		xl->launch = *launch;
	xl->env = launch != NULL && launch->env != NULL ? launch->env : exec_local_env();
	TAILQ_INIT(&xl->workers);
	*x = &xl->base;
	return 0;
}

/* A launcher's word on where a trial is (queued by the cluster, running): to the owner. */
void
exec_local_state(struct exec *x, void *trial, enum exec_state st, const char *reason)
{
	if (trial != NULL && x->cb.state != NULL)
		x->cb.state(x->cb.arg, trial, st, reason);
}
