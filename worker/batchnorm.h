/* batchnorm.h: batch normalization of z (train and inference kernels). */
#ifndef TUNA_BATCHNORM_H
#define TUNA_BATCHNORM_H

#define BATCHNORM_EPS 1e-5f

void batchnorm_forward(float *out, float *xhat, float *mean, float *var, float *rstd,
    const float *in, const float *gamma, const float *beta, int m, int n);
void batchnorm_running(float *rmean, float *rvar, const float *mean, const float *var,
    float momentum, int m, int n);
void batchnorm_infer(float *out, const float *in, const float *rmean, const float *rvar,
    const float *gamma, const float *beta, int m, int n);
void batchnorm_backward(float *din, float *dgamma, float *dbeta, const float *dout,
    const float *xhat, const float *gamma, const float *rstd, int m, int n);

#endif
