/*
 * search.c: the searches being run and the scheduler that hands their trials to workers.
 * A search is finished when every one of its trials is in a terminal state.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "protocol.h"
#include "sample.h"
#include "tunad.h"
#include "xmalloc.h"

/* Start tracking a search (takes over the spec). */
struct search *
search_create(int64_t id, struct spec *spec)
{
	struct search *s = xcalloc(1, sizeof *s);

	s->id = id;
	s->spec = *spec;
	memset(spec, 0, sizeof *spec);
	s->best_val_acc = NAN;
	TAILQ_INSERT_TAIL(&tunad.searches, s, entry);
	return s;
}

/* The running search with this id, or NULL. */
struct search *
search_find(int64_t id)
{
	struct search *s;

	TAILQ_FOREACH(s, &tunad.searches, entry) {
		if (s->id == id)
			return s;
	}
	return NULL;
}

/* Forget a search. */
void
search_free(struct search *s)
{
	TAILQ_REMOVE(&tunad.searches, s, entry);
	spec_free(&s->spec);
	free(s->redo);
	free(s);
}

/* Whether the search has a trial to start now. */
bool
search_has_work(const struct search *s)
{
	return !s->cancelled && s->running < s->spec.parallel &&
	    (s->nredo > 0 || s->next < s->spec.trials);
}

/* Make the next trial of a search (a re-run first, else a new number) and record it. */
struct trial *
search_next_trial(struct search *s)
{
	struct trial *t = xcalloc(1, sizeof *t);
	char *cause = NULL;
	cJSON *ev;

	t->search = s;
	t->round = 1;
	t->best_val_acc = NAN;
	t->number = s->nredo > 0 ? s->redo[--s->nredo] : s->next++;
	t->params = sample_trial(&s->spec, (uint64_t)t->number);
	if (store_trial_add(tunad.store, &t->id, s->id, t->number, t->round, t->params,
	    &cause) != 0) {
		tunad_store_error("add trial", cause);
		cJSON_Delete(t->params);
		free(t);
		s->next--;
		return NULL;
	}
	s->running++;
	ev = cJSON_CreateObject();
	cJSON_AddNumberToObject(ev, "number", t->number);
	cJSON_AddNumberToObject(ev, "round", t->round);
	cJSON_AddItemToObject(ev, "params", cJSON_Duplicate(t->params, 1));
	watch_publish(s->id, t->id, EV_TRIAL_START, ev);
	return t;
}

/* Record the end of a search: its status and the search_end event. */
static void
search_end(struct search *s)
{
	const char *status = s->cancelled ? "cancelled" : "done";
	char *cause = NULL;
	cJSON *ev;

	if (store_search_status(tunad.store, s->id, status, &cause) != 0)
		tunad_store_error("search status", cause);
	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "status", status);
	if (s->best_trial > 0) {
		cJSON_AddNumberToObject(ev, "best_trial", (double)s->best_trial);
		cJSON_AddNumberToObject(ev, "best_val_acc", s->best_val_acc);
	}
	cJSON_AddNumberToObject(ev, "done", s->done);
	cJSON_AddNumberToObject(ev, "total", s->spec.trials);
	watch_publish(s->id, 0, EV_SEARCH_END, ev);
	log_info("search %lld: %s, %d of %d trials completed, best val_acc %.4f (trial %lld)",
	    (long long)s->id, status, s->done, s->spec.trials, s->best_val_acc,
	    (long long)s->best_trial);
	search_free(s);
}

/* A trial reached a terminal state: record it, and end the search if it was the last. */
void
search_trial_end(struct trial *t, const struct store_result *r)
{
	struct search *s = t->search;
	char *cause = NULL;
	cJSON *ev;

	if (store_trial_finish(tunad.store, t->id, r, &cause) != 0)
		tunad_store_error("finish trial", cause);
	s->running--;
	if (strcmp(r->status, "interrupted") == 0) {
		/* run it again when the daemon runs again (or now, if it is not stopping) */
		s->redo = xreallocarray(s->redo, (size_t)s->nredo + 1, sizeof *s->redo);
		s->redo[s->nredo++] = t->number;
	} else
		s->finished++;
	if (strcmp(r->status, "done") == 0) {
		s->done++;
		if (!isnan(r->val_acc) && !(r->val_acc <= s->best_val_acc)) {
			s->best_val_acc = r->val_acc;
			s->best_trial = t->id;
		}
	}
	ev = cJSON_CreateObject();
	cJSON_AddNumberToObject(ev, "number", t->number);
	cJSON_AddStringToObject(ev, "status", r->status);
	cJSON_AddNumberToObject(ev, "val_acc", r->val_acc);
	cJSON_AddNumberToObject(ev, "best_val_acc", r->best_val_acc);
	cJSON_AddNumberToObject(ev, "test_acc", r->test_acc);
	cJSON_AddNumberToObject(ev, "epochs", r->epochs);
	cJSON_AddNumberToObject(ev, "seconds", r->seconds);
	if (r->error != NULL)
		cJSON_AddStringToObject(ev, "error", r->error);
	watch_publish(s->id, t->id, EV_TRIAL_END, ev);
	cJSON_Delete(t->params);
	free(t);
	if (!tunad.stopping && s->running == 0 && (s->cancelled ||
	    (s->finished >= s->spec.trials && s->nredo == 0)))
		search_end(s);
}

/* Cancel a search: no new trials; kill the running ones. Returns how many were running. */
int
search_cancel(struct search *s)
{
	int n = s->running;

	s->cancelled = true;
	s->nredo = 0;
	log_info("search %lld: cancelled with %d trials running", (long long)s->id, n);
	if (n == 0)
		search_end(s);
	else
		pool_kill_search(s, false);
	return n;
}

/* Pick up a search a previous daemon left running: its spec, and which trials remain. */
int
search_resume(int64_t id, char **cause)
{
	struct search *s;
	struct spec spec;
	const cJSON *trials, *t, *v;
	cJSON *row;
	int rc, number;
	const char *status;

	if ((row = store_search(tunad.store, id, cause)) == NULL)
		return -EIO;
	if ((rc = spec_parse(&spec, cJSON_GetObjectItemCaseSensitive(row, "spec"),
	    tunad.max_workers, cause)) != 0)
		goto fail;
	s = search_create(id, &spec);
	trials = cJSON_GetObjectItemCaseSensitive(row, "trials");
	cJSON_ArrayForEach(t, trials) {
		number = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(t, "number"));
		status = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "status"));
		if (number + 1 > s->next)
			s->next = number + 1;
		if (status == NULL || strcmp(status, "running") == 0 ||
		    strcmp(status, "interrupted") == 0 || strcmp(status, "queued") == 0) {
			s->redo = xreallocarray(s->redo, (size_t)s->nredo + 1, sizeof *s->redo);
			s->redo[s->nredo++] = number;
			continue;
		}
		s->finished++;
		if (strcmp(status, "done") == 0) {
			s->done++;
			v = cJSON_GetObjectItemCaseSensitive(t, "val_acc");
			if (cJSON_IsNumber(v) && !(v->valuedouble <= s->best_val_acc)) {
				s->best_val_acc = v->valuedouble;
				s->best_trial = (int64_t)cJSON_GetNumberValue(
				    cJSON_GetObjectItemCaseSensitive(t, "id"));
			}
		}
	}
	log_info("search %lld: resumed: %d trials finished, %d to run again, %d not started",
	    (long long)id, s->finished, s->nredo, s->spec.trials - s->next);
	if (s->finished >= s->spec.trials && s->nredo == 0)
		search_end(s);
fail:
	cJSON_Delete(row);
	return rc;
}

/* Hand trials to workers while there is room: round robin over the searches. */
void
search_schedule(void)
{
	struct search *s, *s1;
	struct trial *t;
	char *cause = NULL;
	bool progress = true;

	while (!tunad.stopping && progress && tunad.busy < tunad.max_workers) {
		progress = false;
		TAILQ_FOREACH_SAFE(s, &tunad.searches, entry, s1) {
			if (tunad.busy >= tunad.max_workers || !search_has_work(s))
				continue;
			if ((t = search_next_trial(s)) == NULL)
				continue;
			if (pool_start(t, &cause) != 0) {
				struct store_result r = { "failed", NAN, NAN, NAN, NAN, NAN, NAN, 0,
				    -1, 0, cause };

				log_warn("search %lld: trial %d: %s", (long long)s->id, t->number,
				    cause);
				search_trial_end(t, &r);
				free(cause);
				cause = NULL;
				return;	/* do not spin on a worker that cannot start */
			}
			progress = true;
		}
	}
}
