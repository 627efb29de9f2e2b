/*
 * model.h: the network — L hidden layers of dense → batch norm → ReLU, then dense → softmax.
 * Parameters live in one contiguous buffer with a struct of pointers into it; gradients and
 * optimizer moments share that layout (as in llm.c's train_gpt2.c).
 */
#ifndef TUNA_MODEL_H
#define TUNA_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hparams.h"
#include "team.h"

#define MODEL_MAXL HPARAMS_MAX_LAYERS

struct model_shape {
	int d;			/* input features */
	int c;			/* classes */
	int layers;		/* hidden layers */
	int units;		/* units per hidden layer */
	bool batchnorm;
};

/* Pointers into a parameter-layout buffer (params, grads, m or v). */
struct model_params {
	float *w[MODEL_MAXL + 1];	/* layer l: [in_l × out_l]; w[layers] is the output layer */
	float *b[MODEL_MAXL + 1];	/* [out_l]: output layer always, hidden layers without BN */
	float *gamma[MODEL_MAXL];	/* [units], BN scale */
	float *beta[MODEL_MAXL];	/* [units], BN shift */
};

/* One thread's share of a batch: its rows' partial sums and its own copy of the statistics. */
struct model_part {
	float *grads;			/* its gradients (part 0: the model's grads) */
	struct model_params g;		/* pointers into grads */
	float *sum, *sq;		/* [units] partial column sums (BN forward) */
	float *mean[MODEL_MAXL];	/* [units] batch mean */
	float *var[MODEL_MAXL];		/* [units] batch variance (biased) */
	float *rstd[MODEL_MAXL];	/* [units] 1/sqrt(var+ε) */
	float *dg, *db;			/* [units] whole-batch BN gradient sums */
	float *block;			/* what this part allocated */
	double loss;			/* summed cross-entropy of its rows */
	int correct;			/* right answers among its rows */
};

struct model {
	struct model_shape shape;
	size_t n_params;		/* floats in each of params, grads, m, v */
	size_t n_stats;			/* floats in stats */
	float *params, *grads, *m, *v;
	struct model_params p, g;
	float *stats;			/* running statistics: rmean then rvar of each layer */
	float *rmean[MODEL_MAXL];	/* [units] */
	float *rvar[MODEL_MAXL];	/* [units] */

	int max_m;			/* rows the activation buffers hold */
	float *acts;			/* one buffer for all activations below */
	float *x;			/* [max_m × d] normalized input */
	float *z[MODEL_MAXL];		/* [max_m × units] dense output */
	float *xhat[MODEL_MAXL];	/* [max_m × units] normalized z (BN) */
	float *h[MODEL_MAXL];		/* [max_m × units] BN output (is z without BN) */
	float *a[MODEL_MAXL];		/* [max_m × units] ReLU output */
	float *logits;			/* [max_m × c] */
	float *probs;			/* [max_m × c] */
	float *dlogits;			/* [max_m × c] */
	float *da, *dh, *dz;		/* [max_m × max(units, c)] backward scratch */
	uint16_t *y;			/* [max_m] labels */

	struct team team;		/* the threads a batch is split among, by rows */
	struct model_part part[TEAM_MAX];
};

int model_init(struct model *mo, const struct model_shape *shape, int max_m, int threads,
    uint64_t seed, char **cause);
void model_free(struct model *mo);
size_t model_count_params(const struct model_shape *shape);
void model_point(struct model_params *p, float *base, const struct model_shape *shape);
void model_forward_part(struct model *mo, int k, int m, bool train, float bn_momentum);
void model_backward_part(struct model *mo, int k, int m);
void model_reduce_part(struct model *mo, int k);
void model_forward(struct model *mo, double *loss, int *correct, int m, bool train,
    float bn_momentum);
void model_backward(struct model *mo, int m);

#endif
