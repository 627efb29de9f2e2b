/*
 * batchnorm.c: batch normalization (Ioffe & Szegedy 2015) over the rows of z[m×n].
 * Every loop runs over the n units innermost, so each pass vectorizes.
 */
#include <math.h>
#include <stddef.h>

#include "batchnorm.h"
#include "prof.h"

/* One row: xh[n] = (x − mu)·rs; o[n] = ga·xh + be. */
static void
batchnorm_row(float *restrict xh, float *restrict o, const float *restrict x,
    const float *restrict mu, const float *restrict rs, const float *restrict ga,
    const float *restrict be, int n)
{
	int j;

	for (j = 0; j < n; j++) {
		xh[j] = (x[j] - mu[j]) * rs[j];
		o[j] = ga[j] * xh[j] + be[j];
	}
}

/*
 * Train mode: mean[n], var[n] (biased) and rstd[n] = 1/sqrt(var+ε) of in[m×n];
 * xhat[m×n] = (in−mean)·rstd; out[m×n] = gamma·xhat + beta.
 */
void
batchnorm_forward(float *out, float *xhat, float *mean, float *var, float *rstd,
    const float *in, const float *gamma, const float *beta, int m, int n)
{
	double t0 = prof_start(PROF_BATCHNORM);
	float *restrict mu = mean, *restrict va = var, *restrict rs = rstd;
	float inv_m = 1.0f / (float)m;
	int i, j;

	for (j = 0; j < n; j++) {
		mu[j] = 0;
		va[j] = 0;
	}
	for (i = 0; i < m; i++) {
		const float *restrict x = in + (size_t)i * n;

		for (j = 0; j < n; j++)
			mu[j] += x[j];
	}
	for (j = 0; j < n; j++)
		mu[j] *= inv_m;
	for (i = 0; i < m; i++) {
		const float *restrict x = in + (size_t)i * n;

		for (j = 0; j < n; j++) {
			float d = x[j] - mu[j];
			va[j] += d * d;
		}
	}
	for (j = 0; j < n; j++) {
		va[j] *= inv_m;
		rs[j] = 1.0f / sqrtf(va[j] + BATCHNORM_EPS);
	}
	for (i = 0; i < m; i++) {
		batchnorm_row(xhat + (size_t)i * n, out + (size_t)i * n, in + (size_t)i * n, mu, rs,
		    gamma, beta, n);
	}
	prof_stop(PROF_BATCHNORM, t0);
}

/* Fold a batch's statistics into the running EWMA (unbiased variance, as PyTorch). */
void
batchnorm_running(float *rmean, float *rvar, const float *mean, const float *var,
    float momentum, int m, int n)
{
	float unbias = m > 1 ? (float)m / (float)(m - 1) : 1.0f;
	float *restrict rm = rmean, *restrict rv = rvar;
	int j;

	for (j = 0; j < n; j++) {
		rm[j] = momentum * rm[j] + (1.0f - momentum) * mean[j];
		rv[j] = momentum * rv[j] + (1.0f - momentum) * var[j] * unbias;
	}
}

/* Inference: out[m×n] = gamma·(in−rmean)/sqrt(rvar+ε) + beta. */
void
batchnorm_infer(float *out, const float *in, const float *rmean, const float *rvar,
    const float *gamma, const float *beta, int m, int n)
{
	float a[n], c[n];
	int i, j;

	for (j = 0; j < n; j++) {
		a[j] = gamma[j] / sqrtf(rvar[j] + BATCHNORM_EPS);
		c[j] = beta[j] - a[j] * rmean[j];
	}
	for (i = 0; i < m; i++) {
		const float *restrict x = in + (size_t)i * n;
		float *restrict o = out + (size_t)i * n;

		for (j = 0; j < n; j++)
			o[j] = a[j] * x[j] + c[j];
	}
}

/*
 * Gradients given dout[m×n]: dbeta = Σ dout, dgamma = Σ dout·xhat,
 * din = gamma·rstd/m · (m·dout − dbeta − xhat·dgamma).
 */
void
batchnorm_backward(float *din, float *dgamma, float *dbeta, const float *dout,
    const float *xhat, const float *gamma, const float *rstd, int m, int n)
{
	double t0 = prof_start(PROF_BATCHNORM);
	float *restrict dg = dgamma, *restrict db = dbeta;
	float k[n], fm = (float)m;
	int i, j;

	for (j = 0; j < n; j++) {
		dg[j] = 0;
		db[j] = 0;
	}
	for (i = 0; i < m; i++) {
		const float *restrict d = dout + (size_t)i * n, *restrict xh = xhat + (size_t)i * n;

		for (j = 0; j < n; j++) {
			db[j] += d[j];
			dg[j] += d[j] * xh[j];
		}
	}
	for (j = 0; j < n; j++)
		k[j] = gamma[j] * rstd[j] / fm;
	for (i = 0; i < m; i++) {
		const float *restrict d = dout + (size_t)i * n, *restrict xh = xhat + (size_t)i * n;
		float *restrict o = din + (size_t)i * n;

		for (j = 0; j < n; j++)
			o[j] = k[j] * (fm * d[j] - db[j] - xh[j] * dg[j]);
	}
	prof_stop(PROF_BATCHNORM, t0);
}
