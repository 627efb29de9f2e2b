/* team.h: a fixed team of threads that run one job together, with a barrier inside the job. */
#ifndef TUNA_TEAM_H
#define TUNA_TEAM_H

#include <pthread.h>
#include <stdatomic.h>

#define TEAM_MAX 64

typedef void (*team_fn)(void *arg, int k, int n);

struct team {
	int n;				/* members, the calling thread being member 0 */
	pthread_t threads[TEAM_MAX];
	team_fn fn;
	void *arg;
	atomic_uint job;		/* generation of the job to run */
	atomic_int running;		/* members still inside the job */
	atomic_int arrived;		/* barrier: members arrived */
	atomic_uint phase;		/* barrier: generation */
	atomic_bool quit;
	pthread_mutex_t lock;
	pthread_cond_t wake;
};

int team_init(struct team *t, int n, char **cause);
void team_free(struct team *t);
void team_run(struct team *t, team_fn fn, void *arg);
void team_barrier(struct team *t);
void team_range(size_t total, int k, int n, size_t *lo, size_t *hi);

#endif
