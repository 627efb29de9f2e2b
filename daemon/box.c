/*
 * box.c: coarse-to-fine search boxes — pure. A box keeps, per hyperparameter, the range still
 * searched in r-space (the space its scale samples uniformly) or the categorical values still
 * in play. Sampling a box draws exactly as sample_dist does for a distribution with the box's
 * bounds, so the spec's own box samples the trials random search would. Zooming takes the best
 * trials of a round: continuous ranges shrink around them (padded, at most zoom × the width,
 * inside the box before); integer, power-of-two and categorical ones keep what they used.
 * Layer: part
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "rng.h"
#include "sample.h"
#include "xmalloc.h"

#define BOX_PAD		0.25	/* padding on each side, × the best trials' spread */
#define BOX_MIN_PAD	0.02	/* … but at least this × the previous width */
#define BOX_BEST_MARGIN	0.1	/* the best trial lies this × the width inside a moved window */

/* A value as a point of r-space: log10 x, log10(1 − x), log2 x or x itself. */
static double
box_r(enum dist_kind kind, double x)
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

/* The whole range of a distribution in r-space (NaN for fixed and categorical ones). */
static void
box_dist_range(const struct dist *d, double *lo, double *hi)
{
	switch (d->kind) {
	case DIST_LOG:
	case DIST_POW2:
	case DIST_LINEAR:
	case DIST_INT:
		*lo = box_r(d->kind, d->min);
		*hi = box_r(d->kind, d->max);
		break;
	case DIST_ONE_MINUS_LOG:
		*lo = box_r(d->kind, d->max);
		*hi = box_r(d->kind, d->min);
		break;
	default:
		*lo = *hi = NAN;
		break;
	}
}

/*
 * A dimension's bounds in value space. A bound at the edge of the spec's range is the spec's
 * own number (not 10^log10 of it), so the spec's box draws exactly as the spec does.
 */
static void
box_value_range(const struct dist *d, const struct box_dim *bd, double *vmin, double *vmax)
{
	double lo, hi;

	box_dist_range(d, &lo, &hi);
	switch (d->kind) {
	case DIST_LOG:
		*vmin = bd->lo <= lo ? d->min : pow(10, bd->lo);
		*vmax = bd->hi >= hi ? d->max : pow(10, bd->hi);
		break;
	case DIST_ONE_MINUS_LOG:
		*vmin = bd->hi >= hi ? d->min : 1 - pow(10, bd->hi);
		*vmax = bd->lo <= lo ? d->max : 1 - pow(10, bd->lo);
		break;
	case DIST_LINEAR:
		*vmin = bd->lo;
		*vmax = bd->hi;
		break;
	case DIST_INT:
		*vmin = ceil(bd->lo);
		*vmax = floor(bd->hi);
		break;
	case DIST_POW2:
		*vmin = ldexp(1, (int)ceil(bd->lo));
		*vmax = ldexp(1, (int)floor(bd->hi));
		break;
	default:
		*vmin = *vmax = NAN;
		return;
	}
	*vmin = fmin(fmax(*vmin, d->min), d->max);
	*vmax = fmin(fmax(*vmax, *vmin), d->max);
}

/* The spec's whole box: round 1 of coarse-to-fine, and what random search samples. */
void
box_initial(struct box *b, const struct spec *s)
{
	const struct dist *d;
	int i;

	memset(b, 0, sizeof *b);
	b->n = s->n_params;
	for (i = 0; i < s->n_params; i++) {
		d = &s->params[i].d;
		box_dist_range(d, &b->dim[i].lo, &b->dim[i].hi);
		if (d->kind == DIST_VALUES)
			b->dim[i].values = cJSON_Duplicate(d->value, 1);
	}
}

/* Free the values a box holds and leave it empty; safe on an empty box. */
void
box_free(struct box *b)
{
	int i;

	for (i = 0; i < (int)(sizeof b->dim / sizeof b->dim[0]); i++)
		cJSON_Delete(b->dim[i].values);
	memset(b, 0, sizeof *b);
}

/*
 * The hyperparameters of trial n drawn inside box b: an object with every parameter of the
 * spec, in table order, fixed ones as given (round 1 draws in the spec's whole box). It
 * depends only on (s->seed, n, b): a generator on stream 1000 + n makes one draw per
 * non-fixed parameter, in table order, through sample_dist with the box's bounds.
 */
cJSON *
box_sample(const struct spec *s, const struct box *b, uint64_t n)
{
	const struct spec_param *p;
	struct dist d;
	struct rng r;
	cJSON *o, *v;
	int i;

	rng_seed(&r, s->seed, 1000 + n);
	o = cJSON_CreateObject();
	for (i = 0; i < s->n_params; i++) {
		p = &s->params[i];
		memset(&d, 0, sizeof d);
		d.kind = p->d.kind;
		switch (p->d.kind) {
		case DIST_FIXED:
			v = cJSON_Duplicate(p->d.value, 1);
			break;
		case DIST_VALUES:
			d.value = b->dim[i].values;
			v = cJSON_Duplicate(cJSON_GetArrayItem(d.value,
			    (int)sample_dist(&d, &r)), 1);
			break;
		default:
			box_value_range(&p->d, &b->dim[i], &d.min, &d.max);
			v = cJSON_CreateNumber(sample_dist(&d, &r));
			break;
		}
		cJSON_AddItemToObject(o, p->hp->name, v);
	}
	return o;
}

/* Trial j's value of parameter p in r-space (the value itself for categorical ones). */
static int
box_best_r(const struct spec_param *p, const cJSON *trial, int j, double *r, char **cause)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(trial, p->hp->name);

	if (v == NULL)
		return xcause(cause, -EINVAL, "coarse-to-fine: best trial %d has no %s", j,
		    p->hp->name);
	if (p->d.kind == DIST_VALUES)
		return 0;
	if (!cJSON_IsNumber(v))
		return xcause(cause, -EINVAL, "coarse-to-fine: best trial %d: %s must be a "
		    "number", j, p->hp->name);
	*r = box_r(p->d.kind, v->valuedouble);
	if (!isfinite(*r))
		return xcause(cause, -EINVAL, "coarse-to-fine: best trial %d: %s %g is outside "
		    "its scale", j, p->hp->name, v->valuedouble);
	return 0;
}

/*
 * Zoom a continuous dimension onto the best trials' points r[0..k) (r[0] the best): their
 * range padded by BOX_PAD of its width on each side (at least BOX_MIN_PAD of prev's width),
 * clipped to prev. When that is wider than zoom × prev's width, a window of that width
 * centred on their mean instead — moved to keep the best trial inside, then into prev.
 */
static void
box_zoom_range(struct box_dim *next, const struct box_dim *prev, const double *r, int k,
    double zoom)
{
	double a = r[0], b = r[0], mean = 0, pw = prev->hi - prev->lo, w, pad, lo, hi;
	int j;

	for (j = 0; j < k; j++) {
		a = fmin(a, r[j]);
		b = fmax(b, r[j]);
		mean += r[j] / k;
	}
	pad = fmax(BOX_PAD * (b - a), BOX_MIN_PAD * pw);
	lo = a - pad;
	hi = b + pad;
	if (hi - lo > zoom * pw) {
		w = zoom * pw;
		lo = mean - w / 2;
		hi = lo + w;
		if (r[0] < lo) {
			lo = r[0] - BOX_BEST_MARGIN * w;
			hi = lo + w;
		} else if (r[0] > hi) {
			hi = r[0] + BOX_BEST_MARGIN * w;
			lo = hi - w;
		}
		if (lo < prev->lo) {
			hi += prev->lo - lo;
			lo = prev->lo;
		} else if (hi > prev->hi) {
			lo -= hi - prev->hi;
			hi = prev->hi;
		}
	}
	lo = fmax(lo, prev->lo);
	hi = fmin(hi, prev->hi);
	if (!(lo <= hi)) {
		/* The best lie outside prev altogether (sampling prev cannot do that). */
		lo = prev->lo;
		hi = prev->hi;
	}
	next->lo = lo;
	next->hi = hi;
}

/*
 * Narrow an integer (int, or pow2's exponent) dimension to the range the best trials used,
 * within prev.
 */
static void
box_zoom_int(struct box_dim *next, const struct box_dim *prev, const double *r, int k)
{
	double lo = round(r[0]), hi = round(r[0]);
	int j;

	for (j = 1; j < k; j++) {
		lo = fmin(lo, round(r[j]));
		hi = fmax(hi, round(r[j]));
	}
	lo = fmax(lo, ceil(prev->lo));
	hi = fmin(hi, floor(prev->hi));
	if (!(lo <= hi)) {
		lo = prev->lo;
		hi = prev->hi;
	}
	next->lo = lo;
	next->hi = hi;
}

/* Narrow a categorical dimension to the values of prev that the best trials used, in order. */
static void
box_zoom_values(struct box_dim *next, const struct box_dim *prev, const struct spec_param *p,
    cJSON *const *best, int k)
{
	const cJSON *c, *v;
	int j;

	next->values = cJSON_CreateArray();
	cJSON_ArrayForEach(c, prev->values) {
		for (j = 0; j < k; j++) {
			v = cJSON_GetObjectItemCaseSensitive(best[j], p->hp->name);
			if (cJSON_Compare(c, v, 1)) {
				cJSON_AddItemToArray(next->values, cJSON_Duplicate(c, 1));
				break;
			}
		}
	}
	if (cJSON_GetArraySize(next->values) == 0) {
		/* None of prev's values (sampling prev cannot do that). */
		cJSON_Delete(next->values);
		next->values = cJSON_Duplicate(prev->values, 1);
	}
}

/*
 * The box of the next round: prev zoomed onto best[0..k), the params objects of the k best
 * trials of the round (best first); zoom in (0, 1] bounds each continuous width to zoom × its
 * width in prev. next (not prev itself) is overwritten; on failure it is left empty.
 */
int
box_zoom(struct box *next, const struct box *prev, const struct spec *s,
    cJSON *const *best, int k, double zoom, char **cause)
{
	const struct spec_param *p;
	struct box b;
	double *r = NULL;
	int err, i, j;

	memset(&b, 0, sizeof b);
	memset(next, 0, sizeof *next);
	if (k < 1) {
		err = xcause(cause, -EINVAL, "coarse-to-fine: no best trials to zoom onto");
		goto fail;
	}
	if (!(zoom > 0 && zoom <= 1)) {
		err = xcause(cause, -EINVAL, "coarse-to-fine: zoom %g is not in (0, 1]", zoom);
		goto fail;
	}
	r = xreallocarray(NULL, (size_t)k, sizeof *r);
	b.n = s->n_params;
	for (i = 0; i < s->n_params; i++) {
		p = &s->params[i];
		b.dim[i].lo = b.dim[i].hi = NAN;
		if (p->d.kind == DIST_FIXED)
			continue;
		for (j = 0; j < k; j++) {
			if ((err = box_best_r(p, best[j], j, &r[j], cause)) != 0)
				goto fail;
		}
		switch (p->d.kind) {
		case DIST_VALUES:
			box_zoom_values(&b.dim[i], &prev->dim[i], p, best, k);
			break;
		case DIST_INT:
		case DIST_POW2:
			box_zoom_int(&b.dim[i], &prev->dim[i], r, k);
			break;
		default:
			box_zoom_range(&b.dim[i], &prev->dim[i], r, k, zoom);
			break;
		}
	}
	free(r);
	*next = b;
	return 0;

fail:
	free(r);
	box_free(&b);
	return err;
}

/*
 * A box as JSON, to keep with the search: {"alpha": {"min": …, "max": …}, "optimizer":
 * {"values": […]}, …} for the parameters that are not fixed, bounds in value space.
 */
cJSON *
box_to_json(const struct spec *s, const struct box *b)
{
	const struct spec_param *p;
	double vmin, vmax;
	cJSON *o, *d;
	int i;

	o = cJSON_CreateObject();
	for (i = 0; i < s->n_params; i++) {
		p = &s->params[i];
		if (p->d.kind == DIST_FIXED)
			continue;
		d = cJSON_AddObjectToObject(o, p->hp->name);
		if (p->d.kind == DIST_VALUES) {
			cJSON_AddItemToObject(d, "values", cJSON_Duplicate(b->dim[i].values, 1));
			continue;
		}
		box_value_range(&p->d, &b->dim[i], &vmin, &vmax);
		cJSON_AddNumberToObject(d, "min", vmin);
		cJSON_AddNumberToObject(d, "max", vmax);
	}
	return o;
}

/* Whether v is one of the values of array a. */
static int
box_has_value(const cJSON *a, const cJSON *v)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, a) {
		if (cJSON_Compare(c, v, 1))
			return 1;
	}
	return 0;
}

/* Read one dimension of a box from JSON (box_to_json's form), checked against the spec. */
static int
box_dim_from_json(struct box_dim *bd, const struct spec_param *p, const cJSON *v,
    char **cause)
{
	const char *name = p->hp->name;
	const cJSON *min, *max, *c;
	int i;

	if (!cJSON_IsObject(v))
		return xcause(cause, -EINVAL, "box.%s: must be an object", name);
	if (p->d.kind == DIST_VALUES) {
		v = cJSON_GetObjectItemCaseSensitive(v, "values");
		if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
			return xcause(cause, -EINVAL, "box.%s.values: must be a non-empty array",
			    name);
		i = 0;
		cJSON_ArrayForEach(c, v) {
			if (!box_has_value(p->d.value, c))
				return xcause(cause, -EINVAL, "box.%s.values[%d]: not one of the "
				    "spec's values", name, i);
			i++;
		}
		bd->values = cJSON_Duplicate(v, 1);
		return 0;
	}
	min = cJSON_GetObjectItemCaseSensitive(v, "min");
	max = cJSON_GetObjectItemCaseSensitive(v, "max");
	if (!cJSON_IsNumber(min) || !cJSON_IsNumber(max) ||
	    !(p->d.min <= min->valuedouble && min->valuedouble <= max->valuedouble &&
	    max->valuedouble <= p->d.max))
		return xcause(cause, -EINVAL, "box.%s: needs numbers min <= max within the spec's "
		    "range [%g, %g]", name, p->d.min, p->d.max);
	if (p->d.kind == DIST_ONE_MINUS_LOG) {
		bd->lo = box_r(p->d.kind, max->valuedouble);
		bd->hi = box_r(p->d.kind, min->valuedouble);
	} else {
		bd->lo = box_r(p->d.kind, min->valuedouble);
		bd->hi = box_r(p->d.kind, max->valuedouble);
	}
	return 0;
}

/*
 * Read a box back from box_to_json's form (resuming a search), checked against the spec:
 * every parameter that is not fixed, and nothing else. On failure b is left empty.
 */
int
box_from_json(struct box *b, const struct spec *s, const cJSON *json, char **cause)
{
	const struct spec_param *p;
	const cJSON *c;
	int err, i;

	memset(b, 0, sizeof *b);
	if (!cJSON_IsObject(json)) {
		err = xcause(cause, -EINVAL, "box: must be an object");
		goto fail;
	}
	cJSON_ArrayForEach(c, json) {
		for (i = 0; i < s->n_params; i++) {
			if (s->params[i].d.kind != DIST_FIXED &&
			    strcmp(s->params[i].hp->name, c->string) == 0)
				break;
		}
		if (i == s->n_params) {
			err = xcause(cause, -EINVAL, "box.%s: not a searched hyperparameter",
			    c->string);
			goto fail;
		}
	}
	b->n = s->n_params;
	for (i = 0; i < s->n_params; i++) {
		p = &s->params[i];
		b->dim[i].lo = b->dim[i].hi = NAN;
		if (p->d.kind == DIST_FIXED)
			continue;
		if ((c = cJSON_GetObjectItemCaseSensitive(json, p->hp->name)) == NULL) {
			err = xcause(cause, -EINVAL, "box.%s: required", p->hp->name);
			goto fail;
		}
		if ((err = box_dim_from_json(&b->dim[i], p, c, cause)) != 0)
			goto fail;
	}
	return 0;

fail:
	box_free(b);
	return err;
}

/* Append a formatted piece to *buf (a string, or NULL). */
static void __attribute__((format(printf, 2, 3)))
box_append(char **buf, const char *fmt, ...)
{
	va_list ap;
	char *piece, *joined;

	va_start(ap, fmt);
	piece = xvasprintf(fmt, ap);
	va_end(ap);
	joined = xasprintf("%s%s", *buf != NULL ? *buf : "", piece);
	free(piece);
	free(*buf);
	*buf = joined;
}

/*
 * A box in words, for the log and events: "alpha 3.1e-04..2.0e-03, beta1 0.97..0.995,
 * layers 2..3, optimizer adam|rmsprop" — parameters that are not fixed, in table order (log
 * scales as %.1e, one_minus_log %.3g, linear %.2g). The caller frees it.
 */
char *
box_describe(const struct spec *s, const struct box *b)
{
	const struct spec_param *p;
	const cJSON *c;
	double vmin, vmax;
	char *buf = xstrdup(""), *text;
	const char *sep = "";
	int first, i;

	for (i = 0; i < s->n_params; i++) {
		p = &s->params[i];
		if (p->d.kind == DIST_FIXED)
			continue;
		box_append(&buf, "%s%s ", sep, p->hp->name);
		sep = ", ";
		box_value_range(&p->d, &b->dim[i], &vmin, &vmax);
		switch (p->d.kind) {
		case DIST_LOG:
			box_append(&buf, "%.1e..%.1e", vmin, vmax);
			break;
		case DIST_ONE_MINUS_LOG:
			box_append(&buf, "%.3g..%.3g", vmin, vmax);
			break;
		case DIST_LINEAR:
			box_append(&buf, "%.2g..%.2g", vmin, vmax);
			break;
		case DIST_INT:
		case DIST_POW2:
			if (vmin == vmax)
				box_append(&buf, "%.0f", vmin);
			else
				box_append(&buf, "%.0f..%.0f", vmin, vmax);
			break;
		default:
			first = 1;
			cJSON_ArrayForEach(c, b->dim[i].values) {
				if (cJSON_IsString(c)) {
					box_append(&buf, "%s%s", first ? "" : "|", c->valuestring);
				} else {
					text = cJSON_PrintUnformatted(c);
					box_append(&buf, "%s%s", first ? "" : "|",
					    text != NULL ? text : "?");
					free(text);
				}
				first = 0;
			}
			break;
		}
	}
	return buf;
}
