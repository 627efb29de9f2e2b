/* test_spec.c: unit tests of search-spec parsing: defaults, normalization, every error's path. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "fit.h"
#include "model.h"
#include "modelsize.h"
#include "spec.h"
#include "testutil.h"
#include "train.h"
#include "worker-protocol.h"
#include "../worker/trial.h"	/* the worker's (daemon/ has a trial.h too) */

#define DS	"\"dataset\": {\"format\": \"csv\", \"train\": \"/nonexistent/train.csv\"}"

/* Parse a JSON text as a spec with default_parallel 3. */
static int
parse(struct spec *s, const char *text, char **cause)
{
	cJSON *json = cJSON_Parse(text);
	int err;

	if (json == NULL)
		fprintf(stderr, "bad JSON in test: %s\n", text);
	ASSERT(json != NULL);
	*cause = NULL;
	err = spec_parse(s, json, 3, cause);
	cJSON_Delete(json);
	return err;
}

/* Parse a spec that must be accepted. */
static void
good(struct spec *s, const char *text)
{
	char *cause = NULL;
	int err;

	if ((err = parse(s, text, &cause)) != 0)
		fprintf(stderr, "%s: %s\n", text, cause);
	ASSERT_EQ_INT(err, 0);
	ASSERT(cause == NULL);
	ASSERT(s->json != NULL);
}

/* Expect a spec to be refused with a message containing needle (the JSON path). */
static void
bad(const char *text, const char *needle)
{
	struct spec s;
	char *cause = NULL;
	int err;

	err = parse(&s, text, &cause);
	if (err == 0)
		fprintf(stderr, "unexpected success: %s\n", text);
	ASSERT(err < 0);
	ASSERT(cause != NULL);
	ASSERT_STR_CONTAINS(cause, needle);
	ASSERT(s.name == NULL && s.dataset == NULL && s.json == NULL && s.n_params == 0);
	spec_free(&s);
	printf("ok: %s\n", cause);
	free(cause);
}

/* A params object wrapped in a complete spec, then expected to be refused. */
static void
bad_params(const char *params, const char *needle)
{
	char *text;

	text = malloc(strlen(params) + 256);
	ASSERT(text != NULL);
	sprintf(text, "{" DS ", \"params\": %s}", params);
	bad(text, needle);
	free(text);
}

/* A member of the normalized spec as a number. */
static double
num(const struct spec *s, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(s->json, key);

	ASSERT(cJSON_IsNumber(v));
	return v->valuedouble;
}

/* A member of an object as a string. */
static const char *
member_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	ASSERT(cJSON_IsString(v));
	return v->valuestring;
}

/* A member of the normalized spec as a string. */
static const char *
str(const struct spec *s, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(s->json, key);

	ASSERT(cJSON_IsString(v));
	return v->valuestring;
}

/* A spec with every distribution kind: parsed, in table order, defaults in the normalized copy. */
static void
test_every_kind(void)
{
	struct spec s, s2;
	char *text;

	good(&s, "{\"name\": \"t\", " DS ", \"params\": {"
	    "\"optimizer\": {\"values\": [\"adam\", \"rmsprop\"]},"
	    "\"alpha\": {\"scale\": \"log\", \"min\": 1e-4, \"max\": 0.1},"
	    "\"beta2\": {\"scale\": \"one_minus_log\", \"min\": 0.9, \"max\": 0.999},"
	    "\"bn_momentum\": {\"scale\": \"linear\", \"min\": 0.5, \"max\": 0.99},"
	    "\"layers\": {\"scale\": \"int\", \"min\": 1, \"max\": 4},"
	    "\"batch_size\": {\"scale\": \"pow2\", \"min\": 16, \"max\": 512},"
	    "\"hidden_units\": {\"values\": [64, 128, 4096]},"
	    "\"batchnorm\": true, \"epsilon\": 1e-8}}");
	ASSERT_EQ_STR(s.name, "t");
	ASSERT_EQ_INT(s.mode, SPEC_CAVIAR);
	ASSERT_EQ_INT(s.strategy, SPEC_RANDOM);
	ASSERT_EQ_INT(s.epochs, 10);
	ASSERT_EQ_INT(s.trials, 20);
	ASSERT_EQ_INT(s.parallel, 3);
	ASSERT_EQ_INT(s.threads, 1);
	ASSERT_EQ_INT(s.seed, 0);
	ASSERT(cJSON_IsObject(s.dataset));

	/* Table order: alpha beta2 epsilon layers hidden_units batch_size optimizer batchnorm
	 * bn_momentum. */
	ASSERT_EQ_INT(s.n_params, 9);
	ASSERT_EQ_STR(s.params[0].hp->name, "alpha");
	ASSERT_EQ_INT(s.params[0].d.kind, DIST_LOG);
	ASSERT_NEAR(s.params[0].d.min, 1e-4, 0);
	ASSERT_NEAR(s.params[0].d.max, 0.1, 0);
	ASSERT_EQ_STR(s.params[1].hp->name, "beta2");
	ASSERT_EQ_INT(s.params[1].d.kind, DIST_ONE_MINUS_LOG);
	ASSERT_EQ_STR(s.params[2].hp->name, "epsilon");
	ASSERT_EQ_INT(s.params[2].d.kind, DIST_FIXED);
	ASSERT_NEAR(s.params[2].d.min, 1e-8, 0);
	ASSERT_EQ_STR(s.params[3].hp->name, "layers");
	ASSERT_EQ_INT(s.params[3].d.kind, DIST_INT);
	ASSERT_EQ_STR(s.params[4].hp->name, "hidden_units");
	ASSERT_EQ_INT(s.params[4].d.kind, DIST_VALUES);
	ASSERT_NEAR(s.params[4].d.min, 64, 0);
	ASSERT_NEAR(s.params[4].d.max, 4096, 0);
	ASSERT_EQ_STR(s.params[5].hp->name, "batch_size");
	ASSERT_EQ_INT(s.params[5].d.kind, DIST_POW2);
	ASSERT_EQ_STR(s.params[6].hp->name, "optimizer");
	ASSERT_EQ_INT(s.params[6].d.kind, DIST_VALUES);
	ASSERT_EQ_INT(cJSON_GetArraySize(s.params[6].d.value), 2);
	ASSERT_EQ_STR(s.params[7].hp->name, "batchnorm");
	ASSERT(cJSON_IsTrue(s.params[7].d.value));
	ASSERT(isnan(s.params[7].d.min));
	ASSERT_EQ_STR(s.params[8].hp->name, "bn_momentum");
	ASSERT_EQ_INT(s.params[8].d.kind, DIST_LINEAR);
	ASSERT_EQ_STR(dist_kind_name(s.params[1].d.kind), "one_minus_log");

	/* The normalized copy has every default, and parses to itself. */
	ASSERT_EQ_STR(str(&s, "name"), "t");
	ASSERT_EQ_STR(str(&s, "mode"), "caviar");
	ASSERT_EQ_STR(member_str(cJSON_GetObjectItemCaseSensitive(s.json, "strategy"), "kind"),
	    "random");
	ASSERT_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(s.json, "strategy")),
	    1);
	ASSERT(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(s.json, "early_stopping")));
	ASSERT(cJSON_GetObjectItemCaseSensitive(s.json, "panda") == NULL);
	/* the objective by default: val_acc, highest first */
	ASSERT_EQ_STR(s.objective, "val_acc");
	ASSERT(!s.minimize);
	ASSERT_EQ_STR(member_str(cJSON_GetObjectItemCaseSensitive(s.json, "objective"), "metric"),
	    "val_acc");
	ASSERT_EQ_STR(member_str(cJSON_GetObjectItemCaseSensitive(s.json, "objective"), "goal"),
	    "max");
	ASSERT_EQ_INT(s.rounds, 1);
	ASSERT(!s.asha);
	ASSERT_NEAR(num(&s, "epochs"), 10, 0);
	ASSERT_NEAR(num(&s, "trials"), 20, 0);
	ASSERT_NEAR(num(&s, "parallel"), 3, 0);
	ASSERT_NEAR(num(&s, "threads"), 1, 0);
	ASSERT_NEAR(num(&s, "seed"), 0, 0);
	ASSERT(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(s.json, "dataset")));
	ASSERT_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(s.json, "params")), 9);
	text = cJSON_PrintUnformatted(s.json);
	good(&s2, text);
	ASSERT(cJSON_Compare(s.json, s2.json, 1));
	printf("normalized: %s\n", text);
	free(text);
	spec_free(&s2);
	spec_free(&s);
	spec_free(&s);		/* safe twice */
}

/* Every top-level field set explicitly; the smallest spec; the dataset is checked for form only. */
static void
test_fields(void)
{
	struct spec s;

	good(&s, "{\"name\": \"full\", \"mode\": \"caviar\", \"dataset\": \"/nonexistent/dir\","
	    "\"strategy\": {\"kind\": \"coarse_to_fine\"}, \"epochs\": 100000,"
	    "\"trials\": 1000000, \"parallel\": 256, \"threads\": 64, \"seed\": 9007199254740992,"
	    "\"params\": {}}");
	ASSERT_EQ_INT(s.mode, SPEC_CAVIAR);
	ASSERT_EQ_INT(s.strategy, SPEC_COARSE_TO_FINE);
	ASSERT_EQ_INT(s.rounds, 3);
	ASSERT_EQ_INT(s.top_k, 1000);		/* 333333 / 5, at most 1000 */
	ASSERT_NEAR(s.zoom, 0.5, 0);
	ASSERT_EQ_INT(s.epochs, 100000);
	ASSERT_EQ_INT(s.trials, SPEC_MAX_TRIALS);
	ASSERT_EQ_INT(s.parallel, SPEC_MAX_PARALLEL);
	ASSERT_EQ_INT(s.threads, 64);
	ASSERT(s.seed == 9007199254740992ULL);
	ASSERT_EQ_STR(str(&s, "mode"), "caviar");
	ASSERT_EQ_STR(member_str(cJSON_GetObjectItemCaseSensitive(s.json, "strategy"), "kind"),
	    "coarse_to_fine");
	ASSERT_EQ_STR(str(&s, "dataset"), "/nonexistent/dir");
	ASSERT_NEAR(num(&s, "seed"), 9007199254740992.0, 0);
	spec_free(&s);

	/* An objective to minimize; a goal alone keeps val_acc. */
	good(&s, "{\"dataset\": \"/nonexistent\", \"objective\": {\"metric\": \"val_loss\", "
	    "\"goal\": \"min\"}}");
	ASSERT_EQ_STR(s.objective, "val_loss");
	ASSERT(s.minimize);
	ASSERT_EQ_STR(member_str(cJSON_GetObjectItemCaseSensitive(s.json, "objective"), "goal"),
	    "min");
	spec_free(&s);
	good(&s, "{\"dataset\": \"/nonexistent\", \"objective\": {\"goal\": \"max\"}}");
	ASSERT_EQ_STR(s.objective, "val_acc");
	ASSERT(!s.minimize);
	spec_free(&s);

	good(&s, "{\"dataset\": {\"path\": \"/nonexistent\", \"val_fraction\": 0.2,"
	    "\"cache\": false},"
	    "\"strategy\": \"coarse_to_fine\", \"seed\": 7}");
	ASSERT_EQ_STR(s.name, "search");
	ASSERT_EQ_STR(str(&s, "name"), "search");
	ASSERT_EQ_INT(s.strategy, SPEC_COARSE_TO_FINE);
	ASSERT_EQ_INT(s.rounds, 3);
	ASSERT_EQ_INT(s.top_k, 2);		/* max(2, 6 / 5) */
	ASSERT_EQ_INT(s.seed, 7);
	ASSERT_EQ_INT(s.n_params, 0);
	ASSERT(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(s.json, "params")));
	ASSERT_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(s.json, "params")), 0);
	spec_free(&s);

	good(&s, "{\"dataset\": {\"format\": \"idx\", \"train_images\": \"a\","
	    "\"train_labels\": \"b\"},"
	    "\"params\": {\"hidden_units\": 8192, \"layers\": 16}}");
	spec_free(&s);
}

/* The default parallelism is clamped into the valid range. */
static void
test_default_parallel(void)
{
	cJSON *json = cJSON_Parse("{" DS "}");
	struct spec s;
	char *cause = NULL;

	ASSERT_EQ_INT(spec_parse(&s, json, 0, &cause), 0);
	ASSERT_EQ_INT(s.parallel, 1);
	spec_free(&s);
	ASSERT_EQ_INT(spec_parse(&s, json, 100000, &cause), 0);
	ASSERT_EQ_INT(s.parallel, SPEC_MAX_PARALLEL);
	spec_free(&s);
	cJSON_Delete(json);
	ASSERT(cause == NULL);
}

/* The catalogue of bad specs: each refused, the message naming the JSON path. */
static void
test_bad(void)
{
	char name[300], *values, *p;
	int i;

	/* The whole spec and its top-level fields. */
	bad("[]", "spec: must be a JSON object");
	bad("\"spec\"", "spec: must be a JSON object");
	bad("{" DS ", \"colour\": 1}", "colour: unknown key");
	bad("{" DS ", \"epochs\": 5, \"epochs\": 6}", "epochs: duplicate key");
	bad("{}", "dataset: required");
	bad("{" DS ", \"name\": 5}", "name: must be");
	bad("{" DS ", \"name\": \"\"}", "name: must be");
	memset(name, 'x', 201);
	name[201] = '\0';
	values = malloc(512);
	ASSERT(values != NULL);
	snprintf(values, 512, "{" DS ", \"name\": \"%s\"}", name);
	bad(values, "name: must be at most 200 characters");
	free(values);
	bad("{" DS ", \"name\": \"a\\nb\"}", "name: must not contain control characters");
	bad("{" DS ", \"mode\": \"fast\"}", "mode: must be \"caviar\" or \"panda\"");
	bad("{" DS ", \"mode\": 1}", "mode: must be");
	bad("{" DS ", \"strategy\": \"grid\"}", "strategy: must be");
	bad("{" DS ", \"strategy\": 3}", "strategy: must be");
	bad("{" DS ", \"strategy\": {\"kind\": \"random\", \"rounds\": 3}}",
	    "strategy.rounds: unknown key");
	bad("{" DS ", \"strategy\": {\"kind\": \"random\", \"top_k\": 3}}",
	    "strategy.top_k: unknown key for the random strategy");
	bad("{" DS ", \"strategy\": {\"kind\": \"random\", \"zoom\": 0.5}}",
	    "strategy.zoom: unknown key for the random strategy");
	bad("{" DS ", \"strategy\": {\"kind\": \"coarse_to_fine\", \"colour\": 1}}",
	    "strategy.colour: unknown key");
	bad("{" DS ", \"strategy\": {\"kind\": \"coarse_to_fine\", \"rounds\": 1}}",
	    "strategy.rounds: must be an integer in [2, 20]");
	bad("{" DS ", \"strategy\": {\"kind\": \"coarse_to_fine\", \"rounds\": 21}}",
	    "strategy.rounds: must be an integer in [2, 20]");
	bad("{" DS ", \"strategy\": {\"kind\": \"coarse_to_fine\", \"rounds\": 2.5}}",
	    "strategy.rounds: must be an integer");
	bad("{" DS ", \"trials\": 4, \"strategy\": {\"kind\": \"coarse_to_fine\","
	    "\"rounds\": 5}}", "strategy.rounds: 5 rounds need at least as many trials, got 4");
	bad("{" DS ", \"trials\": 1, \"strategy\": \"coarse_to_fine\"}",
	    "strategy: coarse_to_fine needs at least 2 trials");
	bad("{" DS ", \"strategy\": {\"kind\": \"coarse_to_fine\", \"top_k\": 0}}",
	    "strategy.top_k: must be an integer in [1, 1000]");
	bad("{" DS ", \"strategy\": {\"kind\": \"coarse_to_fine\", \"top_k\": 1001}}",
	    "strategy.top_k: must be an integer in [1, 1000]");
	bad("{" DS ", \"strategy\": {\"kind\": \"coarse_to_fine\", \"zoom\": 0}}",
	    "strategy.zoom: must be a number in (0, 1)");
	bad("{" DS ", \"strategy\": {\"kind\": \"coarse_to_fine\", \"zoom\": 1}}",
	    "strategy.zoom: must be a number in (0, 1)");
	bad("{" DS ", \"strategy\": {\"kind\": \"coarse_to_fine\", \"zoom\": \"half\"}}",
	    "strategy.zoom: must be a number in (0, 1)");
	bad("{" DS ", \"strategy\": {\"rounds\": 3}}", "strategy.kind: required");

	/* Early stopping. */
	bad("{" DS ", \"mode\": \"panda\", \"early_stopping\": {\"kind\": \"asha\"}}",
	    "early_stopping: only for caviar mode");
	bad("{" DS ", \"early_stopping\": \"asha\"}", "early_stopping: must be null or an object");
	bad("{" DS ", \"objective\": \"val_acc\"}", "objective: must be an object");
	bad("{" DS ", \"objective\": {\"metric\": \"val_acc\", \"goal\": \"max\", \"x\": 1}}",
	    "objective.x: unknown key");
	bad("{" DS ", \"objective\": {\"metric\": \"val_accuracy\", \"goal\": \"max\"}}",
	    "objective.metric: must be a metric the trainer reports: train_loss, train_acc, "
	    "val_loss, val_acc, alpha");
	bad("{" DS ", \"objective\": {\"metric\": 1, \"goal\": \"max\"}}",
	    "objective.metric: must be a metric");
	bad("{" DS ", \"objective\": {\"metric\": \"val_loss\"}}",
	    "objective.goal: required with a metric");
	bad("{" DS ", \"objective\": {\"metric\": \"val_loss\", \"goal\": \"lowest\"}}",
	    "objective.goal: must be \"max\" or \"min\"");
	bad("{" DS ", \"early_stopping\": {}}", "early_stopping.kind: required");
	bad("{" DS ", \"early_stopping\": {\"kind\": \"hyperband\"}}",
	    "early_stopping.kind: must be \"asha\"");
	bad("{" DS ", \"early_stopping\": {\"kind\": \"asha\", \"grace\": 1}}",
	    "early_stopping.grace: unknown key");
	bad("{" DS ", \"early_stopping\": {\"kind\": \"asha\", \"eta\": 1}}",
	    "early_stopping.eta: must be a number > 1");
	bad("{" DS ", \"early_stopping\": {\"kind\": \"asha\", \"eta\": \"3\"}}",
	    "early_stopping.eta: must be a number > 1");
	bad("{" DS ", \"early_stopping\": {\"kind\": \"asha\", \"rungs\": []}}",
	    "early_stopping.rungs: must be a non-empty array of at most 16");
	bad("{" DS ", \"early_stopping\": {\"kind\": \"asha\", \"rungs\": 3}}",
	    "early_stopping.rungs: must be a non-empty array");
	bad("{" DS ", \"epochs\": 100, \"early_stopping\": {\"kind\": \"asha\", \"rungs\": "
	    "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]}}",
	    "early_stopping.rungs: must be a non-empty array of at most 16");
	bad("{" DS ", \"early_stopping\": {\"kind\": \"asha\", \"rungs\": [0, 3]}}",
	    "early_stopping.rungs[0]: must be an integer in [1, 9] (below epochs)");
	bad("{" DS ", \"early_stopping\": {\"kind\": \"asha\", \"rungs\": [1, 10]}}",
	    "early_stopping.rungs[1]: must be an integer in [1, 9]");
	bad("{" DS ", \"early_stopping\": {\"kind\": \"asha\", \"rungs\": [1, 2.5]}}",
	    "early_stopping.rungs[1]: must be an integer");
	bad("{" DS ", \"early_stopping\": {\"kind\": \"asha\", \"rungs\": [3, 3]}}",
	    "early_stopping.rungs[1]: must be greater than the rung before");
	bad("{" DS ", \"early_stopping\": {\"kind\": \"asha\", \"rungs\": [3, \"5\"]}}",
	    "early_stopping.rungs[1]: must be an integer");
	bad("{" DS ", \"epochs\": 1, \"early_stopping\": {\"kind\": \"asha\"}}",
	    "early_stopping: ASHA needs at least 2 epochs");

	/* Panda mode and its policy. */
	bad("{" DS ", \"panda\": {}}", "panda: only for panda mode");
	bad("{" DS ", \"mode\": \"panda\", \"parallel\": 2}",
	    "parallel: panda mode runs one model at a time");
	bad("{" DS ", \"mode\": \"panda\", \"panda\": 5}", "panda: must be an object");
	bad("{" DS ", \"mode\": \"panda\", \"panda\": {\"speed\": 1}}",
	    "panda.speed: unknown key");
	bad("{" DS ", \"mode\": \"panda\", \"panda\": {\"raise\": 1}}",
	    "panda.raise: must be a number > 1");
	bad("{" DS ", \"mode\": \"panda\", \"panda\": {\"raise_after\": 0}}",
	    "panda.raise_after: must be an integer in [1, 100000]");
	bad("{" DS ", \"mode\": \"panda\", \"panda\": {\"raise_after\": 1.5}}",
	    "panda.raise_after: must be an integer");
	bad("{" DS ", \"mode\": \"panda\", \"panda\": {\"lower\": 1}}",
	    "panda.lower: must be a number in (0, 1)");
	bad("{" DS ", \"mode\": \"panda\", \"panda\": {\"lower\": 0}}",
	    "panda.lower: must be a number in (0, 1)");
	bad("{" DS ", \"mode\": \"panda\", \"panda\": {\"rollback_lower\": 1.5}}",
	    "panda.rollback_lower: must be a number in (0, 1)");
	bad("{" DS ", \"mode\": \"panda\", \"panda\": {\"jump\": 0.9}}",
	    "panda.jump: must be a number > 1");
	bad("{" DS ", \"mode\": \"panda\", \"panda\": {\"jump\": null}}",
	    "panda.jump: must be a number > 1");
	bad("{" DS ", \"mode\": \"panda\", \"panda\": {\"alpha_min\": 0}}",
	    "panda.alpha_min: must be a number in (0, 10]");
	bad("{" DS ", \"mode\": \"panda\", \"panda\": {\"alpha_max\": 11}}",
	    "panda.alpha_max: must be a number in (0, 10]");
	bad("{" DS ", \"mode\": \"panda\", \"panda\": {\"alpha_min\": 0.5,"
	    "\"alpha_max\": 0.1}}", "panda.alpha_min: must be less than alpha_max");
	bad("{" DS ", \"mode\": \"panda\", \"panda\": {\"alpha_min\": 2}}",
	    "panda.alpha_min: must be less than alpha_max (1)");
	bad("{" DS ", \"strategy\": {}}", "strategy.kind: required");
	bad("{" DS ", \"strategy\": {\"kind\": \"grid\"}}", "strategy.kind: must be");
	bad("{" DS ", \"epochs\": \"10\"}", "epochs: must be an integer in [1, 100000]");
	bad("{" DS ", \"epochs\": 0}", "epochs: must be an integer");
	bad("{" DS ", \"epochs\": 100001}", "epochs: must be an integer");
	bad("{" DS ", \"epochs\": 2.5}", "epochs: must be an integer");
	bad("{" DS ", \"trials\": 0}", "trials: must be an integer in [1, 1000000]");
	bad("{" DS ", \"trials\": 1000001}", "trials: must be an integer in [1, 1000000]");
	bad("{" DS ", \"trials\": 1000001}", "trials: must be an integer");
	bad("{" DS ", \"trials\": null}", "trials: must be an integer");
	bad("{" DS ", \"parallel\": 0}", "parallel: must be an integer in [1, 256]");
	bad("{" DS ", \"parallel\": 257}", "parallel: must be an integer");
	bad("{" DS ", \"parallel\": true}", "parallel: must be an integer");
	bad("{" DS ", \"threads\": 65}", "threads: must be an integer in [1, 64]");
	bad("{" DS ", \"threads\": 0}", "threads: must be an integer");
	bad("{" DS ", \"seed\": -1}", "seed: must be an integer");
	bad("{" DS ", \"seed\": 1e17}", "seed: must be an integer");
	bad("{" DS ", \"seed\": \"42\"}", "seed: must be an integer");
	bad("{" DS ", \"params\": []}", "params: must be an object");

	/* Resource limits. */
	bad("{" DS ", \"limits\": 5}", "limits: must be an object");
	bad("{" DS ", \"limits\": null}", "limits: must be an object");
	bad("{" DS ", \"limits\": {\"memory_mb\": 100}}", "limits.memory_mb: unknown key");
	bad("{" DS ", \"limits\": {\"cpu_seconds\": 5, \"cpu_seconds\": 6}}",
	    "limits.cpu_seconds: duplicate key");
	bad("{" DS ", \"limits\": {\"cpu_seconds\": 0}}",
	    "limits.cpu_seconds: must be an integer in [1, 31536000]");
	bad("{" DS ", \"limits\": {\"cpu_seconds\": 31536001}}",
	    "limits.cpu_seconds: must be an integer in [1, 31536000]");
	bad("{" DS ", \"limits\": {\"cpu_seconds\": 2.5}}",
	    "limits.cpu_seconds: must be an integer");
	bad("{" DS ", \"limits\": {\"cpu_seconds\": \"60\"}}",
	    "limits.cpu_seconds: must be an integer");
	bad("{" DS ", \"limits\": {\"address_space_mb\": 63}}",
	    "limits.address_space_mb: must be an integer in [64, 16777216]");
	bad("{" DS ", \"limits\": {\"address_space_mb\": 16777217}}",
	    "limits.address_space_mb: must be an integer in [64, 16777216]");
	bad("{" DS ", \"limits\": {\"address_space_mb\": -1}}",
	    "limits.address_space_mb: must be an integer");
	bad("{" DS ", \"limits\": {\"address_space_mb\": true}}",
	    "limits.address_space_mb: must be an integer");

	/* The dataset's form. */
	bad("{\"dataset\": 5}", "dataset: must be a path string or an object");
	bad("{\"dataset\": \"\"}", "dataset: must be a non-empty path");
	bad("{\"dataset\": {}}", "dataset: needs \"path\" or \"format\"");
	bad("{\"dataset\": {\"format\": \"xml\"}}", "dataset.format: must be");
	bad("{\"dataset\": {\"format\": \"idx\", \"train_images\": \"a\"}}",
	    "dataset.train_labels: required");
	bad("{\"dataset\": {\"format\": \"csv\", \"train\": \"a\", \"bogus\": 1}}",
	    "dataset.bogus: unknown key");
	bad("{\"dataset\": {\"path\": \"/x\", \"bogus\": 1}}", "dataset.bogus: unknown key");
	bad("{\"dataset\": {\"path\": \"/x\", \"format\": \"csv\"}}",
	    "dataset.format: unknown key");
	bad("{\"dataset\": {\"path\": 3}}", "dataset.path: must be a non-empty string");
	bad("{\"dataset\": {\"path\": \"/x\", \"val_fraction\": 2}}", "dataset.val_fraction:");
	bad("{\"dataset\": {\"path\": \"/x\", \"cache\": 1}}", "dataset.cache:");

	/* Hyperparameters: names and fixed values. */
	bad_params("{\"dropout\": 0.5}", "params.dropout: unknown hyperparameter");
	bad_params("{\"alpha\": 0.1, \"alpha\": 0.2}", "params.alpha: duplicate key");
	bad_params("{\"alpha\": \"big\"}", "params.alpha: alpha must be a number");
	bad_params("{\"alpha\": 20}", "params.alpha: alpha must be in (0, 10]");
	bad_params("{\"beta\": 1}", "params.beta: beta must be in [0, 1)");
	bad_params("{\"layers\": 2.5}", "params.layers: layers must be an integer");
	bad_params("{\"batchnorm\": \"yes\"}", "params.batchnorm: batchnorm must be true or false");
	bad_params("{\"optimizer\": \"sgd\"}", "params.optimizer: optimizer must be");

	/* Scales. */
	bad_params("{\"alpha\": {\"scale\": \"log\", \"min\": 1e-4, \"max\": 0.1, \"mean\": 0.01}}",
	    "params.alpha.mean: unknown key");
	bad_params("{\"alpha\": {\"min\": 1e-4, \"max\": 0.1}}",
	    "params.alpha: a distribution needs \"scale\" or \"values\"");
	bad_params("{\"alpha\": {\"scale\": \"cubic\", \"min\": 1e-4, \"max\": 0.1}}",
	    "params.alpha.scale: must be");
	bad_params("{\"alpha\": {\"scale\": \"fixed\", \"min\": 1e-4, \"max\": 0.1}}",
	    "params.alpha.scale: must be");
	bad_params("{\"alpha\": {\"scale\": \"log\", \"max\": 0.1}}", "params.alpha.min: required");
	bad_params("{\"alpha\": {\"scale\": \"log\", \"min\": 1e-4}}",
	    "params.alpha.max: required");
	bad_params("{\"alpha\": {\"scale\": \"log\", \"min\": \"small\", \"max\": 0.1}}",
	    "params.alpha.min: must be a number");
	bad_params("{\"alpha\": {\"scale\": \"linear\", \"min\": 0.1, \"max\": null}}",
	    "params.alpha.max: must be a number");
	bad_params("{\"alpha\": {\"scale\": \"log\", \"min\": 0.1, \"max\": 0.01}}",
	    "params.alpha: min must be less than max");
	bad_params("{\"alpha\": {\"scale\": \"linear\", \"min\": 0.1, \"max\": 0.1}}",
	    "params.alpha: min must be less than max");
	bad_params("{\"alpha\": {\"scale\": \"log\", \"min\": -1, \"max\": 0.1}}",
	    "params.alpha.min: must be > 0 for a log scale");
	bad_params("{\"lr_decay\": {\"scale\": \"log\", \"min\": 0, \"max\": 0.1}}",
	    "params.lr_decay.min: must be > 0 for a log scale");
	bad_params("{\"alpha\": {\"scale\": \"log\", \"min\": 1e-4, \"max\": 100}}",
	    "params.alpha.max: alpha must be in (0, 10]");
	bad_params("{\"alpha\": {\"scale\": \"linear\", \"min\": 0, \"max\": 1}}",
	    "params.alpha.min: alpha must be in (0, 10]");
	bad_params("{\"beta2\": {\"scale\": \"one_minus_log\", \"min\": 0.9, \"max\": 1}}",
	    "params.beta2.max: must be < 1 for a one_minus_log scale");
	bad_params("{\"beta2\": {\"scale\": \"one_minus_log\", \"min\": 0, \"max\": 0.9}}",
	    "params.beta2.min: must be > 0 for a one_minus_log scale");
	bad_params("{\"lr_decay\": {\"scale\": \"one_minus_log\", \"min\": 0.5, \"max\": 2}}",
	    "params.lr_decay.max: must be < 1");
	bad_params("{\"alpha\": {\"scale\": \"int\", \"min\": 1, \"max\": 3}}",
	    "params.alpha: scale \"int\" is for integer hyperparameters");
	bad_params("{\"beta\": {\"scale\": \"pow2\", \"min\": 1, \"max\": 4}}",
	    "params.beta: scale \"pow2\" is for integer hyperparameters");
	bad_params("{\"hidden_units\": {\"scale\": \"log\", \"min\": 16, \"max\": 1024}}",
	    "params.hidden_units: scale \"log\" is for real hyperparameters; hidden_units is an "
	    "integer: use int, pow2 or values");
	bad_params("{\"layers\": {\"scale\": \"linear\", \"min\": 1, \"max\": 3}}",
	    "params.layers: scale \"linear\" is for real");
	bad_params("{\"layers\": {\"scale\": \"int\", \"min\": 1.5, \"max\": 3}}",
	    "params.layers.min: must be an integer");
	bad_params("{\"layers\": {\"scale\": \"int\", \"min\": 1, \"max\": 17}}",
	    "params.layers.max: layers must be in [0, 16]");
	bad_params("{\"layers\": {\"scale\": \"int\", \"min\": 3, \"max\": 1}}",
	    "params.layers: min must be less than max");
	bad_params("{\"batch_size\": {\"scale\": \"pow2\", \"min\": 12, \"max\": 512}}",
	    "params.batch_size.min: must be a power of two");
	bad_params("{\"batch_size\": {\"scale\": \"pow2\", \"min\": 16, \"max\": 4194304}}",
	    "params.batch_size.max: batch_size must be in");
	bad_params("{\"optimizer\": {\"scale\": \"linear\", \"min\": 0, \"max\": 3}}",
	    "params.optimizer: optimizer takes a fixed value or {\"values\"");
	bad_params("{\"batchnorm\": {\"scale\": \"int\", \"min\": 0, \"max\": 1}}",
	    "params.batchnorm: batchnorm takes a fixed value");

	/* Values. */
	bad_params("{\"optimizer\": {\"values\": [\"adam\", \"sgd\"]}}",
	    "params.optimizer.values[1]: optimizer must be");
	bad_params("{\"layers\": {\"values\": [1, 2, 2.5]}}",
	    "params.layers.values[2]: layers must be an integer");
	bad_params("{\"alpha\": {\"values\": [0.1, 0]}}",
	    "params.alpha.values[1]: alpha must be in");
	bad_params("{\"batchnorm\": {\"values\": [true, null]}}",
	    "params.batchnorm.values[1]: batchnorm must be true or false");
	bad_params("{\"optimizer\": {\"values\": []}}",
	    "params.optimizer.values: must be a non-empty array");
	bad_params("{\"optimizer\": {\"values\": \"adam\"}}",
	    "params.optimizer.values: must be a non-empty array");
	bad_params("{\"optimizer\": {\"values\": [\"adam\"], \"scale\": \"log\"}}",
	    "params.optimizer.scale: unknown key");
	values = malloc(8 * 1001 + 64);
	ASSERT(values != NULL);
	p = values + sprintf(values, "{\"layers\": {\"values\": [");
	for (i = 0; i < 1001; i++)
		p += sprintf(p, "%s%d", i ? ", " : "", i % 17);
	sprintf(p, "]}}");
	bad_params(values, "params.layers.values: must be a non-empty array of at most 1000");
	free(values);

	/* Models that cannot fit (test_model_size: the boundary). */
	bad_params("{\"hidden_units\": 65536}", "params.hidden_units:");
	bad_params("{\"hidden_units\": 16384, \"layers\": 16}", "too large");
	bad_params("{\"hidden_units\": {\"scale\": \"pow2\", \"min\": 256, \"max\": 65536},"
	    "\"layers\": 2}", "params.hidden_units:");
	bad_params("{\"hidden_units\": {\"values\": [64, 32768]}, \"layers\": {\"scale\": \"int\","
	    "\"min\": 1, \"max\": 3}}", "too large");
}

/* Parse a spec; the normalized copy parses (with another default_parallel) to the same. */
static void
round_trip(struct spec *s, const char *text)
{
	struct spec s2;
	cJSON *json;
	char *norm, *cause = NULL;
	int i;

	good(s, text);
	norm = cJSON_PrintUnformatted(s->json);
	printf("normalized: %s\n", norm);
	json = cJSON_Parse(norm);
	ASSERT(json != NULL);
	ASSERT_EQ_INT(spec_parse(&s2, json, 17, &cause), 0);
	ASSERT(cJSON_Compare(s->json, s2.json, 1));
	ASSERT_EQ_INT(s2.mode, s->mode);
	ASSERT_EQ_INT(s2.strategy, s->strategy);
	ASSERT_EQ_INT(s2.rounds, s->rounds);
	ASSERT_EQ_INT(s2.top_k, s->top_k);
	ASSERT(s2.zoom == s->zoom);
	ASSERT_EQ_INT(s2.asha, s->asha);
	ASSERT_EQ_INT(s2.nrungs, s->nrungs);
	for (i = 0; i < s->nrungs; i++)
		ASSERT_EQ_INT(s2.rungs[i], s->rungs[i]);
	ASSERT(s2.eta == s->eta);
	ASSERT(memcmp(&s2.panda, &s->panda, sizeof s->panda) == 0);
	ASSERT_EQ_INT(s2.parallel, s->parallel);
	ASSERT_EQ_INT(s2.threads, s->threads);
	ASSERT_EQ_INT(s2.epochs, s->epochs);
	ASSERT_EQ_INT(s2.trials, s->trials);
	ASSERT_EQ_INT(s2.address_space_mb, s->address_space_mb);
	ASSERT_EQ_INT(s2.cpu_seconds, s->cpu_seconds);
	spec_free(&s2);
	cJSON_Delete(json);
	free(norm);
}

/* Coarse-to-fine settings: defaults from trials, explicit values, the normalized object. */
static void
test_strategy(void)
{
	const cJSON *st;
	struct spec s;

	round_trip(&s, "{" DS ", \"trials\": 100, \"strategy\": \"coarse_to_fine\"}");
	ASSERT_EQ_INT(s.strategy, SPEC_COARSE_TO_FINE);
	ASSERT_EQ_INT(s.rounds, 3);
	ASSERT_EQ_INT(s.top_k, 6);		/* 33 per round / 5 */
	ASSERT_NEAR(s.zoom, 0.5, 0);
	st = cJSON_GetObjectItemCaseSensitive(s.json, "strategy");
	ASSERT_EQ_STR(member_str(st, "kind"), "coarse_to_fine");
	ASSERT_NEAR(cJSON_GetObjectItemCaseSensitive(st, "rounds")->valuedouble, 3, 0);
	ASSERT_NEAR(cJSON_GetObjectItemCaseSensitive(st, "top_k")->valuedouble, 6, 0);
	ASSERT_NEAR(cJSON_GetObjectItemCaseSensitive(st, "zoom")->valuedouble, 0.5, 0);
	ASSERT_EQ_STR(spec_strategy_name(s.strategy), "coarse_to_fine");
	spec_free(&s);

	round_trip(&s, "{" DS ", \"trials\": 100, \"strategy\": {\"kind\": \"coarse_to_fine\","
	    "\"rounds\": 5, \"zoom\": 0.3}}");
	ASSERT_EQ_INT(s.rounds, 5);
	ASSERT_EQ_INT(s.top_k, 4);		/* 20 per round / 5 */
	ASSERT_NEAR(s.zoom, 0.3, 0);
	spec_free(&s);

	round_trip(&s, "{" DS ", \"trials\": 40, \"strategy\": {\"kind\": \"coarse_to_fine\","
	    "\"rounds\": 20, \"top_k\": 1}}");
	ASSERT_EQ_INT(s.rounds, 20);
	ASSERT_EQ_INT(s.top_k, 1);
	spec_free(&s);

	/* Fewer trials than the default rounds: one round per trial. */
	round_trip(&s, "{" DS ", \"trials\": 2, \"strategy\": \"coarse_to_fine\"}");
	ASSERT_EQ_INT(s.rounds, 2);
	ASSERT_EQ_INT(s.top_k, 2);
	spec_free(&s);

	round_trip(&s, "{" DS ", \"strategy\": {\"kind\": \"random\"}}");
	ASSERT_EQ_INT(s.strategy, SPEC_RANDOM);
	ASSERT_EQ_INT(s.rounds, 1);
	ASSERT_EQ_INT(s.top_k, 0);
	spec_free(&s);
}

/* ASHA: default rungs from eta and epochs, explicit ones, null, the normalized object. */
static void
test_early_stopping(void)
{
	static const int r10[] = { 1, 3, 9 }, r9[] = { 1, 3 }, r100[] = { 1, 2, 4, 8, 16, 32, 64 },
	    r50[] = { 1, 3, 6, 16, 39 }, r2[] = { 2, 5 };
	const cJSON *es;
	struct spec s;
	int i;

	round_trip(&s, "{" DS ", \"early_stopping\": {\"kind\": \"asha\"}}");
	ASSERT(s.asha);
	ASSERT_NEAR(s.eta, 3, 0);
	ASSERT_EQ_INT(s.nrungs, 3);
	for (i = 0; i < 3; i++)
		ASSERT_EQ_INT(s.rungs[i], r10[i]);
	es = cJSON_GetObjectItemCaseSensitive(s.json, "early_stopping");
	ASSERT_EQ_STR(member_str(es, "kind"), "asha");
	ASSERT_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(es, "rungs")), 3);
	ASSERT_NEAR(cJSON_GetObjectItemCaseSensitive(es, "eta")->valuedouble, 3, 0);
	spec_free(&s);

	round_trip(&s, "{" DS ", \"epochs\": 9, \"early_stopping\": {\"kind\": \"asha\"}}");
	ASSERT_EQ_INT(s.nrungs, 2);
	for (i = 0; i < 2; i++)
		ASSERT_EQ_INT(s.rungs[i], r9[i]);
	spec_free(&s);

	round_trip(&s, "{" DS ", \"epochs\": 100, \"early_stopping\": {\"kind\": \"asha\","
	    "\"eta\": 2}}");
	ASSERT_EQ_INT(s.nrungs, 7);
	for (i = 0; i < 7; i++)
		ASSERT_EQ_INT(s.rungs[i], r100[i]);
	spec_free(&s);

	/* A fractional eta: rounded powers, without repeats. */
	round_trip(&s, "{" DS ", \"epochs\": 50, \"early_stopping\": {\"kind\": \"asha\","
	    "\"eta\": 2.5}}");
	ASSERT_EQ_INT(s.nrungs, 5);
	for (i = 0; i < 5; i++)
		ASSERT_EQ_INT(s.rungs[i], r50[i]);
	spec_free(&s);

	/* At most 16 rungs; a huge eta leaves rung 1 alone; two epochs have rung 1. */
	good(&s, "{" DS ", \"epochs\": 100000, \"early_stopping\": {\"kind\": \"asha\","
	    "\"eta\": 1.5}}");
	ASSERT_EQ_INT(s.nrungs, ASHA_MAX_RUNGS);
	for (i = 1; i < s.nrungs; i++)
		ASSERT(s.rungs[i] > s.rungs[i - 1]);
	spec_free(&s);
	good(&s, "{" DS ", \"early_stopping\": {\"kind\": \"asha\", \"eta\": 1e6}}");
	ASSERT_EQ_INT(s.nrungs, 1);
	ASSERT_EQ_INT(s.rungs[0], 1);
	spec_free(&s);
	good(&s, "{" DS ", \"epochs\": 2, \"early_stopping\": {\"kind\": \"asha\","
	    "\"eta\": 1.0001}}");
	ASSERT_EQ_INT(s.nrungs, 1);
	spec_free(&s);

	round_trip(&s, "{" DS ", \"early_stopping\": {\"kind\": \"asha\", \"rungs\": [2, 5],"
	    "\"eta\": 4}}");
	ASSERT_EQ_INT(s.nrungs, 2);
	for (i = 0; i < 2; i++)
		ASSERT_EQ_INT(s.rungs[i], r2[i]);
	ASSERT_NEAR(s.eta, 4, 0);
	spec_free(&s);

	/* null is none, in either mode; so is absence. */
	round_trip(&s, "{" DS ", \"early_stopping\": null}");
	ASSERT(!s.asha);
	ASSERT_EQ_INT(s.nrungs, 0);
	spec_free(&s);
	round_trip(&s, "{" DS ", \"mode\": \"panda\", \"early_stopping\": null}");
	ASSERT(!s.asha);
	spec_free(&s);
}

/* Panda mode: one model at a time with the cores as threads; the policy and its defaults. */
static void
test_panda(void)
{
	const cJSON *p;
	cJSON *json;
	struct spec s;
	char *cause = NULL;

	round_trip(&s, "{" DS ", \"mode\": \"panda\"}");
	ASSERT_EQ_INT(s.mode, SPEC_PANDA);
	ASSERT_EQ_INT(s.parallel, 1);
	ASSERT_EQ_INT(s.threads, 3);		/* default_parallel */
	ASSERT_NEAR(s.panda.raise, 1.25, 0);
	ASSERT_EQ_INT(s.panda.raise_after, 2);
	ASSERT_NEAR(s.panda.lower, 0.5, 0);
	ASSERT_NEAR(s.panda.rollback_lower, 0.3, 0);
	ASSERT_NEAR(s.panda.jump, 1.5, 0);
	ASSERT_NEAR(s.panda.alpha_min, 1e-6, 0);
	ASSERT_NEAR(s.panda.alpha_max, 1, 0);
	p = cJSON_GetObjectItemCaseSensitive(s.json, "panda");
	ASSERT(cJSON_IsObject(p));
	ASSERT_EQ_INT(cJSON_GetArraySize(p), 7);
	ASSERT_NEAR(cJSON_GetObjectItemCaseSensitive(p, "raise_after")->valuedouble, 2, 0);
	ASSERT_NEAR(num(&s, "parallel"), 1, 0);
	ASSERT_NEAR(num(&s, "threads"), 3, 0);
	spec_free(&s);

	round_trip(&s, "{" DS ", \"mode\": \"panda\", \"parallel\": 1, \"threads\": 2,"
	    "\"strategy\": {\"kind\": \"coarse_to_fine\", \"rounds\": 4}, \"trials\": 8,"
	    "\"panda\": {\"raise\": 1.1, \"raise_after\": 3, \"lower\": 0.7,"
	    "\"rollback_lower\": 0.1, \"jump\": 2, \"alpha_min\": 1e-5, \"alpha_max\": 10}}");
	ASSERT_EQ_INT(s.parallel, 1);
	ASSERT_EQ_INT(s.threads, 2);
	ASSERT_EQ_INT(s.strategy, SPEC_COARSE_TO_FINE);
	ASSERT_EQ_INT(s.rounds, 4);
	ASSERT_EQ_INT(s.top_k, 2);
	ASSERT_NEAR(s.panda.raise, 1.1, 0);
	ASSERT_EQ_INT(s.panda.raise_after, 3);
	ASSERT_NEAR(s.panda.lower, 0.7, 0);
	ASSERT_NEAR(s.panda.rollback_lower, 0.1, 0);
	ASSERT_NEAR(s.panda.jump, 2, 0);
	ASSERT_NEAR(s.panda.alpha_min, 1e-5, 0);
	ASSERT_NEAR(s.panda.alpha_max, 10, 0);
	spec_free(&s);

	/* Some settings only: the others keep their defaults. */
	round_trip(&s, "{" DS ", \"mode\": \"panda\", \"panda\": {\"jump\": 3}}");
	ASSERT_NEAR(s.panda.jump, 3, 0);
	ASSERT_NEAR(s.panda.raise, 1.25, 0);
	spec_free(&s);

	/* Threads default to the cores, at most SPEC_MAX_THREADS. */
	json = cJSON_Parse("{" DS ", \"mode\": \"panda\"}");
	ASSERT_EQ_INT(spec_parse(&s, json, 200, &cause), 0);
	ASSERT_EQ_INT(s.threads, 64);
	ASSERT_EQ_INT(s.parallel, 1);
	spec_free(&s);
	ASSERT_EQ_INT(spec_parse(&s, json, 0, &cause), 0);
	ASSERT_EQ_INT(s.threads, 1);
	spec_free(&s);
	cJSON_Delete(json);

	/* Caviar mode keeps its defaults, and carries no policy in the normalized copy. */
	round_trip(&s, "{" DS ", \"mode\": \"caviar\"}");
	ASSERT_EQ_INT(s.parallel, 3);
	ASSERT_EQ_INT(s.threads, 1);
	ASSERT(cJSON_GetObjectItemCaseSensitive(s.json, "panda") == NULL);
	spec_free(&s);
}

/* The limits object of the normalized spec, and one of its members (-1: absent). */
static double
limit_num(const struct spec *s, const char *key)
{
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(s->json, "limits"), *v;

	ASSERT(cJSON_IsObject(l));
	v = cJSON_GetObjectItemCaseSensitive(l, key);
	if (v == NULL)
		return -1;
	ASSERT(cJSON_IsNumber(v));
	return v->valuedouble;
}

/* Resource limits: defaults, explicit values, and the submit-time fit against the estimate. */
/* The "executor" setting: the kinds, Slurm's fields normalized, each error's path. */
static void
test_executor(void)
{
	struct spec s;
	const cJSON *x;

	round_trip(&s, "{" DS "}");
	ASSERT_EQ_INT(s.executor.kind, EXECSPEC_LOCAL);
	ASSERT_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(s.json,
	    "executor"), "kind")), "local");
	spec_free(&s);
	round_trip(&s, "{" DS ", \"executor\": \"slurm\"}");
	ASSERT_EQ_INT(s.executor.kind, EXECSPEC_SLURM);
	ASSERT(s.executor.partition == NULL && s.executor.time_min == 0);
	spec_free(&s);
	round_trip(&s, "{" DS ", \"executor\": {\"kind\": \"slurm\", \"partition\": \"gpu\", "
	    "\"account\": \"lab\", \"time\": \"1-02:03:04\", \"mem\": \"4G\", "
	    "\"args\": [\"--qos=high\", \"--constraint=avx512\"]}}");
	ASSERT_EQ_STR(s.executor.partition, "gpu");
	ASSERT_EQ_STR(s.executor.account, "lab");
	ASSERT_EQ_INT(s.executor.time_min, 1440 + 2 * 60 + 3 + 1);	/* seconds round up */
	ASSERT_EQ_INT(s.executor.mem_mb, 4096);
	ASSERT_EQ_INT(s.executor.nargs, 2);
	ASSERT_EQ_STR(s.executor.args[1], "--constraint=avx512");
	x = cJSON_GetObjectItem(s.json, "executor");
	ASSERT_NEAR(cJSON_GetNumberValue(cJSON_GetObjectItem(x, "time")), 1564, 0);
	ASSERT_NEAR(cJSON_GetNumberValue(cJSON_GetObjectItem(x, "mem")), 4096, 0);
	spec_free(&s);
	round_trip(&s, "{" DS ", \"executor\": {\"kind\": \"slurm\", \"time\": 90, \"mem\": 500}}");
	ASSERT_EQ_INT(s.executor.time_min, 90);
	ASSERT_EQ_INT(s.executor.mem_mb, 500);
	spec_free(&s);
	round_trip(&s, "{" DS ", \"executor\": {\"kind\": \"slurm\", \"time\": \"30:00\"}}");
	ASSERT_EQ_INT(s.executor.time_min, 30);
	spec_free(&s);
	round_trip(&s, "{" DS ", \"executor\": {\"kind\": \"slurm\", \"time\": \"02:00:00\"}}");
	ASSERT_EQ_INT(s.executor.time_min, 120);
	spec_free(&s);

	bad("{" DS ", \"executor\": \"k8s\"}", "executor: must be \"local\" or \"slurm\", got \"k8s\"");
	bad("{" DS ", \"executor\": 5}", "executor: must be \"local\", \"slurm\" or an object");
	bad("{" DS ", \"executor\": {}}", "executor.kind: must be \"local\" or \"slurm\"");
	bad("{" DS ", \"executor\": {\"kind\": \"local\", \"partition\": \"x\"}}",
	    "executor.partition: unknown key");
	bad("{" DS ", \"executor\": {\"kind\": \"slurm\", \"partition\": \"a b\"}}",
	    "executor.partition: must be a name");
	bad("{" DS ", \"executor\": {\"kind\": \"slurm\", \"time\": \"soon\"}}",
	    "executor.time: must be minutes");
	bad("{" DS ", \"executor\": {\"kind\": \"slurm\", \"time\": 0}}", "executor.time: must be");
	bad("{" DS ", \"executor\": {\"kind\": \"slurm\", \"time\": \"1:2:3:4\"}}",
	    "executor.time: must be minutes");
	bad("{" DS ", \"executor\": {\"kind\": \"slurm\", \"mem\": \"4Q\"}}",
	    "executor.mem: must be MiB");
	bad("{" DS ", \"executor\": {\"kind\": \"slurm\", \"args\": \"--qos=x\"}}",
	    "executor.args: must be an array");
	bad("{" DS ", \"executor\": {\"kind\": \"slurm\", \"args\": [\"qos\"]}}",
	    "executor.args[0]: must be an srun option");
	bad("{" DS ", \"executor\": {\"kind\": \"slurm\", \"args\": [\"--qos=x\", \"--time=5\"]}}",
	    "executor.args[1]: --time=5: use executor.time");
	bad("{" DS ", \"executor\": {\"kind\": \"slurm\", \"args\": [\"-n4\"]}}",
	    "executor.args[0]: -n4: tuna runs one task a slot");
	bad("{" DS ", \"executor\": {\"kind\": \"slurm\", \"args\": [\"--export=NONE\"]}}",
	    "executor.args[0]: --export=NONE: tuna passes the environment itself");
}

/* A trainer of the user's: its setting, free parameter names, the objective it must name. */
#define TR "\"trainer\": {\"command\": [\"/bin/train\", \"--lr={lr}\", \"{args}\"], " \
    "\"cwd\": \"/w\"}, \"objective\": {\"metric\": \"val_loss\", \"goal\": \"min\"}"
static void
test_trainer(void)
{
	struct spec s;
	const cJSON *t;

	round_trip(&s, "{" TR ", \"params\": {\"lr\": {\"scale\": \"log\", \"min\": 1e-5, "
	    "\"max\": 1}, \"depth\": {\"scale\": \"int\", \"min\": 2, \"max\": 8}, "
	    "\"bn\": {\"values\": [true, false]}, \"opt\": \"sgd\", \"x.y-z/w\": 0.5}}");
	ASSERT(s.trainer.set && !s.trainer.control);
	ASSERT_EQ_INT(s.trainer.grace_seconds, WEXEC_GRACE_SECONDS);
	ASSERT_EQ_STR(s.trainer.cwd, "/w");
	ASSERT(s.dataset == NULL);
	ASSERT_EQ_STR(s.objective, "val_loss");
	ASSERT(s.minimize);
	ASSERT_EQ_INT(s.n_params, 5);
	ASSERT_EQ_STR(s.params[0].hp->name, "lr");	/* the spec's order */
	ASSERT_EQ_STR(s.params[4].hp->name, "x.y-z/w");
	t = cJSON_GetObjectItem(s.json, "trainer");
	ASSERT(cJSON_IsFalse(cJSON_GetObjectItem(t, "control")));
	ASSERT(cJSON_GetObjectItem(s.json, "dataset") == NULL);
	spec_free(&s);
	round_trip(&s, "{\"mode\": \"panda\", \"trainer\": {\"command\": [\"python3\", "
	    "\"t.py\"], \"cwd\": \"/w\", \"control\": true, \"env\": {\"CUDA\": \"0\"}, "
	    "\"grace_seconds\": 3}, \"objective\": {\"metric\": \"acc\", \"goal\": \"max\"}, "
	    "\"params\": {\"alpha\": 0.1}}");
	ASSERT(s.trainer.control);
	ASSERT_EQ_INT(s.trainer.grace_seconds, 3);
	spec_free(&s);

	bad("{\"trainer\": {\"command\": [\"t\"], \"cwd\": \"/w\"}}",
	    "objective: required with a trainer");
	bad("{" TR ", \"dataset\": \"/d\"}", "dataset: not with a trainer of your own");
	bad("{\"objective\": {\"metric\": \"loss\", \"goal\": \"min\"}}", "dataset: required");
	bad("{\"trainer\": {\"command\": [], \"cwd\": \"/w\"}, \"objective\": "
	    "{\"metric\": \"l\", \"goal\": \"min\"}}", "trainer.command: must be an array");
	bad("{\"trainer\": {\"command\": [\"t\", 3], \"cwd\": \"/w\"}, \"objective\": "
	    "{\"metric\": \"l\", \"goal\": \"min\"}}", "trainer.command[1]: must be a string");
	bad("{\"trainer\": {\"command\": [\"t\"], \"cwd\": \"w\"}, \"objective\": "
	    "{\"metric\": \"l\", \"goal\": \"min\"}}", "trainer.cwd: must be an absolute path");
	bad("{\"trainer\": {\"command\": [\"t\"]}, \"objective\": "
	    "{\"metric\": \"l\", \"goal\": \"min\"}}", "trainer.cwd: required over the socket");
	bad("{\"trainer\": {\"command\": [\"t\"], \"cwd\": \"/w\", \"env\": {\"TUNA_SEED\": "
	    "\"1\"}}, \"objective\": {\"metric\": \"l\", \"goal\": \"min\"}}",
	    "trainer.env.TUNA_SEED: TUNA_ variables are tuna's own");
	bad("{\"trainer\": {\"command\": [\"t\"], \"cwd\": \"/w\", \"shell\": true}, "
	    "\"objective\": {\"metric\": \"l\", \"goal\": \"min\"}}", "trainer.shell: unknown key");
	bad("{\"trainer\": {\"command\": [\"t\"], \"cwd\": \"/w\", \"grace_seconds\": -1}, "
	    "\"objective\": {\"metric\": \"l\", \"goal\": \"min\"}}", "trainer.grace_seconds");
	bad("{" TR ", \"params\": {\"1lr\": 0.1}}", "params.1lr: not a parameter name");
	bad("{" TR ", \"params\": {\"lr\": [1]}}", "params.lr: must be a number, a string");
	bad("{" TR ", \"params\": {\"x\": 1}}", "trainer.command[1]");	/* {lr}: none */
	bad("{\"mode\": \"panda\", " TR ", \"params\": {\"alpha\": 0.1, \"lr\": 1}}",
	    "mode: panda needs a trainer that takes commands");
	bad("{\"mode\": \"panda\", \"trainer\": {\"command\": [\"t\"], \"cwd\": \"/w\", "
	    "\"control\": true}, \"objective\": {\"metric\": \"l\", \"goal\": \"min\"}}",
	    "params.alpha: required in panda mode");
	/* without a trainer, the built-in names and metrics only */
	bad("{" DS ", \"params\": {\"lr\": 0.1}}", "params.lr: unknown hyperparameter");
	bad("{" DS ", \"objective\": {\"metric\": \"loss\", \"goal\": \"min\"}}",
	    "objective.metric: must be a metric the trainer reports");
}

static void
test_limits(void)
{
	struct spec s, s2;
	cJSON *json;
	char *cause = NULL, *text;

	/* Defaults: a day of CPU per trainer thread; the address space waits for the data set. */
	round_trip(&s, "{" DS "}");
	ASSERT_EQ_INT(s.cpu_seconds, 86400);
	ASSERT_EQ_INT(s.address_space_mb, 0);
	ASSERT_NEAR(limit_num(&s, "cpu_seconds"), 86400, 0);
	ASSERT_NEAR(limit_num(&s, "address_space_mb"), -1, 0);
	spec_free(&s);
	round_trip(&s, "{" DS ", \"mode\": \"panda\"}");		/* 3 threads */
	ASSERT_EQ_INT(s.cpu_seconds, 3 * 86400);
	spec_free(&s);
	round_trip(&s, "{" DS ", \"threads\": 64}");
	ASSERT_EQ_INT(s.cpu_seconds, 64 * 86400);
	spec_free(&s);
	round_trip(&s, "{" DS ", \"limits\": {}}");
	ASSERT_EQ_INT(s.cpu_seconds, 86400);
	ASSERT_EQ_INT(s.address_space_mb, 0);
	spec_free(&s);

	/* Explicit values, the extremes of their ranges included. */
	round_trip(&s, "{" DS ", \"threads\": 2, \"limits\": {\"address_space_mb\": 200,"
	    "\"cpu_seconds\": 5}}");
	ASSERT_EQ_INT(s.address_space_mb, 200);
	ASSERT_EQ_INT(s.cpu_seconds, 5);
	ASSERT_NEAR(limit_num(&s, "address_space_mb"), 200, 0);
	ASSERT_NEAR(limit_num(&s, "cpu_seconds"), 5, 0);
	spec_free(&s);
	round_trip(&s, "{" DS ", \"limits\": {\"address_space_mb\": 64, \"cpu_seconds\": 1}}");
	ASSERT_EQ_INT(s.address_space_mb, 64);
	ASSERT_EQ_INT(s.cpu_seconds, 1);
	spec_free(&s);
	round_trip(&s, "{" DS ", \"limits\": {\"address_space_mb\": 16777216,"
	    "\"cpu_seconds\": 31536000}}");
	ASSERT_EQ_INT(s.address_space_mb, 16777216);
	ASSERT_EQ_INT(s.cpu_seconds, 31536000);
	spec_free(&s);

	/* The default address space: max(4 GiB, 4 x the estimate) + 256 MiB per thread. */
	good(&s, "{" DS ", \"threads\": 2}");
	ASSERT_EQ_INT(spec_limits_fit(&s, 100 * 1048576.0, 50 * 1048576.0, &cause), 0);
	ASSERT_EQ_INT(s.address_space_mb, 4096 + 2 * 256);
	ASSERT_NEAR(limit_num(&s, "address_space_mb"), 4096 + 2 * 256, 0);
	ASSERT_NEAR(limit_num(&s, "cpu_seconds"), 2 * 86400, 0);
	/* the normalized spec, now with the limit, parses back to it */
	text = cJSON_PrintUnformatted(s.json);
	printf("fitted: %s\n", text);
	good(&s2, text);
	ASSERT_EQ_INT(s2.address_space_mb, 4096 + 2 * 256);
	ASSERT(cJSON_Compare(s.json, s2.json, 1));
	free(text);
	spec_free(&s2);
	spec_free(&s);
	good(&s, "{" DS "}");
	ASSERT_EQ_INT(spec_limits_fit(&s, 3000 * 1048576.0, 0.5 * 1048576, &cause), 0);
	ASSERT_EQ_INT(s.address_space_mb, 12002 + 256);	/* 4 x 3000.5 MiB */
	spec_free(&s);
	good(&s, "{" DS "}");
	ASSERT_EQ_INT(spec_limits_fit(&s, 1e16, 0, &cause), 0);
	ASSERT_EQ_INT(s.address_space_mb, 16777216);		/* at most the maximum */
	spec_free(&s);

	/* An explicit limit is kept when the estimate fits, refused when it does not. */
	good(&s, "{" DS ", \"limits\": {\"address_space_mb\": 200}}");
	ASSERT_EQ_INT(spec_limits_fit(&s, 150 * 1048576.0, 50 * 1048576.0, &cause), 0);
	ASSERT_EQ_INT(s.address_space_mb, 200);
	ASSERT(cause == NULL);
	ASSERT(spec_limits_fit(&s, 300 * 1048576.0, 20.2 * 1048576, &cause) < 0);
	ASSERT(cause != NULL);
	printf("ok: %s\n", cause);
	ASSERT_STR_CONTAINS(cause, "limits.address_space_mb: a worker needs about 321 MiB "
	    "(the model 300 MiB, the data set 21 MiB), more than the limit of 200 MiB");
	free(cause);
	cause = NULL;
	ASSERT_EQ_INT(s.address_space_mb, 200);
	spec_free(&s);

	/* A spec without limits (stored before they existed) has the CPU default. */
	json = cJSON_Parse("{" DS ", \"threads\": 2}");
	ASSERT_EQ_INT(spec_parse(&s, json, 1, &cause), 0);
	ASSERT_EQ_INT(s.cpu_seconds, 2 * 86400);
	spec_free(&s);
	cJSON_Delete(json);
}

/* Parse a spec with this params object: 0, or the error with *cause set (freed by the caller). */
static int
spec_params_err(const char *params, char **cause)
{
	struct spec s;
	char text[512];
	int err;

	snprintf(text, sizeof text, "{" DS ", \"params\": %s}", params);
	err = parse(&s, text, cause);
	spec_free(&s);
	return err;
}

/* Parse a trial with this params object as tuna-worker does: 0, or the error with *cause. */
static int
trial_params_err(const char *params, char **cause)
{
	struct trial tr;
	char text[512];
	cJSON *json;
	int err;

	snprintf(text, sizeof text, "{\"dataset\": {\"format\": \"csv\", \"train\": "
	    "\"/nonexistent/train.csv\"}, \"params\": %s}", params);
	ASSERT((json = cJSON_Parse(text)) != NULL);
	*cause = NULL;
	if ((err = trial_parse(&tr, json, cause)) == 0)
		trial_free(&tr);
	cJSON_Delete(json);
	return err;
}

/*
 * The daemon's spec and tuna-worker's trial on layers × units: both accept it, or both refuse
 * it with the same message (else abort, saying how). Returns whether they accept it.
 */
static bool
model_agree(int layers, int units)
{
	char params[128], *sc = NULL, *tc = NULL;
	int se, te;

	snprintf(params, sizeof params, "{\"layers\": %d, \"hidden_units\": %d}", layers, units);
	se = spec_params_err(params, &sc);
	te = trial_params_err(params, &tc);
	if ((se == 0) != (te == 0) || (se != 0 && strcmp(sc, tc) != 0)) {
		fprintf(stderr, "the spec and the worker disagree on %d layers of %d units:\n"
		    "  spec:   %s\n  worker: %s\n", layers, units, se ? sc : "accepted",
		    te ? tc : "accepted");
		abort();
	}
	free(sc);
	free(tc);
	return se == 0;
}

/*
 * One limit on a model's size (common/modelsize.c): it counts the parameters the trainer
 * allocates; the spec (at parse, before the data set is read) and the worker's trial parse
 * apply it identically, the submit check and the worker's trainer again on the data set.
 */
static void
test_model_size(void)
{
	static const uint64_t ds_d[] = { 1, 3, 784 };
	static const int ds_c[] = { 2, 10 }, ls[] = { 0, 1, 2, 5, 16 }, us[] = { 1, 7, 256 };
	struct model_shape shape;
	struct dataset ds;
	struct hparams h;
	struct train t;
	struct spec s;
	char *cause = NULL, *want = NULL;
	size_t a, b, c, e, bn;
	int layers, lo, hi, mid;

	/* the count is what worker/model.c lays out, batch norm or not */
	for (a = 0; a < 3; a++)
	for (b = 0; b < 2; b++)
	for (c = 0; c < 5; c++)
	for (e = 0; e < 3; e++)
	for (bn = 0; bn < 2; bn++) {
		shape.d = (int)ds_d[a];
		shape.c = ds_c[b];
		shape.layers = ls[c];
		shape.units = us[e];
		shape.batchnorm = bn;
		ASSERT_EQ_SIZE(model_count_params(&shape),
		    modelsize_params(ds_d[a], ds_c[b], ls[c], us[e], bn));
	}
	/* 784 → 256 → 256 → 10: W0, γ0 β0, W1, γ1 β1, W2 b2 (without BN: b0, b1 for γ β) */
	ASSERT_EQ_SIZE(modelsize_params(784, 10, 2, 256, true),
	    784 * 256 + 512 + 256 * 256 + 512 + 2560 + 10);
	ASSERT_EQ_SIZE(modelsize_params(784, 10, 2, 256, false),
	    784 * 256 + 256 + 256 * 256 + 256 + 2560 + 10);
	ASSERT_EQ_SIZE(modelsize_params(784, 10, 0, 256, true), 7850);

	/*
	 * Issue 9: the spec accepted units²·layers <= 2^31, the worker refused units²·layers >
	 * 1e9, so these were accepted at submit and every trial failed. One layer of 32768 units
	 * is 163842 parameters on the smallest data set, 26 million on MNIST: both accept it.
	 */
	ASSERT(model_agree(1, 32768));
	ASSERT(model_agree(1, 65536));
	ASSERT(model_agree(16, 8192));
	ASSERT(!model_agree(2, 65536));
	ASSERT(!model_agree(16, 16384));

	/*
	 * The boundary for every number of hidden layers: the most units the spec accepts (by
	 * bisection); the worker accepts them too and refuses one more, with the same words.
	 */
	for (layers = 0; layers <= HPARAMS_MAX_LAYERS; layers++) {
		lo = 1;
		hi = HPARAMS_MAX_UNITS;
		ASSERT(model_agree(layers, lo));
		if (model_agree(layers, hi)) {
			ASSERT(layers <= 1);	/* 2 layers of 65536: U² alone is 2^32 */
			ASSERT(modelsize_params(1, 2, layers, hi, true) <= MODELSIZE_MAX_PARAMS);
			continue;
		}
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			if (model_agree(layers, mid))
				lo = mid;
			else
				hi = mid;
		}
		ASSERT(layers >= 2);
		ASSERT(modelsize_params(1, 2, layers, lo, true) <= MODELSIZE_MAX_PARAMS);
		ASSERT(modelsize_params(1, 2, layers, lo + 1, true) > MODELSIZE_MAX_PARAMS);
		if (layers == 2)
			ASSERT_EQ_INT(lo, 32764);	/* U² + 7U + 2 <= 2^30 */
	}

	/* the largest model with 2 layers is accepted, one unit more is refused with its path */
	good(&s, "{" DS ", \"params\": {\"layers\": 2, \"hidden_units\": 32764}}");
	spec_free(&s);
	bad_params("{\"layers\": 2, \"hidden_units\": 32765}", "params.hidden_units: layers 2, "
	    "hidden_units 32765: 1073774582 parameters even on the smallest data set (1 feature, "
	    "2 classes), more than 2^30 = 1073741824: model too large");
	/* distributions: their largest draws decide */
	bad_params("{\"layers\": 2, \"hidden_units\": {\"scale\": \"pow2\", \"min\": 16, "
	    "\"max\": 65536}}", "params.hidden_units: layers 2, hidden_units 65536: ");
	bad_params("{\"layers\": {\"scale\": \"int\", \"min\": 1, \"max\": 3}, "
	    "\"hidden_units\": {\"values\": [32768, 64]}}", "params.hidden_units: layers 3, "
	    "hidden_units 32768: ");
	good(&s, "{" DS ", \"params\": {\"layers\": {\"values\": [1, 2]}, "
	    "\"hidden_units\": {\"scale\": \"int\", \"min\": 1, \"max\": 32764}}}");
	spec_free(&s);

	/*
	 * With the data set known: the submit check (daemon/request.c) and the worker's trainer
	 * (train_init, before allocating) make the same call. 1 layer of 32768 units passes on
	 * 784 features and 10 classes and is refused on 32768 features, by both, in one wording.
	 */
	ASSERT_EQ_INT(modelsize_check(784, 10, 1, 32768, &cause), 0);
	ASSERT(modelsize_check(32768, 10, 1, 32768, &want) == -E2BIG);
	ASSERT_EQ_STR(want, "params.hidden_units: layers 1, hidden_units 32768: 1074135050 "
	    "parameters on 32768 features and 10 classes, more than 2^30 = 1073741824: model too "
	    "large");
	memset(&ds, 0, sizeof ds);
	ds.features = 32768;
	ds.classes = 10;
	ds.n_train = 2;
	hparams_defaults(&h);
	h.layers = 1;
	h.hidden_units = 32768;
	ASSERT(train_init(&t, &ds, &h, 1, 0, &cause) == -E2BIG);
	ASSERT_EQ_STR(cause, want);
	train_free(&t);
	free(cause);
	free(want);
	printf("ok: one model-size limit for the spec, the trial and the trainer\n");
}

/* A failed parse can be followed by spec_free and a successful parse into the same struct. */
static void
test_reuse(void)
{
	struct spec s;
	char *cause = NULL;

	ASSERT(parse(&s, "{" DS ", \"params\": {\"alpha\": {\"scale\": \"log\", \"min\": 1e-4,"
	    "\"max\": 0.1}, \"beta\": 7}}", &cause) < 0);
	ASSERT_STR_CONTAINS(cause, "params.beta");
	free(cause);
	spec_free(&s);
	good(&s, "{" DS ", \"params\": {\"layers\": 0, \"hidden_units\": 65536}}");
	ASSERT_EQ_INT(s.n_params, 2);
	ASSERT_EQ_STR(s.params[0].hp->name, "layers");
	spec_free(&s);
	ASSERT_EQ_STR(spec_mode_name(SPEC_PANDA), "panda");
	ASSERT_EQ_STR(spec_strategy_name(SPEC_RANDOM), "random");
	ASSERT_EQ_STR(dist_kind_name(DIST_VALUES), "values");
}

/* Run every test. */
/*
 * The submit-time memory model (fit.c) on a data set's shape as the executor's check gives it:
 * a model that fits gets the default address-space limit; one too large for the machine is
 * refused naming params.hidden_units and both sizes; one too large for the given limit is
 * refused naming limits.address_space_mb; the model-size rule uses the real data set.
 */
static void
test_fit(void)
{
	struct exec_dataset mnist = { 54000, 6000, 10000, 784, 10, 1, NULL };
	struct spec s;
	char *cause = NULL;

	good(&s, "{" DS ", \"parallel\": 2, \"params\": {\"hidden_units\": 256}}");
	ASSERT_EQ_INT(fit_check(&s, &mnist, 16e9, &cause), 0);
	ASSERT(s.address_space_mb >= SPEC_AS_FLOOR_MB);
	spec_free(&s);

	good(&s, "{" DS ", \"parallel\": 2, \"params\": {\"hidden_units\": 8192, "
	    "\"layers\": 3}}");
	ASSERT_EQ_INT(fit_check(&s, &mnist, 1e9, &cause), -ENOMEM);
	ASSERT_STR_CONTAINS(cause, "params.hidden_units: a model of up to ");
	ASSERT_STR_CONTAINS(cause, "784 features, 10 classes");
	ASSERT_STR_CONTAINS(cause, "2 workers need more than this machine's 1000 MB");
	free(cause);
	cause = NULL;
	spec_free(&s);

	good(&s, "{" DS ", \"limits\": {\"address_space_mb\": 64}, "
	    "\"params\": {\"hidden_units\": 1024}}");
	ASSERT_EQ_INT(fit_check(&s, &mnist, 16e9, &cause), -E2BIG);
	ASSERT_STR_CONTAINS(cause, "limits.address_space_mb: a worker needs about");
	free(cause);
	cause = NULL;
	spec_free(&s);

	/* 2 layers of 32764 units pass the spec's rule (1 feature), not on 784: over 2^30 */
	good(&s, "{" DS ", \"params\": {\"hidden_units\": 32764, \"layers\": 2}}");
	ASSERT(fit_check(&s, &mnist, 1e15, &cause) < 0);
	ASSERT_STR_CONTAINS(cause, "params.hidden_units");
	free(cause);
	spec_free(&s);
}

int
main(void)
{
	test_every_kind();
	test_fields();
	test_model_size();
	test_default_parallel();
	test_bad();
	test_strategy();
	test_early_stopping();
	test_panda();
	test_limits();
	test_executor();
	test_trainer();
	test_fit();
	test_reuse();
	printf("test_spec: ok\n");
	return 0;
}
