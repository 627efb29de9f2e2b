/* relu.c: out = max(0, in), elementwise; NaN passes through so divergence stays visible. */
#include "prof.h"
#include "relu.h"

/* out[n] = in > 0 ? in : 0 (in place allowed). */
void
relu_forward(float *out, const float *in, size_t n)
{
	double t0 = prof_start(PROF_RELU);
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = in[i] < 0.0f ? 0.0f : in[i];
	prof_stop(PROF_RELU, t0);
}

/* din[n] = out > 0 ? dout : 0. */
void
relu_backward(float *din, const float *dout, const float *out, size_t n)
{
	double t0 = prof_start(PROF_RELU);
	size_t i;

	for (i = 0; i < n; i++)
		din[i] = out[i] > 0.0f ? dout[i] : 0.0f;
	prof_stop(PROF_RELU, t0);
}
