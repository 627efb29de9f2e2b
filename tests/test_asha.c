/* test_asha.c: unit tests of ASHA early stopping: cutoffs by hand, survival rates, rungs. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "asha.h"
#include "rng.h"
#include "testutil.h"

/* Report and check the verdict and the cutoff. */
static void
report(struct asha *a, int epoch, double acc, bool stop, double cutoff)
{
	double c;
	bool got;

	got = asha_report(a, epoch, acc, &c);
	printf("epoch %d acc %.3f: cutoff %.4f, %s\n", epoch, acc, c, got ? "stop" : "go on");
	ASSERT_EQ_INT(got, stop);
	if (isnan(cutoff))
		ASSERT(isnan(c));
	else
		ASSERT_NEAR(c, cutoff, 1e-12);
}

/* rung_of and reports off the rungs. */
static void
test_rung_of(void)
{
	static const int rungs[] = { 1, 3, 9 };
	struct asha a;
	double c = 0;

	asha_init(&a, rungs, 3, 3);
	ASSERT_EQ_INT(asha_rung_of(&a, 1), 0);
	ASSERT_EQ_INT(asha_rung_of(&a, 3), 1);
	ASSERT_EQ_INT(asha_rung_of(&a, 9), 2);
	ASSERT_EQ_INT(asha_rung_of(&a, 2), -1);
	ASSERT_EQ_INT(asha_rung_of(&a, 0), -1);
	ASSERT_EQ_INT(asha_rung_of(&a, 27), -1);
	ASSERT(!asha_report(&a, 2, 0.0, &c));
	ASSERT(isnan(c));
	ASSERT(!asha_report(&a, 10, NAN, NULL));
	ASSERT_EQ_INT(a.nvals[0] + a.nvals[1] + a.nvals[2], 0);
	asha_free(&a);
	asha_free(&a);		/* safe twice */
}

/*
 * Cutoffs by hand, eta 3 (the 2/3 quantile): with sorted values x, position 2/3 · (n − 1)
 * interpolated linearly between order statistics.
 */
static void
test_cutoffs(void)
{
	static const int rungs[] = { 1, 3 };
	struct asha a;

	asha_init(&a, rungs, 2, 3);
	/* A lone first trial: the cutoff is its own value; never stopped. */
	report(&a, 1, 0.5, false, 0.5);
	/* {0.5, 0.8}: position 2/3 → 0.5 + 2/3 · 0.3 = 0.7; 0.8 goes on. */
	report(&a, 1, 0.8, false, 0.7);
	/* {0.2, 0.5, 0.8}: position 4/3 → 0.5 + 1/3 · 0.3 = 0.6; 0.2 stops. */
	report(&a, 1, 0.2, true, 0.6);
	/* {0.2, 0.5, 0.6, 0.8}: position 2 → 0.6; 0.6 equals it and goes on. */
	report(&a, 1, 0.6, false, 0.6);
	/* {0.2, 0.5, 0.55, 0.6, 0.8}: position 8/3 → 0.55 + 2/3 · 0.05. */
	report(&a, 1, 0.55, true, 0.55 + 2.0 / 3 * 0.05);
	/* The other rung keeps its own values. */
	report(&a, 3, 0.1, false, 0.1);
	report(&a, 3, 0.05, true, 0.1 - 1.0 / 3 * 0.05);
	/* NaN stops and is not recorded: the cutoff is that of the values so far. */
	report(&a, 3, NAN, true, 0.1 - 1.0 / 3 * 0.05);
	ASSERT_EQ_INT(a.nvals[0], 5);
	ASSERT_EQ_INT(a.nvals[1], 2);
	asha_free(&a);

	/* eta 2: the median. {0.3, 0.1, 0.7, 0.5} → medians 0.3, 0.2, 0.3, 0.4. */
	asha_init(&a, rungs, 1, 2);
	report(&a, 1, 0.3, false, 0.3);
	report(&a, 1, 0.1, true, 0.2);
	report(&a, 1, 0.7, false, 0.3);
	report(&a, 1, 0.5, false, 0.4);
	ASSERT_EQ_INT(asha_rung_of(&a, 3), -1);		/* only one rung kept */
	asha_free(&a);

	/* A NaN first report: nothing recorded, the cutoff is NaN, the trial stops. */
	asha_init(&a, rungs, 2, 3);
	report(&a, 1, NAN, true, NAN);
	report(&a, 1, 0.4, false, 0.4);
	asha_free(&a);
}

/* Order doubles for qsort. */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Many trials with random qualities, arriving in random order, with eta 3 and rungs 1, 3, 9:
 * about 1/3 of those reaching a rung go on past it, and the survivors are the good ones.
 */
static void
test_survival(void)
{
	static const int rungs[] = { 1, 3, 9 };
	enum { N = 6000 };
	double *q = malloc(N * sizeof *q), *sorted = malloc(N * sizeof *sorted), acc;
	int reached[3] = { 0 }, passed[3] = { 0 }, i, k, top = 0;
	bool *alive = malloc(N * sizeof *alive);
	struct asha a;
	struct rng r;

	ASSERT(q != NULL && sorted != NULL && alive != NULL);
	rng_seed(&r, 5, 77);
	for (i = 0; i < N; i++) {
		q[i] = rng_uniform(&r);
		sorted[i] = q[i];
		alive[i] = true;
	}
	asha_init(&a, rungs, 3, 3);
	for (k = 0; k < 3; k++) {
		for (i = 0; i < N; i++) {
			if (!alive[i])
				continue;
			/* Accuracy: the quality plus a little noise, growing with epochs. */
			acc = q[i] * (0.5 + 0.05 * rungs[k]) + 0.02 * rng_normal(&r);
			reached[k]++;
			if (asha_report(&a, rungs[k], acc, NULL))
				alive[i] = false;
			else
				passed[k]++;
		}
		printf("rung %d (epoch %d): %d of %d go on (%.3f)\n", k, rungs[k], passed[k],
		    reached[k], (double)passed[k] / reached[k]);
		ASSERT((double)passed[k] / reached[k] > 0.25);
		ASSERT((double)passed[k] / reached[k] < 0.42);
	}
	/* The survivors of all rungs are mostly from the best 1/27 of qualities (and above
	 * the median). */
	qsort(sorted, N, sizeof *sorted, cmp_double);
	for (i = 0; i < N; i++) {
		if (alive[i]) {
			ASSERT(q[i] > sorted[N / 2]);
			top += q[i] >= sorted[N - N / 27 - N / 50];
		}
	}
	printf("survivors: %d, %d of them in the top 1/27 + 2%%\n", passed[2], top);
	ASSERT(top > 0.6 * passed[2]);
	asha_free(&a);
	free(q);
	free(sorted);
	free(alive);
}

/* The order of arrival changes who is stopped, not the survival rate; trials arriving first
 * are never stopped. */
static void
test_first_never_stops(void)
{
	static const int rungs[] = { 2 };
	struct asha a;
	struct rng r;
	int run, passed, i;

	for (run = 0; run < 50; run++) {
		rng_seed(&r, (uint64_t)run, 3);
		asha_init(&a, rungs, 1, 1 + 4 * rng_uniform(&r));
		ASSERT(!asha_report(&a, 2, rng_uniform(&r), NULL));
		passed = 1;
		for (i = 1; i < 300; i++)
			passed += !asha_report(&a, 2, rng_uniform(&r), NULL);
		ASSERT_NEAR((double)passed / 300, 1 / a.eta, 0.12);
		asha_free(&a);
	}
}

/* Run every test. */
int
main(void)
{
	test_rung_of();
	test_cutoffs();
	test_survival();
	test_first_never_stops();
	printf("test_asha: ok\n");
	return 0;
}
