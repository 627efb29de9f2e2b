/*
 * test_fixture.c: the trainer against PyTorch — forward values, every gradient, five optimizer
 * steps and the eval-mode output, from the committed fixtures in tests/fixture/: first through
 * the model's whole-batch passes and one whole-buffer optimizer step, then through the
 * training step tuna-worker runs (train_step: the batch gathered from a data set by each
 * thread, the optimizer step sliced among the threads).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "fixture.h"
#include "model.h"
#include "optim.h"
#include "train.h"

static int failures;

/* Compare got[n] with a fixture array; print the worst element with both values on failure. */
static void
expect(const char *file, const char *what, const float *got, const struct fixture_array *want,
    double rtol, double atol)
{
	size_t i, worst = 0;
	double excess = -INFINITY, e;

	for (i = 0; i < want->n; i++) {
		e = fabs((double)got[i] - want->v[i]) - (atol + rtol * fabs(want->v[i]));
		if (isnan(got[i]))
			e = INFINITY;
		if (e > excess) {
			excess = e;
			worst = i;
		}
	}
	if (excess > 0) {
		fprintf(stderr, "FAIL %s: %s[%zu]: got %.8g, want %.8g (rtol %g, atol %g)\n", file,
		    what, worst, got[worst], want->v[worst], rtol, atol);
		failures++;
	}
}

/* Copy a fixture array into a buffer of the same size. */
static void
load(float *dst, const struct fixture *fx, const char *name)
{
	const struct fixture_array *a = fixture_get(fx, name);

	memcpy(dst, a->v, a->n * sizeof(float));
}

/* Copy the fixture's parameters (prefix "" or "final_") into p, or compare them with p. */
static void
params(struct model *mo, const struct model_params *p, const struct fixture *fx,
    const char *prefix, bool check, const char *file, double rtol, double atol)
{
	char name[64];
	int l, L = mo->shape.layers;

#define ONE(ptr, fmt, ...) do {							\
	snprintf(name, sizeof name, "%s" fmt, prefix, __VA_ARGS__);		\
	if (check)								\
		expect(file, name, (ptr), fixture_get(fx, name), rtol, atol);	\
	else									\
		load((ptr), fx, name);						\
} while (0)
	for (l = 0; l < L; l++) {
		ONE(p->w[l], "W%d", l);
		if (mo->shape.batchnorm) {
			ONE(p->gamma[l], "gamma%d", l);
			ONE(p->beta[l], "beta%d", l);
		} else
			ONE(p->b[l], "b%d", l);
	}
	ONE(p->w[L], "W%s", "out");
	ONE(p->b[L], "b%s", "out");
#undef ONE
}

/* Set the model's parameters and batch to the fixture's initial state. */
static void
reset(struct model *mo, const struct fixture *fx, int m)
{
	const struct fixture_array *y = fixture_get(fx, "y");
	int i, l;

	params(mo, &mo->p, fx, "", false, NULL, 0, 0);
	load(mo->x, fx, "x");
	for (i = 0; i < m; i++)
		mo->y[i] = (uint16_t)y->v[i];
	memset(mo->m, 0, mo->n_params * sizeof(float));
	memset(mo->v, 0, mo->n_params * sizeof(float));
	for (l = 0; l < mo->shape.layers; l++) {
		for (i = 0; i < mo->shape.units; i++) {
			mo->rmean[l][i] = 0;
			mo->rvar[l][i] = 1;
		}
	}
}

/* The shape, hyperparameters, batch rows and optimizer steps of a fixture. */
static void
setup(const struct fixture *fx, struct model_shape *s, struct hparams *h, int *m, int *steps)
{
	const float *hp = fixture_get(fx, "hparams")->v;

	s->d = (int)hp[0];
	s->layers = (int)hp[1];
	s->units = (int)hp[2];
	s->c = (int)hp[4];
	s->batchnorm = hp[6] != 0;
	*m = (int)hp[5];
	*steps = (int)hp[13];
	hparams_defaults(h);
	h->optimizer = s->batchnorm ? OPT_ADAM : OPT_RMSPROP;
	h->alpha = hp[7];
	h->beta1 = hp[8];
	h->beta2 = hp[9];
	h->epsilon = hp[10];
	h->bn_momentum = 1 - hp[12];	/* torch momentum 0.1 is our EWMA β 0.9 */
	h->layers = s->layers;
	h->hidden_units = s->units;
	h->batchnorm = s->batchnorm;
	h->batch_size = *m;
}

/* Compare the activations of the last train-mode forward and its mean loss with the fixture's. */
static void
check_forward(const char *path, struct model *mo, const struct fixture *fx, double loss, int m)
{
	char name[64];
	float lossf;
	int l;

	for (l = 0; l < mo->shape.layers; l++) {
		snprintf(name, sizeof name, "z%d", l);
		expect(path, name, mo->z[l], fixture_get(fx, name), 1e-4, 1e-5);
		snprintf(name, sizeof name, "a%d", l);
		expect(path, name, mo->a[l], fixture_get(fx, name), 1e-4, 1e-5);
	}
	expect(path, "logits", mo->logits, fixture_get(fx, "logits"), 1e-4, 1e-5);
	expect(path, "probs", mo->probs, fixture_get(fx, "probs"), 1e-4, 1e-6);
	lossf = (float)(loss / m);
	expect(path, "loss", &lossf, fixture_get(fx, "loss"), 1e-5, 1e-6);
}

/* Compare the mean loss of step `step` (0-based) with the fixture's. */
static void
check_step_loss(const char *path, const struct fixture *fx, int step, double loss, int m)
{
	const float *want = fixture_get(fx, "step_losses")->v + step;

	if (fabs(loss / m - *want) > 1e-5 + 1e-4 * fabs(*want)) {
		fprintf(stderr, "FAIL %s: step %d loss: got %.8g, want %.8g\n", path, step + 1,
		    loss / m, *want);
		failures++;
	}
}

/* Compare the parameters and running statistics after the steps with the fixture's. */
static void
check_final(const char *path, struct model *mo, const struct fixture *fx)
{
	char name[64];
	int l;

	params(mo, &mo->p, fx, "final_", true, path, 1e-3, 2e-5);
	for (l = 0; mo->shape.batchnorm && l < mo->shape.layers; l++) {
		snprintf(name, sizeof name, "final_running_mean%d", l);
		expect(path, name, mo->rmean[l], fixture_get(fx, name), 1e-4, 1e-5);
		snprintf(name, sizeof name, "final_running_var%d", l);
		expect(path, name, mo->rvar[l], fixture_get(fx, name), 1e-4, 1e-5);
	}
}

/* Check one fixture file end to end through the model's passes and a whole-buffer step. */
static void
check_file(const char *path, int threads)
{
	struct fixture fx;
	struct model mo;
	struct model_shape s;
	struct hparams h;
	double loss;
	int correct, m, step, steps;

	if (fixture_load(&fx, path) != 0) {
		failures++;
		return;
	}
	setup(&fx, &s, &h, &m, &steps);
	if (model_init(&mo, &s, m, threads, 0, NULL) != 0) {
		fprintf(stderr, "FAIL %s: model_init\n", path);
		failures++;
		goto done;
	}
	reset(&mo, &fx, m);
	model_forward(&mo, &loss, &correct, m, true, (float)h.bn_momentum);
	check_forward(path, &mo, &fx, loss, m);
	model_backward(&mo, m);
	params(&mo, &mo.g, &fx, "d", true, path, 1e-3, 1e-6);

	reset(&mo, &fx, m);
	for (step = 0; step < steps; step++) {
		model_forward(&mo, &loss, &correct, m, true, (float)h.bn_momentum);
		check_step_loss(path, &fx, step, loss, m);
		model_backward(&mo, m);
		optim_step(mo.params, mo.grads, mo.m, mo.v, mo.n_params, &h, h.alpha, step + 1);
	}
	check_final(path, &mo, &fx);
	model_forward(&mo, &loss, &correct, m, false, 0);
	expect(path, "eval_logits", mo.logits, fixture_get(&fx, "eval_logits"), 1e-3, 1e-4);
done:
	model_free(&mo);
	fixture_free(&fx);
}

/*
 * Check one fixture file through the training step tuna-worker runs: train_init on the
 * fixture's batch as a one-batch float data set, the fixture's parameters, then train_step
 * on its rows (each thread gathers and standardizes its rows, runs its part of the passes
 * and updates its slice of the parameters) and train_evaluate for the eval-mode output.
 */
static void
check_step(const char *path, int threads)
{
	const struct fixture_array *fy, *fp;
	struct model_shape s;
	struct train_score sc;
	struct dataset ds;
	struct fixture fx;
	struct hparams h;
	struct train t;
	struct model *mo = &t.model;
	float *scale = NULL, *shift = NULL;
	uint16_t *y = NULL;
	uint32_t *rows = NULL;
	char *cause = NULL;
	double loss;
	long right, want_right;
	int m, step, steps, i, j, best;

	memset(&t, 0, sizeof t);
	if (fixture_load(&fx, path) != 0) {
		failures++;
		return;
	}
	setup(&fx, &s, &h, &m, &steps);
	fy = fixture_get(&fx, "y");
	fp = fixture_get(&fx, "probs");
	scale = calloc((size_t)s.d, sizeof *scale);
	shift = calloc((size_t)s.d, sizeof *shift);
	y = calloc((size_t)m, sizeof *y);
	rows = calloc((size_t)m, sizeof *rows);
	if (scale == NULL || shift == NULL || y == NULL || rows == NULL) {
		fprintf(stderr, "FAIL %s: out of memory\n", path);
		failures++;
		goto done;
	}
	want_right = 0;
	for (i = 0; i < m; i++) {
		y[i] = (uint16_t)fy->v[i];
		rows[i] = (uint32_t)i;
		for (best = 0, j = 1; j < s.c; j++) {
			if (fp->v[i * s.c + j] > fp->v[i * s.c + best])
				best = j;
		}
		want_right += best == y[i];
	}
	for (i = 0; i < s.d; i++)
		scale[i] = 1;	/* x·1 + 0: the fixture's x exactly */
	memset(&ds, 0, sizeof ds);
	ds.ftype = DATASET_F32;
	ds.n_train = (size_t)m;
	ds.features = (size_t)s.d;
	ds.classes = s.c;
	ds.x_train = fixture_get(&fx, "x")->v;
	ds.y_train = y;
	ds.scale = scale;
	ds.shift = shift;
	if (train_init(&t, &ds, &h, threads, 0, &cause) != 0) {
		fprintf(stderr, "FAIL %s: train_init: %s\n", path, cause);
		failures++;
		goto done;
	}
	reset(mo, &fx, m);
	memset(mo->x, 0, (size_t)m * s.d * sizeof *mo->x);	/* the step gathers its rows */
	memset(mo->y, 0, (size_t)m * sizeof *mo->y);
	for (step = 0; step < steps; step++) {
		loss = 0;
		right = 0;
		train_step(&t, rows, m, h.alpha, &loss, &right);
		check_step_loss(path, &fx, step, loss, m);
		if (step > 0)
			continue;
		/* the first step's forward and gradients are still in the model */
		check_forward(path, mo, &fx, loss, m);
		params(mo, &mo->g, &fx, "d", true, path, 1e-3, 1e-6);
		if (right != want_right) {
			fprintf(stderr, "FAIL %s: step 1: %ld right, want %ld\n", path, right,
			    want_right);
			failures++;
		}
	}
	if (t.step != steps) {
		fprintf(stderr, "FAIL %s: %ld optimizer steps, want %d\n", path, t.step, steps);
		failures++;
	}
	check_final(path, mo, &fx);
	train_evaluate(&t, SPLIT_TRAIN, &sc);
	expect(path, "eval_logits", mo->logits, fixture_get(&fx, "eval_logits"), 1e-3, 1e-4);
	if (sc.rows != m) {
		fprintf(stderr, "FAIL %s: evaluated %ld rows, want %d\n", path, sc.rows, m);
		failures++;
	}
done:
	train_free(&t);
	free(cause);
	free(scale);
	free(shift);
	free(y);
	free(rows);
	fixture_free(&fx);
}

int
main(int argc, char **argv)
{
	static const char *files[] = { "bn_adam.bin", "nobn_rmsprop.bin" };
	const char *dir = argc > 1 ? argv[1] : "tests/fixture";
	char path[4096];
	int threads, f;

	for (threads = 1; threads <= 3; threads++) {	/* the batch split among 1, 2, 3 threads */
		for (f = 0; f < 2; f++) {
			snprintf(path, sizeof path, "%s/%s", dir, files[f]);
			check_file(path, threads);
			check_step(path, threads);
		}
	}
	if (failures) {
		fprintf(stderr, "test_fixture: %d mismatches against PyTorch\n", failures);
		return 1;
	}
	printf("test_fixture: forward, gradients, 5 optimizer steps and eval match PyTorch "
	    "on 1, 2 and 3 threads, through the model's passes and through train_step\n");
	return 0;
}
