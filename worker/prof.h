/* prof.h: per-kernel wall-clock accounting for the training pass (sgemm share, etc). */
#ifndef TUNA_PROF_H
#define TUNA_PROF_H

#include <stdbool.h>
#include <time.h>

enum prof_cat { PROF_SGEMM, PROF_INPUT, PROF_BATCHNORM, PROF_RELU, PROF_SOFTMAX, PROF_OPTIMIZER,
	PROF_N };

extern double prof_seconds[PROF_N];
extern bool prof_enabled;
extern _Thread_local bool prof_thread;	/* false on the trainer's helper threads */

/* Monotonic time in seconds. */
static inline double
prof_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Start timing a kernel of a category (0 when profiling is off, except sgemm); only the
 * first thread of a team keeps time, so the categories add up to its wall-clock time. */
static inline double
prof_start(enum prof_cat c)
{
	return prof_thread && (prof_enabled || c == PROF_SGEMM) ? prof_now() : 0;
}

/* Charge the time since t0 to a category. */
static inline void
prof_stop(enum prof_cat c, double t0)
{
	if (prof_thread && (prof_enabled || c == PROF_SGEMM))
		prof_seconds[c] += prof_now() - t0;
}

const char *prof_name(enum prof_cat c);
void prof_reset(void);

#endif
