/*
 * batchnorm.c: batch normalization (Ioffe & Szegedy 2015) over the rows of z[m×n].
 * Every loop runs over the n units innermost, so each pass vectorizes.
 */
#include <math.h>
#include <stddef.h>

#include "batchnorm.h"
#include "prof.h"

/* sum[n] = Σ_rows in[m×n] (column sums). */
void
batchnorm_sum(float *sum, const float *in, int m, int n)
{
	double t0 = prof_start(PROF_BATCHNORM);
	float *restrict s = sum;
	int i, j;

	for (j = 0; j < n; j++)
		s[j] = 0;
	for (i = 0; i < m; i++) {
		const float *restrict x = in + (size_t)i * n;

		for (j = 0; j < n; j++)
			s[j] += x[j];
	}
	prof_stop(PROF_BATCHNORM, t0);
}

/* sq[n] = Σ_rows (in[m×n] − mean)² (column sums of squared deviations). */
void
batchnorm_sqdev(float *sq, const float *in, const float *mean, int m, int n)
{
	double t0 = prof_start(PROF_BATCHNORM);
	float *restrict s = sq;
	const float *restrict mu = mean;
	int i, j;

	for (j = 0; j < n; j++)
		s[j] = 0;
	for (i = 0; i < m; i++) {
		const float *restrict x = in + (size_t)i * n;

		for (j = 0; j < n; j++) {
			float d = x[j] - mu[j];
			s[j] += d * d;
		}
	}
	prof_stop(PROF_BATCHNORM, t0);
}

/* rstd[n] = 1/sqrt(var + ε). */
void
batchnorm_rstd(float *rstd, const float *var, int n)
{
	int j;

	for (j = 0; j < n; j++)
		rstd[j] = 1.0f / sqrtf(var[j] + BATCHNORM_EPS);
}

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

/* xhat[m×n] = (in − mean)·rstd; out[m×n] = gamma·xhat + beta. */
void
batchnorm_normalize(float *out, float *xhat, const float *in, const float *mean,
    const float *rstd, const float *gamma, const float *beta, int m, int n)
{
	double t0 = prof_start(PROF_BATCHNORM);
	int i;

	for (i = 0; i < m; i++) {
		batchnorm_row(xhat + (size_t)i * n, out + (size_t)i * n, in + (size_t)i * n, mean,
		    rstd, gamma, beta, n);
	}
	prof_stop(PROF_BATCHNORM, t0);
}

/*
 * Train mode, whole batch: mean[n], var[n] (biased) and rstd[n] = 1/sqrt(var+ε) of in[m×n];
 * xhat[m×n] = (in−mean)·rstd; out[m×n] = gamma·xhat + beta.
 */
void
batchnorm_forward(float *out, float *xhat, float *mean, float *var, float *rstd,
    const float *in, const float *gamma, const float *beta, int m, int n)
{
	int j;

	batchnorm_sum(mean, in, m, n);
	for (j = 0; j < n; j++)
		mean[j] /= (float)m;
	batchnorm_sqdev(var, in, mean, m, n);
	for (j = 0; j < n; j++)
		var[j] /= (float)m;
	batchnorm_rstd(rstd, var, n);
	batchnorm_normalize(out, xhat, in, mean, rstd, gamma, beta, m, n);
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

/* dbeta[n] = Σ_rows dout[m×n]; dgamma[n] = Σ_rows dout·xhat (this part's rows). */
void
batchnorm_backward_sum(float *dgamma, float *dbeta, const float *dout, const float *xhat,
    int m, int n)
{
	double t0 = prof_start(PROF_BATCHNORM);
	float *restrict dg = dgamma, *restrict db = dbeta;
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
	prof_stop(PROF_BATCHNORM, t0);
}

/*
 * din[m×n] = gamma·rstd/batch · (batch·dout − dbeta − xhat·dgamma), with dgamma and dbeta the
 * sums over the whole batch of `batch` rows, of which these are m.
 */
void
batchnorm_backward_apply(float *din, const float *dout, const float *xhat,
    const float *gamma, const float *rstd, const float *dgamma, const float *dbeta, int m,
    int n, int batch)
{
	double t0 = prof_start(PROF_BATCHNORM);
	const float *restrict dg = dgamma, *restrict db = dbeta;
	float k[n], fm = (float)batch;
	int i, j;

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

/* Gradients of the whole batch given dout[m×n]: dbeta, dgamma, and din. */
void
batchnorm_backward(float *din, float *dgamma, float *dbeta, const float *dout,
    const float *xhat, const float *gamma, const float *rstd, int m, int n)
{
	batchnorm_backward_sum(dgamma, dbeta, dout, xhat, m, n);
	batchnorm_backward_apply(din, dout, xhat, gamma, rstd, dgamma, dbeta, m, n, m);
}
