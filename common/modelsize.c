/*
 * modelsize.c: a model's parameter count, the memory its trainer takes, and the one limit on
 * its size. The count is worker/model.c's layout (tests/test_spec.c checks they agree): layer l
 * of L hidden layers is W [in_l × units] and, with batch norm, γ and β [units], without it a
 * bias [units]; the output layer is W [in_L × classes] and a bias [classes]; in_0 = features,
 * in_l = units after. Inputs are within the hyperparameters' ranges (layers <= 16, units <=
 * 65536) and the data set's (features <= 2^24, classes <= 1024): no count overflows.
 *
 * The limit applies to the count with batch norm's layout whatever batchnorm is, so it needs
 * only what a spec or a trial says (layers, hidden_units) and the data set's features and
 * classes. Before the data set is read (a spec at parse time, a trial object) it assumes the
 * smallest one, 1 feature and 2 classes: a model refused then is refused on every data set,
 * and one accepted then is checked again, with the same function, once the data set is known
 * (the daemon at submit, tuna-worker before allocating the model). The count only grows with
 * layers, units, features and classes, so the largest values a spec can draw decide for all.
 */
#include <errno.h>

#include "modelsize.h"
#include "xmalloc.h"

/* Trainable parameters of a model (floats in its parameter buffer). */
uint64_t
modelsize_params(uint64_t features, int classes, int layers, int units, bool batchnorm)
{
	uint64_t u = units > 0 ? (uint64_t)units : 0, c = classes > 0 ? (uint64_t)classes : 0;
	uint64_t in = features, n = 0;
	int l;

	for (l = 0; l < layers; l++) {
		n += in * u + (batchnorm ? 2 : 1) * u;	/* W [in × units]; γ, β or b [units] */
		in = u;
	}
	return n + in * c + c;				/* W [in × classes], b [classes] */
}

/*
 * Bytes the trainer allocates for a model trained in batches of `rows` rows on `threads`
 * threads (worker/model.c, worker/train.c), with batch norm's layout: parameters, gradients,
 * two moments and the kept best weights; each further thread's gradients; every thread's
 * batch statistics; the running statistics and their kept copy; activations and labels.
 */
double
modelsize_bytes(uint64_t features, int classes, int layers, int units, int rows, int threads)
{
	double p = (double)modelsize_params(features, classes, layers, units, true);
	double d = (double)features, c = classes, l = layers, u = units, m = rows;
	double floats;

	floats = p * (5 + (threads - 1)) +
	    threads * u * (4 + 3 * l) +			/* sums, BN gradient sums; μ, σ², 1/σ */
	    2 * (2 * l * u) +				/* running μ and σ², and the kept copy */
	    m * (d + 4 * l * u + 3 * c + 3 * (u > c ? u : c));	/* x; z, x̂, h, a; logits … */
	return floats * sizeof(float) + m * sizeof(uint16_t);
}

/*
 * Refuse a model over MODELSIZE_MAX_PARAMS: layers of units on a data set of features and
 * classes, or, with features or classes 0 (not known yet), on the smallest data set.
 */
int
modelsize_check(uint64_t features, int classes, int layers, int units, char **cause)
{
	bool known = features > 0 && classes > 0;
	uint64_t n;

	if (!known) {
		features = MODELSIZE_MIN_FEATURES;
		classes = MODELSIZE_MIN_CLASSES;
	}
	n = modelsize_params(features, classes, layers, units, true);
	if (n <= MODELSIZE_MAX_PARAMS)
		return 0;
	if (!known)
		return xcause(cause, -E2BIG, "params.hidden_units: layers %d, hidden_units %d: "
		    "%llu parameters even on the smallest data set (1 feature, 2 classes), more "
		    "than 2^30 = %llu: model too large", layers, units, (unsigned long long)n,
		    (unsigned long long)MODELSIZE_MAX_PARAMS);
	return xcause(cause, -E2BIG, "params.hidden_units: layers %d, hidden_units %d: %llu "
	    "parameters on %llu features and %d classes, more than 2^30 = %llu: model too large",
	    layers, units, (unsigned long long)n, (unsigned long long)features, classes,
	    (unsigned long long)MODELSIZE_MAX_PARAMS);
}
