/* sample.h: drawing a trial's hyperparameters from a spec — pure, reproducible by (seed, n). */
#ifndef TUNA_SAMPLE_H
#define TUNA_SAMPLE_H

#include <stdint.h>

#include <cJSON.h>

#include "rng.h"
#include "spec.h"

double sample_dist(const struct dist *d, struct rng *r);
cJSON *sample_trial(const struct spec *s, uint64_t n);

#endif
