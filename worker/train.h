/* train.h: one trial's training run — epochs of shuffled mini-batches, evaluation, α schedule. */
#ifndef TUNA_TRAIN_H
#define TUNA_TRAIN_H

#include <stdint.h>

#include "dataset.h"
#include "hparams.h"
#include "model.h"
#include "rng.h"

struct train {
	struct model model;
	const struct dataset *ds;
	struct hparams h;	/* current hyperparameters (nudges change alpha, beta, …) */
	struct rng shuffle;	/* mini-batch order */
	uint32_t *perm;		/* [n_train] */
	long step;		/* optimizer steps taken (Adam's t) */
	int epoch;		/* epochs completed */
	double alpha_base;	/* α at epoch_base; α_e = alpha_base / (1 + decay·(e − epoch_base)) */
	int epoch_base;
	float *kept;		/* weights and running statistics of the best epoch, or NULL */
	int kept_epoch;		/* the epoch they are from */
};

/* Loss and accuracy over some rows. */
struct train_score {
	double loss;
	double acc;
	long rows;
	long batch;		/* the batch that diverged (train_epoch), else -1 */
};

int train_init(struct train *t, const struct dataset *ds, const struct hparams *h,
    int threads, uint64_t seed, char **cause);
void train_free(struct train *t);
double train_alpha(const struct train *t);
void train_set_alpha(struct train *t, double alpha);
void train_step(struct train *t, const uint32_t *rows, int m, double alpha, double *loss,
    long *right);
int train_epoch(struct train *t, struct train_score *score);
void train_evaluate(struct train *t, enum dataset_split split, struct train_score *score);
void train_keep(struct train *t);
void train_swap_kept(struct train *t);

#endif
