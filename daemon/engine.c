/*
 * engine.c: the engine (engine.h). Opened on a store and an executor, it resumes the searches
 * a previous daemon left running. It takes submits — the data set checked where the trainer
 * runs, the models fitted to memory, the search recorded and committed before its id is given
 * out — cancels and nudges. It records every event and commits the store every 50 ms, and
 * hands an event on only once committed. It stops by killing the trials (interrupted, to run
 * again when the daemon does), then committing what is left.
 * Layer: engine
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "babysit.h"
#include "engine.h"
#include "fit.h"
#include "log.h"
#include "paths.h"
#include "protocol.h"
#include "search.h"
#include "suspend.h"
#include "timestamp.h"
#include "trial.h"
#include "xmalloc.h"

#define ENGINE_COMMIT_MS	50	/* writes are committed this often */
#define ENGINE_MAX_PENDING	20000	/* rows written before a commit is forced */

/* A submit waiting for its data set to be checked. */
struct engine_submit {
	struct engine *e;
	struct spec spec;
	struct exec *x;			/* the executor of its trials */
	struct exec_check_req check;	/* what its executor checks where trials run */
	engine_submit_cb *cb;
	void *arg;
};

/* Commit the store, then hand on the events the commit made durable. */
int
engine_commit(struct engine *e, char **cause)
{
	int rc;

	if ((rc = store_flush(e->store, cause)) != 0)
		return rc;
	fanout_commit(e->fanout);
	return 0;
}

/*
 * A store write failed: suspend the searches until the database can be written (suspend.c).
 * While suspended, the refusals of the held store are expected: not logged. Takes cause.
 */
void
engine_store_error(struct engine *e, const char *what, char *cause)
{
	char *msg;

	if (e->suspended == NULL) {
		msg = xasprintf("%s: %s", what, cause != NULL ? cause : "failed");
		suspend_begin(e, msg);
		free(msg);
	}
	free(cause);
}

/* A record is in the store, in its place id at time: hand data on once committed. */
static void
engine_recorded(struct engine *e, int64_t id, int64_t search_id, int64_t trial_id,
    const char *kind, int64_t time, const cJSON *data)
{
	char *cause = NULL;

	fanout_add(e->fanout, id, search_id, trial_id, kind, time, data);
	if (store_pending(e->store) >= ENGINE_MAX_PENDING && engine_commit(e, &cause) != 0)
		engine_store_error(e, "commit", cause);
}

/*
 * Record an event (takes data) and hand it on once committed. The store keeps `kept` (takes
 * it) in place of data when the event's other members are its trial's row (a thin trial_start
 * or trial_end: the history rebuilds them); pass data itself to keep it all.
 */
void
engine_publish_kept(struct engine *e, int64_t search_id, int64_t trial_id, const char *kind,
    cJSON *data, cJSON *kept)
{
	int64_t id = 0, time = timestamp_now();
	char *cause = NULL;

	if (store_event_add(e->store, &id, search_id, trial_id, kind, time, kept, &cause) == 0)
		engine_recorded(e, id, search_id, trial_id, kind, time, data);
	else
		engine_store_error(e, "add event", cause);
	if (kept != data)
		cJSON_Delete(kept);
	cJSON_Delete(data);
}

/* Record an event (takes data); it is handed on once committed. */
void
engine_publish(struct engine *e, int64_t search_id, int64_t trial_id, const char *kind,
    cJSON *data)
{
	engine_publish_kept(e, search_id, trial_id, kind, data, data);
}

/*
 * Record an epoch a trial reported — its metrics m[n] (params: the trial's) — once, as a
 * report; the epoch event ev (takes it) is handed on once committed.
 */
void
engine_publish_report(struct engine *e, int64_t search_id, int64_t trial_id, int epoch,
    const cJSON *params, const struct metric *m, int n, cJSON *ev)
{
	int64_t id = 0, time = timestamp_now();
	char *cause = NULL;

	if (store_report_add(e->store, &id, search_id, trial_id, epoch, time, params, m, n,
	    &cause) == 0)
		engine_recorded(e, id, search_id, trial_id, EV_EPOCH, time, ev);
	else
		engine_store_error(e, "add epoch", cause);
	cJSON_Delete(ev);
}

/* Timer: commit the writes of the last few milliseconds in one transaction. */
static void
engine_commit_cb(uv_timer_t *timer)
{
	struct engine *e = timer->data;
	char *cause = NULL;

	if (store_pending(e->store) > 0 && engine_commit(e, &cause) != 0)
		engine_store_error(e, "flush", cause);
}

/* Resume the searches a previous daemon (or a suspended store) left running. */
void
engine_resume(struct engine *e)
{
	int64_t *ids = NULL;
	char *cause = NULL;
	int i, n = 0;

	if (store_search_unfinished(e->store, &ids, &n, &cause) != 0) {
		engine_store_error(e, "list unfinished searches", cause);
		return;
	}
	for (i = 0; i < n; i++) {
		if (search_resume(e, ids[i], &cause) != 0) {
			log_warn("search %lld: cannot resume: %s", (long long)ids[i], cause);
			free(cause);
			cause = NULL;
		}
	}
	free(ids);
}

/* An engine timer closed: once the last is, the stop is complete. */
static void
engine_closed_cb(uv_handle_t *h)
{
	struct engine *e = h->data;

	if (--e->handles == 0)
		e->cb.stopped(e->cb.arg);
}

/* Nothing runs any more: commit what is left, close the timers; then tell the owner. */
static void
engine_stop_done(struct engine *e)
{
	char *cause = NULL;

	struct engine_exec *ex;

	if (!e->stopping || e->stopped || e->running > 0 || exec_slots(e->exec) > 0)
		return;
	TAILQ_FOREACH(ex, &e->execs, entry)
		if (exec_slots(ex->x) > 0)
			return;
	e->stopped = true;
	if (store_pending(e->store) > 0 && engine_commit(e, &cause) != 0)
		engine_store_error(e, "flush", cause);
	uv_close((uv_handle_t *)&e->commit_timer, engine_closed_cb);
	uv_close((uv_handle_t *)&e->schedule_timer, engine_closed_cb);
	uv_close((uv_handle_t *)&e->suspend_timer, engine_closed_cb);
}

/* Executor callback: a slot (process) ended: there may be room for a trial, or a stop done. */
static void
engine_slot_end(void *arg)
{
	struct engine *e = arg;

	search_schedule(e);
	engine_stop_done(e);
}

/* Open the engine on a store and an executor; resume what was left running. */
int
engine_open(struct engine **ep, const struct engine_config *cfg, const struct engine_cb *cb,
    char **cause)
{
	struct fanout_cb fcb = { cb->event, cb->committed, cb->wanted, cb->arg };
	struct exec_cb xcb = { trial_report, trial_end, engine_slot_end, trial_state, NULL };
	struct engine *e = xcalloc(1, sizeof *e);
	int64_t last;
	int rc;

	e->loop = cfg->loop;
	e->store = cfg->store;
	e->exec = cfg->exec;
	e->max_workers = cfg->max_workers;
	e->ckpt_dir = xstrdup(cfg->ckpt_dir);
	e->worker_path = cfg->worker_path != NULL ? xstrdup(cfg->worker_path) : NULL;
	e->exec_path = cfg->exec_path != NULL ? xstrdup(cfg->exec_path) : NULL;
	TAILQ_INIT(&e->execs);
	e->cb = *cb;
	if ((rc = store_last_id(cfg->store, &last, cause)) != 0) {
		free(e->ckpt_dir);
		free(e->worker_path);
		free(e->exec_path);
		free(e);
		return rc;
	}
	e->fanout = fanout_new(&fcb, last);
	TAILQ_INIT(&e->searches);
	TAILQ_INIT(&e->trials);
	xcb.arg = e;
	exec_set_callbacks(e->exec, &xcb);
	uv_timer_init(e->loop, &e->commit_timer);
	uv_timer_init(e->loop, &e->schedule_timer);
	suspend_init(e);
	e->commit_timer.data = e->schedule_timer.data = e->suspend_timer.data = e;
	e->handles = 3;
	uv_timer_start(&e->commit_timer, engine_commit_cb, ENGINE_COMMIT_MS, ENGINE_COMMIT_MS);
	engine_resume(e);
	search_schedule(e);
	*ep = e;
	return 0;
}

/* Free the engine (stopped, or never started anything). */
void
engine_free(struct engine *e)
{
	struct engine_exec *ex, *ex1;
	struct search *s, *s1;

	if (e == NULL)
		return;
	TAILQ_FOREACH_SAFE(s, &e->searches, entry, s1)
		search_free(s);
	TAILQ_FOREACH_SAFE(ex, &e->execs, entry, ex1) {
		exec_free(ex->x);
		cJSON_Delete(ex->setting);
		free(ex);
	}
	free(e->worker_path);
	free(e->exec_path);
	fanout_free(e->fanout);
	free(e->ckpt_dir);
	free(e->suspended);
	free(e->kernel_core);
	free(e->kernel_why);
	free(e);
}

/* Stop: no new trials; the running ones killed, interrupted; cb.stopped once all is done. */
void
engine_stop(struct engine *e, const char *why)
{
	if (e->stopping)
		return;
	e->stopping = true;
	log_debug("engine: stopping: %s; %d trials running", why, e->running);
	struct engine_exec *ex;

	trial_kill_all(e, TRIAL_INTERRUPTED);
	exec_kill_all(e->exec);	/* idle workers and data-set checks too */
	TAILQ_FOREACH(ex, &e->execs, entry)
		exec_kill_all(ex->x);
	engine_stop_done(e);
}

/* The machine's memory, in bytes. */
static double
engine_memory(void)
{
	return (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
}

/* The memory of a slot: a Slurm slot's "mem" (none: not checked), else the machine's. */
static double
engine_slot_memory(const struct spec *sp)
{
	if (sp->executor.kind != EXECSPEC_SLURM)
		return engine_memory();
	return sp->executor.mem_mb > 0 ? sp->executor.mem_mb * 1048576.0 : INFINITY;
}

/*
 * The executor for a setting, threads per slot (Slurm's) and program (user: tuna-exec, for a
 * user's trainer; else tuna-worker): the local one for tuna-worker, or one made the first time.
 * NULL with *cause when it cannot be made.
 */
static struct exec *
engine_exec_get(struct engine *e, const struct execspec *xs, int threads, bool user,
    char **cause)
{
	struct exec_cb xcb = { trial_report, trial_end, engine_slot_end, trial_state, e };
	const char *program = user ? e->exec_path : e->worker_path;
	struct engine_exec *ex;
	cJSON *setting;
	int rc;

	if (xs->kind == EXECSPEC_LOCAL && !user)
		return e->exec;
	if (xs->kind == EXECSPEC_LOCAL)
		threads = 0;	/* a local process takes any */
	if (program == NULL) {
		if (user)
			xcause(cause, -ENOTSUP, "trainer: not available in this daemon (tuna-exec, "
			    "which runs a trainer of your own, was not found beside tuna-worker)");
		else
			xcause(cause, -ENOTSUP, "executor: %s: not available in this daemon",
			    execspec_kind_name(xs->kind));
		return NULL;
	}
	setting = execspec_json(xs);
	TAILQ_FOREACH(ex, &e->execs, entry) {
		if (ex->threads == threads && ex->user == user &&
		    cJSON_Compare(ex->setting, setting, 1)) {
			cJSON_Delete(setting);
			return ex->x;
		}
	}
	ex = xcalloc(1, sizeof *ex);
	if (xs->kind == EXECSPEC_LOCAL)
		rc = exec_local_new(&ex->x, e->loop, program, cause);
	else
		rc = exec_slurm_new(&ex->x, e->loop, program, xs, threads, cause);
	if (rc != 0) {
		cJSON_Delete(setting);
		free(ex);
		return NULL;
	}
	exec_set_callbacks(ex->x, &xcb);
	ex->setting = setting;
	ex->threads = threads;
	ex->user = user;
	TAILQ_INSERT_TAIL(&e->execs, ex, entry);
	return ex->x;
}

/* The executor of a search's trials (engine_exec_get), or NULL with *cause. */
struct exec *
engine_exec(struct engine *e, const struct spec *sp, char **cause)
{
	return engine_exec_get(e, &sp->executor, sp->threads, sp->trainer.set, cause);
}

/* Record a search whose data set was checked, reply its id, and start it. */
static void
engine_submit_start(struct engine_submit *sub, const struct exec_dataset *ds)
{
	struct engine *e = sub->e;
	char *spec_json, *names_json = NULL, *cause = NULL, *msg;
	struct search *s;
	int64_t id;
	cJSON *ev;

	/* committed before the reply: a search id given out is never lost */
	spec_json = cJSON_PrintUnformatted(sub->spec.json);
	if (ds->class_names != NULL)
		names_json = cJSON_PrintUnformatted(ds->class_names);
	if (store_search_add(e->store, &id, sub->spec.name, spec_mode_name(sub->spec.mode),
	    spec_strategy_name(sub->spec.strategy), spec_json, names_json, sub->spec.trials,
	    sub->spec.parallel, &cause) != 0 || engine_commit(e, &cause) != 0) {
		msg = xasprintf("cannot record the search: %s", cause);
		sub->cb(sub->arg, 0, msg);
		free(msg);
		engine_store_error(e, "add search", cause);
		spec_free(&sub->spec);
		goto out;
	}
	s = search_create(e, id, &sub->spec, sub->x);	/* takes the spec */
	sub->cb(sub->arg, id, NULL);
	log_info("search %lld: submitted \"%s\": %d trials, %d at once", (long long)id,
	    s->spec.name, s->spec.trials, s->spec.parallel);
	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "name", s->spec.name);
	cJSON_AddStringToObject(ev, "mode", spec_mode_name(s->spec.mode));
	cJSON_AddStringToObject(ev, "strategy", spec_strategy_name(s->spec.strategy));
	cJSON_AddNumberToObject(ev, "trials", s->spec.trials);
	cJSON_AddNumberToObject(ev, "parallel", s->spec.parallel);
	search_objective(s, ev);
	if (ds->class_names != NULL)
		cJSON_AddItemToObject(ev, "class_names", cJSON_Duplicate(ds->class_names, 1));
	engine_publish(e, id, 0, EV_SEARCH_START, ev);
	search_begin(s);
	search_schedule(e);
out:
	free(spec_json);
	free(names_json);
}

/* Executor callback: the submit's data set, checked where the trainer runs, or why not. */
static void
engine_submit_checked(void *arg, const struct exec_dataset *ds, const char *error,
    enum exec_fault fault)
{
	struct engine_submit *sub = arg;
	struct engine *e = sub->e;
	char *msg = NULL, *cause = NULL, *here_cause = NULL;
	struct exec *x;

	if (fault == EXEC_FAULT_BUSY && !e->stopping) {
		/* the check would wait for the cluster: tunad's machine answers it instead */
		struct execspec here = { .kind = EXECSPEC_LOCAL };

		log_info("the cluster has no room for a submit's check now (%s): checked here",
		    error);
		if ((x = engine_exec_get(e, &here, 0, sub->spec.trainer.set, &here_cause)) !=
		    NULL) {
			exec_check(x, &sub->check, engine_submit_checked, sub);
			return;
		}
		error = here_cause;
		fault = EXEC_FAULT_NONE;
	}
	e->submits--;
	if (e->stopping)
		msg = xstrdup("the daemon is stopping");
	else if (error != NULL && fault == EXEC_FAULT_REFUSED)
		msg = xasprintf("executor: the cluster refused a slot: %s", error);
	else if (error != NULL)
		msg = xstrdup(error);	/* it names the part: "dataset: …", "checkpoints: …" */
	else if (!sub->spec.trainer.set &&
	    fit_check(&sub->spec, ds, engine_slot_memory(&sub->spec), &cause) != 0)
		msg = cause;
	else if (e->suspended != NULL)
		msg = suspend_refusal(e);
	if (msg != NULL) {
		sub->cb(sub->arg, 0, msg);
		free(msg);
		spec_free(&sub->spec);
	} else
		engine_submit_start(sub, ds);
	free(here_cause);
	free(sub);
}

/*
 * Submit a search (takes the spec, already parsed): its data set is checked by the executor,
 * then the search recorded and started; cb gets its id or the reason there is none — maybe
 * before this returns.
 */
void
engine_submit(struct engine *e, struct spec *spec, engine_submit_cb *cb, void *arg)
{
	struct engine_submit *sub;
	struct exec *x;
	char *msg;

	if (e->stopping || e->suspended != NULL) {
		msg = e->stopping ? xstrdup("the daemon is stopping") : suspend_refusal(e);
		cb(arg, 0, msg);
		free(msg);
		spec_free(spec);
		return;
	}
	sub = xcalloc(1, sizeof *sub);
	sub->e = e;
	sub->spec = *spec;
	memset(spec, 0, sizeof *spec);
	sub->cb = cb;
	sub->arg = arg;
	if ((x = engine_exec(e, &sub->spec, &msg)) == NULL) {
		cb(arg, 0, msg);
		free(msg);
		spec_free(&sub->spec);
		free(sub);
		return;
	}
	e->submits++;
	sub->x = x;
	sub->check.dataset = sub->spec.dataset;
	if (sub->spec.trainer.set)
		sub->check.trainer = cJSON_GetObjectItemCaseSensitive(sub->spec.json, "trainer");
	/* written by the workers (the trials' directories too), where they run */
	if (sub->spec.mode == SPEC_PANDA || sub->spec.trainer.set)
		sub->check.checkpoints = e->ckpt_dir;
	exec_check(x, &sub->check, engine_submit_checked, sub);
}

/* Cancel a running search: *running gets how many of its trials were killed. */
int
engine_cancel(struct engine *e, int64_t search_id, int *running, char **cause)
{
	struct search *s;

	if ((s = search_find(e, search_id)) == NULL)
		return xcause(cause, -ENOENT, "search %lld: not running", (long long)search_id);
	*running = search_cancel(s);
	return 0;
}

/*
 * Nudge a running trial (the nudge already checked: set, scale, rollback); *epoch gets the
 * epoch after which it lands.
 */
int
engine_nudge(struct engine *e, int64_t trial_id, const cJSON *nudge, int *epoch, char **cause)
{
	struct trial *t;
	int rc;

	if ((t = trial_find(e, trial_id)) == NULL)
		return xcause(cause, -ENOENT, "trial %lld: not running", (long long)trial_id);
	if ((rc = babysit_nudge(t, nudge, cause)) != 0)
		return rc;
	*epoch = t->last_epoch + 1;	/* the boundary after the epoch being trained now */
	return 0;
}

/* Whether a search is being run. */
bool
engine_running(struct engine *e, int64_t search_id)
{
	return search_find(e, search_id) != NULL;
}

/* The ids of the searches being run, at most max of them into ids; returns how many. */
int
engine_searches(struct engine *e, int64_t *ids, int max)
{
	struct search *s;
	int n = 0;

	TAILQ_FOREACH(s, &e->searches, entry) {
		if (n < max)
			ids[n] = s->id;
		n++;
	}
	return n;
}

/* Why the store cannot be written, or NULL when it can. */
const char *
engine_suspended(const struct engine *e)
{
	return e->suspended;
}

/* The refusal of a request that must write while suspended (caller frees). */
char *
engine_refusal(const struct engine *e)
{
	return suspend_refusal(e);
}

/* The id of the newest event recorded. */
int64_t
engine_last_event(const struct engine *e)
{
	return fanout_last(e->fanout);
}

/* The id of the newest event committed (and handed on). */
int64_t
engine_committed_event(const struct engine *e)
{
	return fanout_committed(e->fanout);
}

/* The id of the newest event nobody was waiting for (not held): watch_pump reads it later. */
int64_t
engine_unheld_event(const struct engine *e)
{
	return fanout_unheld(e->fanout);
}
