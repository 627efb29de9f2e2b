/*
 * batchnorm.h: batch normalization of z (train and inference kernels). The train-mode kernels
 * come whole (batchnorm_forward/backward) and in phases, for a batch split by rows among
 * threads: column sums of each part, then statistics of the whole batch, then each part's rows.
 */
#ifndef TUNA_BATCHNORM_H
#define TUNA_BATCHNORM_H

#define BATCHNORM_EPS 1e-5f

void batchnorm_forward(float *out, float *xhat, float *mean, float *var, float *rstd,
    const float *in, const float *gamma, const float *beta, int m, int n);
void batchnorm_sum(float *sum, const float *in, int m, int n);
void batchnorm_sqdev(float *sq, const float *in, const float *mean, int m, int n);
void batchnorm_normalize(float *out, float *xhat, const float *in, const float *mean,
    const float *rstd, const float *gamma, const float *beta, int m, int n);
void batchnorm_rstd(float *rstd, const float *var, int n);
void batchnorm_running(float *rmean, float *rvar, const float *mean, const float *var,
    float momentum, int m, int n);
void batchnorm_infer(float *out, const float *in, const float *rmean, const float *rvar,
    const float *gamma, const float *beta, int m, int n);
void batchnorm_backward(float *din, float *dgamma, float *dbeta, const float *dout,
    const float *xhat, const float *gamma, const float *rstd, int m, int n);
void batchnorm_backward_sum(float *dgamma, float *dbeta, const float *dout, const float *xhat,
    int m, int n);
void batchnorm_backward_apply(float *din, const float *dout, const float *xhat,
    const float *gamma, const float *rstd, const float *dgamma, const float *dbeta, int m,
    int n, int batch);

#endif
