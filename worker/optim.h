/* optim.h: the parameter update of gd, momentum, RMSprop and Adam over one flat buffer. */
#ifndef TUNA_OPTIM_H
#define TUNA_OPTIM_H

#include <stddef.h>

#include "hparams.h"

void optim_step(float *params, const float *grads, float *m, float *v, size_t n,
    const struct hparams *h, double alpha, long t);

#endif
