/* dense.h: fully connected layer kernels on OpenBLAS sgemm (row-major). */
#ifndef TUNA_DENSE_H
#define TUNA_DENSE_H

#include <stddef.h>

void dense_forward(float *out, const float *in, const float *w, const float *b,
    int m, int k, int n);
void dense_backward(float *din, float *dw, float *db, const float *dout, const float *in,
    const float *w, int m, int k, int n);

#endif
