/* trial.h: one trial as tuna-worker receives it (data set, hyperparameters, run settings). */
#ifndef TUNA_TRIAL_H
#define TUNA_TRIAL_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

#include "dataset.h"
#include "hparams.h"

#define TRIAL_MAX_EPOCHS 100000
#define TRIAL_MAX_THREADS 256

struct trial {
	cJSON *id;			/* echoed in every event, or NULL */
	struct dataset_source src;
	struct hparams h;
	int epochs;
	uint64_t seed;
	int threads;			/* BLAS threads */
	bool step;			/* "control":"step": wait for a command at each boundary */
	bool profile;			/* per-kernel times in the "done" event */
	int address_space_mb;		/* "limits": the address-space limit, 0: none */
	int cpu_seconds;		/* "limits": CPU seconds for the trial, 0: none */
};

int trial_parse(struct trial *tr, const cJSON *json, char **cause);
void trial_free(struct trial *tr);

#endif
