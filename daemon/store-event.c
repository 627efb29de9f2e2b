/*
 * store-event.c: the events of searches — each recorded in its place in the search's history
 * (one sequence of ids with the reports), and the history read back in that order, events and
 * reports merged: an epoch event rebuilt from its report, a trial_start or trial_end that kept
 * only what its trial's row does not say rebuilt from that row, as a watcher was sent them.
 * Layer: part
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"
#include "timestamp.h"
#include "xmalloc.h"

/* Columns of STORE_HISTORY_EVENTS and STORE_HISTORY_REPORTS (store-sql.c). */
enum {
	SH_ID, SH_KIND, SH_SEARCH, SH_TRIAL, SH_TIME, SH_DATA,
	SH_NUMBER, SH_ROUND, SH_PARAMS, SH_STATUS, SH_VAL_ACC, SH_BEST_VAL_ACC, SH_TEST_ACC,
	SH_EPOCHS, SH_SECONDS, SH_OBJECTIVE, SH_ERROR,
	SH_REPORT			/* epoch, time, absent, v0 … v11, more */
};

/*
 * Append an event (search or trial 0: NULL; data may be NULL) at time (ms); *id gets its
 * place in the history.
 */
int
store_event_add(struct store *st, int64_t *id, int64_t search_id, int64_t trial_id,
    const char *kind, int64_t time, const cJSON *data, char **cause)
{
	sqlite3_stmt *stmt = st->stmt[S_EVENT_ADD];
	char when[TIMESTAMP_LEN], *heap = NULL;
	const char *text = NULL;
	int err;

	if (data != NULL && (text = store_print(st, data, &heap)) == NULL)
		return xcause(cause, -ENOMEM, "store: insert event: out of memory");
	if ((err = store_begin(st, cause)) != 0 || (err = store_new_id(st, id, cause)) != 0)
		goto fail;
	timestamp_format(time, when, sizeof when);
	sqlite3_bind_int64(stmt, 1, *id);
	store_bind_id(stmt, 2, search_id);
	store_bind_id(stmt, 3, trial_id);
	store_bind_text(stmt, 4, when);
	store_bind_text(stmt, 5, kind);
	store_bind_text(stmt, 6, text);
	if ((err = store_run(st, S_EVENT_ADD, cause)) == 0)
		st->pending++;
fail:
	free(heap);
	return err;
}

/* Add a number column, or null. */
static void
store_event_number(cJSON *o, const char *name, sqlite3_stmt *stmt, int col)
{
	if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
		cJSON_AddNullToObject(o, name);
	else
		cJSON_AddNumberToObject(o, name, sqlite3_column_double(stmt, col));
}

/*
 * What a thin trial_start or trial_end left to its trial's row: number, round, params (a
 * start); number, round, status, the results, objective, error (an end).
 */
static void
store_event_trial(cJSON *o, sqlite3_stmt *stmt, bool start)
{
	store_event_number(o, "number", stmt, SH_NUMBER);
	store_event_number(o, "round", stmt, SH_ROUND);
	if (start) {
		cJSON_AddItemToObject(o, "params", store_column(stmt, SH_PARAMS, true));
		return;
	}
	cJSON_AddItemToObject(o, "status", store_column(stmt, SH_STATUS, false));
	store_event_number(o, "val_acc", stmt, SH_VAL_ACC);
	store_event_number(o, "best_val_acc", stmt, SH_BEST_VAL_ACC);
	store_event_number(o, "test_acc", stmt, SH_TEST_ACC);
	store_event_number(o, "epochs", stmt, SH_EPOCHS);
	store_event_number(o, "seconds", stmt, SH_SECONDS);
	store_event_number(o, "objective", stmt, SH_OBJECTIVE);
	if (sqlite3_column_type(stmt, SH_ERROR) != SQLITE_NULL)
		cJSON_AddItemToObject(o, "error", store_column(stmt, SH_ERROR, false));
}

/* A history row that is an event: {"id","event","search","trial","time",…data}. */
static cJSON *
store_event_row(sqlite3_stmt *stmt)
{
	cJSON *o = cJSON_CreateObject(), *data, *v;
	const char *kind = (const char *)sqlite3_column_text(stmt, SH_KIND);

	cJSON_AddItemToObject(o, "id", store_column(stmt, SH_ID, false));
	cJSON_AddItemToObject(o, "event", store_column(stmt, SH_KIND, false));
	if (sqlite3_column_type(stmt, SH_SEARCH) != SQLITE_NULL)
		cJSON_AddItemToObject(o, "search", store_column(stmt, SH_SEARCH, false));
	if (sqlite3_column_type(stmt, SH_TRIAL) != SQLITE_NULL)
		cJSON_AddItemToObject(o, "trial", store_column(stmt, SH_TRIAL, false));
	cJSON_AddItemToObject(o, "time", store_column(stmt, SH_TIME, false));
	if (sqlite3_column_type(stmt, SH_NUMBER) != SQLITE_NULL)	/* a thin one */
		store_event_trial(o, stmt, kind != NULL && strcmp(kind, "trial_start") == 0);
	if (sqlite3_column_type(stmt, SH_DATA) == SQLITE_NULL)
		return o;
	data = store_column(stmt, SH_DATA, true);
	if (!cJSON_IsObject(data)) {
		cJSON_AddItemToObject(o, "data", data);
		return o;
	}
	/* Move the data members over; the event's own members win a clash. */
	while ((v = data->child) != NULL) {
		cJSON_DetachItemViaPointer(data, v);
		if (v->string != NULL && !cJSON_HasObjectItem(o, v->string))
			cJSON_AddItemToObject(o, v->string, v);
		else
			cJSON_Delete(v);
	}
	cJSON_Delete(data);
	return o;
}

/*
 * The history of a search (0: of all) after id `after`, in order, at most limit (<= 0: all):
 * its events and its reports as epoch events.
 */
cJSON *
store_event_history(struct store *st, int64_t search_id, int64_t after, int limit,
    char **cause)
{
	enum store_stmt s = search_id != 0 ? S_HISTORY_ONE : S_HISTORY_ALL;
	sqlite3_stmt *stmt = st->stmt[s];
	const char *kind;
	cJSON *a, *params;
	int rc;

	sqlite3_bind_int64(stmt, 1, search_id);
	sqlite3_bind_int64(stmt, 2, after);
	sqlite3_bind_int(stmt, 3, limit > 0 ? limit : -1);
	a = cJSON_CreateArray();
	while ((rc = store_next(st, s, cause)) == 1) {
		kind = (const char *)sqlite3_column_text(stmt, SH_KIND);
		if (kind == NULL || strcmp(kind, "epoch") != 0 ||
		    sqlite3_column_type(stmt, SH_REPORT) == SQLITE_NULL) {
			cJSON_AddItemToArray(a, store_event_row(stmt));
			continue;
		}
		params = store_column(stmt, SH_PARAMS, true);
		cJSON_AddItemToArray(a, store_report_event(st, stmt, SH_REPORT,
		    sqlite3_column_int64(stmt, SH_SEARCH), sqlite3_column_int(stmt, SH_NUMBER),
		    params));
		cJSON_Delete(params);
	}
	if (rc < 0) {
		cJSON_Delete(a);
		return NULL;
	}
	return a;
}
