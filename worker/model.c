/* model.c: parameter layout, He initialization, and the forward and backward passes. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "batchnorm.h"
#include "dense.h"
#include "model.h"
#include "relu.h"
#include "rng.h"
#include "softmax.h"
#include "xmalloc.h"

/* Input width of layer l (the output layer is l == layers). */
static int
model_in(const struct model_shape *s, int l)
{
	return l == 0 ? s->d : s->units;
}

/* Output width of layer l. */
static int
model_out(const struct model_shape *s, int l)
{
	return l == s->layers ? s->c : s->units;
}

/* Walk the layout: set pointers into base (when p is not NULL) and return the float count. */
static size_t
model_layout(struct model_params *p, float *base, const struct model_shape *s)
{
	size_t off = 0;
	int l, in, out;

#define TAKE(field, count) do {					\
	if (p != NULL)						\
		(field) = base + off;				\
	off += (size_t)(count);					\
} while (0)
	for (l = 0; l <= s->layers; l++) {
		in = model_in(s, l);
		out = model_out(s, l);
		TAKE(p->w[l], (size_t)in * out);
		if (l == s->layers || !s->batchnorm)
			TAKE(p->b[l], out);
		else if (p != NULL)
			p->b[l] = NULL;
		if (l < s->layers && s->batchnorm) {
			TAKE(p->gamma[l], out);
			TAKE(p->beta[l], out);
		}
	}
#undef TAKE
	return off;
}

/* Number of trainable parameters of a shape. */
size_t
model_count_params(const struct model_shape *s)
{
	return model_layout(NULL, NULL, s);
}

/* Point p's fields into a buffer laid out for shape s. */
void
model_point(struct model_params *p, float *base, const struct model_shape *s)
{
	memset(p, 0, sizeof *p);
	model_layout(p, base, s);
}

/* He-initialize weights (N(0, 2/fan_in)); gamma 1, beta and biases 0. */
static void
model_he_init(struct model *mo, uint64_t seed)
{
	const struct model_shape *s = &mo->shape;
	struct rng r;
	size_t i, n;
	int l, u;
	double sd;

	rng_seed(&r, seed, 1);
	for (l = 0; l <= s->layers; l++) {
		n = (size_t)model_in(s, l) * model_out(s, l);
		sd = sqrt(2.0 / model_in(s, l));
		for (i = 0; i < n; i++)
			mo->p.w[l][i] = (float)(rng_normal(&r) * sd);
		if (l < s->layers && s->batchnorm) {
			for (u = 0; u < s->units; u++)
				mo->p.gamma[l][u] = 1.0f;
		}
	}
	for (l = 0; l < s->layers; l++) {
		for (u = 0; u < s->units; u++)
			mo->rvar[l][u] = 1.0f;
	}
}

/* Allocate a model for batches of up to max_m rows and initialize it from seed. */
int
model_init(struct model *mo, const struct model_shape *s, int max_m, uint64_t seed,
    char **cause)
{
	size_t off = 0, mu, wide;
	int l;

	memset(mo, 0, sizeof *mo);
	if (s->layers < 0 || s->layers > MODEL_MAXL || s->d < 1 || s->c < 2 || max_m < 1 ||
	    (s->layers > 0 && s->units < 1))
		return xcause(cause, -EINVAL, "model: bad shape");
	mo->shape = *s;
	mo->max_m = max_m;
	mo->n_params = model_count_params(s);
	mo->params = xaligned(mo->n_params * sizeof(float));
	mo->grads = xaligned(mo->n_params * sizeof(float));
	mo->m = xaligned(mo->n_params * sizeof(float));
	mo->v = xaligned(mo->n_params * sizeof(float));
	model_point(&mo->p, mo->params, s);
	model_point(&mo->g, mo->grads, s);

	mo->n_stats = 2 * (size_t)s->layers * s->units;
	mo->stats = xaligned(mo->n_stats * sizeof(float));
	for (l = 0; l < s->layers; l++) {
		mo->rmean[l] = mo->stats + (size_t)2 * l * s->units;
		mo->rvar[l] = mo->rmean[l] + s->units;
	}

	/* Activations: each block rounded up to 16 floats so every row block stays aligned. */
	mu = ((size_t)max_m * s->units + 15) & ~(size_t)15;
	wide = (size_t)max_m * (size_t)(s->units > s->c ? s->units : s->c);
	wide = (wide + 15) & ~(size_t)15;
	off = (((size_t)max_m * s->d + 15) & ~(size_t)15) + (size_t)s->layers * (4 * mu +
	    3 * (((size_t)s->units + 15) & ~(size_t)15)) + 3 * ((((size_t)max_m * s->c) + 15) &
	    ~(size_t)15) + 3 * wide;
	mo->acts = xaligned(off * sizeof(float));
	off = 0;
#define CARVE(ptr, count) do {						\
	(ptr) = mo->acts + off;						\
	off += ((size_t)(count) + 15) & ~(size_t)15;			\
} while (0)
	CARVE(mo->x, (size_t)max_m * s->d);
	for (l = 0; l < s->layers; l++) {
		CARVE(mo->z[l], (size_t)max_m * s->units);
		CARVE(mo->xhat[l], (size_t)max_m * s->units);
		CARVE(mo->h[l], (size_t)max_m * s->units);
		CARVE(mo->a[l], (size_t)max_m * s->units);
		CARVE(mo->mean[l], s->units);
		CARVE(mo->var[l], s->units);
		CARVE(mo->rstd[l], s->units);
	}
	CARVE(mo->logits, (size_t)max_m * s->c);
	CARVE(mo->probs, (size_t)max_m * s->c);
	CARVE(mo->dlogits, (size_t)max_m * s->c);
	CARVE(mo->da, wide);
	CARVE(mo->dh, wide);
	CARVE(mo->dz, wide);
#undef CARVE
	mo->y = xcalloc((size_t)max_m, sizeof *mo->y);
	model_he_init(mo, seed);
	return 0;
}

/* Free everything a model holds. */
void
model_free(struct model *mo)
{
	free(mo->params);
	free(mo->grads);
	free(mo->m);
	free(mo->v);
	free(mo->stats);
	free(mo->acts);
	free(mo->y);
	memset(mo, 0, sizeof *mo);
}

/*
 * Forward m rows of mo->x (labels mo->y): *loss is the summed cross-entropy, *correct the
 * count of right answers. train: batch statistics (and running-stat update); else running.
 */
void
model_forward(struct model *mo, double *loss, int *correct, int m, bool train,
    float bn_momentum)
{
	const struct model_shape *s = &mo->shape;
	const float *in = mo->x;
	int l, n = s->units;

	for (l = 0; l < s->layers; l++) {
		dense_forward(mo->z[l], in, mo->p.w[l], mo->p.b[l], m, model_in(s, l), n);
		if (s->batchnorm && train) {
			batchnorm_forward(mo->h[l], mo->xhat[l], mo->mean[l], mo->var[l],
			    mo->rstd[l], mo->z[l], mo->p.gamma[l], mo->p.beta[l], m, n);
			batchnorm_running(mo->rmean[l], mo->rvar[l], mo->mean[l], mo->var[l],
			    bn_momentum, m, n);
		} else if (s->batchnorm) {
			batchnorm_infer(mo->h[l], mo->z[l], mo->rmean[l], mo->rvar[l],
			    mo->p.gamma[l], mo->p.beta[l], m, n);
		} else
			memcpy(mo->h[l], mo->z[l], (size_t)m * n * sizeof(float));
		relu_forward(mo->a[l], mo->h[l], (size_t)m * n);
		in = mo->a[l];
	}
	dense_forward(mo->logits, in, mo->p.w[s->layers], mo->p.b[s->layers], m,
	    model_in(s, s->layers), s->c);
	softmax_forward(mo->probs, loss, correct, mo->logits, mo->y, m, s->c);
}

/* Backward pass of the last train-mode forward of m rows: fills mo->grads. */
void
model_backward(struct model *mo, int m)
{
	const struct model_shape *s = &mo->shape;
	int l, L = s->layers, n = s->units;
	const float *in;

	softmax_backward(mo->dlogits, mo->probs, mo->y, m, s->c);
	in = L > 0 ? mo->a[L - 1] : mo->x;
	dense_backward(L > 0 ? mo->da : NULL, mo->g.w[L], mo->g.b[L], mo->dlogits, in,
	    mo->p.w[L], m, model_in(s, L), s->c);
	for (l = L - 1; l >= 0; l--) {
		float *dz = s->batchnorm ? mo->dz : mo->dh;

		relu_backward(mo->dh, mo->da, mo->a[l], (size_t)m * n);
		if (s->batchnorm) {
			batchnorm_backward(mo->dz, mo->g.gamma[l], mo->g.beta[l], mo->dh,
			    mo->xhat[l], mo->p.gamma[l], mo->rstd[l], m, n);
		}
		in = l > 0 ? mo->a[l - 1] : mo->x;
		dense_backward(l > 0 ? mo->da : NULL, mo->g.w[l], mo->g.b[l], dz, in, mo->p.w[l],
		    m, model_in(s, l), n);
	}
}
