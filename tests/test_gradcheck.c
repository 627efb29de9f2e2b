/*
 * test_gradcheck.c: analytic gradients against central finite differences — dense,
 * batch norm (train mode), softmax–cross-entropy, and the whole network with and without BN.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batchnorm.h"
#include "dense.h"
#include "model.h"
#include "rng.h"
#include "softmax.h"

#define M 8
#define K 6
#define N 5

static int failures;
static struct rng r;

/* Fill v[n] with N(0, sd²). */
static void
randn(float *v, size_t n, double sd)
{
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = (float)(rng_normal(&r) * sd);
}

/* Compare an analytic gradient with a numeric one; print both at the first failure. */
static void
agree(const char *what, size_t i, double analytic, double numeric, double atol, double rtol)
{
	if (fabs(analytic - numeric) > atol + rtol * fabs(numeric)) {
		if (failures < 20)
			fprintf(stderr, "FAIL %s[%zu]: analytic %.7g, numeric %.7g\n", what, i,
			    analytic, numeric);
		failures++;
	}
}

/* Σ r·out over n values, in double. */
static double
project(const float *out, const float *proj, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += (double)out[i] * proj[i];
	return s;
}

static float din[M * K], dw[K * N], db[N], in[M * K], w[K * N], b[N], out[M * N], proj[M * N];

/* L = Σ proj·dense(in, w, b). */
static double
dense_loss(void)
{
	dense_forward(out, in, w, b, M, K, N);
	return project(out, proj, M * N);
}

/* Perturb v[i] by ±h and return the central difference of f. */
static double
numeric(float *v, size_t i, double h, double (*f)(void))
{
	float keep = v[i];
	double up, down;

	v[i] = (float)(keep + h);
	up = f();
	v[i] = (float)(keep - h);
	down = f();
	v[i] = keep;
	return (up - down) / (2 * h);
}

/* Dense layer: gradients of input, weights and bias. */
static void
check_dense(void)
{
	size_t i;

	randn(in, M * K, 1);
	randn(w, K * N, 0.5);
	randn(b, N, 0.5);
	randn(proj, M * N, 1);
	dense_backward(din, dw, db, proj, in, w, M, K, N);
	for (i = 0; i < M * K; i++)
		agree("dense din", i, din[i], numeric(in, i, 1e-2, dense_loss), 1e-3, 1e-2);
	for (i = 0; i < K * N; i++)
		agree("dense dw", i, dw[i], numeric(w, i, 1e-2, dense_loss), 1e-3, 1e-2);
	for (i = 0; i < N; i++)
		agree("dense db", i, db[i], numeric(b, i, 1e-2, dense_loss), 1e-3, 1e-2);
}

static float bz[M * N], gam[N], bet[N], xhat[M * N], mean[N], var[N], rstd[N];
static float dz[M * N], dgam[N], dbet[N];

/* L = Σ proj·batchnorm(bz, gam, bet) in train mode. */
static double
bn_loss(void)
{
	batchnorm_forward(out, xhat, mean, var, rstd, bz, gam, bet, M, N);
	return project(out, proj, M * N);
}

/* Batch norm (train mode): gradients of z, γ and β. */
static void
check_batchnorm(void)
{
	size_t i;

	randn(bz, M * N, 2);
	randn(gam, N, 1);
	randn(bet, N, 1);
	randn(proj, M * N, 1);
	bn_loss();
	batchnorm_backward(dz, dgam, dbet, proj, xhat, gam, rstd, M, N);
	for (i = 0; i < M * N; i++)
		agree("batchnorm dz", i, dz[i], numeric(bz, i, 1e-2, bn_loss), 1e-3, 1e-2);
	for (i = 0; i < N; i++) {
		agree("batchnorm dgamma", i, dgam[i], numeric(gam, i, 1e-2, bn_loss), 1e-3, 1e-2);
		agree("batchnorm dbeta", i, dbet[i], numeric(bet, i, 1e-2, bn_loss), 1e-3, 1e-2);
	}
}

static float logits[M * N], probs[M * N], dlogits[M * N];
static uint16_t labels[M];

/* L = mean cross-entropy of softmax(logits). */
static double
xent_loss(void)
{
	double loss;
	int correct;

	softmax_forward(probs, &loss, &correct, logits, labels, M, N);
	return loss / M;
}

/* Softmax with cross-entropy: gradient of the logits; and the loss of a known case. */
static void
check_softmax(void)
{
	float two[2] = { 0, 0 }, p2[2];
	uint16_t y0 = 0;
	double loss;
	size_t i;
	int correct;

	randn(logits, M * N, 3);
	for (i = 0; i < M; i++)
		labels[i] = (uint16_t)rng_below(&r, N);
	xent_loss();
	softmax_backward(dlogits, probs, labels, M, N, M);
	for (i = 0; i < M * N; i++)
		agree("softmax dlogits", i, dlogits[i], numeric(logits, i, 1e-2, xent_loss), 1e-4,
		    1e-2);
	softmax_forward(p2, &loss, &correct, two, &y0, 1, 2);
	agree("softmax log 2", 0, loss, log(2.0), 1e-6, 0);
	two[0] = 1000;	/* stable: no overflow */
	softmax_forward(p2, &loss, &correct, two, &y0, 1, 2);
	agree("softmax large logit", 0, loss, 0, 1e-6, 0);
	two[1] = NAN;	/* a NaN logit must make the loss non-finite */
	softmax_forward(p2, &loss, &correct, two, &y0, 1, 2);
	if (isfinite(loss)) {
		fprintf(stderr, "FAIL softmax: NaN logit gave finite loss %g\n", loss);
		failures++;
	}
}

static struct model mo;

/* Mean loss of the whole network on its batch, train mode. */
static double
model_loss(void)
{
	double loss;
	int correct;

	model_forward(&mo, &loss, &correct, M, true, 0.9f);
	return loss / M;
}

/* Whether any ReLU input of the last forward lies within margin of zero. */
static bool
near_kink(const struct model *m, float margin)
{
	int l, i;

	for (l = 0; l < m->shape.layers; l++) {
		for (i = 0; i < M * m->shape.units; i++) {
			if (fabsf(m->h[l][i]) < margin)
				return true;
		}
	}
	return false;
}

/* The whole network: every parameter's gradient. */
static void
check_model(bool batchnorm, int threads)
{
	struct model_shape s = { .d = K, .c = 3, .layers = 2, .units = 7, .batchnorm = batchnorm };
	const char *what = batchnorm ? "model+bn dparam" : "model dparam";
	size_t i;

	if (model_init(&mo, &s, M, threads, 7, NULL) != 0) {
		fprintf(stderr, "FAIL model_init\n");
		failures++;
		return;
	}
	for (i = 0; i < M; i++)
		mo.y[i] = (uint16_t)(i % 3);
	do {	/* draw until no ReLU input lies within 0.05 of its kink */
		randn(mo.x, M * K, 1);
		randn(mo.params, mo.n_params, 0.7);
		model_loss();
	} while (near_kink(&mo, 0.05));
	model_backward(&mo, M);
	for (i = 0; i < mo.n_params; i++)
		agree(what, i, mo.grads[i], numeric(mo.params, i, 1e-3, model_loss), 2e-3, 2e-2);
	model_free(&mo);
}

int
main(void)
{
	rng_seed(&r, 42, 0);
	check_dense();
	check_batchnorm();
	check_softmax();
	check_model(true, 1);
	check_model(false, 1);
	check_model(true, 2);	/* the batch split by rows between two threads */
	check_model(false, 3);
	if (failures) {
		fprintf(stderr, "test_gradcheck: %d gradients disagree with finite differences\n",
		    failures);
		return 1;
	}
	printf("test_gradcheck: dense, batchnorm, softmax and whole-model gradients agree\n");
	return 0;
}
