/*
 * optim.c: one update step. Parameters, gradients and both moment buffers share one layout,
 * so every optimizer is a single flat loop that vectorizes.
 */
#include <math.h>

#include "optim.h"
#include "prof.h"

/*
 * Update params[n] from grads[n] with learning rate alpha at step t (1-based);
 * m[n] and v[n] are the first and second moments (EWMA form, as in the course notes).
 */
void
optim_step(float *params, const float *grads, float *m, float *v, size_t n,
    const struct hparams *h, double alpha, long t)
{
	double t0 = prof_start(PROF_OPTIMIZER);
	float *restrict p = params, *restrict mm = m, *restrict vv = v;
	const float *restrict g = grads;
	float a = (float)alpha, b1, b2, eps, c1, c2;
	size_t i;

	switch (h->optimizer) {
	case OPT_GD:
		for (i = 0; i < n; i++)
			p[i] -= a * g[i];
		break;
	case OPT_MOMENTUM:
		b1 = (float)h->beta;
		for (i = 0; i < n; i++) {
			mm[i] = b1 * mm[i] + (1.0f - b1) * g[i];
			p[i] -= a * mm[i];
		}
		break;
	case OPT_RMSPROP:
		b2 = (float)h->beta2;
		eps = (float)h->epsilon;
		for (i = 0; i < n; i++) {
			vv[i] = b2 * vv[i] + (1.0f - b2) * g[i] * g[i];
			p[i] -= a * g[i] / (sqrtf(vv[i]) + eps);
		}
		break;
	case OPT_ADAM:
		b1 = (float)h->beta1;
		b2 = (float)h->beta2;
		eps = (float)h->epsilon;
		c1 = (float)(alpha / (1.0 - pow(h->beta1, (double)t)));
		c2 = (float)(1.0 / sqrt(1.0 - pow(h->beta2, (double)t)));
		for (i = 0; i < n; i++) {
			mm[i] = b1 * mm[i] + (1.0f - b1) * g[i];
			vv[i] = b2 * vv[i] + (1.0f - b2) * g[i] * g[i];
			p[i] -= c1 * mm[i] / (sqrtf(vv[i]) * c2 + eps);
		}
		break;
	}
	prof_stop(PROF_OPTIMIZER, t0);
}
