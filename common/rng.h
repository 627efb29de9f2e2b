/* rng.h: a small deterministic random generator (PCG32) shared by worker and daemon. */
#ifndef TUNA_RNG_H
#define TUNA_RNG_H

#include <stdint.h>

struct rng {
	uint64_t state;
	uint64_t inc;
};

void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);
uint32_t rng_u32(struct rng *r);
uint32_t rng_below(struct rng *r, uint32_t n);
double rng_uniform(struct rng *r);
double rng_normal(struct rng *r);
void rng_shuffle(struct rng *r, uint32_t *v, uint32_t n);

#endif
