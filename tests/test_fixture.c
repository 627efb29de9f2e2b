/*
 * test_fixture.c: the trainer against PyTorch — forward values, every gradient, five optimizer
 * steps and the eval-mode output, from the committed fixtures in tests/fixture/.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "model.h"
#include "optim.h"

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

/* Check one fixture file end to end. */
static void
check_file(const char *path, int threads)
{
	struct fixture fx;
	struct model mo;
	struct model_shape s;
	struct hparams h;
	const float *hp;
	double loss;
	float lossf;
	int correct, m, l, step, steps;
	char name[64];

	if (fixture_load(&fx, path) != 0) {
		failures++;
		return;
	}
	hp = fixture_get(&fx, "hparams")->v;
	s.d = (int)hp[0];
	s.layers = (int)hp[1];
	s.units = (int)hp[2];
	s.c = (int)hp[4];
	s.batchnorm = hp[6] != 0;
	m = (int)hp[5];
	steps = (int)hp[13];
	hparams_defaults(&h);
	h.optimizer = s.batchnorm ? OPT_ADAM : OPT_RMSPROP;
	h.alpha = hp[7];
	h.beta1 = hp[8];
	h.beta2 = hp[9];
	h.epsilon = hp[10];
	h.bn_momentum = 1 - hp[12];	/* torch momentum 0.1 is our EWMA β 0.9 */
	if (model_init(&mo, &s, m, threads, 0, NULL) != 0) {
		fprintf(stderr, "FAIL %s: model_init\n", path);
		failures++;
		goto done;
	}
	reset(&mo, &fx, m);
	model_forward(&mo, &loss, &correct, m, true, (float)h.bn_momentum);
	for (l = 0; l < s.layers; l++) {
		snprintf(name, sizeof name, "z%d", l);
		expect(path, name, mo.z[l], fixture_get(&fx, name), 1e-4, 1e-5);
		snprintf(name, sizeof name, "a%d", l);
		expect(path, name, mo.a[l], fixture_get(&fx, name), 1e-4, 1e-5);
	}
	expect(path, "logits", mo.logits, fixture_get(&fx, "logits"), 1e-4, 1e-5);
	expect(path, "probs", mo.probs, fixture_get(&fx, "probs"), 1e-4, 1e-6);
	lossf = (float)(loss / m);
	expect(path, "loss", &lossf, fixture_get(&fx, "loss"), 1e-5, 1e-6);
	model_backward(&mo, m);
	params(&mo, &mo.g, &fx, "d", true, path, 1e-3, 1e-6);

	reset(&mo, &fx, m);
	for (step = 0; step < steps; step++) {
		const float *want = fixture_get(&fx, "step_losses")->v + step;

		model_forward(&mo, &loss, &correct, m, true, (float)h.bn_momentum);
		if (fabs(loss / m - *want) > 1e-5 + 1e-4 * fabs(*want)) {
			fprintf(stderr, "FAIL %s: step %d loss: got %.8g, want %.8g\n", path, step + 1,
			    loss / m, *want);
			failures++;
		}
		model_backward(&mo, m);
		optim_step(mo.params, mo.grads, mo.m, mo.v, mo.n_params, &h, h.alpha, step + 1);
	}
	params(&mo, &mo.p, &fx, "final_", true, path, 1e-3, 2e-5);
	for (l = 0; s.batchnorm && l < s.layers; l++) {
		snprintf(name, sizeof name, "final_running_mean%d", l);
		expect(path, name, mo.rmean[l], fixture_get(&fx, name), 1e-4, 1e-5);
		snprintf(name, sizeof name, "final_running_var%d", l);
		expect(path, name, mo.rvar[l], fixture_get(&fx, name), 1e-4, 1e-5);
	}
	model_forward(&mo, &loss, &correct, m, false, 0);
	expect(path, "eval_logits", mo.logits, fixture_get(&fx, "eval_logits"), 1e-3, 1e-4);
done:
	model_free(&mo);
	fixture_free(&fx);
}

int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/fixture";
	char path[4096];

	int threads;

	for (threads = 1; threads <= 3; threads++) {	/* the batch split among 1, 2, 3 threads */
		snprintf(path, sizeof path, "%s/bn_adam.bin", dir);
		check_file(path, threads);
		snprintf(path, sizeof path, "%s/nobn_rmsprop.bin", dir);
		check_file(path, threads);
	}
	if (failures) {
		fprintf(stderr, "test_fixture: %d mismatches against PyTorch\n", failures);
		return 1;
	}
	printf("test_fixture: forward, gradients, 5 optimizer steps and eval match PyTorch "
	    "on 1, 2 and 3 threads\n");
	return 0;
}
