/* exectrial.h: one trial of a user's trainer, as tuna-exec receives it (worker-protocol.h). */
#ifndef TUNA_EXECTRIAL_H
#define TUNA_EXECTRIAL_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

#include "wlimits.h"

struct exectrial {
	cJSON *id;			/* echoed in every event, or NULL */
	int64_t trial;			/* "id" as a number (TUNA_TRIAL), -1: none */
	int64_t search;			/* "search" (TUNA_SEARCH), -1: none */
	uint64_t seed;
	int threads;
	int64_t epochs;			/* "epochs": the reports the search expects (TUNA_EPOCHS),
					   -1: not said */
	cJSON *params;			/* the hyperparameters: an object of numbers, booleans and
					   strings */
	cJSON *argv;			/* trainer.command with the params put in (placeholder.h) */
	char *cwd;			/* trainer.cwd, absolute; NULL: tuna-exec's own */
	char **env;			/* trainer.env as "NAME=value", NULL-terminated */
	int grace_seconds;		/* trainer.grace_seconds: from SIGTERM to SIGKILL */
	char *dir;			/* the trial's directory, absolute */
	char *objective;		/* the metric the trainer must report */
	bool step;			/* "control":"step": commands go on to the program */
	struct wlimits limits;		/* applied to the program (0: none) */
};

int exectrial_parse(struct exectrial *t, const cJSON *json, char **cause);
void exectrial_free(struct exectrial *t);

#endif
