/*
 * sample.c: one draw from a hyperparameter's distribution, on its scale: pure, reproducible by
 * the generator it is given (box.c draws a trial's).
 * Layer: part
 */
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
 * caller picks the element; box_sample does). Bounds are those checked by spec_parse.
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
