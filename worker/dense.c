/* dense.c: z = a·W (+ b) and its gradients; all matrix work is cblas_sgemm. */
#include <cblas.h>
#include <string.h>

#include "dense.h"
#include "prof.h"

/* out[m×n] = in[m×k] · w[k×n] (+ b[n] broadcast over rows when b is not NULL). */
void
dense_forward(float *out, const float *in, const float *w, const float *b, int m, int k, int n)
{
	double t0 = prof_start(PROF_SGEMM);
	int i, j;

	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, in, k, w, n,
	    0.0f, out, n);
	prof_stop(PROF_SGEMM, t0);
	if (b == NULL)
		return;
	for (i = 0; i < m; i++) {
		float *restrict o = out + (size_t)i * n;

		for (j = 0; j < n; j++)
			o[j] += b[j];
	}
}

/*
 * Gradients of dense_forward given dout[m×n]:
 * dw[k×n] = inᵀ·dout; db[n] = Σ_rows dout (if db); din[m×k] = dout·wᵀ (if din).
 */
void
dense_backward(float *din, float *dw, float *db, const float *dout, const float *in,
    const float *w, int m, int k, int n)
{
	double t0;
	int i, j;

	if (m == 0) {	/* a thread's empty share of a batch */
		memset(dw, 0, (size_t)k * n * sizeof *dw);
		if (db != NULL)
			memset(db, 0, (size_t)n * sizeof *db);
		return;
	}
	t0 = prof_start(PROF_SGEMM);
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, n, m, 1.0f, in, k, dout, n,
	    0.0f, dw, n);
	if (din != NULL) {
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, k, n, 1.0f, dout, n, w, n,
		    0.0f, din, k);
	}
	prof_stop(PROF_SGEMM, t0);
	if (db == NULL)
		return;
	for (j = 0; j < n; j++)
		db[j] = 0;
	for (i = 0; i < m; i++) {
		const float *restrict d = dout + (size_t)i * n;
		float *restrict s = db;

		for (j = 0; j < n; j++)
			s[j] += d[j];
	}
}
