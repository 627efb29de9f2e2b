/*
 * search.c: the searches being run and the scheduler that hands their trials to the executor.
 * A search samples its trials in rounds (one for random search): a round ends when its last
 * trial does, and coarse-to-fine then zooms its box onto the round's best trials. A search is
 * finished when every one of its trials is in a terminal state.
 * Layer: engine
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "protocol.h"
#include "search.h"
#include "trial.h"
#include "xmalloc.h"

/* Trials in round r (from 1): an equal share, the first rounds taking the remainder. */
static int
search_round_size(const struct search *s, int r)
{
	int rounds = s->spec.rounds > 0 ? s->spec.rounds : 1;

	return s->spec.trials / rounds + (r <= s->spec.trials % rounds ? 1 : 0);
}

/* Record and announce the current round and its box. */
static void
search_round_event(struct search *s)
{
	char *desc = box_describe(&s->spec, &s->box), *cause = NULL;
	cJSON *box = box_to_json(&s->spec, &s->box), *ev;

	if (store_search_round_add(s->e->store, s->id, s->round, search_round_size(s, s->round), box,
	    desc, &cause) != 0)
		engine_store_error(s->e, "add round", cause);
	ev = cJSON_CreateObject();
	cJSON_AddNumberToObject(ev, "round", s->round);
	cJSON_AddNumberToObject(ev, "trials", search_round_size(s, s->round));
	cJSON_AddItemToObject(ev, "box", box);
	cJSON_AddStringToObject(ev, "description", desc);
	engine_publish(s->e, s->id, 0, EV_ROUND, ev);
	log_info("search %lld: round %d: %s", (long long)s->id, s->round, desc);
	free(desc);
}

/* Start tracking a search (takes over the spec). */
struct search *
search_create(struct engine *e, int64_t id, struct spec *spec, struct exec *x)
{
	struct search *s = xcalloc(1, sizeof *s);

	s->e = e;
	s->exec = x;
	s->id = id;
	s->spec = *spec;
	memset(spec, 0, sizeof *spec);
	s->best = NAN;
	s->round = 1;
	s->round_end = search_round_size(s, 1);
	box_initial(&s->box, &s->spec);
	if (s->spec.asha)
		asha_init(&s->asha, s->spec.rungs, s->spec.nrungs, s->spec.eta);
	if (s->spec.mode == SPEC_PANDA || s->spec.trainer.set)
		s->ckpt_dir = xasprintf("%s/search-%lld", e->ckpt_dir, (long long)id);
	TAILQ_INSERT_TAIL(&e->searches, s, entry);
	return s;
}

/* The first round's record and event of a new search. */
void
search_begin(struct search *s)
{
	if (s->spec.strategy == SPEC_COARSE_TO_FINE)
		search_round_event(s);
}

/* The running search with this id, or NULL. */
struct search *
search_find(struct engine *e, int64_t id)
{
	struct search *s;

	TAILQ_FOREACH(s, &e->searches, entry) {
		if (s->id == id)
			return s;
	}
	return NULL;
}

static void search_clear_redo(struct search *s);

/* Forget the scored trials of the round. */
static void
search_clear_scored(struct search *s)
{
	int i;

	for (i = 0; i < s->nscored; i++)
		cJSON_Delete(s->scored[i].params);
	s->nscored = 0;
}

/* Forget a search. */
void
search_free(struct search *s)
{
	TAILQ_REMOVE(&s->e->searches, s, entry);
	search_clear_scored(s);
	free(s->scored);
	box_free(&s->box);
	if (s->spec.asha)
		asha_free(&s->asha);
	spec_free(&s->spec);
	search_clear_redo(s);
	free(s->redo);
	free(s->ckpt_dir);
	free(s->error);
	free(s);
}

/* Whether the search has a trial to start now. */
static bool
search_has_work(const struct search *s)
{
	return !s->cancelled && s->running < s->spec.parallel &&
	    (s->nredo > 0 || s->next < s->round_end);
}

/*
 * The seconds a trial of the search is expected to take, for a slot that must not start one
 * its time limit cannot hold: its longest finished trial so far, with a quarter more; 0 before
 * any.
 */
int
search_estimate(const struct search *s)
{
	return s->longest > 0 ? (int)ceil(1.25 * s->longest) : 0;
}

/* Queue a trial to run again, with the same hyperparameters. */
static void
search_add_redo(struct search *s, int number, int64_t id, int round, int resume_epoch,
    const cJSON *params)
{
	s->redo = xreallocarray(s->redo, (size_t)s->nredo + 1, sizeof *s->redo);
	s->redo[s->nredo].number = number;
	s->redo[s->nredo].id = id;
	s->redo[s->nredo].round = round;
	s->redo[s->nredo].resume_epoch = resume_epoch;
	s->redo[s->nredo].alpha = NAN;
	s->redo[s->nredo].val_loss = NAN;
	s->redo[s->nredo].retries = 0;
	s->redo[s->nredo].cluster_retries = 0;
	s->redo[s->nredo].params = cJSON_IsObject(params) ? cJSON_Duplicate(params, 1) : NULL;
	s->nredo++;
}

/* Drop the trials waiting to run again. */
static void
search_clear_redo(struct search *s)
{
	while (s->nredo > 0)
		cJSON_Delete(s->redo[--s->nredo].params);
}

/* A trial's starting α (panda): its sampled α, or the default. */
static double
search_alpha(const cJSON *params)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(params, "alpha");
	struct hparams h;

	hparams_defaults(&h);
	return cJSON_IsNumber(a) ? a->valuedouble : h.alpha;
}

/* Make the next trial of a search (a re-run first, else a new number) and record it. */
static struct trial *
search_next_trial(struct search *s)
{
	struct trial *t = trial_new(s);
	struct redo redo = { -1, 0, 0, 0, NAN, NAN, 0, 0, NULL };
	char *cause = NULL;
	cJSON *ev, *kept;
	int rc;

	if (s->nredo > 0)
		redo = s->redo[--s->nredo];
	t->number = redo.number >= 0 ? redo.number : s->next++;
	t->retries = redo.retries;
	t->cluster_retries = redo.cluster_retries;
	t->round = redo.number >= 0 && redo.round > 0 ? redo.round : s->round;
	if (redo.params != NULL)
		t->params = redo.params;	/* a re-run keeps its hyperparameters */
	else
		t->params = box_sample(&s->spec, &s->box, (uint64_t)t->number);
	/* it waits at each epoch boundary: a user's trainer only when it takes commands */
	t->step = (s->spec.mode == SPEC_PANDA || s->spec.asha) &&
	    (!s->spec.trainer.set || s->spec.trainer.control);
	t->alpha = search_alpha(t->params);
	if (s->spec.trainer.set)	/* made by tuna-exec, where the trainer runs */
		t->dir = xasprintf("%s/trial-%d", s->ckpt_dir, t->number);
	if (s->spec.mode == SPEC_PANDA) {
		panda_start(&t->panda, t->alpha);
		/* the worker writes it, where it runs, making its directory */
		if (t->dir != NULL)
			t->ckpt = xasprintf("%s/panda.ckpt", t->dir);
		else
			t->ckpt = xasprintf("%s/trial-%d.ckpt", s->ckpt_dir, t->number);
	}
	if (redo.resume_epoch > 0 && redo.id > 0) {
		t->id = redo.id;
		t->resume_epoch = redo.resume_epoch;
		t->last_epoch = redo.resume_epoch;
		if (!isnan(redo.alpha))
			t->alpha = t->panda.alpha = redo.alpha;	/* the policy goes on */
		t->panda.best_val_loss = redo.val_loss;
		t->panda.checkpoint_epoch = redo.resume_epoch;
		rc = store_trial_continue(s->e->store, t->id, redo.resume_epoch, &cause);
	} else
		rc = store_trial_add(s->e->store, &t->id, s->id, t->number, t->round, t->params,
		    &cause);
	if (rc != 0) {
		engine_store_error(s->e, "add trial", cause);
		if (redo.number >= 0) {
			s->nredo++;	/* it keeps its params */
			t->params = NULL;
		} else
			s->next--;
		trial_free(t);
		return NULL;
	}
	s->running++;
	ev = cJSON_CreateObject();
	cJSON_AddNumberToObject(ev, "number", t->number);
	cJSON_AddNumberToObject(ev, "round", t->round);
	cJSON_AddItemToObject(ev, "params", cJSON_Duplicate(t->params, 1));
	kept = NULL;	/* number, round and params are the trial's row: kept thin */
	if (t->resume_epoch > 0) {
		cJSON_AddNumberToObject(ev, "resume_epoch", t->resume_epoch);
		kept = cJSON_CreateObject();
		cJSON_AddNumberToObject(kept, "resume_epoch", t->resume_epoch);
	}
	engine_publish_kept(s->e, s->id, t->id, EV_TRIAL_START, ev, kept);
	return t;
}

/* Add the search's objective to an event: "objective": {"metric", "goal"}. */
void
search_objective(const struct search *s, cJSON *ev)
{
	cJSON *o = cJSON_AddObjectToObject(ev, "objective");

	cJSON_AddStringToObject(o, "metric", s->spec.objective);
	cJSON_AddStringToObject(o, "goal", s->spec.minimize ? "min" : "max");
}

/* Record the end of a search: its status and the search_end event. */
static void
search_end(struct search *s)
{
	enum search_status status = s->error != NULL ? SEARCH_FAILED : s->cancelled ?
	    SEARCH_CANCELLED : SEARCH_DONE;
	char *cause = NULL;
	cJSON *ev;

	if (store_search_status(s->e->store, s->id, status, &cause) != 0)
		engine_store_error(s->e, "search status", cause);
	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "status", search_status_name(status));
	search_objective(s, ev);
	if (s->best_trial > 0) {
		cJSON_AddNumberToObject(ev, "best", s->best);
		cJSON_AddNumberToObject(ev, "best_trial", (double)s->best_trial);
	}
	cJSON_AddNumberToObject(ev, "done", s->done);
	cJSON_AddNumberToObject(ev, "total", s->spec.trials);
	if (s->error != NULL)
		cJSON_AddStringToObject(ev, "error", s->error);
	engine_publish(s->e, s->id, 0, EV_SEARCH_END, ev);
	log_info("search %lld: %s, %d of %d trials completed, best %s %.4g (trial %lld)",
	    (long long)s->id, search_status_name(status), s->done, s->spec.trials,
	    s->spec.objective, s->best, (long long)s->best_trial);
	search_free(s);
}

/* Order scored trials best first. */
static int
search_cmp_scored(const void *a, const void *b)
{
	const struct scored *x = a, *y = b;

	return (x->score < y->score) - (x->score > y->score);
}

/*
 * Keep a completed trial of the round among its best (coarse to fine only): at most top_k
 * of them, best first, so the memory a round holds stays small however many trials it has.
 */
static void
search_score(struct search *s, double score, const cJSON *params)
{
	int cap = s->spec.top_k > 0 ? s->spec.top_k : 1;

	if (s->spec.strategy != SPEC_COARSE_TO_FINE || isnan(score))
		return;
	if (s->nscored == cap) {
		if (!(score > s->scored[cap - 1].score))
			return;
		cJSON_Delete(s->scored[--s->nscored].params);
	}
	s->scored = xreallocarray(s->scored, (size_t)s->nscored + 1, sizeof *s->scored);
	s->scored[s->nscored].score = score;
	s->scored[s->nscored].params = cJSON_Duplicate(params, 1);
	s->nscored++;
	qsort(s->scored, (size_t)s->nscored, sizeof *s->scored, search_cmp_scored);
}

/* The round is over: zoom the box onto its best trials and start the next round. */
static void
search_next_round(struct search *s)
{
	struct box next;
	cJSON *best[1000];
	char *cause = NULL;
	int k, i;

	if (s->nscored == 0) {
		log_warn("search %lld: round %d: no trial completed; the box stays", (long long)s->id,
		    s->round);
	} else {
		qsort(s->scored, (size_t)s->nscored, sizeof *s->scored, search_cmp_scored);
		k = s->nscored < s->spec.top_k ? s->nscored : s->spec.top_k;
		k = k < 1000 ? k : 1000;
		for (i = 0; i < k; i++)
			best[i] = s->scored[i].params;
		if (box_zoom(&next, &s->box, &s->spec, best, k, s->spec.zoom, &cause) != 0) {
			log_warn("search %lld: round %d: cannot zoom: %s", (long long)s->id,
			    s->round, cause);
			free(cause);
		} else {
			box_free(&s->box);
			s->box = next;
		}
	}
	search_clear_scored(s);
	s->round++;
	s->round_end += search_round_size(s, s->round);
	search_round_event(s);
}

/* An objective's value as a score, higher is better (NaN stays NaN). */
static double
search_oriented(const struct search *s, double value)
{
	return s->spec.minimize ? -value : value;
}

/* Whether an objective value beats the search's best so far. */
static bool
search_better(const struct search *s, double value)
{
	return !isnan(value) && (isnan(s->best) ||
	    search_oriented(s, value) > search_oriented(s, s->best));
}

/*
 * A trial reached a terminal state: record it — with its objective, which the store finds —
 * and announce it; then the next round, or the end of the search.
 */
void
search_trial_end(struct trial *t, const struct store_result *r)
{
	struct search *s = t->search;
	struct store_objective o = { s->spec.objective, s->spec.minimize };
	double objective = NAN;
	bool again = false;
	char *cause = NULL;
	cJSON *ev;

	if (store_trial_finish(s->e->store, s->id, t->id, r, &o, &objective, &cause) != 0)
		engine_store_error(s->e, "finish trial", cause);
	s->running--;
	if (r->status == TRIAL_DONE && r->seconds > s->longest)
		s->longest = r->seconds;
	if (t->fault == EXEC_FAULT_REFUSED && !s->cancelled)
		search_fail(s, r->error);
	if (r->status == TRIAL_FAILED && t->fault == EXEC_FAULT_CLUSTER &&
	    t->cluster_retries < SEARCH_MAX_CLUSTER_RETRIES && !s->cancelled && !s->e->stopping) {
		again = true;
		/* the cluster's doing: run it again, not counted against max_retries */
		search_add_redo(s, t->number, t->id, t->round, 0, t->params);
		s->redo[s->nredo - 1].retries = t->retries;
		s->redo[s->nredo - 1].cluster_retries = t->cluster_retries + 1;
		ev = cJSON_CreateObject();
		cJSON_AddNumberToObject(ev, "number", t->number);
		cJSON_AddNumberToObject(ev, "retry", t->retries);
		cJSON_AddNumberToObject(ev, "max_retries", s->spec.max_retries);
		cJSON_AddNumberToObject(ev, "cluster_retry", t->cluster_retries + 1);
		cJSON_AddNumberToObject(ev, "max_cluster_retries", SEARCH_MAX_CLUSTER_RETRIES);
		if (r->error != NULL)
			cJSON_AddStringToObject(ev, "error", r->error);
		engine_publish(s->e, s->id, t->id, EV_RETRY, ev);
		log_info("search %lld: trial %d ended by the cluster (%s): run %d of %d again",
		    (long long)s->id, t->number, r->error ? r->error : "?", t->cluster_retries + 1,
		    SEARCH_MAX_CLUSTER_RETRIES);
	} else if (r->status == TRIAL_FAILED && t->retries < s->spec.max_retries &&
	    !s->cancelled && !s->e->stopping) {
		again = true;
		/* run it again, same number and hyperparameters, on a fresh worker */
		search_add_redo(s, t->number, t->id, t->round, 0, t->params);
		s->redo[s->nredo - 1].retries = t->retries + 1;
		ev = cJSON_CreateObject();
		cJSON_AddNumberToObject(ev, "number", t->number);
		cJSON_AddNumberToObject(ev, "retry", t->retries + 1);
		cJSON_AddNumberToObject(ev, "max_retries", s->spec.max_retries);
		if (r->error != NULL)
			cJSON_AddStringToObject(ev, "error", r->error);
		engine_publish(s->e, s->id, t->id, EV_RETRY, ev);
		log_info("search %lld: trial %d failed (%s): retry %d of %d", (long long)s->id,
		    t->number, r->error ? r->error : "?", t->retries + 1, s->spec.max_retries);
	} else if (r->status == TRIAL_INTERRUPTED) {
		/* run it again (panda: from its last checkpoint) when the daemon runs again */
		again = true;
		search_add_redo(s, t->number, t->id, t->round, t->ckpt_epoch > 0 ?
		    t->ckpt_epoch : 0, t->params);
		s->redo[s->nredo - 1].alpha = t->panda.alpha;
		s->redo[s->nredo - 1].val_loss = t->panda.best_val_loss;
	} else
		s->finished++;
	if (r->status == TRIAL_DONE) {
		s->done++;
		if (search_better(s, objective)) {
			s->best = objective;
			s->best_trial = t->id;
		}
	}
	if ((r->status == TRIAL_DONE || r->status == TRIAL_PRUNED) && t->round == s->round)
		search_score(s, search_oriented(s, objective), t->params);
	ev = cJSON_CreateObject();
	cJSON_AddNumberToObject(ev, "number", t->number);
	cJSON_AddNumberToObject(ev, "round", t->round);
	cJSON_AddStringToObject(ev, "status", trial_status_name(r->status));
	cJSON_AddNumberToObject(ev, "val_acc", r->val_acc);
	cJSON_AddNumberToObject(ev, "best_val_acc", r->best_val_acc);
	cJSON_AddNumberToObject(ev, "test_acc", r->test_acc);
	cJSON_AddNumberToObject(ev, "epochs", r->epochs);
	cJSON_AddNumberToObject(ev, "seconds", r->seconds);
	cJSON_AddNumberToObject(ev, "objective", objective);
	if (r->error != NULL)
		cJSON_AddStringToObject(ev, "error", r->error);
	/* a final end is the trial's row: kept thin; one it comes back from is kept whole */
	engine_publish_kept(s->e, s->id, t->id, EV_TRIAL_END, ev, again ? ev : NULL);
	trial_free(t);
	if (s->e->stopping || s->running > 0 || s->nredo > 0)
		return;
	if (s->cancelled || s->finished >= s->spec.trials)
		search_end(s);
	else if (s->next >= s->round_end)
		search_next_round(s);
}

/*
 * A search none of whose trials can run (the cluster refused its slot, with error): it stops,
 * like a cancel, and ends failed with the cause.
 */
void
search_fail(struct search *s, const char *error)
{
	if (s->error != NULL)
		return;
	s->error = xstrdup(error != NULL ? error : "no trial could run");
	log_warn("search %lld: failed: %s", (long long)s->id, s->error);
	s->cancelled = true;
	search_clear_redo(s);
	if (s->running > 0)
		trial_kill_search(s->e, s, TRIAL_CANCELLED);
}

/* Cancel a search: no new trials; kill the running ones. Returns how many were running. */
int
search_cancel(struct search *s)
{
	int n = s->running;

	s->cancelled = true;
	search_clear_redo(s);
	log_info("search %lld: cancelled with %d trials running", (long long)s->id, n);
	if (n == 0)
		search_end(s);
	else
		trial_kill_search(s->e, s, TRIAL_CANCELLED);
	return n;
}

/*
 * Where a panda trial left off, from its events: the epoch of its last checkpoint (0: none),
 * the α the policy chose at that epoch, and that epoch's validation loss.
 */
static void
search_resume_point(struct engine *e, int64_t search_id, struct redo *r)
{
	char *cause = NULL;
	cJSON *evs, *ev;
	const char *kind;
	int64_t after = 0;
	double seen_loss = NAN, seen_alpha = NAN;
	int epoch, seen_epoch = -1;

	r->resume_epoch = 0;
	r->alpha = NAN;
	r->val_loss = NAN;
	for (;;) {
		if ((evs = store_event_history(e->store, search_id, after, 5000, &cause)) == NULL) {
			free(cause);
			return;
		}
		if (cJSON_GetArraySize(evs) == 0) {
			cJSON_Delete(evs);
			return;
		}
		cJSON_ArrayForEach(ev, evs) {
			after = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(ev,
			    "id"));
			if ((int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(ev,
			    "trial")) != r->id)
				continue;
			kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "event"));
			epoch = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(ev,
			    "epoch"));
			if (kind == NULL)
				continue;
			/* an epoch's events come in order: epoch, decision, checkpoint */
			if (strcmp(kind, EV_EPOCH) == 0) {
				seen_epoch = epoch;
				seen_loss = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(ev,
				    "val_loss"));
			} else if (strcmp(kind, EV_DECISION) == 0 && epoch == seen_epoch)
				seen_alpha = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(ev,
				    "alpha"));
			else if (strcmp(kind, EV_CHECKPOINT) == 0) {
				r->resume_epoch = epoch;
				r->alpha = epoch == seen_epoch ? seen_alpha : NAN;
				r->val_loss = epoch == seen_epoch ? seen_loss : NAN;
			}
		}
		cJSON_Delete(evs);
	}
}

/* Resume a search's rounds: its last round's box, and that round's completed trials. */
static int
search_resume_rounds(struct search *s, const cJSON *trials, char **cause)
{
	const cJSON *rounds, *last, *t;
	const char *status;
	int r, rc = 0;

	if ((rounds = store_search_rounds(s->e->store, s->id, cause)) == NULL)
		return -EIO;
	last = cJSON_GetArrayItem(rounds, cJSON_GetArraySize(rounds) - 1);
	if (last != NULL) {
		box_free(&s->box);
		if ((rc = box_from_json(&s->box, &s->spec,
		    cJSON_GetObjectItemCaseSensitive(last, "box"), cause)) != 0)
			goto out;
		s->round = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(last,
		    "round"));
		for (s->round_end = 0, r = 1; r <= s->round; r++)
			s->round_end += search_round_size(s, r);
	}
	cJSON_ArrayForEach(t, trials) {
		status = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "status"));
		if ((trial_status_parse(status) != TRIAL_DONE &&
		    trial_status_parse(status) != TRIAL_PRUNED) ||
		    (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(t, "round")) != s->round)
			continue;
		search_score(s, search_oriented(s, cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(t, "objective"))),
		    cJSON_GetObjectItemCaseSensitive(t, "params"));
	}
out:
	cJSON_Delete((cJSON *)rounds);
	return rc;
}

/* Resume ASHA: the objective's values every rung has recorded so far, as scores. */
static void
search_resume_asha(struct search *s)
{
	double *vals, cutoff;
	char *cause = NULL;
	int r, i, n;

	for (r = 0; r < s->asha.nrungs; r++) {
		if (store_report_rung(s->e->store, s->id, s->asha.rung[r], s->spec.objective,
		    &vals, &n, &cause) != 0) {
			engine_store_error(s->e, "read rung values", cause);
			cause = NULL;
			continue;
		}
		for (i = 0; i < n; i++)
			asha_report(&s->asha, s->asha.rung[r], search_oriented(s, vals[i]),
			    &cutoff);
		free(vals);
	}
}

/* Pick up a search a previous daemon left running: its spec, and which trials remain. */
int
search_resume(struct engine *e, int64_t id, char **cause)
{
	struct search *s;
	struct spec spec;
	struct exec *x;
	const cJSON *trials, *t, *v;
	cJSON *row;
	int rc, number, round, status;
	int64_t tid;

	if ((row = store_search_get(e->store, id, cause)) == NULL)
		return -EIO;
	if ((rc = spec_parse(&spec, cJSON_GetObjectItemCaseSensitive(row, "spec"),
	    e->max_workers, cause)) != 0)
		goto fail;
	if ((x = engine_exec(e, &spec, cause)) == NULL) {
		spec_free(&spec);
		rc = -ENOEXEC;
		goto fail;
	}
	s = search_create(e, id, &spec, x);
	trials = cJSON_GetObjectItemCaseSensitive(row, "trials");
	if (s->spec.strategy == SPEC_COARSE_TO_FINE &&
	    (rc = search_resume_rounds(s, trials, cause)) != 0) {
		search_free(s);
		goto fail;
	}
	if (s->spec.asha)
		search_resume_asha(s);
	cJSON_ArrayForEach(t, trials) {
		number = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(t, "number"));
		round = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(t, "round"));
		tid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(t, "id"));
		status = trial_status_parse(cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(t, "status")));
		if (number + 1 > s->next)
			s->next = number + 1;
		if (status < 0 || !trial_status_final((enum trial_status)status)) {
			search_add_redo(s, number, tid, round, 0,
			    cJSON_GetObjectItemCaseSensitive(t, "params"));
			if (s->spec.mode == SPEC_PANDA)
				search_resume_point(e, id, &s->redo[s->nredo - 1]);
			continue;
		}
		s->finished++;
		if (status == TRIAL_DONE) {
			s->done++;
			v = cJSON_GetObjectItemCaseSensitive(t, "objective");
			if (cJSON_IsNumber(v) && search_better(s, v->valuedouble)) {
				s->best = v->valuedouble;
				s->best_trial = tid;
			}
		}
	}
	if (s->next < s->round_end - search_round_size(s, s->round))
		s->next = s->round_end - search_round_size(s, s->round);
	log_info("search %lld: resumed: %d trials finished, %d to run again, %d not started",
	    (long long)id, s->finished, s->nredo, s->spec.trials - s->next);
	if (s->finished >= s->spec.trials && s->nredo == 0)
		search_end(s);
	else if (s->nredo == 0 && s->running == 0 && s->next >= s->round_end)
		search_next_round(s);
fail:
	cJSON_Delete(row);
	return rc;
}

static void search_schedule_cb(uv_timer_t *timer);

/* Hand trials to the executor while there is room: round robin over the searches. */
void
search_schedule(struct engine *e)
{
	struct search *s, *s1;
	struct trial *t;
	bool progress = true;

	while (!e->stopping && e->suspended == NULL && progress) {
		progress = false;
		TAILQ_FOREACH_SAFE(s, &e->searches, entry, s1) {
			/* local slots are capped by --workers; a cluster's by the spec's parallel */
			if ((s->spec.executor.kind == EXECSPEC_LOCAL &&
			    e->running_local >= e->max_workers) || !search_has_work(s))
				continue;
			if ((t = search_next_trial(s)) == NULL)
				continue;
			if (trial_start(t) != 0) {
				/*
				 * The next trial may fail the same way: try it at the next turn of
				 * the loop, so that a search whose worker is gone still ends, trial
				 * by trial, without holding up the clients.
				 */
				uv_timer_start(&e->schedule_timer, search_schedule_cb, 0, 0);
				return;
			}
			progress = true;
		}
	}
}

/* Timer: scheduling goes on after a trial could not be started. */
static void
search_schedule_cb(uv_timer_t *timer)
{
	search_schedule(timer->data);
}
