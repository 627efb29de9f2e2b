/*
 * spec.h: a search spec — parsed, checked (every error names its JSON path), normalized.
 * Layer: part
 */
#ifndef TUNA_SPEC_H
#define TUNA_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

#include "asha.h"
#include "execspec.h"
#include "hparams.h"
#include "metric.h"
#include "panda.h"
#include "trainerspec.h"

#define SPEC_MAX_TRIALS 1000000
#define SPEC_MAX_PARALLEL 256
#define SPEC_TRIAL_TIMEOUT 1800	/* seconds a worker may stay silent before it is killed */
#define SPEC_MIN_ROUNDS 2
#define SPEC_MAX_ROUNDS 20
#define SPEC_MAX_TOP_K 1000
#define SPEC_OBJECTIVE "val_acc"	/* the objective by default: the built-in trainer's */
/*
 * limits: the defaults. CPU: a day of every trainer thread busy, per trial. Address space:
 * max(4 GiB, 4 x what the submit estimates for the model and the data set), plus 256 MiB per
 * trainer thread for what every thread reserves without using it (OpenBLAS's 128 MiB buffer, a
 * 64 MiB malloc arena, an 8 MiB stack).
 */
#define SPEC_CPU_SECONDS_PER_THREAD	86400
#define SPEC_AS_FLOOR_MB		4096
#define SPEC_AS_PER_THREAD_MB		256

enum spec_mode { SPEC_CAVIAR, SPEC_PANDA };
enum spec_strategy { SPEC_RANDOM, SPEC_COARSE_TO_FINE };

/* How one hyperparameter is drawn. */
enum dist_kind {
	DIST_FIXED,		/* always `value` */
	DIST_LOG,		/* x = 10^r, r uniform in [log10 min, log10 max] */
	DIST_ONE_MINUS_LOG,	/* x = 1 − 10^r, r uniform in [log10(1−max), log10(1−min)] */
	DIST_LINEAR,		/* x uniform in [min, max] */
	DIST_INT,		/* x uniform integer in [min, max] */
	DIST_POW2,		/* x = 2^k, k uniform integer in [log2 min, log2 max] */
	DIST_VALUES,		/* x uniform among `values` */
};

struct dist {
	enum dist_kind kind;
	double min, max;	/* the range in value space, for every kind: a fixed number's
				   value, or the numeric values' extremes (NaN: no number) */
	cJSON *value;		/* DIST_FIXED: the value; DIST_VALUES: the array of choices */
};

struct spec_param {
	const struct hparams_entry *hp;	/* name, type, valid range */
	struct dist d;
};

struct spec {
	char *name;
	char *objective;		/* the metric trials are ranked by (val_acc) */
	bool minimize;			/* its goal: min (else max) */
	enum spec_mode mode;
	enum spec_strategy strategy;
	int rounds;			/* coarse-to-fine rounds (1 for random) */
	int top_k;			/* best trials a round zooms onto (0 for random) */
	double zoom;			/* a box's width <= zoom x the last one's (0 for random) */
	bool asha;			/* early stopping by ASHA (caviar mode only) */
	int nrungs;			/* ASHA rungs (epochs), increasing, each < epochs */
	int rungs[ASHA_MAX_RUNGS];
	double eta;			/* ASHA keeps the top 1/eta at each rung (0: no ASHA) */
	struct panda_policy panda;	/* panda mode's policy (the defaults in caviar mode) */
	cJSON *dataset;			/* as given; passed to tuna-worker verbatim (NULL with a
					   trainer of the user's) */
	struct trainerspec trainer;	/* the user's own program, or none (.set false) */
	struct execspec executor;	/* where its trials run */
	int epochs;			/* per trial */
	int trials;			/* in all */
	int parallel;			/* workers at once */
	int threads;			/* trainer threads per worker */
	uint64_t seed;
	int trial_timeout;		/* seconds without a report before a trial is killed (0: never) */
	int max_retries;		/* times a failed trial runs again, same hyperparameters */
	int address_space_mb;		/* limits: MiB per worker (0: until spec_limits_fit) */
	int cpu_seconds;		/* limits: CPU seconds per trial, all its threads */
	int n_params;
	struct spec_param params[32];	/* in the order of the hyperparameter table (a user
					   trainer's: the spec's order) */
	cJSON *json;			/* the spec with every default filled in */
};

int spec_parse(struct spec *s, const cJSON *json, int default_parallel, char **cause);
void spec_free(struct spec *s);
int spec_limits_fit(struct spec *s, double model_bytes, double data_bytes, char **cause);
const char *spec_mode_name(enum spec_mode m);
const char *spec_strategy_name(enum spec_strategy st);
const char *dist_kind_name(enum dist_kind k);

#endif
