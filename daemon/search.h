/*
 * search.h: a search being run — its spec, its rounds and their boxes, the trials still to run
 * and to run again, its counts and best trial — and the scheduler that hands trials to the
 * executor.
 * Layer: engine (private)
 */
#ifndef TUNA_SEARCH_H
#define TUNA_SEARCH_H

/* Runs of a trial the cluster may end (a node failure, a cancel, preemption) before it fails. */
#define SEARCH_MAX_CLUSTER_RETRIES 5

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

#include "asha.h"
#include "box.h"
#include "engine.h"
#include "spec.h"
#include "queue.h"
#include "store.h"

struct trial;

/* A trial to run again: interrupted by a stop or a crash (panda: from its checkpoint). */
struct redo {
	int number;
	int64_t id;			/* its row, when known */
	int round;
	int resume_epoch;		/* > 0: continue from the checkpoint of this epoch */
	double alpha;			/* panda: α in force after that epoch */
	double val_loss;		/* panda: that epoch's validation loss (the best) */
	int retries;			/* runs that failed so far */
	int cluster_retries;		/* runs the cluster ended (not counted in retries) */
	cJSON *params;			/* its hyperparameters, as first drawn */
};

/* A completed trial of the current round, for zooming onto the best. */
struct scored {
	double score;
	cJSON *params;
};

struct search {
	struct engine *e;
	int64_t id;
	struct spec spec;
	int next;			/* next new trial number */
	int running;			/* trials running now */
	int finished;			/* trials in a terminal state */
	int done;			/* of which completed */
	double best;			/* the best done trial's objective, or NaN */
	int64_t best_trial;
	struct redo *redo;		/* trials to run again */
	int nredo;
	bool cancelled;
	char *error;			/* why it failed: no trial could run; else NULL */
	struct exec *exec;		/* what runs its trials (the engine's) */
	double longest;			/* seconds of its longest finished trial */
	int round;			/* coarse-to-fine round, from 1 */
	int round_end;			/* trial numbers below it belong to rounds <= round */
	struct box box;			/* the box the current round samples */
	struct scored *scored;		/* completed trials of the current round */
	int nscored;
	struct asha asha;		/* early stopping (spec.asha) */
	char *ckpt_dir;			/* panda, a user trainer: where its trials write (DIR/search-N) */
	TAILQ_ENTRY(search) entry;
};

struct search *search_create(struct engine *e, int64_t id, struct spec *spec, struct exec *x);
int search_estimate(const struct search *s);
void search_fail(struct search *s, const char *error);
void search_begin(struct search *s);
struct search *search_find(struct engine *e, int64_t id);
void search_objective(const struct search *s, cJSON *ev);
int search_resume(struct engine *e, int64_t id, char **cause);
void search_trial_end(struct trial *t, const struct store_result *r);
int search_cancel(struct search *s);
void search_free(struct search *s);
void search_schedule(struct engine *e);

#endif
