/*
 * blastest.c: tuna-worker --blas-probe — the self-test and timing of the BLAS kernel this
 * process loaded, run in a child per candidate (worker/blas.c) so that a kernel that crashes
 * takes only the child with it. The self-test checks cblas_sgemm as the trainer calls it
 * (row-major, the three transposes of worker/dense.c, the trainer's shapes and shapes that are
 * not multiples of any block size) against a reference in double precision; the timing is the
 * median rate over the default model's five large GEMMs.
 */
#include <cblas.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "blastest.h"
#include "xmalloc.h"

/* C[m×n] = op(A)·op(B), row-major, as worker/dense.c calls it. */
struct blastest_gemm {
	char op;		/* 'N': A·B (forward), 'T': Aᵀ·B (dW), 'B': A·Bᵀ (dX) */
	int m, n, k;
};

/* The self-test: the trainer's shapes (784-256-256-10, batch 128) and odd ones. */
static const struct blastest_gemm blastest_checks[] = {
	{ 'N', 128, 256, 784 }, { 'T', 784, 256, 128 }, { 'B', 128, 256, 256 },
	{ 'N', 131, 257, 785 }, { 'T', 785, 257, 131 }, { 'B', 131, 785, 257 },
	{ 'N', 37, 10, 259 }, { 'T', 259, 10, 37 }, { 'B', 37, 259, 10 },
};

/* The timing: the default model's large GEMMs, forward and backward (tuna-worker's 99 %). */
static const struct blastest_gemm blastest_timed[BLASTEST_NTIMED] = {
	{ 'N', 128, 256, 784 }, { 'N', 128, 256, 256 },
	{ 'T', 784, 256, 128 }, { 'T', 256, 256, 128 }, { 'B', 128, 256, 256 },
};

/* A uniform number in [-1, 1) from a xorshift state. */
static float
blastest_uniform(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (float)((double)(*s >> 40) / (double)(1 << 23)) - 1.0f;
}

/* The shape of a GEMM as text: "128×256×784 (A·Bᵀ)". */
static void
blastest_name(char *buf, size_t size, const struct blastest_gemm *g)
{
	const char *op = g->op == 'N' ? "A·B" : g->op == 'T' ? "Aᵀ·B" : "A·Bᵀ";

	snprintf(buf, size, "%d×%d×%d (%s)", g->m, g->n, g->k, op);
}

/* Run one GEMM on a (stored as op needs it) and b into c. */
static void
blastest_sgemm(const struct blastest_gemm *g, const float *a, const float *b, float *c)
{
	int m = g->m, n = g->n, k = g->k;

	if (g->op == 'N')
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, n,
		    0.0f, c, n);
	else if (g->op == 'T')	/* a is k×m */
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, n, k, 1.0f, a, m, b, n,
		    0.0f, c, n);
	else			/* b is n×k */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, a, k, b, k,
		    0.0f, c, n);
}

/*
 * The largest error of c against the double-precision product, each element's error over
 * the bound of any order of float32 sums, γ_K·Σ|a||b| with γ_K ≈ K·2⁻²⁴: ≤ 1 passes (a correct
 * kernel stays near 0.01); NaN if c has a NaN.
 */
static double
blastest_error(const struct blastest_gemm *g, const float *a, const float *b, const float *c)
{
	int m = g->m, n = g->n, k = g->k, i, j, p;
	double *ad = xmalloc((size_t)m * k * sizeof *ad);	/* op(A), m×k */
	double *bd = xmalloc((size_t)k * n * sizeof *bd);	/* op(B), k×n */
	double *ref = xmalloc((size_t)n * sizeof *ref), *mag = xmalloc((size_t)n * sizeof *mag);
	double worst = 0, unit = (double)k * ldexp(1.0, -24);

	for (i = 0; i < m; i++)
		for (p = 0; p < k; p++)
			ad[(size_t)i * k + p] = g->op == 'T' ? a[(size_t)p * m + i] :
			    a[(size_t)i * k + p];
	for (p = 0; p < k; p++)
		for (j = 0; j < n; j++)
			bd[(size_t)p * n + j] = g->op == 'B' ? b[(size_t)j * k + p] :
			    b[(size_t)p * n + j];
	for (i = 0; i < m; i++) {
		for (j = 0; j < n; j++)
			ref[j] = mag[j] = 0;
		for (p = 0; p < k; p++) {
			double x = ad[(size_t)i * k + p];
			const double *row = bd + (size_t)p * n;

			for (j = 0; j < n; j++) {
				ref[j] += x * row[j];
				mag[j] += fabs(x) * fabs(row[j]);
			}
		}
		for (j = 0; j < n; j++) {
			double e = fabs((double)c[(size_t)i * n + j] - ref[j]) / (mag[j] * unit);

			if (!(e <= worst))	/* NaN sticks */
				worst = e;
		}
	}
	free(ad);
	free(bd);
	free(ref);
	free(mag);
	return worst;
}

/* The seconds of a monotonic clock. */
static double
blastest_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* GFLOP/s of one GEMM, repeated for at least ms milliseconds after a first call. */
static double
blastest_rate(const struct blastest_gemm *g, float *a, float *b, float *c, int ms)
{
	double t0, t = 0;
	long calls = 0;

	blastest_sgemm(g, a, b, c);
	t0 = blastest_now();
	do {
		blastest_sgemm(g, a, b, c);
		calls++;
	} while ((t = blastest_now() - t0) * 1000 < ms);
	return 2.0 * g->m * g->n * g->k * calls / t * 1e-9;
}

/* Order doubles, for the median. */
static int
blastest_cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/*
 * Self-test the loaded kernel and time it (ms per timed GEMM); a fault from the test hook
 * ("wrong" or "crash", NULL for none) is applied first. Returns the report, a JSON object:
 * core, ok, why (when not ok) or error (the worst over its bound), gflops (the median rate),
 * rates [one per timed GEMM].
 */
cJSON *
blastest_run(const char *core, const char *fault, int ms)
{
	size_t max = 0, i;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	float *a, *b, *c;
	double rates[BLASTEST_NTIMED], e, worst = 0;
	cJSON *out = cJSON_CreateObject(), *arr;
	char name[64], why[160];

	for (i = 0; i < sizeof blastest_checks / sizeof *blastest_checks; i++) {
		const struct blastest_gemm *g = &blastest_checks[i];
		size_t n = (size_t)g->m * g->k + (size_t)g->k * g->n + (size_t)g->m * g->n;

		max = n > max ? n : max;
	}
	a = xmalloc(max * sizeof *a);
	for (i = 0; i < max; i++)
		a[i] = blastest_uniform(&seed);
	cJSON_AddStringToObject(out, "core", core);
	openblas_set_num_threads(1);
	if (fault != NULL && strcmp(fault, "crash") == 0)
		raise(SIGILL);		/* as a kernel using an instruction the CPU lacks */
	for (i = 0; i < sizeof blastest_checks / sizeof *blastest_checks; i++) {
		const struct blastest_gemm *g = &blastest_checks[i];

		b = a + (size_t)g->m * g->k;
		c = b + (size_t)g->k * g->n;
		blastest_sgemm(g, a, b, c);
		if (fault != NULL && strcmp(fault, "wrong") == 0)
			c[g->m * g->n / 2] += 1.0f;	/* ≈ 100 times the bound */
		if (!((e = blastest_error(g, a, b, c)) <= 1)) {
			blastest_name(name, sizeof name, g);
			snprintf(why, sizeof why, "wrong result at %s: error %.3g times the "
			    "float32 bound", name, e);
			cJSON_AddFalseToObject(out, "ok");
			cJSON_AddStringToObject(out, "why", why);
			goto out;
		}
		worst = e > worst ? e : worst;
	}
	cJSON_AddTrueToObject(out, "ok");
	cJSON_AddNumberToObject(out, "error", worst);
	arr = cJSON_AddArrayToObject(out, "rates");
	for (i = 0; i < BLASTEST_NTIMED; i++) {
		const struct blastest_gemm *g = &blastest_timed[i];

		b = a + (size_t)g->m * g->k;
		c = b + (size_t)g->k * g->n;
		rates[i] = blastest_rate(g, a, b, c, ms);
		cJSON_AddItemToArray(arr, cJSON_CreateNumber(rates[i]));
	}
	qsort(rates, BLASTEST_NTIMED, sizeof *rates, blastest_cmp);
	cJSON_AddNumberToObject(out, "gflops", rates[BLASTEST_NTIMED / 2]);
out:
	free(a);
	return out;
}
