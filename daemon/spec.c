/*
 * spec.c: parsing and checking a search spec (every error names its JSON path), normalizing it.
 * Layer: part
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"
#include "hparams.h"
#include "jcheck.h"
#include "modelsize.h"
#include "spec.h"
#include "worker-protocol.h"
#include "xmalloc.h"

#define SPEC_MAX_NAME		200
#define SPEC_MAX_EPOCHS		100000
#define SPEC_MAX_THREADS	64
#define SPEC_MAX_SEED		9007199254740992.0	/* 2^53 */
#define SPEC_MAX_VALUES		1000

/* Keys allowed at the top level, in a distribution and in the other objects. */
static const char *const spec_keys[] = { "name", "mode", "dataset", "objective", "strategy",
    "early_stopping", "panda", "epochs", "trials", "parallel", "threads", "seed", "params",
    "trial_timeout", "max_retries", "limits", "executor", "trainer",
    NULL };
static const char *const spec_keys_objective[] = { "metric", "goal", NULL };
static const char *const spec_keys_scale[] = { "scale", "min", "max", NULL };
static const char *const spec_keys_values[] = { "values", NULL };
static const char *const spec_keys_strategy[] = { "kind", "rounds", "top_k", "zoom", NULL };
static const char *const spec_keys_zoom[] = { "rounds", "top_k", "zoom", NULL };
static const char *const spec_keys_asha[] = { "kind", "rungs", "eta", NULL };
static const char *const spec_keys_panda[] = { "raise", "raise_after", "lower",
    "rollback_lower", "jump", "alpha_min", "alpha_max", NULL };
static const char *const spec_keys_dataset_path[] = { "path", "val_fraction", "cache", NULL };
static const char *const spec_keys_limits[] = { "address_space_mb", "cpu_seconds", NULL };

static const char *const spec_modes[] = { "caviar", "panda" };
static const char *const spec_strategies[] = { "random", "coarse_to_fine" };
static const char *const spec_dist_names[] = { "fixed", "log", "one_minus_log", "linear",
    "int", "pow2", "values" };

/* The name of a mode, as in the spec. */
const char *
spec_mode_name(enum spec_mode m)
{
	return spec_modes[m];
}

/* The name of a strategy, as in the spec. */
const char *
spec_strategy_name(enum spec_strategy st)
{
	return spec_strategies[st];
}

/* The name of a distribution kind ("fixed", "values" or the scale). */
const char *
dist_kind_name(enum dist_kind k)
{
	return spec_dist_names[k];
}

/* Index of a string value in a list of n names, or -1. */
static int
spec_lookup(const cJSON *v, const char *const *names, int n)
{
	int i;

	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (strcmp(v->valuestring, names[i]) == 0)
			return i;
	}
	return -1;
}

/*
 * Read the number member key of obj (at jpath) into *out; *out is unchanged when absent. It
 * must lie between lo and hi, bounds open or closed as in interval ("()", "(]", …); an
 * infinite hi makes the condition "> lo" (or ">= lo").
 */
static int
spec_real(const cJSON *obj, const char *jpath, const char *key, double lo, double hi,
    const char *interval, double *out, char **cause)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	double x;
	int ok;

	if (v == NULL)
		return 0;
	x = cJSON_IsNumber(v) ? v->valuedouble : NAN;
	ok = isfinite(x) && (interval[0] == '(' ? x > lo : x >= lo) &&
	    (interval[1] == ')' ? x < hi : x <= hi);
	if (ok) {
		*out = x;
		return 0;
	}
	if (isinf(hi))
		return xcause(cause, -EINVAL, "%s.%s: must be a number %s %g", jpath, key,
		    interval[0] == '(' ? ">" : ">=", lo);
	return xcause(cause, -EINVAL, "%s.%s: must be a number in %c%g, %g%c", jpath, key,
	    interval[0], lo, hi, interval[1]);
}

/* Check and copy the name: non-empty, at most SPEC_MAX_NAME characters, no control characters. */
static int
spec_name(struct spec *s, const cJSON *v, char **cause)
{
	const unsigned char *p;
	size_t chars = 0;

	if (!cJSON_IsString(v) || v->valuestring == NULL || *v->valuestring == '\0')
		return xcause(cause, -EINVAL, "name: must be a non-empty string");
	for (p = (const unsigned char *)v->valuestring; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return xcause(cause, -EINVAL, "name: must not contain control characters");
		if ((*p & 0xc0) != 0x80)
			chars++;
	}
	if (chars > SPEC_MAX_NAME)
		return xcause(cause, -EINVAL, "name: must be at most %d characters, got %zu",
		    SPEC_MAX_NAME, chars);
	free(s->name);
	s->name = xstrdup(v->valuestring);
	return 0;
}

/*
 * Read the strategy (after trials): a name, or an object {"kind": name} that for
 * coarse_to_fine may also give rounds (2 … 20, at most trials; default 3, or trials when
 * fewer), top_k (1 … 1000; default max(2, trials per round / 5), at most 1000) and zoom (in
 * (0, 1); default 0.5). Random search is one round.
 */
static int
spec_strategy(struct spec *s, const cJSON *v, char **cause)
{
	const cJSON *kind = v, *obj = NULL;
	const char *jpath = "strategy";
	const char *const *k;
	double rounds, top_k, zoom = 0.5;
	int err, i;

	if (cJSON_IsObject(v)) {
		if ((err = jcheck_keys(v, spec_keys_strategy, "strategy", cause)) != 0)
			return err;
		if ((kind = cJSON_GetObjectItemCaseSensitive(v, "kind")) == NULL)
			return xcause(cause, -EINVAL, "strategy.kind: required");
		jpath = "strategy.kind";
		obj = v;
	}
	if ((i = spec_lookup(kind, spec_strategies, 2)) < 0)
		return xcause(cause, -EINVAL, "%s: must be \"random\" or \"coarse_to_fine\"",
		    jpath);
	s->strategy = (enum spec_strategy)i;
	if (s->strategy == SPEC_RANDOM) {
		for (k = spec_keys_zoom; obj != NULL && *k != NULL; k++) {
			if (cJSON_GetObjectItemCaseSensitive(obj, *k) != NULL)
				return xcause(cause, -EINVAL, "strategy.%s: unknown key for the "
				    "random strategy (rounds, top_k and zoom are for "
				    "coarse_to_fine)", *k);
		}
		s->rounds = 1;
		return 0;
	}

	if (s->trials < SPEC_MIN_ROUNDS)
		return xcause(cause, -EINVAL, "strategy: coarse_to_fine needs at least %d trials "
		    "(one per round), got %d", SPEC_MIN_ROUNDS, s->trials);
	rounds = s->trials < 3 ? s->trials : 3;
	if ((err = jcheck_int(obj, "strategy", "rounds", SPEC_MIN_ROUNDS, SPEC_MAX_ROUNDS,
	    &rounds, cause)) != 0)
		return err;
	if (rounds > s->trials)
		return xcause(cause, -EINVAL, "strategy.rounds: %.0f rounds need at least as many "
		    "trials, got %d", rounds, s->trials);
	top_k = floor(floor(s->trials / rounds) / 5);
	top_k = top_k < 2 ? 2 : top_k > SPEC_MAX_TOP_K ? SPEC_MAX_TOP_K : top_k;
	if ((err = jcheck_int(obj, "strategy", "top_k", 1, SPEC_MAX_TOP_K, &top_k,
	    cause)) != 0 ||
	    (err = spec_real(obj, "strategy", "zoom", 0, 1, "()", &zoom, cause)) != 0)
		return err;
	s->rounds = (int)rounds;
	s->top_k = (int)top_k;
	s->zoom = zoom;
	return 0;
}

/*
 * Read early_stopping (after mode and epochs): absent or null for none, or {"kind": "asha",
 * "rungs": [increasing epochs below epochs], "eta": > 1} in caviar mode. The default rungs
 * are 1, eta, eta², … (rounded, below epochs, at most ASHA_MAX_RUNGS); eta defaults to 3.
 */
static int
spec_early_stopping(struct spec *s, const cJSON *v, char **cause)
{
	const cJSON *kind, *rungs, *c;
	double eta = 3, r;
	long k;
	int err, i, n;

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (s->mode != SPEC_CAVIAR)
		return xcause(cause, -EINVAL, "early_stopping: only for caviar mode");
	if (!cJSON_IsObject(v))
		return xcause(cause, -EINVAL, "early_stopping: must be null or an object "
		    "{\"kind\": \"asha\", ...}");
	if ((err = jcheck_keys(v, spec_keys_asha, "early_stopping", cause)) != 0)
		return err;
	if ((kind = cJSON_GetObjectItemCaseSensitive(v, "kind")) == NULL)
		return xcause(cause, -EINVAL, "early_stopping.kind: required");
	if (!cJSON_IsString(kind) || kind->valuestring == NULL ||
	    strcmp(kind->valuestring, "asha") != 0)
		return xcause(cause, -EINVAL, "early_stopping.kind: must be \"asha\"");
	if ((err = spec_real(v, "early_stopping", "eta", 1, INFINITY, "()", &eta, cause)) != 0)
		return err;
	if (s->epochs < 2)
		return xcause(cause, -EINVAL, "early_stopping: ASHA needs at least 2 epochs (a "
		    "rung is an epoch count below epochs)");

	if ((rungs = cJSON_GetObjectItemCaseSensitive(v, "rungs")) == NULL) {
		r = 1;
		for (i = 0; i < 10000 && r < s->epochs && s->nrungs < ASHA_MAX_RUNGS; i++) {
			k = lround(r);
			if (k >= s->epochs)
				break;
			if (s->nrungs == 0 || k > s->rungs[s->nrungs - 1])
				s->rungs[s->nrungs++] = (int)k;
			r *= eta;
		}
	} else {
		if (!cJSON_IsArray(rungs) || (n = cJSON_GetArraySize(rungs)) == 0 ||
		    n > ASHA_MAX_RUNGS)
			return xcause(cause, -EINVAL, "early_stopping.rungs: must be a non-empty "
			    "array of at most %d epoch counts", ASHA_MAX_RUNGS);
		i = 0;
		cJSON_ArrayForEach(c, rungs) {
			if (!cJSON_IsNumber(c) || !(c->valuedouble >= 1 &&
			    c->valuedouble < s->epochs) ||
			    c->valuedouble != floor(c->valuedouble))
				return xcause(cause, -EINVAL, "early_stopping.rungs[%d]: must be an "
				    "integer in [1, %d] (below epochs)", i, s->epochs - 1);
			if (i > 0 && !(c->valuedouble > s->rungs[i - 1]))
				return xcause(cause, -EINVAL, "early_stopping.rungs[%d]: must be "
				    "greater than the rung before", i);
			s->rungs[i++] = (int)c->valuedouble;
		}
		s->nrungs = i;
	}
	s->asha = true;
	s->eta = eta;
	return 0;
}

/* The metrics tuna-worker reports at each epoch: what a search may rank its trials by. */
static const char *const spec_metrics[] = { WEV_EPOCH_METRICS, NULL };

/* Whether name can name a user trainer's parameter or metric: [A-Za-z_][A-Za-z0-9_./-]*. */
static bool
spec_user_name(const char *name)
{
	const char *p;

	if (!(isalpha((unsigned char)name[0]) || name[0] == '_') || strlen(name) > 64)
		return false;
	for (p = name; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("_./-", *p) == NULL)
			return false;
	}
	return true;
}

/*
 * Read the objective: {"metric": NAME, "goal": "max" | "min"} (val_acc, max when absent; a
 * metric needs its goal). A metric is one the trainer reports (spec_metrics).
 */
static int
spec_objective(struct spec *s, const cJSON *v, char **cause)
{
	const cJSON *metric, *goal;
	char list[256];
	size_t i, off = 0;

	s->objective = xstrdup(SPEC_OBJECTIVE);
	if (v == NULL && s->trainer.set)
		return xcause(cause, -EINVAL, "objective: required with a trainer: {\"metric\": "
		    "a name it reports, \"goal\": \"max\" or \"min\"}");
	if (v == NULL)
		return 0;
	if (!cJSON_IsObject(v))
		return xcause(cause, -EINVAL, "objective: must be an object "
		    "{\"metric\": name, \"goal\": \"max\" or \"min\"}");
	if (jcheck_keys(v, spec_keys_objective, "objective", cause) != 0)
		return -EINVAL;
	metric = cJSON_GetObjectItemCaseSensitive(v, "metric");
	goal = cJSON_GetObjectItemCaseSensitive(v, "goal");
	if (metric != NULL && s->trainer.set) {
		/* a user's trainer reports what it likes: any name its lines can carry */
		if (!cJSON_IsString(metric) || !spec_user_name(metric->valuestring))
			return xcause(cause, -EINVAL, "objective.metric: must be a metric name "
			    "(letters, digits, _ . / -; not starting with a digit)");
		if (goal == NULL)
			return xcause(cause, -EINVAL, "objective.goal: required with a metric: "
			    "\"max\" or \"min\"");
		free(s->objective);
		s->objective = xstrdup(metric->valuestring);
	} else if (metric != NULL) {
		for (i = 0; cJSON_IsString(metric) && spec_metrics[i] != NULL; i++) {
			if (strcmp(metric->valuestring, spec_metrics[i]) == 0)
				break;
		}
		if (!cJSON_IsString(metric) || spec_metrics[i] == NULL) {
			for (i = 0; spec_metrics[i] != NULL && off < sizeof list; i++)
				off += (size_t)snprintf(list + off, sizeof list - off, "%s%s",
				    i > 0 ? ", " : "", spec_metrics[i]);
			return xcause(cause, -EINVAL, "objective.metric: must be a metric the "
			    "trainer reports: %s", list);
		}
		if (goal == NULL)
			return xcause(cause, -EINVAL, "objective.goal: required with a metric: "
			    "\"max\" or \"min\"");
		free(s->objective);
		s->objective = xstrdup(metric->valuestring);
	}
	if (goal != NULL) {
		if (!cJSON_IsString(goal) || (strcmp(goal->valuestring, "max") != 0 &&
		    strcmp(goal->valuestring, "min") != 0))
			return xcause(cause, -EINVAL, "objective.goal: must be \"max\" or \"min\"");
		s->minimize = strcmp(goal->valuestring, "min") == 0;
	}
	return 0;
}

/* Read the panda policy (after mode): an object of optional settings, in panda mode only. */
static int
spec_panda(struct spec *s, const cJSON *v, char **cause)
{
	struct panda_policy *p = &s->panda;
	double raise_after = p->raise_after;
	int err;

	if (v == NULL)
		return 0;
	if (s->mode != SPEC_PANDA)
		return xcause(cause, -EINVAL, "panda: only for panda mode");
	if (!cJSON_IsObject(v))
		return xcause(cause, -EINVAL, "panda: must be an object");
	if ((err = jcheck_keys(v, spec_keys_panda, "panda", cause)) != 0 ||
	    (err = spec_real(v, "panda", "raise", 1, INFINITY, "()", &p->raise, cause)) != 0 ||
	    (err = jcheck_int(v, "panda", "raise_after", 1, SPEC_MAX_EPOCHS, &raise_after,
	    cause)) != 0 ||
	    (err = spec_real(v, "panda", "lower", 0, 1, "()", &p->lower, cause)) != 0 ||
	    (err = spec_real(v, "panda", "rollback_lower", 0, 1, "()", &p->rollback_lower,
	    cause)) != 0 ||
	    (err = spec_real(v, "panda", "jump", 1, INFINITY, "()", &p->jump, cause)) != 0 ||
	    (err = spec_real(v, "panda", "alpha_min", 0, 10, "(]", &p->alpha_min,
	    cause)) != 0 ||
	    (err = spec_real(v, "panda", "alpha_max", 0, 10, "(]", &p->alpha_max,
	    cause)) != 0)
		return err;
	p->raise_after = (int)raise_after;
	if (!(p->alpha_min < p->alpha_max))
		return xcause(cause, -EINVAL, "panda.alpha_min: must be less than alpha_max "
		    "(%g)", p->alpha_max);
	return 0;
}

/*
 * Read limits (after threads): an object of optional settings, address_space_mb (MiB; its
 * default needs the data set: spec_limits_fit) and cpu_seconds (per trial, all its threads;
 * default a day per thread).
 */
static int
spec_limits(struct spec *s, const cJSON *v, char **cause)
{
	double as = 0, cpu = (double)SPEC_CPU_SECONDS_PER_THREAD * s->threads;
	int err;

	if (cpu > WLIMIT_MAX_CPU_SECONDS)
		cpu = WLIMIT_MAX_CPU_SECONDS;
	if (v != NULL) {
		if (!cJSON_IsObject(v))
			return xcause(cause, -EINVAL, "limits: must be an object");
		if ((err = jcheck_keys(v, spec_keys_limits, "limits", cause)) != 0 ||
		    (err = jcheck_int(v, "limits", "address_space_mb", WLIMIT_MIN_ADDRESS_SPACE_MB,
		    WLIMIT_MAX_ADDRESS_SPACE_MB, &as, cause)) != 0 ||
		    (err = jcheck_int(v, "limits", "cpu_seconds", 1, WLIMIT_MAX_CPU_SECONDS, &cpu,
		    cause)) != 0)
			return err;
	}
	s->address_space_mb = (int)as;
	s->cpu_seconds = (int)cpu;
	return 0;
}

/* The limits as in the normalized spec (address_space_mb only once it is known). */
static cJSON *
spec_limits_json(const struct spec *s)
{
	cJSON *l = cJSON_CreateObject();

	if (s->address_space_mb > 0)
		cJSON_AddNumberToObject(l, "address_space_mb", s->address_space_mb);
	cJSON_AddNumberToObject(l, "cpu_seconds", s->cpu_seconds);
	return l;
}

/*
 * At submit, with the data set at hand: refuse an address-space limit below what a worker is
 * estimated to need (the model's bytes and the data set's), or, when the spec has none, set
 * the default from that estimate (in the normalized spec too).
 */
int
spec_limits_fit(struct spec *s, double model_bytes, double data_bytes, char **cause)
{
	double mib = 1048576, need = (model_bytes + data_bytes) / mib, mb;

	if (s->address_space_mb > 0) {
		if (need > s->address_space_mb)
			return xcause(cause, -E2BIG, "limits.address_space_mb: a worker needs about "
			    "%.0f MiB (the model %.0f MiB, the data set %.0f MiB), more than the limit "
			    "of %d MiB", ceil(need), ceil(model_bytes / mib), ceil(data_bytes / mib),
			    s->address_space_mb);
		return 0;
	}
	mb = fmax(SPEC_AS_FLOOR_MB, ceil(4 * need)) + (double)SPEC_AS_PER_THREAD_MB * s->threads;
	s->address_space_mb = (int)fmin(mb, WLIMIT_MAX_ADDRESS_SPACE_MB);
	if (s->json != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(s->json, "limits", spec_limits_json(s));
	return 0;
}

/*
 * Check the form of the dataset setting, without touching the file system. The worker's parser
 * stats the path of the "path" forms, so those are checked here and their other keys through
 * the (file-free) CSV form.
 */
static int
spec_dataset(const cJSON *v, char **cause)
{
	struct dataset_source src;
	const cJSON *path, *c;
	cJSON *copy = NULL;
	int err;

	if (cJSON_IsString(v)) {
		if (v->valuestring == NULL || *v->valuestring == '\0')
			return xcause(cause, -EINVAL, "dataset: must be a non-empty path");
		return 0;
	}
	if (cJSON_IsObject(v) && (path = cJSON_GetObjectItemCaseSensitive(v, "path")) != NULL) {
		if ((err = jcheck_keys(v, spec_keys_dataset_path, "dataset", cause)) != 0)
			return err;
		if (!cJSON_IsString(path) || path->valuestring == NULL ||
		    *path->valuestring == '\0')
			return xcause(cause, -EINVAL, "dataset.path: must be a non-empty string");
		copy = cJSON_CreateObject();
		cJSON_AddStringToObject(copy, "format", "csv");
		cJSON_AddStringToObject(copy, "train", path->valuestring);
		if ((c = cJSON_GetObjectItemCaseSensitive(v, "val_fraction")) != NULL)
			cJSON_AddItemToObject(copy, "val_fraction", cJSON_Duplicate(c, 1));
		if ((c = cJSON_GetObjectItemCaseSensitive(v, "cache")) != NULL)
			cJSON_AddItemToObject(copy, "cache", cJSON_Duplicate(c, 1));
		v = copy;
	}
	if ((err = source_parse(&src, v, "dataset", cause)) == 0)
		source_free(&src);
	cJSON_Delete(copy);
	return err;
}

/* Whether x is a power of two (2^0 and up). */
static int
spec_is_pow2(double x)
{
	int e;

	return x >= 1 && frexp(x, &e) == 0.5;
}

/* Read a distribution's min or max: required, a number, an integer for int and pow2. */
static int
spec_bound(const cJSON *obj, const char *key, enum dist_kind kind, const char *jpath,
    double *out, char **cause)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (v == NULL)
		return xcause(cause, -EINVAL, "%s.%s: required", jpath, key);
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
		return xcause(cause, -EINVAL, "%s.%s: must be a number", jpath, key);
	if ((kind == DIST_INT || kind == DIST_POW2) && v->valuedouble != floor(v->valuedouble))
		return xcause(cause, -EINVAL, "%s.%s: must be an integer", jpath, key);
	if (kind == DIST_POW2 && !spec_is_pow2(v->valuedouble))
		return xcause(cause, -EINVAL, "%s.%s: must be a power of two", jpath, key);
	*out = v->valuedouble;
	return 0;
}

/* Check one value of a parameter: the built-in trainer's range, or a user's: any scalar. */
static int
spec_value(struct hparams *h, const struct hparams_entry *e, const cJSON *v, const char *jpath,
    char **cause)
{
	if (e->type != HP_ANY)
		return hparams_set(h, e->name, v, jpath, cause);
	if (!cJSON_IsNumber(v) && !cJSON_IsString(v) && !cJSON_IsBool(v))
		return xcause(cause, -EINVAL, "%s: must be a number, a string, true or false",
		    jpath);
	return 0;
}

/* Check that a distribution's bound is a valid value of the hyperparameter. */
static int
spec_bound_range(const struct hparams_entry *e, const cJSON *obj, const char *key,
    const char *jpath, char **cause)
{
	struct hparams h;
	char *path;
	int err;

	if (e->type == HP_ANY)
		return 0;	/* a user's parameter: its program checks its values */
	hparams_defaults(&h);
	path = xasprintf("%s.%s", jpath, key);
	err = hparams_set(&h, e->name, cJSON_GetObjectItemCaseSensitive(obj, key), path, cause);
	free(path);
	return err;
}

/* Parse a {"scale": …, "min": a, "max": b} distribution. */
static int
spec_scale(struct dist *d, const struct hparams_entry *e, const cJSON *v, const char *jpath,
    char **cause)
{
	const cJSON *scale;
	enum dist_kind kind;
	double min, max;
	int err, i;

	if ((err = jcheck_keys(v, spec_keys_scale, jpath, cause)) != 0)
		return err;
	if ((scale = cJSON_GetObjectItemCaseSensitive(v, "scale")) == NULL)
		return xcause(cause, -EINVAL, "%s: a distribution needs \"scale\" or \"values\"",
		    jpath);
	if ((i = spec_lookup(scale, spec_dist_names, DIST_VALUES)) <= 0)
		return xcause(cause, -EINVAL, "%s.scale: must be \"log\", \"one_minus_log\", "
		    "\"linear\", \"int\" or \"pow2\"", jpath);
	kind = (enum dist_kind)i;

	if (e->type == HP_ANY)
		;	/* a user's parameter: whatever the scale draws */
	else if (e->type == HP_BOOL || e->type == HP_OPTIMIZER)
		return xcause(cause, -EINVAL, "%s: %s takes a fixed value or {\"values\": [...]}, "
		    "not a scale", jpath, e->name);
	else if (e->type == HP_REAL && (kind == DIST_INT || kind == DIST_POW2))
		return xcause(cause, -EINVAL, "%s: scale \"%s\" is for integer hyperparameters; "
		    "%s is real: use log, one_minus_log or linear", jpath, scale->valuestring,
		    e->name);
	else if (e->type == HP_INT && kind != DIST_INT && kind != DIST_POW2)
		return xcause(cause, -EINVAL, "%s: scale \"%s\" is for real hyperparameters; "
		    "%s is an integer: use int, pow2 or values", jpath, scale->valuestring,
		    e->name);

	if ((err = spec_bound(v, "min", kind, jpath, &min, cause)) != 0 ||
	    (err = spec_bound(v, "max", kind, jpath, &max, cause)) != 0)
		return err;
	if (!(min < max))
		return xcause(cause, -EINVAL, "%s: min must be less than max", jpath);
	if ((kind == DIST_LOG || kind == DIST_ONE_MINUS_LOG) && min <= 0)
		return xcause(cause, -EINVAL, "%s.min: must be > 0 for a %s scale", jpath,
		    scale->valuestring);
	if (kind == DIST_ONE_MINUS_LOG && max >= 1)
		return xcause(cause, -EINVAL, "%s.max: must be < 1 for a one_minus_log scale",
		    jpath);
	if ((err = spec_bound_range(e, v, "min", jpath, cause)) != 0 ||
	    (err = spec_bound_range(e, v, "max", jpath, cause)) != 0)
		return err;

	d->kind = kind;
	d->min = min;
	d->max = max;
	d->value = NULL;
	return 0;
}

/* Parse a {"values": [...]} distribution; min and max are those of the numeric values. */
static int
spec_values(struct dist *d, const struct hparams_entry *e, const cJSON *v, const char *jpath,
    char **cause)
{
	const cJSON *arr, *c;
	struct hparams h;
	double min = NAN, max = NAN;
	char *path;
	int err, i, n;

	if ((err = jcheck_keys(v, spec_keys_values, jpath, cause)) != 0)
		return err;
	arr = cJSON_GetObjectItemCaseSensitive(v, "values");
	if (!cJSON_IsArray(arr) || (n = cJSON_GetArraySize(arr)) == 0 || n > SPEC_MAX_VALUES)
		return xcause(cause, -EINVAL, "%s.values: must be a non-empty array of at most "
		    "%d values", jpath, SPEC_MAX_VALUES);
	hparams_defaults(&h);
	i = 0;
	cJSON_ArrayForEach(c, arr) {
		path = xasprintf("%s.values[%d]", jpath, i++);
		err = spec_value(&h, e, c, path, cause);
		free(path);
		if (err != 0)
			return err;
		if (cJSON_IsNumber(c)) {
			if (!(c->valuedouble >= min))
				min = c->valuedouble;
			if (!(c->valuedouble <= max))
				max = c->valuedouble;
		}
	}
	d->kind = DIST_VALUES;
	d->min = min;
	d->max = max;
	d->value = cJSON_Duplicate(arr, 1);
	return 0;
}

/* Parse one hyperparameter's setting: a fixed value or a distribution object. */
static int
spec_param(struct spec_param *p, const struct hparams_entry *e, const cJSON *v,
    const char *jpath, char **cause)
{
	struct hparams h;
	int err;

	memset(p, 0, sizeof *p);
	p->hp = e;
	if (cJSON_IsObject(v)) {
		if (cJSON_GetObjectItemCaseSensitive(v, "values") != NULL)
			return spec_values(&p->d, e, v, jpath, cause);
		return spec_scale(&p->d, e, v, jpath, cause);
	}
	hparams_defaults(&h);
	if ((err = spec_value(&h, e, v, jpath, cause)) != 0)
		return err;
	p->d.kind = DIST_FIXED;
	p->d.min = p->d.max = cJSON_IsNumber(v) ? v->valuedouble : NAN;
	p->d.value = cJSON_Duplicate(v, 1);
	return 0;
}

/* Order parameters as in the hyperparameter table. */
static int
spec_param_cmp(const void *a, const void *b)
{
	const struct spec_param *pa = a, *pb = b;

	return (pa->hp > pb->hp) - (pa->hp < pb->hp);
}

/* Whether the spec names a parameter. */
static bool
spec_has_param(const struct spec *s, const char *name)
{
	int i;

	for (i = 0; i < s->n_params; i++) {
		if (strcmp(s->params[i].hp->name, name) == 0)
			return true;
	}
	return false;
}

/* The largest value a parameter can take, or the default when it is not in the spec. */
static double
spec_param_max(const struct spec *s, const char *name)
{
	struct hparams h;
	int i;

	for (i = 0; i < s->n_params; i++) {
		if (strcmp(s->params[i].hp->name, name) == 0)
			return s->params[i].d.max;
	}
	hparams_defaults(&h);
	return hparams_get(&h, name);
}

/* A user trainer's command: its placeholders name parameters the spec has. */
static int
spec_trainer_names(struct spec *s, char **cause)
{
	const char *names[sizeof s->params / sizeof s->params[0] + 1];
	int i;

	for (i = 0; i < s->n_params; i++)
		names[i] = s->params[i].hp->name;
	names[i] = NULL;
	return trainerspec_check_names(&s->trainer, names, cause);
}

/*
 * Parse the params object into s->params: the built-in trainer's in table order, refusing
 * hopelessly large models; a user trainer's (any names) in the spec's order.
 */
static int
spec_params(struct spec *s, const cJSON *obj, char **cause)
{
	const struct hparams_entry *e;
	const cJSON *c;
	double units, layers;
	char *path;
	int err;

	if (!cJSON_IsObject(obj))
		return xcause(cause, -EINVAL, "params: must be an object");
	if ((err = jcheck_keys(obj, NULL, "params", cause)) != 0)
		return err;
	cJSON_ArrayForEach(c, obj) {
		if (s->n_params == (int)(sizeof s->params / sizeof s->params[0]))
			return xcause(cause, -EINVAL, "params: too many hyperparameters");
		if (s->trainer.set && !spec_user_name(c->string))
			return xcause(cause, -EINVAL, "params.%s: not a parameter name (letters, "
			    "digits, _ . / -; not starting with a digit)", c->string);
		if (s->trainer.set) {
			/* a user trainer's: its own entry, freed with the spec */
			struct hparams_entry *u = xcalloc(1, sizeof *u);

			u->name = xstrdup(c->string);
			u->type = HP_ANY;
			u->help = "a parameter of the user's trainer";
			e = u;
		} else if ((e = hparams_find(c->string)) == NULL)
			return xcause(cause, -EINVAL, "params.%s: unknown hyperparameter",
			    c->string);
		path = xasprintf("params.%s", c->string);
		err = spec_param(&s->params[s->n_params], e, c, path, cause);
		s->params[s->n_params].hp = e;	/* owned from here when it is a user's */
		free(path);
		s->n_params++;
		if (err != 0)
			return err;
	}
	if (s->trainer.set)	/* in the spec's order; the program checks its own */
		return spec_trainer_names(s, cause);
	qsort(s->params, (size_t)s->n_params, sizeof s->params[0], spec_param_cmp);

	/* the largest draw on the smallest data set: submit checks again with the real one */
	units = spec_param_max(s, "hidden_units");
	layers = spec_param_max(s, "layers");
	return modelsize_check(0, 0, (int)layers, (int)units, cause);
}

/*
 * Build the normalized spec: every default filled in (the strategy, early stopping and, in
 * panda mode, the policy as resolved objects), dataset and params as given. It parses back
 * to the same spec.
 */
static cJSON *
spec_normalize(const struct spec *s, const cJSON *params)
{
	cJSON *o = cJSON_CreateObject(), *st, *es, *p, *ob;

	cJSON_AddStringToObject(o, "name", s->name);
	cJSON_AddStringToObject(o, "mode", spec_mode_name(s->mode));
	if (s->dataset != NULL)
		cJSON_AddItemToObject(o, "dataset", cJSON_Duplicate(s->dataset, 1));
	if (s->trainer.set)
		cJSON_AddItemToObject(o, "trainer", trainerspec_json(&s->trainer));
	ob = cJSON_AddObjectToObject(o, "objective");
	cJSON_AddStringToObject(ob, "metric", s->objective);
	cJSON_AddStringToObject(ob, "goal", s->minimize ? "min" : "max");
	st = cJSON_AddObjectToObject(o, "strategy");
	cJSON_AddStringToObject(st, "kind", spec_strategy_name(s->strategy));
	if (s->strategy == SPEC_COARSE_TO_FINE) {
		cJSON_AddNumberToObject(st, "rounds", s->rounds);
		cJSON_AddNumberToObject(st, "top_k", s->top_k);
		cJSON_AddNumberToObject(st, "zoom", s->zoom);
	}
	if (s->asha) {
		es = cJSON_AddObjectToObject(o, "early_stopping");
		cJSON_AddStringToObject(es, "kind", "asha");
		cJSON_AddItemToObject(es, "rungs", cJSON_CreateIntArray(s->rungs, s->nrungs));
		cJSON_AddNumberToObject(es, "eta", s->eta);
	} else
		cJSON_AddNullToObject(o, "early_stopping");
	if (s->mode == SPEC_PANDA) {
		p = cJSON_AddObjectToObject(o, "panda");
		cJSON_AddNumberToObject(p, "raise", s->panda.raise);
		cJSON_AddNumberToObject(p, "raise_after", s->panda.raise_after);
		cJSON_AddNumberToObject(p, "lower", s->panda.lower);
		cJSON_AddNumberToObject(p, "rollback_lower", s->panda.rollback_lower);
		cJSON_AddNumberToObject(p, "jump", s->panda.jump);
		cJSON_AddNumberToObject(p, "alpha_min", s->panda.alpha_min);
		cJSON_AddNumberToObject(p, "alpha_max", s->panda.alpha_max);
	}
	cJSON_AddNumberToObject(o, "epochs", s->epochs);
	cJSON_AddNumberToObject(o, "trials", s->trials);
	cJSON_AddNumberToObject(o, "parallel", s->parallel);
	cJSON_AddNumberToObject(o, "threads", s->threads);
	cJSON_AddNumberToObject(o, "seed", (double)s->seed);
	cJSON_AddNumberToObject(o, "trial_timeout", s->trial_timeout);
	cJSON_AddNumberToObject(o, "max_retries", s->max_retries);
	cJSON_AddItemToObject(o, "limits", spec_limits_json(s));
	cJSON_AddItemToObject(o, "executor", execspec_json(&s->executor));
	if (params != NULL)
		cJSON_AddItemToObject(o, "params", cJSON_Duplicate(params, 1));
	else
		cJSON_AddItemToObject(o, "params", cJSON_CreateObject());
	return o;
}

/*
 * Parse and check a search spec into s (which need not be initialized). default_parallel (the
 * cores) is used when the spec has no "parallel" in caviar mode, and no "threads" in panda
 * mode (clamped to [1, SPEC_MAX_PARALLEL], and SPEC_MAX_THREADS for threads); panda mode runs
 * one trial at a time. On failure s is left empty (spec_free is still safe) and *cause says
 * what is wrong, naming the JSON path.
 */
int
spec_parse(struct spec *s, const cJSON *json, int default_parallel, char **cause)
{
	const cJSON *v;
	double epochs = 10, trials = 20, parallel, threads = 1, seed = 0;
	double timeout = SPEC_TRIAL_TIMEOUT, retries = 0;
	int err, i;

	memset(s, 0, sizeof *s);
	if (default_parallel < 1)
		default_parallel = 1;
	if (default_parallel > SPEC_MAX_PARALLEL)
		default_parallel = SPEC_MAX_PARALLEL;
	parallel = default_parallel;

	if (!cJSON_IsObject(json)) {
		err = xcause(cause, -EINVAL, "spec: must be a JSON object");
		goto fail;
	}
	if ((err = jcheck_keys(json, spec_keys, NULL, cause)) != 0)
		goto fail;

	s->name = xstrdup("search");
	if ((v = cJSON_GetObjectItemCaseSensitive(json, "name")) != NULL &&
	    (err = spec_name(s, v, cause)) != 0)
		goto fail;
	if ((v = cJSON_GetObjectItemCaseSensitive(json, "mode")) != NULL) {
		if ((i = spec_lookup(v, spec_modes, 2)) < 0) {
			err = xcause(cause, -EINVAL, "mode: must be \"caviar\" or \"panda\"");
			goto fail;
		}
		s->mode = (enum spec_mode)i;
	}
	if ((err = trainerspec_parse(&s->trainer, cJSON_GetObjectItemCaseSensitive(json,
	    "trainer"), cause)) != 0)
		goto fail;
	v = cJSON_GetObjectItemCaseSensitive(json, "dataset");
	if (v == NULL && !s->trainer.set) {
		err = xcause(cause, -EINVAL, "dataset: required (or a \"trainer\" of your own, "
		    "which loads its data itself)");
		goto fail;
	}
	if (v != NULL && s->trainer.set) {
		err = xcause(cause, -EINVAL, "dataset: not with a trainer of your own: it loads its "
		    "data itself (tuna-worker is the one that reads \"dataset\")");
		goto fail;
	}
	if (v != NULL && (err = spec_dataset(v, cause)) != 0)
		goto fail;
	s->dataset = cJSON_Duplicate(v, 1);
	if (s->mode == SPEC_PANDA && s->trainer.set && !s->trainer.control) {
		err = xcause(cause, -EINVAL, "mode: panda needs a trainer that takes commands "
		    "(\"trainer\": {…, \"control\": true}): the babysitter sets alpha, saves and "
		    "restores checkpoints between its epochs");
		goto fail;
	}
	if ((err = execspec_parse(&s->executor, cJSON_GetObjectItemCaseSensitive(json,
	    "executor"), EXECSPEC_LOCAL, cause)) != 0)
		goto fail;
	if ((err = spec_objective(s, cJSON_GetObjectItemCaseSensitive(json, "objective"),
	    cause)) != 0)
		goto fail;

	if (s->mode == SPEC_PANDA) {
		parallel = 1;
		threads = default_parallel < SPEC_MAX_THREADS ? default_parallel :
		    SPEC_MAX_THREADS;
	}
	if ((err = jcheck_int(json, NULL, "epochs", 1, SPEC_MAX_EPOCHS, &epochs, cause)) != 0 ||
	    (err = jcheck_int(json, NULL, "trials", 1, SPEC_MAX_TRIALS, &trials, cause)) != 0 ||
	    (err = jcheck_int(json, NULL, "parallel", 1, SPEC_MAX_PARALLEL, &parallel,
	    cause)) != 0 ||
	    (err = jcheck_int(json, NULL, "threads", 1, SPEC_MAX_THREADS, &threads, cause)) != 0 ||
	    (err = jcheck_int(json, NULL, "seed", 0, SPEC_MAX_SEED, &seed, cause)) != 0 ||
	    (err = jcheck_int(json, NULL, "trial_timeout", 0, 30 * 86400, &timeout, cause)) != 0 ||
	    (err = jcheck_int(json, NULL, "max_retries", 0, 10, &retries, cause)) != 0)
		goto fail;
	if (s->mode == SPEC_PANDA && parallel > 1) {
		err = xcause(cause, -EINVAL, "parallel: panda mode runs one model at a time");
		goto fail;
	}
	s->epochs = (int)epochs;
	s->trials = (int)trials;
	s->parallel = (int)parallel;
	s->threads = (int)threads;
	s->seed = (uint64_t)seed;
	s->trial_timeout = (int)timeout;
	s->max_retries = (int)retries;
	if ((err = spec_limits(s, cJSON_GetObjectItemCaseSensitive(json, "limits"), cause)) != 0)
		goto fail;

	s->rounds = 1;
	panda_policy_default(&s->panda);
	if (((v = cJSON_GetObjectItemCaseSensitive(json, "strategy")) != NULL &&
	    (err = spec_strategy(s, v, cause)) != 0) ||
	    (err = spec_early_stopping(s, cJSON_GetObjectItemCaseSensitive(json,
	    "early_stopping"), cause)) != 0 ||
	    (err = spec_panda(s, cJSON_GetObjectItemCaseSensitive(json, "panda"), cause)) != 0)
		goto fail;

	v = cJSON_GetObjectItemCaseSensitive(json, "params");
	if (v != NULL && (err = spec_params(s, v, cause)) != 0)
		goto fail;
	if (v == NULL && s->trainer.set && (err = spec_trainer_names(s, cause)) != 0)
		goto fail;
	if (s->mode == SPEC_PANDA && s->trainer.set && !spec_has_param(s, "alpha")) {
		err = xcause(cause, -EINVAL, "params.alpha: required in panda mode with a trainer "
		    "of your own: the learning rate the babysitter moves");
		goto fail;
	}
	s->json = spec_normalize(s, v);
	return 0;

fail:
	spec_free(s);
	return err;
}

/* Free what a spec holds and leave it empty; safe on an empty or failed spec. */
void
spec_free(struct spec *s)
{
	int i;

	free(s->name);
	free(s->objective);
	cJSON_Delete(s->dataset);
	cJSON_Delete(s->json);
	execspec_free(&s->executor);
	for (i = 0; i < s->n_params; i++) {
		cJSON_Delete(s->params[i].d.value);
		if (s->params[i].hp != NULL && s->params[i].hp->type == HP_ANY) {
			free((char *)s->params[i].hp->name);
			free((struct hparams_entry *)s->params[i].hp);
		}
	}
	trainerspec_free(&s->trainer);
	memset(s, 0, sizeof *s);
}
