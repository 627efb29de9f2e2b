/*
 * sample.h: one draw from a hyperparameter's distribution — pure.
 * Layer: part
 */
#ifndef TUNA_SAMPLE_H
#define TUNA_SAMPLE_H

#include <stdint.h>

#include <cJSON.h>

#include "rng.h"
#include "spec.h"

double sample_dist(const struct dist *d, struct rng *r);

#endif
