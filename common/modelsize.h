/*
 * modelsize.h: a model's parameter count, the memory its trainer takes, and the one limit on
 * its size — shared by the daemon (spec and submit checks) and tuna-worker (trial and trainer).
 */
#ifndef TUNA_MODELSIZE_H
#define TUNA_MODELSIZE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The largest model: parameters in its one parameter buffer (as many again in the gradients,
 * each moment and the kept best weights), counted with batch norm's layout, the larger one.
 * 2^30 floats are 4 GiB per buffer, 20 GiB for those five.
 */
#define MODELSIZE_MAX_PARAMS	((uint64_t)1 << 30)

/* The smallest data set a model can be trained on: what the limit assumes before it is read. */
#define MODELSIZE_MIN_FEATURES	1
#define MODELSIZE_MIN_CLASSES	2

uint64_t modelsize_params(uint64_t features, int classes, int layers, int units,
    bool batchnorm);
double modelsize_bytes(uint64_t features, int classes, int layers, int units, int rows,
    int threads);
int modelsize_check(uint64_t features, int classes, int layers, int units, char **cause);

#endif
