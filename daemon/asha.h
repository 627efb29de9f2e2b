/*
 * asha.h: asynchronous successive halving (Li et al. 2020) as early stopping — pure. At each
 * rung (an epoch count) a trial goes on only if its score (its objective, higher is better)
 * is in the top 1/eta of the scores recorded at that rung so far (itself included).
 * Layer: part
 */
#ifndef TUNA_ASHA_H
#define TUNA_ASHA_H

#include <stdbool.h>

#define ASHA_MAX_RUNGS 16

struct asha {
	int nrungs;
	int rung[ASHA_MAX_RUNGS];	/* epochs, increasing */
	double eta;
	double *vals[ASHA_MAX_RUNGS];	/* values recorded at each rung */
	int nvals[ASHA_MAX_RUNGS], cap[ASHA_MAX_RUNGS];
};

void asha_init(struct asha *a, const int *rungs, int nrungs, double eta);
void asha_free(struct asha *a);
int asha_rung_of(const struct asha *a, int epoch);
bool asha_report(struct asha *a, int epoch, double score, double *cutoff);

#endif
