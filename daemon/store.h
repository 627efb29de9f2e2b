/*
 * store.h: the SQLite store, the only place with SQL. The daemon is the only writer (its
 * engine; the front only reads): writes go into one open transaction that store_flush commits
 * (the engine calls it on a short timer), so a burst of thousands of rows costs one commit.
 * WAL mode: readers never wait.
 * Layer: part
 */
#ifndef TUNA_STORE_H
#define TUNA_STORE_H

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

int store_open(struct store **st, const char *path, char **cause);
void store_close(struct store *st);
int store_flush(struct store *st, char **cause);
int store_pending(const struct store *st);
void store_hold(struct store *st, const char *why);
void store_release(struct store *st);

int store_search_add(struct store *st, int64_t *id, const char *name, const char *mode,
    const char *strategy, const char *spec_json, const char *class_names_json, int trials,
    int parallel, char **cause);
int store_search_status(struct store *st, int64_t id, enum search_status status,
    char **cause);
int store_trial_add(struct store *st, int64_t *id, int64_t search_id, int number, int round,
    const cJSON *params, char **cause);
int store_trial_finish(struct store *st, int64_t trial_id, const struct store_result *r,
    char **cause);
int store_epoch_add(struct store *st, int64_t trial_id, int epoch, const struct metric *m,
    int n, char **cause);
int store_event_add(struct store *st, int64_t *id, int64_t search_id, int64_t trial_id,
    const char *kind, const cJSON *data, char **cause);

cJSON *store_searches(struct store *st, char **cause);
cJSON *store_search(struct store *st, int64_t id, char **cause);
cJSON *store_best(struct store *st, int64_t search_id, int n, char **cause);
cJSON *store_events(struct store *st, int64_t search_id, int64_t after, int limit,
    char **cause);
int store_unfinished(struct store *st, int64_t **ids, int *n, char **cause);
int store_round_add(struct store *st, int64_t search_id, int round, int trials,
    const cJSON *box, const char *description, char **cause);
cJSON *store_rounds(struct store *st, int64_t search_id, char **cause);
int store_trial_continue(struct store *st, int64_t trial_id, int epoch, char **cause);
int store_rung_values(struct store *st, int64_t search_id, int epoch, double **vals, int *n,
    char **cause);

#endif
