/* sample.c: drawing a trial's hyperparameters from a spec: pure, reproducible by (seed, trial). */
#include <math.h>
#include <stdint.h>

#include "sample.h"

/* Keep a draw inside [min, max] despite rounding in pow and log10. */
static double
sample_clamp(double x, double min, double max)
{
	if (x < min)
		return min;
	if (x > max)
		return max;
	return x;
}

/*
 * One draw from a distribution. DIST_FIXED: the number without drawing (NAN when the value is
 * not a number); DIST_VALUES: the index of the chosen element of d->value, as a double (the
 * caller picks the element; sample_trial does). Bounds are those checked by spec_parse.
 */
double
sample_dist(const struct dist *d, struct rng *r)
{
	double lo, hi;
	int klo, khi, n;

	switch (d->kind) {
	case DIST_FIXED:
		return cJSON_IsNumber(d->value) ? d->value->valuedouble : NAN;
	case DIST_LOG:
		lo = log10(d->min);
		hi = log10(d->max);
		return sample_clamp(pow(10, lo + (hi - lo) * rng_uniform(r)), d->min, d->max);
	case DIST_ONE_MINUS_LOG:
		lo = log10(1 - d->max);
		hi = log10(1 - d->min);
		return sample_clamp(1 - pow(10, lo + (hi - lo) * rng_uniform(r)), d->min,
		    d->max);
	case DIST_LINEAR:
		return sample_clamp(d->min + (d->max - d->min) * rng_uniform(r), d->min, d->max);
	case DIST_INT:
		return d->min + (double)rng_below(r, (uint32_t)(d->max - d->min + 1));
	case DIST_POW2:
		klo = (int)ceil(log2(d->min));
		khi = (int)floor(log2(d->max));
		if (khi < klo)
			return NAN;
		return ldexp(1, klo + (int)rng_below(r, (uint32_t)(khi - klo + 1)));
	case DIST_VALUES:
		if ((n = cJSON_GetArraySize(d->value)) <= 0)
			return NAN;
		return rng_below(r, (uint32_t)n);
	}
	return NAN;
}

/*
 * The hyperparameters of trial n: an object with every parameter of the spec, in table order.
 * It depends only on (s->seed, n): a fresh generator on stream 1000 + n draws the parameters in
 * table order (fixed ones draw nothing). Integers come out as integral numbers. (rng_seed
 * hashes seed and stream, so neighbouring trials and seeds are not correlated.)
 */
cJSON *
sample_trial(const struct spec *s, uint64_t n)
{
	const struct spec_param *p;
	struct rng r;
	cJSON *o, *v;
	int i;

	rng_seed(&r, s->seed, 1000 + n);
	o = cJSON_CreateObject();
	for (i = 0; i < s->n_params; i++) {
		p = &s->params[i];
		switch (p->d.kind) {
		case DIST_FIXED:
			v = cJSON_Duplicate(p->d.value, 1);
			break;
		case DIST_VALUES:
			v = cJSON_Duplicate(cJSON_GetArrayItem(p->d.value,
			    (int)sample_dist(&p->d, &r)), 1);
			break;
		default:
			v = cJSON_CreateNumber(sample_dist(&p->d, &r));
			break;
		}
		cJSON_AddItemToObject(o, p->hp->name, v);
	}
	return o;
}
