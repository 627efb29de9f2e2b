/* model.c: parameter layout, He initialization, and the forward and backward passes. */
#include <errno.h>
#include <stddef.h>
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

/* Allocate thread k's part: its gradient buffer (k > 0) and its statistics. */
static void
model_part_init(struct model *mo, int k)
{
	struct model_part *p = &mo->part[k];
	size_t u = ((size_t)(mo->shape.units > 0 ? mo->shape.units : 1) + 15) & ~(size_t)15;
	size_t ng = k == 0 ? 0 : (mo->n_params + 15) & ~(size_t)15, off = ng;
	int l;

	p->block = xaligned((ng + u * (4 + 3 * (size_t)mo->shape.layers)) * sizeof(float));
	p->grads = k == 0 ? mo->grads : p->block;
	model_point(&p->g, p->grads, &mo->shape);
	p->sum = p->block + off;
	p->sq = p->sum + u;
	p->dg = p->sq + u;
	p->db = p->dg + u;
	off += 4 * u;
	for (l = 0; l < mo->shape.layers; l++) {
		p->mean[l] = p->block + off;
		p->var[l] = p->mean[l] + u;
		p->rstd[l] = p->var[l] + u;
		off += 3 * u;
	}
}

/* Allocate a model for batches of up to max_m rows split among threads; initialize it. */
int
model_init(struct model *mo, const struct model_shape *s, int max_m, int threads,
    uint64_t seed, char **cause)
{
	size_t off = 0, mu, wide;
	int l, k, rc;

	memset(mo, 0, sizeof *mo);
	if (s->layers < 0 || s->layers > MODEL_MAXL || s->d < 1 || s->c < 2 || max_m < 1 ||
	    (s->layers > 0 && s->units < 1))
		return xcause(cause, -EINVAL, "model: bad shape");
	if ((rc = team_init(&mo->team, threads, cause)) != 0)
		return rc;
	mo->shape = *s;
	mo->max_m = max_m;
	mo->n_params = model_count_params(s);
	mo->params = xaligned(mo->n_params * sizeof(float));
	mo->grads = xaligned(mo->n_params * sizeof(float));
	mo->m = xaligned(mo->n_params * sizeof(float));
	mo->v = xaligned(mo->n_params * sizeof(float));
	model_point(&mo->p, mo->params, s);
	model_point(&mo->g, mo->grads, s);
	for (k = 0; k < mo->team.n; k++)
		model_part_init(mo, k);

	mo->n_stats = 2 * (size_t)s->layers * s->units;
	mo->stats = xaligned(mo->n_stats * sizeof(float));
	for (l = 0; l < s->layers; l++) {
		mo->rmean[l] = mo->stats + (size_t)2 * l * s->units;
		mo->rvar[l] = mo->rmean[l] + s->units;
	}

	/* Activations: each block rounded up to 16 floats so every block stays aligned. */
	mu = ((size_t)max_m * s->units + 15) & ~(size_t)15;
	wide = (size_t)max_m * (size_t)(s->units > s->c ? s->units : s->c);
	wide = (wide + 15) & ~(size_t)15;
	off = (((size_t)max_m * s->d + 15) & ~(size_t)15) + (size_t)s->layers * 4 * mu +
	    3 * ((((size_t)max_m * s->c) + 15) & ~(size_t)15) + 3 * wide;
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
		if (!s->batchnorm)
			mo->h[l] = mo->z[l];	/* no BN: ReLU reads z directly */
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

/* Stop the threads and free everything a model holds. */
void
model_free(struct model *mo)
{
	int k;

	for (k = 0; k < TEAM_MAX; k++)
		free(mo->part[k].block);
	team_free(&mo->team);
	free(mo->params);
	free(mo->grads);
	free(mo->m);
	free(mo->v);
	free(mo->stats);
	free(mo->acts);
	free(mo->y);
	memset(mo, 0, sizeof *mo);
}

/* out[n] = Σ over the team's parts of the float array at byte offset `field` of each part. */
static void
model_total(float *out, const struct model *mo, size_t field, int n, float scale)
{
	float *restrict o = out;
	int k, j;

	for (j = 0; j < n; j++)
		o[j] = 0;
	for (k = 0; k < mo->team.n; k++) {
		const float *restrict v = *(float *const *)((const char *)&mo->part[k] + field);

		for (j = 0; j < n; j++)
			o[j] += v[j];
	}
	for (j = 0; j < n; j++)
		o[j] *= scale;
}

/* Batch norm of layer l over the whole batch of m rows, for part k's rows [r0, r0+mk). */
static void
model_batchnorm_part(struct model *mo, int k, int l, int m, size_t r0, int mk, float momentum)
{
	struct model_part *p = &mo->part[k];
	size_t n = (size_t)mo->shape.units, row = r0 * n;

	batchnorm_sum(p->sum, mo->z[l] + row, mk, (int)n);
	team_barrier(&mo->team);
	model_total(p->mean[l], mo, offsetof(struct model_part, sum), (int)n, 1.0f / (float)m);
	batchnorm_sqdev(p->sq, mo->z[l] + row, p->mean[l], mk, (int)n);
	team_barrier(&mo->team);
	model_total(p->var[l], mo, offsetof(struct model_part, sq), (int)n, 1.0f / (float)m);
	batchnorm_rstd(p->rstd[l], p->var[l], (int)n);
	if (k == 0)
		batchnorm_running(mo->rmean[l], mo->rvar[l], p->mean[l], p->var[l], momentum, m,
		    (int)n);
	batchnorm_normalize(mo->h[l] + row, mo->xhat[l] + row, mo->z[l] + row, p->mean[l],
	    p->rstd[l], mo->p.gamma[l], mo->p.beta[l], mk, (int)n);
}

/*
 * Part k of the forward pass of m rows in mo->x (labels mo->y): its rows' summed loss and
 * right answers go to mo->part[k]. train: batch statistics (every part must take part).
 */
void
model_forward_part(struct model *mo, int k, int m, bool train, float bn_momentum)
{
	const struct model_shape *s = &mo->shape;
	struct model_part *p = &mo->part[k];
	size_t r0, r1, n = (size_t)s->units;
	const float *in;
	int l, mk;

	team_range((size_t)m, k, mo->team.n, &r0, &r1);
	mk = (int)(r1 - r0);
	in = mo->x + r0 * s->d;
	for (l = 0; l < s->layers; l++) {
		dense_forward(mo->z[l] + r0 * n, in, mo->p.w[l], mo->p.b[l], mk, model_in(s, l),
		    (int)n);
		if (s->batchnorm && train)
			model_batchnorm_part(mo, k, l, m, r0, mk, bn_momentum);
		else if (s->batchnorm) {
			batchnorm_infer(mo->h[l] + r0 * n, mo->z[l] + r0 * n, mo->rmean[l],
			    mo->rvar[l], mo->p.gamma[l], mo->p.beta[l], mk, (int)n);
		}
		relu_forward(mo->a[l] + r0 * n, mo->h[l] + r0 * n, (size_t)mk * n);
		in = mo->a[l] + r0 * n;
	}
	dense_forward(mo->logits + r0 * s->c, in, mo->p.w[s->layers], mo->p.b[s->layers], mk,
	    model_in(s, s->layers), s->c);
	softmax_forward(mo->probs + r0 * s->c, &p->loss, &p->correct, mo->logits + r0 * s->c,
	    mo->y + r0, mk, s->c);
}

/* Part k of the backward pass of the last train-mode forward of m rows: partial gradients. */
void
model_backward_part(struct model *mo, int k, int m)
{
	const struct model_shape *s = &mo->shape;
	struct model_part *p = &mo->part[k];
	size_t r0, r1, n = (size_t)s->units;
	int l, L = s->layers, mk;
	const float *in;
	float *dz;

	team_range((size_t)m, k, mo->team.n, &r0, &r1);
	mk = (int)(r1 - r0);
	softmax_backward(mo->dlogits + r0 * s->c, mo->probs + r0 * s->c, mo->y + r0, mk, s->c, m);
	in = L > 0 ? mo->a[L - 1] + r0 * n : mo->x + r0 * s->d;
	dense_backward(L > 0 ? mo->da + r0 * n : NULL, p->g.w[L], p->g.b[L],
	    mo->dlogits + r0 * s->c, in, mo->p.w[L], mk, model_in(s, L), s->c);
	for (l = L - 1; l >= 0; l--) {
		relu_backward(mo->dh + r0 * n, mo->da + r0 * n, mo->a[l] + r0 * n, (size_t)mk * n);
		dz = mo->dh;
		if (s->batchnorm) {
			batchnorm_backward_sum(p->g.gamma[l], p->g.beta[l], mo->dh + r0 * n,
			    mo->xhat[l] + r0 * n, mk, (int)n);
			team_barrier(&mo->team);
			model_total(p->dg, mo, offsetof(struct model_part, g.gamma) +
			    (size_t)l * sizeof(float *), (int)n, 1.0f);
			model_total(p->db, mo, offsetof(struct model_part, g.beta) +
			    (size_t)l * sizeof(float *), (int)n, 1.0f);
			batchnorm_backward_apply(mo->dz + r0 * n, mo->dh + r0 * n,
			    mo->xhat[l] + r0 * n, mo->p.gamma[l], p->rstd[l], p->dg, p->db, mk,
			    (int)n, m);
			dz = mo->dz;
		}
		in = l > 0 ? mo->a[l - 1] + r0 * n : mo->x + r0 * s->d;
		dense_backward(l > 0 ? mo->da + r0 * n : NULL, p->g.w[l], p->g.b[l], dz + r0 * n,
		    in, mo->p.w[l], mk, model_in(s, l), (int)n);
	}
}

/* After every part's backward: sum the parts' gradients into mo->grads, k's share of them. */
void
model_reduce_part(struct model *mo, int k)
{
	float *restrict g = mo->grads;
	size_t lo, hi, i;
	int j;

	team_barrier(&mo->team);
	team_range(mo->n_params, k, mo->team.n, &lo, &hi);
	for (j = 1; j < mo->team.n; j++) {
		const float *restrict pj = mo->part[j].grads;

		for (i = lo; i < hi; i++)
			g[i] += pj[i];
	}
}

struct model_job {
	struct model *mo;
	int m;
	bool train, backward;
	float bn_momentum;
};

/* A team job: forward (and backward with the gradients reduced) of mo->x. */
static void
model_job(void *arg, int k, int n)
{
	struct model_job *j = arg;

	(void)n;
	if (!j->backward)
		model_forward_part(j->mo, k, j->m, j->train, j->bn_momentum);
	else {
		model_backward_part(j->mo, k, j->m);
		model_reduce_part(j->mo, k);
	}
}

/* Forward m rows of mo->x with the whole team: summed loss and right answers. */
void
model_forward(struct model *mo, double *loss, int *correct, int m, bool train,
    float bn_momentum)
{
	struct model_job j = { mo, m, train, false, bn_momentum };
	int k;

	team_run(&mo->team, model_job, &j);
	*loss = 0;
	*correct = 0;
	for (k = 0; k < mo->team.n; k++) {
		*loss += mo->part[k].loss;
		*correct += mo->part[k].correct;
	}
}

/* Backward pass of the last train-mode forward of m rows: fills mo->grads. */
void
model_backward(struct model *mo, int m)
{
	struct model_job j = { mo, m, true, true, 0 };

	team_run(&mo->team, model_job, &j);
}
