/*
 * engine.h: the engine — the searches being run, the life of their trials, babysitting at
 * epoch boundaries, and a store kept whole (searches suspended while it cannot be written,
 * then resumed as after a restart). The front hands it specs, cancels and nudges; it runs the
 * trials on an executor, is the only writer of the store, and tells the front of each event
 * once the store has committed it, through the callbacks the front gave.
 * Layer: engine
 */
#ifndef TUNA_ENGINE_H
#define TUNA_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>
#include <uv.h>

#include "exec.h"
#include "fanout.h"
#include "spec.h"
#include "queue.h"
#include "store.h"

struct search;
struct trial;

/* What the engine tells its owner. */
struct engine_cb {
	void (*event)(void *arg, int64_t id, int64_t search_id, const cJSON *ev);
	void (*committed)(void *arg, int64_t id);	/* events up to id are out */
	bool (*wanted)(void *arg);	/* whether anybody wants events now (else not held) */
	void (*stopped)(void *arg);	/* engine_stop is done: nothing runs, all committed */
	void *arg;
};

/* What the engine works with. */
struct engine_config {
	uv_loop_t *loop;
	struct store *store;
	struct exec *exec;
	int max_workers;		/* trials at once, over all searches */
	const char *ckpt_dir;		/* panda checkpoints live under it (DB.ckpt) */
	const char *worker_path;	/* tuna-worker, for the executors the engine makes */
	const char *exec_path;		/* tuna-exec, which runs a user's trainer (NULL: none) */
};

/* A submit's answer: the new search's id, or why there is none. */
typedef void engine_submit_cb(void *arg, int64_t id, const char *error);

/*
 * An executor the engine made, kept for the searches with its setting, threads per slot and
 * program: a Slurm one, or a local one running tuna-exec (a user's trainer).
 */
struct engine_exec {
	struct exec *x;
	cJSON *setting;			/* execspec_json of the setting */
	int threads;
	bool user;			/* it runs tuna-exec, not tuna-worker */
	TAILQ_ENTRY(engine_exec) entry;
};

struct engine {
	uv_loop_t *loop;
	struct store *store;
	struct exec *exec;		/* the local executor: max_workers processes at most */
	TAILQ_HEAD(, engine_exec) execs;	/* the executors made for the searches */
	char *worker_path;
	char *exec_path;		/* tuna-exec, or NULL: no user trainers */
	struct fanout *fanout;
	struct engine_cb cb;
	char *ckpt_dir;			/* panda checkpoints: DIR/search-N/trial-M.ckpt */
	int max_workers;
	int running;			/* trials running now */
	int running_local;		/* of them, on this machine (local executors) */
	int submits;			/* submits waiting for their data-set check */
	bool stopping;
	bool stopped;			/* cb.stopped was called */
	int handles;			/* timers not yet closed */
	uv_timer_t commit_timer;	/* commits the writes of the last few milliseconds */
	uv_timer_t schedule_timer;	/* scheduling goes on at the next turn (search.c) */
	uv_timer_t suspend_timer;	/* suspend.c: the next try to write */
	char *suspended;		/* suspend.c: the store cannot be written: why, or NULL */
	uint64_t suspend_ms;		/* suspend.c: the wait before the next try, backing off */
	uint64_t suspend_since;		/* suspend.c: uv_now when writes began to fail, 0: they work */
	int suspensions;		/* suspend.c: times the store was held */
	char *kernel_core;		/* trial.c: the BLAS kernel logged last, or NULL */
	char *kernel_why;		/* trial.c: why it was chosen ("" when not said) */
	TAILQ_HEAD(, search) searches;
	TAILQ_HEAD(, trial) trials;	/* running */
};

/* For the front. */
struct exec *engine_exec(struct engine *e, const struct spec *sp, char **cause);
int engine_open(struct engine **ep, const struct engine_config *cfg, const struct engine_cb *cb,
    char **cause);
void engine_free(struct engine *e);
void engine_stop(struct engine *e, const char *why);
void engine_submit(struct engine *e, struct spec *spec, engine_submit_cb *cb, void *arg);
int engine_cancel(struct engine *e, int64_t search_id, int *running, char **cause);
int engine_nudge(struct engine *e, int64_t trial_id, const cJSON *nudge, int *epoch,
    char **cause);
bool engine_running(struct engine *e, int64_t search_id);
int engine_searches(struct engine *e, int64_t *ids, int max);
const char *engine_suspended(const struct engine *e);
char *engine_refusal(const struct engine *e);
int64_t engine_last_event(const struct engine *e);
int64_t engine_committed_event(const struct engine *e);
int64_t engine_unheld_event(const struct engine *e);

/* For the engine's own files. */
void engine_publish(struct engine *e, int64_t search_id, int64_t trial_id, const char *kind,
    cJSON *data);
void engine_publish_kept(struct engine *e, int64_t search_id, int64_t trial_id,
    const char *kind, cJSON *data, cJSON *kept);
void engine_publish_report(struct engine *e, int64_t search_id, int64_t trial_id, int epoch,
    const cJSON *params, const struct metric *m, int n, cJSON *ev);
int engine_commit(struct engine *e, char **cause);
void engine_store_error(struct engine *e, const char *what, char *cause);
void engine_resume(struct engine *e);

#endif
