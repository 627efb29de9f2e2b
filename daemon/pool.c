/*
 * pool.c: tuna-worker processes. Each runs trials one after another, read as JSON lines on its
 * stdin, and reports events on its stdout. A trial ends with its terminal event; a process is
 * finished only after both its exit and the EOF of its stdout (in either order), and only then
 * is the trial it was running, if any, recorded as failed, cancelled or interrupted.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "protocol.h"
#include "tunad.h"
#include "worker-protocol.h"
#include "xmalloc.h"

#define POOL_MAX_LINE (1 << 20)

extern char **environ;

static void pool_teardown(struct worker *w, const char *why);
static void pool_trial_over(struct worker *w, struct store_result *r);

/* A trial's seed: derived from the search's seed and the trial number. */
static double
pool_trial_seed(const struct trial *t)
{
	return (double)((t->search->spec.seed * 1000003 + (uint64_t)t->number) %
	    9007199254740991ULL);
}

/* Send one line to a worker's stdin. */
static int
pool_write(struct worker *w, cJSON *msg, char **cause)
{
	char *text = cJSON_PrintUnformatted(msg), *line;
	uv_buf_t buf;
	int rc;

	cJSON_Delete(msg);
	line = xasprintf("%s\n", text);
	cJSON_free(text);
	buf = uv_buf_init(line, (unsigned)strlen(line));
	rc = uv_try_write((uv_stream_t *)&w->in, &buf, 1);
	if (rc == (int)buf.len) {
		free(line);
		return 0;
	}
	free(line);
	/* a trial line is small: a pipe with a 64 KiB buffer takes it whole or not at all */
	return xcause(cause, rc < 0 ? rc : -EAGAIN, "worker %d: write: %s", w->pid,
	    rc < 0 ? uv_strerror(rc) : "pipe full");
}

/* The trial stayed silent for its whole timeout: kill the worker; the trial fails. */
static void
pool_silence_cb(uv_timer_t *timer)
{
	struct worker *w = timer->data;

	if (w->trial == NULL || w->killed)
		return;
	log_warn("search %lld: trial %d: no report for %d s: killing worker %d",
	    (long long)w->trial->search->id, w->trial->number,
	    w->trial->search->spec.trial_timeout, w->pid);
	w->trial->timed_out = true;
	w->killed = true;
	uv_process_kill(&w->proc, SIGKILL);
}

/* (Re)start the silence timer of a worker's trial, if its search has a timeout. */
static void
pool_arm(struct worker *w)
{
	if (w->trial != NULL && w->trial->search->spec.trial_timeout > 0)
		uv_timer_start(&w->silence, pool_silence_cb,
		    (uint64_t)w->trial->search->spec.trial_timeout * 1000, 0);
	else
		uv_timer_stop(&w->silence);
}

/* Hand a trial to a worker: its trial line. */
static int
pool_give(struct worker *w, struct trial *t, char **cause)
{
	const struct spec *sp = &t->search->spec;
	cJSON *msg = cJSON_CreateObject(), *lim;

	cJSON_AddNumberToObject(msg, "id", (double)t->id);
	cJSON_AddItemToObject(msg, "dataset", cJSON_Duplicate(sp->dataset, 1));
	cJSON_AddItemToObject(msg, "params", cJSON_Duplicate(t->params, 1));
	cJSON_AddNumberToObject(msg, "epochs", sp->epochs);
	cJSON_AddNumberToObject(msg, "seed", pool_trial_seed(t));
	cJSON_AddNumberToObject(msg, "threads", sp->threads);
	lim = cJSON_AddObjectToObject(msg, "limits");	/* the worker applies them (limit.c) */
	if (sp->address_space_mb > 0)	/* 0: a search submitted before limits existed */
		cJSON_AddNumberToObject(lim, "address_space_mb", sp->address_space_mb);
	cJSON_AddNumberToObject(lim, "cpu_seconds", sp->cpu_seconds);
	if (t->step)
		cJSON_AddStringToObject(msg, "control", "step");
	w->trial = t;
	t->worker = w;
	tunad.busy++;
	pool_arm(w);
	return pool_write(w, msg, cause);
}

/* One handle of a worker closed: free the worker after the last. */
static void
pool_closed_cb(uv_handle_t *h)
{
	struct worker *w = h->data;

	if (--w->open_handles > 0)
		return;
	lines_free(&w->out_lines);
	free(w);
}

/* Close a worker's handles and forget it, saying why. */
static void
pool_teardown(struct worker *w, const char *why)
{
	if (w->closing)
		return;
	w->closing = true;
	log_debug("worker %d: finished: %s", w->pid, why);
	TAILQ_REMOVE(&tunad.workers, w, entry);
	tunad.nworkers--;
	if (!uv_is_closing((uv_handle_t *)&w->in))
		uv_close((uv_handle_t *)&w->in, pool_closed_cb);
	uv_close((uv_handle_t *)&w->out, pool_closed_cb);
	uv_close((uv_handle_t *)&w->err, pool_closed_cb);
	uv_close((uv_handle_t *)&w->silence, pool_closed_cb);
	uv_close((uv_handle_t *)&w->proc, pool_closed_cb);
}

/*
 * Why a worker died, when it was one of its trial's limits: SIGXCPU, or an abort after an
 * allocation failed under the address-space limit (its message, from the end of stderr).
 * NULL otherwise.
 */
static char *
pool_limit_cause(struct worker *w, const struct spec *sp)
{
	const char *p;

	if (w->term_signal == SIGXCPU)
		return xasprintf("CPU time limit reached (limits.cpu_seconds = %d): the worker was "
		    "killed by SIGXCPU", sp->cpu_seconds);
	if (w->term_signal == SIGABRT && (p = strstr(w->errtail, WLIMIT_AS_REACHED)) != NULL)
		return xasprintf("%.*s", (int)strcspn(p, "\n"), p);
	return NULL;
}

/* The process exited and its output is drained: record its trial, if any, and tear down. */
static void
pool_finished(struct worker *w)
{
	struct store_result r = { "failed", NAN, NAN, NAN, NAN, NAN, NAN, 0, -1, 0, NULL };
	char *msg = NULL;
	char why[64];

	if (!w->exited || !w->out_eof || !w->err_eof)
		return;
	if (w->term_signal != 0)
		snprintf(why, sizeof why, "killed by signal %d", w->term_signal);
	else
		snprintf(why, sizeof why, "exit status %lld", (long long)w->exit_status);
	if (w->trial != NULL) {
		struct trial *t = w->trial;

		r.exit_status = w->term_signal ? -1 : (int)w->exit_status;
		r.signal = w->term_signal;
		r.epochs = t->epochs;
		r.best_val_acc = t->best_val_acc;
		if (t->cancelled)
			r.status = "cancelled";
		else if (t->interrupted)
			r.status = "interrupted";
		else if (t->timed_out) {
			msg = xasprintf("no report for %d s: the worker was killed",
			    t->search->spec.trial_timeout);
			r.error = msg;
		} else {
			w->errtail[w->errlen] = '\0';
			if ((msg = pool_limit_cause(w, &t->search->spec)) == NULL)
				msg = xasprintf("worker %s%s%s", why, w->errlen ? ": " : "",
				    w->errtail);
			r.error = msg;
			log_warn("search %lld: trial %d: %s", (long long)t->search->id, t->number,
			    msg);
		}
		pool_trial_over(w, &r);
		free(msg);
	}
	pool_teardown(w, why);
	search_schedule();
}

/* The worker process exited. */
static void
pool_exit_cb(uv_process_t *proc, int64_t status, int signal)
{
	struct worker *w = proc->data;

	w->exited = true;
	w->exit_status = status;
	w->term_signal = signal;
	pool_finished(w);
}

/* The worker's trial reached a terminal state: record it; reuse or retire the worker. */
static void
pool_trial_over(struct worker *w, struct store_result *r)
{
	struct trial *t = w->trial;

	w->trial = NULL;
	tunad.busy--;
	uv_timer_stop(&w->silence);
	search_trial_end(t, r);
}

/* After a trial ended while the process lives: give it another, or close its stdin. */
static void
pool_reuse(struct worker *w)
{
	search_schedule();
	if (w->trial == NULL && !w->closing && !uv_is_closing((uv_handle_t *)&w->in))
		uv_close((uv_handle_t *)&w->in, pool_closed_cb);	/* EOF: it exits */
}

/* A number member of an event, or NaN. */
static double
pool_num(const cJSON *ev, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);

	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* The worker misbehaved: fail its trial with a reason and kill it. */
static void
pool_garbage(struct worker *w, const char *what)
{
	if (w->killed)
		return;
	w->killed = true;
	log_warn("worker %d: %s; killing it", w->pid, what);
	if (w->trial != NULL) {
		struct store_result r = { "failed", NAN, NAN, NAN, NAN, NAN, NAN, 0, -1, 0, what };

		r.epochs = w->trial->epochs;
		pool_trial_over(w, &r);
	}
	uv_process_kill(&w->proc, SIGKILL);
}

/* One line from a worker's stdout: an event of its current trial. */
static void
pool_line(struct worker *w, const char *line, size_t len)
{
	struct trial *t = w->trial;
	struct store_result r = { NULL, NAN, NAN, NAN, NAN, NAN, NAN, 0, -1, 0, NULL };
	const cJSON *kind_j, *id_j;
	const char *kind;
	char *cause = NULL;
	cJSON *ev, *out;
	double v;

	if ((ev = cJSON_ParseWithLength(line, len)) == NULL || !cJSON_IsObject(ev) ||
	    !cJSON_IsString(kind_j = cJSON_GetObjectItemCaseSensitive(ev, "event"))) {
		cJSON_Delete(ev);
		pool_garbage(w, "wrote a line that is not a worker event");
		return;
	}
	kind = kind_j->valuestring;
	id_j = cJSON_GetObjectItemCaseSensitive(ev, "id");
	if (t == NULL || !cJSON_IsNumber(id_j) || (int64_t)id_j->valuedouble != t->id) {
		if (t != NULL || strcmp(kind, WEV_ERROR) != 0)
			pool_garbage(w, "reported an event for no trial of its own");
		cJSON_Delete(ev);
		return;
	}
	if (strcmp(kind, WEV_START) == 0)
		babysit_start(t);
	else if (strcmp(kind, WEV_DIVERGED) == 0 && t->step) {
		/* not the end yet: the daemon may roll it back (babysit.c) */
		babysit_diverged(t, ev);
	} else if (strcmp(kind, WEV_EPOCH) == 0) {
		t->epochs++;
		t->last_epoch = (int)pool_num(ev, "epoch");
		v = pool_num(ev, "val_acc");
		if (!isnan(v) && !(v <= t->best_val_acc))
			t->best_val_acc = v;
		if (store_epoch_add(tunad.store, t->id, ev, &cause) != 0)
			tunad_store_error("add epoch", cause);
		out = cJSON_Duplicate(ev, 1);
		cJSON_DeleteItemFromObjectCaseSensitive(out, "event");
		cJSON_DeleteItemFromObjectCaseSensitive(out, "id");
		cJSON_AddNumberToObject(out, "number", t->number);
		watch_publish(t->search->id, t->id, EV_EPOCH, out);
		babysit_epoch(t, ev);
	} else if (strcmp(kind, WEV_DONE) == 0 || strcmp(kind, WEV_DIVERGED) == 0 ||
	    strcmp(kind, WEV_ERROR) == 0) {
		const char *reason = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev,
		    "reason"));

		r.status = strcmp(kind, WEV_DIVERGED) == 0 ? "diverged" :
		    strcmp(kind, WEV_ERROR) == 0 ? "failed" :
		    reason != NULL && strcmp(reason, "diverged") == 0 ? "diverged" :
		    t->pruned ? "pruned" : "done";
		r.val_acc = pool_num(ev, "val_acc");
		r.val_loss = pool_num(ev, "val_loss");
		r.best_val_acc = strcmp(kind, WEV_DONE) == 0 ? pool_num(ev, "best_val_acc") :
		    t->best_val_acc;
		r.test_acc = pool_num(ev, "test_acc");
		r.test_loss = pool_num(ev, "test_loss");
		r.seconds = pool_num(ev, "seconds");
		r.epochs = cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(ev, "epochs")) ?
		    (int)pool_num(ev, "epochs") : t->epochs;
		r.error = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "error"));
		if (strcmp(r.status, "diverged") == 0)
			r.error = "the loss became NaN or infinite";
		pool_trial_over(w, &r);
		if (strcmp(r.status, "failed") == 0) {
			/* a retry gets a fresh process: this one is retired */
			if (!uv_is_closing((uv_handle_t *)&w->in))
				uv_close((uv_handle_t *)&w->in, pool_closed_cb);
			search_schedule();
		} else
			pool_reuse(w);
	}
	cJSON_Delete(ev);
}

/* Buffer for a worker's stdout. */
static void
pool_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct worker *w = h->data;

	(void)suggested;
	lines_alloc(&w->out_lines, buf);
}

/* One whole line of a worker's stdout (ignored once the worker was killed). */
static int
pool_out_line(void *arg, char *line, size_t len)
{
	struct worker *w = arg;

	if (!w->killed) {
		pool_arm(w);
		pool_line(w, line, len);
	}
	return 0;
}

/* Bytes from a worker's stdout: handle whole lines. */
static void
pool_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct worker *w = s->data;

	(void)buf;
	if (n < 0) {
		uv_read_stop(s);
		w->out_eof = true;
		pool_finished(w);
		return;
	}
	if (lines_feed(&w->out_lines, (size_t)n, pool_out_line, w) > POOL_MAX_LINE) {
		w->out_lines.len = 0;
		pool_garbage(w, "wrote a line longer than 1 MiB");
	}
}

/* Bytes from a worker's stderr: keep the tail, for failure messages, and log it. */
static void
pool_err_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct worker *w = s->data;
	size_t keep = sizeof w->errtail - 1, k;

	if (n < 0) {
		uv_read_stop(s);
		w->err_eof = true;
		free(buf->base);
		pool_finished(w);
		return;
	}
	if (n > 0) {
		k = (size_t)n > keep ? keep : (size_t)n;
		if (w->errlen + k > keep) {
			memmove(w->errtail, w->errtail + (w->errlen + k - keep), keep - k);
			w->errlen = keep - k;
		}
		memcpy(w->errtail + w->errlen, buf->base + n - k, k);
		w->errlen += k;
		while (w->errlen > 0 && w->errtail[w->errlen - 1] == '\n')
			w->errlen--;
		log_debug("worker %d: %.*s", w->pid, (int)n, buf->base);
	}
	free(buf->base);
}

/* Buffer for a worker's stderr. */
static void
pool_err_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)h;
	*buf = uv_buf_init(xmalloc(suggested), (unsigned)suggested);
}

/*
 * The environment for workers: ours, with OpenBLAS kept to one thread of its own, and
 * TUNA_PARENT so that a worker dies with the daemon (tuna-worker.c).
 */
static char **
pool_env(void)
{
	static char **env;
	size_t n = 0, i, j = 0;

	if (env != NULL)
		return env;
	while (environ[n] != NULL)
		n++;
	env = xcalloc(n + 3, sizeof *env);
	for (i = 0; i < n; i++) {
		if (strncmp(environ[i], "OPENBLAS_NUM_THREADS=", 21) != 0 &&
		    strncmp(environ[i], "TUNA_PARENT=", 12) != 0)
			env[j++] = environ[i];
	}
	env[j++] = "OPENBLAS_NUM_THREADS=1";
	env[j++] = xasprintf("TUNA_PARENT=%ld", (long)getpid());	/* dies with us */
	env[j] = NULL;
	return env;
}

/* Start a new worker process (no shell: argv straight to execve). */
static int
pool_spawn(struct worker **out, char **cause)
{
	struct worker *w = xcalloc(1, sizeof *w);
	uv_process_options_t opt;
	uv_stdio_container_t stdio[3];
	char *args[3];
	int rc;

	uv_pipe_init(tunad.loop, &w->in, 0);
	uv_pipe_init(tunad.loop, &w->out, 0);
	uv_pipe_init(tunad.loop, &w->err, 0);
	uv_timer_init(tunad.loop, &w->silence);
	w->in.data = w->out.data = w->err.data = w->proc.data = w->silence.data = w;
	stdio[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
	stdio[0].data.stream = (uv_stream_t *)&w->in;
	stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[1].data.stream = (uv_stream_t *)&w->out;
	stdio[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[2].data.stream = (uv_stream_t *)&w->err;
	args[0] = tunad.worker_path;
	args[1] = "-";
	args[2] = NULL;
	memset(&opt, 0, sizeof opt);
	opt.file = tunad.worker_path;
	opt.args = args;
	opt.env = pool_env();
	opt.stdio = stdio;
	opt.stdio_count = 3;
	opt.exit_cb = pool_exit_cb;
	w->open_handles = 5;
	if ((rc = uv_spawn(tunad.loop, &w->proc, &opt)) != 0) {
		uv_close((uv_handle_t *)&w->silence, pool_closed_cb);
		uv_close((uv_handle_t *)&w->in, pool_closed_cb);
		uv_close((uv_handle_t *)&w->out, pool_closed_cb);
		uv_close((uv_handle_t *)&w->err, pool_closed_cb);
		uv_close((uv_handle_t *)&w->proc, pool_closed_cb);
		return xcause(cause, rc, "cannot start %s: %s", tunad.worker_path,
		    uv_strerror(rc));
	}
	w->pid = w->proc.pid;
	tunad.nworkers++;
	TAILQ_INSERT_TAIL(&tunad.workers, w, entry);
	uv_read_start((uv_stream_t *)&w->out, pool_alloc_cb, pool_read_cb);
	uv_read_start((uv_stream_t *)&w->err, pool_err_alloc_cb, pool_err_cb);
	log_debug("worker %d: started", w->pid);
	*out = w;
	return 0;
}

/* Run a trial: on an idle worker if there is one, else on a new one. */
int
pool_start(struct trial *t, char **cause)
{
	struct worker *w;
	int rc;

	TAILQ_FOREACH(w, &tunad.workers, entry) {
		if (w->trial == NULL && !w->closing && !w->exited &&
		    !uv_is_closing((uv_handle_t *)&w->in))
			break;
	}
	if (w == NULL && (rc = pool_spawn(&w, cause)) != 0)
		return rc;
	if ((rc = pool_give(w, t, cause)) != 0) {
		/*
		 * The trial stays with the worker and fails when the process is finished, with its
		 * exit status and stderr. EPIPE: it closed its stdin, so it is on its way out;
		 * anything else: make sure of it.
		 */
		log_warn("%s", *cause);
		free(*cause);
		*cause = NULL;
		if (rc != UV_EPIPE)
			uv_process_kill(&w->proc, SIGKILL);
	}
	return 0;
}

/* Send a command line to the worker running a trial. */
int
pool_command(struct trial *t, cJSON *cmd, char **cause)
{
	struct worker *w = t->worker;

	if (w == NULL || w->trial != t || w->killed || uv_is_closing((uv_handle_t *)&w->in)) {
		cJSON_Delete(cmd);
		return xcause(cause, -EPIPE, "trial %lld: its worker is gone", (long long)t->id);
	}
	return pool_write(w, cmd, cause);
}

/* Kill the workers running a search's trials (cancelled, or interrupted by a stop). */
void
pool_kill_search(struct search *s, bool interrupted)
{
	struct worker *w;

	TAILQ_FOREACH(w, &tunad.workers, entry) {
		if (w->trial == NULL || w->trial->search != s)
			continue;
		if (interrupted)
			w->trial->interrupted = true;
		else
			w->trial->cancelled = true;
		uv_process_kill(&w->proc, SIGKILL);
	}
}

/* Kill every worker: the daemon is stopping; their trials are interrupted. */
void
pool_kill_all(void)
{
	struct worker *w;

	TAILQ_FOREACH(w, &tunad.workers, entry) {
		if (w->trial != NULL)
			w->trial->interrupted = true;
		if (!w->exited)
			uv_process_kill(&w->proc, SIGKILL);
	}
}
