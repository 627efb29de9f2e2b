/* softmax.h: the softmax output layer with cross-entropy loss. */
#ifndef TUNA_SOFTMAX_H
#define TUNA_SOFTMAX_H

#include <stdint.h>

void softmax_expf(float *v, int n);
void softmax_forward(float *probs, double *loss, int *correct, const float *logits,
    const uint16_t *y, int m, int c);
void softmax_backward(float *dlogits, const float *probs, const uint16_t *y, int m, int c,
    int batch);

#endif
