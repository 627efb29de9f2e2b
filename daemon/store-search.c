/*
 * store-search.c: the searches in the store — a search recorded and its status set, its
 * coarse-to-fine rounds; read back with their trial counts, objective and best trial (status
 * replies), with their trials, or their best trials by the objective in its direction.
 * Layer: part
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"
#include "xmalloc.h"

/* Columns of STORE_SEARCH_SELECT (store-sql.c). */
enum {
	SC_COUNTS = 9,		/* the first of the status counts */
	SC_METRIC = SC_COUNTS + TRIAL_NSTATUS,
	SC_GOAL,
	SC_BEST,
	SC_BEST_TRIAL,
	SC_SPEC,
	SC_CLASS_NAMES
};

/* The JSON names of the first columns of STORE_SEARCH_SELECT. */
static const char *const store_search_names[] = {
	"id", "name", "mode", "strategy", "status", "trials", "parallel", "created_at",
	"finished_at"
};

/* The JSON names of the columns of STORE_TRIAL_SELECT. */
static const char *const store_search_trial_names[] = {
	"id", "number", "round", "status", "params", "objective", "val_acc", "best_val_acc",
	"test_acc", "epochs", "seconds", "error", "exit_status", "signal", "started_at",
	"finished_at", "kernel"
};

/* The JSON names of the columns of STORE_BEST_SELECT. */
static const char *const store_search_best_names[] = {
	"search", "trial", "number", "round", "metric", "objective", "val_acc", "best_val_acc",
	"test_acc", "epochs", "seconds", "params"
};

/* Insert a search, status running, created now; class_names_json may be NULL. */
int
store_search_add(struct store *st, int64_t *id, const char *name, const char *mode,
    const char *strategy, const char *spec_json, const char *class_names_json, int trials,
    int parallel, char **cause)
{
	sqlite3_stmt *stmt = st->stmt[S_SEARCH_ADD];
	int err;

	if ((err = store_begin(st, cause)) != 0)
		return err;
	store_bind_text(stmt, 1, name);
	store_bind_text(stmt, 2, mode);
	store_bind_text(stmt, 3, strategy);
	sqlite3_bind_int(stmt, 4, trials);
	sqlite3_bind_int(stmt, 5, parallel);
	store_bind_text(stmt, 6, spec_json);
	if (class_names_json != NULL)
		store_bind_text(stmt, 7, class_names_json);
	else
		sqlite3_bind_null(stmt, 7);
	if ((err = store_run(st, S_SEARCH_ADD, cause)) != 0)
		return err;
	*id = sqlite3_last_insert_rowid(st->db);
	st->pending++;
	return 0;
}

/* Set a search's status; any status but running also sets finished_at. */
int
store_search_status(struct store *st, int64_t id, enum search_status status, char **cause)
{
	sqlite3_stmt *stmt = st->stmt[S_SEARCH_STATUS];
	int err;

	if ((err = store_begin(st, cause)) != 0)
		return err;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, search_status_name(status));
	if ((err = store_run(st, S_SEARCH_STATUS, cause)) != 0)
		return err;
	if (sqlite3_changes(st->db) == 0)
		return xcause(cause, -ENOENT, "store: search %lld: no such search", (long long)id);
	st->pending++;
	return 0;
}

/* The current row of STORE_SEARCH_SELECT as a search object. */
static cJSON *
store_search_row(sqlite3_stmt *stmt)
{
	cJSON *o = cJSON_CreateObject(), *counts = cJSON_CreateObject(), *obj;
	int i, n = (int)(sizeof store_search_names / sizeof store_search_names[0]);

	store_add_columns(o, stmt, 0, store_search_names, n);
	for (i = 0; i < TRIAL_NSTATUS; i++)
		store_add_columns(counts, stmt, SC_COUNTS + i, &trial_status_names[i], 1);
	cJSON_AddItemToObject(o, "counts", counts);
	obj = cJSON_AddObjectToObject(o, "objective");
	cJSON_AddItemToObject(obj, "metric", store_column(stmt, SC_METRIC, false));
	cJSON_AddItemToObject(obj, "goal", store_column(stmt, SC_GOAL, false));
	cJSON_AddItemToObject(o, "best", store_column(stmt, SC_BEST, false));
	cJSON_AddItemToObject(o, "best_trial", store_column(stmt, SC_BEST_TRIAL, false));
	return o;
}

/* Every search with its trial counts, objective and best trial, by id. */
cJSON *
store_search_list(struct store *st, char **cause)
{
	cJSON *a = cJSON_CreateArray();
	int rc;

	while ((rc = store_next(st, S_SEARCH_LIST, cause)) == 1)
		cJSON_AddItemToArray(a, store_search_row(st->stmt[S_SEARCH_LIST]));
	if (rc < 0) {
		cJSON_Delete(a);
		return NULL;
	}
	return a;
}

/* The rows of statement s, bound, as an array of objects, columns 0 … n - 1 named names[]. */
static cJSON *
store_search_rows(struct store *st, enum store_stmt s, const char *const *names, int n,
    char **cause)
{
	cJSON *a = cJSON_CreateArray(), *o;
	int rc;

	while ((rc = store_next(st, s, cause)) == 1) {
		o = cJSON_CreateObject();
		store_add_columns(o, st->stmt[s], 0, names, n);
		cJSON_AddItemToArray(a, o);
	}
	if (rc < 0) {
		cJSON_Delete(a);
		return NULL;
	}
	return a;
}

/*
 * One search as in store_search_list, plus its "spec"; as "trials", its trials by number, each
 * with its BLAS kernel's core ("kernel", null when not said; the number of trials requested
 * is then "requested"); and as "kernels" the kernels they ran on, in the order they came,
 * each once: [{"core", "why" ("" when not said), "trials"}, …]. NULL with *cause when there
 * is no such search.
 */
cJSON *
store_search_get(struct store *st, int64_t id, char **cause)
{
	static const char *const kernel_names[] = { "core", "why", "trials" };
	sqlite3_stmt *stmt = st->stmt[S_SEARCH_GET];
	cJSON *o, *trials, *kernels = NULL;
	int rc, n = (int)(sizeof store_search_trial_names / sizeof store_search_trial_names[0]);

	sqlite3_bind_int64(stmt, 1, id);
	if ((rc = store_next(st, S_SEARCH_GET, cause)) < 0)
		return NULL;
	if (rc == 0) {
		xcause(cause, -ENOENT, "search %lld: no such search", (long long)id);
		return NULL;
	}
	o = store_search_row(stmt);
	cJSON_AddItemToObject(o, "spec", store_column(stmt, SC_SPEC, true));
	if (sqlite3_column_type(stmt, SC_CLASS_NAMES) != SQLITE_NULL)
		cJSON_AddItemToObject(o, "class_names", store_column(stmt, SC_CLASS_NAMES, true));
	store_reset(st, S_SEARCH_GET);

	/* "trials" becomes the array; the number requested moves to "requested". */
	sqlite3_bind_int64(st->stmt[S_SEARCH_TRIALS], 1, id);
	sqlite3_bind_int64(st->stmt[S_SEARCH_KERNELS], 1, id);
	if ((trials = store_search_rows(st, S_SEARCH_TRIALS, store_search_trial_names, n,
	    cause)) == NULL || (kernels = store_search_rows(st, S_SEARCH_KERNELS, kernel_names,
	    3, cause)) == NULL) {
		store_reset(st, S_SEARCH_KERNELS);
		cJSON_Delete(trials);
		cJSON_Delete(o);
		return NULL;
	}
	cJSON_AddItemToObject(o, "requested",
	    cJSON_DetachItemFromObjectCaseSensitive(o, "trials"));
	cJSON_AddItemToObject(o, "trials", trials);
	cJSON_AddItemToObject(o, "kernels", kernels);
	return o;
}

/*
 * The best n done trials (n <= 0: all) of a search by its objective, in its direction, then
 * by id; of every search (search_id 0), each trial ranked in its own search's direction.
 */
cJSON *
store_search_best(struct store *st, int64_t search_id, int n, char **cause)
{
	enum store_stmt s = S_BEST_ALL;
	const char *goal;
	int rc, cols = (int)(sizeof store_search_best_names / sizeof store_search_best_names[0]);

	if (search_id != 0) {
		sqlite3_bind_int64(st->stmt[S_SEARCH_GOAL], 1, search_id);
		if ((rc = store_next(st, S_SEARCH_GOAL, cause)) < 0)
			return NULL;
		goal = rc == 1 ? (const char *)sqlite3_column_text(st->stmt[S_SEARCH_GOAL], 0) :
		    NULL;
		s = goal != NULL && strcmp(goal, "min") == 0 ? S_BEST_MIN : S_BEST_MAX;
		store_reset(st, S_SEARCH_GOAL);
	}
	sqlite3_bind_int64(st->stmt[s], 1, search_id);
	sqlite3_bind_int(st->stmt[s], 2, n > 0 ? n : -1);
	return store_search_rows(st, s, store_search_best_names, cols, cause);
}

/* The ids of searches still running (to resume after a restart); *ids is malloc'd or NULL. */
int
store_search_unfinished(struct store *st, int64_t **ids, int *n, char **cause)
{
	int rc, size = 0;

	*ids = NULL;
	*n = 0;
	while ((rc = store_next(st, S_SEARCH_UNFINISHED, cause)) == 1) {
		if (*n == size) {
			size = size ? 2 * size : 8;
			*ids = xreallocarray(*ids, (size_t)size, sizeof **ids);
		}
		(*ids)[(*n)++] = sqlite3_column_int64(st->stmt[S_SEARCH_UNFINISHED], 0);
	}
	if (rc < 0) {
		free(*ids);
		*ids = NULL;
		*n = 0;
		return rc;
	}
	return 0;
}

/* Record round `round` of a search: its trial count, box (JSON) and description. */
int
store_search_round_add(struct store *st, int64_t search_id, int round, int trials,
    const cJSON *box, const char *description, char **cause)
{
	sqlite3_stmt *stmt = st->stmt[S_ROUND_ADD];
	const char *text;
	char *heap = NULL;
	int err;

	if ((text = store_print(st, box, &heap)) == NULL)
		return xcause(cause, -ENOMEM, "store: insert round: out of memory");
	if ((err = store_begin(st, cause)) != 0)
		goto fail;
	sqlite3_bind_int64(stmt, 1, search_id);
	sqlite3_bind_int(stmt, 2, round);
	sqlite3_bind_int(stmt, 3, trials);
	store_bind_text(stmt, 4, text);
	store_bind_text(stmt, 5, description);
	if ((err = store_run(st, S_ROUND_ADD, cause)) == 0)
		st->pending++;
fail:
	free(heap);
	return err;
}

/* The rounds of a search: [{"round","trials","box":{…},"description","created_at"}, …]. */
cJSON *
store_search_rounds(struct store *st, int64_t search_id, char **cause)
{
	static const char *const names[] = { "round", "trials", "box", "description",
	    "created_at" };
	sqlite3_stmt *stmt = st->stmt[S_ROUNDS];
	cJSON *a = cJSON_CreateArray(), *o;
	int rc;

	sqlite3_bind_int64(stmt, 1, search_id);
	while ((rc = store_next(st, S_ROUNDS, cause)) == 1) {
		o = cJSON_CreateObject();
		store_add_columns(o, stmt, 0, names, 2);
		cJSON_AddItemToObject(o, "box", store_column(stmt, 2, true));
		store_add_columns(o, stmt, 3, names + 3, 2);
		cJSON_AddItemToArray(a, o);
	}
	if (rc < 0) {
		cJSON_Delete(a);
		return NULL;
	}
	return a;
}

