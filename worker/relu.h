/* relu.h: rectified linear unit kernels. */
#ifndef TUNA_RELU_H
#define TUNA_RELU_H

#include <stddef.h>

void relu_forward(float *out, const float *in, size_t n);
void relu_backward(float *din, const float *dout, const float *out, size_t n);

#endif
