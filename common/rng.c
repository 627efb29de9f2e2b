/* rng.c: PCG32 (O'Neill 2014): seedable, stream-selectable, reproducible everywhere. */
#include <math.h>

#include "rng.h"

/* SplitMix64's finalizer: a bijective hash of 64 bits. */
static uint64_t
rng_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * Seed a generator. Seed and stream are hashed first: PCG32 generators with adjacent seeds,
 * or with one seed on adjacent streams, give correlated sequences (a KS test sees it).
 */
void
rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	r->state = 0;
	r->inc = (rng_mix(stream) << 1) | 1;
	rng_u32(r);
	r->state += rng_mix(seed ^ rng_mix(stream + 0x632be59bd9b4e019ULL));
	rng_u32(r);
}

/* Next 32 random bits. */
uint32_t
rng_u32(struct rng *r)
{
	uint64_t old = r->state;
	uint32_t xorshifted, rot;

	r->state = old * 6364136223846793005ULL + r->inc;
	xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
	rot = (uint32_t)(old >> 59);
	return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

/* Uniform integer in [0, n), without modulo bias; n must be > 0. */
uint32_t
rng_below(struct rng *r, uint32_t n)
{
	uint32_t threshold = -n % n, x;

	do
		x = rng_u32(r);
	while (x < threshold);
	return x % n;
}

/* Uniform double in [0, 1) with 53 random bits. */
double
rng_uniform(struct rng *r)
{
	uint64_t hi = rng_u32(r) >> 5, lo = rng_u32(r) >> 6;

	return (double)(hi * 67108864 + lo) / 9007199254740992.0;
}

/* Standard normal deviate (Box-Muller, one value per call). */
double
rng_normal(struct rng *r)
{
	double u1, u2;

	do
		u1 = rng_uniform(r);
	while (u1 <= 0.0);
	u2 = rng_uniform(r);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* Fisher-Yates shuffle of v[0..n). */
void
rng_shuffle(struct rng *r, uint32_t *v, uint32_t n)
{
	uint32_t i, j, t;

	for (i = n; i > 1; i--) {
		j = rng_below(r, i);
		t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}
