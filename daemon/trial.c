/*
 * trial.c: the life of a trial once its search has made it (trial.h): started on the
 * executor with its job; each report recorded and published (an epoch: its row in the store,
 * the epoch event) and babysat; its end — its last report, or the end of its process — turned
 * into a result for its search. The executor's callbacks arrive here. A trial's start
 * records the BLAS kernel its worker names, and logs it when it is not the one logged last
 * (a line per kernel, not per trial).
 * Layer: engine
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "babysit.h"
#include "log.h"
#include "protocol.h"
#include "search.h"
#include "trial.h"
#include "xmalloc.h"

/* A new trial of a search, not yet recorded or started. */
struct trial *
trial_new(struct search *s)
{
	struct trial *t = xcalloc(1, sizeof *t);

	t->search = s;
	t->best_val_acc = NAN;
	t->ckpt_epoch = -1;
	t->killed = TRIAL_RUNNING;
	return t;
}

/* Free a trial that is not running. */
void
trial_free(struct trial *t)
{
	cJSON_Delete(t->params);
	cJSON_Delete(t->nudges);
	free(t->ckpt);
	free(t->dir);
	free(t);
}

/* A trial's seed: derived from the search's seed and the trial number. */
static uint64_t
trial_seed(const struct trial *t)
{
	return (t->search->spec.seed * 1000003 + (uint64_t)t->number) % 9007199254740991ULL;
}

/*
 * Start a recorded trial on the executor. If it cannot start, it ends failed at once, with
 * the cause (the trial is then freed) and -1 is returned.
 */
int
trial_start(struct trial *t)
{
	struct search *s = t->search;
	struct engine *e = s->e;
	const struct spec *sp = &s->spec;
	struct exec_job job = { t->id, sp->dataset, t->params, sp->epochs, trial_seed(t),
	    sp->threads, sp->address_space_mb, sp->cpu_seconds, t->step, sp->trial_timeout,
	    search_estimate(s), NULL, s->id, t->dir, sp->objective };
	struct store_result r = { TRIAL_FAILED, NAN, NAN, NAN, NAN, NAN, NAN, 0, -1, 0, NULL };
	char *cause = NULL;

	if (sp->trainer.set)	/* as recorded: the normalized spec's */
		job.trainer = cJSON_GetObjectItemCaseSensitive(sp->json, "trainer");
	if (exec_start(s->exec, &job, t, &cause) != 0) {
		log_warn("search %lld: trial %d: %s", (long long)s->id, t->number, cause);
		r.error = cause;
		search_trial_end(t, &r);
		free(cause);
		return -1;
	}
	e->running++;
	e->running_local += s->spec.executor.kind == EXECSPEC_LOCAL;
	TAILQ_INSERT_TAIL(&e->trials, t, entry);
	return 0;
}

/* The running trial with this id, or NULL. */
struct trial *
trial_find(struct engine *e, int64_t id)
{
	struct trial *t;

	TAILQ_FOREACH(t, &e->trials, entry) {
		if (t->id == id)
			return t;
	}
	return NULL;
}

/* Kill a search's running trials; they end cancelled or interrupted (why). */
void
trial_kill_search(struct engine *e, struct search *s, enum trial_status why)
{
	struct trial *t, *t1;

	TAILQ_FOREACH_SAFE(t, &e->trials, entry, t1) {
		if (t->search != s)
			continue;
		t->killed = why;
		exec_kill(t->search->exec, t);
	}
}

/* Kill every running trial; they end as why says. */
void
trial_kill_all(struct engine *e, enum trial_status why)
{
	struct trial *t, *t1;

	TAILQ_FOREACH_SAFE(t, &e->trials, entry, t1) {
		t->killed = why;
		exec_kill(t->search->exec, t);
	}
}

/* An epoch ended: record its numbers, publish them, babysit. */
static void
trial_epoch(struct engine *e, struct trial *t, const struct wevent *ev)
{
	double v;
	cJSON *out;
	int i;

	t->epochs++;
	t->last_epoch = ev->epoch;
	v = wevent_metric(ev, "val_acc");
	if (!isnan(v) && !(v <= t->best_val_acc))
		t->best_val_acc = v;
	out = cJSON_CreateObject();
	if (ev->epoch >= 0)
		cJSON_AddNumberToObject(out, "epoch", ev->epoch);
	for (i = 0; i < ev->nmetrics; i++)
		cJSON_AddNumberToObject(out, ev->metrics[i].name, ev->metrics[i].value);
	cJSON_AddNumberToObject(out, "number", t->number);
	engine_publish_report(e, t->search->id, t->id, ev->epoch, t->params, ev->metrics,
	    ev->nmetrics, out);
	babysit_epoch(t, ev);
}

/* Log the BLAS kernel a trial runs on, unless it is the one logged last. */
static void
trial_kernel_log(struct engine *e, const struct trial *t, const char *core, const char *why)
{
	if (e->kernel_core != NULL && strcmp(e->kernel_core, core) == 0 &&
	    strcmp(e->kernel_why, why) == 0)
		return;
	log_info("search %lld: trial %d: BLAS kernel %s%s%s", (long long)t->search->id,
	    t->number, core, *why != '\0' ? ": " : "", why);
	free(e->kernel_core);
	free(e->kernel_why);
	e->kernel_core = xstrdup(core);
	e->kernel_why = xstrdup(why);
}

/* The trial started: the BLAS kernel it names recorded and logged; babysitting begins. */
static void
trial_started(struct engine *e, struct trial *t, const struct wevent *ev)
{
	const char *why = ev->blas_why != NULL ? ev->blas_why : "";
	char *cause = NULL;

	if (ev->blas_core != NULL) {
		if (store_trial_kernel(e->store, t->id, ev->blas_core, why, &cause) != 0)
			engine_store_error(e, "record kernel", cause);
		trial_kernel_log(e, t, ev->blas_core, why);
	}
	if (t->queued)	/* no word from the launcher, but the worker runs */
		trial_state(e, t, EXEC_RUNNING, NULL);
	babysit_start(t);
}

/* Executor callback: a report of a running trial. */
void
trial_report(void *arg, void *trial, const struct wevent *ev)
{
	struct trial *t = trial;

	switch (ev->kind) {
	case WEVENT_START:
		trial_started(arg, t, ev);
		break;
	case WEVENT_EPOCH:
		trial_epoch(arg, t, ev);
		break;
	case WEVENT_DIVERGED:	/* not its end: the babysitter may roll it back */
		babysit_diverged(t, ev);
		break;
	default:
		break;
	}
}

/*
 * Executor callback: the trial waits for the cluster (queued, Slurm's reason) or now runs. Its
 * row says so, and the watchers see it (a trial_queued event; a trial_start follows).
 */
void
trial_state(void *arg, void *trial, enum exec_state st, const char *reason)
{
	struct engine *e = arg;
	struct trial *t = trial;
	char *cause = NULL;
	cJSON *ev;

	if (st == EXEC_RUNNING ? !t->queued : t->queued && reason == NULL)
		return;
	if ((st == EXEC_QUEUED) != t->queued) {	/* else Slurm's reason for the wait */
		t->queued = st == EXEC_QUEUED;
		if (store_trial_state(e->store, t->id, t->queued ? TRIAL_QUEUED : TRIAL_RUNNING,
		    &cause) != 0)
			engine_store_error(e, "trial state", cause);
	}
	ev = cJSON_CreateObject();
	cJSON_AddNumberToObject(ev, "number", t->number);
	cJSON_AddStringToObject(ev, "status", trial_status_name(t->queued ? TRIAL_QUEUED :
	    TRIAL_RUNNING));
	if (reason != NULL)
		cJSON_AddStringToObject(ev, "reason", reason);
	engine_publish(e, t->search->id, t->id, EV_TRIAL_STATE, ev);
}

/* A trial's result from its last report: done, pruned, diverged or failed. */
static void
trial_reported(const struct trial *t, const struct wevent *ev, struct store_result *r)
{
	if (ev->kind == WEVENT_DIVERGED ||
	    (ev->kind == WEVENT_DONE && ev->reason != NULL && strcmp(ev->reason, "diverged") == 0))
		r->status = TRIAL_DIVERGED;
	else if (ev->kind == WEVENT_ERROR)
		r->status = TRIAL_FAILED;
	else
		r->status = t->pruned ? TRIAL_PRUNED : TRIAL_DONE;
	r->val_acc = wevent_metric(ev, "val_acc");
	r->val_loss = wevent_metric(ev, "val_loss");
	r->best_val_acc = ev->kind == WEVENT_DONE ? wevent_metric(ev, "best_val_acc") :
	    t->best_val_acc;
	r->test_acc = wevent_metric(ev, "test_acc");
	r->test_loss = wevent_metric(ev, "test_loss");
	r->seconds = wevent_metric(ev, "seconds");
	r->epochs = ev->epochs >= 0 ? ev->epochs : t->epochs;
	r->error = r->status == TRIAL_DIVERGED ? "the loss became NaN or infinite" : ev->error;
}

/* Executor callback: the trial is over. Record its result; schedule what comes next. */
void
trial_end(void *arg, void *trial, const struct exec_end *end)
{
	struct store_result r = { TRIAL_FAILED, NAN, NAN, NAN, NAN, NAN, NAN, 0, -1, 0, NULL };
	struct engine *e = arg;
	struct trial *t = trial;

	e->running--;
	e->running_local -= t->search->spec.executor.kind == EXECSPEC_LOCAL;
	TAILQ_REMOVE(&e->trials, t, entry);
	t->fault = end->fault;
	r.exit_status = end->exit_status;
	r.signal = end->signal;
	if (end->report != NULL)
		trial_reported(t, end->report, &r);
	else {
		r.epochs = t->epochs;
		r.best_val_acc = t->best_val_acc;
		if (t->killed != TRIAL_RUNNING)
			r.status = t->killed;	/* cancelled, interrupted */
		else {
			r.error = end->error;
			log_warn("search %lld: trial %d: %s", (long long)t->search->id, t->number,
			    end->error != NULL ? end->error : "failed");
		}
	}
	search_trial_end(t, &r);
	search_schedule(e);
}
