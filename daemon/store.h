/*
 * store.h: the SQLite store, the only place with SQL. The daemon is the only writer (its
 * engine; the front only reads): writes go into one open transaction that store_flush commits
 * (the engine calls it on a short timer), so a burst of thousands of rows costs one commit.
 * WAL mode: readers never wait. Each fact is stored once: an epoch a trial reports is one row
 * of reports (its numbers named metrics), and the events that trials' rows already say are
 * kept thin; the history a watcher reads rebuilds them.
 * Layer: part
 */
#ifndef TUNA_STORE_H
#define TUNA_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

#include "metric.h"
#include "status.h"

struct store;

/* A trial's final numbers, for store_trial_finish. NaN means "none" (stored as NULL). */
struct store_result {
	enum trial_status status;
	double val_acc, val_loss, best_val_acc, test_acc, test_loss, seconds;
	int epochs;
	int exit_status;	/* -1: none */
	int signal;		/* 0: none */
	const char *error;	/* or NULL */
};

/* The metric a search ranks its trials by, and its direction. */
struct store_objective {
	const char *metric;
	bool minimize;
};

/* store.c: the connection and its transaction */
int store_open(struct store **st, const char *path, char **cause);
void store_close(struct store *st);
int store_flush(struct store *st, char **cause);
int store_pending(const struct store *st);
void store_hold(struct store *st, const char *why);
void store_release(struct store *st);
int store_last_id(struct store *st, int64_t *id, char **cause);

/* store-search.c */
int store_search_add(struct store *st, int64_t *id, const char *name, const char *mode,
    const char *strategy, const char *spec_json, const char *class_names_json, int trials,
    int parallel, char **cause);
int store_search_status(struct store *st, int64_t id, enum search_status status,
    char **cause);
cJSON *store_search_list(struct store *st, char **cause);
cJSON *store_search_get(struct store *st, int64_t id, char **cause);
cJSON *store_search_best(struct store *st, int64_t search_id, int n, char **cause);
int store_search_unfinished(struct store *st, int64_t **ids, int *n, char **cause);
int store_search_round_add(struct store *st, int64_t search_id, int round, int trials,
    const cJSON *box, const char *description, char **cause);
cJSON *store_search_rounds(struct store *st, int64_t search_id, char **cause);

/* store-trial.c */
int store_trial_add(struct store *st, int64_t *id, int64_t search_id, int number, int round,
    const cJSON *params, char **cause);
int store_trial_finish(struct store *st, int64_t search_id, int64_t trial_id,
    const struct store_result *r, const struct store_objective *o, double *objective,
    char **cause);
int store_trial_continue(struct store *st, int64_t trial_id, int epoch, char **cause);
int store_trial_state(struct store *st, int64_t trial_id, enum trial_status status,
    char **cause);
int store_trial_rollback(struct store *st, int64_t trial_id, int epoch, char **cause);
int store_trial_kernel(struct store *st, int64_t trial_id, const char *core, const char *why,
    char **cause);

/* store-report.c */
int store_report_add(struct store *st, int64_t *id, int64_t search_id, int64_t trial_id,
    int epoch, int64_t time, const cJSON *params, const struct metric *m, int n,
    char **cause);
int store_report_rung(struct store *st, int64_t search_id, int epoch, const char *metric,
    double **vals, int *n, char **cause);

/* store-event.c */
int store_event_add(struct store *st, int64_t *id, int64_t search_id, int64_t trial_id,
    const char *kind, int64_t time, const cJSON *data, char **cause);
cJSON *store_event_history(struct store *st, int64_t search_id, int64_t after, int limit,
    char **cause);

#endif
