/*
 * asha.c: asynchronous successive halving as early stopping — pure. Each rung keeps the
 * scores recorded there (the objective, oriented so that higher is better), sorted; a trial
 * reaching a rung is stopped when its score is below the (1 − 1/eta) quantile of them (its own
 * included), so about 1/eta of the trials go on past each rung, whatever order they arrive in.
 * Layer: part
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "asha.h"
#include "xmalloc.h"

/* Set up rungs (epochs, increasing; at most ASHA_MAX_RUNGS are kept) with nothing recorded. */
void
asha_init(struct asha *a, const int *rungs, int nrungs, double eta)
{
	int i;

	memset(a, 0, sizeof *a);
	if (nrungs > ASHA_MAX_RUNGS)
		nrungs = ASHA_MAX_RUNGS;
	if (nrungs < 0)
		nrungs = 0;
	a->nrungs = nrungs;
	for (i = 0; i < nrungs; i++)
		a->rung[i] = rungs[i];
	a->eta = eta;
}

/* Free the recorded values and leave the struct empty. */
void
asha_free(struct asha *a)
{
	int i;

	for (i = 0; i < ASHA_MAX_RUNGS; i++)
		free(a->vals[i]);
	memset(a, 0, sizeof *a);
}

/* The index of the rung at this epoch, or -1 when the epoch is not a rung. */
int
asha_rung_of(const struct asha *a, int epoch)
{
	int i;

	for (i = 0; i < a->nrungs; i++) {
		if (a->rung[i] == epoch)
			return i;
	}
	return -1;
}

/* The q quantile of sorted x[0..n), interpolating linearly (numpy's default); NaN if n is 0. */
static double
asha_quantile(const double *x, int n, double q)
{
	double pos, frac;
	int i;

	if (n <= 0)
		return NAN;
	pos = q * (n - 1);
	i = (int)floor(pos);
	if (i < 0)
		i = 0;
	if (i >= n - 1)
		return x[n - 1];
	frac = pos - i;
	return x[i] + frac * (x[i + 1] - x[i]);
}

/* Insert v into rung i's sorted values. */
static void
asha_record(struct asha *a, int i, double v)
{
	double *x;
	int j;

	if (a->nvals[i] == a->cap[i]) {
		a->cap[i] = a->cap[i] != 0 ? 2 * a->cap[i] : 16;
		a->vals[i] = xreallocarray(a->vals[i], (size_t)a->cap[i], sizeof *a->vals[i]);
	}
	x = a->vals[i];
	for (j = a->nvals[i]; j > 0 && x[j - 1] > v; j--)
		x[j] = x[j - 1];
	x[j] = v;
	a->nvals[i]++;
}

/*
 * A trial reports its score (its objective, higher is better) after `epoch` epochs. Off a
 * rung: false (go on). On a rung: record the score and return whether the trial stops, i.e.
 * whether it is below the cutoff, the (1 − 1/eta) quantile of the scores recorded there
 * (itself included), which goes to *cutoff (when non-NULL). A NaN score is not recorded and
 * always stops.
 */
bool
asha_report(struct asha *a, int epoch, double score, double *cutoff)
{
	double c;
	int i;

	if ((i = asha_rung_of(a, epoch)) < 0) {
		if (cutoff != NULL)
			*cutoff = NAN;
		return false;
	}
	if (!isnan(score))
		asha_record(a, i, score);
	c = asha_quantile(a->vals[i], a->nvals[i], 1 - 1 / a->eta);
	if (cutoff != NULL)
		*cutoff = c;
	return isnan(score) || score < c;
}
