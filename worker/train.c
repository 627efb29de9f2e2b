/* train.c: mini-batch gradient descent over a data set, epoch by epoch. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "modelsize.h"
#include "optim.h"
#include "prof.h"
#include "train.h"
#include "xmalloc.h"

#define TRAIN_EVAL_ROWS 512

/* Build the model for a data set and hyperparameters; seed fixes init and batch order. */
int
train_init(struct train *t, const struct dataset *ds, const struct hparams *h, int threads,
    uint64_t seed, char **cause)
{
	struct model_shape shape;
	int max_m, rc;
	size_t i, eval;

	memset(t, 0, sizeof *t);
	if (ds->n_train > UINT32_MAX)
		return xcause(cause, -E2BIG, "dataset: %zu training rows is too many", ds->n_train);
	t->ds = ds;
	t->h = *h;
	if ((size_t)t->h.batch_size > ds->n_train)
		t->h.batch_size = (int)ds->n_train;
	shape.d = (int)ds->features;
	shape.c = ds->classes;
	shape.layers = h->layers;
	shape.units = h->hidden_units;
	shape.batchnorm = h->batchnorm;
	if ((rc = modelsize_check(ds->features, ds->classes, h->layers, h->hidden_units,
	    cause)) != 0)
		return rc;
	/* evaluation runs in chunks of TRAIN_EVAL_ROWS, or of the largest split if smaller */
	eval = ds->n_val > ds->n_test ? ds->n_val : ds->n_test;
	eval = eval < TRAIN_EVAL_ROWS ? eval : TRAIN_EVAL_ROWS;
	max_m = (size_t)t->h.batch_size > eval ? t->h.batch_size : (int)eval;
	if ((rc = model_init(&t->model, &shape, max_m, threads, seed, cause)) != 0)
		return rc;
	rng_seed(&t->shuffle, seed, 2);
	t->perm = xcalloc(ds->n_train, sizeof *t->perm);
	for (i = 0; i < ds->n_train; i++)
		t->perm[i] = (uint32_t)i;
	t->alpha_base = h->alpha;
	return 0;
}

/* Free a training run (not its data set). */
void
train_free(struct train *t)
{
	model_free(&t->model);
	free(t->perm);
	free(t->kept);
	memset(t, 0, sizeof *t);
}

/* The learning rate of the next epoch under the decay schedule. */
double
train_alpha(const struct train *t)
{
	return t->alpha_base / (1.0 + t->h.lr_decay * (double)(t->epoch - t->epoch_base));
}

/* Make the next epoch use alpha; the decay schedule continues from there. */
void
train_set_alpha(struct train *t, double alpha)
{
	t->alpha_base = alpha;
	t->epoch_base = t->epoch;
	t->h.alpha = alpha;
}

struct train_job {
	struct train *t;
	enum dataset_split split;
	const uint32_t *rows;		/* [m] rows of the split */
	int m;
	bool train;			/* forward, backward and update; else forward only */
	double alpha;
};

/* A team job: part k gathers its rows of the batch and runs its part of the step. */
static void
train_job(void *arg, int k, int n)
{
	struct train_job *j = arg;
	struct train *t = j->t;
	struct model *mo = &t->model;
	size_t r0, r1, d = t->ds->features;
	double t0 = prof_start(PROF_INPUT);

	team_range((size_t)j->m, k, n, &r0, &r1);
	dataset_batch(mo->x + r0 * d, mo->y + r0, t->ds, j->split, j->rows + r0, r1 - r0);
	prof_stop(PROF_INPUT, t0);
	model_forward_part(mo, k, j->m, j->train, (float)t->h.bn_momentum);
	if (!j->train)
		return;
	model_backward_part(mo, k, j->m);
	model_reduce_part(mo, k);
	team_range(mo->n_params, k, n, &r0, &r1);
	optim_step(mo->params + r0, mo->grads + r0, mo->m + r0, mo->v + r0, r1 - r0, &t->h,
	    j->alpha, t->step);
}

/* Run a job on the team; add its loss and right answers to *loss and *right. */
static void
train_run(struct train *t, struct train_job *j, double *loss, long *right)
{
	struct model *mo = &t->model;
	int k;

	team_run(&mo->team, train_job, j);
	for (k = 0; k < mo->team.n; k++) {
		*loss += mo->part[k].loss;
		*right += mo->part[k].correct;
	}
}

/*
 * One optimizer step on m rows of the training split (rows[m], m <= the batch size) at
 * learning rate alpha, on the whole team: forward with batch statistics, backward, every
 * thread updating its slice of the parameters; Adam's t advances. Adds the rows' summed loss
 * and right answers to *loss and *right. Afterwards the model holds this step's activations
 * and gradients and the updated parameters and running statistics.
 */
void
train_step(struct train *t, const uint32_t *rows, int m, double alpha, double *loss,
    long *right)
{
	struct train_job j = { t, SPLIT_TRAIN, rows, m, true, alpha };

	t->step++;
	train_run(t, &j, loss, right);
}

/*
 * One epoch over the shuffled training split. Returns 0, or -EDOM when the loss turned NaN
 * or infinite (score->batch says where; the weights are then unusable).
 */
int
train_epoch(struct train *t, struct train_score *score)
{
	struct model *mo = &t->model;
	size_t n = t->ds->n_train, off;
	int bs = t->h.batch_size, m;
	double alpha = train_alpha(t), loss, total = 0;
	long rows = 0, batch = 0, right = 0;

	rng_shuffle(&t->shuffle, t->perm, (uint32_t)n);
	for (off = 0; off < n; off += (size_t)m, batch++) {
		m = n - off < (size_t)bs ? (int)(n - off) : bs;
		if (m < 2 && mo->shape.batchnorm && off > 0)
			break;	/* a lone leftover row has no batch statistics */
		loss = 0;
		train_step(t, t->perm + off, m, alpha, &loss, &right);
		if (!isfinite(loss)) {
			score->loss = loss;
			score->acc = rows ? (double)right / (double)rows : 0;
			score->rows = rows;
			score->batch = batch;
			return -EDOM;
		}
		total += loss;
		rows += m;
	}
	t->epoch++;
	score->loss = total / (double)rows;
	score->acc = (double)right / (double)rows;
	score->rows = rows;
	score->batch = -1;
	return 0;
}

/* Loss and accuracy of a split in inference mode (running BN statistics). */
void
train_evaluate(struct train *t, enum dataset_split split, struct train_score *score)
{
	struct train_job j = { t, split, NULL, 0, false, 0 };
	uint32_t rows[TRAIN_EVAL_ROWS];
	size_t n, off, i;
	double total = 0, saved[PROF_N];
	long right = 0;

	memcpy(saved, prof_seconds, sizeof saved);	/* the profile covers training only */
	n = split == SPLIT_VAL ? t->ds->n_val : split == SPLIT_TEST ? t->ds->n_test :
	    t->ds->n_train;
	for (off = 0; off < n; off += (size_t)j.m) {
		j.m = n - off < TRAIN_EVAL_ROWS ? (int)(n - off) : TRAIN_EVAL_ROWS;
		for (i = 0; i < (size_t)j.m; i++)
			rows[i] = (uint32_t)(off + i);
		j.rows = rows;
		train_run(t, &j, &total, &right);
	}
	memcpy(prof_seconds, saved, sizeof saved);
	score->loss = n ? total / (double)n : NAN;
	score->acc = n ? (double)right / (double)n : NAN;
	score->rows = (long)n;
	score->batch = -1;
}

/* Keep a copy of the weights and running statistics as they are now (the best epoch). */
void
train_keep(struct train *t)
{
	struct model *mo = &t->model;

	if (t->kept == NULL)
		t->kept = xmalloc((mo->n_params + mo->n_stats) * sizeof(float));
	memcpy(t->kept, mo->params, mo->n_params * sizeof(float));
	memcpy(t->kept + mo->n_params, mo->stats, mo->n_stats * sizeof(float));
	t->kept_epoch = t->epoch;
}

/* Exchange the kept weights and statistics with the model's. */
void
train_swap_kept(struct train *t)
{
	struct model *mo = &t->model;
	float *p = mo->params, *k = t->kept, tmp;
	size_t i;

	for (i = 0; i < mo->n_params; i++, p++, k++) {
		tmp = *p;
		*p = *k;
		*k = tmp;
	}
	for (p = mo->stats, i = 0; i < mo->n_stats; i++, p++, k++) {
		tmp = *p;
		*p = *k;
		*k = tmp;
	}
}
