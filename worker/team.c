/*
 * team.c: the trainer's threads. Member 0 is the caller; the others wait for a job, spinning
 * briefly and then sleeping on a condition variable, so a team costs nothing between epochs.
 * Inside a job, team_barrier is a spinning barrier: a training step crosses a few per layer.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "prof.h"
#include "team.h"
#include "xmalloc.h"

#define TEAM_SPINS 20000

struct team_member {
	struct team *t;
	int k;
};

/* Spin for a while, then yield the CPU. */
static void
team_pause(unsigned *spins)
{
	if (++*spins < TEAM_SPINS)
		__builtin_ia32_pause();
	else
		sched_yield();
}

/* A member thread: run each new job, until told to quit. */
static void *
team_main(void *arg)
{
	struct team_member *me = arg;
	struct team *t = me->t;
	unsigned seen = 0, spins;

	prof_thread = false;
	for (;;) {
		spins = 0;
		while (atomic_load(&t->job) == seen && !atomic_load(&t->quit)) {
			if (spins++ < TEAM_SPINS) {
				__builtin_ia32_pause();
				continue;
			}
			pthread_mutex_lock(&t->lock);
			while (atomic_load(&t->job) == seen && !atomic_load(&t->quit))
				pthread_cond_wait(&t->wake, &t->lock);
			pthread_mutex_unlock(&t->lock);
		}
		if (atomic_load(&t->quit))
			break;
		seen = atomic_load(&t->job);
		t->fn(t->arg, me->k, t->n);
		atomic_fetch_sub(&t->running, 1);
	}
	free(me);
	return NULL;
}

/* Start a team of n members (n − 1 new threads). */
int
team_init(struct team *t, int n, char **cause)
{
	struct team_member *me;
	int k, rc;

	memset(t, 0, sizeof *t);
	if (n < 1 || n > TEAM_MAX)
		return xcause(cause, -EINVAL, "threads: must be in [1, %d]", TEAM_MAX);
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->wake, NULL);
	t->n = 1;
	for (k = 1; k < n; k++) {
		me = xmalloc(sizeof *me);
		me->t = t;
		me->k = k;
		if ((rc = pthread_create(&t->threads[k], NULL, team_main, me)) != 0) {
			free(me);
			team_free(t);
			return xcause(cause, -rc, "threads: %s", strerror(rc));
		}
		t->n = k + 1;
	}
	return 0;
}

/* Stop and join the member threads. */
void
team_free(struct team *t)
{
	int k;

	if (t->n == 0)
		return;
	pthread_mutex_lock(&t->lock);
	atomic_store(&t->quit, true);
	pthread_cond_broadcast(&t->wake);
	pthread_mutex_unlock(&t->lock);
	for (k = 1; k < t->n; k++)
		pthread_join(t->threads[k], NULL);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->wake);
	memset(t, 0, sizeof *t);
}

/* Run fn(arg, k, n) on every member and return when all have finished. */
void
team_run(struct team *t, team_fn fn, void *arg)
{
	unsigned spins = 0;

	if (t->n <= 1) {
		fn(arg, 0, 1);
		return;
	}
	t->fn = fn;
	t->arg = arg;
	atomic_store(&t->running, t->n - 1);
	pthread_mutex_lock(&t->lock);
	atomic_fetch_add(&t->job, 1);
	pthread_cond_broadcast(&t->wake);
	pthread_mutex_unlock(&t->lock);
	fn(arg, 0, t->n);
	while (atomic_load(&t->running) != 0)
		team_pause(&spins);
}

/* Wait until every member of the running job has arrived here. */
void
team_barrier(struct team *t)
{
	unsigned phase, spins = 0;

	if (t->n <= 1)
		return;
	phase = atomic_load(&t->phase);
	if (atomic_fetch_add(&t->arrived, 1) == t->n - 1) {
		atomic_store(&t->arrived, 0);
		atomic_fetch_add(&t->phase, 1);
		return;
	}
	while (atomic_load(&t->phase) == phase)
		team_pause(&spins);
}

/* Member k's share [lo, hi) of total items split as evenly as possible among n. */
void
team_range(size_t total, int k, int n, size_t *lo, size_t *hi)
{
	*lo = total * (size_t)k / (size_t)n;
	*hi = total * (size_t)(k + 1) / (size_t)n;
}
