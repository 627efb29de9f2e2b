/* blastest.h: the self-test and timing of the loaded BLAS kernel (tuna-worker --blas-probe). */
#ifndef TUNA_BLASTEST_H
#define TUNA_BLASTEST_H

#include <cJSON.h>

#define BLASTEST_NTIMED 5	/* the timed GEMMs; the rate is their median */

/* The milliseconds each timed GEMM runs in a probe: tens of milliseconds a candidate. */
#define BLASTEST_PROBE_MS 10

cJSON *blastest_run(const char *core, const char *fault, int ms);

#endif
