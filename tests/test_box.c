/* test_box.c: unit tests of coarse-to-fine boxes: the spec's box, sampling, zooming, JSON. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "box.h"
#include "rng.h"
#include "sample.h"
#include "spec.h"
#include "testspec.h"
#include "testutil.h"

#define DS	"\"dataset\": {\"format\": \"csv\", \"train\": \"/nonexistent/train.csv\"}"

/* Table order: alpha beta1 epsilon layers hidden_units batch_size optimizer batchnorm
 * bn_momentum. */
#define SPEC	"{" DS ", \"seed\": 11, \"params\": {"					\
	"\"alpha\": {\"scale\": \"log\", \"min\": 1e-4, \"max\": 1e-1},"		\
	"\"beta1\": {\"scale\": \"one_minus_log\", \"min\": 0.9, \"max\": 0.999},"	\
	"\"bn_momentum\": {\"scale\": \"linear\", \"min\": 0.5, \"max\": 0.99},"	\
	"\"layers\": {\"scale\": \"int\", \"min\": 1, \"max\": 4},"			\
	"\"hidden_units\": {\"scale\": \"pow2\", \"min\": 16, \"max\": 1024},"		\
	"\"optimizer\": {\"values\": [\"gd\", \"momentum\", \"rmsprop\", \"adam\"]},"	\
	"\"batchnorm\": {\"values\": [true, false]},"					\
	"\"batch_size\": {\"values\": [32, 64, 128]}, \"epsilon\": 1e-8}}"

enum { ALPHA, BETA1, EPSILON, LAYERS, UNITS, BATCH, OPTIMIZER, BATCHNORM, BN_MOMENTUM };

/* A number of a trial. */
static double
num(const cJSON *t, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, key);

	ASSERT(cJSON_IsNumber(v));
	return v->valuedouble;
}

/* A value in r-space, as a box keeps it. */
static double
rspace(enum dist_kind kind, double x)
{
	switch (kind) {
	case DIST_LOG:
		return log10(x);
	case DIST_ONE_MINUS_LOG:
		return log10(1 - x);
	case DIST_POW2:
		return log2(x);
	default:
		return x;
	}
}

/*
 * The trial random search drew before boxes existed (sample_trial as it was, on sample_dist):
 * the reference box_sample must reproduce on the spec's box.
 */
static cJSON *
legacy_trial(const struct spec *s, uint64_t n)
{
	const struct spec_param *p;
	struct rng r;
	cJSON *o, *v;
	int i;

	rng_seed(&r, s->seed, 1000 + n);
	o = cJSON_CreateObject();
	for (i = 0; i < s->n_params; i++) {
		p = &s->params[i];
		if (p->d.kind == DIST_FIXED)
			v = cJSON_Duplicate(p->d.value, 1);
		else if (p->d.kind == DIST_VALUES)
			v = cJSON_Duplicate(cJSON_GetArrayItem(p->d.value,
			    (int)sample_dist(&p->d, &r)), 1);
		else
			v = cJSON_CreateNumber(sample_dist(&p->d, &r));
		cJSON_AddItemToObject(o, p->hp->name, v);
	}
	return o;
}

/* Two trials are the same, numbers bit for bit. */
static void
same_trial(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;

	ASSERT_EQ_INT(cJSON_GetArraySize(a), cJSON_GetArraySize(b));
	for (x = a->child, y = b->child; x != NULL; x = x->next, y = y->next) {
		ASSERT_EQ_STR(x->string, y->string);
		if (cJSON_IsNumber(x)) {
			ASSERT(cJSON_IsNumber(y));
			if (x->valuedouble != y->valuedouble)
				fprintf(stderr, "%s: %.17g != %.17g\n", x->string, x->valuedouble,
				    y->valuedouble);
			ASSERT(x->valuedouble == y->valuedouble);
		} else
			ASSERT(cJSON_Compare(x, y, 1));
	}
}

/* The spec's box: every range in r-space, categorical values copied, fixed ones empty. */
static void
test_initial(void)
{
	struct spec s;
	struct box b;

	parse(&s, SPEC);
	box_initial(&b, &s);
	ASSERT_EQ_INT(b.n, 9);
	ASSERT_NEAR(b.dim[ALPHA].lo, -4, 1e-15);
	ASSERT_NEAR(b.dim[ALPHA].hi, -1, 1e-15);
	ASSERT_NEAR(b.dim[BETA1].lo, log10(1 - 0.999), 0);
	ASSERT_NEAR(b.dim[BETA1].lo, -3, 1e-12);
	ASSERT_NEAR(b.dim[BETA1].hi, -1, 1e-12);
	ASSERT(isnan(b.dim[EPSILON].lo) && isnan(b.dim[EPSILON].hi));
	ASSERT(b.dim[EPSILON].values == NULL);
	ASSERT_NEAR(b.dim[LAYERS].lo, 1, 0);
	ASSERT_NEAR(b.dim[LAYERS].hi, 4, 0);
	ASSERT_NEAR(b.dim[UNITS].lo, 4, 0);
	ASSERT_NEAR(b.dim[UNITS].hi, 10, 0);
	ASSERT(cJSON_Compare(b.dim[OPTIMIZER].values, s.params[OPTIMIZER].d.value, 1));
	ASSERT(b.dim[OPTIMIZER].values != s.params[OPTIMIZER].d.value);
	ASSERT(cJSON_Compare(b.dim[BATCHNORM].values, s.params[BATCHNORM].d.value, 1));
	ASSERT(cJSON_Compare(b.dim[BATCH].values, s.params[BATCH].d.value, 1));
	ASSERT_NEAR(b.dim[BN_MOMENTUM].lo, 0.5, 0);
	ASSERT_NEAR(b.dim[BN_MOMENTUM].hi, 0.99, 0);
	box_free(&b);
	box_free(&b);		/* safe twice */
	spec_free(&s);
}

/*
 * On the spec's box, box_sample draws exactly what random search always drew (legacy_trial);
 * so does the box read back from box_to_json's form, as a resumed search reads it from the
 * store.
 */
static void
test_sample_initial(void)
{
	static const char *const specs[] = { SPEC,
		"{" DS ", \"seed\": 0, \"params\": {"
		"\"alpha\": {\"scale\": \"log\", \"min\": 3e-5, \"max\": 2},"
		"\"beta2\": {\"scale\": \"one_minus_log\", \"min\": 0.5, \"max\": 0.9999},"
		"\"lr_decay\": {\"scale\": \"linear\", \"min\": 0, \"max\": 0.5},"
		"\"layers\": {\"scale\": \"int\", \"min\": 0, \"max\": 16},"
		"\"batch_size\": {\"scale\": \"pow2\", \"min\": 1, \"max\": 1048576}}}",
		"{" DS ", \"seed\": 9007199254740992, \"params\": {\"layers\": 2}}",
	};
	struct spec s;
	struct box b, back;
	cJSON *t, *u, *v, *json;
	char *cause = NULL;
	uint64_t n;
	size_t k;

	for (k = 0; k < sizeof specs / sizeof specs[0]; k++) {
		parse(&s, specs[k]);
		box_initial(&b, &s);
		json = box_to_json(&s, &b);
		ASSERT_EQ_INT(box_from_json(&back, &s, json, &cause), 0);
		cJSON_Delete(json);
		for (n = 0; n < 5000; n++) {
			t = box_sample(&s, &b, n);
			u = legacy_trial(&s, n);
			v = box_sample(&s, &back, n);
			same_trial(t, u);
			same_trial(v, u);
			cJSON_Delete(t);
			cJSON_Delete(u);
			cJSON_Delete(v);
		}
		box_free(&back);
		box_free(&b);
		spec_free(&s);
	}
	printf("box_sample on the spec's box, and on it read back from JSON, == the old draws, "
	    "3 x 5000 trials\n");
}

/* A trial object as a "best" trial from a JSON text. */
static cJSON *
trial(const char *text)
{
	cJSON *t = cJSON_Parse(text);

	ASSERT(t != NULL);
	return t;
}

/* Check that every draw of b lies inside it in value space, and print the box. */
static void
check_samples_inside(const struct spec *s, const struct box *b, int draws)
{
	const struct spec_param *p;
	double x, vmin, vmax, lo, hi;
	const cJSON *v, *c;
	cJSON *t;
	int i, n, found;

	for (n = 0; n < draws; n++) {
		t = box_sample(s, b, (uint64_t)n);
		ASSERT_EQ_INT(cJSON_GetArraySize(t), s->n_params);
		for (i = 0; i < s->n_params; i++) {
			p = &s->params[i];
			v = cJSON_GetObjectItemCaseSensitive(t, p->hp->name);
			ASSERT(v != NULL);
			if (p->d.kind == DIST_FIXED) {
				ASSERT(cJSON_Compare(v, p->d.value, 1));
				continue;
			}
			if (p->d.kind == DIST_VALUES) {
				found = 0;
				cJSON_ArrayForEach(c, b->dim[i].values)
					found |= cJSON_Compare(c, v, 1);
				ASSERT(found);
				continue;
			}
			x = v->valuedouble;
			lo = b->dim[i].lo;
			hi = b->dim[i].hi;
			switch (p->d.kind) {
			case DIST_LOG:
				vmin = pow(10, lo);
				vmax = pow(10, hi);
				break;
			case DIST_ONE_MINUS_LOG:
				vmin = 1 - pow(10, hi);
				vmax = 1 - pow(10, lo);
				break;
			case DIST_POW2:
				vmin = ldexp(1, (int)ceil(lo));
				vmax = ldexp(1, (int)floor(hi));
				ASSERT(x == ldexp(1, (int)log2(x)));
				break;
			case DIST_INT:
				ASSERT(x == floor(x));
				/* FALLTHROUGH */
			default:
				vmin = lo;
				vmax = hi;
				break;
			}
			if (!(x >= vmin * (1 - 1e-12) && x <= vmax * (1 + 1e-12)))
				fprintf(stderr, "%s: %.17g outside [%.17g, %.17g]\n",
				    p->hp->name, x, vmin, vmax);
			ASSERT(x >= vmin * (1 - 1e-12) && x <= vmax * (1 + 1e-12));
			ASSERT(x >= p->d.min && x <= p->d.max);
		}
		cJSON_Delete(t);
	}
}

/*
 * Zooming onto hand-made best trials: continuous ranges around them, padded (near an edge:
 * clipped, and the centre moves there); too spread: a window of zoom × the width, keeping the
 * best; int, pow2 and values narrow to what the best used.
 */
static void
test_zoom_by_hand(void)
{
	struct spec s;
	struct box b0, b1, b2;
	cJSON *best[3];
	char *text, *cause = NULL;
	int i;

	parse(&s, SPEC);
	box_initial(&b0, &s);
	best[0] = trial("{\"alpha\": 1.5e-4, \"beta1\": 0.99, \"epsilon\": 1e-8, \"layers\": 2,"
	    "\"hidden_units\": 64, \"batch_size\": 64, \"optimizer\": \"adam\","
	    "\"batchnorm\": true, \"bn_momentum\": 0.6}");
	best[1] = trial("{\"alpha\": 1.2e-4, \"beta1\": 0.95, \"epsilon\": 1e-8, \"layers\": 3,"
	    "\"hidden_units\": 256, \"batch_size\": 32, \"optimizer\": \"rmsprop\","
	    "\"batchnorm\": true, \"bn_momentum\": 0.95}");
	best[2] = trial("{\"alpha\": 1.1e-4, \"beta1\": 0.995, \"epsilon\": 1e-8, \"layers\": 2,"
	    "\"hidden_units\": 128, \"batch_size\": 64, \"optimizer\": \"adam\","
	    "\"batchnorm\": true, \"bn_momentum\": 0.7}");
	ASSERT_EQ_INT(box_zoom(&b1, &b0, &s, best, 3, 0.5, &cause), 0);
	ASSERT(cause == NULL);
	text = box_describe(&s, &b1);
	printf("zoomed: %s\n", text);
	free(text);

	/* alpha: r in [-3.96, -3.82], spread 0.14; the pad is 2% of 3 = 0.06 (more than 25%):
	 * [-4.02, -3.76] clipped to the spec's -4. The centre went from -2.5 to the edge. */
	ASSERT_NEAR(b1.dim[ALPHA].lo, -4, 1e-12);
	ASSERT_NEAR(b1.dim[ALPHA].hi, log10(1.5e-4) + 0.06, 1e-12);
	/* beta1: r in [log10 0.005, log10 0.05] = [-2.30, -1.30], spread 1: padded by 0.25, 1.5
	 * wide > 0.5 × 2: a 1-wide window centred on the mean, holding the best (r = -2)
	 * already. */
	ASSERT_NEAR(b1.dim[BETA1].hi - b1.dim[BETA1].lo, 1, 1e-12);
	ASSERT_NEAR((b1.dim[BETA1].lo + b1.dim[BETA1].hi) / 2,
	    (log10(0.01) + log10(0.05) + log10(0.005)) / 3, 1e-12);
	/* bn_momentum: [0.6, 0.95], spread 0.35 → padded to 0.525 wide > 0.245: a window of
	 * 0.245 centred on the mean 0.75 would lose the best (0.6): moved to hold it 10% of
	 * the width inside. */
	ASSERT_NEAR(b1.dim[BN_MOMENTUM].lo, 0.6 - 0.0245, 1e-12);
	ASSERT_NEAR(b1.dim[BN_MOMENTUM].hi, 0.6 - 0.0245 + 0.245, 1e-12);
	/* Integers, powers of two and values: what the best used. */
	ASSERT_NEAR(b1.dim[LAYERS].lo, 2, 0);
	ASSERT_NEAR(b1.dim[LAYERS].hi, 3, 0);
	ASSERT_NEAR(b1.dim[UNITS].lo, 6, 0);
	ASSERT_NEAR(b1.dim[UNITS].hi, 8, 0);
	text = cJSON_PrintUnformatted(b1.dim[OPTIMIZER].values);
	ASSERT_EQ_STR(text, "[\"rmsprop\",\"adam\"]");
	free(text);
	text = cJSON_PrintUnformatted(b1.dim[BATCHNORM].values);
	ASSERT_EQ_STR(text, "[true]");
	free(text);
	text = cJSON_PrintUnformatted(b1.dim[BATCH].values);
	ASSERT_EQ_STR(text, "[32,64]");
	free(text);
	ASSERT(isnan(b1.dim[EPSILON].lo) && b1.dim[EPSILON].values == NULL);
	check_samples_inside(&s, &b1, 1000);

	/* A best trial far from the others' mean: the window moves to keep it. */
	cJSON_ReplaceItemInObject(best[0], "bn_momentum", cJSON_CreateNumber(0.98));
	cJSON_ReplaceItemInObject(best[1], "bn_momentum", cJSON_CreateNumber(0.51));
	cJSON_ReplaceItemInObject(best[2], "bn_momentum", cJSON_CreateNumber(0.52));
	ASSERT_EQ_INT(box_zoom(&b2, &b0, &s, best, 3, 0.5, &cause), 0);
	printf("bn_momentum window for best 0.98, 0.51, 0.52: [%g, %g]\n",
	    b2.dim[BN_MOMENTUM].lo, b2.dim[BN_MOMENTUM].hi);
	ASSERT(b2.dim[BN_MOMENTUM].lo <= 0.98 && 0.98 <= b2.dim[BN_MOMENTUM].hi);
	ASSERT_NEAR(b2.dim[BN_MOMENTUM].hi, 0.99, 1e-12);
	ASSERT_NEAR(b2.dim[BN_MOMENTUM].hi - b2.dim[BN_MOMENTUM].lo, 0.245, 1e-12);
	box_free(&b2);

	/* A single best trial: a narrow box around it; int and values collapse to it. */
	ASSERT_EQ_INT(box_zoom(&b2, &b1, &s, best, 1, 0.5, &cause), 0);
	ASSERT_NEAR(b2.dim[LAYERS].lo, 2, 0);
	ASSERT_NEAR(b2.dim[LAYERS].hi, 2, 0);
	ASSERT_NEAR(b2.dim[BETA1].hi - b2.dim[BETA1].lo, 0.04 * 1, 1e-12);
	ASSERT_EQ_INT(cJSON_GetArraySize(b2.dim[OPTIMIZER].values), 1);
	text = box_describe(&s, &b2);
	printf("one best: %s\n", text);
	ASSERT_STR_CONTAINS(text, "layers 2, hidden_units 64, batch_size 64, optimizer adam,"
	    " batchnorm true");
	free(text);
	check_samples_inside(&s, &b2, 200);
	box_free(&b2);

	/* Errors: no best trials, a best trial without a parameter, a bad value, a bad zoom. */
	ASSERT_EQ_INT(box_zoom(&b2, &b1, &s, best, 0, 0.5, &cause), -EINVAL);
	printf("ok: %s\n", cause);
	free(cause);
	cause = NULL;
	cJSON_DeleteItemFromObject(best[1], "layers");
	ASSERT_EQ_INT(box_zoom(&b2, &b1, &s, best, 3, 0.5, &cause), -EINVAL);
	ASSERT_STR_CONTAINS(cause, "best trial 1 has no layers");
	ASSERT_EQ_INT(b2.n, 0);
	free(cause);
	cause = NULL;
	ASSERT_EQ_INT(box_zoom(&b2, &b1, &s, best, 1, 1.5, &cause), -EINVAL);
	free(cause);
	cause = NULL;
	cJSON_ReplaceItemInObject(best[0], "alpha", cJSON_CreateString("big"));
	ASSERT_EQ_INT(box_zoom(&b2, &b1, &s, best, 1, 0.5, &cause), -EINVAL);
	ASSERT_STR_CONTAINS(cause, "alpha must be a number");
	free(cause);
	cause = NULL;
	cJSON_ReplaceItemInObject(best[0], "alpha", cJSON_CreateNumber(-1));
	ASSERT_EQ_INT(box_zoom(&b2, &b1, &s, best, 1, 0.5, &cause), -EINVAL);
	ASSERT_STR_CONTAINS(cause, "alpha -1 is outside");
	free(cause);
	box_free(&b2);

	for (i = 0; i < 3; i++)
		cJSON_Delete(best[i]);
	box_free(&b0);
	box_free(&b1);
	spec_free(&s);
}

/* How far a trial is from a target point (continuous dimensions, r-space scaled to [0, 1]). */
static double
distance(const struct spec *s, const cJSON *t, const double *target)
{
	static const int dims[] = { ALPHA, BETA1, BN_MOMENTUM };
	double d = 0, lo, hi, x;
	const struct spec_param *p;
	int j;

	for (j = 0; j < 3; j++) {
		p = &s->params[dims[j]];
		x = rspace(p->d.kind, num(t, p->hp->name));
		lo = rspace(p->d.kind, p->d.min);
		hi = rspace(p->d.kind, p->d.max);
		d += pow((x - target[j]) / (hi - lo), 2);
	}
	return d;
}

/*
 * Three rounds of coarse-to-fine on a synthetic objective (closeness to a point near the
 * edges in r-space): each round samples 60 trials in the box and zooms onto the best 6. Each
 * continuous box lies inside the last and is at most zoom × as wide, holds the best trial (all
 * the best when they fit), moves its centre toward best trials near an edge, and ends near
 * the optimum; the others narrow to what the best used.
 */
static void
test_rounds(void)
{
	static const int dims[] = { ALPHA, BETA1, BN_MOMENTUM };
	enum { PER_ROUND = 60, K = 6 };
	/* r-space targets: alpha 1.3e-4, beta1 0.9985, bn_momentum 0.55. */
	const double target[3] = { log10(1.3e-4), log10(0.0015), 0.55 }, zoom = 0.5;
	double dist[PER_ROUND], r, cprev, cnext, lo, hi, pw, a, b, mean, lo0[3], hi0[3];
	cJSON *trials[PER_ROUND], *best[K], *tmp;
	struct box prev, next;
	struct spec s;
	char *text, *cause = NULL;
	int round, i, j, k, order[PER_ROUND], used;
	const cJSON *c;

	parse(&s, SPEC);
	box_initial(&prev, &s);
	for (j = 0; j < 3; j++) {
		lo0[j] = prev.dim[dims[j]].lo;
		hi0[j] = prev.dim[dims[j]].hi;
	}
	for (round = 1; round <= 3; round++) {
		for (i = 0; i < PER_ROUND; i++) {
			trials[i] = box_sample(&s, &prev, (uint64_t)(round * 1000 + i));
			dist[i] = distance(&s, trials[i], target);
			order[i] = i;
		}
		/* Selection sort of the best K. */
		for (i = 0; i < K; i++) {
			for (j = i + 1; j < PER_ROUND; j++) {
				if (dist[order[j]] < dist[order[i]]) {
					used = order[i];
					order[i] = order[j];
					order[j] = used;
				}
			}
			best[i] = trials[order[i]];
		}
		ASSERT_EQ_INT(box_zoom(&next, &prev, &s, best, K, zoom, &cause), 0);
		text = box_describe(&s, &next);
		printf("round %d -> %s\n", round, text);
		free(text);

		for (j = 0; j < 3; j++) {
			i = dims[j];
			lo = next.dim[i].lo;
			hi = next.dim[i].hi;
			ASSERT(lo >= prev.dim[i].lo && hi <= prev.dim[i].hi);
			ASSERT(hi - lo <= zoom * (prev.dim[i].hi - prev.dim[i].lo) * (1 + 1e-12));
			ASSERT(hi > lo);
			pw = prev.dim[i].hi - prev.dim[i].lo;
			a = INFINITY;
			b = -INFINITY;
			mean = 0;
			for (k = 0; k < K; k++) {
				r = rspace(s.params[i].d.kind, num(best[k], s.params[i].hp->name));
				a = fmin(a, r);
				b = fmax(b, r);
				mean += r / K;
			}
			cprev = (prev.dim[i].lo + prev.dim[i].hi) / 2;
			cnext = (lo + hi) / 2;
			printf("  %s: [%.4f, %.4f], centre %.4f -> %.4f, best in [%.4f, %.4f], "
			    "target %.4f\n", s.params[i].hp->name, lo, hi, cprev, cnext, a, b,
			    target[j]);
			/* The best trial is always inside; all of them when they fit. */
			r = rspace(s.params[i].d.kind, num(best[0], s.params[i].hp->name));
			ASSERT(r >= lo - 1e-12 && r <= hi + 1e-12);
			if (fmax(1.5 * (b - a), b - a + 0.04 * pw) <= zoom * pw)
				ASSERT(a >= lo - 1e-12 && b <= hi + 1e-12);
			else
				ASSERT_NEAR(hi - lo, zoom * pw, 1e-12);
			/* Best trials near an edge pull the centre there. */
			if (mean < prev.dim[i].lo + pw / 4 || mean > prev.dim[i].hi - pw / 4)
				ASSERT(fabs(cnext - mean) < fabs(cprev - mean));
			/* The optimum sits near edges: the first zoom goes its way. */
			if (round == 1)
				ASSERT(fabs(cnext - target[j]) < fabs(cprev - target[j]));
			if (round == 3)
				ASSERT(fabs(cnext - target[j]) < 0.1 * (hi0[j] - lo0[j]));
		}
		/* Int and pow2: the range of the values the best used; values: those used. */
		lo = hi = num(best[0], "layers");
		for (i = 0; i < K; i++) {
			lo = fmin(lo, num(best[i], "layers"));
			hi = fmax(hi, num(best[i], "layers"));
		}
		ASSERT_NEAR(next.dim[LAYERS].lo, lo, 0);
		ASSERT_NEAR(next.dim[LAYERS].hi, hi, 0);
		lo = hi = num(best[0], "hidden_units");
		for (i = 0; i < K; i++) {
			lo = fmin(lo, num(best[i], "hidden_units"));
			hi = fmax(hi, num(best[i], "hidden_units"));
		}
		ASSERT_NEAR(next.dim[UNITS].lo, log2(lo), 0);
		ASSERT_NEAR(next.dim[UNITS].hi, log2(hi), 0);
		cJSON_ArrayForEach(c, next.dim[OPTIMIZER].values) {
			used = 0;
			for (i = 0; i < K; i++)
				used |= cJSON_Compare(c, cJSON_GetObjectItemCaseSensitive(best[i],
				    "optimizer"), 1);
			ASSERT(used);
		}
		for (i = 0; i < K; i++) {
			used = 0;
			cJSON_ArrayForEach(c, next.dim[OPTIMIZER].values)
				used |= cJSON_Compare(c, cJSON_GetObjectItemCaseSensitive(best[i],
				    "optimizer"), 1);
			ASSERT(used);
		}
		check_samples_inside(&s, &next, 1000);

		for (i = 0; i < PER_ROUND; i++)
			cJSON_Delete(trials[i]);
		box_free(&prev);
		prev = next;
	}

	/* Round trip through JSON after three rounds. */
	tmp = box_to_json(&s, &prev);
	ASSERT_EQ_INT(box_from_json(&next, &s, tmp, &cause), 0);
	ASSERT(cause == NULL);
	for (i = 0; i < s.n_params; i++) {
		if (s.params[i].d.kind == DIST_VALUES)
			ASSERT(cJSON_Compare(prev.dim[i].values, next.dim[i].values, 1));
		else if (s.params[i].d.kind != DIST_FIXED) {
			ASSERT_NEAR(prev.dim[i].lo, next.dim[i].lo, 1e-9);
			ASSERT_NEAR(prev.dim[i].hi, next.dim[i].hi, 1e-9);
		}
	}
	cJSON_Delete(tmp);
	box_free(&next);
	box_free(&prev);
	spec_free(&s);
}

/* box_to_json / box_from_json: value space, exact at the spec's edges, checked on the way in. */
static void
test_json(void)
{
	struct spec s;
	struct box b0, b1, b2;
	cJSON *json, *best[2], *bad;
	char *text, *d1, *d2, *cause = NULL;

	parse(&s, SPEC);
	box_initial(&b0, &s);
	json = box_to_json(&s, &b0);
	text = cJSON_PrintUnformatted(json);
	printf("spec's box: %s\n", text);
	ASSERT_EQ_STR(text, "{\"alpha\":{\"min\":0.0001,\"max\":0.1},"
	    "\"beta1\":{\"min\":0.9,\"max\":0.999},"
	    "\"layers\":{\"min\":1,\"max\":4},"
	    "\"hidden_units\":{\"min\":16,\"max\":1024},"
	    "\"batch_size\":{\"values\":[32,64,128]},"
	    "\"optimizer\":{\"values\":[\"gd\",\"momentum\",\"rmsprop\",\"adam\"]},"
	    "\"batchnorm\":{\"values\":[true,false]},"
	    "\"bn_momentum\":{\"min\":0.5,\"max\":0.99}}");
	free(text);
	ASSERT_EQ_INT(box_from_json(&b1, &s, json, &cause), 0);
	ASSERT(b1.dim[ALPHA].lo == b0.dim[ALPHA].lo && b1.dim[ALPHA].hi == b0.dim[ALPHA].hi);
	ASSERT(b1.dim[BETA1].lo == b0.dim[BETA1].lo && b1.dim[BETA1].hi == b0.dim[BETA1].hi);
	ASSERT(isnan(b1.dim[EPSILON].lo));
	cJSON_Delete(json);
	box_free(&b1);

	/* A zoomed box comes back the same. */
	best[0] = trial("{\"alpha\": 3.3e-3, \"beta1\": 0.993, \"epsilon\": 1e-8, \"layers\": 4,"
	    "\"hidden_units\": 512, \"batch_size\": 128, \"optimizer\": \"gd\","
	    "\"batchnorm\": false, \"bn_momentum\": 0.9}");
	best[1] = trial("{\"alpha\": 1e-3, \"beta1\": 0.98, \"epsilon\": 1e-8, \"layers\": 3,"
	    "\"hidden_units\": 1024, \"batch_size\": 128, \"optimizer\": \"momentum\","
	    "\"batchnorm\": false, \"bn_momentum\": 0.8}");
	ASSERT_EQ_INT(box_zoom(&b1, &b0, &s, best, 2, 0.5, &cause), 0);
	json = box_to_json(&s, &b1);
	text = cJSON_PrintUnformatted(json);
	printf("zoomed box: %s\n", text);
	ASSERT_EQ_INT(box_from_json(&b2, &s, json, &cause), 0);
	d1 = box_describe(&s, &b1);
	d2 = box_describe(&s, &b2);
	printf("describe: %s\n", d1);
	ASSERT_EQ_STR(d1, d2);
	ASSERT_NEAR(b1.dim[ALPHA].lo, b2.dim[ALPHA].lo, 1e-12);
	ASSERT_NEAR(b1.dim[BETA1].hi, b2.dim[BETA1].hi, 1e-12);
	ASSERT(b1.dim[UNITS].lo == b2.dim[UNITS].lo && b1.dim[UNITS].hi == b2.dim[UNITS].hi);
	free(d1);
	free(d2);
	cJSON_Delete(best[0]);
	cJSON_Delete(best[1]);

	box_free(&b2);

	/* Through text, as the store keeps it. */
	bad = cJSON_Parse(text);
	ASSERT_EQ_INT(box_from_json(&b2, &s, bad, &cause), 0);
	d1 = box_describe(&s, &b1);
	d2 = box_describe(&s, &b2);
	ASSERT_EQ_STR(d1, d2);
	free(d1);
	free(d2);
	box_free(&b2);
	cJSON_Delete(bad);
	free(text);

	/* Refused: not an object, unknown or fixed keys, missing ones, out of range, bad values. */
	ASSERT_EQ_INT(box_from_json(&b2, &s, NULL, &cause), -EINVAL);
	ASSERT_STR_CONTAINS(cause, "box: must be an object");
	free(cause);
	cJSON_AddNumberToObject(json, "epsilon", 1);
	ASSERT_EQ_INT(box_from_json(&b2, &s, json, &cause), -EINVAL);
	ASSERT_STR_CONTAINS(cause, "box.epsilon: not a searched hyperparameter");
	ASSERT_EQ_INT(b2.n, 0);
	free(cause);
	cJSON_DeleteItemFromObject(json, "epsilon");
	cJSON_DeleteItemFromObject(json, "layers");
	ASSERT_EQ_INT(box_from_json(&b2, &s, json, &cause), -EINVAL);
	ASSERT_STR_CONTAINS(cause, "box.layers: required");
	free(cause);
	cJSON_AddItemToObject(json, "layers", cJSON_Parse("{\"min\": 0, \"max\": 3}"));
	ASSERT_EQ_INT(box_from_json(&b2, &s, json, &cause), -EINVAL);
	ASSERT_STR_CONTAINS(cause, "box.layers: needs numbers min <= max within the spec's "
	    "range [1, 4]");
	free(cause);
	cJSON_ReplaceItemInObject(json, "layers", cJSON_Parse("{\"min\": 3, \"max\": 2}"));
	ASSERT_EQ_INT(box_from_json(&b2, &s, json, &cause), -EINVAL);
	free(cause);
	cJSON_ReplaceItemInObject(json, "layers", cJSON_Parse("{\"min\": 2, \"max\": 3}"));
	cJSON_ReplaceItemInObject(json, "optimizer", cJSON_Parse("{\"values\": [\"sgd\"]}"));
	ASSERT_EQ_INT(box_from_json(&b2, &s, json, &cause), -EINVAL);
	ASSERT_STR_CONTAINS(cause, "box.optimizer.values[0]: not one of the spec's values");
	free(cause);
	cJSON_ReplaceItemInObject(json, "optimizer", cJSON_Parse("{\"values\": []}"));
	ASSERT_EQ_INT(box_from_json(&b2, &s, json, &cause), -EINVAL);
	ASSERT_STR_CONTAINS(cause, "box.optimizer.values: must be a non-empty array");
	free(cause);
	cJSON_ReplaceItemInObject(json, "optimizer", cJSON_Parse("[\"gd\"]"));
	ASSERT_EQ_INT(box_from_json(&b2, &s, json, &cause), -EINVAL);
	ASSERT_STR_CONTAINS(cause, "box.optimizer: must be an object");
	free(cause);
	cJSON_ReplaceItemInObject(json, "optimizer", cJSON_Parse("{\"values\": [\"adam\"]}"));
	ASSERT_EQ_INT(box_from_json(&b2, &s, json, &cause), 0);
	box_free(&b2);

	cJSON_Delete(json);
	box_free(&b0);
	box_free(&b1);
	spec_free(&s);
}

/* box_describe's text. */
static void
test_describe(void)
{
	struct spec s;
	struct box b;
	char *text;

	parse(&s, "{" DS ", \"params\": {"
	    "\"alpha\": {\"scale\": \"log\", \"min\": 1e-4, \"max\": 1e-1},"
	    "\"beta1\": {\"scale\": \"one_minus_log\", \"min\": 0.9, \"max\": 0.999},"
	    "\"layers\": {\"scale\": \"int\", \"min\": 1, \"max\": 4},"
	    "\"hidden_units\": {\"scale\": \"pow2\", \"min\": 16, \"max\": 1024},"
	    "\"optimizer\": {\"values\": [\"gd\", \"rmsprop\", \"adam\"]},"
	    "\"batchnorm\": true}}");
	box_initial(&b, &s);
	text = box_describe(&s, &b);
	printf("describe: %s\n", text);
	ASSERT_EQ_STR(text, "alpha 1.0e-04..1.0e-01, beta1 0.9..0.999, layers 1..4, "
	    "hidden_units 16..1024, optimizer gd|rmsprop|adam");
	free(text);

	b.dim[0].lo = log10(3.1e-4);
	b.dim[0].hi = log10(2e-3);
	b.dim[1].lo = log10(1 - 0.995);
	b.dim[1].hi = log10(1 - 0.97);
	b.dim[2].lo = 2;
	b.dim[2].hi = 3;
	b.dim[3].lo = 6;
	b.dim[3].hi = 8;
	cJSON_DeleteItemFromArray(b.dim[4].values, 0);
	cJSON_AddItemToArray(b.dim[4].values, cJSON_CreateString("rmsprop"));
	cJSON_DeleteItemFromArray(b.dim[4].values, 0);
	text = box_describe(&s, &b);
	printf("describe: %s\n", text);
	ASSERT_EQ_STR(text, "alpha 3.1e-04..2.0e-03, beta1 0.97..0.995, layers 2..3, "
	    "hidden_units 64..256, optimizer adam|rmsprop");
	free(text);
	box_free(&b);
	spec_free(&s);

	/* Nothing searched: an empty description. */
	parse(&s, "{" DS ", \"params\": {\"alpha\": 0.01}}");
	box_initial(&b, &s);
	text = box_describe(&s, &b);
	ASSERT_EQ_STR(text, "");
	free(text);
	box_free(&b);
	spec_free(&s);
}

/* Run every test. */
int
main(void)
{
	test_initial();
	test_sample_initial();
	test_zoom_by_hand();
	test_rounds();
	test_json();
	test_describe();
	printf("test_box: ok\n");
	return 0;
}
