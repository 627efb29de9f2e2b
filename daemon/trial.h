/*
 * trial.h: a trial of a search, from its start on the executor to its end — its reports
 * recorded, published and babysat, its end turned into a result.
 * Layer: engine (private)
 */
#ifndef TUNA_TRIAL_H
#define TUNA_TRIAL_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

#include "engine.h"
#include "exec.h"
#include "panda.h"
#include "queue.h"
#include "status.h"

struct search;

struct trial {
	struct search *search;
	int64_t id;
	int number;
	int round;
	cJSON *params;
	int epochs;			/* epoch reports seen */
	int last_epoch;			/* the number of the last epoch reported */
	double best_val_acc;
	double alpha;			/* α of the next epoch, as last known */
	enum trial_status killed;	/* why the engine killed it: cancelled, interrupted, or
					   TRIAL_RUNNING when it did not */
	bool step;			/* control "step": the engine says when to go on */
	bool pruned;			/* stopped by ASHA */
	struct panda_state panda;	/* panda mode: the babysitter's state */
	char *ckpt;			/* panda: its checkpoint file */
	char *dir;			/* a user trainer's: its directory (TUNA_CHECKPOINT_DIR) */
	int ckpt_epoch;			/* epoch of the last good checkpoint, -1: none */
	int resume_epoch;		/* > 0: restore the checkpoint before the first epoch */
	int retries;			/* earlier runs of it that failed */
	int cluster_retries;		/* earlier runs of it the cluster ended */
	enum exec_fault fault;		/* how its run ended, when the executor says */
	bool queued;			/* waiting for the cluster (exec-slurm.c) */
	cJSON *nudges;			/* user nudges waiting for the next boundary */
	TAILQ_ENTRY(trial) entry;	/* in the engine's running trials */
};

struct trial *trial_new(struct search *s);
void trial_free(struct trial *t);
int trial_start(struct trial *t);
struct trial *trial_find(struct engine *e, int64_t id);
void trial_kill_search(struct engine *e, struct search *s, enum trial_status why);
void trial_kill_all(struct engine *e, enum trial_status why);
void trial_report(void *arg, void *trial, const struct wevent *ev);
void trial_end(void *arg, void *trial, const struct exec_end *end);
void trial_state(void *arg, void *trial, enum exec_state st, const char *reason);

#endif
