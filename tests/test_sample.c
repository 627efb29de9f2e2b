/* test_sample.c: statistical (KS, chi-square) and reproducibility tests of drawing trials. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "rng.h"
#include "sample.h"
#include "spec.h"
#include "testspec.h"
#include "testutil.h"

#define N_TRIALS	4000
#define KS_CRIT		(1.63 / sqrt(N_TRIALS))	/* Kolmogorov–Smirnov, α = 0.01 */

#define DS	"\"dataset\": {\"format\": \"csv\", \"train\": \"/nonexistent/train.csv\"}"

/* Order doubles for qsort. */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The KS statistic D of samples x[0..n) (sorted in place) against the uniform CDF on [lo, hi]. */
static double
ks_uniform(double *x, size_t n, double lo, double hi)
{
	double d = 0, f;
	size_t i;

	qsort(x, n, sizeof *x, cmp_double);
	for (i = 0; i < n; i++) {
		f = (x[i] - lo) / (hi - lo);
		f = f < 0 ? 0 : f > 1 ? 1 : f;
		d = fmax(d, fmax(f - (double)i / (double)n, (double)(i + 1) / (double)n - f));
	}
	return d;
}

/* Pearson's chi-square statistic of counts against equal expected frequencies. */
static double
chi_square(const int *count, int k, int n)
{
	double e = (double)n / k, x2 = 0;
	int i;

	for (i = 0; i < k; i++)
		x2 += (count[i] - e) * (count[i] - e) / e;
	return x2;
}

/* A number of a sampled trial. */
static double
num(const cJSON *t, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, key);

	ASSERT(cJSON_IsNumber(v));
	return v->valuedouble;
}

/* The KS test itself: accepts uniform draws, rejects a shifted hypothesis. */
static void
test_ks_sanity(void)
{
	double *x = malloc(N_TRIALS * sizeof *x), d;
	struct rng r;
	int i;

	ASSERT(x != NULL);
	rng_seed(&r, 99, 5);
	for (i = 0; i < N_TRIALS; i++)
		x[i] = rng_uniform(&r);
	d = ks_uniform(x, N_TRIALS, 0, 1);
	printf("ks sanity: D %.4f against U[0,1], critical %.4f\n", d, KS_CRIT);
	ASSERT(d < KS_CRIT);
	d = ks_uniform(x, N_TRIALS, 0, 1.1);
	printf("ks sanity: D %.4f against U[0,1.1]\n", d);
	ASSERT(d > KS_CRIT);
	free(x);
}

/* log10 α uniform on [−4, −1]; log10(1 − β2) on [−3, −1]; a linear parameter uniform. */
static void
test_continuous(void)
{
	double *la = malloc(N_TRIALS * sizeof *la), *lb = malloc(N_TRIALS * sizeof *lb);
	double *b = malloc(N_TRIALS * sizeof *b), *m = malloc(N_TRIALS * sizeof *m);
	double a, d;
	struct spec s;
	cJSON *t;
	int i, above = 0;

	ASSERT(la != NULL && lb != NULL && b != NULL && m != NULL);
	parse(&s, "{" DS ", \"seed\": 42, \"params\": {"
	    "\"alpha\": {\"scale\": \"log\", \"min\": 1e-4, \"max\": 1e-1},"
	    "\"beta2\": {\"scale\": \"one_minus_log\", \"min\": 0.9, \"max\": 0.999},"
	    "\"bn_momentum\": {\"scale\": \"linear\", \"min\": 0.5, \"max\": 0.99}}}");
	for (i = 0; i < N_TRIALS; i++) {
		t = sample_trial(&s, (uint64_t)i);
		ASSERT_EQ_INT(cJSON_GetArraySize(t), 3);
		a = num(t, "alpha");
		b[i] = num(t, "beta2");
		m[i] = num(t, "bn_momentum");
		ASSERT(a >= 1e-4 && a <= 1e-1);
		ASSERT(b[i] >= 0.9 && b[i] <= 0.999);
		ASSERT(m[i] >= 0.5 && m[i] <= 0.99);
		la[i] = log10(a);
		lb[i] = log10(1 - b[i]);
		above += b[i] > 0.99;
		cJSON_Delete(t);
	}

	d = ks_uniform(la, N_TRIALS, -4, -1);
	printf("log10 alpha: D %.4f, critical %.4f\n", d, KS_CRIT);
	ASSERT(d < KS_CRIT);
	d = ks_uniform(lb, N_TRIALS, -3, -1);
	printf("log10(1 - beta2): D %.4f\n", d);
	ASSERT(d < KS_CRIT);
	printf("beta2 > 0.99: %d of %d\n", above, N_TRIALS);
	ASSERT_NEAR((double)above / N_TRIALS, 0.5, 0.03);
	d = ks_uniform(m, N_TRIALS, 0.5, 0.99);
	printf("bn_momentum (linear): D %.4f\n", d);
	ASSERT(d < KS_CRIT);

	/* Negative controls: the test does reject wrong hypotheses. */
	d = ks_uniform(la, N_TRIALS, -4, -0.5);
	printf("negative control, log10 alpha against U[-4, -0.5]: D %.4f\n", d);
	ASSERT(d > KS_CRIT);
	d = ks_uniform(b, N_TRIALS, 0.9, 0.999);
	printf("negative control, beta2 against U[0.9, 0.999]: D %.4f\n", d);
	ASSERT(d > KS_CRIT);
	d = ks_uniform(m, N_TRIALS, 0.4, 0.99);
	printf("negative control, bn_momentum against U[0.4, 0.99]: D %.4f\n", d);
	ASSERT(d > KS_CRIT);

	spec_free(&s);
	free(la);
	free(lb);
	free(b);
	free(m);
}

/* Add a pair of uniform [0, 1) values to a 10 x 10 contingency table. */
static void
cell(int *c, double a, double b)
{
	int i = (int)(a * 10), j = (int)(b * 10);

	c[(i < 9 ? i : 9) * 10 + (j < 9 ? j : 9)]++;
}

/* A trial's alpha (log, [1e-4, 1e-1]) and beta2 (one_minus_log, [0.9, 0.999]) mapped to [0, 1]. */
static void
units(const struct spec *s, uint64_t n, double *ua, double *ub)
{
	cJSON *t = sample_trial(s, n);

	*ua = (log10(num(t, "alpha")) + 4) / 3;
	*ub = (log10(1 - num(t, "beta2")) + 3) / 2;
	cJSON_Delete(t);
}

/*
 * Independence (chi-square on a 10 x 10 table, df 99, α = 0.001): a parameter in trial n vs the
 * same trial under the next seed, and vs trial n + 1. Catches trials that are correlated across
 * seeds, as with PCG32 streams 1000 + n under an unhashed seed (beta2 gave 237 across seeds).
 * Also: over 20 seeds the KS test (α = 0.01) rejects about 1% of them, not more.
 */
static void
test_independence(void)
{
	int seeds[2][100] = { { 0 } }, lag[2][100] = { { 0 } }, i, seed, rejected = 0;
	double a0, b0, a1, b1, a2, b2, x2[4], *x, crit = 1.63 / sqrt(2000);
	struct spec s, s2;
	cJSON *t;

	parse(&s, "{" DS ", \"seed\": 7, \"params\": {"
	    "\"alpha\": {\"scale\": \"log\", \"min\": 1e-4, \"max\": 1e-1},"
	    "\"beta2\": {\"scale\": \"one_minus_log\", \"min\": 0.9, \"max\": 0.999}}}");
	parse(&s2, "{" DS ", \"seed\": 8, \"params\": {"
	    "\"alpha\": {\"scale\": \"log\", \"min\": 1e-4, \"max\": 1e-1},"
	    "\"beta2\": {\"scale\": \"one_minus_log\", \"min\": 0.9, \"max\": 0.999}}}");
	units(&s, 0, &a0, &b0);
	for (i = 0; i < N_TRIALS; i++) {
		units(&s2, (uint64_t)i, &a1, &b1);
		units(&s, (uint64_t)i + 1, &a2, &b2);
		cell(seeds[0], a0, a1);
		cell(seeds[1], b0, b1);
		cell(lag[0], a0, a2);
		cell(lag[1], b0, b2);
		a0 = a2;
		b0 = b2;
	}
	x2[0] = chi_square(seeds[0], 100, N_TRIALS);
	x2[1] = chi_square(seeds[1], 100, N_TRIALS);
	x2[2] = chi_square(lag[0], 100, N_TRIALS);
	x2[3] = chi_square(lag[1], 100, N_TRIALS);
	printf("independence chi-square (df 99): across seeds alpha %.1f beta2 %.1f; "
	    "trial n vs n + 1 alpha %.1f beta2 %.1f\n", x2[0], x2[1], x2[2], x2[3]);
	for (i = 0; i < 4; i++)
		ASSERT(x2[i] < 148.2);

	x = malloc(2000 * sizeof *x);
	ASSERT(x != NULL);
	for (seed = 0; seed < 20; seed++) {
		s.seed = (uint64_t)seed;
		for (i = 0; i < 2000; i++) {
			t = sample_trial(&s, (uint64_t)i);
			x[i] = log10(1 - num(t, "beta2"));
			cJSON_Delete(t);
		}
		rejected += ks_uniform(x, 2000, -3, -1) > crit;
	}
	printf("many seeds: KS rejected %d of 20 seeds at alpha 0.01\n", rejected);
	ASSERT(rejected <= 2);
	free(x);
	spec_free(&s);
	spec_free(&s2);
}

/* int, pow2 and values: only allowed values, each about equally often (chi-square, α = 0.001). */
static void
test_discrete(void)
{
	static const char *const opts[] = { "gd", "momentum", "rmsprop", "adam" };
	int layers[8] = { 0 }, batch[6] = { 0 }, opt[4] = { 0 }, bn[2] = { 0 };
	const cJSON *v;
	struct spec s;
	double x;
	cJSON *t;
	char *text, want[64];
	int i, j, k;

	parse(&s, "{" DS ", \"seed\": 3, \"params\": {"
	    "\"layers\": {\"scale\": \"int\", \"min\": 1, \"max\": 8},"
	    "\"batch_size\": {\"scale\": \"pow2\", \"min\": 16, \"max\": 512},"
	    "\"optimizer\": {\"values\": [\"gd\", \"momentum\", \"rmsprop\", \"adam\"]},"
	    "\"batchnorm\": {\"values\": [true, false]},"
	    "\"epsilon\": 1e-7, \"hidden_units\": 100}}");
	for (i = 0; i < N_TRIALS; i++) {
		t = sample_trial(&s, (uint64_t)i);
		ASSERT_EQ_INT(cJSON_GetArraySize(t), 6);

		x = num(t, "layers");
		ASSERT(x >= 1 && x <= 8 && x == floor(x));
		layers[(int)x - 1]++;
		k = (int)x;

		x = num(t, "batch_size");
		for (j = 4; j <= 9 && x != ldexp(1, j); j++)
			;
		if (j > 9)
			fprintf(stderr, "batch_size %g is not a power of two in [16, 512]\n", x);
		ASSERT(j <= 9);
		batch[j - 4]++;

		v = cJSON_GetObjectItemCaseSensitive(t, "optimizer");
		ASSERT(cJSON_IsString(v));
		for (j = 0; j < 4 && strcmp(v->valuestring, opts[j]) != 0; j++)
			;
		ASSERT(j < 4);
		opt[j]++;

		v = cJSON_GetObjectItemCaseSensitive(t, "batchnorm");
		ASSERT(cJSON_IsBool(v));
		bn[cJSON_IsTrue(v)]++;

		ASSERT_NEAR(num(t, "epsilon"), 1e-7, 0);
		ASSERT_NEAR(num(t, "hidden_units"), 100, 0);

		/* Integers are printed as integers. */
		text = cJSON_PrintUnformatted(t);
		snprintf(want, sizeof want, "\"layers\":%d,", k);
		ASSERT_STR_CONTAINS(text, want);
		ASSERT_STR_CONTAINS(text, "\"hidden_units\":100,");
		if (i == 0)
			printf("trial 0: %s\n", text);
		free(text);
		cJSON_Delete(t);
	}

	for (i = 0; i < 8; i++)
		ASSERT(layers[i] > 0);
	for (i = 0; i < 6; i++)
		ASSERT(batch[i] > 0);
	for (i = 0; i < 4; i++)
		ASSERT(opt[i] > 0);
	printf("chi-square: layers %.2f (df 7), batch_size %.2f (df 5), optimizer %.2f (df 3), "
	    "batchnorm %.2f (df 1)\n", chi_square(layers, 8, N_TRIALS),
	    chi_square(batch, 6, N_TRIALS), chi_square(opt, 4, N_TRIALS),
	    chi_square(bn, 2, N_TRIALS));
	ASSERT(chi_square(layers, 8, N_TRIALS) < 24.32);
	ASSERT(chi_square(batch, 6, N_TRIALS) < 20.52);
	ASSERT(chi_square(opt, 4, N_TRIALS) < 16.27);
	ASSERT(chi_square(bn, 2, N_TRIALS) < 10.83);
	/* The chi-square test can fail: a lopsided count is rejected. */
	layers[0] += 300;
	layers[7] -= 300;
	ASSERT(chi_square(layers, 8, N_TRIALS) > 24.32);
	spec_free(&s);
}

/* sample_dist on its own: fixed numbers, non-numbers, indices of values, bounds of int. */
static void
test_dist(void)
{
	struct dist d;
	struct rng r;
	int i, seen[3] = { 0 };
	double x;

	rng_seed(&r, 1, 2);
	memset(&d, 0, sizeof d);
	d.kind = DIST_FIXED;
	d.value = cJSON_CreateNumber(0.25);
	ASSERT_NEAR(sample_dist(&d, &r), 0.25, 0);
	cJSON_Delete(d.value);
	d.value = cJSON_CreateString("adam");
	ASSERT(isnan(sample_dist(&d, &r)));
	cJSON_Delete(d.value);

	d.kind = DIST_VALUES;
	d.value = cJSON_Parse("[\"a\", \"b\", \"c\"]");
	for (i = 0; i < 300; i++) {
		x = sample_dist(&d, &r);
		ASSERT(x == 0 || x == 1 || x == 2);
		seen[(int)x]++;
	}
	ASSERT(seen[0] > 0 && seen[1] > 0 && seen[2] > 0);
	cJSON_Delete(d.value);

	d.kind = DIST_INT;
	d.value = NULL;
	d.min = 0;
	d.max = 1;
	seen[0] = seen[1] = 0;
	for (i = 0; i < 200; i++) {
		x = sample_dist(&d, &r);
		ASSERT(x == 0 || x == 1);
		seen[(int)x]++;
	}
	ASSERT(seen[0] > 0 && seen[1] > 0);

	d.kind = DIST_POW2;
	d.min = 1;
	d.max = 2;
	for (i = 0; i < 100; i++) {
		x = sample_dist(&d, &r);
		ASSERT(x == 1 || x == 2);
	}
}

/* The JSON text of trial n. */
static char *
trial_text(const struct spec *s, uint64_t n)
{
	cJSON *t = sample_trial(s, n);
	char *text = cJSON_PrintUnformatted(t);

	cJSON_Delete(t);
	ASSERT(text != NULL);
	return text;
}

/* Trials depend on (seed, n) only: repeatable, independent of order, different across seeds. */
static void
test_reproducible(void)
{
	static const char *const fmt = "{" DS ", \"seed\": %d, \"params\": {"
	    "\"alpha\": {\"scale\": \"log\", \"min\": 1e-4, \"max\": 1e-1},"
	    "\"layers\": {\"scale\": \"int\", \"min\": 1, \"max\": 4},"
	    "\"optimizer\": {\"values\": [\"gd\", \"adam\"]},"
	    "\"batchnorm\": false}}";
	struct spec s, s2, s3;
	char buf[512], *a, *b, *alone;
	int i;

	snprintf(buf, sizeof buf, fmt, 11);
	parse(&s, buf);
	parse(&s2, buf);
	snprintf(buf, sizeof buf, fmt, 12);
	parse(&s3, buf);

	/* Same trial twice, and from a separately parsed copy of the spec. */
	a = trial_text(&s, 5);
	b = trial_text(&s, 5);
	ASSERT_EQ_STR(a, b);
	free(b);
	b = trial_text(&s2, 5);
	ASSERT_EQ_STR(a, b);
	free(a);
	free(b);

	/* Trial 7 alone (first draw of the process) and after trials 0..6. */
	alone = trial_text(&s2, 7);
	for (i = 0; i < 7; i++)
		free(trial_text(&s, (uint64_t)i));
	a = trial_text(&s, 7);
	ASSERT_EQ_STR(a, alone);
	printf("trial 7: %s\n", a);
	free(a);
	free(alone);

	/* Different seeds, and different trials, give different parameters. */
	for (i = 0; i < 20; i++) {
		a = trial_text(&s, (uint64_t)i);
		b = trial_text(&s3, (uint64_t)i);
		ASSERT(strcmp(a, b) != 0);
		free(b);
		b = trial_text(&s, (uint64_t)i + 1);
		ASSERT(strcmp(a, b) != 0);
		free(a);
		free(b);
	}

	/* Large trial numbers work too (the stream number wraps). */
	a = trial_text(&s, UINT64_MAX - 1000);
	ASSERT_STR_CONTAINS(a, "\"batchnorm\":false");
	free(a);
	spec_free(&s);
	spec_free(&s2);
	spec_free(&s3);
}

/* Run every test. */
int
main(void)
{
	test_ks_sanity();
	test_continuous();
	test_independence();
	test_discrete();
	test_dist();
	test_reproducible();
	printf("test_sample: ok\n");
	return 0;
}
