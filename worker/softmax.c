/*
 * softmax.c: stable softmax (subtract the row max), cross-entropy −log ŷ_y computed from the
 * logits (log-sum-exp), and its gradient (ŷ − y)/m. exp is a polynomial that vectorizes.
 */
#include <math.h>
#include <string.h>

#include "prof.h"
#include "softmax.h"

/*
 * x[n] = exp(x[n]) in place, for x ≤ 0 (what softmax feeds it), to about 2 ulp; NaN stays NaN.
 * Cody-Waite reduction x = k·ln2 + r, |r| ≤ ln2/2, then a degree-6 Taylor polynomial.
 */
void
softmax_expf(float *v, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		float x = v[i] < -87.0f ? -87.0f : v[i];
		float k = floorf(x * 1.44269504f + 0.5f);
		float r, p;
		int32_t bits;
		float scale;

		k = k >= -126.0f ? k : -126.0f;	/* also maps a NaN k to a valid integer */
		k = k <= 127.0f ? k : 127.0f;
		r = x - k * 0.693145751953125f - k * 1.428606765330187e-06f;
		p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 +
		    r * (1.0f / 120 + r * (1.0f / 720))))));
		bits = ((int32_t)k + 127) << 23;
		memcpy(&scale, &bits, sizeof scale);
		v[i] = p * scale;
	}
}

/*
 * probs[m×c] = softmax(logits[m×c]); *loss = Σ_rows −log ŷ_y (a sum: the caller divides);
 * *correct = rows whose argmax is y. A NaN or inf logit makes *loss non-finite.
 */
void
softmax_forward(float *probs, double *loss, int *correct, const float *logits,
    const uint16_t *y, int m, int c)
{
	double t0, total = 0;
	int i, j, right = 0;

	*loss = 0;
	*correct = 0;
	if (m == 0)
		return;
	t0 = prof_start(PROF_SOFTMAX);
	float rowmax[m];

	for (i = 0; i < m; i++) {
		const float *z = logits + (size_t)i * c;
		float mx = z[0];
		int arg = 0;

		for (j = 1; j < c; j++) {
			if (z[j] > mx) {
				mx = z[j];
				arg = j;
			}
		}
		rowmax[i] = mx;
		right += arg == y[i];
		for (j = 0; j < c; j++)
			probs[(size_t)i * c + j] = z[j] - mx;
	}
	softmax_expf(probs, m * c);
	for (i = 0; i < m; i++) {
		float *restrict p = probs + (size_t)i * c;
		float sum = 0, inv;

		for (j = 0; j < c; j++)
			sum += p[j];
		inv = 1.0f / sum;
		for (j = 0; j < c; j++)
			p[j] *= inv;
		total += log((double)sum) + rowmax[i] - logits[(size_t)i * c + y[i]];
	}
	*loss = total;
	*correct = right;
	prof_stop(PROF_SOFTMAX, t0);
}

/* dlogits[m×c] = (probs − onehot(y)) / batch: the gradient of the mean loss over the batch. */
void
softmax_backward(float *dlogits, const float *probs, const uint16_t *y, int m, int c,
    int batch)
{
	double t0 = prof_start(PROF_SOFTMAX);
	float inv_m = 1.0f / (float)batch;
	int i;

	for (i = 0; i < m * c; i++)
		dlogits[i] = probs[i] * inv_m;
	for (i = 0; i < m; i++)
		dlogits[(size_t)i * c + y[i]] -= inv_m;
	prof_stop(PROF_SOFTMAX, t0);
}
