/* hparams.c: the table of hyperparameters; parsing and checking them from JSON. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hparams.h"
#include "xmalloc.h"

static const char *hparams_optimizers[] = { "gd", "momentum", "rmsprop", "adam" };

static const struct hparams_entry hparams_entries[] = {
	{ "alpha", HP_REAL, 0, 10, true, false, "learning rate α0" },
	{ "beta", HP_REAL, 0, 1, false, true, "momentum β" },
	{ "beta1", HP_REAL, 0, 1, false, true, "Adam β1" },
	{ "beta2", HP_REAL, 0, 1, false, true, "Adam/RMSprop β2" },
	{ "epsilon", HP_REAL, 0, 1, true, false, "Adam/RMSprop ε" },
	{ "lr_decay", HP_REAL, 0, 1e6, false, false, "learning-rate decay" },
	{ "layers", HP_INT, 0, HPARAMS_MAX_LAYERS, false, false, "hidden layers" },
	{ "hidden_units", HP_INT, 1, HPARAMS_MAX_UNITS, false, false, "units per hidden layer" },
	{ "batch_size", HP_INT, 1, 1 << 20, false, false, "mini-batch size" },
	{ "optimizer", HP_OPTIMIZER, 0, 0, false, false, "gd, momentum, rmsprop or adam" },
	{ "batchnorm", HP_BOOL, 0, 0, false, false, "batch normalization on/off" },
	{ "bn_momentum", HP_REAL, 0, 1, false, true, "BN running-statistics EWMA" },
};
#define HPARAMS_N ((int)(sizeof hparams_entries / sizeof hparams_entries[0]))

/* Fill in the documented defaults. */
void
hparams_defaults(struct hparams *h)
{
	memset(h, 0, sizeof *h);
	h->alpha = 1e-3;
	h->beta = 0.9;
	h->beta1 = 0.9;
	h->beta2 = 0.999;
	h->epsilon = 1e-8;
	h->lr_decay = 0;
	h->bn_momentum = 0.9;
	h->layers = 2;
	h->hidden_units = 256;
	h->batch_size = 128;
	h->optimizer = OPT_ADAM;
	h->batchnorm = true;
}

/* The whole table, for the daemon's spec checks and documentation. */
const struct hparams_entry *
hparams_table(int *n)
{
	*n = HPARAMS_N;
	return hparams_entries;
}

/* Look up a hyperparameter by name; NULL if unknown. */
const struct hparams_entry *
hparams_find(const char *name)
{
	int i;

	for (i = 0; i < HPARAMS_N; i++) {
		if (strcmp(hparams_entries[i].name, name) == 0)
			return &hparams_entries[i];
	}
	return NULL;
}

/* The name of an optimizer. */
const char *
hparams_optimizer_name(enum optimizer o)
{
	return hparams_optimizers[o];
}

/* Pointer to the double field for a real hyperparameter. */
static double *
hparams_real(struct hparams *h, const char *name)
{
	if (strcmp(name, "alpha") == 0) return &h->alpha;
	if (strcmp(name, "beta") == 0) return &h->beta;
	if (strcmp(name, "beta1") == 0) return &h->beta1;
	if (strcmp(name, "beta2") == 0) return &h->beta2;
	if (strcmp(name, "epsilon") == 0) return &h->epsilon;
	if (strcmp(name, "lr_decay") == 0) return &h->lr_decay;
	if (strcmp(name, "bn_momentum") == 0) return &h->bn_momentum;
	return NULL;
}

/* Pointer to the int field for an integer hyperparameter. */
static int *
hparams_int(struct hparams *h, const char *name)
{
	if (strcmp(name, "layers") == 0) return &h->layers;
	if (strcmp(name, "hidden_units") == 0) return &h->hidden_units;
	if (strcmp(name, "batch_size") == 0) return &h->batch_size;
	return NULL;
}

/* Check a number against an entry's range; returns 0 or -EINVAL with a message. */
static int
hparams_check_range(const struct hparams_entry *e, double v, const char *jpath, char **cause)
{
	int bad;

	bad = !isfinite(v) || (e->min_open ? v <= e->min : v < e->min) ||
	    (e->max_open ? v >= e->max : v > e->max);
	if (bad) {
		return xcause(cause, -EINVAL, "%s: %s must be in %c%g, %g%c, got %g", jpath,
		    e->name, e->min_open ? '(' : '[', e->min, e->max, e->max_open ? ')' : ']', v);
	}
	return 0;
}

/* Set one hyperparameter from a JSON value, checking its type and range. */
int
hparams_set(struct hparams *h, const char *name, const cJSON *value, const char *jpath,
    char **cause)
{
	const struct hparams_entry *e = hparams_find(name);
	int i, rc;

	if (e == NULL)
		return xcause(cause, -EINVAL, "%s: unknown hyperparameter \"%s\"", jpath, name);
	switch (e->type) {
	case HP_REAL:
		if (!cJSON_IsNumber(value))
			return xcause(cause, -EINVAL, "%s: %s must be a number", jpath, name);
		if ((rc = hparams_check_range(e, value->valuedouble, jpath, cause)) != 0)
			return rc;
		*hparams_real(h, name) = value->valuedouble;
		return 0;
	case HP_INT:
		if (!cJSON_IsNumber(value) || value->valuedouble != floor(value->valuedouble))
			return xcause(cause, -EINVAL, "%s: %s must be an integer", jpath, name);
		if ((rc = hparams_check_range(e, value->valuedouble, jpath, cause)) != 0)
			return rc;
		*hparams_int(h, name) = (int)value->valuedouble;
		return 0;
	case HP_BOOL:
		if (!cJSON_IsBool(value))
			return xcause(cause, -EINVAL, "%s: %s must be true or false", jpath, name);
		h->batchnorm = cJSON_IsTrue(value);
		return 0;
	case HP_OPTIMIZER:
		if (cJSON_IsString(value)) {
			for (i = 0; i < 4; i++) {
				if (strcmp(value->valuestring, hparams_optimizers[i]) == 0) {
					h->optimizer = (enum optimizer)i;
					return 0;
				}
			}
		}
		return xcause(cause, -EINVAL,
		    "%s: optimizer must be \"gd\", \"momentum\", \"rmsprop\" or \"adam\"", jpath);
	case HP_ANY:	/* not in the table: a user trainer's, never set here */
		break;
	}
	return -EINVAL;
}

/* Parse an object of hyperparameters over the current values; jpath names the object. */
int
hparams_parse(struct hparams *h, const cJSON *obj, const char *jpath, char **cause)
{
	const cJSON *item;
	char *path;
	int rc;

	if (!cJSON_IsObject(obj))
		return xcause(cause, -EINVAL, "%s: must be an object", jpath);
	cJSON_ArrayForEach(item, obj) {
		path = xasprintf("%s.%s", jpath, item->string);
		rc = hparams_set(h, item->string, item, path, cause);
		free(path);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* A hyperparameter's value as a number (optimizer as its index, batchnorm as 0/1). */
double
hparams_get(const struct hparams *h, const char *name)
{
	struct hparams *mh = (struct hparams *)h;
	double *d;
	int *i;

	if ((d = hparams_real(mh, name)) != NULL)
		return *d;
	if ((i = hparams_int(mh, name)) != NULL)
		return *i;
	if (strcmp(name, "optimizer") == 0)
		return h->optimizer;
	if (strcmp(name, "batchnorm") == 0)
		return h->batchnorm;
	return NAN;
}

/* All hyperparameters as a JSON object. */
cJSON *
hparams_to_json(const struct hparams *h)
{
	cJSON *o = cJSON_CreateObject();
	int i;

	for (i = 0; i < HPARAMS_N; i++) {
		const struct hparams_entry *e = &hparams_entries[i];

		if (e->type == HP_OPTIMIZER)
			cJSON_AddStringToObject(o, e->name, hparams_optimizers[h->optimizer]);
		else if (e->type == HP_BOOL)
			cJSON_AddBoolToObject(o, e->name, h->batchnorm);
		else
			cJSON_AddNumberToObject(o, e->name, hparams_get(h, e->name));
	}
	return o;
}
